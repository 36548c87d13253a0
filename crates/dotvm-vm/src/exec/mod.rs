//! The executor: machine state, the two engines and the run driver.
//!
//! A run starts in the threaded register engine (`threaded`: register form, one fuel
//! charge per basic block). When a block's charge exceeds the fuel left, the machine
//! switches to the precise interpreter (`interp`: plain code, one charge per instruction)
//! for the remaining few instructions, so the instruction limit traps at exactly the right
//! instruction. Inspected runs use the precise interpreter from the start and call the
//! inspector before every instruction.

mod bigint;
mod crypto;
mod db;
mod float;
mod interp;
#[cfg(any(test, feature = "bench"))]
pub mod lane_speed;
pub(crate) mod native;
mod operand;
pub(crate) mod resume;
pub(crate) mod session;
mod simd;
mod simd_hot;
mod slow_path;
mod syscall;
mod table;
pub(crate) mod threaded;
mod typed;
pub(crate) use typed::typed_on_constants;
mod v128;
mod v128_int;
#[cfg(target_arch = "x86_64")]
mod v128_sse;
mod wasi;

use crate::Outcome;
use crate::allocator::{Allocator, heap_base};
use crate::error::{LoadError, RunError, Stopped};
use crate::host::Host;
use crate::imports::{HostFunctions, NoHostFunctions};
use crate::inspect::{CallerFrames, Inspector, MachineView, Slots, Words};
use crate::io::Io;
use crate::limits::{Interrupt, Limits, Watchdog};
use crate::load::{FuncCode, Program};
use crate::memory::LinearMemory;
use crate::state::StateStore;
use crate::trap::{CallSite, Trap, TrapKind};
use crate::value_stack::ValueStack;
use crate::word::Word;
use dotvm_core::{Imm, Module};
use dotvm_crypto::bigint::BigIntHeap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use table::RefState;

/// A caller's state, saved by `CALL` and restored by `RET`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// The caller's function index.
    func: u32,
    /// Op index to continue at in the caller.
    ret_ip: u32,
    /// Stack index of the caller's local 0.
    fp: usize,
    /// Threaded engine only: the address of the caller's register code (op 0 of its
    /// `FuncCode::threaded`), so that `RET` continues there without looking the function
    /// up. A cache of what `func` gives: the engine's calls write it and the engine
    /// rewrites it for every frame when it starts (`threaded::run`); the precise
    /// interpreter writes 0 and never reads it.
    code: usize,
}

/// How a call to an engine ended without a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The program finished with this exit code.
    Finished(i32),
    /// Threaded engine only: the block at the saved position costs more than the fuel left.
    OutOfFuel,
    /// Precise interpreter only: the inspector stopped the run before the saved position,
    /// or (one-step mode) the instruction ran.
    Stopped,
}

/// The state of a run. While the interpreter loop runs, the position fields are stale (the
/// loop keeps them in registers); they are written back whenever the loop returns.
pub(crate) struct Machine<'a, W> {
    program: &'a Program<W>,
    limits: &'a Limits,
    io: &'a mut dyn Io,
    /// The store the database opcodes use, when the embedder granted one.
    state: Option<&'a mut dyn StateStore>,
    host: &'a mut Host,
    /// The embedder's functions for `CALL_HOST`.
    imports: &'a mut dyn HostFunctions,
    /// The value stack; `len()` never exceeds `limits.stack_slots`.
    stack: ValueStack<W>,
    /// Saved callers, innermost last (the running function is not in here).
    frames: Vec<Frame>,
    globals: Vec<W>,
    memory: LinearMemory,
    allocator: Allocator,
    /// BigInt objects; their bytes count against the memory limit with `memory`.
    bigints: BigIntHeap,
    /// Tables and segments.
    refs: RefState<W>,
    /// Fuel still allowed before the instruction limit: one unit per instruction, plus
    /// the extra cost of crypto and BigInt instructions.
    fuel: u64,
    /// The end of the deepest frame compiled code reached, in slots (0 when no compiled
    /// code ran): compiled code keeps the whole stack limit allocated, so `stack.len()`
    /// does not tell its peak.
    native_stack_peak: usize,
    /// True once the position and return addresses index plain code.
    plain: bool,
    /// Running function.
    func: u32,
    /// Op index in the running function's code (fast or plain, by mode).
    ip: u32,
    /// Stack index of the running function's local 0.
    fp: usize,
    /// Stack index one past the top slot.
    sp: usize,
    /// The run's interrupt flag, checked at block boundaries (see [`crate::limits`]).
    interrupt: &'a AtomicBool,
    /// When the time limit passes, if there is one.
    deadline: Option<Instant>,
}

