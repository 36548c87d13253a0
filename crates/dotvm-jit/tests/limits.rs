//! The run limits under the JIT: deep recursion up to the call-depth limit, the value-stack
//! limit, the instruction limit inside a hot loop, an embedder's interrupt and the time
//! limit give the interpreter's traps, at the same place and count where that is defined.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::{BufferIo, Host, Interrupt, Limits, RunError, TrapKind};
use std::time::Duration;

/// Recursion `f(n) = n == 0 ? 0 : f(n - 1) + 1` from `main` with `n`.
fn recursion(n: u64, arch: Arch) -> Verified {
    let source = format!(
        ".func main\n    PUSH {n}\n    CALL f\n    SYSCALL print_uint\n    HALT\n.end\n\
         .func f results=1\n    .param n\n    LOCAL_GET n\n    JNZ more\n    PUSH 0\n    RET\n\
         more:\n    LOCAL_GET n\n    PUSH 1\n    SUB\n    CALL f\n    PUSH 1\n    ADD\n    RET\n.end\n"
    );
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    Verified::new(assemble(&source, "recursion.dasm", &options).expect("assemble")).expect("verify")
}

/// A loop that never ends.
fn forever() -> Verified {
    let source = ".func main\n    .local i\nloop:\n    LOCAL_GET i\n    PUSH 1\n    ADD\n    LOCAL_SET i\n    JMP loop\n.end\n";
    Verified::new(assemble(source, "forever.dasm", &AsmOptions::default()).expect("assemble"))
        .expect("verify")
}

/// What a run did, comparably.
fn observe(result: Result<dotvm_vm::Outcome, RunError>, io: &BufferIo) -> String {
    let end = match result {
        Ok(outcome) => format!("exit {} after {}", outcome.exit_code, outcome.instructions),
        Err(RunError::Trap(trap)) => format!(
            "trap {:?} in {} at pc {} after {}",
            trap.kind, trap.func, trap.pc, trap.instructions
        ),
        Err(other) => format!("error {other}"),
    };
    format!("{end}\n{}", io.output_text())
}

/// Both engines' observations of `module` under `limits`, each with its peak value stack.
fn both(module: &Verified, limits: &Limits) -> (String, String) {
    let mut interp_io = BufferIo::default();
    let mut interp_host = Host::default();
    let interp = dotvm_vm::run_hosted(module, limits, &mut interp_io, &mut interp_host, None, None);
    let compiled = dotvm_jit::compile(module).expect("compile");
    let mut jit_io = BufferIo::default();
    let mut jit_host = Host::default();
    let jit = compiled.run(module, limits, &mut jit_io, &mut jit_host, None);
    let peak = |host: &Host| format!("\npeak stack {}", host.stats().peak_stack_slots);
    (
        observe(jit, &jit_io) + &peak(&jit_host),
        observe(interp, &interp_io) + &peak(&interp_host),
    )
}

#[test]
fn recursion_reaches_the_call_depth_limit_exactly() {
    for arch in Arch::ALL {
        for (n, depth) in [
            (9_998, 10_000),
            (9_999, 10_000),
            (50_000, 100_000),
            (200, 100),
        ] {
            let limits = Limits {
                call_depth: depth,
                ..Limits::default()
            };
            let (jit, interp) = both(&recursion(n, arch), &limits);
            assert_eq!(jit, interp, "{arch:?} n={n} depth={depth}");
        }
    }
    let limits = Limits {
        call_depth: 10_000,
        ..Limits::default()
    };
    let (jit, _) = both(&recursion(9_998, Arch::Arch64), &limits);
    assert!(jit.contains("9998\npeak"), "{jit}");
    let (jit, _) = both(&recursion(9_999, Arch::Arch64), &limits);
    assert!(jit.contains("CallDepthExceeded"), "{jit}");
}

#[test]
fn the_value_stack_limit_traps_like_the_interpreter() {
    let limits = Limits {
        stack_slots: 1_000,
        ..Limits::default()
    };
    let (jit, interp) = both(&recursion(5_000, Arch::Arch64), &limits);
    assert!(jit.contains("StackOverflow"), "{jit}");
    assert_eq!(jit, interp);
}

