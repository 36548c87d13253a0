//! DotVM's MULMOD against ruint's `mul_mod` on both wide words, every operand twice with the
//! same modulus (the first reduction by Knuth's algorithm D, the later ones by Barrett's),
//! and the rare branches of the division reached on purpose.

use super::knuth::{self, EVENTS, Event};
use super::{MEMO_256, MEMO_512, Memo};
use crate::word::Word;
use proptest::prelude::*;
use ruint::Uint;
use ruint::aliases::{U256, U512};

type U1024 = Uint<1024, 16>;

/// `a * b mod m` by [`Word::mul_mod`] three times, from an empty memo (division), then
/// computing the reciprocal, then with the memoised one, each equal to ruint's.
fn check<const BITS: usize, const N: usize>(
    a: Uint<BITS, N>,
    b: Uint<BITS, N>,
    m: Uint<BITS, N>,
    reset: fn(),
) where
    Uint<BITS, N>: Word,
{
    let expected = a.mul_mod(b, m);
    reset();
    for call in 0..3 {
        assert_eq!(
            Word::mul_mod(a, b, m),
            expected,
            "call {call}: {a:#x} * {b:#x} mod {m:#x}"
        );
    }
}

fn check_256(a: U256, b: U256, m: U256) {
    check(a, b, m, || MEMO_256.with(|memo| memo.set(Memo::EMPTY)));
}

fn check_512(a: U512, b: U512, m: U512) {
    check(a, b, m, || MEMO_512.with(|memo| memo.set(Memo::EMPTY)));
}

/// How often `event` has happened on this thread.
fn events(event: Event) -> u64 {
    EVENTS.with(|events| events.get()[event as usize])
}

/// Divides by [`knuth::divide`] and checks `quotient * divisor + remainder == numerator`
/// and `remainder < divisor`.
fn check_divide<const N: usize, const K: usize, const W: usize>(
    numerator: [u64; W],
    divisor: [u64; N],
) {
    let (quotient, remainder) = knuth::divide::<N, K, W>(numerator, &divisor);
    let big = |limbs: &[u64]| U1024::from_limbs_slice(limbs);
    let (q, d, r) = (big(&quotient), big(&divisor), big(&remainder));
    assert_eq!(q * d + r, big(&numerator), "{numerator:x?} / {divisor:x?}");
    assert!(r < d, "{numerator:x?} / {divisor:x?}: remainder {r:#x}");
}

/// A limb, often one at a boundary.
fn limb() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => any::<u64>(),
        1 => Just(0u64),
        1 => Just(1u64),
        1 => Just(u64::MAX),
        1 => Just(u64::MAX - 1),
        1 => Just(1u64 << 63),
        1 => Just((1u64 << 63) - 1),
    ]
}

fn word<const BITS: usize, const N: usize>() -> impl Strategy<Value = Uint<BITS, N>> {
    prop_oneof![
        3 => any::<[u64; N]>().prop_map(Uint::from_limbs),
        3 => proptest::array::uniform(limb()).prop_map(Uint::from_limbs),
        // short words: leading zero limbs
        1 => (any::<[u64; N]>(), 0..BITS).prop_map(|(limbs, bits)| Uint::from_limbs(limbs) >> bits),
    ]
}

/// A modulus: any word, or one of the shapes the division treats apart.
fn modulus<const BITS: usize, const N: usize>() -> impl Strategy<Value = Uint<BITS, N>> {
    let near = |base: fn(usize) -> Uint<BITS, N>| {
        (0..BITS, 0u64..4, any::<bool>()).prop_map(move |(bits, delta, below)| {
            let delta = Uint::from(delta);
            if below {
                base(bits).wrapping_sub(delta)
            } else {
                base(bits).wrapping_add(delta)
            }
        })
    };
    prop_oneof![
        4 => word::<BITS, N>(),
        // 2^k and its neighbours
        1 => near(|bits| Uint::ONE << bits),
        // all ones, minus a little
        1 => near(|_| Uint::MAX),
        // full width with a top limb of one bit
        1 => near(|bits| (Uint::ONE << (BITS - 1)) | (Uint::ONE << bits)),
    ]
}

