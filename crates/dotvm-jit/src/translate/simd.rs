//! The simd128 (`v128`) instructions compiled inline with Cranelift's vector types, on the
//! architectures whose slots are Cranelift integers (Arch32, Arch64, Arch128).
//!
//! A `v128` lives in its slots as the interpreter keeps it (`exec/typed.rs`): four `i32`
//! slots on Arch32, two `i64` slots on Arch64, one `i128` slot on Arch128, the least
//! significant bytes (lane 0) deepest. An instruction reads its vector operands by joining
//! their slots into one Cranelift vector ([`Tx::vector`]) and writes its vector result split
//! back into slots ([`Tx::set_vector`]); the vector behind the slot values it wrote is
//! remembered ([`Vectors`]), so a later instruction reading the same slot values takes the
//! vector register as it is: within a run of vector instructions the slots are never
//! joined again, and the split lanes that nothing reads are dead code.
//!
//! Every translation has the interpreter's exact semantics (`exec/simd.rs`,
//! `exec/simd_hot.rs`): float lane arithmetic, rounding, `sqrt`, `min`/`max`, promotion
//! and demotion canonicalise NaN results as the interpreter does; `abs`, `neg`,
//! `pmin`/`pmax` and lane moves keep the bits. Loads and stores are bounds-checked exactly
//! like the scalar ones (`Tx::address`), a failing access stepped so the interpreter raises
//! its own trap. On Arch256 and Arch512 (slots in the frame), and on hosts whose Cranelift
//! backend lacks vector code for these instructions, every simd instruction is stepped.

