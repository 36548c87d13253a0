//! Connecting: parsing a `postgres://` URL, naming the server without the password, and
//! opening connections directly or from a pool.

use super::error::{PostgresError, describe};
use postgres::config::Host;
use postgres::{Client, Config, NoTls};
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::r2d2::{Pool, PooledConnection};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::time::Duration;

/// How long connecting (or waiting for a pooled connection) may take unless the URL sets
/// `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The connection manager of the pool.
type Manager = PostgresConnectionManager<NoTls>;

/// True when `text` is a PostgreSQL URL (`postgres://` or `postgresql://`).
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// `postgres://user@host:port/database` for `url`, without the password: how messages
/// name a server. Fails when `url` is not a valid PostgreSQL URL.
pub fn describe_postgres_url(url: &str) -> Result<String, PostgresError> {
    Target::parse(url).map(|target| target.name)
}

/// A parsed connection string and its description without secrets.
#[derive(Clone)]
pub(crate) struct Target {
    /// The client configuration.
    pub(crate) config: Config,
    /// `user@host:port/database`, for messages.
    pub(crate) name: String,
}

impl Target {
    /// Parses `url` (a `postgres://` or `postgresql://` URL).
    pub(crate) fn parse(url: &str) -> Result<Target, PostgresError> {
        if !is_postgres_url(url) {
            return Err(PostgresError::BadUrl(
                "it must start with postgres:// or postgresql://".into(),
            ));
        }
        let mut config = Config::from_str(url).map_err(|e| PostgresError::BadUrl(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("dotvm");
        }
        let name = describe_target(&config);
        Ok(Target { config, name })
    }

    /// Opens one connection.
    pub(crate) fn connect(&self) -> Result<Client, PostgresError> {
        self.config
            .connect(NoTls)
            .map_err(|e| PostgresError::Connect {
                target: self.name.clone(),
                message: describe(&e),
            })
    }

    /// A pool of at most `size` connections, opened on demand.
    pub(crate) fn pool(&self, size: u32) -> Result<Pool<Manager>, PostgresError> {
        let timeout = self
            .config
            .get_connect_timeout()
            .copied()
            .unwrap_or(CONNECT_TIMEOUT);
        Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .build(Manager::new(self.config.clone(), NoTls))
            .map_err(|e| PostgresError::Connect {
                target: self.name.clone(),
                message: e.to_string(),
            })
    }
}

/// `user@host:port/database` from `config` (never the password).
fn describe_target(config: &Config) -> String {
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost".to_string()
    } else {
        hosts.join(",")
    };
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{hosts}/{db}")
}

/// A connection the backend owns or borrows from a pool.
pub(crate) enum Connection {
    /// A connection of its own (`dotvm run`, `dotvm db`).
    Owned(Box<Client>),
    /// A connection that returns to the pool when dropped (`dotvm serve`).
    Pooled(Box<PooledConnection<Manager>>),
}

impl Deref for Connection {
    type Target = Client;

    fn deref(&self) -> &Client {
        match self {
            Connection::Owned(client) => client,
            Connection::Pooled(client) => client,
        }
    }
}

impl DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut Client {
        match self {
            Connection::Owned(client) => client,
            Connection::Pooled(client) => client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_never_show_the_password() {
        let target = Target::parse("postgres://ann:secret@db.example:6543/app").unwrap();
        assert_eq!(target.name, "postgres://ann@db.example:6543/app");
        assert!(!target.name.contains("secret"));
    }

    #[test]
    fn bad_urls_are_errors() {
        assert!(Target::parse("mysql://x").is_err());
        assert!(Target::parse("postgres://host:notaport/db").is_err());
        assert!(is_postgres_url("postgresql://h/d") && !is_postgres_url("state.redb"));
    }
}
