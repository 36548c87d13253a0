//! Words that are native integers: `u32` (Arch32), `u64` (Arch64) and `u128` (Arch128).
//!
//! One macro implements all three so they share their semantics exactly; the double-width
//! operations (ADDMOD, MULMOD, MULHI) go through the next wider integer (`u64`, `u128`, and
//! ruint's 256-bit `Uint` for `u128`).

use super::{DivError, Word};
use dotvm_core::Imm;
use ruint::Uint;

/// The double-width arithmetic a native word needs from a wider type.
trait Widen: Sized {
    /// `(a + b) mod m` without overflow, `m != 0`.
    fn add_mod_nonzero(a: Self, b: Self, m: Self) -> Self;
    /// `(a * b) mod m` without overflow, `m != 0`.
    fn mul_mod_nonzero(a: Self, b: Self, m: Self) -> Self;
    /// The high half of the double-width product.
    fn mul_hi(a: Self, b: Self) -> Self;
}

/// Widening through a native integer twice as wide.
macro_rules! widen_natively {
    ($u:ty, $wide:ty) => {
        impl Widen for $u {
            #[inline]
            fn add_mod_nonzero(a: Self, b: Self, m: Self) -> Self {
                ((<$wide>::from(a) + <$wide>::from(b)) % <$wide>::from(m)) as $u
            }

            #[inline]
            fn mul_mod_nonzero(a: Self, b: Self, m: Self) -> Self {
                ((<$wide>::from(a) * <$wide>::from(b)) % <$wide>::from(m)) as $u
            }

            #[inline]
            fn mul_hi(a: Self, b: Self) -> Self {
                ((<$wide>::from(a) * <$wide>::from(b)) >> <$u>::BITS) as $u
            }
        }
    };
}

widen_natively!(u32, u64);
widen_natively!(u64, u128);

/// A 128-bit value as ruint's 128-bit integer.
fn uint128(value: u128) -> Uint<128, 2> {
    Uint::from(value)
}

impl Widen for u128 {
    fn add_mod_nonzero(a: Self, b: Self, m: Self) -> Self {
        uint128(a).add_mod(uint128(b), uint128(m)).to::<u128>()
    }

    fn mul_mod_nonzero(a: Self, b: Self, m: Self) -> Self {
        uint128(a).mul_mod(uint128(b), uint128(m)).to::<u128>()
    }

    fn mul_hi(a: Self, b: Self) -> Self {
        let product: Uint<256, 4> = uint128(a).widening_mul(uint128(b));
        (product >> 128usize).to::<u128>()
    }
}

