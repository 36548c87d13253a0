//! The redb backend: the embedded default, a crash-safe single file.
//!
//! One [`RedbBackend`] owns its file for as long as it lives: opening takes an exclusive
//! lock on the sidecar file `PATH.lock` (blocking until other processes release it), so runs
//! by several processes are serialised whole and no update is lost. Each open checks the
//! file's integrity (redb verifies every page checksum, so a damaged file is an error, not a
//! crash) and its format marker. Commits are redb write transactions with immediate
//! durability: after a crash the file holds the last committed state.

use super::{Backend, Entries, Tree, Write, store_error};
use crate::layout::FORMAT_KEY;
use dotvm_vm::StateError;
use redb::{
    Builder, Database, DatabaseError, ReadOnlyTable, ReadableDatabase, StorageError,
    TableDefinition, TableError,
};
use std::fs::{File, OpenOptions};
use std::ops::Bound;
use std::path::{Path, PathBuf};

/// The state file format this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The bytes before the version in the format marker.
const FORMAT_MAGIC: &[u8] = b"DOTVM-STATE";

/// A redb table of byte keys and byte values.
type Table = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// The table holding `tree`.
const fn table(tree: Tree) -> Table {
    TableDefinition::new(tree.name())
}

/// Why a state file cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The file or its lock file cannot be opened, locked or created.
    #[error("cannot open state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file exists but is not a DotVM state file.
    #[error("{path} is not a DotVM state file ({reason})")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The file is a DotVM state file of another format version.
    #[error("{path} has state format version {version}; this dotvm reads version {FORMAT_VERSION}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it records.
        version: u32,
    },
    /// The file is damaged (failed checksums or an unreadable structure).
    #[error("state file {path} is damaged: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What redb reported.
        message: String,
    },
}

/// The snapshot the current transaction reads.
struct Snapshot {
    tables: [ReadOnlyTable<&'static [u8], &'static [u8]>; 3],
}

/// Committed state in a redb file.
pub struct RedbBackend {
    // Field order is drop order: the snapshot before the database, the lock last.
    snapshot: Snapshot,
    db: Database,
    path: PathBuf,
    _lock: File,
}

