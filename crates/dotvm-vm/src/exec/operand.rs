//! Words used as memory operands: addresses and byte counts, with the out-of-bounds trap for
//! a word too wide to be either.

use crate::trap::TrapKind;
use crate::word::Word;

/// A word used as a memory address for an access of `len` bytes.
#[inline(always)]
pub(super) fn address<W: Word>(word: W, len: u64) -> Result<u64, TrapKind> {
    word.to_address().ok_or_else(|| wide_address(word, len))
}

/// A word used as a byte count for an access at `addr`; counts beyond 64 bits cannot be in
/// bounds.
#[inline(always)]
pub(super) fn length<W: Word>(word: W, addr: W) -> Result<u64, TrapKind> {
    word.to_address()
        .ok_or_else(|| wide_address(addr, u64::MAX))
}

/// The out-of-bounds trap for an address that does not fit 64 bits.
#[cold]
fn wide_address<W: Word>(word: W, len: u64) -> TrapKind {
    TrapKind::OutOfBounds {
        address: u128::try_from(word.to_imm()).unwrap_or(u128::MAX),
        len,
    }
}
