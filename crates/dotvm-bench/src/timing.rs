//! Timing: wall time of one run, medians of several.

use std::time::{Duration, Instant};

/// Runs `run` once and returns its wall time and result.
pub(crate) fn timed<T, E>(run: impl FnOnce() -> Result<T, E>) -> Result<(Duration, T), E> {
    let start = Instant::now();
    let value = run()?;
    Ok((start.elapsed(), value))
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
    fn timed_passes_results_and_errors_through() {
        assert_eq!(timed(|| Ok::<_, ()>(7)).unwrap().1, 7);
        assert_eq!(timed(|| Err::<(), _>("stop")), Err("stop"));
    }

    #[test]
    fn rates_of_a_known_time() {
        let (ns, millions) = rates(2_000, Duration::from_micros(1));
        assert!((ns - 0.5).abs() < 1e-12);
        assert!((millions - 2_000.0).abs() < 1e-9);
    }
}
