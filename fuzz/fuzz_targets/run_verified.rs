//! Fuzz target: every file that reads and verifies runs under tight limits without
//! panicking or misbehaving (the interpreter trusts the verifier's proofs, so this checks
//! that the verifier proves enough).
#![no_main]

use dotvm_core::Verified;
use dotvm_core::format::read_module;
use dotvm_vm::{BufferIo, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(module) = read_module(data) else {
        return;
    };
    let Ok(verified) = Verified::new(module) else {
        return;
    };
    let limits = Limits {
        stack_slots: 4096,
        call_depth: 64,
        memory_bytes: 4 << 20,
        instructions: 100_000,
        ..Limits::default()
    };
    let mut io = BufferIo::with_input(b"fuzz input");
    let _ = dotvm_vm::run(&verified, &limits, &mut io);
});
