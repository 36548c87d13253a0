//! DotVM's executor: runs a verified module under limits, with a host for system calls.

mod allocator;
mod io;
mod limits;
mod memory;
mod trap;

pub use allocator::{Allocator, heap_base};
pub use io::{BufferIo, Io, StdIo};
pub use limits::Limits;
pub use memory::{LinearMemory, MemoryError};
pub use trap::{Trap, TrapKind};

use dotvm_core::Verified;

/// What a finished run reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The program's exit code (0 after HALT or a normal return from the entry function).
    pub exit_code: i32,
    /// Instructions executed.
    pub instructions: u64,
    /// Highest linear-memory size reached, in bytes.
    pub peak_memory: u64,
}

/// Runs the entry function of `module` to completion.
pub fn run(module: &Verified, limits: &Limits, io: &mut dyn Io) -> Result<Outcome, Trap> {
    let _ = (module, limits, io);
    unimplemented!("interpreter")
}
