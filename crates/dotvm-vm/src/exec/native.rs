//! The machine side of the bridge to natively compiled code (`crate::native_abi` is the
//! public side): the context block compiled code reads, and the `extern "C"` functions it
//! calls for everything it does not do inline.
//!
//! Compiled code keeps a function's locals and operands in registers and its frame in the
//! machine's value stack (the same layout as the interpreter's: local 0 at `fp`, operand
//! `p` at `fp + locals + p`). Every instruction it does not translate, and every
//! instruction whose inline fast path would trap, it hands to the precise interpreter one
//! step at a time on the materialised frame ([`step`]), exactly as the threaded engine's
//! `Step` op does, so behaviour, capabilities, fuel and trap kinds are the interpreter's by
//! construction. A block the fuel cannot pay runs in the precise interpreter from its first
//! instruction ([`precise_block`]), which stops inside that block at the instruction limit.

use super::session::{self, CallEnv, Completion, Saved};
use super::{At, Exit, Fault, Machine, interp};
use crate::Outcome;
use crate::code::Op;
use crate::error::RunError;
use crate::host::Host;
use crate::io::Io;
use crate::limits::Limits;
use crate::load::Program;
use crate::state::StateStore;
use crate::trap::TrapKind;
use crate::word::Word;
use crate::word_op::{self, WordBinary, WordUnary};
use dotvm_core::Module;
use std::ffi::c_void;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// What compiled code reads and writes directly, passed to every compiled function and
/// bridge call. Offsets of the fields compiled code touches are the `OFFSET_*` constants.
#[repr(C)]
#[derive(Debug)]
pub struct NativeCtx {
    /// Fuel left (the interpreter's `Machine::fuel`) at every bridge call and when
    /// compiled code is entered or returns (in between it is in a register).
    fuel: u64,
    /// Address of linear memory byte 0 (changes when memory grows).
    mem_base: *mut u8,
    /// Linear memory size in bytes.
    mem_len: u64,
    /// End of the read-only region: stores below it trap.
    ro_end: u64,
    /// The globals, one word each.
    globals: *mut u8,
    /// The run's interrupt flag.
    interrupt: *const AtomicBool,
    /// Calls nested beyond the entry function (the interpreter's `frames.len()`) when
    /// compiled code is entered; compiled code passes it in a register and writes it here
    /// only for [`resolve_indirect`].
    depth: u64,
    /// The call-depth limit.
    max_depth: u64,
    /// One past the last value-stack slot the stack limit allows.
    stack_end: *mut u8,
    /// The end of the deepest frame so far (compiled code raises it at every call).
    stack_peak: *mut u8,
    /// Native code of each function, by function index (for `CALL_INDIRECT`).
    functions: *const *const u8,
    /// The lowest native stack address compiled code may use.
    native_floor: usize,
    /// The tables as `CALL_INDIRECT` reads them, one [`TableView`] per table (refreshed
    /// after a stepped `TABLE_GROW`, which may move a table's elements).
    tables: *const TableView,
    /// The `NativeState` of the run (private to the bridge).
    state: *mut c_void,
}

/// One table as compiled code reads it for an inline `CALL_INDIRECT`: the address of its
/// elements (one word each: 0 for null, `f + 1` for function `f`) and their number.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TableView {
    /// Address of element 0.
    elements: *const u8,
    /// Number of elements.
    len: u64,
}

impl TableView {
    /// Offset of the elements' address (pointer).
    pub const OFFSET_ELEMENTS: i32 = std::mem::offset_of!(TableView, elements) as i32;
    /// Offset of the number of elements (`u64`).
    pub const OFFSET_LEN: i32 = std::mem::offset_of!(TableView, len) as i32;
    /// Bytes of one view (the stride of [`NativeCtx::OFFSET_TABLES`]'s array).
    pub const BYTES: i32 = std::mem::size_of::<TableView>() as i32;
}

