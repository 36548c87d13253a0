//! Loading a program from disk: bytecode or assembly, then verification.

use anyhow::{Context, Result, anyhow};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::read_module;
use dotvm_core::{Arch, Module, Verified};
use std::path::Path;

/// Reads `path` as a module: `.dasm` files are assembled (for `arch` when given, overriding
/// their `.arch`), anything else is read as bytecode, whose header must then name `arch`.
pub fn load_module(path: &Path, arch: Option<Arch>) -> Result<Module> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if is_assembly(path) {
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow!("{}: not UTF-8 text: {e}", path.display()))?;
        let options = AsmOptions {
            arch,
            ..AsmOptions::default()
        };
        assemble(&text, &path.display().to_string(), &options).map_err(|e| anyhow!("{e}"))
    } else {
        let module = read_module(&bytes)
            .map_err(|e| anyhow!("{}: invalid bytecode: {e}", path.display()))?;
        match arch {
            Some(wanted) if wanted != module.arch => Err(anyhow!(
                "{}: the bytecode is built for {} but --arch asks for {wanted}; reassemble it \
                 with `dotvm asm --arch {wanted}` or drop --arch",
                path.display(),
                module.arch
            )),
            _ => Ok(module),
        }
    }
}

/// Reads (see [`load_module`]) and verifies `path`.
pub fn load_verified(path: &Path, arch: Option<Arch>) -> Result<Verified> {
    let module = load_module(path, arch)?;
    Verified::new(module).map_err(|e| anyhow!("{}: verification failed: {e}", path.display()))
}

/// True for assembly source files (`.dasm`).
pub fn is_assembly(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "dasm")
}
