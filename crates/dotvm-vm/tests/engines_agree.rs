//! Differential property test of the two engines: random verified programs (locals,
//! globals, word and typed arithmetic, loads and stores, branches and loops, calls and
//! recursion, printing) give the same output, exit code, trap (kind, function, pc) and
//! instruction count in the threaded register engine (`run`) and in the precise
//! interpreter (`run_inspected`), on three word sizes and under random fuel limits, so the
//! switch from one engine to the other at the limit is exercised too.

mod common;

mod random_program;

use common::verified;
use dotvm_core::Arch;
use dotvm_vm::{BufferIo, Control, Inspector, Limits, MachineView, RunError};
use proptest::prelude::*;
use random_program::{module_of, program};

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
            let module = verified(module_of(program, arch));
            let mut fast_io = BufferIo::with_input(b"");
            let fast = dotvm_vm::run(&module, &limits, &mut fast_io);
            let mut precise_io = BufferIo::with_input(b"");
            let precise = dotvm_vm::run_inspected(&module, &limits, &mut precise_io, &mut Continue);
            prop_assert_eq!(
                observe(fast, &fast_io),
                observe(precise, &precise_io),
                "{} with fuel {}", arch, fuel
            );
        }
    }
}
