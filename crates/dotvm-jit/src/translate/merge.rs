//! Bounds checks merged per base address: the accesses of a block through one base value
//! (the same SSA value, or that value plus constants through `I32_ADD`) are checked once,
//! at the first of them, for the largest reach of all.
//!
//! The merged check is exact: when it passes, every access it covers is inside memory, so
//! skipping their own checks changes nothing; when it fails, the rest of the block runs as
//! an unmerged cold duplicate (every access checked by itself), which traps at the access
//! that is outside memory with the interpreter's state, as before. [`plan`] finds the
//! groups before the block is translated, by following the values through the block's
//! instructions as the translator's variables carry them; [`Tx::merge`] builds the check
//! and the two paths.

use super::Tx;
use super::memory::{word_load_type, word_store_type};
use super::typed::{typed_load, typed_store};
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::{Block, InstructionData, Type, Value};
use dotvm_core::Opcode;
use dotvm_core::instruction::Operand;
use dotvm_core::verify::StackShape;
use dotvm_vm::native_abi::NativeFunction;
use std::collections::HashMap;

/// A group is merged only when its accesses would need at least this many checks of
/// memory's size one by one: a merge costs a cold copy of the rest of the block.
const MIN_CHECKS: usize = 3;
/// At most this many merges per block (each nests in the fast path of the one before).
const MAX_MERGES: usize = 3;
/// No merge where more than this many instructions follow in the block (the cold copy).
const MAX_TAIL: u32 = 400;

/// The merged check made at the first access of a group.
#[derive(Debug, Clone, Copy)]
pub(super) struct Merge {
    /// The largest reach, from the base value, of the group's accesses.
    reach: u64,
    /// True when some access adds a constant to the base with `I32_ADD` (wrapping at
    /// 2^32): the check then also requires `base + reach <= 2^32`, so that no such sum
    /// wraps.
    below_4g: bool,
}

/// What [`plan`] knows of a slot's value: a value (an id standing for one SSA value) plus
/// a constant, modulo 2^32, or a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    Val(u32, u32),
    Const(u64),
}

/// The bytes an access instruction translated inline reads or writes, on words of type
/// `word` (none for instructions that are not such accesses).
fn access_bytes(op: Opcode, word: Type) -> Option<u32> {
    if let Some((ty, _, _)) = typed_load(op) {
        return Some(ty.bytes());
    }
    if let Some((_, ty)) = typed_store(op) {
        return Some(ty.bytes());
    }
    let ty = word_load_type(op, word)
        .map(|(ty, _)| ty)
        .or_else(|| word_store_type(op, word))?;
    // Word accesses wider than a word (64-bit ones on Arch32) are stepped, not checked.
    (ty.bytes() <= word.bytes()).then_some(ty.bytes())
}

/// The merged checks of the block `from..end` of `f` (on words of type `word`), by the
/// index of the access that makes each.
pub(super) fn plan(
    f: &NativeFunction<'_>,
    shape: &StackShape,
    word: Type,
    from: u32,
    end: u32,
) -> HashMap<u32, Merge> {
    let mut fresh = 0u32;
    let mut new = || {
        fresh += 1;
        Sym::Val(fresh, 0)
    };
    let Some(height) = shape.heights[from as usize] else {
        return HashMap::new();
    };
    let mut stack: Vec<Sym> = (0..height).map(|_| new()).collect();
    let mut locals: HashMap<u32, Sym> = HashMap::new();
    // Per base id: each access's index, constant and reach from the base.
    let mut groups: HashMap<u32, Vec<(u32, u32, u64)>> = HashMap::new();
    for index in from..end {
        let Some(h) = shape.heights[index as usize] else {
            break;
        };
        stack.resize_with(h as usize, &mut new);
        let instruction = f.instruction(index);
        let op = instruction.opcode;
        let (pops, pushes) = shape.effects[index as usize];
        if let (Some(bytes), Operand::Offset(offset)) =
            (access_bytes(op, word), &instruction.operand)
            && let Some(&Sym::Val(id, k)) = stack.get((h - pops) as usize)
            // A constant of 2^31 or more is a negative offset (`sp - 16`), whose sums wrap:
            // such accesses are checked by themselves.
            && k < 1 << 31
        {
            let reach = u64::from(k) + u64::from(*offset) + u64::from(bytes);
            groups.entry(id).or_default().push((index, k, reach));
        }
        let top = |s: &Vec<Sym>, d: u32| s[(h - 1 - d) as usize];
        match (op, &instruction.operand) {
            (Opcode::LocalGet, Operand::Index(l)) => {
                let value = *locals.entry(*l).or_insert_with(&mut new);
                stack.push(value);
            }
            (Opcode::LocalSet, Operand::Index(l)) => {
                let value = stack.pop().unwrap_or_else(&mut new);
                locals.insert(*l, value);
            }
            (Opcode::LocalTee, Operand::Index(l)) if h > 0 => {
                locals.insert(*l, top(&stack, 0));
            }
            (Opcode::Push, _) if pushes == 1 => {
                let value = match f.pushed(index).as_deref() {
                    Some([limbs]) => Sym::Const(limbs.first().copied().unwrap_or(0)),
                    _ => new(),
                };
                stack.push(value);
            }
            (Opcode::I32Add, _) if h >= 2 => {
                let sum = match (top(&stack, 1), top(&stack, 0)) {
                    (Sym::Val(id, k), Sym::Const(c)) | (Sym::Const(c), Sym::Val(id, k)) => {
                        Sym::Val(id, k.wrapping_add(c as u32))
                    }
                    _ => new(),
                };
                stack.truncate((h - 2) as usize);
                stack.push(sum);
            }
            (Opcode::Dup, _) if h >= 1 => stack.push(top(&stack, 0)),
            (Opcode::Over, _) if h >= 2 => stack.push(top(&stack, 1)),
            (Opcode::Pick, Operand::Depth(d)) if u32::from(*d) < h => {
                stack.push(top(&stack, u32::from(*d)));
            }
            (Opcode::Swap, _) if h >= 2 => stack.swap((h - 2) as usize, (h - 1) as usize),
            (Opcode::Rot, _) if h >= 3 => {
                let a = stack.remove((h - 3) as usize);
                stack.push(a);
            }
            (Opcode::DropKeep, Operand::Pair(drop, keep)) if drop + keep <= h => {
                let kept = stack.split_off((h - keep) as usize);
                stack.truncate((h - keep - drop) as usize);
                stack.extend(kept);
            }
            _ => {
                stack.truncate(h.saturating_sub(pops) as usize);
                for _ in 0..pushes {
                    let value = new();
                    stack.push(value);
                }
            }
        }
    }
    let mut merges: Vec<(u32, Merge)> = groups
        .into_values()
        .filter_map(|accesses| {
            // The checks the accesses need one by one: one per access that reaches past
            // what an earlier access through the same address value checked.
            let mut known: HashMap<u32, u64> = HashMap::new();
            let mut checks = 0;
            for &(_, k, reach) in &accesses {
                let seen = known.entry(k).or_insert(0);
                if reach > *seen {
                    checks += 1;
                    *seen = reach;
                }
            }
            let reach = accesses.iter().map(|a| a.2).max()?;
            let below_4g = accesses.iter().any(|a| a.1 != 0);
            let first = accesses[0].0;
            (checks >= MIN_CHECKS && end - first <= MAX_TAIL && reach <= 1 << 32)
                .then_some((first, Merge { reach, below_4g }))
        })
        .collect();
    merges.sort_by_key(|m| m.0);
    merges.truncate(MAX_MERGES);
    merges.into_iter().collect()
}

