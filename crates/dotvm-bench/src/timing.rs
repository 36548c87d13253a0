//! Timing: medians of interleaved runs, and rates.

use std::time::{Duration, Instant};

/// One measured thing: a run that checks its own result.
pub(crate) type Contender<'a> = &'a mut dyn FnMut() -> Result<(), String>;

/// Runs every contender once per round for `runs` rounds (so all of them see the same
/// machine noise) and returns each one's median wall time, in order. The first error stops
/// the measurement.
pub(crate) fn interleaved_medians(
    runs: usize,
    contenders: &mut [Contender<'_>],
) -> Result<Vec<Duration>, String> {
    let mut times = vec![Vec::with_capacity(runs); contenders.len()];
    for _ in 0..runs {
        for (contender, times) in contenders.iter_mut().zip(&mut times) {
            let start = Instant::now();
            contender()?;
            times.push(start.elapsed());
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
        let medians = interleaved_medians(3, &mut [&mut first, &mut second]).unwrap();
        assert_eq!(*order.borrow(), [1, 2, 1, 2, 1, 2]);
        assert_eq!(medians.len(), 2);
        assert!(medians[1] >= Duration::from_millis(2));
        let mut failing = || Err("stop".to_string());
        assert_eq!(
            interleaved_medians(3, &mut [&mut failing]),
            Err("stop".to_string())
        );
    }

    #[test]
    fn rates_of_a_known_time() {
        let (ns, millions) = rates(2_000, Duration::from_micros(1));
        assert!((ns - 0.5).abs() < 1e-12);
        assert!((millions - 2_000.0).abs() < 1e-9);
    }
}
