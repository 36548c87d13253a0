//! The `revm` benchmark: each arithmetic loop on DotVM's Arch256 next to the same loop as
//! EVM bytecode in revm's interpreter and natively (ruint), checked for equal results,
//! then timed with the runs interleaved (so all see the same machine noise) and compared
//! by median time.

use crate::arith::{Kernel, check, dotvm_program, native_run, reference, run_dotvm};
use crate::evm::{Revm, evm_loop, to_imm};
use crate::timing::{Plan, rates};
use dotvm_core::{Arch, Imm};
use std::time::Duration;

/// Prints one implementation's line of figures (`instructions` is `None` for native code).
fn print_line(name: &str, instructions: Option<u64>, iterations: u64, time: Duration) {
    let (ns_per_iteration, _) = rates(iterations, time);
    let counts = match instructions {
        Some(count) => {
            let (ns_per_instruction, millions_per_second) = rates(count, time);
            format!("{count:>13} {millions_per_second:>11.1} {ns_per_instruction:>9.3}")
        }
        None => format!("{:>13} {:>11} {:>9}", "-", "-", "-"),
    };
    println!(
        "  {name:<14} {:>10.2} {counts} {ns_per_iteration:>9.2}",
        time.as_secs_f64() * 1e3,
    );
}

/// revm's answer, checked against the reference.
fn checked_revm(
    revm: &Revm,
    code: &revm_interpreter::bytecode::Bytecode,
    expected: Imm,
) -> Result<(), String> {
    let x = to_imm(revm.run(code)?);
    if x == expected {
        Ok(())
    } else {
        Err(format!("revm computed {x:#x}, the reference {expected:#x}"))
    }
}

/// Compares one kernel and prints its figures.
fn compare(kernel: Kernel, plan: &Plan, revm: &Revm) -> Result<(), String> {
    let iterations = plan.iterations;
    let arch = Arch::Arch256;
    let program = dotvm_program(kernel, arch, iterations)?;
    let evm = evm_loop(kernel, iterations);
    let expected = reference(kernel, arch, iterations);

    // Correctness first: both must compute the reference value.
    let first = run_dotvm(&program)?;
    check(arch, &first, expected)?;
    checked_revm(revm, &evm.code, expected)?;

    let medians = plan.medians(&mut [
        &mut || run_dotvm(&program).and_then(|run| check(arch, &run, expected)),
        &mut || checked_revm(revm, &evm.code, expected),
        &mut || native_run(kernel, arch, iterations),
    ])?;
    let (dotvm, revm_time, native) = (medians[0], medians[1], medians[2]);

    println!("{}: both computed x = {expected:#x}", kernel.formula());
    println!(
        "  {:<14} {:>10} {:>13} {:>11} {:>9} {:>9}",
        "", "time ms", "instructions", "M instr/s", "ns/instr", "ns/iter"
    );
    print_line("DotVM arch256", Some(first.instructions), iterations, dotvm);
    print_line("revm (EVM)", Some(evm.instructions), iterations, revm_time);
    print_line("native ruint", None, iterations, native);
    let ratio = dotvm.as_secs_f64() / revm_time.as_secs_f64();
    let verdict = if ratio <= 1.0 {
        format!("DotVM is {:.2}x as fast as revm", 1.0 / ratio)
    } else {
        format!("DotVM is {ratio:.2}x slower than revm")
    };
    println!("  time ratio DotVM / revm: {ratio:.3} ({verdict})");
    // Signed: DotVM's MULMOD can beat the native column (ruint's `mul_mod`).
    let against_native =
        |time: Duration| (time.as_secs_f64() - native.as_secs_f64()) * 1e9 / iterations as f64;
    println!(
        "  time per iteration against native (ruint): DotVM {:+.2} ns, revm {:+.2} ns",
        against_native(dotvm),
        against_native(revm_time)
    );
    Ok(())
}

/// Runs the comparison for the loops and prints the figures.
pub(crate) fn bench(kernels: &[Kernel], plan: &Plan) -> Result<(), String> {
    println!(
        "256-bit loops, DotVM arch256 vs revm {} (interpreter, dummy host), runs interleaved: {}",
        crate::REVM_VERSION,
        plan.describe()
    );
    let revm = Revm::new();
    for &kernel in kernels {
        compare(kernel, plan, &revm)?;
    }
    Ok(())
}
