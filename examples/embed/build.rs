//! Builds the guest (guest/guest.rs) for wasm32-wasip1 with the same rustc, into OUT_DIR,
//! installing the target with rustup first when it is missing (as `dotvm run` does).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

const TARGET: &str = "wasm32-wasip1";

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("guest.wasm");
    println!("cargo::rerun-if-changed=guest/guest.rs");
    if build_guest(&out).success() {
        return;
    }
    println!("cargo::warning=installing the Rust target {TARGET}: rustup target add {TARGET}");
    let installed = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        installed && build_guest(&out).success(),
        "cannot build the guest (is the target installed? rustup target add {TARGET})"
    );
}

/// Compiles the guest with the rustc Cargo uses.
fn build_guest(out: &Path) -> ExitStatus {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--edition", "2024", "--target", TARGET, "-C", "opt-level=2"])
        .arg("guest/guest.rs")
        .arg("-o")
        .arg(out)
        .status()
        .expect("start rustc")
}
