//! The wasm instructions that are exactly one typed DotVM instruction of the same name
//! (numeric operations, conversions, loads and stores), derived from the two instruction
//! tables: wasmparser's operator list and DotVM's (`Opcode::from_variant_name`). A typed
//! opcode added to the DotVM table under a wasm operator's name translates with no change
//! here.

use dotvm_core::isa::{Category, Opcode, OperandKind};
use wasmparser::Operator;

/// The typed DotVM opcode named `name` in one of `categories`, if any (evaluated at
/// compile time for every wasm operator).
const fn typed_named(name: &str, categories: &[Category]) -> Option<Opcode> {
    let Some(opcode) = Opcode::from_variant_name(name) else {
        return None;
    };
    let category = opcode.info().category;
    let mut i = 0;
    while i < categories.len() {
        if categories[i] as u8 == category as u8 {
            return Some(opcode);
        }
        i += 1;
    }
    None
}

/// The typed DotVM opcode named `name` that operates on values only: one of
/// [`VALUE_OPS`] without an operand (the simd loads share the category but not the shape).
const fn value_op(name: &str) -> Option<Opcode> {
    match typed_named(name, VALUE_OPS) {
        Some(opcode) if matches!(opcode.operand(), OperandKind::None) => Some(opcode),
        _ => None,
    }
}

/// The categories of the typed operations on values (no memory access). The simd
/// operators with an immediate (constants, shuffles, lanes) are matched before these.
const VALUE_OPS: &[Category] = &[
    Category::Int32,
    Category::Int64,
    Category::Float32,
    Category::Float64,
    Category::Conversion,
    Category::Simd,
];

/// The categories of the typed loads and stores (the simd lane loads and stores, whose
/// operand also has a lane, are matched before these).
const MEMORY_OPS: &[Category] = &[Category::TypedMemory, Category::Simd];

/// A memory access's opcode and constant offset: the operator's `memarg` when wasmparser
/// annotates it as a memory access, nothing otherwise.
macro_rules! memory_arm {
    ($name:expr, (arity memarg $($rest:tt)*), $memarg:ident) => {
        const { typed_named($name, MEMORY_OPS) }.map(|opcode| (opcode, $memarg.offset))
    };
    ($name:expr, ($($annotation:tt)*), $($field:ident),*) => {{
        $(let _ = $field;)*
        None
    }};
}

/// Defines [`numeric`] and [`memory_access`] from wasmparser's operator list.
macro_rules! same_name {
    ($( @$proposal:ident $op:ident $({ $($field:ident: $ty:ty),* })? => $visit:ident ($($annotation:tt)*) )*) => {
        /// The typed DotVM instruction for a numeric wasm operator, if it is one.
        pub(crate) fn numeric(op: &Operator<'_>) -> Option<Opcode> {
            match op {
                $( Operator::$op { .. } => const { value_op(stringify!($op)) }, )*
                _ => None,
            }
        }

        /// The typed DotVM load or store and its constant offset, if `op` is one.
        pub(crate) fn memory_access(op: &Operator<'_>) -> Option<(Opcode, u64)> {
            match op {
                $(
                    Operator::$op { $($($field),*)? } => {
                        memory_arm!(stringify!($op), ($($annotation)*), $($($field),*)?)
                    }
                )*
                _ => None,
            }
        }
    };
}

wasmparser::for_each_operator!(same_name);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{Ieee64, MemArg, MemArgTarget};

    #[test]
    fn numeric_operators_map_to_the_typed_opcode_of_the_same_name() {
        assert_eq!(numeric(&Operator::I32Add), Some(Opcode::I32Add));
        assert_eq!(
            numeric(&Operator::F64ConvertI32U),
            Some(Opcode::F64ConvertI32U)
        );
        assert_eq!(
            numeric(&Operator::I64TruncSatF32S),
            Some(Opcode::I64TruncSatF32S)
        );
        // Same-named instructions outside the typed value categories are not numeric.
        assert_eq!(numeric(&Operator::Nop), None);
        assert_eq!(numeric(&Operator::Unreachable), None);
        assert_eq!(
            numeric(&Operator::F64Const {
                value: Ieee64::from(0.0)
            }),
            None
        );
    }

    #[test]
    fn loads_and_stores_carry_their_offset() {
        let memarg = MemArg {
            align: 3,
            max_align: 3,
            offset: 24,
            target: MemArgTarget::Memory(0),
            ordering: None,
        };
        assert_eq!(
            memory_access(&Operator::I64Load { memarg }),
            Some((Opcode::I64Load, 24))
        );
        assert_eq!(
            memory_access(&Operator::I32Store8 { memarg }),
            Some((Opcode::I32Store8, 24))
        );
        assert_eq!(memory_access(&Operator::I32Add), None);
        // DotVM's typed select is in the memory category but is no memory access.
        assert_eq!(memory_access(&Operator::Select), None);
        assert_eq!(memory_access(&Operator::LocalGet { local_index: 0 }), None);
    }
}
