//! Host functions: what a module's imports (`CALL_HOST`) call into.

use crate::memory::LinearMemory;
use crate::state::StateStore;
use crate::trap::TrapKind;
use dotvm_core::Imm;

/// Provides a module's imported functions. Arguments and results are word slots (one per
/// slot of the import's type).
pub trait HostFunctions {
    /// Calls import `import` (its index in [`dotvm_core::Module::imports`]) with `args` and
    /// returns exactly as many result slots as its type has, or a trap. `memory` is the
    /// guest's linear memory, lent for the call (no copy): its accessors are bounds-checked
    /// and refuse writes to the read-only region. `state` is the store behind the database
    /// opcodes when the run has one: reads and writes go to the guest's open transaction,
    /// so they commit or roll back with the guest's own.
    fn call_import(
        &mut self,
        import: u32,
        args: &[Imm],
        memory: &mut LinearMemory,
        state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind>;
}

/// Provides no functions: every import call traps.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHostFunctions;

impl HostFunctions for NoHostFunctions {
    fn call_import(
        &mut self,
        import: u32,
        _args: &[Imm],
        _memory: &mut LinearMemory,
        _state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind> {
        Err(TrapKind::Host(format!(
            "import {import} has no host function"
        )))
    }
}
