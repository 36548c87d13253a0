//! Behaviour of the `dotvm` commands as a user sees them: exit statuses, trap messages,
//! limits, statistics, tracing, stepping, inspection and help.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn dotvm(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `source` to a `.dasm` file in `dir` and returns its path as a string.
fn program(dir: &tempfile::TempDir, name: &str, source: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, source).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn exit_code_of_the_program_becomes_the_process_status() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(
        &dir,
        "exit.dasm",
        ".func main\n    PUSH 42\n    SYSCALL exit\n    UNREACHABLE\n.end\n",
    );
    assert_eq!(dotvm(&["run", &prog], "").status.code(), Some(42));
    let returns = program(
        &dir,
        "ret.dasm",
        ".func main results=1\n    PUSH 7\n    RET\n.end\n",
    );
    assert_eq!(dotvm(&["run", &returns], "").status.code(), Some(7));
}

#[test]
fn a_trap_names_the_trap_function_and_pc_prints_a_backtrace_and_exits_70() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(
        &dir,
        "trap.dasm",
        ".func main\n    PUSH 1\n    PUSH 0\n    CALL divide\n    POP\n    HALT\n.end\n\
         .func divide results=1\n    .param a\n    .param b\n    LOCAL_GET a\n    LOCAL_GET b\n    DIV_U\n    RET\n.end\n",
    );
    let output = dotvm(&["run", &prog], "");
    assert_eq!(output.status.code(), Some(70));
    assert_eq!(
        text(&output.stderr).trim(),
        "error: trap: integer divide by zero in divide at pc 10\nbacktrace:\n  \
         #0  divide (func 1 pc 10)\n  #1  main (func 0 pc 5)"
    );
}

#[test]
fn limits_from_flags_stop_runaway_programs() {
    let dir = tempfile::tempdir().unwrap();
    let spin = program(&dir, "spin.dasm", ".func main\nloop:\n    JMP loop\n.end\n");
    let output = dotvm(&["run", &spin, "--max-instructions", "1000"], "");
    assert_eq!(output.status.code(), Some(70));
    assert!(text(&output.stderr).contains("instruction limit reached in main at pc 0"));

    let recurse = program(
        &dir,
        "recurse.dasm",
        ".func main\n    CALL main\n    HALT\n.end\n",
    );
    let output = dotvm(&["run", &recurse, "--call-depth", "50"], "");
    assert_eq!(output.status.code(), Some(70));
    assert!(text(&output.stderr).contains("call depth exceeded"));
    let deep = program(
        &dir,
        "deep.dasm",
        ".func main locals=4\n    CALL main\n    HALT\n.end\n",
    );
    let output = dotvm(&["run", &deep, "--stack-size", "64"], "");
    assert!(
        text(&output.stderr).contains("stack overflow"),
        "{}",
        text(&output.stderr)
    );

    let grow = program(
        &dir,
        "grow.dasm",
        ".func main\n    PUSH 100\n    MEMORY_GROW\n    SYSCALL print_int\n    HALT\n.end\n",
    );
    let output = dotvm(&["run", &grow, "--memory-limit", "1M"], "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        "-1",
        "growing past the limit is refused"
    );
}

