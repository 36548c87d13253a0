//! Where `dotvm run` and `dotvm db` keep state: the `--state` argument (or `DOTVM_STATE`),
//! the default file in the user's data directory, `:memory:`, a `postgres://` URL, and
//! opening the store.

use anyhow::{Context, Result, anyhow};
use dotvm_state::{Backend, MemoryStore, PostgresStore, RedbStore};
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
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL).
    Postgres {
        /// The URL, as given (it may hold a password: never print it).
        url: String,
        /// The server and database without the password, for messages.
        name: String,
    },
}

impl Location {
    /// The location `--state` (or else `DOTVM_STATE`, or else the default file) names.
    pub fn resolve(arg: Option<&str>) -> Result<Location> {
        let chosen = arg
            .map(str::to_owned)
            .or_else(|| std::env::var(STATE_ENV).ok().filter(|v| !v.is_empty()));
        Ok(match chosen.as_deref() {
            Some(MEMORY) => Location::Memory,
            Some(url) if dotvm_state::is_postgres_url(url) => Location::Postgres {
                url: url.to_string(),
                name: dotvm_state::describe_postgres_url(url)?,
            },
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
    /// process has the file open. A PostgreSQL database is connected to and its schema
    /// checked (created when the database is empty).
    pub fn open(&self) -> Result<OpenStore> {
        match self {
            Location::Memory => Ok(OpenStore::Memory(Box::new(MemoryStore::in_memory()))),
            Location::Postgres { url, .. } => {
                Ok(OpenStore::Postgres(Box::new(PostgresStore::connect(url)?)))
            }
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
            Location::Postgres { name, .. } => f.write_str(name),
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
    /// A PostgreSQL database.
    Postgres(Box<PostgresStore>),
}

impl OpenStore {
    /// The store as the VM uses it.
    pub fn as_state(&mut self) -> &mut dyn StateStore {
        match self {
            OpenStore::File(store) => store.as_mut(),
            OpenStore::Memory(store) => store.as_mut(),
            OpenStore::Postgres(store) => store.as_mut(),
        }
    }

    /// True for a store shared with other processes, whose transactions can conflict and
    /// be run again (so a run's output is held until its commit decision).
    pub fn is_shared(&self) -> bool {
        matches!(self, OpenStore::Postgres(_))
    }

    /// True when the last transaction failed only by conflicting with a concurrent one.
    pub fn retryable(&self) -> bool {
        match self {
            OpenStore::Postgres(store) => store.backend().retryable(),
            OpenStore::File(_) | OpenStore::Memory(_) => false,
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
    fn postgres_urls_select_postgres_and_hide_the_password() {
        let location = Location::resolve(Some("postgres://ann:pw@db:5433/app")).unwrap();
        assert!(matches!(location, Location::Postgres { .. }));
        assert_eq!(location.to_string(), "postgres://ann@db:5433/app");
        assert!(Location::resolve(Some("postgres://db:xx/app")).is_err());
    }

    #[test]
    fn the_default_is_under_the_data_directory() {
        if let Ok(path) = default_path() {
            assert!(path.ends_with("dotvm/state.redb"));
        }
    }
}
