//! The accesses of a block through one base address (the same local, and that local plus
//! constants through `I32_ADD`) are bounds-checked once for all of them
//! (`translate/merge.rs`), and where that check fails the rest of the block runs with a
//! check per access: at every base around memory's end (each access in turn the first
//! outside memory, a store before it) and around 2^32 (sums that wrap back inside memory),
//! under every instruction limit that ends the run in the block, the compiled code gives
//! the interpreter's output, trap and counts on every architecture.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{agree_under_limits, both_compiled, verified};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::Limits;

/// Memory's size: one page.
const MEMORY: u64 = 65536;

/// `main` calls `f(base)`. `f`'s first block reads `base + 16` and writes `base + 24`
/// (sums of `I32_ADD`), reads `base + 40 + 2`, then reads `base + 0`, `base + 4` and
/// `base + 12` (8, 4 and 1 bytes) through the local itself, `base - 16 + 20` (a negative
/// constant, left out of the merge) and stores `base + 20`; it prints the sum of what it
/// read after the block.
fn source(base: u64) -> String {
    format!(
        ".memory 1 1\n\
         .entry main\n\
         .func main\n\
             PUSH {base}\n    CALL f\n    HALT\n\
         .end\n\
         .func f\n\
             .param p\n    .local s\n\
             LOCAL_GET p\n    PUSH 16\n    I32_ADD\n    LOAD8_U +0\n    LOCAL_SET s\n\
             LOCAL_GET p\n    PUSH 24\n    I32_ADD\n    LOCAL_GET s\n    PUSH 1\n    ADD\n\
             STORE8 +0\n\
             LOCAL_GET s\n    LOCAL_GET p\n    PUSH 40\n    I32_ADD\n    LOAD8_U +2\n    ADD\n\
             LOCAL_GET p\n    I64_LOAD +0\n    I32_WRAP_I64\n    I32_ADD\n\
             LOCAL_GET p\n    I32_LOAD +4\n    I32_ADD\n\
             LOCAL_GET p\n    LOAD8_U +12\n    I32_ADD\n\
             LOCAL_GET p\n    PUSH 0xfffffff0\n    I32_ADD\n    LOAD8_U +20\n    I32_ADD\n\
             LOCAL_TEE s\n    LOCAL_GET p\n    LOCAL_GET s\n    STORE8 +20\n\
             LOCAL_GET p\n    PUSH 24\n    I32_ADD\n    LOAD8_U +0\n    I32_ADD\n\
             JMP out\n\
         out:\n\
             SYSCALL print_uint\n    RET\n\
         .end\n"
    )
}

/// [`source`] assembled for `arch` and verified.
fn program(arch: Arch, base: u64) -> Verified {
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    verified(assemble(&source(base), "merged.dasm", &options).expect("assemble"))
}

#[test]
fn merged_bounds_checks_agree_with_the_interpreter_at_every_boundary_and_limit() {
    let mut bases: Vec<u64> = (0..48).map(|k| MEMORY - k).collect();
    bases.extend((0..20).chain([100, MEMORY + 1]));
    // Sums past 2^32 wrap back inside memory (`base + 16` and on are small).
    bases.extend((1..48).map(|k| (1u64 << 32) - k));
    for arch in Arch::ALL {
        for &base in &bases {
            let module = program(arch, base);
            let compiled = dotvm_jit::compile(&module).expect("the JIT covers this module");
            let label = format!("{arch:?} base {base:#x}");
            agree_under_limits(&module, &compiled, (1..60).chain([u64::MAX]), &label);
        }
    }
}

#[test]
fn merged_bounds_checks_see_wide_bases() {
    // On 64-bit and wider words a base of 2^32 or more is outside memory, but its
    // `I32_ADD` sums are not.
    for arch in [Arch::Arch64, Arch::Arch128, Arch::Arch256] {
        for base in [1u64 << 32, (1 << 32) + 8, 1 << 40, u64::MAX - 20, u64::MAX] {
            let module = program(arch, base);
            let compiled = dotvm_jit::compile(&module).expect("the JIT covers this module");
            let (jit, interp) = both_compiled(&module, &compiled, &Limits::default());
            assert_eq!(jit, interp, "{arch:?} base {base:#x}");
        }
    }
}