#[test]
fn verbose_prints_statistics_on_stderr() {
    let output = dotvm(
        &[
            "run",
            example("factorial.dasm").to_str().unwrap(),
            "--verbose",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    for field in [
        "load time",
        "architecture     arch64",
        "sections         4 functions",
        "instructions     ",
        "run time",
        "million instructions/s",
        "peak memory      65536 bytes",
    ] {
        assert!(stderr.contains(field), "missing `{field}` in:\n{stderr}");
    }
    assert!(text(&output.stdout).starts_with("0! = 1\n"));
}

#[test]
fn debug_traces_every_instruction() {
    let output = dotvm(
        &["run", example("hello.dasm").to_str().unwrap(), "--debug"],
        "",
    );
    assert_eq!(text(&output.stdout), "Hello, DotVM!\n");
    let lines: Vec<String> = text(&output.stderr).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("main pc     0  PUSH_CONST 0"));
    assert!(lines[1].contains("SYSCALL print_bytes") && lines[1].ends_with("[0, 14]"));
    assert!(lines[2].contains("HALT"));
}

#[test]
fn step_mode_reads_commands_and_shows_state() {
    let hello = example("hello.dasm");
    let output = dotvm(
        &["run", hello.to_str().unwrap(), "--step"],
        "h\ns\ni\nm 0 14\nn\ns\nc\n",
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "Hello, DotVM!\n");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("m ADDR [LEN]"), "help is shown");
    assert!(stderr.contains("operands (0): []"));
    assert!(stderr.contains("function main (0), pc 0, call depth 1, 0 instructions executed"));
    assert!(stderr.contains("48 65 6c 6c 6f 2c 20 44 6f 74 56 4d 21 0a"));
    assert!(
        stderr.contains("operands (2): [0, 14]"),
        "after one step:\n{stderr}"
    );

    let quit = dotvm(&["run", hello.to_str().unwrap(), "--step"], "q\n");
    assert_eq!(quit.status.code(), Some(130));
    assert_eq!(
        text(&quit.stdout),
        "",
        "quitting before the print prints nothing"
    );
}

#[test]
fn step_mode_feeds_the_program_from_input_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "abc").unwrap();
    let output = dotvm(
        &[
            "run",
            example("cat.dasm").to_str().unwrap(),
            "--step",
            "--input",
            input.to_str().unwrap(),
        ],
        "c\n",
    );
    assert_eq!(text(&output.stdout), "abcbytes: 3\n");
}

#[test]
fn inspect_reports_header_sections_and_functions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fact.dotvm");
    let fact = example("factorial.dasm");
    let asm = dotvm(
        &["asm", fact.to_str().unwrap(), "-o", out.to_str().unwrap()],
        "",
    );
    assert!(asm.status.success());
    let size = std::fs::metadata(&out).unwrap().len();
    let output = dotvm(&["inspect", out.to_str().unwrap(), "--json"], "");
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["arch"], "arch64");
    assert_eq!(report["file_bytes"], size);
    assert_eq!(report["entry"]["name"], "main");
    let names: Vec<&str> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main", "factorial", "product", "print_u64"]);
    let sections: Vec<&str> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["functions", "code", "constants", "memory", "debug"]
    );
    let last = report["sections"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last["offset"].as_u64().unwrap() + last["length"].as_u64().unwrap(),
        size,
        "sections end at the end of the file"
    );
    let plain = dotvm(&["inspect", out.to_str().unwrap()], "");
    assert!(text(&plain.stdout).contains("architecture    arch64 (64-bit words)"));
}

#[test]
fn assembler_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(
        &dir,
        "bad.dasm",
        ".func main\n    PUSH 1\n    ADDD\n    HALT\n.end\n",
    );
    let output = dotvm(&["run", &prog], "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: {prog}:3:5: ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("ADD"),
        "suggests the closest mnemonic: {stderr}"
    );
}

#[test]
fn missing_files_and_bad_arguments_are_clear() {
    let output = dotvm(&["run", "/nonexistent/prog.dotvm"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot read /nonexistent/prog.dotvm"));
    // A Rust source too: the file is named, not the toolchain.
    let output = dotvm(&["run", "/nonexistent/prog.rs"], "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/prog.rs"),
        "{stderr}"
    );
    assert!(!stderr.contains("wasm32-wasip1"), "{stderr}");
    let output = dotvm(&["run", "x.dasm", "--memory-limit", "lots"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is not a byte count"));
}

#[test]
fn every_command_has_help_with_examples() {
    for command in ["run", "asm", "disasm", "verify", "inspect"] {
        let output = dotvm(&[command, "--help"], "");
        assert!(output.status.success(), "{command} --help");
        let help = text(&output.stdout);
        assert!(
            help.contains("Examples:"),
            "{command} --help lacks examples"
        );
        assert!(help.contains(&format!("dotvm {command}")), "{command}");
    }
    let top = text(&dotvm(&["--help"], "").stdout);
    assert!(top.contains("Exit status"));
}
