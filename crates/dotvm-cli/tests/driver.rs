//! The Rust driver builds WebAssembly for `wasm32-wasip1` from a single file and from a
//! Cargo project (installing the target with rustup when it is missing).

use dotvm_cli::driver::{BuildOptions, InputKind, wasm_of};
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// True when `haystack` contains `needle`.
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_rust_file_compiles_to_wasi_webassembly() {
    let source = example("hello.rs");
    let kind = InputKind::of(&source).unwrap();
    assert_eq!(kind, InputKind::RustFile);
    let dir = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        target_dir: Some(dir.path().to_path_buf()),
        opt_level: 1,
        ..BuildOptions::default()
    };
    let wasm = wasm_of(&source, kind, &options).unwrap();
    assert_eq!(&wasm[..4], b"\0asm");
    assert!(contains(&wasm, "wasi_snapshot_preview1"));
    assert!(contains(&wasm, "fd_write"));
    // The build went to --target-dir and stays there.
    assert!(dir.path().join("hello.wasm").is_file());
}

#[test]
fn a_cargo_project_with_a_dependency_builds() {
    let project = example("cargo-project");
    let kind = InputKind::of(&project).unwrap();
    assert_eq!(kind, InputKind::CargoProject);
    let dir = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        target_dir: Some(dir.path().to_path_buf()),
        ..BuildOptions::default()
    };
    let wasm = wasm_of(&project, kind, &options).unwrap();
    assert_eq!(&wasm[..4], b"\0asm");
    assert!(contains(&wasm, "fd_write"));
}

#[test]
fn a_compile_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("broken.rs");
    std::fs::write(&source, "fn main() { let x: u32 = \"no\"; }").unwrap();
    let error = wasm_of(&source, InputKind::RustFile, &BuildOptions::default()).unwrap_err();
    assert!(error.to_string().contains("rustc failed"), "{error}");
}
