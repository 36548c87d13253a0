//! A run's time limit reaches inside a long database scan: `DB_QUERY` over a large
//! collection stops soon after the deadline, traps with the time limit and changes nothing.

mod common;

use common::program;
use dotvm_state::{MemoryStore, Store};
use dotvm_vm::state::{Compare, Direction, Filter, KeyRange, Query, StateError, StateStore};
use dotvm_vm::{BufferIo, Host, Limits, RunError, TrapKind};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// A store with `n` documents `{"n": i}`, committed.
fn store_of(n: u64) -> MemoryStore {
    let mut store = Store::in_memory();
    for i in 0..n {
        let doc = format!("{{\"n\":{i}}}");
        store
            .put(b"c", format!("k{i:08}").as_bytes(), doc.as_bytes())
            .unwrap();
    }
    store.commit().unwrap();
    store
}

/// A query whose filter matches nothing (`n == -1`): the scan visits every document.
fn matches_nothing() -> Query {
    Query {
        range: KeyRange::All,
        direction: Direction::Ascending,
        limit: None,
        filter: Some(Filter {
            field: "n".into(),
            op: Compare::Eq,
            value: b"-1".to_vec(),
        }),
    }
}

#[test]
fn a_raised_flag_stops_a_scan_and_a_lowered_one_does_not() {
    let mut store = store_of(3000);
    let lowered = AtomicBool::new(false);
    let raised = AtomicBool::new(true);
    let all = Query::default();
    assert_eq!(
        store
            .query_interruptible(b"c", &all, &lowered)
            .unwrap()
            .len(),
        3000
    );
    assert_eq!(
        store.count_interruptible(b"c", &all, &lowered).unwrap(),
        3000
    );
    assert_eq!(
        store.query_interruptible(b"c", &matches_nothing(), &raised),
        Err(StateError::Interrupted)
    );
    assert_eq!(
        store.count_interruptible(b"c", &all, &raised),
        Err(StateError::Interrupted)
    );
}

#[test]
fn a_time_limit_stops_a_long_query() {
    let descriptor: Vec<String> = matches_nothing()
        .encode()
        .iter()
        .map(u8::to_string)
        .collect();
    let source = format!(
        ".pool c str \"c\"\n.data q u8 {}\n.func main\nPUSH_CONST c\nPUSH q\nPUSH q.len\n\
         PUSH 0\nPUSH 0\nDB_QUERY\nHALT\n.end\n",
        descriptor.join(" ")
    );
    let module = program(&source);
    let mut store = store_of(400_000);
    // How long the whole scan takes on this machine, without a limit.
    let start = Instant::now();
    dotvm_vm::run_hosted(
        &module,
        &Limits::default(),
        &mut BufferIo::default(),
        &mut Host::default(),
        Some(&mut store),
        None,
    )
    .unwrap();
    let whole = start.elapsed();
    eprintln!("whole scan: {whole:?}");
    store.abort();
    let limit = whole / 4;
    let limits = Limits {
        time: Some(limit),
        ..Limits::default()
    };
    let start = Instant::now();
    let error = dotvm_vm::run_hosted(
        &module,
        &limits,
        &mut BufferIo::default(),
        &mut Host::default(),
        Some(&mut store),
        None,
    )
    .unwrap_err();
    let took = start.elapsed();
    let RunError::Trap(trap) = error else {
        panic!("{error}");
    };
    assert_eq!(trap.kind, TrapKind::TimeLimit { limit });
    assert!(
        took < limit + Duration::from_millis(100),
        "stopped after {took:?} with a limit of {limit:?} (the whole scan takes {whole:?})"
    );
    assert_eq!(store.pending_writes(), 0);
}
