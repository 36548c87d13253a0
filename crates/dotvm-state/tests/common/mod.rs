//! Shared helpers: assembling programs and running them as transactions.

#![allow(dead_code)]

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_state::{TransactionError, run_transaction};
use dotvm_vm::{BufferIo, Limits, Outcome, StateStore};

/// Assembles and verifies `source`.
pub(crate) fn program(source: &str) -> Verified {
    let module = assemble(source, "test.dasm", &AsmOptions::default())
        .unwrap_or_else(|e| panic!("assembly failed: {e}"));
    Verified::new(module).unwrap_or_else(|e| panic!("verification failed: {e}"))
}

/// Runs `source` as one transaction on `store`; returns the result and the output.
pub(crate) fn run(
    store: &mut dyn StateStore,
    source: &str,
) -> (Result<Outcome, TransactionError>, String) {
    run_with_limits(store, source, &Limits::default())
}

/// Like [`run`] with explicit limits.
pub(crate) fn run_with_limits(
    store: &mut dyn StateStore,
    source: &str,
    limits: &Limits,
) -> (Result<Outcome, TransactionError>, String) {
    let mut io = BufferIo::default();
    let result = run_transaction(
        &program(source),
        limits,
        &mut io,
        &mut dotvm_vm::Host::default(),
        store,
        None,
    );
    (result, io.output_text())
}
