//! The simd128 lane code in its two forms, for measuring (`dotvm-bench v128`; built with
//! the `bench` feature): every operation that has vector code as the portable lane loop
//! and, on x86-64, as that vector code. The vector forms are the ones the engines run, taken
//! from where the engines take them (the float arithmetic and byte shuffles of
//! `exec::v128_sse`, every row of the integer table of `exec::v128_int`), so an operation
//! has a vector form here exactly when the engines run one on this host.

use super::v128::{self, Arith, V128};
use super::v128_int;
use std::hint::black_box;

/// A pass of one form of an operation over a slice of vectors: every adjacent pair
/// combined, the results xor-ed together.
pub(super) type Pass = fn(&[V128]) -> V128;

/// One simd128 lane operation in its portable form and, where the host has it, its vector
/// form.
#[derive(Debug, Clone)]
pub struct LaneOp {
    /// The operation (its WebAssembly name).
    pub name: String,
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

    /// Whether the engines run the vector form on this host (they do whenever it has one).
    pub fn engines_use_vector(&self) -> bool {
        self.vector.is_some()
    }
}

/// `f` on every adjacent pair of `v` (each read through [`black_box`], so no work is
/// hoisted), the results xor-ed.
#[inline(always)]
pub(super) fn pass(v: &[V128], f: impl Fn(V128, V128) -> V128) -> V128 {
    let mut acc = 0u128;
    for pair in v.windows(2) {
        acc ^= v128::bits(f(black_box(pair[0]), black_box(pair[1])));
    }
    v128::from_bits(acc)
}

/// Declares [`vector_ops`]: per operation its portable form and its x86-64 form, with the
/// test of whether this CPU has the latter.
macro_rules! vector_ops {
    ($(
        $name:literal: |$a:ident, $b:ident| $portable:expr,
            x86 if $present:expr => |$x:ident, $y:ident| $vector:expr;
    )*) => {
        /// The float and byte-shuffle operations with vector code.
        fn vector_ops() -> Vec<LaneOp> {
            vec![$({
                #[cfg(target_arch = "x86_64")]
                let vector: Option<Pass> = if $present {
                    Some(|v: &[V128]| pass(v, |$x, $y| $vector))
                } else {
                    None
                };
                #[cfg(not(target_arch = "x86_64"))]
                let vector: Option<Pass> = None;
                LaneOp {
                    name: $name.to_string(),
                    portable: |v| pass(v, |$a, $b| $portable),
                    vector,
                }
            },)*]
        }
    };
}

vector_ops! {
    "f32x4.add": |a, b| v128::f32_arith_portable(Arith::Add, a, b),
        x86 if true => |a, b| x86::f32x4(Arith::Add, &a, &b);
    "f32x4.sub": |a, b| v128::f32_arith_portable(Arith::Sub, a, b),
        x86 if true => |a, b| x86::f32x4(Arith::Sub, &a, &b);
    "f32x4.mul": |a, b| v128::f32_arith_portable(Arith::Mul, a, b),
        x86 if true => |a, b| x86::f32x4(Arith::Mul, &a, &b);
    "f32x4.div": |a, b| v128::f32_arith_portable(Arith::Div, a, b),
        x86 if true => |a, b| x86::f32x4(Arith::Div, &a, &b);
    "f64x2.add": |a, b| v128::f64_arith_portable(Arith::Add, a, b),
        x86 if true => |a, b| x86::f64x2(Arith::Add, &a, &b);
    "f64x2.sub": |a, b| v128::f64_arith_portable(Arith::Sub, a, b),
        x86 if true => |a, b| x86::f64x2(Arith::Sub, &a, &b);
    "f64x2.mul": |a, b| v128::f64_arith_portable(Arith::Mul, a, b),
        x86 if true => |a, b| x86::f64x2(Arith::Mul, &a, &b);
    "f64x2.div": |a, b| v128::f64_arith_portable(Arith::Div, a, b),
        x86 if true => |a, b| x86::f64x2(Arith::Div, &a, &b);
    "i8x16.swizzle": |a, b| v128::swizzle_portable(a, b),
        x86 if x86::has_ssse3() => |a, b| x86::swizzle(&a, &b).unwrap_or_default();
    "i8x16.shuffle": |a, b| v128::shuffle_portable(a, b, &b),
        x86 if x86::has_ssse3() => |a, b| x86::shuffle(&a, &b, &b).unwrap_or_default();
}

