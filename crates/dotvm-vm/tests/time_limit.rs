//! The wall-clock limit and the interrupt flag: an infinite loop, a loop of long host
//! instructions and a precise (inspected) run all stop soon after the deadline, trap with
//! the time limit at an instruction of the loop, and an embedder's interrupt stops a run
//! from another thread.

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_vm::{
    BufferIo, Control, Inspector, Interrupt, Limits, MachineView, RunError, Trap, TrapKind,
};
use std::time::{Duration, Instant};

fn verified(source: &str) -> Verified {
    let module =
        assemble(source, "t.dasm", &AsmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    Verified::new(module).unwrap_or_else(|e| panic!("{e}"))
}

/// An endless counting loop.
const SPIN: &str = "
.func main
    .local i
top:
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_SET i
    JMP top
.end
";

/// An endless loop of BigInt multiplications of a growing-then-reset number (host work).
const BIGINT_SPIN: &str = "
.func main
    .local a
    PUSH 3
    BIGINT_FROM_WORD
    LOCAL_SET a
top:
    LOCAL_GET a
    LOCAL_GET a
    BIGINT_MUL
    BIGINT_FREE
    JMP top
.end
";

fn trap_of(result: Result<dotvm_vm::Outcome, RunError>) -> Trap {
    match result {
        Err(RunError::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

fn timed(limit: Duration) -> Limits {
    Limits {
        time: Some(limit),
        ..Limits::default()
    }
}

#[test]
fn an_infinite_loop_stops_at_the_time_limit() {
    let program = verified(SPIN);
    let limit = Duration::from_millis(200);
    let start = Instant::now();
    let trap = trap_of(dotvm_vm::run(
        &program,
        &timed(limit),
        &mut BufferIo::default(),
    ));
    let took = start.elapsed();
    assert_eq!(trap.kind, TrapKind::TimeLimit { limit });
    assert!(
        took >= limit && took < limit + Duration::from_millis(100),
        "{took:?}"
    );
    assert_eq!(trap.function, "main");
    assert_eq!(
        trap.to_string(),
        format!("time limit reached (200ms) in main at pc {}", trap.pc)
    );
    assert!(trap.instructions > 1000);
}

#[test]
fn long_host_instructions_stop_at_the_time_limit() {
    let program = verified(BIGINT_SPIN);
    let limit = Duration::from_millis(150);
    let start = Instant::now();
    let trap = trap_of(dotvm_vm::run(
        &program,
        &timed(limit),
        &mut BufferIo::default(),
    ));
    assert_eq!(trap.kind, TrapKind::TimeLimit { limit });
    assert!(start.elapsed() < limit + Duration::from_millis(100));
}

/// Counts instructions and never stops the run.
struct Counter(u64);

impl Inspector for Counter {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        self.0 += 1;
        Control::Continue
    }
}

#[test]
fn precise_runs_stop_before_an_unpaid_instruction() {
    let program = verified(SPIN);
    let limit = Duration::from_millis(100);
    let mut counter = Counter(0);
    let trap = trap_of(dotvm_vm::run_inspected(
        &program,
        &timed(limit),
        &mut BufferIo::default(),
        &mut counter,
    ));
    assert_eq!(trap.kind, TrapKind::TimeLimit { limit });
    // Every instruction the inspector saw ran and was paid for.
    assert_eq!(trap.instructions, counter.0);
}

#[test]
fn the_embedder_interrupts_a_run_from_another_thread() {
    let program = verified(SPIN);
    let interrupt = Interrupt::new();
    let limits = Limits {
        interrupt: Some(interrupt.clone()),
        ..Limits::default()
    };
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        interrupt.raise();
    });
    let trap = trap_of(dotvm_vm::run(&program, &limits, &mut BufferIo::default()));
    raiser.join().unwrap();
    assert_eq!(trap.kind, TrapKind::Interrupted);
    // A raised flag stops the next run at once, until the embedder lowers it.
    let handle = limits.interrupt.clone().unwrap();
    assert!(handle.is_raised());
    let at_once = trap_of(dotvm_vm::run(&program, &limits, &mut BufferIo::default()));
    assert_eq!(
        (at_once.kind, at_once.instructions),
        (TrapKind::Interrupted, 0)
    );
    handle.clear();
    let bounded = Limits {
        instructions: 1000,
        ..limits.clone()
    };
    let limited = trap_of(dotvm_vm::run(&program, &bounded, &mut BufferIo::default()));
    assert_eq!(limited.kind, TrapKind::InstructionLimit);
    assert_eq!(
        trap.to_string(),
        format!("interrupted by the embedder in main at pc {}", trap.pc)
    );
}

#[test]
fn a_run_within_its_time_limit_is_unaffected() {
    let program = verified(".func main results=1\n    PUSH 7\n    RET\n.end\n");
    let outcome = dotvm_vm::run(
        &program,
        &timed(Duration::from_secs(5)),
        &mut BufferIo::default(),
    );
    assert_eq!(outcome.unwrap().exit_code, 7);
}
