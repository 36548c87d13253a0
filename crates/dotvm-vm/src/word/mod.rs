//! The machine word: the operations the instruction set needs, generic over the architecture.
//!
//! The interpreter is generic over [`Word`] and monomorphised per architecture, so the hot
//! loop never branches on the architecture: `u32` (Arch32), `u64` (Arch64) and `u128`
//! (Arch128) are native integers ([`native`]), 256 and 512 bits are ruint `U256`/`U512`
//! ([`wide`]) with DotVM's own MULMOD ([`mulmod`]).

mod mulmod;
mod native;
mod wide;

#[cfg(test)]
mod model_tests;

use dotvm_core::Imm;
use std::fmt::Debug;

/// Why a division could not produce a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DivError {
    /// The divisor is zero.
    DivideByZero,
    /// Signed `MIN / -1`, whose quotient does not fit the word.
    Overflow,
}

/// One stack slot's worth of integer: wrapping two's-complement arithmetic modulo
/// `2^BITS`, shift and rotate counts taken modulo `BITS`, comparisons as booleans.
pub(crate) trait Word: Copy + Eq + Ord + Default + Debug + Send + Sync + 'static {
    /// Width in bits.
    const BITS: u32;
    /// Width in bytes (the size of a whole-word `LOAD`/`STORE`).
    const BYTES: usize;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// All bits set (the word's -1).
    const ALL_ONES: Self;

    /// `self + rhs` modulo `2^BITS`.
    fn wrapping_add(self, rhs: Self) -> Self;
    /// `self - rhs` modulo `2^BITS`.
    fn wrapping_sub(self, rhs: Self) -> Self;
    /// `self * rhs` modulo `2^BITS`.
    fn wrapping_mul(self, rhs: Self) -> Self;
    /// `-self` modulo `2^BITS`.
    fn wrapping_neg(self) -> Self;
    /// Unsigned quotient.
    fn div_u(self, rhs: Self) -> Result<Self, DivError>;
    /// Signed quotient, rounding toward zero; `MIN / -1` overflows.
    fn div_s(self, rhs: Self) -> Result<Self, DivError>;
    /// Unsigned remainder.
    fn rem_u(self, rhs: Self) -> Result<Self, DivError>;
    /// Signed remainder (sign of the dividend); `MIN % -1` is 0.
    fn rem_s(self, rhs: Self) -> Result<Self, DivError>;
    /// `(self + rhs) mod modulus` computed without overflow; 0 when `modulus` is 0.
    fn add_mod(self, rhs: Self, modulus: Self) -> Self;
    /// `(self * rhs) mod modulus` computed without overflow; 0 when `modulus` is 0.
    fn mul_mod(self, rhs: Self, modulus: Self) -> Self;
    /// `self` to the power `exp` modulo `2^BITS` (`0^0 = 1`), by square-and-multiply: at
    /// most `BITS` squarings and multiplications.
    fn wrapping_pow(self, exp: Self) -> Self;
    /// The high word of the unsigned double-width product.
    fn mul_hi_u(self, rhs: Self) -> Self;

    /// Signed `self < rhs` (unsigned comparisons use [`Ord`]).
    fn lt_s(self, rhs: Self) -> bool;
    /// True when the sign bit is set.
    fn is_negative(self) -> bool;

    /// Bitwise and.
    fn and(self, rhs: Self) -> Self;
    /// Bitwise or.
    fn or(self, rhs: Self) -> Self;
    /// Bitwise exclusive or.
    fn xor(self, rhs: Self) -> Self;
    /// All bits flipped.
    fn not(self) -> Self;
    /// Left shift by `count mod BITS`.
    fn shl(self, count: Self) -> Self;
    /// Logical right shift by `count mod BITS`.
    fn shr(self, count: Self) -> Self;
    /// Arithmetic right shift by `count mod BITS`.
    fn sar(self, count: Self) -> Self;
    /// Left rotation by `count mod BITS`.
    fn rotl(self, count: Self) -> Self;
    /// Right rotation by `count mod BITS`.
    fn rotr(self, count: Self) -> Self;
    /// Number of leading zero bits (`BITS` for zero).
    fn clz(self) -> Self;
    /// Number of trailing zero bits (`BITS` for zero).
    fn ctz(self) -> Self;
    /// Number of one bits.
    fn popcnt(self) -> Self;

    /// The word for an immediate, or `None` when it does not fit.
    fn from_imm_checked(imm: &Imm) -> Option<Self>;
    /// The word zero-extended to an immediate.
    fn to_imm(self) -> Imm;
    /// The word for a 64-bit value, zero-extended (truncated when the word is narrower).
    fn from_u64(value: u64) -> Self;
    /// The low 64 bits of the word (zero-extended when the word is narrower).
    fn low_u64(self) -> u64;
    /// The word as a memory address, or `None` when it does not fit 64 bits.
    fn to_address(self) -> Option<u64>;
    /// The word whose low `from_bits` bits (8, 16, 32 or 64) are those of `value`,
    /// sign-extended (truncated when the word is narrower than `from_bits`).
    fn sign_extend(value: u64, from_bits: u32) -> Self;
    /// The word as 64-bit limbs, least significant first (for `u32` one limb, zero-extended);
    /// the word-lane instructions work limb by limb.
    type Limbs: Copy + AsRef<[u64]> + AsMut<[u64]>;
    /// The word's limbs.
    fn to_limbs(self) -> Self::Limbs;
    /// The word of these limbs (truncated to the word for `u32`).
    fn from_limbs(limbs: Self::Limbs) -> Self;
    /// Reads a word from exactly [`Word::BYTES`] little-endian bytes.
    fn from_le_slice(bytes: &[u8]) -> Self;
    /// Writes the word as exactly [`Word::BYTES`] little-endian bytes.
    fn write_le_slice(self, out: &mut [u8]);

    /// 1 for true, 0 for false.
    #[inline(always)]
    fn from_bool(value: bool) -> Self {
        if value { Self::ONE } else { Self::ZERO }
    }

    /// True for zero.
    #[inline(always)]
    fn is_zero(self) -> bool {
        self == Self::ZERO
    }

    /// The high word of the signed (two's complement) double-width product: the unsigned
    /// high word minus `rhs` when `self` is negative and minus `self` when `rhs` is.
    fn mul_hi_s(self, rhs: Self) -> Self {
        let mut high = self.mul_hi_u(rhs);
        if self.is_negative() {
            high = high.wrapping_sub(rhs);
        }
        if rhs.is_negative() {
            high = high.wrapping_sub(self);
        }
        high
    }

    /// `SIGNEXTEND`: `self` sign-extended from byte `byte` (its bit `8 * byte + 7`);
    /// unchanged when `byte >= BYTES - 1` (EVM semantics).
    fn sign_extend_from_byte(self, byte: Self) -> Self {
        match byte.to_address() {
            Some(b) if b < Self::BYTES as u64 - 1 => {
                let unused = Self::from_u64(u64::from(Self::BITS) - 8 * (b + 1));
                self.shl(unused).sar(unused)
            }
            _ => self,
        }
    }

    /// `BYTE`: byte `index` of `self`, 0 being the least significant; 0 when
    /// `index >= BYTES`.
    fn byte(self, index: Self) -> Self {
        match index.to_address() {
            Some(i) if i < Self::BYTES as u64 => {
                self.shr(Self::from_u64(8 * i)).and(Self::from_u64(0xFF))
            }
            _ => Self::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_division_edges() {
        let min = i64::MIN as u64;
        let minus_one = u64::MAX;
        assert_eq!(min.div_s(minus_one), Err(DivError::Overflow));
        assert_eq!(min.rem_s(minus_one), Ok(0));
        assert_eq!(5u64.div_s(0), Err(DivError::DivideByZero));
        assert_eq!(5u64.rem_s(0), Err(DivError::DivideByZero));
        assert_eq!((-7i64 as u64).div_s(2), Ok(-3i64 as u64));
        assert_eq!((-7i64 as u64).rem_s(2), Ok(-1i64 as u64));
        assert_eq!(7u64.div_u(0), Err(DivError::DivideByZero));
    }

    #[test]
    fn shifts_and_rotates_take_the_count_mod_64() {
        assert_eq!(Word::shl(1u64, 64), 1);
        assert_eq!(Word::shl(1u64, 65), 2);
        assert_eq!(Word::shr(4u64, 66), 1);
        assert_eq!(Word::sar(u64::MAX << 1, 65), u64::MAX);
        assert_eq!(Word::rotl(0x8000_0000_0000_0001u64, 65), 3);
        assert_eq!(Word::rotr(3u64, 129), 0x8000_0000_0000_0001);
    }

    #[test]
    fn extension_and_conversion() {
        assert_eq!(<u64 as Word>::sign_extend(0x80, 8), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(<u64 as Word>::sign_extend(0x7FFF, 16), 0x7FFF);
        assert_eq!(
            <u64 as Word>::sign_extend(0x8000_0000, 32),
            0xFFFF_FFFF_8000_0000
        );
        assert_eq!(<u64 as Word>::sign_extend(u64::MAX, 64), u64::MAX);
        assert_eq!(u64::from_imm_checked(&Imm::from(u128::MAX)), None);
        assert_eq!(u64::from_imm_checked(&Imm::from(7u64)), Some(7));
        assert_eq!(42u64.to_imm(), Imm::from(42u64));
        assert_eq!(Word::clz(0u64), 64);
        assert_eq!(Word::ctz(0u64), 64);
    }
}
