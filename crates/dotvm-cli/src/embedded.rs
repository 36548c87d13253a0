//! The CLI's runs go through the embedding API (the `dotvm` crate): `dotvm run` and
//! `dotvm serve` run their modules with [`dotvm::Module::run_hosted`], `dotvm batch` with
//! [`dotvm::Module::run_hosted_with_limits`] (through `dotvm_parallel`); this module runs
//! one as a transaction, in the terms the commands report in ([`TransactionError`]).

use dotvm::{Host, Inspector, Io, Outcome, StateStore};
use dotvm_state::TransactionError;

/// Runs `module`'s entry point as one transaction on `state`: committed when the program
/// exits with code 0, aborted when it exits with another code or fails.
pub fn run_transaction(
    module: &dotvm::Module,
    io: &mut dyn Io,
    host: &mut Host,
    state: &mut dyn StateStore,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, TransactionError> {
    match module.run_hosted(io, host, Some(&mut *state), inspector) {
        Ok(outcome) if outcome.exit_code == 0 => {
            state.commit().map_err(TransactionError::Commit)?;
            Ok(outcome)
        }
        Ok(outcome) => {
            state.abort();
            Ok(outcome)
        }
        Err(error) => {
            state.abort();
            Err(TransactionError::Run(error.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm::{BufferIo, Engine, Module, RunError};
    use dotvm_vm::TrapKind;

    /// Stores the key `c` in collection `c` and returns `exit` as its exit code.
    fn module(exit: u32) -> Module {
        let source = format!(
            ".pool c str \"c\"\n.func main results=1\nPUSH_CONST c\nPUSH_CONST c\n\
             PUSH_CONST c\nDB_PUT\nPOP\nPUSH {exit}\nRET\n.end\n"
        );
        Module::from_assembly(&Engine::default(), &source).unwrap()
    }

    #[test]
    fn a_transaction_commits_on_exit_code_0_and_aborts_otherwise() {
        let mut state = dotvm_state::MemoryStore::in_memory();
        let mut io = BufferIo::default();
        let outcome =
            run_transaction(&module(3), &mut io, &mut Host::default(), &mut state, None).unwrap();
        assert_eq!(outcome.exit_code, 3);
        assert_eq!(state.get(b"c", b"c").unwrap(), None);
        let outcome =
            run_transaction(&module(0), &mut io, &mut Host::default(), &mut state, None).unwrap();
        assert_eq!(outcome.exit_code, 0);
        assert_eq!(state.get(b"c", b"c").unwrap(), Some(&b"c"[..]));
    }

    #[test]
    fn crate_errors_become_the_run_errors_the_commands_report() {
        let engine = Engine::default();
        let trap = Module::from_assembly(&engine, ".func main\nUNREACHABLE\n.end\n").unwrap();
        let error = trap
            .run_hosted(&mut BufferIo::default(), &mut Host::default(), None, None)
            .unwrap_err();
        let RunError::Trap(trap) = RunError::from(error) else {
            panic!("expected a trap");
        };
        assert_eq!(trap.kind, TrapKind::Unreachable);
        assert_eq!(trap.function, "main");
        let other = RunError::from(dotvm::Error::Memory("outside".into()));
        assert!(other.to_string().contains("outside"), "{other}");
    }
}
