//! The bridge between the runtime and natively compiled code (the `dotvm-jit` crate).
//!
//! A compiler translates the interpreter's own loaded form of a module ([`NativeProgram`]:
//! the decoded instructions with resolved targets, the basic blocks the interpreter charges
//! fuel for, the constants) and runs the result on the interpreter's machine
//! ([`NativeProgram::run`]). The contract for compiled code:
//!
//! * the code of a program is a table `functions`: one entry address per function, then an
//!   entry trampoline `extern "C" fn(ctx: *mut NativeCtx, fp: *mut u8, code: *const u8) ->
//!   u32`, through which the runtime enters function `code` (compiled functions call each
//!   other with the compiler's own convention, passing the fuel and call depth in
//!   registers: the trampoline takes them from the context and writes the fuel back). `fp`
//!   is the function's frame in the value stack (local 0, then the operands; parameters are
//!   there on entry, results go to `fp[0..results]` on return). The trampoline returns 0
//!   after the function's `RET`, and nonzero when the run ended in a bridge call, which
//!   every compiled caller passes on at once;
//! * a slot is [`NativeProgram::slot_bytes`] bytes: the word itself for 32, 64 and 128
//!   bits, and for 256 and 512 bits its 64-bit limbs, least significant first (ruint's
//!   layout); a typed i64 or f64 on Arch32 takes two slots, the low half deeper;
//! * each basic block (as [`NativeFunction::block_end`] delimits them) starts by charging its
//!   instruction count to `fuel`; when the fuel cannot pay, the block is handed to
//!   [`Hooks::precise_block`] with the block's inputs stored (the run ends inside the
//!   block, so the operands below its starting height and the locals it reads before
//!   setting them are all the interpreter reads); after paying, a raised interrupt
//!   flag goes to [`Hooks::interrupted`];
//! * any instruction it does not compile, and any whose inline fast path would trap, goes to
//!   [`Hooks::step`] with the operands stored in the frame: the precise interpreter runs it,
//!   so its effects, fuel and trap are the interpreter's;
//! * a call checks the depth (`depth + 1 >= max_depth`) and stack limits (the callee's frame
//!   must end before `stack_end`) and reports a failure through [`Hooks::trap`];
//!   `CALL_INDIRECT` may look its callee up inline (the tables are [`TableView`]s at
//!   `tables`, valid until the next bridge call) and hands every case it does not call,
//!   with the element index stored, to [`Hooks::resolve_indirect`], which traps as the
//!   interpreter does;
//! * memory accesses are checked against `mem_len` (and stores against `ro_end`) before they
//!   touch memory; `mem_base` and `mem_len` are read again after every bridge call.
//!
//! Only this module and `exec/native.rs` hold the `unsafe` code of the bridge.

use crate::Outcome;
use crate::code::Op;
use crate::error::{LoadError, RunError};
use crate::exec::native;
use crate::exec::session::{CallEnv, Completion};
use crate::host::Host;
use crate::imports::HostFunctions;
use crate::instance::{CallOutcome, Inner, Instance, Parts as InstanceParts};
use crate::io::Io;
use crate::limits::Limits;
use crate::load::{FuncCode, Program};
use crate::loaded::{AnyProgram, LoadedModule};
use crate::state::StateStore;
use crate::word::Word;
use crate::word_op::{WordBinary, WordUnary};
use dotvm_core::{Arch, Imm, Instruction, Opcode, Verified};
use ruint::aliases::{U256, U512};
use std::sync::Arc;

pub use crate::exec::native::{
    NativeCtx, TRAP_CALL_DEPTH, TRAP_NATIVE_STACK, TRAP_STACK_OVERFLOW, TableView, TierSlot,
};

/// The largest value stack, in bytes, a native run reserves up front (compiled code
/// addresses frames directly, so the stack is allocated at its limit before the run).
pub const MAX_STACK_BYTES: u64 = 1 << 30;

/// The loaded program, by word type (shared with the [`LoadedModule`] it came from).
#[derive(Debug)]
enum Loaded {
    /// Arch32.
    Arch32(Arc<Program<u32>>),
    /// Arch64.
    Arch64(Arc<Program<u64>>),
    /// Arch128.
    Arch128(Arc<Program<u128>>),
    /// Arch256.
    Arch256(Arc<Program<U256>>),
    /// Arch512.
    Arch512(Arc<Program<U512>>),
}

/// A module in the interpreter's executable form, for a native compiler.
#[derive(Debug)]
pub struct NativeProgram {
    loaded: Loaded,
}

