//! Putting a translated module together: types, globals, import stubs, lowered functions,
//! the initializer, tables, segments, memory, exports and names; then `max_stack` for every
//! new function and a final verification.
//!
//! A translation linked into a base module appends all of this to the base's index spaces
//! (the base's items keep their indices) and replaces only the entry point.

use crate::debuginfo::{SourceLines, demangle};
use crate::error::TranslateError;
use crate::init::initializer;
use crate::ir::Code;
use crate::lower::{Context, Lowered, function_label, lower_function};
use crate::module_info::{ExportKind, FuncImport, ModuleInfo, SegmentMode, sig_type, slot_type};
use crate::variables::{self, FunctionLayout};
use crate::{TranslateOptions, Translation, optimize};
use dotvm_core::instruction::Operand;
use dotvm_core::isa::Opcode;
use dotvm_core::module::{
    DataSegment, DebugInfo, ElemSegment, Export, FuncType, Function, Global, Import, InlinedCall,
    Memory, Module, PAGE_SIZE, SourceEntry, SourceLoc, SourceMap, Table,
};
use dotvm_core::verify::{required_max_stack, verify};
use dotvm_core::{Arch, Imm};
use std::collections::HashMap;
use wasmparser::FuncValidatorAllocations;

/// Pages a wasm32 memory can reach.
const WASM_MAX_PAGES: u32 = 65536;

/// Name of the initializer in the debug section.
const INIT_NAME: &str = "__dotvm_init";

/// The error for something DotVM cannot express, at module level.
fn unsupported(message: String) -> TranslateError {
    TranslateError::Unsupported {
        location: "module".into(),
        offset: 0,
        message,
    }
}

