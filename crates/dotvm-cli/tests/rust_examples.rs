//! The Rust examples and the WASI capabilities through the `dotvm` binary: `dotvm run`
//! of a `.rs` file, a Cargo project (with a crates.io dependency), `.wat` text; `dotvm
//! transpile` to bytecode; arguments, environment, stdin, exit codes, granted and refused
//! files, reproducible runs. These tests need the `wasm32-wasip1` target, which the driver
//! installs with rustup when it is missing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn dotvm_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dotvm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn dotvm(args: &[&str], stdin: &str) -> Output {
    dotvm_in(&examples(), args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a successful run and returns its stdout.
fn success(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr:\n{}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[test]
fn hello_rs_prints_hello_dotvm() {
    let out = dotvm(&["run", "hello.rs"], "");
    assert_eq!(success(&out), "Hello, DotVM!\n");
}

#[test]
fn fibonacci_rs_takes_its_count_after_the_double_dash() {
    let out = success(&dotvm(&["run", "fibonacci.rs", "--", "12"], ""));
    assert_eq!(
        out,
        "first 12: 0 1 1 2 3 5 8 13 21 34 55 89\n\
         fib(25) recursively = 75025\n\
         largest in u128: fib(186) = 332825110087067562321196029789634457848\n"
    );
}

#[test]
fn the_cargo_project_uses_its_crates_io_dependency() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().to_str().unwrap();
    let out = success(&dotvm(
        &[
            "run",
            "cargo-project",
            "--target-dir",
            target,
            "--",
            "beta",
            "alpha",
            "beta",
        ],
        "",
    ));
    // FNV-1a 64 of "alpha" and "beta" (as computed by the reference algorithm).
    assert_eq!(
        out,
        "alpha: count 1, fnv1a64 8ac625bb85ed202b\nbeta: count 2, fnv1a64 7627619b954620a7\n"
    );
}

#[test]
fn transpiled_bytecode_runs_and_keeps_names_unless_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fib.dotvm");
    let out = out.to_str().unwrap();
    let transpiled = dotvm(
        &[
            "transpile",
            "-i",
            "fibonacci.rs",
            "-o",
            out,
            "--opt-level",
            "1",
            "--debug",
            "--verbose",
        ],
        "",
    );
    success(&transpiled);
    assert!(text(&transpiled.stderr).contains("bytecode"));
    let run = success(&dotvm(&["run", out, "--", "5"], ""));
    assert!(run.starts_with("first 5: 0 1 1 2 3\n"), "{run}");
    let listing = success(&dotvm(&["disasm", out], ""));
    assert!(listing.contains("fib_recursive"), "function names are kept");
    let plain = dir.path().join("plain.dotvm");
    let plain = plain.to_str().unwrap();
    success(&dotvm(
        &["transpile", "-i", "fibonacci.rs", "-o", plain, "--strip"],
        "",
    ));
    assert!(!success(&dotvm(&["disasm", plain], "")).contains("fib_recursive"));
}

const PROBE: &str = r#"
use std::io::Read;
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args {args:?}");
    println!("GREETING {:?}", std::env::var("GREETING"));
    println!("HOME {:?}", std::env::var("HOME").is_ok());
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    println!("stdin {input:?}");
    let mut bytes = [0u8; 8];
    let map: std::collections::HashMap<u8, u8> = (0..4).map(|i| (i, i)).collect();
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = std::hash::BuildHasher::hash_one(map.hasher(), i) as u8;
    }
    println!("random {bytes:?}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    println!("year 2000 {}", now == 946_684_800);
    match std::fs::read_to_string("data.txt") {
        Ok(text) => println!("file {text:?}"),
        Err(e) => println!("file error {:?}", e.raw_os_error()),
    }
    std::process::exit(args.len() as i32);
}
"#;

/// A directory holding `probe.rs` and `data.txt`.
fn probe_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("probe.rs"), PROBE).unwrap();
    std::fs::write(dir.path().join("data.txt"), "granted").unwrap();
    dir
}

