//! Persistent runs: a machine whose memory, globals and tables outlive one call, so that an
//! embedder can instantiate a module once and then call its functions many times.

use super::{At, Env, Exit, Fault, Machine, Parts, RunClock};
use crate::code::Op;
use crate::error::{LoadError, RunError};
use crate::host::Host;
use crate::imports::HostFunctions;
use crate::io::Io;
use crate::limits::Limits;
use crate::load::Program;
use crate::memory::LinearMemory;
use crate::reg::Kind;
use crate::state::StateStore;
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::Module;

/// What survives between calls: a machine's parts (the frames are empty between calls).
pub(crate) type Saved<W> = Parts<W>;

/// How a call ended without a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Completion<W> {
    /// The function returned these result slots (deepest first).
    Returned(Vec<W>),
    /// The program stopped the machine (`HALT` or the exit system call) with this code.
    Exited(i32),
}

impl<W: Word> Saved<W> {
    /// The state `program` (loaded from `module`) starts with; nothing runs yet.
    pub(crate) fn new(
        program: &Program<W>,
        module: &Module,
        limits: &Limits,
    ) -> Result<Saved<W>, LoadError> {
        Parts::fresh(program, module, limits)
    }

    /// The linear memory.
    pub(crate) fn memory(&self) -> &LinearMemory {
        &self.memory
    }

    /// The linear memory, to change between calls.
    pub(crate) fn memory_mut(&mut self) -> &mut LinearMemory {
        &mut self.memory
    }

    /// Takes over the state of `old`, the state of a module this one extends (its globals,
    /// tables and segments come first here); the memory too when `memory` is set.
    pub(crate) fn adopt(&mut self, old: &Saved<W>, memory: bool) {
        if memory {
            self.memory = old.memory.clone();
            self.allocator = old.allocator.clone();
        }
        for (mine, theirs) in self.globals.iter_mut().zip(&old.globals) {
            *mine = *theirs;
        }
        self.refs.adopt(&old.refs);
    }

    /// The current size of table `table`.
    pub(crate) fn table_len(&self, table: u32) -> Option<u32> {
        self.refs.table_len(table)
    }

    /// The current global values.
    pub(crate) fn globals(&self) -> &[W] {
        &self.globals
    }
}

/// What a call runs with besides the program and its state.
pub(crate) struct CallEnv<'e> {
    /// The run's limits (fuel is per call).
    pub(crate) limits: &'e Limits,
    /// Standard streams.
    pub(crate) io: &'e mut dyn Io,
    /// The WASI host state and capabilities.
    pub(crate) host: &'e mut Host,
    /// The embedder's functions for `CALL_HOST`.
    pub(crate) imports: &'e mut dyn HostFunctions,
    /// The store the database opcodes use, when the embedder granted one.
    pub(crate) state: Option<&'e mut dyn StateStore>,
}

/// Calls `func` with `args` (one word per parameter slot) on the saved state, which is
/// updated whether the call returns or traps. The machine is built and entered here;
/// `run` runs it from there and reports how the call ended ([`interpret`] for the
/// interpreter, the compiled-code bridge for the JIT).
pub(crate) fn call<W: Word>(
    program: &Program<W>,
    env: CallEnv<'_>,
    saved: &mut Option<Saved<W>>,
    func: u32,
    args: &[W],
    run: impl FnOnce(&mut Machine<'_, W>) -> Result<Completion<W>, RunError>,
) -> Result<Completion<W>, RunError> {
    let CallEnv {
        limits,
        io,
        host,
        imports,
        state: store,
    } = env;
    let Some(state) = saved.take() else {
        return Err(LoadError::Inconsistent {
            func: Some(func),
            pc: None,
            message: "the instance was lost by an earlier failed call".into(),
        }
        .into());
    };
    let clock = RunClock::start(limits);
    let env = Env {
        io,
        host,
        imports,
        state: store.map(|s| s as &mut dyn StateStore),
    };
    let mut machine = Machine::new(
        program,
        limits,
        env,
        state,
        &clock,
        limits.instructions,
        func,
    );
    let result = match machine.enter(func, args) {
        Ok(()) => run(&mut machine),
        Err((kind, at)) => {
            let _ = machine.io.flush();
            Err(machine.trap(kind, at).into())
        }
    };
    machine.note_stack_peak();
    let mut parts = machine.into_parts();
    parts.frames.clear();
    *saved = Some(parts);
    result
}

/// Runs an entered machine in the interpreter (the run step of [`call`]).
pub(crate) fn interpret<W: Word>(machine: &mut Machine<'_, W>) -> Result<Completion<W>, RunError> {
    match machine.run_fast() {
        Ok(Exit::Finished(code)) => {
            let _ = machine.io.flush();
            Ok(machine.completion(code))
        }
        Ok(Exit::Stopped | Exit::OutOfFuel) => Err(RunError::Stopped(machine.stopped())),
        Err((kind, at)) => {
            let _ = machine.io.flush();
            Err(machine.trap(kind, at).into())
        }
    }
}

impl<W: Word> Machine<'_, W> {
    /// Sets up a frame for `func` with `args` as its parameter slots, checking the call
    /// depth and stack limits.
    pub(super) fn enter(&mut self, func: u32, args: &[W]) -> Result<(), Fault> {
        let Some(function) = self.program.functions.get(func as usize) else {
            return Err((
                TrapKind::Host(format!("function {func} does not exist")),
                At::PlainUnpaid,
            ));
        };
        if args.len() != function.params as usize {
            return Err((
                TrapKind::Host(format!(
                    "function {func} takes {} parameter slots, {} given",
                    function.params,
                    args.len()
                )),
                At::PlainUnpaid,
            ));
        }
        if self.limits.call_depth == 0 {
            return Err((TrapKind::CallDepthExceeded, At::PlainUnpaid));
        }
        if function.frame_slots > self.limits.stack_slots {
            return Err((TrapKind::StackOverflow, At::PlainUnpaid));
        }
        self.reserve_entry_frame(function.frame_slots);
        self.stack[..args.len()].copy_from_slice(args);
        let locals_end = (function.params + function.locals) as usize;
        self.stack[args.len()..locals_end].fill(W::ZERO);
        self.sp = locals_end;
        Ok(())
    }

    /// The completion of a finished call: the results when the outer function returned,
    /// the exit code when the program stopped the machine.
    fn completion(&self, code: i32) -> Completion<W> {
        let function = self.function();
        let at_ret = if self.plain {
            matches!(function.plain.get(self.ip as usize), Some(Op::Ret))
        } else {
            matches!(function.reg.ops.get(self.ip as usize), Some(op) if matches!(op.kind, Kind::Ret | Kind::RetImm))
        };
        if self.frames.is_empty() && at_ret {
            let results = function.results as usize;
            Completion::Returned(self.stack[self.fp..self.fp + results].to_vec())
        } else {
            Completion::Exited(code)
        }
    }
}
