//! The `db` capability: a store wrapper that lets a run read and write, only read, or not
//! touch the database at all. A refused operation fails with [`StateError::Denied`], which
//! the database opcodes turn into a `denied` trap naming the opcode and the capability.

use super::{Entry, Query, StateError, StateStore};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// How much of the database a run may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbAccess {
    /// No database opcode may run.
    Denied,
    /// `DB_GET`, `DB_QUERY`, `DB_COUNT` and savepoints; no `DB_PUT` or `DB_DELETE`.
    ReadOnly,
    /// Everything.
    ReadWrite,
}

impl DbAccess {
    /// The capability a refused operation lacks: `db` for any access, `db-write` for
    /// writes.
    const fn missing(self) -> &'static str {
        match self {
            DbAccess::Denied => "db",
            DbAccess::ReadOnly | DbAccess::ReadWrite => "db-write",
        }
    }
}

/// A store seen through a [`DbAccess`]; with [`DbAccess::Denied`] it needs no store. It
/// also counts the writes (`DB_PUT` and `DB_DELETE`) made through it, per collection.
pub struct Guarded<'s> {
    inner: Option<&'s mut dyn StateStore>,
    access: DbAccess,
    written: BTreeMap<Vec<u8>, u64>,
}

impl<'s> Guarded<'s> {
    /// `store` under `access`.
    pub fn new(store: &'s mut dyn StateStore, access: DbAccess) -> Guarded<'s> {
        Guarded {
            inner: Some(store),
            access,
            written: BTreeMap::new(),
        }
    }

    /// A store that refuses every operation (the `db` capability withheld).
    pub fn denied() -> Guarded<'s> {
        Guarded {
            inner: None,
            access: DbAccess::Denied,
            written: BTreeMap::new(),
        }
    }

    /// How many successful writes (`DB_PUT`, `DB_DELETE`) each collection received,
    /// including writes later rolled back to a savepoint or aborted.
    pub fn writes(&self) -> &BTreeMap<Vec<u8>, u64> {
        &self.written
    }

    /// Counts a successful write to `collection`.
    fn count_write(&mut self, collection: &[u8]) {
        *self.written.entry(collection.to_vec()).or_default() += 1;
    }

    /// The inner store for an operation that needs `needed`.
    fn store(
        &mut self,
        operation: &'static str,
        write: bool,
    ) -> Result<&mut dyn StateStore, StateError> {
        let allowed = match self.access {
            DbAccess::Denied => false,
            DbAccess::ReadOnly => !write,
            DbAccess::ReadWrite => true,
        };
        match (&mut self.inner, allowed) {
            (Some(store), true) => Ok(&mut **store),
            _ => Err(StateError::Denied {
                operation,
                capability: self.access.missing(),
            }),
        }
    }
}

impl StateStore for Guarded<'_> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        self.store("DB_GET", false)?.get(collection, key)
    }

    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        self.store("DB_PUT", true)?.put(collection, key, value)?;
        self.count_write(collection);
        Ok(())
    }

    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        let present = self.store("DB_DELETE", true)?.delete(collection, key)?;
        self.count_write(collection);
        Ok(present)
    }

    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        self.store("DB_QUERY", false)?.query(collection, query)
    }

    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        self.store("DB_COUNT", false)?.count(collection, query)
    }

    fn query_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<Vec<Entry>, StateError> {
        self.store("DB_QUERY", false)?
            .query_interruptible(collection, query, interrupt)
    }

    fn count_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<u64, StateError> {
        self.store("DB_COUNT", false)?
            .count_interruptible(collection, query, interrupt)
    }

    fn savepoint(&mut self) -> Result<u64, StateError> {
        self.store("DB_SAVEPOINT", false)?.savepoint()
    }

    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        self.store("DB_ROLLBACK_TO", false)?.rollback_to(id)
    }

    fn release(&mut self, id: u64) -> Result<(), StateError> {
        self.store("DB_RELEASE", false)?.release(id)
    }

    fn commit(&mut self) -> Result<(), StateError> {
        match &mut self.inner {
            Some(store) => store.commit(),
            None => Ok(()),
        }
    }

    fn abort(&mut self) {
        if let Some(store) = &mut self.inner {
            store.abort();
        }
    }
}
