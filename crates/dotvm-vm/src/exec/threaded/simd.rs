//! The simd128 ops of the register form: one handler per simd opcode (its `OP`
//! parameter). A hot instruction (`exec::simd_hot`) reads its operands straight from their
//! runs of slots and runs its operation inlined; the others gather their operands and call
//! the semantics shared with the precise interpreter (`exec::simd`), which is not inlined
//! (inlined into every handler, building the crate took 20 GB).

use super::ops::{get, set};
use super::{Cx, Inst};
use crate::exec::operand::address;
use crate::exec::simd;
use crate::exec::simd_hot::{self as hot, Form};
use crate::exec::typed::Operands;
use crate::exec::v128::V128;
use crate::simd_op::{MAX_OPERANDS, SimdInst, SimdShape, arch_of_bits, opcode};
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::isa::ValType;

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
    if let Some(form) = const { hot::form(opcode(OP)) } {
        // SAFETY: as for this function.
        return unsafe { run_hot::<W, OP>(form, i, fp, cx) };
    }
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

/// The operands in the run of `len` slots from `base`, ready to be popped.
///
/// # Safety
/// `base..base + len` are slots of the frame at `fp` (read or written by nothing else while
/// the result lives).
#[inline(always)]
unsafe fn run_at<'f, W: Word>(fp: *mut W, base: u32, len: usize) -> Operands<'f, W> {
    // SAFETY: the caller guarantees the run lies in the frame.
    let slots = unsafe { std::slice::from_raw_parts_mut(fp.add(base as usize), len) };
    Operands::new(slots, len)
}

/// The `len` result slots from `dst`, ready to be pushed to.
///
/// # Safety
/// As for [`run_at`].
#[inline(always)]
unsafe fn result_at<'f, W: Word>(fp: *mut W, dst: u32, len: usize) -> Operands<'f, W> {
    // SAFETY: the caller guarantees the slots lie in the frame.
    let slots = unsafe { std::slice::from_raw_parts_mut(fp.add(dst as usize), len) };
    Operands::new(slots, 0)
}

/// The vector in the run of slots from `base`: on a little-endian host the run's bytes are
/// the vector's, as [`Operands::v128`] reads them (the least significant slot first; a word
/// of 128 bits or more holds it in its low bytes, and the wide words are `repr(transparent)`
/// arrays of little-endian limbs).
///
/// # Safety
/// The run (`ValType::V128.slots` slots from `base`) lies in the frame at `fp`.
#[inline(always)]
unsafe fn vector_at<W: Word>(fp: *mut W, base: u32) -> V128 {
    #[cfg(target_endian = "little")]
    {
        const { assert!(size_of::<W>() * 8 == W::BITS as usize) };
        // SAFETY: the caller guarantees the run, at least 16 bytes, lies in the frame; the
        // read has no alignment requirement.
        unsafe { fp.add(base as usize).cast::<V128>().read_unaligned() }
    }
    #[cfg(not(target_endian = "little"))]
    {
        let len = const { ValType::V128.slots(arch_of_bits(W::BITS)) as usize };
        // SAFETY: as above.
        unsafe { run_at(fp, base, len).v128() }
    }
}

/// Writes `v` to the slots from `dst` as [`Operands::push_v128`] does (zero above the low
/// 16 bytes of a wide word).
///
/// # Safety
/// As for [`vector_at`].
#[inline(always)]
unsafe fn put_vector<W: Word>(fp: *mut W, dst: u32, v: V128) {
    #[cfg(target_endian = "little")]
    {
        const { assert!(size_of::<W>() * 8 == W::BITS as usize) };
        // SAFETY: as for `vector_at`.
        unsafe {
            let slot = fp.add(dst as usize);
            if size_of::<W>() > size_of::<V128>() {
                slot.write(W::ZERO);
            }
            slot.cast::<V128>().write_unaligned(v);
        }
    }
    #[cfg(not(target_endian = "little"))]
    {
        let len = const { ValType::V128.slots(arch_of_bits(W::BITS)) as usize };
        // SAFETY: as above.
        unsafe { result_at(fp, dst, len).push_v128(v) };
    }
}

