//! Every word operation on every word type against a reference model: arbitrary-precision
//! integers (num-bigint) reduced modulo `2^BITS`, on a matrix of edge cases and on random
//! operands.

use super::{DivError, Word};
use dotvm_core::Imm;
use num_bigint::{BigInt, BigUint, Sign};
use proptest::prelude::*;
use ruint::aliases::{U256, U512};

/// The reference arithmetic for `bits`-bit words.
struct Model {
    bits: u32,
}

impl Model {
    fn modulus(&self) -> BigUint {
        BigUint::from(1u8) << self.bits
    }

    fn max(&self) -> BigUint {
        self.modulus() - 1u8
    }

    /// `x` reduced modulo 2^bits (for negative `x`, the two's complement).
    fn wrap(&self, x: BigInt) -> BigUint {
        let m = BigInt::from(self.modulus());
        (((x % &m) + &m) % &m).to_biguint().unwrap()
    }

    /// The two's-complement reading of a word.
    fn signed(&self, x: &BigUint) -> BigInt {
        if x.bit(u64::from(self.bits) - 1) {
            BigInt::from(x.clone()) - BigInt::from(self.modulus())
        } else {
            BigInt::from(x.clone())
        }
    }

    fn bool(&self, value: bool) -> BigUint {
        BigUint::from(u8::from(value))
    }

    /// A shift or rotate count modulo the width.
    fn count(&self, n: &BigUint) -> u32 {
        (n % self.bits).try_into().unwrap()
    }

    fn div_s(&self, a: &BigUint, b: &BigUint) -> Result<BigUint, DivError> {
        let (a, b) = (self.signed(a), self.signed(b));
        if b == BigInt::ZERO {
            return Err(DivError::DivideByZero);
        }
        // num-bigint's `/` truncates toward zero, like the instruction.
        let q = a / b;
        if q == BigInt::from(1u8) << (self.bits - 1) {
            return Err(DivError::Overflow);
        }
        Ok(self.wrap(q))
    }

    fn rem_s(&self, a: &BigUint, b: &BigUint) -> Result<BigUint, DivError> {
        let (a, b) = (self.signed(a), self.signed(b));
        if b == BigInt::ZERO {
            return Err(DivError::DivideByZero);
        }
        // `%` takes the sign of the dividend.
        Ok(self.wrap(a % b))
    }

    fn rotl(&self, a: &BigUint, n: u32) -> BigUint {
        ((a << n) | (a >> (self.bits - n))) & self.max()
    }

    fn sign_extend_from_byte(&self, b: &BigUint, x: &BigUint) -> BigUint {
        let bytes = u64::from(self.bits / 8);
        if *b >= BigUint::from(bytes - 1) {
            return x.clone();
        }
        let b = u64::try_from(b).unwrap();
        let sign_bit = 8 * b + 7;
        let low = x & ((BigUint::from(1u8) << (sign_bit + 1)) - 1u8);
        if x.bit(sign_bit) {
            low | (self.max() ^ ((BigUint::from(1u8) << (sign_bit + 1)) - 1u8))
        } else {
            low
        }
    }

    fn byte(&self, i: &BigUint, x: &BigUint) -> BigUint {
        if *i >= BigUint::from(self.bits / 8) {
            return BigUint::ZERO;
        }
        let i = u32::try_from(i).unwrap();
        (x >> (8 * i)) & BigUint::from(0xFFu8)
    }
}

fn to_big<W: Word>(w: W) -> BigUint {
    BigUint::from_bytes_le(&w.to_imm().to_le_bytes::<64>())
}

fn from_big<W: Word>(x: &BigUint) -> W {
    let mut bytes = x.to_bytes_le();
    bytes.resize(64, 0);
    W::from_imm_checked(&Imm::from_le_slice(&bytes)).expect("operand fits the word")
}

