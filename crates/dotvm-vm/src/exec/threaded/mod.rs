//! The threaded register engine: runs a function's register form ([`crate::reg`]) with one
//! handler per op, each ending by calling the next op's handler in tail position.
//!
//! **Dispatch.** A handler has the signature [`Handler`]: the op pointer, the frame pointer
//! (local 0) and the engine context. Built with optimisation (`cfg(dotvm_tail_calls)`, set
//! by `build.rs` from the profile's opt-level), a handler returns
//! `next_handler(next_ip, fp, cx)`: LLVM turns the call into a jump (a sibling call), so
//! each op's dispatch is its own indirect branch, which the CPU predicts per op. Without
//! optimisation sibling calls are not made and the native stack would grow with every op,
//! so unoptimised builds return the next position to a loop in [`run`] instead. The
//! `tail_calls_do_not_grow_the_native_stack` test runs a long loop on a small thread
//! stack to check that optimised builds really got jumps.
//!
//! **Soundness.** The loader built the register form from a verified function: every slot
//! operand is below the function's `frame_slots`, every target indexes its code, and a
//! call reserves the callee's whole frame before entering it; so handlers read and write
//! slots and follow targets without checks. Memory, division, the call depth, the stack
//! limit and the fuel are checked at run time.

mod control;
mod encode;
mod memory;
mod ops;
#[cfg(feature = "op-pairs")]
pub(crate) mod pairs;
mod simd;
mod tier;

pub(crate) use encode::encode;

use super::native::{Native, Tier};
use super::{At, Exit, Fault, Machine};
use crate::load::FuncCode;
use crate::trap::TrapKind;
use crate::word::Word;
use std::sync::atomic::AtomicBool;

/// An op's handler.
pub(crate) type Handler<W> =
    for<'c, 'm, 'a> unsafe fn(*const Inst<W>, *mut W, &'c mut Cx<'m, 'a, W>) -> Next<W>;

/// One op ready to run: its handler and operands (see [`crate::reg::Kind`] for their use).
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Inst<W> {
    /// The handler.
    pub(crate) handler: Handler<W>,
    /// Immediate.
    pub(crate) imm: u64,
    /// Destination slot or target op.
    pub(crate) dst: u32,
    /// First operand.
    pub(crate) a: u32,
    /// Second operand.
    pub(crate) b: u32,
}

impl<W> std::fmt::Debug for Inst<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inst")
            .field("dst", &self.dst)
            .field("a", &self.a)
            .field("b", &self.b)
            .field("imm", &self.imm)
            .finish_non_exhaustive()
    }
}

/// Where to continue: the next op and frame, or a null `ip` when the run stopped (the
/// reason is in [`Cx::end`]).
#[repr(C)]
pub(crate) struct Next<W> {
    ip: *const Inst<W>,
    fp: *mut W,
}

/// The engine's state besides the op and frame pointers.
pub(crate) struct Cx<'m, 'a, W> {
    /// The machine (memory, frames, globals, limits, host).
    m: &'m mut Machine<'a, W>,
    /// The program's functions (the machine's, reached without going through it: calls
    /// and returns read them).
    functions: &'a [FuncCode<W>],
    /// The most frames the run may have (the machine's limit, kept at hand for calls).
    call_depth: usize,
    /// Start of the value stack allocation.
    base: *mut W,
    /// The running function's code.
    code: *const Inst<W>,
    /// Byte 0 of linear memory (see [`Cx::refresh_memory`]).
    mem: *mut u8,
    /// The size of linear memory in bytes.
    mem_len: u64,
    /// End of the read-only region of linear memory.
    ro_end: u64,
    /// The running function.
    func: u32,
    /// Fuel left in the current chunk: what a block's charge compares with and pays from
    /// (the machine's copy is stale while the engine runs).
    fuel: u64,
    /// Fuel left besides the chunk (see [`FUEL_CHUNK`]).
    reserve: u64,
    /// The run's interrupt flag (time limit), checked when a chunk of fuel is used up.
    interrupt: &'a AtomicBool,
    /// Lowest native stack address handlers may reach before unwinding to the loop.
    #[cfg(dotvm_tail_calls)]
    native_floor: usize,
    /// How the run stopped.
    end: Result<Exit, TrapKind>,
    /// What the machine's saved position refers to when `end` is a trap: a register op
    /// ([`At::Fast`]), or a plain instruction when the trap came from compiled code.
    at: At,
    /// Where compiled code may appear during the run (tiered runs only).
    tier: Option<Tier<'m>>,
    /// The compiled code once the run took it up from the tier: calls then enter it (see
    /// [`tier`]).
    native: Option<Native<'m>>,
}

