//! The state-store interface behind the database opcodes: the [`StateStore`] trait an embedder
//! implements (the `dotvm-state` crate provides redb and in-memory stores), the queries it
//! answers, its errors, and the status codes the opcodes push.
//!
//! The trait lives here, not in `dotvm-state`, because the interpreter calls it: the executor
//! depends only on this interface, never on a database engine, and `dotvm-state` depends on
//! the executor's crate to implement it.

mod descriptor;
mod guard;

pub use guard::{DbAccess, Guarded};

use std::fmt;
use std::sync::atomic::AtomicBool;

/// Longest collection name, in bytes (names are 1 to 255 bytes).
pub const MAX_COLLECTION_LEN: usize = 255;
/// Longest key, in bytes.
pub const MAX_KEY_LEN: usize = 1024;
/// Longest value, in bytes (1 MiB).
pub const MAX_VALUE_LEN: usize = 1 << 20;
/// Longest JSON field path in a filter or index, in bytes.
pub const MAX_FIELD_LEN: usize = 255;

/// The status word a database opcode pushes (on top of its other results). Guest-data
/// conditions are statuses, not traps; only out-of-bounds pointers and failures of the store
/// itself trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Status {
    /// The operation succeeded (for `DB_GET`: the key was found and its value written).
    Ok = 0,
    /// `DB_GET`/`DB_DELETE`: the key is not in the collection.
    NotFound = 1,
    /// `DB_GET`/`DB_QUERY`: the result does not fit the buffer; nothing was written and the
    /// length word holds the bytes needed.
    BufferTooSmall = 2,
    /// The collection name is empty or longer than [`MAX_COLLECTION_LEN`].
    BadCollection = 3,
    /// The key (or a key bound of a query) is longer than [`MAX_KEY_LEN`].
    KeyTooLarge = 4,
    /// The value is longer than [`MAX_VALUE_LEN`].
    ValueTooLarge = 5,
    /// The query descriptor is malformed (see `docs/state.md`).
    BadQuery = 6,
    /// `DB_ROLLBACK_TO`/`DB_RELEASE`: no open savepoint has this id.
    NoSavepoint = 7,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 8] = [
        Status::Ok,
        Status::NotFound,
        Status::BufferTooSmall,
        Status::BadCollection,
        Status::KeyTooLarge,
        Status::ValueTooLarge,
        Status::BadQuery,
        Status::NoSavepoint,
    ];

    /// The number pushed on the stack.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Upper-case name used in documentation and assembly comments.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::NotFound => "NOT_FOUND",
            Status::BufferTooSmall => "BUFFER_TOO_SMALL",
            Status::BadCollection => "BAD_COLLECTION",
            Status::KeyTooLarge => "KEY_TOO_LARGE",
            Status::ValueTooLarge => "VALUE_TOO_LARGE",
            Status::BadQuery => "BAD_QUERY",
            Status::NoSavepoint => "NO_SAVEPOINT",
        }
    }
}

/// Order of query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Increasing key order.
    #[default]
    Ascending,
    /// Decreasing key order.
    Descending,
}

/// Which keys of a collection a query visits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum KeyRange {
    /// Every key.
    #[default]
    All,
    /// Keys starting with these bytes.
    Prefix(Vec<u8>),
    /// Keys `k` with `start <= k` and, when `end` is given, `k < end`.
    Between {
        /// Inclusive lower bound.
        start: Vec<u8>,
        /// Exclusive upper bound; `None` for no upper bound.
        end: Option<Vec<u8>>,
    },
}

impl KeyRange {
    /// True when `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        match self {
            KeyRange::All => true,
            KeyRange::Prefix(prefix) => key.starts_with(prefix),
            KeyRange::Between { start, end } => {
                key >= start.as_slice() && end.as_ref().is_none_or(|end| key < end.as_slice())
            }
        }
    }
}

/// A comparison of a JSON field with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compare {
    /// Equal.
    Eq,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
}

/// Keeps the documents whose JSON field compares with a value (see `docs/state.md` for the
/// comparison rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Dot-separated path of object keys, e.g. `user.age`.
    pub field: String,
    /// The comparison.
    pub op: Compare,
    /// The value compared with, as JSON text (a string, number, boolean or null).
    pub value: Vec<u8>,
}

/// What `DB_QUERY` and `DB_COUNT` ask of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Query {
    /// Keys visited.
    pub range: KeyRange,
    /// Result order.
    pub direction: Direction,
    /// At most this many results (`None`: all).
    pub limit: Option<u64>,
    /// Keeps only matching documents.
    pub filter: Option<Filter>,
}

/// One key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The collection name is empty or too long.
    #[error("collection name of {len} bytes (must be 1 to {MAX_COLLECTION_LEN})")]
    BadCollection {
        /// Its length.
        len: usize,
    },
    /// The key is too long.
    #[error("key of {len} bytes exceeds the limit of {MAX_KEY_LEN}")]
    KeyTooLarge {
        /// Its length.
        len: usize,
    },
    /// The value is too long.
    #[error("value of {len} bytes exceeds the limit of {MAX_VALUE_LEN}")]
    ValueTooLarge {
        /// Its length.
        len: usize,
    },
    /// The query cannot be answered as given.
    #[error("bad query: {0}")]
    BadQuery(String),
    /// No open savepoint has this id.
    #[error("no open savepoint {0}")]
    NoSavepoint(u64),
    /// The store itself failed (I/O error, corrupted file, lost lock); the run traps.
    #[error("{0}")]
    Store(String),
    /// The run's interrupt flag was raised during a long scan (see
    /// [`StateStore::query_interruptible`]).
    #[error("interrupted during a scan")]
    Interrupted,
    /// The run lacks the capability for this operation ([`Guarded`]); the run traps.
    #[error("denied: {operation} (the `{capability}` capability is not granted)")]
    Denied {
        /// The opcode.
        operation: &'static str,
        /// The missing capability (`db` or `db-write`).
        capability: &'static str,
    },
}

