//! The `lanes` benchmark: the word-lane example `examples/lanes_dot.dasm` (a dot product
//! of 1024 i32 pairs, one word of 32-bit lanes per step) on every architecture, in
//! nanoseconds per element: a wider word holds more lanes, so it should take less time
//! per element. The example's `ROUNDS` constant is raised to the plan's iterations, and
//! every run's output is checked against `examples/lanes_dot.out`.

use crate::timing::{Plan, rates};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, LaneWidth, Verified};
use dotvm_vm::{BufferIo, Limits};

/// The example program, as shipped.
const SOURCE: &str = include_str!("../../../examples/lanes_dot.dasm");
/// Its expected output (the same for any number of rounds).
const EXPECTED: &str = include_str!("../../../examples/lanes_dot.out");
/// The line of the example that sets how many times the product is computed.
const ROUNDS_LINE: &str = ".const ROUNDS 1 ";
/// Elements of each vector (the example's `N`).
const ELEMENTS: u64 = 1024;

/// The example with `rounds` rounds, assembled and verified for `arch`.
fn program(arch: Arch, rounds: u64) -> Result<Verified, String> {
    if !SOURCE.contains(ROUNDS_LINE) {
        return Err(format!(
            "examples/lanes_dot.dasm has no `{ROUNDS_LINE}` line"
        ));
    }
    let source = SOURCE.replacen(ROUNDS_LINE, &format!(".const ROUNDS {rounds} "), 1);
    let options = AsmOptions {
        arch: Some(arch),
        line_table: false,
    };
    let module = assemble(&source, "lanes_dot.dasm", &options).map_err(|e| e.to_string())?;
    Verified::new(module).map_err(|e| format!("lanes_dot on {arch}: {e}"))
}

/// Runs the program once and checks its output; returns the instructions it executed.
fn run(program: &Verified) -> Result<u64, String> {
    let mut io = BufferIo::default();
    let outcome = dotvm_vm::run(program, &Limits::default(), &mut io).map_err(|e| e.to_string())?;
    let text = io.output_text();
    if text != EXPECTED {
        return Err(format!("printed `{text}`, expected `{EXPECTED}`"));
    }
    Ok(outcome.instructions)
}

/// Runs the example `plan.iterations` rounds on each architecture and prints the time per
/// element; fails if any architecture failed (after printing the others).
pub(crate) fn bench(archs: &[Arch], plan: &Plan) -> Result<(), String> {
    let rounds = plan.iterations;
    let elements = rounds * ELEMENTS;
    println!(
        "word lanes: dot product of {ELEMENTS} i32 pairs (examples/lanes_dot.dasm), {}",
        plan.describe()
    );
    println!(
        "  {:<8} {:>10} {:>13} {:>10} {:>9} {:>9}",
        "arch", "i32 lanes", "instructions", "time ms", "ns/elem", "ns/instr"
    );
    let mut failures = Vec::new();
    for &arch in archs {
        let measured = program(arch, rounds).and_then(|program| {
            let instructions = run(&program)?;
            let medians = plan.medians(&mut [&mut || run(&program).map(drop)])?;
            Ok((instructions, medians[0]))
        });
        match measured {
            Ok((instructions, time)) => println!(
                "  {:<8} {:>10} {:>13} {:>10.2} {:>9.3} {:>9.3}",
                arch.name(),
                LaneWidth::L32.lanes(arch),
                instructions,
                time.as_secs_f64() * 1e3,
                rates(elements, time).0,
                rates(instructions, time).0,
            ),
            Err(message) => {
                println!("  {:<8} failed: {message}", arch.name());
                failures.push(arch.name());
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("lanes benchmark failed on {}", failures.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_prints_its_output_with_more_rounds_on_every_architecture() {
        for arch in Arch::ALL {
            let program = program(arch, 3).unwrap_or_else(|e| panic!("{e}"));
            run(&program).unwrap_or_else(|e| panic!("{arch}: {e}"));
        }
    }
}
