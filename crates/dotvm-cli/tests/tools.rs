//! The developer tools through the `dotvm` binary: source-level backtraces of traps and
//! Rust panics, the source map kept (or stripped) by `dotvm transpile`, the scripted
//! debugger (`dotvm debug`) with golden transcripts, and the exact profiler
//! (`dotvm profile`). The Rust cases need the `wasm32-wasip1` target.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Runs `dotvm` in `dir` with `stdin`.
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Rust program whose `check` indexes out of bounds (line 2) when called from the
/// closure on line 7.
const PANICKY: &str = "fn check(values: &[u32], index: usize) -> u32 {
    values[index] * 2
}

fn main() {
    let values = vec![1, 2, 3];
    let total: u32 = (0..5).map(|i| check(&values, i)).sum();
    println!(\"{total}\");
}
";

#[test]
fn a_rust_panic_reports_the_panicking_line_with_a_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("panicky.rs"), PANICKY).unwrap();
    let output = dotvm_in(dir.path(), &["run", "panicky.rs"], "");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(70), "{stderr}");
    // The guest's own panic message, then DotVM's report.
    assert!(
        stderr.contains("panicked at panicky.rs:2:5:\nindex out of bounds"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "error: panic in panicky::check at panicky.rs:2:5 (trap: unreachable executed in"
        ),
        "{stderr}"
    );
    let frames: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  #")).collect();
    let marked: Vec<&&str> = frames
        .iter()
        .filter(|l| l.ends_with("<- panicked here"))
        .collect();
    assert_eq!(marked.len(), 1, "{stderr}");
    assert!(
        marked[0].contains("panicky::check at panicky.rs:2:5"),
        "{stderr}"
    );
    // The caller's line, and std frames below the panicking one.
    assert!(
        frames
            .iter()
            .any(|l| l.contains("panicky::main") && l.contains("panicky.rs:7:")),
        "{stderr}"
    );
    assert!(
        frames[0].contains("abort") && frames.iter().any(|l| l.contains("core::panicking::")),
        "{stderr}"
    );
}

#[test]
fn transpile_keeps_the_source_map_unless_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let source = examples().join("fibonacci.rs");
    let source = source.to_str().unwrap();
    let kept = dir.path().join("kept.dotvm");
    let stripped = dir.path().join("stripped.dotvm");
    let mut reports = Vec::new();
    for (out, extra) in [(&kept, "--json"), (&stripped, "--strip")] {
        let args = [
            "transpile",
            "-i",
            source,
            "-o",
            out.to_str().unwrap(),
            extra,
        ];
        let output = dotvm_in(dir.path(), &args, "");
        assert!(output.status.success(), "{}", text(&output.stderr));
        reports.push(text(&output.stdout));
    }
    let report: serde_json::Value = serde_json::from_str(&reports[0]).expect("JSON report");
    assert_eq!(report["arch"], "arch64");
    assert!(
        report["source_map_rows"].as_u64().unwrap() > 100,
        "{report}"
    );
    assert_eq!(
        report["bytecode_bytes"].as_u64(),
        Some(std::fs::metadata(&kept).unwrap().len())
    );
    assert_eq!(reports[1], "", "without --json transpile prints nothing");
    let disasm = |path: &Path| {
        let output = dotvm_in(dir.path(), &["disasm", path.to_str().unwrap()], "");
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    let kept_text = disasm(&kept);
    assert!(
        kept_text.contains(".srcfile") && kept_text.contains("examples/fibonacci.rs\""),
        "the source map names the source file"
    );
    assert!(kept_text.contains(".func \"fibonacci::fib_recursive\""));
    let stripped_text = disasm(&stripped);
    assert!(
        stripped_text.contains(".debug none"),
        "{}",
        &stripped_text[..200]
    );
    assert!(!stripped_text.contains(".srcloc"));
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&stripped) < size(&kept));
}

