//! The PostgreSQL server for tests: `DOTVM_TEST_POSTGRES_URL` (set by
//! `scripts/with-postgres`, which `./scripts/test` uses), and a fresh schema per test.

#![allow(dead_code)]

/// The server's URL, or `None` (the caller skips, with a message) when none is set;
/// under `CI=true` a missing server fails the test instead.
pub(crate) fn url(test: &str) -> Option<String> {
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

/// A URL for a fresh, empty schema on the test server, or `None` (skipped) without one.
pub(crate) fn fresh(test: &str) -> Option<String> {
    let url = url(test)?;
    let name = format!(
        "cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .expect("create schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}options=-c%20search_path%3D{name}"))
}
