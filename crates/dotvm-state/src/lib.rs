//! DotVM's state stores: [`Store`], a transactional store of collections (byte keys, byte
//! values, JSON documents with secondary indexes) that implements the VM's
//! [`dotvm_vm::StateStore`], over a redb file ([`RedbStore`], the embedded default), a
//! PostgreSQL database shared by many hosts ([`PostgresStore`]) or memory
//! ([`MemoryStore`]); [`run_transaction`], which runs a program as one transaction; and
//! [`with_retries`], which runs it again after a conflict. See `docs/state.md` and
//! `docs/distributed.md`.

mod admin;
mod backend;
mod json;
mod layout;
mod overlay;
mod query;
mod read_cache;
mod retry;
mod run;
mod store;

pub use admin::RawEntry;
pub use backend::FORMAT_VERSION;
pub use backend::{Backend, Entries, MemoryBackend, OpenError, RedbBackend, Tree, Write};
pub use backend::{
    PostgresBackend, PostgresError, PostgresPool, SCHEMA_VERSION, describe_postgres_url,
    is_postgres_url,
};
pub use query::Matcher;
pub use retry::{Attempt, RetryPolicy, with_retries};
pub use run::{TransactionError, run_transaction, uses_state};
pub use store::{MemoryStore, PostgresStore, RedbStore, Store};
