//! Inline versions of the hottest typed instructions (i32 arithmetic and shifts, SELECT),
//! so that translated WebAssembly avoids the general typed-instruction path for them.

use crate::code::I32Op;
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
