//! Host functions: Rust closures a module imports, registered by module and name in a
//! [`Linker`] and type-checked against the module's imports when it is instantiated.

use crate::caller::Caller;
use crate::error::Error;
use crate::instance::Instance;
use crate::module::Module;
use crate::run::Run;
use crate::store::Store;
use crate::values::{Value, Values, decode, encode, signature, type_names};
use dotvm_core::module::{FuncType, SigType};
use dotvm_core::{Arch, Imm};
use dotvm_vm::{HostFunctions, LinearMemory, TrapKind};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// An error a host function returns: the guest traps with
/// [`TrapKind::Host`] carrying this message ([`Error::Trap`] for the embedder).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(String);

impl HostError {
    /// An error with this message.
    pub fn new(message: impl std::fmt::Display) -> HostError {
        HostError(message.to_string())
    }
}

impl From<&str> for HostError {
    fn from(message: &str) -> HostError {
        HostError(message.to_string())
    }
}

impl From<String> for HostError {
    fn from(message: String) -> HostError {
        HostError(message)
    }
}

/// What a host function may return: nothing (`()`), a [`Value`], a tuple of values, or a
/// `Result` of those with a [`HostError`] (which traps the guest).
pub trait HostReturn: Sized {
    /// The result type names, for error messages.
    fn names() -> Vec<&'static str>;
    /// True when the results match these guest types.
    fn accepts(types: &[SigType]) -> bool;
    /// The results' bits, or the error that traps the guest.
    fn into_bits(self) -> Result<Vec<u64>, HostError>;
}

impl<T: Values> HostReturn for T {
    fn names() -> Vec<&'static str> {
        T::names()
    }
    fn accepts(types: &[SigType]) -> bool {
        T::accepts(types)
    }
    fn into_bits(self) -> Result<Vec<u64>, HostError> {
        Ok(self.to_bits())
    }
}

impl<T: Values> HostReturn for Result<T, HostError> {
    fn names() -> Vec<&'static str> {
        T::names()
    }
    fn accepts(types: &[SigType]) -> bool {
        T::accepts(types)
    }
    fn into_bits(self) -> Result<Vec<u64>, HostError> {
        self.map(Values::to_bits)
    }
}

/// The shared body of a host function: the caller and parameter bits in, result bits out.
type Body = dyn Fn(Caller<'_>, &[u64]) -> Result<Vec<u64>, HostError> + Send + Sync;

/// A parameter type: its name and which guest types it accepts.
type ParamType = (&'static str, fn(SigType) -> bool);

/// Result types: their names and which guest type lists they accept.
type ResultTypes = (Vec<&'static str>, fn(&[SigType]) -> bool);

/// A host function ready for a [`Linker`]: a closure with its parameter and result types.
#[derive(Clone)]
pub struct HostFunc {
    params: Vec<ParamType>,
    results: ResultTypes,
    body: Arc<Body>,
}

impl std::fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.signature())
    }
}

impl HostFunc {
    /// `(i32, i64) -> (i32)`.
    fn signature(&self) -> String {
        let params: Vec<&str> = self.params.iter().map(|(name, _)| *name).collect();
        signature(&params, &self.results.0)
    }

    /// True when the function fits the declared import type.
    fn fits(&self, ty: &FuncType) -> bool {
        self.params.len() == ty.params.len()
            && self
                .params
                .iter()
                .zip(&ty.params)
                .all(|((_, ok), t)| ok(*t))
            && (self.results.1)(&ty.results)
    }
}

/// A Rust closure usable as a host function: `Fn(A, B, ...) -> R` with up to six
/// [`Value`] parameters and a [`HostReturn`] result, optionally with a [`Caller`] before
/// the parameters (`Fn(Caller<'_>, A, B, ...) -> R`) to reach the guest's memory.
pub trait IntoHostFunc<Params, Results>: Send + Sync + 'static {
    /// The closure as a host function.
    fn into_host_func(self) -> HostFunc;
}

/// Implements [`IntoHostFunc`] for closures of one arity, without and with a [`Caller`].
macro_rules! into_host_func {
    ($($p:ident $i:tt),*) => {
        impl<Func, R, $($p),*> IntoHostFunc<($($p,)*), R> for Func
        where
            Func: Fn($($p),*) -> R + Send + Sync + 'static,
            R: HostReturn,
            $($p: Value,)*
        {
            #[allow(unused_variables)]
            fn into_host_func(self) -> HostFunc {
                HostFunc {
                    params: vec![$(($p::NAME, $p::accepts as fn(SigType) -> bool)),*],
                    results: (R::names(), R::accepts),
                    body: Arc::new(move |_: Caller<'_>, bits: &[u64]| {
                        self($($p::from_bits(bits[$i])),*).into_bits()
                    }),
                }
            }
        }

        impl<Func, R, $($p),*> IntoHostFunc<(Caller<'static>, $($p,)*), R> for Func
        where
            Func: for<'c> Fn(Caller<'c>, $($p),*) -> R + Send + Sync + 'static,
            R: HostReturn,
            $($p: Value,)*
        {
            #[allow(unused_variables)]
            fn into_host_func(self) -> HostFunc {
                HostFunc {
                    params: vec![$(($p::NAME, $p::accepts as fn(SigType) -> bool)),*],
                    results: (R::names(), R::accepts),
                    body: Arc::new(move |caller: Caller<'_>, bits: &[u64]| {
                        self(caller, $($p::from_bits(bits[$i])),*).into_bits()
                    }),
                }
            }
        }
    };
}

into_host_func!();
into_host_func!(A 0);
into_host_func!(A 0, B 1);
into_host_func!(A 0, B 1, C 2);
into_host_func!(A 0, B 1, C 2, D 3);
into_host_func!(A 0, B 1, C 2, D 3, E 4);
into_host_func!(A 0, B 1, C 2, D 3, E 4, F 5);

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

/// One import bound to its host function.
struct Bound {
    label: String,
    ty: FuncType,
    func: HostFunc,
}

/// A module's imports bound to host functions: what `CALL_HOST` calls.
pub(crate) struct Imports {
    arch: Arch,
    bound: Vec<Bound>,
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
        let caller = Caller::new(memory);
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
