//! What one execution of a job sees as its store: its own writes (with savepoints), over the
//! writes of earlier jobs in the multi-version memory, over the state before the batch.
//! Every outside read is recorded for validation; reading an ESTIMATE stops the run.

use crate::base::Base;
use crate::mvmemory::{MvMemory, RangeRead, Read, Reads, Writes};
use crate::slot::{Found, SlotRef, Value, Version, address};
use dotvm_state::Matcher;
use dotvm_vm::StateStore;
use dotvm_vm::state::{
    Direction, Entry, KeyRange, Query, StateError, check_collection, check_key, check_value,
};
use hashbrown::HashMap;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why an execution could not go on (it then traps, and the trap is not the job's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// It read an ESTIMATE of this job: wait for that job, then run again.
    Blocked(usize),
    /// The base store failed: the batch fails.
    Failed(StateError),
}

/// The containers of a job view that outlive one execution: a worker hands them from one
/// execution to the next, emptied, so that a run does not allocate them again.
#[derive(Default)]
pub(crate) struct Buffers {
    /// The job's own writes (`None`: deleted), by the location's address.
    writes: HashMap<usize, (SlotRef, Value)>,
    /// Undo records while a savepoint is open: the location and its previous own write.
    undo: Vec<(SlotRef, Option<Value>)>,
    /// Open savepoints: (id, undo length when opened).
    savepoints: Vec<(u64, usize)>,
    /// The version each location (by address) was last seen at (to record each distinct
    /// read once).
    seen: HashMap<usize, Option<Version>>,
}

impl Buffers {
    /// Empties every container, keeping its capacity.
    fn clear(&mut self) {
        self.writes.clear();
        self.undo.clear();
        self.savepoints.clear();
        self.seen.clear();
    }
}

/// The store of one execution.
pub(crate) struct JobView<'a, 's> {
    /// The job's index in the batch.
    job: usize,
    /// Writes of the batch's jobs.
    memory: &'a MvMemory,
    /// The state before the batch.
    base: &'a Base<'s>,
    /// The own writes, undo log, savepoints and versions seen.
    own: Buffers,
    /// The last savepoint id handed out.
    last_savepoint: u64,
    /// The reads to validate.
    reads: Reads,
    /// The location of the last store operation (a job often writes the key it just read).
    last_slot: Option<SlotRef>,
    /// The last value read from outside, lent to the caller of `get`.
    lent: Value,
    /// Set when the execution had to stop.
    interrupt: Option<Interrupt>,
}

impl<'a, 's> JobView<'a, 's> {
    /// A fresh view for job `job`, in the (empty) containers `own`.
    pub(crate) fn new(
        job: usize,
        memory: &'a MvMemory,
        base: &'a Base<'s>,
        own: Buffers,
    ) -> JobView<'a, 's> {
        JobView {
            job,
            memory,
            base,
            own,
            last_savepoint: 0,
            reads: Reads::new(),
            last_slot: None,
            lent: None,
            interrupt: None,
        }
    }

    /// Why the execution stopped early, if it did.
    pub(crate) fn interrupt(&self) -> Option<&Interrupt> {
        self.interrupt.as_ref()
    }

    /// The reads made and the writes to record, and the emptied containers for the next
    /// execution.
    pub(crate) fn finish(mut self) -> (Reads, Writes, Buffers) {
        let writes = self.own.writes.drain().map(|(_, write)| write).collect();
        self.own.clear();
        (self.reads, writes, self.own)
    }

    /// The emptied containers of an execution whose result is thrown away.
    pub(crate) fn recycle(mut self) -> Buffers {
        self.own.clear();
        self.own
    }

    /// Stops the run: the VM traps on a store error, and the caller looks at `interrupt`.
    fn stop(&mut self, interrupt: Interrupt) -> StateError {
        let error = match &interrupt {
            Interrupt::Blocked(job) => StateError::Store(format!("waiting for job {job}")),
            Interrupt::Failed(error) => error.clone(),
        };
        self.interrupt = Some(interrupt);
        error
    }

    /// The value of a location as the job sees it from outside (earlier jobs, then the base).
    fn outside(&mut self, slot: &SlotRef) -> Result<Value, StateError> {
        let (seen, value) = match self.memory.read(slot, self.job) {
            Found::Estimate(job) => return Err(self.stop(Interrupt::Blocked(job))),
            Found::Written(version, value) => (Some(version), value),
            Found::Base => match self.base.get(slot) {
                Ok(value) => (None, value),
                Err(error) => return Err(self.stop(Interrupt::Failed(error))),
            },
        };
        if self.own.seen.insert(address(slot), seen) != Some(seen) {
            self.reads.push(Read::Point {
                slot: SlotRef::clone(slot),
                seen,
            });
        }
        Ok(value)
    }

