//! Malformed modules are rejected with errors that say what is wrong and where.

use dotvm_core::instruction::{Imm, Instruction, Operand};
use dotvm_core::module::{
    Constant, DataSegment, DebugInfo, Export, Function, Global, LineEntry, Module,
};
use dotvm_core::verify::{VerifyError, required_max_stack, verify};
use dotvm_core::{Arch, Opcode};

/// Byte offset of instruction `index` in `instructions`.
fn pc_of(instructions: &[Instruction], index: usize) -> u32 {
    Instruction::encode_all(&instructions[..index]).len() as u32
}

fn op(opcode: Opcode) -> Instruction {
    Instruction::simple(opcode)
}

fn push(value: u64) -> Instruction {
    Instruction {
        opcode: Opcode::Push,
        operand: Operand::Imm(Imm::from(value)),
    }
}

fn with(opcode: Opcode, operand: Operand) -> Instruction {
    Instruction { opcode, operand }
}

fn function(params: u16, results: u16, max_stack: u32, code: &[Instruction]) -> Function {
    Function {
        params,
        results,
        locals: 0,
        max_stack,
        code: Instruction::encode_all(code),
        ..Default::default()
    }
}

/// A module whose entry function 0 is `main` (no params, no results, max_stack 8).
fn main_only(code: &[Instruction]) -> Module {
    Module {
        functions: vec![function(0, 0, 8, code)],
        ..Module::default()
    }
}

/// A module that passes verification, for the module-level cases to break.
fn valid() -> Module {
    main_only(&[op(Opcode::Halt)])
}

/// Asserts that verification fails at `func`/`pc` with a message containing `phrase`, and
/// returns the error.
#[track_caller]
fn rejects(module: &Module, func: Option<u32>, pc: Option<u32>, phrase: &str) -> VerifyError {
    let err = verify(module).expect_err("module should be rejected");
    assert_eq!((err.func, err.pc), (func, pc), "wrong location: {err}");
    assert!(
        err.message.contains(phrase),
        "message `{}` lacks `{phrase}`",
        err.message
    );
    err
}

// ---- control flow ----

#[test]
fn jump_into_the_middle_of_an_instruction() {
    let code = [
        with(Opcode::Jmp, Operand::Target(6)),
        push(0x1234),
        op(Opcode::Halt),
    ];
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "JMP target 6 is inside the PUSH instruction at pc 5",
    );
}

#[test]
fn jump_outside_the_function() {
    let code = [
        push(1),
        with(Opcode::Jnz, Operand::Target(100)),
        op(Opcode::Halt),
    ];
    let module = main_only(&code);
    let err = rejects(
        &module,
        Some(0),
        Some(pc_of(&code, 1)),
        "JNZ target 100 is outside the function",
    );
    let len = module.functions[0].code.len();
    assert!(err.message.contains(&format!("code is {len} bytes")));
}

#[test]
fn jump_target_near_u32_max_does_not_overflow() {
    let code = [with(Opcode::Jmp, Operand::Target(u32::MAX))];
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "is outside the function",
    );
}

#[test]
fn stack_underflow_on_one_path_only() {
    // push 5; if c { push 9; add } else { add } -- only the else path lacks a slot.
    let mut code = vec![
        push(5),
        push(0),
        with(Opcode::Jz, Operand::Target(0)),
        push(9),
        op(Opcode::Add),
        op(Opcode::Halt),
        // else (index 6)
        op(Opcode::Add),
        op(Opcode::Halt),
    ];
    code[2] = with(Opcode::Jz, Operand::Target(pc_of(&code, 6)));
    let else_pc = pc_of(&code, 6);
    let err = rejects(
        &main_only(&code),
        Some(0),
        Some(else_pc),
        "stack underflow: ADD needs 2 slots, 1 available",
    );
    assert_eq!(
        err.to_string(),
        format!("function 0 at pc {else_pc}: stack underflow: ADD needs 2 slots, 1 available")
    );
}

