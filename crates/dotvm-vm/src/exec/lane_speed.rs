//! The simd128 lane code in its two forms, for measuring (`dotvm-bench v128`): each
//! operation as the portable lane loop the engines run on every host and, on x86-64, as
//! `core::arch` vector code. The float arithmetic and the byte shuffles are the vector code
//! the engines use (`exec::v128_sse`); the integer lanes' intrinsics are here only, as the
//! measured alternative to the portable loops that LLVM already compiles to SSE2.

use super::simd_hot;
use super::v128::{self, Arith, V128, compare};
use dotvm_core::Opcode;
use std::hint::black_box;

/// A pass of one form of an operation over a slice of vectors: every adjacent pair
/// combined, the results xor-ed together.
type Pass = fn(&[V128]) -> V128;

/// One simd128 lane operation in its portable form and, where the host has it, its vector
/// form.
#[derive(Debug, Clone, Copy)]
pub struct LaneOp {
    /// The operation (its WebAssembly name).
    pub name: &'static str,
    /// Whether the engines run the vector form on this host.
    pub engines_use_vector: bool,
    portable: Pass,
    vector: Option<Pass>,
}

impl LaneOp {
    /// Runs the portable form on every adjacent pair of `vectors`; returns the xor of the
    /// results.
    pub fn portable(&self, vectors: &[[u8; 16]]) -> [u8; 16] {
        (self.portable)(vectors)
    }

    /// Runs the vector form likewise; `None` when this host has none.
    pub fn vector(&self, vectors: &[[u8; 16]]) -> Option<[u8; 16]> {
        self.vector.map(|pass| pass(vectors))
    }
}

/// `f` on every adjacent pair of `v` (each read through [`black_box`], so no work is
/// hoisted), the results xor-ed.
#[inline(always)]
fn pass(v: &[V128], f: impl Fn(V128, V128) -> V128) -> V128 {
    let mut acc = 0u128;
    for pair in v.windows(2) {
        acc ^= v128::bits(f(black_box(pair[0]), black_box(pair[1])));
    }
    v128::from_bits(acc)
}

/// The SSE2 intrinsic `$f` on the bits of the vectors `$a` and `$b`.
#[cfg(target_arch = "x86_64")]
macro_rules! sse2 {
    ($a:expr, $b:expr, $f:ident) => {{
        use x86::*;
        // SAFETY: `$f` is an SSE2 intrinsic, and SSE2 is part of every x86-64 CPU.
        store(unsafe { $f(load(&$a), load(&$b)) })
    }};
}

/// Declares [`lane_ops`]: per operation its portable form, its x86-64 form (given the CPU
/// feature it needs beyond SSE2, if any) and whether the engines use that form.
macro_rules! lane_ops {
    ($(
        $name:literal: |$a:ident, $b:ident| $portable:expr,
            x86 $(if $feature:tt)? |$x:ident, $y:ident| $vector:expr, used: $used:literal;
    )*) => {
        /// The measured operations.
        pub fn lane_ops() -> Vec<LaneOp> {
            vec![$({
                #[cfg(target_arch = "x86_64")]
                let vector: Option<Pass> = {
                    let present = true $(&& std::is_x86_feature_detected!($feature))?;
                    present.then_some(|v: &[V128]| pass(v, |$x, $y| $vector))
                };
                #[cfg(not(target_arch = "x86_64"))]
                let vector: Option<Pass> = None;
                LaneOp {
                    name: $name,
                    engines_use_vector: $used && vector.is_some(),
                    portable: |v| pass(v, |$a, $b| $portable),
                    vector,
                }
            },)*]
        }
    };
}

