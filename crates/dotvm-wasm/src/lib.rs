//! WebAssembly → DotVM: validates a wasm module with `wasmparser` and translates every
//! function to verified DotVM bytecode.
//!
//! The translated module keeps wasm's index spaces: DotVM function `i` is wasm function `i`
//! (imported functions become small stubs), wasm type `t` is DotVM type `t`, tables, element
//! and data segments keep their indices. One extra function, the *initializer*, is appended
//! and made the entry point: it fills the tables from the active element segments, copies
//! the active data segments that could not be placed statically, runs the start function
//! and finally (when [`TranslateOptions::entry_export`] names one) calls an exported
//! function such as WASI's `_start`.
//!
//! Values live in word slots as the ISA's typed instructions expect: i32/f32 bits
//! zero-extended in one slot, i64/f64 in one slot (two on Arch32, low half deeper),
//! references as 0 (null) or function index + 1.

mod assemble;
mod debuginfo;
mod error;
mod imports;
mod init;
mod ir;
mod lower;
mod module_info;
mod native;
mod numeric;
mod optimize;
pub mod variables;

pub use debuginfo::demangle;
pub use error::TranslateError;
pub use imports::{
    HostImport, ImportResolver, NATIVE_MODULE, NativeOp, WASI_MODULE, WasiImports, host_import,
};
pub use module_info::{ExportKind, WasmExport, import_names};

use module_info::Base;

use dotvm_core::Arch;
use dotvm_core::module::{Module, SigType};

/// How to translate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateOptions {
    /// The word size of the produced module.
    pub arch: Arch,
    /// 0: translate only; 1: dead-code removal, jump threading, constant folding and
    /// peephole fusion; 2: also generic word operations where they are exact; 3: the passes
    /// repeated until nothing changes.
    pub opt_level: u8,
    /// Keep function names from the wasm name section (demangled) in the debug section,
    /// and the source map read from the module's DWARF line tables when it has them.
    pub debug_names: bool,
    /// An exported function the initializer calls last (for WASI commands: `_start`).
    pub entry_export: Option<String>,
}

impl Default for TranslateOptions {
    fn default() -> Self {
        TranslateOptions {
            arch: Arch::Arch64,
            opt_level: 0,
            debug_names: false,
            entry_export: None,
        }
    }
}

/// A translated module and what an embedder needs to use it like the wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The DotVM module; its entry function is the initializer.
    pub module: Module,
    /// Every wasm export, with what it refers to in the DotVM module.
    pub exports: Vec<WasmExport>,
    /// For each wasm global: the DotVM global holding its low (or only) slot, and its type.
    pub globals: Vec<(u32, SigType)>,
    /// For each wasm function: its parameter and result types.
    pub signatures: Vec<(Vec<SigType>, Vec<SigType>)>,
    /// For each wasm function: its DotVM function (an import stub for imported functions,
    /// or the base module's function a linked import names).
    pub functions: Vec<u32>,
    /// For each wasm table: its DotVM table.
    pub tables: Vec<u32>,
    /// The source-level variables read from the DWARF, when asked for
    /// ([`translate_with_variables`]) and the module has them.
    pub variables: Option<variables::Variables>,
}

/// Translates `wasm` (binary) with the WASI imports of [`WasiImports`].
pub fn translate(wasm: &[u8], options: &TranslateOptions) -> Result<Module, TranslateError> {
    translate_with(wasm, options, &WasiImports).map(|t| t.module)
}

/// Translates `wasm` (binary), resolving imports with `imports`.
pub fn translate_with(
    wasm: &[u8],
    options: &TranslateOptions,
    imports: &dyn ImportResolver,
) -> Result<Translation, TranslateError> {
    let info = module_info::read(wasm, imports, options.arch, Base::default())?;
    assemble::translate_module(info, options, None, false, &mut |_, _| {})
}

/// [`translate_with_progress`], also reading the source-level variables from the
/// module's DWARF (see [`variables`]) when [`TranslateOptions::debug_names`] is set and the
/// module has line tables and `.debug_info`; for a debugger.
pub fn translate_with_variables(
    wasm: &[u8],
    options: &TranslateOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Module, Option<variables::Variables>), TranslateError> {
    let info = module_info::read(wasm, &WasiImports, options.arch, Base::default())?;
    assemble::translate_module(info, options, None, true, progress).map(|t| (t.module, t.variables))
}

/// [`translate`], telling `progress` `(functions translated, functions in all)` after
/// each function body (for a progress bar over large modules).
pub fn translate_with_progress(
    wasm: &[u8],
    options: &TranslateOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Module, TranslateError> {
    let info = module_info::read(wasm, &WasiImports, options.arch, Base::default())?;
    assemble::translate_module(info, options, None, false, progress).map(|t| t.module)
}

/// Translates `wasm` into a module that extends `base` (the DotVM module of earlier,
/// already running wasm modules): every item of `base` keeps its index, the new module's
/// items are appended, and imports that `imports` resolves as `HostImport::Linked*` refer
/// to the base's functions, globals, tables and memory directly, so the modules share them.
/// The result's entry point is the new module's initializer.
pub fn translate_linked(
    wasm: &[u8],
    options: &TranslateOptions,
    imports: &dyn ImportResolver,
    base: &Module,
) -> Result<Translation, TranslateError> {
    if base.arch != options.arch {
        return Err(TranslateError::Unsupported {
            location: "module".into(),
            offset: 0,
            message: format!(
                "linking an {} module into an {} module",
                options.arch, base.arch
            ),
        });
    }
    let counts = Base {
        functions: base.functions.len() as u32,
        globals: base.globals.len() as u32,
        tables: base.tables.len() as u32,
        types: base.types.len() as u32,
        elements: base.elements.len() as u32,
        data: base.data.len() as u32,
        imports: base.imports.len() as u32,
        has_memory: base.memory != dotvm_core::module::Memory::default(),
    };
    let info = module_info::read(wasm, imports, options.arch, counts)?;
    assemble::translate_module(info, options, Some(base), false, &mut |_, _| {})
}
