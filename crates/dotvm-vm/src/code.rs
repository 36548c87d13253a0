//! The internal executable form: pre-decoded operations with resolved targets.
//!
//! Each function has two op sequences built at load time (see `load`):
//!
//! * **plain** code: exactly one [`Op`] per bytecode instruction, jump targets as instruction
//!   indices. The precise interpreter runs it, counting each instruction and calling the
//!   inspector before each one.
//! * **fast** code: every basic block starts with a [`Op::Charge`] of the block's instruction
//!   count, common sequences are fused into one op and NOPs disappear; jump targets are fast
//!   op indices (always a block's `Charge`).
//!
//! Instruction counting rule (fast code): a basic block is charged in full when it is entered.
//! Blocks end after every branch, `CALL`, `RET`, `HALT`, `UNREACHABLE`, `SYSCALL` and crypto and
//! BigInt instruction (which charge extra fuel by their work, see `exec::slow_path`), and start
//! at every jump target, so a charged block always runs to its end unless an instruction in it
//! traps; a trap subtracts the block's instructions from the faulting one on, which keeps
//! `Outcome::instructions` and `Trap::instructions` exact. When the fuel left cannot pay a
//! block, the run switches to the plain code and counts one instruction at a time.

use crate::exec::DbOp;
use crate::exec::bigint::BigOp;
use crate::exec::crypto::CryptoOp;
use crate::typed_op::TypedInst;
use dotvm_core::syscall::Syscall;

/// The i32 instructions the interpreter runs inline (see `exec/fast.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum I32Op {
    /// `I32_ADD`.
    Add,
    /// `I32_SUB`.
    Sub,
    /// `I32_MUL`.
    Mul,
    /// `I32_SHL`.
    Shl,
    /// `I32_SHR_U`.
    ShrU,
    /// `I32_SHR_S`.
    ShrS,
    /// `I32_ROTL`.
    Rotl,
    /// `I32_ROTR`.
    Rotr,
}

/// The bitwise word operations fused with a pushed constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BitOp {
    /// `AND`.
    And,
    /// `OR`.
    Or,
    /// `XOR`.
    Xor,
    /// `SHL`.
    Shl,
    /// `SHR`.
    Shr,
    /// `SAR`.
    Sar,
}

/// The one-operand integer instructions the interpreter runs inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum I32UnOp {
    /// `I32_EXTEND8_S`.
    Extend8S,
    /// `I32_EXTEND16_S`.
    Extend16S,
    /// `I32_CLZ`.
    Clz,
    /// `I32_CTZ`.
    Ctz,
    /// `I32_WRAP_I64` where an i64 is one slot.
    WrapI64,
    /// `I64_EXTEND_I32_S` where an i64 is one slot.
    ExtendI32S,
}

/// The float arithmetic the interpreter runs inline (NaN results canonical, as the typed
/// instructions make them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FloatOp {
    /// `F32_ADD`.
    F32Add,
    /// `F32_SUB`.
    F32Sub,
    /// `F32_MUL`.
    F32Mul,
    /// `F32_DIV`.
    F32Div,
    /// `F64_ADD` where an f64 is one slot.
    F64Add,
    /// `F64_SUB` where an f64 is one slot.
    F64Sub,
    /// `F64_MUL` where an f64 is one slot.
    F64Mul,
    /// `F64_DIV` where an f64 is one slot.
    F64Div,
}

/// A comparison, as used by the fused compare-and-branch ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cond {
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// Unsigned `a < b`.
    LtU,
    /// Signed `a < b`.
    LtS,
    /// Unsigned `a > b`.
    GtU,
    /// Signed `a > b`.
    GtS,
    /// Unsigned `a <= b`.
    LeU,
    /// Signed `a <= b`.
    LeS,
    /// Unsigned `a >= b`.
    GeU,
    /// Signed `a >= b`.
    GeS,
}

impl Cond {
    /// The condition that holds exactly when `self` does not.
    pub(crate) const fn negate(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::LtU => Cond::GeU,
            Cond::LtS => Cond::GeS,
            Cond::GtU => Cond::LeU,
            Cond::GtS => Cond::LeS,
            Cond::LeU => Cond::GtU,
            Cond::LeS => Cond::GtS,
            Cond::GeU => Cond::LtU,
            Cond::GeS => Cond::LtS,
        }
    }
}

