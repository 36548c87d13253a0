//! The simd128 instructions with WebAssembly's semantics on every architecture: a `v128`
//! is read from and written to its slots by [`Operands::v128`] / [`Operands::push_v128`]
//! (four slots on Arch32, two on Arch64, one above), the lanes are computed by
//! `exec::v128`; the hot instructions' semantics are those of `exec::simd_hot`, which the
//! threaded engine inlines into their handlers, and the integer lane operations with SSE2
//! vector code are those of `exec::v128_int`, whichever engine runs them. Float results
//! that are NaN are canonical, as for the scalar float instructions (`exec::float`); `abs`,
//! `neg`, `pmin`/`pmax` and lane moves keep the bits.

use super::float::WasmFloat;
use super::operand::address;
use super::simd_hot::{self as hot, Form};
use super::typed::Operands;
use super::v128::{
    self, Arith, Lane, V128, all_true, bitmask, compare, map, narrow, splat, widen, widen_zip, zip,
};
use super::v128_int::{self, Shape as IntShape};
use crate::memory::LinearMemory;
use crate::simd_op::SimdInst;
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::Opcode;

/// Saturates `x` to the range of `T` (both bounds given as `i64`).
macro_rules! sat {
    ($x:expr, $t:ty) => {
        ($x).clamp(<$t>::MIN as i64, <$t>::MAX as i64) as $t
    };
}

/// The float lane conversions to integers: saturating, NaN to 0 (`as` does exactly that).
fn trunc_sat_s(x: f64) -> i32 {
    x as i32
}

fn trunc_sat_u(x: f64) -> u32 {
    x as u32
}

/// Rounding float lanes (`ceil`, `floor`, `trunc`, `nearest`, `sqrt`) canonicalise NaNs.
fn f32_lanes(a: V128, f: impl Fn(f32) -> f32) -> V128 {
    map::<f32, f32>(a, |x| f(x).canonical())
}

fn f64_lanes(a: V128, f: impl Fn(f64) -> f64) -> V128 {
    map::<f64, f64>(a, |x| f(x).canonical())
}

/// A memory access of `N` bytes at the popped address plus `offset`.
fn load<W: Word, const N: usize>(
    s: &mut Operands<'_, W>,
    offset: u32,
    memory: &LinearMemory,
) -> Result<[u8; N], TrapKind> {
    let addr = address(s.pop(), N as u64)?;
    memory.load::<N>(addr, offset)
}

