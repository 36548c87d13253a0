//! Control handlers: block charges, jumps and fused compare-and-branch, calls and
//! returns, and the single steps through the precise interpreter.

use super::ops::{get, set, typed_eval};
use super::{Cx, FUEL_CHUNK, Inst, Next, finish, next, trap};
use crate::exec::interp::{self, OneStep};
use crate::exec::{Exit, Frame};
use crate::load::FuncCode;
use crate::trap::TrapKind;
use crate::typed_op::TypedOp;
use crate::word::Word;
use crate::word_op::{self, WordBinary};
use std::sync::atomic::Ordering;

/// Native stack the engine may use before it unwinds to its loop (see [`charge`]).
#[cfg(dotvm_tail_calls)]
pub(super) const NATIVE_STACK_BUDGET: usize = 256 * 1024;

/// Times the engine unwound its native stack to its loop (stays zero when every handler's
/// dispatch became a jump); counted in test builds.
#[cfg(all(test, dotvm_tail_calls))]
pub(super) static NATIVE_UNWINDS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0);

/// The native stack pointer.
#[cfg(dotvm_tail_calls)]
#[inline(always)]
pub(super) fn native_stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register into a general register; touches no memory.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    // SAFETY: as above.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Pays for the block that starts here (`imm` instructions) from the current fuel chunk.
/// When the chunk cannot pay, [`charge_slowly`] starts a new one (or stops with
/// [`Exit::OutOfFuel`] so the run finishes in the precise interpreter) and reads the
/// interrupt flag. With tail calls it also bounds the native stack: should some handler
/// not have become a jump, the frames it left are unwound by returning to the loop in
/// `run` once they pass [`NATIVE_STACK_BUDGET`].
pub(super) unsafe fn charge<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is a block's `Charge`.
    unsafe { enter_block(ip, fp, cx) }
}

/// Runs the `Charge` at `ip` in the handler that continues there: jumps and branches,
/// whose targets and fall-through ops are always block starts, pay for the block they
/// enter themselves, saving the charge's own dispatch.
///
/// # Safety
/// `ip` must be a `Charge` op of the running function.
#[inline(always)]
pub(super) unsafe fn enter_block<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function.
    let count = unsafe { (*ip).imm };
    #[cfg(dotvm_tail_calls)]
    let deep = native_stack_pointer() < cx.native_floor;
    #[cfg(not(dotvm_tail_calls))]
    let deep = false;
    if count > cx.fuel || deep {
        return charge_slowly(ip, fp, cx);
    }
    cx.fuel -= count;
    // SAFETY: a block's `Charge` is followed by the block's ops.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// [`charge`] when the fuel chunk runs short (a new chunk starts, or the run stops when
/// the fuel left cannot pay; then the interrupt flag is read: when raised, the block is
/// paid and the run traps at its start) or the native stack is deep.
#[cold]
#[inline(never)]
fn charge_slowly<W: Word>(ip: *const Inst<W>, fp: *mut W, cx: &mut Cx<'_, '_, W>) -> Next<W> {
    // SAFETY: `ip` is an op of the running function.
    let count = unsafe { (*ip).imm };
    let total = cx.fuel_left();
    if count > total {
        return out_of_fuel(ip, fp, cx);
    }
    let chunk = total.min(FUEL_CHUNK.max(count));
    cx.fuel = chunk - count;
    cx.reserve = total - chunk;
    if cx.interrupt.load(Ordering::Relaxed) {
        return trap(ip, fp, cx, cx.m.interruption());
    }
    if cx.native.is_none() {
        cx.native = cx.tier.and_then(|tier| tier.native());
    }
    #[cfg(all(test, dotvm_tail_calls))]
    if native_stack_pointer() < cx.native_floor {
        NATIVE_UNWINDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    // SAFETY: as in `charge`.
    Next::at(unsafe { ip.add(1) }, fp)
}

/// Stops before the block at `ip`, which the fuel left cannot pay for.
#[cold]
#[inline(never)]
fn out_of_fuel<W: Word>(ip: *const Inst<W>, fp: *mut W, cx: &mut Cx<'_, '_, W>) -> Next<W> {
    cx.save(ip, fp);
    // SAFETY: `ip` is an op of the running function.
    let stack_end = unsafe { (*ip).a };
    cx.m.sp = cx.m.fp + stack_end as usize;
    cx.end = Ok(Exit::OutOfFuel);
    Next::stop()
}

/// Jumps to op `dst`.
pub(super) unsafe fn jmp<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `dst` is an op index of the running function, a block's `Charge`.
    unsafe { enter_block(cx.code.add((*ip).dst as usize), fp, cx) }
}

