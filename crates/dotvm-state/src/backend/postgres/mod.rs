//! The PostgreSQL backend: state on a database server shared by many processes and hosts.
//!
//! A [`PostgresBackend`] holds one connection. Its snapshot is a PostgreSQL transaction at
//! SERIALIZABLE isolation, begun at the first read and ended by [`Backend::apply`] (the
//! writes, then `COMMIT`) or [`Backend::abort`] (`ROLLBACK`). PostgreSQL's serializable
//! snapshot isolation makes concurrent runs behave as if run one after another: a run whose
//! reads another run has changed fails with SQLSTATE 40001, which
//! [`Backend::retryable`] reports so that the caller runs it again from the start
//! ([`crate::with_retries`]). Nothing of a failed transaction persists.

mod error;
mod schema;
mod target;

pub use self::error::PostgresError;
pub use self::schema::SCHEMA_VERSION;
pub use self::target::{describe_postgres_url, is_postgres_url};

use self::error::{is_retryable, state_error};
use self::schema::table;
use self::target::{Connection, Target};
use super::{Backend, Entries, Tree, Write};
use dotvm_vm::StateError;
use postgres::Statement;
use postgres::types::ToSql;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::r2d2::Pool;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

/// A key and its value as read.
type RawPair = (Vec<u8>, Vec<u8>);

/// Rows fetched by the first page of a range read (small: most queries stop early).
const FIRST_PAGE: i64 = 32;
/// Rows fetched by each later page.
const PAGE: i64 = 512;

/// A shared pool of connections to one DotVM database, for servers running many
/// transactions at once. Cloning shares the pool.
#[derive(Clone)]
pub struct PostgresPool {
    pool: Pool<PostgresConnectionManager<postgres::NoTls>>,
    target: Arc<str>,
}

impl std::fmt::Debug for PostgresPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresPool")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PostgresPool {
    /// Connects to `url`, checks (creating or upgrading) DotVM's schema, and keeps up to
    /// `size` connections open for later transactions.
    pub fn connect(url: &str, size: u32) -> Result<PostgresPool, PostgresError> {
        let target = Target::parse(url)?;
        schema::prepare(&mut target.connect()?, &target)?;
        Ok(PostgresPool {
            pool: target.pool(size)?,
            target: target.name.into(),
        })
    }

    /// A backend on a pooled connection (waits while all are in use, up to the connect
    /// timeout).
    pub fn backend(&self) -> Result<PostgresBackend, PostgresError> {
        let connection = self.pool.get().map_err(|e| PostgresError::Connect {
            target: self.target.to_string(),
            message: e.to_string(),
        })?;
        Ok(PostgresBackend::new(
            Connection::Pooled(Box::new(connection)),
            self.target.to_string(),
        ))
    }

    /// The server and database, without the password.
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// Committed state in a PostgreSQL database.
pub struct PostgresBackend {
    connection: RefCell<Connection>,
    /// Prepared statements of this connection, by SQL text.
    statements: RefCell<HashMap<String, Statement>>,
    /// True while a transaction is open on the connection.
    open: Cell<bool>,
    /// True when a statement of the current or last transaction failed with a
    /// serialization failure or deadlock.
    conflict: Cell<bool>,
    target: String,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects to `url` with a connection of its own and checks (creating or upgrading)
    /// DotVM's schema.
    pub fn connect(url: &str) -> Result<PostgresBackend, PostgresError> {
        let target = Target::parse(url)?;
        let mut client = target.connect()?;
        schema::prepare(&mut client, &target)?;
        Ok(PostgresBackend::new(
            Connection::Owned(Box::new(client)),
            target.name,
        ))
    }

    fn new(connection: Connection, target: String) -> PostgresBackend {
        PostgresBackend {
            connection: RefCell::new(connection),
            statements: RefCell::new(HashMap::new()),
            open: Cell::new(false),
            conflict: Cell::new(false),
            target,
        }
    }

