//! The simd128 integer lane operations that x86-64 runs as SSE2 vector code: one table,
//! each operation with its portable form (a lane loop of `exec::v128`) and its SSE2 form.
//! Both engines run [`binary`] and [`unary`] (the precise interpreter from `exec::simd`,
//! the threaded engine's hot handlers from `exec::simd_hot`): the SSE2 form on x86-64,
//! which always has SSE2, the portable form elsewhere. An operation is in the table
//! because `dotvm-bench v128` (`exec::lane_speed`, which times both forms of every row)
//! measured its SSE2 form faster than its lane loop; the i8x16 `add`/`sub`/`eq`/`gt_s`,
//! shifts, extends and `i32x4.dot_i16x8_s`, whose lane loops LLVM already compiles to
//! vector code as fast, are not (numbers in docs/vectors.md).

#[cfg(any(test, feature = "bench"))]
use super::lane_speed::{Pass, pass};
use super::v128::V128;
#[cfg(any(not(target_arch = "x86_64"), test, feature = "bench"))]
use super::v128::{compare, narrow, pairwise, zip};
use dotvm_core::Opcode;

/// `x` saturated to the range of `T`.
#[cfg(any(not(target_arch = "x86_64"), test, feature = "bench"))]
#[inline(always)]
fn saturate<T: TryFrom<i64> + Copy>(x: i64, min: T, max: T) -> T
where
    i64: From<T>,
{
    T::try_from(x.clamp(i64::from(min), i64::from(max))).unwrap_or(min)
}

/// Declares the table: per shape (two vectors, one vector) the functions the engines call,
/// the portable and SSE2 forms behind them, the shape of each opcode, and (for the tests and
/// the bench) every row.
macro_rules! int_ops {
    (
        binary(|$a:ident, $b:ident|) {
            $( $bop:ident => $bp:expr, sse2 $bs:expr; )*
        }
        unary(|$u:ident|) {
            $( $uop:ident => $up:expr, sse2 $us:expr; )*
        }
    ) => {
        /// How an operation of the table takes its operands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Shape {
            /// `a b -- r` on two vectors.
            Binary,
            /// `a -- r` on one vector.
            Unary,
        }

        /// The shape of `op` when it is an operation of the table.
        pub(crate) const fn shape(op: Opcode) -> Option<Shape> {
            match op {
                $( Opcode::$bop )|* => Some(Shape::Binary),
                $( Opcode::$uop )|* => Some(Shape::Unary),
                _ => None,
            }
        }

        /// Every operation of the table with its shape.
        #[cfg(test)]
        const ALL: &[(Opcode, Shape)] = &[
            $( (Opcode::$bop, Shape::Binary), )*
            $( (Opcode::$uop, Shape::Unary), )*
        ];

        /// Every operation of the table as a pass of each of its forms over a slice of
        /// vectors (`exec::lane_speed`): the portable form, and the SSE2 form on x86-64.
        #[cfg(any(test, feature = "bench"))]
        pub(super) fn forms() -> Vec<(Opcode, Pass, Option<Pass>)> {
            vec![
                $( (
                    Opcode::$bop,
                    |v| pass(v, |a, b| binary_portable(Opcode::$bop, a, b)),
                    {
                        #[cfg(target_arch = "x86_64")]
                        {
                            Some(|v| pass(v, |a, b| binary_sse2(Opcode::$bop, a, b)))
                        }
                        #[cfg(not(target_arch = "x86_64"))]
                        {
                            None
                        }
                    },
                ), )*
                $( (
                    Opcode::$uop,
                    |v| pass(v, |a, _| unary_portable(Opcode::$uop, a)),
                    {
                        #[cfg(target_arch = "x86_64")]
                        {
                            Some(|v| pass(v, |a, _| unary_sse2(Opcode::$uop, a)))
                        }
                        #[cfg(not(target_arch = "x86_64"))]
                        {
                            None
                        }
                    },
                ), )*
            ]
        }

        /// Binary operation `op` of the table on `a` and `b`, in the form the engines run
        /// on this host.
        #[inline(always)]
        pub(super) fn binary(op: Opcode, a: V128, b: V128) -> V128 {
            #[cfg(target_arch = "x86_64")]
            {
                binary_sse2(op, a, b)
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                binary_portable(op, a, b)
            }
        }

        /// [`binary`] as a lane loop.
        #[cfg(any(not(target_arch = "x86_64"), test, feature = "bench"))]
        #[inline(always)]
        pub(super) fn binary_portable(op: Opcode, $a: V128, $b: V128) -> V128 {
            match op {
                $( Opcode::$bop => $bp, )*
                _ => unreachable!("{} is not a binary lane operation", op.mnemonic()),
            }
        }

        /// [`binary`] in SSE2.
        #[cfg(target_arch = "x86_64")]
        #[inline(always)]
        pub(super) fn binary_sse2(op: Opcode, a: V128, b: V128) -> V128 {
            use super::v128_sse::{load, mullo_epi32, store};
            use std::arch::x86_64::*;
            let ($a, $b) = (load(&a), load(&b));
            // SAFETY: every intrinsic of the table is SSE2, part of every x86-64 CPU.
            store(unsafe {
                match op {
                    $( Opcode::$bop => $bs, )*
                    _ => unreachable!("{} is not a binary lane operation", op.mnemonic()),
                }
            })
        }

        /// Unary operation `op` of the table on `a`, in the form the engines run on this
        /// host.
        #[inline(always)]
        pub(super) fn unary(op: Opcode, a: V128) -> V128 {
            #[cfg(target_arch = "x86_64")]
            {
                unary_sse2(op, a)
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                unary_portable(op, a)
            }
        }

        /// [`unary`] as a lane loop.
        #[cfg(any(not(target_arch = "x86_64"), test, feature = "bench"))]
        #[inline(always)]
        pub(super) fn unary_portable(op: Opcode, $u: V128) -> V128 {
            match op {
                $( Opcode::$uop => $up, )*
                _ => unreachable!("{} is not a unary lane operation", op.mnemonic()),
            }
        }

        /// [`unary`] in SSE2.
        #[cfg(target_arch = "x86_64")]
        #[inline(always)]
        pub(super) fn unary_sse2(op: Opcode, a: V128) -> V128 {
            use super::v128_sse::{load, store};
            use std::arch::x86_64::*;
            let $u = load(&a);
            // SAFETY: every intrinsic of the table is SSE2, part of every x86-64 CPU.
            store(unsafe {
                match op {
                    $( Opcode::$uop => $us, )*
                    _ => unreachable!("{} is not a unary lane operation", op.mnemonic()),
                }
            })
        }
    };
}

