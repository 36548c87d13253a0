//! The value stack's peak (`HostStats::peak_stack_slots`) is exact: it is the smallest stack
//! limit a run fits in. The same run with that limit behaves as with a large one, and one
//! slot less overflows the stack, in the threaded engine and in the precise interpreter.

mod common;

mod random_program;

use common::verified;
use dotvm_core::{Arch, Verified};
use dotvm_vm::{
    BufferIo, Control, Host, Inspector, Limits, MachineView, RunError, TrapKind, run_hosted,
};
use proptest::prelude::*;
use random_program::{module_of, program};

/// Continues before every instruction: makes the run use the precise interpreter.
struct Continue;

impl Inspector for Continue {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        Control::Continue
    }
}

/// Runs `module` with a stack limit of `stack_slots`; the result and the recorded peak.
fn run(module: &Verified, stack_slots: usize, precise: bool) -> (Result<i32, RunError>, u64) {
    let limits = Limits {
        instructions: 200_000,
        stack_slots,
        ..Limits::default()
    };
    let mut host = Host::default();
    let mut io = BufferIo::with_input(b"");
    let mut inspector = Continue;
    let inspector: Option<&mut dyn Inspector> = precise.then_some(&mut inspector as _);
    let result = run_hosted(module, &limits, &mut io, &mut host, None, inspector)
        .map(|outcome| outcome.exit_code);
    (result, host.stats().peak_stack_slots)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_peak_is_the_smallest_stack_limit_a_run_fits_in(
        narrow in program(false),
        wide in program(true),
        precise in any::<bool>(),
    ) {
        for (program, arch) in [(&narrow, Arch::Arch32), (&wide, Arch::Arch64), (&wide, Arch::Arch256)] {
            let module = verified(module_of(program, arch));
            let (roomy, peak) = run(&module, 1 << 16, precise);
            prop_assume!(!matches!(&roomy, Err(RunError::Trap(t)) if t.kind == TrapKind::StackOverflow));
            let peak = usize::try_from(peak).expect("a small peak");
            prop_assert!(peak >= 1);
            let (tight, tight_peak) = run(&module, peak, precise);
            prop_assert_eq!(format!("{tight:?}"), format!("{roomy:?}"), "limit {} on {}", peak, arch);
            prop_assert_eq!(tight_peak, peak as u64);
            if peak > 1 {
                let (short, _) = run(&module, peak - 1, precise);
                let overflowed = matches!(&short, Err(RunError::Trap(t)) if t.kind == TrapKind::StackOverflow);
                prop_assert!(overflowed, "limit {} on {}: {:?}", peak - 1, arch, short);
            }
        }
    }
}
