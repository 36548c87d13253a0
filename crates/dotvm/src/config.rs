//! Engine settings: the architecture modules are built for, the limits every run gets,
//! the capabilities a new store starts with and the keys modules must be signed by.

use crate::signing::TrustedKey;
use dotvm_core::Arch;
use dotvm_vm::{Capabilities, Interrupt, Limits};
use std::sync::Arc;
use std::time::Duration;

/// How an [`Engine`] builds and runs modules. Start from [`Config::default`] and change
/// what you need:
///
/// ```
/// use dotvm::{Arch, Config, Engine};
/// use std::time::Duration;
///
/// let mut config = Config::default();
/// config
///     .arch(Arch::Arch256)
///     .fuel(1_000_000)
///     .memory_limit(16 << 20)
///     .time_limit(Some(Duration::from_secs(5)));
/// let engine = Engine::new(&config);
/// assert_eq!(engine.config().limits().instructions, 1_000_000);
/// ```
///
/// The defaults: Arch64 for WebAssembly and assembly (bytecode names its own
/// architecture), [`Limits::default`] (no fuel limit, 256 MiB of memory, 1 Mi stack slots,
/// call depth 10 000, no time limit), optimisation level 1 for WebAssembly, and
/// [`Capabilities::default`] (standard streams and exit only), and unsigned modules
/// accepted.
#[derive(Debug, Clone)]
pub struct Config {
    arch: Arch,
    opt_level: u8,
    limits: Limits,
    capabilities: Capabilities,
    trusted_keys: Option<Vec<TrustedKey>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            arch: Arch::Arch64,
            opt_level: 1,
            limits: Limits::default(),
            capabilities: Capabilities::default(),
            trusted_keys: None,
        }
    }
}

impl Config {
    /// The word size WebAssembly and assembly modules are built for (bytecode keeps the
    /// architecture in its header; [`crate::Module::from_bytecode`] refuses a mismatch).
    pub fn arch(&mut self, arch: Arch) -> &mut Config {
        self.arch = arch;
        self
    }

    /// The WebAssembly translator's optimisation level (0 to 3).
    pub fn opt_level(&mut self, level: u8) -> &mut Config {
        self.opt_level = level.min(3);
        self
    }

    /// Fuel per run (or per call on an [`crate::Instance`]): instructions executed plus
    /// the extra cost of crypto and BigInt instructions. A resumable run
    /// ([`crate::Module::start`]) starts with this much and can be topped up.
    pub fn fuel(&mut self, fuel: u64) -> &mut Config {
        self.limits.instructions = fuel;
        self
    }

    /// The most bytes of linear memory (and BigInt storage) a run may use.
    pub fn memory_limit(&mut self, bytes: u64) -> &mut Config {
        self.limits.memory_bytes = bytes;
        self
    }

    /// The most operand-stack slots.
    pub fn stack_limit(&mut self, slots: usize) -> &mut Config {
        self.limits.stack_slots = slots;
        self
    }

    /// The deepest call nesting.
    pub fn call_depth_limit(&mut self, depth: usize) -> &mut Config {
        self.limits.call_depth = depth;
        self
    }

    /// The wall-clock limit of a run (`None`: unlimited).
    pub fn time_limit(&mut self, limit: Option<Duration>) -> &mut Config {
        self.limits.time = limit;
        self
    }

    /// A flag another thread can set to stop running guests ([`Interrupt::raise`]);
    /// they trap with [`dotvm_vm::TrapKind::Interrupted`] ([`crate::Error::Limit`]).
    pub fn interrupt(&mut self, interrupt: Option<Interrupt>) -> &mut Config {
        self.limits.interrupt = interrupt;
        self
    }

    /// All limits at once.
    pub fn limits(&mut self, limits: Limits) -> &mut Config {
        self.limits = limits;
        self
    }

    /// The capabilities a new [`crate::Store`] starts with (each store can change its
    /// own).
    pub fn capabilities(&mut self, capabilities: Capabilities) -> &mut Config {
        self.capabilities = capabilities;
        self
    }

    /// Accept only modules signed by one of `trusted` (`dotvm sign`): every way of making
    /// a [`crate::Module`] then refuses an unsigned module (also one built from
    /// WebAssembly or assembly, which cannot be signed), a module changed after it was
    /// signed and one signed by another key, with [`crate::Error::Signature`], before
    /// verifying it. An empty list accepts nothing.
    ///
    /// ```
    /// use dotvm::{Config, Engine, Error, Module, SignatureError, TrustedKey};
    ///
    /// let mut config = Config::default();
    /// config.require_signed([TrustedKey::new([7; 32], "alice")]);
    /// let engine = Engine::new(&config);
    /// let error = Module::from_assembly(&engine, ".func main\nHALT\n.end\n").unwrap_err();
    /// assert!(matches!(error, Error::Signature(SignatureError::Unsigned)), "{error}");
    /// ```
    pub fn require_signed(&mut self, trusted: impl IntoIterator<Item = TrustedKey>) -> &mut Config {
        self.trusted_keys = Some(trusted.into_iter().collect());
        self
    }
}

/// A configured DotVM: what modules are built and run with. Cheap to clone (the settings
/// are shared) and `Send + Sync`.
///
/// ```
/// let engine = dotvm::Engine::default();
/// assert_eq!(engine.config().architecture(), dotvm::Arch::Arch64);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Engine {
    config: Arc<Config>,
}

impl Engine {
    /// An engine with these settings.
    pub fn new(config: &Config) -> Engine {
        Engine {
            config: Arc::new(config.clone()),
        }
    }

    /// The engine's settings.
    pub fn config(&self) -> EngineConfig<'_> {
        EngineConfig(&self.config)
    }
}

/// Read access to an engine's settings.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig<'e>(&'e Config);

impl<'e> EngineConfig<'e> {
    /// The architecture WebAssembly and assembly modules are built for.
    pub fn architecture(&self) -> Arch {
        self.0.arch
    }

    /// The WebAssembly optimisation level.
    pub fn optimization_level(&self) -> u8 {
        self.0.opt_level
    }

    /// The limits of every run.
    pub fn limits(self) -> &'e Limits {
        &self.0.limits
    }

    /// The capabilities a new store starts with.
    pub fn default_capabilities(self) -> &'e Capabilities {
        &self.0.capabilities
    }

    /// The keys modules must be signed by, when the engine requires signed modules.
    pub fn trusted_keys(self) -> Option<&'e [TrustedKey]> {
        self.0.trusted_keys.as_deref()
    }
}