/// Continues with op `$ip` in frame `$fp`: a tail call of its handler where sibling calls
/// are made, a return to the loop in [`run`] elsewhere.
macro_rules! next {
    ($ip:expr, $fp:expr, $cx:expr) => {{
        let ip: *const $crate::exec::threaded::Inst<_> = $ip;
        #[cfg(feature = "op-pairs")]
        // SAFETY: as below.
        $crate::exec::threaded::pairs::record(unsafe { (*ip).handler } as usize);
        #[cfg(dotvm_tail_calls)]
        {
            // SAFETY: `ip` is an op of the running function (see the module docs), whose
            // handler takes exactly these arguments.
            return unsafe { ((*ip).handler)(ip, $fp, $cx) };
        }
        #[cfg(not(dotvm_tail_calls))]
        {
            return $crate::exec::threaded::Next { ip, fp: $fp };
        }
    }};
}
pub(crate) use next;

impl<W> Next<W> {
    /// Continue at `ip` in frame `fp` (hidden from the optimiser, see [`Next::stop`]).
    pub(crate) fn at(ip: *const Inst<W>, fp: *mut W) -> Next<W> {
        std::hint::black_box(Next { ip, fp })
    }

    /// Stop the run. The value is hidden from the optimiser: were it known to be constant
    /// at a handler's exits that stop, those exits and the dispatch would share a return
    /// block, and the dispatch would no longer be a sibling call.
    fn stop() -> Next<W> {
        std::hint::black_box(Next {
            ip: std::ptr::null(),
            fp: std::ptr::null_mut(),
        })
    }
}

impl<W: Word> Cx<'_, '_, W> {
    /// The index of op `ip` in the running function.
    fn index(&self, ip: *const Inst<W>) -> u32 {
        // SAFETY: `ip` points into the running function's code, which starts at `code`.
        (unsafe { ip.offset_from(self.code) }) as u32
    }

    /// The stack index of frame pointer `fp`.
    fn frame_index(&self, fp: *mut W) -> usize {
        // SAFETY: `fp` points into the value stack, which starts at `base`.
        (unsafe { fp.offset_from(self.base) }) as usize
    }

    /// Writes the position (op `ip` in frame `fp`) and the fuel back to the machine.
    fn save(&mut self, ip: *const Inst<W>, fp: *mut W) {
        self.m.func = self.func;
        self.m.ip = self.index(ip);
        self.m.fp = self.frame_index(fp);
        self.m.sp = self.m.fp;
        self.m.fuel = self.fuel_left();
    }

    /// All the fuel left: the chunk's and the reserve.
    fn fuel_left(&self) -> u64 {
        self.fuel + self.reserve
    }

    /// Sets the fuel left to `total`, keeping at most the chunk's current fuel in the chunk
    /// (so only a block's charge can start a new chunk, after the interrupt check).
    fn set_fuel_left(&mut self, total: u64) {
        self.fuel = self.fuel.min(total);
        self.reserve = total - self.fuel;
    }

