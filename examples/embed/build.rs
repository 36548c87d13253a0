//! Builds the guest (guest/guest.rs) for wasm32-wasip1 with the same rustc, into OUT_DIR.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("guest.wasm");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    println!("cargo::rerun-if-changed=guest/guest.rs");
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--target",
            "wasm32-wasip1",
            "-C",
            "opt-level=2",
        ])
        .arg("guest/guest.rs")
        .arg("-o")
        .arg(&out)
        .status()
        .expect("start rustc");
    assert!(
        status.success(),
        "cannot build the guest (is the target installed? rustup target add wasm32-wasip1)"
    );
}
