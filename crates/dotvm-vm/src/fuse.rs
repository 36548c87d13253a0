//! Builds fast code from plain code: block charges, fused sequences, no NOPs.
//!
//! Fusion never crosses a basic-block boundary (so no jump can land inside a fused op) and
//! only fuses instructions that cannot trap, so a trap is always reported at the one
//! instruction an op stands for.

use crate::code::{BitOp, Op};
use crate::word::Word;

/// Fast code and its map back to instruction indices.
pub(crate) struct FastCode<W> {
    /// The ops; targets are op indices (each a block's `Charge`).
    pub(crate) ops: Vec<Op<W>>,
    /// For each op, the index of the first instruction it performs (for a `Charge`, the
    /// block's first instruction).
    pub(crate) origin: Vec<u32>,
    /// For each instruction index that starts a block, the fast index of its `Charge`.
    pub(crate) block_start: Vec<u32>,
}

/// Builds the fast form of `plain`, whose basic blocks are given by `block_end`.
pub(crate) fn build_fast<W: Word>(plain: &[Op<W>], block_end: &[u32]) -> FastCode<W> {
    let mut ops = Vec::with_capacity(plain.len() + plain.len() / 4);
    let mut origin = Vec::with_capacity(ops.capacity());
    // Fast index of the `Charge` that starts the block at each instruction index.
    let mut block_start = vec![u32::MAX; plain.len()];
    let mut index = 0;
    while index < plain.len() {
        let end = block_end[index] as usize;
        block_start[index] = ops.len() as u32;
        ops.push(Op::Charge((end - index) as u32));
        origin.push(index as u32);
        while index < end {
            let (op, width) = fuse(&plain[index..end]);
            if let Some(op) = op {
                ops.push(op);
                origin.push(index as u32);
            }
            index += width;
        }
    }
    for op in &mut ops {
        let retarget = |t: &mut u32| *t = block_start[*t as usize];
        match op {
            Op::Jmp(t) | Op::Jz(t) | Op::Jnz(t) | Op::BrCmp(_, t) | Op::BrCmpImm(_, _, t) => {
                retarget(t)
            }
            _ => {}
        }
    }
    FastCode {
        ops,
        origin,
        block_start,
    }
}

/// The fast op for the longest fusable sequence at the start of `block` (never empty),
/// and how many instructions it covers. `None` means the instructions need no op (NOP).
fn fuse<W: Word>(block: &[Op<W>]) -> (Option<Op<W>>, usize) {
    use Op::*;
    let local16 = |i: u32| u16::try_from(i).ok();
    match *block {
        [LocalGet(src), Push(imm), Add, LocalSet(dst), ..] => {
            if let (Some(src), Some(dst)) = (local16(src), local16(dst)) {
                return (Some(LocalAddImmSet { src, dst, imm }), 4);
            }
        }
        [LocalGet(src), Push(imm), Add, LocalTee(dst), ..] => {
            if let (Some(src), Some(dst)) = (local16(src), local16(dst)) {
                return (Some(LocalAddImmTee { src, dst, imm }), 4);
            }
        }
        [LocalGet(src), Push(imm), I32Binary(op), ..] => {
            if let Some(src) = local16(src) {
                return (Some(LocalI32BinaryImm { op, src, imm }), 3);
            }
        }
        [LocalGet(src), Push(imm), ref bit, ..] => {
            if let (Some(src), Some(op)) = (local16(src), bit_op(bit)) {
                return (Some(LocalBitImm { op, src, imm }), 3);
            }
        }
        _ => {}
    }
    if let [LocalGet(b), ref next, ..] = *block
        && let Some(op) = with_local(next, b)
    {
        return (Some(op), 2);
    }
    match *block {
        // Leave the second `LOCAL_GET` to fuse with what follows it.
        [LocalGet(_), LocalGet(b), ref next, ..] if with_local(next, b).is_some() => {
            (block.first().copied(), 1)
        }
        [LocalGet(a), LocalSet(b), ..] => (Some(LocalCopy(a, b)), 2),
        [Push(k), Cmp(cond), Jnz(t), ..] => (Some(BrCmpImm(cond, k, t)), 3),
        [Push(k), Cmp(cond), Jz(t), ..] => (Some(BrCmpImm(cond.negate(), k, t)), 3),
        [Cmp(cond), Jnz(t), ..] => (Some(BrCmp(cond, t)), 2),
        [Cmp(cond), Jz(t), ..] => (Some(BrCmp(cond.negate(), t)), 2),
        [Eqz, Jnz(t), ..] => (Some(Jz(t)), 2),
        [Eqz, Jz(t), ..] => (Some(Jnz(t)), 2),
        [Push(k), Add, ..] => (Some(AddImm(k)), 2),
        [Push(k), Mul, ..] => (Some(MulImm(k)), 2),
        [Push(k), I32Binary(op), ..] => (Some(I32BinaryImm(op, k)), 2),
        [Push(k), And, ..] => (Some(BitImm(BitOp::And, k)), 2),
        [Push(k), Or, ..] => (Some(BitImm(BitOp::Or, k)), 2),
        [Push(k), Xor, ..] => (Some(BitImm(BitOp::Xor, k)), 2),
        [Push(k), Shl, ..] => (Some(BitImm(BitOp::Shl, k)), 2),
        [Push(k), Shr, ..] => (Some(BitImm(BitOp::Shr, k)), 2),
        [Push(k), Sar, ..] => (Some(BitImm(BitOp::Sar, k)), 2),
        [Push(k), Sub, ..] => (Some(AddImm(k.wrapping_neg())), 2),
        [Push(k), Cmp(cond), ..] => (Some(CmpImm(cond, k)), 2),
        [LocalGet(a), LocalGet(b), ..] => (Some(LocalGet2(a, b)), 2),
        [Nop, ..] => (None, 1),
        _ => (block.first().copied(), 1),
    }
}