/// Runs one simd instruction on `s`; loads and stores use `memory`; `pool` holds the
/// function's 16-byte operands (`V128_CONST`, `I8X16_SHUFFLE`). Never inlined: inlined
/// into each of the threaded engine's per-opcode handlers (over 1000 of them) it would fold
/// to one arm each, but building them took 20 GB of memory.
#[inline(never)]
pub(super) fn execute<W: Word>(
    inst: SimdInst,
    s: &mut Operands<'_, W>,
    memory: &mut LinearMemory,
    pool: &[V128],
) -> Result<(), TrapKind> {
    use Opcode::*;
    let (offset, lane) = (inst.imm, usize::from(inst.lane));
    // `v -- r` and `a b -- r` on whole vectors.
    macro_rules! un {
        (|$a:ident| $e:expr) => {{
            let $a = s.v128();
            let r = $e;
            s.push_v128(r);
        }};
    }
    macro_rules! bin {
        (|$a:ident, $b:ident| $e:expr) => {{
            let $b = s.v128();
            let $a = s.v128();
            let r = $e;
            s.push_v128(r);
        }};
    }
    // A lane-wise operation on lanes of type `$t`.
    macro_rules! each {
        ($t:ty, |$x:ident| $e:expr) => {
            un!(|a| map::<$t, $t>(a, |$x| $e))
        };
        ($t:ty, |$x:ident, $y:ident| $e:expr) => {
            bin!(|a, b| zip::<$t>(a, b, |$x, $y| $e))
        };
    }
    macro_rules! cmp {
        ($t:ty, |$x:ident, $y:ident| $e:expr) => {
            bin!(|a, b| compare::<$t>(a, b, |$x, $y| $e))
        };
    }
    // `v -- i32`.
    macro_rules! test {
        (|$a:ident| $e:expr) => {{
            let $a = s.v128();
            let r: u32 = $e;
            s.push_i32(r);
        }};
    }
    // `addr -- v`: a load of `$n` bytes made a vector by `$f`.
    macro_rules! load {
        ($n:literal, |$b:ident| $e:expr) => {{
            let $b = load::<W, $n>(s, offset, memory)?;
            s.push_v128($e);
        }};
    }
    // `addr v -- v'`: lane `lane` of the vector replaced by `$n` loaded bytes.
    macro_rules! load_lane {
        ($t:ty, $n:literal) => {{
            let mut v = s.v128();
            let b = load::<W, $n>(s, offset, memory)?;
            <$t>::from_le_bytes(b).put(&mut v, lane);
            s.push_v128(v);
        }};
    }
    // `addr v --`: lane `lane` stored.
    macro_rules! store_lane {
        ($t:ty, $n:literal) => {{
            let v = s.v128();
            let addr = address(s.pop(), $n)?;
            memory.store::<$n>(addr, offset, <$t>::get(&v, lane).to_le_bytes())?;
        }};
    }
    let pooled = || pool.get(offset as usize).copied().unwrap_or_default();
    match inst.op {
        // ---- loads and stores ----
        V128Load8Splat => load!(1, |b| splat(b[0])),
        V128Load16Splat => load!(2, |b| splat(u16::from_le_bytes(b))),
        V128Load8Lane => load_lane!(u8, 1),
        V128Load16Lane => load_lane!(u16, 2),
        V128Load32Lane => load_lane!(u32, 4),
        V128Load64Lane => load_lane!(u64, 8),
        V128Store8Lane => store_lane!(u8, 1),
        V128Store16Lane => store_lane!(u16, 2),
        V128Store32Lane => store_lane!(u32, 4),
        V128Store64Lane => store_lane!(u64, 8),
        // ---- constants, shuffles, splats, lanes ----
        V128Const => s.push_v128(pooled()),
        I64x2ReplaceLane | F64x2ReplaceLane => {
            let x = s.i64();
            let mut v = s.v128();
            x.put(&mut v, lane);
            s.push_v128(v);
        }
        // ---- bitwise ----
        V128Bitselect => {
            let c = v128::bits(s.v128());
            let b = v128::bits(s.v128());
            let a = v128::bits(s.v128());
            s.push_v128(v128::from_bits((a & c) | (b & !c)));
        }
        V128AnyTrue => test!(|a| u32::from(v128::bits(a) != 0)),
        // ---- integer comparisons ----
        I8x16Ne => cmp!(u8, |x, y| x != y),
        I8x16LtS => cmp!(i8, |x, y| x < y),
        I8x16LtU => cmp!(u8, |x, y| x < y),
        I8x16GtS => cmp!(i8, |x, y| x > y),
        I8x16GtU => cmp!(u8, |x, y| x > y),
        I8x16LeS => cmp!(i8, |x, y| x <= y),
        I8x16LeU => cmp!(u8, |x, y| x <= y),
        I8x16GeS => cmp!(i8, |x, y| x >= y),
        I8x16GeU => cmp!(u8, |x, y| x >= y),
        I16x8LtU => cmp!(u16, |x, y| x < y),
        I16x8GtU => cmp!(u16, |x, y| x > y),
        I16x8LeS => cmp!(i16, |x, y| x <= y),
        I16x8LeU => cmp!(u16, |x, y| x <= y),
        I16x8GeS => cmp!(i16, |x, y| x >= y),
        I16x8GeU => cmp!(u16, |x, y| x >= y),
        I32x4Ne => cmp!(u32, |x, y| x != y),
        I32x4LtU => cmp!(u32, |x, y| x < y),
        I32x4GtU => cmp!(u32, |x, y| x > y),
        I32x4LeS => cmp!(i32, |x, y| x <= y),
        I32x4LeU => cmp!(u32, |x, y| x <= y),
        I32x4GeS => cmp!(i32, |x, y| x >= y),
        I32x4GeU => cmp!(u32, |x, y| x >= y),
        I64x2Eq => cmp!(u64, |x, y| x == y),
        I64x2Ne => cmp!(u64, |x, y| x != y),
        I64x2LtS => cmp!(i64, |x, y| x < y),
        I64x2GtS => cmp!(i64, |x, y| x > y),
        I64x2LeS => cmp!(i64, |x, y| x <= y),
        I64x2GeS => cmp!(i64, |x, y| x >= y),
        // ---- float comparisons (IEEE: NaN compares unequal) ----
        F32x4Eq => cmp!(f32, |x, y| x == y),
        F32x4Ne => cmp!(f32, |x, y| x != y),
        F32x4Lt => cmp!(f32, |x, y| x < y),
        F32x4Gt => cmp!(f32, |x, y| x > y),
        F32x4Le => cmp!(f32, |x, y| x <= y),
        F32x4Ge => cmp!(f32, |x, y| x >= y),
        F64x2Eq => cmp!(f64, |x, y| x == y),
        F64x2Ne => cmp!(f64, |x, y| x != y),
        F64x2Lt => cmp!(f64, |x, y| x < y),
        F64x2Gt => cmp!(f64, |x, y| x > y),
        F64x2Le => cmp!(f64, |x, y| x <= y),
        F64x2Ge => cmp!(f64, |x, y| x >= y),
        // ---- i8x16 ----
        I8x16Abs => each!(i8, |x| x.wrapping_abs()),
        I8x16Neg => each!(i8, |x| x.wrapping_neg()),
        I8x16Popcnt => each!(u8, |x| x.count_ones() as u8),
        I8x16AllTrue => test!(|a| u32::from(all_true::<u8>(a))),
        I8x16Bitmask => test!(|a| bitmask::<u8>(a)),
        I8x16MinS => each!(i8, |x, y| x.min(y)),
        I8x16MaxS => each!(i8, |x, y| x.max(y)),
        // ---- i16x8 ----
        I16x8Abs => each!(i16, |x| x.wrapping_abs()),
        I16x8Neg => each!(i16, |x| x.wrapping_neg()),
        I16x8Q15MulrSatS => each!(i16, |x, y| {
            sat!((i64::from(x) * i64::from(y) + 0x4000) >> 15, i16)
        }),
        I16x8AllTrue => test!(|a| u32::from(all_true::<u16>(a))),
        I16x8Bitmask => test!(|a| bitmask::<u16>(a)),
        I16x8NarrowI32x4U => bin!(|a, b| narrow::<i32, u16>(a, b, |x| sat!(i64::from(x), u16))),
        I16x8MinU => each!(u16, |x, y| x.min(y)),
        I16x8MaxU => each!(u16, |x, y| x.max(y)),
        I16x8ExtMulLowI8x16S => {
            bin!(|a, b| widen_zip::<i8, i16>(a, b, false, |x, y| { i16::from(x) * i16::from(y) }))
        }
        I16x8ExtMulHighI8x16S => {
            bin!(|a, b| widen_zip::<i8, i16>(a, b, true, |x, y| { i16::from(x) * i16::from(y) }))
        }
        I16x8ExtMulLowI8x16U => {
            bin!(|a, b| widen_zip::<u8, u16>(a, b, false, |x, y| { u16::from(x) * u16::from(y) }))
        }
        I16x8ExtMulHighI8x16U => {
            bin!(|a, b| widen_zip::<u8, u16>(a, b, true, |x, y| { u16::from(x) * u16::from(y) }))
        }
        // ---- i32x4 ----
        I32x4Abs => each!(i32, |x| x.wrapping_abs()),
        I32x4Neg => each!(i32, |x| x.wrapping_neg()),
        I32x4AllTrue => test!(|a| u32::from(all_true::<u32>(a))),
        I32x4Bitmask => test!(|a| bitmask::<u32>(a)),
        I32x4MinS => each!(i32, |x, y| x.min(y)),
        I32x4MinU => each!(u32, |x, y| x.min(y)),
        I32x4MaxS => each!(i32, |x, y| x.max(y)),
        I32x4MaxU => each!(u32, |x, y| x.max(y)),
        I32x4ExtMulLowI16x8S => {
            bin!(|a, b| widen_zip::<i16, i32>(a, b, false, |x, y| { i32::from(x) * i32::from(y) }))
        }
        I32x4ExtMulHighI16x8S => {
            bin!(|a, b| widen_zip::<i16, i32>(a, b, true, |x, y| { i32::from(x) * i32::from(y) }))
        }
        I32x4ExtMulLowI16x8U => {
            bin!(|a, b| widen_zip::<u16, u32>(a, b, false, |x, y| { u32::from(x) * u32::from(y) }))
        }
        I32x4ExtMulHighI16x8U => {
            bin!(|a, b| widen_zip::<u16, u32>(a, b, true, |x, y| { u32::from(x) * u32::from(y) }))
        }
        // ---- i64x2 ----
        I64x2Abs => each!(i64, |x| x.wrapping_abs()),
        I64x2Neg => each!(i64, |x| x.wrapping_neg()),
        I64x2AllTrue => test!(|a| u32::from(all_true::<u64>(a))),
        I64x2Bitmask => test!(|a| bitmask::<u64>(a)),
        I64x2Mul => each!(u64, |x, y| x.wrapping_mul(y)),
        I64x2ExtMulLowI32x4S => {
            bin!(|a, b| widen_zip::<i32, i64>(a, b, false, |x, y| { i64::from(x) * i64::from(y) }))
        }
        I64x2ExtMulHighI32x4S => {
            bin!(|a, b| widen_zip::<i32, i64>(a, b, true, |x, y| { i64::from(x) * i64::from(y) }))
        }
        I64x2ExtMulLowI32x4U => {
            bin!(|a, b| widen_zip::<u32, u64>(a, b, false, |x, y| { u64::from(x) * u64::from(y) }))
        }
        I64x2ExtMulHighI32x4U => {
            bin!(|a, b| widen_zip::<u32, u64>(a, b, true, |x, y| { u64::from(x) * u64::from(y) }))
        }
        // ---- f32x4 ----
        F32x4Ceil => un!(|a| f32_lanes(a, f32::ceil)),
        F32x4Floor => un!(|a| f32_lanes(a, f32::floor)),
        F32x4Trunc => un!(|a| f32_lanes(a, f32::trunc)),
        F32x4Nearest => un!(|a| f32_lanes(a, f32::round_ties_even)),
        F32x4Sqrt => un!(|a| f32_lanes(a, f32::sqrt)),
        F32x4Abs => each!(f32, |x| x.wasm_abs()),
        F32x4Neg => each!(f32, |x| x.wasm_neg()),
        F32x4Add => bin!(|a, b| v128::f32_arith(Arith::Add, a, b)),
        F32x4Sub => bin!(|a, b| v128::f32_arith(Arith::Sub, a, b)),
        F32x4Mul => bin!(|a, b| v128::f32_arith(Arith::Mul, a, b)),
        F32x4Div => bin!(|a, b| v128::f32_arith(Arith::Div, a, b)),
        F32x4Min => each!(f32, |x, y| x.wasm_min(y)),
        F32x4Max => each!(f32, |x, y| x.wasm_max(y)),
        F32x4PMin => each!(f32, |x, y| if y < x { y } else { x }),
        F32x4PMax => each!(f32, |x, y| if x < y { y } else { x }),
        // ---- f64x2 ----
        F64x2Ceil => un!(|a| f64_lanes(a, f64::ceil)),
        F64x2Floor => un!(|a| f64_lanes(a, f64::floor)),
        F64x2Trunc => un!(|a| f64_lanes(a, f64::trunc)),
        F64x2Nearest => un!(|a| f64_lanes(a, f64::round_ties_even)),
        F64x2Sqrt => un!(|a| f64_lanes(a, f64::sqrt)),
        F64x2Abs => each!(f64, |x| x.wasm_abs()),
        F64x2Neg => each!(f64, |x| x.wasm_neg()),
        F64x2Add => bin!(|a, b| v128::f64_arith(Arith::Add, a, b)),
        F64x2Sub => bin!(|a, b| v128::f64_arith(Arith::Sub, a, b)),
        F64x2Mul => bin!(|a, b| v128::f64_arith(Arith::Mul, a, b)),
        F64x2Div => bin!(|a, b| v128::f64_arith(Arith::Div, a, b)),
        F64x2Min => each!(f64, |x, y| x.wasm_min(y)),
        F64x2Max => each!(f64, |x, y| x.wasm_max(y)),
        F64x2PMin => each!(f64, |x, y| if y < x { y } else { x }),
        F64x2PMax => each!(f64, |x, y| if x < y { y } else { x }),
        // ---- conversions ----
        I32x4TruncSatF32x4S => un!(|a| map::<f32, i32>(a, |x| trunc_sat_s(f64::from(x)))),
        I32x4TruncSatF32x4U => un!(|a| map::<f32, u32>(a, |x| trunc_sat_u(f64::from(x)))),
        F32x4ConvertI32x4S => un!(|a| map::<i32, f32>(a, |x| x as f32)),
        F32x4ConvertI32x4U => un!(|a| map::<u32, f32>(a, |x| x as f32)),
        I32x4TruncSatF64x2SZero => un!(|a| narrow::<f64, i32>(a, [0; 16], trunc_sat_s)),
        I32x4TruncSatF64x2UZero => un!(|a| narrow::<f64, u32>(a, [0; 16], trunc_sat_u)),
        F64x2ConvertLowI32x4S => un!(|a| widen::<i32, f64>(a, false, f64::from)),
        F64x2ConvertLowI32x4U => un!(|a| widen::<u32, f64>(a, false, f64::from)),
        F32x4DemoteF64x2Zero => {
            un!(|a| narrow::<f64, f32>(a, [0; 16], |x| (x as f32).canonical()))
        }
        F64x2PromoteLowF32x4 => un!(|a| widen::<f32, f64>(a, false, |x| f64::from(x).canonical())),
        // ---- integer lanes with vector code (`exec::v128_int`) ----
        op if v128_int::shape(op) == Some(IntShape::Binary) => {
            bin!(|a, b| v128_int::binary(op, a, b))
        }
        op if v128_int::shape(op) == Some(IntShape::Unary) => un!(|a| v128_int::unary(op, a)),
        // ---- the hot instructions (`exec::simd_hot`) ----
        op => {
            let Some(form) = hot::form(op) else {
                unreachable!("the loader makes simd ops of simd opcodes only")
            };
            match form {
                Form::Binary => bin!(|a, b| hot::binary(op, a, b)),
                Form::Shuffle => {
                    let lanes = pooled();
                    bin!(|a, b| hot::shuffle(op, a, b, &lanes))
                }
                Form::Unary => un!(|a| hot::unary(op, a)),
                Form::Shift => {
                    let n = s.i32();
                    let a = s.v128();
                    s.push_v128(hot::shift(op, a, n));
                }
                Form::Splat32 => {
                    let x = s.i32();
                    s.push_v128(hot::splat32(op, x));
                }
                Form::Splat64 => {
                    let x = s.i64();
                    s.push_v128(hot::splat64(op, x));
                }
                Form::Extract32 => test!(|a| hot::extract32(op, a, lane)),
                Form::Extract64 => {
                    let a = s.v128();
                    s.push_i64(hot::extract64(op, a, lane));
                }
                Form::Replace32 => {
                    let x = s.i32();
                    let v = s.v128();
                    s.push_v128(hot::replace32(op, v, x, lane));
                }
                Form::Load16 => load!(16, |b| hot::load16(op, b)),
                Form::Load8 => load!(8, |b| hot::load8(op, b)),
                Form::Load4 => load!(4, |b| hot::load4(op, b)),
                Form::Store16 => {
                    let v = s.v128();
                    let addr = address(s.pop(), 16)?;
                    memory.store::<16>(addr, offset, hot::store16(op, v))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::isa::{Category, OperandKind};
    use dotvm_core::{Arch, Instruction, Operand};

    /// Runs `inst` on Arch32 slots `operands` (deepest first), returning the result slots.
    fn run32(inst: &Instruction, operands: &[u32], memory: &mut LinearMemory) -> Vec<u32> {
        let simd = SimdInst::new(inst, Arch::Arch32, 0).expect("a simd instruction");
        let mut slots = operands.to_vec();
        slots.resize(usize::from(simd.room), 0);
        let pool = match inst.operand {
            Operand::Bytes16(bytes) => vec![bytes],
            _ => Vec::new(),
        };
        let mut s = Operands::new(&mut slots, usize::from(simd.pops));
        execute(simd, &mut s, memory, &pool).expect("no trap");
        let len = s.len();
        slots.truncate(len);
        slots
    }

    #[test]
    fn every_simd_opcode_runs() {
        // Zero operands (address 0 of a one-page memory) on the widest and narrowest words:
        // no opcode of the category reaches the loader-only fallback arm.
        let mut memory = LinearMemory::new(1, None, 1 << 20, 0).unwrap();
        for &op in Opcode::ALL {
            if op.info().category != Category::Simd {
                continue;
            }
            let operand = match op.operand() {
                OperandKind::None => Operand::None,
                OperandKind::Offset => Operand::Offset(0),
                OperandKind::Lane => Operand::Lane(1),
                OperandKind::MemLane => Operand::MemLane(0, 1),
                _ => Operand::Bytes16([3; 16]),
            };
            let inst = Instruction {
                opcode: op,
                operand,
            };
            let simd = SimdInst::new(&inst, Arch::Arch32, 0).unwrap();
            run32(&inst, &vec![0; usize::from(simd.pops)], &mut memory);
        }
    }

    #[test]
    fn vectors_span_four_arch32_slots_least_significant_deepest() {
        let mut memory = LinearMemory::new(1, None, 1 << 20, 0).unwrap();
        let add = Instruction::simple(Opcode::I32x4Add);
        let sum = run32(&add, &[1, 2, 3, u32::MAX, 10, 20, 30, 1], &mut memory);
        assert_eq!(sum, [11, 22, 33, 0]);
        let extract = Instruction {
            opcode: Opcode::I16x8ExtractLaneS,
            operand: Operand::Lane(1),
        };
        assert_eq!(
            run32(&extract, &[0x8000_0001, 0, 0, 0], &mut memory),
            [0xFFFF_8000]
        );
        let i64_lane = Instruction {
            opcode: Opcode::I64x2ExtractLane,
            operand: Operand::Lane(1),
        };
        assert_eq!(run32(&i64_lane, &[1, 2, 3, 4], &mut memory), [3, 4]);
    }

    #[test]
    fn lane_loads_and_stores_trap_outside_memory() {
        let mut memory = LinearMemory::new(1, None, 1 << 20, 0).unwrap();
        let inst = Instruction {
            opcode: Opcode::V128Load,
            operand: Operand::Offset(65_530),
        };
        let simd = SimdInst::new(&inst, Arch::Arch32, 0).unwrap();
        let mut slots = vec![0u32; usize::from(simd.room)];
        let mut s = Operands::new(&mut slots, 1);
        assert!(matches!(
            execute(simd, &mut s, &mut memory, &[]),
            Err(TrapKind::OutOfBounds { .. })
        ));
    }

    #[test]
    fn saturating_and_rounding_lanes() {
        let mut memory = LinearMemory::new(1, None, 1 << 20, 0).unwrap();
        // i16x8.q15mulr_sat_s(-32768, -32768) saturates to 32767.
        let q15 = Instruction::simple(Opcode::I16x8Q15MulrSatS);
        let min = 0x8000_8000;
        let r = run32(&q15, &[min, min, min, min, min, min, min, min], &mut memory);
        assert_eq!(r, [0x7FFF_7FFF; 4]);
        // f32x4.nearest rounds ties to even; NaN lanes come out canonical.
        let nearest = Instruction::simple(Opcode::F32x4Nearest);
        let lanes = [
            2.5f32.to_bits(),
            (-0.5f32).to_bits(),
            0x7FA0_0001,
            3.5f32.to_bits(),
        ];
        let r = run32(&nearest, &lanes, &mut memory);
        assert_eq!(
            r,
            [
                2.0f32.to_bits(),
                (-0.0f32).to_bits(),
                0x7FC0_0000,
                4.0f32.to_bits()
            ]
        );
        // i32x4.trunc_sat_f64x2_s_zero: saturated lanes, then two zero lanes.
        let trunc = Instruction::simple(Opcode::I32x4TruncSatF64x2SZero);
        let big = 1e12f64.to_bits();
        let nan = f64::NAN.to_bits();
        let r = run32(
            &trunc,
            &[
                big as u32,
                (big >> 32) as u32,
                nan as u32,
                (nan >> 32) as u32,
            ],
            &mut memory,
        );
        assert_eq!(r, [i32::MAX as u32, 0, 0, 0]);
    }
}
