//! `dotvm serve`: an HTTP/JSON service that stores deployed dots in the state store and
//! runs them against it, so any number of servers on one PostgreSQL database form one
//! system (see `docs/distributed.md`).

mod auth;
mod deploy;
mod error;
mod metrics;
mod routes;
mod run;
mod store;
mod tokens;

use crate::cli::ServeArgs;
use crate::state::Location;
use anyhow::{Context, Result, bail};
use deploy::Deployments;
use dotvm_vm::Limits;
use metrics::Metrics;
use run::RunLimits;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use store::ServerStore;
use tokens::Tokens;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;

/// Everything the handlers share.
pub struct Server {
    store: ServerStore,
    deployments: Deployments,
    limits: RunLimits,
    metrics: Metrics,
    /// The accepted tokens (`None`: no `--tokens`, every request passes).
    tokens: RwLock<Option<Arc<Tokens>>>,
    /// Permits for runs in progress.
    runs: Arc<Semaphore>,
    max_concurrent: u32,
}

impl Server {
    /// The current tokens.
    fn tokens(&self) -> Option<Arc<Tokens>> {
        self.tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Runs the server until SIGTERM or SIGINT, then lets the requests in progress finish.
pub fn execute(args: &ServeArgs) -> Result<()> {
    let tokens = args.tokens.as_deref().map(Tokens::load).transpose()?;
    if tokens.is_none() && !args.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {} without --tokens: a server without tokens accepts \
             every request, so it may only listen on a loopback address",
            args.listen
        );
    }
    let location = Location::resolve(args.state.as_deref())?;
    // Connections are made here, before the async runtime starts (the synchronous
    // PostgreSQL client must not run on its threads).
    let store = ServerStore::open(&location, args.max_concurrent + 4)
        .with_context(|| format!("state {location}"))?;
    let listener = std::net::TcpListener::bind(args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let server = Arc::new(Server {
        store,
        deployments: Deployments::new(),
        limits: RunLimits::new(
            Limits {
                memory_bytes: args.memory_limit,
                instructions: args.max_instructions,
                ..Limits::default()
            },
            (args.timeout_ms > 0).then(|| Duration::from_millis(args.timeout_ms)),
        ),
        metrics: Metrics::default(),
        tokens: RwLock::new(tokens.map(Arc::new)),
        runs: Arc::new(Semaphore::new(args.max_concurrent as usize)),
        max_concurrent: args.max_concurrent,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(args.max_concurrent as usize + 16)
        .build()
        .context("cannot start the async runtime")?;
    // The last reference is dropped here, outside the runtime: closing the pool's
    // synchronous PostgreSQL connections must not happen on an async thread.
    let keep = server.clone();
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let shutdown = shutdown_signal()?;
        if let Some(path) = args.tokens.clone() {
            reload_on_hangup(server.clone(), path)?;
        }
        eprintln!(
            "dotvm serve: listening on http://{address} (state {location}{})",
            if args.tokens.is_some() {
                ", tokens required"
            } else {
                ", no tokens"
            }
        );
        axum::serve(listener, routes::router(server, args.max_body))
            .with_graceful_shutdown(shutdown)
            .await
            .context("the server failed")?;
        eprintln!("dotvm serve: stopped");
        Ok(())
    });
    drop(runtime);
    drop(keep);
    result
}

/// Resolves at the first SIGTERM or SIGINT.
fn shutdown_signal() -> Result<impl Future<Output = ()>> {
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        eprintln!("dotvm serve: shutting down, finishing the requests in progress");
    })
}

/// Re-reads the token file at every SIGHUP; a bad file keeps the previous tokens.
fn reload_on_hangup(server: Arc<Server>, path: PathBuf) -> Result<()> {
    let mut hangup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match Tokens::load(&path) {
                Ok(tokens) => {
                    eprintln!("dotvm serve: reloaded {} tokens", tokens.len());
                    *server
                        .tokens
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(tokens));
                }
                Err(error) => {
                    eprintln!("dotvm serve: keeping the previous tokens: {error:#}");
                }
            }
        }
    });
    Ok(())
}