/// One internal operation. `W` is the machine word; targets are op indices in the same code
/// sequence; `u32` indices are local, global, function or constant indices the verifier proved
/// in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op<W> {
    // ---- one op per bytecode instruction ----
    /// `NOP` (plain code only).
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
    /// `ADD`.
    Add,
    /// `SUB`.
    Sub,
    /// `MUL`.
    Mul,
    /// `DIV_U`.
    DivU,
    /// `DIV_S`.
    DivS,
    /// `MOD_U`.
    ModU,
    /// `MOD_S`.
    ModS,
    /// `NEG`.
    Neg,
    /// `ADDMOD`.
    AddMod,
    /// `MULMOD`.
    MulMod,
    /// `EXP`.
    Exp,
    /// `SIGNEXTEND`.
    SignExtend,
    /// `BYTE`.
    Byte,
    /// `MULHI_U`.
    MulHiU,
    /// `MULHI_S`.
    MulHiS,
    /// `EQ`, `NE`, `LT_U`, ... `GE_S`.
    Cmp(Cond),
    /// `EQZ`.
    Eqz,
    /// `AND`.
    And,
    /// `OR`.
    Or,
    /// `XOR`.
    Xor,
    /// `NOT`.
    Not,
    /// `SHL`.
    Shl,
    /// `SHR`.
    Shr,
    /// `SAR`.
    Sar,
    /// `ROTL`.
    Rotl,
    /// `ROTR`.
    Rotr,
    /// `CLZ`.
    Clz,
    /// `CTZ`.
    Ctz,
    /// `POPCNT`.
    Popcnt,
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
    /// One of the hottest i32 instructions, run inline.
    I32Binary(I32Op),
    /// `SELECT`, and `SELECT64` where an i64 is one slot, run inline.
    Select,
    /// An i32 comparison, run inline.
    I32Compare(Cond),
    /// A one-operand i32 (or one-slot i64 → i32/i64) instruction, run inline.
    I32Unary(I32UnOp),
    /// An f32 or f64 add, subtract, multiply or divide, run inline.
    FloatBinary(FloatOp),
    /// A database opcode (`DB_GET` ... `DB_RELEASE`).
    Db(DbOp),

    // ---- fast code only ----
    /// Pays for the basic block that starts here: this many bytecode instructions.
    Charge(u32),
    /// `PUSH k; ADD` (also `PUSH k; SUB` with `k` negated).
    AddImm(W),
    /// `PUSH k; <i32 op>` for the inline i32 operations.
    I32BinaryImm(I32Op, W),
    /// `PUSH k; AND` (and `OR`, `XOR`, `SHL`, `SHR`, `SAR`).
    BitImm(BitOp, W),
    /// `PUSH k; MUL`.
    MulImm(W),
    /// `PUSH k; <cmp>`.
    CmpImm(Cond, W),
    /// `<cmp>; JNZ t` (and `<cmp>; JZ t` with the condition negated).
    BrCmp(Cond, u32),
    /// `PUSH k; <cmp>; JNZ t` (and `JZ` with the condition negated).
    BrCmpImm(Cond, W, u32),
    /// `LOCAL_GET a; PUSH k; ADD; LOCAL_SET b`.
    LocalAddImmSet {
        /// Source local.
        src: u16,
        /// Destination local.
        dst: u16,
        /// Added constant.
        imm: W,
    },
    /// `LOCAL_GET a; PUSH k; ADD; LOCAL_TEE b`.
    LocalAddImmTee {
        /// Source local.
        src: u16,
        /// Destination local.
        dst: u16,
        /// Added constant.
        imm: W,
    },
    /// `LOCAL_GET a; LOCAL_GET b`.
    LocalGet2(u32, u32),
    /// `LOCAL_GET a; LOCAL_SET b`.
    LocalCopy(u32, u32),
    /// `LOCAL_GET b; ADD`.
    AddLocal(u32),
    /// `LOCAL_GET b; <i32 op>` for the inline i32 operations.
    I32BinaryLocal(I32Op, u32),
    /// `LOCAL_GET b; AND` (and `OR`, `XOR`, `SHL`, `SHR`, `SAR`).
    BitLocal(BitOp, u32),
    /// `LOCAL_GET a; PUSH k; <i32 op>`.
    LocalI32BinaryImm {
        /// The operation.
        op: I32Op,
        /// Source local.
        src: u16,
        /// The constant right operand.
        imm: W,
    },
    /// `LOCAL_GET a; PUSH k; AND` (and `OR`, `XOR`, `SHL`, `SHR`, `SAR`).
    LocalBitImm {
        /// The operation.
        op: BitOp,
        /// Source local.
        src: u16,
        /// The constant right operand.
        imm: W,
    },
}
