//! Resumable runs: a run that runs out of fuel keeps its whole state (stack, frames,
//! memory, globals, tables, BigInts and position), and continues exactly where it stopped
//! when the embedder adds fuel. A resumed run that stopped in the precise mode returns to
//! the threaded engine at the next block boundary.

use super::interp::{self, Mode};
use super::{At, Env, Exit, Fault, Machine, Parts, RunClock};
use crate::Outcome;
use crate::error::{LoadError, RunError};
use crate::host_env::HostEnv;
use crate::inspect::Control;
use crate::limits::Limits;
use crate::load::{FuncCode, Program};
use crate::reg::Kind;
use crate::state::StateStore;
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::Module;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing ran yet.
    New,
    /// Stopped for lack of fuel; the position is saved.
    Suspended,
    /// Finished or trapped; it cannot continue.
    Ended,
}

/// A run that can stop when its fuel runs out and continue when given more.
#[derive(Debug)]
pub(crate) struct Resumable<W> {
    parts: Option<Parts<W>>,
    phase: Phase,
    /// Fuel granted so far, in total.
    granted: u64,
    /// Fuel left.
    fuel: u64,
    plain: bool,
    func: u32,
    ip: u32,
    fp: usize,
    sp: usize,
    /// For each function and instruction index, the register-form index of the `Charge` of the block
    /// that starts there (`u32::MAX` where no block starts).
    block_starts: Vec<Vec<u32>>,
}

/// How a resumption ended without a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// The program finished.
    Finished(Outcome),
    /// The fuel ran out before the instruction at the saved position.
    OutOfFuel,
}

impl<W: Word> Resumable<W> {
    /// A run of `program` (loaded from `module`) that has not started, with
    /// `limits.instructions` fuel.
    pub(crate) fn new(
        program: &Program<W>,
        module: &Module,
        limits: &Limits,
    ) -> Result<Resumable<W>, LoadError> {
        Ok(Resumable {
            parts: Some(Parts::fresh(program, module, limits)?),
            phase: Phase::New,
            granted: limits.instructions,
            fuel: limits.instructions,
            plain: false,
            func: program.entry,
            ip: 0,
            fp: 0,
            sp: 0,
            block_starts: program.functions.iter().map(block_starts).collect(),
        })
    }

    /// Adds `fuel` (saturating).
    pub(crate) fn add_fuel(&mut self, fuel: u64) {
        self.fuel = self.fuel.saturating_add(fuel);
        self.granted = self.granted.saturating_add(fuel);
    }

    /// Fuel left.
    pub(crate) fn fuel_left(&self) -> u64 {
        self.fuel
    }

    /// Fuel used so far.
    pub(crate) fn fuel_used(&self) -> u64 {
        self.granted - self.fuel
    }

