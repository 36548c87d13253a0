//! Differential property test of the compiled tier against the interpreter: random
//! verified programs (the generator of `dotvm-vm`'s `engines_agree.rs`, included by path from
//! `crates/dotvm-vm/tests/random_program`: locals, globals, word and typed arithmetic,
//! loads and stores, branches and loops, calls and recursion, printing) give the same
//! output, exit code, trap (kind, function, pc), instruction count, peak memory and peak
//! value stack under `dotvm_jit` and under `dotvm_vm::run_hosted`, on all five architectures
//! (Arch32 with the generator's narrow programs, the others with its wide ones; 256- and
//! 512-bit words kept in the frame) and under random fuel and call-depth limits, so the JIT's block charges, its hand-over
//! to the precise interpreter at the instruction limit and its limit checks are exercised
//! too; the same with simd128 vectors (`jit_and_interpreter_agree_on_vectors`: the
//! generator's vector expressions, each vector one to four slots, compiled inline on
//! Arch32, Arch64 and Arch128 and stepped on Arch256 and Arch512).

#[allow(dead_code)]
mod common;
#[path = "../../dotvm-vm/tests/random_program/mod.rs"]
mod random_program;

use common::{both, call_depth, fuel, limits, verified};
use dotvm_core::Arch;
use dotvm_vm::Limits;
use proptest::prelude::*;
use random_program::{module_of, program, program_with};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn jit_and_interpreter_agree(
        narrow in program(false),
        wide in program(true),
        fuel in fuel(),
        depth in call_depth(),
    ) {
        let limits = limits(fuel, depth);
        // Wide programs keep an i64 or f64 in one slot: Arch32 runs the narrow ones.
        for arch in Arch::ALL {
            let program = if arch == Arch::Arch32 { &narrow } else { &wide };
            let (jit, interp) = both(&verified(module_of(program, arch)), &limits);
            prop_assert_eq!(jit, interp, "{} with fuel {} and depth {}", arch, fuel, depth);
        }
    }

    #[test]
    fn jit_and_interpreter_agree_on_vectors(
        narrow in program_with(false, true),
        wide in program_with(true, true),
        fuel in fuel(),
    ) {
        let limits = limits(fuel, Limits::default().call_depth);
        for arch in Arch::ALL {
            let program = if arch == Arch::Arch32 { &narrow } else { &wide };
            let (jit, interp) = both(&verified(module_of(program, arch)), &limits);
            prop_assert_eq!(jit, interp, "{} with fuel {}", arch, fuel);
        }
    }
}