int_ops! {
    binary(|a, b|) {
        I8x16AddSatS => zip::<i8>(a, b, i8::saturating_add), sse2 _mm_adds_epi8(a, b);
        I8x16AddSatU => zip::<u8>(a, b, u8::saturating_add), sse2 _mm_adds_epu8(a, b);
        I8x16SubSatS => zip::<i8>(a, b, i8::saturating_sub), sse2 _mm_subs_epi8(a, b);
        I8x16SubSatU => zip::<u8>(a, b, u8::saturating_sub), sse2 _mm_subs_epu8(a, b);
        I8x16MinU => zip::<u8>(a, b, u8::min), sse2 _mm_min_epu8(a, b);
        I8x16MaxU => zip::<u8>(a, b, u8::max), sse2 _mm_max_epu8(a, b);
        I8x16AvgrU => zip::<u8>(a, b, |x, y| (u16::from(x) + u16::from(y)).div_ceil(2) as u8),
            sse2 _mm_avg_epu8(a, b);
        I8x16NarrowI16x8S => narrow::<i16, i8>(a, b, |x| saturate(x.into(), i8::MIN, i8::MAX)),
            sse2 _mm_packs_epi16(a, b);
        I8x16NarrowI16x8U => narrow::<i16, u8>(a, b, |x| saturate(x.into(), u8::MIN, u8::MAX)),
            sse2 _mm_packus_epi16(a, b);
        I16x8Add => zip::<u16>(a, b, u16::wrapping_add), sse2 _mm_add_epi16(a, b);
        I16x8Sub => zip::<u16>(a, b, u16::wrapping_sub), sse2 _mm_sub_epi16(a, b);
        I16x8Mul => zip::<u16>(a, b, u16::wrapping_mul), sse2 _mm_mullo_epi16(a, b);
        I16x8Eq => compare::<u16>(a, b, |x, y| x == y), sse2 _mm_cmpeq_epi16(a, b);
        I16x8Ne => compare::<u16>(a, b, |x, y| x != y),
            sse2 _mm_xor_si128(_mm_cmpeq_epi16(a, b), _mm_set1_epi8(-1));
        I16x8GtS => compare::<i16>(a, b, |x, y| x > y), sse2 _mm_cmpgt_epi16(a, b);
        I16x8LtS => compare::<i16>(a, b, |x, y| x < y), sse2 _mm_cmplt_epi16(a, b);
        I16x8AddSatS => zip::<i16>(a, b, i16::saturating_add), sse2 _mm_adds_epi16(a, b);
        I16x8AddSatU => zip::<u16>(a, b, u16::saturating_add), sse2 _mm_adds_epu16(a, b);
        I16x8SubSatS => zip::<i16>(a, b, i16::saturating_sub), sse2 _mm_subs_epi16(a, b);
        I16x8SubSatU => zip::<u16>(a, b, u16::saturating_sub), sse2 _mm_subs_epu16(a, b);
        I16x8MinS => zip::<i16>(a, b, i16::min), sse2 _mm_min_epi16(a, b);
        I16x8MaxS => zip::<i16>(a, b, i16::max), sse2 _mm_max_epi16(a, b);
        I16x8AvgrU => zip::<u16>(a, b, |x, y| (u32::from(x) + u32::from(y)).div_ceil(2) as u16),
            sse2 _mm_avg_epu16(a, b);
        I16x8NarrowI32x4S => narrow::<i32, i16>(a, b, |x| saturate(x.into(), i16::MIN, i16::MAX)),
            sse2 _mm_packs_epi32(a, b);
        I32x4Add => zip::<u32>(a, b, u32::wrapping_add), sse2 _mm_add_epi32(a, b);
        I32x4Sub => zip::<u32>(a, b, u32::wrapping_sub), sse2 _mm_sub_epi32(a, b);
        I32x4Mul => zip::<u32>(a, b, u32::wrapping_mul), sse2 mullo_epi32(a, b);
        I32x4Eq => compare::<u32>(a, b, |x, y| x == y), sse2 _mm_cmpeq_epi32(a, b);
        I32x4GtS => compare::<i32>(a, b, |x, y| x > y), sse2 _mm_cmpgt_epi32(a, b);
        I32x4LtS => compare::<i32>(a, b, |x, y| x < y), sse2 _mm_cmplt_epi32(a, b);
    }
    unary(|a|) {
        I16x8ExtAddPairwiseI8x16S => {
            pairwise::<i8, i16>(a, a, |x, y, _, _| i16::from(x) + i16::from(y))
        },
            // Each 16-bit lane's low byte and high byte, sign-extended, added.
            sse2 _mm_add_epi16(_mm_srai_epi16::<8>(_mm_slli_epi16::<8>(a)), _mm_srai_epi16::<8>(a));
        I16x8ExtAddPairwiseI8x16U => {
            pairwise::<u8, u16>(a, a, |x, y, _, _| u16::from(x) + u16::from(y))
        },
            sse2 _mm_add_epi16(_mm_and_si128(a, _mm_set1_epi16(0xFF)), _mm_srli_epi16::<8>(a));
    }
}

