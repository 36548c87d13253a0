//! The word-lane instructions (`LANES_*`, `docs/vectors.md`) in executable form: the word
//! as lanes of 8, 16, 32 or 64 bits. Both engines (the precise interpreter and the threaded
//! register engine) call [`execute`]; the work is done limb by limb on the word's 64-bit
//! limbs ([`swar`]), so a wider word is more lanes for the same dispatch.

mod swar;

use crate::per_op::PerOp;
use crate::word::Word;
use dotvm_core::{LaneWidth, Opcode};

/// Declares [`LaneOp`] with one variant per `LANES_*` opcode, its `ALL`, `from_opcode`,
/// the pattern macro `lane_opcodes!()` (for the loader's exhaustive `match`) and
/// [`LaneInst::instantiate`] over every operation and lane width.
macro_rules! lane_family {
    ($($name:ident = $opcode:ident),* $(,)?) => {
        /// A pattern matching the `LANES_*` opcodes.
        macro_rules! lane_opcodes {
            () => { $( Opcode::$opcode )|* };
        }
        pub(crate) use lane_opcodes;

        /// One word-lane operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum LaneOp {
            $(
                #[doc = concat!("`", stringify!($opcode), "`.")]
                $name,
            )*
        }

        impl LaneOp {
            /// Every operation, indexed by its discriminant.
            pub(crate) const ALL: &'static [LaneOp] = &[$(LaneOp::$name),*];

            /// The operation for `opcode`, or `None` when it is not a lane instruction.
            pub(crate) fn from_opcode(opcode: Opcode) -> Option<LaneOp> {
                match opcode {
                    $( Opcode::$opcode => Some(LaneOp::$name), )*
                    _ => None,
                }
            }
        }

        impl LaneInst {
            /// What `P` builds for this operation and lane width (the lane index stays a
            /// run-time operand).
            pub(crate) fn instantiate<P: PerOp>(self) -> P::Output {
                use LaneWidth::{L8, L16, L32, L64};
                match (self.op, self.width) {
                    $(
                        (LaneOp::$name, L8) => P::make::<{ key(LaneOp::$name, L8) }>(),
                        (LaneOp::$name, L16) => P::make::<{ key(LaneOp::$name, L16) }>(),
                        (LaneOp::$name, L32) => P::make::<{ key(LaneOp::$name, L32) }>(),
                        (LaneOp::$name, L64) => P::make::<{ key(LaneOp::$name, L64) }>(),
                    )*
                }
            }
        }
    };
}

lane_family! {
    Add = LanesAdd, Sub = LanesSub, Mul = LanesMul,
    MinS = LanesMinS, MinU = LanesMinU, MaxS = LanesMaxS, MaxU = LanesMaxU,
    Shl = LanesShl, ShrS = LanesShrS, ShrU = LanesShrU,
    Eq = LanesEq, Ne = LanesNe, LtS = LanesLtS, LtU = LanesLtU, GtS = LanesGtS, GtU = LanesGtU,
    Splat = LanesSplat, Sum = LanesSum,
    ExtractU = LanesExtractU, ExtractS = LanesExtractS, Insert = LanesInsert,
}

impl LaneOp {
    /// How many words the operation reads (one or two; it always produces one).
    pub(crate) const fn reads(self) -> usize {
        match self {
            LaneOp::Splat | LaneOp::Sum | LaneOp::ExtractU | LaneOp::ExtractS => 1,
            _ => 2,
        }
    }
}

/// A lane instruction as the engines hold it: the operation, the lane width and, for
/// extract and insert, the lane index (the verifier proved the width fits the word and the
/// index names a lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LaneInst {
    /// The operation.
    pub(crate) op: LaneOp,
    /// The lane width.
    pub(crate) width: LaneWidth,
    /// The lane index (0 for the operations that take none).
    pub(crate) index: u8,
}

/// The per-operation key of `op` on lanes of `width`, for [`PerOp::make`].
pub(crate) const fn key(op: LaneOp, width: LaneWidth) -> u16 {
    (op as u16) << 7 | width.bits() as u16
}

/// The operation and lane width of a [`key`]; evaluated at compile time by the threaded
/// handlers, so a number that is not a key fails the build.
pub(crate) const fn from_key(key: u16) -> (LaneOp, LaneWidth) {
    match LaneWidth::from_bits(key as u32 & 0x7F) {
        Some(width) => (LaneOp::ALL[(key >> 7) as usize], width),
        None => panic!("not a lane operation key"),
    }
}

/// `op` on lanes of `width` of `a` (and `b`, the second operand of the two-operand
/// operations: the other word, the shift count or the inserted value).
#[inline(always)]
pub(crate) fn execute<W: Word>(op: LaneOp, width: LaneWidth, index: u8, a: W, b: W) -> W {
    match width {
        LaneWidth::L8 => lanes::<W, 8>(op, u32::from(index), a, b),
        LaneWidth::L16 => lanes::<W, 16>(op, u32::from(index), a, b),
        LaneWidth::L32 => lanes::<W, 32>(op, u32::from(index), a, b),
        LaneWidth::L64 => lanes::<W, 64>(op, u32::from(index), a, b),
    }
}

