//! The BigInt operations, each with its [`Cost`]: the fuel it charges and an upper bound of
//! the bytes its result will occupy, both known before any work starts.

use super::heap::{limbs, object_bytes};
use crate::fuel;
use num_bigint::{BigInt, Sign};
use num_integer::Integer as _;
use num_traits::{Signed as _, Zero as _};
use std::cmp::Ordering;

/// What an operation costs, computed from its operands before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Fuel beyond the instruction's own unit.
    pub fuel: u64,
    /// Upper bound of the accounted bytes of the result ([`object_bytes`]); 0 when the
    /// operation creates no object.
    pub bytes: u64,
}

impl Cost {
    /// A cost of `fuel` whose result has at most `result_limbs` limbs.
    fn new(fuel: u64, result_limbs: u64) -> Cost {
        Cost {
            fuel: fuel::BIGINT_BASE.saturating_add(fuel),
            bytes: object_bytes(result_limbs),
        }
    }
}

/// Division (or a modulus) by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("BigInt division by zero")]
pub struct DivideByZero;

/// The byte format of `BIGINT_FROM_BYTES` and `BIGINT_TO_BYTES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteFormat {
    /// Big-endian magnitude (reading gives a non-negative value; writing drops the sign).
    Be,
    /// Little-endian magnitude.
    Le,
    /// Big-endian two's complement.
    BeSigned,
    /// Little-endian two's complement.
    LeSigned,
}

/// Operations of two BigInts giving one (or, for [`Binary::ModInv`], possibly none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binary {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b` rounded toward zero.
    Div,
    /// Remainder of [`Binary::Div`] (sign of `a`).
    Rem,
    /// `a / b` rounded toward negative infinity.
    DivFloor,
    /// Remainder of [`Binary::DivFloor`] (sign of `b`).
    ModFloor,
    /// Inverse of `a` modulo `b`, if any.
    ModInv,
    /// Greatest common divisor (non-negative).
    Gcd,
    /// Two's complement `a & b`.
    And,
    /// Two's complement `a | b`.
    Or,
    /// Two's complement `a ^ b`.
    Xor,
}

impl Binary {
    /// The cost of applying the operation to `a` and `b`.
    pub fn cost(self, a: &BigInt, b: &BigInt) -> Cost {
        let (la, lb) = (limbs(a), limbs(b));
        let wide = la.max(lb).saturating_add(1);
        match self {
            Binary::Add | Binary::Sub | Binary::And | Binary::Or | Binary::Xor => {
                Cost::new(fuel::linear(la + lb + wide), wide)
            }
            Binary::Mul => Cost::new(
                fuel::mul(la, lb).saturating_add(fuel::linear(la + lb)),
                la.saturating_add(lb),
            ),
            Binary::Div | Binary::DivFloor => Cost::new(fuel::div(la, lb), la + 1),
            Binary::Rem | Binary::ModFloor => Cost::new(fuel::div(la, lb), lb),
            Binary::ModInv => Cost::new(fuel::euclid(la, lb), lb),
            // gcd(0, b) = |b|: only a non-zero operand bounds the result.
            Binary::Gcd => Cost::new(fuel::euclid(la, lb), la.max(lb)),
        }
    }

    /// The result, `None` for a missing modular inverse.
    pub fn apply(self, a: &BigInt, b: &BigInt) -> Result<Option<BigInt>, DivideByZero> {
        let needs_divisor = matches!(
            self,
            Binary::Div | Binary::Rem | Binary::DivFloor | Binary::ModFloor | Binary::ModInv
        );
        if needs_divisor && b.is_zero() {
            return Err(DivideByZero);
        }
        Ok(Some(match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Rem => a % b,
            Binary::DivFloor => a.div_floor(b),
            Binary::ModFloor => a.mod_floor(b),
            Binary::ModInv => return Ok(a.modinv(b)),
            Binary::Gcd => a.gcd(b),
            Binary::And => a & b,
            Binary::Or => a | b,
            Binary::Xor => a ^ b,
        }))
    }
}

/// Operations of one BigInt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unary {
    /// `-a`.
    Neg,
    /// `|a|`.
    Abs,
    /// `!a = -a - 1`.
    Not,
}

impl Unary {
    /// The cost of applying the operation to `a`.
    pub fn cost(self, a: &BigInt) -> Cost {
        let la = limbs(a);
        Cost::new(fuel::linear(2 * la + 1), la + 1)
    }

    /// The result.
    pub fn apply(self, a: &BigInt) -> BigInt {
        match self {
            Unary::Neg => -a,
            Unary::Abs => a.abs(),
            Unary::Not => !a,
        }
    }
}

/// Operations of a BigInt and an unsigned word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WithWord {
    /// `a ^ n`.
    Pow,
    /// `a * 2^n`.
    Shl,
    /// `a / 2^n` rounded toward negative infinity.
    Shr,
}

