//! Why a run did not produce an [`crate::Outcome`]: the module could not be loaded, the
//! program trapped, or an inspector stopped it.

use crate::memory::MemoryError;
use crate::trap::Trap;

/// Why a verified module cannot start running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The initial memory cannot be set up (for example it exceeds the memory limit).
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// A table's initial elements would take more bytes than the run's memory limit.
    #[error(
        "table {table}: {elements} initial elements ({bytes} bytes) exceed the memory limit of {limit} bytes"
    )]
    TableTooLarge {
        /// The table index.
        table: usize,
        /// Its initial element count.
        elements: u32,
        /// The bytes they take.
        bytes: u64,
        /// The run's memory limit in bytes.
        limit: u64,
    },
    /// The module breaks a rule the verifier enforces; cannot happen for a module that
    /// passed [`dotvm_core::verify::verify`].
    #[error("inconsistent module{}: {message}", location(*.func, *.pc))]
    Inconsistent {
        /// Function index, when known.
        func: Option<u32>,
        /// Byte offset in that function, when known.
        pc: Option<u32>,
        /// What is wrong.
        message: String,
    },
}

/// ` in function F at pc P`, as far as known.
fn location(func: Option<u32>, pc: Option<u32>) -> String {
    match (func, pc) {
        (Some(f), Some(pc)) => format!(" in function {f} at pc {pc}"),
        (Some(f), None) => format!(" in function {f}"),
        _ => String::new(),
    }
}

/// Where an inspector stopped a run: the instruction it was shown and did not let run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// Function index.
    pub func: u32,
    /// Function name or `func[N]`.
    pub function: String,
    /// Byte offset of the instruction that did not run.
    pub pc: u32,
    /// Instructions executed before it.
    pub instructions: u64,
}

/// Why [`crate::run`] or [`crate::run_inspected`] returned no outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The module could not be loaded; nothing ran.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The program trapped.
    #[error(transparent)]
    Trap(#[from] Trap),
    /// The inspector returned [`crate::Control::Stop`].
    #[error(
        "stopped by the inspector in {} at pc {} after {} instructions",
        .0.function, .0.pc, .0.instructions
    )]
    Stopped(Stopped),
}

impl RunError {
    /// The trap, if the program trapped.
    pub fn trap(&self) -> Option<&Trap> {
        match self {
            RunError::Trap(trap) => Some(trap),
            _ => None,
        }
    }
}
