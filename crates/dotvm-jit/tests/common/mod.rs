//! What the differential tests of this crate share: verifying generated modules and
//! describing a run comparably.

use dotvm_core::{Module, Verified};
use dotvm_vm::{BufferIo, Host, Limits, RunError};
use proptest::prelude::*;

/// The fuel the property tests draw: plenty for most programs, or so little that the run
/// stops inside the program (and finishes in the precise interpreter).
pub(crate) fn fuel() -> impl Strategy<Value = u64> {
    prop_oneof![Just(200_000u64), 1u64..3_000]
}

/// The call depths the property tests draw: plenty, or so few that recursion traps.
pub(crate) fn call_depth() -> impl Strategy<Value = usize> {
    prop_oneof![Just(10_000usize), 1usize..6]
}

/// The default limits with `instructions` and `call_depth` set.
pub(crate) fn limits(instructions: u64, call_depth: usize) -> Limits {
    Limits {
        instructions,
        call_depth,
        ..Limits::default()
    }
}

/// Fills in `max_stack` and verifies.
pub(crate) fn verified(mut module: Module) -> Verified {
    for f in 0..module.functions.len() {
        module.functions[f].max_stack = dotvm_core::verify::required_max_stack(&module, f as u32)
            .unwrap_or_else(|e| panic!("function {f}: {e}"));
    }
    Verified::new(module).unwrap_or_else(|e| panic!("verification failed: {e}"))
}

/// How a run ended, comparably: exit code, or trap kind, function and pc, with the
/// instruction count (and peak memory on exit).
pub(crate) fn end(result: Result<dotvm_vm::Outcome, RunError>) -> String {
    match result {
        Ok(outcome) => format!(
            "exit {} after {} peak {}",
            outcome.exit_code, outcome.instructions, outcome.peak_memory
        ),
        Err(RunError::Trap(trap)) => format!(
            "trap {:?} in {} at pc {} after {}",
            trap.kind, trap.func, trap.pc, trap.instructions
        ),
        Err(other) => format!("error {other}"),
    }
}

/// What a run did, comparably: its [`end`], peak value stack and output.
pub(crate) fn observe(
    result: Result<dotvm_vm::Outcome, RunError>,
    io: &BufferIo,
    host: &Host,
) -> String {
    let peak = host.stats().peak_stack_slots;
    format!("{} stack {peak}\n{}", end(result), io.output_text())
}

/// What `module` does compiled and interpreted under `limits`: the JIT's [`observe`], then
/// the interpreter's.
pub(crate) fn both(module: &Verified, limits: &Limits) -> (String, String) {
    let compiled = dotvm_jit::compile(module).expect("the JIT covers this module");
    both_compiled(module, &compiled, limits)
}

/// [`both`] with `module` already compiled (`compiled`), for many runs of one module.
pub(crate) fn both_compiled(
    module: &Verified,
    compiled: &dotvm_jit::Compiled,
    limits: &Limits,
) -> (String, String) {
    let mut interp_io = BufferIo::with_input(b"");
    let mut interp_host = Host::default();
    let interp = dotvm_vm::run_hosted(module, limits, &mut interp_io, &mut interp_host, None, None);
    let mut jit_io = BufferIo::with_input(b"");
    let mut jit_host = Host::default();
    let jit = compiled.run(module, limits, &mut jit_io, &mut jit_host, None);
    (
        observe(jit, &jit_io, &jit_host),
        observe(interp, &interp_io, &interp_host),
    )
}

/// Runs `module` (already compiled) under each instruction limit of `instructions` with the
/// other limits at their defaults, and fails at the first limit under which the JIT and the
/// interpreter do not [`observe`] the same run; `label` names the module in the failure.
pub(crate) fn agree_under_limits(
    module: &Verified,
    compiled: &dotvm_jit::Compiled,
    instructions: impl IntoIterator<Item = u64>,
    label: &str,
) {
    for instructions in instructions {
        let limits = Limits {
            instructions,
            ..Limits::default()
        };
        let (jit, interp) = both_compiled(module, compiled, &limits);
        assert_eq!(jit, interp, "{label} under {instructions} instructions");
    }
}
