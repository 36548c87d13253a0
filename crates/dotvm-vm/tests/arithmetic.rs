//! Word arithmetic, comparisons, bitwise ops and stack shuffles, with a proptest against a
//! reference evaluator.

mod common;

use common::*;
use dotvm_core::Opcode::{self, *};
use dotvm_vm::TrapKind;
use proptest::prelude::*;

const MIN: u64 = i64::MIN as u64;
const NEG1: u64 = u64::MAX;

/// `a b OP` must leave `expected`.
fn binary(op: Opcode, a: u64, b: u64, expected: u64) {
    let body = Code::new().push(a).push(b).op(op);
    assert!(
        evaluates_to(body, expected),
        "{a:#x} {b:#x} {} should be {expected:#x}",
        op.mnemonic()
    );
}

/// `a OP` must leave `expected`.
fn unary(op: Opcode, a: u64, expected: u64) {
    let body = Code::new().push(a).op(op);
    assert!(
        evaluates_to(body, expected),
        "{a:#x} {} should be {expected:#x}",
        op.mnemonic()
    );
}

#[test]
fn wrapping_arithmetic() {
    binary(Add, u64::MAX, 2, 1);
    binary(Sub, 1, 2, NEG1);
    binary(Mul, 1 << 63, 2, 0);
    binary(Mul, 7, 6, 42);
    unary(Neg, 5, (-5i64) as u64);
    unary(Neg, MIN, MIN);
    unary(Neg, 0, 0);
}

#[test]
fn division_and_remainder() {
    binary(DivU, NEG1, 2, u64::MAX / 2);
    binary(DivS, NEG1, 2, 0);
    binary(DivS, (-7i64) as u64, 2, (-3i64) as u64);
    binary(ModU, 7, 3, 1);
    binary(ModS, (-7i64) as u64, 2, NEG1);
    binary(ModS, 7, (-2i64) as u64, 1);
    binary(ModS, MIN, NEG1, 0);
    binary(DivS, MIN, 1, MIN);
}

#[test]
fn division_traps() {
    for op in [DivU, DivS, ModU, ModS] {
        let code = Code::new().push(1).push(0).op(op).op(Ret);
        let trap = trap_of(main_module(&code));
        assert_eq!(trap.kind, TrapKind::DivideByZero, "{}", op.mnemonic());
        assert_eq!((trap.pc, trap.instructions), (code.pc_of(2), 2));
    }
    let code = Code::new().push(MIN).push(NEG1).op(DivS).op(Ret);
    assert_eq!(trap_of(main_module(&code)).kind, TrapKind::IntegerOverflow);
}

#[test]
fn comparisons() {
    let cases: &[(Opcode, u64, u64, u64)] = &[
        (Eq, 3, 3, 1),
        (Eq, 3, 4, 0),
        (Ne, 3, 4, 1),
        (LtU, 1, NEG1, 1),
        (LtS, 1, NEG1, 0),
        (GtU, NEG1, 1, 1),
        (GtS, NEG1, 1, 0),
        (LeU, 5, 5, 1),
        (LeS, MIN, 0, 1),
        (GeU, 0, 1, 0),
        (GeS, 0, MIN, 1),
        (GeS, 5, 5, 1),
    ];
    for &(op, a, b, expected) in cases {
        binary(op, a, b, expected);
    }
    unary(Eqz, 0, 1);
    unary(Eqz, 9, 0);
}

