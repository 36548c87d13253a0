//! What a wasm module's imports become: system calls, host-provided globals, fresh memories
//! and tables. WASI preview1 imports map to the WASI-shaped system calls; imports of the
//! `dotvm` module map to native instructions.

use dotvm_core::module::{RefKind, SigType};
use dotvm_core::syscall::Syscall;

pub use crate::native::{NATIVE_MODULE, NativeOp};

/// The module name of WASI preview1 imports.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// How one import is provided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostImport {
    /// A function import answered by this system call (its parameters and results must
    /// match the import's type).
    Syscall(Syscall),
    /// A function import answered by one native instruction (the import's type must be
    /// [`NativeOp::params`] → [`NativeOp::results`]).
    Native(NativeOp),
    /// A function import with these parameters and no results that consumes its
    /// arguments and does nothing (for example a print function whose output nobody
    /// checks).
    Discard {
        /// The parameter types the import must declare.
        params: &'static [SigType],
    },
    /// A function of this type that stays an import of the DotVM module: `CALL_HOST` calls
    /// the embedder's `dotvm_vm::HostFunctions` for it.
    Function {
        /// Parameter types.
        params: Vec<SigType>,
        /// Result types.
        results: Vec<SigType>,
    },
    /// An immutable global of this type with these bits (zero-extended).
    Global {
        /// The value's type.
        ty: SigType,
        /// The value's bits (all 128 for a v128).
        bits: u128,
    },
    /// A memory of this size, created for the module (zero-filled).
    Memory {
        /// Pages at start.
        initial: u32,
        /// Most pages.
        max: Option<u32>,
    },
    /// Function `index` of the module the translation is linked into
    /// ([`crate::translate_linked`]): calls go straight to it.
    LinkedFunction {
        /// Its index in the base module.
        index: u32,
        /// Parameter types.
        params: Vec<SigType>,
        /// Result types.
        results: Vec<SigType>,
    },
    /// A global of the module the translation is linked into: both share it.
    LinkedGlobal {
        /// Its first DotVM global in the base module.
        index: u32,
        /// The value's type.
        ty: SigType,
        /// Whether it is mutable.
        mutable: bool,
        /// Its current bits (used by constant expressions).
        bits: u128,
    },
    /// A table of the module the translation is linked into: both share it.
    LinkedTable {
        /// Its index in the base module.
        index: u32,
        /// What the table holds.
        kind: RefKind,
        /// Its current size.
        initial: u32,
        /// Its maximum.
        max: Option<u32>,
    },
    /// The memory of the module the translation is linked into: both share it.
    LinkedMemory {
        /// Its current size in pages.
        initial: u32,
        /// Its maximum.
        max: Option<u32>,
    },
    /// A table of this size, created for the module (null-filled).
    Table {
        /// What the table holds.
        kind: RefKind,
        /// Elements at start.
        initial: u32,
        /// Most elements.
        max: Option<u32>,
    },
}

/// Decides how imports are provided.
pub trait ImportResolver {
    /// How `module.name` is provided, or `None` when it is not.
    fn resolve(&self, module: &str, name: &str) -> Option<HostImport>;
}

/// The default resolver: WASI preview1 functions become their system calls, `dotvm`
/// functions their native instructions.
#[derive(Debug, Clone, Copy, Default)]
pub struct WasiImports;

impl ImportResolver for WasiImports {
    fn resolve(&self, module: &str, name: &str) -> Option<HostImport> {
        host_import(module, name)
    }
}

/// The system call behind a WASI preview1 import (`wasi_snapshot_preview1.fd_write`), or
/// the native instruction behind a `dotvm` import (`dotvm.db_put`).
pub fn host_import(module: &str, name: &str) -> Option<HostImport> {
    match module {
        WASI_MODULE => Syscall::from_wasi_name(name).map(HostImport::Syscall),
        NATIVE_MODULE => NativeOp::from_name(name).map(HostImport::Native),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_functions_map_to_system_calls() {
        let Some(HostImport::Syscall(call)) = host_import(WASI_MODULE, "fd_write") else {
            panic!("fd_write is not mapped");
        };
        assert_eq!(call.wasi_name(), Some("fd_write"));
        assert_eq!(host_import("env", "fd_write"), None);
        assert_eq!(host_import(WASI_MODULE, "no_such_call"), None);
        assert!(matches!(
            host_import(NATIVE_MODULE, "db_get"),
            Some(HostImport::Native(_))
        ));
        assert_eq!(host_import(NATIVE_MODULE, "fd_write"), None);
    }
}
