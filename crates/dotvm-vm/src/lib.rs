//! DotVM's executor: runs a verified module under limits, with a host for system calls.

mod allocator;
mod code;
mod error;
mod exec;
mod fuse;
mod inspect;
mod io;
mod limits;
mod load;
mod memory;
mod trap;
mod word;

pub use allocator::{Allocator, heap_base};
pub use error::{LoadError, RunError, Stopped};
pub use inspect::{Control, Inspector, MachineView, Slots};
pub use io::{BufferIo, Io, SeededIo, StdIo};
pub use limits::Limits;
pub use memory::{LinearMemory, MemoryError};
pub use trap::{Trap, TrapKind};

use dotvm_core::{Arch, Module, Verified};

/// What a finished run reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The program's exit code (0 after HALT or a normal return from the entry function).
    pub exit_code: i32,
    /// Fuel used: instructions executed plus the extra cost of crypto and BigInt
    /// instructions (equal to the instruction count for programs without them).
    pub instructions: u64,
    /// Highest linear-memory size reached, in bytes.
    pub peak_memory: u64,
}

/// Runs the entry function of `module` to completion on the fast path (fused code, no
/// inspector).
///
/// Fails with [`RunError::Load`] when the module cannot start (an architecture this
/// interpreter has no instance for yet, or initial memory above the memory limit) and with
/// [`RunError::Trap`] when the program traps.
pub fn run(module: &Verified, limits: &Limits, io: &mut dyn Io) -> Result<Outcome, RunError> {
    run_module(module.module(), limits, io, None)
}

/// Runs the entry function of `module`, calling `inspector` before every instruction
/// (fused sequences are not used, so the inspector sees each bytecode instruction).
///
/// When the inspector returns [`Control::Stop`], the run ends with [`RunError::Stopped`],
/// which says where it stopped; otherwise it behaves exactly like [`run`].
pub fn run_inspected(
    module: &Verified,
    limits: &Limits,
    io: &mut dyn Io,
    inspector: &mut dyn Inspector,
) -> Result<Outcome, RunError> {
    run_module(module.module(), limits, io, Some(inspector))
}

/// Loads and runs a module that has passed verification, with the instance for its word.
fn run_module(
    module: &Module,
    limits: &Limits,
    io: &mut dyn Io,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, RunError> {
    match module.arch {
        Arch::Arch64 => {
            let program = load::load::<u64>(module)?;
            exec::run_program(&program, module, limits, io, inspector)
        }
        arch => Err(LoadError::UnsupportedArch(arch).into()),
    }
}
