//! The verifier's rules for jump tables, indirect calls, tables, segments and host imports.

use dotvm_core::instruction::{Imm, Instruction, Operand};
use dotvm_core::module::{
    ElemSegment, FuncType, Function, Import, Module, RefKind, SigType, Table,
};
use dotvm_core::verify::{required_max_stack, verify};
use dotvm_core::{Arch, Opcode};

fn op(opcode: Opcode) -> Instruction {
    Instruction::simple(opcode)
}

fn with(opcode: Opcode, operand: Operand) -> Instruction {
    Instruction { opcode, operand }
}

fn push(value: u64) -> Instruction {
    with(Opcode::Push, Operand::Imm(Imm::from(value)))
}

/// A module with one function table and one `i32 -> i32` type whose entry runs `code`.
fn module(code: &[Instruction]) -> Module {
    Module {
        functions: vec![
            Function {
                max_stack: 8,
                code: Instruction::encode_all(code),
                ..Function::default()
            },
            Function {
                params: 1,
                results: 1,
                max_stack: 1,
                code: Instruction::encode_all(&[
                    with(Opcode::LocalGet, Operand::Index(0)),
                    op(Opcode::Ret),
                ]),
                ty: Some(0),
                ..Function::default()
            },
        ],
        types: vec![FuncType {
            params: vec![SigType::I32],
            results: vec![SigType::I32],
        }],
        tables: vec![Table {
            kind: RefKind::Func,
            initial: 2,
            max: None,
        }],
        elements: vec![ElemSegment {
            kind: RefKind::Func,
            items: vec![2, 0],
        }],
        ..Module::default()
    }
}

fn error(m: &Module) -> String {
    verify(m).expect_err("module must be rejected").to_string()
}

#[test]
fn indirect_calls_take_the_type_parameters_and_the_index() {
    let code = [
        push(5),
        push(0),
        with(Opcode::CallIndirect, Operand::Pair(0, 0)),
        op(Opcode::Pop),
        op(Opcode::Halt),
    ];
    let m = module(&code);
    verify(&m).expect("valid");
    assert_eq!(required_max_stack(&m, 0), Ok(2));
    let mut bad = module(&code);
    bad.functions[0].code =
        Instruction::encode_all(&[push(0), with(Opcode::CallIndirect, Operand::Pair(0, 0))]);
    assert!(error(&bad).contains("stack underflow"), "{}", error(&bad));
    let missing_type = module(&[
        with(Opcode::CallIndirect, Operand::Pair(3, 0)),
        op(Opcode::Halt),
    ]);
    assert!(error(&missing_type).contains("type 3 does not exist (1 type)"));
    let missing_table = module(&[
        with(Opcode::CallIndirect, Operand::Pair(0, 1)),
        op(Opcode::Halt),
    ]);
    assert!(error(&missing_table).contains("table 1 does not exist (1 table)"));
}

#[test]
fn jump_tables_flow_to_every_target_with_one_height() {
    // 0: PUSH 0 (2 bytes) · 2: JMP_TABLE with two targets (13 bytes) · 15: HALT · 16: HALT
    let table = |targets: Vec<u32>| with(Opcode::JmpTable, Operand::Targets(targets));
    let good = module(&[
        push(0),
        table(vec![15, 16]),
        op(Opcode::Halt),
        op(Opcode::Halt),
    ]);
    verify(&good).expect("valid");
    let inside = module(&[
        push(0),
        table(vec![15, 3]),
        op(Opcode::Halt),
        op(Opcode::Halt),
    ]);
    assert!(
        error(&inside).contains("JMP_TABLE target 3 is inside the JMP_TABLE instruction at pc 2"),
        "{}",
        error(&inside)
    );
    // 0: PUSH 0 · 2: JMP_TABLE (13 bytes) · 15: PUSH 1 (3 bytes) · 18: HALT. The table reaches pc 18
    // at height 0, the PUSH before it at height 1.
    let mismatch = module(&[push(0), table(vec![15, 18]), push(1), op(Opcode::Halt)]);
    assert!(
        error(&mismatch).contains("at pc 18: stack height mismatch"),
        "{}",
        error(&mismatch)
    );
}

#[test]
fn drop_keep_moves_the_kept_slots_down() {
    let m = module(&[
        push(1),
        push(2),
        push(3),
        with(Opcode::DropKeep, Operand::Pair(2, 1)),
        op(Opcode::Pop),
        op(Opcode::Halt),
    ]);
    verify(&m).expect("valid");
    let under = module(&[
        push(1),
        with(Opcode::DropKeep, Operand::Pair(1, 1)),
        op(Opcode::Halt),
    ]);
    assert!(error(&under).contains("DROP_KEEP needs 2 slots, 1 available"));
}

#[test]
fn references_and_types_must_exist_and_match() {
    let mut m = module(&[op(Opcode::Halt)]);
    m.elements[0].items.push(9);
    assert!(error(&m).contains("element segment 0 item 2: reference 9 names no function"));
    let mut m = module(&[op(Opcode::Halt)]);
    m.functions[1].params = 2;
    assert!(error(&m).contains("type 0 takes 1 and returns 1 slots"));
    let mut m = module(&[op(Opcode::Halt)]);
    m.tables[0].max = Some(1);
    assert!(error(&m).contains("table 0: max 1 is below initial 2"));
    let m = module(&[
        with(Opcode::TableInit, Operand::Pair(0, 4)),
        op(Opcode::Halt),
    ]);
    assert!(error(&m).contains("element segment 4 does not exist"));
    let m = module(&[
        with(Opcode::MemoryInit, Operand::Index(0)),
        op(Opcode::Halt),
    ]);
    assert!(error(&m).contains("data segment 0 does not exist"));
}

#[test]
fn host_imports_use_their_type_and_i64_takes_two_slots_on_arch32() {
    let code = [
        with(Opcode::CallHost, Operand::Index(0)),
        op(Opcode::Pop),
        op(Opcode::Pop),
        op(Opcode::Halt),
    ];
    let mut m = module(&code);
    m.types.push(FuncType {
        params: Vec::new(),
        results: vec![SigType::I64],
    });
    m.imports.push(Import {
        module: "env".into(),
        name: "f".into(),
        ty: 1,
    });
    m.arch = Arch::Arch32;
    verify(&m).expect("an i64 result is two slots on arch32");
    m.arch = Arch::Arch64;
    assert!(
        error(&m).contains("at pc 6: stack underflow: POP needs 1 slot, 0 available"),
        "{}",
        error(&m)
    );
    let missing = module(&[with(Opcode::CallHost, Operand::Index(0)), op(Opcode::Halt)]);
    assert!(error(&missing).contains("import 0 does not exist (0 imports)"));
}
