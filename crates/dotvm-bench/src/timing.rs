//! Timing: a clock that ignores time spent waiting for a CPU, medians of interleaved runs,
//! and rates.

use std::time::{Duration, Instant};

/// The Linux file whose first field is the calling thread's on-CPU time in nanoseconds.
const SCHEDSTAT: &str = "/proc/thread-self/schedstat";

/// The calling thread's on-CPU time, if the system reports it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string(SCHEDSTAT).ok()?;
    let nanos = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// What the benchmarks measure time with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// The benchmark thread's on-CPU time: on a shared machine, time spent waiting for a
    /// core is not counted.
    ThreadCpu,
    /// Wall-clock time since the given instant (where on-CPU time is unavailable).
    Wall(Instant),
}

impl Clock {
    /// On-CPU time where the system reports it, else wall-clock time.
    pub(crate) fn detect() -> Clock {
        match thread_cpu_time() {
            Some(_) => Clock::ThreadCpu,
            None => Clock::Wall(Instant::now()),
        }
    }

    /// What the clock measures, for report headers.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Clock::ThreadCpu => "on-CPU time of the benchmark thread",
            Clock::Wall(_) => "wall-clock time",
        }
    }

    /// The current reading.
    fn now(self) -> Result<Duration, String> {
        match self {
            Clock::ThreadCpu => thread_cpu_time().ok_or_else(|| format!("cannot read {SCHEDSTAT}")),
            Clock::Wall(origin) => Ok(origin.elapsed()),
        }
    }
}

/// How one benchmark measures: loop iterations per run, timed runs (medians), clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Loop iterations per run.
    pub(crate) iterations: u64,
    /// Timed runs per contender.
    pub(crate) runs: usize,
    /// The clock.
    pub(crate) clock: Clock,
}

impl Plan {
    /// The header clause naming the iterations, runs and clock.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} iterations, median of {} runs, {}",
            self.iterations,
            self.runs,
            self.clock.describe()
        )
    }

    /// [`interleaved_medians`] with this plan's runs and clock.
    pub(crate) fn medians(
        &self,
        contenders: &mut [Contender<'_>],
    ) -> Result<Vec<Duration>, String> {
        interleaved_medians(self.clock, self.runs, contenders)
    }
}

/// One measured thing: a run that checks its own result.
pub(crate) type Contender<'a> = &'a mut dyn FnMut() -> Result<(), String>;

/// Runs every contender once per round for `runs` rounds (so all of them see the same
/// machine noise) and returns each one's median time on `clock`, in order. The first error
/// stops the measurement.
pub(crate) fn interleaved_medians(
    clock: Clock,
    runs: usize,
    contenders: &mut [Contender<'_>],
) -> Result<Vec<Duration>, String> {
    let mut times = vec![Vec::with_capacity(runs); contenders.len()];
    for _ in 0..runs {
        for (contender, times) in contenders.iter_mut().zip(&mut times) {
            let start = clock.now()?;
            contender()?;
            times.push(clock.now()?.saturating_sub(start));
        }
    }
    Ok(times.into_iter().map(median).collect())
}

/// The median of some durations (the upper one of the middle two for an even count; zero
/// for none).
pub(crate) fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Nanoseconds per item, and millions of items per second, for `count` items in `time`.
pub(crate) fn rates(count: u64, time: Duration) -> (f64, f64) {
    let seconds = time.as_secs_f64();
    let count = count as f64;
    (seconds * 1e9 / count, count / seconds / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(vec![ms(9), ms(1), ms(5)]), ms(5));
        assert_eq!(median(vec![ms(4), ms(1), ms(3), ms(2)]), ms(3));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }

    #[test]
    fn contenders_alternate_and_errors_stop() {
        let order = std::cell::RefCell::new(Vec::new());
        let mut first = || {
            order.borrow_mut().push(1);
            Ok(())
        };
        let mut second = || {
            order.borrow_mut().push(2);
            std::thread::sleep(Duration::from_millis(2));
            Ok(())
        };
        let wall = Clock::Wall(Instant::now());
        let medians = interleaved_medians(wall, 3, &mut [&mut first, &mut second]).unwrap();
        assert_eq!(*order.borrow(), [1, 2, 1, 2, 1, 2]);
        assert_eq!(medians.len(), 2);
        assert!(medians[1] >= Duration::from_millis(2));
        let mut failing = || Err("stop".to_string());
        assert_eq!(
            interleaved_medians(wall, 3, &mut [&mut failing]),
            Err("stop".to_string())
        );
    }

    #[test]
    fn the_cpu_clock_counts_work_not_sleep() {
        if thread_cpu_time().is_none() {
            return; // not Linux: the benchmarks fall back to the wall clock
        }
        let mut sleep = || {
            std::thread::sleep(Duration::from_millis(20));
            Ok(())
        };
        let mut spin = || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(20) {
                std::hint::black_box(0);
            }
            Ok(())
        };
        let medians = interleaved_medians(Clock::ThreadCpu, 1, &mut [&mut sleep, &mut spin]);
        let medians = medians.unwrap();
        assert!(medians[0] < Duration::from_millis(10), "{medians:?}");
        assert!(medians[1] > Duration::from_millis(1), "{medians:?}");
    }

    #[test]
    fn rates_of_a_known_time() {
        let (ns, millions) = rates(2_000, Duration::from_micros(1));
        assert!((ns - 0.5).abs() < 1e-12);
        assert!((millions - 2_000.0).abs() < 1e-9);
    }
}
