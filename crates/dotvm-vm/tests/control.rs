//! Control flow, calls, exit codes and resource limits.

mod common;

use common::*;
use dotvm_core::Opcode::*;
use dotvm_core::syscall::Syscall;
use dotvm_vm::{Limits, RunError, TrapKind};

/// `fib(n)` by naive recursion: function 1 takes n, returns fib(n).
fn fib_module(n: u64) -> dotvm_core::Module {
    let main = Code::new().push(n).idx(Call, 1).op(Ret);
    let fib = Code::new()
        .idx(LocalGet, 0)
        .push(2)
        .op(LtU)
        .jump(Jz, "recurse")
        .idx(LocalGet, 0)
        .op(Ret)
        .label("recurse")
        .idx(LocalGet, 0)
        .push(1)
        .op(Sub)
        .idx(Call, 1)
        .idx(LocalGet, 0)
        .push(2)
        .op(Sub)
        .idx(Call, 1)
        .op(Add)
        .op(Ret);
    module(vec![func(0, 1, 0, &main), func(1, 1, 0, &fib)])
}

/// Sums 1..=n in a loop with a counter and an accumulator local.
fn sum_loop(n: u64) -> Code {
    Code::new()
        .label("loop")
        .idx(LocalGet, 0)
        .push(1)
        .op(Add)
        .idx(LocalTee, 0)
        .idx(LocalGet, 1)
        .op(Add)
        .idx(LocalSet, 1)
        .idx(LocalGet, 0)
        .push(n)
        .op(LtU)
        .jump(Jnz, "loop")
        .idx(LocalGet, 1)
        .op(Ret)
}

/// A mixing loop whose local operands the fast code fuses into the operations: locals
/// x, i, acc, copy; returns copy ^ x.
fn mix_loop(n: u64) -> Code {
    Code::new()
        .label("loop")
        .idx(LocalGet, 0)
        .push(3)
        .op(I32Rotl)
        .idx(LocalGet, 2)
        .op(I32Add)
        .idx(LocalGet, 1)
        .op(Xor)
        .idx(LocalSet, 0)
        .idx(LocalGet, 0)
        .push(0xFF)
        .op(And)
        .idx(LocalGet, 2)
        .op(Add)
        .idx(LocalSet, 2)
        .idx(LocalGet, 2)
        .idx(LocalSet, 3)
        .idx(LocalGet, 1)
        .push(1)
        .op(Add)
        .idx(LocalTee, 1)
        .push(n)
        .op(LtU)
        .jump(Jnz, "loop")
        .idx(LocalGet, 3)
        .idx(LocalGet, 0)
        .op(Xor)
        .op(Ret)
}

/// What `mix_loop(n)` returns, computed directly.
fn mix_model(n: u64) -> u64 {
    let (mut x, mut i, mut acc) = (0u64, 0u64, 0u64);
    loop {
        let a = (x as u32).rotate_left(3).wrapping_add(acc as u32);
        x = u64::from(a) ^ i;
        acc = (x & 0xFF).wrapping_add(acc);
        let copy = acc;
        i += 1;
        if i >= n {
            return copy ^ x;
        }
    }
}

#[test]
fn fused_local_operands_compute_and_count_exactly() {
    let n = 500;
    let (result, _) = run(module(vec![func(0, 1, 4, &mix_loop(n))]));
    let outcome = result.unwrap();
    assert_eq!(outcome.exit_code, mix_model(n) as u32 as i32);
    // 23 instructions per iteration, then LOCAL_GET, LOCAL_GET, XOR, RET.
    assert_eq!(outcome.instructions, 23 * n + 4);
}

#[test]
fn recursive_fib() {
    assert_eq!(exit_code(fib_module(20)), 6765);
}

#[test]
fn loop_sums_and_counts_instructions_exactly() {
    let n = 1000;
    let (result, _) = run(module(vec![func(0, 1, 2, &sum_loop(n))]));
    let outcome = result.unwrap();
    assert_eq!(outcome.exit_code, (n * (n + 1) / 2) as i32);
    // 11 instructions per iteration, then LOCAL_GET and RET.
    assert_eq!(outcome.instructions, 11 * n + 2);
    assert_eq!(outcome.peak_memory, 65536);
}