impl NativeCtx {
    /// Offset of the fuel (`u64`).
    pub const OFFSET_FUEL: i32 = std::mem::offset_of!(NativeCtx, fuel) as i32;
    /// Offset of the memory base address (pointer).
    pub const OFFSET_MEM_BASE: i32 = std::mem::offset_of!(NativeCtx, mem_base) as i32;
    /// Offset of the memory size in bytes (`u64`).
    pub const OFFSET_MEM_LEN: i32 = std::mem::offset_of!(NativeCtx, mem_len) as i32;
    /// Offset of the end of the read-only region (`u64`).
    pub const OFFSET_RO_END: i32 = std::mem::offset_of!(NativeCtx, ro_end) as i32;
    /// Offset of the globals' address (pointer).
    pub const OFFSET_GLOBALS: i32 = std::mem::offset_of!(NativeCtx, globals) as i32;
    /// Offset of the interrupt flag's address (pointer to one byte, nonzero when raised).
    pub const OFFSET_INTERRUPT: i32 = std::mem::offset_of!(NativeCtx, interrupt) as i32;
    /// Offset of the call depth (`u64`).
    pub const OFFSET_DEPTH: i32 = std::mem::offset_of!(NativeCtx, depth) as i32;
    /// Offset of the call-depth limit (`u64`).
    pub const OFFSET_MAX_DEPTH: i32 = std::mem::offset_of!(NativeCtx, max_depth) as i32;
    /// Offset of the value stack's end (pointer).
    pub const OFFSET_STACK_END: i32 = std::mem::offset_of!(NativeCtx, stack_end) as i32;
    /// Offset of the end of the deepest frame so far (pointer).
    pub const OFFSET_STACK_PEAK: i32 = std::mem::offset_of!(NativeCtx, stack_peak) as i32;
    /// Offset of the function table's address (pointer to pointers).
    pub const OFFSET_FUNCTIONS: i32 = std::mem::offset_of!(NativeCtx, functions) as i32;
    /// Offset of the native stack floor (pointer-sized).
    pub const OFFSET_NATIVE_FLOOR: i32 = std::mem::offset_of!(NativeCtx, native_floor) as i32;
    /// Offset of the tables' address (pointer to one [`TableView`] per table).
    pub const OFFSET_TABLES: i32 = std::mem::offset_of!(NativeCtx, tables) as i32;
}

/// Trap codes compiled code passes to [`trap`].
pub const TRAP_CALL_DEPTH: u32 = 0;
/// The value stack limit (see [`TRAP_CALL_DEPTH`]).
pub const TRAP_STACK_OVERFLOW: u32 = 1;
/// The native stack ran short at the entry of the function (`index` 0, its first block not
/// yet paid): reported as a stack overflow. Compiled code sizes the native stack for the
/// call-depth limit, so this only guards against frames larger than that estimate.
pub const TRAP_NATIVE_STACK: u32 = 2;

/// The run state behind [`NativeCtx::state`]: the machine and how the run ended.
struct NativeState<'m, 'a, W> {
    /// The machine compiled code runs on.
    m: &'m mut Machine<'a, W>,
    /// Set when the run ended inside a bridge call (a trap or an exit).
    end: Option<Result<Exit, Fault>>,
    /// What [`NativeCtx::tables`] points to.
    tables: Vec<TableView>,
}

/// Builds the context for compiled code entered at call depth `depth` (callers below it)
/// with its frame ending at stack slot `frame_end`, on the machine of `state` whose native
/// function table is `functions`.
fn context<W: Word>(
    state: &mut NativeState<'_, '_, W>,
    functions: &[*const u8],
    native_floor: usize,
    depth: usize,
    frame_end: usize,
) -> NativeCtx {
    refresh_tables(&mut state.tables, state.m);
    let tables = state.tables.as_ptr();
    let state_ptr = (state as *mut NativeState<'_, '_, W>).cast::<c_void>();
    let m = &mut *state.m;
    let stack_end = m.stack.as_mut_ptr_range().end.cast::<u8>();
    let stack_peak = m.stack.as_mut_ptr().wrapping_add(frame_end).cast::<u8>();
    let mut ctx = NativeCtx {
        fuel: m.fuel,
        mem_base: std::ptr::null_mut(),
        mem_len: 0,
        ro_end: m.memory.ro_end(),
        globals: m.globals.as_mut_ptr().cast::<u8>(),
        interrupt: m.interrupt,
        depth: depth as u64,
        max_depth: m.limits.call_depth as u64,
        stack_end,
        stack_peak,
        functions: functions.as_ptr(),
        native_floor,
        tables,
        state: state_ptr,
    };
    refresh_memory(&mut ctx, m);
    ctx
}

