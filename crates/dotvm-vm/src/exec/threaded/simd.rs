//! The simd128 ops of the register form: one handler per simd opcode (its `OP`
//! parameter), which gathers the operands from their runs of slots and runs the semantics
//! shared with the precise interpreter (`exec::simd`), folded to that one opcode.

use super::ops::{get, set};
use super::{Cx, Inst};
use crate::exec::simd;
use crate::exec::typed::Operands;
use crate::simd_op::{MAX_OPERANDS, SimdInst, SimdShape, arch_of_bits, opcode};
use crate::trap::TrapKind;
use crate::word::Word;

/// Slots a simd instruction can work in: three vectors of four Arch32 slots.
const ROOM: usize = 4 * MAX_OPERANDS;

/// Runs simd opcode `OP` as op `i` of kind `Kind::Simd` (see its field use) in frame `fp`.
///
/// # Safety
/// `i` is an op of the running function, lowered by `reg::lower`: its operand runs and
/// result slots lie in the frame at `fp`.
#[inline(always)]
pub(super) unsafe fn run<W: Word, const OP: u16>(
    i: &Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Result<(), TrapKind> {
    let op = const { opcode(OP) };
    let shape = const { SimdShape::of(opcode(OP), arch_of_bits(W::BITS)) };
    let three = shape.operands == MAX_OPERANDS;
    let mut slots = [W::ZERO; ROOM];
    let mut n = 0;
    for (k, &count) in shape.slots[..shape.operands].iter().enumerate() {
        let base = match k {
            0 => i.a,
            1 => i.b,
            _ => i.imm as u32,
        };
        for s in 0..count {
            // SAFETY: the lowering made `base..base + count` an operand's run of slots.
            slots[n] = unsafe { get(fp, base + s) };
            n += 1;
        }
    }
    let inst = SimdInst {
        op,
        lane: if three { 0 } else { (i.imm >> 32) as u8 },
        pops: shape.pops as u8,
        room: shape.pops.max(shape.pushes) as u8,
        imm: if three { 0 } else { i.imm as u32 },
    };
    let program = cx.m.program;
    // SAFETY: the running function's index was checked by the loader.
    let function = unsafe { program.functions.get_unchecked(cx.func as usize) };
    let mut operands = Operands::new(&mut slots, n);
    simd::execute(inst, &mut operands, &mut cx.m.memory, &function.vectors)?;
    for (k, &value) in slots[..shape.pushes as usize].iter().enumerate() {
        // SAFETY: the lowering gave the op `pushes` result slots from `dst`.
        unsafe { set(fp, i.dst + k as u32, value) };
    }
    Ok(())
}
