//! The store a server runs against: a redb file or memory store owned by this process (one
//! transaction at a time, behind a mutex), or a pool of connections to a PostgreSQL
//! database shared with any number of other servers.

use super::error::ApiError;
use crate::state::Location;
use anyhow::{Context, Result};
use dotvm_state::{Backend, MemoryStore, PostgresPool, RedbStore, Store};
use dotvm_vm::state::Entry;
use dotvm_vm::{StateError, StateStore};
use std::sync::{Mutex, PoisonError};

/// What the server needs of a store: the VM's interface, tool records and conflict
/// reporting.
pub(super) trait ServedStore: StateStore + Send {
    /// The tool record `name`.
    fn record(&mut self, name: &[u8]) -> Result<Option<Vec<u8>>, StateError>;
    /// Stores the tool record `name`.
    fn put_record(&mut self, name: &[u8], value: &[u8]);
    /// Removes the tool record `name`; returns whether it existed.
    fn delete_record(&mut self, name: &[u8]) -> Result<bool, StateError>;
    /// The tool records whose names start with `prefix`.
    fn records(&mut self, prefix: &[u8]) -> Result<Vec<Entry>, StateError>;
    /// True when the last transaction failed only by conflicting with a concurrent one.
    fn retryable(&self) -> bool;
    /// The store as the VM uses it.
    fn as_state(&mut self) -> &mut dyn StateStore;
}

impl<B: Backend + Send> ServedStore for Store<B> {
    fn record(&mut self, name: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Store::record(self, name)
    }

    fn put_record(&mut self, name: &[u8], value: &[u8]) {
        Store::put_record(self, name, value);
    }

    fn delete_record(&mut self, name: &[u8]) -> Result<bool, StateError> {
        Store::delete_record(self, name)
    }

    fn records(&mut self, prefix: &[u8]) -> Result<Vec<Entry>, StateError> {
        Store::records(self, prefix)
    }

    fn retryable(&self) -> bool {
        self.backend().retryable()
    }

    fn as_state(&mut self) -> &mut dyn StateStore {
        self
    }
}

/// The server's store.
pub(super) enum ServerStore {
    /// A store of this process alone.
    Local(Mutex<Box<dyn ServedStore>>),
    /// A PostgreSQL database, possibly shared with other servers.
    Postgres(PostgresPool),
}

impl ServerStore {
    /// Opens the store at `location`, with up to `connections` PostgreSQL connections.
    pub(super) fn open(location: &Location, connections: u32) -> Result<ServerStore> {
        Ok(match location {
            Location::Memory => ServerStore::Local(Mutex::new(Box::new(MemoryStore::in_memory()))),
            Location::File { path, default } => {
                if *default && let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
                ServerStore::Local(Mutex::new(Box::new(RedbStore::open(path)?)))
            }
            Location::Postgres { url, .. } => {
                ServerStore::Postgres(PostgresPool::connect(url, connections)?)
            }
        })
    }

    /// Runs `work` in a fresh transaction of the store (the caller commits); blocks while
    /// the store is busy.
    pub(super) fn with<T>(
        &self,
        work: impl FnOnce(&mut dyn ServedStore) -> T,
    ) -> Result<T, ApiError> {
        match self {
            ServerStore::Local(store) => {
                let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
                // Whatever an interrupted request left open is discarded.
                store.abort();
                let result = work(store.as_mut());
                store.abort();
                Ok(result)
            }
            ServerStore::Postgres(pool) => {
                let backend = pool
                    .backend()
                    .map_err(|e| ApiError::unavailable(e.to_string()))?;
                Ok(work(&mut Store::new(backend)))
            }
        }
    }
}

/// A store failure as an answer: 503, the store may come back.
pub(super) fn store_failure(error: StateError) -> ApiError {
    ApiError::unavailable(format!("state store: {error}"))
}