#[cfg(test)]
mod tests {
    use super::super::lane_speed::{edge_vectors, sample_vectors};
    use super::*;

    /// Every vector the forms are compared on: the edge vectors (lane minima and maxima,
    /// zero, one, all ones, mixed signs) and the varied samples.
    fn vectors() -> Vec<V128> {
        let mut v = edge_vectors();
        v.extend(sample_vectors().into_iter().take(512));
        v
    }

    #[test]
    fn both_forms_agree_on_every_pair_of_vectors() {
        let v = vectors();
        for &(op, form) in ALL {
            assert_eq!(shape(op), Some(form));
            for a in &v {
                match form {
                    Shape::Unary => {
                        assert_eq!(unary(op, *a), unary_portable(op, *a), "{}", op.mnemonic());
                    }
                    Shape::Binary => {
                        for b in &v {
                            let want = binary_portable(op, *a, *b);
                            assert_eq!(binary(op, *a, *b), want, "{}", op.mnemonic());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lane_overflow_and_saturation_follow_webassembly() {
        use super::super::v128::splat;
        let min = splat(i16::MIN);
        // i16::MIN · i16::MIN wraps to 0 in 16 bits; the sum wraps too, the saturating
        // sum stops at the bound.
        assert_eq!(binary(Opcode::I16x8Mul, min, min), splat(0u16));
        assert_eq!(binary(Opcode::I16x8Add, min, min), splat(0u16));
        assert_eq!(binary(Opcode::I16x8AddSatS, min, min), min);
        assert_eq!(
            binary(Opcode::I16x8SubSatU, splat(1u16), splat(2u16)),
            splat(0u16)
        );
        let big = splat(0x4000_0001u32);
        assert_eq!(binary(Opcode::I32x4Mul, big, big), splat(0x8000_0001u32));
        assert_eq!(
            binary(Opcode::I32x4GtS, splat(i32::MIN), splat(0)),
            splat(0)
        );
        // Narrowing saturates signed inputs: -1 to 0 unsigned, 300 to 255.
        let n = binary(Opcode::I8x16NarrowI16x8U, splat(-1i16), splat(300i16));
        assert_eq!((n[0], n[15]), (0, 255));
        assert_eq!(
            binary(Opcode::I8x16AvgrU, splat(255u8), splat(0u8)),
            splat(128u8)
        );
        let pairs = unary(Opcode::I16x8ExtAddPairwiseI8x16S, splat(i8::MIN));
        assert_eq!(pairs, splat(-256i16));
        let pairs = unary(Opcode::I16x8ExtAddPairwiseI8x16U, splat(u8::MAX));
        assert_eq!(pairs, splat(510u16));
    }
}