/// The interrupt flag of one run and the watchdog that raises it when the time limit
/// passes (stopped when this is dropped).
pub(crate) struct RunClock {
    interrupt: Interrupt,
    deadline: Option<Instant>,
    _watchdog: Option<Watchdog>,
}

impl RunClock {
    /// Starts the clock of a run under `limits`: the embedder's interrupt (or a private
    /// one) and a watchdog for the time limit.
    pub(crate) fn start(limits: &Limits) -> RunClock {
        let interrupt = limits.interrupt.clone().unwrap_or_default();
        // One deadline for both: the watchdog raises the flag at it, and the trap it causes
        // is a time limit because the deadline has passed by then.
        let deadline = limits.time.map(|after| Instant::now() + after);
        let watchdog = deadline.map(|at| Watchdog::start(interrupt.clone(), at));
        RunClock {
            deadline,
            interrupt,
            _watchdog: watchdog,
        }
    }
}

/// What the saved position of a stopped loop refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// A register op; its block has been paid for.
    Fast,
    /// A plain instruction that has been paid for.
    Plain,
    /// A plain instruction not yet paid for (instruction limit, inspector stop, start-up).
    PlainUnpaid,
}

/// A trap and what its position refers to.
type Fault = (TrapKind, At);

/// The state of a machine that outlives one call into an engine: what an instance keeps
/// between calls and a suspended run keeps between resumptions.
#[derive(Debug)]
pub(crate) struct Parts<W> {
    stack: ValueStack<W>,
    frames: Vec<Frame>,
    globals: Vec<W>,
    memory: LinearMemory,
    allocator: Allocator,
    bigints: BigIntHeap,
    refs: RefState<W>,
}

impl<W: Word> Parts<W> {
    /// The state `program` (loaded from `module`) starts with under `limits`; nothing
    /// runs yet. Memory is capped by the memory limit and by the word's address space (on
    /// Arch32 it stops at 4 GiB).
    pub(crate) fn fresh(
        program: &Program<W>,
        module: &Module,
        limits: &Limits,
    ) -> Result<Parts<W>, LoadError> {
        let segments = &module.memory.segments;
        let address_space = 1u64.checked_shl(W::BITS).unwrap_or(u64::MAX);
        let memory = LinearMemory::with_contents(
            module.memory.initial_pages,
            module.memory.max_pages,
            limits.memory_bytes.min(address_space),
            &program.ro,
            segments,
        )?;
        let allocator = Allocator::new(heap_base(program.ro.len() as u64, segments), &memory);
        Ok(Parts {
            stack: ValueStack::new(),
            frames: Vec::with_capacity(64),
            globals: program.globals.clone(),
            memory,
            allocator,
            bigints: BigIntHeap::new(W::BITS),
            refs: RefState::new(program, limits.memory_bytes)?,
        })
    }
}

/// What a machine runs with besides its program, limits and parts.
pub(crate) struct Env<'a> {
    /// Standard streams.
    pub(crate) io: &'a mut dyn Io,
    /// The WASI host state and capabilities.
    pub(crate) host: &'a mut Host,
    /// The embedder's functions for `CALL_HOST`.
    pub(crate) imports: &'a mut dyn HostFunctions,
    /// The store the database opcodes use, when the embedder granted one.
    pub(crate) state: Option<&'a mut dyn StateStore>,
}

