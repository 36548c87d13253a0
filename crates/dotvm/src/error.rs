//! The one error type of the crate: every failure an embedder can match on.

use crate::signing::SignatureError;
use dotvm_vm::{LoadError, RunError, Stopped, Trap, TrapKind};

/// Why a DotVM operation failed.
///
/// Match on the variant to tell a bad module from a guest that trapped, ran out of a limit,
/// was refused a capability or hit a state-store error:
///
/// ```
/// use dotvm::{Engine, Error, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_assembly(&engine, ".func main\nPUSH 1\nPUSH 0\nDIV_U\nPOP\nRET\n.end\n")?;
/// match module.run(&mut Store::new(&engine)) {
///     Err(Error::Trap(trap)) => assert_eq!(trap.function, "main"),
///     other => panic!("expected a trap, got {other:?}"),
/// }
/// # Ok::<(), dotvm::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The module could not be read, translated, assembled or verified.
    #[error("invalid module: {0}")]
    InvalidModule(String),
    /// The engine requires signed modules ([`crate::Config::require_signed`]) and this one
    /// is unsigned, wrongly signed (changed after signing) or signed by an untrusted key.
    /// Checked before the module is verified.
    #[error("{0}")]
    Signature(SignatureError),
    /// The compiled tier (cargo feature `jit`) does not cover the module, or the host has
    /// no native code generator; the interpreter runs it.
    #[error("{0}")]
    Unsupported(String),
    /// The module's imports do not match the host functions of the linker (missing, wrong
    /// parameter or result types).
    #[error("link error: {0}")]
    Link(String),
    /// A call named no exported function, or its arguments or results have other types
    /// than the function's.
    #[error("type error: {0}")]
    Type(String),
    /// The module cannot start (for example its initial memory exceeds the memory limit).
    #[error("cannot instantiate: {0}")]
    Instantiate(LoadError),
    /// The host cannot be set up with the store's capabilities (for example a preopened
    /// directory that does not exist).
    #[error("cannot set up the host: {0}")]
    Host(String),
    /// [`crate::Run::resume`] was called again after the run finished or failed.
    #[error("the run has already finished or failed")]
    Finished,
    /// The guest trapped; the [`Trap`] says what (`kind`), in which function and at which
    /// pc.
    #[error("trap: {0}")]
    Trap(Trap),
    /// The guest exceeded a limit: fuel ([`TrapKind::InstructionLimit`]), wall-clock time,
    /// memory, stack, call depth, or the embedder's interrupt.
    #[error("limit reached: {0}")]
    Limit(Trap),
    /// The guest made a system call that needs a capability the store does not grant.
    #[error("capability denied: {0}")]
    Denied(Trap),
    /// The state store failed: during the run (`trap` says where the guest was; its kind
    /// is [`TrapKind::State`]), or when it was opened or committed (`trap` is `None`).
    #[error("state error: {message}")]
    State {
        /// What failed.
        message: String,
        /// The guest's trap when the store failed during the run (boxed: it is rare, and
        /// keeps every `Result<_, Error>` small).
        trap: Option<Box<Trap>>,
    },
    /// An [`crate::Inspector`] passed to [`crate::Module::run_hosted`] stopped the run
    /// here.
    #[error("stopped in {} at pc {}", .0.function, .0.pc)]
    Stopped(Stopped),
    /// A called function ended the whole program (`HALT` or the exit system call) with
    /// this exit code instead of returning.
    #[error("the guest exited with code {0} instead of returning")]
    Exited(i32),
    /// A guest-memory access from the embedder was out of bounds (or the module has no
    /// memory).
    #[error("memory access: {0}")]
    Memory(String),
    /// Reading a file from disk failed.
    #[error("{0}")]
    Io(String),
}

impl Error {
    /// The trap behind a [`Error::Trap`], [`Error::Limit`], [`Error::Denied`], or an
    /// [`Error::State`] during the run.
    pub fn trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(trap) | Error::Limit(trap) | Error::Denied(trap) => Some(trap),
            Error::State { trap, .. } => trap.as_deref(),
            _ => None,
        }
    }

    /// A state-store failure outside the run (opening or committing).
    pub(crate) fn state(message: impl std::fmt::Display) -> Error {
        Error::State {
            message: message.to_string(),
            trap: None,
        }
    }
}

impl From<Trap> for Error {
    fn from(trap: Trap) -> Error {
        match trap.kind {
            TrapKind::InstructionLimit
            | TrapKind::TimeLimit { .. }
            | TrapKind::Interrupted
            | TrapKind::StackOverflow
            | TrapKind::CallDepthExceeded
            | TrapKind::MemoryLimit { .. } => Error::Limit(trap),
            TrapKind::Denied { .. } => Error::Denied(trap),
            TrapKind::State(_) => Error::State {
                message: trap.to_string(),
                trap: Some(Box::new(trap)),
            },
            _ => Error::Trap(trap),
        }
    }
}

impl From<RunError> for Error {
    fn from(error: RunError) -> Error {
        match error {
            RunError::Trap(trap) => trap.into(),
            RunError::Load(error) => Error::Instantiate(error),
            RunError::Stopped(stopped) => Error::Stopped(stopped),
        }
    }
}

/// The lower-level `dotvm_vm` error behind an error of a run ([`crate::Module::run_hosted`]
/// and the other runs of the entry point): a trap (also of a limit, a denied capability or
/// the state store), a stop by the inspector, or a module that cannot start. Runs fail in
/// no other way; any other error becomes a module that cannot start, with its message.
impl From<Error> for RunError {
    fn from(error: Error) -> RunError {
        match error {
            Error::Instantiate(error) => RunError::Load(error),
            Error::Stopped(stopped) => RunError::Stopped(stopped),
            error => match error.trap() {
                Some(trap) => RunError::Trap(trap.clone()),
                None => RunError::Load(LoadError::Inconsistent {
                    func: None,
                    pc: None,
                    message: error.to_string(),
                }),
            },
        }
    }
}
