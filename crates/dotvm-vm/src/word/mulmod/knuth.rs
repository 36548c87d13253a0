//! Division of a double-width number by a full-width one: Knuth's algorithm D, unrolled for
//! a constant limb count.
//!
//! Each quotient limb comes from the top three limbs of the running remainder and the top two
//! of the normalised divisor, divided with the 3-by-2 reciprocal of Möller and Granlund
//! ("Improved division by invariant integers", IEEE Trans. Computers 60(2), 2011, algorithms
//! 5 and 6); the estimate is exact or one too large, the rare second case fixed by adding the
//! divisor back.

/// The quotient (`K = N + 1` limbs) and remainder of the `2N`-limb `numerator` (top limb of
/// `W = 2N + 1` zero) by `divisor`, whose top limb is not zero.
#[inline(always)]
pub(super) fn divide<const N: usize, const K: usize, const W: usize>(
    numerator: [u64; W],
    divisor: &[u64; N],
) -> ([u64; K], [u64; N]) {
    const { assert!(N >= 3 && N <= 8 && K == N + 1 && W == 2 * N + 1) };
    debug_assert!(divisor[N - 1] != 0 && numerator[W - 1] == 0);
    let shift = divisor[N - 1].leading_zeros();
    let d: [u64; N] = shl_limbs(divisor, shift);
    let mut u: [u64; W] = shl_limbs(&numerator, shift);
    let (d1, d0) = (d[N - 1], d[N - 2]);
    let v = reciprocal_3by2(d1, d0);
    // The top quotient limb is zero when the top two remainder limbs (below the spare limb,
    // which is zero then and stays the quotient limb) are below the divisor's: always so for
    // products of reduced operands.
    if u[2 * N] != 0 || (u[2 * N - 1], u[2 * N - 2]) >= (d1, d0) {
        step(&mut u, &d, v, N);
    }
    // Spelled out with constant indices (the compiler does not unroll this loop by itself), so
    // the remainder limbs can stay in registers.
    for j in [7, 6, 5, 4, 3, 2, 1, 0] {
        if j < N {
            step(&mut u, &d, v, j);
        }
    }
    let mut quotient = [0u64; K];
    quotient.copy_from_slice(&u[N..]);
    let mut remainder = [0u64; N];
    remainder.copy_from_slice(&u[..N]);
    (quotient, shr_limbs(&remainder, shift))
}

/// One step of algorithm D: replaces the window `u[j..=j + N]` (below `d` times `2^64`) by
/// its remainder modulo `d` (normalised) in `u[j..j + N]` and the quotient limb in `u[j + N]`
/// (no later step reads it).
#[inline(always)]
fn step<const N: usize, const W: usize>(u: &mut [u64; W], d: &[u64; N], v: u64, j: usize) {
    let (u2, u1, u0) = (u[j + N], u[j + N - 1], u[j + N - 2]);
    let (d1, d0) = (d[N - 1], d[N - 2]);
    if (u2, u1) == (d1, d0) {
        // The 3-by-2 division needs (u2, u1) < (d1, d0); at equality the quotient limb is
        // exactly 2^64 - 1 (the window is below d times 2^64).
        count(Event::FullQuotient);
        submul(u, d, u64::MAX, j);
        u[j + N] = u64::MAX;
        return;
    }
    let (mut q, r1, r0) = div_3by2(u2, u1, u0, d1, d0, v);
    // Subtract q times the low N - 2 divisor limbs; the top two are already in (r1, r0).
    let mut borrow = 0u64;
    for i in 0..N - 2 {
        let t = u128::from(q) * u128::from(d[i]) + u128::from(borrow);
        let (limb, under) = u[j + i].overflowing_sub(t as u64);
        u[j + i] = limb;
        borrow = ((t >> 64) as u64) + u64::from(under);
    }
    let (r0, under0) = r0.overflowing_sub(borrow);
    let (r1, under1) = r1.overflowing_sub(u64::from(under0));
    u[j + N - 2] = r0;
    u[j + N - 1] = r1;
    if under1 {
        // q was one too large: add the divisor back (the carry out cancels the borrow).
        count(Event::AddBack);
        q -= 1;
        let mut carry = false;
        for i in 0..N {
            let (sum, c1) = u[j + i].overflowing_add(d[i]);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            u[j + i] = sum;
            carry = c1 | c2;
        }
    }
    u[j + N] = q;
}

/// `u[j..j + N] -= q * d`, the borrow out dropped (the caller knows the window's top limb
/// absorbs it).
#[inline(always)]
fn submul<const N: usize, const W: usize>(u: &mut [u64; W], d: &[u64; N], q: u64, j: usize) {
    let mut borrow = 0u64;
    for i in 0..N {
        let t = u128::from(q) * u128::from(d[i]) + u128::from(borrow);
        let (limb, under) = u[j + i].overflowing_sub(t as u64);
        u[j + i] = limb;
        borrow = ((t >> 64) as u64) + u64::from(under);
    }
}