    /// The server and database, without the password.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Runs `sql` with `params` in the open transaction (beginning one when needed).
    fn query(
        &self,
        context: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StateError> {
        let mut connection = self.connection.borrow_mut();
        let result = (|| {
            if !self.open.get() {
                connection.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
                self.open.set(true);
                self.conflict.set(false);
            }
            let mut statements = self.statements.borrow_mut();
            let statement = match statements.get(sql) {
                Some(statement) => statement.clone(),
                None => {
                    let statement = connection.prepare(sql)?;
                    statements.insert(sql.to_string(), statement.clone());
                    statement
                }
            };
            connection.query(&statement, params)
        })();
        result.map_err(|e| self.failed(context, &e))
    }

    /// Records a failed statement (the transaction is now aborted on the server).
    fn failed(&self, context: &str, error: &postgres::Error) -> StateError {
        if is_retryable(error) {
            self.conflict.set(true);
        }
        state_error(context, &self.target, error)
    }

    /// Ends the open transaction with `ROLLBACK`, if any.
    fn rollback(&self) {
        if self.open.replace(false) {
            // A broken connection cannot roll back, but the server discards the
            // transaction when the connection closes.
            let _ = self.connection.borrow_mut().batch_execute("ROLLBACK");
        }
    }

    /// One page of a range read: up to `limit` entries of `[start, end)` in `tree`.
    fn page(
        &self,
        tree: Tree,
        start: &[u8],
        end: Option<&[u8]>,
        reverse: bool,
        limit: i64,
    ) -> Result<Vec<RawPair>, StateError> {
        let order = if reverse { "DESC" } else { "ASC" };
        let table = table(tree);
        let rows = match end {
            Some(end) => self.query(
                "range read",
                &format!(
                    "SELECT key, value FROM {table} WHERE key >= $1 AND key < $2 \
                     ORDER BY key {order} LIMIT $3"
                ),
                &[&start, &end, &limit],
            )?,
            None => self.query(
                "range read",
                &format!(
                    "SELECT key, value FROM {table} WHERE key >= $1 ORDER BY key {order} LIMIT $2"
                ),
                &[&start, &limit],
            )?,
        };
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        // A pooled connection must go back without an open transaction.
        self.rollback();
    }
}

impl Backend for PostgresBackend {
    fn read(&self, tree: Tree, key: &[u8], out: &mut Vec<u8>) -> Result<bool, StateError> {
        let sql = format!("SELECT value FROM {} WHERE key = $1", table(tree));
        let rows = self.query("read", &sql, &[&key])?;
        match rows.first() {
            Some(row) => {
                out.extend_from_slice(row.get::<_, &[u8]>(0));
                Ok(true)
            }
            None => Ok(false),
        }
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
        Ok(Box::new(Pages {
            backend: self,
            tree,
            start: start.to_vec(),
            end: end.map(<[u8]>::to_vec),
            reverse,
            buffer: Vec::new().into_iter(),
            next_limit: FIRST_PAGE,
            done: false,
        }))
    }

    fn apply(&mut self, writes: &[Write<'_>]) -> Result<(), StateError> {
        let result = self.write_and_commit(writes);
        if result.is_err() {
            self.rollback();
        }
        result
    }

    fn abort(&mut self) {
        self.rollback();
    }

    fn retryable(&self) -> bool {
        self.conflict.get()
    }
}

impl PostgresBackend {
    /// Applies `writes` in the open transaction (upserts and deletes, one statement of each
    /// per tree) and commits it.
    fn write_and_commit(&mut self, writes: &[Write<'_>]) -> Result<(), StateError> {
        for tree in Tree::ALL {
            let (mut keys, mut values, mut removed) = (Vec::new(), Vec::new(), Vec::new());
            for write in writes.iter().filter(|w| w.tree == tree) {
                match write.value {
                    Some(value) => {
                        keys.push(write.key);
                        values.push(value);
                    }
                    None => removed.push(write.key),
                }
            }
            let table = table(tree);
            if !removed.is_empty() {
                let sql = format!("DELETE FROM {table} WHERE key = ANY($1)");
                self.query("commit", &sql, &[&removed])?;
            }
            if !keys.is_empty() {
                let sql = format!(
                    "INSERT INTO {table} (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
                );
                self.query("commit", &sql, &[&keys, &values])?;
            }
        }
        if self.open.replace(false) {
            let result = self.connection.borrow_mut().batch_execute("COMMIT");
            result.map_err(|e| self.failed("commit", &e))?;
        }
        Ok(())
    }
}

/// A range read fetched page by page, each page starting after the last key seen.
struct Pages<'a> {
    backend: &'a PostgresBackend,
    tree: Tree,
    start: Vec<u8>,
    end: Option<Vec<u8>>,
    reverse: bool,
    buffer: std::vec::IntoIter<RawPair>,
    next_limit: i64,
    done: bool,
}

impl Iterator for Pages<'_> {
    type Item = Result<RawPair, StateError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.buffer.next() {
            return Some(Ok(entry));
        }
        if self.done {
            return None;
        }
        let limit = self.next_limit;
        self.next_limit = PAGE;
        let page = match self.backend.page(
            self.tree,
            &self.start,
            self.end.as_deref(),
            self.reverse,
            limit,
        ) {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Some(Err(error));
            }
        };
        self.done = (page.len() as i64) < limit;
        if let Some((last, _)) = page.last() {
            if self.reverse {
                self.end = Some(last.clone());
            } else {
                // The smallest key after `last`.
                self.start = last.clone();
                self.start.push(0);
            }
        }
        self.buffer = page.into_iter();
        self.buffer.next().map(Ok)
    }
}
