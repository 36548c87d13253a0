//! The precise interpreter: one `match` over the plain ops (one per bytecode instruction),
//! generic over the word and the [`Mode`]. It counts every instruction and calls the
//! inspector before each one; the debugger, traces, the last few instructions before the
//! instruction limit and the register engine's rare instructions (one step at a time) run
//! here. The register engine (`exec/threaded`) runs everything else.
//!
//! The loop keeps the position in locals: `code` (the running function's ops), `ip` (the
//! next op), `sp` (one past the top slot) and `fp` (local 0), the last two as raw pointers
//! into the value stack. The verifier's proofs make unchecked access sound:
//!
//! * **ops**: every reachable path ends in `JMP`, `RET`, `HALT` or `UNREACHABLE` and every
//!   jump target is an instruction (resolved to an op index by the loader), so `ip` always
//!   indexes the running function's code;
//! * **operands**: at each instruction the operand-stack height is the same on every path,
//!   at least the instruction's pops and at most `max_stack` after its pushes;
//! * **frames**: `CALL` reserves `params + locals + max_stack` slots for the callee (checked
//!   against the stack limit, the one thing the verifier cannot know), so a push never needs
//!   a capacity check;
//! * **indices**: local, global and function operands are in range (the loader checks them
//!   again when it resolves them).
//!
//! What the verifier cannot prove is checked here: memory bounds, division, the stack limit
//! and call depth at each call, the instruction limit and the interrupt flag (time limit,
//! see `crate::limits`) at each instruction, and ALLOC/FREE.

use super::db;
use super::operand::{address, length};
use super::syscall::{self, Flow, HostAccess};
use super::{Exit, Frame, Machine};
use super::{bigint, crypto};
use super::{simd, typed};
use crate::code::Op;
use crate::inspect::{Control, Inspector};
use crate::lane_op;
use crate::state::StateStore;
use crate::trap::TrapKind;
use crate::word::Word;
use crate::word_op;
use std::ptr;
use std::sync::atomic::Ordering;

/// How the precise interpreter is driven; the loop is monomorphised for each mode.
pub(super) trait Mode {
    /// Stop after one instruction (the register engine's single steps).
    const ONE_STEP: bool;
    /// Called before each instruction, with the machine's position saved.
    fn inspect<W: Word>(&mut self, machine: &Machine<'_, W>) -> Control;
}

/// Runs until the end, calling an optional inspector before every instruction.
pub(super) struct Inspected<'i> {
    /// The inspector, if any.
    pub(super) inspector: Option<&'i mut dyn Inspector>,
}

impl Mode for Inspected<'_> {
    const ONE_STEP: bool = false;

    fn inspect<W: Word>(&mut self, machine: &Machine<'_, W>) -> Control {
        match self.inspector.as_deref_mut() {
            Some(inspector) => machine.with_view(|view| inspector.before_instruction(view)),
            None => Control::Continue,
        }
    }
}

/// Runs exactly one instruction and stops before the next ([`Exit::Stopped`]).
pub(super) struct OneStep;

impl Mode for OneStep {
    const ONE_STEP: bool = true;

    fn inspect<W: Word>(&mut self, _: &Machine<'_, W>) -> Control {
        Control::Continue
    }
}

