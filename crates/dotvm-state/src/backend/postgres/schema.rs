//! The tables DotVM keeps in PostgreSQL and their versioned migrations.
//!
//! `dotvm_schema` records which DotVM schema version the database (the first schema on the
//! connection's `search_path`) holds; `dotvm_data`, `dotvm_index` and `dotvm_meta` hold the
//! three trees as `bytea` keys and values (bytea sorts bytewise, like the redb tables).
//! Opening runs the check under an advisory lock, so two processes opening a fresh database
//! at once create the tables once.

use super::error::{PostgresError, describe};
use super::target::Target;
use crate::backend::Tree;
use postgres::Client;

/// The schema version this code reads and writes.
pub const SCHEMA_VERSION: i32 = 1;
/// The name under which the version is recorded in `dotvm_schema`.
const COMPONENT: &str = "dotvm-state";
/// Advisory lock key held while checking or migrating the schema ("DOTVMSCH").
const LOCK_KEY: i64 = 0x0044_4f54_4d53_4348;

/// The statements that take a database from version `n - 1` to `n` (index `n - 1`).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE dotvm_schema (component text PRIMARY KEY, version integer NOT NULL);
     CREATE TABLE dotvm_data (key bytea PRIMARY KEY, value bytea NOT NULL);
     CREATE TABLE dotvm_index (key bytea PRIMARY KEY, value bytea NOT NULL);
     CREATE TABLE dotvm_meta (key bytea PRIMARY KEY, value bytea NOT NULL);",
];

/// The table holding `tree`.
pub(crate) fn table(tree: Tree) -> &'static str {
    match tree {
        Tree::Data => "dotvm_data",
        Tree::Index => "dotvm_index",
        Tree::Meta => "dotvm_meta",
    }
}

/// Checks that the database is DotVM's at a version this code reads, creating or
/// upgrading the tables when needed.
pub(crate) fn prepare(client: &mut Client, target: &Target) -> Result<(), PostgresError> {
    let server = |e: postgres::Error| PostgresError::Server {
        target: target.name.clone(),
        message: describe(&e),
    };
    let foreign = |reason: String| PostgresError::Foreign {
        target: target.name.clone(),
        reason,
    };
    let mut txn = client.transaction().map_err(server)?;
    txn.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(server)?;
    let row = txn
        .query_one(
            "SELECT current_schema(), to_regclass('dotvm_schema') IS NOT NULL, \
             (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())",
            &[],
        )
        .map_err(server)?;
    let schema: Option<String> = row.get(0);
    let Some(schema) = schema else {
        return Err(foreign(
            "no schema of the search_path exists to hold DotVM's tables".into(),
        ));
    };
    let has_marker: bool = row.get(1);
    let tables: i64 = row.get(2);
    let version = if has_marker {
        let version: Option<i32> = txn
            .query_opt(
                "SELECT version FROM dotvm_schema WHERE component = $1",
                &[&COMPONENT],
            )
            .map_err(server)?
            .map(|row| row.get(0));
        version.ok_or_else(|| foreign(format!("dotvm_schema has no `{COMPONENT}` row")))?
    } else if tables > 0 {
        return Err(foreign(format!(
            "schema `{schema}` has {tables} tables but no dotvm_schema table; use an empty \
             database or schema"
        )));
    } else {
        0
    };
    if version > SCHEMA_VERSION {
        return Err(PostgresError::Newer {
            target: target.name.clone(),
            version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 0 {
        return Err(foreign(format!("dotvm_schema records version {version}")));
    }
    if version == SCHEMA_VERSION {
        return txn.commit().map_err(server);
    }
    for migration in &MIGRATIONS[version as usize..] {
        txn.batch_execute(migration).map_err(server)?;
    }
    txn.execute(
        "INSERT INTO dotvm_schema (component, version) VALUES ($1, $2) \
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
        &[&COMPONENT, &SCHEMA_VERSION],
    )
    .map_err(server)?;
    txn.commit().map_err(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_migration_per_version() {
        assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
        for tree in Tree::ALL {
            assert!(MIGRATIONS[0].contains(table(tree)));
        }
    }
}
