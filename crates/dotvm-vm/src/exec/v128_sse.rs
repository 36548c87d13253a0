//! x86-64 vector code for the simd128 lane operations where it measurably beats the
//! portable loops of `exec::v128`: float lane arithmetic with NaN canonicalisation (SSE2,
//! part of x86-64), byte shuffles and swizzles (`pshufb`, SSSE3, detected at run time), and
//! the helpers of the integer lanes' SSE2 forms (`exec::v128_int`). `exec::lane_speed`
//! measures every vector form against its lane loop (`dotvm-bench v128`, numbers in
//! `docs/vectors.md`).

use super::v128::{Arith, V128};
use std::arch::x86_64::*;

/// The bits of the vector `v`.
#[inline(always)]
pub(super) fn load(v: &V128) -> __m128i {
    // SAFETY: `v` is 16 readable bytes; the load has no alignment requirement.
    unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
}

/// The vector of the bits `x`.
#[inline(always)]
pub(super) fn store(x: __m128i) -> V128 {
    let mut out = [0u8; 16];
    // SAFETY: `out` is 16 writable bytes; the store has no alignment requirement.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), x) };
    out
}

/// `op` on four f32 lanes; NaN results become the canonical NaN.
pub(super) fn f32x4(op: Arith, a: &V128, b: &V128) -> V128 {
    // SAFETY: SSE and SSE2 are part of every x86-64 CPU.
    unsafe {
        let (x, y) = (_mm_castsi128_ps(load(a)), _mm_castsi128_ps(load(b)));
        let r = match op {
            Arith::Add => _mm_add_ps(x, y),
            Arith::Sub => _mm_sub_ps(x, y),
            Arith::Mul => _mm_mul_ps(x, y),
            Arith::Div => _mm_div_ps(x, y),
        };
        let nan = _mm_cmpunord_ps(r, r);
        let canonical = _mm_and_ps(nan, _mm_castsi128_ps(_mm_set1_epi32(0x7FC0_0000)));
        store(_mm_castps_si128(_mm_or_ps(
            canonical,
            _mm_andnot_ps(nan, r),
        )))
    }
}

/// `op` on two f64 lanes; NaN results become the canonical NaN.
pub(super) fn f64x2(op: Arith, a: &V128, b: &V128) -> V128 {
    // SAFETY: SSE2 is part of every x86-64 CPU.
    unsafe {
        let (x, y) = (_mm_castsi128_pd(load(a)), _mm_castsi128_pd(load(b)));
        let r = match op {
            Arith::Add => _mm_add_pd(x, y),
            Arith::Sub => _mm_sub_pd(x, y),
            Arith::Mul => _mm_mul_pd(x, y),
            Arith::Div => _mm_div_pd(x, y),
        };
        let nan = _mm_cmpunord_pd(r, r);
        let bits = _mm_set1_epi64x(0x7FF8_0000_0000_0000);
        let canonical = _mm_and_pd(nan, _mm_castsi128_pd(bits));
        store(_mm_castpd_si128(_mm_or_pd(
            canonical,
            _mm_andnot_pd(nan, r),
        )))
    }
}

/// `i32x4.mul` in SSE2 (which has no 32-bit `mullo`): the even and odd lanes' 64-bit
/// products, their low halves interleaved.
#[inline(always)]
pub(super) fn mullo_epi32(a: __m128i, b: __m128i) -> __m128i {
    // SAFETY: SSE2 is part of every x86-64 CPU.
    unsafe {
        let even = _mm_mul_epu32(a, b);
        let odd = _mm_mul_epu32(_mm_srli_epi64::<32>(a), _mm_srli_epi64::<32>(b));
        _mm_unpacklo_epi32(
            _mm_shuffle_epi32::<0b00_00_10_00>(even),
            _mm_shuffle_epi32::<0b00_00_10_00>(odd),
        )
    }
}

/// True when the CPU has SSSE3 (`pshufb`), which [`swizzle`] and [`shuffle`] need; the
/// answer is cached by the standard library.
pub(super) fn has_ssse3() -> bool {
    std::is_x86_feature_detected!("ssse3")
}

/// Bytes of `a` selected by the byte indices of `s` (0 for 16 or more), when the CPU
/// has SSSE3.
pub(super) fn swizzle(a: &V128, s: &V128) -> Option<V128> {
    // SAFETY: SSSE3 was detected just before.
    has_ssse3().then(|| unsafe { swizzle_ssse3(a, s) })
}

#[target_feature(enable = "ssse3")]
fn swizzle_ssse3(a: &V128, s: &V128) -> V128 {
    // `pshufb` zeroes a byte whose index has its top bit set: saturate 16..=255 up to it.
    let s = _mm_adds_epu8(load(s), _mm_set1_epi8(0x70));
    store(_mm_shuffle_epi8(load(a), s))
}

/// Bytes of `a` and `b` (indices 16..32 for `b`) selected by `lanes` (each taken modulo
/// 32), when the CPU has SSSE3.
pub(super) fn shuffle(a: &V128, b: &V128, lanes: &V128) -> Option<V128> {
    // SAFETY: SSSE3 was detected just before.
    has_ssse3().then(|| unsafe { shuffle_ssse3(a, b, lanes) })
}

#[target_feature(enable = "ssse3")]
fn shuffle_ssse3(a: &V128, b: &V128, lanes: &V128) -> V128 {
    let lanes = _mm_and_si128(load(lanes), _mm_set1_epi8(31));
    // Indices 0..16 pick from `a`; 16..32 get the top bit from the saturating add of 0x70,
    // so `pshufb` zeroes them. For `b`, flipping bit 4 first swaps the two halves.
    let from_a = _mm_adds_epu8(lanes, _mm_set1_epi8(0x70));
    let from_b = _mm_adds_epu8(
        _mm_xor_si128(lanes, _mm_set1_epi8(0x10)),
        _mm_set1_epi8(0x70),
    );
    let picked_a = _mm_shuffle_epi8(load(a), from_a);
    let picked_b = _mm_shuffle_epi8(load(b), from_b);
    store(_mm_or_si128(picked_a, picked_b))
}

#[cfg(test)]
mod tests {
    use super::super::lane_speed::sample_vectors;
    use super::super::v128::{
        f32_arith_portable, f64_arith_portable, shuffle_portable, swizzle_portable,
    };
    use super::*;

    const OPS: [Arith; 4] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div];

    #[test]
    fn vector_code_matches_the_lane_loops() {
        let v = sample_vectors();
        for (a, b) in v.iter().zip(v.iter().skip(1)) {
            for op in OPS {
                assert_eq!(f32x4(op, a, b), f32_arith_portable(op, *a, *b));
                assert_eq!(f64x2(op, a, b), f64_arith_portable(op, *a, *b));
            }
            if let Some(r) = swizzle(a, b) {
                assert_eq!(r, swizzle_portable(*a, *b));
                assert_eq!(shuffle(a, b, b), Some(shuffle_portable(*a, *b, b)));
            }
        }
    }
}
