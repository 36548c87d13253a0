//! The generic word instructions (arithmetic, comparisons, bitwise operations on the
//! architecture's word) in executable form, with their semantics in one place: both
//! engines (the precise interpreter and the threaded register engine) call these functions.

use crate::per_op::PerOp;
use crate::trap::TrapKind;
use crate::word::{DivError, Word};
use dotvm_core::Opcode;
use dotvm_core::compare::{Compared, Comparison};

/// Declares an operation family: an enum with one variant per opcode of the same name,
/// `ALL` (variants in declaration order, so `ALL[op as usize] == op`), `from_opcode`, and
/// the pattern macro `$opcodes!()` matching the family's opcodes (so the loader's `match`
/// over every opcode needs no catch-all arm).
macro_rules! word_family {
    ($(#[$doc:meta])* $family:ident / $opcodes:ident { $($name:ident),* $(,)? }) => {
        #[doc = concat!("A pattern matching the opcodes of [`", stringify!($family), "`].")]
        macro_rules! $opcodes {
            () => { $( Opcode::$name )|* };
        }
        pub(crate) use $opcodes;

        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum $family {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name,
            )*
        }

        impl $family {
            /// Every operation, indexed by its discriminant.
            pub(crate) const ALL: &'static [$family] = &[$($family::$name),*];

            /// The operation for `opcode`, or `None` when `opcode` is not in this family.
            pub(crate) fn from_opcode(opcode: Opcode) -> Option<$family> {
                match opcode {
                    $( Opcode::$name => Some($family::$name), )*
                    _ => None,
                }
            }

            /// What `P` builds for this operation.
            pub(crate) fn instantiate<P: PerOp>(self) -> P::Output {
                match self {
                    $( $family::$name => P::make::<{ $family::$name as u16 }>(), )*
                }
            }
        }
    };
}

word_family! {
    /// A word instruction with two operands and one result.
    WordBinary / word_binary_opcodes {
        Add, Sub, Mul, DivU, DivS, ModU, ModS, Exp, SignExtend, Byte, MulHiU, MulHiS,
        And, Or, Xor, Shl, Shr, Sar, Rotl, Rotr,
        Eq, Ne, LtU, LtS, GtU, GtS, LeU, LeS, GeU, GeS,
    }
}

word_family! {
    /// A word instruction with one operand and one result.
    WordUnary / word_unary_opcodes { Neg, Eqz, Not, Clz, Ctz, Popcnt }
}

word_family! {
    /// A word instruction with three operands and one result.
    WordTernary / word_ternary_opcodes { AddMod, MulMod }
}

impl WordBinary {
    /// True for the comparisons (result 1 or 0), which can fuse with a following branch.
    pub(crate) fn is_comparison(self) -> bool {
        Comparison::ALL
            .into_iter()
            .any(|c| WordBinary::from_opcode(c.opcode(Compared::Word)) == Some(self))
    }
}

/// The trap kind for a failed division.
#[cold]
pub(crate) fn div_trap(error: DivError) -> TrapKind {
    match error {
        DivError::DivideByZero => TrapKind::DivideByZero,
        DivError::Overflow => TrapKind::IntegerOverflow,
    }
}