    /// Caches the linear memory's address, size and read-only end for the memory
    /// handlers. Called when the run starts and after anything that may grow or otherwise
    /// reach the memory through the machine (a single step, a stack-shaped typed op), so
    /// the cached pointer is always the one last taken from the memory.
    fn refresh_memory(&mut self) {
        let (mem, len) = self.m.memory.raw_parts();
        self.mem = mem;
        self.mem_len = len;
        self.ro_end = self.m.memory.ro_end();
    }

    /// Makes `func` the running function.
    fn switch_to(&mut self, func: u32) {
        // SAFETY: function indices in ops and frames were checked by the loader.
        let function = unsafe { self.functions.get_unchecked(func as usize) };
        self.func = func;
        self.code = function.threaded.as_ptr();
    }
}

/// Stops the run at op `ip` for the reason already in `cx.end` (a trap, stored there by
/// [`trap`]). It takes scalars only, so that no trap value is passed by reference from a
/// handler's frame: that keeps the handler's dispatch a sibling call.
#[cold]
#[inline(never)]
fn stop<W: Word>(ip: *const Inst<W>, fp: *mut W, cx: &mut Cx<'_, '_, W>) -> Next<W> {
    cx.save(ip, fp);
    Next::stop()
}

/// Stops the run at op `ip` with trap `kind`: every trap goes through here. While the run
/// goes on the context's end is `Ok(Exit::Stopped)`, which owns nothing, so it is
/// overwritten without being dropped: the drop would put a `free` call into every handler
/// that can trap, and with it the saving and restoring of registers on the handler's hot
/// path.
#[inline(always)]
fn trap<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    kind: TrapKind,
) -> Next<W> {
    std::mem::forget(std::mem::replace(&mut cx.end, Err(kind)));
    stop(ip, fp, cx)
}

/// Stops the run: the program finished at op `ip` with `exit_code`.
#[cold]
#[inline(never)]
fn finish<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    exit_code: i32,
) -> Next<W> {
    cx.save(ip, fp);
    cx.end = Ok(Exit::Finished(exit_code));
    Next::stop()
}

/// The fuel a block's charge may use before the engine next reads the interrupt flag:
/// the run's fuel is paid out in chunks of this many instructions (or one block, if
/// larger), so the common charge is one comparison and the flag is read at the run's first
/// block and then at least once every `FUEL_CHUNK` instructions (about 0.1 ms).
pub(super) const FUEL_CHUNK: u64 = 1 << 16;

