//! Putting a translated module together: types, globals, import stubs, lowered functions,
//! the initializer, tables, segments, memory, exports and names; then `max_stack` for every
//! function and a final verification.

use crate::error::TranslateError;
use crate::init::initializer;
use crate::ir::Code;
use crate::lower::{Context, Lowered, function_label, lower_function};
use crate::module_info::{ExportKind, FuncImport, ModuleInfo, SegmentMode, sig_type, slot_type};
use crate::{TranslateOptions, Translation, optimize};
use dotvm_core::instruction::Operand;
use dotvm_core::isa::Opcode;
use dotvm_core::module::{
    DataSegment, DebugInfo, ElemSegment, Export, FuncType, Function, Global, Import, Memory,
    Module, PAGE_SIZE, Table,
};
use dotvm_core::verify::{required_max_stack, verify};
use dotvm_core::{Arch, Imm};
use wasmparser::FuncValidatorAllocations;

/// Pages a wasm32 memory can reach.
const WASM_MAX_PAGES: u32 = 65536;

/// Name of the initializer in the debug section.
const INIT_NAME: &str = "__dotvm_init";

/// Translates a read module into a DotVM module.
pub(crate) fn translate_module(
    mut info: ModuleInfo<'_>,
    options: &TranslateOptions,
) -> Result<Translation, TranslateError> {
    let pending = std::mem::take(&mut info.bodies);
    let arch = options.arch;
    let types: Vec<FuncType> = info
        .types
        .iter()
        .map(|t| FuncType {
            params: t.params().iter().map(|&p| sig_type(p)).collect(),
            results: t.results().iter().map(|&r| sig_type(r)).collect(),
        })
        .collect();
    let (globals, global_base) = globals(&info, arch);
    let mut functions = Vec::with_capacity(info.funcs.len() + 1);
    for (f, how) in info.imported_funcs.iter().enumerate() {
        let ty = info.funcs[f];
        functions.push(function(
            stub(&types[ty as usize], *how, arch),
            ty,
            arch,
            options,
        )?);
    }
    let cx = Context {
        arch,
        info: &info,
        global_base: &global_base,
    };
    let mut bodies = Vec::new();
    let imported = info.imported_funcs.len();
    let mut allocations = FuncValidatorAllocations::default();
    for (i, body) in pending.into_iter().enumerate() {
        let f = (imported + i) as u32;
        let (lowered, reuse) = lower_function(&cx, f, body, allocations).map_err(|e| match e {
            TranslateError::Invalid {
                message, offset, ..
            } => TranslateError::Invalid {
                message,
                offset,
                function: Some(function_label(&info, f)),
            },
            other => other,
        })?;
        allocations = reuse;
        bodies.push((f, lowered));
    }
    for (f, lowered) in bodies {
        functions.push(function(lowered, info.funcs[f as usize], arch, options)?);
    }
    let call_last = match &options.entry_export {
        None => None,
        Some(name) => Some(
            info.exports
                .iter()
                .find(|e| e.kind == ExportKind::Func && &e.name == name)
                .map(|e| e.index)
                .ok_or_else(|| TranslateError::Unsupported {
                    location: "module".into(),
                    offset: 0,
                    message: format!("the entry export `{name}` is not an exported function"),
                })?,
        ),
    };
    let memory_def = info.memory;
    let static_data = memory_def.is_some_and(|m| {
        !m.imported
            && info.data.iter().all(|d| match d.mode {
                SegmentMode::Active { offset, .. } => {
                    u64::from(offset) + d.bytes.len() as u64 <= u64::from(m.initial) * PAGE_SIZE
                }
                _ => true,
            })
    });
    let init = initializer(&info, static_data, call_last);
    let entry = functions.len() as u32;
    functions.push(Function {
        code: finish(init, options),
        ..Function::default()
    });
    let memory = match memory_def {
        None => Memory::default(),
        Some(m) => Memory {
            initial_pages: m.initial,
            max_pages: Some(m.max.unwrap_or(WASM_MAX_PAGES).min(WASM_MAX_PAGES)),
            segments: if static_data {
                info.data
                    .iter()
                    .filter_map(|d| match d.mode {
                        SegmentMode::Active { offset, .. } if !d.bytes.is_empty() => {
                            Some(DataSegment {
                                offset: offset.into(),
                                bytes: d.bytes.to_vec(),
                            })
                        }
                        _ => None,
                    })
                    .collect()
            } else {
                Vec::new()
            },
        },
    };
    let data = info
        .data
        .iter()
        .map(|d| match d.mode {
            SegmentMode::Active { .. } if static_data => Vec::new(),
            _ => d.bytes.to_vec(),
        })
        .collect();
    let mut module = Module {
        arch,
        entry,
        functions,
        globals,
        memory,
        exports: info
            .exports
            .iter()
            // DotVM export names are non-empty; wasm's empty name stays in `exports`.
            .filter(|e| e.kind == ExportKind::Func && !e.name.is_empty())
            .map(|e| Export {
                name: e.name.clone(),
                func: e.index,
            })
            .collect(),
        debug: debug_info(&info, options, entry),
        types,
        tables: info
            .tables
            .iter()
            .map(|t| Table {
                kind: t.kind,
                initial: t.initial,
                max: t.max,
            })
            .collect(),
        elements: info
            .elements
            .iter()
            .map(|e| ElemSegment {
                kind: e.kind,
                items: if e.mode == SegmentMode::Declared {
                    Vec::new()
                } else {
                    e.items.clone()
                },
            })
            .collect(),
        data,
        imports: info
            .host_imports
            .iter()
            .map(|(module, name, ty)| Import {
                module: module.clone(),
                name: name.clone(),
                ty: *ty,
            })
            .collect(),
        ..Module::default()
    };
    for f in 0..module.functions.len() {
        let max = required_max_stack(&module, f as u32)
            .map_err(|e| TranslateError::Verify(e.to_string()))?;
        module.functions[f].max_stack = max;
    }
    verify(&module).map_err(|e| TranslateError::Verify(e.to_string()))?;
    Ok(Translation {
        exports: info.exports.clone(),
        globals: info
            .globals
            .iter()
            .zip(&global_base)
            .map(|(g, &base)| (base, sig_type(g.ty)))
            .collect(),
        signatures: info
            .funcs
            .iter()
            .map(|&t| {
                let t = &info.types[t as usize];
                (
                    t.params().iter().map(|&p| sig_type(p)).collect(),
                    t.results().iter().map(|&r| sig_type(r)).collect(),
                )
            })
            .collect(),
        module,
    })
}

