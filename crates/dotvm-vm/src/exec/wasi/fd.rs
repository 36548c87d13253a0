//! Calls on file descriptors: reading, writing, seeking, status, preopens, directories.

use super::{Args, Guest, u32_arg};
use crate::exec::syscall::HostAccess;
use crate::host::{DirEntry, Errno, FileStat};
use dotvm_core::syscall::Syscall;

/// Size of a `dirent` header.
const DIRENT_SIZE: usize = 24;

/// Runs one of this module's calls.
pub(super) fn dispatch(
    access: &mut HostAccess<'_>,
    call: Syscall,
    args: &Args,
) -> Result<(), Errno> {
    let fd = u32_arg(args, 0);
    let host = &mut *access.host;
    let io = &mut *access.io;
    let mut guest = Guest(&mut *access.memory);
    match call {
        Syscall::FdWrite | Syscall::FdPwrite => {
            let (offset, nwritten_ptr) = match call {
                Syscall::FdPwrite => (Some(args[3]), args[4]),
                _ => (None, args[3]),
            };
            guest.bytes_mut(nwritten_ptr, 4)?;
            let mut total: u64 = 0;
            for (buf, len) in guest.iovecs(args[1], u32_arg(args, 2))? {
                let bytes = guest.bytes(buf, len)?;
                let written = match offset {
                    Some(offset) => host.write_at(call, fd, bytes, offset + total),
                    None => host.write(call, fd, bytes, io),
                };
                match written {
                    Ok(n) => total += n as u64,
                    Err(errno) if total == 0 => return Err(errno),
                    Err(_) => break,
                }
            }
            guest.write_u32(nwritten_ptr, clamp(total))
        }
        Syscall::FdRead | Syscall::FdPread => {
            let (offset, nread_ptr) = match call {
                Syscall::FdPread => (Some(args[3]), args[4]),
                _ => (None, args[3]),
            };
            guest.bytes_mut(nread_ptr, 4)?;
            let mut total: u64 = 0;
            for (buf, len) in guest.iovecs(args[1], u32_arg(args, 2))? {
                let bytes = guest.bytes_mut(buf, len)?;
                let read = match offset {
                    Some(offset) => host.read_at(call, fd, bytes, offset + total),
                    None => host.read(call, fd, bytes, io),
                };
                match read {
                    Ok(n) => {
                        total += n as u64;
                        if (n as u64) < len {
                            break;
                        }
                    }
                    Err(errno) if total == 0 => return Err(errno),
                    Err(_) => break,
                }
            }
            guest.write_u32(nread_ptr, clamp(total))
        }
        Syscall::FdClose => host.close(call, fd),
        Syscall::FdSeek => {
            guest.bytes_mut(args[3], 8)?;
            let position = host.seek(call, fd, args[1] as i64, u32_arg(args, 2))?;
            guest.write_u64(args[3], position)
        }
        Syscall::FdTell => {
            guest.bytes_mut(args[1], 8)?;
            let position = host.seek(call, fd, 0, 1)?;
            guest.write_u64(args[1], position)
        }
        Syscall::FdSync => host.sync(call, fd, false),
        Syscall::FdDatasync => host.sync(call, fd, true),
        Syscall::FdFdstatGet => {
            let stat = host.fdstat(call, fd)?;
            let mut bytes = [0u8; 24];
            bytes[0] = stat.filetype as u8;
            bytes[2..4].copy_from_slice(&stat.flags.to_le_bytes());
            bytes[8..16].copy_from_slice(&stat.rights_base.to_le_bytes());
            bytes[16..24].copy_from_slice(&stat.rights_inheriting.to_le_bytes());
            guest.write(args[1], &bytes)
        }
        Syscall::FdFdstatSetFlags => host.set_fd_flags(call, fd, args[1] as u16),
        Syscall::FdFilestatGet => {
            let stat = host.fd_filestat(call, fd)?;
            guest.write(args[1], &filestat_bytes(&stat))
        }
        Syscall::FdFilestatSetSize => host.set_size(call, fd, args[1]),
        Syscall::FdPrestatGet => {
            let name = host.prestat_name(fd)?;
            let mut bytes = [0u8; 8];
            let len = u32::try_from(name.len()).map_err(|_| Errno::Overflow)?;
            bytes[4..8].copy_from_slice(&len.to_le_bytes());
            guest.write(args[1], &bytes)
        }
        Syscall::FdPrestatDirName => {
            let name = host.prestat_name(fd)?;
            if (name.len() as u64) > args[2] {
                return Err(Errno::NameTooLong);
            }
            guest.write(args[1], name.as_bytes())
        }
        Syscall::FdReaddir => {
            let entries = host.read_dir(call, fd)?;
            let (buf, buf_len, cookie, bufused_ptr) = (args[1], args[2], args[3], args[4]);
            guest.bytes_mut(buf, buf_len)?;
            guest.bytes_mut(bufused_ptr, 4)?;
            let bytes = dirents(&entries, cookie, buf_len);
            guest.write(buf, &bytes)?;
            guest.write_u32(bufused_ptr, clamp(bytes.len() as u64))
        }
        _ => Err(Errno::NoSys),
    }
}

