//! Differential property test of the two engines: random verified programs (locals,
//! globals, word and typed arithmetic, loads and stores, memory copies and fills, branches
//! and loops, calls and recursion, printing) give the same output, exit code, trap (kind,
//! function, pc) and instruction count in the threaded register engine (`run`) and in the
//! precise interpreter (`run_inspected`), on three word sizes and under random fuel limits,
//! so the switch from one engine to the other at the limit is exercised too; the same with
//! simd128 vectors (each vector one to four slots), and a vector loop on every
//! architecture.

mod common;

mod random_program;

use common::verified;
use dotvm_core::Arch;
use dotvm_vm::{BufferIo, Control, Inspector, Limits, MachineView, RunError};
use proptest::prelude::*;
use random_program::{module_of, program, program_with};

/// Continues before every instruction: makes the run use the precise interpreter.
struct Continue;

impl Inspector for Continue {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        Control::Continue
    }
}

/// What a run did, comparably.
fn observe(result: Result<dotvm_vm::Outcome, RunError>, io: &BufferIo) -> String {
    let end = match result {
        Ok(outcome) => format!("exit {} after {}", outcome.exit_code, outcome.instructions),
        Err(RunError::Trap(trap)) => format!(
            "trap {:?} in {} at pc {} after {}",
            trap.kind, trap.func, trap.pc, trap.instructions
        ),
        Err(other) => format!("error {other}"),
    };
    format!("{end}\n{}", io.output_text())
}

/// What the threaded engine and the precise interpreter observe running `module`.
fn observe_both(module: &dotvm_core::Verified, limits: &Limits) -> (String, String) {
    let mut fast_io = BufferIo::with_input(b"");
    let fast = dotvm_vm::run(module, limits, &mut fast_io);
    let mut precise_io = BufferIo::with_input(b"");
    let precise = dotvm_vm::run_inspected(module, limits, &mut precise_io, &mut Continue);
    (observe(fast, &fast_io), observe(precise, &precise_io))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn threaded_and_precise_engines_agree(
        narrow in program(false),
        wide in program(true),
        fuel in prop_oneof![Just(200_000u64), 1u64..3_000],
        depth in prop_oneof![Just(10_000usize), 1usize..6],
    ) {
        let limits = Limits {
            instructions: fuel,
            call_depth: depth,
            ..Limits::default()
        };
        for (program, arch) in [(&narrow, Arch::Arch32), (&wide, Arch::Arch64), (&wide, Arch::Arch256)] {
            let (fast, precise) = observe_both(&verified(module_of(program, arch)), &limits);
            prop_assert_eq!(fast, precise, "{} with fuel {}", arch, fuel);
        }
    }

    #[test]
    fn threaded_and_precise_engines_agree_on_vectors(
        narrow in program_with(false, true),
        wide in program_with(true, true),
        fuel in prop_oneof![Just(200_000u64), 1u64..3_000],
    ) {
        let limits = Limits {
            instructions: fuel,
            ..Limits::default()
        };
        let runs = [
            (&narrow, Arch::Arch32),
            (&wide, Arch::Arch64),
            (&wide, Arch::Arch128),
            (&wide, Arch::Arch512),
        ];
        for (program, arch) in runs {
            let (fast, precise) = observe_both(&verified(module_of(program, arch)), &limits);
            prop_assert_eq!(fast, precise, "{} with fuel {}", arch, fuel);
        }
    }
}

/// Runs `source` (assembly) in both engines; returns what the threaded engine did after
/// checking that the precise interpreter did the same.
fn both_engines(source: &str) -> String {
    let module = dotvm_core::asm::assemble(source, "fused.dasm", &Default::default()).unwrap();
    let (fast, precise) = observe_both(&verified(module), &Limits::default());
    assert_eq!(fast, precise, "{source}");
    fast
}

/// A loop in a called function using every fused form (address adds of stores and typed
/// loads and stores, a counter step with its compare-and-branch, a product feeding an
/// add), then `ACCESS` at address `ADDR` + 16 of `LOCAL_GET i; PUSH ADDR; I32_ADD`.
const FUSED: &str = r#"
.arch arch64
.memory 1 1
.func main results=1
    CALL body
    RET
.end
.func body results=1
    .local i
    .local x
loop:
    PUSH 64
    LOCAL_GET i
    I32_ADD
    LOCAL_GET i
    STORE8
    LOCAL_GET i
    PUSH 64
    I32_ADD
    I32_LOAD8_S
    LOCAL_SET x
    PUSH 128
    LOCAL_GET x
    I32_ADD
    LOCAL_GET i
    I32_STORE +4
    LOCAL_GET x
    LOCAL_GET x
    F64_MUL
    LOCAL_GET i
    F64_ADD
    LOCAL_SET x
    LOCAL_GET i
    PUSH 1
    I32_ADD
    LOCAL_TEE i
    PUSH 16
    I32_LT_U
    JNZ loop
    LOCAL_GET i
    PUSH ADDR
    I32_ADD
    ACCESS
    LOCAL_GET x
    RET