/// The constant `v` is, if it is an `iconst`.
fn constant(b: &cranelift_frontend::FunctionBuilder<'_>, v: Value) -> Option<u64> {
    let inst = b.func.dfg.value_def(v).inst()?;
    match b.func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: cranelift_codegen::ir::Opcode::Iconst,
            imm,
        } => Some(imm.bits() as u64),
        _ => None,
    }
}

impl Tx<'_, '_, '_> {
    /// After `I32_ADD` of `x` and `y` left its sum in operand `p`: when one of them is a
    /// constant, records the sum as the other plus it (see [`Tx::derived`]).
    pub(super) fn note_sum(&mut self, x: Value, y: Value, p: u32) {
        let (base, c) = match (constant(&self.b, x), constant(&self.b, y)) {
            (None, Some(c)) => (x, c),
            (Some(c), None) => (y, c),
            _ => return,
        };
        let sum = self.get(p);
        let (base, k) = self.derived.get(&base).copied().unwrap_or((base, 0));
        self.derived.insert(sum, (base, k.wrapping_add(c as u32)));
    }

    /// True when an access at guest address `addr` reaching `reach` bytes from it is known
    /// to be inside memory (see [`Tx::in_bounds`]).
    pub(super) fn known_in_bounds(&self, addr: Value, reach: u64) -> bool {
        if self.in_bounds.get(&addr).is_some_and(|k| k.0 >= reach) {
            return true;
        }
        // `addr` is `(base + k) mod 2^32`: with `base + k + reach <= 2^32` it is
        // `base + k`, inside memory when `base + k + reach` is.
        self.derived.get(&addr).is_some_and(|&(base, k)| {
            self.in_bounds
                .get(&base)
                .is_some_and(|known| known.1 >= u64::from(k) + reach)
        })
    }

    /// The merged check of `merge` at the access `index` of the block ending at `end`:
    /// translates the rest of the block twice, after the check (where the group's
    /// accesses are known inside memory) and, cold, where it fails (unmerged).
    pub(super) fn merge(&mut self, index: u32, merge: Merge, end: u32) {
        let h = self.height(index).unwrap_or(0);
        let (pops, _) = self.env.shape.effects[index as usize];
        let p = h - pops;
        let addr = self.get(p);
        let base = self.derived.get(&addr).map_or(addr, |&(base, _)| base);
        let mut bad = Vec::with_capacity(4);
        let lo = self.low_address(p, base, true, &mut bad);
        self.outside(lo, merge.reach, merge.below_4g, &mut bad);
        let slow = self.branch_out(&bad);
        let saved = (
            self.in_bounds.clone(),
            self.floats.clone(),
            self.vectors.clone(),
        );
        let known = self.in_bounds.entry(base).or_insert((0, 0));
        known.0 = known.0.max(merge.reach);
        if merge.below_4g {
            known.1 = known.1.max(merge.reach);
        }
        self.block_rest(index, end, true);
        let first_cold = self.b.func.dfg.num_blocks();
        self.switch_sealed(slow);
        (self.in_bounds, self.floats, self.vectors) = saved;
        self.block_rest(index, end, false);
        for k in first_cold..self.b.func.dfg.num_blocks() {
            self.b.set_cold_block(Block::new(k));
        }
    }
}