/// Copies the memory's current base and size into the context.
fn refresh_memory<W: Word>(ctx: &mut NativeCtx, m: &mut Machine<'_, W>) {
    let (base, len) = m.memory.raw_parts();
    ctx.mem_base = base;
    ctx.mem_len = len;
}

/// Makes `views` describe the machine's tables as they are now (their number is fixed
/// for a run, so `views` is reallocated only when it is first filled).
fn refresh_tables<W: Word>(views: &mut Vec<TableView>, m: &Machine<'_, W>) {
    views.clear();
    views.extend(m.refs.table_views().map(|(elements, len)| TableView {
        elements: elements.cast::<u8>(),
        len: len as u64,
    }));
}

/// Enters compiled function `func` through the trampoline at the end of `functions`;
/// returns its status (0 when it returned).
///
/// # Safety
///
/// `functions` is a program's compiled code as the bridge contract (`crate::native_abi`)
/// describes it, alive for the call, with `func` below its function count; `ctx` is a
/// live context built by [`context`] for that program and `fp` the function's frame,
/// holding its parameters.
pub(crate) unsafe fn enter(
    functions: &[*const u8],
    func: u32,
    ctx: *mut NativeCtx,
    fp: *mut u8,
) -> u32 {
    // SAFETY: the caller's contract: the last entry is the trampoline.
    let trampoline: unsafe extern "C" fn(*mut NativeCtx, *mut u8, *const u8) -> u32 =
        unsafe { std::mem::transmute(functions[functions.len() - 1]) };
    // SAFETY: the caller's contract.
    unsafe { trampoline(ctx, fp, functions[func as usize]) }
}

/// The machine and context behind `ctx`.
///
/// # Safety
///
/// `ctx` must be the context of a live run built by [`context`] for word `W`, and no
/// other reference to its state may be live (compiled code is suspended in this call).
unsafe fn parts<'c, W: Word>(
    ctx: *mut NativeCtx,
) -> (&'c mut NativeCtx, &'c mut NativeState<'c, 'c, W>) {
    // SAFETY: the caller guarantees `ctx` is a live context of word `W`; its `state`
    // pointer was made from a `NativeState<W>` that outlives the run, and compiled code
    // holds no Rust references into it while it calls the bridge.
    unsafe {
        let ctx = &mut *ctx;
        let state = &mut *ctx.state.cast::<NativeState<'c, 'c, W>>();
        (ctx, state)
    }
}

/// Index of `fp` (a frame pointer into the value stack) as a slot number.
fn frame_index<W: Word>(m: &Machine<'_, W>, fp: *mut W) -> usize {
    (fp as usize - m.stack.as_ptr() as usize) / std::mem::size_of::<W>()
}

/// Points the machine at instruction `index` of `func`, with the frame at `fp` holding
/// `height` operand slots.
fn position<W: Word>(m: &mut Machine<'_, W>, func: u32, index: u32, fp: *mut W, height: u32) {
    let fp = frame_index(m, fp);
    let function = &m.program.functions[func as usize];
    m.func = func;
    m.ip = index;
    m.fp = fp;
    m.sp = fp + (function.params + function.locals + height) as usize;
    m.plain = true;
}

/// Records a trap at instruction `index` of the running function, inside a block that was
/// paid for on entry while `fuel` was left after the charge: the instructions of the block
/// from `index` on are given back, so the count is the interpreter's.
fn record_trap<W: Word>(state: &mut NativeState<'_, '_, W>, fuel: u64, kind: TrapKind) {
    let m = &mut *state.m;
    let end = m.program.functions[m.func as usize].block_end[m.ip as usize];
    let unrun = u64::from(end - m.ip);
    let at = if kind.is_before_instruction() {
        m.fuel = fuel.saturating_add(unrun);
        At::PlainUnpaid
    } else {
        m.fuel = fuel.saturating_add(unrun - 1);
        At::Plain
    };
    state.end = Some(Err((kind, at)));
}

