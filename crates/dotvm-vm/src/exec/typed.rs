//! The typed instructions: i32, i64, f32 and f64 operations, conversions, typed loads and
//! stores, and SELECT/SELECT64, with WebAssembly's semantics on every architecture.
//!
//! Slot layout (see `docs/architectures.md`): an i32 or f32 is zero-extended in one slot;
//! an i64 or f64 is zero-extended in one slot when the word has at least 64 bits, and on
//! Arch32 takes two slots, the low half deeper and the high half on top. Operations read
//! only the bits of their type and always write canonical (zero-extended) slots. The integer
//! operations reuse the `u32`/`u64` [`Word`] implementations, so an i32 on any architecture
//! behaves exactly like an Arch32 word and an i64 like an Arch64 word.

use super::float::{IntRange, WasmFloat, trunc_checked};
use super::operand::address;
use crate::memory::LinearMemory;
use crate::trap::TrapKind;
use crate::typed_op::{TypedInst, TypedLoad, TypedOp, TypedStore};
use crate::word::Word;
use crate::word_op::{compare, div_trap};
use dotvm_core::compare::Comparison;

/// The stack slots one typed instruction works on: its operands, deepest first, and room
/// for its results. Values are popped from and pushed to the end, like the real stack.
pub(super) struct Operands<'a, W> {
    slots: &'a mut [W],
    len: usize,
}

impl<'a, W: Word> Operands<'a, W> {
    /// The first `len` of `slots` are the operands; the rest is room for results.
    #[inline(always)]
    pub(super) fn new(slots: &'a mut [W], len: usize) -> Self {
        Operands { slots, len }
    }

    /// Slots in use: after the instruction, the height of its results.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// True when an i64 or f64 takes two slots (words narrower than 64 bits).
    const SPLIT: bool = W::BITS < 64;

    #[inline(always)]
    pub(super) fn pop(&mut self) -> W {
        self.len -= 1;
        self.slots[self.len]
    }

    #[inline(always)]
    fn push(&mut self, value: W) {
        self.slots[self.len] = value;
        self.len += 1;
    }

    #[inline(always)]
    pub(super) fn i32(&mut self) -> u32 {
        self.pop().low_u64() as u32
    }

    #[inline(always)]
    pub(super) fn i64(&mut self) -> u64 {
        if Self::SPLIT {
            let high = self.i32();
            let low = self.i32();
            u64::from(high) << 32 | u64::from(low)
        } else {
            self.pop().low_u64()
        }
    }

    #[inline(always)]
    fn f32(&mut self) -> f32 {
        f32::from_bits(self.i32())
    }

    #[inline(always)]
    fn f64(&mut self) -> f64 {
        f64::from_bits(self.i64())
    }

    #[inline(always)]
    pub(super) fn push_i32(&mut self, value: u32) {
        self.push(W::from_u64(u64::from(value)));
    }

    #[inline(always)]
    pub(super) fn push_i64(&mut self, value: u64) {
        if Self::SPLIT {
            self.push_i32(value as u32);
            self.push_i32((value >> 32) as u32);
        } else {
            self.push(W::from_u64(value));
        }
    }

    #[inline(always)]
    fn push_f32(&mut self, value: f32) {
        self.push_i32(value.to_bits());
    }

    #[inline(always)]
    fn push_f64(&mut self, value: f64) {
        self.push_i64(value.to_bits());
    }

    #[inline(always)]
    fn push_bool(&mut self, value: bool) {
        self.push_i32(u32::from(value));
    }

    /// Pops a `v128`: one slot (its low 16 bytes) when the word has at least 128 bits,
    /// otherwise `128 / BITS` slots, the least significant deepest.
    #[inline(always)]
    pub(super) fn v128(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        let width = W::BITS as usize / 8;
        if width >= 16 {
            let mut word = [0u8; 64];
            self.pop().write_le_slice(&mut word[..width]);
            bytes.copy_from_slice(&word[..16]);
        } else {
            for chunk in bytes.chunks_exact_mut(width).rev() {
                self.pop().write_le_slice(chunk);
            }
        }
        bytes
    }

