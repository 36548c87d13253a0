//! Instances: a module loaded with its imports bound, whose memory and globals persist
//! across calls of its exported functions.

use crate::error::Error;
use crate::imports::Imports;
use crate::module::Module;
use crate::run::end_transaction;
use crate::store::Store;
use crate::values::{Values, decode, encode, signature, type_names};
use dotvm_core::Imm;
use dotvm_vm::state::Guarded;
use dotvm_vm::{CallOutcome, HostEnv, StateStore};

/// A module ready for calls: made by [`crate::Linker::instantiate`] (or
/// [`Instance::new_without_imports`] for a module that imports nothing). Memory and globals
/// keep every change between calls, also when a call traps.
///
/// Every call runs with the store it is given: its stdin, captured stdout and stderr,
/// arguments, environment and other capabilities, and its state store. With a state
/// store, each call of a module with database opcodes or host functions is one
/// transaction: committed when the function returns (or exits with code 0), discarded
/// when it traps or exits with another code; [`Instance::run`] commits when its exit code
/// is 0.
///
/// ```
/// use dotvm::{Engine, Instance, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_wat(&engine, r#"(module
///     (memory (export "memory") 1)
///     (data (i32.const 16) "hello")
///     (func (export "add") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add))"#)?;
/// let mut store = Store::new(&engine);
/// let mut instance = Instance::new_without_imports(&module)?;
/// assert_eq!(instance.call::<(i64, i64), i64>(&mut store, "add", (40, 2))?, 42);
/// assert_eq!(instance.read_memory(16, 5)?, b"hello");
/// instance.write_memory(16, b"HE")?;
/// assert_eq!(instance.read_memory(16, 5)?, b"HEllo");
/// // Wrong argument types are refused before anything runs.
/// assert!(instance.call::<(i32, i32), i32>(&mut store, "add", (1, 2)).is_err());
/// # Ok::<(), dotvm::Error>(())
/// ```
pub struct Instance {
    module: Module,
    vm: dotvm_vm::Instance,
    imports: Imports,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("module", &self.module)
            .finish_non_exhaustive()
    }
}

/// The exit code of a run of the entry point: the code it exited with, the result of an
/// entry function that returns one, else 0.
fn exit_code(outcome: &CallOutcome) -> i32 {
    match outcome {
        CallOutcome::Returned(results) => results
            .first()
            .map(|code| u64::try_from(*code).unwrap_or(u64::MAX) as i32)
            .unwrap_or(0),
        CallOutcome::Exited(code) => *code,
    }
}

impl Instance {
    /// Loads `module` with these bound imports.
    pub(crate) fn new(module: &Module, imports: Imports) -> Result<Instance, Error> {
        let limits = module.engine().config().limits();
        let vm =
            dotvm_vm::Instance::from_loaded(module.loaded(), limits).map_err(Error::Instantiate)?;
        Ok(Instance {
            module: module.clone(),
            vm,
            imports,
        })
    }