/// A value stack of 1 MiB or more is a fresh mapping per run (`dotvm_vm`'s
/// `value_stack.rs`): the same compiled code, run again and again, overflows a large stack
/// limit where the interpreter does and, under a roomier limit, after runs that filled
/// the stack, still returns what the interpreter returns.
#[test]
fn a_mapped_stack_meets_its_limit_and_every_run_starts_fresh() {
    for arch in [Arch::Arch64, Arch::Arch256] {
        let module = recursion(200_000, arch);
        let compiled = dotvm_jit::compile(&module).expect("compile");
        for (stack_slots, ends) in [(150_000, "StackOverflow"), (1 << 20, "200000\npeak")] {
            let limits = Limits {
                stack_slots,
                call_depth: 250_000,
                ..Limits::default()
            };
            let mut interp_io = BufferIo::default();
            let mut interp_host = Host::default();
            let interp = dotvm_vm::run_hosted(
                &module,
                &limits,
                &mut interp_io,
                &mut interp_host,
                None,
                None,
            );
            let peak = |host: &Host| format!("\npeak stack {}", host.stats().peak_stack_slots);
            let interp = observe(interp, &interp_io) + &peak(&interp_host);
            for run in 0..3 {
                let mut io = BufferIo::default();
                let mut host = Host::default();
                let jit = compiled.run(&module, &limits, &mut io, &mut host, None);
                let jit = observe(jit, &io) + &peak(&host);
                assert!(jit.contains(ends), "{arch:?} run {run}: {jit}");
                assert_eq!(jit, interp, "{arch:?} run {run}, {stack_slots} slots");
            }
        }
    }
}

/// A declared frame far larger than the code uses (the fuzzer's out-of-memory reproducer:
/// `max_stack` 33,554,435 on a function that needs four slots) compiles with variables for
/// the slots the code reaches only, and the stack limit still sees the declared frame.
#[test]
fn a_huge_declared_frame_compiles_small_and_still_meets_the_stack_limit() {
    let mut module = recursion(3, Arch::Arch64).into_module();
    let f = module.functions.len() - 1;
    module.functions[f].max_stack = 33_554_435;
    let module = Verified::new(module).expect("a larger declared max_stack verifies");
    let (jit, interp) = both(&module, &Limits::default());
    assert!(jit.contains("StackOverflow"), "{jit}");
    assert_eq!(jit, interp);
    let roomy = Limits {
        stack_slots: 40_000_000,
        ..Limits::default()
    };
    let (jit, interp) = both(&module, &roomy);
    assert!(jit.contains("3\npeak"), "{jit}");
    assert_eq!(jit, interp);
}

/// The peak stack compiled code reports is the smallest stack limit the run fits in: the
/// run succeeds with exactly that limit and overflows with one slot less.
#[test]
fn the_peak_stack_is_the_smallest_limit_the_compiled_run_fits_in() {
    for arch in Arch::ALL {
        let module = recursion(300, arch);
        let compiled = dotvm_jit::compile(&module).expect("compile");
        let run = |stack_slots: usize| {
            let limits = Limits {
                stack_slots,
                ..Limits::default()
            };
            let mut host = Host::default();
            let mut io = BufferIo::default();
            let result = compiled.run(&module, &limits, &mut io, &mut host, None);
            (result, host.stats().peak_stack_slots)
        };
        let (roomy, peak) = run(1 << 20);
        assert_eq!(roomy.expect("runs").exit_code, 0);
        assert!(peak > 300 && peak < 10_000, "{arch:?}: peak {peak}");
        let peak = usize::try_from(peak).expect("small");
        let (tight, tight_peak) = run(peak);
        assert!(tight.is_ok(), "{arch:?}: limit {peak}: {tight:?}");
        assert_eq!(tight_peak, peak as u64);
        match run(peak - 1).0 {
            Err(RunError::Trap(trap)) => assert_eq!(trap.kind, TrapKind::StackOverflow),
            other => panic!("{arch:?}: limit {} should overflow: {other:?}", peak - 1),
        }
    }
}

