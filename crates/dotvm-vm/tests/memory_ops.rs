//! Loads, stores, the read-only region, ALLOC/FREE, memory management and system calls.

mod common;

use common::*;
use dotvm_core::Opcode::{self, *};
use dotvm_core::module::Constant;
use dotvm_core::syscall::Syscall;
use dotvm_vm::{Limits, TrapKind};

/// Stores `value` with `store` at 256 and loads it back with `load` (offset 8 on a base
/// of 248), returning the loaded word.
fn round_trip(store: Opcode, load: Opcode, value: u64, expected: u64) {
    let body = Code::new()
        .push(256)
        .push(value)
        .mem(store, 0)
        .push(248)
        .mem(load, 8);
    assert!(
        evaluates_to(body, expected),
        "{} then {} of {value:#x} should give {expected:#x}",
        store.mnemonic(),
        load.mnemonic()
    );
}

#[test]
fn every_width_with_sign_and_zero_extension() {
    let v = 0x8182_8384_8586_8788;
    round_trip(Store8, Load8U, v, 0x88);
    round_trip(Store8, Load8S, v, 0xFFFF_FFFF_FFFF_FF88);
    round_trip(Store8, Load8S, 0x7F, 0x7F);
    round_trip(Store16, Load16U, v, 0x8788);
    round_trip(Store16, Load16S, v, 0xFFFF_FFFF_FFFF_8788);
    round_trip(Store32, Load32U, v, 0x8586_8788);
    round_trip(Store32, Load32S, v, 0xFFFF_FFFF_8586_8788);
    round_trip(Store32, Load32S, 0x1234_5678, 0x1234_5678);
    round_trip(Store64, Load64U, v, v);
    round_trip(Store64, Load64S, v, v);
    round_trip(Store, Load, v, v);
    // Little-endian byte order.
    round_trip(Store, Load8U, v, 0x88);
    round_trip(Store, Load16U, 0x1122, 0x1122);
}

#[test]
fn data_segments_and_string_constants_are_laid_out() {
    // Constants: "hi" at 0, an int, bytes [7, 8, 9] at 2.
    let code = Code::new()
        .idx(PushConst, 2) // addr 2, len 3
        .op(Add) // 5
        .idx(PushConst, 1) // 1000
        .op(Add)
        .push(0)
        .mem(Load8U, 3) // 8
        .op(Add)
        .push(64)
        .mem(Load16U, 0) // segment: 0x0201
        .op(Add)
        .op(Ret);
    let m = with_constants(
        with_segments(main_module(&code), vec![(64, vec![1, 2]), (65, vec![2])]),
        vec![
            Constant::Str("hi".into()),
            Constant::Int(dotvm_core::Imm::from(1000u64)),
            Constant::Bytes(vec![7, 8, 9]),
        ],
    );
    assert_eq!(exit_code(m), 5 + 1000 + 8 + 0x0201);
}

#[test]
fn out_of_bounds_accesses_trap_at_their_pc() {
    let size = 65536u64;
    let cases: Vec<(Code, TrapKind)> = vec![
        (Code::new().push(size - 3).mem(Load32U, 0), oob(65533, 4)),
        (Code::new().push(size).mem(Load8U, 0), oob(65536, 1)),
        (Code::new().push(size - 8).mem(Load, 1), oob(65529, 8)),
        (
            Code::new().push(u64::MAX).mem(Load8U, 2),
            oob(u128::from(u64::MAX) + 2, 1),
        ),
        (
            Code::new().push(size - 1).push(0).mem(Store16, 0),
            oob(65535, 2),
        ),
    ];
    for (body, kind) in cases {
        let pc = body.pc_of(body.len() - 1);
        // A load leaves the result; a store leaves nothing.
        let tail = if body.len() == 3 {
            Code::new().push(0)
        } else {
            Code::new()
        };
        let code = body.then(tail).op(Ret);
        let trap = trap_of(main_module(&code));
        assert_eq!(trap.kind, kind);
        assert_eq!(trap.pc, pc);
    }
}

#[test]
fn stores_into_the_read_only_region_trap() {
    let m = |code: &Code| with_constants(main_module(code), vec![Constant::Str("abcd".into())]);
    let store = Code::new().push(3).push(1).mem(Store8, 0).push(0).op(Ret);
    assert_eq!(trap_of(m(&store)).kind, oob(3, 1));
    let straddle = Code::new().push(2).push(1).mem(Store32, 0).push(0).op(Ret);
    assert_eq!(trap_of(m(&straddle)).kind, oob(2, 4));
    // Just above the region is writable, and the region itself is readable.
    let ok = Code::new()
        .push(4)
        .push(1)
        .mem(Store8, 0)
        .push(0)
        .mem(Load8U, 1)
        .op(Ret);
    assert_eq!(exit_code(m(&ok)), i32::from(b'b'));
    let fill = Code::new()
        .push(0)
        .push(1)
        .push(1)
        .op(MemoryFill)
        .push(0)
        .op(Ret);
    assert_eq!(trap_of(m(&fill)).kind, oob(0, 1));
    let copy = Code::new()
        .push(1)
        .push(100)
        .push(2)
        .op(MemoryCopy)
        .push(0)
        .op(Ret);
    assert_eq!(trap_of(m(&copy)).kind, oob(1, 2));
}

