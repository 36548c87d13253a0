//! Lowering: plain ops of one verified function → register form.
//!
//! The lowering walks each basic block with a *virtual* operand stack whose entries say
//! where a value is: in a frame slot (its own stack slot, its "home", or a local it was
//! read from) or an immediate not yet written anywhere. `LOCAL_GET` and `PUSH` emit nothing;
//! an operation reads its operands where they are and writes its result to its home slot;
//! `LOCAL_SET` right after the producer of its value retargets the producer to the local.
//!
//! Invariant: a stack entry in a slot is either in a local or in its own home, so writing
//! a home never clobbers another entry; before a local is written, entries that read it
//! are materialised (copied to their homes). At every block boundary, call, and op run in
//! the precise interpreter every entry is materialised, so the frame holds exactly what the
//! plain code would hold there and either engine can continue from it.

use super::{CallFirst, Kind, PAIR_OPS, RegCode, RegOp, WordLoad, WordStore};
use crate::code::Op;
use crate::simd_op::{MAX_OPERANDS, SimdInst, SimdShape, arch_of_bits};
use crate::typed_op::{TypedBinary, TypedGroup, TypedInst, TypedSelect, TypedTest};
use crate::word::Word;
use crate::word_op::{WordBinary, WordUnary};
use dotvm_core::verify::StackShape;
use std::collections::BTreeMap;

/// What the lowering needs to know about one function.
pub(crate) struct Input<'a, W> {
    /// The plain ops.
    pub(crate) plain: &'a [Op<W>],
    /// Heights and stack effects, as the verifier proved them.
    pub(crate) shape: &'a StackShape,
    /// For each instruction, one past the last instruction of its basic block.
    pub(crate) block_end: &'a [u32],
    /// `JMP_TABLE` target lists (instruction indices).
    pub(crate) jump_tables: &'a [Vec<u32>],
    /// The slot pairs of two-slot constants (see `Program::pairs`).
    pub(crate) pairs: &'a [[W; 2]],
    /// Parameter and local slots: the first operand-stack slot.
    pub(crate) locals: u32,
    /// Result slots.
    pub(crate) results: u32,
    /// The function's 16-byte simd operands (`SimdInst::imm` indexes them).
    pub(crate) vectors: &'a [[u8; 16]],
}

/// Where a virtual stack entry's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val<W> {
    /// In this frame slot.
    Slot(u32),
    /// This constant, not yet written to any slot.
    Imm(W),
}

/// The lowering of one function in progress.
struct Lowering<'a, W> {
    input: &'a Input<'a, W>,
    stack: Vec<Val<W>>,
    ops: Vec<RegOp>,
    origin: Vec<u32>,
    pool: Vec<W>,
    pooled: BTreeMap<W, u32>,
    /// The op that wrote the top entry to its home, while it is the last op.
    producer: Option<usize>,
    /// The plain instruction being lowered.
    at: u32,
}

/// Lowers one function. Block starts map to their `Charge` ops, so every jump target,
/// return address and jump-table entry is a `Charge`.
pub(crate) fn lower<W: Word>(input: &Input<'_, W>) -> RegCode<W> {
    let mut l = Lowering {
        input,
        stack: Vec::new(),
        ops: Vec::with_capacity(input.plain.len()),
        origin: Vec::with_capacity(input.plain.len()),
        pool: Vec::new(),
        pooled: BTreeMap::new(),
        producer: None,
        at: 0,
    };
    let len = input.plain.len();
    let mut block_op = vec![u32::MAX; len];
    let mut index = 0;
    while index < len {
        // `index` starts a block.
        let end = input.block_end[index] as usize;
        block_op[index] = l.ops.len() as u32;
        l.at = index as u32;
        match input.shape.heights[index] {
            None => l.emit(Kind::Unreachable, 0, 0, 0, 0),
            Some(height) => {
                l.stack.clear();
                l.stack
                    .extend((0..height).map(|p| Val::Slot(input.locals + p)));
                l.emit(
                    Kind::Charge,
                    0,
                    input.locals + height,
                    0,
                    (end - index) as u64,
                );
                for i in index..end {
                    l.at = i as u32;
                    l.instruction(i);
                }
                if falls_through(&input.plain[end - 1]) {
                    l.materialize_all();
                }
            }
        }
        index = end;
    }
    let target = |t: u32| block_op[t as usize];
    for op in &mut l.ops {
        if op.target().is_some() {
            op.dst = target(op.dst);
        }
    }
    let jump_tables = input
        .jump_tables
        .iter()
        .map(|targets| targets.iter().map(|&t| target(t)).collect())
        .collect();
    RegCode {
        ops: l.ops,
        origin: l.origin,
        jump_tables,
        pool: l.pool,
    }
}

/// True when control can continue with the next instruction.
fn falls_through<W>(op: &Op<W>) -> bool {
    !matches!(
        op,
        Op::Jmp(_) | Op::JmpTable(_) | Op::Ret | Op::Halt | Op::Unreachable
    )
}

