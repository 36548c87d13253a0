//! Runtime faults that stop a run.

use crate::limits::format_duration;
use std::fmt;
use std::time::Duration;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrapKind {
    /// DIV/MOD by zero.
    DivideByZero,
    /// Signed division overflow (MIN / -1), or a float-to-integer truncation whose result
    /// does not fit the integer type.
    IntegerOverflow,
    /// A float-to-integer truncation of NaN.
    InvalidConversion,
    /// A load or store outside memory, or a store into the read-only constant region.
    OutOfBounds {
        /// First byte accessed (may be beyond 64 bits when address arithmetic overflowed).
        address: u128,
        /// Access size in bytes.
        len: u64,
    },
    /// The value stack would exceed its limit.
    StackOverflow,
    /// Calls nested deeper than the limit.
    CallDepthExceeded,
    /// The instruction limit was reached.
    InstructionLimit,
    /// The wall-clock limit ([`Limits::time`](crate::Limits::time)) passed.
    TimeLimit {
        /// The limit.
        limit: Duration,
    },
    /// The embedder raised the run's [`Interrupt`](crate::Interrupt).
    Interrupted,
    /// `UNREACHABLE` executed.
    Unreachable,
    /// `FREE` of an address that is not a live `ALLOC` block.
    BadFree {
        /// The address passed.
        address: u64,
    },
    /// A BigInt instruction was given a word that is not the handle of a live object.
    BadHandle {
        /// The word passed.
        handle: u64,
    },
    /// A BigInt result would pass the run's memory limit (linear memory and the BigInt
    /// heap together), even after a collection.
    MemoryLimit {
        /// Bytes the result may need.
        requested: u64,
    },
    /// A system call failed on the host side (I/O error).
    Host(String),
    /// A database opcode ran without a state store, or the store failed.
    State(String),
    /// A system call without an error result needs a capability the run was not granted.
    Denied {
        /// The system call's name.
        call: &'static str,
        /// The capability's name.
        capability: &'static str,
    },
    /// A table access (or a table range of a bulk table operation) outside the table.
    TableOutOfBounds,
    /// `CALL_INDIRECT` with an element index outside the table.
    UndefinedElement,
    /// `CALL_INDIRECT` through a null table element.
    UninitializedElement,
    /// `CALL_INDIRECT` of a function whose type differs from the expected one.
    IndirectCallTypeMismatch,
}

impl TrapKind {
    /// True for the traps raised before the instruction at the trap's position ran (and
    /// was paid for): the instruction limit, the time limit and an interrupt.
    pub fn is_before_instruction(&self) -> bool {
        matches!(
            self,
            TrapKind::InstructionLimit | TrapKind::TimeLimit { .. } | TrapKind::Interrupted
        )
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::DivideByZero => f.write_str("integer divide by zero"),
            TrapKind::IntegerOverflow => f.write_str("integer overflow"),
            TrapKind::InvalidConversion => f.write_str("invalid conversion to integer"),
            TrapKind::OutOfBounds { address, len } => {
                write!(
                    f,
                    "out of bounds memory access ({len} bytes at {address:#x})"
                )
            }
            TrapKind::StackOverflow => f.write_str("stack overflow"),
            TrapKind::CallDepthExceeded => f.write_str("call depth exceeded"),
            TrapKind::InstructionLimit => f.write_str("instruction limit reached"),
            TrapKind::TimeLimit { limit } => {
                write!(f, "time limit reached ({})", format_duration(*limit))
            }
            TrapKind::Interrupted => f.write_str("interrupted by the embedder"),
            TrapKind::Unreachable => f.write_str("unreachable executed"),
            TrapKind::BadFree { address } => write!(f, "bad free of address {address:#x}"),
            TrapKind::BadHandle { handle } => {
                write!(f, "{handle:#x} is not a live BigInt handle")
            }
            TrapKind::MemoryLimit { requested } => write!(
                f,
                "memory limit reached (a BigInt result may need {requested} bytes)"
            ),
            TrapKind::Host(msg) => write!(f, "host error: {msg}"),
            TrapKind::State(msg) => write!(f, "state error: {msg}"),
            TrapKind::Denied { call, capability } => write!(
                f,
                "denied: {call} (the `{capability}` capability is not granted)"
            ),
            TrapKind::TableOutOfBounds => f.write_str("out of bounds table access"),
            TrapKind::UndefinedElement => f.write_str("undefined element"),
            TrapKind::UninitializedElement => f.write_str("uninitialized element"),
            TrapKind::IndirectCallTypeMismatch => f.write_str("indirect call type mismatch"),
        }
    }
}

/// A trap with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} in {function} at pc {pc}")]
pub struct Trap {
    /// What went wrong.
    pub kind: TrapKind,
    /// Function index.
    pub func: u32,
    /// Function name or `func[N]`.
    pub function: String,
    /// Byte offset of the faulting instruction within the function.
    pub pc: u32,
    /// Fuel used before the trap (the instruction count, plus the extra cost of crypto and
    /// BigInt instructions).
    pub instructions: u64,
    /// The calls that were active, innermost caller first: each is the calling function
    /// and the pc of its `CALL` (the faulting position itself is `func`/`pc`).
    pub callers: Vec<CallSite>,
}

/// A function and a pc in it: one frame of a backtrace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Function index.
    pub func: u32,
    /// Byte offset of the instruction within the function.
    pub pc: u32,
}
