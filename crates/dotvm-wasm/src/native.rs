//! Imports of the `dotvm` module: the guest SDK's way to reach the native database, crypto
//! and BigInt instructions. Each import is one instruction (with its selector); the import's
//! stub runs it on the parameters and returns its top result, storing deeper results
//! through trailing out-pointer parameters (see `docs/sdk.md`).

use crate::ir::Code;
use dotvm_core::Arch;
use dotvm_core::instruction::Operand;
use dotvm_core::isa::{Category, Opcode, OperandKind, StackEffect, ValType as SlotType};
use dotvm_core::module::SigType;
use dotvm_core::selector::Selector;

/// The module name of the native-instruction imports.
pub const NATIVE_MODULE: &str = "dotvm";

/// One native instruction an import stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeOp {
    /// The instruction.
    pub opcode: Opcode,
    /// Its selector, for opcodes that take one.
    pub selector: Option<Selector>,
}

impl NativeOp {
    /// The instruction behind `dotvm.name`: the mnemonic in lower case (`db_put`,
    /// `bigint_modpow`), followed by `_` and the selector for opcodes that take one
    /// (`hash_sha256`, `bigint_to_bytes_le`).
    pub fn from_name(name: &str) -> Option<NativeOp> {
        Opcode::ALL
            .iter()
            .copied()
            .filter(|op| is_native(*op))
            .find_map(|opcode| {
                let rest = strip_prefix_ignore_case(name, opcode.mnemonic())?;
                match opcode.operand() {
                    OperandKind::Selector(family) => {
                        let selector = family
                            .members()
                            .find(|s| rest.strip_prefix('_') == Some(s.name()))?;
                        Some(NativeOp {
                            opcode,
                            selector: Some(selector),
                        })
                    }
                    _ => rest.is_empty().then_some(NativeOp {
                        opcode,
                        selector: None,
                    }),
                }
            })
    }

    /// The import name of this instruction.
    pub fn name(self) -> String {
        let mut name = self.opcode.mnemonic().to_ascii_lowercase();
        if let Some(selector) = self.selector {
            name.push('_');
            name.push_str(selector.name());
        }
        name
    }

    /// The wasm value type of the instruction's words: `i64` for BigInt instructions (whose
    /// handles are 64-bit), `i32` for the others.
    fn word(self) -> SigType {
        if self.opcode.info().category == Category::BigInt {
            SigType::I64
        } else {
            SigType::I32
        }
    }

    /// Operands and results of the instruction (all words).
    fn arity(self) -> (usize, usize) {
        match self.opcode.info().effect {
            StackEffect::Fixed { pops, pushes } => (pops.len(), pushes.len()),
            StackEffect::Dynamic => (0, 0),
        }
    }

    /// The import's wasm parameters: one per operand, then an `i32` out-pointer for each
    /// result below the top one.
    pub fn params(self) -> Vec<SigType> {
        let (pops, pushes) = self.arity();
        let mut params = vec![self.word(); pops];
        params.extend(std::iter::repeat_n(SigType::I32, pushes.saturating_sub(1)));
        params
    }

    /// The import's wasm results: the top result, if the instruction pushes any.
    pub fn results(self) -> Vec<SigType> {
        let (_, pushes) = self.arity();
        if pushes == 0 {
            vec![]
        } else {
            vec![self.word()]
        }
    }

    /// The stub's code: the operands, the instruction, the deeper results stored through
    /// the out-pointers (as `u32`), and the top result made a canonical wasm value.
    pub(crate) fn stub(self, arch: Arch, code: &mut Code) {
        let (pops, pushes) = self.arity();
        let word_slots = slot_type(self.word()).slots(arch);
        for i in 0..pops {
            // A 2-slot i64 (Arch32): its low half is the word, the high half is ignored.
            code.op(Opcode::LocalGet, Operand::Index(i as u32 * word_slots));
        }
        let operand = self.selector.map_or(Operand::None, Operand::Selector);
        code.op(self.opcode, operand);
        if pushes == 0 {
            return;
        }
        let bits = if self.word() == SigType::I64 { 64 } else { 32 };
        if arch.word_bits() > bits {
            code.push(u64::MAX >> (64 - bits));
            code.simple(Opcode::And);
        }
        let first_out = pops as u32 * word_slots;
        for out in (0..pushes as u32 - 1).rev() {
            code.simple(Opcode::Swap);
            code.op(Opcode::LocalGet, Operand::Index(first_out + out));
            code.simple(Opcode::Swap);
            code.op(Opcode::I32Store, Operand::Offset(0));
        }
        if word_slots == 2 {
            code.push(0);
        }
    }
}

/// True for the instruction families the `dotvm` module exposes.
fn is_native(opcode: Opcode) -> bool {
    matches!(
        opcode.info().category,
        Category::Database | Category::Crypto | Category::BigInt
    )
}

/// `name` without `prefix` (compared ignoring ASCII case).
fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &name[prefix.len()..])
}

/// The slot type of a wasm value type of a native import.
fn slot_type(ty: SigType) -> SlotType {
    if ty == SigType::I64 {
        SlotType::I64
    } else {
        SlotType::I32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_instructions_and_back() {
        let put = NativeOp::from_name("db_put").unwrap();
        assert_eq!(put.opcode, Opcode::DbPut);
        assert_eq!(put.params(), vec![SigType::I32; 6]);
        assert_eq!(put.results(), vec![SigType::I32]);
        let query = NativeOp::from_name("db_query").unwrap();
        assert_eq!(query.params().len(), 8, "6 operands and 2 out-pointers");
        let hash = NativeOp::from_name("hash_sha256").unwrap();
        assert_eq!(hash.selector, Some(Selector::Sha256));
        assert!(hash.results().is_empty());
        let bytes = NativeOp::from_name("bigint_to_bytes_le_signed").unwrap();
        assert_eq!(bytes.selector, Some(Selector::LeSigned));
        assert_eq!(bytes.params(), vec![SigType::I64; 3]);
        assert_eq!(
            NativeOp::from_name("bigint_add").unwrap().opcode,
            Opcode::BigAdd
        );
        for bad in [
            "hash",
            "hash_aes256gcm",
            "db_puts",
            "add",
            "bigint_to_bytes",
            "sign_",
        ] {
            assert_eq!(NativeOp::from_name(bad), None, "{bad}");
        }
        for opcode in Opcode::ALL.iter().copied().filter(|op| is_native(*op)) {
            let ops: Vec<NativeOp> = match opcode.operand() {
                OperandKind::Selector(family) => family
                    .members()
                    .map(|s| NativeOp {
                        opcode,
                        selector: Some(s),
                    })
                    .collect(),
                _ => vec![NativeOp {
                    opcode,
                    selector: None,
                }],
            };
            for op in ops {
                assert_eq!(NativeOp::from_name(&op.name()), Some(op));
            }
        }
    }
}