lane_ops! {
    "f32x4.add": |a, b| v128::f32_arith_portable(Arith::Add, a, b),
        x86 |a, b| x86::f32x4(Arith::Add, &a, &b), used: true;
    "f32x4.sub": |a, b| v128::f32_arith_portable(Arith::Sub, a, b),
        x86 |a, b| x86::f32x4(Arith::Sub, &a, &b), used: true;
    "f32x4.mul": |a, b| v128::f32_arith_portable(Arith::Mul, a, b),
        x86 |a, b| x86::f32x4(Arith::Mul, &a, &b), used: true;
    "f32x4.div": |a, b| v128::f32_arith_portable(Arith::Div, a, b),
        x86 |a, b| x86::f32x4(Arith::Div, &a, &b), used: true;
    "f64x2.add": |a, b| v128::f64_arith_portable(Arith::Add, a, b),
        x86 |a, b| x86::f64x2(Arith::Add, &a, &b), used: true;
    "f64x2.sub": |a, b| v128::f64_arith_portable(Arith::Sub, a, b),
        x86 |a, b| x86::f64x2(Arith::Sub, &a, &b), used: true;
    "f64x2.mul": |a, b| v128::f64_arith_portable(Arith::Mul, a, b),
        x86 |a, b| x86::f64x2(Arith::Mul, &a, &b), used: true;
    "f64x2.div": |a, b| v128::f64_arith_portable(Arith::Div, a, b),
        x86 |a, b| x86::f64x2(Arith::Div, &a, &b), used: true;
    "i8x16.swizzle": |a, b| v128::swizzle_portable(a, b),
        x86 if "ssse3" |a, b| x86::swizzle(&a, &b).unwrap_or_default(), used: true;
    "i8x16.shuffle": |a, b| v128::shuffle_portable(a, b, &b),
        x86 if "ssse3" |a, b| x86::shuffle(&a, &b, &b).unwrap_or_default(), used: true;
    "i8x16.add": |a, b| simd_hot::binary(Opcode::I8x16Add, a, b),
        x86 |a, b| sse2!(a, b, _mm_add_epi8), used: false;
    "i16x8.add": |a, b| simd_hot::binary(Opcode::I16x8Add, a, b),
        x86 |a, b| sse2!(a, b, _mm_add_epi16), used: false;
    "i32x4.add": |a, b| simd_hot::binary(Opcode::I32x4Add, a, b),
        x86 |a, b| sse2!(a, b, _mm_add_epi32), used: false;
    "i8x16.sub": |a, b| simd_hot::binary(Opcode::I8x16Sub, a, b),
        x86 |a, b| sse2!(a, b, _mm_sub_epi8), used: false;
    "i16x8.sub": |a, b| simd_hot::binary(Opcode::I16x8Sub, a, b),
        x86 |a, b| sse2!(a, b, _mm_sub_epi16), used: false;
    "i32x4.sub": |a, b| simd_hot::binary(Opcode::I32x4Sub, a, b),
        x86 |a, b| sse2!(a, b, _mm_sub_epi32), used: false;
    "i16x8.mul": |a, b| simd_hot::binary(Opcode::I16x8Mul, a, b),
        x86 |a, b| sse2!(a, b, _mm_mullo_epi16), used: false;
    "i32x4.mul": |a, b| simd_hot::binary(Opcode::I32x4Mul, a, b),
        x86 |a, b| sse2!(a, b, mullo_epi32), used: false;
    "i8x16.eq": |a, b| simd_hot::binary(Opcode::I8x16Eq, a, b),
        x86 |a, b| sse2!(a, b, _mm_cmpeq_epi8), used: false;
    "i16x8.eq": |a, b| simd_hot::binary(Opcode::I16x8Eq, a, b),
        x86 |a, b| sse2!(a, b, _mm_cmpeq_epi16), used: false;
    "i32x4.eq": |a, b| simd_hot::binary(Opcode::I32x4Eq, a, b),
        x86 |a, b| sse2!(a, b, _mm_cmpeq_epi32), used: false;
    "i8x16.gt_s": |a, b| compare::<i8>(a, b, |x, y| x > y),
        x86 |a, b| sse2!(a, b, _mm_cmpgt_epi8), used: false;
    "i16x8.gt_s": |a, b| compare::<i16>(a, b, |x, y| x > y),
        x86 |a, b| sse2!(a, b, _mm_cmpgt_epi16), used: false;
    "i32x4.gt_s": |a, b| compare::<i32>(a, b, |x, y| x > y),
        x86 |a, b| sse2!(a, b, _mm_cmpgt_epi32), used: false;
}

/// The x86-64 forms: the engines' (`exec::v128_sse`) and the integer-lane intrinsics.
#[cfg(target_arch = "x86_64")]
mod x86 {
    pub(super) use super::super::v128_sse::{f32x4, f64x2, load, shuffle, store, swizzle};
    pub(super) use std::arch::x86_64::*;

    /// `i32x4.mul` in SSE2 (which has no 32-bit `mullo`): the even and odd lanes'
    /// 64-bit products, their low halves interleaved.
    pub(super) unsafe fn mullo_epi32(a: __m128i, b: __m128i) -> __m128i {
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
}

/// 4096 vectors of varied bytes (xorshift), with float specials (NaN, infinities, zeros)
/// in the first eight.
pub fn sample_vectors() -> Vec<[u8; 16]> {
    use super::v128::Lane;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_of_every_operation_agree() {
        let v = sample_vectors();
        let ops = lane_ops();
        assert!(ops.len() >= 20);
        for op in ops {
            if let Some(vector) = op.vector(&v) {
                assert_eq!(vector, op.portable(&v), "{}", op.name);
            }
        }
        // One pair: the pass is the operation itself.
        let add = lane_ops()
            .into_iter()
            .find(|op| op.name == "i32x4.add")
            .unwrap();
        let pair = [v128::splat(7u32), v128::splat(u32::MAX)];
        assert_eq!(add.portable(&pair), v128::splat(6u32));
    }
}
