//! Typed values in their slots: floats kept in float registers within a block, NaN
//! canonicalisation, and the narrowing and widening between typed values and slots.

use super::typed::nan_blind_operand;
use super::{Kind, Tx};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, Value};

impl Tx<'_, '_, '_> {
    /// A comparison result (`I8`) as a word 0 or 1.
    pub(super) fn flag_word(&mut self, flag: Value) -> Value {
        self.b.ins().uextend(self.env.word, flag)
    }

    /// Reads the typed value whose (deepest) slot is operand `p`: on 32-bit words an i64
    /// or f64 is the pair `p` (low half), `p + 1` (high half), as the interpreter keeps it.
    pub(super) fn typed(&mut self, p: u32, kind: Kind) -> Value {
        if self.width(kind) == 2 {
            let lo = self.get(p);
            let hi = self.get(p + 1);
            // (Cranelift's `iconcat` and `isplit` do not lower for 64 bits on every host.)
            let lo = self.b.ins().uextend(I64, lo);
            let hi = self.b.ins().uextend(I64, hi);
            let hi = self.b.ins().ishl_imm_u(hi, 32);
            let bits = self.b.ins().bor(hi, lo);
            return match kind {
                Kind::F64 => self.b.ins().bitcast(F64, MemFlagsData::new(), bits),
                _ => bits,
            };
        }
        if let Some((stored, _)) = self.float_of(p, kind) {
            return stored;
        }
        let w = self.get(p);
        match kind {
            Kind::I32 => self.low32(w),
            Kind::F32 => {
                let i = self.low32(w);
                self.b.ins().bitcast(F32, MemFlagsData::new(), i)
            }
            Kind::I64 => self.low64(w),
            Kind::F64 => {
                let i = self.low64(w);
                self.b.ins().bitcast(F64, MemFlagsData::new(), i)
            }
        }
    }

    /// The float of `kind` (stored, before canonicalisation) behind operand `p`'s slot
    /// value, when an earlier instruction of this block put it there (see [`Tx::floats`]).
    pub(super) fn float_of(&mut self, p: u32, kind: Kind) -> Option<(Value, Value)> {
        if self.limbs.is_some() || self.width(kind) != 1 {
            return None;
        }
        let w = self.get(p);
        let &(stored, raw) = self.floats.get(&w)?;
        let ty = self.b.func.dfg.value_type(stored);
        ((kind, ty) == (Kind::F32, F32) || (kind, ty) == (Kind::F64, F64)).then_some((stored, raw))
    }

    /// Like [`Tx::typed`], for an operation whose result is the same for every NaN input
    /// (float arithmetic that canonicalises its NaN result, comparisons, truncations): a
    /// float put by this block is taken before its canonicalisation.
    pub(super) fn typed_nan_blind(&mut self, p: u32, kind: Kind) -> Value {
        match self.float_of(p, kind) {
            Some((_, raw)) => raw,
            None => self.typed(p, kind),
        }
    }

    /// Writes the float result `raw` of `kind` of instruction `index` at operand `p`
    /// canonicalised (see [`Tx::canonical`]), remembering `raw` for
    /// [`Tx::typed_nan_blind`]. When the only reader of the result is a later instruction
    /// of the same block that gives every NaN input the same result (see
    /// [`Tx::read_nan_blind`]), nothing observes its NaN bits and it is written as it is.
    pub(super) fn put_canonical(&mut self, index: u32, p: u32, kind: Kind, raw: Value) {
        if self.limbs.is_none() && self.width(kind) == 1 && self.read_nan_blind(index, p, kind) {
            self.put(p, kind, raw);
            return;
        }
        let stored = self.canonical(raw);
        self.put(p, kind, stored);
        if self.limbs.is_none() && self.width(kind) == 1 {
            let w = self.get(p);
            self.floats.insert(w, (stored, raw));
        }
    }

    /// True when operand `p`, a float of `kind` that instruction `index` put, is read
    /// next (and so, on a stack, only) by an instruction of the same block that takes it
    /// with [`Tx::typed_nan_blind`]: until then no instruction reads the slot (each reads
    /// only the top of the stack down to its pops), and no path leaves the block with it
    /// (the out-of-fuel paths run at block starts, steps store only their own operands).
    pub(super) fn read_nan_blind(&self, index: u32, p: u32, kind: Kind) -> bool {
        for next in index + 1..self.f.block_end(index) {
            let Some(h) = self.height(next) else {
                return false;
            };
            let (pops, _) = self.env.shape.effects[next as usize];
            if p < h.saturating_sub(pops) {
                continue;
            }
            return p < h && nan_blind_operand(self.f.instruction(next).opcode) == Some(kind);
        }
        false
    }

    /// The low 32 bits of a word.
    pub(super) fn low32(&mut self, w: Value) -> Value {
        if self.b.func.dfg.value_type(w) == I32 {
            w
        } else {
            self.b.ins().ireduce(I32, w)
        }
    }

    /// Writes the typed value `v` of `kind` with its (deepest) slot at operand `p` (see
    /// [`Tx::typed`]).
    pub(super) fn put(&mut self, p: u32, kind: Kind, v: Value) {
        if self.width(kind) == 2 {
            let bits = match kind {
                Kind::F64 => self.b.ins().bitcast(I64, MemFlagsData::new(), v),
                _ => v,
            };
            let lo = self.b.ins().ireduce(I32, bits);
            let hi = self.b.ins().ushr_imm_u(bits, 32);
            let hi = self.b.ins().ireduce(I32, hi);
            self.set(p, lo);
            self.set(p + 1, hi);
        } else {
            let slot = self.slot_of(kind, v);
            self.set(p, slot);
        }
    }

    /// The low 64 bits of a word.
    pub(super) fn low64(&mut self, w: Value) -> Value {
        if self.env.word == I64 {
            w
        } else {
            self.b.ins().ireduce(I64, w)
        }
    }

    /// A typed value as a word slot (zero-extended bits).
    pub(super) fn slot_of(&mut self, kind: Kind, v: Value) -> Value {
        let bits = match kind {
            Kind::I32 | Kind::I64 => v,
            Kind::F32 => self.b.ins().bitcast(I32, MemFlagsData::new(), v),
            Kind::F64 => self.b.ins().bitcast(I64, MemFlagsData::new(), v),
        };
        let slot = if self.b.func.dfg.value_type(bits) == self.env.word {
            bits
        } else {
            self.b.ins().uextend(self.env.word, bits)
        };
        if matches!(kind, Kind::F32 | Kind::F64) {
            self.floats.insert(slot, (v, v));
        }
        slot
    }

    /// `v`, or the canonical NaN of its type when it is a NaN: a compare and a branch to a
    /// cold block that puts the NaN (a `select` made the fast path build the NaN constant
    /// and move it conditionally every time).
    pub(super) fn canonical(&mut self, v: Value) -> Value {
        let ty = self.b.func.dfg.value_type(v);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
        let nan_block = self.b.create_block();
        self.b.set_cold_block(nan_block);
        let cont = self.b.create_block();
        if self.cold {
            self.b.set_cold_block(cont);
        }
        let result = self.b.append_block_param(cont, ty);
        self.b
            .ins()
            .brif(is_nan, nan_block, &[], cont, &[BlockArg::Value(v)]);
        self.switch_sealed(nan_block);
        let nan = if ty == F32 {
            self.b.ins().f32const(Ieee32::with_bits(0x7FC0_0000))
        } else {
            self.b
                .ins()
                .f64const(Ieee64::with_bits(0x7FF8_0000_0000_0000))
        };
        self.b.ins().jump(cont, &[BlockArg::Value(nan)]);
        self.switch_sealed(cont);
        result
    }
}
