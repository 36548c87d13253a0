//! Loop-local copies of the values a call-free innermost loop reads but never changes.
//!
//! A value live across calls outside a loop (a local set before an allocation and read
//! after a formatting call, the read-only end) competes for the host's few callee-saved
//! registers, and the register allocator does not split its range at the loop: sieve's
//! inner loop passed two such values through one callee-saved register, a store and two
//! loads per iteration, while caller-saved registers stayed unused in the loop. Here the
//! loop gets its own SSA values for them: the loop's preheader copies each one (an
//! instruction Cranelift does not fold away, see [`Tx::loop_copy`]), the loop reads only
//! the copies, and every edge leaving the loop gives the variables their values from
//! before the loop back. The copies live in the loop alone, where nothing is called.
//!
//! Only loops whose instructions form one contiguous range entered at their head (the
//! shape of every wasm loop), which contain no call and no other loop head and use few
//! locals are handled: the copies are identities, so any other loop is simply left alone.

use super::Tx;
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use cranelift_frontend::Variable;
use dotvm_core::Opcode;
use dotvm_core::instruction::Operand;
use dotvm_vm::native_abi::NativeFunction;
use std::collections::{HashMap, HashSet};

/// The most locals a handled loop may use. A copy lives beside the value it copies, so
/// in a loop already short of registers the copies only add spills: float_math's n-body
/// loop, which uses more locals than this, had six copies and its function 17% more
/// stack accesses (float_math 4% slower).
const MAX_LOCALS: usize = 6;

/// A loop whose invariant locals get loop-local copies.
pub(super) struct Loop {
    /// The first instruction after the loop's range.
    end: u32,
    /// The locals the loop reads and never sets.
    locals: Vec<u32>,
    /// True when the loop accesses memory (a store reads the read-only end).
    memory: bool,
}

/// The loop being translated: where it ends, the block its back edges jump to, and the
/// variables' values from before it.
pub(super) struct Inside {
    head: u32,
    end: u32,
    back: Block,
    outer: Vec<(Variable, Value)>,
}

/// The loops of `f` handled here, by head, found from its reachable `jumps` (`(from, to)`,
/// see `translate::jumps`): a loop is the range from a block that a later instruction
/// jumps back to, to the end of the last block jumping back; it qualifies when
/// nothing outside the range jumps into it but to its head, nothing inside it calls (a
/// copy live across a call would take a callee-saved register, the very cost avoided), no
/// other loop head lies inside it and it uses at most [`MAX_LOCALS`] locals.
pub(super) fn loops(f: &NativeFunction<'_>, jumps: &[(u32, u32)]) -> HashMap<u32, Loop> {
    // Head -> end of the range (exclusive).
    let mut ranges: HashMap<u32, u32> = HashMap::new();
    for &(from, to) in jumps {
        if to <= from && to > 0 {
            let end = f.block_end(from);
            let range = ranges.entry(to).or_insert(end);
            *range = (*range).max(end);
        }
    }
    let mut found = HashMap::new();
    for (&head, &end) in &ranges {
        let inner_head = ranges
            .keys()
            .any(|&h| h != head && (head..end).contains(&h));
        let entered_elsewhere = jumps.iter().any(|&(from, to)| {
            !(head..end).contains(&from) && to != head && (head..end).contains(&to)
        });
        let calls = (head..end).any(|i| {
            matches!(
                f.instruction(i).opcode,
                Opcode::Call | Opcode::CallIndirect | Opcode::MemoryCopy | Opcode::MemoryFill
            )
        });
        // A loop of several blocks usually branches out early (a probe that matches at
        // once): its copies, made on every entry, then cost more than they save.
        let one_block = f.block_end(head) == end;
        if inner_head || entered_elsewhere || calls || !one_block {
            continue;
        }
        let mut read = HashSet::new();
        let mut set = HashSet::new();
        let mut memory = false;
        for i in head..end {
            let instruction = f.instruction(i);
            match (instruction.opcode, &instruction.operand) {
                (Opcode::LocalGet, Operand::Index(l)) => {
                    read.insert(*l);
                }
                (Opcode::LocalSet | Opcode::LocalTee, Operand::Index(l)) => {
                    set.insert(*l);
                }
                (_, Operand::Offset(_)) => memory = true,
                _ => {}
            }
        }
        if read.union(&set).count() > MAX_LOCALS {
            continue;
        }
        let mut locals: Vec<u32> = read.difference(&set).copied().collect();
        locals.sort_unstable();
        found.insert(
            head,
            Loop {
                end,
                locals,
                memory,
            },
        );
    }
    found
}

