//! A trap records the active calls (`Trap::callers`): the same frames, with the pc of each
//! `CALL`, whether the threaded engine or the precise interpreter (inspected run) ran.

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_vm::{
    BufferIo, CallSite, Control, Inspector, Limits, MachineView, RunError, Trap, TrapKind,
};

/// main → outer → inner, which divides by zero after a loop (so that the threaded
/// engine runs fused code before the fault).
const PROGRAM: &str = "
.func main
    PUSH 7
    CALL outer
    POP
    HALT
.end
.func outer params=1 results=1
    LOCAL_GET 0
    PUSH 0
    CALL inner
    RET
.end
.func inner params=2 results=1 locals=1
loop:
    LOCAL_GET 2
    PUSH 1
    ADD
    LOCAL_TEE 2
    PUSH 10
    LT_U
    JNZ loop
    LOCAL_GET 0
    LOCAL_GET 1
    DIV_U
    RET
.end
";

/// Looks at nothing; makes the run use the precise interpreter.
struct Watch;

impl Inspector for Watch {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        Control::Continue
    }
}

fn trap(inspected: bool) -> Trap {
    let module = assemble(PROGRAM, "bt.dasm", &AsmOptions::default()).expect("assembles");
    let verified = Verified::new(module).expect("verifies");
    let mut io = BufferIo::default();
    let result = if inspected {
        dotvm_vm::run_inspected(&verified, &Limits::default(), &mut io, &mut Watch)
    } else {
        dotvm_vm::run(&verified, &Limits::default(), &mut io)
    };
    match result {
        Err(RunError::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn a_trap_lists_its_callers_in_both_engines() {
    // outer: LOCAL_GET 0 (5 bytes), PUSH 0 (2 bytes), CALL at pc 7;
    // main: PUSH 7 (3 bytes), CALL at pc 3.
    let callers = vec![CallSite { func: 1, pc: 7 }, CallSite { func: 0, pc: 3 }];
    for inspected in [false, true] {
        let trap = trap(inspected);
        assert_eq!(trap.kind, TrapKind::DivideByZero);
        assert_eq!((trap.func, trap.function.as_str()), (2, "inner"));
        assert_eq!(trap.callers, callers, "inspected: {inspected}");
    }
}
