//! Modules: a program read from bytecode, WebAssembly (binary or text) or assembly text,
//! verified once and shared cheaply between stores and threads.

use crate::config::Engine;
use crate::error::Error;
use crate::signing::{TrustedKey, check_trusted};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::{MAGIC, read_module};
use dotvm_core::module::{FuncType, SigType};
use dotvm_core::{Arch, Verified};
use dotvm_vm::LoadedModule;
use dotvm_wasm::{HostImport, ImportResolver, TranslateOptions, host_import, translate_with};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The export a WASI command starts at: a module exporting it runs it from its entry point.
const WASI_START: &str = "_start";

/// A verified program, ready to run in any number of stores. Cloning is cheap (an
/// [`Arc`]); a module is `Send + Sync`, so one module can run on many threads at once.
///
/// ```
/// use dotvm::{Engine, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_assembly(&engine, r#"
///     .pool hi str "hi\n"
///     .func main
///         PUSH_CONST hi
///         SYSCALL print_bytes
///         HALT
///     .end
/// "#)?;
/// let mut store = Store::new(&engine);
/// let outcome = module.run(&mut store)?;
/// assert_eq!(outcome.exit_code, 0);
/// assert_eq!(store.stdout(), b"hi\n");
/// # Ok::<(), dotvm::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Module {
    inner: Arc<Inner>,
}

/// What a module shares between its clones.
#[derive(Debug)]
struct Inner {
    engine: Engine,
    /// The verified module in the engine's executable form, loaded once for every run.
    loaded: LoadedModule,
    /// Whether runs use the state store: the code has database opcodes, or imports host
    /// functions (which reach the state through [`crate::Caller::state`]).
    uses_state: bool,
    /// The trusted key that signed the module, when the engine requires signatures.
    signer: Option<TrustedKey>,
}

impl Module {
    /// Reads a module from bytes of any supported kind: DotVM bytecode (starts with
    /// `DOTV`), WebAssembly binary (starts with `\0asm`), otherwise UTF-8 text that is
    /// WebAssembly text when it starts with `(` and DotVM assembly otherwise.
    ///
    /// ```
    /// let engine = dotvm::Engine::default();
    /// let module = dotvm::Module::new(&engine, "(module (func (export \"one\") (result i32) i32.const 1))")?;
    /// assert_eq!(module.exports().collect::<Vec<_>>(), ["one"]);
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(&MAGIC) {
            return Module::from_bytecode(engine, bytes);
        }
        if bytes.starts_with(b"\0asm") {
            return Module::from_wasm(engine, bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Error::InvalidModule(
                "neither bytecode, WebAssembly nor UTF-8 text (assembly or WAT)".into(),
            )
        })?;
        if text.trim_start().starts_with('(') {
            Module::from_wat(engine, text)
        } else {
            Module::from_assembly(engine, text)
        }
    }

    /// Reads a file by its extension: `.wasm`, `.wat`, `.dasm` (assembly), anything else
    /// as bytecode.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
        let in_file = |error: Error| match error {
            Error::InvalidModule(message) => {
                Error::InvalidModule(format!("{}: {message}", path.display()))
            }
            other => other,
        };
        let text = || {
            String::from_utf8(bytes.clone())
                .map_err(|_| Error::InvalidModule(format!("{}: not UTF-8 text", path.display())))
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => Module::from_wasm(engine, &bytes),
            Some("wat") => Module::from_wat(engine, &text()?),
            Some("dasm") => Module::from_assembly(engine, &text()?),
            _ => Module::from_bytecode(engine, &bytes),
        }
        .map_err(in_file)
    }

    /// Reads DotVM bytecode (as `dotvm asm` and `dotvm transpile` write it). Its header
    /// names the architecture, which must be the engine's.
    pub fn from_bytecode(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        let module = read_module(bytes)
            .map_err(|e| Error::InvalidModule(format!("invalid bytecode: {e}")))?;
        let wanted = engine.config().architecture();
        if module.arch != wanted {
            return Err(Error::InvalidModule(format!(
                "the bytecode is built for {} but the engine is configured for {wanted}",
                module.arch
            )));
        }
        Module::from_module(engine, module)
    }

    /// Assembles DotVM assembly text for the engine's architecture (overriding any
    /// `.arch` directive).
    pub fn from_assembly(engine: &Engine, text: &str) -> Result<Module, Error> {
        let options = AsmOptions {
            arch: Some(engine.config().architecture()),
            ..AsmOptions::default()
        };
        let module = assemble(text, "assembly", &options)
            .map_err(|e| Error::InvalidModule(e.to_string()))?;
        Module::from_module(engine, module)
    }

    /// Translates WebAssembly text.
    pub fn from_wat(engine: &Engine, text: &str) -> Result<Module, Error> {
        let wasm = wat::parse_str(text)
            .map_err(|e| Error::InvalidModule(format!("invalid WebAssembly text: {e}")))?;
        Module::from_wasm(engine, &wasm)
    }

    /// Translates a WebAssembly binary. WASI preview1 imports become DotVM system calls,
    /// `dotvm` imports native instructions; every other function import stays an import
    /// that a [`crate::Linker`] provides. A module exporting `_start` (a WASI command) runs
    /// it from its entry point.
    pub fn from_wasm(engine: &Engine, wasm: &[u8]) -> Result<Module, Error> {
        let invalid =
            |e: &dyn std::fmt::Display| Error::InvalidModule(format!("invalid WebAssembly: {e}"));
        let imports = HostImports::read(wasm).map_err(|e| invalid(&e))?;
        let options = TranslateOptions {
            arch: engine.config().architecture(),
            opt_level: engine.config().optimization_level(),
            debug_names: true,
            entry_export: imports.start.then(|| WASI_START.to_string()),
        };
        let translation = translate_with(wasm, &options, &imports).map_err(|e| invalid(&e))?;
        Module::from_module(engine, translation.module)
    }

    /// Verifies a module built in memory (for example by `dotvm_core`'s assembler or
    /// `dotvm_wasm`'s translator, or read with `dotvm_core::format::read_module`, which
    /// keeps the signature). When the engine requires signed modules, the signature is
    /// checked first ([`Error::Signature`]).
    pub fn from_module(engine: &Engine, module: dotvm_core::Module) -> Result<Module, Error> {
        let signer = match engine.config().trusted_keys() {
            Some(trusted) => Some(
                check_trusted(&module, trusted)
                    .map_err(Error::Signature)?
                    .clone(),
            ),
            None => None,
        };
        let verified = Verified::new(module)
            .map_err(|e| Error::InvalidModule(format!("verification failed: {e}")))?;
        let uses_state =
            dotvm_state::uses_state(verified.module()) || !verified.module().imports.is_empty();
        let loaded = LoadedModule::load_shared(Arc::new(verified))
            .map_err(|e| Error::InvalidModule(format!("cannot load: {e}")))?;
        Ok(Module {
            inner: Arc::new(Inner {
                engine: engine.clone(),
                uses_state,
                loaded,
                signer,
            }),
        })
    }

    /// The trusted key that signed the module, when its engine requires signed modules
    /// ([`crate::Config::require_signed`]); `None` otherwise.
    pub fn signer(&self) -> Option<&TrustedKey> {
        self.inner.signer.as_ref()
    }

    /// The engine the module was built with.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The verified module, for the lower-level `dotvm_vm` API.
    pub fn verified(&self) -> &Verified {
        self.inner.loaded.verified()
    }

    /// The module in the engine's executable form, loaded when the module was made.
    pub(crate) fn loaded(&self) -> &LoadedModule {
        &self.inner.loaded
    }

    /// True when the module's runs use the store's state store: it has database opcodes
    /// (denied without a state store), or imports host functions, which reach the state
    /// through [`crate::Caller::state`]. Each such run or call is one transaction.
    pub fn uses_state(&self) -> bool {
        self.inner.uses_state
    }

    /// The module's architecture.
    pub fn arch(&self) -> Arch {
        self.inner.loaded.module().arch
    }

    /// The names of the exported functions.
    pub fn exports(&self) -> impl Iterator<Item = &str> {
        self.inner
            .loaded
            .module()
            .exports
            .iter()
            .map(|e| e.name.as_str())
    }

    /// The host functions the module imports, as `(module, name)`.
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .loaded
            .module()
            .imports
            .iter()
            .map(|i| (i.module.as_str(), i.name.as_str()))
    }

    /// The type of function `func` (a function without a declared type takes and returns
    /// whole words).
    pub(crate) fn func_type(&self, func: u32) -> Option<FuncType> {
        let module = self.inner.loaded.module();
        let function = module.functions.get(func as usize)?;
        Some(match function.ty {
            Some(ty) => module.types.get(ty as usize)?.clone(),
            None => FuncType {
                params: vec![SigType::W; function.params as usize],
                results: vec![SigType::W; function.results as usize],
            },
        })
    }

    /// The function index of export `name`.
    pub(crate) fn export(&self, name: &str) -> Option<u32> {
        let module = self.inner.loaded.module();
        module
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.func)
    }
}