/// Addresses of the bridge functions compiled code calls, for one word type. Each is an
/// `extern "C"` function; the signatures are given per field (`ptr` is a pointer, `fp` the
/// frame pointer, the rest `u32`).
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// `(ctx, func, index, fp, height) -> status`: runs one instruction in the precise
    /// interpreter on the stored operands; 0 to go on, 1 when the run ended.
    pub step: *const u8,
    /// `(ctx, func, index, fp, height) -> 1`: runs the block starting at `index` precisely
    /// (the fuel cannot pay for it); the run ends inside it.
    pub precise_block: *const u8,
    /// `(ctx, func, index) -> 1`: the interrupt flag was raised at the block start `index`.
    pub interrupted: *const u8,
    /// `(ctx, func, index, code) -> 1`: the call at `index` exceeds a limit
    /// ([`TRAP_CALL_DEPTH`] or [`TRAP_STACK_OVERFLOW`]), or the native stack ran short at
    /// the function's entry ([`TRAP_NATIVE_STACK`]).
    pub trap: *const u8,
    /// `(ctx, func, index, fp, height) -> callee`: resolves the `CALL_INDIRECT` at `index`
    /// (element index on top of the stored operands) and checks the limits; `u32::MAX` when
    /// the run ended with a trap.
    pub resolve_indirect: *const u8,
    /// `(op, a, b) -> status`: the word instruction `op` ([`word_binary_code`]) on the
    /// slots at pointers `a` and `b` with the interpreter's `Word` code, the result into
    /// `a`; 0, or 1 with `a` untouched when it would trap (the instruction is then
    /// stepped). Used for the words Cranelift has no integer type for.
    pub word_binary: *const u8,
    /// `(op, a) -> status`: the word instruction `op` ([`word_unary_code`]) on the slot at
    /// pointer `a`, in place; 0 (or 1 for an unknown `op`, which is then stepped).
    pub word_unary: *const u8,
    /// `(ctx, dst: u64, src: u64, len: u64) -> status`: `MEMORY_COPY` on 32- and 64-bit
    /// words with the interpreter's code; 0, or 1 with memory untouched when it would trap
    /// (the instruction is then stepped).
    pub memory_copy: *const u8,
    /// `(ctx, dst: u64, byte: u64, len: u64) -> status`: `MEMORY_FILL`, as
    /// [`Hooks::memory_copy`].
    pub memory_fill: *const u8,
}

/// The code [`Hooks::word_binary`] takes for a two-operand word instruction (arithmetic,
/// comparison, bitwise, division), or `None` for any other instruction.
pub fn word_binary_code(opcode: Opcode) -> Option<u32> {
    WordBinary::from_opcode(opcode).map(|op| op as u32)
}

/// The code [`Hooks::word_unary`] takes for a one-operand word instruction, or `None`.
pub fn word_unary_code(opcode: Opcode) -> Option<u32> {
    WordUnary::from_opcode(opcode).map(|op| op as u32)
}

impl Hooks {
    /// The hooks of word `W`.
    fn of<W: Word>() -> Hooks {
        Hooks {
            step: native::step::<W> as *const u8,
            precise_block: native::precise_block::<W> as *const u8,
            interrupted: native::interrupted::<W> as *const u8,
            trap: native::trap::<W> as *const u8,
            resolve_indirect: native::resolve_indirect::<W> as *const u8,
            word_binary: native::word_binary::<W> as *const u8,
            word_unary: native::word_unary::<W> as *const u8,
            memory_copy: native::memory_copy::<W> as *const u8,
            memory_fill: native::memory_fill::<W> as *const u8,
        }
    }
}

/// One function of a [`NativeProgram`].
#[derive(Debug, Clone, Copy)]
pub struct NativeFunction<'a> {
    code: FnRef<'a>,
}

/// A function's code, by word type.
#[derive(Debug, Clone, Copy)]
enum FnRef<'a> {
    /// Arch32.
    Arch32(&'a FuncCode<u32>, &'a Program<u32>),
    /// Arch64.
    Arch64(&'a FuncCode<u64>, &'a Program<u64>),
    /// Arch128.
    Arch128(&'a FuncCode<u128>, &'a Program<u128>),
    /// Arch256.
    Arch256(&'a FuncCode<U256>, &'a Program<U256>),
    /// Arch512.
    Arch512(&'a FuncCode<U512>, &'a Program<U512>),
}

