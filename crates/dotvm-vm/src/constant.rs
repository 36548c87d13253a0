//! Constant evaluation of the typed operations, by the engines' own code, so the
//! translator's constant folding has exactly the semantics of running the instruction.

use crate::exec::typed_on_constants;
use crate::typed_op::{TypedGroup, TypedInst};
use dotvm_core::{Arch, Opcode};

/// The result of typed `opcode` on constant `operands` (deepest first, one slot each) on
/// `arch`: `None` unless `opcode` is an i32/i64/f32/f64 operation, conversion or comparison
/// (not a load, store or select) whose operands and result are one slot each on `arch`,
/// and it does not trap on these operands (the trap must happen when the program runs).
pub fn evaluate(opcode: Opcode, operands: &[u64], arch: Arch) -> Option<u64> {
    let inst = TypedInst::new(opcode, arch, 0)?;
    let pure = matches!(
        inst.op.group(),
        TypedGroup::Unary(_) | TypedGroup::Test(_) | TypedGroup::Binary(_) | TypedGroup::Compare(_)
    );
    if !pure || usize::from(inst.pops) != operands.len() || inst.room != inst.pops {
        return None;
    }
    match arch {
        // An Arch32 slot is 32 bits: a constant wider than that is not one slot's value.
        Arch::Arch32 => {
            let words: Vec<u32> = operands
                .iter()
                .map(|&o| u32::try_from(o).ok())
                .collect::<Option<_>>()?;
            typed_on_constants(inst, &words).map(u64::from)
        }
        // Typed values are zero-extended and read only their type's bits, so a 64-bit
        // slot gives the same results as the wider words.
        _ => typed_on_constants(inst, operands),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i32_results_wrap_and_stay_zero_extended() {
        let max = u64::from(u32::MAX);
        assert_eq!(evaluate(Opcode::I32Add, &[max, 1], Arch::Arch64), Some(0));
        assert_eq!(evaluate(Opcode::I32Mul, &[max, max], Arch::Arch64), Some(1));
        assert_eq!(
            evaluate(Opcode::I32ShrS, &[0x8000_0000, 31], Arch::Arch64),
            Some(0xFFFF_FFFF)
        );
        assert_eq!(evaluate(Opcode::I32LtS, &[max, 0], Arch::Arch32), Some(1));
        assert_eq!(
            evaluate(Opcode::I64LtU, &[u64::MAX, 0], Arch::Arch128),
            Some(0)
        );
    }

    #[test]
    fn trapping_two_slot_and_memory_operations_are_not_evaluated() {
        assert_eq!(evaluate(Opcode::I32DivU, &[1, 0], Arch::Arch64), None);
        assert_eq!(evaluate(Opcode::I32DivU, &[7, 2], Arch::Arch64), Some(3));
        assert_eq!(evaluate(Opcode::I64Add, &[1, 2], Arch::Arch32), None);
        assert_eq!(evaluate(Opcode::I64ExtendI32U, &[1], Arch::Arch32), None);
        assert_eq!(evaluate(Opcode::I32Load, &[0], Arch::Arch64), None);
        assert_eq!(evaluate(Opcode::Add, &[1, 2], Arch::Arch64), None);
        assert_eq!(evaluate(Opcode::I32Add, &[1], Arch::Arch64), None);
        // A trapping conversion traps at run time, not during translation.
        let nan = u64::from(f32::NAN.to_bits());
        assert_eq!(evaluate(Opcode::I32TruncF32S, &[nan], Arch::Arch64), None);
    }

    #[test]
    fn float_results_are_the_engines_canonical_ones() {
        let one = f64::to_bits(1.0);
        let two = f64::to_bits(2.0);
        assert_eq!(
            evaluate(Opcode::F64Add, &[one, two], Arch::Arch64),
            Some(f64::to_bits(3.0))
        );
        let nan = f64::to_bits(f64::NAN);
        let result = evaluate(Opcode::F64Sqrt, &[f64::to_bits(-1.0)], Arch::Arch64);
        assert_eq!(result, Some(nan));
    }
}
