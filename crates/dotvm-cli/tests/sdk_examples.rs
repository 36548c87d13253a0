//! The `dotvm-sdk` examples (Cargo projects using the guest SDK) through the `dotvm`
//! binary: state that persists across runs, crypto and BigInt results checked against
//! outputs computed independently (Python's `hashlib`, `cryptography` and integers).
//! These tests need the `wasm32-wasip1` target.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn dotvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .current_dir(examples())
        .output()
        .expect("start dotvm")
}

/// Runs `dotvm run EXAMPLE --target-dir TARGET EXTRA...` and returns its stdout.
fn run(example: &str, target: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", example, "--target-dir", target.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = dotvm(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_state_example_keeps_a_counter_and_documents_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("app.redb");
    let state = state.to_str().unwrap();
    let target = dir.path().join("target");
    let runs: Vec<String> = (0..3)
        .map(|_| run("sdk-state", &target, &["--state", state]))
        .collect();
    assert_eq!(
        runs[0],
        "run 1\ndocuments: 1\nodd run-001 {\"run\":1,\"parity\":\"odd\"}\nlatest run-001\n"
    );
    assert_eq!(
        runs[1],
        "run 2\ndocuments: 2\nodd run-001 {\"run\":1,\"parity\":\"odd\"}\nlatest run-002\n"
    );
    assert_eq!(
        runs[2],
        "run 3\ndocuments: 3\nodd run-001 {\"run\":1,\"parity\":\"odd\"}\n\
         odd run-003 {\"run\":3,\"parity\":\"odd\"}\nlatest run-003\n"
    );
    // The state file holds what the runs wrote (the rolled-back scratch write is absent).
    let get = dotvm(&["db", "--state", state, "get", "app", "counter"]);
    assert_eq!(
        String::from_utf8_lossy(&get.stdout).trim_end(),
        "counter\t3"
    );
    let scratch = dotvm(&["db", "--state", state, "get", "runs", "scratch"]);
    assert_ne!(scratch.status.code(), Some(0));
}

#[test]
fn the_crypto_example_matches_independent_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("sdk-crypto", dir.path(), &[]);
    let expected = std::fs::read_to_string(examples().join("sdk-crypto/expected.out")).unwrap();
    assert_eq!(out, expected);
}

#[test]
fn the_bigint_example_computes_1000_factorial_and_a_modpow() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("sdk-bigint", dir.path(), &[]);
    let expected = std::fs::read_to_string(examples().join("sdk-bigint/expected.out")).unwrap();
    assert_eq!(out, expected);
}
