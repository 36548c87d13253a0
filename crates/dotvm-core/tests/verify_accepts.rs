//! Well-formed modules pass verification and `required_max_stack` measures their code.

use dotvm_core::instruction::{Imm, Instruction, Operand};
use dotvm_core::module::{Constant, Function, Global, Module};
use dotvm_core::syscall::Syscall;
use dotvm_core::verify::{Verified, required_max_stack, verify};
use dotvm_core::{Arch, Opcode};
use proptest::prelude::*;

/// Byte offset of instruction `index` in `instructions`.
fn pc_of(instructions: &[Instruction], index: usize) -> u32 {
    instructions[..index]
        .iter()
        .map(Instruction::encoded_len)
        .sum::<usize>() as u32
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

/// A function whose declared `max_stack` is what the code needs.
fn function(params: u16, results: u16, locals: u16, code: &[Instruction]) -> Function {
    Function {
        params,
        results,
        locals,
        max_stack: 0,
        code: Instruction::encode_all(code),
        ..Default::default()
    }
}

/// A module of `functions` with `max_stack` filled in by `required_max_stack`.
fn module_of(functions: Vec<Function>) -> Module {
    let mut module = Module {
        functions,
        ..Module::default()
    };
    fill_max_stack(&mut module);
    module
}

fn fill_max_stack(module: &mut Module) {
    for f in 0..module.functions.len() {
        module.functions[f].max_stack = required_max_stack(module, f as u32).unwrap();
    }
}

#[test]
fn straight_line_code_reaches_its_peak() {
    let code = [
        push(1),
        push(2),
        push(3),
        op(Opcode::Add),
        op(Opcode::Add),
        op(Opcode::Dup),
        op(Opcode::Dup),
        op(Opcode::Pop),
        op(Opcode::Pop),
        op(Opcode::Ret),
    ];
    let module = module_of(vec![function(0, 1, 0, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(3));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn halt_alone_needs_no_stack() {
    let module = module_of(vec![function(0, 0, 0, &[op(Opcode::Halt)])]);
    assert_eq!(module.functions[0].max_stack, 0);
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn counting_loop_is_accepted() {
    // local0 = 10; loop: local0 -= 1; if local0 != 0 goto loop; return local0
    let mut code = vec![
        push(10),
        with(Opcode::LocalSet, Operand::Index(0)),
        // loop (index 2):
        with(Opcode::LocalGet, Operand::Index(0)),
        push(1),
        op(Opcode::Sub),
        with(Opcode::LocalTee, Operand::Index(0)),
        with(Opcode::Jnz, Operand::Target(0)),
        with(Opcode::LocalGet, Operand::Index(0)),
        op(Opcode::Ret),
    ];
    code[6] = with(Opcode::Jnz, Operand::Target(pc_of(&code, 2)));
    let module = module_of(vec![function(0, 1, 1, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(2));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn loop_carrying_a_value_on_the_stack_is_accepted() {
    // The counter lives on the stack across the back edge: height 1 at the loop head.
    let mut code = vec![
        push(5),
        // head (index 1): n
        op(Opcode::Dup),
        with(
            Opcode::Syscall,
            Operand::Syscall(Syscall::PrintInt.number()),
        ),
        push(1),
        op(Opcode::Sub),
        op(Opcode::Dup),
        with(Opcode::Jnz, Operand::Target(0)),
        op(Opcode::Ret),
    ];
    code[6] = with(Opcode::Jnz, Operand::Target(pc_of(&code, 1)));
    let module = module_of(vec![function(0, 1, 0, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(2));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn if_else_join_with_equal_heights_is_accepted() {
    // c ? 7 : 8, both arms leave one value at the join.
    let mut code = vec![
        push(1),
        with(Opcode::Jz, Operand::Target(0)),
        push(7),
        with(Opcode::Jmp, Operand::Target(0)),
        // else (index 4):
        push(8),
        // join (index 5):
        op(Opcode::Ret),
    ];
    code[1] = with(Opcode::Jz, Operand::Target(pc_of(&code, 4)));
    code[3] = with(Opcode::Jmp, Operand::Target(pc_of(&code, 5)));
    let module = module_of(vec![function(0, 1, 0, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(1));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn calls_use_the_callee_signature() {
    // main: push 3 values, call add3 (3 params, 1 result), then call pair (0 params, 2 results).
    let main = [
        push(1),
        push(2),
        push(3),
        with(Opcode::Call, Operand::Index(1)),
        with(Opcode::Call, Operand::Index(2)),
        op(Opcode::Add),
        op(Opcode::Add),
        op(Opcode::Ret),
    ];
    let add3 = [
        with(Opcode::LocalGet, Operand::Index(0)),
        with(Opcode::LocalGet, Operand::Index(1)),
        with(Opcode::LocalGet, Operand::Index(2)),
        op(Opcode::Add),
        op(Opcode::Add),
        op(Opcode::Ret),
    ];
    let pair = [push(4), push(5), op(Opcode::Ret)];
    let module = module_of(vec![
        function(0, 1, 0, &main),
        function(3, 1, 0, &add3),
        function(0, 2, 0, &pair),
    ]);
    assert_eq!(required_max_stack(&module, 0), Ok(3));
    assert_eq!(required_max_stack(&module, 1), Ok(3));
    assert_eq!(required_max_stack(&module, 2), Ok(2));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn recursive_function_is_accepted() {
    // fib(n) = n < 2 ? n : fib(n-1) + fib(n-2)
    let mut code = vec![
        with(Opcode::LocalGet, Operand::Index(0)),
        push(2),
        op(Opcode::LtU),
        with(Opcode::Jz, Operand::Target(0)),
        with(Opcode::LocalGet, Operand::Index(0)),
        op(Opcode::Ret),
        // recurse (index 6):
        with(Opcode::LocalGet, Operand::Index(0)),
        push(1),
        op(Opcode::Sub),
        with(Opcode::Call, Operand::Index(1)),
        with(Opcode::LocalGet, Operand::Index(0)),
        push(2),
        op(Opcode::Sub),
        with(Opcode::Call, Operand::Index(1)),
        op(Opcode::Add),
        op(Opcode::Ret),
    ];
    code[3] = with(Opcode::Jz, Operand::Target(pc_of(&code, 6)));
    let main = [
        push(20),
        with(Opcode::Call, Operand::Index(1)),
        op(Opcode::Ret),
    ];
    let module = module_of(vec![function(0, 1, 0, &main), function(1, 1, 0, &code)]);
    assert_eq!(required_max_stack(&module, 1), Ok(3));
    assert!(Verified::new(module).is_ok());
}

#[test]
fn ret_may_leave_extra_slots_below_the_results() {
    let code = [push(1), push(2), push(3), op(Opcode::Ret)];
    let module = module_of(vec![function(0, 1, 0, &code)]);
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn unreachable_tail_gets_no_heights() {
    // After HALT, a POP on an empty stack and code falling off the end are never executed.
    let code = [op(Opcode::Halt), op(Opcode::Pop), op(Opcode::Pop)];
    let module = module_of(vec![function(0, 0, 0, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(0));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn push_const_pushes_one_or_two_slots() {
    let code = [
        with(Opcode::PushConst, Operand::Index(0)),
        with(Opcode::PushConst, Operand::Index(1)),
        with(Opcode::PushConst, Operand::Index(2)),
        with(
            Opcode::Syscall,
            Operand::Syscall(Syscall::PrintBytes.number()),
        ),
        op(Opcode::Ret),
    ];
    let mut module = Module {
        functions: vec![function(0, 1, 0, &code)],
        constants: vec![
            Constant::Int(Imm::from(7u64)),
            Constant::F64(1.5f64.to_bits()),
            Constant::Str("hi".into()),
        ],
        ..Module::default()
    };
    module.memory.initial_pages = 1;
    fill_max_stack(&mut module);
    assert_eq!(module.functions[0].max_stack, 4);
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn pick_reads_deep_slots_and_syscalls_follow_the_table() {
    let code = [
        push(1),
        push(2),
        push(3),
        with(Opcode::Pick, Operand::Depth(2)),
        with(
            Opcode::Syscall,
            Operand::Syscall(Syscall::ReadStdin.number()),
        ),
        op(Opcode::Pop),
        op(Opcode::Ret),
    ];
    let module = module_of(vec![function(0, 1, 0, &code)]);
    assert_eq!(required_max_stack(&module, 0), Ok(4));
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn wasi_syscalls_pop_two_slots_per_i64_on_arch32() {
    // clock_time_get(id: i32, precision: i64, time_ptr: i32) -> errno: i32.
    let code = [
        push(0),
        push(1),
        push(0),
        push(64),
        with(
            Opcode::Syscall,
            Operand::Syscall(Syscall::ClockTimeGet.number()),
        ),
        op(Opcode::Ret),
    ];
    // Arch32 pops all 4 slots; Arch64 pops 3 and RET leaves the extra one below.
    for arch in [Arch::Arch32, Arch::Arch64] {
        let mut module = Module {
            arch,
            functions: vec![function(0, 1, 0, &code)],
            ..Module::default()
        };
        fill_max_stack(&mut module);
        assert_eq!(verify(&module), Ok(()), "{arch:?}");
        assert_eq!(required_max_stack(&module, 0), Ok(4));
    }
    // With only the Arch64 slot count pushed, Arch32 underflows.
    let short = [
        push(0),
        push(1),
        push(64),
        with(
            Opcode::Syscall,
            Operand::Syscall(Syscall::ClockTimeGet.number()),
        ),
        op(Opcode::Ret),
    ];
    let arch64 = module_of(vec![function(0, 1, 0, &short)]);
    assert_eq!(verify(&arch64), Ok(()));
    let arch32 = Module {
        arch: Arch::Arch32,
        functions: vec![function(0, 1, 0, &short)],
        ..Module::default()
    };
    assert!(required_max_stack(&arch32, 0).is_err());
}

#[test]
fn globals_memory_exports_and_debug_info_are_accepted() {
    let code = [
        with(Opcode::GlobalGet, Operand::Index(0)),
        with(Opcode::GlobalSet, Operand::Index(1)),
        op(Opcode::Halt),
    ];
    let mut module = Module {
        arch: Arch::Arch32,
        functions: vec![function(0, 0, 0, &code)],
        ..Module::default()
    };
    module.globals = vec![
        Global {
            init: Imm::from(u32::MAX),
            mutable: false,
        },
        Global {
            init: Imm::ZERO,
            mutable: true,
        },
    ];
    module.constants = vec![Constant::Bytes(vec![1, 2, 3])];
    module.memory.initial_pages = 1;
    module.memory.max_pages = Some(2);
    module.memory.segments = vec![dotvm_core::module::DataSegment {
        offset: 3,
        bytes: vec![0; 65533],
    }];
    module.exports = vec![dotvm_core::module::Export {
        name: "main".into(),
        func: 0,
    }];
    module.debug = Some(dotvm_core::module::DebugInfo {
        function_names: vec!["main".into()],
        source: None,
        lines: vec![dotvm_core::module::LineEntry {
            func: 0,
            pc: 0,
            line: 1,
        }],
        source_map: Default::default(),
    });
    fill_max_stack(&mut module);
    assert_eq!(verify(&module), Ok(()));
}

#[test]
fn immediates_as_wide_as_the_word_are_accepted_on_every_arch() {
    for arch in Arch::ALL {
        let widest = Imm::MAX >> (512 - arch.word_bits() as usize);
        let code = [
            with(Opcode::Push, Operand::Imm(widest)),
            op(Opcode::Pop),
            op(Opcode::Halt),
        ];
        let mut module = Module {
            arch,
            functions: vec![function(0, 0, 0, &code)],
            ..Module::default()
        };
        fill_max_stack(&mut module);
        assert_eq!(module.functions[0].max_stack, 1);
        assert_eq!(verify(&module), Ok(()), "{arch}");
    }
}

/// One generated instruction; jump targets are instruction indices, resolved later.
#[derive(Debug, Clone)]
enum Gen {
    Plain(Opcode),
    Push(u64),
    Pick(u8),
    Jump(Opcode, usize),
}

fn gen_instruction() -> impl Strategy<Value = Gen> {
    let plain = prop::sample::select(vec![
        Opcode::Nop,
        Opcode::Pop,
        Opcode::Dup,
        Opcode::Swap,
        Opcode::Rot,
        Opcode::Over,
        Opcode::Add,
        Opcode::Neg,
        Opcode::Eqz,
        Opcode::MemorySize,
        Opcode::MemoryCopy,
        Opcode::Ret,
        Opcode::Halt,
    ]);
    prop_oneof![
        4 => plain.prop_map(Gen::Plain),
        3 => any::<u64>().prop_map(Gen::Push),
        1 => (0u8..4).prop_map(Gen::Pick),
        2 => (prop::sample::select(vec![Opcode::Jmp, Opcode::Jz, Opcode::Jnz]), 0usize..64)
            .prop_map(|(op, t)| Gen::Jump(op, t)),
    ]
}

/// Encodes generated instructions, resolving jump targets to real instruction starts.
fn build(generated: &[Gen]) -> Vec<Instruction> {
    let len = generated.len();
    let placeholder: Vec<Instruction> = generated
        .iter()
        .map(|g| match g {
            Gen::Plain(op) => Instruction::simple(*op),
            Gen::Push(v) => push(*v),
            Gen::Pick(d) => with(Opcode::Pick, Operand::Depth(*d)),
            Gen::Jump(op, _) => with(*op, Operand::Target(0)),
        })
        .collect();
    placeholder
        .iter()
        .zip(generated)
        .map(|(inst, g)| match g {
            Gen::Jump(op, t) => with(*op, Operand::Target(pc_of(&placeholder, t % len))),
            _ => inst.clone(),
        })
        .collect()
}

/// A stack-only instruction with the slots it needs and its net effect on the height.
fn stack_op(choice: u8) -> (Instruction, u64, i64) {
    match choice % 12 {
        0 => (op(Opcode::Pop), 1, -1),
        1 => (op(Opcode::Dup), 1, 1),
        2 => (op(Opcode::Swap), 2, 0),
        3 => (op(Opcode::Rot), 3, 0),
        4 => (op(Opcode::Over), 2, 1),
        5 => (op(Opcode::Add), 2, -1),
        6 => (op(Opcode::Neg), 1, 0),
        7 => (op(Opcode::MemorySize), 0, 1),
        8 => (op(Opcode::MemoryCopy), 3, -3),
        9 => (
            with(Opcode::Pick, Operand::Depth(choice / 12 % 4)),
            u64::from(choice / 12 % 4) + 1,
            1,
        ),
        _ => (push(u64::from(choice)), 0, 1),
    }
}

/// Appends stack ops chosen by `choices` to `code`, replacing any that would underflow by a
/// PUSH; returns the final height and the highest height reached.
fn straight_line(code: &mut Vec<Instruction>, choices: &[u8], start: u64) -> (u64, u64) {
    let (mut height, mut highest) = (start, start);
    for &choice in choices {
        let (instruction, needs, delta) = stack_op(choice);
        let (instruction, delta) = if needs <= height {
            (instruction, delta)
        } else {
            (push(7), 1)
        };
        code.push(instruction);
        height = height.checked_add_signed(delta).unwrap();
        highest = highest.max(height);
    }
    (height, highest)
}

proptest! {
    #[test]
    fn valid_straight_line_programs_are_measured_exactly(
        choices in prop::collection::vec(any::<u8>(), 0..60),
    ) {
        let mut code = Vec::new();
        let (_, highest) = straight_line(&mut code, &choices, 0);
        code.push(op(Opcode::Halt));
        let mut module = Module {
            functions: vec![function(0, 0, 0, &code)],
            ..Module::default()
        };
        prop_assert_eq!(required_max_stack(&module, 0), Ok(highest as u32));
        module.functions[0].max_stack = highest as u32;
        prop_assert_eq!(verify(&module), Ok(()));
        if highest > 0 {
            module.functions[0].max_stack = highest as u32 - 1;
            prop_assert!(verify(&module).is_err());
        }
    }

    #[test]
    fn valid_loops_are_measured_exactly(
        choices in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        // counter; head: body (back to height 1); push 1; sub; dup; jnz head; halt
        let mut code = vec![push(3)];
        let head = pc_of(&code, 1);
        let (end, mut highest) = straight_line(&mut code, &choices, 1);
        for _ in 1..end {
            code.push(op(Opcode::Pop));
        }
        if end == 0 {
            code.push(push(1));
        }
        highest = highest.max(2);
        code.extend([
            push(1),
            op(Opcode::Sub),
            op(Opcode::Dup),
            with(Opcode::Jnz, Operand::Target(head)),
            op(Opcode::Halt),
        ]);
        let module = module_of(vec![function(0, 0, 0, &code)]);
        prop_assert_eq!(module.functions[0].max_stack, highest as u32);
        prop_assert_eq!(verify(&module), Ok(()));
    }

    #[test]
    fn generated_programs_never_panic(
        generated in prop::collection::vec(gen_instruction(), 1..40),
        results in 0u16..2,
        declared in 0u32..8,
    ) {
        let code = build(&generated);
        let mut module = Module {
            functions: vec![Function {
                params: 0,
                results,
                locals: 0,
                max_stack: declared,
                code: Instruction::encode_all(&code), ..Default::default() }],
            ..Module::default()
        };
        let required = required_max_stack(&module, 0);
        let verified = verify(&module);
        if verified.is_ok() {
            let needed = required.clone().expect("verify accepted what the stack analysis rejected");
            prop_assert!(needed <= declared);
        }
        if let Ok(required) = required {
            module.functions[0].max_stack = required;
            prop_assert_eq!(verify(&module), Ok(()));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        code in prop::collection::vec(any::<u8>(), 0..64),
        max_stack in any::<u32>(),
        params in any::<u16>(),
        locals in any::<u16>(),
    ) {
        let module = Module {
            functions: vec![Function { params, results: 1, locals, max_stack, code, ..Default::default() }],
            constants: vec![Constant::Str("x".into()), Constant::Int(Imm::MAX)],
            ..Module::default()
        };
        let _ = required_max_stack(&module, 0);
        let _ = verify(&module);
    }
}

#[test]
fn typed_values_take_two_slots_on_arch32_and_one_elsewhere() {
    // Two i64 operands, I64_ADD, then I64_EQZ leaves one i32; the i64 pushes are two words
    // each on Arch32 (low, then high) and one word elsewhere.
    for arch in Arch::ALL {
        let slots = if arch == Arch::Arch32 { 2 } else { 1 };
        let mut code = Vec::new();
        for _ in 0..2 * slots {
            code.push(push(1));
        }
        code.extend([op(Opcode::I64Add), op(Opcode::I64Eqz), op(Opcode::Ret)]);
        let mut module = Module {
            arch,
            functions: vec![function(0, 1, 0, &code)],
            ..Module::default()
        };
        fill_max_stack(&mut module);
        assert_eq!(module.functions[0].max_stack, 2 * slots, "{arch}");
        assert_eq!(verify(&module), Ok(()), "{arch}");
        // One slot too few for the second operand is an underflow on every architecture.
        let short = [&code[..2 * slots as usize - 1], &code[2 * slots as usize..]].concat();
        let mut module = Module {
            arch,
            functions: vec![function(0, 1, 0, &short)],
            ..Module::default()
        };
        module.functions[0].max_stack = 4;
        let err = verify(&module).unwrap_err();
        assert!(
            err.to_string().contains("stack underflow: I64_ADD"),
            "{arch}: {err}"
        );
    }
}

#[test]
fn select64_and_typed_stores_follow_the_slot_widths() {
    for arch in Arch::ALL {
        let slots = if arch == Arch::Arch32 { 2 } else { 1 };
        let mut code = vec![push(16)];
        // Two i64/f64 values and an i32 condition, then store the selected one.
        for _ in 0..2 * slots + 1 {
            code.push(push(0));
        }
        code.extend([
            op(Opcode::Select64),
            with(Opcode::F64Store, Operand::Offset(0)),
            op(Opcode::Halt),
        ]);
        let mut module = Module {
            arch,
            functions: vec![function(0, 0, 0, &code)],
            ..Module::default()
        };
        module.memory.initial_pages = 1;
        fill_max_stack(&mut module);
        assert_eq!(module.functions[0].max_stack, 2 * slots + 2, "{arch}");
        assert_eq!(verify(&module), Ok(()), "{arch}");
    }
}