/// Evaluates `$e` with `$f` (the function) and `$p` (the program) of any word type.
macro_rules! with_fn {
    ($self:expr, |$f:ident, $p:ident| $e:expr) => {
        match $self.code {
            FnRef::Arch32($f, $p) => $e,
            FnRef::Arch64($f, $p) => $e,
            FnRef::Arch128($f, $p) => $e,
            FnRef::Arch256($f, $p) => $e,
            FnRef::Arch512($f, $p) => $e,
        }
    };
}

/// Evaluates `$e` with `$p` (the program) of any word type.
macro_rules! with_program {
    ($self:expr, |$p:ident| $e:expr) => {
        match &$self.loaded {
            Loaded::Arch32($p) => $e,
            Loaded::Arch64($p) => $e,
            Loaded::Arch128($p) => $e,
            Loaded::Arch256($p) => $e,
            Loaded::Arch512($p) => $e,
        }
    };
}

impl NativeProgram {
    /// The executable form of `loaded`, shared (not loaded again).
    pub fn of(loaded: &LoadedModule) -> NativeProgram {
        let loaded = match loaded.program() {
            AnyProgram::A32(program) => Loaded::Arch32(Arc::clone(program)),
            AnyProgram::A64(program) => Loaded::Arch64(Arc::clone(program)),
            AnyProgram::A128(program) => Loaded::Arch128(Arc::clone(program)),
            AnyProgram::A256(program) => Loaded::Arch256(Arc::clone(program)),
            AnyProgram::A512(program) => Loaded::Arch512(Arc::clone(program)),
        };
        NativeProgram { loaded }
    }

    /// The architecture.
    pub fn arch(&self) -> Arch {
        match self.loaded {
            Loaded::Arch32(_) => Arch::Arch32,
            Loaded::Arch64(_) => Arch::Arch64,
            Loaded::Arch128(_) => Arch::Arch128,
            Loaded::Arch256(_) => Arch::Arch256,
            Loaded::Arch512(_) => Arch::Arch512,
        }
    }

    /// Bytes of one value-stack slot (and of one global): the word's size. A slot of a
    /// 256- or 512-bit word is its 64-bit limbs, least significant first.
    pub fn slot_bytes(&self) -> u32 {
        with_program!(self, |p| slot_bytes(&**p))
    }

    /// Number of functions.
    pub fn function_count(&self) -> u32 {
        with_program!(self, |p| p.functions.len() as u32)
    }

    /// The entry function's index.
    pub fn entry(&self) -> u32 {
        with_program!(self, |p| p.entry)
    }

    /// Function `func` (`func < function_count()`), or `None` when out of range.
    pub fn function(&self, func: u32) -> Option<NativeFunction<'_>> {
        let code = match &self.loaded {
            Loaded::Arch32(p) => FnRef::Arch32(p.functions.get(func as usize)?, p),
            Loaded::Arch64(p) => FnRef::Arch64(p.functions.get(func as usize)?, p),
            Loaded::Arch128(p) => FnRef::Arch128(p.functions.get(func as usize)?, p),
            Loaded::Arch256(p) => FnRef::Arch256(p.functions.get(func as usize)?, p),
            Loaded::Arch512(p) => FnRef::Arch512(p.functions.get(func as usize)?, p),
        };
        Some(NativeFunction { code })
    }

    /// The bridge functions for this program's word.
    pub fn hooks(&self) -> Hooks {
        with_program!(self, |p| hooks_of(&**p))
    }

    /// True when a native run can reserve the value stack `limits` allow (at most
    /// [`MAX_STACK_BYTES`]).
    pub fn stack_fits(&self, limits: &Limits) -> bool {
        (limits.stack_slots as u64)
            .checked_mul(u64::from(self.slot_bytes()))
            .is_some_and(|bytes| bytes <= MAX_STACK_BYTES)
    }

    /// Runs the entry function's native code on a fresh machine for `module` (the module
    /// this program was loaded from) under `limits`, with the capabilities of `host` and
    /// `state` behind the database opcodes, like [`crate::run_hosted`] without an inspector.
    ///
    /// # Safety
    ///
    /// `functions` is code for this program (one entry per function, then the entry
    /// trampoline) that follows the contract in the module documentation (compiled from
    /// it, using this program's [`Hooks`]), and `native_floor` is an address below
    /// which that code never needs the native stack (its stack check traps first).
    /// `self.stack_fits(limits)` must hold.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn run(
        &self,
        module: &Verified,
        limits: &Limits,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
        functions: &[*const u8],
        native_floor: usize,
    ) -> Result<Outcome, RunError> {
        let entry = self.entry();
        let mut enter = |ctx: *mut NativeCtx, fp: *mut u8| {
            // SAFETY: the caller guarantees the code follows the bridge contract; `ctx`
            // and `fp` are the live run's context and entry frame.
            unsafe { native::enter(functions, entry, ctx, fp) }
        };
        with_program!(self, |p| native::run(
            p,
            module.module(),
            limits,
            io,
            host,
            state,
            functions,
            native_floor,
            &mut enter
        ))
    }
}