/// Runs instruction `index` of `func` in the precise interpreter on the frame at `fp`
/// (its operands materialised, `height` of them). Returns 0 when the run goes on with the
/// next instruction, 1 when it ended (trap or exit, recorded for the driver).
///
/// # Safety
///
/// Called only by compiled code of a run built by [`context`] for word `W`, with `fp` the
/// running function's frame in the value stack and its operands stored there.
pub(crate) unsafe extern "C" fn step<W: Word>(
    ctx: *mut NativeCtx,
    func: u32,
    index: u32,
    fp: *mut W,
    height: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let (ctx, state) = unsafe { parts::<W>(ctx) };
    let fuel = ctx.fuel;
    let m = &mut *state.m;
    position(m, func, index, fp, height);
    // The block paid for this instruction; the precise interpreter charges it again.
    m.fuel = fuel + 1;
    let end = interp::execute(m, &mut interp::OneStep);
    ctx.fuel = m.fuel;
    refresh_memory(ctx, m);
    // Only `TABLE_GROW` moves a table's elements or changes its length.
    if matches!(
        m.program.functions[func as usize].plain[index as usize],
        Op::TableGrow(_)
    ) {
        refresh_tables(&mut state.tables, m);
    }
    match end {
        Ok(Exit::Stopped) => 0,
        Ok(exit) => {
            state.end = Some(Ok(exit));
            1
        }
        Err(kind) => {
            m.ip = index;
            record_trap(state, fuel, kind);
            1
        }
    }
}

/// Computes the word instruction `op` (a [`WordBinary`] discriminant) on the slots at `a`
/// and `b` with the interpreter's own code (`word_op::binary`), the result into `a`.
/// Returns 0, or 1 with `a` untouched when the operation would trap (a division by zero or
/// overflow) or `op` is out of range: the caller then steps the instruction, which traps.
///
/// # Safety
///
/// `a` and `b` point to live, aligned slots of word `W`.
pub(crate) unsafe extern "C" fn word_binary<W: Word>(op: u32, a: *mut W, b: *const W) -> u32 {
    let Some(&op) = WordBinary::ALL.get(op as usize) else {
        return 1;
    };
    // SAFETY: the caller's contract.
    let (x, y) = unsafe { (*a, *b) };
    match word_op::binary(op, x, y) {
        Ok(result) => {
            // SAFETY: the caller's contract.
            unsafe { *a = result };
            0
        }
        Err(_) => 1,
    }
}

/// Computes the word instruction `op` (a [`WordUnary`] discriminant) on the slot at `a` in
/// place with the interpreter's own code (`word_op::unary`). Returns 0, or 1 with `a`
/// untouched when `op` is out of range (the caller then steps the instruction).
///
/// # Safety
///
/// `a` points to a live, aligned slot of word `W`.
pub(crate) unsafe extern "C" fn word_unary<W: Word>(op: u32, a: *mut W) -> u32 {
    let Some(&op) = WordUnary::ALL.get(op as usize) else {
        return 1;
    };
    // SAFETY: the caller's contract.
    unsafe { *a = word_op::unary(op, *a) };
    0
}

/// `MEMORY_COPY` of `len` bytes from `src` to `dst` (32- or 64-bit words: the operands
/// are the addresses as they are) with the interpreter's own code. Returns 0, or 1 with
/// memory untouched when the instruction traps (the caller then steps it, which raises
/// the trap).
///
/// # Safety
///
/// As for [`step`].
pub(crate) unsafe extern "C" fn memory_copy<W: Word>(
    ctx: *mut NativeCtx,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: the caller's contract.
    let (_, state) = unsafe { parts::<W>(ctx) };
    u32::from(state.m.memory.copy(dst, src, len).is_err())
}

/// `MEMORY_FILL` of `len` bytes at `dst` with the low byte of `byte`, as
/// [`memory_copy`].
///
/// # Safety
///
/// As for [`step`].
pub(crate) unsafe extern "C" fn memory_fill<W: Word>(
    ctx: *mut NativeCtx,
    dst: u64,
    byte: u64,
    len: u64,
) -> u32 {
    // SAFETY: the caller's contract.
    let (_, state) = unsafe { parts::<W>(ctx) };
    u32::from(state.m.memory.fill(dst, byte as u8, len).is_err())
}

/// Runs the block starting at instruction `index` of `func` in the precise interpreter
/// because the fuel left cannot pay for it: the run stops inside the block at the
/// instruction limit (or at an earlier trap). Always returns 1.
///
/// # Safety
///
/// As for [`step`], with the block's inputs materialised: its operands and the locals it
/// reads before setting them (the run ends inside the block, so nothing else is read).
pub(crate) unsafe extern "C" fn precise_block<W: Word>(
    ctx: *mut NativeCtx,
    func: u32,
    index: u32,
    fp: *mut W,
    height: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let (ctx, state) = unsafe { parts::<W>(ctx) };
    let m = &mut *state.m;
    position(m, func, index, fp, height);
    m.fuel = ctx.fuel;
    let end = m.run_precise(None);
    ctx.fuel = m.fuel;
    state.end = Some(end);
    1
}

