//! Resource limits for one run, and the interrupt flag that stops a run from outside.
//!
//! # The interrupt check (for engine authors)
//!
//! A run stops early when its [`Interrupt`] is raised: by the watchdog that enforces
//! [`Limits::time`], or by the embedder through a handle it kept. An engine honours it with
//! one relaxed atomic load:
//!
//! * at block boundaries, after the block is paid for: at every block in compiled code;
//!   in the threaded engine at the run's first block and then at least once every 65 536
//!   instructions (its `Charge` op reads it when it starts a new chunk of fuel, see
//!   `docs/engine.md`), and
//! * before every instruction in the precise mode (before the instruction is paid for),
//!
//! and, when the flag is set, saves its position and fails with the trap kind
//! `Machine::interruption` returns ([`TrapKind::TimeLimit`](crate::TrapKind::TimeLimit) or
//! [`TrapKind::Interrupted`](crate::TrapKind::Interrupted)). Host work that can take long
//! (BigInt and crypto instructions) checks the flag before it starts. So a timed-out run
//! stops within one chunk of instructions (or one host instruction) of the deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Bounds a run may not exceed; exceeding one is a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Value-stack size in slots (locals and operands of all frames together).
    pub stack_slots: usize,
    /// Maximum nesting of calls.
    pub call_depth: usize,
    /// Maximum linear-memory size in bytes.
    pub memory_bytes: u64,
    /// Maximum fuel (`u64::MAX`: unlimited): every instruction costs 1, and crypto and
    /// BigInt instructions add a cost proportional to their work (`docs/crypto.md`).
    pub instructions: u64,
    /// Wall-clock time the run may take (`None`: unlimited). A watchdog thread raises the
    /// run's interrupt flag when it passes; the run then traps with
    /// [`TrapKind::TimeLimit`](crate::TrapKind::TimeLimit).
    pub time: Option<Duration>,
    /// A flag the embedder keeps a handle to, to stop the run from another thread
    /// ([`TrapKind::Interrupted`](crate::TrapKind::Interrupted)). The time limit raises it
    /// too when given.
    pub interrupt: Option<Interrupt>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stack_slots: 1 << 20,
            call_depth: 10_000,
            memory_bytes: 256 << 20,
            instructions: u64::MAX,
            time: None,
            interrupt: None,
        }
    }
}

/// A shared stop flag: raising it stops every run that uses it soon after, at a block
/// boundary (see the module docs).
/// Clones share the flag; two handles are equal when they share it.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A new, lowered flag.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Raises the flag (from any thread).
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Lowers the flag again, so that the runs using it can be resumed or restarted.
    pub fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    /// True when the flag is raised.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for the engine's check.
    pub(crate) fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

impl PartialEq for Interrupt {
    fn eq(&self, other: &Interrupt) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Interrupt {}

/// Raises an [`Interrupt`] when a duration has passed, unless dropped first. Dropping it
/// stops its thread.
#[derive(Debug)]
pub(crate) struct Watchdog {
    /// Dropping the sender wakes the thread, which then exits without raising.
    _stop: std::sync::mpsc::Sender<()>,
}

impl Watchdog {
    /// Starts a thread that raises `interrupt` at `deadline` (never before it, so a run
    /// that sees the flag raised by the watchdog also sees the deadline passed).
    pub(crate) fn start(interrupt: Interrupt, deadline: Instant) -> Watchdog {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let wait = deadline.saturating_duration_since(Instant::now());
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                interrupt.raise();
            }
        });
        Watchdog { _stop: stop }
    }
}

/// Formats a duration the way `--timeout` spells it: `1m`, `2s`, `500ms`, `250us`.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos != 0 && nanos.is_multiple_of(60_000_000_000) {
        format!("{}m", nanos / 60_000_000_000)
    } else if nanos.is_multiple_of(1_000_000_000) {
        format!("{}s", nanos / 1_000_000_000)
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{}ms", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!("{}us", nanos / 1_000)
    } else {
        format!("{nanos}ns")
    }
}

/// Parses a duration as `--timeout` takes it: a whole number with a unit `ms`, `s`, `m` or
/// `h` (`500ms`, `2s`, `1m`), or `us`/`ns` for tests.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let bad = || format!("`{text}` is not a duration (examples: 500ms, 2s, 1m, unlimited)");
    let value: u64 = digits.parse().map_err(|_| bad())?;
    let duration = match unit {
        "ns" => Duration::from_nanos(value),
        "us" => Duration::from_micros(value),
        "ms" => Duration::from_millis(value),
        "s" => Duration::from_secs(value),
        "m" => Duration::from_secs(value.checked_mul(60).ok_or_else(bad)?),
        "h" => Duration::from_secs(value.checked_mul(3600).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if duration.is_zero() {
        return Err(format!("`{text}`: the time limit must be above zero"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for text in ["500ms", "2s", "1m", "90s", "250us", "7ns"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(format_duration(parse_duration("2h").unwrap()), "120m");
        for bad in [
            "",
            "2",
            "s",
            "2 s",
            "-1s",
            "1.5s",
            "0s",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_watchdog_raises_unless_dropped() {
        let fired = Interrupt::new();
        let _dog = Watchdog::start(fired.clone(), Instant::now() + Duration::from_millis(1));
        let quiet = Interrupt::new();
        drop(Watchdog::start(
            quiet.clone(),
            Instant::now() + Duration::from_millis(1),
        ));
        std::thread::sleep(Duration::from_millis(50));
        assert!(fired.is_raised());
        assert!(!quiet.is_raised());
    }
}
