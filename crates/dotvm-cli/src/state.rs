//! Where `dotvm run` and `dotvm db` keep state: the `--state` argument (or `DOTVM_STATE`),
//! the default file in the user's data directory, `:memory:`, and opening the store.

use anyhow::{Context, Result, anyhow};
use dotvm_state::{MemoryStore, RedbStore};
use dotvm_vm::StateStore;
use std::fmt;
use std::path::PathBuf;

/// The `--state` value that selects a throwaway in-memory store.
pub const MEMORY: &str = ":memory:";
/// The environment variable consulted when `--state` is not given.
pub const STATE_ENV: &str = "DOTVM_STATE";

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A redb state file; `default` when neither `--state` nor `DOTVM_STATE` chose it.
    File {
        /// The file.
        path: PathBuf,
        /// True for the default location.
        default: bool,
    },
    /// An in-memory store, discarded when the command ends.
    Memory,
}

impl Location {
    /// The location `--state` (or else `DOTVM_STATE`, or else the default file) names.
    pub fn resolve(arg: Option<&str>) -> Result<Location> {
        let chosen = arg
            .map(str::to_owned)
            .or_else(|| std::env::var(STATE_ENV).ok().filter(|v| !v.is_empty()));
        Ok(match chosen.as_deref() {
            Some(MEMORY) => Location::Memory,
            Some(path) => Location::File {
                path: PathBuf::from(path),
                default: false,
            },
            None => Location::File {
                path: default_path()?,
                default: true,
            },
        })
    }

    /// Opens the store, creating the default directory when needed; waits while another
    /// process has the file open.
    pub fn open(&self) -> Result<OpenStore> {
        match self {
            Location::Memory => Ok(OpenStore::Memory(Box::new(MemoryStore::in_memory()))),
            Location::File { path, default } => {
                if *default && let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
                Ok(OpenStore::File(Box::new(RedbStore::open(path)?)))
            }
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Memory => f.write_str("in memory (:memory:, discarded at exit)"),
            Location::File {
                path,
                default: true,
            } => write!(f, "{} (default)", path.display()),
            Location::File { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

/// `dotvm/state.redb` in the user's data directory (`$XDG_DATA_HOME`, `~/.local/share`,
/// `~/Library/Application Support`, `%APPDATA%`).
pub fn default_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|dir| dir.join("dotvm").join("state.redb"))
        .ok_or_else(|| anyhow!("no user data directory is known here; pass --state PATH"))
}

/// An open store of either kind.
#[derive(Debug)]
pub enum OpenStore {
    /// A redb file.
    File(Box<RedbStore>),
    /// Memory.
    Memory(Box<MemoryStore>),
}

impl OpenStore {
    /// The store as the VM uses it.
    pub fn as_state(&mut self) -> &mut dyn StateStore {
        match self {
            OpenStore::File(store) => store.as_mut(),
            OpenStore::Memory(store) => store.as_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_locations_win() {
        assert_eq!(Location::resolve(Some(MEMORY)).unwrap(), Location::Memory);
        assert_eq!(
            Location::resolve(Some("x.redb")).unwrap(),
            Location::File {
                path: PathBuf::from("x.redb"),
                default: false
            }
        );
    }

    #[test]
    fn the_default_is_under_the_data_directory() {
        if let Ok(path) = default_path() {
            assert!(path.ends_with("dotvm/state.redb"));
        }
    }
}
