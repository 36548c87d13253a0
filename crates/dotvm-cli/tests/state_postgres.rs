//! `dotvm run` and `dotvm db` on PostgreSQL: 8 processes × 50 increments of one counter give
//! exactly 400 with every run's output printed once; a run that loses a serialization
//! conflict is run again with the same input and its output shown once; a run killed at any
//! moment leaves nothing of its writes; connection failures and foreign databases are clear
//! errors.

mod postgres_server;

use dotvm_state::{PostgresStore, Store};
use dotvm_vm::StateStore;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Reads `counter/n` (a little-endian u64, 0 when missing), stores it plus one and prints
/// "ok".
const INCREMENT: &str = r#"
.pool coll str "counter"
.pool key str "n"
.pool done str "ok\n"
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
    PUSH_CONST done
    SYSCALL print_bytes
    HALT
fail:
    UNREACHABLE
.end
"#;

/// Reads the counter, prints "start", waits for one byte of input, then stores the counter
/// plus one and prints "done" and the byte.
const SLOW_INCREMENT: &str = r#"
.pool coll str "counter"
.pool key str "n"
.pool start str "start\n"
.pool done str "done "
.data value zero 8
.data byte zero 1
.func main
    PUSH_CONST coll
    PUSH_CONST key
    PUSH value
    PUSH 8
    DB_GET
    PUSH 1
    GT_U
    SWAP
    POP
    JNZ fail
    PUSH_CONST start
    SYSCALL print_bytes
    PUSH byte
    PUSH 1
    SYSCALL read_stdin
    POP
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
    PUSH_CONST done
    SYSCALL print_bytes
    PUSH byte
    PUSH 1
    SYSCALL print_bytes
    HALT
fail:
    UNREACHABLE
.end
"#;

/// Overwrites 20,000 keys of the `crash` collection with 200 copies of the byte it reads
/// from standard input.
const OVERWRITE: &str = r#"
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

fn dotvm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
}

/// `dotvm run PROGRAM --state URL`.
fn run(program: &Path, url: &str) -> Output {
    dotvm()
        .arg("run")
        .arg(program)
        .arg("--state")
        .arg(url)
        .output()
        .expect("start dotvm")
}

