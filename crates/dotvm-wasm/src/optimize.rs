//! The optimizer (opt levels 1..=3), on a function's labelled code before layout.
//!
//! Level 0 does nothing. From level 1: dead code after unconditional control transfers is
//! removed, and jumps to the very next instruction disappear. Higher levels run the passes
//! again until nothing changes.

use crate::ir::{Code, Item};
use dotvm_core::Arch;
use dotvm_core::isa::Opcode;

/// Optimizes `code` at `level` for `arch`.
pub(crate) fn optimize(code: &mut Code, level: u8, arch: Arch) {
    let _ = arch;
    if level == 0 {
        return;
    }
    let rounds = if level >= 2 { 4 } else { 1 };
    for _ in 0..rounds {
        let before = code.items.len();
        remove_dead_code(code);
        remove_jumps_to_next(code);
        if code.items.len() == before {
            break;
        }
    }
}

/// True for items after which control never falls through.
fn ends_flow(item: &Item) -> bool {
    match item {
        Item::Inst(inst) => inst.opcode.ends_block(),
        Item::Jump(opcode, _) => *opcode == Opcode::Jmp,
        Item::Table(_) => true,
        Item::Label(_) => false,
    }
}

/// Drops instructions between an unconditional transfer and the next label.
fn remove_dead_code(code: &mut Code) {
    let mut live = true;
    code.items.retain(|item| {
        if matches!(item, Item::Label(_)) {
            live = true;
            return true;
        }
        let keep = live;
        if live && ends_flow(item) {
            live = false;
        }
        keep
    });
}

/// Removes `JMP L` immediately followed (across labels only) by `L:`.
fn remove_jumps_to_next(code: &mut Code) {
    let items = &code.items;
    let mut remove = vec![false; items.len()];
    for (i, item) in items.iter().enumerate() {
        if let Item::Jump(Opcode::Jmp, target) = item {
            let mut j = i + 1;
            while let Some(Item::Label(label)) = items.get(j) {
                if label == target {
                    remove[i] = true;
                    break;
                }
                j += 1;
            }
        }
    }
    let mut index = 0;
    code.items.retain(|_| {
        index += 1;
        !remove[index - 1]
    });
}