/// Continues at op `dst` when `taken`, else with the next op (each a block's `Charge`,
/// paid here).
#[inline(always)]
unsafe fn branch<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    taken: bool,
) -> Next<W> {
    // SAFETY: `dst` is an op index of the running function, a block's `Charge`; a
    // conditional branch is followed by the next block's `Charge`.
    unsafe {
        let next = if taken {
            cx.code.add((*ip).dst as usize)
        } else {
            ip.add(1)
        };
        enter_block(next, fp, cx)
    }
}

/// Defines conditional branches: `$condition` (inside one `unsafe` block, with the op
/// `i`, the frame `fp` and the context `cx`) is compared with `WHEN`.
macro_rules! branches {
    ($(
        $(#[$doc:meta])*
        fn $name:ident<$($param:ident: $kind:ty),*>(|$i:ident, $fp:ident, $cx:ident| $condition:expr);
    )*) => {$(
        $(#[$doc])*
        pub(super) unsafe fn $name<W: Word, $(const $param: $kind,)* const WHEN: bool>(
            ip: *const Inst<W>,
            $fp: *mut W,
            $cx: &mut Cx<'_, '_, W>,
        ) -> Next<W> {
            // SAFETY: `ip` is an op of the running function and its slot operands lie in
            // the frame.
            let holds: bool = unsafe {
                let $i = &*ip;
                $condition
            };
            // SAFETY: as above.
            unsafe { branch(ip, $fp, $cx, holds == WHEN) }
        }
    )*};
}

branches! {
    /// Branches on slot `a` being non-zero.
    fn br_if<>(|i, fp, _cx| !get(fp, i.a).is_zero());
    /// Branches on a word comparison of two slots.
    fn br_word<OP: u16>(|i, fp, _cx| {
        let (a, b) = (get(fp, i.a), get(fp, i.b));
        word_op::binary(WordBinary::ALL[OP as usize], a, b).is_ok_and(|r| !r.is_zero())
    });
    /// Branches on a word comparison of a slot and an immediate.
    fn br_word_imm<OP: u16>(|i, fp, _cx| {
        let (a, b) = (get(fp, i.a), W::from_u64(i.imm));
        word_op::binary(WordBinary::ALL[OP as usize], a, b).is_ok_and(|r| !r.is_zero())
    });
    /// Writes a word comparison of two slots to slot `imm`, then branches on it.
    fn br_word_keep<OP: u16>(|i, fp, _cx| {
        let (a, b) = (get(fp, i.a), get(fp, i.b));
        keep_comparison(fp, i.imm as u32, WordBinary::ALL[OP as usize], a, b)
    });
    /// Writes a word comparison of a slot and an immediate to slot `b`, then branches on
    /// it.
    fn br_word_imm_keep<OP: u16>(|i, fp, _cx| {
        let (a, b) = (get(fp, i.a), W::from_u64(i.imm));
        keep_comparison(fp, i.b, WordBinary::ALL[OP as usize], a, b)
    });
    /// Branches on a typed test (`eqz`) of a slot.
    fn br_test<OP: u16>(|i, fp, cx| {
        let operands = [get(fp, i.a), W::ZERO, W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 1, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Branches on a typed comparison of two slots.
    fn br_compare<OP: u16>(|i, fp, cx| {
        let operands = [get(fp, i.a), get(fp, i.b), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Branches on a typed comparison of a slot and an immediate.
    fn br_compare_imm<OP: u16>(|i, fp, cx| {
        let operands = [get(fp, i.a), W::from_u64(i.imm), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by `imm` (`I32_ADD`), then branches on a typed
    /// comparison of it with slot `b`.
    fn br_add_compare<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, i.imm);
        let operands = [counter, get(fp, i.b), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by the low half of `imm` (`I32_ADD`), then branches
    /// on a typed comparison of it with the high half.
    fn br_add_compare_imm<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, i.imm & 0xFFFF_FFFF);
        let operands = [counter, W::from_u64(i.imm >> 32), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by `imm` (`I32_ADD`), then branches on a word
    /// comparison of it with slot `b`.
    fn br_add_word<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, i.imm);
        word_op::binary(WordBinary::ALL[OP as usize], counter, get(fp, i.b))
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by the low half of `imm` (`I32_ADD`), then branches
    /// on a word comparison of it with the high half.
    fn br_add_word_imm<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, i.imm & 0xFFFF_FFFF);
        word_op::binary(WordBinary::ALL[OP as usize], counter, W::from_u64(i.imm >> 32))
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by slot `b` (`I32_ADD`), then branches on a typed
    /// comparison of it with `imm`.
    fn br_step_compare_imm<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, get(fp, i.b).low_u64());
        let operands = [counter, W::from_u64(i.imm), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory)
            .is_ok_and(|r| !r.is_zero())
    });
    /// Steps the counter in slot `a` by slot `b` (`I32_ADD`), then branches on a word
    /// comparison of it with `imm`.
    fn br_step_word_imm<OP: u16>(|i, fp, cx| {
        let counter = step_counter(i, fp, cx, get(fp, i.b).low_u64());
        word_op::binary(WordBinary::ALL[OP as usize], counter, W::from_u64(i.imm))
            .is_ok_and(|r| !r.is_zero())
    });
}

/// Writes comparison `op` of `a` and `b` (1 or 0, as the unfused op wrote it) to slot
/// `slot` and returns whether it holds.
///
/// # Safety
/// `slot` must be a slot of the frame at `fp`.
#[inline(always)]
unsafe fn keep_comparison<W: Word>(fp: *mut W, slot: u32, op: WordBinary, a: W, b: W) -> bool {
    // A comparison cannot fail.
    let result = word_op::binary(op, a, b).unwrap_or(W::ZERO);
    // SAFETY: as the caller guarantees.
    unsafe { set(fp, slot, result) };
    !result.is_zero()
}

/// `a = i32(a + addend)` (an `I32_ADD`, which reads the low 32 bits of each and cannot
/// fail) for a fused counter step; returns the new value.
///
/// # Safety
/// `a` must be a slot of the frame at `fp`.
#[inline(always)]
unsafe fn step_counter<W: Word>(i: &Inst<W>, fp: *mut W, cx: &mut Cx<'_, '_, W>, addend: u64) -> W {
    // SAFETY: as the caller guarantees.
    let operands = [unsafe { get(fp, i.a) }, W::from_u64(addend), W::ZERO];
    let sum = typed_eval(TypedOp::I32Add, 0, operands, 2, &mut cx.m.memory).unwrap_or(W::ZERO);
    // SAFETY: as above.
    unsafe { set(fp, i.a, sum) };
    sum
}

/// Jumps through jump table `b` by the index in slot `a` (the last entry is the default).
pub(super) unsafe fn jmp_table<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function, `a` a slot of its frame and `b` one
    // of its jump tables, which are never empty and hold op indices of its code.
    let next = unsafe {
        let i = &*ip;
        let index = get(fp, i.a).low_u64() as u32 as usize;
        let function = cx.functions.get_unchecked(cx.func as usize);
        let targets = function.reg.jump_tables.get_unchecked(i.b as usize);
        cx.code
            .add(*targets.get_unchecked(index.min(targets.len() - 1)) as usize)
    };
    // SAFETY: jump table entries are block starts.
    unsafe { enter_block(next, fp, cx) }
}

/// Calls function `a` with its frame at slot `b`.
pub(super) unsafe fn call<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function.
    let (callee, base) = unsafe { ((*ip).a, (*ip).b) };
    // SAFETY: the callee index was checked by the loader; `base` is where the caller's
    // operand stack holds the parameters.
    unsafe { enter_function(ip, fp, cx, callee, base) }
}

/// `dst = slot imm` (or, when `IMM`, `dst = imm`), then calls function `a` with its
/// frame at slot `b` ([`crate::reg::CallFirst`]).
pub(super) unsafe fn call_after<W: Word, const IMM: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `dst` (and `imm` unless `IMM`) are
    // slots of its frame; the callee and `base` are as for `call`.
    unsafe {
        let i = &*ip;
        let first = if IMM {
            W::from_u64(i.imm)
        } else {
            get(fp, i.imm as u32)
        };
        set(fp, i.dst, first);
        enter_function(ip, fp, cx, i.a, i.b)
    }
}

/// Calls through table `imm` the function of canonical type `a` at the index in slot
/// `dst`, with its frame at slot `b`.
pub(super) unsafe fn call_indirect<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `dst` is a slot of its frame.
    let (ty, base, table, index) = unsafe {
        let i = &*ip;
        (i.a, i.b, i.imm as u32, get(fp, i.dst))
    };
    match cx.m.refs.indirect_callee(cx.m.program, table, index, ty) {
        // SAFETY: `indirect_callee` returns existing functions only.
        Ok((callee, function)) => unsafe { enter(ip, fp, cx, callee, function, base) },
        Err(kind) => trap(ip, fp, cx, kind),
    }
}

/// Stops with [`TrapKind::CallDepthExceeded`] at the call at `ip`.
#[cold]
#[inline(never)]
fn call_depth_exceeded<W: Word>(ip: *const Inst<W>, fp: *mut W, cx: &mut Cx<'_, '_, W>) -> Next<W> {
    trap(ip, fp, cx, TrapKind::CallDepthExceeded)
}

/// Enters function `callee` with its frame at slot `base` of the caller's frame `fp`.
///
/// # Safety
/// As for [`enter`], and `callee` must exist.
#[inline(always)]
unsafe fn enter_function<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    callee: u32,
    base: u32,
) -> Next<W> {
    // SAFETY: the caller guarantees the callee exists.
    let function = unsafe { cx.functions.get_unchecked(callee as usize) };
    // SAFETY: as the caller guarantees.
    unsafe { enter(ip, fp, cx, callee, function, base) }
}

/// Enters `callee` (whose code is `function`) with its frame at slot `base` of the
/// caller's frame `fp`.
///
/// # Safety
/// The caller's slots from `base` must hold the callee's parameters.
#[inline(always)]
unsafe fn enter<'a, W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, 'a, W>,
    callee: u32,
    function: &'a FuncCode<W>,
    base: u32,
) -> Next<W> {
    let depth = cx.m.frames.len();
    if depth + 1 >= cx.call_depth {
        return call_depth_exceeded(ip, fp, cx);
    }
    if cx.native.is_some() {
        return super::tier::call_native(ip, fp, cx, callee, base);
    }
    let fp_index = cx.frame_index(fp);
    let callee_index = fp_index + base as usize;
    let need = callee_index + function.frame_slots;
    if need > cx.m.stack.len() || depth == cx.m.frames.capacity() {
        return grow_and_enter(ip, fp, cx, callee, base, need);
    }
    let ret_ip = cx.index(ip) + 1;
    let frame = Frame {
        func: cx.func,
        ret_ip,
        fp: fp_index,
        code: cx.code as usize,
    };
    // SAFETY: the frame stack has room for one more frame (checked above), which this
    // writes before counting it.
    unsafe {
        cx.m.frames.as_mut_ptr().add(depth).write(frame);
        cx.m.frames.set_len(depth + 1);
    }
    // SAFETY: the stack holds `need` slots, which covers the callee's frame.
    let callee_fp = unsafe {
        let callee_fp = fp.add(base as usize);
        zero_slots(
            callee_fp.add(function.params as usize),
            function.locals as usize,
        );
        callee_fp
    };
    cx.func = callee;
    cx.code = function.threaded.as_ptr();
    // SAFETY: a function's code starts with its first block's `Charge`.
    unsafe { enter_block(cx.code, callee_fp, cx) }
}

