//! The compiled tier (cargo feature `jit`): a module compiled to native code by
//! `dotvm-jit`, run with the same results as the interpreter.

use crate::error::Error;
use crate::module::Module;
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

/// How the compiled tier took part in a [`Module::run_tiered`] run, and why compiling
/// failed or stopped.
pub use dotvm_jit::{JitError, Tiered};

impl Module {
    /// Runs the entry point like [`Module::run_hosted`] without a state store or an
    /// inspector, interpreting at once while a second thread compiles the module to native
    /// code; once it is ready, every call the interpreter makes runs compiled code (frames
    /// already running finish in the interpreter). Short runs end before the compiler and
    /// stop it, so they cost what interpreting costs (on a host with a second core); long
    /// ones run mostly compiled. The results are the interpreter's wherever the switch
    /// happens (a trap inside compiled code lists only its interpreted callers). The
    /// report says whether compiled code was entered and how long compiling took.
    ///
    /// ```
    /// use dotvm::{BufferIo, Engine, Host, Module};
    ///
    /// let engine = Engine::default();
    /// let module = Module::from_assembly(&engine, ".func main\nPUSH 7\nSYSCALL print_int\nHALT\n.end\n")?;
    /// let (mut io, mut host) = (BufferIo::default(), Host::default());
    /// let (outcome, _tiered) = module.run_tiered(&mut io, &mut host);
    /// assert_eq!(outcome?.exit_code, 0);
    /// assert_eq!(io.output, b"7");
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run_tiered(&self, io: &mut dyn Io, host: &mut Host) -> (Result<Outcome, Error>, Tiered) {
        let limits = self.engine().config().limits();
        let (result, tiered) = dotvm_jit::run_tiered(
            self.loaded(),
            limits,
            io,
            host,
            None,
            dotvm_jit::Switch::WhenReady,
        );
        (result.map_err(Error::from), tiered)
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
