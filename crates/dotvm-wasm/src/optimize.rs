//! The optimizer (opt levels 1..=3), on a function's labelled code before layout.
//!
//! Level 0 does nothing. Level 1 removes dead code after unconditional transfers and jumps
//! to the next instruction, threads jumps to jumps, folds typed operations on constants
//! whose values are one slot (i32 and f32 everywhere, i64 and f64 where they are one
//! slot), evaluated by the engines' own code (`dotvm_vm::constant`), and fuses common
//! sequences (`LOCAL_SET x; LOCAL_GET x` → `LOCAL_TEE x`, a pushed value dropped at once,
//! `EQZ` before a branch). Level 2 also replaces typed operations by the generic word
//! operation with the same result on canonical (zero-extended) values, which the
//! interpreter fuses further (compare and branch, add immediate). Level 3 repeats the passes until nothing changes.
//!
//! Folding never touches an instruction that traps on its constants, and no pass moves
//! code across a label, so every trap happens at the same instruction as before. A
//! source-position marker (`Item::Loc`, written only when a source map is wanted) is not an
//! instruction: the rewrites that would span one are skipped, so the code stays correct
//! and keeps its line boundaries.

use crate::ir::{Code, Item, Label};
use dotvm_core::Arch;
use dotvm_core::compare::{Compared, Comparison};
use dotvm_core::instruction::{Instruction, Operand};
use dotvm_core::isa::Opcode;
use std::collections::HashMap;

