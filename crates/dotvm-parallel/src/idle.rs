//! Where idle workers wait for work: they park on a condition variable and are woken when
//! something that can make work happens (a task ends, the committed prefix grows, the
//! batch is done), with a timeout as a safety net, so that a missed wake-up costs latency,
//! never progress.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// The longest an idle worker sleeps without being woken before it looks for work again.
const TIMEOUT: Duration = Duration::from_millis(1);

/// The parking place of a batch's idle workers.
#[derive(Debug, Default)]
pub(crate) struct Idle {
    /// Workers between [`Idle::prepare`] and the end of [`Idle::wait`].
    sleepers: AtomicUsize,
    /// Counts the events notified while someone was preparing or waiting.
    events: Mutex<u64>,
    /// Signals a new event.
    wake: Condvar,
}

impl Idle {
    /// Announces a worker that found nothing to do; returns the ticket to wait with. The
    /// worker must look for work once more after this, then call [`Idle::wait`]: an event
    /// notified after this call ends the wait at once.
    pub(crate) fn prepare(&self) -> u64 {
        self.sleepers.fetch_add(1, SeqCst);
        *self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until an event is notified after `ticket` was taken (or the timeout).
    pub(crate) fn wait(&self, ticket: u64) {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let _woken = self
            .wake
            .wait_timeout_while(events, TIMEOUT, |events| *events == ticket)
            .unwrap_or_else(PoisonError::into_inner);
        self.sleepers.fetch_sub(1, SeqCst);
    }

    /// Ends a prepared wait without waiting (work was found).
    pub(crate) fn cancel(&self) {
        self.sleepers.fetch_sub(1, SeqCst);
    }

    /// Wakes every waiting worker, if there is one (a single atomic load otherwise).
    pub(crate) fn notify(&self) {
        if self.sleepers.load(SeqCst) > 0 {
            *self.events.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            self.wake.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_notified_event_ends_the_wait_at_once() {
        let idle = Idle::default();
        let ticket = idle.prepare();
        idle.notify();
        idle.wait(ticket);
        assert_eq!(idle.sleepers.load(SeqCst), 0);
    }

    #[test]
    fn a_waiting_worker_is_woken_by_another_thread() {
        let idle = Idle::default();
        std::thread::scope(|scope| {
            let ticket = idle.prepare();
            scope.spawn(|| {
                while idle.sleepers.load(SeqCst) == 0 {
                    std::hint::spin_loop();
                }
                idle.notify();
            });
            let started = Instant::now();
            idle.wait(ticket);
            // Woken (or timed out, which is never longer than the timeout and a margin).
            assert!(started.elapsed() < TIMEOUT * 50);
        });
        idle.prepare();
        idle.cancel();
        assert_eq!(idle.sleepers.load(SeqCst), 0);
    }
}