/// Zeroes the `n` slots from `first` (a callee's declared locals), two slots per loop
/// step. The stores are volatile so that LLVM does not make them a `memset` call: a call
/// would make `enter` save and restore registers on every guest call, which costs more
/// than the stores of a typical frame. (They store one word each: a volatile store of a
/// pair `[W; 2]` went through a temporary on the native stack, three instructions per
/// pair and a stack frame for the handler.)
///
/// # Safety
/// The `n` slots from `first` must lie in the value stack.
#[inline(always)]
unsafe fn zero_slots<W: Word>(first: *mut W, n: usize) {
    for k in 0..n / 2 {
        // SAFETY: as the caller guarantees.
        unsafe {
            std::ptr::write_volatile(first.add(2 * k), W::ZERO);
            std::ptr::write_volatile(first.add(2 * k + 1), W::ZERO);
        }
    }
    if n % 2 == 1 {
        // SAFETY: as the caller guarantees.
        unsafe { std::ptr::write_volatile(first.add(n - 1), W::ZERO) };
    }
}

/// Makes room for a call, then enters: grows the value stack to `need` slots (or traps at
/// the stack limit) and the frame stack by one frame, as needed (out of line, so that the
/// common call makes no function call).
#[cold]
#[inline(never)]
fn grow_and_enter<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    callee: u32,
    base: u32,
    need: usize,
) -> Next<W> {
    let fp_index = cx.frame_index(fp);
    if need > cx.m.limits.stack_slots {
        return trap(ip, fp, cx, TrapKind::StackOverflow);
    }
    cx.m.frames.reserve(1);
    if need > cx.m.stack.len() {
        cx.m.grow_stack(need);
        cx.base = cx.m.stack.as_mut_ptr();
    }
    // SAFETY: the frame index is below the old length, so within the grown stack.
    let fp = unsafe { cx.base.add(fp_index) };
    // SAFETY: the stack now holds `need` slots and the frame stack room for a frame.
    unsafe { enter_function(ip, fp, cx, callee, base) }
}

