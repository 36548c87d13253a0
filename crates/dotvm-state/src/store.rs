//! [`Store`]: a transactional collection store over any [`Backend`], implementing the VM's
//! [`StateStore`] trait. Writes are batched in memory and applied in one atomic backend
//! commit; point reads are cached for the rest of the transaction; secondary indexes are
//! updated with every write.

use crate::backend::{
    Backend, MemoryBackend, OpenError, PostgresBackend, PostgresError, RedbBackend, Tree,
};
use crate::json;
use crate::layout::{self, INDEX_DEF_PREFIX};
use crate::overlay::Overlay;
use dotvm_vm::state::{
    Entry, Query, StateError, StateStore, check_collection, check_key, check_value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Index definitions: collection → indexed field paths.
pub(crate) type IndexDefs = BTreeMap<Vec<u8>, BTreeSet<String>>;

/// A store with one open transaction over backend `B`.
#[derive(Debug)]
pub struct Store<B> {
    pub(crate) backend: B,
    pub(crate) overlay: Overlay,
    /// Index definitions as the open transaction sees them; `None` until loaded, and again
    /// after anything that may change them is undone.
    indexes: Option<IndexDefs>,
    /// Reused buffer for building keys of point reads.
    scratch: Vec<u8>,
}

/// A store in a redb file (the embedded default).
pub type RedbStore = Store<RedbBackend>;
/// A store in memory, gone when dropped.
pub type MemoryStore = Store<MemoryBackend>;
/// A store in a PostgreSQL database, shared with other processes and hosts.
pub type PostgresStore = Store<PostgresBackend>;

impl Store<RedbBackend> {
    /// Opens (creating when missing) the state file at `path`; waits while another process
    /// has it open.
    pub fn open(path: &Path) -> Result<RedbStore, OpenError> {
        RedbBackend::open(path).map(Store::new)
    }
}

impl Store<PostgresBackend> {
    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/db`),
    /// creating DotVM's tables in an empty database.
    pub fn connect(url: &str) -> Result<PostgresStore, PostgresError> {
        PostgresBackend::connect(url).map(Store::new)
    }
}

impl Store<MemoryBackend> {
    /// An empty in-memory store.
    pub fn in_memory() -> MemoryStore {
        Store::new(MemoryBackend::new())
    }
}

impl<B: Backend> Store<B> {
    /// A store over `backend`, with a fresh transaction.
    pub fn new(backend: B) -> Store<B> {
        Store {
            backend,
            overlay: Overlay::default(),
            indexes: None,
            scratch: Vec::new(),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Number of keys the open transaction has written (index entries included).
    pub fn pending_writes(&self) -> usize {
        self.overlay.pending_count()
    }

    /// The index definitions, loading them from the meta tree when needed.
    pub(crate) fn index_defs(&mut self) -> Result<&IndexDefs, StateError> {
        if self.indexes.is_none() {
            let mut defs = IndexDefs::new();
            let end = layout::prefix_end(INDEX_DEF_PREFIX);
            let entries = self.overlay.range(
                &self.backend,
                Tree::Meta,
                INDEX_DEF_PREFIX,
                end.as_deref(),
                false,
            )?;
            for entry in entries {
                let (raw, _) = entry?;
                let (collection, field) = layout::split_index_def(&raw[INDEX_DEF_PREFIX.len()..])
                    .and_then(|(c, f)| Some((c, std::str::from_utf8(f).ok()?)))
                    .ok_or_else(|| StateError::Store("malformed index definition".into()))?;
                defs.entry(collection.to_vec())
                    .or_default()
                    .insert(field.to_string());
            }
            self.indexes = Some(defs);
        }
        Ok(self.indexes.get_or_insert_default())
    }

    /// Forgets the loaded index definitions (they changed or may have been undone).
    pub(crate) fn forget_index_defs(&mut self) {
        self.indexes = None;
    }

    /// Writes `value` (`None`: removes) under `key` of `collection`, keeping the
    /// collection's indexes in step. `old` is the current value.
    fn write_document(
        &mut self,
        collection: &[u8],
        key: &[u8],
        old: Option<&[u8]>,
        value: Option<&[u8]>,
    ) -> Result<(), StateError> {
        self.index_defs()?;
        let fields = self.indexes.as_ref().and_then(|defs| defs.get(collection));
        for field in fields.into_iter().flatten() {
            let before = old.and_then(|doc| json::field(doc, field));
            let after = value.and_then(|doc| json::field(doc, field));
            if before == after {
                continue;
            }
            let prefix = layout::index_prefix(collection, field);
            for (scalar, entry) in [(before, None), (after, Some(Vec::new()))] {
                if let Some(scalar) = scalar {
                    let mut index_key = prefix.clone();
                    scalar.encode_into(&mut index_key);
                    index_key.extend_from_slice(key);
                    self.overlay.write(Tree::Index, index_key, entry);
                }
            }
        }
        let mut data_key = Vec::with_capacity(1 + collection.len() + key.len());
        layout::data_key(&mut data_key, collection, key);
        self.overlay
            .write(Tree::Data, data_key, value.map(<[u8]>::to_vec));
        Ok(())
    }

    /// True when `collection` has a secondary index.
    fn has_indexes(&mut self, collection: &[u8]) -> Result<bool, StateError> {
        Ok(self.index_defs()?.contains_key(collection))
    }

    /// The current value of `key` in `collection` as an owned copy, when indexes need it.
    fn old_value(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.get(collection, key)?.map(<[u8]>::to_vec))
    }
}

impl<B: Backend> StateStore for Store<B> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        check_collection(collection)?;
        check_key(key)?;
        layout::data_key(&mut self.scratch, collection, key);
        self.overlay.get(&self.backend, Tree::Data, &self.scratch)
    }

    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        check_collection(collection)?;
        check_key(key)?;
        check_value(value)?;
        let old = if self.has_indexes(collection)? {
            self.old_value(collection, key)?
        } else {
            None
        };
        self.write_document(collection, key, old.as_deref(), Some(value))
    }

    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        let Some(old) = self.old_value(collection, key)? else {
            return Ok(false);
        };
        self.write_document(collection, key, Some(&old), None)?;
        Ok(true)
    }

    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        self.select(collection, query, None)
    }

    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        Ok(self.select(collection, query, None)?.len() as u64)
    }

    fn query_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<Vec<Entry>, StateError> {
        self.select(collection, query, Some(interrupt))
    }

    fn count_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<u64, StateError> {
        Ok(self.select(collection, query, Some(interrupt))?.len() as u64)
    }

    fn savepoint(&mut self) -> Result<u64, StateError> {
        Ok(self.overlay.savepoint())
    }

    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        self.overlay.rollback_to(id)?;
        self.forget_index_defs();
        Ok(())
    }

    fn release(&mut self, id: u64) -> Result<(), StateError> {
        self.overlay.release(id)
    }

    fn commit(&mut self) -> Result<(), StateError> {
        let result = self.backend.apply(&self.overlay.pending());
        self.overlay.clear();
        self.forget_index_defs();
        result
    }

    fn abort(&mut self) {
        self.backend.abort();
        self.overlay.clear();
        self.forget_index_defs();
    }
}