impl NativeProgram {
    /// Runs the entry function in the interpreter (its threaded engine) like
    /// [`crate::run_hosted`] without an inspector, while a compiler may publish this
    /// program's native code in `tier`: from the first fuel chunk after it appears, every
    /// call the interpreter makes runs compiled code. The result is the same wherever the
    /// switch happens (both tiers charge the same fuel and trap at the same instructions);
    /// a trap inside compiled code lists only the interpreted callers.
    ///
    /// # Safety
    ///
    /// `native_floor` is an address below which code published in `tier` never needs the
    /// native stack (its stack check traps first), valid for the whole call; what is
    /// published in `tier` follows [`TierSlot::publish`]'s contract for this program; and
    /// `self.stack_fits(limits)` holds if anything is (or gets) published.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn run_tiered(
        &self,
        module: &Verified,
        limits: &Limits,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
        tier: &TierSlot,
        native_floor: usize,
    ) -> Result<Outcome, RunError> {
        let tier = crate::exec::native::Tier {
            slot: tier,
            native_floor,
        };
        with_program!(self, |p| crate::exec::run_tiered(
            p,
            module.module(),
            limits,
            (io, host, state),
            tier
        ))
    }
}

/// Calls function `func` of `instance` with `args` like [`Instance::call`], running native
/// code instead of the interpreter: the instance's memory, globals and tables persist
/// across calls under either engine.
///
/// # Safety
///
/// As for [`NativeProgram::run`], with `functions` compiled from a program loaded from the
/// module `instance` was created from, and `instance.limits` fitting the stack.
pub unsafe fn call_instance(
    instance: &mut Instance,
    func: u32,
    args: &[Imm],
    io: &mut dyn Io,
    imports: &mut dyn HostFunctions,
    functions: &[*const u8],
    native_floor: usize,
) -> Result<CallOutcome, RunError> {
    // The last entry is the trampoline, not a function.
    if func as usize + 1 >= functions.len() {
        return Err(RunError::Load(LoadError::Inconsistent {
            func: Some(func),
            pc: None,
            message: format!("function {func} does not exist"),
        }));
    }
    let mut enter = |ctx: *mut NativeCtx, fp: *mut u8| {
        // SAFETY: the caller guarantees the code follows the bridge contract; `ctx` and
        // `fp` are the live call's context and frame.
        unsafe { native::enter(functions, func, ctx, fp) }
    };
    let limits = &instance.limits;
    macro_rules! call {
        ($parts:expr) => {
            call_parts(
                $parts,
                limits,
                io,
                imports,
                func,
                args,
                functions,
                native_floor,
                &mut enter,
            )
        };
    }
    match &mut instance.inner {
        Inner::A32(parts) => call!(parts),
        Inner::A64(parts) => call!(parts),
        Inner::A128(parts) => call!(parts),
        Inner::A256(parts) => call!(parts),
        Inner::A512(parts) => call!(parts),
    }
}

/// [`call_instance`] for one word type.
#[allow(clippy::too_many_arguments)]
fn call_parts<W: Word>(
    parts: &mut InstanceParts<W>,
    limits: &Limits,
    io: &mut dyn Io,
    imports: &mut dyn HostFunctions,
    func: u32,
    args: &[Imm],
    functions: &[*const u8],
    native_floor: usize,
    enter: &mut dyn FnMut(*mut NativeCtx, *mut u8) -> u32,
) -> Result<CallOutcome, RunError> {
    let args = args
        .iter()
        .map(|a| {
            W::from_imm_checked(a).ok_or_else(|| LoadError::Inconsistent {
                func: Some(func),
                pc: None,
                message: format!("argument {a:#x} does not fit a {}-bit word", W::BITS),
            })
        })
        .collect::<Result<Vec<W>, LoadError>>()?;
    let env = CallEnv {
        limits,
        io,
        host: &mut parts.host,
        imports,
        state: None,
    };
    let completion = native::call(
        &parts.program,
        env,
        &mut parts.saved,
        func,
        &args,
        functions,
        native_floor,
        enter,
    )?;
    Ok(match completion {
        Completion::Returned(results) => {
            CallOutcome::Returned(results.into_iter().map(W::to_imm).collect())
        }
        Completion::Exited(code) => CallOutcome::Exited(code),
    })
}

