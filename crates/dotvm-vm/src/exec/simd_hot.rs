//! The hot simd128 instructions: one list of them, grouped by [`Form`], with their
//! semantics on the lane helpers of `exec::v128`. The precise interpreter (`exec::simd`)
//! runs them through the functions generated here, and the threaded engine gives each one
//! a specialised handler that inlines the same function with the opcode fixed and reads
//! its operands from their slot runs (`exec::threaded::simd`). Which instructions are here
//! follows the vector code of the `simd` workload of `dotvm-wasm-bench` (docs/engine.md).
//! The integer rows with SSE2 vector code take it from `exec::v128_int`, their one table.

use super::v128::{self, Lane, V128, compare, map, pairwise, splat, widen, zip};
use super::v128_int;
use dotvm_core::Opcode;

/// Declares the hot instructions: per form, a function from the operands to the result
/// whose `op` picks the instruction (each arm an expression of the operands), and [`form`]
/// from the same list.
macro_rules! hot_ops {
    ($(
        $(#[$doc:meta])*
        $form:ident fn $name:ident($($arg:ident: $t:ty),*) -> $r:ty {
            $( $($op:ident)|+ => $f:expr, )*
        }
    )*) => {
        /// How a hot instruction takes its operands and gives its result.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Form {
            $( $(#[$doc])* $form, )*
        }

        /// The form of `op` when it is a hot instruction.
        pub(crate) const fn form(op: Opcode) -> Option<Form> {
            match op {
                $( $( $(Opcode::$op)|+ )|* => Some(Form::$form), )*
                _ => None,
            }
        }

        $(
            $(#[$doc])*
            #[inline(always)]
            pub(crate) fn $name(op: Opcode, $($arg: $t),*) -> $r {
                match op {
                    $( $(Opcode::$op)|+ => $f, )*
                    _ => unreachable!("{} is not of form {}", op.mnemonic(), stringify!($form)),
                }
            }
        )*

        /// Every hot opcode with its form (for the tests).
        #[cfg(test)]
        const ALL: &[(Opcode, Form)] = &[$( $( $( (Opcode::$op, Form::$form), )+ )* )*];
    };
}

/// `N` loaded bytes as the low bytes of a vector, the rest zero.
pub(super) fn pad<const N: usize>(bytes: [u8; N]) -> V128 {
    let mut v = [0; 16];
    v[..N].copy_from_slice(&bytes);
    v
}

/// `f` on every lane of `a` with the shift count `n` taken modulo the lane width.
#[inline(always)]
fn shifted<T: Lane>(a: V128, n: u32, f: impl Fn(T, u32) -> T) -> V128 {
    let n = n % (8 * T::BYTES as u32);
    map::<T, T>(a, |x| f(x, n))
}

/// `v` with lane `lane` set to `x`.
#[inline(always)]
fn replaced<T: Lane>(mut v: V128, x: T, lane: usize) -> V128 {
    x.put(&mut v, lane);
    v
}

hot_ops! {
    /// `a b -- r` on two vectors.
    Binary fn binary(a: V128, b: V128) -> V128 {
        V128And => v128::from_bits(v128::bits(a) & v128::bits(b)),
        V128AndNot => v128::from_bits(v128::bits(a) & !v128::bits(b)),
        V128Or => v128::from_bits(v128::bits(a) | v128::bits(b)),
        V128Xor => v128::from_bits(v128::bits(a) ^ v128::bits(b)),
        I8x16Swizzle => v128::swizzle(a, b),
        I8x16Eq => compare::<u8>(a, b, |x, y| x == y),
        I8x16Add => zip::<u8>(a, b, u8::wrapping_add),
        I8x16Sub => zip::<u8>(a, b, u8::wrapping_sub),
        I16x8Add => v128_int::binary(Opcode::I16x8Add, a, b),
        I16x8Sub => v128_int::binary(Opcode::I16x8Sub, a, b),
        I16x8Mul => v128_int::binary(Opcode::I16x8Mul, a, b),
        I16x8Eq => v128_int::binary(Opcode::I16x8Eq, a, b),
        I32x4Add => v128_int::binary(Opcode::I32x4Add, a, b),
        I32x4Sub => v128_int::binary(Opcode::I32x4Sub, a, b),
        I32x4Mul => v128_int::binary(Opcode::I32x4Mul, a, b),
        I32x4Eq => v128_int::binary(Opcode::I32x4Eq, a, b),
        I64x2Add => zip::<u64>(a, b, u64::wrapping_add),
        I64x2Sub => zip::<u64>(a, b, u64::wrapping_sub),
        I32x4DotI16x8S => pairwise::<i16, i32>(a, b, |a0, a1, b0, b1| {
            (i32::from(a0) * i32::from(b0)).wrapping_add(i32::from(a1) * i32::from(b1))
        }),
    }
    /// `a b -- r` selecting bytes of two vectors by the instruction's 16 lane indices.
    Shuffle fn shuffle(a: V128, b: V128, lanes: &V128) -> V128 {
        I8x16Shuffle => v128::shuffle(a, b, lanes),
    }
    /// `a -- r` on one vector.
    Unary fn unary(a: V128) -> V128 {
        V128Not => v128::from_bits(!v128::bits(a)),
        I16x8ExtAddPairwiseI8x16S => v128_int::unary(Opcode::I16x8ExtAddPairwiseI8x16S, a),
        I16x8ExtAddPairwiseI8x16U => v128_int::unary(Opcode::I16x8ExtAddPairwiseI8x16U, a),
        I32x4ExtAddPairwiseI16x8S => {
            pairwise::<i16, i32>(a, a, |x, y, _, _| i32::from(x) + i32::from(y))
        },
        I32x4ExtAddPairwiseI16x8U => {
            pairwise::<u16, u32>(a, a, |x, y, _, _| u32::from(x) + u32::from(y))
        },
        I16x8ExtendLowI8x16S => widen::<i8, i16>(a, false, i16::from),
        I16x8ExtendHighI8x16S => widen::<i8, i16>(a, true, i16::from),
        I16x8ExtendLowI8x16U => widen::<u8, u16>(a, false, u16::from),
        I16x8ExtendHighI8x16U => widen::<u8, u16>(a, true, u16::from),
        I32x4ExtendLowI16x8S => widen::<i16, i32>(a, false, i32::from),
        I32x4ExtendHighI16x8S => widen::<i16, i32>(a, true, i32::from),
        I32x4ExtendLowI16x8U => widen::<u16, u32>(a, false, u32::from),
        I32x4ExtendHighI16x8U => widen::<u16, u32>(a, true, u32::from),
        I64x2ExtendLowI32x4S => widen::<i32, i64>(a, false, i64::from),
        I64x2ExtendHighI32x4S => widen::<i32, i64>(a, true, i64::from),
        I64x2ExtendLowI32x4U => widen::<u32, u64>(a, false, u64::from),
        I64x2ExtendHighI32x4U => widen::<u32, u64>(a, true, u64::from),
    }
    /// `v n -- r`: a shift of every lane by the i32 `n` modulo the lane width.
    Shift fn shift(a: V128, n: u32) -> V128 {
        I8x16Shl => shifted::<u8>(a, n, |x, n| x << n),
        I8x16ShrS => shifted::<i8>(a, n, |x, n| x >> n),
        I8x16ShrU => shifted::<u8>(a, n, |x, n| x >> n),
        I16x8Shl => shifted::<u16>(a, n, |x, n| x << n),
        I16x8ShrS => shifted::<i16>(a, n, |x, n| x >> n),
        I16x8ShrU => shifted::<u16>(a, n, |x, n| x >> n),
        I32x4Shl => shifted::<u32>(a, n, |x, n| x << n),
        I32x4ShrS => shifted::<i32>(a, n, |x, n| x >> n),
        I32x4ShrU => shifted::<u32>(a, n, |x, n| x >> n),
        I64x2Shl => shifted::<u64>(a, n, |x, n| x << n),
        I64x2ShrS => shifted::<i64>(a, n, |x, n| x >> n),
        I64x2ShrU => shifted::<u64>(a, n, |x, n| x >> n),
    }
    /// `x -- r`: every lane from the i32 `x`.
    Splat32 fn splat32(x: u32) -> V128 {
        I8x16Splat => splat(x as u8),
        I16x8Splat => splat(x as u16),
        I32x4Splat | F32x4Splat => splat(x),
    }
    /// `x -- r`: every lane from the i64 `x`.
    Splat64 fn splat64(x: u64) -> V128 {
        I64x2Splat | F64x2Splat => splat(x),
    }
    /// `v -- x`: lane `lane` as an i32.
    Extract32 fn extract32(a: V128, lane: usize) -> u32 {
        I8x16ExtractLaneS => i8::get(&a, lane) as u32,
        I8x16ExtractLaneU => u32::from(u8::get(&a, lane)),
        I16x8ExtractLaneS => i16::get(&a, lane) as u32,
        I16x8ExtractLaneU => u32::from(u16::get(&a, lane)),
        I32x4ExtractLane | F32x4ExtractLane => u32::get(&a, lane),
    }
    /// `v -- x`: lane `lane` as an i64.
    Extract64 fn extract64(a: V128, lane: usize) -> u64 {
        I64x2ExtractLane | F64x2ExtractLane => u64::get(&a, lane),
    }
    /// `v x -- r`: lane `lane` replaced by the i32 `x`.
    Replace32 fn replace32(v: V128, x: u32, lane: usize) -> V128 {
        I8x16ReplaceLane => replaced(v, x as u8, lane),
        I16x8ReplaceLane => replaced(v, x as u16, lane),
        I32x4ReplaceLane | F32x4ReplaceLane => replaced(v, x, lane),
    }
    /// `addr -- v`: a vector made of 16 loaded bytes.
    Load16 fn load16(b: [u8; 16]) -> V128 {
        V128Load => b,
    }
    /// `addr -- v`: a vector made of 8 loaded bytes.
    Load8 fn load8(b: [u8; 8]) -> V128 {
        V128Load8x8S => widen::<i8, i16>(pad(b), false, i16::from),
        V128Load8x8U => widen::<u8, u16>(pad(b), false, u16::from),
        V128Load16x4S => widen::<i16, i32>(pad(b), false, i32::from),
        V128Load16x4U => widen::<u16, u32>(pad(b), false, u32::from),
        V128Load32x2S => widen::<i32, i64>(pad(b), false, i64::from),
        V128Load32x2U => widen::<u32, u64>(pad(b), false, u64::from),
        V128Load64Splat => splat(u64::from_le_bytes(b)),
        V128Load64Zero => pad(b),
    }
    /// `addr -- v`: a vector made of 4 loaded bytes.
    Load4 fn load4(b: [u8; 4]) -> V128 {
        V128Load32Splat => splat(u32::from_le_bytes(b)),
        V128Load32Zero => pad(b),
    }
    /// `addr v --`: the 16 bytes stored.
    Store16 fn store16(v: V128) -> [u8; 16] {
        V128Store => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::isa::{OperandKind, StackEffect, ValType};

    /// The stack effect and operand kind each form stands for.
    fn signature(form: Form) -> (&'static [ValType], &'static [ValType], OperandKind) {
        use ValType::{I32, I64, V128};
        match form {
            Form::Binary => (&[V128, V128], &[V128], OperandKind::None),
            Form::Shuffle => (&[V128, V128], &[V128], OperandKind::Shuffle),
            Form::Unary => (&[V128], &[V128], OperandKind::None),
            Form::Shift => (&[V128, I32], &[V128], OperandKind::None),
            Form::Splat32 => (&[I32], &[V128], OperandKind::None),
            Form::Splat64 => (&[I64], &[V128], OperandKind::None),
            Form::Extract32 => (&[V128], &[I32], OperandKind::Lane),
            Form::Extract64 => (&[V128], &[I64], OperandKind::Lane),
            Form::Replace32 => (&[V128, I32], &[V128], OperandKind::Lane),
            Form::Load16 | Form::Load8 | Form::Load4 => (&[I32], &[V128], OperandKind::Offset),
            Form::Store16 => (&[I32, V128], &[], OperandKind::Offset),
        }
    }

    #[test]
    fn every_form_matches_the_instruction_table() {
        for &(op, hot) in ALL {
            let StackEffect::Fixed { pops, pushes } = op.info().effect else {
                panic!("{} has a dynamic stack effect", op.mnemonic());
            };
            let (want_pops, want_pushes, operand) = signature(hot);
            // An address is a word, a float lane an f32 or f64 in the table: the form reads
            // them as the integer of the same slots.
            let scalar = |t: &ValType| match t {
                ValType::W | ValType::F32 => ValType::I32,
                ValType::F64 => ValType::I64,
                t => *t,
            };
            let pops: Vec<ValType> = pops.iter().map(scalar).collect();
            let pushes: Vec<ValType> = pushes.iter().map(scalar).collect();
            assert_eq!(pops, want_pops, "{}", op.mnemonic());
            assert_eq!(pushes, want_pushes, "{}", op.mnemonic());
            assert_eq!(op.operand(), operand, "{}", op.mnemonic());
            assert_eq!(form(op), Some(hot));
        }
        assert_eq!(form(Opcode::F32x4Add), None);
    }

    #[test]
    fn shifts_take_the_count_modulo_the_lane_width() {
        let v = splat(0x8001u16);
        assert_eq!(shift(Opcode::I16x8ShrU, v, 17), splat(0x4000u16));
        assert_eq!(shift(Opcode::I16x8ShrS, v, 1), splat(0xC000u16));
        assert_eq!(shift(Opcode::I8x16Shl, splat(1u8), 9), splat(2u8));
        assert_eq!(extract32(Opcode::I16x8ExtractLaneS, v, 3), 0xFFFF_8001);
        assert_eq!(load8(Opcode::V128Load64Zero, [7; 8])[8..], [0; 8]);
    }
}
