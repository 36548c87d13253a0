//! `dotvm run --state` and `dotvm db`: persistence across runs (examples/counter.dasm), the
//! db subcommands with text, JSON and hex, export/import, failed runs, bad state files and
//! the default location.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn dotvm(args: &[&str], stdin: &[u8]) -> Output {
    dotvm_with_env(args, stdin, &[])
}

fn dotvm_with_env(args: &[&str], stdin: &[u8], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dotvm"));
    command
        .args(args)
        .env_remove("DOTVM_STATE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start dotvm");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `dotvm db --state STATE ARGS...` and returns stdout, asserting success.
fn db(state: &Path, args: &[&str]) -> String {
    let mut all = vec!["db", "--state", state.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = dotvm(&all, b"");
    assert!(
        output.status.success(),
        "dotvm {all:?} failed: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn counter_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/counter.dasm")
}

#[test]
fn the_counter_example_keeps_its_state_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("counter.redb");
    let example = counter_example();
    let args = [
        "run",
        example.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ];
    let mut outputs = Vec::new();
    for _ in 0..3 {
        let output = dotvm(&args, b"");
        assert!(output.status.success(), "{}", text(&output.stderr));
        outputs.push(text(&output.stdout));
    }
    assert!(outputs[0].starts_with("run 1\n"), "{}", outputs[0]);
    assert!(
        outputs[1].contains("even runs so far: 1\n"),
        "{}",
        outputs[1]
    );
    assert!(
        outputs[2].ends_with(
            "latest documents:\n  0003 {\"run\":3,\"parity\":\"odd\"}\n  \
             0002 {\"run\":2,\"parity\":\"even\"}\n  0001 {\"run\":1,\"parity\":\"odd\"}\n"
        ),
        "{}",
        outputs[2]
    );
    assert_eq!(db(&state, &["collections"]), "counter\t1\ndocs\t3\n");
    assert_eq!(
        db(&state, &["get", "counter", "runs"]),
        "runs\t\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00\n"
    );
    assert_eq!(
        db(
            &state,
            &["scan", "docs", "--where", "parity=even", "--json"]
        ),
        "{\"key\":\"0002\",\"value\":\"{\\\"run\\\":2,\\\"parity\\\":\\\"even\\\"}\"}\n"
    );
}

#[test]
fn db_subcommands_edit_and_show_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.redb");
    for (key, doc) in [
        ("ann", r#"{"age":31}"#),
        ("bob", r#"{"age":25}"#),
        ("cy", r#"{"age":40}"#),
        ("dee", "plain text"),
    ] {
        db(&state, &["put", "users", key, doc]);
    }
    db(&state, &["--hex", "put", "62696e", "00ff", "0a1b"]);
    assert_eq!(db(&state, &["get", "users", "bob"]), "bob\t{\"age\":25}\n");
    assert_eq!(
        db(&state, &["scan", "users", "--prefix", "b"]),
        "bob\t{\"age\":25}\n"
    );
    assert_eq!(
        db(
            &state,
            &["scan", "users", "--from", "b", "--to", "d", "--reverse"]
        ),
        "cy\t{\"age\":40}\nbob\t{\"age\":25}\n"
    );
    assert_eq!(
        db(&state, &["scan", "users", "--limit", "1"]),
        "ann\t{\"age\":31}\n"
    );
    assert_eq!(db(&state, &["count", "users", "--where", "age>=30"]), "2\n");
    assert_eq!(db(&state, &["count", "users", "--json"]), "{\"count\":4}\n");
    db(&state, &["index", "create", "users", "age"]);
    assert_eq!(db(&state, &["index", "list"]), "users\tage\n");
    assert_eq!(
        db(&state, &["scan", "users", "--where", "age<31"]),
        "bob\t{\"age\":25}\n"
    );
    assert_eq!(db(&state, &["scan", "bin"]), "\\x00\\xff\t\\n\\x1b\n");
    assert_eq!(
        db(&state, &["scan", "bin", "--json"]),
        "{\"key_hex\":\"00ff\",\"value\":\"\\n\\u001b\"}\n"
    );
    assert_eq!(
        db(&state, &["--hex", "get", "62696e", "00ff", "--json"])
            .lines()
            .count(),
        1
    );
    db(&state, &["delete", "users", "dee"]);
    let missing = dotvm(
        &[
            "db",
            "--state",
            state.to_str().unwrap(),
            "get",
            "users",
            "dee",
        ],
        b"",
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("has no key `dee`"));

    // export → import into a new file → the same export.
    let exported = db(&state, &["export"]);
    assert!(exported.starts_with("{\"collection\":\"users\",\"index\":\"age\"}\n"));
    let dump = dir.path().join("dump.jsonl");
    std::fs::write(&dump, &exported).unwrap();
    let copy = dir.path().join("copy.redb");
    assert_eq!(
        db(&copy, &["import", dump.to_str().unwrap()]),
        "imported 4 entries and 1 indexes\n"
    );
    assert_eq!(db(&copy, &["export"]), exported);
    assert_eq!(db(&copy, &["index", "list"]), "users\tage\n");

    // A bad line imports nothing.
    std::fs::write(&dump, format!("{exported}{{\"collection\":\"x\"}}\n")).unwrap();
    let fresh = dir.path().join("fresh.redb");
    let output = dotvm(
        &[
            "db",
            "--state",
            fresh.to_str().unwrap(),
            "import",
            dump.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(":6: missing `key`"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(db(&fresh, &["collections"]), "");
}

#[test]
fn failed_runs_and_bad_input_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.redb");
    db(&state, &["put", "c", "k", "v"]);
    let before = db(&state, &["export"]);
    let program = dir.path().join("trap.dasm");
    std::fs::write(
        &program,
        r#"
.pool c str "c"
.pool k str "k"
.func main
    PUSH_CONST c
    PUSH_CONST k
    PUSH_CONST c
    DB_PUT
    POP
    PUSH_CONST c
    PUSH 0x7FFFFFFF          ; an out-of-bounds key pointer
    PUSH 1
    DB_DELETE
    HALT
.end
"#,
    )
    .unwrap();
    let output = dotvm(
        &[
            "run",
            program.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(70), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("out of bounds"));
    assert_eq!(db(&state, &["export"]), before);

    let huge_key = "k".repeat(1025);
    let output = dotvm(
        &[
            "db",
            "--state",
            state.to_str().unwrap(),
            "put",
            "c",
            &huge_key,
            "v",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("key of 1025 bytes exceeds the limit of 1024"));
    assert_eq!(db(&state, &["export"]), before);

    let foreign = dir.path().join("foreign.redb");
    std::fs::write(&foreign, "just some text that is not a database\n").unwrap();
    let output = dotvm(
        &["db", "--state", foreign.to_str().unwrap(), "collections"],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("is not a DotVM state file"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        b"just some text that is not a database\n"
    );
}

#[test]
fn the_default_state_file_is_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = counter_example();
    let env = [("XDG_DATA_HOME", data.as_path()), ("HOME", dir.path())];
    let output = dotvm_with_env(&["run", example.to_str().unwrap(), "--verbose"], b"", &env);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let expected = data.join("dotvm").join("state.redb");
    assert!(
        text(&output.stderr).contains(&format!(
            "state            {} (default), committed",
            expected.display()
        )),
        "{}",
        text(&output.stderr)
    );
    assert!(expected.exists());
    // Programs without database opcodes do not open it.
    let hello = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello.dasm");
    let output = dotvm_with_env(&["run", hello.to_str().unwrap(), "--verbose"], b"", &env);
    assert!(text(&output.stderr).contains("not opened (no database opcodes)"));
    // `--state :memory:` leaves the file alone.
    let output = dotvm_with_env(
        &["run", example.to_str().unwrap(), "--state", ":memory:"],
        b"",
        &env,
    );
    assert!(text(&output.stdout).starts_with("run 1\n"));
    let output = dotvm_with_env(&["run", example.to_str().unwrap()], b"", &env);
    assert!(
        text(&output.stdout).starts_with("run 2\n"),
        "{}",
        text(&output.stdout)
    );
}