/// A count as the u32 the guest stores.
fn clamp(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The 64-byte `filestat` layout.
pub(super) fn filestat_bytes(stat: &FileStat) -> [u8; 64] {
    let mut bytes = [0u8; 64];
    bytes[0..8].copy_from_slice(&stat.dev.to_le_bytes());
    bytes[8..16].copy_from_slice(&stat.ino.to_le_bytes());
    bytes[16] = stat.filetype as u8;
    bytes[24..32].copy_from_slice(&stat.nlink.to_le_bytes());
    bytes[32..40].copy_from_slice(&stat.size.to_le_bytes());
    bytes[40..48].copy_from_slice(&stat.atim.to_le_bytes());
    bytes[48..56].copy_from_slice(&stat.mtim.to_le_bytes());
    bytes[56..64].copy_from_slice(&stat.ctim.to_le_bytes());
    bytes
}

/// The `dirent` records from entry `cookie` on, cut at `limit` bytes (a cut-off last
/// record tells the guest to read again with a bigger buffer).
fn dirents(entries: &[DirEntry], cookie: u64, limit: u64) -> Vec<u8> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for (index, entry) in entries.iter().enumerate().skip(start) {
        if out.len() >= limit {
            break;
        }
        let mut header = [0u8; DIRENT_SIZE];
        header[0..8].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        header[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        header[16..20].copy_from_slice(&clamp(entry.name.len() as u64).to_le_bytes());
        header[20] = entry.filetype as u8;
        out.extend_from_slice(&header);
        out.extend_from_slice(&entry.name);
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FileType;

    fn entry(name: &str) -> DirEntry {
        DirEntry {
            name: name.as_bytes().to_vec(),
            ino: 9,
            filetype: FileType::RegularFile,
        }
    }

    #[test]
    fn dirents_follow_the_cookie_and_the_limit() {
        let entries = [entry("a"), entry("bc")];
        let all = dirents(&entries, 0, 1000);
        assert_eq!(all.len(), 2 * DIRENT_SIZE + 3);
        assert_eq!(all[0..8], 1u64.to_le_bytes());
        assert_eq!(all[16..20], 1u32.to_le_bytes());
        assert_eq!(all[20], FileType::RegularFile as u8);
        assert_eq!(&all[24..25], b"a");
        let second = dirents(&entries, 1, 1000);
        assert_eq!(second[0..8], 2u64.to_le_bytes());
        assert_eq!(&second[DIRENT_SIZE..], b"bc");
        assert_eq!(dirents(&entries, 0, 30).len(), 30);
        assert!(dirents(&entries, 2, 1000).is_empty());
    }
}