impl<'a, W: Word> Machine<'a, W> {
    /// The one way to build a machine: `parts` under `limits`, about to run `func` with
    /// `fuel` (the position is set by the caller), interrupted by `clock`.
    fn new(
        program: &'a Program<W>,
        limits: &'a Limits,
        env: Env<'a>,
        parts: Parts<W>,
        clock: &'a RunClock,
        fuel: u64,
        func: u32,
    ) -> Machine<'a, W> {
        Machine {
            program,
            limits,
            io: env.io,
            state: env.state,
            host: env.host,
            imports: env.imports,
            stack: parts.stack,
            frames: parts.frames,
            globals: parts.globals,
            memory: parts.memory,
            allocator: parts.allocator,
            bigints: parts.bigints,
            refs: parts.refs,
            fuel,
            native_stack_peak: 0,
            plain: false,
            func,
            ip: 0,
            fp: 0,
            sp: 0,
            interrupt: clock.interrupt.flag(),
            deadline: clock.deadline,
        }
    }

    /// Gives back the parts that outlive the call.
    fn into_parts(self) -> Parts<W> {
        Parts {
            stack: self.stack,
            frames: self.frames,
            globals: self.globals,
            memory: self.memory,
            allocator: self.allocator,
            bigints: self.bigints,
            refs: self.refs,
        }
    }
}

