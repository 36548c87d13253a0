//! The typed instructions (i32, i64, f32, f64, conversions, typed memory, select) in
//! executable form: one [`TypedOp`] per typed opcode, with the slot counts its stack
//! effect has on the running architecture.

use crate::per_op::PerOp;
use dotvm_core::{Arch, Opcode};

/// Declares [`TypedOp`] with one variant per typed opcode of the same name, grouped by
/// the shape of their stack effect (checked against the instruction table by the tests),
/// and one enum per group so that an engine can give every member of a group its own
/// handler with an exhaustive `match`.
macro_rules! typed_ops {
    ($($group:ident / $variant:ident: [$($name:ident),* $(,)?]),* $(,)?) => {
        /// A pattern matching the typed opcodes.
        macro_rules! typed_opcodes {
            () => { $($( Opcode::$name )|*)|* };
        }
        pub(crate) use typed_opcodes;

        /// A typed instruction, named like its opcode (see `exec::typed` for semantics).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub(crate) enum TypedOp {
            $($(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name,
            )*)*
        }

        impl TypedOp {
            /// Every typed op, indexed by its discriminant.
            pub(crate) const ALL: &'static [TypedOp] = &[$($(TypedOp::$name),*),*];

            /// The typed op for `opcode`, or `None` when `opcode` is not a typed instruction.
            pub(crate) fn from_opcode(opcode: Opcode) -> Option<TypedOp> {
                match opcode {
                    $($( Opcode::$name => Some(TypedOp::$name), )*)*
                    _ => None,
                }
            }

            /// The opcode this op runs.
            pub(crate) const fn opcode(self) -> Opcode {
                match self {
                    $($( TypedOp::$name => Opcode::$name, )*)*
                }
            }

            /// The op's shape group.
            pub(crate) const fn group(self) -> TypedGroup {
                match self {
                    $($( TypedOp::$name => TypedGroup::$variant($group::$name), )*)*
                }
            }
        }

        /// A typed op with its shape.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum TypedGroup {
            $(
                #[doc = concat!("A [`", stringify!($group), "`] op.")]
                $variant($group),
            )*
        }

        $(
            #[doc = concat!("The typed ops of shape group `", stringify!($variant), "`.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub(crate) enum $group {
                $(
                    #[doc = concat!("`", stringify!($name), "`.")]
                    $name,
                )*
            }

            impl $group {
                /// What `P` builds for this op (`OP` is the [`TypedOp`] discriminant).
                pub(crate) fn instantiate<P: PerOp>(self) -> P::Output {
                    match self {
                        $( $group::$name => P::make::<{ TypedOp::$name as u16 }>(), )*
                    }
                }
            }
        )*

    };
}

typed_ops! {
    // One operand, one result (`a -- r`).
    TypedUnary / Unary: [
        I32Clz, I32Ctz, I32Popcnt, I32Extend8S, I32Extend16S,
        I64Clz, I64Ctz, I64Popcnt, I64Extend8S, I64Extend16S, I64Extend32S,
        F32Abs, F32Neg, F32Ceil, F32Floor, F32Trunc, F32Nearest, F32Sqrt,
        F64Abs, F64Neg, F64Ceil, F64Floor, F64Trunc, F64Nearest, F64Sqrt,
        I32WrapI64, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U, I64ExtendI32S,
        I64ExtendI32U, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
        F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
        F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
        I32ReinterpretF32, I64ReinterpretF64, F32ReinterpretI32, F64ReinterpretI64,
        I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S, I32TruncSatF64U,
        I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
    ],
    // One operand, an i32 truth value (`a -- a == 0`); fuses with a branch.
    TypedTest / Test: [I32Eqz, I64Eqz],
    // Two operands, one result (`a b -- r`).
    TypedBinary / Binary: [
        I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS, I32RemU, I32And, I32Or, I32Xor,
        I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
        I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS, I64RemU, I64And, I64Or, I64Xor,
        I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
        F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign,
        F64Add, F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
    ],
    // Two operands, an i32 truth value (`a b -- a cmp b`); fuses with a branch.
    TypedCompare / Compare: [
        I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
        I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
        F32Eq, F32Ne, F32Lt, F32Gt, F32Le, F32Ge, F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
    ],
    // An address, one loaded value (`addr -- v`), with a constant offset.
    TypedLoad / Load: [
        I32Load, I64Load, F32Load, F64Load, I32Load8S, I32Load8U, I32Load16S, I32Load16U,
        I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U,
    ],
    // An address and a value, nothing (`addr v --`), with a constant offset.
    TypedStore / Store: [
        I32Store, I64Store, F32Store, F64Store, I32Store8, I32Store16, I64Store8, I64Store16,
        I64Store32,
    ],
    // Two values and an i32 condition, one result (`a b c -- c ? a : b`).
    TypedSelect / Select: [Select, Select64],
}

impl TypedLoad {
    /// Bytes read.
    pub(crate) const fn bytes(self) -> usize {
        use TypedLoad::*;
        match self {
            I32Load8S | I32Load8U | I64Load8S | I64Load8U => 1,
            I32Load16S | I32Load16U | I64Load16S | I64Load16U => 2,
            I32Load | F32Load | I64Load32S | I64Load32U => 4,
            I64Load | F64Load => 8,
        }
    }

