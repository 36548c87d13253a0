//! ParaDots: runs a batch of DotVM jobs (programs with their arguments, environment, input
//! and limits) over one state store on many threads, with exactly the result of running them
//! one after another in batch order: the final state, and every job's output and exit
//! status. The algorithm is Block-STM (Gelashvili et al., PPoPP 2023): jobs run
//! optimistically over a multi-version memory, their reads are validated, and conflicting
//! jobs run again. The jobs become final in batch order while later jobs still run; their
//! writes are applied to the store's transaction when the last job is final (so that the
//! store does not change while jobs read it), and the transaction commits once, so the
//! batch stays all-or-nothing. Jobs run through the embedding API
//! (`dotvm::Module::run_hosted_with_limits`). See `docs/parallel.md`.

mod base;
mod idle;
mod mvmemory;
mod scheduler;
mod serial;
mod slot;
mod view;

pub use serial::{FreshIds, run_serial};

use base::Base;
use dotvm::Module;
use dotvm_vm::{
    BufferIo, Capabilities, ClockSource, Host, Limits, Outcome, RandomSource, RunError, StateError,
    StateStore,
};
use idle::Idle;
use mvmemory::MvMemory;
use scheduler::{Scheduler, Task};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use view::{Buffers, Interrupt, JobView};

/// One dot invocation of a batch.
#[derive(Debug, Clone)]
pub struct Job {
    /// The program, verified once: clones of one [`Module`] share it between the jobs
    /// that run it (the module's engine limits do not apply; `limits` do).
    pub program: Module,
    /// The arguments, the first being the program name.
    pub argv: Vec<String>,
    /// The environment as (key, value) pairs.
    pub env: Vec<(String, String)>,
    /// Standard input.
    pub stdin: Vec<u8>,
    /// The limits of each run.
    pub limits: Limits,
}

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Worker threads; 1 runs the plain serial runner.
    pub threads: usize,
    /// The batch seed: job `i` gets the virtual clock and the random stream of
    /// `dotvm run --deterministic --seed job_seed(seed, i)`.
    pub seed: u64,
    /// Give jobs the host's real clock and random source instead (the result then equals
    /// a serial run only for jobs whose behaviour does not depend on them).
    pub real_time: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: 1,
            seed: 0,
            real_time: false,
        }
    }
}

/// What one job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// How the run that counts ended.
    pub result: Result<Outcome, RunError>,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// How many times the job was run (1 when it never had to run again).
    pub executions: u32,
    /// How long the run that counts took.
    pub time: Duration,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    /// Per job, in batch order.
    pub jobs: Vec<JobReport>,
    /// Runs of jobs in all, counting the discarded ones.
    pub executions: u64,
    /// Validations of read sets.
    pub validations: u64,
    /// Runs cut short because they read a value an aborted earlier job was about to
    /// rewrite (an ESTIMATE); included in `executions`.
    pub waits: u64,
    /// Time spent running the jobs.
    pub executed: Duration,
    /// Time spent committing after the last job finished: applying the writes of the jobs
    /// (the parallel runner's) and committing.
    pub committed: Duration,
}

/// Why a batch failed as a whole (nothing of it was committed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The store failed while the batch read it.
    #[error("the state store failed during the batch: {0}")]
    Store(StateError),
    /// The batch's writes could not be committed.
    #[error("cannot commit the batch's writes: {0}")]
    Commit(StateError),
}

/// Realtime clock start of a job's virtual clock: 2000-01-01T00:00:00Z (as `dotvm run
/// --deterministic`).
pub const VIRTUAL_EPOCH_NANOS: u64 = 946_684_800_000_000_000;