/// Checks every operation of `W` on `(a, b, c)` (already reduced to the width).
fn check_all<W: Word>(a: &BigUint, b: &BigUint, c: &BigUint) {
    let m = Model { bits: W::BITS };
    let (wa, wb, wc) = (from_big::<W>(a), from_big::<W>(b), from_big::<W>(c));
    let ctx = format!("{}-bit a={a:#x} b={b:#x} c={c:#x}", W::BITS);
    let ok = |r: Result<W, DivError>| r.map(to_big);
    let signed = |x: &BigUint| BigInt::from_biguint(Sign::Plus, x.clone());
    let (sa, sb) = (m.signed(a), m.signed(b));

    assert_eq!(
        to_big(wa.wrapping_add(wb)),
        m.wrap(signed(a) + signed(b)),
        "add {ctx}"
    );
    assert_eq!(
        to_big(wa.wrapping_sub(wb)),
        m.wrap(signed(a) - signed(b)),
        "sub {ctx}"
    );
    assert_eq!(
        to_big(wa.wrapping_mul(wb)),
        m.wrap(signed(a) * signed(b)),
        "mul {ctx}"
    );
    assert_eq!(to_big(wa.wrapping_neg()), m.wrap(-signed(a)), "neg {ctx}");
    let unsigned = |f: fn(&BigUint, &BigUint) -> BigUint| {
        if *b == BigUint::ZERO {
            Err(DivError::DivideByZero)
        } else {
            Ok(f(a, b))
        }
    };
    assert_eq!(ok(wa.div_u(wb)), unsigned(|a, b| a / b), "div_u {ctx}");
    assert_eq!(ok(wa.rem_u(wb)), unsigned(|a, b| a % b), "rem_u {ctx}");
    assert_eq!(ok(wa.div_s(wb)), m.div_s(a, b), "div_s {ctx}");
    assert_eq!(ok(wa.rem_s(wb)), m.rem_s(a, b), "rem_s {ctx}");
    let modular = |x: BigUint| {
        if *c == BigUint::ZERO {
            BigUint::ZERO
        } else {
            x % c
        }
    };
    assert_eq!(to_big(wa.add_mod(wb, wc)), modular(a + b), "add_mod {ctx}");
    assert_eq!(to_big(wa.mul_mod(wb, wc)), modular(a * b), "mul_mod {ctx}");
    assert_eq!(
        to_big(wa.wrapping_pow(wb)),
        a.modpow(b, &m.modulus()),
        "exp {ctx}"
    );
    assert_eq!(
        to_big(wa.mul_hi_u(wb)),
        (a * b) >> W::BITS,
        "mul_hi_u {ctx}"
    );
    let high_s = m.wrap((&sa * &sb) >> W::BITS);
    assert_eq!(to_big(wa.mul_hi_s(wb)), high_s, "mul_hi_s {ctx}");

    assert_eq!(wa < wb, a < b, "lt_u {ctx}");
    assert_eq!(wa.lt_s(wb), sa < sb, "lt_s {ctx}");
    assert_eq!(wa.is_negative(), sa < BigInt::ZERO, "is_negative {ctx}");
    assert_eq!(to_big(W::from_bool(wa == wb)), m.bool(a == b), "eq {ctx}");

    assert_eq!(to_big(wa.and(wb)), a & b, "and {ctx}");
    assert_eq!(to_big(wa.or(wb)), a | b, "or {ctx}");
    assert_eq!(to_big(wa.xor(wb)), a ^ b, "xor {ctx}");
    assert_eq!(to_big(wa.not()), a ^ m.max(), "not {ctx}");
    let n = m.count(b);
    assert_eq!(to_big(wa.shl(wb)), (a << n) & m.max(), "shl {ctx}");
    assert_eq!(to_big(wa.shr(wb)), a >> n, "shr {ctx}");
    assert_eq!(to_big(wa.sar(wb)), m.wrap(&sa >> n), "sar {ctx}");
    assert_eq!(to_big(wa.rotl(wb)), m.rotl(a, n), "rotl {ctx}");
    assert_eq!(
        to_big(wa.rotr(wb)),
        m.rotl(a, (W::BITS - n) % W::BITS),
        "rotr {ctx}"
    );
    let clz = W::BITS - a.bits() as u32;
    assert_eq!(to_big(wa.clz()), BigUint::from(clz), "clz {ctx}");
    let ctz = a.trailing_zeros().map_or(W::BITS, |t| t as u32);
    assert_eq!(to_big(wa.ctz()), BigUint::from(ctz), "ctz {ctx}");
    assert_eq!(
        to_big(wa.popcnt()),
        BigUint::from(a.count_ones()),
        "popcnt {ctx}"
    );

    assert_eq!(
        to_big(wb.sign_extend_from_byte(wa)),
        m.sign_extend_from_byte(a, b),
        "signextend {ctx}"
    );
    assert_eq!(to_big(wb.byte(wa)), m.byte(a, b), "byte {ctx}");

    let low = u64::try_from(a & BigUint::from(u64::MAX)).unwrap();
    assert_eq!(wa.low_u64(), low, "low_u64 {ctx}");
    assert_eq!(
        to_big(W::from_u64(low)),
        a & m.max() & BigUint::from(u64::MAX)
    );
    assert_eq!(wa.to_address(), u64::try_from(a).ok(), "to_address {ctx}");
    for from_bits in [8, 16, 32, 64] {
        let field = i128::from(low) & ((1i128 << from_bits) - 1);
        let negative = field >> (from_bits - 1) == 1;
        let value = m.wrap(BigInt::from(if negative {
            field - (1i128 << from_bits)
        } else {
            field
        }));
        assert_eq!(
            to_big(W::sign_extend(low, from_bits)),
            value,
            "sign_extend {from_bits} {ctx}"
        );
    }
    let mut bytes = [0u8; 64];
    wa.write_le_slice(&mut bytes[..W::BYTES]);
    assert_eq!(W::from_le_slice(&bytes[..W::BYTES]), wa, "le bytes {ctx}");
    assert_eq!(BigUint::from_bytes_le(&bytes), *a, "le bytes {ctx}");
}

