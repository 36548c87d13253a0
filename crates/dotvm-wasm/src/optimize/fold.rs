//! Constant folding: the result of a non-trapping operation on pushed constants, with the
//! exact semantics of the typed instruction (results canonical, zero-extended).

use dotvm_core::Arch;
use dotvm_core::isa::Opcode;

/// `op a` for a constant `a`, when `op` is a foldable one-operand operation.
pub(super) fn unary(op: Opcode, a: u64, arch: Arch) -> Option<u64> {
    use Opcode::*;
    let x = a as u32;
    let wide = arch != Arch::Arch32;
    Some(match op {
        I32Eqz => u64::from(x == 0),
        I32Clz => u64::from(x.leading_zeros()),
        I32Ctz => u64::from(x.trailing_zeros()),
        I32Popcnt => u64::from(x.count_ones()),
        I32Extend8S => u64::from(x as i8 as i32 as u32),
        I32Extend16S => u64::from(x as i16 as i32 as u32),
        // The 64-bit forms only where an i64 is one slot.
        I64Eqz if wide => u64::from(a == 0),
        I64Clz if wide => u64::from(a.leading_zeros()),
        I64Ctz if wide => u64::from(a.trailing_zeros()),
        I64Popcnt if wide => u64::from(a.count_ones()),
        I64Extend8S if wide => a as i8 as i64 as u64,
        I64Extend16S if wide => a as i16 as i64 as u64,
        I64Extend32S if wide => a as i32 as i64 as u64,
        I64ExtendI32S if wide => x as i32 as i64 as u64,
        I64ExtendI32U if wide => u64::from(x),
        I32WrapI64 if wide => u64::from(x),
        _ => return None,
    })
}

/// `a op b` for constants, when `op` is a foldable two-operand operation that cannot trap.
pub(super) fn binary(op: Opcode, a: u64, b: u64, arch: Arch) -> Option<u64> {
    use Opcode::*;
    let (x, y) = (a as u32, b as u32);
    let (sx, sy) = (x as i32, y as i32);
    let wide = arch != Arch::Arch32;
    let (sa, sb) = (a as i64, b as i64);
    let bool32 = |v: bool| u64::from(v);
    Some(match op {
        I32Add => u64::from(x.wrapping_add(y)),
        I32Sub => u64::from(x.wrapping_sub(y)),
        I32Mul => u64::from(x.wrapping_mul(y)),
        I32And => u64::from(x & y),
        I32Or => u64::from(x | y),
        I32Xor => u64::from(x ^ y),
        I32Shl => u64::from(x.wrapping_shl(y)),
        I32ShrU => u64::from(x.wrapping_shr(y)),
        I32ShrS => u64::from(sx.wrapping_shr(y) as u32),
        I32Rotl => u64::from(x.rotate_left(y % 32)),
        I32Rotr => u64::from(x.rotate_right(y % 32)),
        I32Eq => bool32(x == y),
        I32Ne => bool32(x != y),
        I32LtS => bool32(sx < sy),
        I32LtU => bool32(x < y),
        I32GtS => bool32(sx > sy),
        I32GtU => bool32(x > y),
        I32LeS => bool32(sx <= sy),
        I32LeU => bool32(x <= y),
        I32GeS => bool32(sx >= sy),
        I32GeU => bool32(x >= y),
        I64Add if wide => a.wrapping_add(b),
        I64Sub if wide => a.wrapping_sub(b),
        I64Mul if wide => a.wrapping_mul(b),
        I64And if wide => a & b,
        I64Or if wide => a | b,
        I64Xor if wide => a ^ b,
        I64Shl if wide => a.wrapping_shl(b as u32),
        I64ShrU if wide => a.wrapping_shr(b as u32),
        I64ShrS if wide => sa.wrapping_shr(b as u32) as u64,
        I64Rotl if wide => a.rotate_left((b % 64) as u32),
        I64Rotr if wide => a.rotate_right((b % 64) as u32),
        I64Eq if wide => bool32(a == b),
        I64Ne if wide => bool32(a != b),
        I64LtS if wide => bool32(sa < sb),
        I64LtU if wide => bool32(a < b),
        I64GtS if wide => bool32(sa > sb),
        I64GtU if wide => bool32(a > b),
        I64LeS if wide => bool32(sa <= sb),
        I64LeU if wide => bool32(a <= b),
        I64GeS if wide => bool32(sa >= sb),
        I64GeU if wide => bool32(a >= b),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i32_results_wrap_and_stay_zero_extended() {
        let a = u64::from(u32::MAX);
        assert_eq!(binary(Opcode::I32Add, a, 1, Arch::Arch64), Some(0));
        assert_eq!(binary(Opcode::I32Mul, a, a, Arch::Arch64), Some(1));
        assert_eq!(
            binary(Opcode::I32ShrS, 0x8000_0000, 31, Arch::Arch64),
            Some(0xFFFF_FFFF)
        );
        assert_eq!(binary(Opcode::I32Shl, 1, 33, Arch::Arch64), Some(2));
        assert_eq!(binary(Opcode::I32LtS, a, 0, Arch::Arch64), Some(1));
        assert_eq!(binary(Opcode::I32LtU, a, 0, Arch::Arch64), Some(0));
        assert_eq!(
            unary(Opcode::I32Extend8S, 0x80, Arch::Arch64),
            Some(0xFFFF_FF80)
        );
        assert_eq!(unary(Opcode::I32Clz, 0, Arch::Arch32), Some(32));
    }

    #[test]
    fn trapping_and_two_slot_operations_are_not_folded() {
        assert_eq!(binary(Opcode::I32DivS, 1, 0, Arch::Arch64), None);
        assert_eq!(binary(Opcode::I64Add, 1, 2, Arch::Arch32), None);
        assert_eq!(binary(Opcode::I64Add, 1, 2, Arch::Arch64), Some(3));
        assert_eq!(
            unary(Opcode::I64ExtendI32S, 0xFFFF_FFFF, Arch::Arch64),
            Some(u64::MAX)
        );
        assert_eq!(unary(Opcode::F32Neg, 0, Arch::Arch64), None);
    }
}
