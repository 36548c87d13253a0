//! Every capability of `dotvm run`, withheld in turn against a program that uses it: with
//! `--deny CAP`, under `--sandbox` without `--allow CAP`, and granted (`--sandbox --allow
//! CAP`); plus read-only directories and a read-only database.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dotvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("start dotvm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch buffer and a one-byte message with its iovec, shared by the programs.
const DATA: &str = ".data a zero 16\n.data msg \"x\"\n.data iov u32 msg msg.len\n.data n u32 0\n.data name \"f\"\n.pool c str \"c\"\n";

/// (capability, program body, exit status when granted, exit status when withheld,
/// what stderr says when withheld)
fn cases() -> Vec<(&'static str, &'static str, i32, i32, &'static str)> {
    vec![
        (
            "stdin",
            "PUSH a\nPUSH 8\nSYSCALL read_stdin\nRET",
            0,
            70,
            "error: trap: denied: read_stdin (the `stdin` capability is not granted)",
        ),
        (
            "stdout",
            "PUSH 1\nSYSCALL print_int\nPUSH 0\nRET",
            0,
            70,
            "error: trap: denied: print_int (the `stdout` capability is not granted)",
        ),
        (
            "stderr",
            "PUSH 2\nPUSH iov\nPUSH 1\nPUSH n\nSYSCALL fd_write\nRET",
            0,
            76,
            "denied: fd_write (`stderr` withheld with --deny)",
        ),
        (
            "args",
            "PUSH a\nPUSH a\nPUSH 8\nADD\nSYSCALL args_sizes_get\nRET",
            0,
            76,
            "denied: args_sizes_get (`args` withheld with --deny)",
        ),
        (
            "env",
            "PUSH a\nPUSH a\nPUSH 8\nADD\nSYSCALL environ_sizes_get\nRET",
            0,
            76,
            "denied: environ_sizes_get (`env` withheld with --deny)",
        ),
        (
            "clock",
            "PUSH 0\nPUSH 0\nPUSH a\nSYSCALL clock_time_get\nRET",
            0,
            76,
            "denied: clock_time_get (`clock` withheld with --deny)",
        ),
        (
            "random",
            "PUSH a\nPUSH 8\nSYSCALL random_get\nRET",
            0,
            76,
            "denied: random_get (`random` withheld with --deny)",
        ),
        (
            "exit",
            "PUSH 3\nSYSCALL exit\nPUSH 0\nRET",
            3,
            70,
            "error: trap: denied: exit (the `exit` capability is not granted)",
        ),
        (
            "files",
            "PUSH 3\nPUSH 1\nPUSH name\nPUSH name.len\nPUSH 9\nPUSH 64\nPUSH 0\nPUSH 0\nPUSH a\nSYSCALL path_open\nRET",
            0,
            76,
            "denied: path_open (`files` withheld with --deny)",
        ),
        (
            "db",
            "PUSH_CONST c\nPUSH_CONST c\nPUSH a\nPUSH 8\nDB_GET\nADD\nPUSH 1\nSUB\nRET",
            0,
            70,
            "error: trap: denied: DB_GET (the `db` capability is not granted)",
        ),
    ]
}

fn program(dir: &Path, cap: &str, body: &str) -> String {
    let path = dir.join(format!("{cap}.dasm"));
    std::fs::write(&path, format!("{DATA}.func main results=1\n{body}\n.end\n")).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn every_capability_is_granted_denied_and_sandboxed_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let state = dir.path().join("s.redb");
    for (cap, body, granted, denied, message) in cases() {
        let prog = program(dir.path(), cap, body);
        let base = [
            "run".to_string(),
            prog,
            "--dir".into(),
            files.to_string_lossy().into_owned(),
            "--state".into(),
            state.to_string_lossy().into_owned(),
        ];
        let run = |extra: &[&str]| {
            let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
            all.extend_from_slice(extra);
            dotvm(&all)
        };
        let output = run(&[]);
        assert_eq!(
            output.status.code(),
            Some(granted),
            "{cap} granted: {}",
            text(&output.stderr)
        );
        let output = run(&["--deny", cap]);
        assert_eq!(output.status.code(), Some(denied), "{cap} denied");
        assert!(
            text(&output.stderr).contains(message),
            "{cap}: {}",
            text(&output.stderr)
        );
        let output = run(&["--sandbox", "--allow", "exit", "--allow", "stdout"]);
        if !["exit", "stdout", "files"].contains(&cap) {
            assert_eq!(
                output.status.code(),
                Some(denied),
                "{cap} under --sandbox: {}",
                text(&output.stderr)
            );
        }
        let output = run(&["--sandbox", "--allow", cap]);
        assert_eq!(
            output.status.code(),
            Some(granted),
            "{cap} allowed under --sandbox: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn the_sandbox_explains_how_to_grant() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(
        dir.path(),
        "clock",
        "PUSH 0\nPUSH 0\nPUSH a\nSYSCALL clock_time_get\nRET",
    );
    let output = dotvm(&["run", &prog, "--sandbox"]);
    assert_eq!(output.status.code(), Some(76));
    assert_eq!(
        text(&output.stderr).trim(),
        "dotvm: denied: clock_time_get (`clock` is not granted under --sandbox; --allow clock grants it)"
    );
}

#[test]
fn a_read_only_directory_refuses_creating_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let (_, body, ..) = cases().into_iter().find(|c| c.0 == "files").unwrap();
    let prog = program(dir.path(), "files", body);
    let output = dotvm(&["run", &prog, "--dir-ro", files.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(76));
    assert_eq!(
        text(&output.stderr).trim(),
        "dotvm: denied: path_open (`f` is in a --dir-ro directory)"
    );
    assert!(!files.join("f").exists());
    // Under --sandbox, --dir-ro is the grant.
    let output = dotvm(&[
        "run",
        &prog,
        "--sandbox",
        "--dir-ro",
        files.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(76));
}

#[test]
fn a_read_only_database_refuses_writes_and_keeps_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.redb");
    let state = state.to_str().unwrap();
    let put = program(
        dir.path(),
        "put",
        "PUSH_CONST c\nPUSH_CONST c\nPUSH_CONST c\nDB_PUT\nRET",
    );
    let output = dotvm(&["run", &put, "--state", state, "--db-ro"]);
    assert_eq!(output.status.code(), Some(70));
    assert!(
        text(&output.stderr)
            .contains("error: trap: denied: DB_PUT (the `db-write` capability is not granted)"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        text(&dotvm(&["db", "--state", state, "collections"]).stdout),
        ""
    );
    assert_eq!(
        dotvm(&["run", &put, "--state", state]).status.code(),
        Some(0)
    );
    let (_, get, ..) = cases().into_iter().find(|c| c.0 == "db").unwrap();
    let get = program(dir.path(), "get", get);
    assert_eq!(
        dotvm(&["run", &get, "--state", state, "--db-ro"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        dotvm(&["run", &get, "--state", state, "--sandbox", "--db-ro"])
            .status
            .code(),
        Some(0)
    );
}
