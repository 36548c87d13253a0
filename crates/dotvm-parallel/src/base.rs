//! The state before the batch, shared by the worker threads: the caller's store behind a
//! lock, with the values already read kept in their locations' slots and a cache of the
//! ranges already read. The writes of committed jobs are kept in commit order and applied
//! to the store once no job runs any more, so that the store does not change while the
//! jobs read it (the other core's writes would make every read miss the caches); a job
//! only reads from here what no earlier job wrote, so what the jobs see of this store is
//! the state before the batch.

use crate::mvmemory::{WriteEntry, Writes};
use crate::slot::{Slot, Value};
use dotvm_vm::StateStore;
use dotvm_vm::state::{KeyRange, Query, StateError};
use hashbrown::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// A range's entries in key order.
pub(crate) type Entries = Arc<Vec<(Vec<u8>, Arc<[u8]>)>>;

/// The caller's store and what has been read from it.
struct Cached<'s> {
    /// The store.
    store: &'s mut (dyn StateStore + Send),
    /// Range reads: (collection, range) → entries.
    ranges: HashMap<(Vec<u8>, KeyRange), Entries>,
}

/// The base store, readable from many threads.
pub(crate) struct Base<'s> {
    /// The store and its caches.
    inner: Mutex<Cached<'s>>,
    /// The writes of the committed jobs, in commit order, waiting to be applied.
    unapplied: Mutex<Vec<WriteEntry>>,
}

impl<'s> Base<'s> {
    /// Wraps `store`, whose open transaction is the state before the batch, for a batch of
    /// `jobs` jobs.
    pub(crate) fn new(store: &'s mut (dyn StateStore + Send), jobs: usize) -> Base<'s> {
        Base {
            inner: Mutex::new(Cached {
                store,
                ranges: HashMap::new(),
            }),
            // About one write a job, as a start.
            unapplied: Mutex::new(Vec::with_capacity(jobs)),
        }
    }

    /// The value of `slot`'s location before the batch.
    pub(crate) fn get(&self, slot: &Slot) -> Result<Value, StateError> {
        if let Some(value) = slot.base() {
            return Ok(value.clone());
        }
        let value = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            inner
                .store
                .get(slot.collection(), slot.key())?
                .map(Arc::from)
        };
        slot.set_base(value.clone());
        Ok(value)
    }

    /// The entries of `range` in `collection` before the batch, in increasing key order.
    pub(crate) fn range(&self, collection: &[u8], range: &KeyRange) -> Result<Entries, StateError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let id = (collection.to_vec(), range.clone());
        if let Some(entries) = inner.ranges.get(&id) {
            return Ok(Arc::clone(entries));
        }
        let query = Query {
            range: range.clone(),
            ..Query::default()
        };
        let entries: Entries = Arc::new(
            inner
                .store
                .query(collection, &query)?
                .into_iter()
                .map(|(key, value)| (key, Arc::from(value)))
                .collect(),
        );
        inner.ranges.insert(id, Arc::clone(&entries));
        Ok(entries)
    }

    /// Takes a committed job's writes, to be applied to the store's open transaction after
    /// those of the jobs committed before it, by [`Base::flush`].
    pub(crate) fn add_committed(&self, writes: Writes) {
        self.unapplied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(writes);
    }

    /// Applies the committed writes to the store (call when no job runs any more).
    pub(crate) fn flush(&self) -> Result<(), StateError> {
        let mut unapplied = self
            .unapplied
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for (slot, value) in unapplied.drain(..) {
            match value {
                Some(value) => inner.store.put(slot.collection(), slot.key(), &value)?,
                None => {
                    inner.store.delete(slot.collection(), slot.key())?;
                }
            }
        }
        Ok(())
    }

    /// The store, for the final commit.
    pub(crate) fn into_store(self) -> &'s mut (dyn StateStore + Send) {
        self.inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .store
    }
}