impl Tx<'_, '_, '_> {
    /// At the start of block `start`: leaves the loop being translated once past its
    /// range, and at a handled loop's head makes the copies in the head's own block (the
    /// preheader every entry jumps to) and goes on in a new block, the one its back edges
    /// jump to.
    pub(super) fn loop_block(&mut self, start: u32) {
        if self.inside.as_ref().is_some_and(|l| start >= l.end) {
            self.inside = None;
        }
        let Some(lp) = self.loops.get(&start) else {
            return;
        };
        let (end, locals, memory) = (lp.end, lp.locals.clone(), lp.memory);
        let mut vars: Vec<Variable> = locals
            .iter()
            .map(|&l| self.vars[l as usize])
            .filter(|&var| {
                // A float or vector behind the value stays known only under its own
                // SSA value (see `Tx::floats`, `simd::Vectors`): such locals keep it.
                let value = self.b.use_var(var);
                let value = self.b.func.dfg.resolve_aliases(value);
                !self.floats.contains_key(&value) && !self.vectors.holds(value)
            })
            .collect();
        if memory && self.memory {
            vars.push(self.ro_end);
        }
        if vars.is_empty() {
            // Nothing to copy: the loop is translated as any other (an exit block would
            // only cost, see `Tx::edge`).
            return;
        }
        let mut outer = Vec::with_capacity(vars.len());
        for var in vars {
            let value = self.b.use_var(var);
            let copy = self.loop_copy(value);
            self.b.def_var(var, copy);
            outer.push((var, value));
        }
        let back = self.b.create_block();
        self.b.ins().jump(back, &[]);
        self.b.switch_to_block(back);
        self.inside = Some(Inside {
            head: start,
            end,
            back,
            outer,
        });
    }

    /// A copy of `value` that Cranelift keeps as a value of its own: its optimiser folds
    /// every pure identity (`x + 0`, `x | x`, a select of one value) and removes block
    /// parameters that only ever receive one value, but leaves multi-result instructions
    /// alone, so this is the sum of an overflowing add of zero.
    fn loop_copy(&mut self, value: Value) -> Value {
        let ty = self.b.func.dfg.value_type(value);
        let zero = self.b.ins().iconst(ty, 0);
        let (sum, _) = self.b.ins().uadd_overflow(value, zero);
        sum
    }

    /// The block a jump from the instruction being translated to instruction `to` goes
    /// to: inside a handled loop, its back-edge block for the head, and for a target
    /// outside the loop a new block (filled by [`Tx::loop_exits`]) that gives the
    /// variables their values from before the loop back. Such a block is not free: a
    /// value it passes on that Cranelift rematerialises (the fuel after the block's
    /// charge, `fuel - cost`) is recomputed there from its operand, which then stays live
    /// beside the result around the loop (a move per iteration in int_loop's Collatz loop
    /// while loops without copies had exit blocks too).
    pub(super) fn edge(&mut self, to: u32) -> Block {
        let block = self.blocks[&to];
        let Some(inside) = &self.inside else {
            return block;
        };
        if to == inside.head {
            return inside.back;
        }
        if (inside.head..inside.end).contains(&to) {
            return block;
        }
        let exit = self.b.create_block();
        self.exits.push((exit, block));
        exit
    }

    /// Fills the exit blocks [`Tx::edge`] made for the block just translated.
    pub(super) fn loop_exits(&mut self) {
        let exits = std::mem::take(&mut self.exits);
        let Some(inside) = &self.inside else {
            return;
        };
        let outer = inside.outer.clone();
        for (exit, target) in exits {
            self.switch_sealed(exit);
            for &(var, value) in &outer {
                self.b.def_var(var, value);
            }
            self.b.ins().jump(target, &[]);
        }
    }
}
