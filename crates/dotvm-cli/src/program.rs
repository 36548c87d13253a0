//! Loading a program from disk: bytecode, assembly, or a Rust/WebAssembly input that the
//! driver transpiles in memory; then verification through the embedding API.

use crate::driver::{self, BuildOptions, InputKind};
use anyhow::{Context, Result, anyhow};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::read_module;
use dotvm_core::{Arch, Module};
use dotvm_wasm::variables::Variables;
use std::path::Path;

/// Reads `path` as a module with the default build settings (see [`load_input`]).
pub fn load_module(path: &Path, arch: Option<Arch>) -> Result<Module> {
    load_input(path, arch, &BuildOptions::default())
}

/// Reads `path` as a module: `.dasm` files are assembled (for `arch` when given,
/// overriding their `.arch`), Rust and WebAssembly inputs are transpiled with `build` (for
/// `arch` when given), anything else is read as bytecode, whose header must then name
/// `arch`.
pub fn load_input(path: &Path, arch: Option<Arch>, build: &BuildOptions) -> Result<Module> {
    load_input_with(path, arch, build, false).map(|(module, _)| module)
}

/// [`load_input`], also reading the source-level variables of a WebAssembly-based
/// input's DWARF when `with_variables` (for the debugger; `None` for other inputs).
pub fn load_input_with(
    path: &Path,
    arch: Option<Arch>,
    build: &BuildOptions,
    with_variables: bool,
) -> Result<(Module, Option<Variables>)> {
    let kind = InputKind::of(path)?;
    if kind.is_wasm_based() {
        let build = BuildOptions {
            arch: arch.unwrap_or(build.arch),
            ..build.clone()
        };
        return if with_variables {
            driver::module_and_variables_of(path, kind, &build)
        } else {
            driver::module_of(path, kind, &build).map(|module| (module, None))
        };
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if kind == InputKind::Assembly {
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow!("{}: not UTF-8 text: {e}", path.display()))?;
        let options = AsmOptions {
            arch,
            line_table: build.line_table,
        };
        assemble(&text, &path.display().to_string(), &options)
            .map(|module| (module, None))
            .map_err(|e| anyhow!("{e}"))
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
            _ => Ok((module, None)),
        }
    }
}

/// Reads `path` (see [`load_module`]) as a module of the embedding API for `engine`,
/// verified (and its signature checked when the engine requires one).
pub fn load_dotvm_module(engine: &dotvm::Engine, path: &Path) -> Result<dotvm::Module> {
    let module = load_module(path, None)?;
    dotvm::Module::from_module(engine, module).map_err(|error| module_error(path, error))
}

/// An error of [`dotvm::Module::from_module`] for the file `path`: `PATH: what is wrong`.
pub fn module_error(path: &Path, error: dotvm::Error) -> anyhow::Error {
    match error {
        dotvm::Error::InvalidModule(message) => anyhow!("{}: {message}", path.display()),
        other => anyhow!("{}: {other}", path.display()),
    }
}

/// True for assembly source files (`.dasm`).
pub fn is_assembly(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "dasm")
}

/// True for inputs that are not bytecode on disk (assembly, Rust, WebAssembly): tools
/// that describe the file describe the module built in memory.
pub fn is_built_in_memory(path: &Path) -> bool {
    InputKind::of(path).is_ok_and(|kind| kind != InputKind::Bytecode)
}
