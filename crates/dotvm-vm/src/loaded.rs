//! Loaded modules: a verified module in the engine's executable form (decoded, lowered to
//! the register form, threaded), built once and shared by any number of runs and threads.

use crate::error::LoadError;
use crate::load::{Program, load};
use dotvm_core::{Arch, Module, Verified};
use ruint::aliases::{U256, U512};
use std::sync::Arc;

/// A verified module ready to run. Loading decodes and lowers every function; a run of a
/// `LoadedModule` starts without doing that again, so a service or a batch that runs one
/// module many times loads it once. Cloning is cheap (two reference counts) and the value
/// is `Send + Sync`.
///
/// ```
/// # use dotvm_vm::{BufferIo, Host, Limits, LoadedModule, run_loaded};
/// # let module = dotvm_core::asm::assemble(
/// #     ".func main results=1\nPUSH 7\nRET\n.end\n", "doc.dasm", &Default::default()).unwrap();
/// # let verified = dotvm_core::Verified::new(module).unwrap();
/// let loaded = LoadedModule::load(&verified)?;
/// for _ in 0..3 {
///     let mut io = BufferIo::default();
///     let outcome = run_loaded(&loaded, &Limits::default(), &mut io, &mut Host::default(), None, None)?;
///     assert_eq!(outcome.exit_code, 7);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LoadedModule {
    /// The module as verified (its memory, segments and types set up each run).
    module: Arc<Verified>,
    /// The executable form, by word type.
    program: AnyProgram,
}

/// The executable form of each word type.
#[derive(Debug, Clone)]
pub(crate) enum AnyProgram {
    /// Arch32.
    A32(Arc<Program<u32>>),
    /// Arch64.
    A64(Arc<Program<u64>>),
    /// Arch128.
    A128(Arc<Program<u128>>),
    /// Arch256.
    A256(Arc<Program<U256>>),
    /// Arch512.
    A512(Arc<Program<U512>>),
}

impl LoadedModule {
    /// Loads `module` with the word type of its architecture.
    pub fn load(module: &Verified) -> Result<LoadedModule, LoadError> {
        LoadedModule::load_shared(Arc::new(module.clone()))
    }

    /// Loads a module that is already shared, without copying it.
    pub fn load_shared(module: Arc<Verified>) -> Result<LoadedModule, LoadError> {
        let code = module.module();
        let program = match code.arch {
            Arch::Arch32 => AnyProgram::A32(Arc::new(load::<u32>(code)?)),
            Arch::Arch64 => AnyProgram::A64(Arc::new(load::<u64>(code)?)),
            Arch::Arch128 => AnyProgram::A128(Arc::new(load::<u128>(code)?)),
            Arch::Arch256 => AnyProgram::A256(Arc::new(load::<U256>(code)?)),
            Arch::Arch512 => AnyProgram::A512(Arc::new(load::<U512>(code)?)),
        };
        Ok(LoadedModule { module, program })
    }

    /// The verified module this was loaded from.
    pub fn verified(&self) -> &Verified {
        &self.module
    }

    /// The module's code and declarations.
    pub fn module(&self) -> &Module {
        self.module.module()
    }

    /// The executable form, by word type.
    pub(crate) fn program(&self) -> &AnyProgram {
        &self.program
    }
}

/// Runs `$body` with `$p` bound to the `Arc<Program<W>>` of `$program` (an [`AnyProgram`]),
/// whatever its word type `W`.
macro_rules! with_program {
    ($program:expr, |$p:ident| $body:expr) => {
        match $program {
            $crate::loaded::AnyProgram::A32($p) => $body,
            $crate::loaded::AnyProgram::A64($p) => $body,
            $crate::loaded::AnyProgram::A128($p) => $body,
            $crate::loaded::AnyProgram::A256($p) => $body,
            $crate::loaded::AnyProgram::A512($p) => $body,
        }
    };
}
pub(crate) use with_program;