    /// The location of `key` in `collection`.
    fn slot(&mut self, collection: &[u8], key: &[u8]) -> SlotRef {
        match &self.last_slot {
            Some(slot) if slot.key() == key && slot.collection() == collection => {
                SlotRef::clone(slot)
            }
            _ => {
                let slot = self.memory.slot(collection, key);
                self.last_slot = Some(SlotRef::clone(&slot));
                slot
            }
        }
    }

    /// The current value of a location: the job's own write, else from outside.
    fn current(&mut self, collection: &[u8], key: &[u8]) -> Result<Value, StateError> {
        let slot = self.slot(collection, key);
        match self.own.writes.get(&address(&slot)) {
            Some((_, value)) => Ok(value.clone()),
            None => self.outside(&slot),
        }
    }

    /// Records a write of the job.
    fn write(&mut self, collection: &[u8], key: &[u8], value: Value) {
        let slot = self.slot(collection, key);
        let location = address(&slot);
        if self.own.savepoints.is_empty() {
            self.own.writes.insert(location, (slot, value));
        } else {
            let previous = self
                .own
                .writes
                .insert(location, (SlotRef::clone(&slot), value))
                .map(|(_, value)| value);
            self.own.undo.push((slot, previous));
        }
    }

    /// The entries of `range` in increasing key order as the job sees them.
    fn entries(&mut self, collection: &[u8], range: &KeyRange) -> Result<Vec<Entry>, StateError> {
        self.memory.note_range();
        let written = match self.memory.range(collection, range, self.job) {
            Ok(written) => written,
            Err(job) => return Err(self.stop(Interrupt::Blocked(job))),
        };
        let base = match self.base.range(collection, range) {
            Ok(base) => base,
            Err(error) => return Err(self.stop(Interrupt::Failed(error))),
        };
        let mut merged: BTreeMap<&[u8], Option<&[u8]>> = base
            .iter()
            .map(|(key, value)| (key.as_slice(), Some(&value[..])))
            .collect();
        for (slot, _, value) in &written {
            merged.insert(slot.key(), value.as_deref());
        }
        for (slot, value) in self.own.writes.values() {
            if slot.collection() == collection && range.contains(slot.key()) {
                merged.insert(slot.key(), value.as_deref());
            }
        }
        let entries = merged
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_vec(), value?.to_vec())))
            .collect();
        self.reads.push(Read::Range(Box::new(RangeRead {
            collection: collection.to_vec(),
            range: range.clone(),
            seen: written
                .into_iter()
                .map(|(slot, version, _)| (slot, version))
                .collect(),
        })));
        Ok(entries)
    }

    /// Position of open savepoint `id`.
    fn find(&self, id: u64) -> Result<usize, StateError> {
        self.own
            .savepoints
            .iter()
            .position(|&(open, _)| open == id)
            .ok_or(StateError::NoSavepoint(id))
    }
}

impl StateStore for JobView<'_, '_> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        check_collection(collection)?;
        check_key(key)?;
        self.lent = self.current(collection, key)?;
        Ok(self.lent.as_deref())
    }

    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        check_collection(collection)?;
        check_key(key)?;
        check_value(value)?;
        self.write(collection, key, Some(Arc::from(value)));
        Ok(())
    }

    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        check_collection(collection)?;
        check_key(key)?;
        if self.current(collection, key)?.is_none() {
            return Ok(false);
        }
        self.write(collection, key, None);
        Ok(true)
    }

    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        let matcher = Matcher::new(collection, query)?;
        let limit = usize::try_from(query.limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut entries = self.entries(collection, &query.range)?;
        if query.direction == Direction::Descending {
            entries.reverse();
        }
        Ok(entries
            .into_iter()
            .filter(|(_, value)| matcher.keeps(value))
            .take(limit)
            .collect())
    }

    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        Ok(self.query(collection, query)?.len() as u64)
    }

    fn savepoint(&mut self) -> Result<u64, StateError> {
        self.last_savepoint += 1;
        self.own
            .savepoints
            .push((self.last_savepoint, self.own.undo.len()));
        Ok(self.last_savepoint)
    }

    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        let position = self.find(id)?;
        let mark = self.own.savepoints[position].1;
        self.own.savepoints.truncate(position + 1);
        while self.own.undo.len() > mark {
            let Some((slot, previous)) = self.own.undo.pop() else {
                break;
            };
            match previous {
                Some(value) => {
                    self.own.writes.insert(address(&slot), (slot, value));
                }
                None => {
                    self.own.writes.remove(&address(&slot));
                }
            }
        }
        Ok(())
    }

    fn release(&mut self, id: u64) -> Result<(), StateError> {
        let position = self.find(id)?;
        self.own.savepoints.truncate(position);
        if self.own.savepoints.is_empty() {
            self.own.undo.clear();
        }
        Ok(())
    }

    /// A job never commits: the batch commits once at the end.
    fn commit(&mut self) -> Result<(), StateError> {
        Err(StateError::Store(
            "a job of a batch cannot commit on its own".into(),
        ))
    }

    fn abort(&mut self) {
        self.own.writes.clear();
        self.own.undo.clear();
        self.own.savepoints.clear();
    }
}
