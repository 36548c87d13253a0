//! Clock sources for `clock_time_get` / `clock_res_get`: the host's clocks, or a virtual
//! clock that makes runs reproducible.

use super::Errno;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// WASI clock ids.
const REALTIME: u32 = 0;
const MONOTONIC: u32 = 1;
const PROCESS_CPUTIME: u32 = 2;
const THREAD_CPUTIME: u32 = 3;

/// Where clock readings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSource {
    /// The host's clocks: wall-clock time for the realtime clock, time since the run
    /// started for the monotonic and CPU-time clocks.
    Real,
    /// A reproducible clock: the realtime clock starts at `start_nanos` after the Unix
    /// epoch, the others at 0, and every reading advances all of them by one microsecond.
    Virtual {
        /// Realtime clock value of the first reading, in nanoseconds since the epoch.
        start_nanos: u64,
    },
}

/// Nanoseconds each virtual reading advances.
const VIRTUAL_TICK: u64 = 1_000;

/// A clock source with its state.
#[derive(Debug)]
pub(super) struct Clock {
    source: ClockSource,
    /// When the run started (real clocks).
    started: Instant,
    /// Readings so far (virtual clocks).
    readings: u64,
}

impl Clock {
    /// A clock reading `source`.
    pub(super) fn new(source: ClockSource) -> Clock {
        Clock {
            source,
            started: Instant::now(),
            readings: 0,
        }
    }

    /// The time of clock `id` in nanoseconds; `EINVAL` for an unknown id.
    pub(super) fn time(&mut self, id: u32) -> Result<u64, Errno> {
        let realtime = match id {
            REALTIME => true,
            MONOTONIC | PROCESS_CPUTIME | THREAD_CPUTIME => false,
            _ => return Err(Errno::Inval),
        };
        match self.source {
            ClockSource::Real if realtime => {
                let since_epoch = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| Errno::Overflow)?;
                u64::try_from(since_epoch.as_nanos()).map_err(|_| Errno::Overflow)
            }
            ClockSource::Real => {
                u64::try_from(self.started.elapsed().as_nanos()).map_err(|_| Errno::Overflow)
            }
            ClockSource::Virtual { start_nanos } => {
                let elapsed = self.readings.saturating_mul(VIRTUAL_TICK);
                self.readings += 1;
                Ok(if realtime {
                    start_nanos.saturating_add(elapsed)
                } else {
                    elapsed
                })
            }
        }
    }

    /// The resolution of clock `id` in nanoseconds.
    pub(super) fn resolution(&self, id: u32) -> Result<u64, Errno> {
        match (id, self.source) {
            (REALTIME..=THREAD_CPUTIME, ClockSource::Real) => Ok(1),
            (REALTIME..=THREAD_CPUTIME, ClockSource::Virtual { .. }) => Ok(VIRTUAL_TICK),
            _ => Err(Errno::Inval),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_is_reproducible_and_advances() {
        let mut clock = Clock::new(ClockSource::Virtual { start_nanos: 5_000 });
        assert_eq!(clock.time(REALTIME), Ok(5_000));
        assert_eq!(clock.time(MONOTONIC), Ok(1_000));
        assert_eq!(clock.time(REALTIME), Ok(7_000));
        assert_eq!(clock.time(9), Err(Errno::Inval));
        assert_eq!(clock.resolution(MONOTONIC), Ok(1_000));
    }

    #[test]
    fn real_clock_reads_the_host() {
        let mut clock = Clock::new(ClockSource::Real);
        let now = clock.time(REALTIME).unwrap();
        // Later than 2020-01-01.
        assert!(now > 1_577_836_800_000_000_000);
        let a = clock.time(MONOTONIC).unwrap();
        let b = clock.time(MONOTONIC).unwrap();
        assert!(b >= a);
        assert_eq!(clock.resolution(4), Err(Errno::Inval));
    }
}
