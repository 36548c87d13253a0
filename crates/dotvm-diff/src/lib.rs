//! Differential testing of DotVM against wasmi 2.0: generate a valid WebAssembly module
//! with `wasm-smith` (a configuration without imports, SIMD, threads or other features
//! DotVM does not translate, NaNs canonicalised, and a fuel counter compiled into the module
//! so that both engines stop at the same point), run it under wasmi and under DotVM on every
//! architecture and optimisation level, and compare what each exported function returns or
//! how it traps, then the memory and globals.
//!
//! Divergences that match a known wasmi bug ([`known`]) are counted as exclusions, never
//! dropped silently; any other divergence is a failure to judge with a third engine (wabt's
//! `wasm-interp`, `scripts/diff-judge`).

pub mod compare;
pub mod dotvm_side;
pub mod generate;
pub mod known;
pub mod wasmi_side;

pub use compare::{Divergence, Report, compare_seed};
pub use generate::{config, module_for_seed};
pub use known::KnownBug;

/// Linear-memory limit of both engines (bytes): `memory.grow` past it fails with -1.
pub const MEMORY_LIMIT: u64 = 64 << 20;

/// How a call ended, engine-independently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The function returned these values (as bits; NaNs canonicalised).
    Returned(Vec<Value>),
    /// The function trapped.
    Trapped(TrapClass),
}

/// A wasm value as its type and bits (references: 0 for null, else non-zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// An i32.
    I32(u32),
    /// An i64.
    I64(u64),
    /// An f32, by its bits; every NaN is `0x7FC0_0000`.
    F32(u32),
    /// An f64, by its bits; every NaN is `0x7FF8_0000_0000_0000`.
    F64(u64),
    /// A reference: null or not.
    Ref(bool),
}

impl Value {
    /// An f32 with NaNs canonicalised.
    pub fn f32(bits: u32) -> Value {
        if f32::from_bits(bits).is_nan() {
            Value::F32(0x7FC0_0000)
        } else {
            Value::F32(bits)
        }
    }

    /// An f64 with NaNs canonicalised.
    pub fn f64(bits: u64) -> Value {
        if f64::from_bits(bits).is_nan() {
            Value::F64(0x7FF8_0000_0000_0000)
        } else {
            Value::F64(bits)
        }
    }
}

/// Trap kinds as both engines can name them. wasmi reports NaN and out-of-range float
/// truncations alike, so both fall into [`TrapClass::IntegerOverflow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapClass {
    /// `unreachable` (also the compiled-in fuel running out).
    Unreachable,
    /// A memory access out of bounds.
    MemoryOutOfBounds,
    /// A table access out of bounds, or `call_indirect` past the table.
    TableOutOfBounds,
    /// `call_indirect` of a null element.
    IndirectCallToNull,
    /// `call_indirect` with the wrong signature.
    BadSignature,
    /// Division by zero.
    DivideByZero,
    /// Signed division overflow, or a float truncation that does not fit.
    IntegerOverflow,
    /// The engine's own stack, depth or fuel limit: not comparable between engines.
    Exhausted,
    /// Anything else (with the engine's message).
    Other,
}

/// What one engine observed for a module. Each exported function whose parameters are
/// numbers is called, in export-name order, on a fresh instance (so that the fuel counter
/// compiled into the module is full for every call); after the call the state is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The initialiser (data, elements, start function) trapped; then nothing else ran.
    pub start: Option<TrapClass>,
    /// Each call, in order.
    pub calls: Vec<Call>,
}

/// One call on a fresh instance and the state it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The export's name.
    pub name: String,
    /// How the call ended.
    pub ending: Ending,
    /// A hash (FNV-1a) of the first memory's bytes and its size afterwards, if there is
    /// a memory.
    pub memory: Option<(u64, usize)>,
    /// Exported number globals afterwards, by export name.
    pub globals: Vec<(String, Value)>,
}

/// The state read after a call: the memory as (FNV-1a, size) and the number globals.
pub type State = (Option<(u64, usize)>, Vec<(String, Value)>);

/// FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The arguments a call gets: deterministic per seed and export, mixing small and extreme
/// values.
pub fn arguments(seed: u64, export: usize, params: &[ValueType]) -> Vec<Value> {
    let mut state = seed ^ (export as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    const INTERESTING: [u64; 8] = [
        0,
        1,
        2,
        u64::MAX,
        0x8000_0000,
        0x7FFF_FFFF,
        0x8000_0000_0000_0000,
        100,
    ];
    params
        .iter()
        .map(|ty| {
            let r = next();
            let raw = if r % 3 == 0 {
                INTERESTING[(r >> 8) as usize % 8]
            } else {
                next()
            };
            match ty {
                ValueType::I32 => Value::I32(raw as u32),
                ValueType::I64 => Value::I64(raw),
                ValueType::F32 => Value::f32(raw as u32),
                ValueType::F64 => Value::f64(raw),
            }
        })
        .collect()
}

/// The numeric value types an exported function may take or return to be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// i32.
    I32,
    /// i64.
    I64,
    /// f32.
    F32,
    /// f64.
    F64,
}