#[test]
fn exit_codes_from_result_halt_and_exit() {
    assert_eq!(exit_code(main_module(&Code::new().push_i(-3).op(Ret))), -3);
    // The low 32 bits only.
    assert_eq!(
        exit_code(main_module(&Code::new().push(0x1_0000_0007).op(Ret))),
        7
    );
    let halting = module(vec![func(0, 0, 0, &Code::new().push(9).op(Halt))]);
    assert_eq!(exit_code(halting), 0);
    let no_result = module(vec![func(0, 0, 0, &Code::new().op(Ret))]);
    assert_eq!(exit_code(no_result), 0);
    let exiting = module(vec![
        func(0, 0, 0, &Code::new().idx(Call, 1).op(Ret)),
        func(0, 0, 0, &Code::new().push(42).sys(Syscall::Exit).op(Ret)),
    ]);
    assert_eq!(exit_code(exiting), 42);
}

#[test]
fn halt_and_exit_stop_at_any_depth_with_exact_counts() {
    let m = module(vec![
        func(0, 1, 0, &Code::new().idx(Call, 1).push(5).op(Ret)),
        func(0, 0, 0, &Code::new().op(Nop).op(Halt)),
    ]);
    let outcome = run(m).0.unwrap();
    assert_eq!((outcome.exit_code, outcome.instructions), (0, 3));
}

#[test]
fn jumps_and_conditional_branches() {
    // JZ taken on 0, JNZ not taken on 0, JMP over a trap.
    let code = Code::new()
        .push(0)
        .jump(Jz, "a")
        .op(Unreachable)
        .label("a")
        .push(0)
        .jump(Jnz, "bad")
        .jump(Jmp, "b")
        .label("bad")
        .op(Unreachable)
        .label("b")
        .push(11)
        .op(Ret);
    assert_eq!(exit_code(main_module(&code)), 11);
}

#[test]
fn calls_pass_params_as_locals_and_zero_declared_locals() {
    // f(a, b) = a*10 + b + c where c is a declared local (must be 0).
    let f = Code::new()
        .idx(LocalGet, 0)
        .push(10)
        .op(Mul)
        .idx(LocalGet, 1)
        .op(Add)
        .idx(LocalGet, 2)
        .op(Add)
        .op(Ret);
    // main leaves junk below the arguments; RET discards the extra height.
    let main = Code::new().push(99).push(3).push(4).idx(Call, 1).op(Ret);
    let m = module(vec![func(0, 1, 0, &main), func(2, 1, 1, &f)]);
    assert_eq!(exit_code(m), 34);
}

#[test]
fn stack_limit_is_checked_per_call() {
    // Each level needs 1 param slot + 2 operand slots; depth 3 in total.
    let m = fib_module(2);
    let enough = Limits {
        stack_slots: 7,
        ..Limits::default()
    };
    assert_eq!(run_with(m.clone(), &enough, b"").0.unwrap().exit_code, 1);
    let short = Limits {
        stack_slots: 5,
        ..Limits::default()
    };
    let trap = trap_with(m, &short);
    assert_eq!(trap.kind, TrapKind::StackOverflow);
    assert_eq!(trap.func, 1);
}

#[test]
fn call_depth_limit() {
    let m = fib_module(5); // main -> fib(5) -> ... -> fib(1): depth 6
    let exact = Limits {
        call_depth: 6,
        ..Limits::default()
    };
    assert_eq!(run_with(m.clone(), &exact, b"").0.unwrap().exit_code, 5);
    let short = Limits {
        call_depth: 5,
        ..Limits::default()
    };
    let trap = trap_with(m, &short);
    assert_eq!(trap.kind, TrapKind::CallDepthExceeded);
    assert_eq!(trap.function, "func[1]");
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    // One declared local per frame: frame k (depth k) ends at slot k.
    let m = module(vec![func(0, 0, 1, &Code::new().idx(Call, 0).op(Ret))]);
    let limits = Limits {
        call_depth: usize::MAX,
        stack_slots: 10_000,
        ..Limits::default()
    };
    let trap = trap_with(m, &limits);
    assert_eq!(trap.kind, TrapKind::StackOverflow);
    assert_eq!(trap.instructions, 9_999);
}