/// Runs `program` (loaded from `module`) to completion.
pub(crate) fn run_program<W: Word>(
    program: &Program<W>,
    module: &Module,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, RunError> {
    let plain = inspector.is_some();
    run_entry(
        program,
        module,
        limits,
        (io, host, state),
        plain,
        |machine| match inspector {
            Some(inspector) => machine.run_precise(Some(inspector)),
            None => machine.run_fast(),
        },
    )
}

/// Runs the entry function of `program` in the threaded engine, entering compiled code
/// at calls once `tier` has it (see `NativeProgram::run_tiered`).
pub(crate) fn run_tiered<W: Word>(
    program: &Program<W>,
    module: &Module,
    limits: &Limits,
    host: (&mut dyn Io, &mut Host, Option<&mut dyn StateStore>),
    tier: native::Tier<'_>,
) -> Result<Outcome, RunError> {
    run_entry(program, module, limits, host, false, |machine| {
        machine.run_tiered(Some(tier))
    })
}

/// Runs the entry function of `program` (loaded from `module`) on a fresh machine: sets
/// up the entry frame, lets `drive` run it (an engine: the interpreter or compiled code),
/// and reports the end as an [`Outcome`] or a trap. The one place a whole run starts and
/// ends, for every engine. `host` is the run's streams, host state and store; `plain`
/// starts the machine on the plain code (precise mode).
fn run_entry<W: Word>(
    program: &Program<W>,
    module: &Module,
    limits: &Limits,
    (io, host, state): (&mut dyn Io, &mut Host, Option<&mut dyn StateStore>),
    plain: bool,
    drive: impl FnOnce(&mut Machine<'_, W>) -> Result<Exit, Fault>,
) -> Result<Outcome, RunError> {
    let parts = Parts::fresh(program, module, limits)?;
    let clock = RunClock::start(limits);
    let env = Env {
        io,
        host,
        imports: &mut NoHostFunctions,
        state: state.map(|s| s as &mut dyn StateStore),
    };
    let mut machine = Machine::new(
        program,
        limits,
        env,
        parts,
        &clock,
        limits.instructions,
        program.entry,
    );
    machine.plain = plain;
    let end = machine.start().and_then(|()| drive(&mut machine));
    machine.note_stack_peak();
    match end {
        Ok(Exit::Finished(exit_code)) => {
            if let Err(e) = machine.io.flush() {
                return Err(machine
                    .trap(TrapKind::Host(e.to_string()), machine.paid_position())
                    .into());
            }
            Ok(Outcome {
                exit_code,
                instructions: limits.instructions - machine.fuel,
                peak_memory: machine.memory.peak_bytes(),
            })
        }
        // `run_fast` turns `OutOfFuel` into a precise run, so only a stop gets here.
        Ok(Exit::Stopped | Exit::OutOfFuel) => Err(RunError::Stopped(machine.stopped())),
        Err((kind, at)) => {
            // Output written before the trap still reaches its destination; the trap is
            // the error worth reporting.
            let _ = machine.io.flush();
            Err(machine.trap(kind, at).into())
        }
    }
}

impl<W: Word> Machine<'_, W> {
    /// Sets up the entry frame, checking it against the call-depth and stack limits.
    fn start(&mut self) -> Result<(), Fault> {
        let entry = &self.program.functions[self.program.entry as usize];
        if self.limits.call_depth == 0 {
            return Err((TrapKind::CallDepthExceeded, At::PlainUnpaid));
        }
        if entry.frame_slots > self.limits.stack_slots {
            return Err((TrapKind::StackOverflow, At::PlainUnpaid));
        }
        self.reserve_entry_frame(entry.frame_slots);
        self.sp = (entry.params + entry.locals) as usize;
        Ok(())
    }

    /// Runs in the threaded engine, switching to the precise interpreter when the fuel
    /// runs short.
    fn run_fast(&mut self) -> Result<Exit, Fault> {
        self.run_tiered(None)
    }

    /// [`Machine::run_fast`], entering compiled code at calls once `tier` has it.
    fn run_tiered(&mut self, tier: Option<native::Tier<'_>>) -> Result<Exit, Fault> {
        match threaded::run(self, tier) {
            Ok(Exit::OutOfFuel) => {
                self.enter_plain_code();
                self.run_precise(None)
            }
            other => other,
        }
    }

    /// Runs in precise mode.
    fn run_precise(&mut self, inspector: Option<&mut dyn Inspector>) -> Result<Exit, Fault> {
        interp::execute(self, &mut interp::Inspected { inspector }).map_err(|kind| {
            // The instruction and time limits trap before the instruction is paid for.
            let at = if kind.is_before_instruction() {
                At::PlainUnpaid
            } else {
                At::Plain
            };
            (kind, at)
        })
    }

    /// Moves the saved position and every return address from the register form to plain
    /// code. The position is a block's `Charge` and return addresses follow a call, which
    /// ends a block, so each maps to the first instruction of a block.
    fn enter_plain_code(&mut self) {
        self.ip = self.program.functions[self.func as usize].reg.origin[self.ip as usize];
        self.frames_to_plain();
    }

    /// Moves every return address from the register form to plain code (see
    /// [`Machine::enter_plain_code`]) and marks the machine as positioned in plain code.
    fn frames_to_plain(&mut self) {
        let origin =
            |func: u32, ip: u32| self.program.functions[func as usize].reg.origin[ip as usize];
        self.plain = true;
        for i in 0..self.frames.len() {
            let frame = self.frames[i];
            self.frames[i].ret_ip = origin(frame.func, frame.ret_ip);
        }
    }

    /// The trap for a raised interrupt flag: the time limit when it has passed, else an
    /// interrupt by the embedder.
    #[cold]
    fn interruption(&self) -> TrapKind {
        match (self.limits.time, self.deadline) {
            (Some(limit), Some(deadline)) if Instant::now() >= deadline => {
                TrapKind::TimeLimit { limit }
            }
            _ => TrapKind::Interrupted,
        }
    }

    /// Fails with the interrupt's trap when the flag is raised; long host instructions
    /// call this before they start.
    fn check_interrupt(&self) -> Result<(), TrapKind> {
        if self.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            Err(self.interruption())
        } else {
            Ok(())
        }
    }

    /// What the saved position refers to after an instruction at it has run.
    fn paid_position(&self) -> At {
        if self.plain { At::Plain } else { At::Fast }
    }

    /// Records the run's peak value stack in the host statistics: the end of the deepest
    /// frame (the interpreter grows the stack to exactly that, compiled code reports it).
    fn note_stack_peak(&mut self) {
        let peak = if self.native_stack_peak > 0 {
            self.native_stack_peak
        } else {
            self.stack.len()
        };
        self.host.note_stack_slots(peak);
    }

    /// Makes the value stack hold the entry frame (`frame_slots`, at least one slot), with
    /// room for 4096 slots (at most the stack limit) before it has to reallocate.
    pub(crate) fn reserve_entry_frame(&mut self, frame_slots: usize) {
        let room = self.limits.stack_slots.min(4096);
        self.stack.reserve(room.saturating_sub(self.stack.len()));
        self.stack.grow(frame_slots.max(1));
    }

    /// Grows the value stack to exactly `need` slots (`need <= limits.stack_slots`), the
    /// end of the deepest frame so far: the stack's length is the smallest stack limit the
    /// run fits in ([`HostStats::peak_stack_slots`](crate::HostStats)). The allocation
    /// itself grows by doubling (`Vec`), and only a call deeper than every earlier one
    /// gets here.
    fn grow_stack(&mut self, need: usize) {
        self.stack.grow(need);
    }

    /// The running function's executable form.
    fn function(&self) -> &FuncCode<W> {
        &self.program.functions[self.func as usize]
    }

    /// The saved position as (instruction index, instructions completed before it).
    fn position(&self, at: At) -> (usize, u64) {
        let function = self.function();
        let executed = self.limits.instructions - self.fuel;
        match at {
            At::Plain => (self.ip as usize, executed - 1),
            At::PlainUnpaid => (self.ip as usize, executed),
            At::Fast => {
                // The whole block was paid for on entry; take back the part not yet run.
                let index = function.reg.origin[self.ip as usize];
                let unrun = function.block_end[index as usize] - index;
                (index as usize, executed - u64::from(unrun))
            }
        }
    }

    /// The trap for `kind` at the saved position.
    fn trap(&self, kind: TrapKind, at: At) -> Trap {
        let (index, instructions) = self.position(at);
        Trap {
            kind,
            func: self.func,
            function: self.program.labels[self.func as usize].clone(),
            pc: self.function().pcs.get(index).copied().unwrap_or(0),
            instructions,
            callers: self.callers(),
        }
    }

    /// The active calls, innermost caller first: each frame's function and the pc of
    /// its `CALL` (the instruction before the return position).
    fn callers(&self) -> Vec<CallSite> {
        self.frames
            .iter()
            .rev()
            .map(|frame| {
                let function = &self.program.functions[frame.func as usize];
                let after = if self.plain {
                    frame.ret_ip
                } else {
                    function
                        .reg
                        .origin
                        .get(frame.ret_ip as usize)
                        .copied()
                        .unwrap_or(0)
                };
                let call = (after as usize).saturating_sub(1);
                CallSite {
                    func: frame.func,
                    pc: function.pcs.get(call).copied().unwrap_or(0),
                }
            })
            .collect()
    }

    /// Where the inspector stopped the run (always in plain code, not yet paid).
    fn stopped(&self) -> Stopped {
        let (index, instructions) = self.position(At::PlainUnpaid);
        Stopped {
            func: self.func,
            function: self.program.labels[self.func as usize].clone(),
            pc: self.function().pcs[index],
            instructions,
        }
    }

    /// Calls `f` with a view of the machine at the saved (plain-code) position.
    fn with_view<R>(&self, f: impl FnOnce(&MachineView<'_>) -> R) -> R {
        let function = self.function();
        let locals_end = self.fp + (function.params + function.locals) as usize;
        let operands = Words(&self.stack[locals_end..self.sp]);
        let locals = Words(&self.stack[self.fp..locals_end]);
        let globals = Words(&self.globals[..]);
        let callers = CallerLocals {
            frames: &self.frames,
            stack: &self.stack,
            program: self.program,
        };
        let view = MachineView {
            func: self.func,
            label: &self.program.labels[self.func as usize],
            pc: function.pcs[self.ip as usize],
            instruction: &function.instructions[self.ip as usize],
            call_depth: self.frames.len() + 1,
            instructions: self.limits.instructions - self.fuel,
            word_bits: W::BITS,
            operands: Slots::new(&operands),
            locals: Slots::new(&locals),
            globals: Slots::new(&globals),
            memory: self
                .memory
                .read(0, self.memory.size_bytes())
                .unwrap_or_default(),
            callers: &callers,
        };
        f(&view)
    }
}

/// The calling frames of a stopped machine, for [`MachineView::caller_locals`].
struct CallerLocals<'a, W> {
    /// Saved callers, innermost last.
    frames: &'a [Frame],
    stack: &'a [W],
    program: &'a Program<W>,
}

impl<W: Word> CallerFrames for CallerLocals<'_, W> {
    fn locals(&self, n: usize) -> Option<Vec<Imm>> {
        let frame = self.frames.get(self.frames.len().checked_sub(n)?)?;
        let function = self.program.functions.get(frame.func as usize)?;
        let end = frame.fp + (function.params + function.locals) as usize;
        Some(
            self.stack
                .get(frame.fp..end)?
                .iter()
                .map(|w| w.to_imm())
                .collect(),
        )
    }
}
