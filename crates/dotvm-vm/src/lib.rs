//! DotVM's executor: runs a verified module under limits, with a host for system calls.

mod allocator;
mod bigint_op;
mod code;
pub mod constant;
mod crypto_op;
mod db_op;
mod error;
mod exec;
mod execution;
mod host;
mod host_env;
mod imports;
mod inspect;
mod instance;
mod io;
mod lane_op;
mod limits;
mod load;
mod loaded;
mod memory;
pub mod native_abi;
mod per_op;
mod reg;
mod simd_op;
pub mod state;
mod trap;
mod typed_op;
mod value_stack;
mod word;
mod word_op;

pub use allocator::{Allocator, heap_base};
pub use error::{LoadError, RunError, Stopped};
#[cfg(any(test, feature = "bench"))]
pub use exec::lane_speed;
pub use execution::{Execution, Progress};
pub use host::{
    Capabilities, ClockSource, Denial, DenialReason, Errno, FileStat, FileType, Host, HostError,
    HostStats, OpenedFile, Preopen, RandomSource,
};
pub use host_env::HostEnv;
pub use imports::{HostFunctions, NoHostFunctions};
pub use inspect::{Control, Inspector, MachineView, Slots};
pub use instance::{CallOutcome, Instance};
pub use io::{BufferIo, Io, StdIo};
pub use limits::{Interrupt, Limits, format_duration, parse_duration};
pub use loaded::LoadedModule;
pub use memory::{LinearMemory, MemoryError};
pub use state::{StateError, StateStore};
pub use trap::{CallSite, Trap, TrapKind};

use dotvm_core::{Arch, Module, Verified};
use ruint::aliases::{U256, U512};

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
/// The module's architecture byte selects the interpreter instance (one per word size).
/// Fails with [`RunError::Load`] when the module cannot start (initial memory above the
/// memory limit) and with
/// [`RunError::Trap`] when the program traps.
///
/// The run gets the default host ([`Capabilities::default`]: standard streams and exit,
/// no clock, randomness or files); [`run_hosted`] grants more.
pub fn run(module: &Verified, limits: &Limits, io: &mut dyn Io) -> Result<Outcome, RunError> {
    run_hosted(module, limits, io, &mut Host::default(), None, None)
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
    run_hosted(
        module,
        limits,
        io,
        &mut Host::default(),
        None,
        Some(inspector),
    )
}

/// Runs the entry function of `module` with the capabilities of `host`, `state` as the store
/// behind the database opcodes when given (the run's reads and writes go to its open
/// transaction; committing or aborting afterwards is the caller's decision), and an inspector
/// when one is given (see [`run_inspected`]). After the run, [`Host::denials`] lists the
/// system calls the host refused.
pub fn run_hosted(
    module: &Verified,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, RunError> {
    let module = module.module();
    match module.arch {
        Arch::Arch32 => run_with::<u32>(module, limits, io, host, state, inspector),
        Arch::Arch64 => run_with::<u64>(module, limits, io, host, state, inspector),
        Arch::Arch128 => run_with::<u128>(module, limits, io, host, state, inspector),
        Arch::Arch256 => run_with::<U256>(module, limits, io, host, state, inspector),
        Arch::Arch512 => run_with::<U512>(module, limits, io, host, state, inspector),
    }
}

/// Runs the entry function of a module loaded once (see [`LoadedModule`]) exactly as
/// [`run_hosted`] runs a verified module, without loading it again.
pub fn run_loaded(
    module: &LoadedModule,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, RunError> {
    let code = module.module();
    loaded::with_program!(module.program(), |program| exec::run_program(
        program, code, limits, io, host, state, inspector
    ))
}

/// Loads and runs a module with the interpreter instance for word type `W`.
fn run_with<W: word::Word>(
    module: &Module,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    inspector: Option<&mut dyn Inspector>,
) -> Result<Outcome, RunError> {
    let program = load::load::<W>(module)?;
    exec::run_program(&program, module, limits, io, host, state, inspector)
}
