//! Loading a program from disk: bytecode or assembly, then verification.

use anyhow::{Context, Result, anyhow};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::read_module;
use dotvm_core::{Module, Verified};
use std::path::Path;

/// Reads `path` as a module: `.dasm` files are assembled, anything else is read as bytecode.
pub fn load_module(path: &Path) -> Result<Module> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if is_assembly(path) {
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow!("{}: not UTF-8 text: {e}", path.display()))?;
        assemble(&text, &path.display().to_string(), &AsmOptions::default())
            .map_err(|e| anyhow!("{e}"))
    } else {
        read_module(&bytes).map_err(|e| anyhow!("{}: invalid bytecode: {e}", path.display()))
    }
}

/// Reads and verifies `path`.
pub fn load_verified(path: &Path) -> Result<Verified> {
    let module = load_module(path)?;
    Verified::new(module).map_err(|e| anyhow!("{}: verification failed: {e}", path.display()))
}

/// True for assembly source files (`.dasm`).
pub fn is_assembly(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "dasm")
}