    /// Pushes a `v128` in the slots [`Operands::v128`] reads.
    #[inline(always)]
    pub(super) fn push_v128(&mut self, bytes: [u8; 16]) {
        let width = W::BITS as usize / 8;
        if width >= 16 {
            let mut word = [0u8; 64];
            word[..16].copy_from_slice(&bytes);
            self.push(W::from_le_slice(&word[..width]));
        } else {
            for chunk in bytes.chunks_exact(width) {
                self.push(W::from_le_slice(chunk));
            }
        }
    }
}

/// Whether the i32 or i64 comparison `op` holds for `a` and `b`.
#[inline(always)]
fn integer_compare<W: Word>(op: TypedOp, a: W, b: W) -> bool {
    Comparison::of(op.opcode()).is_some_and(|(comparison, _)| compare(comparison, a, b))
}

/// Runs one typed instruction on `s`; loads and stores use `memory`. Always inlined: the
/// threaded engine calls it with a constant op, which folds it to that op's code.
#[inline(always)]
pub(super) fn execute<W: Word>(
    inst: TypedInst,
    s: &mut Operands<'_, W>,
    memory: &mut LinearMemory,
) -> Result<(), TrapKind> {
    use TypedOp::*;
    // `$pop -> $push`: pop one or two operands with `s.$pop()` (the top one is the last
    // parameter), push `$e` with `s.$push`.
    macro_rules! un {
        ($pop:ident -> $push:ident, |$a:ident| $e:expr) => {{
            let $a = s.$pop();
            let result = $e;
            s.$push(result);
        }};
    }
    macro_rules! bin {
        ($pop:ident -> $push:ident, |$a:ident, $b:ident| $e:expr) => {{
            let $b = s.$pop();
            let $a = s.$pop();
            let result = $e;
            s.$push(result);
        }};
    }
    // Typed loads and stores, by their access (`TypedLoad`, `TypedStore`).
    macro_rules! memory {
        (loads: $($load:ident),*; stores: $($store:ident),*) => {
            match inst.op {
                $( $load => return typed_load(TypedLoad::$load, inst.offset, s, memory), )*
                $( $store => return typed_store(TypedStore::$store, inst.offset, s, memory), )*
                _ => {}
            }
        };
    }
    memory!(
        loads: I32Load, I64Load, F32Load, F64Load, I32Load8S, I32Load8U, I32Load16S,
            I32Load16U, I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U;
        stores: I32Store, I64Store, F32Store, F64Store, I32Store8, I32Store16, I64Store8,
            I64Store16, I64Store32
    );
    match inst.op {
        // ---- i32 ----
        I32Eqz => un!(i32 -> push_bool, |a| a == 0),
        I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS | I32GeU => {
            bin!(i32 -> push_bool, |a, b| integer_compare(inst.op, a, b))
        }
        I32Clz => un!(i32 -> push_i32, |a| Word::clz(a)),
        I32Ctz => un!(i32 -> push_i32, |a| Word::ctz(a)),
        I32Popcnt => un!(i32 -> push_i32, |a| Word::popcnt(a)),
        I32Add => bin!(i32 -> push_i32, |a, b| Word::wrapping_add(a, b)),
        I32Sub => bin!(i32 -> push_i32, |a, b| Word::wrapping_sub(a, b)),
        I32Mul => bin!(i32 -> push_i32, |a, b| Word::wrapping_mul(a, b)),
        I32DivS => bin!(i32 -> push_i32, |a, b| a.div_s(b).map_err(div_trap)?),
        I32DivU => bin!(i32 -> push_i32, |a, b| a.div_u(b).map_err(div_trap)?),
        I32RemS => bin!(i32 -> push_i32, |a, b| a.rem_s(b).map_err(div_trap)?),
        I32RemU => bin!(i32 -> push_i32, |a, b| a.rem_u(b).map_err(div_trap)?),
        I32And => bin!(i32 -> push_i32, |a, b| a & b),
        I32Or => bin!(i32 -> push_i32, |a, b| a | b),
        I32Xor => bin!(i32 -> push_i32, |a, b| a ^ b),
        I32Shl => bin!(i32 -> push_i32, |a, b| Word::shl(a, b)),
        I32ShrS => bin!(i32 -> push_i32, |a, b| Word::sar(a, b)),
        I32ShrU => bin!(i32 -> push_i32, |a, b| Word::shr(a, b)),
        I32Rotl => bin!(i32 -> push_i32, |a, b| Word::rotl(a, b)),
        I32Rotr => bin!(i32 -> push_i32, |a, b| Word::rotr(a, b)),
        I32Extend8S => un!(i32 -> push_i32, |a| a as i8 as u32),
        I32Extend16S => un!(i32 -> push_i32, |a| a as i16 as u32),
        // ---- i64 ----
        I64Eqz => un!(i64 -> push_bool, |a| a == 0),
        I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS | I64GeU => {
            bin!(i64 -> push_bool, |a, b| integer_compare(inst.op, a, b))
        }
        I64Clz => un!(i64 -> push_i64, |a| Word::clz(a)),
        I64Ctz => un!(i64 -> push_i64, |a| Word::ctz(a)),
        I64Popcnt => un!(i64 -> push_i64, |a| Word::popcnt(a)),
        I64Add => bin!(i64 -> push_i64, |a, b| Word::wrapping_add(a, b)),
        I64Sub => bin!(i64 -> push_i64, |a, b| Word::wrapping_sub(a, b)),
        I64Mul => bin!(i64 -> push_i64, |a, b| Word::wrapping_mul(a, b)),
        I64DivS => bin!(i64 -> push_i64, |a, b| a.div_s(b).map_err(div_trap)?),
        I64DivU => bin!(i64 -> push_i64, |a, b| a.div_u(b).map_err(div_trap)?),
        I64RemS => bin!(i64 -> push_i64, |a, b| a.rem_s(b).map_err(div_trap)?),
        I64RemU => bin!(i64 -> push_i64, |a, b| a.rem_u(b).map_err(div_trap)?),
        I64And => bin!(i64 -> push_i64, |a, b| a & b),
        I64Or => bin!(i64 -> push_i64, |a, b| a | b),
        I64Xor => bin!(i64 -> push_i64, |a, b| a ^ b),
        I64Shl => bin!(i64 -> push_i64, |a, b| Word::shl(a, b)),
        I64ShrS => bin!(i64 -> push_i64, |a, b| Word::sar(a, b)),
        I64ShrU => bin!(i64 -> push_i64, |a, b| Word::shr(a, b)),
        I64Rotl => bin!(i64 -> push_i64, |a, b| Word::rotl(a, b)),
        I64Rotr => bin!(i64 -> push_i64, |a, b| Word::rotr(a, b)),
        I64Extend8S => un!(i64 -> push_i64, |a| a as i8 as u64),
        I64Extend16S => un!(i64 -> push_i64, |a| a as i16 as u64),
        I64Extend32S => un!(i64 -> push_i64, |a| a as i32 as u64),
        // ---- f32 ----
        F32Eq => bin!(f32 -> push_bool, |a, b| a == b),
        F32Ne => bin!(f32 -> push_bool, |a, b| a != b),
        F32Lt => bin!(f32 -> push_bool, |a, b| a < b),
        F32Gt => bin!(f32 -> push_bool, |a, b| a > b),
        F32Le => bin!(f32 -> push_bool, |a, b| a <= b),
        F32Ge => bin!(f32 -> push_bool, |a, b| a >= b),
        F32Abs => un!(f32 -> push_f32, |a| a.wasm_abs()),
        F32Neg => un!(f32 -> push_f32, |a| a.wasm_neg()),
        F32Ceil => un!(f32 -> push_f32, |a| a.ceil().canonical()),
        F32Floor => un!(f32 -> push_f32, |a| a.floor().canonical()),
        F32Trunc => un!(f32 -> push_f32, |a| a.trunc().canonical()),
        F32Nearest => un!(f32 -> push_f32, |a| a.round_ties_even().canonical()),
        F32Sqrt => un!(f32 -> push_f32, |a| a.sqrt().canonical()),
        F32Add => bin!(f32 -> push_f32, |a, b| (a + b).canonical()),
        F32Sub => bin!(f32 -> push_f32, |a, b| (a - b).canonical()),
        F32Mul => bin!(f32 -> push_f32, |a, b| (a * b).canonical()),
        F32Div => bin!(f32 -> push_f32, |a, b| (a / b).canonical()),
        F32Min => bin!(f32 -> push_f32, |a, b| a.wasm_min(b)),
        F32Max => bin!(f32 -> push_f32, |a, b| a.wasm_max(b)),
        F32Copysign => bin!(f32 -> push_f32, |a, b| a.wasm_copysign(b)),
        // ---- f64 ----
        F64Eq => bin!(f64 -> push_bool, |a, b| a == b),
        F64Ne => bin!(f64 -> push_bool, |a, b| a != b),
        F64Lt => bin!(f64 -> push_bool, |a, b| a < b),
        F64Gt => bin!(f64 -> push_bool, |a, b| a > b),
        F64Le => bin!(f64 -> push_bool, |a, b| a <= b),
        F64Ge => bin!(f64 -> push_bool, |a, b| a >= b),
        F64Abs => un!(f64 -> push_f64, |a| a.wasm_abs()),
        F64Neg => un!(f64 -> push_f64, |a| a.wasm_neg()),
        F64Ceil => un!(f64 -> push_f64, |a| a.ceil().canonical()),
        F64Floor => un!(f64 -> push_f64, |a| a.floor().canonical()),
        F64Trunc => un!(f64 -> push_f64, |a| a.trunc().canonical()),
        F64Nearest => un!(f64 -> push_f64, |a| a.round_ties_even().canonical()),
        F64Sqrt => un!(f64 -> push_f64, |a| a.sqrt().canonical()),
        F64Add => bin!(f64 -> push_f64, |a, b| (a + b).canonical()),
        F64Sub => bin!(f64 -> push_f64, |a, b| (a - b).canonical()),
        F64Mul => bin!(f64 -> push_f64, |a, b| (a * b).canonical()),
        F64Div => bin!(f64 -> push_f64, |a, b| (a / b).canonical()),
        F64Min => bin!(f64 -> push_f64, |a, b| a.wasm_min(b)),
        F64Max => bin!(f64 -> push_f64, |a, b| a.wasm_max(b)),
        F64Copysign => bin!(f64 -> push_f64, |a, b| a.wasm_copysign(b)),
        // ---- conversions ----
        I32WrapI64 => un!(i64 -> push_i32, |a| a as u32),
        I32TruncF32S => un!(f32 -> push_i32, |a| trunc_checked(a, IntRange::I32)? as i32 as u32),
        I32TruncF32U => un!(f32 -> push_i32, |a| trunc_checked(a, IntRange::U32)? as u32),
        I32TruncF64S => un!(f64 -> push_i32, |a| trunc_checked(a, IntRange::I32)? as i32 as u32),
        I32TruncF64U => un!(f64 -> push_i32, |a| trunc_checked(a, IntRange::U32)? as u32),
        I64ExtendI32S => un!(i32 -> push_i64, |a| a as i32 as u64),
        I64ExtendI32U => un!(i32 -> push_i64, |a| u64::from(a)),
        I64TruncF32S => un!(f32 -> push_i64, |a| trunc_checked(a, IntRange::I64)? as i64 as u64),
        I64TruncF32U => un!(f32 -> push_i64, |a| trunc_checked(a, IntRange::U64)? as u64),
        I64TruncF64S => un!(f64 -> push_i64, |a| trunc_checked(a, IntRange::I64)? as i64 as u64),
        I64TruncF64U => un!(f64 -> push_i64, |a| trunc_checked(a, IntRange::U64)? as u64),
        // Integer-to-float `as` casts round to nearest, ties to even, as wasm requires.
        F32ConvertI32S => un!(i32 -> push_f32, |a| a as i32 as f32),
        F32ConvertI32U => un!(i32 -> push_f32, |a| a as f32),
        F32ConvertI64S => un!(i64 -> push_f32, |a| a as i64 as f32),
        F32ConvertI64U => un!(i64 -> push_f32, |a| a as f32),
        F32DemoteF64 => un!(f64 -> push_f32, |a| (a as f32).canonical()),
        F64ConvertI32S => un!(i32 -> push_f64, |a| f64::from(a as i32)),
        F64ConvertI32U => un!(i32 -> push_f64, |a| f64::from(a)),
        F64ConvertI64S => un!(i64 -> push_f64, |a| a as i64 as f64),
        F64ConvertI64U => un!(i64 -> push_f64, |a| a as f64),
        F64PromoteF32 => un!(f32 -> push_f64, |a| f64::from(a).canonical()),
        I32ReinterpretF32 | F32ReinterpretI32 => un!(i32 -> push_i32, |a| a),
        I64ReinterpretF64 | F64ReinterpretI64 => un!(i64 -> push_i64, |a| a),
        // Float-to-integer `as` casts saturate and map NaN to 0: wasm's trunc_sat.
        I32TruncSatF32S => un!(f32 -> push_i32, |a| a as i32 as u32),
        I32TruncSatF32U => un!(f32 -> push_i32, |a| a as u32),
        I32TruncSatF64S => un!(f64 -> push_i32, |a| a as i32 as u32),
        I32TruncSatF64U => un!(f64 -> push_i32, |a| a as u32),
        I64TruncSatF32S => un!(f32 -> push_i64, |a| a as i64 as u64),
        I64TruncSatF32U => un!(f32 -> push_i64, |a| a as u64),
        I64TruncSatF64S => un!(f64 -> push_i64, |a| a as i64 as u64),
        I64TruncSatF64U => un!(f64 -> push_i64, |a| a as u64),
        // ---- typed memory (above) ----
        I32Load | I64Load | F32Load | F64Load | I32Load8S | I32Load8U | I32Load16S | I32Load16U
        | I64Load8S | I64Load8U | I64Load16S | I64Load16U | I64Load32S | I64Load32U | I32Store
        | I64Store | F32Store | F64Store | I32Store8 | I32Store16 | I64Store8 | I64Store16
        | I64Store32 => {}
        // ---- select ----
        Select => {
            let condition = s.i32();
            let b = s.pop();
            let a = s.pop();
            // A data-dependent choice (a parity test, a comparison of data) mispredicts as a
            // branch, and as a choice of which slot to load it adds a load to the chain:
            // select the loaded values.
            s.push(std::hint::select_unpredictable(condition != 0, a, b));
        }
        Select64 => {
            let condition = s.i32();
            let b = s.i64();
            let a = s.i64();
            s.push_i64(std::hint::select_unpredictable(condition != 0, a, b));
        }
    }
    Ok(())
}

