//! Running a module under DotVM: translate for one architecture and optimisation level,
//! instantiate, call the exports.

use crate::{Call, Ending, Observation, State, TrapClass, Value, ValueType, arguments, fnv1a};
use dotvm_core::module::SigType;
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{BufferIo, CallOutcome, Instance, Limits, NoHostFunctions, RunError, TrapKind};
use dotvm_wasm::{
    ExportKind, HostImport, ImportResolver, TranslateOptions, Translation, WasmExport,
};

/// Resolves no import (generated modules have none).
struct NoImports;

impl ImportResolver for NoImports {
    fn resolve(&self, _: &str, _: &str) -> Option<HostImport> {
        None
    }
}

/// The class of a DotVM trap.
fn class(kind: &TrapKind) -> TrapClass {
    match kind {
        TrapKind::Unreachable => TrapClass::Unreachable,
        TrapKind::OutOfBounds { .. } => TrapClass::MemoryOutOfBounds,
        TrapKind::TableOutOfBounds | TrapKind::UndefinedElement => TrapClass::TableOutOfBounds,
        TrapKind::UninitializedElement => TrapClass::IndirectCallToNull,
        TrapKind::IndirectCallTypeMismatch => TrapClass::BadSignature,
        TrapKind::DivideByZero => TrapClass::DivideByZero,
        TrapKind::IntegerOverflow | TrapKind::InvalidConversion => TrapClass::IntegerOverflow,
        TrapKind::StackOverflow
        | TrapKind::CallDepthExceeded
        | TrapKind::InstructionLimit
        | TrapKind::TimeLimit { .. }
        | TrapKind::MemoryLimit { .. } => TrapClass::Exhausted,
        _ => TrapClass::Other,
    }
}

/// The class of a failed call.
fn error_class(error: &RunError) -> TrapClass {
    match error {
        RunError::Trap(trap) => class(&trap.kind),
        _ => TrapClass::Other,
    }
}

/// The numeric type of a signature type.
fn numeric(ty: SigType) -> Option<ValueType> {
    match ty {
        SigType::I32 => Some(ValueType::I32),
        SigType::I64 => Some(ValueType::I64),
        SigType::F32 => Some(ValueType::F32),
        SigType::F64 => Some(ValueType::F64),
        _ => None,
    }
}

/// The slots of `values` on `arch` (64-bit values as two slots on Arch32, low first).
fn to_slots(values: &[Value], arch: Arch) -> Vec<Imm> {
    let mut slots = Vec::new();
    for value in values {
        let (bits, wide) = match *value {
            Value::I32(v) | Value::F32(v) => (u64::from(v), false),
            Value::I64(v) | Value::F64(v) => (v, true),
            Value::Ref(r) => (u64::from(r), false),
        };
        if wide && arch == Arch::Arch32 {
            slots.push(Imm::from(bits & 0xFFFF_FFFF));
            slots.push(Imm::from(bits >> 32));
        } else {
            slots.push(Imm::from(bits));
        }
    }
    slots
}

/// Values of `types` from result slots.
fn from_slots(slots: &[Imm], types: &[SigType], arch: Arch) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    let mut i = 0;
    for &ty in types {
        let low = |i: usize| slots.get(i).map(|s| s.as_limbs()[0]);
        let bits = if ty.val_type().slots(arch) == 2 {
            let (lo, hi) = (low(i)?, low(i + 1)?);
            i += 2;
            (lo & 0xFFFF_FFFF) | (hi << 32)
        } else {
            i += 1;
            low(i - 1)?
        };
        values.push(match ty {
            SigType::I32 => Value::I32(bits as u32),
            SigType::I64 => Value::I64(bits),
            SigType::F32 => Value::f32(bits as u32),
            SigType::F64 => Value::f64(bits),
            _ => Value::Ref(bits != 0),
        });
    }
    (i == slots.len()).then_some(values)
}