#[test]
fn height_mismatch_at_a_join() {
    // c ? (push 7; push 8) : (push 7) -- the arms meet with 2 and 1 slots.
    let mut code = vec![
        push(1),
        with(Opcode::Jz, Operand::Target(0)),
        push(7),
        push(8),
        with(Opcode::Jmp, Operand::Target(0)),
        // else (index 5)
        push(7),
        // join (index 6)
        op(Opcode::Halt),
    ];
    code[1] = with(Opcode::Jz, Operand::Target(pc_of(&code, 5)));
    code[4] = with(Opcode::Jmp, Operand::Target(pc_of(&code, 6)));
    let err = rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 6)),
        "stack height mismatch",
    );
    assert!(err.message.contains("1 slot") && err.message.contains("2 slots"));
}

#[test]
fn loop_that_grows_the_stack_mismatches_at_its_head() {
    let mut code = vec![push(1), with(Opcode::Jmp, Operand::Target(0))];
    code[1] = with(Opcode::Jmp, Operand::Target(pc_of(&code, 0)));
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "stack height mismatch: 1 slot when reached from pc 3, 0 slots on another path",
    );
}

#[test]
fn exceeding_max_stack() {
    let code = [push(1), push(2), push(3), op(Opcode::Halt)];
    let mut module = main_only(&code);
    module.functions[0].max_stack = 2;
    rejects(
        &module,
        Some(0),
        Some(pc_of(&code, 2)),
        "stack overflow: PUSH raises the height to 3, above max_stack 2",
    );
    assert_eq!(required_max_stack(&module, 0), Ok(3));
}

#[test]
fn string_constant_pushes_two_slots_against_max_stack() {
    let code = [with(Opcode::PushConst, Operand::Index(0)), op(Opcode::Halt)];
    let mut module = main_only(&code);
    module.functions[0].max_stack = 1;
    module.constants = vec![Constant::Str("hello".into())];
    module.memory.initial_pages = 1;
    rejects(&module, Some(0), Some(0), "raises the height to 2");
}

#[test]
fn falling_off_the_end() {
    let code = [push(1), op(Opcode::Pop)];
    rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 1)),
        "falls off the end of the code after POP",
    );
}

#[test]
fn conditional_branch_as_last_instruction_falls_off_the_end() {
    let code = [push(1), with(Opcode::Jz, Operand::Target(0))];
    rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 1)),
        "falls off the end",
    );
}

#[test]
fn syscall_exit_does_not_end_the_code() {
    let code = [push(0), with(Opcode::Syscall, Operand::Syscall(0))];
    rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 1)),
        "falls off the end of the code after SYSCALL",
    );
}

// ---- calls and returns ----

#[test]
fn call_to_a_missing_function() {
    let code = [with(Opcode::Call, Operand::Index(5)), op(Opcode::Halt)];
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "CALL of function 5, which does not exist (1 function)",
    );
}

#[test]
fn call_with_too_few_arguments_underflows() {
    let main = [
        push(1),
        with(Opcode::Call, Operand::Index(1)),
        op(Opcode::Halt),
    ];
    let callee = [op(Opcode::Ret)];
    let module = Module {
        functions: vec![function(0, 0, 8, &main), function(3, 0, 0, &callee)],
        ..Module::default()
    };
    rejects(
        &module,
        Some(0),
        Some(pc_of(&main, 1)),
        "stack underflow: CALL needs 3 slots, 1 available",
    );
}

#[test]
fn ret_with_too_few_results() {
    let main = [with(Opcode::Call, Operand::Index(1)), op(Opcode::Halt)];
    let callee = [push(1), op(Opcode::Ret)];
    let module = Module {
        functions: vec![function(0, 0, 8, &main), function(0, 2, 8, &callee)],
        debug: Some(DebugInfo {
            function_names: vec!["main".into(), "pair".into()],
            ..DebugInfo::default()
        }),
        ..Module::default()
    };
    let err = rejects(
        &module,
        Some(1),
        Some(pc_of(&callee, 1)),
        "stack underflow: RET needs 2 slots, 1 available",
    );
    assert_eq!(err.name.as_deref(), Some("pair"));
    assert_eq!(
        err.to_string(),
        "function 1 (pair) at pc 3: stack underflow: RET needs 2 slots, 1 available"
    );
}

