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

    /// Lays the code out and encodes it. Every label used by a jump must be placed.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut pcs = vec![u32::MAX; self.labels as usize];
        let mut pc = 0u32;
        for item in &self.items {
            match item {
                Item::Inst(inst) => pc += inst.encoded_len() as u32,
                Item::Jump(..) => pc += 5,
                Item::Table(labels) => pc += 5 + 4 * labels.len() as u32,
                Item::Label(label) => pcs[*label as usize] = pc,
            }
        }
        let mut out = Vec::with_capacity(pc as usize);
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
            }
        }
        out
    }
}