use super::{Kind, Tx, flags};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{
    F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64, I64X2, I128,
};
use cranelift_codegen::ir::{
    BlockArg, ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use dotvm_core::Opcode;
use dotvm_core::instruction::Operand;
use dotvm_core::isa::Category;
use std::collections::HashMap;

/// The vectors behind slot values: the first slot's value of a vector that
/// [`Tx::set_vector`] split, with all its slot values and the vector itself.
#[derive(Default, Clone)]
pub(super) struct Vectors(HashMap<Value, (Vec<Value>, Value)>);

impl Vectors {
    /// True when `value` is one of a remembered vector's slot values.
    pub(super) fn holds(&self, value: Value) -> bool {
        self.0.values().any(|(slots, _)| slots.contains(&value))
    }
}

/// A builder of one vector from two.
type Binary = fn(&mut FunctionBuilder<'_>, Value, Value) -> Value;
/// A builder of one vector from one.
type Unary = fn(&mut FunctionBuilder<'_>, Value) -> Value;

/// How an instruction takes its operands and gives its result (the lane type it reads its
/// vector operands as comes first).
#[derive(Clone, Copy)]
enum Form {
    /// `a b -- r`; `true` when float NaN results are canonicalised.
    Binary(Type, bool, Binary),
    /// `a -- r`; `true` when float NaN results are canonicalised.
    Unary(Type, bool, Unary),
    /// `v n -- r`: every lane shifted by the i32 `n` modulo the lane width.
    Shift(Type, Shift),
    /// `x -- r`: every lane from the scalar `x` (of the kind).
    Splat(Type, Kind),
    /// `v -- x`: one lane as a scalar of the kind (narrow lanes extended as said).
    Extract(Type, Kind, Extend),
    /// `v x -- r`: one lane replaced by the scalar `x` of the kind.
    Replace(Type, Kind),
    /// `v -- i32`.
    Test(Type, Test),
    /// `a b c -- r`: the bits of `a` where `c` is set, of `b` elsewhere.
    Bitselect,
    /// `-- v`: the instruction's 16 bytes.
    Const,
    /// `a b -- r`: bytes of `a` and `b` picked by the instruction's 16 lane indices.
    Shuffle,
    /// `addr -- v`: a load of that many bytes made a vector.
    Load(u32, Load),
    /// `addr v -- r`: one lane of the type loaded.
    LoadLane(Type),
    /// `addr v --`: the 16 bytes stored.
    Store,
    /// `addr v --`: one lane of the type stored.
    StoreLane(Type),
}

/// The three lane shifts.
#[derive(Clone, Copy)]
enum Shift {
    /// Left.
    Left,
    /// Right, sign-filling.
    Signed,
    /// Right, zero-filling.
    Unsigned,
}

/// How an extracted lane narrower than 32 bits becomes an i32.
#[derive(Clone, Copy)]
enum Extend {
    /// The lane is as wide as the result.
    Full,
    /// Sign-extended.
    Signed,
    /// Zero-extended.
    Unsigned,
}

/// The tests of a whole vector.
#[derive(Clone, Copy)]
enum Test {
    /// 1 when any bit is set.
    Any,
    /// 1 when every lane is nonzero.
    All,
    /// The top bit of every lane, lane 0 in bit 0.
    Bitmask,
}

/// How a load's bytes become a vector.
#[derive(Clone, Copy)]
enum Load {
    /// The 16 bytes as they are.
    Whole,
    /// Eight bytes, each lane widened to twice its width (`sload8x8` … `uload32x2`).
    Widen(Type, bool),
    /// One lane of the type in every lane.
    Splat(Type),
    /// One lane of the type in lane 0, the others zero.
    Zero(Type),
}

/// True when Cranelift's backend for this host compiles every vector instruction used
/// here (on x86-64 some lowerings need SSSE3, SSE4.1 or SSE4.2; the standard library
/// caches the answer).
fn host_vectors() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("ssse3")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("sse4.2")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// Little-endian flags for bitcasts that change the lane count.
fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// `x` widened (`signed`, from its `high` half) to lanes twice as wide.
fn widen(b: &mut FunctionBuilder<'_>, x: Value, signed: bool, high: bool) -> Value {
    match (signed, high) {
        (true, false) => b.ins().swiden_low(x),
        (true, true) => b.ins().swiden_high(x),
        (false, false) => b.ins().uwiden_low(x),
        (false, true) => b.ins().uwiden_high(x),
    }
}

/// The products of the widened lanes of one half of `x` and `y`.
fn ext_mul(b: &mut FunctionBuilder<'_>, x: Value, y: Value, signed: bool, high: bool) -> Value {
    let x = widen(b, x, signed, high);
    let y = widen(b, y, signed, high);
    b.ins().imul(x, y)
}

/// Adjacent lane pairs of `x` added into lanes twice as wide.
fn add_pairs(b: &mut FunctionBuilder<'_>, x: Value, signed: bool) -> Value {
    let low = widen(b, x, signed, false);
    let high = widen(b, x, signed, true);
    b.ins().iadd_pairwise(low, high)
}

/// The form of simd instruction `op`, or `None` for one this module does not translate.
fn form(op: Opcode) -> Option<Form> {
    use Form::{Binary as B, Unary as U};
    use Opcode as O;
    macro_rules! icmp {
        ($ty:expr, $cc:expr) => {
            B($ty, false, |b, x, y| b.ins().icmp($cc, x, y))
        };
    }
    macro_rules! fcmp {
        ($ty:expr, $cc:expr) => {
            B($ty, false, |b, x, y| b.ins().fcmp($cc, x, y))
        };
    }
    Some(match op {
        // ---- bitwise ----
        O::V128And => B(I64X2, false, |b, x, y| b.ins().band(x, y)),
        O::V128AndNot => B(I64X2, false, |b, x, y| b.ins().band_not(x, y)),
        O::V128Or => B(I64X2, false, |b, x, y| b.ins().bor(x, y)),
        O::V128Xor => B(I64X2, false, |b, x, y| b.ins().bxor(x, y)),
        O::V128Not => U(I64X2, false, |b, x| b.ins().bnot(x)),
        O::V128Bitselect => Form::Bitselect,
        O::V128AnyTrue => Form::Test(I8X16, Test::Any),
        // ---- byte selection ----
        O::I8x16Swizzle => B(I8X16, false, |b, x, y| b.ins().swizzle(x, y)),
        O::I8x16Shuffle => Form::Shuffle,
        O::V128Const => Form::Const,
        // ---- integer lane arithmetic ----
        O::I8x16Add => B(I8X16, false, |b, x, y| b.ins().iadd(x, y)),
        O::I16x8Add => B(I16X8, false, |b, x, y| b.ins().iadd(x, y)),
        O::I32x4Add => B(I32X4, false, |b, x, y| b.ins().iadd(x, y)),
        O::I64x2Add => B(I64X2, false, |b, x, y| b.ins().iadd(x, y)),
        O::I8x16Sub => B(I8X16, false, |b, x, y| b.ins().isub(x, y)),
        O::I16x8Sub => B(I16X8, false, |b, x, y| b.ins().isub(x, y)),
        O::I32x4Sub => B(I32X4, false, |b, x, y| b.ins().isub(x, y)),
        O::I64x2Sub => B(I64X2, false, |b, x, y| b.ins().isub(x, y)),
        O::I16x8Mul => B(I16X8, false, |b, x, y| b.ins().imul(x, y)),
        O::I32x4Mul => B(I32X4, false, |b, x, y| b.ins().imul(x, y)),
        O::I64x2Mul => B(I64X2, false, |b, x, y| b.ins().imul(x, y)),
        O::I8x16AddSatS => B(I8X16, false, |b, x, y| b.ins().sadd_sat(x, y)),
        O::I8x16AddSatU => B(I8X16, false, |b, x, y| b.ins().uadd_sat(x, y)),
        O::I8x16SubSatS => B(I8X16, false, |b, x, y| b.ins().ssub_sat(x, y)),
        O::I8x16SubSatU => B(I8X16, false, |b, x, y| b.ins().usub_sat(x, y)),
        O::I16x8AddSatS => B(I16X8, false, |b, x, y| b.ins().sadd_sat(x, y)),
        O::I16x8AddSatU => B(I16X8, false, |b, x, y| b.ins().uadd_sat(x, y)),
        O::I16x8SubSatS => B(I16X8, false, |b, x, y| b.ins().ssub_sat(x, y)),
        O::I16x8SubSatU => B(I16X8, false, |b, x, y| b.ins().usub_sat(x, y)),
        O::I8x16MinS => B(I8X16, false, |b, x, y| b.ins().smin(x, y)),
        O::I8x16MinU => B(I8X16, false, |b, x, y| b.ins().umin(x, y)),
        O::I8x16MaxS => B(I8X16, false, |b, x, y| b.ins().smax(x, y)),
        O::I8x16MaxU => B(I8X16, false, |b, x, y| b.ins().umax(x, y)),
        O::I16x8MinS => B(I16X8, false, |b, x, y| b.ins().smin(x, y)),
        O::I16x8MinU => B(I16X8, false, |b, x, y| b.ins().umin(x, y)),
        O::I16x8MaxS => B(I16X8, false, |b, x, y| b.ins().smax(x, y)),
        O::I16x8MaxU => B(I16X8, false, |b, x, y| b.ins().umax(x, y)),
        O::I32x4MinS => B(I32X4, false, |b, x, y| b.ins().smin(x, y)),
        O::I32x4MinU => B(I32X4, false, |b, x, y| b.ins().umin(x, y)),
        O::I32x4MaxS => B(I32X4, false, |b, x, y| b.ins().smax(x, y)),
        O::I32x4MaxU => B(I32X4, false, |b, x, y| b.ins().umax(x, y)),
        O::I8x16AvgrU => B(I8X16, false, |b, x, y| b.ins().avg_round(x, y)),
        O::I16x8AvgrU => B(I16X8, false, |b, x, y| b.ins().avg_round(x, y)),
        O::I16x8Q15MulrSatS => B(I16X8, false, |b, x, y| b.ins().sqmul_round_sat(x, y)),
        O::I8x16NarrowI16x8S => B(I16X8, false, |b, x, y| b.ins().snarrow(x, y)),
        O::I8x16NarrowI16x8U => B(I16X8, false, |b, x, y| b.ins().unarrow(x, y)),
        O::I16x8NarrowI32x4S => B(I32X4, false, |b, x, y| b.ins().snarrow(x, y)),
        O::I16x8NarrowI32x4U => B(I32X4, false, |b, x, y| b.ins().unarrow(x, y)),
        O::I32x4DotI16x8S => B(I16X8, false, |b, x, y| {
            let low = ext_mul(b, x, y, true, false);
            let high = ext_mul(b, x, y, true, true);
            b.ins().iadd_pairwise(low, high)
        }),
        O::I16x8ExtMulLowI8x16S => B(I8X16, false, |b, x, y| ext_mul(b, x, y, true, false)),
        O::I16x8ExtMulHighI8x16S => B(I8X16, false, |b, x, y| ext_mul(b, x, y, true, true)),
        O::I16x8ExtMulLowI8x16U => B(I8X16, false, |b, x, y| ext_mul(b, x, y, false, false)),
        O::I16x8ExtMulHighI8x16U => B(I8X16, false, |b, x, y| ext_mul(b, x, y, false, true)),
        O::I32x4ExtMulLowI16x8S => B(I16X8, false, |b, x, y| ext_mul(b, x, y, true, false)),
        O::I32x4ExtMulHighI16x8S => B(I16X8, false, |b, x, y| ext_mul(b, x, y, true, true)),
        O::I32x4ExtMulLowI16x8U => B(I16X8, false, |b, x, y| ext_mul(b, x, y, false, false)),
        O::I32x4ExtMulHighI16x8U => B(I16X8, false, |b, x, y| ext_mul(b, x, y, false, true)),
        O::I64x2ExtMulLowI32x4S => B(I32X4, false, |b, x, y| ext_mul(b, x, y, true, false)),
        O::I64x2ExtMulHighI32x4S => B(I32X4, false, |b, x, y| ext_mul(b, x, y, true, true)),
        O::I64x2ExtMulLowI32x4U => B(I32X4, false, |b, x, y| ext_mul(b, x, y, false, false)),
        O::I64x2ExtMulHighI32x4U => B(I32X4, false, |b, x, y| ext_mul(b, x, y, false, true)),
        O::I8x16Abs => U(I8X16, false, |b, x| b.ins().iabs(x)),
        O::I16x8Abs => U(I16X8, false, |b, x| b.ins().iabs(x)),
        O::I32x4Abs => U(I32X4, false, |b, x| b.ins().iabs(x)),
        O::I64x2Abs => U(I64X2, false, |b, x| b.ins().iabs(x)),
        O::I8x16Neg => U(I8X16, false, |b, x| b.ins().ineg(x)),
        O::I16x8Neg => U(I16X8, false, |b, x| b.ins().ineg(x)),
        O::I32x4Neg => U(I32X4, false, |b, x| b.ins().ineg(x)),
        O::I64x2Neg => U(I64X2, false, |b, x| b.ins().ineg(x)),
        O::I8x16Popcnt => U(I8X16, false, |b, x| b.ins().popcnt(x)),
        O::I16x8ExtAddPairwiseI8x16S => U(I8X16, false, |b, x| add_pairs(b, x, true)),
        O::I16x8ExtAddPairwiseI8x16U => U(I8X16, false, |b, x| add_pairs(b, x, false)),
        O::I32x4ExtAddPairwiseI16x8S => U(I16X8, false, |b, x| add_pairs(b, x, true)),
        O::I32x4ExtAddPairwiseI16x8U => U(I16X8, false, |b, x| add_pairs(b, x, false)),
        O::I16x8ExtendLowI8x16S => U(I8X16, false, |b, x| widen(b, x, true, false)),
        O::I16x8ExtendHighI8x16S => U(I8X16, false, |b, x| widen(b, x, true, true)),
        O::I16x8ExtendLowI8x16U => U(I8X16, false, |b, x| widen(b, x, false, false)),
        O::I16x8ExtendHighI8x16U => U(I8X16, false, |b, x| widen(b, x, false, true)),
        O::I32x4ExtendLowI16x8S => U(I16X8, false, |b, x| widen(b, x, true, false)),
        O::I32x4ExtendHighI16x8S => U(I16X8, false, |b, x| widen(b, x, true, true)),
        O::I32x4ExtendLowI16x8U => U(I16X8, false, |b, x| widen(b, x, false, false)),
        O::I32x4ExtendHighI16x8U => U(I16X8, false, |b, x| widen(b, x, false, true)),
        O::I64x2ExtendLowI32x4S => U(I32X4, false, |b, x| widen(b, x, true, false)),
        O::I64x2ExtendHighI32x4S => U(I32X4, false, |b, x| widen(b, x, true, true)),
        O::I64x2ExtendLowI32x4U => U(I32X4, false, |b, x| widen(b, x, false, false)),
        O::I64x2ExtendHighI32x4U => U(I32X4, false, |b, x| widen(b, x, false, true)),
        // ---- shifts ----
        O::I8x16Shl => Form::Shift(I8X16, Shift::Left),
        O::I8x16ShrS => Form::Shift(I8X16, Shift::Signed),
        O::I8x16ShrU => Form::Shift(I8X16, Shift::Unsigned),
        O::I16x8Shl => Form::Shift(I16X8, Shift::Left),
        O::I16x8ShrS => Form::Shift(I16X8, Shift::Signed),
        O::I16x8ShrU => Form::Shift(I16X8, Shift::Unsigned),
        O::I32x4Shl => Form::Shift(I32X4, Shift::Left),
        O::I32x4ShrS => Form::Shift(I32X4, Shift::Signed),
        O::I32x4ShrU => Form::Shift(I32X4, Shift::Unsigned),
        O::I64x2Shl => Form::Shift(I64X2, Shift::Left),
        O::I64x2ShrS => Form::Shift(I64X2, Shift::Signed),
        O::I64x2ShrU => Form::Shift(I64X2, Shift::Unsigned),
        // ---- integer comparisons ----
        O::I8x16Eq => icmp!(I8X16, IntCC::Equal),
        O::I8x16Ne => icmp!(I8X16, IntCC::NotEqual),
        O::I8x16LtS => icmp!(I8X16, IntCC::SignedLessThan),
        O::I8x16LtU => icmp!(I8X16, IntCC::UnsignedLessThan),
        O::I8x16GtS => icmp!(I8X16, IntCC::SignedGreaterThan),
        O::I8x16GtU => icmp!(I8X16, IntCC::UnsignedGreaterThan),
        O::I8x16LeS => icmp!(I8X16, IntCC::SignedLessThanOrEqual),
        O::I8x16LeU => icmp!(I8X16, IntCC::UnsignedLessThanOrEqual),
        O::I8x16GeS => icmp!(I8X16, IntCC::SignedGreaterThanOrEqual),
        O::I8x16GeU => icmp!(I8X16, IntCC::UnsignedGreaterThanOrEqual),
        O::I16x8Eq => icmp!(I16X8, IntCC::Equal),
        O::I16x8Ne => icmp!(I16X8, IntCC::NotEqual),
        O::I16x8LtS => icmp!(I16X8, IntCC::SignedLessThan),
        O::I16x8LtU => icmp!(I16X8, IntCC::UnsignedLessThan),
        O::I16x8GtS => icmp!(I16X8, IntCC::SignedGreaterThan),
        O::I16x8GtU => icmp!(I16X8, IntCC::UnsignedGreaterThan),
        O::I16x8LeS => icmp!(I16X8, IntCC::SignedLessThanOrEqual),
        O::I16x8LeU => icmp!(I16X8, IntCC::UnsignedLessThanOrEqual),
        O::I16x8GeS => icmp!(I16X8, IntCC::SignedGreaterThanOrEqual),
        O::I16x8GeU => icmp!(I16X8, IntCC::UnsignedGreaterThanOrEqual),
        O::I32x4Eq => icmp!(I32X4, IntCC::Equal),
        O::I32x4Ne => icmp!(I32X4, IntCC::NotEqual),
        O::I32x4LtS => icmp!(I32X4, IntCC::SignedLessThan),
        O::I32x4LtU => icmp!(I32X4, IntCC::UnsignedLessThan),
        O::I32x4GtS => icmp!(I32X4, IntCC::SignedGreaterThan),
        O::I32x4GtU => icmp!(I32X4, IntCC::UnsignedGreaterThan),
        O::I32x4LeS => icmp!(I32X4, IntCC::SignedLessThanOrEqual),
        O::I32x4LeU => icmp!(I32X4, IntCC::UnsignedLessThanOrEqual),
        O::I32x4GeS => icmp!(I32X4, IntCC::SignedGreaterThanOrEqual),
        O::I32x4GeU => icmp!(I32X4, IntCC::UnsignedGreaterThanOrEqual),
        O::I64x2Eq => icmp!(I64X2, IntCC::Equal),
        O::I64x2Ne => icmp!(I64X2, IntCC::NotEqual),
        O::I64x2LtS => icmp!(I64X2, IntCC::SignedLessThan),
        O::I64x2GtS => icmp!(I64X2, IntCC::SignedGreaterThan),
        O::I64x2LeS => icmp!(I64X2, IntCC::SignedLessThanOrEqual),
        O::I64x2GeS => icmp!(I64X2, IntCC::SignedGreaterThanOrEqual),
        // ---- float comparisons (IEEE: NaN compares unequal) ----
        O::F32x4Eq => fcmp!(F32X4, FloatCC::Equal),
        O::F32x4Ne => fcmp!(F32X4, FloatCC::NotEqual),
        O::F32x4Lt => fcmp!(F32X4, FloatCC::LessThan),
        O::F32x4Gt => fcmp!(F32X4, FloatCC::GreaterThan),
        O::F32x4Le => fcmp!(F32X4, FloatCC::LessThanOrEqual),
        O::F32x4Ge => fcmp!(F32X4, FloatCC::GreaterThanOrEqual),
        O::F64x2Eq => fcmp!(F64X2, FloatCC::Equal),
        O::F64x2Ne => fcmp!(F64X2, FloatCC::NotEqual),
        O::F64x2Lt => fcmp!(F64X2, FloatCC::LessThan),
        O::F64x2Gt => fcmp!(F64X2, FloatCC::GreaterThan),
        O::F64x2Le => fcmp!(F64X2, FloatCC::LessThanOrEqual),
        O::F64x2Ge => fcmp!(F64X2, FloatCC::GreaterThanOrEqual),
        // ---- float lanes: NaN results canonical but for abs, neg, pmin, pmax ----
        O::F32x4Add => B(F32X4, true, |b, x, y| b.ins().fadd(x, y)),
        O::F32x4Sub => B(F32X4, true, |b, x, y| b.ins().fsub(x, y)),
        O::F32x4Mul => B(F32X4, true, |b, x, y| b.ins().fmul(x, y)),
        O::F32x4Div => B(F32X4, true, |b, x, y| b.ins().fdiv(x, y)),
        O::F32x4Min => B(F32X4, true, |b, x, y| b.ins().fmin(x, y)),
        O::F32x4Max => B(F32X4, true, |b, x, y| b.ins().fmax(x, y)),
        O::F64x2Add => B(F64X2, true, |b, x, y| b.ins().fadd(x, y)),
        O::F64x2Sub => B(F64X2, true, |b, x, y| b.ins().fsub(x, y)),
        O::F64x2Mul => B(F64X2, true, |b, x, y| b.ins().fmul(x, y)),
        O::F64x2Div => B(F64X2, true, |b, x, y| b.ins().fdiv(x, y)),
        O::F64x2Min => B(F64X2, true, |b, x, y| b.ins().fmin(x, y)),
        O::F64x2Max => B(F64X2, true, |b, x, y| b.ins().fmax(x, y)),
        // `y < x ? y : x` and `x < y ? y : x`, bits unchanged.
        O::F32x4PMin => B(F32X4, false, |b, x, y| if_less(b, (y, x), y, x)),
        O::F32x4PMax => B(F32X4, false, |b, x, y| if_less(b, (x, y), y, x)),
        O::F64x2PMin => B(F64X2, false, |b, x, y| if_less(b, (y, x), y, x)),
        O::F64x2PMax => B(F64X2, false, |b, x, y| if_less(b, (x, y), y, x)),
        O::F32x4Abs => U(F32X4, false, |b, x| b.ins().fabs(x)),
        O::F32x4Neg => U(F32X4, false, |b, x| b.ins().fneg(x)),
        O::F64x2Abs => U(F64X2, false, |b, x| b.ins().fabs(x)),
        O::F64x2Neg => U(F64X2, false, |b, x| b.ins().fneg(x)),
        O::F32x4Sqrt => U(F32X4, true, |b, x| b.ins().sqrt(x)),
        O::F32x4Ceil => U(F32X4, true, |b, x| b.ins().ceil(x)),
        O::F32x4Floor => U(F32X4, true, |b, x| b.ins().floor(x)),
        O::F32x4Trunc => U(F32X4, true, |b, x| b.ins().trunc(x)),
        O::F32x4Nearest => U(F32X4, true, |b, x| b.ins().nearest(x)),
        O::F64x2Sqrt => U(F64X2, true, |b, x| b.ins().sqrt(x)),
        O::F64x2Ceil => U(F64X2, true, |b, x| b.ins().ceil(x)),
        O::F64x2Floor => U(F64X2, true, |b, x| b.ins().floor(x)),
        O::F64x2Trunc => U(F64X2, true, |b, x| b.ins().trunc(x)),
        O::F64x2Nearest => U(F64X2, true, |b, x| b.ins().nearest(x)),
        O::F32x4DemoteF64x2Zero => U(F64X2, true, |b, x| b.ins().fvdemote(x)),
        O::F64x2PromoteLowF32x4 => U(F32X4, true, |b, x| b.ins().fvpromote_low(x)),
        // ---- conversions (saturating, NaN to 0) ----
        O::I32x4TruncSatF32x4S => U(F32X4, false, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x)),
        O::I32x4TruncSatF32x4U => U(F32X4, false, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x)),
        O::F32x4ConvertI32x4S => U(I32X4, false, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
        O::F32x4ConvertI32x4U => U(I32X4, false, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
        O::I32x4TruncSatF64x2SZero => U(F64X2, false, |b, x| {
            let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
            let zero = zero_vector(b, I64X2);
            b.ins().snarrow(wide, zero)
        }),
        O::I32x4TruncSatF64x2UZero => U(F64X2, false, |b, x| {
            let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
            let zero = zero_vector(b, I64X2);
            b.ins().uunarrow(wide, zero)
        }),
        O::F64x2ConvertLowI32x4S => U(I32X4, false, |b, x| {
            let wide = b.ins().swiden_low(x);
            b.ins().fcvt_from_sint(F64X2, wide)
        }),
        O::F64x2ConvertLowI32x4U => U(I32X4, false, |b, x| {
            let wide = b.ins().uwiden_low(x);
            b.ins().fcvt_from_uint(F64X2, wide)
        }),
        // ---- tests ----
        O::I8x16AllTrue => Form::Test(I8X16, Test::All),
        O::I16x8AllTrue => Form::Test(I16X8, Test::All),
        O::I32x4AllTrue => Form::Test(I32X4, Test::All),
        O::I64x2AllTrue => Form::Test(I64X2, Test::All),
        O::I8x16Bitmask => Form::Test(I8X16, Test::Bitmask),
        O::I16x8Bitmask => Form::Test(I16X8, Test::Bitmask),
        O::I32x4Bitmask => Form::Test(I32X4, Test::Bitmask),
        O::I64x2Bitmask => Form::Test(I64X2, Test::Bitmask),
        // ---- splats and lanes ----
        O::I8x16Splat => Form::Splat(I8X16, Kind::I32),
        O::I16x8Splat => Form::Splat(I16X8, Kind::I32),
        O::I32x4Splat | O::F32x4Splat => Form::Splat(I32X4, Kind::I32),
        O::I64x2Splat | O::F64x2Splat => Form::Splat(I64X2, Kind::I64),
        O::I8x16ExtractLaneS => Form::Extract(I8X16, Kind::I32, Extend::Signed),
        O::I8x16ExtractLaneU => Form::Extract(I8X16, Kind::I32, Extend::Unsigned),
        O::I16x8ExtractLaneS => Form::Extract(I16X8, Kind::I32, Extend::Signed),
        O::I16x8ExtractLaneU => Form::Extract(I16X8, Kind::I32, Extend::Unsigned),
        O::I32x4ExtractLane | O::F32x4ExtractLane => Form::Extract(I32X4, Kind::I32, Extend::Full),
        O::I64x2ExtractLane | O::F64x2ExtractLane => Form::Extract(I64X2, Kind::I64, Extend::Full),
        O::I8x16ReplaceLane => Form::Replace(I8X16, Kind::I32),
        O::I16x8ReplaceLane => Form::Replace(I16X8, Kind::I32),
        O::I32x4ReplaceLane | O::F32x4ReplaceLane => Form::Replace(I32X4, Kind::I32),
        O::I64x2ReplaceLane | O::F64x2ReplaceLane => Form::Replace(I64X2, Kind::I64),
        // ---- memory ----
        O::V128Load => Form::Load(16, Load::Whole),
        O::V128Load8x8S => Form::Load(8, Load::Widen(I16X8, true)),
        O::V128Load8x8U => Form::Load(8, Load::Widen(I16X8, false)),
        O::V128Load16x4S => Form::Load(8, Load::Widen(I32X4, true)),
        O::V128Load16x4U => Form::Load(8, Load::Widen(I32X4, false)),
        O::V128Load32x2S => Form::Load(8, Load::Widen(I64X2, true)),
        O::V128Load32x2U => Form::Load(8, Load::Widen(I64X2, false)),
        O::V128Load8Splat => Form::Load(1, Load::Splat(I8X16)),
        O::V128Load16Splat => Form::Load(2, Load::Splat(I16X8)),
        O::V128Load32Splat => Form::Load(4, Load::Splat(I32X4)),
        O::V128Load64Splat => Form::Load(8, Load::Splat(I64X2)),
        O::V128Load32Zero => Form::Load(4, Load::Zero(I32X4)),
        O::V128Load64Zero => Form::Load(8, Load::Zero(I64X2)),
        O::V128Load8Lane => Form::LoadLane(I8X16),
        O::V128Load16Lane => Form::LoadLane(I16X8),
        O::V128Load32Lane => Form::LoadLane(I32X4),
        O::V128Load64Lane => Form::LoadLane(I64X2),
        O::V128Store => Form::Store,
        O::V128Store8Lane => Form::StoreLane(I8X16),
        O::V128Store16Lane => Form::StoreLane(I16X8),
        O::V128Store32Lane => Form::StoreLane(I32X4),
        O::V128Store64Lane => Form::StoreLane(I64X2),
        _ => return None,
    })
}

/// Lane by lane, `then` where `p < q` (ordered), else `other` (bits unchanged).
fn if_less(
    b: &mut FunctionBuilder<'_>,
    (p, q): (Value, Value),
    then: Value,
    other: Value,
) -> Value {
    let ty = b.func.dfg.value_type(then);
    let less = b.ins().fcmp(FloatCC::LessThan, p, q);
    let less = b.ins().bitcast(ty, little(), less);
    b.ins().bitselect(less, then, other)
}

/// The zero vector of `ty`.
fn zero_vector(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    let zero = b
        .func
        .dfg
        .constants
        .insert(ConstantData::from(vec![0u8; 16]));
    b.ins().vconst(ty, zero)
}

impl Tx<'_, '_, '_> {
    /// Translates simd instruction `index` (operand height `h`) inline when this
    /// architecture and host allow it and the instruction has an inline form. Returns
    /// false otherwise (the caller steps it).
    pub(super) fn simd_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        if op.info().category != Category::Simd || self.limbs.is_some() || !host_vectors() {
            return false;
        }
        let Some(form) = form(op) else {
            return false;
        };
        let n = self.v128_slots();
        let w64 = self.width(Kind::I64);
        let width = |kind: Kind| if kind == Kind::I64 { w64 } else { 1 };
        // The slots the form pops and pushes, checked against the verifier's stack effect
        // (a mismatch is stepped rather than translated wrongly).
        let (pops, pushes) = match form {
            Form::Binary(..) | Form::Shuffle => (2 * n, n),
            Form::Unary(..) => (n, n),
            Form::Shift(..) => (n + 1, n),
            Form::Splat(_, kind) => (width(kind), n),
            Form::Extract(_, kind, _) => (n, width(kind)),
            Form::Replace(_, kind) => (n + width(kind), n),
            Form::Test(..) => (n, 1),
            Form::Bitselect => (3 * n, n),
            Form::Const => (0, n),
            Form::Load(..) => (1, n),
            Form::LoadLane(_) => (1 + n, n),
            Form::Store | Form::StoreLane(_) => (1 + n, 0),
        };
        if self.env.shape.effects[index as usize] != (pops, pushes) || h < pops {
            return false;
        }
        let at = h - pops;
        let operand = self.f.instruction(index).operand.clone();
        let lane = match operand {
            Operand::Lane(lane) | Operand::MemLane(_, lane) => u32::from(lane),
            _ => 0,
        };
        let offset = match operand {
            Operand::Offset(offset) | Operand::MemLane(offset, _) => offset,
            _ => 0,
        };
        // A lane index beyond the lanes (which the verifier rejects) is left to the
        // interpreter.
        let lanes = |ty: Type| ty.lane_count();
        match form {
            Form::Binary(ty, canonical, f) => {
                let a = self.vector(at, ty);
                let b = self.vector(at + n, ty);
                let r = f(&mut self.b, a, b);
                let r = if canonical {
                    self.canonical_lanes(r)
                } else {
                    r
                };
                self.set_vector(at, r);
            }
            Form::Unary(ty, canonical, f) => {
                let a = self.vector(at, ty);
                let r = f(&mut self.b, a);
                let r = if canonical {
                    self.canonical_lanes(r)
                } else {
                    r
                };
                self.set_vector(at, r);
            }
            Form::Shift(ty, shift) => {
                let a = self.vector(at, ty);
                let count = self.typed(at + n, Kind::I32);
                let count = self
                    .b
                    .ins()
                    .band_imm_u(count, i64::from(ty.lane_bits() - 1));
                let r = match shift {
                    Shift::Left => self.b.ins().ishl(a, count),
                    Shift::Signed => self.b.ins().sshr(a, count),
                    Shift::Unsigned => self.b.ins().ushr(a, count),
                };
                self.set_vector(at, r);
            }
            Form::Splat(ty, kind) => {
                let x = self.typed(at, kind);
                let x = self.narrow_to_lane(x, ty);
                let r = self.b.ins().splat(ty, x);
                self.set_vector(at, r);
            }
            Form::Extract(ty, kind, extend) => {
                if lane >= lanes(ty) {
                    return false;
                }
                let v = self.vector(at, ty);
                let x = self.b.ins().extractlane(v, lane as u8);
                let x = match extend {
                    Extend::Full => x,
                    Extend::Signed => self.b.ins().sextend(I32, x),
                    Extend::Unsigned => self.b.ins().uextend(I32, x),
                };
                self.put(at, kind, x);
            }
            Form::Replace(ty, kind) => {
                if lane >= lanes(ty) {
                    return false;
                }
                let v = self.vector(at, ty);
                let x = self.typed(at + n, kind);
                let x = self.narrow_to_lane(x, ty);
                let r = self.b.ins().insertlane(v, x, lane as u8);
                self.set_vector(at, r);
            }
            Form::Test(ty, test) => {
                let v = self.vector(at, ty);
                let r = match test {
                    Test::Any => {
                        let t = self.b.ins().vany_true(v);
                        self.b.ins().uextend(I32, t)
                    }
                    Test::All => {
                        let t = self.b.ins().vall_true(v);
                        self.b.ins().uextend(I32, t)
                    }
                    Test::Bitmask => self.b.ins().vhigh_bits(I32, v),
                };
                self.put(at, Kind::I32, r);
            }
            Form::Bitselect => {
                let a = self.vector(at, I64X2);
                let b = self.vector(at + n, I64X2);
                let c = self.vector(at + 2 * n, I64X2);
                let r = self.b.ins().bitselect(c, a, b);
                self.set_vector(at, r);
            }
            Form::Const => {
                let Operand::Bytes16(bytes) = operand else {
                    return false;
                };
                self.set_const(at, bytes);
            }
            Form::Shuffle => {
                let Operand::Bytes16(mask) = operand else {
                    return false;
                };
                // The interpreter takes each index modulo 32.
                let mask: Vec<u8> = mask.iter().map(|i| i & 31).collect();
                let a = self.vector(at, I8X16);
                let b = self.vector(at + n, I8X16);
                let mask = self.b.func.dfg.immediates.push(ConstantData::from(mask));
                let r = self.b.ins().shuffle(a, b, mask);
                self.set_vector(at, r);
            }
            Form::Load(bytes, load) => {
                self.vector_load(index, h, (at, offset, bytes), at, |b, host| {
                    let fl = flags();
                    match load {
                        Load::Whole => b.ins().load(I8X16, fl, host, 0),
                        Load::Widen(ty, signed) => match (ty, signed) {
                            (I16X8, true) => b.ins().sload8x8(fl, host, 0),
                            (I16X8, false) => b.ins().uload8x8(fl, host, 0),
                            (I32X4, true) => b.ins().sload16x4(fl, host, 0),
                            (I32X4, false) => b.ins().uload16x4(fl, host, 0),
                            (_, true) => b.ins().sload32x2(fl, host, 0),
                            (_, false) => b.ins().uload32x2(fl, host, 0),
                        },
                        Load::Splat(ty) => {
                            let x = b.ins().load(ty.lane_type(), fl, host, 0);
                            b.ins().splat(ty, x)
                        }
                        Load::Zero(ty) => {
                            let x = b.ins().load(ty.lane_type(), fl, host, 0);
                            b.ins().scalar_to_vector(ty, x)
                        }
                    }
                });
            }
            Form::LoadLane(ty) => {
                if lane >= lanes(ty) {
                    return false;
                }
                let v = self.vector(at + 1, ty);
                let bytes = ty.lane_bits() / 8;
                self.vector_load(index, h, (at, offset, bytes), at, |b, host| {
                    let x = b.ins().load(ty.lane_type(), flags(), host, 0);
                    b.ins().insertlane(v, x, lane as u8)
                });
            }
            Form::Store => {
                let v = self.vector(at + 1, I8X16);
                let (start, bad) = self.address(at, offset, 16, true);
                self.guarded_any(index, h, &bad, |tx| {
                    let host = tx.host_address(start);
                    tx.b.ins().store(flags(), v, host, 0);
                });
            }
            Form::StoreLane(ty) => {
                if lane >= lanes(ty) {
                    return false;
                }
                let v = self.vector(at + 1, ty);
                let (start, bad) = self.address(at, offset, ty.lane_bits() / 8, true);
                self.guarded_any(index, h, &bad, |tx| {
                    let x = tx.b.ins().extractlane(v, lane as u8);
                    let host = tx.host_address(start);
                    tx.b.ins().store(flags(), x, host, 0);
                });
            }
        }
        true
    }

    /// Slots a `v128` takes: 4 on Arch32, 2 on Arch64, 1 on Arch128.
    fn v128_slots(&self) -> u32 {
        (16 / self.env.word.bytes()).max(1)
    }

    /// The `v128` whose deepest slot is operand `p`, as a vector of `ty`: the vector an
    /// earlier instruction split into exactly these slot values, or the slots joined.
    fn vector(&mut self, p: u32, ty: Type) -> Value {
        let slots: Vec<Value> = (0..self.v128_slots()).map(|k| self.get(p + k)).collect();
        let known = match self.vectors.0.get(&slots[0]) {
            Some((all, v)) if *all == slots => Some(*v),
            _ => None,
        };
        let v = match known {
            Some(v) => v,
            None => self.join(&slots),
        };
        self.cast(v, ty)
    }

    /// The vector of a `v128`'s slot values (least significant first).
    fn join(&mut self, slots: &[Value]) -> Value {
        match self.env.word {
            I128 => self.b.ins().bitcast(I8X16, little(), slots[0]),
            word => {
                let ty = if word == I64 { I64X2 } else { I32X4 };
                let mut v = self.b.ins().splat(ty, slots[0]);
                for (k, &slot) in slots.iter().enumerate().skip(1) {
                    v = self.b.ins().insertlane(v, slot, k as u8);
                }
                v
            }
        }
    }

    /// Writes vector `v` to the `v128` whose deepest slot is operand `p`, remembering it
    /// behind the slot values (see [`Vectors`]).
    fn set_vector(&mut self, p: u32, v: Value) {
        let slots: Vec<Value> = match self.env.word {
            I128 => vec![self.b.ins().bitcast(I128, little(), v)],
            word => {
                let ty = if word == I64 { I64X2 } else { I32X4 };
                let lanes = self.cast(v, ty);
                (0..ty.lane_count())
                    .map(|k| self.b.ins().extractlane(lanes, k as u8))
                    .collect()
            }
        };
        for (k, &slot) in slots.iter().enumerate() {
            self.set(p + k as u32, slot);
        }
        self.vectors.0.insert(slots[0], (slots, v));
    }

    /// Sets the `v128` at operand `p` to the constant `bytes`: its slots are word
    /// constants, the vector a constant beside them.
    fn set_const(&mut self, p: u32, bytes: [u8; 16]) {
        let word = self.env.word.bytes() as usize;
        let mut slots = Vec::new();
        for (k, chunk) in bytes.chunks(word.min(16)).enumerate() {
            let mut limbs = [0u64; 2];
            for (i, &byte) in chunk.iter().enumerate() {
                limbs[i / 8] |= u64::from(byte) << (8 * (i % 8));
            }
            let slot = self.word_const(&limbs);
            self.set(p + k as u32, slot);
            slots.push(slot);
        }
        let constant = self
            .b
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        let v = self.b.ins().vconst(I8X16, constant);
        self.vectors.0.insert(slots[0], (slots, v));
    }

    /// `v` as a vector of `ty` (the same bits).
    fn cast(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, little(), v)
        }
    }

    /// The scalar `x` (an i32 or i64) cut to the lanes of `ty` when they are narrower.
    fn narrow_to_lane(&mut self, x: Value, ty: Type) -> Value {
        let lane = ty.lane_type();
        if matches!(lane, I8 | I16) {
            self.b.ins().ireduce(lane, x)
        } else {
            x
        }
    }

    /// `v` with every NaN lane replaced by the canonical NaN (the interpreter's float lane
    /// results), as an integer vector of the same lanes.
    fn canonical_lanes(&mut self, v: Value) -> Value {
        let (int, lane, nan) = match self.b.func.dfg.value_type(v) {
            F32X4 => (I32X4, I32, 0x7FC0_0000),
            F64X2 => (I64X2, I64, 0x7FF8_0000_0000_0000),
            _ => return v,
        };
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
        let nan = self.b.ins().iconst(lane, nan);
        let nan = self.b.ins().splat(int, nan);
        let bits = self.cast(v, int);
        self.b.ins().bitselect(is_nan, nan, bits)
    }

    /// A guarded load of a vector at `index`: the access of `bytes` bytes at operand
    /// `addr` plus `offset`, bounds-checked like a scalar load, made a vector by `fast`
    /// (given the host address); a failing access is stepped. The vector is written to the
    /// `v128` at operand `result`.
    fn vector_load(
        &mut self,
        index: u32,
        h: u32,
        (addr, offset, bytes): (u32, u32, u32),
        result: u32,
        fast: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
    ) {
        let (start, bad) = self.address(addr, offset, bytes, false);
        if bad.is_empty() {
            // Checked by an earlier access (see `Tx::in_bounds`).
            let host = self.host_address(start);
            let v = fast(&mut self.b, host);
            self.set_vector(result, v);
            return;
        }
        let slow = self.branch_out(&bad);
        let host = self.host_address(start);
        let v = fast(&mut self.b, host);
        let ty = self.b.func.dfg.value_type(v);
        let cont = self.b.create_block();
        self.b.append_block_param(cont, ty);
        self.b.ins().jump(cont, &[BlockArg::Value(v)]);
        self.switch_sealed(slow);
        self.cold_step(index, h);
        let stepped = self.vector(result, ty);
        self.b.ins().jump(cont, &[BlockArg::Value(stepped)]);
        self.switch_sealed(cont);
        self.checked();
        let v = self.b.block_params(cont)[0];
        self.set_vector(result, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_simd_opcode_has_a_form() {
        for &op in Opcode::ALL {
            if op.info().category == Category::Simd {
                assert!(form(op).is_some(), "{}", op.mnemonic());
            }
        }
    }
}
