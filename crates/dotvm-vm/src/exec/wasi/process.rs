//! Arguments, environment, clocks, randomness, yielding and exiting.

use super::{Args, Done, Guest, u32_arg};
use crate::exec::syscall::HostAccess;
use crate::host::Errno;
use crate::trap::TrapKind;
use dotvm_core::syscall::{Capability, Syscall};

/// `proc_exit`: traps when the `exit` capability is missing (there is no error result).
pub(super) fn proc_exit(access: &mut HostAccess<'_>, args: &Args) -> Result<Done, TrapKind> {
    match access.host.require(Syscall::ProcExit, Capability::Exit) {
        Ok(()) => Ok(Done::Exit(u32_arg(args, 0) as i32)),
        Err(_) => Err(TrapKind::Denied {
            call: Syscall::ProcExit.name(),
            capability: Capability::Exit.name(),
        }),
    }
}

/// Runs one of this module's errno-returning calls (capability already checked).
pub(super) fn dispatch(
    access: &mut HostAccess<'_>,
    call: Syscall,
    args: &Args,
) -> Result<(), Errno> {
    let mut guest = Guest(&mut *access.memory);
    let host = &mut *access.host;
    match call {
        Syscall::ArgsGet => store_strings(&mut guest, host.args(), args[0], args[1]),
        Syscall::ArgsSizesGet => store_sizes(&mut guest, host.args(), args[0], args[1]),
        Syscall::EnvironGet => store_strings(&mut guest, &host.env(), args[0], args[1]),
        Syscall::EnvironSizesGet => store_sizes(&mut guest, &host.env(), args[0], args[1]),
        Syscall::ClockResGet => {
            let resolution = host.clock_resolution(u32_arg(args, 0))?;
            guest.write_u64(args[1], resolution)
        }
        Syscall::ClockTimeGet => {
            // args[1] is the requested precision, which the host may ignore.
            let time = host.clock_time(u32_arg(args, 0))?;
            guest.write_u64(args[2], time)
        }
        Syscall::RandomGet => host.fill_random(guest.bytes_mut(args[0], args[1])?),
        Syscall::SchedYield => Ok(()),
        _ => Err(Errno::NoSys),
    }
}

/// `args_get` / `environ_get`: pointers to the NUL-terminated strings at `ptrs`, their
/// bytes at `buf`.
fn store_strings(
    guest: &mut Guest<'_>,
    strings: &[String],
    ptrs: u64,
    buf: u64,
) -> Result<(), Errno> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let address = u32::try_from(at).map_err(|_| Errno::Overflow)?;
        guest.write_u32(ptrs + 4 * i as u64, address)?;
        guest.write(at, s.as_bytes())?;
        guest.write(at + s.len() as u64, &[0])?;
        at += s.len() as u64 + 1;
    }
    Ok(())
}

/// `args_sizes_get` / `environ_sizes_get`: the count and the total NUL-terminated size.
fn store_sizes(
    guest: &mut Guest<'_>,
    strings: &[String],
    count_ptr: u64,
    size_ptr: u64,
) -> Result<(), Errno> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    let size = u32::try_from(size).map_err(|_| Errno::Overflow)?;
    guest.write_u32(count_ptr, count)?;
    guest.write_u32(size_ptr, size)
}
