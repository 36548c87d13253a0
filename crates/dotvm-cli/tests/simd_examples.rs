//! Rust built with `--simd`: `examples/simd_intrinsics.rs` (explicit `core::arch::wasm32`
//! intrinsics) and `examples/simd_autovec.rs` (loops LLVM vectorises) print under
//! `dotvm run --simd` exactly what the same source prints built natively, and the
//! bytecode `dotvm transpile --simd` writes really holds v128 instructions (without
//! `--simd` it holds none). Needs the `wasm32-wasip1` target, which the driver installs.

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

/// Stdout of a successful run.
fn success(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// What `example` prints when rustc builds it for this machine.
fn native_output(example: &str, dir: &Path) -> String {
    let binary = dir.join("native");
    let built = Command::new("rustc")
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&binary)
        .arg(examples().join(example))
        .output()
        .expect("run rustc");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    success(
        Command::new(&binary)
            .output()
            .expect("run the native build"),
        "native",
    )
}

/// How many v128 instructions the disassembly of `example` built with `flags` holds.
fn vector_instructions(example: &str, flags: &[&str], dir: &Path) -> usize {
    let bytecode = dir.join("out.dotvm");
    let bytecode = bytecode.to_str().expect("UTF-8 path");
    let mut args = vec!["transpile", "-q", "-i", example, "-o", bytecode];
    args.extend_from_slice(flags);
    success(dotvm(&args), "transpile");
    let text = success(dotvm(&["disasm", bytecode]), "disasm");
    text.split_whitespace()
        .filter(|word| {
            [
                "V128_", "I8X16_", "I16X8_", "I32X4_", "I64X2_", "F32X4_", "F64X2_",
            ]
            .iter()
            .any(|prefix| word.starts_with(prefix))
        })
        .count()
}

fn check(example: &str) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let native = native_output(example, dir.path());
    let simd = success(dotvm(&["run", "-q", "--simd", example]), "dotvm run --simd");
    assert_eq!(simd, native, "{example} under --simd");
    let scalar = success(dotvm(&["run", "-q", example]), "dotvm run");
    assert_eq!(scalar, native, "{example} without --simd");
    let vectors = vector_instructions(example, &["--simd"], dir.path());
    assert!(vectors > 0, "{example}: no v128 instructions with --simd");
    assert_eq!(
        vector_instructions(example, &[], dir.path()),
        0,
        "{example} without --simd"
    );
}

#[test]
fn explicit_intrinsics_print_what_the_native_build_prints() {
    check("simd_intrinsics.rs");
}

#[test]
fn auto_vectorised_loops_print_what_the_native_build_prints() {
    check("simd_autovec.rs");
}
