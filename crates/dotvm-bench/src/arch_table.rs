//! The `arch` benchmark: the arithmetic loop on every architecture, as a table of
//! instructions per second and nanoseconds per instruction.

use crate::arith::{DotvmRun, dotvm_program, reference, run_dotvm};
use crate::timing::{median, rates, timed};
use dotvm_core::Arch;
use std::time::Duration;

/// One architecture's figures.
struct Row {
    /// Instructions one run executes.
    instructions: u64,
    /// Median wall time of a run.
    time: Duration,
}

/// Checks one run's answer against the native reference.
pub(crate) fn check(arch: Arch, run: &DotvmRun, expected: dotvm_core::Imm) -> Result<(), String> {
    if run.x == expected {
        Ok(())
    } else {
        Err(format!(
            "{arch} computed {:#x}, the reference {expected:#x}",
            run.x
        ))
    }
}

/// Measures `arch`: one checked warm-up run, then `runs` timed runs, each checked.
fn measure(arch: Arch, iterations: u64, runs: usize) -> Result<Row, String> {
    let program = dotvm_program(arch, iterations)?;
    let expected = reference(arch, iterations);
    check(arch, &run_dotvm(&program)?, expected)?;
    let mut times = Vec::with_capacity(runs);
    let mut instructions = 0;
    for _ in 0..runs {
        let (time, run) = timed(|| run_dotvm(&program))?;
        check(arch, &run, expected)?;
        times.push(time);
        instructions = run.instructions;
    }
    Ok(Row {
        instructions,
        time: median(times),
    })
}

/// Runs the loop on every architecture and prints the table; fails if any architecture
/// failed (after printing the others).
pub(crate) fn bench(iterations: u64, runs: usize) -> Result<(), String> {
    println!(
        "arithmetic loop x = (x * a + b) * c mod m on every architecture: \
         {iterations} iterations, {runs} runs (median)"
    );
    println!(
        "  {:<8} {:>13} {:>10} {:>11} {:>9} {:>8}",
        "arch", "instructions", "time ms", "M instr/s", "ns/instr", "ns/iter"
    );
    let mut failures = Vec::new();
    for arch in Arch::ALL {
        match measure(arch, iterations, runs) {
            Ok(row) => {
                let (ns_per_instruction, millions_per_second) = rates(row.instructions, row.time);
                let (ns_per_iteration, _) = rates(iterations, row.time);
                println!(
                    "  {:<8} {:>13} {:>10.2} {:>11.1} {:>9.3} {:>8.2}",
                    arch.name(),
                    row.instructions,
                    row.time.as_secs_f64() * 1e3,
                    millions_per_second,
                    ns_per_instruction,
                    ns_per_iteration,
                );
            }
            Err(message) => {
                println!("  {:<8} failed: {message}", arch.name());
                failures.push(arch.name());
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("arch benchmark failed on {}", failures.join(", ")))
    }
}
