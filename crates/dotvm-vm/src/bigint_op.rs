//! The BigInt instructions in executable form: each `BIGINT_*` opcode with its byte format
//! resolved at load time (semantics in `exec::bigint`).

use dotvm_core::{Instruction, Opcode, Operand, Selector};
use dotvm_crypto::bigint::ops::{Binary, ByteFormat, Unary, WithWord};

/// A BigInt instruction, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BigOp {
    /// `BIGINT_FROM_WORD` (unsigned) and `BIGINT_FROM_WORD_S` (signed).
    FromWord {
        /// Read the word as two's complement.
        signed: bool,
    },
    /// `BIGINT_TO_WORD`.
    ToWord,
    /// `BIGINT_FROM_BYTES`.
    FromBytes(ByteFormat),
    /// `BIGINT_TO_BYTES`.
    ToBytes(ByteFormat),
    /// `BIGINT_FROM_DEC`.
    FromDec,
    /// `BIGINT_TO_DEC`.
    ToDec,
    /// Two operands, one result.
    Binary(Binary),
    /// One operand, one result.
    Unary(Unary),
    /// A BigInt and an unsigned word.
    WithWord(WithWord),
    /// `BIGINT_MODPOW`.
    ModPow,
    /// `BIGINT_CMP`.
    Cmp,
    /// `BIGINT_FREE`.
    Free,
    /// `BIGINT_COUNT`.
    Count,
    /// `BIGINT_COLLECT`.
    Collect,
}

/// The op for a BigInt instruction, or `None` when `inst` is not one.
pub(crate) fn resolve(inst: &Instruction) -> Option<BigOp> {
    let format = || match inst.operand {
        Operand::Selector(Selector::Be) => Some(ByteFormat::Be),
        Operand::Selector(Selector::Le) => Some(ByteFormat::Le),
        Operand::Selector(Selector::BeSigned) => Some(ByteFormat::BeSigned),
        Operand::Selector(Selector::LeSigned) => Some(ByteFormat::LeSigned),
        _ => None,
    };
    Some(match inst.opcode {
        Opcode::BigFromWord => BigOp::FromWord { signed: false },
        Opcode::BigFromWordS => BigOp::FromWord { signed: true },
        Opcode::BigToWord => BigOp::ToWord,
        Opcode::BigFromBytes => BigOp::FromBytes(format()?),
        Opcode::BigToBytes => BigOp::ToBytes(format()?),
        Opcode::BigFromDec => BigOp::FromDec,
        Opcode::BigToDec => BigOp::ToDec,
        Opcode::BigAdd => BigOp::Binary(Binary::Add),
        Opcode::BigSub => BigOp::Binary(Binary::Sub),
        Opcode::BigMul => BigOp::Binary(Binary::Mul),
        Opcode::BigDiv => BigOp::Binary(Binary::Div),
        Opcode::BigRem => BigOp::Binary(Binary::Rem),
        Opcode::BigDivFloor => BigOp::Binary(Binary::DivFloor),
        Opcode::BigModFloor => BigOp::Binary(Binary::ModFloor),
        Opcode::BigModInv => BigOp::Binary(Binary::ModInv),
        Opcode::BigGcd => BigOp::Binary(Binary::Gcd),
        Opcode::BigAnd => BigOp::Binary(Binary::And),
        Opcode::BigOr => BigOp::Binary(Binary::Or),
        Opcode::BigXor => BigOp::Binary(Binary::Xor),
        Opcode::BigNeg => BigOp::Unary(Unary::Neg),
        Opcode::BigAbs => BigOp::Unary(Unary::Abs),
        Opcode::BigNot => BigOp::Unary(Unary::Not),
        Opcode::BigPow => BigOp::WithWord(WithWord::Pow),
        Opcode::BigShl => BigOp::WithWord(WithWord::Shl),
        Opcode::BigShr => BigOp::WithWord(WithWord::Shr),
        Opcode::BigModPow => BigOp::ModPow,
        Opcode::BigCmp => BigOp::Cmp,
        Opcode::BigFree => BigOp::Free,
        Opcode::BigCount => BigOp::Count,
        Opcode::BigCollect => BigOp::Collect,
        _ => return None,
    })
}