impl WithWord {
    /// The cost of applying the operation to `a` and `n`.
    pub fn cost(self, a: &BigInt, n: u64) -> Cost {
        let la = limbs(a);
        match self {
            WithWord::Pow => {
                let result = if a.magnitude().bits() <= 1 || n == 0 {
                    1
                } else {
                    a.bits().saturating_mul(n).div_ceil(64)
                };
                Cost::new(fuel::pow(result), result)
            }
            WithWord::Shl => {
                let result = if a.is_zero() {
                    1
                } else {
                    la.saturating_add(n / 64).saturating_add(1)
                };
                Cost::new(fuel::linear(la.saturating_add(result)), result)
            }
            WithWord::Shr => Cost::new(fuel::linear(2 * la), la),
        }
    }

    /// The result. The caller has paid [`WithWord::cost`], which bounds the size.
    pub fn apply(self, a: &BigInt, n: u64) -> BigInt {
        match self {
            WithWord::Pow => num_traits::Pow::pow(a, n),
            WithWord::Shl if a.is_zero() => BigInt::zero(),
            // The cost bound (limbs + n/64) is below the memory limit, so n fits a usize.
            WithWord::Shl => a << usize::try_from(n).unwrap_or(usize::MAX),
            // Shifting past the top bit leaves the sign: 0 or -1.
            WithWord::Shr => a >> usize::try_from(n.min(a.bits() + 1)).unwrap_or(usize::MAX),
        }
    }
}

/// The cost of `a^e mod m`.
pub fn modpow_cost(a: &BigInt, e: &BigInt, m: &BigInt) -> Cost {
    let lm = limbs(m);
    let inverse = if e.is_negative() {
        fuel::euclid(limbs(a), lm)
    } else {
        0
    };
    Cost::new(
        fuel::modpow(limbs(a), e.bits(), lm).saturating_add(inverse),
        lm,
    )
}

/// `a^e mod m`, in `[0, m)` for `m > 0` (`(m, 0]` for `m < 0`). A negative `e` raises the
/// inverse of `a` to `|e|`; `None` when there is no inverse.
pub fn modpow(a: &BigInt, e: &BigInt, m: &BigInt) -> Result<Option<BigInt>, DivideByZero> {
    if m.is_zero() {
        return Err(DivideByZero);
    }
    if e.is_negative() {
        return Ok(a.modinv(m).map(|inverse| inverse.modpow(&-e, m)));
    }
    Ok(Some(a.modpow(e, m)))
}

/// The cost of comparing `a` and `b`.
pub fn cmp_cost(a: &BigInt, b: &BigInt) -> u64 {
    fuel::linear(limbs(a) + limbs(b))
}

