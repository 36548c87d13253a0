//! Barrett reduction of a double-width number by a full-width modulus whose reciprocal
//! `mu = floor(2^(128N) / m)` is known (Handbook of Applied Cryptography, algorithm 14.42):
//! the quotient is estimated with two products instead of `N + 1` dependent division steps,
//! short by at most 2, so the remainder needs at most two subtractions of `m`.

/// `mu` for `modulus` (`N` limbs, top limb not zero), from the quotient of `2^(128N) - 1`;
/// `None` for a power of two, the one case where that quotient is one short of `mu` (it is
/// also the case `mu` can need `N + 2` limbs).
pub(super) fn reciprocal<const N: usize, const K: usize, const W: usize>(
    modulus: &[u64; N],
) -> Option<[u64; K]> {
    let ones = modulus.iter().map(|limb| limb.count_ones()).sum::<u32>();
    if ones == 1 {
        return None;
    }
    let mut all_ones = [u64::MAX; W];
    all_ones[W - 1] = 0;
    Some(super::knuth::divide::<N, K, W>(all_ones, modulus).0)
}

/// `x mod m` for the `2N`-limb `x` (top limb of `W = 2N + 1` zero), `mu` the
/// [`reciprocal`] of `m` (`K = N + 1` limbs, `P = 2K`).
#[inline(always)]
pub(super) fn reduce<const N: usize, const K: usize, const W: usize, const P: usize>(
    x: &[u64; W],
    m: &[u64; N],
    mu: &[u64; K],
) -> [u64; N] {
    const { assert!(K == N + 1 && W == 2 * N + 1 && P == 2 * K) };
    // q1 = floor(x / 2^(64(N-1))): K limbs.
    let mut q1 = [0u64; K];
    q1.copy_from_slice(&x[N - 1..2 * N]);
    // q3 = floor(q1 * mu / 2^(64K)): the high half of the product.
    let q2: [u64; P] = super::mul_wide(&q1, mu);
    let mut q3 = [0u64; K];
    q3.copy_from_slice(&q2[K..]);
    // r = (x - q3 * m) mod 2^(64K): the low K limbs of both suffice, since the true
    // remainder plus at most 2m is below 2^(64K).
    let low = mul_low::<K, N>(&q3, m);
    let mut r = [0u64; K];
    let mut borrow = false;
    for i in 0..K {
        let (limb, b1) = x[i].overflowing_sub(low[i]);
        let (limb, b2) = limb.overflowing_sub(u64::from(borrow));
        r[i] = limb;
        borrow = b1 | b2;
    }
    for _ in 0..2 {
        if !below_modulus(&r, m) {
            sub_modulus(&mut r, m);
        }
    }
    debug_assert!(below_modulus(&r, m));
    let mut out = [0u64; N];
    out.copy_from_slice(&r[..N]);
    out
}

/// The low `K` limbs of `a * m` (`a` of `K` limbs, `m` of `N`).
#[inline(always)]
fn mul_low<const K: usize, const N: usize>(a: &[u64; K], m: &[u64; N]) -> [u64; K] {
    let mut product = [0u64; K];
    for i in 0..K {
        let mut carry = 0u64;
        for j in 0..N.min(K - i) {
            let t = u128::from(m[j]) * u128::from(a[i])
                + u128::from(product[i + j])
                + u128::from(carry);
            product[i + j] = t as u64;
            carry = (t >> 64) as u64;
        }
        if i + N < K {
            product[i + N] = carry;
        }
    }
    product
}

/// `r < m` for the `K`-limb `r` and `N`-limb `m` (`K = N + 1`).
#[inline(always)]
fn below_modulus<const K: usize, const N: usize>(r: &[u64; K], m: &[u64; N]) -> bool {
    if r[N] != 0 {
        return false;
    }
    for i in (0..N).rev() {
        if r[i] != m[i] {
            return r[i] < m[i];
        }
    }
    false
}

/// `r -= m` (`r >= m`).
#[inline(always)]
fn sub_modulus<const K: usize, const N: usize>(r: &mut [u64; K], m: &[u64; N]) {
    let mut borrow = false;
    for i in 0..K {
        let limb = if i < N { m[i] } else { 0 };
        let (d, b1) = r[i].overflowing_sub(limb);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        r[i] = d;
        borrow = b1 | b2;
    }
}