fn connect(url: &str) -> PostgresStore {
    Store::connect(url).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn eight_processes_times_fifty_increments_make_four_hundred() {
    let Some(url) = postgres_server::fresh("eight_processes_times_fifty_increments") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("increment.dasm");
    std::fs::write(&program, INCREMENT).unwrap();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (program, url) = (program.clone(), url.clone());
            std::thread::spawn(move || {
                for attempt in 0..50 {
                    let output = run(&program, &url);
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    assert!(output.status.success(), "run {attempt} failed: {stderr}");
                    // Retried attempts never show their output.
                    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut store = connect(&url);
    let value = store.get(b"counter", b"n").unwrap().expect("the counter");
    assert_eq!(u64::from_le_bytes(value.try_into().unwrap()), 400);
}

#[test]
fn a_conflicting_run_is_retried_with_the_same_input_and_its_output_shown_once() {
    let Some(url) = postgres_server::fresh("a_conflicting_run_is_retried") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (slow, quick) = (dir.path().join("slow.dasm"), dir.path().join("quick.dasm"));
    std::fs::write(&slow, SLOW_INCREMENT).unwrap();
    std::fs::write(&quick, INCREMENT).unwrap();
    // The slow run reads the counter and waits for its input...
    let slow_url = format!("{url}&application_name=dotvm-slow-run");
    let mut child = dotvm()
        .args(["run", "--verbose"])
        .arg(&slow)
        .args(["--state", &slow_url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let started = Instant::now();
    while client
        .query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'dotvm-slow-run' \
             AND state LIKE 'idle in transaction%'",
            &[],
        )
        .unwrap()
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the slow run never read"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // ...while another run increments it and commits...
    let output = run(&quick, &url);
    assert!(output.status.success());
    // ...so the slow run's commit conflicts, and its second attempt replays the input.
    stdin.write_all(b"X").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "start\ndone X");
    assert!(stderr.contains("committed (2 attempts)"), "{stderr}");
    let mut store = connect(&url);
    let value = store.get(b"counter", b"n").unwrap().expect("the counter");
    assert_eq!(u64::from_le_bytes(value.try_into().unwrap()), 2);
}

#[test]
fn verbose_runs_report_the_store_and_the_attempts() {
    let Some(url) = postgres_server::fresh("verbose_runs_report_the_store") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("increment.dasm");
    std::fs::write(&program, INCREMENT).unwrap();
    let output = dotvm()
        .args(["run", "--verbose"])
        .arg(&program)
        .env("DOTVM_STATE", &url)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("state            postgres://"), "{stderr}");
    assert!(stderr.contains("committed (1 attempt)"), "{stderr}");
    // `dotvm db` reads the same database.
    let output = dotvm()
        .args(["db", "--state", &url, "--hex", "get"])
        .args(["636f756e746572", "6e"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "n\t\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\n"
    );
}

#[test]
fn dotvm_db_works_on_postgres() {
    let Some(url) = postgres_server::fresh("dotvm_db_works_on_postgres") else {
        return;
    };
    let db = |args: &[&str]| {
        let output = dotvm()
            .args(["db", "--state", &url])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    db(&["put", "users", "ann", r#"{"age":31}"#]);
    db(&["put", "users", "bob", r#"{"age":25}"#]);
    db(&["index", "create", "users", "age"]);
    assert_eq!(
        db(&["scan", "users", "--where", "age>=30"]),
        "ann\t{\"age\":31}\n"
    );
    assert_eq!(db(&["count", "users"]), "2\n");
    assert_eq!(db(&["index", "list"]), "users\tage\n");
    assert_eq!(db(&["collections"]), "users\t2\n");
}

#[test]
fn unreachable_servers_and_foreign_databases_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("increment.dasm");
    std::fs::write(&program, INCREMENT).unwrap();
    let output = run(
        &program,
        "postgres://ann:hunter2@127.0.0.1:1/app?connect_timeout=5",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot connect to PostgreSQL at postgres://ann@127.0.0.1:1/app"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(output.stdout.is_empty());

    let output = run(&program, "postgres://host:notaport/db");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid PostgreSQL URL"));

    let Some(url) = postgres_server::fresh("foreign_databases") else {
        return;
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE TABLE orders (id int)")
        .unwrap();
    let output = run(&program, &url);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a DotVM state store"), "{stderr}");
}

/// Starts `dotvm run OVERWRITE --state URL` with `fill` as its input.
fn start_overwrite(program: &Path, url: &str, fill: u8) -> std::process::Child {
    let mut child = dotvm()
        .arg("run")
        .arg(program)
        .arg("--state")
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dotvm");
    child.stdin.take().unwrap().write_all(&[fill]).unwrap();
    child
}

/// The bytes the `crash` collection's values are made of, and how many keys it has.
fn crash_state(url: &str) -> (Vec<u8>, usize) {
    let mut store = connect(url);
    let entries = store
        .query(b"crash", &dotvm_vm::state::Query::default())
        .unwrap();
    let mut fills: Vec<u8> = entries
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    fills.sort_unstable();
    fills.dedup();
    (fills, entries.len())
}

#[test]
fn killed_runs_leave_the_state_before_or_after_never_between() {
    let Some(url) = postgres_server::fresh("killed_runs_leave_the_state_before_or_after") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("overwrite.dasm");
    std::fs::write(&program, OVERWRITE).unwrap();
    assert!(
        start_overwrite(&program, &url, b'A')
            .wait()
            .unwrap()
            .success()
    );
    assert_eq!(crash_state(&url), (vec![b'A'], 20_000));
    let started = Instant::now();
    assert!(
        start_overwrite(&program, &url, b'B')
            .wait()
            .unwrap()
            .success()
    );
    let full_run = started.elapsed();
    assert_eq!(crash_state(&url), (vec![b'B'], 20_000));

    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut kills, mut current) = (0, b'B');
    for attempt in 0..40 {
        if kills >= 12 {
            break;
        }
        let next = if current == b'A' { b'B' } else { b'A' };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = full_run.mul_f64((seed % 1000) as f64 / 1000.0 * 1.1);
        let mut child = start_overwrite(&program, &url, next);
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        child.wait().unwrap();
        let (fills, count) = crash_state(&url);
        assert_eq!(count, 20_000, "attempt {attempt}: keys lost");
        assert!(
            fills == [current] || fills == [next],
            "attempt {attempt}: a run killed after {delay:?} left a mix of values {fills:?}"
        );
        current = fills[0];
    }
    assert!(kills > 0, "no run was killed while running");
    // The server holds no lock of a killed run: a new run commits at once.
    let started = Instant::now();
    assert!(
        start_overwrite(&program, &url, b'C')
            .wait()
            .unwrap()
            .success()
    );
    assert!(started.elapsed() < full_run * 4 + Duration::from_secs(5));
    assert_eq!(crash_state(&url), (vec![b'C'], 20_000));
}