/// Stops the run because the interrupt flag was raised when the block starting at `index`
/// of `func` was entered (and paid for, with `ctx.fuel` left). Always returns 1.
///
/// # Safety
///
/// As for [`step`].
pub(crate) unsafe extern "C" fn interrupted<W: Word>(
    ctx: *mut NativeCtx,
    func: u32,
    index: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let (ctx, state) = unsafe { parts::<W>(ctx) };
    let m = &mut *state.m;
    m.func = func;
    m.ip = index;
    m.plain = true;
    let kind = m.interruption();
    record_trap(state, ctx.fuel, kind);
    1
}

/// Stops the run with the trap `code` ([`TRAP_CALL_DEPTH`] or [`TRAP_STACK_OVERFLOW`]) at
/// the call at instruction `index` of `func`, or ([`TRAP_NATIVE_STACK`]) at the entry of
/// `func`. Always returns 1.
///
/// # Safety
///
/// As for [`step`].
pub(crate) unsafe extern "C" fn trap<W: Word>(
    ctx: *mut NativeCtx,
    func: u32,
    index: u32,
    code: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let (ctx, state) = unsafe { parts::<W>(ctx) };
    let m = &mut *state.m;
    m.func = func;
    m.ip = index;
    m.plain = true;
    if code == TRAP_NATIVE_STACK {
        m.fuel = ctx.fuel;
        state.end = Some(Err((TrapKind::StackOverflow, At::PlainUnpaid)));
        return 1;
    }
    let kind = if code == TRAP_CALL_DEPTH {
        TrapKind::CallDepthExceeded
    } else {
        TrapKind::StackOverflow
    };
    record_trap(state, ctx.fuel, kind);
    1
}

/// Resolves the `CALL_INDIRECT` at instruction `index` of `func` (operands `(ty, table)`),
/// whose element index is the top of the `height` operands materialised at `fp`, and checks
/// the call against the depth and stack limits as the interpreter does. Returns the callee's
/// function index, or `u32::MAX` when the run ended with a trap (recorded for the driver).
///
/// # Safety
///
/// As for [`step`].
pub(crate) unsafe extern "C" fn resolve_indirect<W: Word>(
    ctx: *mut NativeCtx,
    func: u32,
    index: u32,
    fp: *mut W,
    height: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let (ctx, state) = unsafe { parts::<W>(ctx) };
    let fuel = ctx.fuel;
    let m = &mut *state.m;
    position(m, func, index, fp, height);
    let function = &m.program.functions[func as usize];
    let crate::code::Op::CallIndirect(ty, table) = function.plain[index as usize] else {
        record_trap(
            state,
            fuel,
            TrapKind::Host("native code: CALL_INDIRECT expected".into()),
        );
        return u32::MAX;
    };
    let element = m.stack[m.sp - 1];
    let callee = match m.refs.indirect_callee(m.program, table, element, ty) {
        Ok((callee, _)) => callee,
        Err(kind) => {
            record_trap(state, fuel, kind);
            return u32::MAX;
        }
    };
    if ctx.depth + 1 >= ctx.max_depth {
        record_trap(state, fuel, TrapKind::CallDepthExceeded);
        return u32::MAX;
    }
    let callee_code = &m.program.functions[callee as usize];
    let callee_base = m.sp - 1 - callee_code.params as usize;
    if callee_base + callee_code.frame_slots > m.limits.stack_slots {
        record_trap(state, fuel, TrapKind::StackOverflow);
        return u32::MAX;
    }
    callee
}

impl<'t> Tier<'t> {
    /// The compiled code, once published (marking it taken up).
    pub(crate) fn native(&self) -> Option<Native<'t>> {
        let functions = self.slot.take_up()?;
        Some(Native {
            functions,
            native_floor: self.native_floor,
        })
    }
}

/// Published compiled code as a tiered run uses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Native<'t> {
    /// Entry address of each function, by function index.
    pub(crate) functions: &'t [*const u8],
    /// The lowest native stack address compiled code may use.
    pub(crate) native_floor: usize,
}