/// Runs hot simd opcode `OP` (of form `form`) as op `i`: the operands are read from their
/// runs (`a`, then `b`), the operation is `exec::simd_hot`'s with the opcode fixed, and
/// the result goes to the slots from `dst`; the lane index is `imm`'s bits 32-39 and a
/// memory offset or vector pool index its low 32 bits (as in [`run`]).
///
/// # Safety
/// As for [`run`].
#[inline(always)]
unsafe fn run_hot<W: Word, const OP: u16>(
    form: Form,
    i: &Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Result<(), TrapKind> {
    // The slots of each type on this word.
    let (i32s, i64s) = const {
        let arch = arch_of_bits(W::BITS);
        (
            ValType::I32.slots(arch) as usize,
            ValType::I64.slots(arch) as usize,
        )
    };
    let op = const { opcode(OP) };
    let (offset, lane) = (i.imm as u32, usize::from((i.imm >> 32) as u8));
    // SAFETY (every block below): the lowering made `a` and `b` the runs of the operands
    // of the types the instruction table gives this form (checked by `simd_hot`'s tests)
    // and gave the result its slots from `dst`; each run is used once, before the next.
    unsafe {
        match form {
            Form::Binary => {
                let a = vector_at(fp, i.a);
                let b = vector_at(fp, i.b);
                put_vector(fp, i.dst, hot::binary(op, a, b));
            }
            Form::Shuffle => {
                let a = vector_at(fp, i.a);
                let b = vector_at(fp, i.b);
                let program = cx.m.program;
                // The running function's index was checked by the loader.
                let function = program.functions.get_unchecked(cx.func as usize);
                let lanes = function.vectors.get(offset as usize).copied();
                let r = hot::shuffle(op, a, b, &lanes.unwrap_or_default());
                put_vector(fp, i.dst, r);
            }
            Form::Unary => {
                let a = vector_at(fp, i.a);
                put_vector(fp, i.dst, hot::unary(op, a));
            }
            Form::Shift => {
                let a = vector_at(fp, i.a);
                let n = run_at(fp, i.b, i32s).i32();
                put_vector(fp, i.dst, hot::shift(op, a, n));
            }
            Form::Splat32 => {
                let x = run_at(fp, i.a, i32s).i32();
                put_vector(fp, i.dst, hot::splat32(op, x));
            }
            Form::Splat64 => {
                let x = run_at(fp, i.a, i64s).i64();
                put_vector(fp, i.dst, hot::splat64(op, x));
            }
            Form::Extract32 => {
                let a = vector_at(fp, i.a);
                result_at(fp, i.dst, i32s).push_i32(hot::extract32(op, a, lane));
            }
            Form::Extract64 => {
                let a = vector_at(fp, i.a);
                result_at(fp, i.dst, i64s).push_i64(hot::extract64(op, a, lane));
            }
            Form::Replace32 => {
                let v = vector_at(fp, i.a);
                let x = run_at(fp, i.b, i32s).i32();
                put_vector(fp, i.dst, hot::replace32(op, v, x, lane));
            }
            Form::Load16 => {
                let bytes = cx.m.memory.load::<16>(address(get(fp, i.a), 16)?, offset)?;
                put_vector(fp, i.dst, hot::load16(op, bytes));
            }
            Form::Load8 => {
                let bytes = cx.m.memory.load::<8>(address(get(fp, i.a), 8)?, offset)?;
                put_vector(fp, i.dst, hot::load8(op, bytes));
            }
            Form::Load4 => {
                let bytes = cx.m.memory.load::<4>(address(get(fp, i.a), 4)?, offset)?;
                put_vector(fp, i.dst, hot::load4(op, bytes));
            }
            Form::Store16 => {
                let addr = address(get(fp, i.a), 16)?;
                let v = vector_at(fp, i.b);
                cx.m.memory.store::<16>(addr, offset, hot::store16(op, v))?;
            }
        }
    }
    Ok(())
}
