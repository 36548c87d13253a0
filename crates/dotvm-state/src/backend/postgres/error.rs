//! Why a PostgreSQL store cannot be opened, and how a server error is described.

use dotvm_vm::StateError;

/// Why a PostgreSQL state store cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The URL is not a PostgreSQL connection string.
    #[error("invalid PostgreSQL URL: {0}")]
    BadUrl(String),
    /// The server cannot be reached, refused the login, or dropped the connection.
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    Connect {
        /// The server and database, without the password.
        target: String,
        /// What the client reported.
        message: String,
    },
    /// The database (schema) holds tables that are not DotVM's.
    #[error("PostgreSQL database {target} is not a DotVM state store ({reason})")]
    Foreign {
        /// The server and database, without the password.
        target: String,
        /// What was found instead.
        reason: String,
    },
    /// The database was created by a newer DotVM.
    #[error(
        "PostgreSQL database {target} has DotVM schema version {version}; this dotvm supports \
         versions up to {supported} (upgrade dotvm)"
    )]
    Newer {
        /// The server and database, without the password.
        target: String,
        /// The version it records.
        version: i32,
        /// The newest version this dotvm supports.
        supported: i32,
    },
    /// A statement of the schema check or migration failed.
    #[error("PostgreSQL database {target}: {message}")]
    Server {
        /// The server and database, without the password.
        target: String,
        /// What the server reported.
        message: String,
    },
}

/// The SQLSTATE codes after which the whole transaction may simply be run again.
pub(crate) fn is_retryable(error: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    error.code().is_some_and(|code| {
        *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// A client error as text: the server's message with its SQLSTATE, or the client's own
/// description (closed connection, I/O error).
pub(crate) fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None if error.is_closed() => "the connection to the server was closed".to_string(),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}

/// A failed statement of a run's transaction as a [`StateError`] (the run traps).
pub(crate) fn state_error(context: &str, target: &str, error: &postgres::Error) -> StateError {
    StateError::Store(format!(
        "PostgreSQL {target}: {context}: {}",
        describe(error)
    ))
}
