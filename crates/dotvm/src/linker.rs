//! The [`Linker`]: host functions registered by module and name, type-checked against a
//! module's imports when it is instantiated.

use crate::error::Error;
use crate::host_func::{HostFunc, IntoHostFunc};
use crate::imports::{Bound, Imports};
use crate::instance::Instance;
use crate::module::Module;
use crate::run::Run;
use crate::store::Store;
use crate::values::{signature, type_names};
use std::collections::HashMap;

/// Host functions by module and name, the imports modules are instantiated with.
///
/// ```
/// use dotvm::{Engine, HostError, Linker, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_wat(&engine, r#"(module
///     (import "env" "double" (func $double (param i32) (result i32)))
///     (func (export "quadruple") (param i32) (result i32)
///         local.get 0 call $double call $double))"#)?;
/// let mut linker = Linker::new();
/// linker.func_wrap("env", "double", |x: i32| -> Result<i32, HostError> {
///     x.checked_mul(2).ok_or_else(|| HostError::new("overflow"))
/// })?;
/// let mut store = Store::new(&engine);
/// let mut instance = linker.instantiate(&module)?;
/// assert_eq!(instance.call::<i32, i32>(&mut store, "quadruple", 5)?, 20);
/// // The error of a host function traps the guest.
/// let error = instance.call::<i32, i32>(&mut store, "quadruple", i32::MAX).unwrap_err();
/// assert!(error.to_string().contains("overflow"));
/// # Ok::<(), dotvm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Linker {
    functions: HashMap<(String, String), HostFunc>,
}

impl Linker {
    /// An empty linker.
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Registers `func` as the import `module`.`name`; fails when that name is taken.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoHostFunc<Params, Results>,
    ) -> Result<&mut Linker, Error> {
        let key = (module.to_string(), name.to_string());
        if self.functions.contains_key(&key) {
            return Err(Error::Link(format!("{module}.{name} is defined twice")));
        }
        self.functions.insert(key, func.into_host_func());
        Ok(self)
    }

    /// Loads `module` with its imports bound to this linker's functions. Fails with
    /// [`Error::Link`] when an import has no function or one of other parameter or result
    /// types, and with [`Error::Instantiate`] when the module cannot start (its initial
    /// memory exceeds the memory limit). Runs no code.
    pub fn instantiate(&self, module: &Module) -> Result<Instance, Error> {
        Instance::new(module, self.bind(module)?)
    }

    /// Starts a resumable run of `module`'s entry point with its imports bound to this
    /// linker's functions (checked as by [`Linker::instantiate`]), the store's capabilities
    /// and state, and the engine's fuel limit as its first slice (see [`Run`]).
    ///
    /// ```
    /// use dotvm::{Config, Engine, Linker, Module, Progress, Store};
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// let mut config = Config::default();
    /// config.fuel(50);
    /// let engine = Engine::new(&config);
    /// let module = Module::from_wat(&engine, r#"(module
    ///     (import "env" "tick" (func $tick))
    ///     (func (export "_start") (local i32)
    ///         loop
    ///             call $tick
    ///             local.get 0 i32.const 1 i32.add local.tee 0
    ///             i32.const 100 i32.lt_u br_if 0
    ///         end))"#)?;
    /// let ticks = Arc::new(AtomicU32::new(0));
    /// let counter = ticks.clone();
    /// let mut linker = Linker::new();
    /// linker.func_wrap("env", "tick", move || {
    ///     counter.fetch_add(1, Ordering::Relaxed);
    /// })?;
    /// let mut store = Store::new(&engine);
    /// let mut run = linker.start(&module, &store)?;
    /// let mut slices = 1;
    /// while let Progress::OutOfFuel { .. } = run.resume(&mut store)? {
    ///     slices += 1;
    ///     run.add_fuel(50);
    /// }
    /// assert_eq!(ticks.load(Ordering::Relaxed), 100);
    /// assert!(slices > 1);
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn start(&self, module: &Module, store: &Store) -> Result<Run, Error> {
        Run::new(module, store, self.bind(module)?)
    }

    /// Binds `module`'s imports to this linker's functions, checking their types.
    fn bind(&self, module: &Module) -> Result<Imports, Error> {
        let verified = module.verified().module();
        let mut bound = Vec::with_capacity(verified.imports.len());
        for import in &verified.imports {
            let label = format!("{}.{}", import.module, import.name);
            let ty = verified.types.get(import.ty as usize).ok_or_else(|| {
                Error::Link(format!("{label}: the module declares an unknown type"))
            })?;
            let declared = signature(&type_names(&ty.params), &type_names(&ty.results));
            let key = (import.module.clone(), import.name.clone());
            let func = self.functions.get(&key).ok_or_else(|| {
                Error::Link(format!(
                    "the module imports {label} {declared}, which the linker does not define"
                ))
            })?;
            if !func.fits(ty) {
                return Err(Error::Link(format!(
                    "{label}: the module declares {declared} but the host function is {}",
                    func.signature()
                )));
            }
            bound.push(Bound {
                label,
                ty: ty.clone(),
                func: func.clone(),
            });
        }
        Ok(Imports {
            arch: verified.arch,
            bound,
        })
    }
}
