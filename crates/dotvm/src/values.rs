//! Rust values as guest values: the types host functions and exported-function calls take
//! and return, and how they map to word slots.

use dotvm_core::module::SigType;
use dotvm_core::{Arch, Imm};

/// A Rust type that stands for one guest value: `i32`, `u32`, `i64`, `u64`, `f32`, `f64`.
///
/// `i32`/`u32` match the guest type `i32`, `i64`/`u64` match `i64`, the floats match
/// `f32`/`f64`; `u32` and `u64` also match a whole word (`w`, the type of assembly
/// functions without a `type=`). On Arch32 an `i64` or `f64` takes two slots; the crate
/// splits and joins them.
pub trait Value: Copy + Send + 'static + private::Sealed {
    /// The guest type name used in error messages.
    const NAME: &'static str;
    /// True when a guest value of type `ty` can be passed as or read into this type.
    fn accepts(ty: SigType) -> bool;
    /// The value's bits (zero-extended for 32-bit types).
    fn to_bits(self) -> u64;
    /// The value of these bits (only the low 32 used for 32-bit types).
    fn from_bits(bits: u64) -> Self;
}

mod private {
    /// Only this crate's value types implement [`super::Value`].
    pub trait Sealed {}
    /// Only this crate's value lists implement [`super::Values`].
    pub trait SealedList {}
}

/// Implements [`Value`] for a Rust type.
macro_rules! value {
    ($t:ty, $name:literal, [$($ty:ident),*], $to:expr, $from:expr) => {
        impl private::Sealed for $t {}
        impl Value for $t {
            const NAME: &'static str = $name;
            fn accepts(ty: SigType) -> bool {
                matches!(ty, $(SigType::$ty)|*)
            }
            fn to_bits(self) -> u64 {
                let to: fn($t) -> u64 = $to;
                to(self)
            }
            fn from_bits(bits: u64) -> $t {
                let from: fn(u64) -> $t = $from;
                from(bits)
            }
        }
    };
}

value!(i32, "i32", [I32], |v| v as u32 as u64, |b| b as u32 as i32);
value!(u32, "u32", [I32, W], |v| v as u64, |b| b as u32);
value!(i64, "i64", [I64], |v| v as u64, |b| b as i64);
value!(u64, "u64", [I64, W], |v| v, |b| b);
value!(f32, "f32", [F32], |v| v.to_bits() as u64, |b| {
    f32::from_bits(b as u32)
});
value!(f64, "f64", [F64], |v| v.to_bits(), f64::from_bits);

/// Appends the slots of a value of declared type `ty` with these bits.
pub(crate) fn encode(bits: u64, ty: SigType, arch: Arch, out: &mut Vec<Imm>) {
    if ty.val_type().slots(arch) == 2 {
        out.push(Imm::from(bits & 0xffff_ffff));
        out.push(Imm::from(bits >> 32));
    } else {
        out.push(Imm::from(bits));
    }
}

/// Takes the slots of a value of declared type `ty` from the front of `slots` and returns
/// its bits; `None` when slots are missing or a word does not fit 64 bits.
pub(crate) fn decode(ty: SigType, arch: Arch, slots: &mut &[Imm]) -> Option<u64> {
    let word = |slot: &Imm| u64::try_from(*slot).ok();
    match (ty.val_type().slots(arch), *slots) {
        (2, [low, high, rest @ ..]) => {
            let bits = (word(low)? & 0xffff_ffff) | (word(high)? << 32);
            *slots = rest;
            Some(bits)
        }
        (1, [slot, rest @ ..]) => {
            *slots = rest;
            word(slot)
        }
        _ => None,
    }
}

/// A list of values: the parameters of a call or host function, or its results. Implemented
/// for `()`, every [`Value`] and tuples of up to six values.
pub trait Values: Sized + private::SealedList {
    /// The names of the value types, for error messages.
    fn names() -> Vec<&'static str>;
    /// True when the list matches these guest types one to one.
    fn accepts(types: &[SigType]) -> bool;
    /// The values' bits, first value first.
    fn to_bits(self) -> Vec<u64>;
    /// The values of these bits (exactly as many as values).
    fn from_bits(bits: &[u64]) -> Self;
}

impl<T: Value> private::SealedList for T {}
impl<T: Value> Values for T {
    fn names() -> Vec<&'static str> {
        vec![T::NAME]
    }
    fn accepts(types: &[SigType]) -> bool {
        matches!(types, [ty] if T::accepts(*ty))
    }
    fn to_bits(self) -> Vec<u64> {
        vec![Value::to_bits(self)]
    }
    fn from_bits(bits: &[u64]) -> T {
        T::from_bits(bits[0])
    }
}

/// Implements [`Values`] for a tuple.
macro_rules! tuple {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Value),*> private::SealedList for ($($t,)*) {}
        impl<$($t: Value),*> Values for ($($t,)*) {
            fn names() -> Vec<&'static str> {
                vec![$($t::NAME),*]
            }
            #[allow(unused_mut, unused_variables)]
            fn accepts(types: &[SigType]) -> bool {
                let mut iter = types.iter();
                let all = true $(&& iter.next().is_some_and(|ty| $t::accepts(*ty)))*;
                all && iter.next().is_none()
            }
            fn to_bits(self) -> Vec<u64> {
                vec![$(Value::to_bits(self.$i)),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn from_bits(bits: &[u64]) -> Self {
                ($($t::from_bits(bits[$i]),)*)
            }
        }
    };
}

tuple!();
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// `(a, b) -> c` for error messages.
pub(crate) fn signature(params: &[&str], results: &[&str]) -> String {
    format!("({}) -> ({})", params.join(", "), results.join(", "))
}

/// The names of guest types.
pub(crate) fn type_names(types: &[SigType]) -> Vec<&'static str> {
    types.iter().map(|t| t.name()).collect()
}