#[test]
fn fused_compare_and_branch_matches_plain_semantics() {
    // Each comparison feeds JNZ and JZ, with an immediate and with two stack operands.
    for (op, a, b) in [(LtS, NEG1, 1), (GeU, NEG1, 1), (Eq, 4, 4), (LeS, 2, 1)] {
        let expected = match op {
            LtS => (a as i64) < (b as i64),
            GeU => a >= b,
            Eq => a == b,
            _ => (a as i64) <= (b as i64),
        };
        for (branch, taken_when) in [(Jnz, true), (Jz, false)] {
            let code = Code::new()
                .push(a)
                .push(b)
                .op(op)
                .jump(branch, "taken")
                .push(0)
                .op(Ret)
                .label("taken")
                .push(1)
                .op(Ret);
            let taken = exit_code(main_module(&code)) == 1;
            assert_eq!(
                taken,
                expected == taken_when,
                "{} {}",
                op.mnemonic(),
                branch.mnemonic()
            );
            let code = Code::new()
                .push(a)
                .idx(LocalSet, 0)
                .push(b)
                .idx(LocalSet, 1)
                .idx(LocalGet, 0)
                .idx(LocalGet, 1)
                .op(op)
                .jump(branch, "taken")
                .push(0)
                .op(Ret)
                .label("taken")
                .push(1)
                .op(Ret);
            let taken = exit_code(module(vec![func(0, 1, 2, &code)])) == 1;
            assert_eq!(
                taken,
                expected == taken_when,
                "{} {}",
                op.mnemonic(),
                branch.mnemonic()
            );
        }
    }
}

#[test]
fn bitwise_and_shifts() {
    binary(And, 0b1100, 0b1010, 0b1000);
    binary(Or, 0b1100, 0b1010, 0b1110);
    binary(Xor, 0b1100, 0b1010, 0b0110);
    unary(Not, 0, NEG1);
    binary(Shl, 1, 63, 1 << 63);
    binary(Shl, 1, 64, 1);
    binary(Shl, 1, 65, 2);
    binary(Shr, 1 << 63, 63, 1);
    binary(Shr, 8, 64, 8);
    binary(Shr, 8, 65, 4);
    binary(Sar, MIN, 63, NEG1);
    binary(Sar, MIN, 64, MIN);
    binary(Sar, MIN, 65, 0xC000_0000_0000_0000);
    binary(Rotl, 0x8000_0000_0000_0001, 1, 3);
    binary(Rotl, 5, 64, 5);
    binary(Rotr, 3, 1, 0x8000_0000_0000_0001);
    binary(Rotr, 3, 65, 0x8000_0000_0000_0001);
    unary(Clz, 0, 64);
    unary(Clz, 1, 63);
    unary(Clz, NEG1, 0);
    unary(Ctz, 0, 64);
    unary(Ctz, 8, 3);
    unary(Popcnt, 0, 0);
    unary(Popcnt, NEG1, 64);
    unary(Popcnt, 0xF0F0, 8);
}

#[test]
fn stack_shuffles() {
    // Store the three slots left by `code` into locals and return them as decimal digits,
    // bottom first.
    let digits = |code: Code| {
        let code = code
            .idx(LocalSet, 0)
            .idx(LocalSet, 1)
            .idx(LocalSet, 2)
            .idx(LocalGet, 2)
            .push(100)
            .op(Mul)
            .idx(LocalGet, 1)
            .push(10)
            .op(Mul)
            .op(Add)
            .idx(LocalGet, 0)
            .op(Add)
            .op(Ret);
        exit_code(module(vec![func(0, 1, 3, &code)]))
    };
    let abc = || Code::new().push(1).push(2).push(3);
    assert_eq!(digits(abc()), 123);
    assert_eq!(digits(abc().op(Rot)), 231);
    assert_eq!(digits(abc().op(Swap)), 132);
    assert_eq!(digits(abc().op(Pop).op(Dup)), 122);
    assert_eq!(digits(abc().op(Pop).op(Over)), 121);
    assert_eq!(digits(abc().pick(2).op(Rot).op(Pop)), 131);
    // RET takes the top slot, whatever lies below it.
    for (depth, expected) in [(0, 3), (1, 2), (2, 1)] {
        assert_eq!(exit_code(main_module(&abc().pick(depth).op(Ret))), expected);
    }
}

#[test]
fn locals_and_globals() {
    let code = Code::new()
        .idx(GlobalGet, 0)
        .push(5)
        .op(Add)
        .idx(GlobalSet, 1)
        .idx(GlobalGet, 1)
        .idx(LocalTee, 0)
        .idx(LocalGet, 0)
        .op(Mul)
        .op(Ret);
    let m = with_globals(module(vec![func(0, 1, 1, &code)]), &[(2, false), (0, true)]);
    assert_eq!(exit_code(m), 49);
}

