//! A module's imports bound to host functions: what `CALL_HOST` calls.

use crate::caller::Caller;
use crate::host_func::HostFunc;
use crate::values::{decode, encode};
use dotvm_core::module::FuncType;
use dotvm_core::{Arch, Imm};
use dotvm_vm::{HostFunctions, LinearMemory, StateStore, TrapKind};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// One import bound to its host function.
pub(crate) struct Bound {
    /// `module.name`, for messages.
    pub(crate) label: String,
    /// The import's type.
    pub(crate) ty: FuncType,
    /// The host function.
    pub(crate) func: HostFunc,
}

/// A module's imports bound to host functions: what `CALL_HOST` calls.
pub(crate) struct Imports {
    /// The module's architecture (how values sit in slots).
    pub(crate) arch: Arch,
    /// The host function of each import, by import index.
    pub(crate) bound: Vec<Bound>,
}

impl Imports {
    /// No imports (for modules that import nothing).
    pub(crate) fn none(arch: Arch) -> Imports {
        Imports {
            arch,
            bound: Vec::new(),
        }
    }
}

impl HostFunctions for Imports {
    fn call_import(
        &mut self,
        import: u32,
        args: &[Imm],
        memory: &mut LinearMemory,
        state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind> {
        let bound = self
            .bound
            .get(import as usize)
            .ok_or_else(|| TrapKind::Host(format!("import {import} has no host function")))?;
        let label = &bound.label;
        let mut slots = args;
        let params = bound
            .ty
            .params
            .iter()
            .map(|&t| decode(t, self.arch, &mut slots))
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| TrapKind::Host(format!("{label}: arguments do not fit its type")))?;
        let body = &bound.func.body;
        let caller = Caller::new(memory, state.map(|s| s as &mut dyn StateStore));
        let results = catch_unwind(AssertUnwindSafe(|| body(caller, &params)))
            .map_err(|_| TrapKind::Host(format!("{label} panicked")))?
            .map_err(|e| TrapKind::Host(format!("{label}: {e}")))?;
        let mut out = Vec::new();
        for (bits, &ty) in results.iter().zip(&bound.ty.results) {
            encode(*bits, ty, self.arch, &mut out);
        }
        Ok(out)
    }
}