    /// Loads a module that imports no host functions (fails with [`Error::Link`] for one
    /// that does: instantiate that with a [`crate::Linker`]).
    pub fn new_without_imports(module: &Module) -> Result<Instance, Error> {
        if let Some((m, name)) = module.imports().next() {
            return Err(Error::Link(format!(
                "the module imports {m}.{name}: instantiate it with a Linker that defines it"
            )));
        }
        Instance::new(module, Imports::none(module.arch()))
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Runs the module's entry point (for a WASI command: its initializer, then `_start`)
    /// and returns the exit code: 0 after a normal return without a result, the result of
    /// an entry function that returns one, or the code the guest exited with.
    ///
    /// With a state store, the run is one transaction committed when this exit code is 0,
    /// as for [`Module::run`].
    pub fn run(&mut self, store: &mut Store) -> Result<i32, Error> {
        let entry = self.module.verified().module().entry;
        self.call_raw(store, entry, &[], exit_code)
            .map(|outcome| exit_code(&outcome))
    }

    /// Calls the exported function `name` with typed arguments and results: `P` and `R`
    /// are `()`, a [`crate::Value`] or a tuple of values, checked against the function's
    /// type before it runs ([`Error::Type`]). A function that exits the program instead of
    /// returning gives [`Error::Exited`].
    pub fn call<P: Values, R: Values>(
        &mut self,
        store: &mut Store,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        let func = self
            .module
            .export(name)
            .ok_or_else(|| Error::Type(format!("the module exports no function `{name}`")))?;
        let ty = self
            .module
            .func_type(func)
            .ok_or_else(|| Error::Type(format!("`{name}` has no type")))?;
        if !P::accepts(&ty.params) || !R::accepts(&ty.results) {
            return Err(Error::Type(format!(
                "`{name}` is {} but was called as {}",
                signature(&type_names(&ty.params), &type_names(&ty.results)),
                signature(&P::names(), &R::names())
            )));
        }
        let arch = self.module.arch();
        let mut args = Vec::new();
        for (bits, &ty) in params.to_bits().into_iter().zip(&ty.params) {
            encode(bits, ty, arch, &mut args);
        }
        match self.call_raw(store, func, &args, |outcome| match outcome {
            CallOutcome::Returned(_) => 0,
            CallOutcome::Exited(code) => *code,
        })? {
            CallOutcome::Returned(results) => {
                let mut slots = results.as_slice();
                let bits = ty
                    .results
                    .iter()
                    .map(|&t| decode(t, arch, &mut slots))
                    .collect::<Option<Vec<u64>>>()
                    .ok_or_else(|| {
                        Error::Type(format!("a result of `{name}` does not fit its Rust type"))
                    })?;
                Ok(R::from_bits(&bits))
            }
            CallOutcome::Exited(code) => Err(Error::Exited(code)),
        }
    }

    /// Calls function `func` with raw word slots, with the store's streams, host and state:
    /// one transaction per call, committed when `code` gives 0 for the outcome.
    fn call_raw(
        &mut self,
        store: &mut Store,
        func: u32,
        args: &[Imm],
        code: fn(&CallOutcome) -> i32,
    ) -> Result<CallOutcome, Error> {
        let host = match store.call_host.take() {
            Some(host) => host,
            None => store.host()?,
        };
        let host = store.call_host.insert(host);
        let mut denied = Guarded::denied();
        let uses_state = self.module.uses_state();
        let state: Option<&mut dyn StateStore> = match store.state.as_deref_mut() {
            _ if !uses_state => None,
            Some(state) => Some(state),
            None => Some(&mut denied),
        };
        let env = HostEnv {
            io: &mut store.io,
            host,
            imports: &mut self.imports,
            state,
        };
        let result = self.vm.call_hosted(func, args, env);
        store.denials = host.take_denials();
        if let (true, Some(state)) = (uses_state, store.state.as_deref_mut()) {
            let commit = matches!(&result, Ok(outcome) if code(outcome) == 0);
            end_transaction(state, commit)?;
        }
        Ok(result?)
    }

    /// The size of the linear memory in bytes (0 without a memory).
    pub fn memory_size(&self) -> u64 {
        self.vm.memory().map_or(0, |m| m.size_bytes())
    }

    /// Copies `bytes` into linear memory at `addr` (all or nothing), bounds-checked; the
    /// read-only region (a bytecode module's constant pool) cannot be written.
    pub fn write_memory(&mut self, addr: u64, bytes: &[u8]) -> Result<(), Error> {
        let memory = self
            .vm
            .memory_mut()
            .ok_or_else(|| Error::Memory("the module has no memory".into()))?;
        let len = bytes.len() as u64;
        if memory.check_writable(addr, len).is_err() {
            let size = memory.size_bytes();
            return Err(Error::Memory(match memory.read(addr, len) {
                Ok(_) => format!(
                    "{len} bytes at {addr:#x} are in the read-only region (below {:#x})",
                    memory.ro_end()
                ),
                Err(_) => format!("{len} bytes at {addr:#x} are outside the memory ({size} bytes)"),
            }));
        }
        memory
            .write(addr, bytes)
            .map_err(|e| Error::Memory(format!("{len} bytes at {addr:#x}: {e}")))
    }

    /// Copies `len` bytes of linear memory from `addr`, bounds-checked.
    pub fn read_memory(&self, addr: u64, len: u64) -> Result<Vec<u8>, Error> {
        let memory = self
            .vm
            .memory()
            .ok_or_else(|| Error::Memory("the module has no memory".into()))?;
        memory.read(addr, len).map(<[u8]>::to_vec).map_err(|_| {
            Error::Memory(format!(
                "{len} bytes at {addr:#x} are outside the memory ({} bytes)",
                memory.size_bytes()
            ))
        })
    }
}
