//! The inspector hook sees every instruction, in order, with the machine state.

mod common;

use common::*;
use dotvm_core::Opcode::*;
use dotvm_core::{Imm, Opcode};
use dotvm_vm::{BufferIo, Control, Inspector, Limits, MachineView, RunError};

/// What the inspector saw before one instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    func: u32,
    pc: u32,
    opcode: Opcode,
    depth: usize,
    count: u64,
    operands: Vec<u64>,
    locals: Vec<u64>,
}

/// Records every instruction; stops before instruction number `stop_at`, if given.
#[derive(Default)]
struct Recorder {
    seen: Vec<Seen>,
    stop_at: Option<u64>,
}

fn words(values: Vec<Imm>) -> Vec<u64> {
    values.into_iter().map(|v| v.to::<u64>()).collect()
}

impl Inspector for Recorder {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        if Some(view.instructions()) == self.stop_at {
            return Control::Stop;
        }
        assert_eq!(view.word_bits(), 64);
        assert_eq!(view.memory().len(), 65536);
        self.seen.push(Seen {
            func: view.func(),
            pc: view.pc(),
            opcode: view.instruction().opcode,
            depth: view.call_depth(),
            count: view.instructions(),
            operands: words(view.operands().to_vec()),
            locals: words(view.locals().to_vec()),
        });
        Control::Continue
    }
}

/// main: a two-iteration counting loop (fusable), then calls double(i) and returns it.
fn program() -> (Code, Code, dotvm_core::Module) {
    let main = Code::new()
        .label("loop")
        .idx(LocalGet, 0)
        .push(1)
        .op(Add)
        .idx(LocalTee, 0)
        .push(2)
        .op(LtU)
        .jump(Jnz, "loop")
        .idx(LocalGet, 0)
        .idx(Call, 1)
        .op(Ret);
    let double = Code::new().idx(LocalGet, 0).op(Dup).op(Add).op(Ret);
    let m = module(vec![func(0, 1, 1, &main), func(1, 1, 0, &double)]);
    (main, double, m)
}

#[test]
fn sees_every_instruction_in_order_with_state() {
    let (main, double, m) = program();
    let program = verified(m);
    let mut recorder = Recorder::default();
    let mut io = BufferIo::default();
    let outcome =
        dotvm_vm::run_inspected(&program, &Limits::default(), &mut io, &mut recorder).unwrap();
    assert_eq!(outcome.exit_code, 4);

    let mut expected = Vec::new();
    let mut count = 0;
    let mut see = |func, pc, opcode, depth, operands: &[u64], locals: &[u64]| {
        expected.push(Seen {
            func,
            pc,
            opcode,
            depth,
            count,
            operands: operands.to_vec(),
            locals: locals.to_vec(),
        });
        count += 1;
    };
    for i in 0..2 {
        let l = [i];
        see(0, main.pc_of(0), LocalGet, 1, &[], &l);
        see(0, main.pc_of(1), Push, 1, &[i], &l);
        see(0, main.pc_of(2), Add, 1, &[i, 1], &l);
        see(0, main.pc_of(3), LocalTee, 1, &[i + 1], &l);
        let l = [i + 1];
        see(0, main.pc_of(4), Push, 1, &[i + 1], &l);
        see(0, main.pc_of(5), LtU, 1, &[i + 1, 2], &l);
        see(0, main.pc_of(6), Jnz, 1, &[u64::from(i + 1 < 2)], &l);
    }
    see(0, main.pc_of(7), LocalGet, 1, &[], &[2]);
    see(0, main.pc_of(8), Call, 1, &[2], &[2]);
    see(1, double.pc_of(0), LocalGet, 2, &[], &[2]);
    see(1, double.pc_of(1), Dup, 2, &[2], &[2]);
    see(1, double.pc_of(2), Add, 2, &[2, 2], &[2]);
    see(1, double.pc_of(3), Ret, 2, &[4], &[2]);
    see(0, main.pc_of(9), Ret, 1, &[4], &[2]);
    assert_eq!(recorder.seen, expected);
    assert_eq!(outcome.instructions, count);
}

#[test]
fn inspected_and_fast_runs_agree() {
    let (_, _, m) = program();
    let fast = run(m.clone()).0.unwrap();
    let program = verified(m);
    let mut io = BufferIo::default();
    let inspected = dotvm_vm::run_inspected(
        &program,
        &Limits::default(),
        &mut io,
        &mut Recorder::default(),
    )
    .unwrap();
    assert_eq!(fast, inspected);
}

#[test]
fn stop_ends_the_run_before_the_instruction() {
    let (main, _, m) = program();
    let program = verified(m);
    let mut recorder = Recorder {
        stop_at: Some(5),
        ..Recorder::default()
    };
    let mut io = BufferIo::default();
    let err =
        dotvm_vm::run_inspected(&program, &Limits::default(), &mut io, &mut recorder).unwrap_err();
    let RunError::Stopped(stopped) = err else {
        panic!("expected a stop, got {err:?}");
    };
    assert_eq!(
        (stopped.func, stopped.pc, stopped.instructions),
        (0, main.pc_of(5), 5)
    );
    assert_eq!(recorder.seen.len(), 5);
}

#[test]
fn inspected_runs_respect_the_instruction_limit() {
    let (main, _, m) = program();
    let program = verified(m);
    let limits = Limits {
        instructions: 9,
        ..Limits::default()
    };
    let mut recorder = Recorder::default();
    let mut io = BufferIo::default();
    let err = dotvm_vm::run_inspected(&program, &limits, &mut io, &mut recorder).unwrap_err();
    let trap = err.trap().expect("a trap");
    assert_eq!(trap.kind, dotvm_vm::TrapKind::InstructionLimit);
    assert_eq!((trap.pc, trap.instructions), (main.pc_of(2), 9));
    assert_eq!(recorder.seen.len(), 9);
}

/// The call depth and the locals of the first and second callers at one instruction.
type CallerLocals = (usize, Option<Vec<u64>>, Option<Vec<u64>>);

/// Records, at every instruction of `double`, the caller's locals as the view shows them.
#[derive(Default)]
struct CallerWatcher {
    seen: Vec<CallerLocals>,
}

impl Inspector for CallerWatcher {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        if view.func() == 1 {
            self.seen.push((
                view.call_depth(),
                view.caller_locals(1).map(words),
                view.caller_locals(2).map(words),
            ));
        }
        // The running frame is not a caller.
        assert!(view.caller_locals(0).is_none());
        Control::Continue
    }
}

#[test]
fn the_view_shows_the_callers_locals() {
    let (_, _, m) = program();
    let program = verified(m);
    let mut watcher = CallerWatcher::default();
    let mut io = BufferIo::default();
    dotvm_vm::run_inspected(&program, &Limits::default(), &mut io, &mut watcher).unwrap();
    // `double` runs 4 instructions called from `main`, whose local 0 is 2 then.
    assert_eq!(watcher.seen.len(), 4);
    for (depth, caller, beyond) in watcher.seen {
        assert_eq!(depth, 2);
        assert_eq!(caller, Some(vec![2]));
        assert_eq!(beyond, None);
    }
}
