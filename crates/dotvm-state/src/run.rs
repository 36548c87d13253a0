//! One run, one transaction: runs a program against a store and commits its writes only
//! when it ends with exit code 0.

use dotvm_core::{Module, Opcode, Verified, instruction::Instruction, isa::Category};
use dotvm_vm::{Host, Inspector, Io, Limits, Outcome, RunError, StateError, StateStore};

/// Why [`run_transaction`] produced no committed outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The program did not finish (trap, limit, load error, stopped); its writes were
    /// discarded.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The program finished with exit code 0 but its writes could not be committed; none of
    /// them persist.
    #[error("cannot commit the run's writes: {0}")]
    Commit(StateError),
}

/// Runs `module` with the capabilities of `host` and `store` behind the database opcodes, in
/// the store's open transaction: commits when the program finishes with exit code 0, aborts
/// when it exits with another code, traps, exceeds a limit or is stopped by the inspector.
pub fn run_transaction(
    module: &Verified,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    store: &mut dyn StateStore,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, TransactionError> {
    let result = dotvm_vm::run_hosted(module, limits, io, host, Some(store), inspector);
    match result {
        Ok(outcome) if outcome.exit_code == 0 => {
            store.commit().map_err(TransactionError::Commit)?;
            Ok(outcome)
        }
        Ok(outcome) => {
            store.abort();
            Ok(outcome)
        }
        Err(error) => {
            store.abort();
            Err(error.into())
        }
    }
}

/// True when `module` contains a database opcode, i.e. running it needs a store.
pub fn uses_state(module: &Module) -> bool {
    module.functions.iter().any(|function| {
        Instruction::decode_all(&function.code)
            .is_ok_and(|code| code.iter().any(|(_, inst)| is_database(inst.opcode)))
    })
}

/// True for the database opcodes.
fn is_database(opcode: Opcode) -> bool {
    opcode.info().category == Category::Database
}
