//! Words wider than any native integer: ruint `U256` (Arch256) and `U512` (Arch512).
//!
//! ruint provides unsigned wrapping arithmetic, ADDMOD and widening multiplication; the
//! signed operations are built on top in two's complement, and MULMOD is DotVM's own
//! ([`super::mulmod`]).

use super::mulmod::{self, MEMO_256, MEMO_512};
use super::{DivError, Word};
use dotvm_core::Imm;
use ruint::Uint;
use ruint::aliases::{U256, U512};

/// Implements [`Word`] for the ruint integer `$u`; `$double` is the type twice as wide
/// (for the high half of products), `$memo` the word's MULMOD memo and `$k`, `$w`, `$p` the
/// limb counts [`mulmod::mul_mod`] works in (`$limbs` plus 1, twice `$limbs` plus 1 and
/// plus 2).
macro_rules! wide_word {
    ($u:ty, $double:ty, $limbs:literal, $memo:ident, $k:literal, $w:literal, $p:literal) => {
        impl Word for $u {
            type Limbs = [u64; $limbs];

            #[inline(always)]
            fn to_limbs(self) -> [u64; $limbs] {
                self.into_limbs()
            }

            #[inline(always)]
            fn from_limbs(limbs: [u64; $limbs]) -> Self {
                <$u>::from_limbs(limbs)
            }

            const BITS: u32 = <$u>::BITS as u32;
            const BYTES: usize = <$u>::BYTES;
            const ZERO: Self = <$u>::ZERO;
            const ONE: Self = <$u>::ONE;
            const ALL_ONES: Self = <$u>::MAX;

            #[inline]
            fn wrapping_add(self, rhs: Self) -> Self {
                <$u>::wrapping_add(self, rhs)
            }

            #[inline]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$u>::wrapping_sub(self, rhs)
            }

            #[inline]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$u>::wrapping_mul(self, rhs)
            }

            #[inline]
            fn wrapping_neg(self) -> Self {
                <$u>::wrapping_neg(self)
            }

            fn div_u(self, rhs: Self) -> Result<Self, DivError> {
                self.checked_div(rhs).ok_or(DivError::DivideByZero)
            }

            fn div_s(self, rhs: Self) -> Result<Self, DivError> {
                if rhs.is_zero() {
                    return Err(DivError::DivideByZero);
                }
                if self == min_signed() && rhs == Self::ALL_ONES {
                    return Err(DivError::Overflow);
                }
                let quotient = magnitude(self) / magnitude(rhs);
                Ok(negate_if(quotient, self.is_negative() != rhs.is_negative()))
            }

            fn rem_u(self, rhs: Self) -> Result<Self, DivError> {
                self.checked_rem(rhs).ok_or(DivError::DivideByZero)
            }

            fn rem_s(self, rhs: Self) -> Result<Self, DivError> {
                if rhs.is_zero() {
                    return Err(DivError::DivideByZero);
                }
                // |MIN| is MIN read as unsigned, so MIN % -1 is 0 without a special case.
                let remainder = magnitude(self) % magnitude(rhs);
                Ok(negate_if(remainder, self.is_negative()))
            }

            fn add_mod(self, rhs: Self, modulus: Self) -> Self {
                <$u>::add_mod(self, rhs, modulus)
            }

            fn mul_mod(self, rhs: Self, modulus: Self) -> Self {
                mulmod::mul_mod::<{ <$u>::BITS }, $limbs, $k, $w, $p>(self, rhs, modulus, &$memo)
            }

            fn wrapping_pow(self, exp: Self) -> Self {
                <$u>::wrapping_pow(self, exp)
            }

            fn mul_hi_u(self, rhs: Self) -> Self {
                let product: $double = self.widening_mul(rhs);
                <$u>::from_limbs_slice(&product.as_limbs()[<$u>::LIMBS..])
            }

            #[inline]
            fn lt_s(self, rhs: Self) -> bool {
                let flip = min_signed();
                (self ^ flip) < (rhs ^ flip)
            }

            #[inline]
            fn is_negative(self) -> bool {
                self.bit(<$u>::BITS - 1)
            }

            #[inline]
            fn and(self, rhs: Self) -> Self {
                self & rhs
            }

            #[inline]
            fn or(self, rhs: Self) -> Self {
                self | rhs
            }

            #[inline]
            fn xor(self, rhs: Self) -> Self {
                self ^ rhs
            }

            #[inline]
            fn not(self) -> Self {
                !self
            }

            fn shl(self, count: Self) -> Self {
                <$u>::wrapping_shl(self, count_mod_bits(count))
            }

            fn shr(self, count: Self) -> Self {
                <$u>::wrapping_shr(self, count_mod_bits(count))
            }

            fn sar(self, count: Self) -> Self {
                self.arithmetic_shr(count_mod_bits(count))
            }

            fn rotl(self, count: Self) -> Self {
                self.rotate_left(count_mod_bits(count))
            }

            fn rotr(self, count: Self) -> Self {
                self.rotate_right(count_mod_bits(count))
            }

            fn clz(self) -> Self {
                <$u>::from(self.leading_zeros())
            }

            fn ctz(self) -> Self {
                <$u>::from(self.trailing_zeros())
            }

            fn popcnt(self) -> Self {
                <$u>::from(self.count_ones())
            }

            fn from_imm_checked(imm: &Imm) -> Option<Self> {
                <$u>::checked_from_limbs_slice(imm.as_limbs())
            }

            fn to_imm(self) -> Imm {
                Imm::from_limbs_slice(self.as_limbs())
            }

            #[inline]
            fn from_u64(value: u64) -> Self {
                <$u>::from(value)
            }

            #[inline]
            fn low_u64(self) -> u64 {
                self.as_limbs()[0]
            }

            #[inline]
            fn to_address(self) -> Option<u64> {
                (self.bit_len() <= 64).then(|| self.as_limbs()[0])
            }

            fn sign_extend(value: u64, from_bits: u32) -> Self {
                let unused = 64 - from_bits;
                let extended = ((value << unused) as i64) >> unused;
                if extended < 0 {
                    // !(-x - 1) over the full width is the two's complement of -x.
                    !<$u>::from(!(extended as u64))
                } else {
                    <$u>::from(extended as u64)
                }
            }

            fn from_le_slice(bytes: &[u8]) -> Self {
                <$u>::from_le_slice(bytes)
            }

            fn write_le_slice(self, out: &mut [u8]) {
                self.copy_le_bytes_to(out);
            }
        }
    };
}