/// `-1`, `0` or `1` as `a` is less than, equal to or greater than `b`.
pub fn cmp(a: &BigInt, b: &BigInt) -> i64 {
    match a.cmp(b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// The cost of reading `len` bytes.
pub fn from_bytes_cost(len: u64) -> Cost {
    let result = len / 8 + 1;
    Cost::new(fuel::linear(result), result)
}

/// The value of `bytes` in `format`.
pub fn from_bytes(format: ByteFormat, bytes: &[u8]) -> BigInt {
    match format {
        ByteFormat::Be => BigInt::from_bytes_be(Sign::Plus, bytes),
        ByteFormat::Le => BigInt::from_bytes_le(Sign::Plus, bytes),
        ByteFormat::BeSigned => BigInt::from_signed_bytes_be(bytes),
        ByteFormat::LeSigned => BigInt::from_signed_bytes_le(bytes),
    }
}

/// The fuel of encoding `a` in bytes.
pub fn to_bytes_cost(a: &BigInt) -> u64 {
    fuel::linear(limbs(a))
}

/// The minimal encoding of `a` in `format` (zero is one zero byte; the magnitude formats
/// encode `|a|`).
pub fn to_bytes(format: ByteFormat, a: &BigInt) -> Vec<u8> {
    match format {
        ByteFormat::Be => a.magnitude().to_bytes_be(),
        ByteFormat::Le => a.magnitude().to_bytes_le(),
        ByteFormat::BeSigned => a.to_signed_bytes_be(),
        ByteFormat::LeSigned => a.to_signed_bytes_le(),
    }
}

/// The cost of parsing `len` bytes of decimal text.
pub fn from_decimal_cost(len: u64) -> Cost {
    let result = len / 19 + 1;
    Cost::new(fuel::from_decimal(len), result)
}

/// The value of `text`: an optional `+` or `-` then one or more ASCII digits, nothing else.
pub fn from_decimal(text: &[u8]) -> Option<BigInt> {
    let digits = match text.first() {
        Some(b'+' | b'-') => &text[1..],
        _ => text,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = BigInt::parse_bytes(digits, 10)?;
    Some(if text[0] == b'-' {
        -magnitude
    } else {
        magnitude
    })
}

/// The fuel of printing `a` in decimal.
pub fn to_decimal_cost(a: &BigInt) -> u64 {
    fuel::to_decimal(limbs(a))
}

/// `a` in decimal, with a leading `-` when negative.
pub fn to_decimal(a: &BigInt) -> String {
    a.to_str_radix(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(text: &str) -> BigInt {
        from_decimal(text.as_bytes()).unwrap()
    }

    #[test]
    fn decimal_text_is_strict() {
        assert_eq!(from_decimal(b"-120"), Some(BigInt::from(-120)));
        assert_eq!(from_decimal(b"+7"), Some(BigInt::from(7)));
        assert_eq!(from_decimal(b"007"), Some(BigInt::from(7)));
        for bad in [
            &b""[..],
            b"-",
            b"+",
            b"1_000",
            b" 1",
            b"1 ",
            b"0x10",
            b"--1",
            b"\xff",
        ] {
            assert_eq!(from_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(
            to_decimal(&big("-98765432109876543210")),
            "-98765432109876543210"
        );
    }

    #[test]
    fn byte_formats_round_trip() {
        let v = big("-1234567890123456789012345");
        for f in [ByteFormat::BeSigned, ByteFormat::LeSigned] {
            assert_eq!(from_bytes(f, &to_bytes(f, &v)), v);
        }
        for f in [ByteFormat::Be, ByteFormat::Le] {
            assert_eq!(from_bytes(f, &to_bytes(f, &v)), -v.clone());
        }
        assert_eq!(to_bytes(ByteFormat::Be, &BigInt::from(258)), [1, 2]);
        assert_eq!(to_bytes(ByteFormat::LeSigned, &BigInt::from(-1)), [0xFF]);
        assert_eq!(to_bytes(ByteFormat::Be, &BigInt::zero()), [0]);
        assert_eq!(
            from_bytes(ByteFormat::BeSigned, &[0x80]),
            BigInt::from(-128)
        );
        assert_eq!(from_bytes(ByteFormat::Be, &[]), BigInt::zero());
    }

    #[test]
    fn division_by_zero_is_an_error_and_inverses_may_be_missing() {
        let (a, zero) = (BigInt::from(10), BigInt::zero());
        for op in [
            Binary::Div,
            Binary::Rem,
            Binary::DivFloor,
            Binary::ModFloor,
            Binary::ModInv,
        ] {
            assert_eq!(op.apply(&a, &zero), Err(DivideByZero));
        }
        assert_eq!(Binary::ModInv.apply(&a, &BigInt::from(4)), Ok(None));
        assert_eq!(
            Binary::ModInv.apply(&BigInt::from(3), &BigInt::from(7)),
            Ok(Some(BigInt::from(5)))
        );
        assert_eq!(
            modpow(&BigInt::from(3), &BigInt::from(-1), &BigInt::from(7)),
            Ok(Some(BigInt::from(5)))
        );
        assert_eq!(
            modpow(&BigInt::from(2), &BigInt::from(-1), &BigInt::from(4)),
            Ok(None)
        );
        assert_eq!(modpow(&a, &a, &zero), Err(DivideByZero));
    }

    #[test]
    fn rounding_modes_differ_for_negative_operands() {
        let (a, b) = (BigInt::from(-7), BigInt::from(2));
        let apply = |op: Binary| op.apply(&a, &b).unwrap().unwrap();
        assert_eq!(apply(Binary::Div), BigInt::from(-3));
        assert_eq!(apply(Binary::Rem), BigInt::from(-1));
        assert_eq!(apply(Binary::DivFloor), BigInt::from(-4));
        assert_eq!(apply(Binary::ModFloor), BigInt::from(1));
        assert_eq!(WithWord::Shr.apply(&a, 1), BigInt::from(-4));
        assert_eq!(WithWord::Shr.apply(&a, u64::MAX), BigInt::from(-1));
        assert_eq!(
            WithWord::Shr.apply(&BigInt::from(7), u64::MAX),
            BigInt::zero()
        );
    }

    #[test]
    fn result_bounds_cover_the_results() {
        let values = [
            big("0"),
            big("-1"),
            big("3"),
            big("-18446744073709551616"),
            big("340282366920938463463374607431768211455"),
        ];
        for a in &values {
            for b in &values {
                for op in [
                    Binary::Add,
                    Binary::Sub,
                    Binary::Mul,
                    Binary::And,
                    Binary::Or,
                    Binary::Xor,
                    Binary::Gcd,
                    Binary::Div,
                    Binary::Rem,
                    Binary::DivFloor,
                    Binary::ModFloor,
                    Binary::ModInv,
                ] {
                    if let Ok(Some(r)) = op.apply(a, b) {
                        assert!(
                            object_bytes(limbs(&r)) <= op.cost(a, b).bytes,
                            "{op:?} {a} {b}"
                        );
                    }
                }
            }
            for n in [0u64, 1, 5, 64, 130] {
                for op in [WithWord::Pow, WithWord::Shl, WithWord::Shr] {
                    let r = op.apply(a, n);
                    assert!(
                        object_bytes(limbs(&r)) <= op.cost(a, n).bytes,
                        "{op:?} {a} {n}"
                    );
                }
            }
        }
        assert_eq!(
            WithWord::Pow.cost(&big("-1"), u64::MAX).bytes,
            object_bytes(1)
        );
        assert!(WithWord::Pow.cost(&big("2"), u64::MAX).bytes > 1 << 60);
    }
}
