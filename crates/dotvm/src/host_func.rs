//! Host functions: Rust closures with typed parameters and results, and the errors they
//! return to trap the guest.

use crate::caller::Caller;
use crate::host_error::HostError;
use crate::values::{Value, Values, signature};
use dotvm_core::module::{FuncType, SigType};
use std::sync::Arc;

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

/// A host function ready for a [`Linker`](crate::Linker): a closure with its parameter and result types.
#[derive(Clone)]
pub struct HostFunc {
    params: Vec<ParamType>,
    results: ResultTypes,
    pub(crate) body: Arc<Body>,
}

impl std::fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.signature())
    }
}

impl HostFunc {
    /// `(i32, i64) -> (i32)`.
    pub(crate) fn signature(&self) -> String {
        let params: Vec<&str> = self.params.iter().map(|(name, _)| *name).collect();
        signature(&params, &self.results.0)
    }

    /// True when the function fits the declared import type.
    pub(crate) fn fits(&self, ty: &FuncType) -> bool {
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
