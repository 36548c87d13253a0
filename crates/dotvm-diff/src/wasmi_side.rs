//! Running a module under wasmi 2.0.

use crate::MEMORY_LIMIT;
use crate::{Call, Ending, Observation, State, TrapClass, Value, ValueType, arguments, fnv1a};
use wasmi::{
    Engine, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TrapCode, Val,
};

/// The class of a wasmi error.
fn class(error: &wasmi::Error) -> TrapClass {
    match error.as_trap_code() {
        Some(TrapCode::UnreachableCodeReached) => TrapClass::Unreachable,
        Some(TrapCode::MemoryOutOfBounds) => TrapClass::MemoryOutOfBounds,
        Some(TrapCode::TableOutOfBounds) => TrapClass::TableOutOfBounds,
        Some(TrapCode::IndirectCallToNull) => TrapClass::IndirectCallToNull,
        Some(TrapCode::IntegerDivisionByZero) => TrapClass::DivideByZero,
        Some(TrapCode::IntegerOverflow | TrapCode::BadConversionToInteger) => {
            TrapClass::IntegerOverflow
        }
        Some(TrapCode::BadSignature) => TrapClass::BadSignature,
        Some(TrapCode::StackOverflow | TrapCode::OutOfFuel) => TrapClass::Exhausted,
        Some(_) => TrapClass::Other,
        // Instantiation errors: segments that do not fit trap as table or memory accesses.
        None => match error.kind() {
            wasmi::errors::ErrorKind::Instantiation(e) => {
                let text = e.to_string();
                if text.contains("table") {
                    TrapClass::TableOutOfBounds
                } else if text.contains("memory") {
                    TrapClass::MemoryOutOfBounds
                } else {
                    TrapClass::Other
                }
            }
            _ => TrapClass::Other,
        },
    }
}

/// A wasmi value as a [`Value`].
fn value(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::f32(v.to_bits()),
        Val::F64(v) => Value::f64(v.to_bits()),
        Val::FuncRef(r) => Value::Ref(!r.is_null()),
        Val::ExternRef(r) => Value::Ref(!r.is_null()),
        #[allow(unreachable_patterns)]
        _ => Value::Ref(true),
    }
}

/// The numeric type of a wasmi value type.
fn numeric(ty: &wasmi::ValType) -> Option<ValueType> {
    match ty {
        wasmi::ValType::I32 => Some(ValueType::I32),
        wasmi::ValType::I64 => Some(ValueType::I64),
        wasmi::ValType::F32 => Some(ValueType::F32),
        wasmi::ValType::F64 => Some(ValueType::F64),
        _ => None,
    }
}

/// Runs `wasm` under wasmi (see [`Observation`]), with [`arguments`] of `seed`. `Err` when
/// wasmi rejects the module.
pub fn observe(wasm: &[u8], seed: u64) -> Result<Observation, String> {
    let engine = Engine::default();
    let module =
        Module::new(&engine, wasm).map_err(|e| format!("wasmi rejects the module: {e}"))?;
    let linker = Linker::<StoreLimits>::new(&engine);
    let instantiate = || {
        // The same memory limit as DotVM's: growing past it fails (-1) in both.
        let limits = StoreLimitsBuilder::new()
            .memory_size(MEMORY_LIMIT as usize)
            .build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|limits| limits);
        let instance = linker.instantiate_and_start(&mut store, &module);
        (store, instance)
    };
    let mut exports: Vec<(String, wasmi::ExternType)> = module
        .exports()
        .map(|e| (e.name().to_string(), e.ty().clone()))
        .collect();
    exports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut observation = Observation {
        start: None,
        calls: Vec::new(),
    };
    if let (_, Err(error)) = instantiate() {
        observation.start = Some(class(&error));
        return Ok(observation);
    }
    for (index, (name, ty)) in exports.iter().enumerate() {
        let wasmi::ExternType::Func(func_ty) = ty else {
            continue;
        };
        let Some(params) = func_ty
            .params()
            .iter()
            .map(numeric)
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let (mut store, instance) = instantiate();
        let instance = instance.map_err(|e| format!("instantiation failed again: {e}"))?;
        let func = instance
            .get_func(&store, name)
            .ok_or_else(|| format!("export {name} is not a function"))?;
        let args: Vec<Val> = arguments(seed, index, &params)
            .into_iter()
            .map(|v| match v {
                Value::I32(v) => Val::I32(v as i32),
                Value::I64(v) => Val::I64(v as i64),
                Value::F32(v) => Val::F32(wasmi::F32::from_bits(v)),
                Value::F64(v) => Val::F64(wasmi::F64::from_bits(v)),
                Value::Ref(_) => Val::I32(0),
            })
            .collect();
        let mut results: Vec<Val> = func_ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        let ending = match func.call(&mut store, &args, &mut results) {
            Ok(()) => Ending::Returned(results.iter().map(value).collect()),
            Err(error) => Ending::Trapped(class(&error)),
        };
        let (memory, globals) = state(&store, &instance, &exports);
        observation.calls.push(Call {
            name: name.clone(),
            ending,
            memory,
            globals,
        });
    }
    Ok(observation)
}

/// The first exported memory (hash and size) and the exported number globals.
fn state(
    store: &Store<StoreLimits>,
    instance: &Instance,
    exports: &[(String, wasmi::ExternType)],
) -> State {
    let mut memory = None;
    let mut globals = Vec::new();
    for (name, ty) in exports {
        match ty {
            wasmi::ExternType::Memory(_) if memory.is_none() => {
                if let Some(m) = instance.get_memory(store, name) {
                    let data = m.data(store);
                    memory = Some((fnv1a(data), data.len()));
                }
            }
            wasmi::ExternType::Global(_) => {
                if let Some(global) = instance.get_global(store, name) {
                    let v = value(&global.get(store));
                    if !matches!(v, Value::Ref(_)) {
                        globals.push((name.clone(), v));
                    }
                }
            }
            _ => {}
        }
    }
    (memory, globals)
}
