//! Calls on paths below a directory descriptor (inside preopened directories only).

use super::fd::filestat_bytes;
use super::{Args, Guest, u32_arg};
use crate::exec::syscall::HostAccess;
use crate::host::{Errno, OpenRequest};
use dotvm_core::syscall::Syscall;

/// Runs one of this module's calls (the `files` capability already checked).
pub(super) fn dispatch(
    access: &mut HostAccess<'_>,
    call: Syscall,
    args: &Args,
) -> Result<(), Errno> {
    let dirfd = u32_arg(args, 0);
    let host = &mut *access.host;
    let mut guest = Guest(&mut *access.memory);
    match call {
        Syscall::PathOpen => {
            let path = guest.string(args[2], args[3])?;
            guest.bytes_mut(args[8], 4)?;
            let request = OpenRequest {
                lookup_flags: u32_arg(args, 1),
                oflags: args[4] as u16,
                rights_base: args[5],
                fdflags: args[7] as u16,
            };
            let fd = host.open(call, dirfd, &path, request)?;
            guest.write_u32(args[8], fd)
        }
        Syscall::PathCreateDirectory => {
            let path = guest.string(args[1], args[2])?;
            host.create_dir(call, dirfd, &path)
        }
        Syscall::PathRemoveDirectory => {
            let path = guest.string(args[1], args[2])?;
            host.remove_dir(call, dirfd, &path)
        }
        Syscall::PathUnlinkFile => {
            let path = guest.string(args[1], args[2])?;
            host.unlink(call, dirfd, &path)
        }
        Syscall::PathFilestatGet => {
            let path = guest.string(args[2], args[3])?;
            guest.bytes_mut(args[4], 64)?;
            let stat = host.path_filestat(call, dirfd, u32_arg(args, 1), &path)?;
            guest.write(args[4], &filestat_bytes(&stat))
        }
        Syscall::PathRename => {
            let old = guest.string(args[1], args[2])?;
            let new = guest.string(args[4], args[5])?;
            host.rename(call, dirfd, &old, u32_arg(args, 3), &new)
        }
        _ => Err(Errno::NoSys),
    }
}
