//! Reading and validating a wasm module: everything outside function bodies, with imports
//! resolved and constant expressions evaluated. This is the only module that walks
//! `wasmparser`'s module-level payloads.

use crate::error::TranslateError;
use crate::imports::{HostImport, ImportResolver};
use dotvm_core::isa::ValType as SlotType;
use dotvm_core::module::{RefKind, SigType};
use dotvm_core::syscall::Syscall;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FuncToValidate, FuncType,
    FunctionBody, Name, Operator, Parser, Payload, RefType, TypeRef, ValType, Validator,
    ValidatorResources, WasmFeatures,
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
    Discard,
    /// Host import number `n` of the DotVM module.
    Host(u32),
}

/// A table of the module (defined or imported).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableDef {
    pub(crate) kind: RefKind,
    pub(crate) initial: u32,
    pub(crate) max: Option<u32>,
}

/// The module's memory (defined or imported).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemoryDef {
    pub(crate) initial: u32,
    pub(crate) max: Option<u32>,
    pub(crate) imported: bool,
}

/// A global: its type, mutability and initial bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GlobalDef {
    pub(crate) ty: ValType,
    pub(crate) mutable: bool,
    pub(crate) init: u64,
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
    pub(crate) bodies: Vec<Body<'a>>,
}

/// The wasm features DotVM accepts: WebAssembly 2.0 without SIMD.
fn features() -> WasmFeatures {
    WasmFeatures::WASM2.difference(WasmFeatures::SIMD)
}

/// The signature type of a wasm value type.
pub(crate) fn sig_type(ty: ValType) -> SigType {
    match ty {
        ValType::I32 => SigType::I32,
        ValType::I64 => SigType::I64,
        ValType::F32 => SigType::F32,
        ValType::F64 => SigType::F64,
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
        bodies: Vec::new(),
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
                    info.funcs.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    if !matches!(table.init, wasmparser::TableInit::RefNull) {
                        return Err(unsupported(0, "table initializer expressions"));
                    }
                    let ty = table.ty;
                    info.tables.push(TableDef {
                        kind: ref_kind(ty.element_type),
                        initial: ty.initial as u32,
                        max: ty.maximum.map(|m| m as u32),
                    });
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
                    });
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    let init = eval(&info, &global.init_expr)?;
                    info.globals.push(GlobalDef {
                        ty: global.ty.content_type,
                        mutable: global.ty.mutable,
                        init,
                    });
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
                                items.push(f? + 1);
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

/// Records one import, or notes it as missing.
fn read_import(
    info: &mut ModuleInfo<'_>,
    resolver: &dyn ImportResolver,
    import: &wasmparser::Import<'_>,
    offset: u64,
    missing: &mut Vec<String>,
) -> Result<(), TranslateError> {
    let label = format!("{}.{}", import.module, import.name);
    let incompatible = |message: String| TranslateError::IncompatibleImport {
        import: label.clone(),
        message,
    };
    let provided = resolver.resolve(import.module, import.name);
    match (import.ty, provided) {
        (TypeRef::Func(ty) | TypeRef::FuncExact(ty), provided) => {
            info.funcs.push(ty);
            let sig = info
                .types
                .get(ty as usize)
                .ok_or_else(|| unsupported(offset, "function imports of unknown type"))?;
            let how = match provided {
                None => {
                    missing.push(label);
                    FuncImport::Discard
                }
                Some(HostImport::Syscall(call)) => {
                    let params: Vec<SlotType> =
                        sig.params().iter().map(|&t| slot_type(t)).collect();
                    let results: Vec<SlotType> =
                        sig.results().iter().map(|&t| slot_type(t)).collect();
                    if params != call.params() || results != call.results() {
                        return Err(incompatible(format!(
                            "system call {} has another signature than {sig}",
                            call.name()
                        )));
                    }
                    FuncImport::Syscall(call)
                }
                Some(HostImport::Function { params, results })
                    if sig
                        .params()
                        .iter()
                        .map(|&p| sig_type(p))
                        .eq(params.iter().copied())
                        && sig
                            .results()
                            .iter()
                            .map(|&r| sig_type(r))
                            .eq(results.iter().copied()) =>
                {
                    info.host_imports.push((
                        import.module.to_string(),
                        import.name.to_string(),
                        ty,
                    ));
                    FuncImport::Host(info.host_imports.len() as u32 - 1)
                }
                Some(HostImport::Discard { params })
                    if sig.results().is_empty()
                        && sig
                            .params()
                            .iter()
                            .map(|&p| sig_type(p))
                            .eq(params.iter().copied()) =>
                {
                    FuncImport::Discard
                }
                Some(_) => return Err(incompatible(format!("not a function of type {sig}"))),
            };
            info.imported_funcs.push(how);
        }
        (TypeRef::Global(ty), provided) => {
            let init = match provided {
                None => {
                    missing.push(label);
                    0
                }
                Some(HostImport::Global { ty: got, bits })
                    if got == sig_type(ty.content_type) && !ty.mutable =>
                {
                    bits
                }
                Some(_) => {
                    return Err(incompatible(format!(
                        "not an immutable global of type {}",
                        ty.content_type
                    )));
                }
            };
            info.globals.push(GlobalDef {
                ty: ty.content_type,
                mutable: false,
                init,
            });
            info.imported_globals += 1;
        }
        (TypeRef::Memory(ty), provided) => match provided {
            None => missing.push(label),
            Some(HostImport::Memory { initial, max }) => {
                if !limits_match(initial.into(), max.map(u64::from), ty.initial, ty.maximum) {
                    return Err(incompatible("memory limits do not match".into()));
                }
                info.memory = Some(MemoryDef {
                    initial,
                    max,
                    imported: true,
                });
            }
            Some(_) => return Err(incompatible("not a memory".into())),
        },
        (TypeRef::Table(ty), provided) => match provided {
            None => missing.push(label),
            Some(HostImport::Table { kind, initial, max }) => {
                if kind != ref_kind(ty.element_type)
                    || !limits_match(initial.into(), max.map(u64::from), ty.initial, ty.maximum)
                {
                    return Err(incompatible("table type or limits do not match".into()));
                }
                info.tables.push(TableDef { kind, initial, max });
            }
            Some(_) => return Err(incompatible("not a table".into())),
        },
        (TypeRef::Tag(_), _) => return Err(unsupported(offset, "tag imports")),
    }
    Ok(())
}

/// Import matching of limits: the provided minimum covers the declared one, and when a
/// maximum is declared the provided maximum exists and is within it.
fn limits_match(initial: u64, max: Option<u64>, want_initial: u64, want_max: Option<u64>) -> bool {
    initial >= want_initial
        && match want_max {
            None => true,
            Some(want) => max.is_some_and(|m| m <= want),
        }
}

/// Evaluates a constant expression to the bits of its value (references as 0 or f + 1).
fn eval(info: &ModuleInfo<'_>, expr: &ConstExpr<'_>) -> Result<u64, TranslateError> {
    let mut reader = expr.get_operators_reader();
    let mut value = 0u64;
    loop {
        match reader.read()? {
            Operator::I32Const { value: v } => value = u64::from(v as u32),
            Operator::I64Const { value: v } => value = v as u64,
            Operator::F32Const { value: v } => value = u64::from(v.bits()),
            Operator::F64Const { value: v } => value = v.bits(),
            Operator::RefNull { .. } => value = 0,
            Operator::RefFunc { function_index } => value = u64::from(function_index) + 1,
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