/// [`execute`] for lanes of `L` bits.
#[inline(always)]
fn lanes<W: Word, const L: u32>(op: LaneOp, index: u32, a: W, b: W) -> W {
    let x = a.to_limbs();
    match op {
        LaneOp::Add => zip(x, b, swar::add::<L>),
        LaneOp::Sub => zip(x, b, swar::sub::<L>),
        LaneOp::Mul => zip(x, b, swar::mul::<L>),
        LaneOp::MinS => zip(x, b, |a, b| swar::select(swar::lt_s::<L>(a, b), a, b)),
        LaneOp::MinU => zip(x, b, |a, b| swar::select(swar::lt_u::<L>(a, b), a, b)),
        LaneOp::MaxS => zip(x, b, |a, b| swar::select(swar::lt_s::<L>(b, a), a, b)),
        LaneOp::MaxU => zip(x, b, |a, b| swar::select(swar::lt_u::<L>(b, a), a, b)),
        LaneOp::Shl => shift(x, b, swar::shl::<L>, L),
        LaneOp::ShrS => shift(x, b, swar::shr_s::<L>, L),
        LaneOp::ShrU => shift(x, b, swar::shr_u::<L>, L),
        LaneOp::Eq => zip(x, b, |a, b| !swar::ne::<L>(a, b)),
        LaneOp::Ne => zip(x, b, swar::ne::<L>),
        LaneOp::LtS => zip(x, b, swar::lt_s::<L>),
        LaneOp::LtU => zip(x, b, swar::lt_u::<L>),
        LaneOp::GtS => zip(x, b, |a, b| swar::lt_s::<L>(b, a)),
        LaneOp::GtU => zip(x, b, |a, b| swar::lt_u::<L>(b, a)),
        LaneOp::Splat => {
            let value = swar::splat::<L>(a.low_u64());
            let mut out = x;
            out.as_mut().fill(value);
            W::from_limbs(out)
        }
        LaneOp::Sum => x.as_ref().iter().fold(W::ZERO, |total, &limb| {
            total.wrapping_add(W::from_u64(swar::sum::<L>(limb)))
        }),
        LaneOp::ExtractU | LaneOp::ExtractS => {
            let (limb, i) = place::<L>(index);
            let value = swar::lane::<L>(x.as_ref()[limb], i);
            if op == LaneOp::ExtractS {
                W::sign_extend(value, L)
            } else {
                W::from_u64(value)
            }
        }
        LaneOp::Insert => {
            let (limb, i) = place::<L>(index);
            let mut out = x;
            let target = &mut out.as_mut()[limb];
            *target = swar::insert::<L>(*target, i, b.low_u64());
            W::from_limbs(out)
        }
    }
}

/// The limb holding lane `index` and the lane's index within it.
#[inline(always)]
fn place<const L: u32>(index: u32) -> (usize, u32) {
    let per_limb = 64 / L;
    ((index / per_limb) as usize, index % per_limb)
}

/// `f` on the matching limbs of `x` and `b`.
#[inline(always)]
fn zip<W: Word>(x: W::Limbs, b: W, f: impl Fn(u64, u64) -> u64) -> W {
    let y = b.to_limbs();
    let mut out = x;
    for (o, &y) in out.as_mut().iter_mut().zip(y.as_ref()) {
        *o = f(*o, y);
    }
    W::from_limbs(out)
}

/// `f` on every limb of `x` with the count `count mod L`.
#[inline(always)]
fn shift<W: Word>(x: W::Limbs, count: W, f: impl Fn(u64, u32) -> u64, l: u32) -> W {
    let count = (count.low_u64() % u64::from(l)) as u32;
    let mut out = x;
    for o in out.as_mut() {
        *o = f(*o, count);
    }
    W::from_limbs(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::isa::Category;

    #[test]
    fn every_lane_opcode_has_an_operation_of_its_shape() {
        for (i, op) in LaneOp::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
        for &opcode in Opcode::ALL {
            let op = LaneOp::from_opcode(opcode);
            assert_eq!(
                op.is_some(),
                opcode.info().category == Category::Lanes,
                "{}",
                opcode.mnemonic()
            );
            if let Some(op) = op {
                let shape = opcode.info().effect.slots(dotvm_core::Arch::Arch64);
                assert_eq!(shape, Some((op.reads() as u32, 1)), "{}", opcode.mnemonic());
            }
        }
    }

    #[test]
    fn keys_round_trip() {
        for &op in LaneOp::ALL {
            for width in LaneWidth::ALL {
                assert_eq!(from_key(key(op, width)), (op, width));
            }
        }
    }

    #[test]
    fn byte_lanes_of_a_u32_word() {
        let a = 0x80_7F_01_FFu32;
        let b = 0x01_01_01_01u32;
        assert_eq!(execute(LaneOp::Add, LaneWidth::L8, 0, a, b), 0x81_80_02_00);
        assert_eq!(execute(LaneOp::Sub, LaneWidth::L8, 0, a, b), 0x7F_7E_00_FE);
        assert_eq!(execute(LaneOp::LtS, LaneWidth::L8, 0, a, b), 0xFF_00_00_FF);
        assert_eq!(execute(LaneOp::LtU, LaneWidth::L8, 0, a, b), 0x00_00_00_00);
        assert_eq!(execute(LaneOp::Eq, LaneWidth::L8, 0, a, b), 0x00_00_FF_00);
        assert_eq!(execute(LaneOp::ShrS, LaneWidth::L8, 0, a, 9), 0xC0_3F_00_FF);
        assert_eq!(
            execute(LaneOp::Sum, LaneWidth::L8, 0, a, 0),
            0x80 + 0x7F + 1 + 0xFF
        );
        assert_eq!(
            execute(LaneOp::ExtractS, LaneWidth::L8, 3, a, 0),
            0xFFFF_FF80
        );
        assert_eq!(
            execute(LaneOp::Insert, LaneWidth::L16, 1, a, 0x1234),
            0x1234_01FF
        );
        assert_eq!(
            execute(LaneOp::Splat, LaneWidth::L16, 0, 0xABCD_u32, 0),
            0xABCD_ABCD
        );
    }
}
