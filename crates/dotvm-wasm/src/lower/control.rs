//! Blocks and branches: the control stack, and `block`, `loop`, `if`, `else`, `end`, `br`,
//! `br_if` and `br_table` turned into labels, jumps and `DROP_KEEP`s.

use super::Lowering;
use crate::ir::{Item, Label};
use dotvm_core::instruction::Operand;
use dotvm_core::isa::Opcode;
use std::collections::HashMap;
use wasmparser::{BlockType, Operator, ValType};

/// How to branch to a block: `None` returns from the function, otherwise the label to jump
/// to and the slots to drop from under the `keep` slots of the branch's values.
type Plan = Option<(Label, u32, u32)>;

/// What opened a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The function body itself.
    Function,
    Block,
    Loop,
    If,
    Else,
}

/// One open block.
#[derive(Debug)]
pub(super) struct Frame {
    pub(super) kind: Kind,
    pub(super) params: Vec<ValType>,
    pub(super) results: Vec<ValType>,
    /// Type-stack length below the block's parameters.
    pub(super) height: usize,
    /// Where branches to this block go (a loop's start, otherwise its end).
    pub(super) label: Label,
    /// The `else` of an `if` not yet seen.
    pub(super) else_label: Option<Label>,
    /// Whether the code before the block reached it.
    pub(super) entered_reachable: bool,
    /// Whether a branch targets the block's end.
    pub(super) branched: bool,
}

impl Lowering<'_, '_, '_> {
    /// Opens a block whose parameters are on top of the stack.
    pub(super) fn open(
        &mut self,
        kind: Kind,
        ty: BlockType,
        label: Label,
        else_label: Option<Label>,
    ) {
        let (params, results) = self.block_type(ty);
        let height = if self.reachable {
            self.stack.len() - params.len()
        } else {
            self.stack.len()
        };
        self.frames.push(Frame {
            kind,
            params,
            results,
            height,
            label,
            else_label,
            entered_reachable: self.reachable,
            branched: false,
        });
    }

    /// Marks the rest of the current block unreachable.
    pub(super) fn dead(&mut self) {
        self.reachable = false;
        let height = self.frames.last().map_or(0, |f| f.height);
        self.truncate(height);
    }

    /// How to branch to the frame `depth` levels out: `None` for a return, else the label
    /// and the (drop, keep) slot counts.
    pub(super) fn branch_plan(&mut self, depth: u32) -> Plan {
        let index = self.frames.len() - 1 - depth as usize;
        let frame = &self.frames[index];
        if frame.kind == Kind::Function {
            return None;
        }
        let arity = if frame.kind == Kind::Loop {
            &frame.params
        } else {
            &frame.results
        };
        let keep = self.slots_of(arity);
        let base = self.slots[frame.height];
        let drop = self.height() - base - keep;
        let label = frame.label;
        if frame.kind != Kind::Loop {
            self.frames[index].branched = true;
        }
        Some((label, drop, keep))
    }

    /// Emits an unconditional branch.
    pub(super) fn branch(&mut self, depth: u32) {
        match self.branch_plan(depth) {
            None => self.code.simple(Opcode::Ret),
            Some((label, drop, keep)) => {
                if drop > 0 {
                    self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                }
                self.code.jump(Opcode::Jmp, label);
            }
        }
    }

    /// Emits a branch taken when the popped condition is non-zero.
    pub(super) fn branch_if(&mut self, depth: u32) {
        match self.branch_plan(depth) {
            Some((label, 0, _)) => self.code.jump(Opcode::Jnz, label),
            plan => {
                let skip = self.code.label();
                self.code.jump(Opcode::Jz, skip);
                match plan {
                    None => self.code.simple(Opcode::Ret),
                    Some((label, drop, keep)) => {
                        self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                        self.code.jump(Opcode::Jmp, label);
                    }
                }
                self.code.place(skip);
            }
        }
    }

    /// Emits `br_table`.
    pub(super) fn branch_table(&mut self, depths: &[u32]) {
        let plans: Vec<_> = depths.iter().map(|&d| self.branch_plan(d)).collect();
        if plans.iter().all(|p| matches!(p, Some((_, 0, _)))) {
            let labels = plans.iter().flatten().map(|(l, _, _)| *l).collect();
            self.code.items.push(Item::Table(labels));
            return;
        }
        // One trampoline per distinct target that needs values dropped, in first-use order.
        let mut trampolines: Vec<(Label, Plan)> = Vec::new();
        let mut by_depth: HashMap<u32, Label> = HashMap::new();
        let mut labels = Vec::with_capacity(depths.len());
        for (&depth, &plan) in depths.iter().zip(&plans) {
            match plan {
                Some((label, 0, _)) => labels.push(label),
                _ => {
                    let t = *by_depth.entry(depth).or_insert_with(|| {
                        let t = self.code.label();
                        trampolines.push((t, plan));
                        t
                    });
                    labels.push(t);
                }
            }
        }
        self.code.items.push(Item::Table(labels));
        for (t, plan) in trampolines {
            self.code.place(t);
            match plan {
                None => self.code.simple(Opcode::Ret),
                Some((label, drop, keep)) => {
                    self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                    self.code.jump(Opcode::Jmp, label);
                }
            }
        }
    }

    /// Lowers a structured-control operator (tracked in unreachable code too); false when
    /// `op` is not one.
    pub(super) fn control(&mut self, op: &Operator<'_>) -> bool {
        match *op {
            Operator::Block { blockty } => {
                let end = self.code.label();
                self.open(Kind::Block, blockty, end, None);
                true
            }
            Operator::Loop { blockty } => {
                let start = self.code.label();
                if self.reachable {
                    self.code.place(start);
                }
                self.open(Kind::Loop, blockty, start, None);
                true
            }
            Operator::If { blockty } => {
                let (end, otherwise) = (self.code.label(), self.code.label());
                if self.reachable {
                    self.pop();
                    self.code.jump(Opcode::Jz, otherwise);
                }
                self.open(Kind::If, blockty, end, Some(otherwise));
                true
            }
            Operator::Else => {
                let reachable = self.reachable;
                let frame = self.frames.last_mut().expect("validated: else inside if");
                if reachable {
                    frame.branched = true;
                    let end = frame.label;
                    self.code.jump(Opcode::Jmp, end);
                }
                let frame = self.frames.last_mut().expect("validated: else inside if");
                frame.kind = Kind::Else;
                let otherwise = frame.else_label.take();
                let (height, params, entered) =
                    (frame.height, frame.params.clone(), frame.entered_reachable);
                if let Some(otherwise) = otherwise {
                    self.code.place(otherwise);
                }
                self.truncate(height);
                self.reachable = entered;
                if entered {
                    for p in params {
                        self.push(p);
                    }
                }
                true
            }
            Operator::End => {
                let frame = self.frames.pop().expect("validated: end closes a frame");
                if frame.kind == Kind::Function {
                    if self.reachable {
                        self.code.simple(Opcode::Ret);
                    }
                    return true;
                }
                let mut after = self.reachable || frame.branched;
                if let Some(otherwise) = frame.else_label {
                    // An `if` without `else`: the false path passes the parameters on.
                    self.code.place(otherwise);
                    after |= frame.entered_reachable;
                }
                if frame.kind != Kind::Loop {
                    self.code.place(frame.label);
                }
                self.truncate(frame.height);
                self.reachable = after && frame.entered_reachable;
                if self.reachable {
                    for r in frame.results {
                        self.push(r);
                    }
                }
                true
            }
            _ => false,
        }
    }
}
