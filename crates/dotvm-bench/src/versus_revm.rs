//! The `revm` benchmark: the 256-bit arithmetic loop on DotVM's Arch256 next to the same
//! loop as EVM bytecode in revm, checked for equal results, then timed with the runs
//! interleaved (so both see the same machine noise) and compared by median time.

use crate::arch_table::check;
use crate::arith::{dotvm_program, reference, run_dotvm};
use crate::evm::{Revm, evm_loop, to_imm};
use crate::timing::{median, rates, timed};
use dotvm_core::Arch;
use std::time::Duration;

/// Prints one implementation's line of figures.
fn print_line(name: &str, instructions: u64, iterations: u64, time: Duration) {
    let (ns_per_instruction, millions_per_second) = rates(instructions, time);
    let (ns_per_iteration, _) = rates(iterations, time);
    println!(
        "  {name:<14} {instructions:>13} {:>10.2} {millions_per_second:>11.1} \
         {ns_per_instruction:>9.3} {ns_per_iteration:>8.2}",
        time.as_secs_f64() * 1e3,
    );
}

/// Runs the comparison and prints its figures.
pub(crate) fn bench(iterations: u64, runs: usize) -> Result<(), String> {
    let arch = Arch::Arch256;
    let program = dotvm_program(arch, iterations)?;
    let evm = evm_loop(iterations);
    let revm = Revm::new();
    let expected = reference(arch, iterations);

    // Correctness first: both must compute the reference value.
    check(arch, &run_dotvm(&program)?, expected)?;
    let evm_x = to_imm(revm.run(&evm.code)?);
    if evm_x != expected {
        return Err(format!(
            "revm computed {evm_x:#x}, the reference {expected:#x}"
        ));
    }

    let mut dotvm_times = Vec::with_capacity(runs);
    let mut revm_times = Vec::with_capacity(runs);
    let mut dotvm_instructions = 0;
    for _ in 0..runs {
        let (time, run) = timed(|| run_dotvm(&program))?;
        check(arch, &run, expected)?;
        dotvm_times.push(time);
        dotvm_instructions = run.instructions;
        let (time, x) = timed(|| revm.run(&evm.code))?;
        if to_imm(x) != expected {
            return Err("revm's result changed between runs".to_string());
        }
        revm_times.push(time);
    }
    let dotvm = median(dotvm_times);
    let revm_time = median(revm_times);

    println!(
        "256-bit loop x = (x * a + b) * c mod m, DotVM arch256 vs revm {}: \
         {iterations} iterations, {runs} runs (median, interleaved)",
        crate::REVM_VERSION
    );
    println!("  both computed x = {expected:#x}");
    println!(
        "  {:<14} {:>13} {:>10} {:>11} {:>9} {:>8}",
        "", "instructions", "time ms", "M instr/s", "ns/instr", "ns/iter"
    );
    print_line("DotVM arch256", dotvm_instructions, iterations, dotvm);
    print_line("revm (EVM)", evm.instructions, iterations, revm_time);
    let ratio = dotvm.as_secs_f64() / revm_time.as_secs_f64();
    let verdict = if ratio <= 1.0 {
        format!("DotVM is {:.2}x as fast as revm", 1.0 / ratio)
    } else {
        format!("DotVM is {ratio:.2}x slower than revm")
    };
    println!("  time ratio DotVM / revm: {ratio:.3} ({verdict})");
    Ok(())
}
