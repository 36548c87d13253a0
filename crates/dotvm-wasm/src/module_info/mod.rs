//! Reading and validating a wasm module: everything outside function bodies, with imports
//! resolved and constant expressions evaluated. This is the only module that walks
//! `wasmparser`'s module-level payloads.

mod import;

pub use import::import_names;
use import::read_import;

use crate::error::TranslateError;
use crate::imports::ImportResolver;
use crate::native::NativeOp;
use dotvm_core::Arch;
use dotvm_core::isa::ValType as SlotType;
use dotvm_core::module::{RefKind, SigType};
use dotvm_core::syscall::Syscall;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FuncToValidate, FuncType,
    FunctionBody, Name, Operator, Parser, Payload, RefType, ValType, Validator, ValidatorResources,
    WasmFeatures,
};

/// What a wasm export refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// A function (the DotVM function of the same index).
    Func,
    /// A table (the DotVM table of the same index).
    Table,
    /// The memory.
    Memory,
    /// A global (its wasm index; see [`crate::Translation::globals`]).
    Global,
}

/// One export of the wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmExport {
    /// Export name.
    pub name: String,
    /// What kind of thing it is.
    pub kind: ExportKind,
    /// Its index in its wasm index space.
    pub index: u32,
}

/// How an imported function is provided.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FuncImport {
    Syscall(Syscall),
    /// A stub running one native instruction.
    Native(NativeOp),
    Discard,
    /// Host import number `n` of the DotVM module.
    Host(u32),
    /// Function `n` of the base module the translation is linked into.
    Linked(u32),
}

/// Sizes of the index spaces of the module a translation is linked into (all zero for a
/// translation on its own); the new module's items are appended after them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Base {
    pub(crate) functions: u32,
    pub(crate) globals: u32,
    pub(crate) tables: u32,
    pub(crate) types: u32,
    pub(crate) elements: u32,
    pub(crate) data: u32,
    pub(crate) imports: u32,
    pub(crate) has_memory: bool,
}

/// A table of the module (defined or imported).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableDef {
    pub(crate) kind: RefKind,
    pub(crate) initial: u32,
    pub(crate) max: Option<u32>,
    /// A table of the base module (no new DotVM table).
    pub(crate) linked: bool,
}

/// The module's memory (defined or imported).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemoryDef {
    pub(crate) initial: u32,
    pub(crate) max: Option<u32>,
    pub(crate) imported: bool,
    /// The base module's memory (the module keeps it).
    pub(crate) linked: bool,
}

/// A global: its type, mutability and initial bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GlobalDef {
    pub(crate) ty: ValType,
    pub(crate) mutable: bool,
    /// The initial value's bits (a v128 uses all 128).
    pub(crate) init: u128,
    /// A global of the base module (no new DotVM global).
    pub(crate) linked: bool,
}

/// Where a segment goes at instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentMode {
    Passive,
    Active { index: u32, offset: u32 },
    Declared,
}

/// An element segment with its items evaluated (0 = null, `f + 1` = function `f`).
#[derive(Debug, Clone)]
pub(crate) struct ElemDef {
    pub(crate) kind: RefKind,
    pub(crate) items: Vec<u32>,
    pub(crate) mode: SegmentMode,
}

/// A data segment.
#[derive(Debug, Clone)]
pub(crate) struct DataDef<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) mode: SegmentMode,
}

/// A function body waiting for translation, with its validator.
pub(crate) struct Body<'a> {
    pub(crate) validator: FuncToValidate<ValidatorResources>,
    pub(crate) body: FunctionBody<'a>,
}

/// Everything about the module except the function bodies' code.
pub(crate) struct ModuleInfo<'a> {
    pub(crate) types: Vec<FuncType>,
    /// Type index of every function, imports first.
    pub(crate) funcs: Vec<u32>,
    pub(crate) imported_funcs: Vec<FuncImport>,
    /// `(module, name, type)` of each function left to the embedder.
    pub(crate) host_imports: Vec<(String, String, u32)>,
    pub(crate) tables: Vec<TableDef>,
    pub(crate) memory: Option<MemoryDef>,
    pub(crate) globals: Vec<GlobalDef>,
    pub(crate) imported_globals: usize,
    pub(crate) exports: Vec<WasmExport>,
    pub(crate) start: Option<u32>,
    pub(crate) elements: Vec<ElemDef>,
    pub(crate) data: Vec<DataDef<'a>>,
    pub(crate) names: Vec<(u32, String)>,
    /// The DWARF custom sections (`.debug_*`) by name.
    pub(crate) dwarf: std::collections::HashMap<&'a str, &'a [u8]>,
    /// File offset of the code section's contents (DWARF addresses count from there).
    pub(crate) code_start: u64,
    pub(crate) bodies: Vec<Body<'a>>,
    /// The word size (global slots depend on it).
    pub(crate) arch: Arch,
    /// The module this one is linked into.
    pub(crate) base: Base,
    /// The DotVM function of each wasm function.
    pub(crate) func_map: Vec<u32>,
    /// The first DotVM global of each wasm global.
    pub(crate) global_map: Vec<u32>,
    /// The DotVM table of each wasm table.
    pub(crate) table_map: Vec<u32>,
    /// DotVM functions, globals and tables created so far.
    next: (u32, u32, u32),
}