/// Runs the register form from the machine's saved position (a `Charge` op, or the start
/// of the entry function) until the program finishes, traps, or cannot pay for a block
/// ([`Exit::OutOfFuel`], with the position at that block's `Charge` and the operand stack
/// ending at `m.sp`). On return the machine's position and fuel are up to date. With a
/// `tier`, calls enter compiled code once it is published there.
pub(super) fn run<'m, W: Word>(
    m: &'m mut Machine<'_, W>,
    tier: Option<Tier<'m>>,
) -> Result<Exit, Fault> {
    let func = m.func;
    let (ip, fp_index, fuel, interrupt) = (m.ip as usize, m.fp, m.fuel, m.interrupt);
    let base = m.stack.as_mut_ptr();
    let (functions, call_depth) = (&m.program.functions[..], m.limits.call_depth);
    let mut cx = Cx {
        m,
        functions,
        call_depth,
        base,
        code: std::ptr::null(),
        mem: std::ptr::null_mut(),
        mem_len: 0,
        ro_end: 0,
        func,
        // The first charge starts a chunk, so it reads the interrupt flag.
        fuel: 0,
        reserve: fuel,
        interrupt,
        #[cfg(dotvm_tail_calls)]
        native_floor: control::native_stack_pointer().saturating_sub(control::NATIVE_STACK_BUDGET),
        end: Ok(Exit::Stopped),
        at: At::Fast,
        tier,
        native: None,
    };
    cx.switch_to(func);
    cx.refresh_memory();
    // Frames pushed by the precise interpreter (a resumed run) do not know the code
    // address their returns continue at.
    for frame in &mut cx.m.frames {
        frame.code = functions[frame.func as usize].threaded.as_ptr() as usize;
    }
    // SAFETY: the saved position indexes the function's code and the saved frame index
    // lies within the stack.
    let mut next = unsafe {
        Next::<W> {
            ip: cx.code.add(ip),
            fp: base.add(fp_index),
        }
    };
    while !next.ip.is_null() {
        // SAFETY: `next.ip` is an op of the running function and `next.fp` its frame.
        next = unsafe { ((*next.ip).handler)(next.ip, next.fp, &mut cx) };
    }
    #[cfg(feature = "op-pairs")]
    pairs::report();
    cx.end.map_err(|kind| (kind, cx.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruint::aliases::U512;

    /// A loop through most handler kinds: typed and word arithmetic with locals and
    /// immediates, float arithmetic (with NaN results, whose canonicalisation must not
    /// cost a handler its sibling call), loads and stores, the fused memory and word-pair
    /// ops, select, globals, a call and compare-and-branch.
    #[cfg(dotvm_tail_calls)]
    const LOOP: &str = r#"
.arch arch64
.data buf "0123456789abcdef0123456789abcdef0123456789abcdef"
.global g 0 mut
.func main
    .local i
    .local acc
    .local f
    .local p
loop:
    PUSH buf
    LOCAL_GET i
    PUSH 7
    AND
    I32_ADD
    LOCAL_TEE p
    LOAD64_U
    GLOBAL_SET g
    LOCAL_GET p
    LOCAL_GET f
    LOCAL_GET f
    F64_MUL
    LOCAL_GET f
    F64_ADD
    STORE64 +16
    LOCAL_GET p
    LOCAL_GET f
    LOCAL_GET f
    F64_DIV
    STORE64 +24
    LOCAL_GET f
    LOCAL_GET f
    F64_SUB
    LOCAL_SET f
    LOCAL_GET acc
    PUSH 13
    ROTL
    LOCAL_GET i
    XOR
    LOCAL_SET acc
    LOCAL_GET acc
    LOCAL_GET i
    I32_ADD
    PUSH 3
    I32_MUL
    LOCAL_SET acc
    PUSH buf
    LOCAL_GET acc
    I32_STORE +4
    PUSH buf
    I64_LOAD +8
    LOCAL_GET i
    I64_XOR
    GLOBAL_SET g
    LOCAL_GET acc
    LOCAL_GET i
    LOCAL_GET acc
    PUSH 1
    I32_AND
    SELECT
    CALL twice
    LOCAL_SET acc
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH 3000000
    LT_U
    JNZ loop
    HALT
.end
.func twice results=1
    .param x
    LOCAL_GET x
    LOCAL_GET x
    ADD
    RET
.end
"#;

    #[cfg(dotvm_tail_calls)]
    #[test]
    fn tail_calls_do_not_grow_the_native_stack() {
        use std::sync::atomic::Ordering;
        let module = dotvm_core::asm::assemble(LOOP, "loop.dasm", &Default::default()).unwrap();
        let module = dotvm_core::Verified::new(module).unwrap();
        let before = control::NATIVE_UNWINDS.load(Ordering::Relaxed);
        let mut io = crate::BufferIo::with_input(b"");
        let outcome = crate::run(&module, &crate::Limits::default(), &mut io).unwrap();
        assert!(outcome.instructions > 90_000_000, "{outcome:?}");
        assert_eq!(control::NATIVE_UNWINDS.load(Ordering::Relaxed), before);
    }

    #[test]
    fn ops_are_32_bytes_on_every_word() {
        assert_eq!(std::mem::size_of::<Inst<u32>>(), 32);
        assert_eq!(std::mem::size_of::<Inst<u64>>(), 32);
        assert_eq!(std::mem::size_of::<Inst<U512>>(), 32);
        assert_eq!(std::mem::size_of::<Next<U512>>(), 16);
    }
}