/// Runs plain code from the machine's saved position until the program finishes, traps,
/// is stopped by the inspector or (one-step mode) has run one instruction. On return the
/// machine's position is the instruction that ended the loop (the next one after a step).
pub(super) fn execute<W: Word, M: Mode>(
    m: &mut Machine<'_, W>,
    mode: &mut M,
) -> Result<Exit, TrapKind> {
    let program = m.program;
    let mut func = m.func;
    // SAFETY: `func` is the entry function (checked by the loader) or a saved position.
    let mut function = unsafe { program.functions.get_unchecked(func as usize) };
    let mut code: *const Op<W> = function.plain.as_ptr();
    let mut ip = m.ip as usize;
    let mut fuel = m.fuel;
    let mut base: *mut W = m.stack.as_mut_ptr();
    // SAFETY: the saved `fp` and `sp` are within the stack (they were derived from it).
    let mut fp: *mut W = unsafe { base.add(m.fp) };
    // SAFETY: as above.
    let mut sp: *mut W = unsafe { base.add(m.sp) };

    // Writes the position back to the machine; `$at` is the op index to save.
    macro_rules! save {
        ($at:expr) => {{
            m.func = func;
            m.ip = $at as u32;
            m.fuel = fuel;
            // SAFETY: `fp` and `sp` point into the stack allocation that starts at `base`.
            m.fp = unsafe { fp.offset_from(base) } as usize;
            // SAFETY: as above.
            m.sp = unsafe { sp.offset_from(base) } as usize;
        }};
    }
    // Stops with a trap at the current op.
    macro_rules! fault {
        ($kind:expr) => {{
            let kind = $kind;
            save!(ip - 1);
            return Err(kind);
        }};
    }
    // Unwraps a result or traps with its error.
    macro_rules! check {
        ($result:expr) => {
            match $result {
                Ok(value) => value,
                Err(kind) => fault!(kind),
            }
        };
    }
    // Removes and returns the top slot.
    macro_rules! pop {
        () => {{
            // SAFETY: the verifier proved the height covers this instruction's pops.
            unsafe {
                sp = sp.sub(1);
                *sp
            }
        }};
    }
    // Pushes a slot.
    macro_rules! push {
        ($value:expr) => {{
            let value = $value;
            // SAFETY: the verifier proved the height stays within `max_stack`, and the
            // frame reserved `max_stack` operand slots.
            unsafe {
                *sp = value;
                sp = sp.add(1);
            }
        }};
    }
    // Reads the slot `$depth` below the top (0 = top).
    macro_rules! peek {
        ($depth:expr) => {{
            let depth = $depth as usize;
            // SAFETY: the verifier proved the height covers this instruction's pops.
            unsafe { *sp.sub(depth + 1) }
        }};
    }
    // Replaces the top slot.
    macro_rules! set_top {
        ($value:expr) => {{
            let value = $value;
            // SAFETY: the verifier proved the height is at least 1 here.
            unsafe { *sp.sub(1) = value }
        }};
    }
    // Replaces the top slot with `f(top)`.
    macro_rules! unary {
        (|$a:ident| $e:expr) => {{
            let $a = peek!(0);
            set_top!($e);
        }};
    }
    // Pops b, replaces a with `f(a, b)`.
    macro_rules! binary {
        (|$a:ident, $b:ident| $e:expr) => {{
            let $b = pop!();
            let $a = peek!(0);
            set_top!($e);
        }};
    }
    // Pops c and b, replaces a with `f(a, b, c)`.
    macro_rules! ternary {
        (|$a:ident, $b:ident, $c:ident| $e:expr) => {{
            let $c = pop!();
            let $b = pop!();
            let $a = peek!(0);
            set_top!($e);
        }};
    }
    // The local slot `$index`.
    macro_rules! local {
        ($index:expr) => {{
            let index = $index as usize;
            // SAFETY: the verifier (and the loader) proved the local index is below
            // params + locals, which the frame holds from `fp`; no other reference to the
            // slot is live.
            unsafe { &mut *fp.add(index) }
        }};
    }
    // Switches the running function (after a call or return).
    macro_rules! enter {
        ($func:expr, $ip:expr) => {{
            func = $func;
            // SAFETY: function indices are checked by the loader; frames save valid ones.
            function = unsafe { program.functions.get_unchecked(func as usize) };
            code = function.plain.as_ptr();
            ip = $ip as usize;
        }};
    }
    // Runs a handler outside the loop on the saved state (see `slow_path`), then reloads
    // the stack pointer and fuel. A fuel shortfall leaves the instruction unpaid, as the
    // loop's own instruction-limit check does.
    macro_rules! slow_path {
        ($handler:expr) => {{
            save!(ip - 1);
            match $handler {
                Ok(()) => {
                    fuel = m.fuel;
                    // SAFETY: the handler kept `m.sp` within the frame's reserved slots.
                    sp = unsafe { base.add(m.sp) };
                }
                Err(kind) => {
                    if kind.is_before_instruction() {
                        m.fuel += 1;
                    }
                    return Err(kind);
                }
            }
        }};
    }
    // Loads `$n` bytes at the popped address plus offset and converts them with `$conv`.
    macro_rules! load {
        ($n:literal, $offset:expr, |$raw:ident| $conv:expr) => {{
            let addr = check!(address(peek!(0), $n));
            let bytes = check!(m.memory.load::<$n>(addr, $offset));
            let mut wide = [0u8; 8];
            wide[..$n].copy_from_slice(&bytes);
            let $raw = u64::from_le_bytes(wide);
            set_top!($conv);
        }};
    }
    // Stores the low `$n` bytes of the popped value at the popped address plus offset.
    macro_rules! store {
        ($n:literal, $offset:expr) => {{
            let value = pop!();
            let addr = check!(address(pop!(), $n));
            let bytes = value.low_u64().to_le_bytes();
            let mut narrow = [0u8; $n];
            narrow.copy_from_slice(&bytes[..$n]);
            check!(m.memory.store::<$n>(addr, $offset, narrow));
        }};
    }

    // Calls function `$callee_index` (after its parameters were left on the stack).
    macro_rules! call {
        ($callee_index:expr) => {{
            let callee_index: u32 = $callee_index;
            // SAFETY: function indices are checked by the loader.
            let callee = unsafe { program.functions.get_unchecked(callee_index as usize) };
            if m.frames.len() + 1 >= m.limits.call_depth {
                fault!(TrapKind::CallDepthExceeded);
            }
            // SAFETY: the verifier proved the caller's height covers the callee's params.
            let callee_fp = unsafe { sp.sub(callee.params as usize) };
            // SAFETY: `callee_fp` is within the stack allocation starting at `base`.
            let callee_base = unsafe { callee_fp.offset_from(base) } as usize;
            let need = callee_base + callee.frame_slots;
            if need > m.stack.len() {
                if need > m.limits.stack_slots {
                    fault!(TrapKind::StackOverflow);
                }
                save!(ip - 1);
                m.grow_stack(need);
                base = m.stack.as_mut_ptr();
                // SAFETY: the saved `fp` is below the (grown) stack length.
                fp = unsafe { base.add(m.fp) };
            }
            m.frames.push(Frame {
                func,
                ret_ip: ip as u32,
                // SAFETY: `fp` is within the stack allocation starting at `base`.
                fp: unsafe { fp.offset_from(base) } as usize,
                code: 0,
            });
            // SAFETY: the stack holds `need` slots from `base`, which covers the
            // callee's params, locals and max_stack from `callee_base`.
            unsafe {
                fp = base.add(callee_base);
                sp = fp.add(callee.params as usize);
                for _ in 0..callee.locals {
                    *sp = W::ZERO;
                    sp = sp.add(1);
                }
            }
            enter!(callee_index, 0);
        }};
    }

    let mut stepped = false;
    loop {
        if M::ONE_STEP && stepped {
            save!(ip);
            return Ok(Exit::Stopped);
        }
        stepped = true;
        if fuel == 0 {
            save!(ip);
            return Err(TrapKind::InstructionLimit);
        }
        if m.interrupt.load(Ordering::Relaxed) {
            save!(ip);
            return Err(m.interruption());
        }
        save!(ip);
        if mode.inspect(m) == Control::Stop {
            return Ok(Exit::Stopped);
        }
        fuel -= 1;
        // SAFETY: `ip` indexes the running function's code (see the module docs).
        let op = unsafe { *code.add(ip) };
        ip += 1;
        match op {
            Op::Nop => {}
            Op::Unreachable => fault!(TrapKind::Unreachable),
            Op::Halt => {
                save!(ip - 1);
                return Ok(Exit::Finished(0));
            }
            Op::Jmp(target) => ip = target as usize,
            Op::Jz(target) => {
                if pop!().is_zero() {
                    ip = target as usize;
                }
            }
            Op::Jnz(target) => {
                if !pop!().is_zero() {
                    ip = target as usize;
                }
            }
            Op::Call(callee_index) => call!(callee_index),
            Op::Ret => {
                let results = function.results as usize;
                // SAFETY: the verifier proved the height is at least `results`; the
                // results move down to `fp`, overlapping allowed.
                unsafe {
                    ptr::copy(sp.sub(results), fp, results);
                    sp = fp.add(results);
                }
                match m.frames.pop() {
                    Some(frame) => {
                        // SAFETY: the frame's `fp` was derived from the stack.
                        fp = unsafe { base.add(frame.fp) };
                        enter!(frame.func, frame.ret_ip);
                    }
                    None => {
                        let exit_code = if results == 1 {
                            // SAFETY: one result was just stored at `fp`.
                            unsafe { *fp }.low_u64() as u32 as i32
                        } else {
                            0
                        };
                        save!(ip - 1);
                        return Ok(Exit::Finished(exit_code));
                    }
                }
            }
            Op::Push(value) => push!(value),
            Op::PushPair(constant) => {
                // SAFETY: constant indices are checked by the loader; `pairs` has one entry
                // per constant.
                let [addr, len] = *unsafe { program.pairs.get_unchecked(constant as usize) };
                push!(addr);
                push!(len);
            }
            Op::Pop => {
                let _ = pop!();
            }
            Op::Dup => push!(peek!(0)),
            Op::Swap => {
                let b = pop!();
                let a = peek!(0);
                set_top!(b);
                push!(a);
            }
            Op::Rot => {
                let c = pop!();
                let b = pop!();
                let a = peek!(0);
                set_top!(b);
                push!(c);
                push!(a);
            }
            Op::Over => push!(peek!(1)),
            Op::Pick(depth) => push!(peek!(depth)),
            Op::LocalGet(index) => push!(*local!(index)),
            Op::LocalSet(index) => *local!(index) = pop!(),
            Op::LocalTee(index) => *local!(index) = peek!(0),
            Op::GlobalGet(index) => {
                // SAFETY: global indices are checked by the loader.
                push!(*unsafe { m.globals.get_unchecked(index as usize) })
            }
            Op::GlobalSet(index) => {
                let value = pop!();
                // SAFETY: global indices are checked by the loader.
                *unsafe { m.globals.get_unchecked_mut(index as usize) } = value;
            }
            Op::WordBinary(op) => binary!(|a, b| check!(word_op::binary(op, a, b))),
            Op::WordUnary(op) => unary!(|a| word_op::unary(op, a)),
            Op::WordTernary(op) => ternary!(|a, b, c| word_op::ternary(op, a, b, c)),
            Op::Lanes(inst) if inst.op.reads() == 1 => {
                unary!(|a| lane_op::execute(inst.op, inst.width, inst.index, a, W::ZERO))
            }
            Op::Lanes(inst) => {
                binary!(|a, b| lane_op::execute(inst.op, inst.width, inst.index, a, b))
            }
            Op::Load8U(offset) => load!(1, offset, |raw| W::from_u64(raw)),
            Op::Load8S(offset) => load!(1, offset, |raw| W::sign_extend(raw, 8)),
            Op::Load16U(offset) => load!(2, offset, |raw| W::from_u64(raw)),
            Op::Load16S(offset) => load!(2, offset, |raw| W::sign_extend(raw, 16)),
            Op::Load32U(offset) => load!(4, offset, |raw| W::from_u64(raw)),
            Op::Load32S(offset) => load!(4, offset, |raw| W::sign_extend(raw, 32)),
            Op::Load64U(offset) => load!(8, offset, |raw| W::from_u64(raw)),
            Op::Load64S(offset) => load!(8, offset, |raw| W::sign_extend(raw, 64)),
            Op::Load(offset) => {
                let addr = check!(address(peek!(0), W::BYTES as u64));
                let bytes = check!(m.memory.load_bytes(addr, offset, W::BYTES));
                set_top!(W::from_le_slice(bytes));
            }
            Op::Store8(offset) => store!(1, offset),
            Op::Store16(offset) => store!(2, offset),
            Op::Store32(offset) => store!(4, offset),
            Op::Store64(offset) => store!(8, offset),
            Op::Store(offset) => {
                let value = pop!();
                let addr = check!(address(pop!(), W::BYTES as u64));
                let mut bytes = [0u8; 64];
                value.write_le_slice(&mut bytes[..W::BYTES]);
                check!(m.memory.store_bytes(addr, offset, &bytes[..W::BYTES]));
            }
            Op::Alloc => {
                let size = peek!(0);
                let addr = match size.to_address() {
                    Some(size) => m.allocator.alloc(&mut m.memory, size),
                    None => 0,
                };
                set_top!(W::from_u64(addr));
            }
            Op::Free => {
                let addr = pop!();
                let result = match addr.to_address() {
                    Some(addr) => m.allocator.free(addr),
                    None => Err(TrapKind::BadFree {
                        address: addr.low_u64(),
                    }),
                };
                check!(result);
            }
            Op::MemorySize => push!(W::from_u64(m.memory.size_pages())),
            Op::MemoryGrow => {
                let delta = peek!(0);
                let old = delta.to_address().and_then(|d| m.memory.grow(d));
                set_top!(old.map_or(W::ALL_ONES, W::from_u64));
            }
            Op::MemoryCopy => {
                let len = pop!();
                let src = pop!();
                let dst = pop!();
                let len = check!(length(len, dst));
                let src = check!(address(src, len));
                let dst = check!(address(dst, len));
                check!(m.memory.copy(dst, src, len));
            }
            Op::MemoryFill => {
                let len = pop!();
                let byte = pop!();
                let dst = pop!();
                let len = check!(length(len, dst));
                let dst = check!(address(dst, len));
                check!(m.memory.fill(dst, byte.low_u64() as u8, len));
            }
            Op::Syscall(call) => {
                let count = syscall::param_slots::<W>(call);
                let mut slots = [W::ZERO; syscall::MAX_PARAM_SLOTS];
                for slot in slots[..count].iter_mut().rev() {
                    *slot = pop!();
                }
                let mut access = HostAccess {
                    host: &mut *m.host,
                    io: &mut *m.io,
                    memory: &mut m.memory,
                };
                match check!(syscall::dispatch(&mut access, call, &slots[..count])) {
                    Flow::Continue => {}
                    Flow::Push(value) => push!(value),
                    Flow::Exit(code) => {
                        save!(ip - 1);
                        return Ok(Exit::Finished(code));
                    }
                }
            }
            Op::JmpTable(k) => {
                let index = pop!().low_u64() as u32 as usize;
                // SAFETY: the loader made `k` index this function's jump tables.
                let targets = unsafe { function.jump_tables.get_unchecked(k as usize) };
                // The verifier rejects empty jump tables, so the default exists.
                ip = targets[index.min(targets.len() - 1)] as usize;
            }
            Op::CallIndirect(ty, table) => {
                let index = pop!();
                let (callee, _) = check!(m.refs.indirect_callee(program, table, index, ty));
                call!(callee)
            }
            Op::CallHost(import) => {
                // SAFETY: import indices are checked by the loader.
                let (params, results) = *unsafe { program.imports.get_unchecked(import as usize) };
                let mut args = Vec::with_capacity(params as usize);
                for i in (0..params as usize).rev() {
                    args.push(peek!(i).to_imm());
                }
                for _ in 0..params {
                    let _ = pop!();
                }
                m.host.count_host_function();
                let values = check!(m.imports.call_import(
                    import,
                    &args,
                    &mut m.memory,
                    // Shortens the store's object lifetime to this call's borrow.
                    m.state.as_deref_mut().map(|s| s as &mut dyn StateStore)
                ));
                if values.len() != results as usize {
                    fault!(TrapKind::Host(format!(
                        "import {import} returned {} slots, its type has {results}",
                        values.len()
                    )));
                }
                for value in values {
                    match W::from_imm_checked(&value) {
                        Some(w) => push!(w),
                        None => fault!(TrapKind::Host(format!(
                            "import {import} returned a value wider than the word"
                        ))),
                    }
                }
            }
            Op::DropKeep(drop, keep) => {
                let (drop, keep) = (drop as usize, keep as usize);
                // SAFETY: the verifier proved the height covers `drop + keep` slots; the
                // kept slots move down, overlapping allowed.
                unsafe {
                    ptr::copy(sp.sub(keep), sp.sub(keep + drop), keep);
                    sp = sp.sub(drop);
                }
            }
            Op::TableGet(t) => set_top!(check!(m.refs.get(t, peek!(0)))),
            Op::TableSet(t) => {
                let value = pop!();
                let index = pop!();
                check!(m.refs.set(t, index, value));
            }
            Op::TableSize(t) => push!(m.refs.size(t)),
            Op::TableGrow(t) => {
                let delta = pop!();
                let init = peek!(0);
                set_top!(m.refs.grow(t, init, delta));
            }
            Op::TableFill(t) => {
                let len = pop!();
                let value = pop!();
                let start = pop!();
                check!(m.refs.fill(t, start, value, len));
            }
            Op::TableCopy(dst, src) => {
                let len = pop!();
                let s = pop!();
                let d = pop!();
                check!(m.refs.copy(dst, src, d, s, len));
            }
            Op::TableInit(t, e) => {
                let len = pop!();
                let s = pop!();
                let d = pop!();
                check!(m.refs.init(t, e, d, s, len));
            }
            Op::ElemDrop(e) => m.refs.elem_drop(e),
            Op::MemoryInit(d) => {
                let len = pop!();
                let src = pop!();
                let dst = pop!();
                check!(m.refs.memory_init(program, &mut m.memory, d, dst, src, len));
            }
            Op::DataDrop(d) => m.refs.data_drop(d),
            Op::Crypto(op) => slow_path!(crypto::execute(m, op)),
            Op::BigInt(op) => slow_path!(bigint::execute(m, op)),
            Op::Typed(inst) => {
                let pops = usize::from(inst.pops);
                // SAFETY: the verifier proved the height covers the instruction's pops and
                // stays within `max_stack` after its pushes, and the frame reserved
                // `max_stack` operand slots; so the `room` (= max(pops, pushes)) slots from
                // `sp - pops` lie inside the stack, and nothing else refers to them.
                let (start, slots) = unsafe {
                    let start = sp.sub(pops);
                    let slots = std::slice::from_raw_parts_mut(start, usize::from(inst.room));
                    (start, slots)
                };
                let mut operands = typed::Operands::new(slots, pops);
                check!(typed::execute(inst, &mut operands, &mut m.memory));
                // SAFETY: the operands' length is at most `room`, so this stays in bounds.
                sp = unsafe { start.add(operands.len()) };
            }
            Op::Db(op) => slow_path!(db::execute(m, op)),
            Op::Simd(inst) => {
                let pops = usize::from(inst.pops);
                // SAFETY: as for `Op::Typed`: the verifier proved the height covers the
                // pops and stays within `max_stack` after the pushes, so the `room` slots
                // from `sp - pops` lie inside the frame's reserved operand slots.
                let (start, slots) = unsafe {
                    let start = sp.sub(pops);
                    let slots = std::slice::from_raw_parts_mut(start, usize::from(inst.room));
                    (start, slots)
                };
                let mut operands = typed::Operands::new(slots, pops);
                check!(simd::execute(
                    inst,
                    &mut operands,
                    &mut m.memory,
                    &function.vectors
                ));
                // SAFETY: the operands' length is at most `room`, so this stays in bounds.
                sp = unsafe { start.add(operands.len()) };
            }
        }
    }
}
