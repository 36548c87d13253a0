//! A call-free loop of one block reads its invariant locals (and the read-only end, for
//! its stores) through loop-local copies, and the edge leaving the loop gives the locals
//! their values from before it back (`translate/loops.rs`); a loop left from its middle
//! (two blocks) is left alone. Both, with those locals read after them, give the
//! interpreter's output, trap and counts under every instruction limit that ends the run
//! inside them, on every architecture.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{agree_under_limits, both, verified};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::Limits;

/// `main` allocates a buffer, prints `step` (a stepped instruction: `base` and `step`
/// live across it), then fills every `step`-th byte of the buffer in a loop left from
/// its middle once `i` passes `middle` (when given: the loop is then two blocks) or at its
/// end once `i` reaches `end`, and prints the locals and the sum of the bytes up to `i`
/// after it.
fn source(middle: Option<u32>, end: u32) -> String {
    let exit = middle.map_or(String::new(), |middle| {
        format!("    PUSH {middle}\n    GT_U\n    JNZ done\n    LOCAL_GET i\n")
    });
    format!(
        ".entry main\n\
         .func main\n\
             .local base\n    .local step\n    .local i\n    .local sum\n\
             PUSH 48\n    ALLOC\n    LOCAL_SET base\n\
             PUSH 3\n    LOCAL_SET step\n\
             LOCAL_GET step\n    SYSCALL print_uint\n\
         fill:\n\
             LOCAL_GET base\n    LOCAL_GET i\n    ADD\n    LOCAL_GET step\n    STORE8\n\
             LOCAL_GET i\n    LOCAL_GET step\n    ADD\n    LOCAL_TEE i\n\
         {exit}\
             PUSH {end}\n    LT_U\n    JNZ fill\n\
         done:\n\
             LOCAL_GET step\n    SYSCALL print_uint\n\
             LOCAL_GET i\n    SYSCALL print_uint\n\
         sum:\n\
             LOCAL_GET sum\n    LOCAL_GET base\n    LOCAL_GET i\n    ADD\n    LOAD8_U\n    ADD\n\
             LOCAL_SET sum\n\
             LOCAL_GET i\n    JZ out\n\
             LOCAL_GET i\n    PUSH 1\n    SUB\n    LOCAL_SET i\n    JMP sum\n\
         out:\n\
             LOCAL_GET sum\n    SYSCALL print_uint\n    HALT\n\
         .end\n"
    )
}

/// [`source`] assembled for `arch` and verified.
fn program(arch: Arch, middle: Option<u32>, end: u32) -> Verified {
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    verified(assemble(&source(middle, end), "loops.dasm", &options).expect("assemble"))
}

#[test]
fn loop_local_copies_agree_with_the_interpreter_under_every_limit() {
    // One block left at its end, also in its first iteration; two blocks left from the
    // middle, at the end, and from the middle of the first iteration.
    let cases = [
        (None, 40),
        (None, 1),
        (Some(20), 40),
        (Some(40), 20),
        (Some(0), 40),
    ];
    for (middle, end) in cases {
        for arch in Arch::ALL {
            let module = program(arch, middle, end);
            let (jit, interp) = both(&module, &Limits::default());
            assert_eq!(jit, interp, "{arch:?} {middle:?} {end}");
            let compiled = dotvm_jit::compile(&module).expect("the JIT covers this module");
            let label = format!("{arch:?} {middle:?} {end}");
            agree_under_limits(&module, &compiled, 1..400, &label);
        }
    }
}
