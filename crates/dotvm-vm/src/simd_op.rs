//! The simd128 instructions (category `Simd` of the instruction table) in executable form:
//! the opcode with its lane index or memory offset, and the slots its stack effect takes on
//! the running architecture (a `v128` is four slots on Arch32, two on Arch64, one above).

use crate::per_op::PerOp;
use dotvm_core::isa::{Category, Opcode, StackEffect, ValType};
use dotvm_core::{Arch, Instruction, Operand};

/// Declares the pattern of the simd opcodes (the loader's `match` has no catch-all).
macro_rules! simd_ops {
    ($($name:ident),* $(,)?) => {
        /// A pattern matching every simd128 opcode.
        macro_rules! simd_opcodes {
            () => { $( Opcode::$name )|* };
        }
        pub(crate) use simd_opcodes;

        /// What `P` builds for simd opcode `op` (`OP` is the opcode number).
        pub(crate) fn instantiate<P: PerOp>(op: Opcode) -> P::Output {
            match op {
                $( Opcode::$name => P::make::<{ Opcode::$name as u16 }>(), )*
                _ => unreachable!("the register form's simd ops hold simd opcodes"),
            }
        }
    };
}

simd_ops! {
        V128Load, V128Load8x8S, V128Load8x8U, V128Load16x4S, V128Load16x4U, V128Load32x2S,
        V128Load32x2U, V128Load8Splat, V128Load16Splat, V128Load32Splat, V128Load64Splat,
        V128Store, V128Const, I8x16Shuffle, I8x16Swizzle, I8x16Splat, I16x8Splat, I32x4Splat,
        I64x2Splat, F32x4Splat, F64x2Splat, I8x16ExtractLaneS, I8x16ExtractLaneU,
        I8x16ReplaceLane, I16x8ExtractLaneS, I16x8ExtractLaneU, I16x8ReplaceLane,
        I32x4ExtractLane, I32x4ReplaceLane, I64x2ExtractLane, I64x2ReplaceLane,
        F32x4ExtractLane, F32x4ReplaceLane, F64x2ExtractLane, F64x2ReplaceLane, I8x16Eq,
        I8x16Ne, I8x16LtS, I8x16LtU, I8x16GtS, I8x16GtU, I8x16LeS, I8x16LeU, I8x16GeS,
        I8x16GeU, I16x8Eq, I16x8Ne, I16x8LtS, I16x8LtU, I16x8GtS, I16x8GtU, I16x8LeS, I16x8LeU,
        I16x8GeS, I16x8GeU, I32x4Eq, I32x4Ne, I32x4LtS, I32x4LtU, I32x4GtS, I32x4GtU, I32x4LeS,
        I32x4LeU, I32x4GeS, I32x4GeU, F32x4Eq, F32x4Ne, F32x4Lt, F32x4Gt, F32x4Le, F32x4Ge,
        F64x2Eq, F64x2Ne, F64x2Lt, F64x2Gt, F64x2Le, F64x2Ge, V128Not, V128And, V128AndNot,
        V128Or, V128Xor, V128Bitselect, V128AnyTrue, V128Load8Lane, V128Load16Lane,
        V128Load32Lane, V128Load64Lane, V128Store8Lane, V128Store16Lane, V128Store32Lane,
        V128Store64Lane, V128Load32Zero, V128Load64Zero, F32x4DemoteF64x2Zero,
        F64x2PromoteLowF32x4, I8x16Abs, I8x16Neg, I8x16Popcnt, I8x16AllTrue, I8x16Bitmask,
        I8x16NarrowI16x8S, I8x16NarrowI16x8U, F32x4Ceil, F32x4Floor, F32x4Trunc, F32x4Nearest,
        I8x16Shl, I8x16ShrS, I8x16ShrU, I8x16Add, I8x16AddSatS, I8x16AddSatU, I8x16Sub,
        I8x16SubSatS, I8x16SubSatU, F64x2Ceil, F64x2Floor, I8x16MinS, I8x16MinU, I8x16MaxS,
        I8x16MaxU, F64x2Trunc, I8x16AvgrU, I16x8ExtAddPairwiseI8x16S,
        I16x8ExtAddPairwiseI8x16U, I32x4ExtAddPairwiseI16x8S, I32x4ExtAddPairwiseI16x8U,
        I16x8Abs, I16x8Neg, I16x8Q15MulrSatS, I16x8AllTrue, I16x8Bitmask, I16x8NarrowI32x4S,
        I16x8NarrowI32x4U, I16x8ExtendLowI8x16S, I16x8ExtendHighI8x16S, I16x8ExtendLowI8x16U,
        I16x8ExtendHighI8x16U, I16x8Shl, I16x8ShrS, I16x8ShrU, I16x8Add, I16x8AddSatS,
        I16x8AddSatU, I16x8Sub, I16x8SubSatS, I16x8SubSatU, F64x2Nearest, I16x8Mul, I16x8MinS,
        I16x8MinU, I16x8MaxS, I16x8MaxU, I16x8AvgrU, I16x8ExtMulLowI8x16S,
        I16x8ExtMulHighI8x16S, I16x8ExtMulLowI8x16U, I16x8ExtMulHighI8x16U, I32x4Abs, I32x4Neg,
        I32x4AllTrue, I32x4Bitmask, I32x4ExtendLowI16x8S, I32x4ExtendHighI16x8S,
        I32x4ExtendLowI16x8U, I32x4ExtendHighI16x8U, I32x4Shl, I32x4ShrS, I32x4ShrU, I32x4Add,
        I32x4Sub, I32x4Mul, I32x4MinS, I32x4MinU, I32x4MaxS, I32x4MaxU, I32x4DotI16x8S,
        I32x4ExtMulLowI16x8S, I32x4ExtMulHighI16x8S, I32x4ExtMulLowI16x8U,
        I32x4ExtMulHighI16x8U, I64x2Abs, I64x2Neg, I64x2AllTrue, I64x2Bitmask,
        I64x2ExtendLowI32x4S, I64x2ExtendHighI32x4S, I64x2ExtendLowI32x4U,
        I64x2ExtendHighI32x4U, I64x2Shl, I64x2ShrS, I64x2ShrU, I64x2Add, I64x2Sub, I64x2Mul,
        I64x2Eq, I64x2Ne, I64x2LtS, I64x2GtS, I64x2LeS, I64x2GeS, I64x2ExtMulLowI32x4S,
        I64x2ExtMulHighI32x4S, I64x2ExtMulLowI32x4U, I64x2ExtMulHighI32x4U, F32x4Abs, F32x4Neg,
        F32x4Sqrt, F32x4Add, F32x4Sub, F32x4Mul, F32x4Div, F32x4Min, F32x4Max, F32x4PMin,
        F32x4PMax, F64x2Abs, F64x2Neg, F64x2Sqrt, F64x2Add, F64x2Sub, F64x2Mul, F64x2Div,
        F64x2Min, F64x2Max, F64x2PMin, F64x2PMax, I32x4TruncSatF32x4S, I32x4TruncSatF32x4U,
        F32x4ConvertI32x4S, F32x4ConvertI32x4U, I32x4TruncSatF64x2SZero,
        I32x4TruncSatF64x2UZero, F64x2ConvertLowI32x4S, F64x2ConvertLowI32x4U,
}