/// How a native run of one function ended without a trap.
pub(super) enum Ended {
    /// The function returned; its results are at the bottom of the value stack.
    Returned,
    /// The program exited (`HALT` or the `exit` system call) with this code.
    Exited(i32),
}

/// Runs the function the machine was entered at through `enter`, which calls its native
/// code with the context and the frame (at the bottom of the value stack) and returns the
/// status (0: returned normally; otherwise the run ended in a bridge call).
fn run_entered<W: Word>(
    machine: &mut Machine<'_, W>,
    functions: &[*const u8],
    native_floor: usize,
    enter: &mut dyn FnMut(*mut NativeCtx, *mut u8) -> u32,
) -> Result<Ended, Fault> {
    machine.plain = true;
    reserve_whole_stack(machine);
    let mut state = NativeState {
        m: machine,
        end: None,
        tables: Vec::new(),
    };
    let entry_frame_end = state.m.function().frame_slots.max(1);
    let mut ctx = context(&mut state, functions, native_floor, 0, entry_frame_end);
    let fp = state.m.stack.as_mut_ptr().cast::<u8>();
    let status = enter(&mut ctx, fp);
    ended(&mut state, &ctx, status)
}

/// How compiled code entered with `ctx` ended, given the `status` it returned: notes the
/// deepest frame it reached and, when it returned, the fuel it left.
fn ended<W: Word>(
    state: &mut NativeState<'_, '_, W>,
    ctx: &NativeCtx,
    status: u32,
) -> Result<Ended, Fault> {
    let base = state.m.stack.as_ptr() as usize;
    let peak = (ctx.stack_peak as usize - base) / std::mem::size_of::<W>();
    state.m.native_stack_peak = state.m.native_stack_peak.max(peak);
    match state.end.take() {
        Some(Ok(Exit::Finished(code))) if status != 0 => Ok(Ended::Exited(code)),
        Some(Ok(_)) if status != 0 => Err((
            TrapKind::Host("native code stopped without an exit".into()),
            At::PlainUnpaid,
        )),
        Some(Err(fault)) if status != 0 => Err(fault),
        _ => {
            state.m.fuel = ctx.fuel;
            Ok(Ended::Returned)
        }
    }
}

/// Native code that a compiler publishes while a run of the same program is already
/// interpreting (tiered runs, `dotvm run --engine auto`): once it is set, every call the
/// threaded engine makes enters compiled code (see `threaded::tier`).
#[derive(Debug, Default)]
pub struct TierSlot {
    /// The compiled code of each function, by function index, once published.
    functions: OnceLock<NativeFunctions>,
    /// Set when the run took the code up.
    adopted: AtomicBool,
}

/// Entry addresses of compiled functions.
#[derive(Debug)]
struct NativeFunctions(Vec<*const u8>);

// SAFETY: the addresses point to finalised, read-execute code that nothing writes; sharing
// or sending them between threads shares nothing mutable. Whoever publishes them keeps the
// code alive for as long as a run may call it (`TierSlot::publish`'s contract).
unsafe impl Send for NativeFunctions {}
// SAFETY: as above.
unsafe impl Sync for NativeFunctions {}

impl TierSlot {
    /// An empty slot: the run interprets until code is published.
    pub fn new() -> TierSlot {
        TierSlot::default()
    }

    /// Publishes the compiled code of every function (the first publication wins).
    ///
    /// # Safety
    ///
    /// `functions` is the code of the program the run of this slot executes (one entry
    /// per function, then the entry trampoline), compiled from that program with its hooks
    /// and following the bridge contract of `crate::native_abi`; the code stays alive (is not freed) until that run
    /// has returned; and the run's native stack floor, given when it started, is valid for
    /// that code.
    pub unsafe fn publish(&self, functions: Vec<*const u8>) {
        let _ = self.functions.set(NativeFunctions(functions));
    }

    /// True once code has been published.
    pub fn published(&self) -> bool {
        self.functions.get().is_some()
    }

    /// True when the run took the published code up (some of it may then have run).
    pub fn adopted(&self) -> bool {
        self.adopted.load(Ordering::Relaxed)
    }

    /// The published code, marking it taken up.
    fn take_up(&self) -> Option<&[*const u8]> {
        let functions = &self.functions.get()?.0;
        self.adopted.store(true, Ordering::Relaxed);
        Some(functions)
    }
}

