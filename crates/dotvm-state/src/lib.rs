//! DotVM's state stores: [`Store`], a transactional store of collections (byte keys, byte
//! values, JSON documents with secondary indexes) that implements the VM's
//! [`dotvm_vm::StateStore`], over a redb file ([`RedbStore`], the embedded default) or
//! memory ([`MemoryStore`]); and [`run_transaction`], which runs a program as one
//! transaction. See `docs/state.md`.

mod admin;
mod backend;
mod json;
mod layout;
mod overlay;
mod query;
mod read_cache;
mod run;
mod store;

pub use admin::RawEntry;
pub use backend::FORMAT_VERSION;
pub use backend::{Backend, Entries, MemoryBackend, OpenError, RedbBackend, Tree, Write};
pub use run::{TransactionError, run_transaction, uses_state};
pub use store::{MemoryStore, RedbStore, Store};