/// Translates a read module into a DotVM module, appended to `base` when there is one;
/// `progress` is told `(functions translated, functions in all)` after each function.
/// With `with_variables` (and [`TranslateOptions::debug_names`]) the DWARF variables are
/// read too ([`Translation::variables`]).
pub(crate) fn translate_module(
    mut info: ModuleInfo<'_>,
    options: &TranslateOptions,
    base: Option<&Module>,
    with_variables: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Translation, TranslateError> {
    let pending = std::mem::take(&mut info.bodies);
    let total = pending.len();
    let arch = options.arch;
    let mut module = base.cloned().unwrap_or_default();
    module.arch = arch;
    let first_new = module.functions.len();
    let types: Vec<FuncType> = info
        .types
        .iter()
        .map(|t| FuncType {
            params: t.params().iter().map(|&p| sig_type(p)).collect(),
            results: t.results().iter().map(|&r| sig_type(r)).collect(),
        })
        .collect();
    for (f, how) in info.imported_funcs.iter().enumerate() {
        if matches!(how, FuncImport::Linked(_)) {
            continue;
        }
        let ty = info.funcs[f];
        let stub = stub(&types[ty as usize], *how, arch);
        module
            .functions
            .push(function(stub, info.ty(ty), options)?.0);
    }
    let lines = if options.debug_names {
        SourceLines::read(&info.dwarf)
    } else {
        None
    };
    let cx = Context {
        arch,
        info: &info,
        lines: lines.as_ref(),
    };
    // The `(pc, wasm address)` source markers of each new function.
    let mut markers: Vec<(u32, Vec<(u32, u64)>)> = Vec::new();
    // What the variable reader needs of each new function.
    let mut layouts: Vec<FunctionLayout> = Vec::new();
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
        let ty = info.ty(info.funcs[f as usize]);
        let local_slots = if with_variables {
            lowered.local_slots.clone()
        } else {
            Vec::new()
        };
        let (function, locs) = function(lowered, ty, options)?;
        if !locs.is_empty() {
            if with_variables {
                layouts.push(FunctionLayout {
                    func: module.functions.len() as u32,
                    markers: locs.clone(),
                    locals: local_slots,
                });
            }
            markers.push((module.functions.len() as u32, locs));
        }
        module.functions.push(function);
        progress(i + 1, total);
    }
    let call_last = match &options.entry_export {
        None => None,
        Some(name) => Some(
            info.exports
                .iter()
                .find(|e| e.kind == ExportKind::Func && &e.name == name)
                .map(|e| e.index)
                .ok_or_else(|| {
                    unsupported(format!(
                        "the entry export `{name}` is not an exported function"
                    ))
                })?,
        ),
    };
    let static_data = base.is_none()
        && info.memory.is_some_and(|m| {
            !m.imported
                && info.data.iter().all(|d| match d.mode {
                    SegmentMode::Active { offset, .. } => {
                        u64::from(offset) + d.bytes.len() as u64 <= u64::from(m.initial) * PAGE_SIZE
                    }
                    _ => true,
                })
        });
    let init = initializer(&info, static_data, call_last);
    module.entry = module.functions.len() as u32;
    module.functions.push(Function {
        code: finish(init, options).0,
        ..Function::default()
    });
    place_memory(&mut module, &info, static_data)?;
    module.types.extend(types);
    module.globals.extend(globals(&info, arch));
    module
        .tables
        .extend(info.tables.iter().filter(|t| !t.linked).map(|t| Table {
            kind: t.kind,
            initial: t.initial,
            max: t.max,
        }));
    module
        .elements
        .extend(info.elements.iter().map(|e| ElemSegment {
            kind: e.kind,
            items: if e.mode == SegmentMode::Declared {
                Vec::new()
            } else {
                e.items.clone()
            },
        }));
    module.data.extend(info.data.iter().map(|d| match d.mode {
        SegmentMode::Active { .. } if static_data => Vec::new(),
        _ => d.bytes.to_vec(),
    }));
    module
        .imports
        .extend(info.host_imports.iter().map(|(m, name, ty)| Import {
            module: m.clone(),
            name: name.clone(),
            ty: info.ty(*ty),
        }));
    if base.is_none() {
        // DotVM export names are non-empty; wasm's empty name stays in `exports`.
        module.exports = info
            .exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func && !e.name.is_empty())
            .map(|e| Export {
                name: e.name.clone(),
                func: info.func(e.index),
            })
            .collect();
    }
    module.debug = debug_info(&module, &info, options);
    if let (Some(lines), Some(debug)) = (&lines, &mut module.debug) {
        add_source_map(&mut debug.source_map, lines, &markers);
    }
    for f in first_new..module.functions.len() {
        let max = required_max_stack(&module, f as u32)
            .map_err(|e| TranslateError::Verify(e.to_string()))?;
        module.functions[f].max_stack = max;
    }
    verify(&module).map_err(|e| TranslateError::Verify(e.to_string()))?;
    let variables = if with_variables && let Some(lines) = &lines {
        let globals: Vec<(u32, u32)> = info
            .globals
            .iter()
            .zip(&info.global_map)
            .map(|(g, &index)| (index, slot_type(g.ty).slots(arch)))
            .collect();
        variables::read(&info.dwarf, &layouts, &globals, &lines.prologue_ends)
    } else {
        None
    };
    Ok(Translation {
        variables,
        exports: info.exports.clone(),
        globals: info
            .globals
            .iter()
            .zip(&info.global_map)
            .map(|(g, &index)| (index, sig_type(g.ty)))
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
        functions: info.func_map.clone(),
        tables: info.table_map.clone(),
        module,
    })
}

/// Sets the module's memory from the wasm module's (a linked memory is the base's).
fn place_memory(
    module: &mut Module,
    info: &ModuleInfo<'_>,
    static_data: bool,
) -> Result<(), TranslateError> {
    let Some(m) = info.memory.filter(|m| !m.linked) else {
        return Ok(());
    };
    if info.base.has_memory {
        return Err(unsupported(
            "a second memory in a linked module is not supported".into(),
        ));
    }
    module.memory = Memory {
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
    };
    Ok(())
}

/// The new DotVM globals for the wasm globals that are not linked (one per slot of the
/// value: two per 64-bit value on Arch32, two per v128 on Arch64, least significant
/// first), in the order of `ModuleInfo::global_map`.
fn globals(info: &ModuleInfo<'_>, arch: Arch) -> Vec<Global> {
    let mut globals = Vec::new();
    for g in info.globals.iter().filter(|g| !g.linked) {
        let slots = slot_type(g.ty).slots(arch);
        let bits = arch.word_bits();
        for k in 0..slots {
            let part = if slots == 1 {
                g.init
            } else {
                (g.init >> (k * bits)) & (u128::MAX >> (128 - bits))
            };
            globals.push(Global {
                init: Imm::from(part),
                mutable: g.mutable,
            });
        }
    }
    globals
}