// ---- operands ----

#[test]
fn out_of_range_constant() {
    let code = [with(Opcode::PushConst, Operand::Index(2)), op(Opcode::Halt)];
    let mut module = main_only(&code);
    module.constants = vec![Constant::F32(0), Constant::F64(0)];
    rejects(
        &module,
        Some(0),
        Some(0),
        "constant 2 does not exist (2 constants)",
    );
}

#[test]
fn out_of_range_local() {
    let code = [
        op(Opcode::Nop),
        with(Opcode::LocalGet, Operand::Index(3)),
        op(Opcode::Halt),
    ];
    let mut module = main_only(&code);
    module.functions[0].locals = 3;
    rejects(
        &module,
        Some(0),
        Some(1),
        "local 3 does not exist (the frame has 0 parameters and 3 locals)",
    );
}

#[test]
fn out_of_range_global() {
    let code = [with(Opcode::GlobalGet, Operand::Index(1)), op(Opcode::Halt)];
    let mut module = main_only(&code);
    module.globals = vec![Global::default()];
    rejects(
        &module,
        Some(0),
        Some(0),
        "global 1 does not exist (1 global)",
    );
}

#[test]
fn global_set_on_an_immutable_global() {
    let code = [
        push(1),
        with(Opcode::GlobalSet, Operand::Index(0)),
        op(Opcode::Halt),
    ];
    let mut module = main_only(&code);
    module.globals = vec![Global {
        init: Imm::ZERO,
        mutable: false,
    }];
    rejects(
        &module,
        Some(0),
        Some(pc_of(&code, 1)),
        "GLOBAL_SET on immutable global 0",
    );
}

#[test]
fn unknown_syscall() {
    let code = [
        with(Opcode::Syscall, Operand::Syscall(999)),
        op(Opcode::Halt),
    ];
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "unknown system call 999",
    );
}

#[test]
fn syscall_underflow_follows_the_table() {
    let code = [
        push(1),
        with(Opcode::Syscall, Operand::Syscall(4)),
        op(Opcode::Halt),
    ];
    rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 1)),
        "SYSCALL needs 2 slots, 1 available",
    );
}

#[test]
fn immediate_wider_than_the_word_on_arch64() {
    let code = [
        with(Opcode::Push, Operand::Imm(Imm::from(1u64) << 64)),
        op(Opcode::Halt),
    ];
    rejects(
        &main_only(&code),
        Some(0),
        Some(0),
        "immediate 0x1_0000_0000_0000_0000 does not fit the 64-bit word of arch64",
    );
}

#[test]
fn immediate_wider_than_the_word_on_arch32() {
    let code = [
        op(Opcode::Nop),
        with(Opcode::Push, Operand::Imm(Imm::from(1u64 << 32))),
        op(Opcode::Halt),
    ];
    let mut module = main_only(&code);
    module.arch = Arch::Arch32;
    rejects(
        &module,
        Some(0),
        Some(1),
        "immediate 0x1_0000_0000 does not fit the 32-bit word of arch32",
    );
}

#[test]
fn pick_deeper_than_the_stack() {
    let code = [
        push(1),
        push(2),
        with(Opcode::Pick, Operand::Depth(2)),
        op(Opcode::Halt),
    ];
    rejects(
        &main_only(&code),
        Some(0),
        Some(pc_of(&code, 2)),
        "stack underflow: PICK needs 3 slots, 2 available",
    );
}

#[test]
fn unreachable_code_is_operand_checked_but_not_height_checked() {
    let underflow = [op(Opcode::Halt), op(Opcode::Add)];
    assert_eq!(verify(&main_only(&underflow)), Ok(()));
    let bad_local = [op(Opcode::Halt), with(Opcode::LocalGet, Operand::Index(0))];
    rejects(
        &main_only(&bad_local),
        Some(0),
        Some(1),
        "local 0 does not exist",
    );
}