/// Runs `wasm` under DotVM on `arch` at `opt_level`, like [`crate::wasmi_side::observe`].
/// `Err` when the module cannot be translated, verified or instantiated.
pub fn observe(wasm: &[u8], seed: u64, arch: Arch, opt_level: u8) -> Result<Observation, String> {
    let options = TranslateOptions {
        arch,
        opt_level,
        debug_names: false,
        entry_export: None,
    };
    let translation = dotvm_wasm::translate_with(wasm, &options, &NoImports)
        .map_err(|e| format!("translation failed: {e}"))?;
    let verified = Verified::new(translation.module.clone())
        .map_err(|e| format!("verification failed: {e}"))?;
    let limits = Limits {
        instructions: 200_000_000,
        memory_bytes: crate::MEMORY_LIMIT,
        ..Limits::default()
    };
    let entry = verified.module().entry;
    // A fresh instance with its initialiser run, or the initialiser's trap.
    let instantiate = || -> Result<Result<Instance, TrapClass>, String> {
        let mut instance = Instance::new(&verified, &limits).map_err(|e| e.to_string())?;
        Ok(
            match instance.call(entry, &[], &mut BufferIo::default(), &mut NoHostFunctions) {
                Ok(_) => Ok(instance),
                Err(error) => Err(error_class(&error)),
            },
        )
    };
    let mut observation = Observation {
        start: None,
        calls: Vec::new(),
    };
    if let Err(class) = instantiate()? {
        observation.start = Some(class);
        return Ok(observation);
    }
    // Exports in name order (both engines call them in the same order).
    let mut exports = translation.exports.clone();
    exports.sort_by(|a, b| a.name.cmp(&b.name));
    for (index, export) in exports.iter().enumerate() {
        if export.kind != ExportKind::Func {
            continue;
        }
        let (params, results) = &translation.signatures[export.index as usize];
        let Some(types) = params
            .iter()
            .map(|&t| numeric(t))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let mut instance = instantiate()?.map_err(|_| "the initialiser trapped this time")?;
        let args = to_slots(&arguments(seed, index, &types), arch);
        let func = translation.functions[export.index as usize];
        let ending =
            match instance.call(func, &args, &mut BufferIo::default(), &mut NoHostFunctions) {
                Ok(CallOutcome::Returned(slots)) => match from_slots(&slots, results, arch) {
                    Some(values) => Ending::Returned(values),
                    None => {
                        return Err(format!(
                            "{}: result slots do not match its type",
                            export.name
                        ));
                    }
                },
                Ok(CallOutcome::Exited(code)) => {
                    return Err(format!("{}: the machine exited with {code}", export.name));
                }
                Err(error) => Ending::Trapped(error_class(&error)),
            };
        let (memory, globals) = state(&instance, &translation, &exports, arch)?;
        observation.calls.push(Call {
            name: export.name.clone(),
            ending,
            memory,
            globals,
        });
    }
    Ok(observation)
}

/// The memory (hash and size) and the exported number globals of `instance`.
fn state(
    instance: &Instance,
    translation: &Translation,
    exports: &[WasmExport],
    arch: Arch,
) -> Result<State, String> {
    let mut memory = None;
    let mut globals = Vec::new();
    for export in exports {
        match export.kind {
            ExportKind::Memory if memory.is_none() => {
                let m = instance.memory().ok_or("no memory")?;
                let bytes = m.read(0, m.size_bytes()).map_err(|e| e.to_string())?;
                memory = Some((fnv1a(bytes), bytes.len()));
            }
            ExportKind::Global => {
                let (index, ty) = translation.globals[export.index as usize];
                if numeric(ty).is_none() {
                    continue;
                }
                let slots: Vec<Imm> = (0..ty.val_type().slots(arch))
                    .filter_map(|i| instance.global(index + i))
                    .collect();
                let value = from_slots(&slots, &[ty], arch)
                    .and_then(|v| v.first().copied())
                    .ok_or("global slots do not match its type")?;
                globals.push((export.name.clone(), value));
            }
            _ => {}
        }
    }
    Ok((memory, globals))
}
