//! The plain serial runner: the jobs one after another in the store's open transaction, each
//! inside a savepoint that is rolled back when the job fails, then one commit. Also the
//! reference the parallel runner must agree with.

use crate::{BatchError, BatchReport, Job, JobReport, Options, host_for};
use dotvm_vm::state::{Entry, Query, StateError};
use dotvm_vm::{BufferIo, RunError, StateStore};
use std::time::Instant;

/// A store seen by one job as if it had just been opened, as `dotvm run` opens it: the
/// job's savepoint ids start at 1 whatever the store handed out before. Everything else
/// goes straight to the store.
pub struct FreshIds<'s> {
    /// The store.
    store: &'s mut dyn StateStore,
    /// The store's id of the job's savepoint 0, once the job opened one.
    offset: Option<u64>,
}

impl<'s> FreshIds<'s> {
    /// Wraps `store` for one job.
    pub fn new(store: &'s mut dyn StateStore) -> FreshIds<'s> {
        FreshIds {
            store,
            offset: None,
        }
    }

    /// The store's id for the job's savepoint `id`.
    fn to_store(&self, id: u64) -> Result<u64, StateError> {
        match self.offset {
            Some(offset) if id > 0 => offset.checked_add(id).ok_or(StateError::NoSavepoint(id)),
            _ => Err(StateError::NoSavepoint(id)),
        }
    }

    /// Reports a missing savepoint with the job's id.
    fn renamed(result: Result<(), StateError>, id: u64) -> Result<(), StateError> {
        result.map_err(|error| match error {
            StateError::NoSavepoint(_) => StateError::NoSavepoint(id),
            other => other,
        })
    }
}

impl StateStore for FreshIds<'_> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        self.store.get(collection, key)
    }

    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        self.store.put(collection, key, value)
    }

    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        self.store.delete(collection, key)
    }

    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        self.store.query(collection, query)
    }

    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        self.store.count(collection, query)
    }

    fn savepoint(&mut self) -> Result<u64, StateError> {
        let id = self.store.savepoint()?;
        let offset = *self.offset.get_or_insert(id - 1);
        Ok(id - offset)
    }

    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        let store_id = self.to_store(id)?;
        Self::renamed(self.store.rollback_to(store_id), id)
    }

    fn release(&mut self, id: u64) -> Result<(), StateError> {
        let store_id = self.to_store(id)?;
        Self::renamed(self.store.release(store_id), id)
    }

    fn commit(&mut self) -> Result<(), StateError> {
        self.store.commit()
    }

    fn abort(&mut self) {
        self.store.abort();
    }
}

/// Runs `jobs` one by one in `store`'s open transaction and commits once at the end (the
/// transaction is aborted when the commit or a savepoint operation fails).
pub fn run_serial(
    jobs: &[Job],
    store: &mut (dyn StateStore + Send),
    options: &Options,
) -> Result<BatchReport, BatchError> {
    let started = Instant::now();
    let mut reports = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let report = run_one(index, job, store, options).inspect_err(|_| store.abort())?;
        reports.push(report);
    }
    let executed = started.elapsed();
    store.commit().map_err(BatchError::Commit)?;
    Ok(BatchReport {
        executions: reports.len() as u64,
        jobs: reports,
        validations: 0,
        waits: 0,
        executed,
        committed: started.elapsed() - executed,
    })
}

/// Runs job `index` inside a savepoint of `store`.
fn run_one(
    index: usize,
    job: &Job,
    store: &mut (dyn StateStore + Send),
    options: &Options,
) -> Result<JobReport, BatchError> {
    let mut io = BufferIo::with_input(&job.stdin);
    let mut host = host_for(job, index, options);
    let savepoint = store.savepoint().map_err(BatchError::Store)?;
    let started = Instant::now();
    let mut fresh = FreshIds::new(store);
    let result = job
        .program
        .run_hosted_with_limits(&job.limits, &mut io, &mut host, Some(&mut fresh), None)
        .map_err(RunError::from);
    if !matches!(&result, Ok(outcome) if outcome.exit_code == 0) {
        store.rollback_to(savepoint).map_err(BatchError::Store)?;
    }
    store.release(savepoint).map_err(BatchError::Store)?;
    Ok(JobReport {
        result,
        stdout: io.output,
        stderr: io.errors,
        executions: 1,
        time: started.elapsed(),
    })
}