proptest! {
    #[test]
    fn mul_mod_256_matches_ruint(a in word::<256, 4>(), b in word::<256, 4>(), m in modulus::<256, 4>()) {
        check_256(a, b, m);
        // operands at and around the modulus
        check_256(m, b, m);
        check_256(m.wrapping_sub(U256::ONE), m.wrapping_sub(U256::ONE), m);
        check_256(m.wrapping_add(U256::ONE), a, m);
    }

    #[test]
    fn mul_mod_512_matches_ruint(a in word::<512, 8>(), b in word::<512, 8>(), m in modulus::<512, 8>()) {
        check_512(a, b, m);
        check_512(m, b, m);
        check_512(m.wrapping_sub(U512::ONE), m.wrapping_sub(U512::ONE), m);
        check_512(m.wrapping_add(U512::ONE), a, m);
    }

    #[test]
    fn divide_4_by_4_limbs(numerator in any::<[u64; 8]>(), divisor in proptest::array::uniform4(limb())) {
        let mut divisor = divisor;
        divisor[3] = divisor[3].max(1);
        let mut wide = [0; 9];
        wide[..8].copy_from_slice(&numerator);
        check_divide::<4, 5, 9>(wide, divisor);
    }
}

#[test]
fn edge_values() {
    let edges = [
        U256::ZERO,
        U256::ONE,
        U256::from(2u8),
        U256::MAX,
        U256::MAX - U256::ONE,
        U256::MAX - U256::from(188u8),
        U256::ONE << 64,
        U256::ONE << 192,
        U256::ONE << 255,
        (U256::ONE << 192) - U256::ONE,
        (U256::ONE << 192) + U256::ONE,
        (U256::ONE << 255) + U256::ONE,
    ];
    for a in edges {
        for b in edges {
            for m in edges {
                check_256(a, b, m);
                let widen = |x: U256| U512::from(x) << 256 | U512::from(x);
                check_512(widen(a), widen(b), widen(m));
            }
        }
    }
    // m == 0 gives 0, like ruint and the instruction's definition
    assert_eq!(Word::mul_mod(U256::MAX, U256::MAX, U256::ZERO), U256::ZERO);
    assert_eq!(Word::mul_mod(U512::MAX, U512::MAX, U512::ZERO), U512::ZERO);
}

/// The window's top limbs equal the divisor's, so the quotient limb is 2^64 - 1: the
/// numerator is `(d - 1) * 2^64 + 5`, whose top limbs are d's.
#[test]
fn full_quotient_limb_is_reached() {
    let before = events(Event::FullQuotient);
    // normalised and not: the relation survives the shift
    for top in [(1u64 << 63) + 9, 9] {
        let d = [3, 5, 7, top];
        check_divide::<4, 5, 9>([5, 2, 5, 7, top, 0, 0, 0, 0], d);
        let d = [3, 5, 7, 1, 2, 3, 4, top];
        let mut x = [0u64; 17];
        x[..9].copy_from_slice(&[5, 2, 5, 7, 1, 2, 3, 4, top]);
        check_divide::<8, 9, 17>(x, d);
    }
    assert_eq!(events(Event::FullQuotient), before + 4);
}

/// The 3-by-2 estimate is one too large: 2^256 / (2^255 + 1) estimates 2 from the top
/// limbs (2^128 / 2^127) but is 1, so the divisor is added back. As a MULMOD:
/// 2^128 * 2^128 mod (2^255 + 1).
#[test]
fn add_back_is_reached() {
    let before = events(Event::AddBack);
    check_divide::<4, 5, 9>([0, 0, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 1 << 63]);
    let mut x = [0u64; 17];
    x[8] = 1;
    let mut d = [0u64; 8];
    d[0] = 1;
    d[7] = 1 << 63;
    check_divide::<8, 9, 17>(x, d);
    assert_eq!(events(Event::AddBack), before + 2);

    // As MULMODs, the first (dividing) call from an empty memo.
    let half = U256::ONE << 128;
    let m = (U256::ONE << 255) + U256::ONE;
    MEMO_256.with(|memo| memo.set(Memo::EMPTY));
    let before = events(Event::AddBack);
    let r = Word::mul_mod(half, half, m);
    assert_eq!(events(Event::AddBack), before + 1);
    // 2^256 - (2^255 + 1)
    assert_eq!(r, (U256::ONE << 255) - U256::ONE);
    check_256(half, half, m);

    let half = U512::ONE << 256;
    let m = (U512::ONE << 511) + U512::ONE;
    MEMO_512.with(|memo| memo.set(Memo::EMPTY));
    let before = events(Event::AddBack);
    let r = Word::mul_mod(half, half, m);
    assert_eq!(events(Event::AddBack), before + 1);
    assert_eq!(r, (U512::ONE << 511) - U512::ONE);
    check_512(half, half, m);
}