// ---- decoding ----

#[test]
fn truncated_instruction() {
    let mut module = main_only(&[op(Opcode::Nop), push(0x1234)]);
    module.functions[0].code.pop();
    rejects(&module, Some(0), Some(1), "truncated instruction");
}

#[test]
fn unknown_opcode() {
    let mut module = valid();
    module.functions[0].code = vec![Opcode::Nop as u8, Opcode::Nop as u8, 0xEE];
    rejects(&module, Some(0), Some(2), "unknown opcode 0xEE");
}

#[test]
fn non_minimal_immediate() {
    let mut module = valid();
    module.functions[0].code = vec![Opcode::Push as u8, 2, 7, 0, Opcode::Halt as u8];
    rejects(&module, Some(0), Some(0), "not minimally encoded");
}

#[test]
fn empty_code() {
    let mut module = valid();
    module.functions[0].code.clear();
    rejects(&module, Some(0), None, "function has no code");
}

#[test]
fn frame_larger_than_u32() {
    let mut module = valid();
    module.functions[0].locals = u16::MAX;
    module.functions[0].max_stack = u32::MAX;
    rejects(&module, Some(0), None, "exceeds 4294967295 slots");
}

// ---- module level ----

#[test]
fn entry_out_of_range() {
    let mut module = valid();
    module.functions = vec![valid().functions[0].clone(); 3];
    module.entry = 7;
    let err = rejects(&module, None, None, "entry function 7 does not exist");
    assert_eq!(
        err.to_string(),
        "module: entry function 7 does not exist (3 functions)"
    );
}

#[test]
fn module_without_functions() {
    let module = Module::default();
    rejects(
        &module,
        None,
        None,
        "entry function 0 does not exist (0 functions)",
    );
}

#[test]
fn entry_with_params() {
    let mut module = valid();
    module.functions[0].params = 2;
    rejects(
        &module,
        Some(0),
        None,
        "the entry function takes 2 parameters",
    );
}

#[test]
fn entry_with_two_results() {
    let mut module = valid();
    module.functions[0].results = 2;
    rejects(&module, Some(0), None, "returns 2 results");
}

#[test]
fn export_to_a_missing_function() {
    let mut module = valid();
    module.exports = vec![Export {
        name: "run".into(),
        func: 4,
    }];
    rejects(
        &module,
        None,
        None,
        "export 0 `run` refers to function 4, which does not exist",
    );
}

#[test]
fn duplicate_export() {
    let mut module = valid();
    let export = Export {
        name: "main".into(),
        func: 0,
    };
    module.exports = vec![export.clone(), export];
    rejects(
        &module,
        None,
        None,
        "export 1: duplicate export name `main`",
    );
}

#[test]
fn empty_export_name() {
    let mut module = valid();
    module.exports = vec![Export {
        name: String::new(),
        func: 0,
    }];
    rejects(&module, None, None, "export 0 has an empty name");
}

#[test]
fn integer_constant_wider_than_the_word() {
    let mut module = valid();
    module.arch = Arch::Arch32;
    module.constants = vec![Constant::Int(Imm::from(u64::MAX))];
    rejects(
        &module,
        None,
        None,
        "constant 0: integer 0xffff_ffff_ffff_ffff does not fit the 32-bit word of arch32",
    );
}

#[test]
fn global_init_wider_than_the_word() {
    let mut module = valid();
    module.globals = vec![
        Global::default(),
        Global {
            init: Imm::MAX,
            mutable: true,
        },
    ];
    rejects(&module, None, None, "global 1: initial value 0xffff");
}

