//! Fuzz target: every file that reads and verifies runs under tight limits in the JIT
//! (`dotvm-jit`) and in the interpreter with the same outcome (exit code or trap kind,
//! function, pc and instruction count) and the same output. Modules the JIT does not cover
//! (Arch32, Arch256, Arch512) are skipped.
#![no_main]

use dotvm_core::Verified;
use dotvm_core::format::read_module;
use dotvm_vm::{BufferIo, Host, Limits, RunError};
use libfuzzer_sys::fuzz_target;

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
    format!("{end}\n{:?}", io.output)
}

fuzz_target!(|data: &[u8]| {
    let Ok(module) = read_module(data) else {
        return;
    };
    let Ok(verified) = Verified::new(module) else {
        return;
    };
    let Ok(compiled) = dotvm_jit::compile(&verified) else {
        return;
    };
    let limits = Limits {
        stack_slots: 4096,
        call_depth: 64,
        memory_bytes: 4 << 20,
        instructions: 100_000,
        ..Limits::default()
    };
    let mut interp_io = BufferIo::with_input(b"fuzz input");
    let interp = dotvm_vm::run_hosted(
        &verified,
        &limits,
        &mut interp_io,
        &mut Host::default(),
        None,
        None,
    );
    let mut jit_io = BufferIo::with_input(b"fuzz input");
    let jit = compiled.run(&verified, &limits, &mut jit_io, &mut Host::default(), None);
    assert_eq!(observe(jit, &jit_io), observe(interp, &interp_io));
});
