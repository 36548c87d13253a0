//! WebAssembly to DotVM: the translator with the WASI system-call mapping, run on the
//! WebAssembly the driver built or read.

use super::{BuildOptions, InputKind, wasm_of};
use crate::progress::Progress;
use anyhow::{Result, anyhow};
use dotvm_core::Module;
use dotvm_wasm::variables::Variables;
use dotvm_wasm::{
    TranslateError, TranslateOptions, translate_with_progress, translate_with_variables,
};
use std::path::Path;

/// Modules of at least this many bytes get a progress bar while they are translated
/// (on a terminal, without `--quiet`).
const LARGE_MODULE: usize = 1 << 20;

/// The export a WASI command starts at.
const WASI_START: &str = "_start";

/// Builds (when needed) and translates a WebAssembly-based input.
pub fn module_of(path: &Path, kind: InputKind, options: &BuildOptions) -> Result<Module> {
    let wasm = wasm_of(path, kind, options)?;
    translate_wasm(&wasm, options).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Builds (when needed) and translates a WebAssembly-based input, also reading the
/// source-level variables of its DWARF (for the debugger; `None` without DWARF).
pub fn module_and_variables_of(
    path: &Path,
    kind: InputKind,
    options: &BuildOptions,
) -> Result<(Module, Option<Variables>)> {
    let wasm = wasm_of(path, kind, options)?;
    translate(&wasm, options, true).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Translates `wasm`; a module exporting `_start` (a WASI command) runs it from the entry.
pub fn translate_wasm(wasm: &[u8], options: &BuildOptions) -> Result<Module, TranslateError> {
    translate(wasm, options, false).map(|(module, _)| module)
}

/// Translates `wasm`, with its variables when `with_variables`.
fn translate(
    wasm: &[u8],
    options: &BuildOptions,
    with_variables: bool,
) -> Result<(Module, Option<Variables>), TranslateError> {
    let translate_options = TranslateOptions {
        arch: options.arch,
        opt_level: options.opt_level,
        debug_names: options.debug,
        entry_export: exports_function(wasm, WASI_START).then(|| WASI_START.to_string()),
    };
    let progress = Progress::new(
        "translating",
        None,
        "functions",
        wasm.len() >= LARGE_MODULE && !options.quiet,
    );
    let mut report = |done: usize, total: usize| {
        if done == 1 {
            // The total is known once the function bodies are read.
            progress.set_total(total as u64);
        }
        progress.set(done as u64);
    };
    let translated = if with_variables {
        translate_with_variables(wasm, &translate_options, &mut report)
    } else {
        translate_with_progress(wasm, &translate_options, &mut report).map(|m| (m, None))
    };
    progress.finish();
    translated
}

/// True when `wasm` exports a function named `name` (false for bytes that do not parse;
/// the translator reports those).
fn exports_function(wasm: &[u8], name: &str) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(wasmparser::Payload::ExportSection(exports)) = payload else {
            continue;
        };
        return exports
            .into_iter()
            .flatten()
            .any(|export| export.name == name && export.kind == wasmparser::ExternalKind::Func);
    }
    false
}