    /// True when the loaded value is an i64 or f64 (else an i32 or f32).
    pub(crate) const fn wide(self) -> bool {
        use TypedLoad::*;
        matches!(
            self,
            I64Load
                | F64Load
                | I64Load8S
                | I64Load8U
                | I64Load16S
                | I64Load16U
                | I64Load32S
                | I64Load32U
        )
    }

    /// The loaded value from the little-endian bytes in `raw` (zero above [`Self::bytes`]),
    /// sign- or zero-extended to the width of its type.
    #[inline(always)]
    pub(crate) const fn extend(self, raw: u64) -> u64 {
        use TypedLoad::*;
        let bits = 8 * self.bytes() as u32;
        let signed = matches!(
            self,
            I32Load8S | I32Load16S | I64Load8S | I64Load16S | I64Load32S
        );
        let value = if signed && bits < 64 {
            ((raw << (64 - bits)) as i64 >> (64 - bits)) as u64
        } else {
            raw
        };
        if self.wide() {
            value
        } else {
            value & 0xFFFF_FFFF
        }
    }
}

impl TypedStore {
    /// Bytes written (the low bytes of the value).
    pub(crate) const fn bytes(self) -> usize {
        use TypedStore::*;
        match self {
            I32Store8 | I64Store8 => 1,
            I32Store16 | I64Store16 => 2,
            I32Store | F32Store | I64Store32 => 4,
            I64Store | F64Store => 8,
        }
    }

    /// True when the stored value is an i64 or f64 (else an i32 or f32).
    pub(crate) const fn wide(self) -> bool {
        use TypedStore::*;
        matches!(
            self,
            I64Store | F64Store | I64Store8 | I64Store16 | I64Store32
        )
    }
}

/// A typed instruction ready to run: the op, its memory offset (0 when it has none) and
/// the shape of its stack effect in slots on the module's architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypedInst {
    /// What to do.
    pub(crate) op: TypedOp,
    /// Slots the instruction pops.
    pub(crate) pops: u8,
    /// Slots the instruction works in: `max(pops, pushes)`.
    pub(crate) room: u8,
    /// The constant offset of a typed load or store.
    pub(crate) offset: u32,
}

impl TypedInst {
    /// The executable form of typed `opcode` on `arch`, or `None` when `opcode` is not
    /// a typed instruction.
    pub(crate) fn new(opcode: Opcode, arch: Arch, offset: u32) -> Option<TypedInst> {
        let op = TypedOp::from_opcode(opcode)?;
        let (pops, pushes) = opcode.info().effect.slots(arch)?;
        Some(TypedInst {
            op,
            pops: u8::try_from(pops).ok()?,
            room: u8::try_from(pops.max(pushes)).ok()?,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::isa::Category;

    #[test]
    fn every_typed_opcode_has_a_typed_op_and_no_other_does() {
        for &opcode in Opcode::ALL {
            let typed = matches!(
                opcode.info().category,
                Category::Int32
                    | Category::Int64
                    | Category::Float32
                    | Category::Float64
                    | Category::Conversion
                    | Category::TypedMemory
            );
            assert_eq!(
                TypedOp::from_opcode(opcode).is_some(),
                typed,
                "{}",
                opcode.mnemonic()
            );
        }
    }

    #[test]
    fn all_is_indexed_by_discriminant() {
        for (i, op) in TypedOp::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
    }

    #[test]
    fn groups_match_the_instruction_table() {
        for &op in TypedOp::ALL {
            let opcode = Opcode::ALL
                .iter()
                .copied()
                .find(|&o| TypedOp::from_opcode(o) == Some(op))
                .unwrap();
            let info = opcode.info();
            let (pops, pushes) = info.effect.slots(Arch::Arch128).unwrap();
            let has_offset = info.operand == dotvm_core::isa::OperandKind::Offset;
            let expected = match op.group() {
                TypedGroup::Unary(_) | TypedGroup::Test(_) => (1, 1, false),
                TypedGroup::Binary(_) | TypedGroup::Compare(_) => (2, 1, false),
                TypedGroup::Load(_) => (1, 1, true),
                TypedGroup::Store(_) => (2, 0, true),
                TypedGroup::Select(_) => (3, 1, false),
            };
            assert_eq!(
                (pops, pushes, has_offset),
                expected,
                "{}",
                opcode.mnemonic()
            );
            if let TypedGroup::Test(_) | TypedGroup::Compare(_) = op.group() {
                let dotvm_core::isa::StackEffect::Fixed { pushes, .. } = info.effect else {
                    panic!("{} has a dynamic effect", opcode.mnemonic());
                };
                assert_eq!(pushes, &[dotvm_core::isa::ValType::I32][..]);
            }
        }
    }

    #[test]
    fn slot_shapes_follow_the_architecture() {
        let select64 = |arch| TypedInst::new(Opcode::Select64, arch, 0).unwrap();
        assert_eq!(
            (select64(Arch::Arch32).pops, select64(Arch::Arch32).room),
            (5, 5)
        );
        assert_eq!(
            (select64(Arch::Arch64).pops, select64(Arch::Arch64).room),
            (3, 3)
        );
        let load = TypedInst::new(Opcode::I64Load, Arch::Arch32, 8).unwrap();
        assert_eq!((load.pops, load.room, load.offset), (1, 2, 8));
        assert_eq!(TypedInst::new(Opcode::Add, Arch::Arch64, 0), None);
    }
}
