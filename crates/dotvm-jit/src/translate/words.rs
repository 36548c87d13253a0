//! Word arithmetic, comparison and bitwise instructions: inline on Cranelift integers, through the
//! interpreter's `Word` code for words kept in the frame, and integer division with its traps.

use super::{Kind, Tx};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;
use dotvm_core::Opcode;
use dotvm_core::compare::{Compared, Comparison};
use dotvm_vm::native_abi::{word_binary_code, word_unary_code};

/// The four integer divisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Division {
    /// Unsigned quotient.
    DivU,
    /// Signed quotient (traps on MIN / -1).
    DivS,
    /// Unsigned remainder.
    RemU,
    /// Signed remainder (MIN rem -1 = 0).
    RemS,
}

/// Cranelift's condition for an integer comparison.
pub(super) fn int_cc(comparison: Comparison) -> IntCC {
    match comparison {
        Comparison::Eq => IntCC::Equal,
        Comparison::Ne => IntCC::NotEqual,
        Comparison::LtU => IntCC::UnsignedLessThan,
        Comparison::LtS => IntCC::SignedLessThan,
        Comparison::GtU => IntCC::UnsignedGreaterThan,
        Comparison::GtS => IntCC::SignedGreaterThan,
        Comparison::LeU => IntCC::UnsignedLessThanOrEqual,
        Comparison::LeS => IntCC::SignedLessThanOrEqual,
        Comparison::GeU => IntCC::UnsignedGreaterThanOrEqual,
        Comparison::GeS => IntCC::SignedGreaterThanOrEqual,
    }
}

impl Tx<'_, '_, '_> {
    /// The word arithmetic, comparison and bitwise instructions done inline (the others,
    /// and the divisions on 128-bit words, are stepped by the caller's fallback). Returns
    /// false when `op` is not one of them.
    pub(super) fn word_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        if self.limbs.is_some() {
            return self.wide_word_op(index, op, h);
        }
        let word = self.env.word;
        let binary =
            |tx: &mut Self, f: &dyn Fn(&mut FunctionBuilder<'_>, Value, Value) -> Value| {
                let a = tx.get(h - 2);
                let b = tx.get(h - 1);
                let r = f(&mut tx.b, a, b);
                tx.set(h - 2, r);
            };
        let compare = |tx: &mut Self, cc: IntCC| {
            let a = tx.get(h - 2);
            let b = tx.get(h - 1);
            let c = tx.b.ins().icmp(cc, a, b);
            let r = tx.flag_word(c);
            tx.set(h - 2, r);
        };
        let unary = |tx: &mut Self, f: &dyn Fn(&mut FunctionBuilder<'_>, Value) -> Value| {
            let a = tx.get(h - 1);
            let r = f(&mut tx.b, a);
            tx.set(h - 1, r);
        };
        if let Some((comparison, Compared::Word)) = Comparison::of(op) {
            compare(self, int_cc(comparison));
            return true;
        }
        match op {
            Opcode::Add => binary(self, &|b, x, y| b.ins().iadd(x, y)),
            Opcode::Sub => binary(self, &|b, x, y| b.ins().isub(x, y)),
            Opcode::Mul => binary(self, &|b, x, y| b.ins().imul(x, y)),
            Opcode::MulHiU if word == I64 => binary(self, &|b, x, y| b.ins().umulhi(x, y)),
            Opcode::MulHiS if word == I64 => binary(self, &|b, x, y| b.ins().smulhi(x, y)),
            Opcode::And => binary(self, &|b, x, y| b.ins().band(x, y)),
            Opcode::Or => binary(self, &|b, x, y| b.ins().bor(x, y)),
            Opcode::Xor => binary(self, &|b, x, y| b.ins().bxor(x, y)),
            Opcode::Shl => binary(self, &|b, x, y| b.ins().ishl(x, y)),
            Opcode::Shr => binary(self, &|b, x, y| b.ins().ushr(x, y)),
            Opcode::Sar => binary(self, &|b, x, y| b.ins().sshr(x, y)),
            Opcode::Rotl => binary(self, &|b, x, y| b.ins().rotl(x, y)),
            Opcode::Rotr => binary(self, &|b, x, y| b.ins().rotr(x, y)),
            Opcode::Neg => unary(self, &|b, x| b.ins().ineg(x)),
            Opcode::Not => unary(self, &|b, x| b.ins().bnot(x)),
            Opcode::Clz => unary(self, &|b, x| b.ins().clz(x)),
            Opcode::Ctz => unary(self, &|b, x| b.ins().ctz(x)),
            Opcode::Popcnt => unary(self, &|b, x| b.ins().popcnt(x)),
            Opcode::Eqz => {
                let a = self.get(h - 1);
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let r = self.flag_word(c);
                self.set(h - 1, r);
            }
            _ => return false,
        }
        true
    }

    /// A word arithmetic, comparison or bitwise instruction on a word kept in the frame: a
    /// call to the bridge, which runs the interpreter's `Word` code on the slots in place
    /// (a failing one, a division that traps, is stepped). Returns false when `op` is not
    /// one of them (`ADDMOD` and `MULMOD` are stepped by the caller's fallback).
    pub(super) fn wide_word_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        let status = if let Some(code) = word_binary_code(op) {
            let a = self.slot_address(h - 2);
            let b = self.slot_address(h - 1);
            let code = self.u32_const(code);
            let hook = self.env.hooks.word_binary;
            self.call_hook(hook, self.sigs.word_binary, &[code, a, b])
        } else if let Some(code) = word_unary_code(op) {
            let a = self.slot_address(h - 1);
            let code = self.u32_const(code);
            let hook = self.env.hooks.word_unary;
            self.call_hook(hook, self.sigs.word_unary, &[code, a])
        } else {
            return false;
        };
        self.guarded(index, h, status, |_| {});
        true
    }

    /// The host address of operand `p`'s slot in the frame.
    pub(super) fn slot_address(&mut self, p: u32) -> Value {
        let offset = self.slot_offset(self.base + p);
        let fp = self.fp();
        self.b.ins().iadd_imm_s(fp, i64::from(offset))
    }

    /// Integer division (word or typed) with its traps stepped: `x op y` on values of type
    /// `ty`, the result written as a `put` at operand `at`.
    pub(super) fn division(
        &mut self,
        index: u32,
        h: u32,
        op: Division,
        (x, y): (Value, Value),
        at: u32,
        put: Kind,
    ) {
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        let bad = if op == Division::DivS {
            let min = match ty {
                I32 => i64::from(i32::MIN),
                _ => i64::MIN,
            };
            let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
            let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
            let overflow = self.b.ins().band(is_min, minus_one);
            self.b.ins().bor(zero, overflow)
        } else {
            zero
        };
        self.guarded(index, h, bad, |tx| {
            let r = match op {
                Division::DivU => tx.b.ins().udiv(x, y),
                Division::DivS => tx.b.ins().sdiv(x, y),
                Division::RemU => tx.b.ins().urem(x, y),
                Division::RemS => {
                    // MIN rem -1 is 0: compute it without the overflowing division.
                    let minus_one = tx.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                    let one = tx.b.ins().iconst(ty, 1);
                    let divisor = tx.b.ins().select(minus_one, one, y);
                    let rem = tx.b.ins().srem(x, divisor);
                    let zero = tx.b.ins().iconst(ty, 0);
                    tx.b.ins().select(minus_one, zero, rem)
                }
            };
            tx.put(at, put, r);
        });
    }
}
