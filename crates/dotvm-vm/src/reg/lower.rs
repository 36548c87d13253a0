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

use super::{Kind, RegCode, RegOp, WordLoad, WordStore};
use crate::code::Op;
use crate::typed_op::{TypedBinary, TypedGroup, TypedInst};
use crate::word::Word;
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
            Val::Slot(s) => self.emit(Kind::Copy, home, s, 0, 0),
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
    }

    /// A store: address and value from the top.
    fn store(&mut self, kind: Kind, offset: u32) {
        let h = self.height();
        let addr = self.slot(h - 2);
        let value = self.slot(h - 1);
        self.stack.truncate(h - 2);
        self.emit(kind, 0, addr, value, u64::from(offset));
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
            }
            Val::Slot(s) => self.emit(Kind::Copy, local, s, 0, 0),
            Val::Imm(k) => self.emit_const(local, k),
        }
    }

    /// A conditional branch to plain instruction `target`, taken when the popped condition
    /// is non-zero (`when`) or zero (`!when`); fuses with the comparison that produced it.
    fn branch(&mut self, target: u32, when: bool) {
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
                self.materialize_all();
                self.emit(kind, target, compare.a, compare.b, compare.imm);
            }
            None => {
                let condition = self.slot(h - 1);
                self.stack.truncate(h - 1);
                self.materialize_all();
                self.emit(Kind::BrIf { when }, target, condition, 0, 0);
            }
        }
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
                self.emit(Kind::Call, 0, callee, base, 0);
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
                if results == 1 {
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
                            self.emit(Kind::Copy, dst, s, 0, 0);
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
            Op::WordBinary(op) => {
                let imm = (!op.can_trap()).then_some(Kind::WordBinaryImm(op));
                self.produce(2, Kind::WordBinary(op), imm, 0);
            }
            Op::WordUnary(op) => self.produce(1, Kind::WordUnary(op), None, 0),
            Op::WordTernary(op) => self.produce(3, Kind::WordTernary(op), None, 0),
            Op::Load8U(o) => self.load(WordLoad::U8, o),
            Op::Load8S(o) => self.load(WordLoad::S8, o),
            Op::Load16U(o) => self.load(WordLoad::U16, o),
            Op::Load16S(o) => self.load(WordLoad::S16, o),
            Op::Load32U(o) => self.load(WordLoad::U32, o),
            Op::Load32S(o) => self.load(WordLoad::S32, o),
            Op::Load64U(o) => self.load(WordLoad::U64, o),
            Op::Load64S(o) => self.load(WordLoad::S64, o),
            Op::Load(o) => self.produce(1, Kind::LoadWord, None, u64::from(o)),
            Op::Store8(o) => self.store(Kind::Store(WordStore::B8), o),
            Op::Store16(o) => self.store(Kind::Store(WordStore::B16), o),
            Op::Store32(o) => self.store(Kind::Store(WordStore::B32), o),
            Op::Store64(o) => self.store(Kind::Store(WordStore::B64), o),
            Op::Store(o) => self.store(Kind::StoreWord, o),
            Op::Typed(inst) => self.typed(i, inst),
            // Simd instructions run as single steps of the precise interpreter.
            Op::Simd(_)
            | Op::Alloc
            | Op::Free
            | Op::MemorySize
            | Op::MemoryGrow
            | Op::MemoryCopy
            | Op::MemoryFill
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

    /// A word load; when its address is the sum an `I32_ADD` just wrote to its home (the
    /// address computation of compiled wasm), one op does both.
    fn load(&mut self, kind: WordLoad, offset: u32) {
        let h = self.height();
        let last = self.ops.len().wrapping_sub(1);
        let add = match (self.stack[h - 1], self.producer) {
            (Val::Slot(s), Some(p)) if p == last && self.ops[p].dst == s => Some(self.ops[p]),
            _ => None,
        };
        let fused = add.and_then(|add| match add.kind {
            Kind::TypedBinary(TypedBinary::I32Add) => {
                Some((Kind::LoadAdd(kind), add.a, add.b, u64::from(offset)))
            }
            Kind::TypedBinaryImm(TypedBinary::I32Add) => Some((
                Kind::LoadAddImm(kind),
                add.a,
                0,
                u64::from(offset) | (add.imm & 0xFFFF_FFFF) << 32,
            )),
            _ => None,
        });
        match fused {
            Some((fused, a, b, imm)) => {
                // The add cannot trap: the load (the op's origin) stands for both.
                self.ops.pop();
                self.origin.pop();
                let dst = self.home(h - 1);
                self.emit_producer(fused, dst, a, b, imm);
            }
            None => self.produce(1, Kind::Load(kind), None, u64::from(offset)),
        }
    }

    /// A typed instruction: a register op when every value takes one slot, else the
    /// stack-shaped form.
    fn typed(&mut self, i: usize, inst: TypedInst) {
        let (pops, pushes) = self.input.shape.effects[i];
        let offset = u64::from(inst.offset);
        match (inst.op.group(), pops, pushes) {
            (TypedGroup::Unary(op), 1, 1) => self.produce(1, Kind::TypedUnary(op), None, 0),
            (TypedGroup::Test(op), 1, 1) => self.produce(1, Kind::TypedTest(op), None, 0),
            (TypedGroup::Binary(op), 2, 1) => {
                let imm = (!can_trap(op)).then_some(Kind::TypedBinaryImm(op));
                self.produce(2, Kind::TypedBinary(op), imm, 0);
            }
            (TypedGroup::Compare(op), 2, 1) => self.produce(
                2,
                Kind::TypedCompare(op),
                Some(Kind::TypedCompareImm(op)),
                0,
            ),
            (TypedGroup::Load(op), 1, 1) => self.produce(1, Kind::TypedLoad(op), None, offset),
            (TypedGroup::Store(op), 2, 0) => self.store(Kind::TypedStore(op), inst.offset),
            (TypedGroup::Select(op), 3, 1) => self.produce(3, Kind::TypedSelect(op), None, 0),
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

/// True for the typed binary ops that can trap (division), which get no immediate form.
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