/// The compiled tier as a tiered run sees it: where code appears, and the native stack
/// floor compiled code may use (valid for the whole run).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tier<'t> {
    /// Where the compiler publishes the code.
    pub(crate) slot: &'t TierSlot,
    /// The lowest native stack address compiled code may use.
    pub(crate) native_floor: usize,
}

/// Calls compiled function `callee` from the threaded engine, with its frame at stack slot
/// `callee_fp` (its parameters stored there) and `functions` the published code. The caller
/// checked the call-depth and stack limits, reserved the whole stack
/// ([`reserve_whole_stack`]) and wrote the fuel left to `m.fuel`; on return the machine's fuel
/// is up to date and, when it returned, the results are at `callee_fp`. An exit or a trap
/// is positioned as for a compiled run (plain code).
pub(super) fn call_from_interpreter<W: Word>(
    m: &mut Machine<'_, W>,
    functions: &[*const u8],
    native_floor: usize,
    callee: u32,
    callee_fp: usize,
) -> Result<Ended, Fault> {
    let depth = m.frames.len() + 1;
    let frame_end = callee_fp + m.program.functions[callee as usize].frame_slots;
    let mut state = NativeState {
        m,
        end: None,
        tables: Vec::new(),
    };
    let mut ctx = context(&mut state, functions, native_floor, depth, frame_end);
    let fp = state
        .m
        .stack
        .as_mut_ptr()
        .wrapping_add(callee_fp)
        .cast::<u8>();
    // SAFETY: the slot's publisher guarantees the table is code compiled from this
    // program that follows the bridge contract (`TierSlot::publish`), alive for this run;
    // `fp` is the callee's frame in the whole reserved stack, holding its parameters,
    // below the stack limit (checked by the caller); `ctx` is this run's context and lives
    // until the call returns.
    let status = unsafe { enter(functions, callee, &mut ctx, fp) };
    ended(&mut state, &ctx, status)
}

/// Allocates the value stack to its limit (at least one slot), as compiled code needs it:
/// it addresses frames directly, so the stack must not move while it runs. A large stack
/// is a mapping of fresh zero pages (see `crate::value_stack`), so a run pays only for the
/// slots it reaches.
pub(super) fn reserve_whole_stack<W: Word>(m: &mut Machine<'_, W>) {
    m.stack.reserve_whole(m.limits.stack_slots);
}

/// Runs the entry function of `program` (loaded from `module`) through `enter` (see
/// [`run_entered`]). The machine is set up and the outcome reported exactly as by the
/// interpreter's driver.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<W: Word>(
    program: &Program<W>,
    module: &Module,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    functions: &[*const u8],
    native_floor: usize,
    enter: &mut dyn FnMut(*mut NativeCtx, *mut u8) -> u32,
) -> Result<Outcome, RunError> {
    super::run_entry(
        program,
        module,
        limits,
        (io, host, state),
        false,
        |machine| {
            Ok(
                match run_entered(machine, functions, native_floor, enter)? {
                    Ended::Exited(code) => Exit::Finished(code),
                    Ended::Returned => {
                        let entry = &program.functions[program.entry as usize];
                        Exit::Finished(if entry.results == 1 {
                            machine.stack[0].low_u64() as u32 as i32
                        } else {
                            0
                        })
                    }
                },
            )
        },
    )
}

/// Calls function `func` of an instance (its state in `saved`) with `args` through
/// `enter` (see [`run_entered`]): `session::call` builds and enters the machine, as for
/// the interpreter.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call<W: Word>(
    program: &Program<W>,
    env: CallEnv<'_>,
    saved: &mut Option<Saved<W>>,
    func: u32,
    args: &[W],
    functions: &[*const u8],
    native_floor: usize,
    enter: &mut dyn FnMut(*mut NativeCtx, *mut u8) -> u32,
) -> Result<Completion<W>, RunError> {
    session::call(program, env, saved, func, args, |machine| {
        let end = run_entered(machine, functions, native_floor, enter);
        let _ = machine.io.flush();
        match end {
            Ok(Ended::Returned) => {
                let results = program.functions[func as usize].results as usize;
                Ok(Completion::Returned(machine.stack[..results].to_vec()))
            }
            Ok(Ended::Exited(code)) => Ok(Completion::Exited(code)),
            Err((kind, at)) => Err(machine.trap(kind, at).into()),
        }
    })
}