/// A simd instruction ready to run (see `exec::simd` for the semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SimdInst {
    /// The opcode (always of category [`Category::Simd`]).
    pub(crate) op: Opcode,
    /// The lane index of a lane operand (0 otherwise).
    pub(crate) lane: u8,
    /// Operand slots on the stack.
    pub(crate) pops: u8,
    /// Slots the instruction works in: `max(pops, pushes)`.
    pub(crate) room: u8,
    /// The memory offset of a load or store, or the index of a `V128_CONST` or
    /// `I8X16_SHUFFLE` operand in the function's vector pool.
    pub(crate) imm: u32,
}

impl SimdInst {
    /// The executable form of `inst` on `arch`, given where its 16-byte operand (if any)
    /// sits in the function's vector pool; `None` when `inst` is not a simd instruction.
    pub(crate) fn new(inst: &Instruction, arch: Arch, pool_index: u32) -> Option<SimdInst> {
        let op = inst.opcode;
        if op.info().category != Category::Simd {
            return None;
        }
        let (pops, pushes) = op.info().effect.slots(arch)?;
        let (lane, imm) = match inst.operand {
            Operand::Lane(lane) => (lane, 0),
            Operand::MemLane(offset, lane) => (lane, offset),
            Operand::Offset(offset) => (0, offset),
            Operand::Bytes16(_) => (0, pool_index),
            _ => (0, 0),
        };
        Some(SimdInst {
            op,
            lane,
            pops: u8::try_from(pops).ok()?,
            room: u8::try_from(pops.max(pushes)).ok()?,
            imm,
        })
    }
}

