//! `dotvm run --engine`: choosing between the compiled tier (`dotvm::CompiledModule`,
//! the crate's `jit` feature), the tiered run (`dotvm::Module::run_tiered`) and the
//! interpreter for a plain run (no database opcodes, no inspector).

use crate::cli::{EngineName, RunArgs};
use anyhow::{Result, anyhow};
use dotvm_vm::{Host, Io, Outcome, RunError};
use std::time::Duration;

/// Which engine ran a program, for `--verbose`.
#[derive(Debug, Clone)]
pub enum Ran {
    /// The compiled tier, after compiling for this long.
    Jit(Duration),
    /// `auto`: the interpreter, switching to compiled code once a second thread compiled it.
    Tiered(dotvm::Tiered),
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
            Ran::Tiered(tiered) => {
                let how = match (&tiered.compiled, tiered.entered) {
                    (Ok(time), true) => format!(
                        "compiled in {:.3} ms on a second thread; calls ran native code from then on",
                        time.as_secs_f64() * 1e3
                    ),
                    (Ok(time), false) => format!(
                        "compiled in {:.3} ms on a second thread, as the run ended",
                        time.as_secs_f64() * 1e3
                    ),
                    (Err(dotvm::JitError::Cancelled), _) => {
                        "interpreted: the run ended before compiling did".to_string()
                    }
                    (Err(error), _) => format!("interpreted: {error}"),
                };
                format!("engine           auto ({how})")
            }
            Ran::Interp(reason) => format!("engine           interp ({reason})"),
        }
    }
}

/// Why `--engine auto` interprets on a host with one core (see [`run_compiled`]).
const AUTO_ONE_CPU: &str = "auto: one CPU, so compiling beside the run would slow it; \
     --engine jit compiles first";

/// Why `--engine auto` interprets 256- and 512-bit programs (see `docs/jit.md`).
const AUTO_WIDE: &str = "auto: the JIT computes 256- and 512-bit words through calls into \
     the interpreter's code, slower than interpreting; --engine jit compiles";

/// What [`run_compiled`] did.
pub enum Choice {
    /// The JIT ran the program: its result, and the engine report.
    Compiled(Result<Outcome, RunError>, Ran),
    /// The interpreter should run it, for this reason.
    Interpret(Ran),
}

/// Runs `module` with the compiled tier when `args` ask for it (`--engine jit`), as a
/// tiered run for `auto` (the interpreter starts at once while a second thread compiles;
/// calls switch to native code when it is ready, so short runs cost what interpreting
/// costs), or returns the reason to use the interpreter (`interp`, the precise modes, or
/// `auto` on a host with one CPU, where the compiler would take the run's CPU, and for
/// 256- and 512-bit words, which the JIT computes more slowly than the interpreter).
/// `--engine jit` is an error when the JIT cannot compile the module (no native code
/// generator on the host, or a value-stack limit too large to reserve).
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
        EngineName::Auto => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            if cores < 2 {
                return interp(AUTO_ONE_CPU);
            }
            if matches!(module.arch(), dotvm::Arch::Arch256 | dotvm::Arch::Arch512) {
                return interp(AUTO_WIDE);
            }
            let (result, tiered) = module.run_tiered(io, host);
            Ok(Choice::Compiled(
                result.map_err(RunError::from),
                Ran::Tiered(tiered),
            ))
        }
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