.end
"#;

#[test]
fn fused_ops_run_and_trap_as_their_instructions() {
    let program = |addr: u32, access: &str| {
        FUSED
            .replace("ADDR", &addr.to_string())
            .replace("ACCESS", access)
    };
    // In bounds, the loop runs to its end in both engines.
    let done = both_engines(&program(0, "PUSH 7\n    STORE16 +16"));
    assert!(done.starts_with("exit "), "{done}");
    // Out of bounds, each fused access traps at its own instruction in `body` (func 1),
    // in both engines alike (`both_engines` compares function, pc and count).
    for access in [
        "PUSH 7\n    STORE16 +16",
        "PUSH 7\n    I64_STORE +16",
        "I64_LOAD +16",
        "LOAD32_U +16",
    ] {
        let trapped = both_engines(&program(65_530, access));
        assert!(
            trapped.starts_with("trap OutOfBounds") && trapped.contains(" in 1 at pc "),
            "{access}: {trapped}"
        );
    }
}

/// A vector loop (`ARCH` replaced): sums `i32x4` products of 16-byte rows of memory and of a
/// vector local, mixes in a shuffle, a bitselect, a lane replace and a shift, and returns
/// lane 0 plus lane 3 plus the bitmask; then `ACCESS`.
const VECTOR_LOOP: &str = r#"
.arch ARCH
.memory 1 1
.func main results=1
    CALL body
    RET
.end
.func body results=1
    .local i
    .local acc0
    .local acc1
    .local acc2
    .local acc3
    .local k0
    .local k1
    .local k2
    .local k3
    V128_CONST i32x4 3 -5 7 1000000
    SET_K
loop:
    LOCAL_GET i
    V128_CONST i32x4 1 2 3 4
    LOCAL_GET i
    I32X4_SPLAT
    I32X4_MUL
    V128_STORE +256
    LOCAL_GET i
    V128_LOAD +256
    GET_K
    I32X4_MUL
    GET_ACC
    I32X4_ADD
    GET_ACC
    GET_ACC
    I8X16_SHUFFLE 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
    V128_CONST i8x16 255 0 255 0 255 0 255 0 255 0 255 0 255 0 255 0
    V128_BITSELECT
    LOCAL_GET i
    I32X4_REPLACE_LANE 2
    PUSH 1
    I32X4_SHL
    SET_ACC
    LOCAL_GET i
    PUSH 16
    I32_ADD
    LOCAL_TEE i
    PUSH 512
    I32_LT_U
    JNZ loop
    GET_ACC
    I32X4_EXTRACT_LANE 0
    GET_ACC
    I32X4_EXTRACT_LANE 3
    I32_ADD
    GET_ACC
    I8X16_BITMASK
    I32_ADD
    ACCESS
    RET
.end
"#;

/// `VECTOR_LOOP` on `arch` with `access` at its end; its vector locals take as many
/// slots as a `v128` does there.
fn vector_loop(arch: Arch, access: &str) -> String {
    let slots = dotvm_core::isa::ValType::V128.slots(arch);
    let get = |first: u32| {
        (first..first + slots)
            .map(|l| format!("LOCAL_GET {l}"))
            .collect::<Vec<_>>()
            .join("\n    ")
    };
    let set = |first: u32| {
        (first..first + slots)
            .rev()
            .map(|l| format!("LOCAL_SET {l}"))
            .collect::<Vec<_>>()
            .join("\n    ")
    };
    VECTOR_LOOP
        .replace("ARCH", &arch.name().to_ascii_lowercase())
        .replace("GET_ACC", &get(1))
        .replace("SET_ACC", &set(1))
        .replace("GET_K", &get(5))
        .replace("SET_K", &set(5))
        .replace("ACCESS", access)
}

#[test]
fn vector_loops_run_alike_on_every_architecture() {
    // The same exit code on every word size (a vector is four, two or one slots; the
    // instruction counts differ with the local reads), in both engines (`both_engines`
    // compares them).
    let exits: Vec<String> = Arch::ALL
        .iter()
        .map(|&arch| {
            let done = both_engines(&vector_loop(arch, ""));
            done.split(" after").next().unwrap_or_default().to_string()
        })
        .collect();
    assert!(exits[0].starts_with("exit "), "{}", exits[0]);
    assert!(exits.iter().all(|e| *e == exits[0]), "{exits:?}");
    // A vector load out of bounds traps at its own instruction in `body` (func 1).
    for arch in Arch::ALL {
        let access = "PUSH 65530\n    V128_LOAD +8\n    I32X4_ALL_TRUE\n    I32_ADD";
        let trapped = both_engines(&vector_loop(arch, access));
        assert!(
            trapped.starts_with("trap OutOfBounds") && trapped.contains(" in 1 at pc "),
            "{arch}: {trapped}"
        );
    }
}
