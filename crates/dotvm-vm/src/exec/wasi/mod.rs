//! The WASI-shaped system calls (16..=63): guest pointers and buffers in linear memory are
//! read and written here, the host work is done by [`crate::host::Host`].
//!
//! A call returns a WASI errno; it never traps on a bad guest pointer (that is `EFAULT`).
//! Only `proc_exit` without the `exit` capability traps, having no error result.

mod fd;
mod path;
mod process;

use super::syscall::{HostAccess, MAX_PARAM_SLOTS};
use crate::host::Errno;
use crate::memory::LinearMemory;
use crate::trap::TrapKind;
use dotvm_core::syscall::Syscall;

/// How a WASI-shaped call ended.
pub(super) enum Done {
    /// It returns this errno.
    Errno(Errno),
    /// `proc_exit`: the machine stops with this exit code.
    Exit(i32),
}

/// The call's parameters as integers, in the table's order.
pub(super) type Args = [u64; MAX_PARAM_SLOTS];

/// Runs the WASI-shaped `call`.
pub(super) fn dispatch(
    access: &mut HostAccess<'_>,
    call: Syscall,
    args: &Args,
) -> Result<Done, TrapKind> {
    if call == Syscall::ProcExit {
        return process::proc_exit(access, args);
    }
    if let Err(errno) = access.host.require_for(call) {
        return Ok(Done::Errno(errno));
    }
    let result = match call {
        Syscall::ArgsGet
        | Syscall::ArgsSizesGet
        | Syscall::EnvironGet
        | Syscall::EnvironSizesGet
        | Syscall::ClockResGet
        | Syscall::ClockTimeGet
        | Syscall::RandomGet
        | Syscall::SchedYield => process::dispatch(access, call, args),
        Syscall::PathOpen
        | Syscall::PathCreateDirectory
        | Syscall::PathRemoveDirectory
        | Syscall::PathUnlinkFile
        | Syscall::PathFilestatGet
        | Syscall::PathRename => path::dispatch(access, call, args),
        _ => fd::dispatch(access, call, args),
    };
    Ok(Done::Errno(result.err().unwrap_or(Errno::Success)))
}

/// A 32-bit parameter.
fn u32_arg(args: &Args, index: usize) -> u32 {
    args[index] as u32
}

/// Guest-memory access for the calls: every failure is `EFAULT`.
struct Guest<'m>(&'m mut LinearMemory);

impl Guest<'_> {
    /// `len` bytes at `ptr`.
    fn bytes(&self, ptr: u64, len: u64) -> Result<&[u8], Errno> {
        self.0.read(ptr, len).map_err(|_| Errno::Fault)
    }

    /// `len` writable bytes at `ptr`.
    fn bytes_mut(&mut self, ptr: u64, len: u64) -> Result<&mut [u8], Errno> {
        self.0.read_mut(ptr, len).map_err(|_| Errno::Fault)
    }

    /// Writes `bytes` at `ptr`.
    fn write(&mut self, ptr: u64, bytes: &[u8]) -> Result<(), Errno> {
        self.0.write(ptr, bytes).map_err(|_| Errno::Fault)
    }

    /// Writes a little-endian u32.
    fn write_u32(&mut self, ptr: u64, value: u32) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// Writes a little-endian u64.
    fn write_u64(&mut self, ptr: u64, value: u64) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// Reads a little-endian u32.
    fn read_u32(&self, ptr: u64) -> Result<u32, Errno> {
        let bytes = self.bytes(ptr, 4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// The `(buf, buf_len)` pairs of an `iovec`/`ciovec` array of `count` entries at `ptr`.
    fn iovecs(&self, ptr: u64, count: u32) -> Result<Vec<(u64, u64)>, Errno> {
        let size = u64::from(count) * 8;
        self.bytes(ptr, size)?;
        (0..u64::from(count))
            .map(|i| {
                let at = ptr + i * 8;
                Ok((
                    u64::from(self.read_u32(at)?),
                    u64::from(self.read_u32(at + 4)?),
                ))
            })
            .collect()
    }

    /// The UTF-8 string of `len` bytes at `ptr` (`EILSEQ` when it is not UTF-8).
    fn string(&self, ptr: u64, len: u64) -> Result<String, Errno> {
        let bytes = self.bytes(ptr, len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Errno::IlSeq)
    }
}