/// DotVM globals for the wasm globals (two per 64-bit value on Arch32, low half first) and
/// the first DotVM global of each.
fn globals(info: &ModuleInfo<'_>, arch: Arch) -> (Vec<Global>, Vec<u32>) {
    let mut globals = Vec::new();
    let mut base = Vec::with_capacity(info.globals.len());
    for g in &info.globals {
        base.push(globals.len() as u32);
        if slot_type(g.ty).slots(arch) == 2 {
            for half in [g.init & 0xFFFF_FFFF, g.init >> 32] {
                globals.push(Global {
                    init: Imm::from(half),
                    mutable: g.mutable,
                });
            }
        } else {
            globals.push(Global {
                init: Imm::from(g.init),
                mutable: g.mutable,
            });
        }
    }
    (globals, base)
}

/// The body of an imported function: the system call on its parameters, or nothing (the
/// parameters are locals and leave with the frame).
fn stub(ty: &FuncType, how: FuncImport, arch: Arch) -> Lowered {
    let params = ty.param_slots(arch);
    let mut code = Code::default();
    let call = match how {
        FuncImport::Syscall(call) => Some((Opcode::Syscall, Operand::Syscall(call.number()))),
        FuncImport::Host(import) => Some((Opcode::CallHost, Operand::Index(import))),
        FuncImport::Discard => None,
    };
    if let Some((opcode, operand)) = call {
        for slot in 0..params {
            code.op(Opcode::LocalGet, Operand::Index(slot));
        }
        code.op(opcode, operand);
    }
    code.simple(Opcode::Ret);
    Lowered {
        params,
        results: ty.result_slots(arch),
        locals: 0,
        code,
    }
}

/// A DotVM function from lowered code of wasm type `ty`.
fn function(
    lowered: Lowered,
    ty: u32,
    arch: Arch,
    options: &TranslateOptions,
) -> Result<Function, TranslateError> {
    let _ = arch;
    let too_big = |what: &str| TranslateError::Unsupported {
        location: "module".into(),
        offset: 0,
        message: format!("a function with more than 65535 {what} slots is not supported"),
    };
    Ok(Function {
        params: u16::try_from(lowered.params).map_err(|_| too_big("parameter"))?,
        results: u16::try_from(lowered.results).map_err(|_| too_big("result"))?,
        locals: u16::try_from(lowered.locals).map_err(|_| too_big("local"))?,
        max_stack: 0,
        code: finish(lowered.code, options),
        ty: Some(ty),
    })
}

/// Optimizes (at the requested level) and encodes a function's code.
fn finish(mut code: Code, options: &TranslateOptions) -> Vec<u8> {
    optimize::optimize(&mut code, options.opt_level, options.arch);
    code.encode()
}

/// Function names from the name section, when asked for.
fn debug_info(info: &ModuleInfo<'_>, options: &TranslateOptions, init: u32) -> Option<DebugInfo> {
    if !options.debug_names {
        return None;
    }
    let mut names = vec![String::new(); init as usize + 1];
    for (f, name) in &info.names {
        if let Some(slot) = names.get_mut(*f as usize)
            && (*f) < init
        {
            *slot = name.clone();
        }
    }
    names[init as usize] = INIT_NAME.to_string();
    Some(DebugInfo {
        function_names: names,
        ..DebugInfo::default()
    })
}
