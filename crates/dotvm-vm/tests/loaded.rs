//! `LoadedModule`: a module loaded once runs any number of times, on any thread, with the
//! result of loading it afresh for each run (no state leaks from one run into the next).

mod common;

mod random_program;

use common::verified;
use dotvm_core::Arch;
use dotvm_vm::{BufferIo, Host, Limits, LoadedModule, RunError, run_hosted, run_loaded};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use random_program::{module_of, program};

/// What a run did, comparably.
fn observe(result: Result<dotvm_vm::Outcome, RunError>, io: &BufferIo) -> String {
    let end = match result {
        Ok(outcome) => format!(
            "exit {} after {} peak {}",
            outcome.exit_code, outcome.instructions, outcome.peak_memory
        ),
        Err(RunError::Trap(trap)) => format!(
            "trap {:?} in {} at pc {} after {}",
            trap.kind, trap.func, trap.pc, trap.instructions
        ),
        Err(other) => format!("error {other}"),
    };
    format!("{end}\n{}", io.output_text())
}

/// Runs `loaded` once with `limits`.
fn run_once(loaded: &LoadedModule, limits: &Limits) -> String {
    let mut io = BufferIo::with_input(b"");
    let result = run_loaded(loaded, limits, &mut io, &mut Host::default(), None, None);
    observe(result, &io)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_loaded_module_runs_like_a_fresh_load_every_time(
        narrow in program(false),
        wide in program(true),
        fuel in prop_oneof![Just(200_000u64), 1u64..3_000],
    ) {
        let limits = Limits { instructions: fuel, ..Limits::default() };
        for (program, arch) in [(&narrow, Arch::Arch32), (&wide, Arch::Arch64), (&wide, Arch::Arch512)] {
            let module = verified(module_of(program, arch));
            let mut io = BufferIo::with_input(b"");
            let fresh = observe(
                run_hosted(&module, &limits, &mut io, &mut Host::default(), None, None),
                &io,
            );
            let loaded = LoadedModule::load(&module).expect("a verified module loads");
            prop_assert_eq!(&run_once(&loaded, &limits), &fresh, "first run on {}", arch);
            prop_assert_eq!(&run_once(&loaded, &limits), &fresh, "second run on {}", arch);
        }
    }
}

#[test]
fn one_loaded_module_runs_on_many_threads_at_once() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let program = program(true)
        .new_tree(&mut runner)
        .expect("a program")
        .current();
    let module = verified(module_of(&program, Arch::Arch64));
    let limits = Limits::default();
    let loaded = LoadedModule::load(&module).expect("a verified module loads");
    let expected = run_once(&loaded, &limits);
    let results: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..8)
                        .map(|_| run_once(&loaded, &limits))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("no run panics"))
            .collect()
    });
    assert_eq!(results.len(), 32);
    for result in results {
        assert_eq!(result, expected);
    }
}
