//! `dotvm run`: load, verify and execute a program.

use crate::cli::RunArgs;
use crate::program::{is_assembly, load_verified};
use crate::stepper::Stepper;
use crate::trace::Tracer;
use anyhow::{Context, Result, anyhow};
use dotvm_vm::{Io, Limits, Outcome, RunError, SeededIo, StdIo, Stopped, Trap};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// How a run ended, for the exit status.
pub enum RunEnd {
    /// The program finished with this exit code.
    Exited(i32),
    /// The program trapped.
    Trapped(Trap),
    /// The debugger's `q` stopped the program.
    Stopped(Stopped),
}

/// The seed of `--deterministic` randomness.
const DETERMINISTIC_SEED: [u8; 32] = [0; 32];

/// Runs the program and reports statistics when asked.
pub fn execute(args: &RunArgs) -> Result<RunEnd> {
    let load_start = Instant::now();
    let verified = load_verified(&args.file, args.arch)?;
    let load_time = load_start.elapsed();
    let limits = limits_from(args);
    let run_start = Instant::now();
    let mut streams: Box<dyn Io> = if args.step {
        let input: Box<dyn Read> = match &args.input {
            Some(path) => Box::new(
                std::fs::File::open(path)
                    .with_context(|| format!("cannot open --input {}", path.display()))?,
            ),
            None => Box::new(std::io::empty()),
        };
        Box::new(SteppedIo { input })
    } else {
        Box::new(StdIo)
    };
    let mut seeded;
    let io: &mut dyn Io = if args.deterministic {
        seeded = SeededIo::new(&mut *streams, DETERMINISTIC_SEED);
        &mut seeded
    } else {
        &mut *streams
    };
    let result = if args.step {
        let mut stepper = Stepper::new(std::io::stdin().lock(), std::io::stderr());
        dotvm_vm::run_inspected(&verified, &limits, io, &mut stepper)
    } else if args.debug {
        let mut tracer = Tracer::new(std::io::BufWriter::new(std::io::stderr()));
        dotvm_vm::run_inspected(&verified, &limits, io, &mut tracer)
    } else {
        dotvm_vm::run(&verified, &limits, io)
    };
    let run_time = run_start.elapsed();
    let _ = StdIo.flush();
    if args.verbose {
        let executed = match &result {
            Ok(outcome) => Some(outcome.instructions),
            Err(RunError::Trap(trap)) => Some(trap.instructions),
            Err(RunError::Stopped(stopped)) => Some(stopped.instructions),
            Err(RunError::Load(_)) => None,
        };
        eprintln!(
            "{}",
            verbose_report(
                args,
                verified.module(),
                load_time,
                run_time,
                executed,
                result.as_ref().ok()
            )
        );
    }
    match result {
        Ok(outcome) => Ok(RunEnd::Exited(outcome.exit_code)),
        Err(RunError::Trap(trap)) => Ok(RunEnd::Trapped(trap)),
        Err(RunError::Stopped(stopped)) => Ok(RunEnd::Stopped(stopped)),
        Err(RunError::Load(error)) => Err(anyhow!("{}: {error}", args.file.display())),
    }
}

/// Program I/O under `--step`: stdout as usual, stdin from `--input` (stdin carries the
/// debugger's commands).
struct SteppedIo {
    input: Box<dyn Read>,
}

impl Io for SteppedIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        StdIo.fill_random(buf)
    }
}

/// The limits the flags ask for, defaults elsewhere.
fn limits_from(args: &RunArgs) -> Limits {
    let defaults = Limits::default();
    Limits {
        stack_slots: args.stack_size.unwrap_or(defaults.stack_slots),
        call_depth: args.call_depth.unwrap_or(defaults.call_depth),
        memory_bytes: args.memory_limit.unwrap_or(defaults.memory_bytes),
        instructions: args.max_instructions.unwrap_or(defaults.instructions),
    }
}

/// The `--verbose` statistics block.
fn verbose_report(
    args: &RunArgs,
    module: &dotvm_core::Module,
    load_time: Duration,
    run_time: Duration,
    executed: Option<u64>,
    outcome: Option<&Outcome>,
) -> String {
    let code_bytes: usize = module.functions.iter().map(|f| f.code.len()).sum();
    let mut lines = vec![
        "--- dotvm statistics ---".to_string(),
        format!(
            "input            {} ({})",
            args.file.display(),
            if is_assembly(&args.file) {
                "assembled in memory"
            } else {
                "bytecode"
            }
        ),
        format!(
            "load time        {:.3} ms (read, decode, verify)",
            load_time.as_secs_f64() * 1e3
        ),
        format!(
            "architecture     {} ({}-bit words)",
            module.arch,
            module.arch.word_bits()
        ),
        format!(
            "sections         {} functions ({code_bytes} code bytes), {} constants, {} globals, \
             {} data segments, {} exports, debug info {}",
            module.functions.len(),
            module.constants.len(),
            module.globals.len(),
            module.memory.segments.len(),
            module.exports.len(),
            if module.debug.is_some() { "yes" } else { "no" }
        ),
        format!("run time         {:.3} ms", run_time.as_secs_f64() * 1e3),
    ];
    if let Some(executed) = executed {
        let per_second = executed as f64 / run_time.as_secs_f64().max(1e-9);
        lines.push(format!("instructions     {executed}"));
        lines.push(format!(
            "speed            {:.1} million instructions/s",
            per_second / 1e6
        ));
    }
    if let Some(outcome) = outcome {
        lines.push(format!("peak memory      {} bytes", outcome.peak_memory));
        lines.push(format!("exit code        {}", outcome.exit_code));
    }
    lines.join("\n")
}