#[test]
fn segment_outside_memory() {
    let mut module = valid();
    module.memory.initial_pages = 1;
    module.memory.segments = vec![DataSegment {
        offset: 65530,
        bytes: vec![1; 7],
    }];
    rejects(
        &module,
        None,
        None,
        "data segment 0 (7 bytes at offset 65530) lies outside initial memory of 65536 bytes",
    );
}

#[test]
fn segment_end_overflowing_u64() {
    let mut module = valid();
    module.memory.initial_pages = 1;
    module.memory.segments = vec![DataSegment {
        offset: u64::MAX,
        bytes: vec![1; 2],
    }];
    rejects(&module, None, None, "lies outside initial memory");
}

#[test]
fn segment_over_the_read_only_region() {
    let mut module = valid();
    module.memory.initial_pages = 1;
    module.constants = vec![
        Constant::Str("abc".into()),
        Constant::Int(Imm::ZERO),
        Constant::Bytes(vec![1, 2]),
    ];
    module.memory.segments = vec![
        DataSegment {
            offset: 5,
            bytes: vec![1],
        },
        DataSegment {
            offset: 4,
            bytes: vec![1],
        },
    ];
    rejects(
        &module,
        None,
        None,
        "data segment 1 at offset 4 overlaps the read-only region [0, 5)",
    );
}

#[test]
fn read_only_region_larger_than_memory() {
    let mut module = valid();
    module.constants = vec![Constant::Str("x".into())];
    rejects(
        &module,
        None,
        None,
        "the read-only region of 1 byte (string and bytes constants) does not fit in initial memory of 0 bytes",
    );
}

#[test]
fn max_pages_below_initial() {
    let mut module = valid();
    module.memory.initial_pages = 3;
    module.memory.max_pages = Some(2);
    rejects(&module, None, None, "max_pages 2 is below initial_pages 3");
}

#[test]
fn arch32_memory_beyond_its_address_space() {
    let mut module = valid();
    module.arch = Arch::Arch32;
    module.memory.max_pages = Some(65537);
    rejects(&module, None, None, "does not fit the 32-bit address space");
}

#[test]
fn debug_names_more_functions_than_exist() {
    let mut module = valid();
    module.debug = Some(DebugInfo {
        function_names: vec!["a".into(), "b".into()],
        ..DebugInfo::default()
    });
    rejects(
        &module,
        None,
        None,
        "debug info names 2 functions but the module has 1 function",
    );
}

#[test]
fn debug_line_for_a_missing_function() {
    let mut module = valid();
    module.debug = Some(DebugInfo {
        lines: vec![
            LineEntry {
                func: 0,
                pc: 0,
                line: 1,
            },
            LineEntry {
                func: 9,
                pc: 0,
                line: 2,
            },
        ],
        ..DebugInfo::default()
    });
    rejects(
        &module,
        None,
        None,
        "debug line entry 1 refers to function 9, which does not exist",
    );
}

#[test]
fn required_max_stack_of_a_missing_function() {
    let err = required_max_stack(&valid(), 3).expect_err("no function 3");
    assert_eq!(err.func, None);
    assert!(
        err.message
            .contains("function 3 does not exist (1 function)")
    );
}

#[test]
fn required_max_stack_reports_code_errors() {
    let code = [op(Opcode::Add), op(Opcode::Halt)];
    let err = required_max_stack(&main_only(&code), 0).expect_err("underflow");
    assert_eq!((err.func, err.pc), (Some(0), Some(0)));
    assert!(err.message.contains("ADD needs 2 slots, 0 available"));
}

#[test]
fn selector_outside_the_opcodes_family() {
    // HASH with the AES-256-GCM selector, then HALT.
    let mut module = valid();
    module.functions[0].code = vec![0xF9, 0x00, 0x20, 0x02];
    rejects(
        &module,
        Some(0),
        Some(0),
        "selector 0x20 is not a hash algorithm of HASH",
    );
    module.functions[0].code = vec![0xFA, 0x03, 0x99, 0x02];
    rejects(
        &module,
        Some(0),
        Some(0),
        "is not a byte format of BIGINT_FROM_BYTES",
    );
}
