//! Shared helpers: assembling programs and running them as transactions.

#![allow(dead_code)]

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_state::{TransactionError, run_transaction};
use dotvm_vm::{BufferIo, Limits, Outcome, StateStore};

/// Assembles and verifies `source`.
pub(crate) fn program(source: &str) -> Verified {
    let module = assemble(source, "test.dasm", &AsmOptions::default())
        .unwrap_or_else(|e| panic!("assembly failed: {e}"));
    Verified::new(module).unwrap_or_else(|e| panic!("verification failed: {e}"))
}

/// Runs `source` as one transaction on `store`; returns the result and the output.
pub(crate) fn run(
    store: &mut dyn StateStore,
    source: &str,
) -> (Result<Outcome, TransactionError>, String) {
    run_with_limits(store, source, &Limits::default())
}

/// Like [`run`] with explicit limits.
pub(crate) fn run_with_limits(
    store: &mut dyn StateStore,
    source: &str,
    limits: &Limits,
) -> (Result<Outcome, TransactionError>, String) {
    let mut io = BufferIo::default();
    let result = run_transaction(
        &program(source),
        limits,
        &mut io,
        &mut dotvm_vm::Host::default(),
        store,
        None,
    );
    (result, io.output_text())
}

/// The PostgreSQL server for tests: `DOTVM_TEST_POSTGRES_URL` (set by
/// `scripts/with-postgres`, which `./scripts/test` uses). Without it the caller skips with a
/// message, except under `CI=true`, where a missing server fails the test.
pub(crate) fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("DOTVM_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{test}: DOTVM_TEST_POSTGRES_URL is not set, and CI=true requires PostgreSQL")
        }
        _ => {
            // Straight to the process's stderr: the test harness does not capture it, so
            // the skip is visible even when the test passes.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipping {test}: DOTVM_TEST_POSTGRES_URL is not set (run ./scripts/test, \
                 which starts a private PostgreSQL server)"
            );
            None
        }
    }
}

/// A fresh, empty schema on the server at `url`; returns a URL whose connections use it.
pub(crate) fn fresh_schema(url: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .expect("create schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{name}")
}