impl<W: Word> Lowering<'_, W> {
    /// The home slot of stack position `p`.
    fn home(&self, p: usize) -> u32 {
        self.input.locals + p as u32
    }

    /// Appends an op.
    fn emit(&mut self, kind: Kind, dst: u32, a: u32, b: u32, imm: u64) {
        self.ops.push(RegOp::new(kind, dst, a, b, imm));
        self.origin.push(self.at);
        self.producer = None;
    }

    /// Appends an op that writes `dst`, the home of the entry it pushes next.
    fn emit_producer(&mut self, kind: Kind, dst: u32, a: u32, b: u32, imm: u64) {
        self.emit(kind, dst, a, b, imm);
        self.producer = Some(self.ops.len() - 1);
    }

    /// Copies slot `src` to slot `dst`; right after another copy, one op does both, in
    /// order (the lowering's copies come in runs: materialising entries, rotating locals).
    fn emit_copy(&mut self, dst: u32, src: u32) {
        if let Some(last) = self.ops.last_mut()
            && last.kind == Kind::Copy
        {
            *last = RegOp::new(Kind::Copy2, last.dst, last.a, src, u64::from(dst));
            self.producer = None;
        } else {
            self.emit(Kind::Copy, dst, src, 0, 0);
        }
    }

    /// Calls `callee` with its frame at slot `base`. A copy or small constant just
    /// written (in the same block: a block starts with its `Charge`) becomes the call's
    /// first step; the call's origin is the call, the one of the two that can trap.
    fn emit_call(&mut self, callee: u32, base: u32) {
        let (first, dst, imm) = match self.ops.last() {
            Some(last) if last.kind == Kind::Copy => (CallFirst::Copy, last.dst, u64::from(last.a)),
            Some(last) if last.kind == Kind::Imm => (CallFirst::Imm, last.dst, last.imm),
            _ => (CallFirst::Nothing, 0, 0),
        };
        if first != CallFirst::Nothing {
            self.ops.pop();
            self.origin.pop();
        }
        self.emit(Kind::Call { first }, dst, callee, base, imm);
    }

    /// Writes constant `k` to slot `dst`.
    fn emit_const(&mut self, dst: u32, k: W) {
        match small(k) {
            Some(imm) => self.emit(Kind::Imm, dst, 0, 0, imm),
            None => {
                let next = self.pool.len() as u32;
                let index = *self.pooled.entry(k).or_insert(next);
                if index == next {
                    self.pool.push(k);
                }
                self.emit(Kind::Const, dst, index, 0, 0);
            }
        }
    }

    /// Makes the entry at position `p` live in its home slot.
    fn materialize(&mut self, p: usize) {
        let home = self.home(p);
        match self.stack[p] {
            Val::Slot(s) if s == home => {}
            Val::Slot(s) => self.emit_copy(home, s),
            Val::Imm(k) => self.emit_const(home, k),
        }
        self.stack[p] = Val::Slot(home);
    }

    /// Materialises every entry.
    fn materialize_all(&mut self) {
        for p in 0..self.stack.len() {
            self.materialize(p);
        }
    }

    /// The slot holding the entry at position `p`, materialising an immediate.
    fn slot(&mut self, p: usize) -> u32 {
        if let Val::Imm(_) = self.stack[p] {
            self.materialize(p);
        }
        match self.stack[p] {
            Val::Slot(s) => s,
            Val::Imm(_) => unreachable!("materialised above"),
        }
    }

    /// Pops `pops` entries (already read) and pushes `pushes` entries in their homes.
    fn replace_top(&mut self, pops: usize, pushes: usize) {
        let base = self.stack.len() - pops;
        self.stack.truncate(base);
        for p in base..base + pushes {
            let home = self.home(p);
            self.stack.push(Val::Slot(home));
        }
    }

    /// The height before the instruction being lowered.
    fn height(&self) -> usize {
        self.stack.len()
    }

    /// An op that reads `reads` operands from the top and writes one result to the home
    /// of the first; `imm_kind` is the form with the last operand as an immediate.
    fn produce(&mut self, reads: usize, kind: Kind, imm_kind: Option<Kind>, imm: u64) {
        let h = self.height();
        let first = h - reads;
        let dst = self.home(first);
        if let (Some(imm_kind), 2, Val::Imm(k)) = (imm_kind, reads, self.stack[h - 1])
            && let Some(k) = small(k)
        {
            let a = self.slot(first);
            self.stack.truncate(first);
            self.emit_producer(imm_kind, dst, a, 0, k);
        } else {
            let a = self.slot(first);
            let b = if reads >= 2 { self.slot(first + 1) } else { 0 };
            let c = if reads >= 3 {
                u64::from(self.slot(first + 2))
            } else {
                imm
            };
            self.stack.truncate(first);
            self.emit_producer(kind, dst, a, b, c);
        }
        self.stack.push(Val::Slot(dst));
        self.fuse_word_pair();
    }

    /// Fuses the last two ops into a [`Kind::WordPair`] when both are word ops of
    /// [`PAIR_OPS`] (a slot or constant second operand each), the second reads the first's
    /// result once, and nothing reads that result afterwards: the second overwrites it, or
    /// it is the home of an entry the second consumed.
    fn fuse_word_pair(&mut self) {
        let n = self.ops.len();
        if n < 2 {
            return;
        }
        let (first, second) = (self.ops[n - 2], self.ops[n - 1]);
        let word_op = |op: RegOp| match op.kind {
            Kind::WordBinary(k) if PAIR_OPS.contains(&k) => Some((k, false)),
            Kind::WordBinaryImm(k) if PAIR_OPS.contains(&k) => Some((k, true)),
            _ => None,
        };
        let (Some((first_op, b_imm)), Some((second_op, y_imm))) = (word_op(first), word_op(second))
        else {
            return;
        };
        let t = first.dst;
        let dead = second.dst == t || t >= self.home(self.height());
        if !dead || (b_imm && first.imm > u64::from(u32::MAX)) {
            return;
        }
        let commutes = second_op != WordBinary::Rotl;
        let y = if y_imm {
            second.imm
        } else {
            u64::from(second.b)
        };
        let y = match (second.a == t, !y_imm && second.b == t) {
            (true, false) => y,
            (false, true) if commutes => u64::from(second.a),
            _ => return,
        };
        let b = if b_imm { first.imm as u32 } else { first.b };
        let kind = Kind::WordPair {
            first: first_op,
            second: second_op,
            b_imm,
            y_imm,
        };
        let producer = self.producer == Some(n - 1);
        // Neither op can trap: the second (the fused op's origin) stands for both.
        self.ops.truncate(n - 2);
        self.origin.remove(n - 2);
        self.ops.push(RegOp::new(kind, second.dst, first.a, b, y));
        if producer {
            self.producer = Some(n - 2);
        }
    }

    /// A store: address and value from the top; a `constant` value is the op's own
    /// operand `b` instead of a slot.
    fn store(&mut self, kind: Kind, offset: u32, constant: Option<u32>) {
        if constant.is_none() && kind == Kind::Store(WordStore::B64) && self.store_result(offset) {
            return;
        }
        let h = self.height();
        let addr = self.slot(h - 2);
        let value = match constant {
            Some(k) => k,
            None => self.slot(h - 1),
        };
        self.stack.truncate(h - 2);
        self.emit(kind, 0, addr, value, u64::from(offset));
    }

    /// A `STORE64` (to an address in a slot) of the value the last op computed into its
    /// home, when that op is a typed binary op that cannot trap or a [`Kind::MulThen`]:
    /// one op does both, the value written nowhere else. False when it does not apply.
    fn store_result(&mut self, offset: u32) -> bool {
        let h = self.height();
        let Some(last) = self.ops.len().checked_sub(1) else {
            return false;
        };
        let op = self.ops[last];
        let value = self.home(h - 1);
        let Val::Slot(addr) = self.stack[h - 2] else {
            return false;
        };
        if self.producer != Some(last) || self.stack[h - 1] != Val::Slot(value) || op.dst != value {
            return false;
        }
        let (kind, imm) = match op.kind {
            Kind::TypedBinary(binary) if !can_trap(binary) => {
                (Kind::BinaryStore(binary), u64::from(offset))
            }
            Kind::MulThen { op: then, mul_left } => (
                Kind::MulThenStore { op: then, mul_left },
                (op.imm & 0xFFFF_FFFF) | u64::from(offset) << 32,
            ),
            _ => return false,
        };
        // The op cannot trap: the store (the fused op's origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        self.stack.truncate(h - 2);
        self.emit(kind, addr, op.a, op.b, imm);
        true
    }

    /// The value of the top entry as a 32-bit constant a narrow word store of kind
    /// `store` may carry inline: it writes the same bytes.
    fn inline_store_value(&self, store: WordStore) -> Option<u32> {
        let Some(&Val::Imm(k)) = self.stack.last() else {
            return None;
        };
        let low = k.low_u64();
        match store {
            WordStore::B64 => u32::try_from(low).ok(),
            // Only the low 1, 2 or 4 bytes are written.
            WordStore::B8 | WordStore::B16 | WordStore::B32 => Some(low as u32),
        }
    }

    /// `MEMORY_COPY` (`copy`) or `MEMORY_FILL`: its three operands are read where they
    /// are (compiled Rust copies and fills memory this way for every `memcpy` and
    /// `memset`, too often to leave to a single step).
    fn bulk(&mut self, copy: bool) {
        let h = self.height();
        let (dst, value, len) = (self.slot(h - 3), self.slot(h - 2), self.slot(h - 1));
        self.emit(Kind::Bulk { copy }, dst, value, len, 0);
        self.replace_top(3, 0);
    }

    /// An instruction the precise interpreter runs, on a fully materialised stack.
    fn step(&mut self, i: usize) {
        self.materialize_all();
        let (pops, pushes) = self.input.shape.effects[i];
        let top = self.home(self.height());
        self.emit(Kind::Step, 0, top, 0, i as u64);
        self.replace_top(pops as usize, pushes as usize);
    }

    /// Writes the popped entry `value` to local `local`.
    fn set_local(&mut self, local: u32, value: Val<W>) {
        let mut copied = false;
        for p in 0..self.stack.len() {
            if self.stack[p] == Val::Slot(local) {
                self.materialize(p);
                copied = true;
            }
        }
        let popped_home = self.home(self.height());
        match value {
            Val::Slot(s) if s == local => {}
            Val::Slot(s)
                if !copied
                    && s == popped_home
                    && self.producer == Some(self.ops.len() - 1)
                    && self
                        .ops
                        .last()
                        .is_some_and(|op| op.dst == s && op.writes_dst()) =>
            {
                if let Some(op) = self.ops.last_mut() {
                    op.dst = local;
                }
                self.producer = None;
                self.fuse_word_pair();
            }
            Val::Slot(s) => self.emit_copy(local, s),
            Val::Imm(k) => self.emit_const(local, k),
        }
    }

    /// A conditional branch to plain instruction `target`, taken when the popped condition
    /// is non-zero (`when`) or zero (`!when`); fuses with the comparison that produced it.
    fn branch(&mut self, target: u32, when: bool) {
        if self.kept_comparison_branch(target, when) {
            return;
        }
        let h = self.height();
        let last = self.ops.len().wrapping_sub(1);
        let fused = match (self.stack[h - 1], self.producer) {
            (Val::Slot(s), Some(p)) if p == last && self.ops[p].dst == s => {
                fused_branch(self.ops[p].kind, when)
            }
            _ => None,
        };
        match fused {
            Some(kind) => {
                let Some(compare) = self.ops.pop() else {
                    unreachable!("the producer is the last op");
                };
                self.origin.pop();
                self.producer = None;
                self.stack.truncate(h - 1);
                let before = self.ops.len();
                self.materialize_all();
                let (kind, a, b, imm) = match self.counter_step(before, kind, &compare) {
                    Some(fused) => fused,
                    None => (kind, compare.a, compare.b, compare.imm),
                };
                self.emit(kind, target, a, b, imm);
            }
            None => {
                let condition = self.slot(h - 1);
                self.stack.truncate(h - 1);
                let before = self.ops.len();
                self.materialize_all();
                let kind = Kind::BrIf { when };
                let branch = RegOp::new(kind, target, condition, 0, 0);
                let (kind, a, b, imm) = match self.counter_step(before, kind, &branch) {
                    Some(fused) => fused,
                    None => (kind, condition, 0, 0),
                };
                self.emit(kind, target, a, b, imm);
            }
        }
    }

    /// A conditional branch on a local that the last op, a word comparison, just wrote
    /// (`EQ; LOCAL_TEE c; JNZ`): one op compares, writes the local and branches. False
    /// when it does not apply, or when an entry left on the stack reads the local (its
    /// copy to its home, which the branch's block end makes, must see the comparison).
    fn kept_comparison_branch(&mut self, target: u32, when: bool) -> bool {
        let h = self.height();
        let (Some(&compare), Val::Slot(local)) = (self.ops.last(), self.stack[h - 1]) else {
            return false;
        };
        let kind = match compare.kind {
            Kind::WordBinary(op) if op.is_comparison() => Kind::BrWordKeep { op, when },
            Kind::WordBinaryImm(op) if op.is_comparison() => Kind::BrWordImmKeep { op, when },
            _ => return false,
        };
        let reads_local = self.stack[..h - 1].contains(&Val::Slot(local));
        if compare.dst != local || local >= self.input.locals || reads_local {
            return false;
        }
        // The comparison cannot trap: the branch (the fused op's origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        self.producer = None;
        self.stack.truncate(h - 1);
        self.materialize_all();
        let (b, imm) = match kind {
            Kind::BrWordKeep { .. } => (compare.b, u64::from(local)),
            _ => (local, compare.imm),
        };
        self.emit(kind, target, compare.a, b, imm);
        true
    }

    /// The compare-and-branch `kind` (of `compare`'s operands) fused with the op before
    /// it when that op steps a loop counter the comparison reads first (`i = i + k` in
    /// place by an `I32_ADD`: `LOCAL_GET i; PUSH k; I32_ADD; LOCAL_TEE i; ...; I32_LT_U; JNZ`); the
    /// step is then removed. `before` is the op count before the branch's operands were
    /// materialised: the step must still be the last op.
    fn counter_step(
        &mut self,
        before: usize,
        kind: Kind,
        compare: &RegOp,
    ) -> Option<(Kind, u32, u32, u64)> {
        let mut step = *self.ops.last()?;
        if step.kind == Kind::TypedBinary(TypedBinary::I32Add) && step.dst == step.b {
            // `i = s + i`: the add commutes.
            std::mem::swap(&mut step.a, &mut step.b);
        }
        let is_step = self.ops.len() == before && step.dst == step.a && step.a == compare.a;
        if !is_step {
            return None;
        }
        if step.kind == Kind::TypedBinary(TypedBinary::I32Add) {
            return self.counter_step_by_slot(kind, compare, step);
        }
        if step.kind != Kind::TypedBinaryImm(TypedBinary::I32Add) {
            return None;
        }
        let addend = step.imm & 0xFFFF_FFFF;
        // The immediate forms hold the constant in the high half.
        let packed = (compare.imm <= 0xFFFF_FFFF).then_some(addend | compare.imm << 32);
        let fused = match (kind, packed) {
            (Kind::BrCompare { op, when }, _) => {
                (Kind::BrAddCompare { op, when }, step.a, compare.b, addend)
            }
            (Kind::BrCompareImm { op, when }, Some(packed)) => {
                (Kind::BrAddCompareImm { op, when }, step.a, 0, packed)
            }
            (Kind::BrWord { op, when }, _) => {
                (Kind::BrAddWord { op, when }, step.a, compare.b, addend)
            }
            (Kind::BrWordImm { op, when }, Some(packed)) => {
                (Kind::BrAddWordImm { op, when }, step.a, 0, packed)
            }
            // A branch on the counter itself compares it with zero.
            (Kind::BrIf { when }, _) => {
                let op = WordBinary::Ne;
                (Kind::BrAddWordImm { op, when }, step.a, 0, addend)
            }
            _ => return None,
        };
        // The step cannot trap: the branch (the fused op's origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        Some(fused)
    }

    /// [`Lowering::counter_step`] for a step by a slot (`i = i + s` in place), which fuses
    /// with a comparison of the counter with a constant (or with the branch on the counter
    /// itself).
    fn counter_step_by_slot(
        &mut self,
        kind: Kind,
        compare: &RegOp,
        step: RegOp,
    ) -> Option<(Kind, u32, u32, u64)> {
        let fused = match kind {
            Kind::BrCompareImm { op, when } => Kind::BrStepCompareImm { op, when },
            Kind::BrWordImm { op, when } => Kind::BrStepWordImm { op, when },
            Kind::BrIf { when } => Kind::BrStepWordImm {
                op: WordBinary::Ne,
                when,
            },
            _ => return None,
        };
        // The step cannot trap: the branch (the fused op's origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        // A branch on the counter itself compares it with `imm` 0.
        Some((fused, step.a, step.b, compare.imm))
    }

    /// Lowers plain instruction `i`.
    fn instruction(&mut self, i: usize) {
        let input = self.input;
        let h = self.height();
        match input.plain[i] {
            Op::Nop => {}
            Op::Unreachable => self.emit(Kind::Unreachable, 0, 0, 0, 0),
            Op::Halt => self.emit(Kind::Halt, 0, 0, 0, 0),
            Op::Jmp(target) => {
                self.materialize_all();
                self.emit(Kind::Jmp, target, 0, 0, 0);
            }
            Op::Jz(target) => self.branch(target, false),
            Op::Jnz(target) => self.branch(target, true),
            Op::JmpTable(table) => {
                let index = self.slot(h - 1);
                self.stack.truncate(h - 1);
                self.materialize_all();
                self.emit(Kind::JmpTable, 0, index, table, 0);
            }
            Op::Call(callee) => {
                self.materialize_all();
                let (params, results) = input.shape.effects[i];
                let base = self.home(h - params as usize);
                self.emit_call(callee, base);
                self.replace_top(params as usize, results as usize);
            }
            Op::CallIndirect(ty, table) => {
                self.materialize_all();
                let (pops, results) = input.shape.effects[i];
                let base = self.home(h - pops as usize);
                let index = self.home(h - 1);
                self.emit(Kind::CallIndirect, index, ty, base, u64::from(table));
                self.replace_top(pops as usize, results as usize);
            }
            Op::Ret => {
                let results = input.results as usize;
                let constant = match self.stack.last() {
                    Some(&Val::Imm(k)) if results == 1 => small(k),
                    _ => None,
                };
                if let Some(k) = constant {
                    self.emit(Kind::RetImm, 0, 0, 1, k);
                } else if results == 1 {
                    let src = self.slot(h - 1);
                    self.emit(Kind::Ret, 0, src, 1, 0);
                } else {
                    for p in h - results..h {
                        self.materialize(p);
                    }
                    let src = self.home(h - results);
                    self.emit(Kind::Ret, 0, src, results as u32, 0);
                }
            }
            Op::Push(k) => self.stack.push(Val::Imm(k)),
            Op::PushPair(constant) => {
                let [first, second] = input.pairs[constant as usize];
                self.stack.push(Val::Imm(first));
                self.stack.push(Val::Imm(second));
            }
            Op::Pop => {
                self.stack.pop();
            }
            Op::Dup => match self.stack[h - 1] {
                Val::Slot(s) if s == self.home(h - 1) => {
                    let dst = self.home(h);
                    self.emit_producer(Kind::Copy, dst, s, 0, 0);
                    self.stack.push(Val::Slot(dst));
                }
                value => self.stack.push(value),
            },
            Op::DropKeep(drop, keep) => {
                let (drop, keep) = (drop as usize, keep as usize);
                for j in 0..keep {
                    let (from, to) = (h - keep + j, h - keep - drop + j);
                    let value = match self.stack[from] {
                        Val::Slot(s) if s == self.home(from) && drop > 0 => {
                            let dst = self.home(to);
                            self.emit_copy(dst, s);
                            Val::Slot(dst)
                        }
                        value => value,
                    };
                    self.stack[to] = value;
                }
                self.stack.truncate(h - drop);
            }
            Op::Swap | Op::Rot | Op::Over | Op::Pick(_) => self.step(i),
            Op::LocalGet(local) => self.stack.push(Val::Slot(local)),
            Op::LocalSet(local) => {
                let value = self.stack.pop().unwrap_or(Val::Slot(local));
                self.set_local(local, value);
            }
            Op::LocalTee(local) => {
                let value = self.stack.pop().unwrap_or(Val::Slot(local));
                self.set_local(local, value);
                self.stack.push(Val::Slot(local));
            }
            Op::GlobalGet(global) => {
                let dst = self.home(h);
                self.emit_producer(Kind::GlobalGet, dst, global, 0, 0);
                self.stack.push(Val::Slot(dst));
            }
            Op::GlobalSet(global) => {
                let value = self.slot(h - 1);
                self.stack.truncate(h - 1);
                self.emit(Kind::GlobalSet, 0, global, value, 0);
            }
            // A division by a constant has its immediate form too: it traps (on a zero
            // divisor) as the op it is, and a constant divisor is common (`n / 10`).
            Op::WordBinary(op) => {
                self.produce(2, Kind::WordBinary(op), Some(Kind::WordBinaryImm(op)), 0)
            }
            Op::WordUnary(op) => self.produce(1, Kind::WordUnary(op), None, 0),
            Op::WordTernary(op) => self.produce(3, Kind::WordTernary(op), None, 0),
            Op::Lanes(inst) => self.produce(
                inst.op.reads(),
                Kind::Lanes(inst),
                None,
                u64::from(inst.index),
            ),
            Op::Load8U(o) => self.load(WordLoad::U8, o),
            Op::Load8S(o) => self.load(WordLoad::S8, o),
            Op::Load16U(o) => self.load(WordLoad::U16, o),
            Op::Load16S(o) => self.load(WordLoad::S16, o),
            Op::Load32U(o) => self.load(WordLoad::U32, o),
            Op::Load32S(o) => self.load(WordLoad::S32, o),
            Op::Load64U(o) => self.load(WordLoad::U64, o),
            Op::Load64S(o) => self.load(WordLoad::S64, o),
            Op::Load(o) => self.produce(1, Kind::LoadWord, None, u64::from(o)),
            Op::Store8(o) => self.word_store(WordStore::B8, o),
            Op::Store16(o) => self.word_store(WordStore::B16, o),
            Op::Store32(o) => self.word_store(WordStore::B32, o),
            Op::Store64(o) => self.word_store(WordStore::B64, o),
            Op::Store(o) => self.store(Kind::StoreWord, o, None),
            Op::Typed(inst) => self.typed(i, inst),
            Op::Simd(inst) => self.simd(inst),
            Op::MemoryCopy => self.bulk(true),
            Op::MemoryFill => self.bulk(false),
            Op::Alloc
            | Op::Free
            | Op::MemorySize
            | Op::MemoryGrow
            | Op::Syscall(_)
            | Op::Crypto(_)
            | Op::BigInt(_)
            | Op::CallHost(_)
            | Op::TableGet(_)
            | Op::TableSet(_)
            | Op::TableSize(_)
            | Op::TableGrow(_)
            | Op::TableFill(_)
            | Op::TableCopy(..)
            | Op::TableInit(..)
            | Op::ElemDrop(_)
            | Op::MemoryInit(_)
            | Op::DataDrop(_)
            | Op::Db(_) => self.step(i),
        }
    }

    /// The `I32_ADD` that is the last op and wrote the entry at position `p` to its home
    /// (the address computation of compiled wasm), with its index.
    fn address_add(&self, p: usize) -> Option<(usize, RegOp)> {
        let last = self.ops.len().checked_sub(1)?;
        let home = self.home(p);
        let add = self.ops[last];
        let is_add = matches!(
            add.kind,
            Kind::TypedBinary(TypedBinary::I32Add) | Kind::TypedBinaryImm(TypedBinary::I32Add)
        );
        (self.producer == Some(last)
            && self.stack[p] == Val::Slot(home)
            && add.dst == home
            && is_add)
            .then_some((last, add))
    }

    /// A store of kind `kinds[0]`; when its address is the sum an `I32_ADD` just wrote to
    /// its home (the address computation of compiled wasm), one op of kind `kinds[1]`
    /// (the add of two slots) or `kinds[2]` (of a slot and a constant) does both, the sum
    /// written nowhere. With a `constant` value, the kinds are the forms that carry it
    /// inline (in `b`, or in `dst` for the fused forms).
    fn store_at(&mut self, kinds: [Kind; 3], offset: u32, constant: Option<u32>) {
        let h = self.height();
        let Some((index, add)) = self.address_add(h - 2) else {
            return self.store(kinds[0], offset, constant);
        };
        let value = match constant {
            Some(k) => k,
            None => {
                let value = self.slot(h - 1);
                // Materialising a constant value wrote its home after the add: the add's
                // operands must not be that slot.
                let imm_form = matches!(add.kind, Kind::TypedBinaryImm(_));
                if value == add.dst
                    || (self.ops.len() != index + 1
                        && (add.a == value || (!imm_form && add.b == value)))
                {
                    return self.store(kinds[0], offset, None);
                }
                value
            }
        };
        let imm_form = matches!(add.kind, Kind::TypedBinaryImm(_));
        // The add cannot trap: the store (the op's origin) stands for both.
        self.ops.remove(index);
        self.origin.remove(index);
        self.stack.truncate(h - 2);
        let (fused, b, imm) = if imm_form {
            (
                kinds[2],
                0,
                u64::from(offset) | (add.imm & 0xFFFF_FFFF) << 32,
            )
        } else {
            (kinds[1], add.b, u64::from(offset))
        };
        self.emit(fused, value, add.a, b, imm);
    }

    /// A load of kind `kinds[0]`; when its address is the sum an `I32_ADD` just wrote to
    /// its home, one op of kind `kinds[1]` (the add of two slots) or `kinds[2]` (of a
    /// slot and a constant) does both.
    fn load_at(&mut self, kinds: [Kind; 3], offset: u32) {
        let h = self.height();
        let fused = self.address_add(h - 1).map(|(_, add)| match add.kind {
            Kind::TypedBinaryImm(_) => (
                kinds[2],
                add.a,
                0,
                u64::from(offset) | (add.imm & 0xFFFF_FFFF) << 32,
            ),
            _ => (kinds[1], add.a, add.b, u64::from(offset)),
        });
        match fused {
            Some((fused, a, b, imm)) => {
                // The add cannot trap: the load (the op's origin) stands for both.
                self.ops.pop();
                self.origin.pop();
                let dst = self.home(h - 1);
                self.emit_producer(fused, dst, a, b, imm);
            }
            None => self.produce(1, kinds[0], None, u64::from(offset)),
        }
    }

    /// A word load whose address is a local the last op, an `I32_ADD`, just wrote (a
    /// `LOCAL_TEE` of the sum, or its `LOCAL_SET` then `LOCAL_GET`): one op computes the
    /// sum, writes it to the local and loads from it. False when it does not apply.
    fn load_kept_sum(&mut self, kind: WordLoad, offset: u32) -> bool {
        let h = self.height();
        let (Some(&add), Val::Slot(local)) = (self.ops.last(), self.stack[h - 1]) else {
            return false;
        };
        let dst = self.home(h - 1);
        if add.dst != local || local == dst {
            return false;
        }
        let (fused, b, imm) = match add.kind {
            Kind::TypedBinary(TypedBinary::I32Add) => (
                Kind::LoadAddKeep(kind),
                add.b,
                u64::from(offset) | u64::from(local) << 32,
            ),
            Kind::TypedBinaryImm(TypedBinary::I32Add) => (
                Kind::LoadAddImmKeep(kind),
                local,
                u64::from(offset) | (add.imm & 0xFFFF_FFFF) << 32,
            ),
            _ => return false,
        };
        // The add cannot trap: the load (the op's origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        self.stack.truncate(h - 1);
        self.emit_producer(fused, dst, add.a, b, imm);
        self.stack.push(Val::Slot(dst));
        true
    }

    /// A word load (see [`Lowering::load_at`] and [`Lowering::load_kept_sum`]).
    fn load(&mut self, kind: WordLoad, offset: u32) {
        if self.load_kept_sum(kind, offset) {
            return;
        }
        let kinds = [
            Kind::Load(kind),
            Kind::LoadAdd(kind),
            Kind::LoadAddImm(kind),
        ];
        self.load_at(kinds, offset);
    }

    /// A narrow word store (see [`Lowering::store_at`]); a small constant value is
    /// carried inline.
    fn word_store(&mut self, kind: WordStore, offset: u32) {
        match self.inline_store_value(kind) {
            Some(k) => {
                let kinds = [
                    Kind::StoreConst(kind),
                    Kind::StoreAddConst(kind),
                    Kind::StoreAddImmConst(kind),
                ];
                self.store_at(kinds, offset, Some(k));
            }
            None => {
                let kinds = [
                    Kind::Store(kind),
                    Kind::StoreAdd(kind),
                    Kind::StoreAddImm(kind),
                ];
                self.store_at(kinds, offset, None);
            }
        }
    }

    /// Fuses typed binary `op` (`F64_ADD` or `F64_SUB`) with the `F64_MUL` just before it
    /// that computed one of its operands, the other being in a slot; false when it does
    /// not apply.
    fn mul_then(&mut self, op: TypedBinary) -> bool {
        if !matches!(op, TypedBinary::F64Add | TypedBinary::F64Sub) {
            return false;
        }
        let h = self.height();
        let Some(last) = self.ops.len().checked_sub(1) else {
            return false;
        };
        let mul = self.ops[last];
        if self.producer != Some(last) || mul.kind != Kind::TypedBinary(TypedBinary::F64Mul) {
            return false;
        }
        let (left, right) = (self.home(h - 2), self.home(h - 1));
        let (mul_left, other) = match (self.stack[h - 2], self.stack[h - 1]) {
            (Val::Slot(s), Val::Slot(other)) if s == left && mul.dst == left => (true, other),
            (Val::Slot(other), Val::Slot(s)) if s == right && mul.dst == right => (false, other),
            _ => return false,
        };
        // The product is written nowhere: the second op (the origin) stands for both.
        self.ops.pop();
        self.origin.pop();
        self.stack.truncate(h - 2);
        let kind = Kind::MulThen { op, mul_left };
        self.emit_producer(kind, left, mul.a, mul.b, u64::from(other));
        self.stack.push(Val::Slot(left));
        true
    }

    /// A typed select. When its condition is the zero test just before it, one op does
    /// both: after a word `EQZ`, `TypedSelectZero` tests the word itself; after an
    /// `I32_EQZ`, whose operand's low 32 bits are all the select reads, the select takes
    /// that operand with its two values swapped. Otherwise a value operand that is a
    /// constant of at most 32 bits travels in the op (`TypedSelectImm`).
    fn select(&mut self, op: TypedSelect) {
        let h = self.height();
        let last = self.ops.len().wrapping_sub(1);
        let test = match (self.stack[h - 1], self.producer) {
            (Val::Slot(s), Some(p)) if p == last && self.ops[p].dst == s => Some(self.ops[p]),
            _ => None,
        };
        let (kind, swapped) = match test.map(|test| test.kind) {
            Some(Kind::WordUnary(WordUnary::Eqz)) => (Kind::TypedSelectZero(op), false),
            Some(Kind::TypedTest(TypedTest::I32Eqz)) => (Kind::TypedSelect(op), true),
            _ => (Kind::TypedSelect(op), false),
        };
        if let (Some(test), true) = (test, kind != Kind::TypedSelect(op) || swapped) {
            // The test cannot trap and its operand is a local or this entry's home, which
            // nothing wrote since: the select (the op's origin) stands for both.
            self.ops.pop();
            self.origin.pop();
            self.producer = None;
            self.stack[h - 1] = Val::Slot(test.a);
        }
        let first = h - 3;
        let dst = self.home(first);
        // The positions of the values chosen when the condition holds and when not.
        let values = if swapped {
            [first + 1, first]
        } else {
            [first, first + 1]
        };
        let inline = |value: Val<W>| match value {
            Val::Imm(k) => small(k).and_then(|k| u32::try_from(k).ok()),
            Val::Slot(_) => None,
        };
        let constant = if kind == Kind::TypedSelect(op) {
            (0..2).find_map(|which| Some((which, inline(self.stack[values[which]])?)))
        } else {
            None
        };
        let (kind, a, b, imm) = match constant {
            Some((which, k)) => {
                let other = self.slot(values[1 - which]);
                let condition = self.slot(h - 1);
                let kind = Kind::TypedSelectImm {
                    op,
                    first: which == 0,
                };
                (kind, other, 0, u64::from(condition) | u64::from(k) << 32)
            }
            None => {
                let (a, b) = (self.slot(values[0]), self.slot(values[1]));
                (kind, a, b, u64::from(self.slot(h - 1)))
            }
        };
        self.stack.truncate(first);
        self.emit_producer(kind, dst, a, b, imm);
        self.stack.push(Val::Slot(dst));
    }

    /// A simd instruction as one register op reading each operand where it is (a vector
    /// in a local's slots or in its homes; an operand whose slots are not such a run is
    /// materialised first) and writing its results to the homes of the first operand.
    /// `V128_CONST` emits nothing: its slots are pushed as constants.
    fn simd(&mut self, inst: SimdInst) {
        if inst.op == dotvm_core::Opcode::V128Const {
            let vector = self.input.vectors.get(inst.imm as usize);
            let bytes = vector.copied().unwrap_or_default();
            let width = (W::BITS / 8) as usize;
            if width >= 16 {
                let mut word = [0u8; 64];
                word[..16].copy_from_slice(&bytes);
                self.stack.push(Val::Imm(W::from_le_slice(&word[..width])));
            } else {
                for chunk in bytes.chunks_exact(width) {
                    self.stack.push(Val::Imm(W::from_le_slice(chunk)));
                }
            }
            return;
        }
        let shape = SimdShape::of(inst.op, arch_of_bits(W::BITS));
        let first = self.height() - shape.pops as usize;
        let mut bases = [0; MAX_OPERANDS];
        let mut p = first;
        for (base, &slots) in bases.iter_mut().zip(&shape.slots[..shape.operands]) {
            *base = self.run(p, slots as usize);
            p += slots as usize;
        }
        let imm = if shape.operands == MAX_OPERANDS {
            u64::from(bases[2])
        } else {
            u64::from(inst.imm) | u64::from(inst.lane) << 32
        };
        self.stack.truncate(first);
        let dst = self.home(first);
        let one_slot = shape.pushes == 1;
        let kind = Kind::Simd {
            op: inst.op,
            one_slot,
        };
        if one_slot {
            self.emit_producer(kind, dst, bases[0], bases[1], imm);
        } else {
            self.emit(kind, dst, bases[0], bases[1], imm);
        }
        self.replace_top(0, shape.pushes as usize);
    }

    /// The first of `n` consecutive slots holding the entries from position `p` on; when
    /// they are not such a run, the entries are materialised and it is `p`'s home.
    fn run(&mut self, p: usize, n: usize) -> u32 {
        if let Val::Slot(s) = self.stack[p]
            && (1..n).all(|k| self.stack[p + k] == Val::Slot(s + k as u32))
        {
            return s;
        }
        for q in p..p + n {
            self.materialize(q);
        }
        self.home(p)
    }

    /// A typed instruction: a register op when every value takes one slot, else the
    /// stack-shaped form.
    fn typed(&mut self, i: usize, inst: TypedInst) {
        let (pops, pushes) = self.input.shape.effects[i];
        match (inst.op.group(), pops, pushes) {
            (TypedGroup::Unary(op), 1, 1) => self.produce(1, Kind::TypedUnary(op), None, 0),
            (TypedGroup::Test(op), 1, 1) => self.produce(1, Kind::TypedTest(op), None, 0),
            (TypedGroup::Binary(op), 2, 1) if self.mul_then(op) => {}
            (TypedGroup::Binary(op), 2, 1) => {
                self.produce(2, Kind::TypedBinary(op), Some(Kind::TypedBinaryImm(op)), 0)
            }
            (TypedGroup::Compare(op), 2, 1) => self.produce(
                2,
                Kind::TypedCompare(op),
                Some(Kind::TypedCompareImm(op)),
                0,
            ),
            (TypedGroup::Load(op), 1, 1) => {
                let kinds = [
                    Kind::TypedLoad(op),
                    Kind::TypedLoadAdd(op),
                    Kind::TypedLoadAddImm(op),
                ];
                self.load_at(kinds, inst.offset);
            }
            (TypedGroup::Store(op), 2, 0) => {
                let kinds = [
                    Kind::TypedStore(op),
                    Kind::TypedStoreAdd(op),
                    Kind::TypedStoreAddImm(op),
                ];
                self.store_at(kinds, inst.offset, None);
            }
            (TypedGroup::Select(op), 3, 1) => self.select(op),
            _ => {
                let h = self.height();
                for p in h - pops as usize..h {
                    self.materialize(p);
                }
                let base = self.home(h - pops as usize);
                self.emit(Kind::TypedSlots(inst), 0, base, 0, 0);
                self.replace_top(pops as usize, pushes as usize);
            }
        }
    }
}

