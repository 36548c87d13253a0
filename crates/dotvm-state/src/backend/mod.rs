//! Backends: where committed state lives. A backend serves reads from a consistent snapshot
//! and applies a batch of writes atomically; the transaction logic (own writes, read cache,
//! savepoints, indexes, queries) sits above it in [`crate::Store`] and is shared by all
//! backends.

mod memory;
mod postgres;
mod redb;

pub use self::memory::MemoryBackend;
pub use self::postgres::{
    PostgresBackend, PostgresError, PostgresPool, SCHEMA_VERSION, describe_postgres_url,
    is_postgres_url,
};
pub use self::redb::{FORMAT_VERSION, OpenError, RedbBackend};

use dotvm_vm::StateError;

/// The three key spaces of a store (their layout is described in `docs/state.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// Collections' keys and values.
    Data,
    /// Secondary-index entries.
    Index,
    /// Format marker and index definitions.
    Meta,
}

impl Tree {
    /// Every tree.
    pub const ALL: [Tree; 3] = [Tree::Data, Tree::Index, Tree::Meta];

    /// Position in [`Tree::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name (also the redb table name).
    pub const fn name(self) -> &'static str {
        match self {
            Tree::Data => "data",
            Tree::Index => "index",
            Tree::Meta => "meta",
        }
    }
}

/// One write of a batch: `Some(value)` stores, `None` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write<'a> {
    /// The tree written.
    pub tree: Tree,
    /// The key.
    pub key: &'a [u8],
    /// The new value, or `None` to remove the key.
    pub value: Option<&'a [u8]>,
}

/// Entries of a range read, in the order asked for.
pub type Entries<'a> = Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>), StateError>> + 'a>;

/// Committed state with snapshot reads and atomic batch writes.
pub trait Backend {
    /// Appends the value of `key` in the current snapshot to `out`; returns false (leaving
    /// `out` alone) when the key is absent.
    fn read(&self, tree: Tree, key: &[u8], out: &mut Vec<u8>) -> Result<bool, StateError>;
    /// The entries with `start <= key` and `key < end` (no upper bound when `end` is
    /// `None`) in the current snapshot, in increasing key order or, when `reverse`, in
    /// decreasing order.
    fn range(
        &self,
        tree: Tree,
        start: &[u8],
        end: Option<&[u8]>,
        reverse: bool,
    ) -> Result<Entries<'_>, StateError>;
    /// Applies `writes` atomically and durably (all or none), then moves the snapshot to
    /// the new state.
    fn apply(&mut self, writes: &[Write<'_>]) -> Result<(), StateError>;
    /// Ends the current snapshot without writing: the next read sees the latest committed
    /// state (backends whose snapshot is a server transaction roll it back).
    fn abort(&mut self) {}
    /// True when the last transaction failed only because it conflicted with a concurrent
    /// one, so running it again from the start may succeed (see [`crate::with_retries`]).
    fn retryable(&self) -> bool {
        false
    }
}

/// A backend error as a [`StateError`] (the run traps).
pub(crate) fn store_error(context: &str, error: impl std::fmt::Display) -> StateError {
    StateError::Store(format!("{context}: {error}"))
}