/// The imports of a wasm module that stay host functions, with their types, and whether
/// it exports `_start`.
struct HostImports {
    functions: HashMap<(String, String), FuncType>,
    start: bool,
}

impl HostImports {
    /// Reads the type, import and export sections.
    fn read(wasm: &[u8]) -> Result<HostImports, wasmparser::BinaryReaderError> {
        use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef};
        let mut types = Vec::new();
        let mut imports = HostImports {
            functions: HashMap::new(),
            start: false,
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub in group?.into_types() {
                            types.push(match sub.composite_type.inner {
                                CompositeInnerType::Func(f) => Some(FuncType {
                                    params: f.params().iter().map(|&t| sig_type(t)).collect(),
                                    results: f.results().iter().map(|&t| sig_type(t)).collect(),
                                }),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        if let TypeRef::Func(ty) | TypeRef::FuncExact(ty) = import.ty
                            && let Some(Some(ty)) = types.get(ty as usize)
                        {
                            let key = (import.module.to_string(), import.name.to_string());
                            imports.functions.insert(key, ty.clone());
                        }
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        imports.start |=
                            export.name == WASI_START && export.kind == ExternalKind::Func;
                    }
                }
                _ => {}
            }
        }
        Ok(imports)
    }
}

impl ImportResolver for HostImports {
    fn resolve(&self, module: &str, name: &str) -> Option<HostImport> {
        host_import(module, name).or_else(|| {
            let ty = self
                .functions
                .get(&(module.to_string(), name.to_string()))?;
            Some(HostImport::Function {
                params: ty.params.clone(),
                results: ty.results.clone(),
            })
        })
    }
}

/// The signature type of a wasm value type.
fn sig_type(ty: wasmparser::ValType) -> SigType {
    match ty {
        wasmparser::ValType::I32 => SigType::I32,
        wasmparser::ValType::I64 => SigType::I64,
        wasmparser::ValType::F32 => SigType::F32,
        wasmparser::ValType::F64 => SigType::F64,
        wasmparser::ValType::V128 => SigType::V128,
        wasmparser::ValType::Ref(r) if r.is_func_ref() => SigType::FuncRef,
        _ => SigType::ExternRef,
    }
}
