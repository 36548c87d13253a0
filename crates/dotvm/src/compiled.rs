//! The compiled tier (cargo feature `jit`): a module compiled to native code by
//! `dotvm-jit`, run with the same results as the interpreter.

use crate::error::Error;
use crate::module::Module;
use dotvm_jit::JitError;
use dotvm_vm::{Host, Io, Limits, Outcome};
use std::time::Duration;

/// A [`Module`] compiled to native code ([`Module::compile`]): runs its entry point with
/// the same output, exit code, fuel, traps and final state as [`Module::run_hosted`],
/// faster on long runs. Compiling costs more than a short run takes, so compile modules
/// that run long or often.
///
/// ```
/// use dotvm::{BufferIo, Engine, Host, Module};
///
/// let engine = Engine::default();
/// let module = Module::from_assembly(&engine, ".func main\nPUSH 7\nSYSCALL print_int\nHALT\n.end\n")?;
/// match module.compile() {
///     Ok(compiled) => {
///         let (mut io, mut host) = (BufferIo::default(), Host::default());
///         assert_eq!(compiled.run_hosted(&mut io, &mut host)?.exit_code, 0);
///         assert_eq!(io.output, b"7");
///     }
///     // A host without a native code generator.
///     Err(dotvm::Error::Unsupported(reason)) => eprintln!("interpreting: {reason}"),
///     Err(other) => return Err(other),
/// }
/// # Ok::<(), dotvm::Error>(())
/// ```
#[derive(Debug)]
pub struct CompiledModule {
    module: Module,
    code: dotvm_jit::Compiled,
}

impl Module {
    /// Compiles the module to native code (every architecture). Fails with
    /// [`Error::Unsupported`] when the host has no native code generator or Cranelift
    /// rejects a function; the interpreter runs such modules.
    pub fn compile(&self) -> Result<CompiledModule, Error> {
        let code = dotvm_jit::compile_loaded(self.loaded()).map_err(|error| match error {
            JitError::Load(error) => Error::Instantiate(error),
            other => Error::Unsupported(other.to_string()),
        })?;
        Ok(CompiledModule {
            module: self.clone(),
            code,
        })
    }
}

impl CompiledModule {
    /// The module it was compiled from.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// How long compiling took.
    pub fn compile_time(&self) -> Duration {
        self.code.compile_time()
    }

    /// True when runs under `limits` can use the compiled code (its value stack is
    /// reserved up front and has a maximum size).
    pub fn supports(&self, limits: &Limits) -> bool {
        self.code.supports(limits)
    }

    /// Runs the entry point under the engine's limits with the caller's streams and host,
    /// like [`Module::run_hosted`] without a state store or an inspector (modules with
    /// database opcodes and inspected runs need the interpreter). Fails with [`Error::Instantiate`] when the engine's limits
    /// do not fit the compiled tier ([`CompiledModule::supports`]).
    pub fn run_hosted(&self, io: &mut dyn Io, host: &mut Host) -> Result<Outcome, Error> {
        let limits = self.module.engine().config().limits();
        Ok(self
            .code
            .run(self.module.verified(), limits, io, host, None)?)
    }
}
