//! The `arch` benchmark: each arithmetic loop on every architecture, as a table of
//! instructions per second and nanoseconds per instruction, next to the same loop in
//! native Rust (ruint) at that width.

use crate::arith::{Kernel, check, dotvm_program, native_run, reference, run_dotvm};
use crate::timing::{Plan, rates};
use dotvm_core::Arch;
use std::time::Duration;

/// One architecture's figures.
struct Row {
    /// Instructions one run executes.
    instructions: u64,
    /// Median time of a DotVM run.
    dotvm: Duration,
    /// Median time of the native loop.
    native: Duration,
}

/// Measures `kernel` on `arch`: one checked run first, then the plan's rounds of a DotVM
/// run (each checked) and a native run.
fn measure(kernel: Kernel, arch: Arch, plan: &Plan) -> Result<Row, String> {
    let iterations = plan.iterations;
    let program = dotvm_program(kernel, arch, iterations)?;
    let expected = reference(kernel, arch, iterations);
    let first = run_dotvm(&program)?;
    check(arch, &first, expected)?;
    let medians = plan.medians(&mut [
        &mut || run_dotvm(&program).and_then(|run| check(arch, &run, expected)),
        &mut || native_run(kernel, arch, iterations),
    ])?;
    Ok(Row {
        instructions: first.instructions,
        dotvm: medians[0],
        native: medians[1],
    })
}

/// Runs the loops on the architectures and prints a table for each loop; fails if any
/// architecture failed (after printing the others).
pub(crate) fn bench(kernels: &[Kernel], archs: &[Arch], plan: &Plan) -> Result<(), String> {
    let iterations = plan.iterations;
    let mut failures = Vec::new();
    for (index, &kernel) in kernels.iter().enumerate() {
        if index > 0 {
            println!();
        }
        println!("{} per architecture: {}", kernel.formula(), plan.describe());
        println!(
            "  {:<8} {:>13} {:>10} {:>11} {:>9} {:>9} {:>14}",
            "arch", "instructions", "time ms", "M instr/s", "ns/instr", "ns/iter", "native ns/iter"
        );
        for &arch in archs {
            match measure(kernel, arch, plan) {
                Ok(row) => {
                    let (ns_per_instruction, millions_per_second) =
                        rates(row.instructions, row.dotvm);
                    println!(
                        "  {:<8} {:>13} {:>10.2} {:>11.1} {:>9.3} {:>9.2} {:>14.2}",
                        arch.name(),
                        row.instructions,
                        row.dotvm.as_secs_f64() * 1e3,
                        millions_per_second,
                        ns_per_instruction,
                        rates(iterations, row.dotvm).0,
                        rates(iterations, row.native).0,
                    );
                }
                Err(message) => {
                    println!("  {:<8} failed: {message}", arch.name());
                    failures.push(format!("{} on {arch}", kernel.formula()));
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("arch benchmark failed: {}", failures.join(", ")))
    }
}