wide_word!(U256, U512, 4, MEMO_256, 5, 9, 10);
wide_word!(U512, Uint<1024, 16>, 8, MEMO_512, 9, 17, 18);

/// The most negative signed value: only the sign bit set.
const fn min_signed<const BITS: usize, const LIMBS: usize>() -> Uint<BITS, LIMBS> {
    let mut limbs = [0u64; LIMBS];
    limbs[LIMBS - 1] = 1 << ((BITS - 1) % 64);
    Uint::from_limbs(limbs)
}

/// The absolute value of a two's-complement word, as an unsigned word (`|MIN| = MIN`).
fn magnitude<const BITS: usize, const LIMBS: usize>(value: Uint<BITS, LIMBS>) -> Uint<BITS, LIMBS> {
    if value.bit(BITS - 1) {
        value.wrapping_neg()
    } else {
        value
    }
}

/// `value`, negated (modulo 2^BITS) when `negative`.
fn negate_if<const BITS: usize, const LIMBS: usize>(
    value: Uint<BITS, LIMBS>,
    negative: bool,
) -> Uint<BITS, LIMBS> {
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// A shift or rotate count modulo the width: the width is a power of two below 2^64, so
/// the low limb decides it.
fn count_mod_bits<const BITS: usize, const LIMBS: usize>(count: Uint<BITS, LIMBS>) -> usize {
    (count.as_limbs()[0] % BITS as u64) as usize
}
