//! Resumable fuel: running a program in slices of fuel (suspending whenever the fuel runs
//! out, adding more and resuming) gives exactly the result of one run with unlimited fuel:
//! exit code, fuel used, peak memory and output. The programs are the repository's
//! examples, which cover calls, loops, memory, 512-bit words, hashing and BigInts.

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_vm::{BufferIo, Execution, Host, Limits, Progress, RunError, TrapKind};
use proptest::prelude::*;
use std::path::Path;

const EXAMPLES: [&str; 8] = [
    "factorial.dasm",
    "factorial512.dasm",
    "fib_iterative.dasm",
    "hash.dasm",
    "memory.dasm",
    "modexp256.dasm",
    "bigint_factorial.dasm",
    "hello.dasm",
];

fn example(name: &str) -> Verified {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let source = std::fs::read_to_string(&path).unwrap();
    let module = assemble(&source, name, &AsmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    Verified::new(module).unwrap_or_else(|e| panic!("{e}"))
}

/// What a run produced: its outcome (or error text) and its output.
type Result = (std::result::Result<dotvm_vm::Outcome, String>, Vec<u8>);

fn in_one_run(program: &Verified) -> Result {
    let mut io = BufferIo::default();
    let outcome = dotvm_vm::run(program, &Limits::default(), &mut io).map_err(|e| e.to_string());
    (outcome, io.output)
}

/// Runs `program` giving it the fuel of `slices` in turn (cycling), and counts the
/// suspensions.
fn in_slices(program: &Verified, slices: &[u64]) -> (Result, u64) {
    let limits = Limits {
        instructions: slices[0],
        ..Limits::default()
    };
    let mut run = Execution::new(program, &limits).unwrap();
    let (mut io, mut host) = (BufferIo::default(), Host::default());
    let mut suspensions = 0;
    let outcome = loop {
        match run.resume(&mut io, &mut host, None) {
            Ok(Progress::Finished(outcome)) => break Ok(outcome),
            Ok(Progress::OutOfFuel { used }) => {
                assert!(used > 0 || slices[0] == 0);
                suspensions += 1;
                run.add_fuel(slices[suspensions as usize % slices.len()]);
            }
            Err(e) => break Err(e.to_string()),
        }
    };
    ((outcome, io.output), suspensions)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn slices_of_fuel_give_the_result_of_one_run(
        which in 0..EXAMPLES.len(),
        slices in prop::collection::vec(prop_oneof![1u64..8, 8u64..200, 200u64..20_000], 1..6),
    ) {
        let program = example(EXAMPLES[which]);
        let whole = in_one_run(&program);
        let total = whole.0.as_ref().map(|o| o.instructions).unwrap_or_else(|e| panic!("{e}"));
        // Keep the number of suspensions reasonable on the long examples.
        let floor = total / 2000;
        let slices: Vec<u64> = slices.into_iter().map(|s| s.max(floor)).collect();
        let (sliced, suspensions) = in_slices(&program, &slices);
        prop_assert_eq!(&sliced, &whole);
        prop_assert!(suspensions >= (total / slices.iter().max().unwrap()).saturating_sub(1));
    }
}

#[test]
fn one_instruction_at_a_time_matches_one_run() {
    for name in ["factorial512.dasm", "hash.dasm", "memory.dasm"] {
        let program = example(name);
        let (sliced, suspensions) = in_slices(&program, &[1]);
        let whole = in_one_run(&program);
        assert_eq!(sliced, whole, "{name}");
        assert_eq!(suspensions, whole.0.unwrap().instructions - 1, "{name}");
    }
}

#[test]
fn an_ended_run_cannot_be_resumed_and_traps_end_it() {
    let module = assemble(
        ".func main\n    PUSH 1\n    PUSH 0\n    DIV_U\n    HALT\n.end\n",
        "t.dasm",
        &AsmOptions::default(),
    )
    .unwrap();
    let program = Verified::new(module).unwrap();
    let mut run = Execution::new(
        &program,
        &Limits {
            instructions: 2,
            ..Limits::default()
        },
    )
    .unwrap();
    let (mut io, mut host) = (BufferIo::default(), Host::default());
    assert_eq!(
        run.resume(&mut io, &mut host, None),
        Ok(Progress::OutOfFuel { used: 2 })
    );
    run.add_fuel(10);
    match run.resume(&mut io, &mut host, None) {
        Err(RunError::Trap(trap)) => {
            assert_eq!(trap.kind, TrapKind::DivideByZero);
            assert_eq!(trap.instructions, 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(run.resume(&mut io, &mut host, None).is_err());
}