/// `(u2, u1, u0) / (d1, d0)` for a normalised `d1` and `(u2, u1) < (d1, d0)`, with `v` the
/// 3-by-2 reciprocal: the quotient limb and the two-limb remainder (Möller–Granlund
/// algorithm 5).
#[inline(always)]
fn div_3by2(u2: u64, u1: u64, u0: u64, d1: u64, d0: u64, v: u64) -> (u64, u64, u64) {
    let d = join(d1, d0);
    let q = u128::from(v) * u128::from(u2) + join(u2, u1);
    let (mut q1, q0) = ((q >> 64) as u64, q as u64);
    let r1 = u1.wrapping_sub(q1.wrapping_mul(d1));
    let t = u128::from(d0) * u128::from(q1);
    let mut r = join(r1, u0).wrapping_sub(t).wrapping_sub(d);
    q1 = q1.wrapping_add(1);
    if (r >> 64) as u64 >= q0 {
        q1 = q1.wrapping_sub(1);
        r = r.wrapping_add(d);
    }
    if r >= d {
        q1 += 1;
        r -= d;
    }
    (q1, (r >> 64) as u64, r as u64)
}

/// The 3-by-2 reciprocal `floor((2^192 - 1) / (d1, d0)) - 2^64` of a normalised `(d1, d0)`
/// (Möller–Granlund algorithm 6, from the 2-by-1 reciprocal of `d1`).
#[inline(always)]
fn reciprocal_3by2(d1: u64, d0: u64) -> u64 {
    // floor((2^128 - 1) / d1) - 2^64: the dividend's high limb !d1 is below d1.
    let mut v = ((u128::from(!d1) << 64 | u128::from(u64::MAX)) / u128::from(d1)) as u64;
    let mut p = d1.wrapping_mul(v).wrapping_add(d0);
    if p < d0 {
        v = v.wrapping_sub(1);
        if p >= d1 {
            v = v.wrapping_sub(1);
            p = p.wrapping_sub(d1);
        }
        p = p.wrapping_sub(d1);
    }
    let t = u128::from(v) * u128::from(d0);
    let (t1, t0) = ((t >> 64) as u64, t as u64);
    let (p, over) = p.overflowing_add(t1);
    if over {
        v = v.wrapping_sub(1);
        if (p, t0) >= (d1, d0) {
            v = v.wrapping_sub(1);
        }
    }
    v
}

/// The 128-bit number of limbs `(high, low)`.
#[inline(always)]
fn join(high: u64, low: u64) -> u128 {
    u128::from(high) << 64 | u128::from(low)
}

/// `limbs << shift` (`shift < 64`) into `M >= L` limbs, the bits shifted out of the top limb in
/// limb `L` when `M > L`.
#[inline(always)]
fn shl_limbs<const L: usize, const M: usize>(limbs: &[u64; L], shift: u32) -> [u64; M] {
    let mut out = [0u64; M];
    let mut below = 0u64;
    for i in 0..L {
        // `(below >> 1) >> (63 - shift)` is `below >> (64 - shift)`, and 0 at shift 0.
        out[i] = limbs[i] << shift | (below >> 1) >> (63 - shift);
        below = limbs[i];
    }
    if M > L {
        out[L] = (below >> 1) >> (63 - shift);
    }
    out
}

/// `limbs >> shift` (`shift < 64`).
#[inline(always)]
fn shr_limbs<const N: usize>(limbs: &[u64; N], shift: u32) -> [u64; N] {
    let mut out = [0u64; N];
    for i in 0..N {
        let above = if i + 1 < N { limbs[i + 1] } else { 0 };
        out[i] = limbs[i] >> shift | (above << 1) << (63 - shift);
    }
    out
}

/// The rare branches of [`step`], counted in tests to show the edge cases reach them.
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    /// The top two window limbs equal the divisor's: quotient limb `2^64 - 1`.
    FullQuotient,
    /// The quotient estimate was one too large: the divisor added back.
    AddBack,
}

#[cfg(test)]
thread_local! {
    /// How often each [`Event`] happened on this thread.
    pub(super) static EVENTS: std::cell::Cell<[u64; 2]> = const { std::cell::Cell::new([0; 2]) };
}

/// Counts `event` (tests only; nothing in a release build).
#[inline(always)]
fn count(event: Event) {
    #[cfg(test)]
    EVENTS.with(|events| {
        let mut counts = events.get();
        counts[event as usize] += 1;
        events.set(counts);
    });
    #[cfg(not(test))]
    let _ = event;
}