/// Replaces the numbers in `(func N pc M)` and `program loaded: N functions` with `_`:
/// they depend on the Rust standard library the program links.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_string();
        while let Some(start) = line.find("(func ")
            && let Some(len) = line[start..].find(')')
            && line[start..start + len].contains(" pc ")
            && line[start + 6..start + len]
                .chars()
                .any(|c| c.is_ascii_digit())
        {
            line.replace_range(start..start + len + 1, "(func _ pc _)");
        }
        if let Some(rest) = line.strip_prefix("program loaded: ")
            && let Some((_, tail)) = rest.split_once(" functions")
        {
            line = format!("program loaded: _ functions{tail}");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Compares `actual` with the golden file `name` (rewritten when `DOTVM_UPDATE_GOLDEN` is
/// set).
fn check_golden(name: &str, actual: &str) {
    let path = golden().join(name);
    if std::env::var_os("DOTVM_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (DOTVM_UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        actual,
        expected,
        "transcript differs from {}",
        path.display()
    );
}

/// Debugger commands for `memory.dasm`: a breakpoint on a line and one on a function,
/// stepping, printing, a memory dump, a watchpoint, a backtrace and `finish`.
const DASM_SCRIPT: &str = "\
break memory.dasm:34
break print_list
info breakpoints
run
print local[0]
print local[2]
stepi
x local[0] 16
watch local[0]+16 8
delete 1
continue
continue
backtrace
locals
step
delete 2
finish
delete
info breakpoints
print stack[9]
bogus
break nowhere.dasm:3
continue
";

#[test]
fn the_debugger_runs_a_script_on_a_dasm_program() {
    let output = dotvm_in(&examples(), &["debug", "memory.dasm"], DASM_SCRIPT);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    check_golden("debug_memory_dasm.txt", &text(&output.stdout));
}

/// Debugger commands for `fibonacci.rs`: breakpoints by source line and by function name,
/// `next`, printing the parameter `n`, a backtrace through recursion, `finish` with the
/// returned value, `quit`.
const RUST_SCRIPT: &str = "\
break fib_recursive
break fibonacci.rs:15
info breakpoints
run
print local[0]
next
next
delete 2
continue
print local[0]
continue
print local[0]
backtrace
delete 1
finish
step
quit
";

#[test]
fn the_debugger_runs_a_script_on_a_rust_program() {
    let output = dotvm_in(
        &examples(),
        &["debug", "fibonacci.rs", "--", "3"],
        RUST_SCRIPT,
    );
    // `quit` stops the program: exit status 130, and the stop is reported on stderr.
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("stopped in fibonacci::fib_recursive"));
    check_golden("debug_fibonacci_rs.txt", &normalize(&text(&output.stdout)));
}

#[test]
fn a_debugged_database_run_that_is_stopped_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let state = state.to_str().unwrap();
    let counter = examples().join("counter.dasm");
    let counter = counter.to_str().unwrap();
    // Stopped before the end: nothing is written.
    let output = dotvm_in(
        dir.path(),
        &["debug", counter, "--state", state],
        "stepi\nstepi\nquit\n",
    );
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let output = dotvm_in(dir.path(), &["run", counter, "--state", state], "");
    let first = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Run to the end in the debugger: it commits like `run`.
    let output = dotvm_in(
        dir.path(),
        &["debug", counter, "--state", state],
        "continue\n",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = dotvm_in(dir.path(), &["run", counter, "--state", state], "");
    assert_ne!(text(&output.stdout), first, "the debugged run committed");
}

#[test]
fn profile_counts_add_up_to_the_run_and_write_json_folded_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let folded = dir.path().join("fib.folded");
    let svg = dir.path().join("fib.svg");
    let program = examples().join("fib_recursive.dasm");
    let program = program.to_str().unwrap();
    let output = dotvm_in(
        dir.path(),
        &[
            "profile",
            program,
            "--json",
            "--folded",
            folded.to_str().unwrap(),
            "--flamegraph",
            svg.to_str().unwrap(),
        ],
        "",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    // The program's output moved to stderr; stdout is the JSON.
    assert!(text(&output.stderr).contains("25: 75025"));
    let profile: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let total = profile["total_instructions"].as_u64().unwrap();
    let functions = profile["functions"].as_array().unwrap();
    assert_eq!(
        functions[0]["name"], "fib",
        "the hottest function comes first"
    );
    let self_sum: u64 = functions
        .iter()
        .map(|f| f["self_instructions"].as_u64().unwrap())
        .sum();
    assert_eq!(self_sum, total);
    assert_eq!(functions[1]["name"], "main");
    assert_eq!(functions[1]["inclusive_instructions"].as_u64(), Some(total));
    assert_eq!(functions[1]["calls"].as_u64(), Some(1));
    // fib(0), fib(5), ..., fib(25) make 266842 calls in all.
    assert_eq!(functions[0]["calls"].as_u64(), Some(266_842));
    let line_sum: u64 = profile["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["instructions"].as_u64().unwrap())
        .sum();
    assert!(line_sum > total / 2, "lines come from the line table");
    let opcode_sum: u64 = profile["opcodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .sum();
    assert_eq!(opcode_sum, total);
    // `run --verbose` counts the same instructions.
    let output = dotvm_in(dir.path(), &["run", "--verbose", program], "");
    let stderr = text(&output.stderr);
    let counted = stderr
        .lines()
        .find_map(|l| l.strip_prefix("instructions"))
        .and_then(|rest| rest.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no instruction count in {stderr}"));
    assert_eq!(counted, total);
    // Folded stacks: `main;fib;fib N`, adding up to the total.
    let folded = std::fs::read_to_string(&folded).unwrap();
    let folded_sum: u64 = folded
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(folded_sum, total);
    assert!(folded.lines().any(|l| l.starts_with("main;fib;fib;fib ")));
    // The SVG is well-formed XML with the functions in it.
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<?xml"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("fib"));
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
}

#[test]
fn profile_of_a_rust_program_names_its_hottest_function_and_lines() {
    let output = dotvm_in(&examples(), &["profile", "fibonacci.rs", "--", "5"], "");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let table = stdout.split_once("profile: ").expect("a profile").1;
    let first_row = table.lines().nth(3).unwrap();
    assert!(first_row.ends_with("fibonacci::fib_recursive"), "{table}");
    assert!(
        table.contains("fibonacci.rs:8  (fibonacci::fib_recursive)"),
        "{table}"
    );
}

#[test]
fn verify_reports_as_json_on_success_and_failure() {
    let output = dotvm_in(&examples(), &["verify", "--json", "fib_recursive.dasm"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["ok"], true);
    assert_eq!(report["functions"], 2);
    assert_eq!(report["entry"], "main");
    let output = dotvm_in(&examples(), &["verify", "--json", "missing.dasm"], "");
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["ok"], false);
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("cannot read missing.dasm")
    );
}

#[test]
fn debugger_and_profiler_refuse_bad_input_clearly() {
    let output = dotvm_in(&examples(), &["debug", "missing.dasm"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot read missing.dasm"));
    // A script of bad commands gets an error per line, then the end of input quits.
    let output = dotvm_in(
        &examples(),
        &["debug", "hello.dasm"],
        "break\nbreak 99:0\nbreak main:1\nx\nframe 7\nwatch 0 0\n",
    );
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for message in [
        "error: `break` needs a location",
        "error: no function 99 (the module has",
        "error: pc 1 is not the start of an instruction of main",
        "error: `x` needs an address",
        "error: no frame 7 (the backtrace has 1)",
        "error: a watch covers 1 to 4096 bytes, not 0",
    ] {
        assert!(stdout.contains(message), "{message}: {stdout}");
    }
    let output = dotvm_in(&examples(), &["profile", "hello.dasm", "--top", "x"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--top"));
}

#[test]
fn the_debugger_works_on_other_architectures() {
    for arch in ["arch32", "arch128", "arch512"] {
        let output = dotvm_in(
            &examples(),
            &["debug", "--arch", arch, "fib_recursive.dasm"],
            "break fib\nrun\nbacktrace\nfinish\nquit\n",
        );
        let stdout = text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(130),
            "{arch}: {}",
            text(&output.stderr)
        );
        assert!(
            stdout.contains(&format!("program loaded: 2 functions, {arch}")),
            "{stdout}"
        );
        assert!(
            stdout.contains(" #1  main at fib_recursive.dasm:14 (func 0 pc 25)"),
            "{stdout}"
        );
        assert!(
            stdout.contains("fib returned; top of stack 0"),
            "{arch}: {stdout}"
        );
    }
}

/// Debugger commands for `fibonacci.rs` by Rust variable name: `n` at a line breakpoint,
/// again after `continue` (a deeper call), in the caller's frame, and `main`'s locals.
const VARIABLES_SCRIPT: &str = "\
break fibonacci.rs:5
run
print n
locals
continue
print n
backtrace
frame 1
locals
print n
print local[0]
frame 2
locals
print count
print nothing
frame 0
print n
quit
";

#[test]
fn the_debugger_prints_rust_variables_by_name_in_any_frame() {
    let output = dotvm_in(
        &examples(),
        &["debug", "fibonacci.rs", "--", "3"],
        VARIABLES_SCRIPT,
    );
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = normalize(&text(&output.stdout));
    // The first stop is fib_recursive(25), the next its call fib_recursive(24); frame 1
    // is the first call again, frame 2 `main` with `count` = 3 (the argument).
    let prints: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("n = ") || l.starts_with("count = "))
        .collect();
    assert_eq!(
        prints,
        [
            "n = 25 (u32)",
            "n = 25 (u32)",
            "n = 24 (u32)",
            "n = 25 (u32)",
            "n = 25 (u32)",
            "count = 3 (u32)",
            "count = 3 (u32)",
            "n = 24 (u32)",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("error: no variable `nothing` in scope in fibonacci::main here"),
        "{stdout}"
    );
    check_golden("debug_variables_rs.txt", &stdout);
}

#[test]
fn rust_variables_read_the_same_on_arch32() {
    let output = dotvm_in(
        &examples(),
        &["debug", "--arch", "arch32", "fibonacci.rs", "--", "3"],
        "break fibonacci.rs:15\nrun\nlocals\ncontinue\nprint b\nframe 1\nprint n\nx n 4\nquit\n",
    );
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    // fib_iterative(1): one turn of the loop; then fib_iterative(2)'s first turn. Frame 1
    // is the closure in `main` that called it with its own `n`.
    for line in [
        "n = 1 (u32)\na = 0 (u64)\nb = 1 (u64)\niter = {start: 1, end: 1} (Range<u32>)\n",
        "b = 1 (u64)\n#1  fibonacci::main::{{closure}} at fibonacci.rs:37:51\n",
        "n = 2 (u32)\n",
        // `x` of a variable in memory dumps its bytes.
        ": 02 00 00 00 ",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
}

/// A program without DWARF: `locals` shows the slots, a name is refused with a reason.
const NO_DWARF_WAT: &str = r#"(module
  (func $double (param $x i32) (result i32)
    local.get $x
    local.get $x
    i32.add)
  (func (export "_start")
    i32.const 21
    call $double
    drop))
"#;

#[test]
fn without_dwarf_variables_fall_back_to_slots() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("double.wat"), NO_DWARF_WAT).unwrap();
    let output = dotvm_in(
        dir.path(),
        &["debug", "double.wat"],
        "break 0\nrun\nlocals\nprint x\nprint local[0]\nframe 1\nlocals\nquit\n",
    );
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert_eq!(
        stdout
            .matches("local[0] (param, i32) = 21 (0x15)\n")
            .count(),
        2,
        "{stdout}"
    );
    for line in [
        "error: no variable `x`: double has no DWARF variable information",
        "no locals\n",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
}

/// The `.debug_info` bytes of a wasm module: (offset, length) in the file.
fn debug_info_range(wasm: &[u8]) -> (usize, usize) {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(reader)) = payload
            && reader.name() == ".debug_info"
        {
            return (reader.data_offset() as usize, reader.data().len());
        }
    }
    panic!("no .debug_info section");
}

#[test]
fn broken_dwarf_variables_never_crash_the_debugger() {
    let dir = tempfile::tempdir().unwrap();
    let wasm_path = dir.path().join("fib.wasm");
    let status = Command::new("rustc")
        .args(["--edition", "2024", "--target", "wasm32-wasip1", "-C"])
        .arg("opt-level=0")
        .arg("-g")
        .arg("-o")
        .arg(&wasm_path)
        .arg(examples().join("fibonacci.rs"))
        .status()
        .expect("run rustc");
    assert!(status.success());
    let wasm = std::fs::read(&wasm_path).unwrap();
    let (start, len) = debug_info_range(&wasm);
    // By name, so that the run stops even when the source map is lost with the DWARF.
    let script = "break fib_recursive\nbreak fibonacci.rs:5\nrun\nprint n\nlocals\nnext\n\
                  print n\nlocals\nframe 1\nlocals\nx n 4\nquit\n";
    // Unreadable from the first byte: no variables (and no source positions, which need
    // the units of `.debug_info` too), the slots are shown instead.
    let mut wiped = wasm.clone();
    wiped[start..start + len].fill(0xFF);
    std::fs::write(&wasm_path, &wiped).unwrap();
    let output = dotvm_in(&examples(), &["debug", wasm_path.to_str().unwrap()], script);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(
        stdout.contains(
            "error: no variable `n`: fibonacci::fib_recursive has no DWARF variable information"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("local[0] (param, i32) = 25 (0x19)"),
        "{stdout}"
    );
    // Damaged here and there: whatever is read, every command answers.
    for seed in 1..=4usize {
        let mut damaged = wasm.clone();
        for at in (start + seed * 7..start + len).step_by(101 + seed * 13) {
            damaged[at] ^= 0x5A;
        }
        std::fs::write(&wasm_path, &damaged).unwrap();
        let output = dotvm_in(&examples(), &["debug", wasm_path.to_str().unwrap()], script);
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked"), "seed {seed}: {stderr}");
        assert_eq!(output.status.code(), Some(130), "seed {seed}: {stderr}");
    }
}
