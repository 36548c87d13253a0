//! The translator's code buffer: instructions with symbolic labels, laid out and encoded
//! into DotVM bytecode once a function is complete (and optimized).

use dotvm_core::instruction::{Instruction, Operand};
use dotvm_core::isa::Opcode;

/// A jump label, local to one function.
pub(crate) type Label = u32;

/// One element of a function's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// An instruction without a jump target.
    Inst(Instruction),
    /// `JMP`, `JZ` or `JNZ` to a label.
    Jump(Opcode, Label),
    /// `JMP_TABLE` to labels (default last).
    Table(Vec<Label>),
    /// A label definition.
    Label(Label),
    /// The code that follows comes from this wasm code address (an offset in the code
    /// section's contents); only written when the source position may change there.
    Loc(u64),
}

/// A function's code under construction.
#[derive(Debug, Default)]
pub(crate) struct Code {
    pub(crate) items: Vec<Item>,
    labels: u32,
}

impl Code {
    /// A fresh label.
    pub(crate) fn label(&mut self) -> Label {
        self.labels += 1;
        self.labels - 1
    }

    /// Appends an instruction.
    pub(crate) fn op(&mut self, opcode: Opcode, operand: Operand) {
        self.items.push(Item::Inst(Instruction { opcode, operand }));
    }

    /// Appends an instruction without operand.
    pub(crate) fn simple(&mut self, opcode: Opcode) {
        self.op(opcode, Operand::None);
    }

    /// Appends `PUSH value`.
    pub(crate) fn push(&mut self, value: u64) {
        self.op(Opcode::Push, Operand::Imm(dotvm_core::Imm::from(value)));
    }

    /// Appends a jump.
    pub(crate) fn jump(&mut self, opcode: Opcode, label: Label) {
        self.items.push(Item::Jump(opcode, label));
    }

    /// Defines `label` here.
    pub(crate) fn place(&mut self, label: Label) {
        self.items.push(Item::Label(label));
    }

    /// Records that the code that follows comes from wasm code address `addr`.
    pub(crate) fn loc(&mut self, addr: u64) {
        self.items.push(Item::Loc(addr));
    }

    /// Lays the code out and encodes it. Every label used by a jump must be placed.
    /// Also returns the `(pc, wasm address)` of each [`Item::Loc`], one per pc (the last
    /// one written there), in pc order.
    pub(crate) fn encode(&self) -> (Vec<u8>, Vec<(u32, u64)>) {
        let mut pcs = vec![u32::MAX; self.labels as usize];
        let mut pc = 0u32;
        for item in &self.items {
            match item {
                Item::Inst(inst) => pc += inst.encoded_len() as u32,
                Item::Jump(..) => pc += 5,
                Item::Table(labels) => pc += 5 + 4 * labels.len() as u32,
                Item::Label(label) => pcs[*label as usize] = pc,
                Item::Loc(_) => {}
            }
        }
        let mut out = Vec::with_capacity(pc as usize);
        let mut locs: Vec<(u32, u64)> = Vec::new();
        for item in &self.items {
            match item {
                Item::Inst(inst) => inst.encode(&mut out),
                Item::Jump(opcode, label) => Instruction {
                    opcode: *opcode,
                    operand: Operand::Target(pcs[*label as usize]),
                }
                .encode(&mut out),
                Item::Table(labels) => Instruction {
                    opcode: Opcode::JmpTable,
                    operand: Operand::Targets(labels.iter().map(|l| pcs[*l as usize]).collect()),
                }
                .encode(&mut out),
                Item::Label(_) => {}
                Item::Loc(addr) => {
                    let pc = out.len() as u32;
                    if locs.last().is_some_and(|&(last, _)| last == pc) {
                        locs.pop();
                    }
                    locs.push((pc, *addr));
                }
            }
        }
        (out, locs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_markers_get_the_pc_of_the_next_instruction() {
        let mut code = Code::default();
        code.loc(10);
        code.simple(Opcode::Nop);
        code.loc(20);
        code.loc(30);
        code.push(7);
        let end = code.label();
        code.jump(Opcode::Jmp, end);
        code.place(end);
        code.loc(40);
        code.simple(Opcode::Ret);
        let (bytes, locs) = code.encode();
        let push_len = Instruction {
            opcode: Opcode::Push,
            operand: Operand::Imm(dotvm_core::Imm::from(7u64)),
        }
        .encoded_len() as u32;
        // The marker at 20 is replaced by the one at 30 (same pc).
        assert_eq!(locs, vec![(0, 10), (1, 30), (1 + push_len + 5, 40)]);
        assert_eq!(bytes.len() as u32, 1 + push_len + 5 + 1);
    }
}