/// A typed load: the value at the popped address plus `offset`.
#[inline(always)]
fn typed_load<W: Word>(
    load: TypedLoad,
    offset: u32,
    s: &mut Operands<'_, W>,
    memory: &LinearMemory,
) -> Result<(), TrapKind> {
    let bytes = load.bytes();
    let addr = address(s.pop(), bytes as u64)?;
    let raw = match bytes {
        1 => u64::from(memory.load::<1>(addr, offset)?[0]),
        2 => u64::from(u16::from_le_bytes(memory.load::<2>(addr, offset)?)),
        4 => u64::from(u32::from_le_bytes(memory.load::<4>(addr, offset)?)),
        _ => u64::from_le_bytes(memory.load::<8>(addr, offset)?),
    };
    let value = load.extend(raw);
    if load.wide() {
        s.push_i64(value);
    } else {
        s.push_i32(value as u32);
    }
    Ok(())
}

/// A typed store: the low bytes of the popped value at the popped address plus `offset`.
#[inline(always)]
fn typed_store<W: Word>(
    store: TypedStore,
    offset: u32,
    s: &mut Operands<'_, W>,
    memory: &mut LinearMemory,
) -> Result<(), TrapKind> {
    let value = if store.wide() {
        s.i64()
    } else {
        u64::from(s.i32())
    };
    let bytes = store.bytes();
    let addr = address(s.pop(), bytes as u64)?;
    let le = value.to_le_bytes();
    match bytes {
        1 => memory.store::<1>(addr, offset, [le[0]]),
        2 => memory.store::<2>(addr, offset, [le[0], le[1]]),
        4 => memory.store::<4>(addr, offset, [le[0], le[1], le[2], le[3]]),
        _ => memory.store::<8>(addr, offset, le),
    }
}

/// The one-slot result of the memory-free typed instruction `inst` on `operands` (its
/// `pops` slots, deepest first), or `None` when it traps: constant evaluation for the
/// translator (`crate::constant`).
pub(crate) fn typed_on_constants<W: Word>(inst: TypedInst, operands: &[W]) -> Option<W> {
    let mut slots = operands.to_vec();
    let mut s = Operands::new(&mut slots, operands.len());
    // Loads and stores are not evaluated: no memory holds anything.
    let mut memory = LinearMemory::new(0, Some(0), 0, 0).ok()?;
    execute(inst, &mut s, &mut memory).ok()?;
    (s.len() == 1).then(|| slots[0])
}