/// The random seed of job `index` in a batch seeded with `seed` (SplitMix64 of both).
pub fn job_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_add(
        (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The host of job `index`: standard streams, exit, arguments, environment, clock and
/// randomness (virtual unless `options.real_time`), no files.
fn host_for(job: &Job, index: usize, options: &Options) -> Host {
    let (clock, random) = if options.real_time {
        (ClockSource::Real, RandomSource::Os)
    } else {
        (
            ClockSource::Virtual {
                start_nanos: VIRTUAL_EPOCH_NANOS,
            },
            RandomSource::Seeded(job_seed(options.seed, index)),
        )
    };
    let capabilities = Capabilities {
        args: Some(job.argv.clone()),
        env: Some(job.env.clone()),
        clock: Some(clock),
        random: Some(random),
        ..Capabilities::default()
    };
    // Without preopened directories there is nothing that can fail.
    Host::new(capabilities).unwrap_or_default()
}

/// Runs `jobs` over `store`'s open transaction with the result of running them in order,
/// and commits their writes in one transaction: serially when `options.threads` is 1, else
/// with [`run_parallel`].
pub fn run_batch(
    jobs: &[Job],
    store: &mut (dyn StateStore + Send),
    options: &Options,
) -> Result<BatchReport, BatchError> {
    if options.threads <= 1 {
        run_serial(jobs, store, options)
    } else {
        run_parallel(jobs, store, options)
    }
}

/// The shared state of a parallel batch.
struct Batch<'a, 's> {
    /// The jobs.
    jobs: &'a [Job],
    /// The options.
    options: &'a Options,
    /// The state before the batch.
    base: Base<'s>,
    /// The jobs' writes.
    memory: MvMemory,
    /// The tasks.
    scheduler: Scheduler,
    /// Where idle workers wait.
    idle: Idle,
    /// Per job: its report and executions.
    per_job: Vec<JobRuns>,
    /// Validations done (each worker adds its count when it stops).
    validations: AtomicU64,
    /// Runs cut short by an ESTIMATE.
    waits: AtomicU64,
    /// The first failure of the store (reading it or applying writes to it).
    failure: Mutex<Option<BatchError>>,
}

/// What a batch keeps of one job's runs.
#[derive(Default)]
struct JobRuns {
    /// The report of its last recorded execution.
    report: Mutex<Option<JobReport>>,
    /// Executions started.
    executions: AtomicU64,
}

/// Runs `jobs` with Block-STM on `options.threads` threads (at least 1) over `store`'s open
/// transaction, then applies the surviving writes of the jobs to it in batch order and
/// commits the transaction once. Nothing is committed when the batch fails.
pub fn run_parallel(
    jobs: &[Job],
    store: &mut (dyn StateStore + Send),
    options: &Options,
) -> Result<BatchReport, BatchError> {
    let started = Instant::now();
    let batch = Batch {
        jobs,
        options,
        base: Base::new(store, jobs.len()),
        memory: MvMemory::new(jobs.len()),
        scheduler: Scheduler::new(jobs.len()),
        idle: Idle::default(),
        per_job: (0..jobs.len()).map(|_| JobRuns::default()).collect(),
        validations: AtomicU64::new(0),
        waits: AtomicU64::new(0),
        failure: Mutex::new(None),
    };
    std::thread::scope(|scope| {
        for _ in 1..options.threads.max(1) {
            scope.spawn(|| batch.work());
        }
        batch.work();
    });
    let executed = started.elapsed();
    // Every job is final now: whatever the workers left uncommitted commits here, and the
    // committed writes go to the store.
    let mut validations = 0;
    batch.commit(&mut validations);
    batch.validations.fetch_add(validations, Relaxed);
    if let Err(error) = batch.base.flush() {
        batch.fail(BatchError::Commit(error));
    }
    let Batch {
        base,
        scheduler,
        per_job,
        validations,
        waits,
        failure,
        ..
    } = batch;
    let store = base.into_store();
    if let Some(error) = failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
        store.abort();
        return Err(error);
    }
    assert_eq!(
        scheduler.committed(),
        jobs.len(),
        "every job of a finished batch is final"
    );
    store.commit().map_err(BatchError::Commit)?;
    let mut executions = 0;
    let reports: Vec<JobReport> = per_job
        .into_iter()
        .map(|runs| {
            let mut report = runs
                .report
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .expect("every job of a finished batch has a recorded execution");
            let count = runs.executions.into_inner();
            executions += count;
            report.executions = u32::try_from(count).unwrap_or(u32::MAX);
            report
        })
        .collect();
    Ok(BatchReport {
        executions,
        jobs: reports,
        validations: validations.load(Relaxed),
        waits: waits.load(Relaxed),
        executed,
        committed: started.elapsed() - executed,
    })
}

impl Batch<'_, '_> {
    /// A worker thread: takes tasks until the batch is done.
    fn work(&self) {
        let mut buffers = Buffers::default();
        // Counted here and added once: a shared counter would move between the cores'
        // caches at every validation.
        let mut validations = 0;
        let mut task = None;
        while !self.scheduler.done() {
            task = match task {
                Some(Task::Execute(job, incarnation)) => {
                    let next = self.execute(job, incarnation, &mut buffers);
                    self.idle.notify();
                    next
                }
                Some(Task::Validate(job, incarnation)) => {
                    let next = self.validate(job, incarnation, &mut validations);
                    self.idle.notify();
                    next
                }
                None => self.next_task(&mut validations),
            };
        }
        self.validations.fetch_add(validations, Relaxed);
        // Whoever saw the batch done wakes the others.
        self.idle.notify();
    }

    /// The next task; when there is none, commits what is final and waits until something
    /// happens that may have made work (returning `None` then). Counts the validations
    /// done in `validations`.
    fn next_task(&self, validations: &mut u64) -> Option<Task> {
        if let Some(task) = self.scheduler.next_task() {
            return Some(task);
        }
        // Nothing to start: the prefix may be waiting to be committed.
        self.commit(validations);
        let ticket = self.idle.prepare();
        match self.scheduler.next_task() {
            Some(task) => {
                self.idle.cancel();
                Some(task)
            }
            None if self.scheduler.done() => {
                self.idle.cancel();
                None
            }
            None => {
                self.idle.wait(ticket);
                None
            }
        }
    }

    /// Runs incarnation `incarnation` of job `index` and records what it did, in the
    /// worker's containers `buffers`.
    fn execute(&self, index: usize, incarnation: u32, buffers: &mut Buffers) -> Option<Task> {
        let job = &self.jobs[index];
        loop {
            self.per_job[index].executions.fetch_add(1, Relaxed);
            let mut io = BufferIo::with_input(&job.stdin);
            let mut host = host_for(job, index, self.options);
            let mut view = JobView::new(index, &self.memory, &self.base, std::mem::take(buffers));
            let run_started = Instant::now();
            let result = job
                .program
                .run_hosted_with_limits(&job.limits, &mut io, &mut host, Some(&mut view), None)
                .map_err(RunError::from);
            match view.interrupt().cloned() {
                Some(Interrupt::Blocked(blocking)) => {
                    *buffers = view.recycle();
                    self.waits.fetch_add(1, Relaxed);
                    if self.scheduler.add_dependency(index, blocking) {
                        return None;
                    }
                    // The blocking job finished meanwhile: run again at once.
                    continue;
                }
                Some(Interrupt::Failed(error)) => {
                    self.fail(BatchError::Store(error));
                    return None;
                }
                None => {}
            }
            let succeeded = matches!(&result, Ok(outcome) if outcome.exit_code == 0);
            let (reads, mut writes, emptied) = view.finish();
            *buffers = emptied;
            if !succeeded {
                // A failed job contributes no writes, exactly as a failed `dotvm run`.
                writes.clear();
            }
            *self.per_job[index]
                .report
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(JobReport {
                result,
                stdout: io.output,
                stderr: io.errors,
                executions: 0,
                time: run_started.elapsed(),
            });
            let wrote_new = self.memory.record((index, incarnation), reads, writes);
            return self
                .scheduler
                .finish_execution(index, incarnation, wrote_new);
        }
    }

    /// Validates incarnation `incarnation` of job `index`, aborting it when a read changed.
    /// When every earlier job is final, committing the job is its validation. Counts the
    /// validations done in `validations`.
    fn validate(&self, index: usize, incarnation: u32, validations: &mut u64) -> Option<Task> {
        if self.scheduler.committed() == index {
            self.commit(validations);
        }
        if index < self.scheduler.committed() {
            return self.scheduler.finish_validation(index, false);
        }
        *validations += 1;
        let valid = self.memory.validate(index);
        let aborted = !valid && self.scheduler.try_validation_abort(index, incarnation);
        if aborted {
            self.memory.convert_to_estimates(index);
        }
        self.scheduler.finish_validation(index, aborted)
    }

    /// Commits the jobs that have become final, in order: hands each one's writes to the
    /// base, which applies them when the batch is done. Counts the validations done in
    /// `validations`.
    fn commit(&self, validations: &mut u64) {
        let before = self.scheduler.committed();
        self.scheduler.commit_prefix(
            |job| {
                *validations += 1;
                self.memory.validate(job)
            },
            |job| self.base.add_committed(self.memory.take_committed(job)),
        );
        if self.scheduler.committed() != before {
            // A longer prefix widens what the execution window lets start.
            self.idle.notify();
        }
    }

    /// Fails the batch (the first failure is the one reported) and stops every worker.
    fn fail(&self, error: BatchError) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        failure.get_or_insert(error);
        self.scheduler.cancel();
        self.idle.notify();
    }
}
