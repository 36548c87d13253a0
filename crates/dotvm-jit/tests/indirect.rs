//! `CALL_INDIRECT` under the JIT, which looks the callee up inline and hands every case
//! that does not call to the bridge: calls, null, out-of-range and mistyped elements, a
//! table that grew (its elements moved) and indirect recursion up to the call-depth and
//! value-stack limits give the interpreter's exit, trap (kind, function, pc, count), peak
//! value stack and output on every architecture.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{both, verified};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::Limits;

/// `source` assembled for `arch` and verified.
fn program(source: &str, arch: Arch) -> Verified {
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    verified(assemble(source, "indirect.dasm", &options).expect("assemble"))
}

/// Asserts that the JIT and the interpreter agree on `source` on every architecture.
fn agree(source: &str, limits: &Limits) {
    for arch in Arch::ALL {
        let (jit, interp) = both(&program(source, arch), limits);
        assert_eq!(jit, interp, "{arch:?}\n{source}");
    }
}

/// `inc`, the function the tables below hold: its parameter plus one (type 0).
macro_rules! inc {
    () => {
        "
.func inc params=1 results=1 type=0
    LOCAL_GET 0
    PUSH 1
    I32_ADD
    RET
.end
"
    };
}

/// Calls element `INDEX` of a two-element table (`inc`, then null) with type `TYPE`.
const CALLS: &str = concat!(
    "
.type params i32 results i32
.type params i32 i32 results i32
.table funcref 2
.elem funcref 1 null
.entry demo

.func demo results=1
    PUSH 0
    PUSH 0
    PUSH 2
    TABLE_INIT 0 0
    ELEM_DROP 0
    PUSH 20
    PUSH INDEX
    CALL_INDIRECT TYPE 0
    RET
.end

",
    inc!()
);

#[test]
fn elements_call_or_trap_as_in_the_interpreter() {
    let limits = Limits::default();
    for index in ["0", "1", "2", "4294967295"] {
        agree(&CALLS.replace("INDEX", index).replace("TYPE", "0"), &limits);
    }
    // A mistyped element (the second type takes two parameters: one more operand).
    let mistyped = CALLS
        .replace("INDEX", "0")
        .replace("TYPE", "1")
        .replace("PUSH 20\n", "PUSH 20\n    PUSH 21\n");
    agree(&mistyped, &limits);
    // A deep enough stack that the callee's frame does not fit.
    agree(
        &CALLS.replace("INDEX", "0").replace("TYPE", "0"),
        &Limits {
            stack_slots: 4,
            ..Limits::default()
        },
    );
}

/// Grows the table (moving its elements), fills the new elements with `inc` and calls
/// element `INDEX`.
const GROWN: &str = concat!(
    "
.type params i32 results i32
.table funcref 1
.entry main

.func main results=1
    PUSH 0
    PUSH 1000
    TABLE_GROW 0
    POP
    PUSH 1
    REF_FUNC inc
    PUSH 1000
    TABLE_FILL 0
    PUSH 41
    PUSH INDEX
    CALL_INDIRECT 0 0
    RET
.end

",
    inc!()
);

#[test]
fn a_grown_table_is_read_where_it_moved() {
    for index in ["0", "1", "1000", "1001"] {
        agree(&GROWN.replace("INDEX", index), &Limits::default());
    }
}

/// `f(n) = n == 0 ? 0 : table[0](n - 1) + 1` from `main` with `COUNT`: indirect recursion.
const RECURSION: &str = "
.type params i32 results i32
.table funcref 1
.elem funcref 1
.entry main

.func main
    PUSH 0
    PUSH 0
    PUSH 1
    TABLE_INIT 0 0
    PUSH COUNT
    PUSH 0
    CALL_INDIRECT 0 0
    SYSCALL print_uint
    HALT
.end

.func f params=1 results=1 type=0
    .local pad
    LOCAL_GET 0
    JNZ more
    PUSH 0
    RET
more:
    LOCAL_GET 0
    PUSH 1
    I32_SUB
    PUSH 0
    CALL_INDIRECT 0 0
    PUSH 1
    I32_ADD
    RET
.end
";

#[test]
fn indirect_recursion_meets_the_limits_and_peak_stack_of_the_interpreter() {
    for (n, depth, slots) in [
        (100, 1_000, 100_000),
        (998, 1_000, 100_000),
        (999, 1_000, 100_000),
        (5_000, 1_000, 100_000),
        (5_000, 100_000, 3_000),
        (5_000, 100_000, 30_000),
    ] {
        let limits = Limits {
            call_depth: depth,
            stack_slots: slots,
            ..Limits::default()
        };
        agree(&RECURSION.replace("COUNT", &n.to_string()), &limits);
    }
}
