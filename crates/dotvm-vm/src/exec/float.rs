//! WebAssembly float semantics on top of Rust's IEEE-754 `f32`/`f64`: canonical NaNs,
//! `min`/`max` with NaN propagation and signed zeros, bitwise sign operations, and
//! float-to-integer truncation (trapping and saturating).
//!
//! Every arithmetic result that is NaN becomes the canonical quiet NaN (positive sign, only
//! the top mantissa bit set), which WebAssembly allows and which makes runs deterministic
//! across hosts whose hardware NaNs differ. Sign operations (`abs`, `neg`, `copysign`) work
//! on the bits and keep NaN payloads, as WebAssembly requires.

use crate::trap::TrapKind;

/// The float operations the typed instructions need, for `f32` and `f64`.
pub(super) trait WasmFloat: Copy + PartialOrd {
    /// The canonical quiet NaN.
    const CANONICAL_NAN: Self;
    /// `self`, or the canonical NaN when `self` is a NaN.
    fn canonical(self) -> Self;
    /// The smaller value; NaN if either is NaN; `-0 < +0`.
    fn wasm_min(self, rhs: Self) -> Self;
    /// The larger value; NaN if either is NaN; `-0 < +0`.
    fn wasm_max(self, rhs: Self) -> Self;
    /// The sign bit cleared.
    fn wasm_abs(self) -> Self;
    /// The sign bit flipped.
    fn wasm_neg(self) -> Self;
    /// `self` with the sign bit of `sign`.
    fn wasm_copysign(self, sign: Self) -> Self;
    /// The value widened to `f64` (exact).
    fn widen(self) -> f64;
}

/// Implements [`WasmFloat`] for `$f` (bits `$bits`), with sign bit `$sign` and canonical
/// NaN `$nan`.
macro_rules! wasm_float {
    ($f:ty, $bits:ty, $sign:expr, $nan:expr) => {
        impl WasmFloat for $f {
            const CANONICAL_NAN: Self = <$f>::from_bits($nan);

            #[inline]
            fn canonical(self) -> Self {
                /// The canonical NaN's bits, read with a volatile load so the optimiser
                /// cannot see the value: LLVM treats all NaNs as interchangeable, so a
                /// visible `if is_nan { NAN } else { x }` may be folded to `x`.
                /// (`black_box` would hide it too, but through a stack slot whose
                /// address escapes, and then no handler that inlines this can end in a
                /// sibling call.)
                static CANONICAL_BITS: $bits = $nan;
                if self.is_nan() {
                    std::hint::cold_path();
                    // SAFETY: a reference to a static is valid and aligned for reading.
                    let bits = unsafe { std::ptr::read_volatile(&CANONICAL_BITS) };
                    return <$f>::from_bits(bits);
                }
                self
            }

            #[inline]
            fn wasm_min(self, rhs: Self) -> Self {
                if self.is_nan() || rhs.is_nan() {
                    Self::CANONICAL_NAN
                } else if self == rhs {
                    // Equal values differ at most in the sign of zero: prefer -0.
                    <$f>::from_bits(self.to_bits() | rhs.to_bits())
                } else if self < rhs {
                    self
                } else {
                    rhs
                }
            }

            #[inline]
            fn wasm_max(self, rhs: Self) -> Self {
                if self.is_nan() || rhs.is_nan() {
                    Self::CANONICAL_NAN
                } else if self == rhs {
                    // Equal values differ at most in the sign of zero: prefer +0.
                    <$f>::from_bits(self.to_bits() & rhs.to_bits())
                } else if self > rhs {
                    self
                } else {
                    rhs
                }
            }

            #[inline]
            fn wasm_abs(self) -> Self {
                <$f>::from_bits(self.to_bits() & !$sign)
            }

            #[inline]
            fn wasm_neg(self) -> Self {
                <$f>::from_bits(self.to_bits() ^ $sign)
            }

            #[inline]
            fn wasm_copysign(self, sign: Self) -> Self {
                <$f>::from_bits((self.to_bits() & !$sign) | (sign.to_bits() & $sign))
            }

            #[inline]
            fn widen(self) -> f64 {
                f64::from(self)
            }
        }
    };
}