impl std::fmt::Debug for RedbBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbBackend")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbBackend {
    /// Opens (creating when missing or empty) the state file at `path`, waiting for other
    /// users of the file to close it first.
    pub fn open(path: &Path) -> Result<RedbBackend, OpenError> {
        let io = |source| OpenError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut lock_name = path.as_os_str().to_owned();
        lock_name.push(".lock");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_name)
            .map_err(io)?;
        lock.lock().map_err(io)?;
        let db = Builder::new()
            .set_check_integrity_on_open(true)
            .create(path)
            .map_err(|e| open_error(path, e))?;
        check_format(path, &db)?;
        let snapshot = Snapshot::take(&db).map_err(|e| OpenError::Damaged {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(RedbBackend {
            snapshot,
            db,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Classifies redb's open errors.
fn open_error(path: &Path, error: DatabaseError) -> OpenError {
    let path = path.to_path_buf();
    match error {
        DatabaseError::Storage(StorageError::Io(source))
            if source.kind() == std::io::ErrorKind::InvalidData =>
        {
            OpenError::Foreign {
                path,
                reason: source.to_string(),
            }
        }
        DatabaseError::Storage(StorageError::Io(source)) => OpenError::Io { path, source },
        DatabaseError::UpgradeRequired(version) => OpenError::Foreign {
            path,
            reason: format!("redb file format {version}, which this redb cannot read"),
        },
        other => OpenError::Damaged {
            path,
            message: other.to_string(),
        },
    }
}

/// Checks the format marker, writing it (and the tables) into a fresh database.
fn check_format(path: &Path, db: &Database) -> Result<(), OpenError> {
    let damaged = |e: &dyn std::fmt::Display| OpenError::Damaged {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let foreign = |reason: &str| OpenError::Foreign {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let read = db.begin_read().map_err(|e| damaged(&e))?;
    let meta = match read.open_table(table(Tree::Meta)) {
        Ok(meta) => meta,
        Err(TableError::TableDoesNotExist(_)) => {
            let empty = read
                .list_tables()
                .map_err(|e| damaged(&e))?
                .next()
                .is_none();
            drop(read);
            return if empty {
                initialize(db).map_err(|e| damaged(&e))
            } else {
                Err(foreign("a redb database without DotVM's tables"))
            };
        }
        Err(e) => return Err(damaged(&e)),
    };
    let marker = meta
        .get(FORMAT_KEY)
        .map_err(|e| damaged(&e))?
        .ok_or_else(|| foreign("no format marker"))?;
    let marker = marker.value();
    let version = marker
        .strip_prefix(FORMAT_MAGIC)
        .and_then(|v| <[u8; 4]>::try_from(v).ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| foreign("unrecognised format marker"))?;
    if version != FORMAT_VERSION {
        return Err(OpenError::Version {
            path: path.to_path_buf(),
            version,
        });
    }
    Ok(())
}

/// Creates the tables and the format marker in a fresh database.
fn initialize(db: &Database) -> Result<(), redb::Error> {
    let write = db.begin_write()?;
    for tree in Tree::ALL {
        write.open_table(table(tree))?;
    }
    {
        let mut meta = write.open_table(table(Tree::Meta))?;
        let mut marker = FORMAT_MAGIC.to_vec();
        marker.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        meta.insert(FORMAT_KEY, marker.as_slice())?;
    }
    write.commit()?;
    Ok(())
}

impl Snapshot {
    /// Opens the three tables in a new read transaction.
    fn take(db: &Database) -> Result<Snapshot, redb::Error> {
        let read = db.begin_read()?;
        Ok(Snapshot {
            tables: [
                read.open_table(table(Tree::Data))?,
                read.open_table(table(Tree::Index))?,
                read.open_table(table(Tree::Meta))?,
            ],
        })
    }
}

impl Backend for RedbBackend {
    fn read(&self, tree: Tree, key: &[u8], out: &mut Vec<u8>) -> Result<bool, StateError> {
        let found = self.snapshot.tables[tree.index()]
            .get(key)
            .map_err(|e| store_error("read", e))?;
        if let Some(guard) = &found {
            out.extend_from_slice(guard.value());
        }
        Ok(found.is_some())
    }

    fn range(
        &self,
        tree: Tree,
        start: &[u8],
        end: Option<&[u8]>,
        reverse: bool,
    ) -> Result<Entries<'_>, StateError> {
        if end.is_some_and(|end| end <= start) {
            return Ok(Box::new(std::iter::empty()));
        }
        let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
        let range = self.snapshot.tables[tree.index()]
            .range::<&[u8]>((Bound::Included(start), upper))
            .map_err(|e| store_error("range read", e))?;
        let entries = range.map(|item| {
            item.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))
                .map_err(|e| store_error("range read", e))
        });
        Ok(if reverse {
            Box::new(entries.rev())
        } else {
            Box::new(entries)
        })
    }

    fn apply(&mut self, writes: &[Write<'_>]) -> Result<(), StateError> {
        if writes.is_empty() {
            return Ok(());
        }
        let commit = || -> Result<(), redb::Error> {
            let txn = self.db.begin_write()?;
            // Open only the tables written to.
            for tree in Tree::ALL {
                let mut in_tree = writes.iter().filter(|w| w.tree == tree).peekable();
                if in_tree.peek().is_none() {
                    continue;
                }
                let mut table = txn.open_table(table(tree))?;
                for write in in_tree {
                    match write.value {
                        Some(value) => {
                            table.insert(write.key, value)?;
                        }
                        None => {
                            table.remove(write.key)?;
                        }
                    }
                }
            }
            txn.commit()?;
            Ok(())
        };
        commit().map_err(|e| store_error("commit", e))?;
        self.snapshot = Snapshot::take(&self.db).map_err(|e| store_error("snapshot", e))?;
        Ok(())
    }
}