/// The opcode numbered `code`, for handlers that take it as a const parameter.
pub(crate) const fn opcode(code: u16) -> Opcode {
    match Opcode::from_code(code) {
        Some(op) => op,
        None => panic!("not an opcode number"),
    }
}

/// The architecture whose words have `bits` bits.
pub(crate) const fn arch_of_bits(bits: u32) -> Arch {
    let mut i = 0;
    while i < Arch::ALL.len() {
        if Arch::ALL[i].word_bits() == bits {
            return Arch::ALL[i];
        }
        i += 1;
    }
    panic!("no architecture has words of this width")
}

/// The most operands a simd instruction takes (`V128_BITSELECT`).
pub(crate) const MAX_OPERANDS: usize = 3;

/// How a simd instruction's operands and results lie in slots on one architecture: the
/// register form reads each operand from its own run of consecutive slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SimdShape {
    /// Operands, deepest first.
    pub(crate) operands: usize,
    /// The slots of each operand (the first `operands` entries).
    pub(crate) slots: [u32; MAX_OPERANDS],
    /// Slots popped (the sum of `slots`).
    pub(crate) pops: u32,
    /// Slots pushed.
    pub(crate) pushes: u32,
}

impl SimdShape {
    /// The shape of `op`'s fixed stack effect (from the instruction table) on `arch`.
    pub(crate) const fn of(op: Opcode, arch: Arch) -> SimdShape {
        let (pops, pushes): (&[ValType], &[ValType]) = match op.info().effect {
            StackEffect::Fixed { pops, pushes } => (pops, pushes),
            StackEffect::Dynamic => (&[], &[]),
        };
        assert!(
            pops.len() <= MAX_OPERANDS,
            "a simd instruction with too many operands"
        );
        let mut shape = SimdShape {
            operands: pops.len(),
            slots: [0; MAX_OPERANDS],
            pops: 0,
            pushes: 0,
        };
        let mut i = 0;
        while i < pops.len() {
            shape.slots[i] = pops[i].slots(arch);
            shape.pops += shape.slots[i];
            i += 1;
        }
        let mut i = 0;
        while i < pushes.len() {
            shape.pushes += pushes[i].slots(arch);
            i += 1;
        }
        shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_is_exactly_the_simd_category() {
        for &opcode in Opcode::ALL {
            let in_pattern = matches!(opcode, simd_opcodes!());
            assert_eq!(
                in_pattern,
                opcode.info().category == Category::Simd,
                "{}",
                opcode.mnemonic()
            );
        }
    }

    #[test]
    fn slot_counts_follow_the_architecture() {
        let bitselect = Instruction::simple(Opcode::V128Bitselect);
        let slots = |arch| {
            let inst = SimdInst::new(&bitselect, arch, 0).expect("a simd op");
            (inst.pops, inst.room)
        };
        assert_eq!(slots(Arch::Arch32), (12, 12));
        assert_eq!(slots(Arch::Arch64), (6, 6));
        assert_eq!(slots(Arch::Arch128), (3, 3));
        assert_eq!(slots(Arch::Arch512), (3, 3));
        let load = Instruction {
            opcode: Opcode::V128Load,
            operand: Operand::Offset(8),
        };
        let inst = SimdInst::new(&load, Arch::Arch32, 0).expect("a simd op");
        assert_eq!((inst.pops, inst.room, inst.imm), (1, 4, 8));
        assert_eq!(
            SimdInst::new(&Instruction::simple(Opcode::Add), Arch::Arch64, 0),
            None
        );
    }
}
