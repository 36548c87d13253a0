//! System-call dispatch: reads a call's arguments from its stack slots, checks its
//! capability and runs it. DotVM's word calls (0..=5) are here; the WASI-shaped calls are
//! in [`super::wasi`].

use super::operand::{address, length};
use super::wasi;
use crate::host::{DenialReason, Host};
use crate::io::Io;
use crate::memory::LinearMemory;
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::isa::ValType;
use dotvm_core::syscall::{Capability, Needs, Syscall};

/// The most slots any system call pops (`path_open` on Arch32).
pub(super) const MAX_PARAM_SLOTS: usize = 11;

/// What the interpreter does after a system call.
pub(super) enum Flow<W> {
    /// Continue; nothing to push.
    Continue,
    /// Continue after pushing this result.
    Push(W),
    /// Stop the machine with this exit code.
    Exit(i32),
}

/// The host services a system call may use.
pub(super) struct HostAccess<'a> {
    pub(super) host: &'a mut Host,
    pub(super) io: &'a mut dyn Io,
    pub(super) memory: &'a mut LinearMemory,
}

/// Slots one value of type `t` takes; `narrow` words (under 64 bits) hold a 64-bit value
/// in two.
fn slots_of(t: ValType, narrow: bool) -> usize {
    match t {
        ValType::I64 | ValType::F64 if narrow => 2,
        _ => 1,
    }
}

/// Slots `call` pops with words of `W`.
pub(super) fn param_slots<W: Word>(call: Syscall) -> usize {
    call.params()
        .iter()
        .map(|&t| slots_of(t, W::BITS < 64))
        .sum()
}

/// The call's parameters as integers, from the low 64 bits of its slots (deepest first).
/// With `narrow` words a 64-bit value spans two slots, its low half in the deeper one.
fn decode(call: Syscall, slots: &[u64], narrow: bool) -> [u64; MAX_PARAM_SLOTS] {
    let mut values = [0u64; MAX_PARAM_SLOTS];
    let mut at = 0;
    for (value, &t) in values.iter_mut().zip(call.params()) {
        *value = match t {
            ValType::I32 | ValType::F32 => slots[at] & 0xFFFF_FFFF,
            ValType::I64 | ValType::F64 if narrow => {
                (slots[at] & 0xFFFF_FFFF) | (slots[at + 1] << 32)
            }
            ValType::I64 | ValType::F64 | ValType::W => slots[at],
            // No system call takes a vector (`dotvm_core::syscall`'s tests check it).
            ValType::V128 => unreachable!("no system call has a v128 parameter"),
        };
        at += slots_of(t, narrow);
    }
    values
}

/// The trap for a call without an error result whose capability is missing.
fn denied(host: &mut Host, call: Syscall, capability: Capability) -> TrapKind {
    host.deny(call, DenialReason::Missing(capability));
    TrapKind::Denied {
        call: call.name(),
        capability: capability.name(),
    }
}

/// Runs `call` with its popped `slots` (deepest first).
pub(super) fn dispatch<W: Word>(
    access: &mut HostAccess<'_>,
    call: Syscall,
    slots: &[W],
) -> Result<Flow<W>, TrapKind> {
    access.host.count_system_call();
    if call.wasi_name().is_some() {
        let mut raw = [0u64; MAX_PARAM_SLOTS];
        for (r, slot) in raw.iter_mut().zip(slots) {
            *r = slot.low_u64();
        }
        let args = decode(call, &raw[..slots.len()], W::BITS < 64);
        return wasi::dispatch(access, call, &args).map(|flow| match flow {
            wasi::Done::Errno(errno) => Flow::Push(W::from_u64(errno.code().into())),
            wasi::Done::Exit(code) => Flow::Exit(code),
        });
    }
    if let Needs::Always(capability) = call.needs()
        && !access.host.capabilities().grants(capability)
    {
        return Err(denied(access.host, call, capability));
    }
    let io = &mut *access.io;
    match call {
        Syscall::Exit => Ok(Flow::Exit(slots[0].low_u64() as u32 as i32)),
        Syscall::PrintInt => print_int(io, slots[0]).map(|()| Flow::Continue),
        Syscall::PrintUint => print_uint(io, slots[0]).map(|()| Flow::Continue),
        Syscall::PrintChar => print_char(io, slots[0]).map(|()| Flow::Continue),
        Syscall::PrintBytes => {
            print_bytes(access.memory, io, slots[0], slots[1]).map(|()| Flow::Continue)
        }
        Syscall::ReadStdin => read_stdin(access.memory, io, slots[0], slots[1]).map(Flow::Push),
        _ => Err(TrapKind::Host(format!(
            "system call `{}` has no handler",
            call.name()
        ))),
    }
}

/// The trap for a failed host stream operation.
#[cold]
fn host_error(error: std::io::Error) -> TrapKind {
    TrapKind::Host(error.to_string())
}

/// `print_int`: the word as a signed decimal integer.
fn print_int<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    let text = if value.is_negative() {
        format!("-{}", value.wrapping_neg().to_imm())
    } else {
        value.to_imm().to_string()
    };
    io.write_stdout(text.as_bytes()).map_err(host_error)
}

/// `print_uint`: the word as an unsigned decimal integer.
fn print_uint<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    io.write_stdout(value.to_imm().to_string().as_bytes())
        .map_err(host_error)
}

/// `print_char`: the Unicode scalar value as UTF-8, U+FFFD when it is not one.
fn print_char<W: Word>(io: &mut dyn Io, value: W) -> Result<(), TrapKind> {
    let c = value
        .to_address()
        .and_then(|v| u32::try_from(v).ok())
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    io.write_stdout(c.encode_utf8(&mut [0; 4]).as_bytes())
        .map_err(host_error)
}

/// `print_bytes`: `len` bytes of memory at `addr`.
fn print_bytes<W: Word>(
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
fn read_stdin<W: Word>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i64_parameters_join_two_slots_on_narrow_words() {
        // clock_time_get(id, precision: i64, ptr): 4 slots with 32-bit words, 3 with 64.
        assert_eq!(param_slots::<u64>(Syscall::ClockTimeGet), 3);
        let narrow = decode(
            Syscall::ClockTimeGet,
            &[1, 0x9ABC_DEF0, 0x1234_5678, 64],
            true,
        );
        assert_eq!(&narrow[..3], &[1, 0x1234_5678_9ABC_DEF0, 64]);
        let wide = decode(
            Syscall::ClockTimeGet,
            &[1, 0x1234_5678_9ABC_DEF0, 64],
            false,
        );
        assert_eq!(&wide[..3], &[1, 0x1234_5678_9ABC_DEF0, 64]);
        // i32 parameters keep only their low 32 bits.
        let args = decode(Syscall::FdClose, &[0xFFFF_FFFF_0000_0007], false);
        assert_eq!(args[0], 7);
    }
}