/// `a op b` (for SIGNEXTEND and BYTE, `a` is the byte index and `b` the word, as the
/// instruction table orders them).
#[inline(always)]
pub(crate) fn binary<W: Word>(op: WordBinary, a: W, b: W) -> Result<W, TrapKind> {
    Ok(match op {
        WordBinary::Add => a.wrapping_add(b),
        WordBinary::Sub => a.wrapping_sub(b),
        WordBinary::Mul => a.wrapping_mul(b),
        WordBinary::DivU => a.div_u(b).map_err(div_trap)?,
        WordBinary::DivS => a.div_s(b).map_err(div_trap)?,
        WordBinary::ModU => a.rem_u(b).map_err(div_trap)?,
        WordBinary::ModS => a.rem_s(b).map_err(div_trap)?,
        WordBinary::Exp => a.wrapping_pow(b),
        WordBinary::SignExtend => b.sign_extend_from_byte(a),
        WordBinary::Byte => b.byte(a),
        WordBinary::MulHiU => a.mul_hi_u(b),
        WordBinary::MulHiS => a.mul_hi_s(b),
        WordBinary::And => a.and(b),
        WordBinary::Or => a.or(b),
        WordBinary::Xor => a.xor(b),
        WordBinary::Shl => a.shl(b),
        WordBinary::Shr => a.shr(b),
        WordBinary::Sar => a.sar(b),
        WordBinary::Rotl => a.rotl(b),
        WordBinary::Rotr => a.rotr(b),
        WordBinary::Eq => W::from_bool(compare(Comparison::Eq, a, b)),
        WordBinary::Ne => W::from_bool(compare(Comparison::Ne, a, b)),
        WordBinary::LtU => W::from_bool(compare(Comparison::LtU, a, b)),
        WordBinary::LtS => W::from_bool(compare(Comparison::LtS, a, b)),
        WordBinary::GtU => W::from_bool(compare(Comparison::GtU, a, b)),
        WordBinary::GtS => W::from_bool(compare(Comparison::GtS, a, b)),
        WordBinary::LeU => W::from_bool(compare(Comparison::LeU, a, b)),
        WordBinary::LeS => W::from_bool(compare(Comparison::LeS, a, b)),
        WordBinary::GeU => W::from_bool(compare(Comparison::GeU, a, b)),
        WordBinary::GeS => W::from_bool(compare(Comparison::GeS, a, b)),
    })
}

/// Whether `a comparison b` holds for words (or the `u32`/`u64` words of i32 and i64).
#[inline(always)]
pub(crate) fn compare<W: Word>(comparison: Comparison, a: W, b: W) -> bool {
    if comparison.is_signed() {
        comparison.holds(a, b, W::lt_s)
    } else {
        comparison.holds(a, b, |x, y| x < y)
    }
}

/// `op a`.
#[inline(always)]
pub(crate) fn unary<W: Word>(op: WordUnary, a: W) -> W {
    match op {
        WordUnary::Neg => a.wrapping_neg(),
        WordUnary::Eqz => W::from_bool(a.is_zero()),
        WordUnary::Not => a.not(),
        WordUnary::Clz => a.clz(),
        WordUnary::Ctz => a.ctz(),
        WordUnary::Popcnt => a.popcnt(),
    }
}

/// `op(a, b, m)`.
#[inline(always)]
pub(crate) fn ternary<W: Word>(op: WordTernary, a: W, b: W, m: W) -> W {
    match op {
        WordTernary::AddMod => a.add_mod(b, m),
        WordTernary::MulMod => a.mul_mod(b, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::isa::Category;

    #[test]
    fn all_is_indexed_by_discriminant() {
        for (i, op) in WordBinary::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
        for (i, op) in WordUnary::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
        for (i, op) in WordTernary::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
    }

    #[test]
    fn families_match_the_instruction_table_shapes() {
        for &opcode in Opcode::ALL {
            let shape = opcode.info().effect.slots(dotvm_core::Arch::Arch64);
            if WordBinary::from_opcode(opcode).is_some() {
                assert_eq!(shape, Some((2, 1)), "{}", opcode.mnemonic());
            }
            if WordUnary::from_opcode(opcode).is_some() {
                assert_eq!(shape, Some((1, 1)), "{}", opcode.mnemonic());
            }
            if WordTernary::from_opcode(opcode).is_some() {
                assert_eq!(shape, Some((3, 1)), "{}", opcode.mnemonic());
            }
        }
    }

    #[test]
    fn every_word_arithmetic_opcode_has_a_family() {
        for &opcode in Opcode::ALL {
            let category = opcode.info().category;
            if matches!(
                category,
                Category::Arithmetic | Category::Comparison | Category::Bitwise
            ) {
                let found = WordBinary::from_opcode(opcode).is_some()
                    || WordUnary::from_opcode(opcode).is_some()
                    || WordTernary::from_opcode(opcode).is_some();
                assert!(found, "{}", opcode.mnemonic());
            }
        }
    }
}