/// Implements [`Word`] for a native unsigned integer `$u` whose signed twin is `$s`.
macro_rules! native_word {
    ($u:ty, $s:ty, $limbs:literal) => {
        impl Word for $u {
            type Limbs = [u64; $limbs];

            #[inline(always)]
            fn to_limbs(self) -> [u64; $limbs] {
                let mut limbs = [0; $limbs];
                for (i, limb) in limbs.iter_mut().enumerate() {
                    *limb = (self >> (64 * i)) as u64;
                }
                limbs
            }

            #[inline(always)]
            fn from_limbs(limbs: [u64; $limbs]) -> Self {
                let mut value: $u = 0;
                for (i, limb) in limbs.iter().enumerate() {
                    value |= (*limb as $u) << (64 * i);
                }
                value
            }

            const BITS: u32 = <$u>::BITS;
            const BYTES: usize = size_of::<$u>();
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const ALL_ONES: Self = <$u>::MAX;

            #[inline(always)]
            fn wrapping_add(self, rhs: Self) -> Self {
                <$u>::wrapping_add(self, rhs)
            }

            #[inline(always)]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$u>::wrapping_sub(self, rhs)
            }

            #[inline(always)]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$u>::wrapping_mul(self, rhs)
            }

            #[inline(always)]
            fn wrapping_neg(self) -> Self {
                <$u>::wrapping_neg(self)
            }

            #[inline(always)]
            fn div_u(self, rhs: Self) -> Result<Self, DivError> {
                self.checked_div(rhs).ok_or(DivError::DivideByZero)
            }

            #[inline(always)]
            fn div_s(self, rhs: Self) -> Result<Self, DivError> {
                match (self as $s).checked_div(rhs as $s) {
                    Some(q) => Ok(q as $u),
                    None if rhs == 0 => Err(DivError::DivideByZero),
                    None => Err(DivError::Overflow),
                }
            }

            #[inline(always)]
            fn rem_u(self, rhs: Self) -> Result<Self, DivError> {
                self.checked_rem(rhs).ok_or(DivError::DivideByZero)
            }

            #[inline(always)]
            fn rem_s(self, rhs: Self) -> Result<Self, DivError> {
                if rhs == 0 {
                    return Err(DivError::DivideByZero);
                }
                Ok((self as $s).wrapping_rem(rhs as $s) as $u)
            }

            fn add_mod(self, rhs: Self, modulus: Self) -> Self {
                if modulus == 0 {
                    0
                } else {
                    Widen::add_mod_nonzero(self, rhs, modulus)
                }
            }

            fn mul_mod(self, rhs: Self, modulus: Self) -> Self {
                if modulus == 0 {
                    0
                } else {
                    Widen::mul_mod_nonzero(self, rhs, modulus)
                }
            }

            fn wrapping_pow(self, exp: Self) -> Self {
                let (mut base, mut exp, mut acc) = (self, exp, 1 as $u);
                while exp != 0 {
                    if exp & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    exp >>= 1;
                }
                acc
            }

            #[inline]
            fn mul_hi_u(self, rhs: Self) -> Self {
                Widen::mul_hi(self, rhs)
            }

            #[inline(always)]
            fn lt_s(self, rhs: Self) -> bool {
                (self as $s) < (rhs as $s)
            }

            #[inline(always)]
            fn is_negative(self) -> bool {
                (self as $s) < 0
            }

            #[inline(always)]
            fn and(self, rhs: Self) -> Self {
                self & rhs
            }

            #[inline(always)]
            fn or(self, rhs: Self) -> Self {
                self | rhs
            }

            #[inline(always)]
            fn xor(self, rhs: Self) -> Self {
                self ^ rhs
            }

            #[inline(always)]
            fn not(self) -> Self {
                !self
            }

            // `wrapping_shl`/`wrapping_shr` take the count modulo the width; the count's
            // low 32 bits decide it because the width divides 2^32.
            #[inline(always)]
            fn shl(self, count: Self) -> Self {
                self.wrapping_shl(count as u32)
            }

            #[inline(always)]
            fn shr(self, count: Self) -> Self {
                self.wrapping_shr(count as u32)
            }

            #[inline(always)]
            fn sar(self, count: Self) -> Self {
                (self as $s).wrapping_shr(count as u32) as $u
            }

            #[inline(always)]
            fn rotl(self, count: Self) -> Self {
                self.rotate_left((count % <$u>::BITS as $u) as u32)
            }

            #[inline(always)]
            fn rotr(self, count: Self) -> Self {
                self.rotate_right((count % <$u>::BITS as $u) as u32)
            }

            #[inline(always)]
            fn clz(self) -> Self {
                self.leading_zeros() as $u
            }

            #[inline(always)]
            fn ctz(self) -> Self {
                self.trailing_zeros() as $u
            }

            #[inline(always)]
            fn popcnt(self) -> Self {
                self.count_ones() as $u
            }

            fn from_imm_checked(imm: &Imm) -> Option<Self> {
                <$u>::try_from(*imm).ok()
            }

            fn to_imm(self) -> Imm {
                Imm::from(self)
            }

            #[inline(always)]
            fn from_u64(value: u64) -> Self {
                value as $u
            }

            #[inline(always)]
            fn low_u64(self) -> u64 {
                self as u64
            }

            #[inline(always)]
            fn to_address(self) -> Option<u64> {
                u64::try_from(self).ok()
            }

            #[inline(always)]
            fn sign_extend(value: u64, from_bits: u32) -> Self {
                let unused = 64 - from_bits;
                (((value << unused) as i64) >> unused) as $s as $u
            }

            #[inline(always)]
            fn from_le_slice(bytes: &[u8]) -> Self {
                let mut buf = [0u8; size_of::<$u>()];
                buf.copy_from_slice(bytes);
                <$u>::from_le_bytes(buf)
            }

            #[inline(always)]
            fn write_le_slice(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
        }
    };
}

native_word!(u32, i32, 1);
native_word!(u64, i64, 1);
native_word!(u128, i128, 2);
