//! Shared plumbing for instructions that run outside the interpreter loop (crypto and
//! BigInt): the loop saves its position, the handler works on the saved stack, and the loop
//! reloads the stack pointer and fuel afterwards.
//!
//! Handlers read their operands in place (the operands stay on the stack, and so stay roots
//! for the BigInt collector, until the handler finishes), check every memory range before
//! charging fuel, charge the fuel before any work, and only then compute and write. A
//! handler that fails leaves the stack as it found it.

use super::Machine;
use super::operand::{address, length};
use crate::trap::TrapKind;
use crate::word::Word;

/// The top `N` stack slots, deepest first, left in place.
pub(super) fn operands<W: Word, const N: usize>(m: &Machine<'_, W>) -> [W; N] {
    std::array::from_fn(|i| m.stack[m.sp - N + i])
}

/// Pops `pops` slots and pushes `push`, ending the instruction.
pub(super) fn finish<W: Word>(m: &mut Machine<'_, W>, pops: usize, push: Option<W>) {
    m.sp -= pops;
    if let Some(value) = push {
        m.stack[m.sp] = value;
        m.sp += 1;
    }
}

/// Takes `amount` fuel, or traps with the instruction limit (taking nothing) when less is
/// left.
pub(super) fn charge(fuel: &mut u64, amount: u64) -> Result<(), TrapKind> {
    *fuel = fuel.checked_sub(amount).ok_or(TrapKind::InstructionLimit)?;
    Ok(())
}

/// A guest range `(address, length)` as host numbers, trapping like a memory access when it
/// cannot be in bounds.
pub(super) fn range<W: Word>(addr: W, len: W) -> Result<(u64, u64), TrapKind> {
    let len = length(len, addr)?;
    Ok((address(addr, len)?, len))
}

/// A guest address for an access of `len` bytes.
pub(super) fn at<W: Word>(addr: W, len: u64) -> Result<u64, TrapKind> {
    address(addr, len)
}

/// The `N` bytes at `addr`.
pub(super) fn read_array<W: Word, const N: usize>(
    m: &Machine<'_, W>,
    addr: W,
) -> Result<[u8; N], TrapKind> {
    let bytes = m.memory.read(at(addr, N as u64)?, N as u64)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}
