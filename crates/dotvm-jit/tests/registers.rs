//! Calls between compiled functions pass arguments and results in registers (each
//! function's register entry), while the runtime enters through the frame: a function
//! with more parameters and results than the host has argument and return registers,
//! called directly and through `CALL_INDIRECT`, under every instruction limit that ends
//! the run inside it (the out-of-fuel path stores the parameters the block reads) and
//! under call-depth (from 0 to `usize::MAX`) and value-stack limits, gives the
//! interpreter's output, trap and counts on every architecture.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{both, both_compiled, verified};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::Limits;
use std::fmt::Write as _;

/// Parameters and results of `mix`: more than x86-64's and AArch64's argument registers
/// (after the four the convention passes first) and return registers.
const N: u32 = 10;

/// `main` calls `mix` directly, then through the table, printing the results of each;
/// `mix` prints its first parameter (a stepped instruction between the uses of the
/// others) and returns `p[k] * (k + 2) + p[N - 1 - k]` for each `k`.
fn source() -> String {
    let words = |n: u32| vec!["i32"; n as usize].join(" ");
    let mut s = format!(
        ".type params {} results {}\n.table funcref 1\n.elem funcref 1\n.entry main\n\n\
         .func main\n    PUSH 0\n    PUSH 0\n    PUSH 1\n    TABLE_INIT 0 0\n",
        words(N),
        words(N)
    );
    for (first, call) in [(1, "CALL mix"), (100, "PUSH 0\n    CALL_INDIRECT 0 0")] {
        for k in 0..N {
            writeln!(s, "    PUSH {}", first + k).expect("write to a string");
        }
        writeln!(s, "    {call}").expect("write to a string");
        for _ in 0..N {
            s.push_str("    SYSCALL print_uint\n    PUSH 32\n    SYSCALL print_char\n");
        }
    }
    s.push_str("    HALT\n.end\n\n");
    writeln!(s, ".func mix params={N} results={N} type=0").expect("write to a string");
    s.push_str("    LOCAL_GET 0\n    SYSCALL print_uint\n");
    for k in 0..N {
        writeln!(
            s,
            "    LOCAL_GET {k}\n    PUSH {}\n    MUL\n    LOCAL_GET {}\n    ADD",
            k + 2,
            N - 1 - k
        )
        .expect("write to a string");
    }
    s.push_str("    RET\n.end\n");
    s
}

/// [`source`] assembled for `arch` and verified.
fn program(arch: Arch) -> Verified {
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    verified(assemble(&source(), "registers.dasm", &options).expect("assemble"))
}

#[test]
fn wide_signatures_agree_with_the_interpreter_under_every_limit() {
    // Every instruction count up to past the end of the run.
    let mut limits = (1..260)
        .map(|instructions| Limits {
            instructions,
            ..Limits::default()
        })
        .collect::<Vec<_>>();
    // The call levels compiled functions count down (`max - 1 - depth`, the limit taken
    // as at most `i64::MAX`), at both ends.
    limits.extend([0, 1, 2, 3, usize::MAX].map(|call_depth| Limits {
        call_depth,
        ..Limits::default()
    }));
    limits.extend([12, 20, 30].map(|stack_slots| Limits {
        stack_slots,
        ..Limits::default()
    }));
    for arch in Arch::ALL {
        let module = program(arch);
        let (jit, interp) = both(&module, &Limits::default());
        assert_eq!(jit, interp, "{arch:?}");
        let compiled = dotvm_jit::compile(&module).expect("the JIT covers this module");
        for limits in &limits {
            let (jit, interp) = both_compiled(&module, &compiled, limits);
            assert_eq!(jit, interp, "{arch:?} under {limits:?}");
        }
    }
}
