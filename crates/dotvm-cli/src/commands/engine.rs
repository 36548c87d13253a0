//! `dotvm run --engine`: choosing between the compiled tier (`dotvm::CompiledModule`,
//! the crate's `jit` feature) and the interpreter for a plain run (no database opcodes, no
//! inspector).

use crate::cli::{EngineName, RunArgs};
use anyhow::{Result, anyhow};
use dotvm_vm::{Host, Io, Outcome, RunError};
use std::time::Duration;

/// Which engine ran a program, for `--verbose`.
#[derive(Debug, Clone)]
pub enum Ran {
    /// The compiled tier, after compiling for this long.
    Jit(Duration),
    /// The interpreter, for this reason.
    Interp(String),
}

impl Ran {
    /// The `--verbose` line.
    pub fn report(&self) -> String {
        match self {
            Ran::Jit(time) => format!(
                "engine           jit (compiled in {:.3} ms)",
                time.as_secs_f64() * 1e3
            ),
            Ran::Interp(reason) => format!("engine           interp ({reason})"),
        }
    }
}

/// Why `--engine auto` interprets (see [`run_compiled`]).
const AUTO_INTERPRETS: &str = "auto: the JIT compiles the whole program before it runs, \
     which costs more than short runs take; --engine jit compiles";

/// What [`run_compiled`] did.
pub enum Choice {
    /// The JIT ran the program: its result, and the engine report.
    Compiled(Result<Outcome, RunError>, Ran),
    /// The interpreter should run it, for this reason.
    Interpret(Ran),
}

/// Runs `module` with the compiled tier when `args` ask for it (`--engine jit`), or
/// returns the reason to use the interpreter. `auto` interprets: the JIT compiles every
/// function before the run starts (about 0.4 s for `examples/hello.rs`, which the
/// interpreter runs in 10 ms), so until it tiers up by call count, compiling would make
/// every short run slower. `--engine jit` is an error when the JIT cannot compile the module
/// (no native code generator on the host, or a value-stack limit too large to reserve).
pub fn run_compiled(
    args: &RunArgs,
    module: &dotvm::Module,
    io: &mut dyn Io,
    host: &mut Host,
) -> Result<Choice> {
    let interp = |reason: &str| Ok(Choice::Interpret(Ran::Interp(reason.to_string())));
    if args.step || args.debug {
        return interp("--step and --debug use the interpreter");
    }
    match args.engine {
        EngineName::Interp => interp("--engine interp"),
        EngineName::Auto => interp(AUTO_INTERPRETS),
        EngineName::Jit => {
            let limits = module.engine().config().limits();
            match module.compile() {
                Ok(compiled) if compiled.supports(limits) => {
                    let time = compiled.compile_time();
                    let result = compiled.run_hosted(io, host).map_err(RunError::from);
                    Ok(Choice::Compiled(result, Ran::Jit(time)))
                }
                Ok(_) => Err(anyhow!(
                    "--engine jit: the value stack limit ({} slots) is too large for the JIT",
                    limits.stack_slots
                )),
                // A module that cannot load is reported as the interpreter reports it.
                Err(dotvm::Error::Instantiate(error)) => Err(anyhow!("{error}")),
                Err(error) => Err(anyhow!("{error}")),
            }
        }
    }
}