#[test]
fn the_instruction_limit_stops_a_hot_loop_at_the_same_instruction() {
    for fuel in [1, 2, 5, 1_000, 1_000_001, 3_333_333] {
        let limits = Limits {
            instructions: fuel,
            ..Limits::default()
        };
        let (jit, interp) = both(&forever(), &limits);
        assert!(jit.contains("InstructionLimit"), "{jit}");
        assert!(jit.contains(&format!("after {fuel}\n")), "{jit}");
        assert_eq!(jit, interp, "fuel {fuel}");
    }
}

#[test]
fn a_raised_interrupt_stops_before_the_first_block() {
    let interrupt = Interrupt::new();
    interrupt.raise();
    let limits = Limits {
        interrupt: Some(interrupt),
        ..Limits::default()
    };
    let (jit, interp) = both(&forever(), &limits);
    assert!(jit.contains("Interrupted"), "{jit}");
    assert_eq!(jit, interp);
}

#[test]
fn the_time_limit_stops_compiled_loops() {
    let limits = Limits {
        time: Some(Duration::from_millis(50)),
        ..Limits::default()
    };
    let compiled = dotvm_jit::compile(&forever()).expect("compile");
    let mut io = BufferIo::default();
    let result = compiled.run(&forever(), &limits, &mut io, &mut Host::default(), None);
    match result {
        Err(RunError::Trap(trap)) => {
            assert!(matches!(trap.kind, TrapKind::TimeLimit { .. }), "{trap}");
            assert_eq!(trap.function, "main");
            assert!(trap.instructions > 0);
        }
        other => panic!("expected a time-limit trap, got {other:?}"),
    }
}

/// Recursion that makes `2^n` calls and never loops: `f(n) = n == 0 ? 0 : f(n - 1) +
/// f(n - 1)`, from `main` with `n`.
fn calls_only(n: u64, arch: Arch) -> Verified {
    let source = format!(
        ".func main\n    PUSH {n}\n    CALL f\n    SYSCALL print_uint\n    HALT\n.end\n\
         .func f results=1\n    .param n\n    LOCAL_GET n\n    JNZ more\n    PUSH 0\n    RET\n\
         more:\n    LOCAL_GET n\n    PUSH 1\n    SUB\n    CALL f\n    LOCAL_GET n\n    PUSH 1\n\
         SUB\n    CALL f\n    ADD\n    RET\n.end\n"
    );
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    Verified::new(assemble(&source, "calls_only.dasm", &options).expect("assemble"))
        .expect("verify")
}

#[test]
fn a_raised_interrupt_stops_a_run_without_loops_before_the_first_block() {
    for arch in Arch::ALL {
        let interrupt = Interrupt::new();
        interrupt.raise();
        let limits = Limits {
            interrupt: Some(interrupt),
            ..Limits::default()
        };
        let (jit, interp) = both(&calls_only(3, arch), &limits);
        assert!(jit.contains("Interrupted"), "{arch:?}: {jit}");
        assert_eq!(jit, interp, "{arch:?}");
    }
}

#[test]
fn the_time_limit_stops_compiled_recursion_without_loops() {
    for arch in Arch::ALL {
        let limits = Limits {
            time: Some(Duration::from_millis(50)),
            ..Limits::default()
        };
        // 2^62 calls: far longer than the time limit at any speed.
        let module = calls_only(62, arch);
        let compiled = dotvm_jit::compile(&module).expect("compile");
        let mut io = BufferIo::default();
        let result = compiled.run(&module, &limits, &mut io, &mut Host::default(), None);
        match result {
            Err(RunError::Trap(trap)) => {
                assert!(
                    matches!(trap.kind, TrapKind::TimeLimit { .. }),
                    "{arch:?}: {trap}"
                );
                assert_eq!(trap.function, "f", "{arch:?}");
            }
            other => panic!("{arch:?}: expected a time-limit trap, got {other:?}"),
        }
    }
}