/// The bitwise operation of a bitwise word instruction, if `op` is one.
fn bit_op<W>(op: &Op<W>) -> Option<BitOp> {
    match op {
        Op::And => Some(BitOp::And),
        Op::Or => Some(BitOp::Or),
        Op::Xor => Some(BitOp::Xor),
        Op::Shl => Some(BitOp::Shl),
        Op::Shr => Some(BitOp::Shr),
        Op::Sar => Some(BitOp::Sar),
        _ => None,
    }
}

/// The op for `LOCAL_GET b; next` with `next`'s right operand read from local `b`, if
/// `next` is a binary operation that takes one.
fn with_local<W>(next: &Op<W>, b: u32) -> Option<Op<W>> {
    match *next {
        Op::Add => Some(Op::AddLocal(b)),
        Op::I32Binary(op) => Some(Op::I32BinaryLocal(op, b)),
        _ => bit_op(next).map(|op| Op::BitLocal(op, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Cond;
    use crate::load::load;
    use dotvm_core::instruction::Operand;
    use dotvm_core::module::Function;
    use dotvm_core::{Imm, Instruction, Module, Opcode};

    /// The loaded form of a one-function module whose code is `body`.
    fn loaded(body: &[Instruction], locals: u16) -> crate::load::FuncCode<u64> {
        let mut code = Vec::new();
        for inst in body {
            inst.encode(&mut code);
        }
        let module = Module {
            functions: vec![Function {
                params: 0,
                results: 1,
                locals,
                max_stack: 4,
                code,
                ..Default::default()
            }],
            ..Module::default()
        };
        load::<u64>(&module).unwrap().functions.remove(0)
    }

    fn with(opcode: Opcode, operand: Operand) -> Instruction {
        Instruction { opcode, operand }
    }

    #[test]
    fn constants_fuse_with_i32_and_bitwise_operations() {
        let push = |k: u64| with(Opcode::Push, Operand::Imm(Imm::from(k)));
        let body = [
            push(7),
            push(3),
            Instruction::simple(Opcode::I32Shl),
            push(0xFF),
            Instruction::simple(Opcode::And),
            Instruction::simple(Opcode::Ret),
        ];
        let f = loaded(&body, 0);
        assert_eq!(
            f.fast,
            vec![
                Op::Charge(6),
                Op::Push(7),
                Op::I32BinaryImm(crate::code::I32Op::Shl, 3),
                Op::BitImm(BitOp::And, 0xFF),
                Op::Ret,
            ]
        );
        assert_eq!(f.fast_origin, vec![0, 0, 1, 3, 5]);
    }

    #[test]
    fn counting_loop_becomes_a_charge_and_two_fused_ops() {
        let body = [
            with(Opcode::LocalGet, Operand::Index(0)),
            with(Opcode::Push, Operand::Imm(Imm::from(1u64))),
            Instruction::simple(Opcode::Add),
            with(Opcode::LocalTee, Operand::Index(0)),
            with(Opcode::Push, Operand::Imm(Imm::from(100u64))),
            Instruction::simple(Opcode::LtU),
            with(Opcode::Jnz, Operand::Target(0)),
            Instruction::simple(Opcode::Nop),
            with(Opcode::LocalGet, Operand::Index(0)),
            Instruction::simple(Opcode::Ret),
        ];
        let f = loaded(&body, 1);
        assert_eq!(
            f.fast,
            vec![
                Op::Charge(7),
                Op::LocalAddImmTee {
                    src: 0,
                    dst: 0,
                    imm: 1
                },
                Op::BrCmpImm(Cond::LtU, 100, 0),
                Op::Charge(3),
                Op::LocalGet(0),
                Op::Ret,
            ]
        );
        assert_eq!(f.fast_origin, vec![0, 0, 4, 7, 8, 9]);
        assert_eq!(f.block_end, vec![7, 7, 7, 7, 7, 7, 7, 10, 10, 10]);
        assert_eq!(f.plain.len(), body.len());
        assert_eq!(f.plain[6], Op::Jnz(0));
    }

    #[test]
    fn fusion_stops_at_jump_targets_and_negates_jz() {
        // PUSH 5 / [target:] LT_S / JZ 0: the PUSH cannot fuse with the compare because the
        // compare starts a block; the compare and JZ fuse with the condition negated.
        let mut push = Vec::new();
        with(Opcode::Push, Operand::Imm(Imm::from(5u64))).encode(&mut push);
        let target = push.len() as u32;
        let body = [
            with(Opcode::Push, Operand::Imm(Imm::from(5u64))),
            Instruction::simple(Opcode::LtS),
            with(Opcode::Jz, Operand::Target(target)),
            Instruction::simple(Opcode::Halt),
        ];
        let f = loaded(&body, 0);
        assert_eq!(
            f.fast,
            vec![
                Op::Charge(1),
                Op::Push(5),
                Op::Charge(2),
                Op::BrCmp(Cond::GeS, 2),
                Op::Charge(1),
                Op::Halt,
            ]
        );
    }

    #[test]
    fn push_then_mul_becomes_a_multiply_by_constant() {
        let body = [
            with(Opcode::LocalGet, Operand::Index(0)),
            with(Opcode::Push, Operand::Imm(Imm::from(3u64))),
            Instruction::simple(Opcode::Mul),
            Instruction::simple(Opcode::Ret),
        ];
        let f = loaded(&body, 1);
        assert_eq!(
            f.fast,
            vec![Op::Charge(4), Op::LocalGet(0), Op::MulImm(3), Op::Ret]
        );
    }

    #[test]
    fn local_operands_fuse_into_the_operation() {
        let get = |i: u32| with(Opcode::LocalGet, Operand::Index(i));
        let set = |i: u32| with(Opcode::LocalSet, Operand::Index(i));
        let push = |k: u64| with(Opcode::Push, Operand::Imm(Imm::from(k)));
        let body = [
            get(0),
            push(3),
            Instruction::simple(Opcode::I32Rotl),
            get(1),
            get(2),
            Instruction::simple(Opcode::I32Add),
            Instruction::simple(Opcode::Xor),
            get(1),
            Instruction::simple(Opcode::Xor),
            get(2),
            Instruction::simple(Opcode::Add),
            get(0),
            push(0xFF),
            Instruction::simple(Opcode::And),
            Instruction::simple(Opcode::Add),
            set(2),
            get(2),
            set(1),
            get(1),
            Instruction::simple(Opcode::Ret),
        ];
        let f = loaded(&body, 3);
        assert_eq!(
            f.fast,
            vec![
                Op::Charge(20),
                Op::LocalI32BinaryImm {
                    op: crate::code::I32Op::Rotl,
                    src: 0,
                    imm: 3
                },
                Op::LocalGet(1),
                Op::I32BinaryLocal(crate::code::I32Op::Add, 2),
                Op::Xor,
                Op::BitLocal(BitOp::Xor, 1),
                Op::AddLocal(2),
                Op::LocalBitImm {
                    op: BitOp::And,
                    src: 0,
                    imm: 0xFF
                },
                Op::Add,
                Op::LocalSet(2),
                Op::LocalCopy(2, 1),
                Op::LocalGet(1),
                Op::Ret,
            ]
        );
        assert_eq!(
            f.fast_origin,
            vec![0, 0, 3, 4, 6, 7, 9, 11, 14, 15, 16, 18, 19]
        );
    }
}
