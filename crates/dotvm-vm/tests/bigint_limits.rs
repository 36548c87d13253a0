//! BigInt from bytecode at the limits: huge operands, exact fuel, the memory limit shared
//! with linear memory, garbage collection, bad handles and division by zero.

mod support;

use dotvm_core::Verified;
use dotvm_crypto::bigint::ops::{self, WithWord};
use dotvm_vm::{BufferIo, Control, Inspector, Limits, MachineView, RunError, TrapKind};
use num_bigint::BigInt;
use support::{module, patched, run, run_module};

/// Deterministic pseudo-random bytes.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect()
}

#[test]
fn huge_operands_match_num_bigint() {
    // 256 Ki-bit operands: product, quotient and remainder through bytecode.
    const LEN: usize = 32 << 10;
    let (a, b) = (bytes(1, LEN), bytes(2, LEN / 2 + 5));
    let template = module(
        ".arch arch64\n.memory 8\n.global a_len 0\n.global b_len 0\n.func main\n    .local a\n    .local b\n    \
         PUSH 0x10000\n    GLOBAL_GET a_len\n    BIGINT_FROM_BYTES le_signed\n    LOCAL_SET a\n    \
         PUSH 0x30000\n    GLOBAL_GET b_len\n    BIGINT_FROM_BYTES le_signed\n    LOCAL_SET b\n    \
         LOCAL_GET a\n    LOCAL_GET b\n    BIGINT_MUL\n    CALL out\n    \
         LOCAL_GET a\n    LOCAL_GET b\n    BIGINT_DIV_FLOOR\n    CALL out\n    \
         LOCAL_GET a\n    LOCAL_GET b\n    BIGINT_REM\n    CALL out\n    HALT\n.end\n\
         .func out\n    .param h\n    LOCAL_GET h\n    PUSH 0x50000\n    PUSH 0x30000\n    BIGINT_TO_BYTES le_signed\n    \
         PUSH 0x50000\n    SWAP\n    SYSCALL print_bytes\n    RET\n.end\n",
    );
    let program = patched(
        &template,
        &[(0x10000, &a), (0x30000, &b)],
        &[a.len() as u64, b.len() as u64],
    );
    let run = run_module(program, &Limits::default(), false);
    assert_eq!(run.exit_code(), 0);
    let (x, y) = (
        BigInt::from_signed_bytes_le(&a),
        BigInt::from_signed_bytes_le(&b),
    );
    let expected = [
        (&x * &y).to_signed_bytes_le(),
        num_integer::Integer::div_floor(&x, &y).to_signed_bytes_le(),
        (&x % &y).to_signed_bytes_le(),
    ]
    .concat();
    assert_eq!(run.output.len(), expected.len());
    assert!(run.output == expected, "huge results differ");
}

#[test]
fn huge_decimal_text_round_trips() {
    let digits: String = bytes(3, 20_000)
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    let text = format!("-9{digits}");
    let template = module(
        ".arch arch64\n.memory 2\n.global len 0\n.func main\n    PUSH 0x1000\n    GLOBAL_GET len\n    \
         BIGINT_FROM_DEC\n    PUSH 0x8000\n    PUSH 0x8000\n    BIGINT_TO_DEC\n    PUSH 0x8000\n    \
         SWAP\n    SYSCALL print_bytes\n    HALT\n.end\n",
    );
    let program = patched(
        &template,
        &[(0x1000, text.as_bytes())],
        &[text.len() as u64],
    );
    assert_eq!(
        run_module(program, &Limits::default(), false).output,
        text.as_bytes()
    );
}