impl ModuleInfo<'_> {
    /// Records wasm function `f` (imports first): linked to `linked`, or a new DotVM function.
    fn add_func(&mut self, ty: u32, linked: Option<u32>) {
        self.funcs.push(ty);
        let index = linked.unwrap_or_else(|| {
            self.next.0 += 1;
            self.base.functions + self.next.0 - 1
        });
        self.func_map.push(index);
    }

    /// Records a wasm global: linked to `linked`, or new DotVM globals.
    fn add_global(&mut self, def: GlobalDef, linked: Option<u32>) {
        let index = linked.unwrap_or_else(|| {
            let first = self.base.globals + self.next.1;
            self.next.1 += slot_type(def.ty).slots(self.arch);
            first
        });
        self.global_map.push(index);
        self.globals.push(def);
    }

    /// Records a wasm table: linked to `linked`, or a new DotVM table.
    fn add_table(&mut self, def: TableDef, linked: Option<u32>) {
        let index = linked.unwrap_or_else(|| {
            self.next.2 += 1;
            self.base.tables + self.next.2 - 1
        });
        self.table_map.push(index);
        self.tables.push(def);
    }

    /// The DotVM type of wasm type `t`.
    pub(crate) fn ty(&self, t: u32) -> u32 {
        self.base.types + t
    }

    /// The DotVM element segment of wasm segment `e`.
    pub(crate) fn elem(&self, e: u32) -> u32 {
        self.base.elements + e
    }

    /// The DotVM passive data segment of wasm segment `d`.
    pub(crate) fn data(&self, d: u32) -> u32 {
        self.base.data + d
    }

    /// The DotVM table of wasm table `t`.
    pub(crate) fn table(&self, t: u32) -> u32 {
        self.table_map[t as usize]
    }

    /// The DotVM function of wasm function `f`.
    pub(crate) fn func(&self, f: u32) -> u32 {
        self.func_map[f as usize]
    }

    /// The DotVM reference to wasm function `f`.
    fn func_ref(&self, f: u32) -> u64 {
        u64::from(self.func_map.get(f as usize).copied().unwrap_or(f)) + 1
    }
}

/// The wasm features DotVM accepts: WebAssembly 2.0 (simd128 included, relaxed SIMD not).
fn features() -> WasmFeatures {
    WasmFeatures::WASM2
}

/// The signature type of a wasm value type.
pub(crate) fn sig_type(ty: ValType) -> SigType {
    match ty {
        ValType::I32 => SigType::I32,
        ValType::I64 => SigType::I64,
        ValType::F32 => SigType::F32,
        ValType::F64 => SigType::F64,
        ValType::V128 => SigType::V128,
        ValType::Ref(r) if r.is_func_ref() => SigType::FuncRef,
        _ => SigType::ExternRef,
    }
}

/// The stack type of a wasm value type (references are words).
pub(crate) fn slot_type(ty: ValType) -> SlotType {
    sig_type(ty).val_type()
}

/// What a table holds.
fn ref_kind(ty: RefType) -> RefKind {
    if ty.is_func_ref() {
        RefKind::Func
    } else {
        RefKind::Extern
    }
}

