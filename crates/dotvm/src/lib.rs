//! Embed DotVM in a Rust program: build an [`Engine`], read a [`Module`] (bytecode,
//! WebAssembly, WebAssembly text or assembly; verified once), give it host functions with
//! a [`Linker`], and run it in a [`Store`] that holds its streams, capabilities and state.
//!
//! ```
//! use dotvm::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::from_wat(&engine, r#"(module
//!     (import "host" "log" (func $log (param i32)))
//!     (func (export "run") (param i32) (result i32)
//!         local.get 0 call $log
//!         local.get 0 i32.const 1 i32.add))"#)?;
//!
//! let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
//! let log = seen.clone();
//! let mut linker = Linker::new();
//! linker.func_wrap("host", "log", move |x: i32| log.lock().unwrap().push(x))?;
//!
//! let mut store = Store::new(&engine);
//! let mut instance = linker.instantiate(&module)?;
//! assert_eq!(instance.call::<i32, i32>(&mut store, "run", 41)?, 42);
//! assert_eq!(*seen.lock().unwrap(), [41]);
//! # Ok::<(), dotvm::Error>(())
//! ```
//!
//! Ways to run a module:
//!
//! - [`Module::run`] and [`Module::start`] run the entry point with everything the
//!   [`Store`] grants (arguments, environment, clock, files, the state store), in one go
//!   or in slices of fuel; they do not provide host functions.
//! - [`Linker::instantiate`] binds host functions and gives an [`Instance`] whose entry
//!   point ([`Instance::run`]) and exported functions ([`Instance::call`]) run with the
//!   store's capabilities and state store; [`Linker::start`] is a resumable run of the
//!   entry point with host functions.
//! - [`Module::run_hosted`] runs the entry point with the caller's own [`Io`], [`Host`],
//!   state store and [`Inspector`] (the `dotvm` CLI runs programs this way), and
//!   [`Module::run_hosted_with_limits`] under the caller's limits.
//! - With the cargo feature `jit`, `Module::compile` compiles a module to native code
//!   (`CompiledModule::run_hosted`), and `Module::run_tiered` interprets at once while a
//!   second thread compiles, switching to native code at calls once it is ready (`dotvm
//!   run`'s default engine); both with the interpreter's results.
//!
//! Host functions that take a [`Caller`] first read and write the guest's memory,
//! bounds-checked, and the state store in the guest's transaction.
//!
//! Every failure is an [`Error`].

mod caller;
#[cfg(feature = "jit")]
mod compiled;
mod config;
mod error;
mod host_error;
mod host_func;
mod imports;
mod instance;
mod linker;
mod module;
mod run;
mod signing;
mod store;
mod values;

pub use caller::{Caller, CallerState};
#[cfg(feature = "jit")]
pub use compiled::{CompiledModule, JitError, Tiered};
pub use config::{Config, Engine, EngineConfig};
pub use error::Error;
pub use host_error::HostError;
pub use host_func::{HostFunc, HostReturn, IntoHostFunc};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use run::Run;
pub use signing::{SignatureError, TrustedKey, check_signature, check_trusted, signer_id};
pub use store::Store;
pub use values::{Value, Values};

pub use dotvm_core::Arch;
pub use dotvm_vm::state::{Entry, Query};
pub use dotvm_vm::{
    BufferIo, Capabilities, ClockSource, Control, Denial, Host, Inspector, Interrupt, Io, Limits,
    LoadError, MachineView, Outcome, Preopen, Progress, RandomSource, RunError, StateError,
    StateStore, StdIo, Stopped, Trap, TrapKind,
};