/// `2^exponent` with the given instruction limit, fast or inspected.
fn power_of_two(exponent: u64, fuel: u64, inspected: bool) -> Result<u64, dotvm_vm::Trap> {
    let source = format!(
        ".arch arch64\n.func main\n    PUSH 2\n    BIGINT_FROM_WORD\n    PUSH {exponent}\n    BIGINT_POW\n    POP\n    HALT\n.end\n"
    );
    let verified = Verified::new(module(&source)).unwrap();
    let limits = Limits {
        instructions: fuel,
        ..Limits::default()
    };
    struct Watch;
    impl Inspector for Watch {
        fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
            Control::Continue
        }
    }
    let mut io = BufferIo::default();
    let result = if inspected {
        dotvm_vm::run_inspected(&verified, &limits, &mut io, &mut Watch)
    } else {
        dotvm_vm::run(&verified, &limits, &mut io)
    };
    match result {
        Ok(outcome) => Ok(outcome.instructions),
        Err(RunError::Trap(trap)) => Err(trap),
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn fuel_is_charged_exactly_before_the_work() {
    let exponent = 200_000;
    let from_word = ops::from_bytes_cost(8).fuel;
    let pow = WithWord::Pow.cost(&BigInt::from(2), exponent).fuel;
    assert!(pow > 1000, "the power costs more than its one instruction");
    let total = 6 + from_word + pow;
    for inspected in [false, true] {
        assert_eq!(power_of_two(exponent, total, inspected), Ok(total));
        // One unit short of BIGINT_POW's cost: it traps without running.
        let trap = power_of_two(exponent, total - 3, inspected).unwrap_err();
        assert_eq!(trap.kind, TrapKind::InstructionLimit);
        assert_eq!(trap.pc, 10, "BIGINT_POW is the instruction that ran out");
        assert_eq!(trap.instructions, 3 + from_word, "inspected: {inspected}");
    }
}

#[test]
fn a_result_past_the_memory_limit_traps_before_it_is_computed() {
    let limits = Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    };
    let source = ".arch arch64\n.func main\n    PUSH 3\n    BIGINT_FROM_WORD\n    PUSH 0xFFFFFFFFFFFF\n    BIGINT_POW\n    HALT\n.end\n";
    let run = run_module(module(source), &limits, false);
    assert!(matches!(run.trap(), TrapKind::MemoryLimit { .. }));
    // Shifting zero is free whatever the count; shifting one is not.
    let zero = ".arch arch64\n.func main\n    PUSH 0\n    BIGINT_FROM_WORD\n    PUSH -1\n    BIGINT_SHL\n    BIGINT_TO_WORD\n    SYSCALL print_int\n    HALT\n.end\n";
    assert_eq!(run_module(module(zero), &limits, false).output, b"0");
}

/// Keeps `keep` values of 2^(8·size) alive in memory cells and makes `garbage` more that
/// are dropped at once; prints the live count.
fn allocate(keep: u64, garbage: u64, size_bytes: u64, limit: u64) -> support::Run {
    let source = format!(
        ".arch arch64\n.memory 1\n.func main\n    .local i\n    .local one\n    PUSH 1\n    BIGINT_FROM_WORD\n    LOCAL_SET one\n\
         keep:\n    LOCAL_GET i\n    PUSH {keep}\n    GE_U\n    JNZ churn\n    \
         LOCAL_GET i\n    PUSH 8\n    MUL\n    PUSH 0x100\n    ADD\n    \
         LOCAL_GET one\n    PUSH {bits}\n    BIGINT_SHL\n    STORE\n    \
         LOCAL_GET i\n    PUSH 1\n    ADD\n    LOCAL_SET i\n    JMP keep\n\
         churn:\n    LOCAL_GET i\n    PUSH {total}\n    GE_U\n    JNZ done\n    \
         LOCAL_GET one\n    PUSH {bits}\n    BIGINT_SHL\n    POP\n    \
         LOCAL_GET i\n    PUSH 1\n    ADD\n    LOCAL_SET i\n    JMP churn\n\
         done:\n    BIGINT_COLLECT\n    SYSCALL print_uint\n    HALT\n.end\n",
        bits = size_bytes * 8,
        total = keep + garbage,
    );
    let limits = Limits {
        memory_bytes: limit,
        ..Limits::default()
    };
    run_module(module(&source), &limits, false)
}

#[test]
fn bigint_memory_counts_against_the_limit_and_garbage_is_collected() {
    const MIB: u64 = 1 << 20;
    // Three live 300 KB values fit in 1 MiB with the 64 KiB memory; four do not.
    let fits = allocate(3, 0, 300_000, MIB);
    assert_eq!(fits.output, b"4", "three values and `one` are alive");
    assert!(matches!(
        allocate(4, 0, 300_000, MIB).trap(),
        TrapKind::MemoryLimit { .. }
    ));
    // Dropped values are collected: a hundred 300 KB values come and go under 1 MiB.
    let churn = allocate(1, 100, 300_000, MIB);
    assert_eq!(churn.output, b"2");
}

#[test]
fn linear_memory_and_bigints_share_the_limit() {
    // 1 MiB limit, 1 page of memory, a 600 KB BigInt: growing by 8 pages (512 KiB) is
    // refused while it lives and allowed once it is freed.
    let source = ".arch arch64\n.memory 1\n.func main\n    .local h\n    PUSH 1\n    BIGINT_FROM_WORD\n    \
        PUSH 4800000\n    BIGINT_SHL\n    LOCAL_SET h\n    PUSH 8\n    MEMORY_GROW\n    SYSCALL print_int\n    \
        PUSH ' '\n    SYSCALL print_char\n    LOCAL_GET h\n    BIGINT_FREE\n    PUSH 8\n    MEMORY_GROW\n    \
        SYSCALL print_int\n    HALT\n.end\n";
    let limits = Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(run_module(module(source), &limits, false).output, b"-1 1");
}