wasm_float!(f32, u32, 1u32 << 31, 0x7FC0_0000);
wasm_float!(f64, u64, 1u64 << 63, 0x7FF8_0000_0000_0000);

/// The integer types a float can be truncated to, with their range as `f64` bounds.
#[derive(Debug, Clone, Copy)]
pub(super) enum IntRange {
    /// i32: `[-2^31, 2^31)`.
    I32,
    /// u32: `[0, 2^32)`.
    U32,
    /// i64: `[-2^63, 2^63)`.
    I64,
    /// u64: `[0, 2^64)`.
    U64,
}

impl IntRange {
    /// The smallest and one past the largest integer of the range (both exact in `f64`).
    fn bounds(self) -> (f64, f64) {
        match self {
            IntRange::I32 => (-2_147_483_648.0, 2_147_483_648.0),
            IntRange::U32 => (0.0, 4_294_967_296.0),
            IntRange::I64 => (-9_223_372_036_854_775_808.0, 9_223_372_036_854_775_808.0),
            IntRange::U64 => (0.0, 18_446_744_073_709_551_616.0),
        }
    }
}

/// `value` rounded toward zero, checked to fit `range` (the trapping `trunc` conversions):
/// NaN is an invalid conversion, a value outside the range an integer overflow. The result
/// is an integral `f64` inside the range, so casting it to the integer type is exact.
pub(super) fn trunc_checked<F: WasmFloat>(value: F, range: IntRange) -> Result<f64, TrapKind> {
    let wide = value.widen();
    if wide.is_nan() {
        return Err(TrapKind::InvalidConversion);
    }
    let truncated = wide.trunc();
    let (low, high) = range.bounds();
    // -0.0 (from -0.9 and the like) is not below 0.0, so it converts to 0 as wasm requires.
    if truncated < low || truncated >= high {
        return Err(TrapKind::IntegerOverflow);
    }
    Ok(truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_order_signed_zeros_and_propagate_nan() {
        assert_eq!(0.0f32.wasm_min(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!((-0.0f32).wasm_min(0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(0.0f64.wasm_max(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!((-0.0f64).wasm_max(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(1.0f32.wasm_min(f32::NAN).to_bits(), 0x7FC0_0000);
        assert_eq!(f64::NAN.wasm_max(1.0).to_bits(), 0x7FF8_0000_0000_0000);
        assert_eq!((-3.0f64).wasm_min(2.0), -3.0);
        assert_eq!((-3.0f32).wasm_max(2.0), 2.0);
    }

    #[test]
    fn sign_operations_keep_nan_payloads() {
        let nan = f32::from_bits(0xFFA0_0001);
        assert_eq!(nan.wasm_abs().to_bits(), 0x7FA0_0001);
        assert_eq!(nan.wasm_neg().to_bits(), 0x7FA0_0001);
        assert_eq!(nan.wasm_copysign(-1.0).to_bits(), 0xFFA0_0001);
        assert_eq!(1.5f64.wasm_copysign(-0.0), -1.5);
    }

    #[test]
    fn truncation_traps_exactly_outside_the_range() {
        assert_eq!(trunc_checked(-0.9f32, IntRange::U32), Ok(-0.0));
        assert_eq!(
            trunc_checked(-1.0f32, IntRange::U32),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(2_147_483_647.9f64, IntRange::I32),
            Ok(2_147_483_647.0)
        );
        assert_eq!(
            trunc_checked(2_147_483_648.0f64, IntRange::I32),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(-2_147_483_648.9f64, IntRange::I32),
            Ok(-2_147_483_648.0)
        );
        assert_eq!(
            trunc_checked(f32::NAN, IntRange::I64),
            Err(TrapKind::InvalidConversion)
        );
        assert_eq!(
            trunc_checked(f64::INFINITY, IntRange::U64),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(18_446_744_073_709_549_568.0f64, IntRange::U64),
            Ok(18_446_744_073_709_549_568.0)
        );
    }
}
