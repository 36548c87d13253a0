//! The arithmetic loops as raw EVM bytecode, run by revm's interpreter directly (no
//! transaction, no database: a dummy host and an unlimited gas budget).
//!
//! The bytecode is hand-scheduled to be as tight as the EVM allows, so revm is measured at
//! its best: the counter counts up from `2^256 - n` to zero (`PUSH1 1; ADD`, no `SUB`
//! swap) and `x` and the counter trade places with one `SWAP1` each way.

use crate::arith::{Constants, Kernel};
use dotvm_core::{Arch, Imm};
use revm_interpreter::bytecode::Bytecode;
use revm_interpreter::bytecode::opcode::{
    ADD, DUP1, JUMPDEST, JUMPI, MSTORE, MUL, MULMOD, POP, PUSH0, RETURN, SWAP1,
};
use revm_interpreter::host::DummyHost;
use revm_interpreter::instructions::gas_table_spec;
use revm_interpreter::interpreter::{EthInterpreter, ExtBytecode};
use revm_interpreter::primitives::hardfork::SpecId;
use revm_interpreter::primitives::{Bytes, U256};
use revm_interpreter::{
    GasTable, InputsImpl, InstructionResult, InstructionTable, Interpreter, InterpreterAction,
    SharedMemory, instruction_table,
};

/// The hard fork whose rules (and gas costs) the interpreter uses.
const SPEC: SpecId = SpecId::OSAKA;

/// EVM bytecode being written, with a count of its instructions.
#[derive(Default)]
struct Writer {
    /// The bytes so far.
    code: Vec<u8>,
    /// Instructions written so far.
    instructions: u64,
}

impl Writer {
    /// Appends one instruction without an immediate.
    fn op(&mut self, opcode: u8) -> &mut Self {
        self.code.push(opcode);
        self.instructions += 1;
        self
    }

    /// Appends the shortest `PUSH` of `value` (`PUSH0` for zero).
    fn push(&mut self, value: U256) -> &mut Self {
        let bytes = value.to_be_bytes::<32>();
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(32);
        let width = 32 - start;
        // PUSH1..PUSH32 are consecutive opcodes, PUSH0 precedes PUSH1.
        self.op(PUSH0 + width as u8);
        self.code.extend_from_slice(&bytes[start..]);
        self
    }
}

/// The loop as EVM bytecode and the number of instructions one run executes.
pub(crate) struct EvmLoop {
    /// Analysed bytecode (jump destinations found once, outside the timed runs).
    pub(crate) code: Bytecode,
    /// Instructions one run executes.
    pub(crate) instructions: u64,
}

/// A 256-bit value from an immediate of at most 256 bits.
fn word(value: Imm) -> U256 {
    U256::from_limbs_slice(&value.as_limbs()[..4])
}

/// Builds `kernel`'s loop for `iterations` iterations (at least one: the body runs before
/// the test). It returns the final `x` as 32 big-endian bytes.
pub(crate) fn evm_loop(kernel: Kernel, iterations: u64) -> EvmLoop {
    let k = Constants::for_arch(Arch::Arch256);
    let mut w = Writer::default();
    // Stack (top last): x i, where i = 2^256 - iterations runs up to 0.
    w.push(word(k.x0))
        .push(U256::from(iterations).wrapping_neg());
    let prologue = w.instructions;
    let head = w.code.len();
    w.op(JUMPDEST).op(SWAP1); // i x
    match kernel {
        Kernel::MulMod => {
            w.push(word(k.m)).op(SWAP1); // i m x
            w.push(word(k.a)).op(MUL).push(word(k.b)).op(ADD); // i m t
            w.push(word(k.c)).op(MULMOD); // i x'
        }
        Kernel::MulAdd => {
            w.push(word(k.a)).op(MUL).push(word(k.b)).op(ADD); // i x'
        }
    }
    w.op(SWAP1).push(U256::from(1)).op(ADD).op(DUP1); // x' i' i'
    w.push(U256::from(head)).op(JUMPI); // x' i'
    let body = w.instructions - prologue;
    w.op(POP).op(PUSH0).op(MSTORE); // memory[0..32] = x'
    w.push(U256::from(32)).op(PUSH0).op(RETURN);
    let epilogue = w.instructions - prologue - body;
    EvmLoop {
        code: Bytecode::new_legacy(Bytes::from(w.code)),
        instructions: prologue + body * iterations + epilogue,
    }
}

/// revm's interpreter with its instruction and gas tables, built once for many runs.
pub(crate) struct Revm {
    /// Instruction handlers by opcode.
    table: InstructionTable<EthInterpreter, DummyHost>,
    /// Static gas costs by opcode.
    gas: GasTable,
}

impl Revm {
    /// The tables for [`SPEC`].
    pub(crate) fn new() -> Revm {
        Revm {
            table: instruction_table::<EthInterpreter, DummyHost>(),
            gas: gas_table_spec(SPEC),
        }
    }

    /// Runs `code` in a fresh interpreter and returns the 32 bytes it returns as a number.
    pub(crate) fn run(&self, code: &Bytecode) -> Result<U256, String> {
        let mut interpreter = Interpreter::<EthInterpreter>::new(
            SharedMemory::new(),
            ExtBytecode::new(code.clone()),
            InputsImpl::default(),
            false,
            SPEC,
            u64::MAX,
        );
        let mut host = DummyHost::new(SPEC);
        match interpreter.run_plain(&self.table, &self.gas, &mut host) {
            InterpreterAction::Return(result) if result.result == InstructionResult::Return => {
                let output: &[u8] = &result.output;
                <[u8; 32]>::try_from(output)
                    .map(U256::from_be_bytes)
                    .map_err(|_| format!("EVM returned {} bytes, not 32", output.len()))
            }
            InterpreterAction::Return(result) => {
                Err(format!("EVM stopped with {:?}", result.result))
            }
            InterpreterAction::NewFrame(_) => Err("EVM asked for a new call frame".to_string()),
        }
    }
}

/// The 256-bit value as an immediate.
pub(crate) fn to_imm(value: U256) -> Imm {
    Imm::from_limbs_slice(value.as_limbs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::reference;
    use revm_interpreter::bytecode::opcode::PUSH1;

    #[test]
    fn pushes_are_minimal() {
        let mut w = Writer::default();
        w.push(U256::ZERO).push(U256::from(0x1234)).push(U256::MAX);
        assert_eq!(&w.code[..4], &[PUSH0, PUSH1 + 1, 0x12, 0x34]);
        assert_eq!(w.code[4], PUSH1 + 31);
        assert_eq!(w.code.len(), 4 + 33);
        assert_eq!(w.instructions, 3);
    }

    #[test]
    fn revm_computes_the_reference_value() {
        let revm = Revm::new();
        for (kernel, body) in [(Kernel::MulMod, 16), (Kernel::MulAdd, 12)] {
            for iterations in [1, 2, 100] {
                let program = evm_loop(kernel, iterations);
                let value = revm.run(&program.code).unwrap();
                let expected = reference(kernel, Arch::Arch256, iterations);
                assert_eq!(to_imm(value), expected, "{kernel:?} x {iterations}");
                // Two pushes set up, six instructions store and return x.
                assert_eq!(program.instructions, 2 + body * iterations + 6);
            }
        }
    }
}