/// Returns `RESULTS` results, 0 or 1 (the slot `a`), to the caller (or ends the run): a
/// handler per count, so that the return need not read it.
pub(super) unsafe fn ret<W: Word, const RESULTS: u32>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    if RESULTS == 1 {
        // SAFETY: `ip` is an op of the running function; slot `a` lies in its frame.
        unsafe { *fp = get(fp, (*ip).a) };
    }
    // SAFETY: the result is at local 0.
    unsafe { return_to_caller(ip, fp, cx) }
}

/// Returns the constant `imm` (one result) to the caller (or ends the run).
pub(super) unsafe fn ret_imm<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; local 0 lies in its frame.
    unsafe {
        *fp = W::from_u64((*ip).imm);
        return_to_caller(ip, fp, cx)
    }
}

/// Returns the `b` slots from slot `a` (two or more) to the caller (or ends the run).
pub(super) unsafe fn ret_many<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; slots `a..a + b` lie in its frame
    // and the results move down to local 0 (overlap allowed).
    unsafe {
        let i = &*ip;
        std::ptr::copy(fp.add(i.a as usize), fp, i.b as usize);
        return_to_caller(ip, fp, cx)
    }
}

/// Continues in the caller after the `RET` at `ip` moved its results to local 0 (or ends
/// the run when the entry function returns).
///
/// # Safety
/// `ip` must be a `RET` of the running function, whose results are at `fp`.
#[inline(always)]
unsafe fn return_to_caller<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    match cx.m.frames.pop() {
        Some(frame) => {
            cx.func = frame.func;
            cx.code = frame.code as *const Inst<W>;
            // SAFETY: frames hold valid stack indices and return addresses, and their
            // `code` is the caller's (written by `enter` or when the run started).
            let (next, caller_fp) =
                unsafe { (cx.code.add(frame.ret_ip as usize), cx.base.add(frame.fp)) };
            // SAFETY: a call ends its block, so it returns to the next block's `Charge`.
            unsafe { enter_block(next, caller_fp, cx) }
        }
        None => {
            // SAFETY: `ip` is an op of the running function; its results are at `fp`.
            let exit_code = unsafe {
                if (*ip).b == 1 {
                    (*fp).low_u64() as u32 as i32
                } else {
                    0
                }
            };
            finish(ip, fp, cx, exit_code)
        }
    }
}