#[test]
fn arguments_environment_stdin_and_exit_code_reach_the_program() {
    let dir = probe_dir();
    let out = dotvm_in(
        dir.path(),
        &[
            "run",
            "probe.rs",
            "--env",
            "GREETING=hi there",
            "--",
            "one",
            "two",
        ],
        "typed input",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("args [\"one\", \"two\"]"), "{stdout}");
    assert!(stdout.contains("GREETING Ok(\"hi there\")"), "{stdout}");
    // The host's own environment is never passed.
    assert!(stdout.contains("HOME false"), "{stdout}");
    assert!(stdout.contains("stdin \"typed input\""), "{stdout}");
    assert!(stdout.contains("year 2000 false"), "{stdout}");
}

#[test]
fn files_need_a_granted_directory_and_refusals_are_reported() {
    let dir = probe_dir();
    let denied = dotvm_in(dir.path(), &["run", "probe.rs", "--", "x"], "");
    assert_eq!(denied.status.code(), Some(1));
    assert!(text(&denied.stdout).contains("file error Some(76)"));
    assert!(
        text(&denied.stderr).contains("dotvm: denied: path_open (no --dir granted)"),
        "{}",
        text(&denied.stderr)
    );
    let granted = success(&dotvm_in(
        dir.path(),
        &["run", "probe.rs", "--dir", "."],
        "",
    ));
    assert!(granted.contains("file \"granted\""), "{granted}");
}

#[test]
fn deterministic_runs_repeat_exactly() {
    let dir = probe_dir();
    let run = |seed: &str| {
        success(&dotvm_in(
            dir.path(),
            &["run", "probe.rs", "--deterministic", "--seed", seed],
            "",
        ))
    };
    let first = run("1");
    assert!(first.contains("year 2000 true"), "{first}");
    assert_eq!(first, run("1"));
    assert_ne!(first, run("2"));
    let real = success(&dotvm_in(dir.path(), &["run", "probe.rs"], ""));
    let again = success(&dotvm_in(dir.path(), &["run", "probe.rs"], ""));
    assert_ne!(real, again, "the OS random source differs between runs");
}

#[test]
fn a_withheld_capability_is_reported() {
    let dir = probe_dir();
    let out = dotvm_in(dir.path(), &["run", "probe.rs", "--deny", "random"], "");
    // std's HashMap cannot seed itself: the program panics.
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("dotvm: denied: random_get (`random` withheld with --deny)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn wat_text_runs_and_missing_imports_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let hello = dir.path().join("hello.wat");
    std::fs::write(
        &hello,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi from wat\n")
  (data (i32.const 0) "\10\00\00\00\0c\00\00\00")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
    (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    let out = dotvm(&["run", hello.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(text(&out.stdout), "hi from wat\n");
    let missing = dir.path().join("missing.wat");
    std::fs::write(
        &missing,
        r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "host_thing" (func))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))
  (func (export "_start")))"#,
    )
    .unwrap();
    let out_file = dir.path().join("missing.dotvm");
    let out = dotvm(
        &[
            "transpile",
            "-i",
            missing.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for name in [
        "wasi_snapshot_preview1.sock_accept",
        "env.host_thing",
        "wasi_snapshot_preview1.poll_oneoff",
    ] {
        assert!(stderr.contains(name), "{name} missing from: {stderr}");
    }
    assert!(!stderr.contains("fd_write"), "{stderr}");
    assert!(!out_file.exists());
}

#[test]
fn rust_programs_print_the_same_on_every_architecture() {
    let dir = probe_dir();
    let reference = dotvm_in(
        dir.path(),
        &["run", "probe.rs", "--deterministic", "--", "a"],
        "",
    );
    assert_eq!(reference.status.code(), Some(1));
    let reference = text(&reference.stdout);
    assert!(reference.contains("args [\"a\"]"), "{reference}");
    for arch in ["arch32", "arch128", "arch256", "arch512"] {
        let out = dotvm_in(
            dir.path(),
            &[
                "run",
                "probe.rs",
                "--arch",
                arch,
                "--deterministic",
                "--",
                "a",
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(1), "{arch}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), reference, "{arch}");
    }
}
