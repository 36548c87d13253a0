//! The plain executable form: one pre-decoded [`Op`] per bytecode instruction, with jump
//! targets resolved to instruction indices. The precise interpreter (`exec/interp.rs`) runs
//! it, counting each instruction and calling the inspector before each one; the register
//! form (`crate::reg`) is lowered from it.

use crate::bigint_op::BigOp;
use crate::crypto_op::CryptoOp;
use crate::db_op::DbOp;
use crate::lane_op::LaneInst;
use crate::simd_op::SimdInst;
use crate::typed_op::TypedInst;
use crate::word_op::{WordBinary, WordTernary, WordUnary};
use dotvm_core::syscall::Syscall;

/// One internal operation. `W` is the machine word; targets are op indices in the same code
/// sequence; `u32` indices are local, global, function or constant indices the verifier proved
/// in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op<W> {
    /// `NOP`.
    Nop,
    /// `UNREACHABLE`.
    Unreachable,
    /// `HALT`.
    Halt,
    /// `JMP`.
    Jmp(u32),
    /// `JZ`.
    Jz(u32),
    /// `JNZ`.
    Jnz(u32),
    /// `CALL`.
    Call(u32),
    /// `RET`.
    Ret,
    /// `PUSH`, and `PUSH_CONST` of a number.
    Push(W),
    /// `PUSH_CONST` of a constant that takes two slots (a string or bytes, or an f64 on
    /// Arch32): pushes its pair from the program's pair table.
    PushPair(u32),
    /// `POP`.
    Pop,
    /// `DUP`.
    Dup,
    /// `SWAP`.
    Swap,
    /// `ROT`.
    Rot,
    /// `OVER`.
    Over,
    /// `PICK`.
    Pick(u8),
    /// `LOCAL_GET`.
    LocalGet(u32),
    /// `LOCAL_SET`.
    LocalSet(u32),
    /// `LOCAL_TEE`.
    LocalTee(u32),
    /// `GLOBAL_GET`.
    GlobalGet(u32),
    /// `GLOBAL_SET`.
    GlobalSet(u32),
    /// A word instruction with two operands (arithmetic, comparison, bitwise).
    WordBinary(WordBinary),
    /// A word instruction with one operand.
    WordUnary(WordUnary),
    /// A word instruction with three operands (`ADDMOD`, `MULMOD`).
    WordTernary(WordTernary),
    /// A word-lane instruction (`LANES_*`): one or two operands, one result.
    Lanes(LaneInst),
    /// `LOAD8_U` with its offset.
    Load8U(u32),
    /// `LOAD8_S`.
    Load8S(u32),
    /// `LOAD16_U`.
    Load16U(u32),
    /// `LOAD16_S`.
    Load16S(u32),
    /// `LOAD32_U`.
    Load32U(u32),
    /// `LOAD32_S`.
    Load32S(u32),
    /// `LOAD64_U`.
    Load64U(u32),
    /// `LOAD64_S`.
    Load64S(u32),
    /// `LOAD` (whole word).
    Load(u32),
    /// `STORE8`.
    Store8(u32),
    /// `STORE16`.
    Store16(u32),
    /// `STORE32`.
    Store32(u32),
    /// `STORE64`.
    Store64(u32),
    /// `STORE` (whole word).
    Store(u32),
    /// `ALLOC`.
    Alloc,
    /// `FREE`.
    Free,
    /// `MEMORY_SIZE`.
    MemorySize,
    /// `MEMORY_GROW`.
    MemoryGrow,
    /// `MEMORY_COPY`.
    MemoryCopy,
    /// `MEMORY_FILL`.
    MemoryFill,
    /// `SYSCALL`.
    Syscall(Syscall),
    /// A crypto instruction (`HASH` … `RANDOM`); ends its basic block.
    Crypto(CryptoOp),
    /// A BigInt instruction; ends its basic block.
    BigInt(BigOp),
    /// `JMP_TABLE`: the index of its target list in the function's jump tables.
    JmpTable(u32),
    /// `CALL_INDIRECT` with the canonical type id and the table.
    CallIndirect(u32, u32),
    /// `CALL_HOST` of an import.
    CallHost(u32),
    /// `DROP_KEEP` (drop, keep).
    DropKeep(u32, u32),
    /// `TABLE_GET`.
    TableGet(u32),
    /// `TABLE_SET`.
    TableSet(u32),
    /// `TABLE_SIZE`.
    TableSize(u32),
    /// `TABLE_GROW`.
    TableGrow(u32),
    /// `TABLE_FILL`.
    TableFill(u32),
    /// `TABLE_COPY` (dst, src).
    TableCopy(u32, u32),
    /// `TABLE_INIT` (table, elem).
    TableInit(u32, u32),
    /// `ELEM_DROP`.
    ElemDrop(u32),
    /// `MEMORY_INIT`.
    MemoryInit(u32),
    /// `DATA_DROP`.
    DataDrop(u32),
    /// A typed instruction (i32, i64, f32, f64, conversion, typed memory, select).
    Typed(TypedInst),
    /// A database opcode (`DB_GET` ... `DB_RELEASE`).
    Db(DbOp),
    /// A simd128 instruction (`v128` values).
    Simd(SimdInst),
}