/// Reads and validates `wasm`, resolving imports with `resolver`.
pub(crate) fn read<'a>(
    wasm: &'a [u8],
    resolver: &dyn ImportResolver,
    arch: Arch,
    base: Base,
) -> Result<ModuleInfo<'a>, TranslateError> {
    let mut validator = Validator::new_with_features(features());
    let mut info = ModuleInfo {
        types: Vec::new(),
        funcs: Vec::new(),
        imported_funcs: Vec::new(),
        host_imports: Vec::new(),
        tables: Vec::new(),
        memory: None,
        globals: Vec::new(),
        imported_globals: 0,
        exports: Vec::new(),
        start: None,
        elements: Vec::new(),
        data: Vec::new(),
        names: Vec::new(),
        dwarf: std::collections::HashMap::new(),
        code_start: 0,
        bodies: Vec::new(),
        arch,
        base,
        func_map: Vec::new(),
        global_map: Vec::new(),
        table_map: Vec::new(),
        next: (0, 0, 0),
    };
    let mut missing = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload)? {
            info.bodies.push(Body {
                validator: func,
                body,
            });
        }
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        match sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => info.types.push(f),
                            _ => return Err(unsupported(0, "non-function types")),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import?;
                    read_import(&mut info, resolver, &import, offset, &mut missing)?;
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    info.add_func(ty?, None);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    if !matches!(table.init, wasmparser::TableInit::RefNull) {
                        return Err(unsupported(0, "table initializer expressions"));
                    }
                    let ty = table.ty;
                    let def = TableDef {
                        kind: ref_kind(ty.element_type),
                        initial: ty.initial as u32,
                        max: ty.maximum.map(|m| m as u32),
                        linked: false,
                    };
                    info.add_table(def, None);
                }
            }
            Payload::MemorySection(reader) => {
                let range = reader.range();
                let bytes = wasm
                    .get(range.start as usize..range.end as usize)
                    .unwrap_or_default();
                check_memory_limits(bytes, range.start)?;
                for memory in reader {
                    let memory = memory?;
                    info.memory = Some(MemoryDef {
                        initial: memory.initial as u32,
                        max: memory.maximum.map(|m| m as u32),
                        imported: false,
                        linked: false,
                    });
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    let init = eval(&info, &global.init_expr)?;
                    let def = GlobalDef {
                        ty: global.ty.content_type,
                        mutable: global.ty.mutable,
                        init,
                        linked: false,
                    };
                    info.add_global(def, None);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => return Err(unsupported(0, "tags")),
                    };
                    info.exports.push(WasmExport {
                        name: export.name.to_string(),
                        kind,
                        index: export.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = element?;
                    let mode = match element.kind {
                        ElementKind::Passive => SegmentMode::Passive,
                        ElementKind::Declared => SegmentMode::Declared,
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: eval(&info, &offset_expr)? as u32,
                        },
                    };
                    let (kind, items) = match element.items {
                        ElementItems::Functions(reader) => {
                            let mut items = Vec::new();
                            for f in reader {
                                items.push(info.func_ref(f?) as u32);
                            }
                            (RefKind::Func, items)
                        }
                        ElementItems::Expressions(ty, reader) => {
                            let mut items = Vec::new();
                            for expr in reader {
                                items.push(eval(&info, &expr?)? as u32);
                            }
                            (ref_kind(ty), items)
                        }
                    };
                    info.elements.push(ElemDef { kind, items, mode });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        DataKind::Passive => SegmentMode::Passive,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: memory_index,
                            offset: eval(&info, &offset_expr)? as u32,
                        },
                    };
                    info.data.push(DataDef {
                        bytes: data.data,
                        mode,
                    });
                }
            }
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => info.code_start = unchecked_range.start,
            Payload::CustomSection(section) if section.name().starts_with(".debug_") => {
                info.dwarf.insert(section.name(), section.data());
            }
            Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                    // A malformed name section is ignored, as the spec requires.
                    for name in reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            for naming in map.into_iter().flatten() {
                                info.names.push((naming.index, naming.name.to_string()));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !missing.is_empty() {
        return Err(TranslateError::UnresolvedImports(missing));
    }
    Ok(info)
}

/// Rejects 32-bit memory limits encoded in more than five LEB128 bytes, which `wasmparser`
/// (reading them as 64-bit numbers) lets through.
fn check_memory_limits(section: &[u8], start: u64) -> Result<(), TranslateError> {
    let mut pos = 0usize;
    // Reads one LEB128 number and returns its encoded length.
    let leb = |pos: &mut usize| -> Option<usize> {
        let begin = *pos;
        loop {
            let byte = *section.get(*pos)?;
            *pos += 1;
            if byte & 0x80 == 0 {
                return Some(*pos - begin);
            }
        }
    };
    let Some(_) = leb(&mut pos) else {
        return Ok(());
    };
    while pos < section.len() {
        let flags = section[pos];
        pos += 1;
        let fields = if flags & 1 != 0 { 2 } else { 1 };
        for _ in 0..fields {
            let at = pos;
            let Some(len) = leb(&mut pos) else {
                return Ok(());
            };
            if flags & 0x04 == 0 && len > 5 {
                return Err(TranslateError::Invalid {
                    message: "integer representation too long".into(),
                    offset: start + at as u64,
                    function: None,
                });
            }
        }
    }
    Ok(())
}

/// The error for a wasm feature DotVM does not implement.
fn unsupported(offset: u64, what: &str) -> TranslateError {
    TranslateError::Unsupported {
        location: "module".into(),
        offset,
        message: format!("{what} are not supported"),
    }
}

/// Evaluates a constant expression to the bits of its value (references as 0 or f + 1).
fn eval(info: &ModuleInfo<'_>, expr: &ConstExpr<'_>) -> Result<u128, TranslateError> {
    let mut reader = expr.get_operators_reader();
    let mut value = 0u128;
    loop {
        match reader.read()? {
            Operator::I32Const { value: v } => value = u128::from(v as u32),
            Operator::I64Const { value: v } => value = u128::from(v as u64),
            Operator::F32Const { value: v } => value = u128::from(v.bits()),
            Operator::F64Const { value: v } => value = u128::from(v.bits()),
            Operator::V128Const { value: v } => value = u128::from_le_bytes(*v.bytes()),
            Operator::RefNull { .. } => value = 0,
            Operator::RefFunc { function_index } => {
                value = u128::from(info.func_ref(function_index))
            }
            Operator::GlobalGet { global_index } => {
                value = info
                    .globals
                    .get(global_index as usize)
                    .map(|g| g.init)
                    .ok_or_else(|| {
                        unsupported(reader.original_position(), "forward global references")
                    })?;
            }
            Operator::End => return Ok(value),
            _ => {
                return Err(unsupported(
                    reader.original_position(),
                    "extended constant expressions",
                ));
            }
        }
    }
}