impl StateError {
    /// The status a guest sees for this error, or `None` when the run must trap.
    pub fn status(&self) -> Option<Status> {
        match self {
            StateError::BadCollection { .. } => Some(Status::BadCollection),
            StateError::KeyTooLarge { .. } => Some(Status::KeyTooLarge),
            StateError::ValueTooLarge { .. } => Some(Status::ValueTooLarge),
            StateError::BadQuery(_) => Some(Status::BadQuery),
            StateError::NoSavepoint(_) => Some(Status::NoSavepoint),
            StateError::Store(_) | StateError::Denied { .. } | StateError::Interrupted => None,
        }
    }
}

/// Checks a collection name against the limits.
pub fn check_collection(collection: &[u8]) -> Result<(), StateError> {
    if collection.is_empty() || collection.len() > MAX_COLLECTION_LEN {
        return Err(StateError::BadCollection {
            len: collection.len(),
        });
    }
    Ok(())
}

/// Checks a key against the limits.
pub fn check_key(key: &[u8]) -> Result<(), StateError> {
    if key.len() > MAX_KEY_LEN {
        return Err(StateError::KeyTooLarge { len: key.len() });
    }
    Ok(())
}

/// Checks a value against the limits.
pub fn check_value(value: &[u8]) -> Result<(), StateError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(StateError::ValueTooLarge { len: value.len() });
    }
    Ok(())
}

/// A transactional key-value store with collections: the database a run reads and writes.
///
/// A store always has one open transaction. Reads see the transaction's own writes;
/// [`StateStore::commit`] makes them durable atomically and [`StateStore::abort`] discards
/// them, and either starts the next transaction. Savepoints mark points inside the
/// transaction to roll back to. Implementations validate names, keys and values against the
/// limits in this module and report violations with the matching [`StateError`].
pub trait StateStore {
    /// The value stored under `key` in `collection`, if any.
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError>;
    /// Removes `key`; returns whether it was present.
    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError>;
    /// The entries `query` selects, in its direction's key order, at most its limit.
    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError>;
    /// How many entries [`StateStore::query`] would return.
    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError>;
    /// [`StateStore::query`] for a run with a time limit: a store that scans many entries
    /// checks `interrupt` as it goes and fails with [`StateError::Interrupted`] soon after
    /// it is raised. The default ignores the flag (the scan runs to its end).
    fn query_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<Vec<Entry>, StateError> {
        let _ = interrupt;
        self.query(collection, query)
    }
    /// [`StateStore::count`], interruptible like [`StateStore::query_interruptible`].
    fn count_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<u64, StateError> {
        let _ = interrupt;
        self.count(collection, query)
    }
    /// Opens a savepoint and returns its id (never 0).
    fn savepoint(&mut self) -> Result<u64, StateError>;
    /// Undoes every write made since savepoint `id` was opened. The savepoint stays open;
    /// savepoints opened after it are closed.
    fn rollback_to(&mut self, id: u64) -> Result<(), StateError>;
    /// Closes savepoint `id` and those opened after it, keeping their writes.
    fn release(&mut self, id: u64) -> Result<(), StateError>;
    /// Makes the transaction's writes durable, atomically, and starts a new transaction.
    fn commit(&mut self) -> Result<(), StateError>;
    /// Discards the transaction's writes and starts a new transaction.
    fn abort(&mut self);
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_dense_and_named() {
        for (index, status) in Status::ALL.iter().enumerate() {
            assert_eq!(status.code() as usize, index);
            assert!(!status.name().is_empty());
        }
    }

    #[test]
    fn key_ranges_select_keys() {
        let prefix = KeyRange::Prefix(b"ab".to_vec());
        assert!(prefix.contains(b"ab") && prefix.contains(b"abc"));
        assert!(!prefix.contains(b"a") && !prefix.contains(b"b"));
        let between = KeyRange::Between {
            start: b"b".to_vec(),
            end: Some(b"d".to_vec()),
        };
        assert!(between.contains(b"b") && between.contains(b"cz"));
        assert!(!between.contains(b"a") && !between.contains(b"d"));
        let open = KeyRange::Between {
            start: b"b".to_vec(),
            end: None,
        };
        assert!(open.contains(b"zzz") && !open.contains(b"a"));
    }

    #[test]
    fn only_store_failures_trap() {
        assert_eq!(StateError::Store("disk".into()).status(), None);
        assert_eq!(
            StateError::KeyTooLarge { len: 2000 }.status(),
            Some(Status::KeyTooLarge)
        );
        assert!(check_collection(b"").is_err());
        assert!(check_collection(&[b'c'; 256]).is_err());
        assert!(check_collection(&[b'c'; 255]).is_ok());
        assert!(check_key(&[0; MAX_KEY_LEN]).is_ok());
        assert!(check_key(&[0; MAX_KEY_LEN + 1]).is_err());
        assert!(check_value(&vec![0; MAX_VALUE_LEN + 1]).is_err());
    }
}
