//! Running a transaction again after a conflict: with a server-backed store
//! ([`crate::PostgresBackend`]) a run that conflicts with a concurrent one fails as a whole
//! and is simply run again from the start, a bounded number of times, with a growing,
//! jittered pause between attempts.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How often and how patiently a conflicting transaction is run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// Pause before the second attempt; it doubles with each further attempt.
    pub base_delay: Duration,
    /// Longest pause.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 20 attempts, pauses from 2 ms growing to at most 250 ms.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 20,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(250),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based): uniformly random between half
    /// and all of `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let doubling = 1u32 << attempt.saturating_sub(1).min(16);
        let full = self.base_delay.saturating_mul(doubling).min(self.max_delay);
        let jitter = std::hash::RandomState::new().build_hasher().finish() % 1024;
        full / 2 + full / 2 * jitter as u32 / 1024
    }
}

/// What one attempt of [`with_retries`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T> {
    /// A final result (success, or a failure that running again would not change).
    Done(T),
    /// The transaction conflicted with a concurrent one and was rolled back; this result
    /// stands only if no attempts are left.
    Conflict(T),
}

/// Calls `attempt` with the attempt number (1, 2, ...) until it returns
/// [`Attempt::Done`] or `policy.max_attempts` attempts have conflicted, pausing between
/// attempts; returns the last result and the number of attempts made.
pub fn with_retries<T>(
    policy: &RetryPolicy,
    mut attempt: impl FnMut(u32) -> Attempt<T>,
) -> (T, u32) {
    let mut number = 1;
    loop {
        match attempt(number) {
            Attempt::Done(result) => return (result, number),
            Attempt::Conflict(result) if number >= policy.max_attempts => {
                return (result, number);
            }
            Attempt::Conflict(_) => {
                std::thread::sleep(policy.delay(number));
                number += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_are_retried_a_bounded_number_of_times() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        };
        assert_eq!(with_retries(&policy, Attempt::Conflict), (3, 3));
        assert_eq!(
            with_retries(&policy, |n| if n == 2 {
                Attempt::Done(n)
            } else {
                Attempt::Conflict(n)
            }),
            (2, 2)
        );
    }

    #[test]
    fn delays_grow_and_stay_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1) <= Duration::from_millis(2));
        assert!(policy.delay(1) >= Duration::from_millis(1));
        assert!(policy.delay(30) <= policy.max_delay);
        assert!(policy.delay(30) >= policy.max_delay / 2);
    }
}
