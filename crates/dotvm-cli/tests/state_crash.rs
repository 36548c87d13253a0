//! Crash safety: a run that writes many keys is killed with SIGKILL at random moments; the
//! reopened state file is always exactly as before the run or exactly as after it.

use dotvm_state::{RawEntry, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Overwrites 20,000 keys of the `crash` collection with 200 copies of the byte it reads
/// from standard input.
const PROGRAM: &str = r#"
.pool coll str "crash"
.const N 20000
.data value zero 200
.data key zero 8
.func main
    .local i
    PUSH value
    PUSH 1
    SYSCALL read_stdin
    POP
    PUSH value
    PUSH value
    LOAD8_U
    PUSH 200
    MEMORY_FILL
loop:
    PUSH key
    LOCAL_GET i
    STORE64
    PUSH_CONST coll
    PUSH key
    PUSH 8
    PUSH value
    PUSH 200
    DB_PUT
    JNZ fail
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH N
    LT_U
    JNZ loop
    HALT
fail:
    PUSH 1
    SYSCALL exit
    UNREACHABLE
.end
"#;

/// Starts `dotvm run PROGRAM --state STATE` with `fill` as its input.
fn start(program: &Path, state: &Path, fill: &[u8]) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .arg("run")
        .arg(program)
        .arg("--state")
        .arg(state)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dotvm");
    child.stdin.take().unwrap().write_all(fill).unwrap();
    child
}

/// Every stored byte of the state file, read through a fresh open.
fn dump(path: &Path) -> Vec<RawEntry> {
    let mut store = Store::open(path).unwrap_or_else(|e| panic!("state unreadable: {e}"));
    store.dump().unwrap()
}

#[test]
fn killed_runs_leave_the_state_before_or_after_never_between() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("crash.dasm");
    std::fs::write(&program, PROGRAM).unwrap();
    let state = dir.path().join("state.redb");

    // Before: every key holds "A"s.
    assert!(start(&program, &state, b"A").wait().unwrap().success());
    let pristine = std::fs::read(&state).unwrap();
    let before = dump(&state);
    assert_eq!(
        before.len(),
        20_000 + 1,
        "20,000 keys and the format marker"
    );

    // After: a complete run turns them into "B"s.
    std::fs::write(&state, &pristine).unwrap();
    let started = Instant::now();
    assert!(start(&program, &state, b"B").wait().unwrap().success());
    let full_run = started.elapsed();
    let after = dump(&state);
    assert_ne!(before, after);

    check_kills(&state, &pristine, &before, &after, full_run, &|| {
        start(&program, &state, b"B")
    });
}

/// Kills runs that `start` starts from the `pristine` state file at random moments within
/// about `full_run`, and checks each leaves `before` or `after`.
fn check_kills(
    state: &Path,
    pristine: &[u8],
    before: &[RawEntry],
    after: &[RawEntry],
    full_run: Duration,
    start: &dyn Fn() -> std::process::Child,
) {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut kills, mut saw_before, mut saw_after, mut attempts) = (0, 0, 0, 0);
    while kills < 24 {
        attempts += 1;
        assert!(
            attempts < 100,
            "only {kills} runs were killed while running"
        );
        std::fs::write(state, pristine).unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = full_run.mul_f64((seed % 1000) as f64 / 1000.0 * 1.1);
        let mut child = start();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        child.wait().unwrap();
        let now = dump(state);
        if now == *before {
            saw_before += 1;
        } else if now == *after {
            saw_after += 1;
        } else {
            panic!(
                "a run killed after {delay:?} left the state between before and after \
                 ({} entries)",
                now.len()
            );
        }
    }
    eprintln!(
        "{kills} kills in {attempts} runs (full run {full_run:?}): {saw_before} before, \
         {saw_after} after"
    );
    assert!(saw_before > 0, "no run was killed before its commit");
}

#[test]
fn killed_batches_leave_the_state_before_or_after_never_between() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("crash.dasm");
    std::fs::write(&program, PROGRAM).unwrap();
    let state = dir.path().join("state.redb");
    assert!(start(&program, &state, b"A").wait().unwrap().success());
    let pristine = std::fs::read(&state).unwrap();
    let before = dump(&state);

    // Four jobs overwrite the 20,000 keys in turn; the last one's "E"s win.
    let batch = dir.path().join("batch.jsonl");
    let lines: String = ["B", "C", "D", "E"]
        .iter()
        .map(|fill| format!("{{\"program\": \"crash.dasm\", \"stdin\": \"{fill}\"}}\n"))
        .collect();
    std::fs::write(&batch, lines).unwrap();
    let run_batch = || {
        Command::new(env!("CARGO_BIN_EXE_dotvm"))
            .args(["batch", "--jobs", "2", "--state"])
            .arg(&state)
            .arg(&batch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dotvm batch")
    };
    let started = Instant::now();
    assert!(run_batch().wait().unwrap().success());
    let full_run = started.elapsed();
    let after = dump(&state);
    assert_ne!(before, after);
    std::fs::write(&state, &pristine).unwrap();
    assert!(start(&program, &state, b"E").wait().unwrap().success());
    assert_eq!(
        dump(&state),
        after,
        "the batch ends as its last job alone would"
    );
    check_kills(&state, &pristine, &before, &after, full_run, &run_batch);
}
