//! The collaborative scheduler of Block-STM (Gelashvili et al., PPoPP 2023): hands out
//! execution and validation tasks, lowest job index first, tracks each job's status and the
//! jobs waiting for another job's writes, commits the finished prefix of the batch, and
//! detects when the batch is done.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// An execution or validation of one incarnation of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    /// Run incarnation `.1` of job `.0`.
    Execute(usize, u32),
    /// Validate the reads of incarnation `.1` of job `.0`.
    Validate(usize, u32),
}

/// Where a job is in its life: each state carries the current incarnation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Waiting to be executed.
    Ready(u32),
    /// Being executed.
    Executing(u32),
    /// Executed, its writes recorded.
    Executed(u32),
    /// Aborted (by validation or a dependency); will be made ready again.
    Aborting(u32),
}

/// The scheduler's shared state.
#[derive(Debug)]
pub(crate) struct Scheduler {
    /// Number of jobs.
    jobs: usize,
    /// Next job to execute (may be lowered).
    execution_idx: AtomicUsize,
    /// Next job to validate (may be lowered).
    validation_idx: AtomicUsize,
    /// Counts decreases of either index, for the completion check.
    decrease_cnt: AtomicUsize,
    /// Tasks handed out and not yet finished.
    active_tasks: AtomicUsize,
    /// Set once every job is executed and validated, or the batch is cancelled.
    done: AtomicBool,
    /// The committed prefix: every job below it is final (executed, and its reads checked
    /// after every earlier job was final); it never decreases.
    committed: AtomicUsize,
    /// Serialises committing, so that jobs commit in batch order.
    committing: Mutex<()>,
    /// How far past `committed` new jobs may start: 1 after an abort (a job then starts only
    /// when every earlier one is committed), doubled after every [`STREAK`] successful
    /// validations in a row. It bounds the work wasted when jobs conflict a lot and decides
    /// only when jobs start, never what they compute.
    window: AtomicUsize,
    /// Successful validations since the last abort or widening, counted only while the
    /// window is narrower than the batch (a full window cannot widen, and not counting
    /// spares every validation a write to a counter that all the workers share).
    streak: AtomicUsize,
    /// Per job: its status and dependents.
    per_job: Vec<JobState>,
}

/// What the scheduler knows of one job.
#[derive(Debug)]
struct JobState {
    /// Its status.
    status: Mutex<Status>,
    /// The jobs waiting for it to finish executing.
    dependents: Mutex<Vec<usize>>,
}

/// Successful validations in a row that double the execution window.
const STREAK: usize = 32;

