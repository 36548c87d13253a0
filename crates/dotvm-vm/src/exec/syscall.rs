//! The system calls that talk to the host's streams.

use super::interp::{address, length};
use crate::io::Io;
use crate::memory::LinearMemory;
use crate::trap::TrapKind;
use crate::word::Word;

/// The trap for a failed host stream operation.
#[cold]
fn host_error(error: std::io::Error) -> TrapKind {
    TrapKind::Host(error.to_string())
}

/// `print_int`: the word as a signed decimal integer.
pub(super) fn print_int<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    let text = if value.is_negative() {
        format!("-{}", value.wrapping_neg().to_imm())
    } else {
        value.to_imm().to_string()
    };
    io.write_stdout(text.as_bytes()).map_err(host_error)
}

/// `print_uint`: the word as an unsigned decimal integer.
pub(super) fn print_uint<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    io.write_stdout(value.to_imm().to_string().as_bytes())
        .map_err(host_error)
}

/// `print_char`: the Unicode scalar value as UTF-8, U+FFFD when it is not one.
pub(super) fn print_char<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    let c = value
        .to_address()
        .and_then(|v| u32::try_from(v).ok())
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    io.write_stdout(c.encode_utf8(&mut [0; 4]).as_bytes())
        .map_err(host_error)
}

/// `print_bytes`: `len` bytes of memory at `addr`.
pub(super) fn print_bytes<W: Word>(
    memory: &LinearMemory,
    io: &mut dyn Io,
    addr: W,
    len: W,
) -> Result<(), TrapKind> {
    let len = length(len, addr)?;
    let bytes = memory.read(address(addr, len)?, len)?;
    io.write_stdout(bytes).map_err(host_error)
}

/// `read_stdin`: up to `cap` bytes of input into writable memory at `addr`; returns the
/// count read (0 at end of input).
pub(super) fn read_stdin<W: Word>(
    memory: &mut LinearMemory,
    io: &mut dyn Io,
    addr: W,
    cap: W,
) -> Result<W, TrapKind> {
    let cap = length(cap, addr)?;
    let buf = memory.read_mut(address(addr, cap)?, cap)?;
    let count = io.read_stdin(buf).map_err(host_error)?;
    Ok(W::from_u64(count as u64))
}
