//! The PostgreSQL store against a real server (`DOTVM_TEST_POSTGRES_URL`, started by
//! `./scripts/test`): schema creation and refusal of foreign or newer databases, clear
//! connection errors, serialization conflicts reported as retryable and resolved by running
//! again, snapshots refreshed after commit and abort, and a dropped connection that leaves
//! nothing behind.

mod common;

use common::{fresh_schema, postgres_url, run};
use dotvm_state::{
    Attempt, Backend, PostgresError, PostgresPool, PostgresStore, RetryPolicy, SCHEMA_VERSION,
    Store, with_retries,
};
use dotvm_vm::StateStore;
use std::time::Duration;

/// A fresh schema on the test server, or `None` (skipped) without one.
fn server(test: &str) -> Option<String> {
    postgres_url(test).map(|url| fresh_schema(&url))
}

fn connect(url: &str) -> PostgresStore {
    Store::connect(url).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs SQL on the schema of `url` directly.
fn sql(url: &str, statements: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute(statements).unwrap();
}

/// The counter `c/n` as a u64 (0 when missing).
fn counter(store: &mut PostgresStore) -> u64 {
    store
        .get(b"c", b"n")
        .unwrap()
        .map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()))
}

#[test]
fn an_empty_schema_is_initialised_and_state_persists() {
    let Some(url) = server("an_empty_schema_is_initialised_and_state_persists") else {
        return;
    };
    let mut store = connect(&url);
    store.put(b"users", b"ann", br#"{"age":31}"#).unwrap();
    store.put(b"users", b"bob", b"\x00\xff").unwrap();
    store.commit().unwrap();
    store.put(b"users", b"cy", b"lost").unwrap();
    store.abort();
    drop(store);
    let mut store = connect(&url);
    assert_eq!(store.get(b"users", b"bob").unwrap(), Some(&b"\x00\xff"[..]));
    assert_eq!(store.get(b"users", b"cy").unwrap(), None);
    assert_eq!(store.collections().unwrap(), vec![(b"users".to_vec(), 2)]);
}

#[test]
fn a_database_that_is_not_dotvms_is_refused() {
    let Some(url) = server("a_database_that_is_not_dotvms_is_refused") else {
        return;
    };
    sql(&url, "CREATE TABLE invoices (id integer)");
    let error = Store::connect(&url).unwrap_err();
    assert!(matches!(error, PostgresError::Foreign { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("is not a DotVM state store"), "{message}");
    assert!(message.contains("no dotvm_schema table"), "{message}");
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let Some(url) = server("a_newer_schema_is_refused_and_left_alone") else {
        return;
    };
    drop(connect(&url));
    let newer = SCHEMA_VERSION + 1;
    sql(&url, &format!("UPDATE dotvm_schema SET version = {newer}"));
    let error = Store::connect(&url).unwrap_err();
    assert!(matches!(error, PostgresError::Newer { version, .. } if version == newer));
    assert!(error.to_string().contains("upgrade dotvm"), "{error}");
}

#[test]
fn connection_failures_and_bad_urls_are_clear_errors() {
    // Port 1 on loopback: nothing listens there.
    let error = Store::connect("postgres://nobody:secret@127.0.0.1:1/db?connect_timeout=5")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot connect to PostgreSQL at postgres://nobody@127.0.0.1:1/db"),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
    let error = Store::connect("postgres://h:port/db")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("invalid PostgreSQL URL"), "{error}");
}

#[test]
fn a_serialization_conflict_is_retryable_and_a_retry_succeeds() {
    let Some(url) = server("a_serialization_conflict_is_retryable_and_a_retry_succeeds") else {
        return;
    };
    let (mut first, mut second) = (connect(&url), connect(&url));
    // Both read the counter, then both write it: the second commit must not win.
    let (a, b) = (counter(&mut first), counter(&mut second));
    first.put(b"c", b"n", &(a + 1).to_le_bytes()).unwrap();
    second.put(b"c", b"n", &(b + 1).to_le_bytes()).unwrap();
    first.commit().unwrap();
    let error = second.commit().unwrap_err().to_string();
    assert!(error.contains("40001"), "{error}");
    assert!(second.backend().retryable());
    // Running the whole transaction again sees the first one's write.
    let policy = RetryPolicy::default();
    let (result, attempts) = with_retries(&policy, |_| {
        let value = counter(&mut second);
        second.put(b"c", b"n", &(value + 1).to_le_bytes()).unwrap();
        match second.commit() {
            Ok(()) => Attempt::Done(Ok(())),
            Err(e) if second.backend().retryable() => Attempt::Conflict(Err(e)),
            Err(e) => Attempt::Done(Err(e)),
        }
    });
    result.unwrap();
    assert_eq!(attempts, 1);
    assert!(!second.backend().retryable());
    assert_eq!(counter(&mut connect(&url)), 2);
}

#[test]
fn commit_and_abort_move_the_snapshot_forward() {
    let Some(url) = server("commit_and_abort_move_the_snapshot_forward") else {
        return;
    };
    let (mut reader, mut writer) = (connect(&url), connect(&url));
    assert_eq!(counter(&mut reader), 0);
    writer.put(b"c", b"n", &5u64.to_le_bytes()).unwrap();
    writer.commit().unwrap();
    // Still the reader's snapshot...
    assert_eq!(counter(&mut reader), 0);
    reader.abort();
    // ...until its transaction ends.
    assert_eq!(counter(&mut reader), 5);
}

#[test]
fn a_program_run_commits_only_on_exit_zero() {
    let Some(url) = server("a_program_run_commits_only_on_exit_zero") else {
        return;
    };
    let put = |exit: &str| {
        format!(
            r#"
.pool c str "c"
.pool k str "k"
.pool v str "v"
.func main
    PUSH_CONST c
    PUSH_CONST k
    PUSH_CONST v
    DB_PUT
    POP
    PUSH {exit}
    SYSCALL exit
    UNREACHABLE
.end
"#
        )
    };
    let mut store = connect(&url);
    let (result, _) = run(&mut store, &put("3"));
    assert_eq!(result.unwrap().exit_code, 3);
    assert_eq!(connect(&url).get(b"c", b"k").unwrap(), None);
    let (result, _) = run(&mut store, &put("0"));
    assert_eq!(result.unwrap().exit_code, 0);
    assert_eq!(connect(&url).get(b"c", b"k").unwrap(), Some(&b"v"[..]));
}

#[test]
fn a_dropped_connection_fails_the_transaction_and_commits_nothing() {
    let Some(url) = server("a_dropped_connection_fails_the_transaction_and_commits_nothing") else {
        return;
    };
    // A name of its own, so that only this test's connection is terminated.
    let url = format!("{url}&application_name=dotvm-dropped-test");
    let mut store = connect(&url);
    store.put(b"c", b"before", b"1").unwrap();
    store.commit().unwrap();
    store.put(b"c", b"during", b"1").unwrap();
    // Read so that the transaction is open on the server, then kill its backend process.
    assert!(store.get(b"c", b"before").unwrap().is_some());
    sql(
        &url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'dotvm-dropped-test' \
         AND state LIKE 'idle in transaction%'",
    );
    std::thread::sleep(Duration::from_millis(100));
    let error = store.commit().unwrap_err().to_string();
    assert!(error.contains("PostgreSQL"), "{error}");
    assert!(!store.backend().retryable());
    // A new connection works and sees only the first commit.
    let mut fresh = connect(&url);
    assert!(fresh.get(b"c", b"before").unwrap().is_some());
    assert_eq!(fresh.get(b"c", b"during").unwrap(), None);
}

#[test]
fn a_pool_hands_out_independent_transactions() {
    let Some(url) = server("a_pool_hands_out_independent_transactions") else {
        return;
    };
    let pool = PostgresPool::connect(&url, 4).unwrap();
    assert!(pool.target().starts_with("postgres://"));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let mut store = Store::new(pool.backend().unwrap());
                    let (result, _) = with_retries(&RetryPolicy::default(), |_| {
                        let value = counter(&mut store);
                        store.put(b"c", b"n", &(value + 1).to_le_bytes()).unwrap();
                        match store.commit() {
                            Ok(()) => Attempt::Done(Ok(())),
                            Err(e) if store.backend().retryable() => Attempt::Conflict(Err(e)),
                            Err(e) => Attempt::Done(Err(e)),
                        }
                    });
                    result.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(counter(&mut connect(&url)), 40);
}

#[test]
fn range_reads_cross_page_boundaries_in_both_directions() {
    let Some(url) = server("range_reads_cross_page_boundaries_in_both_directions") else {
        return;
    };
    use dotvm_vm::state::{Direction, KeyRange, Query};
    let mut store = connect(&url);
    let keys: Vec<Vec<u8>> = (0u16..1500).map(|i| i.to_be_bytes().to_vec()).collect();
    for key in &keys {
        store.put(b"pages", key, key).unwrap();
    }
    store.put(b"pagez", b"", b"other collection").unwrap();
    store.commit().unwrap();
    let mut store = connect(&url);
    let all = |direction| Query {
        direction,
        ..Query::default()
    };
    let ascending: Vec<Vec<u8>> = store
        .query(b"pages", &all(Direction::Ascending))
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(ascending, keys);
    let descending: Vec<Vec<u8>> = store
        .query(b"pages", &all(Direction::Descending))
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(descending, keys.iter().rev().cloned().collect::<Vec<_>>());
    let between = Query {
        range: KeyRange::Between {
            start: 100u16.to_be_bytes().to_vec(),
            end: Some(1200u16.to_be_bytes().to_vec()),
        },
        direction: Direction::Descending,
        limit: Some(700),
        filter: None,
    };
    let got = store.query(b"pages", &between).unwrap();
    assert_eq!(got.len(), 700);
    assert_eq!(got[0].0, 1199u16.to_be_bytes());
    assert_eq!(got[699].0, 500u16.to_be_bytes());
    assert_eq!(store.count(b"pages", &Query::default()).unwrap(), 1500);
    assert_eq!(
        store.collections().unwrap(),
        vec![(b"pages".to_vec(), 1500), (b"pagez".to_vec(), 1)]
    );
}