#[test]
fn alloc_free_and_bad_free() {
    // Two blocks are distinct, aligned and writable; freeing both succeeds.
    let code = Code::new()
        .push(10)
        .op(Alloc)
        .idx(LocalSet, 0)
        .push(0)
        .op(Alloc)
        .idx(LocalSet, 1)
        .idx(LocalGet, 0)
        .push(0xAB)
        .mem(Store8, 9)
        .idx(LocalGet, 0)
        .op(Free)
        .idx(LocalGet, 1)
        .op(Free)
        .idx(LocalGet, 0)
        .push(7)
        .op(And)
        .idx(LocalGet, 0)
        .idx(LocalGet, 1)
        .op(Ne)
        .op(Add)
        .idx(LocalGet, 0)
        .op(Eqz)
        .op(Add)
        .op(Ret);
    assert_eq!(exit_code(module(vec![func(0, 1, 2, &code)])), 1);
    let double = Code::new()
        .push(8)
        .op(Alloc)
        .op(Dup)
        .op(Free)
        .op(Free)
        .push(0)
        .op(Ret);
    let trap = trap_of(main_module(&double));
    assert!(matches!(trap.kind, TrapKind::BadFree { .. }), "{trap}");
    assert_eq!(trap.pc, double.pc_of(4));
    let never = Code::new().push(24).op(Free).push(0).op(Ret);
    assert_eq!(
        trap_of(main_module(&never)).kind,
        TrapKind::BadFree { address: 24 }
    );
}

#[test]
fn alloc_returns_zero_when_memory_is_exhausted() {
    let code = Code::new().push(1 << 20).op(Alloc).op(Ret);
    let mut m = main_module(&code);
    m.memory.max_pages = Some(2);
    assert_eq!(exit_code(m), 0);
}

#[test]
fn memory_size_grow_copy_fill() {
    // old size 1; size 3; fill [10, 14) with EE; overlapping copy [10, 14) -> [12, 16);
    // bytes 16..24 are still 0; bytes 12..16 are EE.
    let expected = 1 + (3 + 0xEEEE_EEEE_0000u64) * 10;
    let body = Code::new()
        .push(2)
        .op(MemoryGrow)
        .op(MemorySize)
        .push(10)
        .push(0xEE)
        .push(4)
        .op(MemoryFill)
        .push(12)
        .push(10)
        .push(4)
        .op(MemoryCopy)
        .push(8)
        .mem(Load64U, 8)
        .push(0)
        .mem(Load32U, 12)
        .op(Add)
        .push(0x1_0000)
        .op(Mul)
        .op(Add)
        .push(10)
        .op(Mul)
        .op(Add);
    assert!(evaluates_to(body, expected));
    // The grown pages count toward peak memory.
    let grow = Code::new().push(2).op(MemoryGrow).op(Ret);
    let outcome = run(main_module(&grow)).0.unwrap();
    assert_eq!((outcome.exit_code, outcome.peak_memory), (1, 3 * 65536));
}

#[test]
fn memory_grow_is_refused_past_max_pages_and_the_limit() {
    let code = Code::new().push(3).op(MemoryGrow).op(Ret);
    let mut capped = main_module(&code);
    capped.memory.max_pages = Some(3);
    assert_eq!(exit_code(capped), -1);
    let limits = Limits {
        memory_bytes: 2 * 65536,
        ..Limits::default()
    };
    let outcome = run_with(main_module(&code), &limits, b"").0.unwrap();
    assert_eq!((outcome.exit_code, outcome.peak_memory), (-1, 65536));
}

#[test]
fn print_syscalls() {
    let code = Code::new()
        .push_i(-42)
        .sys(Syscall::PrintInt)
        .push(b' '.into())
        .sys(Syscall::PrintChar)
        .push_i(-1)
        .sys(Syscall::PrintUint)
        .push(0x20AC)
        .sys(Syscall::PrintChar)
        .push(0xD800)
        .sys(Syscall::PrintChar)
        .push(i64::MIN as u64)
        .sys(Syscall::PrintInt)
        .idx(PushConst, 0)
        .sys(Syscall::PrintBytes)
        .push(0)
        .op(Ret);
    let m = with_constants(main_module(&code), vec![Constant::Str("\nok".into())]);
    let (result, io) = run(m);
    assert_eq!(result.unwrap().exit_code, 0);
    assert_eq!(
        io.output_text(),
        "-42 18446744073709551615€\u{FFFD}-9223372036854775808\nok"
    );
}

#[test]
fn read_stdin_fills_memory_and_reports_counts() {
    // Read up to 8 bytes at 100, print them back, then read again (end of input: 0).
    let code = Code::new()
        .push(100)
        .push(8)
        .sys(Syscall::ReadStdin)
        .idx(LocalTee, 0)
        .push(100)
        .idx(LocalGet, 0)
        .sys(Syscall::PrintBytes)
        .push(100)
        .push(8)
        .sys(Syscall::ReadStdin)
        .op(Add)
        .op(Ret);
    let (result, io) = run_with(
        module(vec![func(0, 1, 1, &code)]),
        &Limits::default(),
        b"abc",
    );
    assert_eq!(result.unwrap().exit_code, 3);
    assert_eq!(io.output_text(), "abc");
    let into_ro = Code::new().push(0).push(2).sys(Syscall::ReadStdin).op(Ret);
    let m = with_constants(main_module(&into_ro), vec![Constant::Str("x".into())]);
    assert_eq!(trap_of(m).kind, oob(0, 2));
    let print_oob = Code::new()
        .push(65530)
        .push(10)
        .sys(Syscall::PrintBytes)
        .push(0)
        .op(Ret);
    assert_eq!(trap_of(main_module(&print_oob)).kind, oob(65530, 10));
}