    /// Runs until the program finishes, traps or runs out of fuel. `limits.instructions` is
    /// ignored (the fuel is the run's own); the other limits apply to this resumption.
    pub(crate) fn resume(
        &mut self,
        program: &Program<W>,
        limits: &Limits,
        env: HostEnv<'_>,
    ) -> Result<Step, RunError> {
        let parts = match (self.phase, self.parts.take()) {
            (Phase::New | Phase::Suspended, Some(parts)) => parts,
            _ => {
                return Err(LoadError::Inconsistent {
                    func: None,
                    pc: None,
                    message: "the run has ended; it cannot be resumed".into(),
                }
                .into());
            }
        };
        let limits = Limits {
            instructions: self.granted,
            ..limits.clone()
        };
        let clock = RunClock::start(&limits);
        let env = Env {
            io: env.io,
            host: env.host,
            imports: env.imports,
            state: env.state.map(|s| s as &mut dyn StateStore),
        };
        let mut machine = Machine::new(program, &limits, env, parts, &clock, self.fuel, self.func);
        machine.plain = self.plain;
        machine.ip = self.ip;
        machine.fp = self.fp;
        machine.sp = self.sp;
        let end = match self.phase {
            Phase::New => machine.start().and_then(|()| machine.run_fast()),
            _ if machine.plain => machine.run_catching_up(&self.block_starts),
            _ => machine.run_fast(),
        };
        machine.host.note_stack_slots(machine.stack.len());
        let result = match end {
            Ok(Exit::Finished(exit_code)) => {
                self.phase = Phase::Ended;
                match machine.io.flush() {
                    Ok(()) => Ok(Step::Finished(Outcome {
                        exit_code,
                        instructions: limits.instructions - machine.fuel,
                        peak_memory: machine.memory.peak_bytes(),
                    })),
                    Err(e) => Err(machine
                        .trap(TrapKind::Host(e.to_string()), machine.paid_position())
                        .into()),
                }
            }
            Err((TrapKind::InstructionLimit, _)) => {
                self.phase = Phase::Suspended;
                let _ = machine.io.flush();
                Ok(Step::OutOfFuel)
            }
            Err((kind, at)) => {
                self.phase = Phase::Ended;
                let _ = machine.io.flush();
                Err(machine.trap(kind, at).into())
            }
            Ok(Exit::Stopped | Exit::OutOfFuel) => {
                self.phase = Phase::Ended;
                Err(RunError::Stopped(machine.stopped()))
            }
        };
        self.fuel = machine.fuel;
        self.plain = machine.plain;
        self.func = machine.func;
        self.ip = machine.ip;
        self.fp = machine.fp;
        self.sp = machine.sp;
        self.parts = Some(machine.into_parts());
        result
    }
}

/// For each instruction of `function`, the register-form index of the `Charge` of the
/// block that starts there, or `u32::MAX`.
fn block_starts<W>(function: &FuncCode<W>) -> Vec<u32> {
    let mut starts = vec![u32::MAX; function.plain.len()];
    for (index, op) in function.reg.ops.iter().enumerate() {
        if op.kind == Kind::Charge {
            starts[function.reg.origin[index] as usize] = index as u32;
        }
    }
    starts
}

/// Precise mode that stops at the first block boundary where the run can switch back to
/// the register form (the position and every return address start a block).
struct CatchUp<'b> {
    block_starts: &'b [Vec<u32>],
}

impl CatchUp<'_> {
    /// The register-form index of the block starting at instruction `ip` of `func`, if one does.
    fn fast_index(&self, func: u32, ip: u32) -> Option<u32> {
        let index = self.block_starts[func as usize][ip as usize];
        (index != u32::MAX).then_some(index)
    }
}

impl Mode for CatchUp<'_> {
    const ONE_STEP: bool = false;

    fn inspect<W: Word>(&mut self, machine: &Machine<'_, W>) -> Control {
        let switchable = self.fast_index(machine.func, machine.ip).is_some()
            && machine
                .frames
                .iter()
                .all(|frame| self.fast_index(frame.func, frame.ret_ip).is_some());
        if switchable {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

impl<W: Word> Machine<'_, W> {
    /// Runs in precise mode up to the next block boundary, then in the threaded engine.
    fn run_catching_up(&mut self, block_starts: &[Vec<u32>]) -> Result<Exit, Fault> {
        let mut mode = CatchUp { block_starts };
        match interp::execute(self, &mut mode) {
            Ok(Exit::Stopped) => {
                self.plain = false;
                self.ip = mode.fast_index(self.func, self.ip).unwrap_or_default();
                for i in 0..self.frames.len() {
                    let frame = self.frames[i];
                    self.frames[i].ret_ip = mode
                        .fast_index(frame.func, frame.ret_ip)
                        .unwrap_or_default();
                }
                self.run_fast()
            }
            Ok(exit) => Ok(exit),
            Err(kind) => {
                let at = if kind.is_before_instruction() {
                    At::PlainUnpaid
                } else {
                    At::Plain
                };
                Err((kind, at))
            }
        }
    }
}
