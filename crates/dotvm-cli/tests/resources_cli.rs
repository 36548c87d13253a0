//! Resource monitoring through the `dotvm` binary: the figures of `dotvm run --verbose`
//! (database operations and bytes, system calls, the value stack's peak), the
//! same as JSON with `--verbose --json`, and `--quiet`.

use serde_json::Value;
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The statistics object of `--verbose --json`: the one stderr line that is a JSON object.
fn stats(output: &Output) -> Value {
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 1, "one JSON line on stderr: {stderr}");
    serde_json::from_str(lines[0]).expect("the statistics parse as JSON")
}

/// Writes `source` to a temporary `.dasm` file.
fn program(source: &str) -> tempfile::TempPath {
    let mut file = tempfile::Builder::new().suffix(".dasm").tempfile().unwrap();
    std::io::Write::write_all(&mut file, source.as_bytes()).unwrap();
    file.into_temp_path()
}

#[test]
fn verbose_counts_the_database_operations_and_system_calls_of_counter() {
    for engine in ["interp", "jit"] {
        let output = dotvm(&[
            "run",
            "--state",
            ":memory:",
            "--verbose",
            "--engine",
            engine,
            "counter.dasm",
        ]);
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{engine}: {stderr}");
        assert!(text(&output.stdout).starts_with("run 1\n"), "{engine}");
        // Reads: the counter (absent), the rolled-back scratch key (absent), a count and a
        // query returning "0001" and its 24-byte document. Writes: the counter (4 + 8
        // bytes), the document (4 + 24) and the scratch key (7 + 8), rolled back but
        // performed.
        assert!(
            stderr.contains("\ndatabase         4 reads (28 bytes), 3 writes (55 bytes)\n"),
            "{engine}: {stderr}"
        );
        assert!(
            stderr.contains("\nhost calls       20 system calls, 0 host function calls\n"),
            "{engine}: {stderr}"
        );
        // The same exact peak under both engines (compiled code keeps a high-water mark).
        assert!(
            stderr.contains("\npeak stack       14 slots (deepest frame: the smallest --stack-size this run fits in)\n"),
            "{engine}: {stderr}"
        );
    }
}

#[test]
fn verbose_json_has_every_field_with_the_run_s_numbers() {
    let output = dotvm(&[
        "run",
        "--state",
        ":memory:",
        "--verbose",
        "--json",
        "counter.dasm",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // The program's output stays on stdout, alone.
    assert_eq!(
        text(&output.stdout),
        std::fs::read_to_string(examples().join("counter.out")).unwrap()
    );
    let stats = stats(&output);
    for field in [
        "input",
        "input_kind",
        "arch",
        "load_time_ms",
        "run_time_ms",
        "instructions",
        "instructions_per_second",
        "peak_memory_bytes",
        "peak_stack_slots",
        "system_calls",
        "host_function_calls",
        "db_reads",
        "db_writes",
        "db_bytes_read",
        "db_bytes_written",
        "end",
        "exit_code",
        "state",
        "signer",
    ] {
        assert!(stats.get(field).is_some(), "missing {field}: {stats}");
    }
    assert_eq!(stats["input_kind"], "assembly");
    assert_eq!(stats["arch"], "arch64");
    assert_eq!(stats["end"], "exited");
    assert_eq!(stats["exit_code"], 0);
    assert_eq!(stats["instructions"], 2053);
    assert_eq!(stats["peak_memory_bytes"], 65536);
    assert_eq!(stats["peak_stack_slots"], 14);
    assert_eq!(stats["system_calls"], 20);
    assert_eq!(stats["host_function_calls"], 0);
    assert_eq!(stats["db_reads"], 4);
    assert_eq!(stats["db_writes"], 3);
    assert_eq!(stats["db_bytes_read"], 28);
    assert_eq!(stats["db_bytes_written"], 55);
    assert!(stats["instructions_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        stats["state"].as_str().unwrap().ends_with("committed"),
        "{stats}"
    );
    // No text block besides the JSON.
    assert!(!text(&output.stderr).contains("--- dotvm statistics ---"));
}

#[test]
fn refused_writes_are_not_counted() {
    let output = dotvm(&[
        "run",
        "--state",
        ":memory:",
        "--db-ro",
        "--verbose",
        "--json",
        "counter.dasm",
    ]);
    assert_eq!(output.status.code(), Some(70), "DB_PUT traps under --db-ro");
    let stats = stats(&output);
    assert_eq!(stats["end"], "trapped");
    assert_eq!(stats["exit_code"], Value::Null);
    assert_eq!(stats["peak_memory_bytes"], Value::Null);
    assert_eq!(stats["db_reads"], 1);
    assert_eq!(stats["db_writes"], 0);
    assert_eq!(stats["db_bytes_written"], 0);
    assert!(text(&output.stderr).contains("denied: DB_PUT"));
}

#[test]
fn system_calls_are_counted_exactly_also_in_a_loop() {
    let source = ".func main\n.local i\nloop:\nLOCAL_GET i\nPUSH 7\nEQ\nJNZ done\n\
                  PUSH 'x'\nSYSCALL print_char\nLOCAL_GET i\nPUSH 1\nADD\nLOCAL_SET i\n\
                  JMP loop\ndone:\nPUSH '\\n'\nSYSCALL print_char\nHALT\n.end\n";
    let file = program(source);
    let output = dotvm(&["run", "--verbose", "--json", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "xxxxxxx\n");
    let stats = stats(&output);
    assert_eq!(stats["system_calls"], 8);
    assert_eq!(stats["db_reads"], 0);
    assert_eq!(stats["db_writes"], 0);
    assert!(
        stats["state"]
            .as_str()
            .unwrap()
            .contains("not opened (no database opcodes)")
    );
}

#[test]
fn the_stack_peak_is_the_entry_frame_when_a_run_traps_before_any_call() {
    let file = program(".func main\nPUSH 1\nPUSH 0\nDIV_U\nHALT\n.end\n");
    let output = dotvm(&[
        "run",
        "--verbose",
        "--json",
        "--stack-size",
        "64",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(70));
    let stats = stats(&output);
    // The entry frame only (two operands at most): the run traps before any call.
    assert_eq!(stats["peak_stack_slots"], 2);
    assert_eq!(stats["end"], "trapped");
    assert_eq!(stats["instructions"], 2);
    assert!(text(&output.stderr).contains("integer divide by zero"));
}

#[test]
fn quiet_prints_only_the_program_s_output() {
    let output = dotvm(&["run", "--quiet", "hello.dasm"]);
    assert!(output.status.success());
    assert_eq!(text(&output.stdout), "Hello, DotVM!\n");
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn quiet_builds_rust_without_notes() {
    let dir = tempfile::tempdir().unwrap();
    let output = dotvm(&[
        "run",
        "--quiet",
        "--target-dir",
        dir.path().to_str().unwrap(),
        "hello.rs",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!text(&output.stdout).is_empty());
    assert_eq!(text(&output.stderr), "");
}