/// The x86-64 forms the engines run.
#[cfg(target_arch = "x86_64")]
mod x86 {
    pub(super) use super::super::v128_sse::{f32x4, f64x2, has_ssse3, shuffle, swizzle};
}

/// The WebAssembly name of a simd128 opcode: its mnemonic in lower case, the shape
/// separated by a dot (`I16X8_ADD_SAT_S` is `i16x8.add_sat_s`).
fn wasm_name(op: dotvm_core::Opcode) -> String {
    op.mnemonic().to_lowercase().replacen('_', ".", 1)
}

/// The measured operations: those with float and byte-shuffle vector code, then every
/// operation of the integer table (`exec::v128_int`).
pub fn lane_ops() -> Vec<LaneOp> {
    let integer = v128_int::forms()
        .into_iter()
        .map(|(op, portable, vector)| LaneOp {
            name: wasm_name(op),
            portable,
            vector,
        });
    vector_ops().into_iter().chain(integer).collect()
}

/// Vectors at the edges of the integer lanes: every lane width's minimum and maximum
/// (signed and unsigned), zero, one, values just past the narrower lanes' ranges, and lanes
/// of mixed signs.
pub fn edge_vectors() -> Vec<[u8; 16]> {
    use super::v128::{Lane, splat};
    let mut out = vec![
        splat(0u8),
        splat(1u8),
        splat(u8::MAX),
        splat(i8::MIN),
        splat(i8::MAX),
        splat(i16::MIN),
        splat(i16::MAX),
        splat(0x00FFu16),
        splat(0x0100u16),
        splat(300i16),
        splat(-300i16),
        splat(i32::MIN),
        splat(i32::MAX),
        splat(0x0000_FFFFu32),
        splat(0x0001_0000u32),
        splat(0x4000_0001u32),
        splat(70_000i32),
        splat(-70_000i32),
    ];
    let mut mixed = [0u8; 16];
    for (i, x) in [i16::MIN, i16::MAX, -1, 0, 1, 255, 256, -129]
        .into_iter()
        .enumerate()
    {
        x.put(&mut mixed, i);
    }
    out.push(mixed);
    let mut mixed = [0u8; 16];
    for (i, x) in [i32::MIN, i32::MAX, -1, 0x1_0000].into_iter().enumerate() {
        x.put(&mut mixed, i);
    }
    out.push(mixed);
    out.push(std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x80));
    out
}

/// 4096 vectors: the [`edge_vectors`], eight with float specials (NaN, infinities, zeros),
/// then varied bytes (xorshift).
pub fn sample_vectors() -> Vec<[u8; 16]> {
    use super::v128::Lane;
    let mut out = edge_vectors();
    for (i, special) in [f32::NAN, f32::INFINITY, -0.0, 1.0].into_iter().enumerate() {
        let mut v = [0u8; 16];
        special.put(&mut v, i);
        out.push(v);
        let mut v = [0u8; 16];
        f64::NAN.put(&mut v, i % 2);
        out.push(v);
    }
    let mut x = 0x1234_5678u32;
    while out.len() < 4096 {
        out.push(std::array::from_fn(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        }));
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
        // The float and shuffle rows, then one per row of the integer table.
        assert_eq!(ops.len(), 10 + v128_int::forms().len());
        for op in &ops {
            if let Some(vector) = op.vector(&v) {
                assert_eq!(vector, op.portable(&v), "{}", op.name);
            }
            #[cfg(target_arch = "x86_64")]
            assert!(
                op.engines_use_vector() || op.name.starts_with("i8x16.s"),
                "{} has vector code on x86-64",
                op.name
            );
        }
        assert!(
            ops.iter()
                .any(|op| op.name == "i16x8.extadd_pairwise_i8x16_u")
        );
        // One pair: the pass is the operation itself.
        let add = ops.iter().find(|op| op.name == "i32x4.add").unwrap();
        let pair = [v128::splat(7u32), v128::splat(u32::MAX)];
        assert_eq!(add.portable(&pair), v128::splat(6u32));
        assert_eq!(
            add.vector(&pair).unwrap_or(v128::splat(6u32)),
            v128::splat(6u32)
        );
    }
}