/// Operand `choice` for `bits`-bit words: 0..=10 pick an edge case (0, 1, 2, max, min
/// signed, max signed, a power of two chosen by `k` and one less, `bits - 1`, a small count,
/// max - 1), anything else the random `raw` value reduced to the width.
fn operand(choice: u8, raw: &[u8; 64], k: u32, bits: u32) -> BigUint {
    let m = Model { bits };
    let one = BigUint::from(1u8);
    let half = &one << (bits - 1);
    let raw = BigUint::from_bytes_le(raw) & m.max();
    match choice {
        0 => BigUint::ZERO,
        1 => one,
        2 => BigUint::from(2u8),
        3 => m.max(),
        4 => half.clone(),
        5 => half - 1u8,
        6 => &one << (k % bits),
        7 => (&one << (k % bits)) - 1u8,
        8 => BigUint::from(bits - 1),
        9 => raw % (2 * bits + 2),
        10 => m.max() - 1u8,
        _ => raw,
    }
}

/// Runs [`check_all`] for one operand triple on all five word types.
fn check_every_width(choices: [u8; 3], raws: &[[u8; 64]; 3], k: u32) {
    fn each<W: Word>(choices: [u8; 3], raws: &[[u8; 64]; 3], k: u32) {
        let [a, b, c] = [0, 1, 2].map(|i| operand(choices[i], &raws[i], k + i as u32, W::BITS));
        check_all::<W>(&a, &b, &c);
    }
    each::<u32>(choices, raws, k);
    each::<u64>(choices, raws, k);
    each::<u128>(choices, raws, k);
    each::<U256>(choices, raws, k);
    each::<U512>(choices, raws, k);
}

#[test]
fn every_pair_of_edge_cases_matches_the_model() {
    let raws = [[0xA5; 64], [0x3C; 64], [0x7E; 64]];
    for a in 0..11 {
        for b in 0..11 {
            check_every_width([a, b, (a + b) % 11], &raws, 5);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_operands_match_the_model(
        choices in prop::array::uniform3(0u8..24),
        raws in prop::array::uniform3(prop::array::uniform32(any::<u8>())
            .prop_flat_map(|low| prop::array::uniform32(any::<u8>()).prop_map(move |high| {
                let mut all = [0u8; 64];
                all[..32].copy_from_slice(&low);
                all[32..].copy_from_slice(&high);
                all
            }))),
        k in 0u32..512,
    ) {
        check_every_width(choices, &raws, k);
    }
}