#[test]
fn instruction_limit_is_exact_at_the_boundary() {
    for (n, m) in [
        (10, module(vec![func(0, 1, 2, &sum_loop(10))])),
        (0, fib_module(6)),
        (7, module(vec![func(0, 1, 4, &mix_loop(7))])),
    ] {
        let total = run(m.clone()).0.unwrap().instructions;
        assert!(total > 20, "loop {n}: {total}");
        let at = Limits {
            instructions: total,
            ..Limits::default()
        };
        assert_eq!(run_with(m.clone(), &at, b"").0.unwrap().instructions, total);
        // Every smaller limit traps with exactly `limit` instructions done.
        for limit in [0, 1, total / 2, total - 1] {
            let below = Limits {
                instructions: limit,
                ..Limits::default()
            };
            let trap = trap_with(m.clone(), &below);
            assert_eq!(trap.kind, TrapKind::InstructionLimit);
            assert_eq!(trap.instructions, limit);
        }
    }
}

#[test]
fn instruction_limit_traps_at_the_right_pc_mid_block() {
    let code = Code::new().push(1).push(2).op(Add).push(3).op(Add).op(Ret);
    let limits = Limits {
        instructions: 3,
        ..Limits::default()
    };
    let trap = trap_with(main_module(&code), &limits);
    assert_eq!(trap.kind, TrapKind::InstructionLimit);
    assert_eq!(trap.pc, code.pc_of(3));
    assert_eq!(trap.instructions, 3);
}

#[test]
fn output_before_the_limit_is_kept() {
    let code = Code::new()
        .push(65)
        .sys(Syscall::PrintChar)
        .push(66)
        .sys(Syscall::PrintChar)
        .push(0)
        .op(Ret);
    let limits = Limits {
        instructions: 3,
        ..Limits::default()
    };
    let (result, io) = run_with(main_module(&code), &limits, b"");
    assert!(matches!(result, Err(RunError::Trap(t)) if t.kind == TrapKind::InstructionLimit));
    assert_eq!(io.output_text(), "A");
}

#[test]
fn traps_report_function_pc_and_count() {
    let f = Code::new().op(Nop).push(1).push(0).op(DivU).op(Ret);
    let main = Code::new().push(7).op(Pop).idx(Call, 1).op(Ret);
    let mut m = module(vec![func(0, 1, 0, &main), func(0, 1, 0, &f)]);
    m.exports.push(dotvm_core::module::Export {
        name: "divide".into(),
        func: 1,
    });
    let trap = trap_of(m);
    assert_eq!(trap.kind, TrapKind::DivideByZero);
    assert_eq!((trap.func, trap.function.as_str()), (1, "divide"));
    assert_eq!(trap.pc, f.pc_of(3));
    // PUSH, POP, CALL, NOP, PUSH, PUSH completed before the DIV_U.
    assert_eq!(trap.instructions, 6);
    assert_eq!(
        trap.to_string(),
        format!("integer divide by zero in divide at pc {}", f.pc_of(3))
    );
}

#[test]
fn unreachable_traps() {
    let trap = trap_of(main_module(&Code::new().op(Unreachable)));
    assert_eq!(
        (trap.kind, trap.pc, trap.instructions),
        (TrapKind::Unreachable, 0, 0)
    );
}

#[test]
fn every_architecture_runs_and_returns_the_low_32_bits() {
    for arch in dotvm_core::Arch::ALL {
        // -2 in the word: all ones but the lowest bit, whatever the width.
        let mut m = main_module(&Code::new().push(2).op(Neg).op(Ret));
        m.arch = arch;
        let outcome = run(m).0.unwrap();
        assert_eq!(outcome.exit_code, -2, "{arch}");
        assert_eq!(outcome.instructions, 3, "{arch}");
    }
}

#[test]
fn initial_memory_above_the_limit_is_rejected() {
    let mut m = main_module(&Code::new().push(0).op(Ret));
    m.memory.initial_pages = 4;
    let limits = Limits {
        memory_bytes: 3 * 65536,
        ..Limits::default()
    };
    let err = run_with(m, &limits, b"").0.unwrap_err();
    assert!(
        matches!(err, RunError::Load(dotvm_vm::LoadError::Memory(_))),
        "{err:?}"
    );
}
