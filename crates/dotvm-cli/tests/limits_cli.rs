//! `dotvm run` limits as a user sees them: `--timeout` on an endless loop (the trap
//! message, exit status 70, nothing committed to the state), `unlimited` for every limit,
//! and the documented defaults.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn dotvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .output()
        .expect("start dotvm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, source: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path.to_string_lossy().into_owned()
}

/// Writes `k` = `v` in collection `c`, then loops forever.
const WRITE_THEN_SPIN: &str = r#"
.pool c str "c"
.pool k str "k"
.pool v str "v"
.func main
    PUSH_CONST c
    PUSH_CONST k
    PUSH_CONST v
    DB_PUT
    POP
spin:
    JMP spin
.end
"#;

#[test]
fn a_timeout_traps_with_the_limit_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let prog = write(dir.path(), "spin.dasm", WRITE_THEN_SPIN);
    let state = dir.path().join("s.redb");
    let state = state.to_str().unwrap();
    let start = Instant::now();
    let output = dotvm(&["run", &prog, "--state", state, "--timeout", "500ms"]);
    let took = start.elapsed();
    assert_eq!(output.status.code(), Some(70), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr).trim(),
        "error: trap: time limit reached (500ms) in main at pc 18"
    );
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(3));
    let scan = dotvm(&["db", "--state", state, "collections"]);
    assert!(scan.status.success());
    assert_eq!(
        text(&scan.stdout),
        "",
        "the timed-out run's write was committed"
    );
}

#[test]
fn every_limit_takes_unlimited() {
    let dir = tempfile::tempdir().unwrap();
    let prog = write(
        dir.path(),
        "ok.dasm",
        ".func main results=1\n    PUSH 3\n    RET\n.end\n",
    );
    let output = dotvm(&[
        "run",
        &prog,
        "--timeout",
        "unlimited",
        "--max-instructions",
        "unlimited",
        "--stack-size",
        "unlimited",
        "--call-depth",
        "unlimited",
        "--memory-limit",
        "unlimited",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
}

#[test]
fn bad_limit_values_are_command_line_mistakes() {
    for (flag, value) in [
        ("--timeout", "2"),
        ("--timeout", "0s"),
        ("--max-instructions", "many"),
        ("--call-depth", "1.5"),
    ] {
        let output = dotvm(&["run", "x.dasm", flag, value]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        assert!(
            text(&output.stderr).contains(&format!("invalid value '{value}' for '{flag}")),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn the_help_documents_the_defaults() {
    let help = text(&dotvm(&["run", "--help"]).stdout);
    for needle in [
        "default 60s",
        "default 1048576",
        "default 10000",
        "default 256M",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