/// The body of an imported function: the system call, host call or native instruction on
/// its parameters, or nothing (the parameters are locals and leave with the frame).
fn stub(ty: &FuncType, how: FuncImport, arch: Arch) -> Lowered {
    let params = ty.param_slots(arch);
    let mut code = Code::default();
    let call = match how {
        FuncImport::Syscall(call) => Some((Opcode::Syscall, Operand::Syscall(call.number()))),
        FuncImport::Host(import) => Some((Opcode::CallHost, Operand::Index(import))),
        FuncImport::Native(op) => {
            op.stub(arch, &mut code);
            None
        }
        FuncImport::Discard | FuncImport::Linked(_) => None,
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
        local_slots: Vec::new(),
    }
}

/// A DotVM function of DotVM type `ty` from lowered code, and its source markers.
fn function(
    lowered: Lowered,
    ty: u32,
    options: &TranslateOptions,
) -> Result<(Function, Vec<(u32, u64)>), TranslateError> {
    let too_big = |what: &str| {
        unsupported(format!(
            "a function with more than 65535 {what} slots is not supported"
        ))
    };
    let (code, locs) = finish(lowered.code, options);
    let function = Function {
        params: u16::try_from(lowered.params).map_err(|_| too_big("parameter"))?,
        results: u16::try_from(lowered.results).map_err(|_| too_big("result"))?,
        locals: u16::try_from(lowered.locals).map_err(|_| too_big("local"))?,
        max_stack: 0,
        code,
        ty: Some(ty),
    };
    Ok((function, locs))
}

/// Appends the source map rows of the new functions to `map` (which holds the base
/// module's rows, if any): one row per marker whose position differs from the row
/// before it in the same function. Only the files and names the rows use are added.
fn add_source_map(map: &mut SourceMap, lines: &SourceLines, markers: &[(u32, Vec<(u32, u64)>)]) {
    let mut addrs: Vec<u64> = markers
        .iter()
        .flat_map(|(_, locs)| locs.iter().map(|&(_, addr)| addr))
        .collect();
    addrs.sort_unstable();
    addrs.dedup();
    let positions = lines.positions(&addrs);
    let mut files: HashMap<u32, u32> = HashMap::new();
    let mut names: HashMap<u32, u32> = HashMap::new();
    let mut file = |map: &mut SourceMap, loc: SourceLoc| SourceLoc {
        file: *files.entry(loc.file).or_insert_with(|| {
            map.files.push(lines.files[loc.file as usize].clone());
            map.files.len() as u32 - 1
        }),
        ..loc
    };
    for (func, locs) in markers {
        let mut last: Option<(SourceLoc, Vec<InlinedCall>)> = None;
        for &(pc, addr) in locs {
            let Some((loc, inlined)) = positions.get(&addr) else {
                continue;
            };
            let loc = file(map, *loc);
            let mut calls = Vec::with_capacity(inlined.len());
            for call in inlined {
                let name = *names.entry(call.name).or_insert_with(|| {
                    map.names.push(lines.names[call.name as usize].clone());
                    map.names.len() as u32 - 1
                });
                calls.push(InlinedCall {
                    name,
                    call: file(map, call.call),
                });
            }
            if last.as_ref() == Some(&(loc, calls.clone())) {
                continue;
            }
            map.entries.push(SourceEntry {
                func: *func,
                pc,
                loc,
                inlined: calls.clone(),
            });
            last = Some((loc, calls));
        }
    }
}

/// Optimizes (at the requested level) and encodes a function's code; returns the code and
/// its source markers.
fn finish(mut code: Code, options: &TranslateOptions) -> (Vec<u8>, Vec<(u32, u64)>) {
    optimize::optimize(&mut code, options.opt_level, options.arch);
    code.encode()
}

/// Function names: the base's, then those of the name section for the new functions, and
/// the initializer's.
fn debug_info(
    module: &Module,
    info: &ModuleInfo<'_>,
    options: &TranslateOptions,
) -> Option<DebugInfo> {
    if !options.debug_names {
        return module.debug.clone();
    }
    let count = module.functions.len();
    let mut names = module
        .debug
        .as_ref()
        .map(|d| d.function_names.clone())
        .unwrap_or_default();
    names.resize(count, String::new());
    let first_new = info.base.functions;
    for (f, name) in &info.names {
        if let Some(&index) = info.func_map.get(*f as usize)
            && index >= first_new
            && let Some(slot) = names.get_mut(index as usize)
        {
            *slot = demangle(name);
        }
    }
    names[module.entry as usize] = INIT_NAME.to_string();
    Some(DebugInfo {
        function_names: names,
        ..DebugInfo::default()
    })
}
