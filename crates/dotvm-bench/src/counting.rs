//! The `loop` benchmark: a tight Arch64 counting loop run by the interpreter, next to the
//! same loop in native Rust as a reference.

use crate::timing::{Plan, rates};
use dotvm_core::instruction::Operand;
use dotvm_core::module::{Function, Memory};
use dotvm_core::verify::required_max_stack;
use dotvm_core::{Imm, Instruction, Module, Opcode, Verified};
use dotvm_vm::{BufferIo, Limits};
use std::hint::black_box;

/// The loop `do { i += 1 } while i < n`, written the way a stack compiler emits it:
/// `LOCAL_GET 0; PUSH 1; ADD; LOCAL_TEE 0; PUSH n; LT_U; JNZ loop`, then returns 0.
fn counting_loop(iterations: u64) -> Result<Verified, String> {
    let with = |opcode, operand| Instruction { opcode, operand };
    let body = [
        with(Opcode::LocalGet, Operand::Index(0)),
        with(Opcode::Push, Operand::Imm(Imm::from(1u64))),
        Instruction::simple(Opcode::Add),
        with(Opcode::LocalTee, Operand::Index(0)),
        with(Opcode::Push, Operand::Imm(Imm::from(iterations))),
        Instruction::simple(Opcode::LtU),
        with(Opcode::Jnz, Operand::Target(0)),
        with(Opcode::Push, Operand::Imm(Imm::ZERO)),
        Instruction::simple(Opcode::Ret),
    ];
    let mut code = Vec::new();
    for instruction in &body {
        instruction.encode(&mut code);
    }
    let mut module = Module {
        functions: vec![Function {
            params: 0,
            results: 1,
            locals: 1,
            max_stack: 0,
            code,
            ..Default::default()
        }],
        memory: Memory::default(),
        ..Module::default()
    };
    module.functions[0].max_stack = required_max_stack(&module, 0).map_err(|e| e.to_string())?;
    Verified::new(module).map_err(|e| e.to_string())
}

/// The same loop in native Rust, kept honest with `black_box`.
fn native_loop(iterations: u64) -> u64 {
    let mut i = 0u64;
    loop {
        i = black_box(i) + 1;
        if i >= black_box(iterations) {
            return i;
        }
    }
}

/// Runs the benchmark and prints its figures.
pub(crate) fn bench(plan: &Plan) -> Result<(), String> {
    let iterations = plan.iterations;
    let program = counting_loop(iterations)?;
    let limits = Limits::default();
    let run = || dotvm_vm::run(&program, &limits, &mut BufferIo::default());
    let instructions = run().map_err(|e| e.to_string())?.instructions;
    let medians = plan.medians(&mut [
        &mut || run().map(drop).map_err(|e| e.to_string()),
        &mut || {
            black_box(native_loop(black_box(iterations)));
            Ok(())
        },
    ])?;
    let (dotvm, native) = (medians[0], medians[1]);
    let (ns_per_instruction, millions_per_second) = rates(instructions, dotvm);
    println!("counting loop (arch64): {}", plan.describe());
    println!("  DotVM instructions executed: {instructions}");
    println!(
        "  DotVM time:                  {:.3} ms",
        dotvm.as_secs_f64() * 1e3
    );
    println!("  DotVM instructions/second:   {millions_per_second:.1} million");
    println!("  DotVM ns/instruction:        {ns_per_instruction:.3}");
    println!(
        "  native Rust loop:            {:.3} ms",
        native.as_secs_f64() * 1e3
    );
    println!(
        "  DotVM / native time:         {:.1}x",
        dotvm.as_secs_f64() / native.as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_runs_its_iterations() {
        let program = counting_loop(10).unwrap();
        let outcome =
            dotvm_vm::run(&program, &Limits::default(), &mut BufferIo::default()).unwrap();
        assert_eq!(outcome.exit_code, 0);
        // 7 instructions per iteration, then PUSH 0 and RET.
        assert_eq!(outcome.instructions, 7 * 10 + 2);
        assert_eq!(native_loop(10), 10);
    }
}
