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
    for (out, extra) in [(&kept, None), (&stripped, Some("--strip"))] {
        let mut args = vec!["transpile", "-i", source, "-o", out.to_str().unwrap()];
        args.extend(extra);
        let output = dotvm_in(dir.path(), &args, "");
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
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
