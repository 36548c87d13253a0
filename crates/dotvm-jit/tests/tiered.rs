//! Tiered runs against the interpreter: random verified programs (the generator of
//! `agree.rs`) whose entry function interprets while everything it calls runs compiled
//! ([`Switch::AtFirstCall`]) give the same output, exit code, trap (kind, function, pc),
//! instruction count, peak memory and peak value stack as the interpreter on all five
//! architectures under random fuel and call-depth limits; and a long program whose code
//! is published by the compiler thread in the middle of the run ([`Switch::WhenReady`])
//! switches inside nested calls and still agrees.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;
#[path = "../../dotvm-vm/tests/random_program/mod.rs"]
mod random_program;

use common::{call_depth, fuel, limits, observe, verified};
use dotvm_core::{Arch, Verified};
use dotvm_jit::{Switch, run_tiered};
use dotvm_vm::{BufferIo, Host, Limits, LoadedModule};
use proptest::prelude::*;
use random_program::{module_of, program};

/// The interpreter's and the tiered run's observations of `module` under `limits`, and
/// whether the tiered run entered compiled code.
fn both(module: &Verified, limits: &Limits, switch: Switch) -> (String, String, bool) {
    let mut io = BufferIo::with_input(b"");
    let mut host = Host::default();
    let interp = dotvm_vm::run_hosted(module, limits, &mut io, &mut host, None, None);
    let interp = observe(interp, &io, &host);
    let loaded = LoadedModule::load(module).expect("loads");
    let mut io = BufferIo::with_input(b"");
    let mut host = Host::default();
    let (tiered, report) = run_tiered(&loaded, limits, &mut io, &mut host, None, switch);
    if let Err(error) = &report.compiled {
        // A run that ends first stops its compiler; nothing else may fail.
        assert_eq!(
            (switch, error),
            (Switch::WhenReady, &dotvm_jit::JitError::Cancelled)
        );
    }
    (observe(tiered, &io, &host), interp, report.entered)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn tiered_and_interpreter_agree(
        narrow in program(false),
        wide in program(true),
        fuel in fuel(),
        depth in call_depth(),
    ) {
        let limits = limits(fuel, depth);
        for arch in Arch::ALL {
            let program = if arch == Arch::Arch32 { &narrow } else { &wide };
            let module = verified(module_of(program, arch));
            let (tiered, interp, _) = both(&module, &limits, Switch::AtFirstCall);
            prop_assert_eq!(tiered, interp, "{} with fuel {} and depth {}", arch, fuel, depth);
        }
    }
}

/// A program that calls `outer` `n` times from a loop in `main`; `outer`'s own loop
/// calls `inner` 500 times; `main` prints a checksum.
fn long_program(n: u32) -> Verified {
    let source = format!(
        r#"
.arch arch64
.func main
    .local i
    .local acc
loop:
    LOCAL_GET acc
    LOCAL_GET i
    CALL outer
    LOCAL_SET acc
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH {n}
    LT_U
    JNZ loop
    LOCAL_GET acc
    SYSCALL print_int
    HALT
.end
.func outer results=1
    .param acc
    .param n
    .local j
again:
    LOCAL_GET acc
    LOCAL_GET j
    LOCAL_GET n
    CALL inner
    LOCAL_SET acc
    LOCAL_GET j
    PUSH 1
    ADD
    LOCAL_TEE j
    PUSH 500
    LT_U
    JNZ again
    LOCAL_GET acc
    RET
.end
.func inner results=1
    .param acc
    .param j
    .param n
    LOCAL_GET acc
    PUSH 31
    MUL
    LOCAL_GET j
    LOCAL_GET n
    XOR
    ADD
    RET
.end
"#
    );
    let module = dotvm_core::asm::assemble(&source, "long.dasm", &Default::default()).unwrap();
    Verified::new(module).unwrap()
}

/// The instruction count in an observation of a run that exited.
fn instructions(observed: &str) -> u64 {
    let after = observed.split(" after ").nth(1).expect("an exit");
    after.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_long_run_switches_while_it_runs_and_agrees() {
    // The compiler thread must finish while the run goes on: on a busy machine it may
    // not within the shorter run, so a longer one follows.
    for n in [40_000, 400_000] {
        let module = long_program(n);
        let (tiered, interp, entered) = both(&module, &Limits::default(), Switch::WhenReady);
        assert_eq!(tiered, interp);
        if !entered {
            continue;
        }
        // The same under an instruction limit that stops the run late, inside compiled
        // code (`inner` and `outer` are nearly all of it).
        let limits = Limits {
            instructions: instructions(&interp) / 4 * 3,
            ..Limits::default()
        };
        let (tiered, interp, entered) = both(&module, &limits, Switch::WhenReady);
        assert!(interp.contains("InstructionLimit"), "{interp}");
        assert_eq!(tiered, interp);
        if entered {
            return;
        }
    }
    panic!("every run ended before the compiler thread finished");
}