/// Bytes of a slot of `program`'s word.
fn slot_bytes<W: Word>(_program: &Program<W>) -> u32 {
    std::mem::size_of::<W>() as u32
}

/// The bridge functions of `program`'s word.
fn hooks_of<W: Word>(_program: &Program<W>) -> Hooks {
    Hooks::of::<W>()
}

/// A word's 64-bit limbs, least significant first.
fn limbs<W: Word>(word: W) -> Vec<u64> {
    word.to_limbs().as_ref().to_vec()
}

impl<'a> NativeFunction<'a> {
    /// Parameter slots.
    pub fn params(&self) -> u32 {
        with_fn!(self, |f, _p| f.params)
    }

    /// Declared local slots after the parameters.
    pub fn locals(&self) -> u32 {
        with_fn!(self, |f, _p| f.locals)
    }

    /// Result slots.
    pub fn results(&self) -> u32 {
        with_fn!(self, |f, _p| f.results)
    }

    /// Slots of a frame: parameters, locals and the largest operand stack.
    pub fn frame_slots(&self) -> u32 {
        with_fn!(self, |f, _p| f.frame_slots as u32)
    }

    /// Number of instructions.
    pub fn len(&self) -> u32 {
        with_fn!(self, |f, _p| f.plain.len() as u32)
    }

    /// True for a function without instructions (never for a verified one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Byte offset of instruction `index`.
    pub fn pc(&self, index: u32) -> u32 {
        with_fn!(self, |f, _p| f.pcs[index as usize])
    }

    /// One past the last instruction of the basic block holding instruction `index`: the
    /// blocks the interpreter charges fuel for (a block starts at instruction 0 and at
    /// every `block_end`).
    pub fn block_end(&self, index: u32) -> u32 {
        with_fn!(self, |f, _p| f.block_end[index as usize])
    }

    /// The decoded instruction `index`.
    pub fn instruction(&self, index: u32) -> &'a Instruction {
        with_fn!(self, |f, _p| &f.instructions[index as usize])
    }

    /// The instruction index `JMP`, `JZ` or `JNZ` at `index` jumps to.
    pub fn target(&self, index: u32) -> Option<u32> {
        with_fn!(self, |f, _p| match f.plain[index as usize] {
            Op::Jmp(t) | Op::Jz(t) | Op::Jnz(t) => Some(t),
            _ => None,
        })
    }

    /// The instruction indices a `JMP_TABLE` at `index` jumps to, the default last.
    pub fn jump_table(&self, index: u32) -> Option<&'a [u32]> {
        with_fn!(self, |f, _p| match f.plain[index as usize] {
            Op::JmpTable(k) => f.jump_tables.get(k as usize).map(Vec::as_slice),
            _ => None,
        })
    }

    /// The slots `PUSH` or `PUSH_CONST` at `index` pushes (one or two words), each as its
    /// 64-bit limbs, least significant first (one zero-extended limb for a 32-bit word).
    pub fn pushed(&self, index: u32) -> Option<Vec<Vec<u64>>> {
        with_fn!(self, |f, p| match f.plain[index as usize] {
            Op::Push(w) => Some(vec![limbs(w)]),
            Op::PushPair(c) => p
                .pairs
                .get(c as usize)
                .map(|&[a, b]| vec![limbs(a), limbs(b)]),
            _ => None,
        })
    }

    /// The canonical type of this function (what `CALL_INDIRECT` compares).
    pub fn type_id(&self) -> u32 {
        with_fn!(self, |f, _p| f.ty)
    }

    /// The type and table operands of the `CALL_INDIRECT` at `index`.
    pub fn indirect(&self, index: u32) -> Option<(u32, u32)> {
        with_fn!(self, |f, _p| match f.plain[index as usize] {
            Op::CallIndirect(ty, table) => Some((ty, table)),
            _ => None,
        })
    }

    /// Parameter and frame slots of function `callee`.
    pub fn callee(&self, callee: u32) -> Option<(u32, u32, u32)> {
        with_fn!(self, |_f, p| p.functions.get(callee as usize).map(|c| (
            c.params,
            c.results,
            c.frame_slots as u32
        )))
    }
}
