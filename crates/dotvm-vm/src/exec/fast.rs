//! Inline versions of the hottest typed instructions (i32 arithmetic, shifts, comparisons
//! and extensions, float arithmetic, SELECT),
//! so that translated WebAssembly avoids the general typed-instruction path for them.

use super::float::WasmFloat;
use crate::code::{BitOp, Cond, FloatOp, I32Op, I32UnOp};
use crate::word::Word;

/// The low 32 bits of a slot.
#[inline(always)]
fn low32<W: Word>(w: W) -> u32 {
    w.low_u64() as u32
}

/// `a op b` on the i32s in `a` and `b`, zero-extended.
#[inline(always)]
pub(super) fn i32_binary<W: Word>(op: I32Op, a: W, b: W) -> W {
    let (x, y) = (low32(a), low32(b));
    let r = match op {
        I32Op::Add => x.wrapping_add(y),
        I32Op::Sub => x.wrapping_sub(y),
        I32Op::Mul => x.wrapping_mul(y),
        I32Op::Shl => x.wrapping_shl(y),
        I32Op::ShrU => x.wrapping_shr(y),
        I32Op::ShrS => (x as i32).wrapping_shr(y) as u32,
        I32Op::Rotl => x.rotate_left(y % 32),
        I32Op::Rotr => x.rotate_right(y % 32),
    };
    W::from_u64(u64::from(r))
}

/// SELECT on one-slot values: `a` when the i32 `c` is not zero, else `b`.
#[inline(always)]
pub(super) fn select<W: Word>(a: W, b: W, c: W) -> W {
    if low32(c) != 0 { a } else { b }
}

/// An i32 comparison of the i32s in `a` and `b` (i32 1 or 0).
#[inline(always)]
pub(super) fn i32_compare<W: Word>(cond: Cond, a: W, b: W) -> W {
    let (x, y) = (low32(a), low32(b));
    let (sx, sy) = (x as i32, y as i32);
    W::from_bool(match cond {
        Cond::Eq => x == y,
        Cond::Ne => x != y,
        Cond::LtU => x < y,
        Cond::LtS => sx < sy,
        Cond::GtU => x > y,
        Cond::GtS => sx > sy,
        Cond::LeU => x <= y,
        Cond::LeS => sx <= sy,
        Cond::GeU => x >= y,
        Cond::GeS => sx >= sy,
    })
}

/// A one-operand integer instruction on the slot `a`.
#[inline(always)]
pub(super) fn i32_unary<W: Word>(op: I32UnOp, a: W) -> W {
    let x = low32(a);
    W::from_u64(match op {
        I32UnOp::Extend8S => u64::from(x as i8 as i32 as u32),
        I32UnOp::Extend16S => u64::from(x as i16 as i32 as u32),
        I32UnOp::Clz => u64::from(x.leading_zeros()),
        I32UnOp::Ctz => u64::from(x.trailing_zeros()),
        I32UnOp::WrapI64 => u64::from(x),
        I32UnOp::ExtendI32S => x as i32 as i64 as u64,
    })
}

/// Float arithmetic on the bits in `a` and `b`, NaN results canonical.
#[inline(always)]
pub(super) fn float_binary<W: Word>(op: FloatOp, a: W, b: W) -> W {
    let f32s = || (f32::from_bits(low32(a)), f32::from_bits(low32(b)));
    let f64s = || (f64::from_bits(a.low_u64()), f64::from_bits(b.low_u64()));
    let single = |r: f32| W::from_u64(u64::from(r.canonical().to_bits()));
    let double = |r: f64| W::from_u64(r.canonical().to_bits());
    match op {
        FloatOp::F32Add => single(f32s().0 + f32s().1),
        FloatOp::F32Sub => single(f32s().0 - f32s().1),
        FloatOp::F32Mul => single(f32s().0 * f32s().1),
        FloatOp::F32Div => single(f32s().0 / f32s().1),
        FloatOp::F64Add => double(f64s().0 + f64s().1),
        FloatOp::F64Sub => double(f64s().0 - f64s().1),
        FloatOp::F64Mul => double(f64s().0 * f64s().1),
        FloatOp::F64Div => double(f64s().0 / f64s().1),
    }
}

/// A bitwise word operation with a constant right operand.
#[inline(always)]
pub(super) fn bit<W: Word>(op: BitOp, a: W, k: W) -> W {
    match op {
        BitOp::And => a.and(k),
        BitOp::Or => a.or(k),
        BitOp::Xor => a.xor(k),
        BitOp::Shl => a.shl(k),
        BitOp::Shr => a.shr(k),
        BitOp::Sar => a.sar(k),
    }
}
