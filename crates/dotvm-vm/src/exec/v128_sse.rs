//! x86-64 vector code for the simd128 lane operations where it measurably beats the
//! portable loops of `exec::v128` (LLVM already compiles those to SSE2 for the integer
//! lanes, which therefore have no code here): float lane arithmetic with NaN
//! canonicalisation (SSE2, part of x86-64) and byte shuffles and swizzles (`pshufb`,
//! SSSE3, detected at run time). The ignored test `lane_speed` measures both forms
//! (numbers in `docs/vectors.md`).

use super::v128::{Arith, V128};
use std::arch::x86_64::*;

/// The bits of the vector `v`.
fn load(v: &V128) -> __m128i {
    // SAFETY: `v` is 16 readable bytes; the load has no alignment requirement.
    unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
}

/// The vector of the bits `x`.
fn store(x: __m128i) -> V128 {
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

/// True when the CPU has SSSE3 (`pshufb`); the answer is cached by the standard library.
fn has_ssse3() -> bool {
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
    use super::super::float::WasmFloat;
    use super::super::v128::{Lane, zip};
    use super::*;
    use std::hint::black_box;
    use std::time::Instant;

    /// Vectors of varied bytes: specials (NaN, infinities, zeros) among ordinary values.
    fn vectors() -> Vec<V128> {
        let mut x = 0x1234_5678u32;
        let mut out: Vec<V128> = (0..4096)
            .map(|_| {
                std::array::from_fn(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x >> 24) as u8
                })
            })
            .collect();
        for (i, special) in [f32::NAN, f32::INFINITY, -0.0, 1.0].into_iter().enumerate() {
            special.put(&mut out[i], i);
            f64::NAN.put(&mut out[i + 4], i % 2);
        }
        out
    }

    /// `op` on two floats, as the scalar instructions compute it.
    fn apply<F>(op: Arith, x: F, y: F) -> F
    where
        F: WasmFloat
            + std::ops::Add<Output = F>
            + std::ops::Sub<Output = F>
            + std::ops::Mul<Output = F>
            + std::ops::Div<Output = F>,
    {
        let r = match op {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            Arith::Div => x / y,
        };
        r.canonical()
    }

    fn portable_f32(op: Arith, a: &V128, b: &V128) -> V128 {
        zip::<f32>(*a, *b, |x, y| apply(op, x, y))
    }

    fn portable_f64(op: Arith, a: &V128, b: &V128) -> V128 {
        zip::<f64>(*a, *b, |x, y| apply(op, x, y))
    }

    fn portable_swizzle(a: &V128, s: &V128) -> V128 {
        s.map(|i| a.get(usize::from(i)).copied().unwrap_or(0))
    }

    fn portable_shuffle(a: &V128, b: &V128, lanes: &V128) -> V128 {
        lanes.map(|i| {
            let i = usize::from(i) & 31;
            if i < 16 { a[i] } else { b[i - 16] }
        })
    }

    const OPS: [Arith; 4] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div];

    #[test]
    fn vector_code_matches_the_lane_loops() {
        let v = vectors();
        for (a, b) in v.iter().zip(v.iter().skip(1)) {
            for op in OPS {
                assert_eq!(f32x4(op, a, b), portable_f32(op, a, b));
                assert_eq!(f64x2(op, a, b), portable_f64(op, a, b));
            }
            if let Some(r) = swizzle(a, b) {
                assert_eq!(r, portable_swizzle(a, b));
                assert_eq!(shuffle(a, b, b), Some(portable_shuffle(a, b, b)));
            }
        }
    }

    /// Nanoseconds per call of `f` on pairs of `v`, best of three.
    fn time(v: &[V128], f: impl Fn(&V128, &V128) -> V128) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            for _ in 0..200 {
                for pair in v.windows(2) {
                    black_box(f(black_box(&pair[0]), black_box(&pair[1])));
                }
            }
            let calls = 200.0 * (v.len() - 1) as f64;
            best = best.min(start.elapsed().as_secs_f64() * 1e9 / calls);
        }
        best
    }

    #[test]
    #[ignore = "a benchmark: cargo test -p dotvm-vm --lib lane_speed -- --ignored --nocapture"]
    fn lane_speed() {
        let v = vectors();
        let row = |name: &str, portable: f64, vector: f64| {
            println!(
                "| {name} | {portable:.2} | {vector:.2} | {:.1}x |",
                portable / vector
            );
        };
        println!("| operation | portable ns | x86-64 ns | speed-up |\n|---|---:|---:|---:|");
        row(
            "f32x4.add",
            time(&v, |a, b| portable_f32(Arith::Add, a, b)),
            time(&v, |a, b| f32x4(Arith::Add, a, b)),
        );
        row(
            "f64x2.mul",
            time(&v, |a, b| portable_f64(Arith::Mul, a, b)),
            time(&v, |a, b| f64x2(Arith::Mul, a, b)),
        );
        if has_ssse3() {
            row(
                "i8x16.swizzle",
                time(&v, portable_swizzle),
                time(&v, |a, b| swizzle(a, b).unwrap_or_default()),
            );
            row(
                "i8x16.shuffle",
                time(&v, |a, b| portable_shuffle(a, b, b)),
                time(&v, |a, b| shuffle(a, b, b).unwrap_or_default()),
            );
        }
        // The integer lanes, for comparison: the portable loop is vectorised by LLVM.
        row(
            "i32x4.add",
            time(&v, |a, b| zip::<u32>(*a, *b, u32::wrapping_add)),
            // SAFETY: SSE2 is part of every x86-64 CPU.
            time(&v, |a, b| store(unsafe { _mm_add_epi32(load(a), load(b)) })),
        );
        row(
            "i16x8.mul",
            time(&v, |a, b| zip::<u16>(*a, *b, u16::wrapping_mul)),
            // SAFETY: as above.
            time(&v, |a, b| {
                store(unsafe { _mm_mullo_epi16(load(a), load(b)) })
            }),
        );
    }
}
