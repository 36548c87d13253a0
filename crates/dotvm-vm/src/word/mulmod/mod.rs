//! `MULMOD` on the wide words (Arch256, Arch512): the double-width product reduced by the
//! modulus without ruint's general division.
//!
//! A modulus with a non-zero top limb (the common case: field primes, group orders) is
//! divided with Knuth's algorithm D unrolled for the limb count ([`knuth`]). When the same
//! modulus comes twice in a row, its Barrett reciprocal is computed once and kept in a
//! one-entry, per-thread memo, and later products with it are reduced by [`barrett`]: two
//! multiplications instead of `N + 1` dependent division steps. A program alternating
//! moduli never pays for a reciprocal, only a comparison. Moduli with a zero top limb
//! (including 0, which gives 0) take ruint's `mul_mod`.

mod barrett;
mod knuth;

#[cfg(test)]
mod tests;

use ruint::Uint;
use std::cell::Cell;
use std::thread::LocalKey;

/// The last full-width modulus reduced by on this thread, and its Barrett reciprocal once
/// it came a second time in a row (`K = N + 1` limbs).
#[derive(Debug, Clone, Copy)]
pub(super) struct Memo<const N: usize, const K: usize> {
    modulus: [u64; N],
    mu: Option<[u64; K]>,
}

impl<const N: usize, const K: usize> Memo<N, K> {
    /// No modulus seen yet (0 is never a full-width modulus).
    pub(super) const EMPTY: Self = Memo {
        modulus: [0; N],
        mu: None,
    };
}

thread_local! {
    /// The [`Memo`] of Arch256 (`U256`) words.
    pub(super) static MEMO_256: Cell<Memo<4, 5>> = const { Cell::new(Memo::EMPTY) };
    /// The [`Memo`] of Arch512 (`U512`) words.
    pub(super) static MEMO_512: Cell<Memo<8, 9>> = const { Cell::new(Memo::EMPTY) };
}

/// `(a * b) mod m` for `N`-limb words, 0 when `m` is 0 (ruint's `mul_mod` exactly); the
/// const parameters are the limb counts `K = N + 1`, `W = 2N + 1`, `P = 2N + 2`, and `memo`
/// the word type's own per-thread [`Memo`].
#[inline]
pub(super) fn mul_mod<
    const BITS: usize,
    const N: usize,
    const K: usize,
    const W: usize,
    const P: usize,
>(
    a: Uint<BITS, N>,
    b: Uint<BITS, N>,
    m: Uint<BITS, N>,
    memo: &'static LocalKey<Cell<Memo<N, K>>>,
) -> Uint<BITS, N> {
    let modulus = m.as_limbs();
    if modulus[N - 1] == 0 {
        return a.mul_mod(b, m);
    }
    let product = mul_wide::<N, W>(a.as_limbs(), b.as_limbs());
    let remainder = memo.with(|cell| {
        let last = cell.get();
        if last.modulus == *modulus {
            if let Some(mu) = last.mu {
                return barrett::reduce::<N, K, W, P>(&product, modulus, &mu);
            }
            if let Some(mu) = barrett::reciprocal::<N, K, W>(modulus) {
                cell.set(Memo {
                    modulus: *modulus,
                    mu: Some(mu),
                });
                return barrett::reduce::<N, K, W, P>(&product, modulus, &mu);
            }
        } else {
            cell.set(Memo {
                modulus: *modulus,
                mu: None,
            });
        }
        knuth::divide::<N, K, W>(product, modulus).1
    });
    Uint::from_limbs(remainder)
}

/// The `2L`-limb product of two `L`-limb numbers in the low limbs of `M >= 2L`
/// (schoolbook).
#[inline(always)]
fn mul_wide<const L: usize, const M: usize>(a: &[u64; L], b: &[u64; L]) -> [u64; M] {
    const { assert!(M >= 2 * L) };
    let mut product = [0u64; M];
    for i in 0..L {
        let mut carry = 0u64;
        for j in 0..L {
            let t = u128::from(a[j]) * u128::from(b[i])
                + u128::from(product[i + j])
                + u128::from(carry);
            product[i + j] = t as u64;
            carry = (t >> 64) as u64;
        }
        product[i + L] = carry;
    }
    product
}