/// Locks even when another thread panicked holding the lock (the batch then fails).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scheduler {
    /// A scheduler for `jobs` jobs, all ready for their first incarnation.
    pub(crate) fn new(jobs: usize) -> Scheduler {
        Scheduler {
            jobs,
            execution_idx: AtomicUsize::new(0),
            validation_idx: AtomicUsize::new(0),
            decrease_cnt: AtomicUsize::new(0),
            active_tasks: AtomicUsize::new(0),
            committed: AtomicUsize::new(0),
            committing: Mutex::new(()),
            done: AtomicBool::new(jobs == 0),
            window: AtomicUsize::new(jobs.max(1)),
            streak: AtomicUsize::new(0),
            per_job: (0..jobs)
                .map(|_| JobState {
                    status: Mutex::new(Status::Ready(0)),
                    dependents: Mutex::default(),
                })
                .collect(),
        }
    }

    /// True once the batch is finished (or cancelled).
    pub(crate) fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Stops every worker (after a fatal error).
    pub(crate) fn cancel(&self) {
        self.done.store(true, SeqCst);
    }

    /// The next task, preferring validation of lower jobs; `None` when there is nothing
    /// to do right now.
    pub(crate) fn next_task(&self) -> Option<Task> {
        if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
            self.next_validation()
        } else {
            self.next_execution()
        }
    }

    /// Declares the batch done when both indexes are past the end, no task is active and
    /// no index was lowered meanwhile.
    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        if self
            .execution_idx
            .load(SeqCst)
            .min(self.validation_idx.load(SeqCst))
            >= self.jobs
            && self.active_tasks.load(SeqCst) == 0
            && observed == self.decrease_cnt.load(SeqCst)
        {
            self.done.store(true, SeqCst);
        }
    }

    /// Starts incarnating `job` when it is ready; otherwise ends the task just counted.
    fn try_incarnate(&self, job: usize) -> Option<Task> {
        if job < self.jobs {
            let mut status = lock(&self.per_job[job].status);
            if let Status::Ready(incarnation) = *status {
                *status = Status::Executing(incarnation);
                return Some(Task::Execute(job, incarnation));
            }
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// The next job to execute, unless it lies beyond the window past the committed prefix.
    fn next_execution(&self) -> Option<Task> {
        let next = self.execution_idx.load(SeqCst);
        if next >= self.jobs {
            self.check_done();
            return None;
        }
        let limit = self
            .committed
            .load(SeqCst)
            .saturating_add(self.window.load(SeqCst));
        if next >= limit {
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let job = self.execution_idx.fetch_add(1, SeqCst);
        self.try_incarnate(job)
    }

    /// The length of the committed prefix: jobs below it are final.
    pub(crate) fn committed(&self) -> usize {
        self.committed.load(SeqCst)
    }

    /// Commits jobs in batch order, from the end of the committed prefix, while the next
    /// one is executed and `confirm(job)` (called with the job's status locked, so that it
    /// cannot be aborted meanwhile) finds its reads still valid; then calls `apply(job)` for
    /// it, in order and outside the status lock. Every job before it being final, a job
    /// whose reads are valid now is final too.
    pub(crate) fn commit_prefix(
        &self,
        mut confirm: impl FnMut(usize) -> bool,
        mut apply: impl FnMut(usize),
    ) {
        let _committing = lock(&self.committing);
        loop {
            let job = self.committed.load(SeqCst);
            if job >= self.jobs {
                return;
            }
            {
                let status = lock(&self.per_job[job].status);
                if !matches!(*status, Status::Executed(_)) || !confirm(job) {
                    return;
                }
                self.committed.store(job + 1, SeqCst);
            }
            apply(job);
        }
    }

    /// The next job to validate.
    fn next_validation(&self) -> Option<Task> {
        if self.validation_idx.load(SeqCst) >= self.jobs {
            self.check_done();
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let job = self.validation_idx.fetch_add(1, SeqCst);
        if job < self.jobs
            && let Status::Executed(incarnation) = *lock(&self.per_job[job].status)
        {
            return Some(Task::Validate(job, incarnation));
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Lowers the execution index to `target`.
    fn decrease_execution_idx(&self, target: usize) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    /// Lowers the validation index to `target`.
    fn decrease_validation_idx(&self, target: usize) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    /// Job `job` read an ESTIMATE of `blocking`: makes it wait for `blocking` to finish
    /// executing and ends its execution task. Returns false when `blocking` has already
    /// finished (execute again at once).
    pub(crate) fn add_dependency(&self, job: usize, blocking: usize) -> bool {
        let mut dependents = lock(&self.per_job[blocking].dependents);
        if matches!(*lock(&self.per_job[blocking].status), Status::Executed(_)) {
            return false;
        }
        {
            let mut status = lock(&self.per_job[job].status);
            if let Status::Executing(incarnation) = *status {
                *status = Status::Aborting(incarnation);
            }
        }
        dependents.push(job);
        self.active_tasks.fetch_sub(1, SeqCst);
        true
    }

    /// Makes an aborted job ready for its next incarnation.
    fn set_ready(&self, job: usize) {
        let mut status = lock(&self.per_job[job].status);
        if let Status::Aborting(incarnation) = *status {
            *status = Status::Ready(incarnation + 1);
        }
    }

    /// Job `job` finished executing `incarnation`; `wrote_new` says whether it wrote a key
    /// its previous incarnation did not. May return the validation of this job as the
    /// caller's next task.
    pub(crate) fn finish_execution(
        &self,
        job: usize,
        incarnation: u32,
        wrote_new: bool,
    ) -> Option<Task> {
        *lock(&self.per_job[job].status) = Status::Executed(incarnation);
        let waiting = std::mem::take(&mut *lock(&self.per_job[job].dependents));
        if let Some(&lowest) = waiting.iter().min() {
            for &dependent in &waiting {
                self.set_ready(dependent);
            }
            self.decrease_execution_idx(lowest);
        }
        if self.validation_idx.load(SeqCst) > job {
            if !wrote_new {
                return Some(Task::Validate(job, incarnation));
            }
            self.decrease_validation_idx(job);
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Aborts incarnation `incarnation` of `job` after a failed validation, unless another
    /// validation already did. True when this call aborted it.
    /// A committed job is never aborted: its reads were found valid when every earlier job
    /// was final, so a failed validation of it read a state that no longer exists.
    pub(crate) fn try_validation_abort(&self, job: usize, incarnation: u32) -> bool {
        let mut status = lock(&self.per_job[job].status);
        if *status == Status::Executed(incarnation) && job >= self.committed.load(SeqCst) {
            *status = Status::Aborting(incarnation);
            return true;
        }
        false
    }

    /// Job `job` was validated; when `aborted`, schedules its re-execution (returned as the
    /// caller's next task when possible) and the validation of every later job.
    pub(crate) fn finish_validation(&self, job: usize, aborted: bool) -> Option<Task> {
        if aborted {
            self.window.store(1, SeqCst);
            self.streak.store(0, SeqCst);
            self.set_ready(job);
            self.decrease_validation_idx(job + 1);
            if self.execution_idx.load(SeqCst) > job {
                // try_incarnate ends this task when the job is not ready.
                return self.try_incarnate(job);
            }
        } else if self.window.load(SeqCst) < self.jobs
            && self.streak.fetch_add(1, SeqCst) + 1 >= STREAK
        {
            self.streak.store(0, SeqCst);
            let wider = self.window.load(SeqCst).saturating_mul(2).min(self.jobs);
            self.window.store(wider, SeqCst);
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_job_runs_and_validates_once() {
        let scheduler = Scheduler::new(1);
        assert_eq!(scheduler.next_task(), Some(Task::Execute(0, 0)));
        assert_eq!(scheduler.next_task(), None);
        assert_eq!(scheduler.finish_execution(0, 0, true), None);
        assert_eq!(scheduler.next_task(), Some(Task::Validate(0, 0)));
        assert_eq!(scheduler.finish_validation(0, false), None);
        assert!(!scheduler.done());
        assert_eq!(scheduler.next_task(), None);
        assert!(scheduler.done());
    }

    #[test]
    fn an_aborted_job_runs_again() {
        let scheduler = Scheduler::new(1);
        assert_eq!(scheduler.next_task(), Some(Task::Execute(0, 0)));
        scheduler.finish_execution(0, 0, true);
        assert_eq!(scheduler.next_task(), Some(Task::Validate(0, 0)));
        assert!(scheduler.try_validation_abort(0, 0));
        assert!(!scheduler.try_validation_abort(0, 0));
        assert_eq!(
            scheduler.finish_validation(0, true),
            Some(Task::Execute(0, 1))
        );
    }

    #[test]
    fn an_abort_narrows_the_execution_window() {
        let scheduler = Scheduler::new(4);
        assert_eq!(scheduler.next_task(), Some(Task::Execute(0, 0)));
        scheduler.finish_execution(0, 0, true);
        assert_eq!(scheduler.next_task(), Some(Task::Validate(0, 0)));
        assert!(scheduler.try_validation_abort(0, 0));
        assert_eq!(
            scheduler.finish_validation(0, true),
            Some(Task::Execute(0, 1))
        );
        assert_eq!(
            scheduler.finish_execution(0, 1, false),
            Some(Task::Validate(0, 1))
        );
        // With a window of 1, job 1 starts once job 0 is committed, and job 2 once job 1 is.
        assert_eq!(scheduler.next_task(), None);
        assert_eq!(scheduler.finish_validation(0, false), None);
        assert_eq!(scheduler.next_task(), None);
        scheduler.commit_prefix(|_| true, |_| ());
        assert_eq!(scheduler.committed(), 1);
        assert_eq!(scheduler.next_task(), Some(Task::Execute(1, 0)));
        assert_eq!(scheduler.next_task(), None);
        assert_eq!(scheduler.finish_execution(1, 0, true), None);
        assert_eq!(scheduler.next_task(), Some(Task::Validate(1, 0)));
        assert_eq!(scheduler.next_task(), None);
        assert_eq!(scheduler.finish_validation(1, false), None);
        scheduler.commit_prefix(|_| true, |_| ());
        assert_eq!(scheduler.next_task(), Some(Task::Execute(2, 0)));
    }

    #[test]
    fn jobs_commit_in_order_and_committed_jobs_are_never_aborted() {
        let scheduler = Scheduler::new(3);
        *lock(&scheduler.per_job[1].status) = Status::Executed(0);
        // Job 1 is executed, but job 0 is not: nothing commits.
        let mut applied = Vec::new();
        scheduler.commit_prefix(|_| true, |job| applied.push(job));
        assert_eq!(scheduler.committed(), 0);
        *lock(&scheduler.per_job[0].status) = Status::Executed(0);
        // Job 1's reads are found stale: only job 0 commits.
        scheduler.commit_prefix(|job| job == 0, |job| applied.push(job));
        assert_eq!((scheduler.committed(), applied.as_slice()), (1, &[0][..]));
        assert!(!scheduler.try_validation_abort(0, 0));
        assert!(scheduler.try_validation_abort(1, 0));
    }

    #[test]
    fn an_empty_batch_is_done_at_once() {
        assert!(Scheduler::new(0).done());
    }
}
