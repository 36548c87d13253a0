//! Assembles `.dasm` text and runs it, for the crypto and BigInt tests: a program is
//! assembled once as a template and re-run with different input bytes (data segments) and
//! lengths (globals) patched in.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::module::DataSegment;
use dotvm_core::{Imm, Module, Verified};
use dotvm_vm::{BufferIo, Capabilities, Host, Limits, Outcome, RandomSource, RunError};

/// The seed of runs that are granted randomness.
pub const SEED: u64 = 42;

/// Assembles `source` (panicking with the assembler's message when it is wrong).
pub fn module(source: &str) -> Module {
    assemble(source, "test.dasm", &AsmOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// What a run printed and how it ended.
pub struct Run {
    /// The outcome or error.
    pub result: Result<Outcome, RunError>,
    /// Everything written to stdout.
    pub output: Vec<u8>,
}

impl Run {
    /// The exit code, panicking on a trap.
    pub fn exit_code(&self) -> i32 {
        match &self.result {
            Ok(outcome) => outcome.exit_code,
            Err(e) => panic!("run failed: {e}"),
        }
    }

    /// The trap kind, panicking when the run did not trap.
    pub fn trap(&self) -> dotvm_vm::TrapKind {
        match &self.result {
            Err(RunError::Trap(trap)) => trap.kind.clone(),
            other => panic!("expected a trap, got {other:?}"),
        }
    }
}

/// Verifies and runs `module`, granting seeded randomness when `random` is true (the
/// default host grants none).
pub fn run_module(module: Module, limits: &Limits, random: bool) -> Run {
    let verified = Verified::new(module).unwrap_or_else(|e| panic!("{e}"));
    let capabilities = Capabilities {
        random: random.then_some(RandomSource::Seeded(SEED)),
        ..Capabilities::default()
    };
    let mut host = Host::new(capabilities).expect("no directories to open");
    let mut io = BufferIo::default();
    let result = dotvm_vm::run_hosted(&verified, limits, &mut io, &mut host, None, None);
    Run {
        result,
        output: io.output,
    }
}

/// Assembles and runs `source` with default limits and seeded randomness.
pub fn run(source: &str) -> Run {
    run_module(module(source), &Limits::default(), true)
}

/// `template` with more data segments at the given addresses (after its own) and its
/// globals set, in order, to the given values.
pub fn patched(template: &Module, segments: &[(u64, &[u8])], globals: &[u64]) -> Module {
    let mut module = template.clone();
    module
        .memory
        .segments
        .extend(
            segments
                .iter()
                .filter(|(_, bytes)| !bytes.is_empty())
                .map(|&(offset, bytes)| DataSegment {
                    offset,
                    bytes: bytes.to_vec(),
                }),
        );
    for (global, &value) in module.globals.iter_mut().zip(globals) {
        global.init = Imm::from(value);
    }
    module
}

/// Decodes hex (test data), panicking on bad input.
pub fn unhex(text: &str) -> Vec<u8> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(clean.len().is_multiple_of(2), "odd hex length");
    (0..clean.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
