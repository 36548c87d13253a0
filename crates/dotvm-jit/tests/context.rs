//! What compiled code reads from the context after and inside calls: a recursion whose
//! callees take three parameters, grow memory at the deepest level (so every caller must
//! read memory's new base and size after its call), store, load and print through
//! bridges after every return, and trap in the deepest callee when asked, gives the
//! interpreter's output, trap and counts under every instruction limit through the run,
//! around the call-depth limit and under value-stack limits, on every architecture.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{both_compiled, verified};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::Limits;

/// Levels of the recursion below `main`'s call.
const DEPTH: u32 = 6;

/// `main` calls `f(DEPTH, 7, divisor)`; `f(0, a, b)` grows memory by a page and returns
/// `a / b` (a division by zero traps there), and `f(n, a, b)` calls `f(n - 1, a + 3, b)`,
/// stores the result at `8 n`, prints it and returns the stored word plus `n`.
fn program(arch: Arch, divisor: u32) -> Verified {
    let source = format!(
        ".func main\n    PUSH {DEPTH}\n    PUSH 7\n    PUSH {divisor}\n    CALL f\n\
         \x20   SYSCALL print_uint\n    HALT\n.end\n\n\
         .func f results=1\n    .param n\n    .param a\n    .param b\n    .local r\n\
         \x20   LOCAL_GET n\n    JNZ deeper\n    PUSH 1\n    MEMORY_GROW\n    POP\n\
         \x20   LOCAL_GET a\n    LOCAL_GET b\n    DIV_U\n    RET\n\
         deeper:\n    LOCAL_GET n\n    PUSH 1\n    SUB\n    LOCAL_GET a\n    PUSH 3\n    ADD\n\
         \x20   LOCAL_GET b\n    CALL f\n    LOCAL_SET r\n\
         \x20   LOCAL_GET n\n    PUSH 8\n    MUL\n    LOCAL_GET r\n    STORE64\n\
         \x20   LOCAL_GET r\n    SYSCALL print_uint\n    PUSH 32\n    SYSCALL print_char\n\
         \x20   LOCAL_GET n\n    PUSH 8\n    MUL\n    LOAD64_U\n    LOCAL_GET n\n    ADD\n\
         \x20   RET\n.end\n"
    );
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    verified(assemble(&source, "context.dasm", &options).expect("assemble"))
}

#[test]
fn calls_traps_and_bridges_in_callees_agree_with_the_interpreter_under_every_limit() {
    let mut limits = (1..200)
        .map(|instructions| Limits {
            instructions,
            ..Limits::default()
        })
        .collect::<Vec<_>>();
    limits.push(Limits::default());
    // Around the depth the recursion needs (`main` and `DEPTH + 1` levels of `f`).
    let needed = DEPTH as usize + 2;
    limits.extend(
        [0, 1, needed - 1, needed, needed + 1, usize::MAX].map(|call_depth| Limits {
            call_depth,
            ..Limits::default()
        }),
    );
    limits.extend([8, 16, 24, 32].map(|stack_slots| Limits {
        stack_slots,
        ..Limits::default()
    }));
    for arch in Arch::ALL {
        for divisor in [0, 2] {
            let module = program(arch, divisor);
            let compiled = dotvm_jit::compile(&module).expect("the JIT covers this module");
            // The run does what it is meant to: it traps in the deepest callee, or prints
            // every level's result.
            let (whole, _) = both_compiled(&module, &compiled, &Limits::default());
            let expected = if divisor == 0 {
                "trap DivideByZero in 1"
            } else {
                "12 13 15 18 22 27 33"
            };
            assert!(whole.contains(expected), "{arch:?}: {whole}");
            for limits in &limits {
                let (jit, interp) = both_compiled(&module, &compiled, limits);
                assert_eq!(jit, interp, "{arch:?}, divisor {divisor}, under {limits:?}");
            }
        }
    }
}
