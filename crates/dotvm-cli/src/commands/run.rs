//! `dotvm run`: load, verify and execute a program.

use crate::cli::RunArgs;
use crate::program::{is_assembly, load_verified};
use anyhow::Result;
use dotvm_vm::{Limits, Outcome, StdIo, Trap};
use std::time::{Duration, Instant};

/// How a run ended, for the exit status.
pub enum RunEnd {
    /// The program finished with this exit code.
    Exited(i32),
    /// The program trapped.
    Trapped(Trap),
}

/// Runs the program and reports statistics when asked.
pub fn execute(args: &RunArgs) -> Result<RunEnd> {
    let load_start = Instant::now();
    let verified = load_verified(&args.file)?;
    let load_time = load_start.elapsed();
    let limits = limits_from(args);
    let mut io = StdIo;
    let run_start = Instant::now();
    let result = dotvm_vm::run(&verified, &limits, &mut io);
    let run_time = run_start.elapsed();
    let _ = dotvm_vm::Io::flush(&mut io);
    if args.verbose {
        let module = verified.module();
        let executed = match &result {
            Ok(outcome) => outcome.instructions,
            Err(trap) => trap.instructions,
        };
        eprintln!(
            "{}",
            verbose_report(
                args,
                module,
                load_time,
                run_time,
                executed,
                result.as_ref().ok()
            )
        );
    }
    Ok(match result {
        Ok(outcome) => RunEnd::Exited(outcome.exit_code),
        Err(trap) => RunEnd::Trapped(trap),
    })
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
    executed: u64,
    outcome: Option<&Outcome>,
) -> String {
    let per_second = executed as f64 / run_time.as_secs_f64().max(1e-9);
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
            "sections         {} functions ({code_bytes} code bytes), {} constants, {} globals, {} data segments, {} exports, debug info {}",
            module.functions.len(),
            module.constants.len(),
            module.globals.len(),
            module.memory.segments.len(),
            module.exports.len(),
            if module.debug.is_some() { "yes" } else { "no" }
        ),
        format!("instructions     {executed}"),
        format!("run time         {:.3} ms", run_time.as_secs_f64() * 1e3),
        format!(
            "speed            {:.1} million instructions/s",
            per_second / 1e6
        ),
    ];
    if let Some(outcome) = outcome {
        lines.push(format!("peak memory      {} bytes", outcome.peak_memory));
        lines.push(format!("exit code        {}", outcome.exit_code));
    }
    lines.join("\n")
}