#[test]
fn fused_local_increments() {
    // LOCAL_GET/PUSH/ADD/LOCAL_SET and the TEE form, across different locals.
    let code = Code::new()
        .idx(LocalGet, 0)
        .push(7)
        .op(Add)
        .idx(LocalSet, 1)
        .idx(LocalGet, 1)
        .push_i(-2)
        .op(Add)
        .idx(LocalTee, 0)
        .idx(LocalGet, 1)
        .push(3)
        .op(Sub)
        .op(Mul)
        .op(Ret);
    assert_eq!(exit_code(module(vec![func(0, 1, 2, &code)])), 20);
}

/// One step of a random straight-line program.
#[derive(Debug, Clone)]
enum Step {
    Push(u64),
    Binary(Opcode),
    Unary(Opcode),
    Dup,
    Swap,
}

const BINARY: [Opcode; 19] = [
    Add, Sub, Mul, And, Or, Xor, Shl, Shr, Sar, Rotl, Rotr, Eq, Ne, LtU, LtS, GtU, GtS, LeS, GeU,
];
const UNARY: [Opcode; 6] = [Neg, Not, Clz, Ctz, Popcnt, Eqz];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop_oneof![any::<u64>(), 0u64..70, Just(MIN), Just(NEG1)].prop_map(Step::Push),
        3 => proptest::sample::select(&BINARY[..]).prop_map(Step::Binary),
        1 => proptest::sample::select(&UNARY[..]).prop_map(Step::Unary),
        1 => Just(Step::Dup),
        1 => Just(Step::Swap),
    ]
}

/// The reference: u64 wrapping semantics written independently of the interpreter.
fn reference_binary(op: Opcode, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    let n = (b % 64) as u32;
    match op {
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Mul => a.wrapping_mul(b),
        And => a & b,
        Or => a | b,
        Xor => a ^ b,
        Shl => a << n,
        Shr => a >> n,
        Sar => (sa >> n) as u64,
        Rotl => a.rotate_left(n),
        Rotr => a.rotate_right(n),
        Eq => u64::from(a == b),
        Ne => u64::from(a != b),
        LtU => u64::from(a < b),
        LtS => u64::from(sa < sb),
        GtU => u64::from(a > b),
        GtS => u64::from(sa > sb),
        LeS => u64::from(sa <= sb),
        GeU => u64::from(a >= b),
        _ => unreachable!("not a binary op in the test set"),
    }
}

fn reference_unary(op: Opcode, a: u64) -> u64 {
    match op {
        Neg => a.wrapping_neg(),
        Not => !a,
        Clz => u64::from(a.leading_zeros()),
        Ctz => u64::from(a.trailing_zeros()),
        Popcnt => u64::from(a.count_ones()),
        Eqz => u64::from(a == 0),
        _ => unreachable!("not a unary op in the test set"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn straight_line_programs_match_the_reference(steps in proptest::collection::vec(step(), 1..40)) {
        let mut code = Code::new().push(1);
        let mut stack = vec![1u64];
        for step in steps {
            match step {
                Step::Push(v) => {
                    code = code.push(v);
                    stack.push(v);
                }
                Step::Binary(op) if stack.len() >= 2 => {
                    code = code.op(op);
                    let b = stack.pop().unwrap();
                    let a = stack.pop().unwrap();
                    stack.push(reference_binary(op, a, b));
                }
                Step::Unary(op) => {
                    code = code.op(op);
                    let a = stack.pop().unwrap();
                    stack.push(reference_unary(op, a));
                }
                Step::Dup => {
                    code = code.op(Dup);
                    stack.push(*stack.last().unwrap());
                }
                Step::Swap if stack.len() >= 2 => {
                    code = code.op(Swap);
                    let n = stack.len();
                    stack.swap(n - 1, n - 2);
                }
                Step::Binary(_) | Step::Swap => {}
            }
        }
        // Fold the whole stack into one checksum, in the program and in the reference.
        let mut check = *stack.last().unwrap();
        for &v in stack[..stack.len() - 1].iter().rev() {
            code = code.push(31).op(Rotl).op(Xor);
            check = check.rotate_left(31) ^ v;
        }
        prop_assert!(evaluates_to(code, check));
    }
}