/// True for the typed binary ops that can trap (division), which do not fuse with the
/// store of their result.
fn can_trap(op: crate::typed_op::TypedBinary) -> bool {
    use crate::typed_op::TypedBinary::*;
    matches!(
        op,
        I32DivS | I32DivU | I32RemS | I32RemU | I64DivS | I64DivU | I64RemS | I64RemU
    )
}

/// The branch that fuses a comparison of kind `kind` with a branch taken when its result
/// is non-zero (`when`) or zero.
fn fused_branch(kind: Kind, when: bool) -> Option<Kind> {
    Some(match kind {
        Kind::WordBinary(op) if op.is_comparison() => Kind::BrWord { op, when },
        Kind::WordBinaryImm(op) if op.is_comparison() => Kind::BrWordImm { op, when },
        Kind::WordUnary(crate::word_op::WordUnary::Eqz) => Kind::BrIf { when: !when },
        Kind::TypedTest(op) => Kind::BrTest { op, when },
        Kind::TypedCompare(op) => Kind::BrCompare { op, when },
        Kind::TypedCompareImm(op) => Kind::BrCompareImm { op, when },
        _ => return None,
    })
}

/// `k` as an immediate when it fits 64 bits exactly.
fn small<W: Word>(k: W) -> Option<u64> {
    let low = k.low_u64();
    (W::from_u64(low) == k).then_some(low)
}
