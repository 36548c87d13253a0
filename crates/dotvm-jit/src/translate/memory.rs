//! Linear-memory accesses: bounds-checked addresses, word and typed loads and stores, and bulk
//! memory through the interpreter's own code.

use super::typed::{truncation, typed_binary, typed_unary};
use super::{Kind, Tx, flags};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F64, I8, I16, I32, I64, I128};
use cranelift_codegen::ir::{self, BlockArg, InstBuilder, Type, Value};
use dotvm_core::Opcode;

impl Tx<'_, '_, '_> {
    /// A load at `index` whose result, of `kind`, is the `p`-th operand afterwards: the
    /// fast path `fast` (which returns the loaded value) inline, the instruction stepped in
    /// a cold block when any of `bad` is set. The result is written with [`Tx::put`] after
    /// both paths join, passed as a value of its type: a float stays in its float register
    /// for the users after the join (see [`Tx::floats`]).
    pub(super) fn guarded_load(
        &mut self,
        index: u32,
        height: u32,
        bad: &[Value],
        (p, kind): (u32, Kind),
        fast: impl FnOnce(&mut Self) -> Value,
    ) {
        if bad.is_empty() {
            // Checked by an earlier access (see `Tx::in_bounds`).
            let value = fast(self);
            self.checked();
            self.put(p, kind, value);
            return;
        }
        let slow = self.branch_out(bad);
        let value = fast(self);
        let ty = self.b.func.dfg.value_type(value);
        let cont = self.b.create_block();
        self.b.append_block_param(cont, ty);
        self.b.ins().jump(cont, &[BlockArg::Value(value)]);
        self.switch_sealed(slow);
        self.cold_step(index, height);
        let stepped = self.typed(p, kind);
        self.b.ins().jump(cont, &[BlockArg::Value(stepped)]);
        self.switch_sealed(cont);
        self.checked();
        let value = self.b.block_params(cont)[0];
        self.put(p, kind, value);
    }

    /// The guest address operand `p` plus `offset` for an access of `n` bytes: the guest
    /// address of its first byte, and the conditions of which any is set when the access
    /// is outside memory (or, for a store, inside the read-only region), computed without
    /// wrapping. The caller builds the access guarded by them (a failing one traps). An
    /// address an earlier access of the block checked as far (see [`Tx::in_bounds`]) is
    /// not checked against memory's size again: a store back to the address just loaded
    /// from checks only the read-only region.
    pub(super) fn address(
        &mut self,
        p: u32,
        offset: u32,
        n: u32,
        store: bool,
    ) -> (Value, Vec<Value>) {
        let addr = self.get(p);
        let reach = u64::from(offset) + u64::from(n);
        let known = self.limbs.is_none() && self.known_in_bounds(addr, reach);
        if self.limbs.is_none() {
            self.checking = Some((addr, reach));
        }
        let mut bad = Vec::with_capacity(4);
        let lo = self.low_address(p, addr, !known, &mut bad);
        if !known {
            self.outside(lo, reach, false, &mut bad);
        }
        let start = self.b.ins().iadd_imm_s(lo, i64::from(offset));
        if store {
            let ro_end = self.b.use_var(self.ro_end);
            bad.push(self.b.ins().icmp(IntCC::UnsignedLessThan, start, ro_end));
        }
        (start, bad)
    }

    /// The 64-bit guest address of operand `p` (of value `addr`); on Arch128, when `high`,
    /// the condition that its high half is nonzero (outside memory) is added to `bad`, and
    /// for a slot kept in the frame that of any high limb being nonzero, always.
    pub(super) fn low_address(
        &mut self,
        p: u32,
        addr: Value,
        high: bool,
        bad: &mut Vec<Value>,
    ) -> Value {
        if let Some(limbs) = self.limbs {
            // The low limb is the address; any other bit set puts it outside memory.
            let slot = self.slot_offset(self.base + p);
            let fp = self.fp();
            let high = self.read_limbs(fp, slot + 8, limbs - 1);
            let high = self.or_all(&high);
            bad.push(self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0));
            addr
        } else if self.env.word == I32 {
            self.b.ins().uextend(I64, addr)
        } else if self.env.word == I128 {
            let lo = self.b.ins().ireduce(I64, addr);
            if high {
                let hi = self.b.ins().ushr_imm_u(addr, 64);
                let hi = self.b.ins().ireduce(I64, hi);
                bad.push(self.b.ins().icmp_imm_s(IntCC::NotEqual, hi, 0));
            }
            lo
        } else {
            addr
        }
    }

    /// Adds to `bad` the conditions of which any is set when `lo + reach` (computed
    /// without wrapping) passes memory's size, or, when `below_4g`, 2^32.
    pub(super) fn outside(&mut self, lo: Value, reach: u64, below_4g: bool, bad: &mut Vec<Value>) {
        if below_4g {
            let most = (1u64 << 32).saturating_sub(reach);
            bad.push(
                self.b
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedGreaterThan, lo, most as i64),
            );
        } else if self.env.word != I32 && !self.is_u32(lo) {
            // A 64-bit address plus the reach must not wrap (a 32-bit one cannot).
            let wraps =
                self.b
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedGreaterThan, lo, (u64::MAX - reach) as i64);
            bad.push(wraps);
        }
        let end = self.b.ins().iadd_imm_s(lo, reach as i64);
        let len = self.b.use_var(self.mem_len);
        bad.push(self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len));
    }

    /// True when `v` is a 32-bit value zero-extended (as typed i32 results are in their
    /// slots), so that adding a 33-bit reach to it cannot wrap 64 bits.
    pub(super) fn is_u32(&self, v: Value) -> bool {
        let dfg = &self.b.func.dfg;
        let Some(inst) = dfg.value_def(v).inst() else {
            return false;
        };
        dfg.insts[inst].opcode() == ir::Opcode::Uextend
            && dfg
                .inst_args(inst)
                .first()
                .is_some_and(|&arg| dfg.value_type(arg) == I32)
    }

    /// The host address of guest address `start` (checked).
    pub(super) fn host_address(&mut self, start: Value) -> Value {
        let mem = self.b.use_var(self.mem_base);
        self.b.ins().iadd(mem, start)
    }

    /// `MEMORY_COPY` or `MEMORY_FILL` at `index` on 32- or 64-bit words: a direct call to
    /// the interpreter's memory code, the instruction stepped when it would trap.
    pub(super) fn bulk_memory(&mut self, index: u32, h: u32, op: Opcode) {
        let mut args = vec![self.ctx()];
        for p in h - 3..h {
            let w = self.get(p);
            let w = if self.env.word == I64 {
                w
            } else {
                self.b.ins().uextend(I64, w)
            };
            args.push(w);
        }
        let hook = if op == Opcode::MemoryCopy {
            self.env.hooks.memory_copy
        } else {
            self.env.hooks.memory_fill
        };
        let status = self.call_hook(hook, self.sigs.memory, &args);
        self.guarded(index, h, status, |_| {});
    }

    /// A word load at `index`.
    pub(super) fn word_load(&mut self, index: u32, h: u32, op: Opcode, offset: u32) {
        let Some((ty, signed)) = word_load_type(op, self.env.word).filter(|_| self.limbs.is_none())
        else {
            self.step(index, h);
            return;
        };
        if ty.bytes() > self.env.word.bytes() {
            // Wide words, and 64-bit accesses on 32-bit words: the interpreter's own code.
            self.step(index, h);
            return;
        }
        let (start, bad) = self.address(h - 1, offset, ty.bytes(), false);
        if ty == I64 && self.env.word == I64 && self.float_user(index, h - 1) {
            // A 64-bit word that an f64 operation reads next (wasm's `f64.load` becomes
            // `LOAD64_U`): loaded straight into a float register.
            self.guarded_load(index, h, &bad, (h - 1, Kind::F64), |tx| {
                let at = tx.host_address(start);
                tx.b.ins().load(F64, flags(), at, 0)
            });
            return;
        }
        self.guarded_any(index, h, &bad, |tx| {
            let at = tx.host_address(start);
            let raw = tx.b.ins().load(ty, flags(), at, 0);
            let value = if ty == tx.env.word {
                raw
            } else if signed {
                tx.b.ins().sextend(tx.env.word, raw)
            } else {
                tx.b.ins().uextend(tx.env.word, raw)
            };
            tx.set(h - 1, value);
        });
    }

    /// True when the instruction of this block that next reads operand `p` (left by the
    /// instruction at `index`) reads it as an f64 (arithmetic, comparison, conversion, or
    /// the value of `F64_STORE`).
    pub(super) fn float_user(&self, index: u32, p: u32) -> bool {
        let end = self.f.block_end(index);
        for next in index + 1..end {
            let Some(height) = self.height(next) else {
                return false;
            };
            let (pops, _) = self.env.shape.effects[next as usize];
            if height - pops > p {
                continue;
            }
            // `next` reads operand `p`: as its top operand, or deeper.
            let op = self.f.instruction(next).opcode;
            let top = height - 1 == p;
            return match (typed_binary(op), typed_unary(op), truncation(op)) {
                (Some((Kind::F64, _, _)), _, _) => true,
                (_, Some((Kind::F64, _, _)), _) => true,
                (_, _, Some((Kind::F64, _, _, _))) => true,
                _ => op == Opcode::F64Store && top,
            };
        }
        false
    }

    /// A word store at `index`.
    pub(super) fn word_store(&mut self, index: u32, h: u32, op: Opcode, offset: u32) {
        let Some(ty) = word_store_type(op, self.env.word).filter(|_| self.limbs.is_none()) else {
            self.step(index, h);
            return;
        };
        if ty.bytes() > self.env.word.bytes() {
            self.step(index, h);
            return;
        }
        let value = self.get(h - 1);
        // A float put by this block is stored from its float register.
        let value = match self.floats.get(&value) {
            Some(&(stored, _)) if self.b.func.dfg.value_type(stored).bytes() == ty.bytes() => {
                stored
            }
            _ => value,
        };
        let (start, bad) = self.address(h - 2, offset, ty.bytes(), true);
        self.guarded_any(index, h, &bad, |tx| {
            let at = tx.host_address(start);
            let narrow = if tx.b.func.dfg.value_type(value).bytes() == ty.bytes() {
                value
            } else {
                tx.b.ins().ireduce(ty, value)
            };
            tx.b.ins().store(flags(), narrow, at, 0);
        });
    }
}

/// The memory type of word load `op` on words of type `word` (the whole word for `LOAD`),
/// and whether it sign-extends; none for other instructions.
pub(super) fn word_load_type(op: Opcode, word: Type) -> Option<(Type, bool)> {
    Some(match op {
        Opcode::Load8U => (I8, false),
        Opcode::Load8S => (I8, true),
        Opcode::Load16U => (I16, false),
        Opcode::Load16S => (I16, true),
        Opcode::Load32U => (I32, false),
        Opcode::Load32S => (I32, true),
        Opcode::Load64U => (I64, false),
        Opcode::Load64S => (I64, true),
        Opcode::Load => (word, false),
        _ => return None,
    })
}

/// The memory type of word store `op` on words of type `word` (the whole word for
/// `STORE`); none for other instructions.
pub(super) fn word_store_type(op: Opcode, word: Type) -> Option<Type> {
    Some(match op {
        Opcode::Store8 => I8,
        Opcode::Store16 => I16,
        Opcode::Store32 => I32,
        Opcode::Store64 => I64,
        Opcode::Store => word,
        _ => return None,
    })
}