/// `HALT`.
pub(super) unsafe fn halt<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    finish(ip, fp, cx, 0)
}

/// `UNREACHABLE`.
pub(super) unsafe fn unreachable<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    trap(ip, fp, cx, TrapKind::Unreachable)
}

/// Runs plain instruction `imm` in the precise interpreter, with the operand stack ending
/// before slot `a`.
pub(super) unsafe fn step<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    match single_step(ip, fp, cx) {
        // SAFETY: a stepped instruction never ends a function's code: its block goes on
        // or the next block starts after it.
        Ok(()) => next!(unsafe { ip.add(1) }, fp, cx),
        Err(stop) => stop,
    }
}

/// The work of [`step`], out of line.
#[inline(never)]
fn single_step<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Result<(), Next<W>> {
    // SAFETY: `ip` is an op of the running function.
    let i = unsafe { &*ip };
    let fp_index = cx.frame_index(fp);
    let fuel = cx.fuel_left();
    let m = &mut *cx.m;
    m.func = cx.func;
    m.ip = i.imm as u32;
    m.fp = fp_index;
    m.sp = fp_index + i.a as usize;
    // The block paid for this instruction; the precise interpreter charges it again.
    m.fuel = fuel + 1;
    let end = interp::execute(m, &mut OneStep);
    let left = m.fuel;
    cx.set_fuel_left(left);
    // The instruction may have grown the memory.
    cx.refresh_memory();
    match end {
        Ok(Exit::Stopped) => Ok(()),
        Ok(Exit::Finished(code)) => Err(finish(ip, fp, cx, code)),
        Ok(Exit::OutOfFuel) => Err(trap(ip, fp, cx, TrapKind::InstructionLimit)),
        Err(kind) => {
            if kind.is_before_instruction() {
                // The precise interpreter leaves the instruction unpaid; it was paid.
                cx.set_fuel_left(cx.fuel_left() - 1);
            }
            Err(trap(ip, fp, cx, kind))
        }
    }
}
