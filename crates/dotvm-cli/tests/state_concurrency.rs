//! Concurrent runs: two processes at a time increment one counter in one state file, 100
//! runs each; no update is lost.

use dotvm_state::Store;
use dotvm_vm::StateStore;
use std::path::Path;
use std::process::Command;

/// Reads `counter/n` (a little-endian u64, 0 when missing) and stores it plus one.
const INCREMENT: &str = r#"
.pool coll str "counter"
.pool key str "n"
.data value zero 8
.func main
    PUSH_CONST coll
    PUSH_CONST key
    PUSH value
    PUSH 8
    DB_GET
    PUSH 1                  ; OK or NOT_FOUND (which leaves the zeroed buffer)
    GT_U
    SWAP
    POP
    JNZ fail
    PUSH value
    PUSH value
    LOAD64_U
    PUSH 1
    ADD
    STORE64
    PUSH_CONST coll
    PUSH_CONST key
    PUSH value
    PUSH 8
    DB_PUT
    JNZ fail
    HALT
fail:
    UNREACHABLE
.end
"#;

/// Runs the increment program `times` times, one process after another.
fn increment(program: &Path, state: &Path, times: usize) {
    for run in 0..times {
        let output = Command::new(env!("CARGO_BIN_EXE_dotvm"))
            .arg("run")
            .arg(program)
            .arg("--state")
            .arg(state)
            .output()
            .expect("start dotvm");
        assert!(
            output.status.success(),
            "run {run} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn two_processes_incrementing_one_counter_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("increment.dasm");
    std::fs::write(&program, INCREMENT).unwrap();
    let state = dir.path().join("state.redb");
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (program, state) = (program.clone(), state.clone());
            std::thread::spawn(move || increment(&program, &state, 100))
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut store = Store::open(&state).unwrap();
    let value = store
        .get(b"counter", b"n")
        .unwrap()
        .expect("the counter exists");
    assert_eq!(u64::from_le_bytes(value.try_into().unwrap()), 200);
}
