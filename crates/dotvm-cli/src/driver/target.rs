//! Making sure the `wasm32-wasip1` Rust target is installed: with rustup it is added on
//! demand (saying so); without rustup the error says exactly what is missing.

use anyhow::{Result, bail};
use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The Rust target DotVM compiles Rust programs for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// The command that installs the target.
pub const INSTALL_COMMAND: &str = "rustup target add wasm32-wasip1";

/// Ensures the toolchain that builds in `dir` has the wasm target, installing it with
/// rustup when it is missing. Progress goes to stderr.
pub fn ensure_target(dir: &Path) -> Result<()> {
    // One check-and-install at a time in this process (parallel tests build in threads).
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match installed_by_rustup(dir) {
        Some(true) => Ok(()),
        // Another process may have installed it meanwhile: look again before failing.
        Some(false) => install(dir).or_else(|error| match installed_by_rustup(dir) {
            Some(true) => Ok(()),
            _ => Err(error),
        }),
        None if installed_in_sysroot(dir) => Ok(()),
        None => bail!(
            "the Rust target {WASM_TARGET} is not installed and rustup was not found; \
             install the target for your toolchain (with rustup: `{INSTALL_COMMAND}`)"
        ),
    }
}

/// What `rustup target list --installed` says, or `None` without a working rustup.
fn installed_by_rustup(dir: &Path) -> Option<bool> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let listing = String::from_utf8_lossy(&output.stdout);
    Some(listing.lines().any(|line| line.trim() == WASM_TARGET))
}

/// True when the sysroot of the `rustc` on the path holds the target's standard library.
fn installed_in_sysroot(dir: &Path) -> bool {
    let Ok(output) = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(dir)
        .output()
    else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir()
}

/// Runs `rustup target add wasm32-wasip1`, saying so first.
fn install(dir: &Path) -> Result<()> {
    eprintln!("dotvm: the Rust target {WASM_TARGET} is missing; installing it: {INSTALL_COMMAND}");
    let status = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .current_dir(dir)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("`{INSTALL_COMMAND}` failed ({status}); run it yourself and retry"),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            bail!("rustup disappeared while installing {WASM_TARGET}; run `{INSTALL_COMMAND}`")
        }
        Err(e) => bail!("cannot run `{INSTALL_COMMAND}`: {e}"),
    }
}
