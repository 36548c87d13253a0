//! Resumable executions: run a module's entry function in slices of fuel. When the fuel
//! runs out the run is suspended with its whole state; the embedder adds fuel and resumes,
//! and the result is the same as one run with all the fuel at once.

use crate::Outcome;
use crate::error::{LoadError, RunError};
use crate::exec::resume::{Resumable, Step};
use crate::host::Host;
use crate::host_env::HostEnv;
use crate::imports::NoHostFunctions;
use crate::io::Io;
use crate::limits::Limits;
use crate::load::Program;
use crate::loaded::{AnyProgram, LoadedModule};
use crate::state::StateStore;
use crate::word::Word;
use dotvm_core::{Module, Verified};
use ruint::aliases::{U256, U512};
use std::sync::Arc;

/// How a call to [`Execution::resume`] ended without a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The program finished; `instructions` counts the fuel of every slice.
    Finished(Outcome),
    /// The fuel ran out before the next instruction; add fuel and resume.
    OutOfFuel {
        /// Fuel used so far, over every slice.
        used: u64,
    },
}

/// A run of a module's entry function that can be suspended for lack of fuel and resumed.
///
/// ```
/// # use dotvm_vm::{BufferIo, Execution, Host, Limits, Progress};
/// # let module = dotvm_core::asm::assemble(
/// #     ".func main results=1\n.local i\ntop:\nLOCAL_GET i\nPUSH 1\nADD\nLOCAL_TEE i\n\
/// #      PUSH 100\nLT_U\nJNZ top\nLOCAL_GET i\nRET\n.end\n",
/// #     "doc.dasm", &Default::default()).unwrap();
/// # let verified = dotvm_core::Verified::new(module).unwrap();
/// let limits = Limits { instructions: 50, ..Limits::default() };
/// let mut run = Execution::new(&verified, &limits)?;
/// let (mut io, mut host) = (BufferIo::default(), Host::default());
/// let outcome = loop {
///     match run.resume(&mut io, &mut host, None)? {
///         Progress::Finished(outcome) => break outcome,
///         Progress::OutOfFuel { .. } => run.add_fuel(50),
///     }
/// };
/// assert_eq!(outcome.exit_code, 100);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Execution {
    inner: Inner,
    limits: Limits,
}

/// The word-specific part.
#[derive(Debug)]
enum Inner {
    A32(Box<Parts<u32>>),
    A64(Box<Parts<u64>>),
    A128(Box<Parts<u128>>),
    A256(Box<Parts<U256>>),
    A512(Box<Parts<U512>>),
}

/// A loaded program and its suspended run.
#[derive(Debug)]
struct Parts<W> {
    program: Arc<Program<W>>,
    run: Resumable<W>,
}

impl<W: Word> Parts<W> {
    fn new(
        program: &Arc<Program<W>>,
        module: &Module,
        limits: &Limits,
    ) -> Result<Box<Parts<W>>, LoadError> {
        let program = Arc::clone(program);
        let run = Resumable::new(&program, module, limits)?;
        Ok(Box::new(Parts { program, run }))
    }
}

/// Runs `$body` with `$parts` bound to the word-specific part of `$inner`.
macro_rules! with_parts {
    ($inner:expr, $parts:ident => $body:expr) => {
        match $inner {
            Inner::A32($parts) => $body,
            Inner::A64($parts) => $body,
            Inner::A128($parts) => $body,
            Inner::A256($parts) => $body,
            Inner::A512($parts) => $body,
        }
    };
}

impl Execution {
    /// Loads `module` for a run with `limits.instructions` fuel to start with; nothing runs
    /// yet. The other limits apply to every resumption (the time limit to each one
    /// separately).
    pub fn new(module: &Verified, limits: &Limits) -> Result<Execution, LoadError> {
        Execution::from_loaded(&LoadedModule::load(module)?, limits)
    }

    /// Like [`Execution::new`], for a module loaded once (see [`LoadedModule`]).
    pub fn from_loaded(module: &LoadedModule, limits: &Limits) -> Result<Execution, LoadError> {
        let code = module.module();
        let inner = match module.program() {
            AnyProgram::A32(p) => Inner::A32(Parts::new(p, code, limits)?),
            AnyProgram::A64(p) => Inner::A64(Parts::new(p, code, limits)?),
            AnyProgram::A128(p) => Inner::A128(Parts::new(p, code, limits)?),
            AnyProgram::A256(p) => Inner::A256(Parts::new(p, code, limits)?),
            AnyProgram::A512(p) => Inner::A512(Parts::new(p, code, limits)?),
        };
        Ok(Execution {
            inner,
            limits: limits.clone(),
        })
    }

    /// Runs (or continues) until the program finishes, traps or runs out of fuel. Pass the
    /// same host and state store to every call: the run's open descriptors and its
    /// transaction live there. After a trap or a finish the run cannot be resumed. A
    /// `CALL_HOST` traps here: [`Execution::resume_hosted`] provides host functions.
    pub fn resume(
        &mut self,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
    ) -> Result<Progress, RunError> {
        self.resume_hosted(HostEnv {
            io,
            host,
            imports: &mut NoHostFunctions,
            state: state.map(|s| s as &mut dyn StateStore),
        })
    }

    /// Like [`Execution::resume`], with host functions for the module's imports: pass the
    /// same [`HostEnv`] parts to every call.
    pub fn resume_hosted(&mut self, env: HostEnv<'_>) -> Result<Progress, RunError> {
        let limits = &self.limits;
        with_parts!(&mut self.inner, parts => {
            let step = parts.run.resume(&parts.program, limits, env)?;
            Ok(match step {
                Step::Finished(outcome) => Progress::Finished(outcome),
                Step::OutOfFuel => Progress::OutOfFuel { used: parts.run.fuel_used() },
            })
        })
    }

    /// Adds fuel for the next [`Execution::resume`].
    pub fn add_fuel(&mut self, fuel: u64) {
        with_parts!(&mut self.inner, parts => parts.run.add_fuel(fuel))
    }

    /// Fuel left.
    pub fn fuel_left(&self) -> u64 {
        with_parts!(&self.inner, parts => parts.run.fuel_left())
    }
}