/// Optimizes `code` at `level` for `arch`.
pub(crate) fn optimize(code: &mut Code, level: u8, arch: Arch) {
    if level == 0 {
        return;
    }
    let rounds = if level >= 3 { 8 } else { 1 };
    for _ in 0..rounds {
        let before = code.items.clone();
        peephole(code, arch);
        if level >= 2 {
            constant_shifts(code, arch);
            generic_ops(code, arch);
            drop_zero_extensions(code, arch);
        }
        thread_jumps(code);
        remove_dead_code(code);
        remove_jumps_to_next(code);
        if code.items == before {
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
        Item::Label(_) | Item::Loc(_) => false,
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

/// Sends jumps to a label that is followed by `JMP L2` straight to `L2`.
fn thread_jumps(code: &mut Code) {
    let mut forward: HashMap<Label, Label> = HashMap::new();
    for (i, item) in code.items.iter().enumerate() {
        if let Item::Label(label) = item {
            let mut j = i + 1;
            while let Some(Item::Label(_)) = code.items.get(j) {
                j += 1;
            }
            if let Some(Item::Jump(Opcode::Jmp, next)) = code.items.get(j) {
                forward.insert(*label, *next);
            }
        }
    }
    // Follow chains, stopping at cycles (an empty infinite loop stays as it is).
    let resolve = |mut label: Label| {
        for _ in 0..8 {
            match forward.get(&label) {
                Some(&next) if next != label => label = next,
                _ => break,
            }
        }
        label
    };
    for item in &mut code.items {
        match item {
            Item::Jump(_, target) => *target = resolve(*target),
            Item::Table(targets) => targets.iter_mut().for_each(|t| *t = resolve(*t)),
            _ => {}
        }
    }
}

/// Replaces typed operations by generic word operations that give the same slot on
/// canonical (zero-extended) values: equality, unsigned comparisons, bitwise logic,
/// unsigned division and bit counts of one-slot values on every architecture (they cannot
/// leave the value's bits), every i32 operation on Arch32 and every i64 operation on
/// Arch64 (where the word is exactly that wide), and zero-extending loads and truncating
/// stores.
fn generic_ops(code: &mut Code, arch: Arch) {
    for item in &mut code.items {
        if let Item::Inst(inst) = item {
            let generic = match inst.operand {
                Operand::None => generic_for(inst.opcode, arch),
                Operand::Offset(_) => generic_memory_for(inst.opcode, arch),
                _ => None,
            };
            if let Some(generic) = generic {
                inst.opcode = generic;
            }
        }
    }
}

/// The generic load or store that reads or writes the same bytes and leaves the same
/// (zero-extended) slot as a typed one on `arch`: zero-extending loads and truncating
/// stores of one-slot values, and the sign-extending 64-bit loads on Arch64.
fn generic_memory_for(opcode: Opcode, arch: Arch) -> Option<Opcode> {
    use Opcode::*;
    let any = match opcode {
        I32Load | F32Load => Some(Load32U),
        I32Load8U => Some(Load8U),
        I32Load16U => Some(Load16U),
        I32Store | F32Store => Some(Store32),
        I32Store8 => Some(Store8),
        I32Store16 => Some(Store16),
        _ => None,
    };
    if any.is_some() || arch == Arch::Arch32 {
        return any;
    }
    let wide = match opcode {
        I64Load | F64Load => Some(Load64U),
        I64Load8U => Some(Load8U),
        I64Load16U => Some(Load16U),
        I64Load32U => Some(Load32U),
        I64Store | F64Store => Some(Store64),
        I64Store8 => Some(Store8),
        I64Store16 => Some(Store16),
        I64Store32 => Some(Store32),
        _ => None,
    };
    if wide.is_some() || arch != Arch::Arch64 {
        return wide;
    }
    match opcode {
        I64Load8S => Some(Load8S),
        I64Load16S => Some(Load16S),
        I64Load32S => Some(Load32S),
        _ => None,
    }
}

/// The generic equivalent of a typed opcode on `arch`, if there is one.
fn generic_for(opcode: Opcode, arch: Arch) -> Option<Opcode> {
    use Opcode::*;
    if let Some((comparison, compared)) = Comparison::of(opcode) {
        // Unsigned comparisons read the same bits at any word size; signed ones only where
        // the word is exactly the type. An i64 is two slots on Arch32.
        let exact = matches!(
            (compared, arch),
            (Compared::I32, Arch::Arch32) | (Compared::I64, Arch::Arch64)
        );
        let one_slot = !(compared == Compared::I64 && arch == Arch::Arch32);
        return (compared != Compared::Word && one_slot && (exact || !comparison.is_signed()))
            .then(|| comparison.opcode(Compared::Word));
    }
    // On zero-extended values these read and write the same bits at any word size.
    let unsigned = |op: Opcode| match op {
        I32Eqz | I64Eqz => Some(Eqz),
        I32And | I64And => Some(And),
        I32Or | I64Or => Some(Or),
        I32Xor | I64Xor => Some(Xor),
        I32DivU | I64DivU => Some(DivU),
        I32RemU | I64RemU => Some(ModU),
        I32Popcnt | I64Popcnt => Some(Popcnt),
        _ => None,
    };
    let is_i64 = opcode.mnemonic().starts_with("I64_");
    if !is_i64 {
        if arch != Arch::Arch32 {
            return unsigned(opcode);
        }
        // On Arch32 the word is exactly an i32.
        return unsigned(opcode).or(match opcode {
            I32Add => Some(Add),
            I32Sub => Some(Sub),
            I32Mul => Some(Mul),
            I32DivS => Some(DivS),
            I32RemS => Some(ModS),
            I32Shl => Some(Shl),
            I32ShrS => Some(Sar),
            I32ShrU => Some(Shr),
            I32Rotl => Some(Rotl),
            I32Rotr => Some(Rotr),
            I32Clz => Some(Clz),
            I32Ctz => Some(Ctz),
            _ => None,
        });
    }
    match arch {
        // An i64 is two slots on Arch32.
        Arch::Arch32 => None,
        // The word is exactly an i64: every wrapping and signed operation matches too.
        Arch::Arch64 => unsigned(opcode).or(match opcode {
            I64Add => Some(Add),
            I64Sub => Some(Sub),
            I64Mul => Some(Mul),
            I64DivS => Some(DivS),
            I64RemS => Some(ModS),
            I64Shl => Some(Shl),
            I64ShrS => Some(Sar),
            I64ShrU => Some(Shr),
            I64Rotl => Some(Rotl),
            I64Rotr => Some(Rotr),
            I64Clz => Some(Clz),
            I64Ctz => Some(Ctz),
            _ => None,
        }),
        _ => unsigned(opcode),
    }
}

/// Removes `I64_EXTEND_I32_U` where an i64 is one slot: the i32 is already zero-extended.
fn drop_zero_extensions(code: &mut Code, arch: Arch) {
    if arch == Arch::Arch32 {
        return;
    }
    code.items
        .retain(|item| !matches!(item, Item::Inst(inst) if inst.opcode == Opcode::I64ExtendI32U));
}

/// A logical right shift by a constant below the value's width gives the same bits as the
/// generic `SHR` (whose count is taken modulo the word instead): `PUSH k; I32_SHR_U` with
/// `k < 32` (and `I64_SHR_U` with `k < 64` where an i64 is one slot).
fn constant_shifts(code: &mut Code, arch: Arch) {
    for i in 1..code.items.len() {
        let count = match &code.items[i - 1] {
            Item::Inst(Instruction {
                opcode: Opcode::Push,
                operand: Operand::Imm(k),
            }) if k.bit_len() <= 8 => k.as_limbs()[0],
            _ => continue,
        };
        if let Item::Inst(inst) = &mut code.items[i] {
            let exact = match inst.opcode {
                Opcode::I32ShrU => count < 32,
                Opcode::I64ShrU => count < 64 && arch != Arch::Arch32,
                _ => false,
            };
            if exact {
                inst.opcode = Opcode::Shr;
            }
        }
    }
}

/// Local rewrites on the tail of the code as it is rebuilt, so that results of one rewrite
/// feed the next (`PUSH 1; PUSH 2; I32_ADD; PUSH 3; I32_MUL` folds to one `PUSH`).
fn peephole(code: &mut Code, arch: Arch) {
    let items = std::mem::take(&mut code.items);
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    for item in items {
        out.push(item);
        while rewrite(&mut out, arch) {}
    }
    code.items = out;
}

/// The instruction at `back` items from the end (0 = last), if it is a plain instruction.
fn inst_at(out: &[Item], back: usize) -> Option<&Instruction> {
    match out.len().checked_sub(back + 1).map(|i| &out[i]) {
        Some(Item::Inst(inst)) => Some(inst),
        _ => None,
    }
}

/// The value of a `PUSH` at `back`, if that is what is there.
fn pushed(out: &[Item], back: usize) -> Option<u64> {
    match inst_at(out, back) {
        Some(Instruction {
            opcode: Opcode::Push,
            operand: Operand::Imm(v),
        }) if v.bit_len() <= 64 => Some(v.as_limbs()[0]),
        _ => None,
    }
}

/// `PUSH value`.
fn push_item(value: u64) -> Item {
    Item::Inst(Instruction {
        opcode: Opcode::Push,
        operand: Operand::Imm(dotvm_core::Imm::from(value)),
    })
}

/// Applies one rewrite to the end of `out`; false when none applies.
fn rewrite(out: &mut Vec<Item>, arch: Arch) -> bool {
    let n = out.len();
    // Branch on EQZ: test the value directly.
    if let Some(Item::Jump(op @ (Opcode::Jz | Opcode::Jnz), label)) = out.last()
        && matches!(
            inst_at(out, 1).map(|i| i.opcode),
            Some(Opcode::Eqz | Opcode::I32Eqz)
        )
    {
        let flipped = if *op == Opcode::Jz {
            Opcode::Jnz
        } else {
            Opcode::Jz
        };
        let label = *label;
        out.truncate(n - 2);
        out.push(Item::Jump(flipped, label));
        return true;
    }
    let Some(last) = inst_at(out, 0) else {
        return false;
    };
    match (last.opcode, &last.operand) {
        // A value pushed and dropped at once.
        (Opcode::Pop, _) => {
            if let Some(prev) = inst_at(out, 1)
                && matches!(
                    prev.opcode,
                    Opcode::Push | Opcode::LocalGet | Opcode::GlobalGet | Opcode::Dup
                )
            {
                out.truncate(n - 2);
                return true;
            }
            false
        }
        // `LOCAL_SET x; LOCAL_GET x` is `LOCAL_TEE x`.
        (Opcode::LocalGet, Operand::Index(x)) => {
            let x = *x;
            if let Some(Instruction {
                opcode: Opcode::LocalSet,
                operand: Operand::Index(y),
            }) = inst_at(out, 1)
                && *y == x
            {
                out.truncate(n - 2);
                out.push(Item::Inst(Instruction {
                    opcode: Opcode::LocalTee,
                    operand: Operand::Index(x),
                }));
                return true;
            }
            false
        }
        (opcode, Operand::None) => {
            if let Some(a) = pushed(out, 1)
                && let Some(value) = dotvm_vm::constant::evaluate(opcode, &[a], arch)
            {
                out.truncate(n - 2);
                out.push(push_item(value));
                return true;
            }
            if let (Some(a), Some(b)) = (pushed(out, 2), pushed(out, 1))
                && let Some(value) = dotvm_vm::constant::evaluate(opcode, &[a, b], arch)
            {
                out.truncate(n - 3);
                out.push(push_item(value));
                return true;
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_core::Imm;

    fn inst(opcode: Opcode, operand: Operand) -> Item {
        Item::Inst(Instruction { opcode, operand })
    }

    fn simple(opcode: Opcode) -> Item {
        inst(opcode, Operand::None)
    }

    fn push(value: u64) -> Item {
        inst(Opcode::Push, Operand::Imm(Imm::from(value)))
    }

    fn optimized(items: Vec<Item>, level: u8, arch: Arch) -> Vec<Item> {
        let mut code = Code::default();
        for _ in 0..8 {
            code.label();
        }
        code.items = items;
        optimize(&mut code, level, arch);
        code.items
    }

    #[test]
    fn dead_code_goes_and_jumps_thread_to_their_final_target() {
        let items = vec![
            Item::Jump(Opcode::Jz, 0),
            Item::Jump(Opcode::Jmp, 1),
            push(1),
            simple(Opcode::Pop),
            Item::Label(0),
            Item::Jump(Opcode::Jmp, 2),
            Item::Label(1),
            simple(Opcode::Ret),
            Item::Label(2),
            simple(Opcode::Halt),
        ];
        assert_eq!(
            optimized(items, 1, Arch::Arch64),
            [
                Item::Jump(Opcode::Jz, 2),
                Item::Jump(Opcode::Jmp, 1),
                Item::Label(0),
                Item::Jump(Opcode::Jmp, 2),
                Item::Label(1),
                simple(Opcode::Ret),
                Item::Label(2),
                simple(Opcode::Halt),
            ]
        );
    }

    #[test]
    fn peephole_fuses_tee_drops_pushes_and_flips_branches_on_eqz() {
        let items = vec![
            inst(Opcode::LocalSet, Operand::Index(3)),
            inst(Opcode::LocalGet, Operand::Index(3)),
            inst(Opcode::LocalGet, Operand::Index(1)),
            simple(Opcode::Pop),
            simple(Opcode::I32Eqz),
            Item::Jump(Opcode::Jz, 0),
            Item::Label(0),
            simple(Opcode::Ret),
        ];
        assert_eq!(
            optimized(items, 1, Arch::Arch64),
            [
                inst(Opcode::LocalTee, Operand::Index(3)),
                Item::Jump(Opcode::Jnz, 0),
                Item::Label(0),
                simple(Opcode::Ret),
            ]
        );
    }

    #[test]
    fn level_two_uses_exact_generic_operations_only() {
        let items = vec![
            simple(Opcode::I32LtU),
            simple(Opcode::I32LtS),
            simple(Opcode::I32Add),
            simple(Opcode::I64Add),
            simple(Opcode::I64ExtendI32U),
            push(3),
            simple(Opcode::I32ShrU),
            push(40),
            simple(Opcode::I32ShrU),
            simple(Opcode::Ret),
        ];
        let at = |arch| {
            optimized(items.clone(), 2, arch)
                .iter()
                .filter_map(|i| match i {
                    Item::Inst(inst) if inst.opcode != Opcode::Push => Some(inst.opcode),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        use Opcode::*;
        assert_eq!(
            at(Arch::Arch64),
            [LtU, I32LtS, I32Add, Add, Shr, I32ShrU, Ret]
        );
        assert_eq!(
            at(Arch::Arch32),
            [LtU, LtS, Add, I64Add, I64ExtendI32U, Shr, Shr, Ret]
        );
        assert_eq!(
            at(Arch::Arch128),
            [LtU, I32LtS, I32Add, I64Add, Shr, I32ShrU, Ret]
        );
        // Level 1 keeps every typed operation.
        assert!(optimized(items, 1, Arch::Arch64).contains(&simple(I32LtU)));
    }
}