#[test]
fn the_collector_keeps_values_named_by_stack_globals_or_memory() {
    let source = "\
.arch arch64
.memory 1
.global g 0 mut
.func main
    .local kept
    PUSH 10
    BIGINT_FROM_WORD
    LOCAL_SET kept              ; a local
    PUSH 11
    BIGINT_FROM_WORD
    GLOBAL_SET g                ; a global
    PUSH 0x200
    PUSH 12
    BIGINT_FROM_WORD
    STORE                       ; an aligned memory word
    PUSH 13
    BIGINT_FROM_WORD            ; on the operand stack
    PUSH 14
    BIGINT_FROM_WORD
    POP                         ; garbage
    BIGINT_COUNT
    SYSCALL print_uint
    BIGINT_COLLECT
    SYSCALL print_uint
    PUSH 0x200
    PUSH 0
    STORE                       ; forget the memory copy
    BIGINT_COLLECT
    SYSCALL print_uint
    BIGINT_TO_WORD              ; the stacked value survived
    SYSCALL print_uint
    GLOBAL_GET g
    BIGINT_TO_WORD
    SYSCALL print_uint
    HALT
.end
";
    assert_eq!(String::from_utf8(run(source).output).unwrap(), "5431311");
}

#[test]
fn bad_handles_trap() {
    let cases = [
        ("PUSH 12345\n    BIGINT_NEG", 12345),
        ("PUSH 0\n    BIGINT_TO_WORD", 0),
        (
            "PUSH 5\n    BIGINT_FROM_WORD\n    DUP\n    BIGINT_FREE\n    BIGINT_NEG",
            0,
        ),
        (
            "PUSH 5\n    BIGINT_FROM_WORD\n    DUP\n    BIGINT_FREE\n    BIGINT_FREE",
            0,
        ),
    ];
    for (code, handle) in cases {
        let source = format!(".arch arch64\n.func main\n    {code}\n    HALT\n.end\n");
        match run(&source).trap() {
            TrapKind::BadHandle { handle: h } if handle == 0 || h == handle => {}
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn division_by_zero_traps_and_missing_values_are_zero_handles() {
    for op in [
        "BIGINT_DIV",
        "BIGINT_REM",
        "BIGINT_DIV_FLOOR",
        "BIGINT_MOD_FLOOR",
        "BIGINT_MODINV",
    ] {
        let source = format!(
            ".arch arch64\n.func main\n    PUSH 7\n    BIGINT_FROM_WORD\n    PUSH 0\n    BIGINT_FROM_WORD\n    {op}\n    HALT\n.end\n"
        );
        assert_eq!(run(&source).trap(), TrapKind::DivideByZero, "{op}");
    }
    let source = "\
.arch arch64
.memory 1
.data text \"12x\"
.func main
    PUSH text
    PUSH text.len
    BIGINT_FROM_DEC             ; not decimal: 0
    SYSCALL print_uint
    PUSH 4
    BIGINT_FROM_WORD
    PUSH 8
    BIGINT_FROM_WORD
    BIGINT_MODINV               ; no inverse: 0
    SYSCALL print_uint
    PUSH 1
    BIGINT_FROM_WORD
    PUSH 255
    BIGINT_SHL
    PUSH 0x100
    PUSH 31
    BIGINT_TO_BYTES be          ; needs 32 bytes: the count comes back, nothing is written
    SYSCALL print_uint
    PUSH 0x100
    LOAD8_U
    SYSCALL print_uint
    HALT
.end
";
    assert_eq!(String::from_utf8(run(source).output).unwrap(), "00320");
}

#[test]
fn a_bad_destination_for_text_traps_after_the_size_is_known() {
    let source = ".arch arch64\n.memory 1\n.func main\n    PUSH 12345\n    BIGINT_FROM_WORD\n    \
        PUSH 0xFFFE\n    PUSH 100\n    BIGINT_TO_DEC\n    HALT\n.end\n";
    let trap = match run(source).result {
        Err(dotvm_vm::RunError::Trap(trap)) => trap,
        other => panic!("{other:?}"),
    };
    assert!(matches!(trap.kind, TrapKind::OutOfBounds { len: 5, .. }));
    let from_word = ops::from_bytes_cost(8).fuel;
    assert_eq!(
        trap.instructions,
        4 + from_word,
        "the conversion's fuel is given back"
    );
}
