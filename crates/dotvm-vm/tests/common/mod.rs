//! Builds small modules in memory for the interpreter tests.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part

use dotvm_core::instruction::Operand;
use dotvm_core::module::{Constant, DataSegment, Function, Global, Memory};
use dotvm_core::syscall::Syscall;
use dotvm_core::{Imm, Instruction, Module, Opcode, Verified};
use dotvm_vm::{BufferIo, Limits, Outcome, RunError, Trap, TrapKind};

/// A function body under construction, with named labels for jumps.
#[derive(Default, Clone)]
pub struct Code {
    bytes: Vec<u8>,
    labels: Vec<(&'static str, u32)>,
    fixups: Vec<(usize, &'static str)>,
    pcs: Vec<u32>,
}

impl Code {
    pub fn new() -> Code {
        Code::default()
    }

    fn emit(mut self, opcode: Opcode, operand: Operand) -> Code {
        self.pcs.push(self.bytes.len() as u32);
        Instruction { opcode, operand }.encode(&mut self.bytes);
        self
    }

    /// An instruction with any operand.
    pub fn with(self, opcode: Opcode, operand: Operand) -> Code {
        self.emit(opcode, operand)
    }

    /// An instruction without an operand.
    pub fn op(self, opcode: Opcode) -> Code {
        self.emit(opcode, Operand::None)
    }

    /// Several instructions without operands.
    pub fn ops(self, opcodes: &[Opcode]) -> Code {
        opcodes.iter().fold(self, |code, &op| code.op(op))
    }

    /// `PUSH value`.
    pub fn push(self, value: u64) -> Code {
        self.emit(Opcode::Push, Operand::Imm(Imm::from(value)))
    }

    /// `PUSH` of an immediate of any width.
    pub fn push_imm(self, value: Imm) -> Code {
        self.emit(Opcode::Push, Operand::Imm(value))
    }

    /// `PUSH` of a negative number (two's complement in 64 bits).
    pub fn push_i(self, value: i64) -> Code {
        self.push(value as u64)
    }

    /// An instruction with an index operand (local, global, function, constant).
    pub fn idx(self, opcode: Opcode, index: u32) -> Code {
        self.emit(opcode, Operand::Index(index))
    }

    /// A load or store with its offset.
    pub fn mem(self, opcode: Opcode, offset: u32) -> Code {
        self.emit(opcode, Operand::Offset(offset))
    }

    /// `PICK depth`.
    pub fn pick(self, depth: u8) -> Code {
        self.emit(Opcode::Pick, Operand::Depth(depth))
    }

    /// `SYSCALL call`.
    pub fn sys(self, call: Syscall) -> Code {
        self.emit(Opcode::Syscall, Operand::Syscall(call.number()))
    }

    /// A jump to a label.
    pub fn jump(mut self, opcode: Opcode, label: &'static str) -> Code {
        let at = self.bytes.len() + 1;
        self.fixups.push((at, label));
        self.emit(opcode, Operand::Target(0))
    }

    /// Binds a label to the next instruction.
    pub fn label(mut self, label: &'static str) -> Code {
        self.labels.push((label, self.bytes.len() as u32));
        self
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.pcs.len()
    }

    /// This code followed by `more` (which must not use labels).
    pub fn then(mut self, more: Code) -> Code {
        let base = self.bytes.len() as u32;
        self.pcs.extend(more.pcs.iter().map(|pc| pc + base));
        self.bytes.extend_from_slice(&more.bytes);
        self
    }

    /// The byte offset of instruction number `index`.
    pub fn pc_of(&self, index: usize) -> u32 {
        self.pcs[index]
    }

    /// The encoded body with jump targets patched.
    pub fn bytes(&self) -> Vec<u8> {
        let mut bytes = self.bytes.clone();
        for &(at, label) in &self.fixups {
            let (_, pc) = self
                .labels
                .iter()
                .find(|(name, _)| *name == label)
                .unwrap_or_else(|| panic!("unbound label {label}"));
            bytes[at..at + 4].copy_from_slice(&pc.to_le_bytes());
        }
        bytes
    }
}

/// A function with the given signature; `max_stack` is filled in by [`verified`].
pub fn func(params: u16, results: u16, locals: u16, code: &Code) -> Function {
    Function {
        params,
        results,
        locals,
        max_stack: 0,
        code: code.bytes(),
        ..Default::default()
    }
}

/// A module whose entry is function 0, with one page of memory.
pub fn module(functions: Vec<Function>) -> Module {
    Module {
        functions,
        memory: Memory {
            initial_pages: 1,
            max_pages: None,
            segments: Vec::new(),
        },
        ..Module::default()
    }
}

/// A module with only an entry function returning one result.
pub fn main_module(code: &Code) -> Module {
    module(vec![func(0, 1, 0, code)])
}

/// Adds constants to a module.
pub fn with_constants(mut module: Module, constants: Vec<Constant>) -> Module {
    module.constants = constants;
    module
}

/// Adds globals to a module.
pub fn with_globals(mut module: Module, globals: &[(u64, bool)]) -> Module {
    module.globals = globals
        .iter()
        .map(|&(init, mutable)| Global {
            init: Imm::from(init),
            mutable,
        })
        .collect();
    module
}

/// Adds data segments to a module.
pub fn with_segments(mut module: Module, segments: Vec<(u64, Vec<u8>)>) -> Module {
    module.memory.segments = segments
        .into_iter()
        .map(|(offset, bytes)| DataSegment { offset, bytes })
        .collect();
    module
}

/// Fills in every function's `max_stack` and verifies the module.
pub fn verified(mut module: Module) -> Verified {
    for f in 0..module.functions.len() {
        module.functions[f].max_stack = dotvm_core::verify::required_max_stack(&module, f as u32)
            .unwrap_or_else(|e| panic!("function {f}: {e}"));
    }
    Verified::new(module).unwrap_or_else(|e| panic!("verification failed: {e}"))
}

/// Runs a module with default limits and no input.
pub fn run(module: Module) -> (Result<Outcome, RunError>, BufferIo) {
    run_with(module, &Limits::default(), b"")
}

/// Runs a module with the given limits and input.
pub fn run_with(
    module: Module,
    limits: &Limits,
    input: &[u8],
) -> (Result<Outcome, RunError>, BufferIo) {
    let program = verified(module);
    let mut io = BufferIo::with_input(input);
    let result = dotvm_vm::run(&program, limits, &mut io);
    (result, io)
}

/// The exit code of a module that must finish.
pub fn exit_code(module: Module) -> i32 {
    match run(module).0 {
        Ok(outcome) => outcome.exit_code,
        Err(e) => panic!("run failed: {e}"),
    }
}

/// The value a straight-line entry body leaves on the stack, as the exit code's 32 bits
/// can't hold a word: the body's result is compared in the program with `expected`.
pub fn evaluates_to(body: Code, expected: u64) -> bool {
    let code = body.push(expected).op(Opcode::Eq).op(Opcode::Ret);
    exit_code(main_module(&code)) == 1
}

/// The trap a module must raise.
pub fn trap_of(module: Module) -> Trap {
    trap_with(module, &Limits::default())
}

/// The trap a module must raise under `limits`.
pub fn trap_with(module: Module, limits: &Limits) -> Trap {
    match run_with(module, limits, b"").0 {
        Err(RunError::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// Shorthand for an out-of-bounds trap kind.
pub fn oob(address: u128, len: u64) -> TrapKind {
    TrapKind::OutOfBounds { address, len }
}
