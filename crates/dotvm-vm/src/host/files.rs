//! Descriptor and path operations on host values: the standard streams through [`Io`],
//! files and directories inside preopened directories through `std::fs`.

use super::fd::{DirHandle, FileHandle, NO_FILES_NAME};
use super::sandbox::{Refusal, resolve};
use super::{DenialReason, Descriptor, DirEntry, Errno, FileStat, FileType, Host};
use crate::io::Io;
use dotvm_core::syscall::{Capability, Syscall};
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// `oflags` bits of `path_open`.
const O_CREAT: u16 = 1;
const O_DIRECTORY: u16 = 2;
const O_EXCL: u16 = 4;
const O_TRUNC: u16 = 8;
/// `fdflags` bit: append mode.
pub(crate) const FDFLAG_APPEND: u16 = 1;
/// `lookupflags` bit: follow a symbolic link in the last component.
const SYMLINK_FOLLOW: u32 = 1;
/// Rights bits.
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;
/// The rights of a regular file: `fd_datasync` through `fd_allocate` (bits 0..=8),
/// `fd_filestat_get/set_size/set_times` (21..=23) and `poll_fd_readwrite` (27).
const FILE_RIGHTS: u64 = 0x08E0_01FF;
/// The rights of a directory: `fd_fdstat_set_flags`, `fd_sync`, `fd_advise` (3, 4, 7),
/// the path rights and `fd_readdir` (9..=21) and `fd_filestat_set_times` through
/// `path_unlink_file` (23..=26).
const DIR_RIGHTS: u64 = 0x07BF_FE98;
/// The rights of a standard stream besides reading or writing: `fd_filestat_get` and
/// `poll_fd_readwrite`.
const STREAM_RIGHTS: u64 = 0x0820_0000;

/// The `fdstat` of a directory.
const DIR_STAT: FdStat = FdStat {
    filetype: FileType::Directory,
    flags: 0,
    rights_base: DIR_RIGHTS,
    rights_inheriting: DIR_RIGHTS | FILE_RIGHTS,
};

/// What `fd_fdstat_get` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FdStat {
    pub(crate) filetype: FileType,
    pub(crate) flags: u16,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

/// How `path_open` opens a file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenRequest {
    pub(crate) lookup_flags: u32,
    pub(crate) oflags: u16,
    pub(crate) rights_base: u64,
    pub(crate) fdflags: u16,
}

impl Host {
    /// Writes `bytes` to `fd` at its position; returns the count written.
    pub(crate) fn write(
        &mut self,
        call: Syscall,
        fd: u32,
        bytes: &[u8],
        io: &mut dyn Io,
    ) -> Result<usize, Errno> {
        match self.descriptor(call, fd)? {
            Descriptor::Stdout => io.write_stdout(bytes)?,
            Descriptor::Stderr => io.write_stderr(bytes)?,
            Descriptor::File(file) if file.write => {
                if file.append {
                    file.file.seek(SeekFrom::End(0))?;
                }
                file.file.write_all(bytes)?;
            }
            Descriptor::Dir(_) => return Err(Errno::IsDir),
            _ => return Err(Errno::BadF),
        }
        Ok(bytes.len())
    }

    /// Reads from `fd` at its position into `buf`; returns the count read (0 at the end).
    pub(crate) fn read(
        &mut self,
        call: Syscall,
        fd: u32,
        buf: &mut [u8],
        io: &mut dyn Io,
    ) -> Result<usize, Errno> {
        match self.descriptor(call, fd)? {
            Descriptor::Stdin => Ok(io.read_stdin(buf)?),
            Descriptor::File(file) if file.read => Ok(file.file.read(buf)?),
            Descriptor::Dir(_) => Err(Errno::IsDir),
            _ => Err(Errno::BadF),
        }
    }

    /// The open file `fd` (`ESPIPE` for a stream, `EISDIR` for a directory).
    fn file(&mut self, call: Syscall, fd: u32) -> Result<&mut FileHandle, Errno> {
        match self.descriptor(call, fd)? {
            Descriptor::File(file) => Ok(file),
            Descriptor::Dir(_) => Err(Errno::IsDir),
            _ => Err(Errno::SPipe),
        }
    }

    /// Writes `bytes` at `offset` without moving the position.
    pub(crate) fn write_at(
        &mut self,
        call: Syscall,
        fd: u32,
        bytes: &[u8],
        offset: u64,
    ) -> Result<usize, Errno> {
        let file = self.file(call, fd)?;
        if !file.write {
            return Err(Errno::BadF);
        }
        let saved = file.file.stream_position()?;
        file.file.seek(SeekFrom::Start(offset))?;
        let written = file.file.write_all(bytes);
        file.file.seek(SeekFrom::Start(saved))?;
        written?;
        Ok(bytes.len())
    }

    /// Reads into `buf` from `offset` without moving the position.
    pub(crate) fn read_at(
        &mut self,
        call: Syscall,
        fd: u32,
        buf: &mut [u8],
        offset: u64,
    ) -> Result<usize, Errno> {
        let file = self.file(call, fd)?;
        if !file.read {
            return Err(Errno::BadF);
        }
        let saved = file.file.stream_position()?;
        file.file.seek(SeekFrom::Start(offset))?;
        let mut total = 0;
        let result = loop {
            match file.file.read(&mut buf[total..]) {
                Ok(0) => break Ok(total),
                Ok(n) => {
                    total += n;
                    if total == buf.len() {
                        break Ok(total);
                    }
                }
                Err(e) => break Err(Errno::from_io(&e)),
            }
        };
        file.file.seek(SeekFrom::Start(saved))?;
        result
    }

    /// Moves the position of `fd`; `whence` 0 = start, 1 = current, 2 = end.
    pub(crate) fn seek(
        &mut self,
        call: Syscall,
        fd: u32,
        offset: i64,
        whence: u32,
    ) -> Result<u64, Errno> {
        let file = self.file(call, fd)?;
        let to = match whence {
            0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
            1 => SeekFrom::Current(offset),
            2 => SeekFrom::End(offset),
            _ => return Err(Errno::Inval),
        };
        Ok(file.file.seek(to)?)
    }

    /// Flushes `fd` to the storage device (only its data with `data_only`).
    pub(crate) fn sync(&mut self, call: Syscall, fd: u32, data_only: bool) -> Result<(), Errno> {
        let file = self.file(call, fd)?;
        if data_only {
            file.file.sync_data()?;
        } else {
            file.file.sync_all()?;
        }
        Ok(())
    }

    /// The `fdstat` of `fd`.
    ///
    /// The stand-in preopen answers without a capability (wasi-libc reads a directory's
    /// rights before it opens a path below it; the open is what gets refused).
    pub(crate) fn fdstat(&mut self, call: Syscall, fd: u32) -> Result<FdStat, Errno> {
        if matches!(self.fds().get(fd)?, Descriptor::NoFiles) {
            return Ok(DIR_STAT);
        }
        Ok(match self.descriptor(call, fd)? {
            Descriptor::Stdin => stream_stat(RIGHT_FD_READ),
            Descriptor::Stdout | Descriptor::Stderr => stream_stat(RIGHT_FD_WRITE),
            Descriptor::Dir(_) | Descriptor::NoFiles => DIR_STAT,
            Descriptor::File(file) => {
                let mut rights = FILE_RIGHTS & !(RIGHT_FD_READ | RIGHT_FD_WRITE);
                if file.read {
                    rights |= RIGHT_FD_READ;
                }
                if file.write {
                    rights |= RIGHT_FD_WRITE;
                }
                FdStat {
                    filetype: FileType::RegularFile,
                    flags: if file.append { FDFLAG_APPEND } else { 0 },
                    rights_base: rights,
                    rights_inheriting: 0,
                }
            }
        })
    }

    /// Sets the `fdflags` of `fd` (only `append` on files).
    pub(crate) fn set_fd_flags(&mut self, call: Syscall, fd: u32, flags: u16) -> Result<(), Errno> {
        let file = self.file(call, fd)?;
        if flags & !FDFLAG_APPEND != 0 {
            return Err(Errno::NotSup);
        }
        file.append = flags & FDFLAG_APPEND != 0;
        Ok(())
    }

    /// The `filestat` of the open descriptor `fd`.
    pub(crate) fn fd_filestat(&mut self, call: Syscall, fd: u32) -> Result<FileStat, Errno> {
        Ok(match self.descriptor(call, fd)? {
            Descriptor::Stdin | Descriptor::Stdout | Descriptor::Stderr => FileStat::stream(),
            Descriptor::NoFiles => return Err(Errno::NotCapable),
            Descriptor::Dir(dir) => FileStat::of(&dir.path.metadata()?),
            Descriptor::File(file) => FileStat::of(&file.file.metadata()?),
        })
    }

    /// Truncates or extends the file `fd` to `size` bytes.
    pub(crate) fn set_size(&mut self, call: Syscall, fd: u32, size: u64) -> Result<(), Errno> {
        let file = self.file(call, fd)?;
        if !file.write {
            return Err(Errno::BadF);
        }
        Ok(file.file.set_len(size)?)
    }

    /// The guest name of the preopened directory `fd`; `EBADF` for any other descriptor.
    /// (Naming the stand-in preopen needs no capability: wasi-libc lists the preopens at
    /// start-up and stops the program on any error but `EBADF`.)
    pub(crate) fn prestat_name(&mut self, fd: u32) -> Result<String, Errno> {
        match self.fds().get(fd)? {
            Descriptor::Dir(DirHandle {
                preopen: Some(name),
                ..
            }) => Ok(name.clone()),
            Descriptor::NoFiles => Ok(NO_FILES_NAME.to_string()),
            _ => Err(Errno::BadF),
        }
    }

    /// The entries of the directory `fd`: `.` and `..`, then the rest sorted by name.
    pub(crate) fn read_dir(&mut self, call: Syscall, fd: u32) -> Result<Vec<DirEntry>, Errno> {
        self.descriptor(call, fd)?;
        let dir = self.fds().dir(fd)?;
        let dot = |name: &str| DirEntry {
            name: name.as_bytes().to_vec(),
            ino: 0,
            filetype: FileType::Directory,
        };
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&dir.path)? {
            let entry = entry?;
            let filetype = entry
                .file_type()
                .map(|t| {
                    if t.is_dir() {
                        FileType::Directory
                    } else if t.is_symlink() {
                        FileType::SymbolicLink
                    } else if t.is_file() {
                        FileType::RegularFile
                    } else {
                        FileType::Unknown
                    }
                })
                .unwrap_or(FileType::Unknown);
            entries.push(DirEntry {
                name: name_bytes(entry.file_name()),
                ino: inode(&entry),
                filetype,
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries.splice(0..0, [dot("."), dot("..")]);
        Ok(entries)
    }

    /// Resolves `path` below the directory `dirfd` for `call`, recording escapes.
    fn resolve(
        &mut self,
        call: Syscall,
        dirfd: u32,
        path: &str,
        follow: bool,
    ) -> Result<(PathBuf, PathBuf), Errno> {
        self.require(call, Capability::Files)?;
        let dir = self.fds().dir(dirfd)?;
        let root = dir.root.clone();
        match resolve(&dir.root, &dir.path, path, follow) {
            Ok(resolved) => Ok((root, resolved)),
            Err(Refusal::Escape) => Err(self.deny(call, DenialReason::Escape(path.to_string()))),
            Err(Refusal::Error(errno)) => Err(errno),
        }
    }

    /// Like [`Host::resolve`] for a call that changes the file system: refused (and
    /// recorded) below a directory granted read-only.
    fn resolve_for_write(
        &mut self,
        call: Syscall,
        dirfd: u32,
        path: &str,
        follow: bool,
    ) -> Result<(PathBuf, PathBuf), Errno> {
        let resolved = self.resolve(call, dirfd, path, follow)?;
        if self.fds().dir(dirfd)?.read_only {
            return Err(self.deny(call, DenialReason::ReadOnly(path.to_string())));
        }
        Ok(resolved)
    }

    /// `path_open`: opens `path` below `dirfd`; returns the new descriptor.
    pub(crate) fn open(
        &mut self,
        call: Syscall,
        dirfd: u32,
        path: &str,
        request: OpenRequest,
    ) -> Result<u32, Errno> {
        let follow = request.lookup_flags & SYMLINK_FOLLOW != 0;
        let oflags = request.oflags;
        let (root, resolved) = self.resolve(call, dirfd, path, follow)?;
        let read_only = self.fds().dir(dirfd)?.read_only;
        let is_dir = resolved.is_dir();
        if oflags & O_DIRECTORY != 0 || (is_dir && oflags & (O_CREAT | O_TRUNC) == 0) {
            if !is_dir {
                return Err(if resolved.exists() {
                    Errno::NotDir
                } else {
                    Errno::NoEnt
                });
            }
            return self.fds().insert(Descriptor::Dir(DirHandle {
                root,
                path: resolved,
                preopen: None,
                read_only,
            }));
        }
        if is_dir {
            return Err(Errno::IsDir);
        }
        let write = request.rights_base & RIGHT_FD_WRITE != 0
            || oflags & O_TRUNC != 0
            || request.fdflags & FDFLAG_APPEND != 0;
        let read = request.rights_base & RIGHT_FD_READ != 0 || !write;
        if read_only && (write || oflags & O_CREAT != 0) {
            return Err(self.deny(call, DenialReason::ReadOnly(path.to_string())));
        }
        let mut options = OpenOptions::new();
        options.read(read).write(write);
        if oflags & O_CREAT != 0 {
            if oflags & O_EXCL != 0 {
                options.create_new(true);
            } else {
                options.create(true);
            }
            // Creating needs write access on the host even for a read-only descriptor.
            options.write(true);
        }
        if oflags & O_TRUNC != 0 {
            options.truncate(true);
        }
        let file = options.open(&resolved)?;
        self.record_open(resolved, write);
        self.fds().insert(Descriptor::File(FileHandle {
            file,
            read,
            write,
            append: request.fdflags & FDFLAG_APPEND != 0,
        }))
    }

    /// `path_create_directory`.
    pub(crate) fn create_dir(
        &mut self,
        call: Syscall,
        dirfd: u32,
        path: &str,
    ) -> Result<(), Errno> {
        let (_, resolved) = self.resolve_for_write(call, dirfd, path, false)?;
        Ok(std::fs::create_dir(resolved)?)
    }

    /// `path_remove_directory`.
    pub(crate) fn remove_dir(
        &mut self,
        call: Syscall,
        dirfd: u32,
        path: &str,
    ) -> Result<(), Errno> {
        let (root, resolved) = self.resolve_for_write(call, dirfd, path, false)?;
        if resolved == root {
            return Err(Errno::Access);
        }
        Ok(std::fs::remove_dir(resolved)?)
    }

    /// `path_unlink_file`.
    pub(crate) fn unlink(&mut self, call: Syscall, dirfd: u32, path: &str) -> Result<(), Errno> {
        let (_, resolved) = self.resolve_for_write(call, dirfd, path, false)?;
        if resolved.symlink_metadata()?.is_dir() {
            return Err(Errno::IsDir);
        }
        Ok(std::fs::remove_file(resolved)?)
    }

    /// `path_filestat_get`.
    pub(crate) fn path_filestat(
        &mut self,
        call: Syscall,
        dirfd: u32,
        lookup_flags: u32,
        path: &str,
    ) -> Result<FileStat, Errno> {
        let follow = lookup_flags & SYMLINK_FOLLOW != 0;
        let (_, resolved) = self.resolve(call, dirfd, path, follow)?;
        let metadata = if follow {
            resolved.metadata()?
        } else {
            resolved.symlink_metadata()?
        };
        Ok(FileStat::of(&metadata))
    }

    /// `path_rename`.
    pub(crate) fn rename(
        &mut self,
        call: Syscall,
        old_dirfd: u32,
        old: &str,
        new_dirfd: u32,
        new: &str,
    ) -> Result<(), Errno> {
        let (_, from) = self.resolve_for_write(call, old_dirfd, old, false)?;
        let (_, to) = self.resolve_for_write(call, new_dirfd, new, false)?;
        Ok(std::fs::rename(from, to)?)
    }

    /// Closes `fd`.
    pub(crate) fn close(&mut self, call: Syscall, fd: u32) -> Result<(), Errno> {
        self.descriptor(call, fd)?;
        self.fds().close(fd)
    }
}

/// The `fdstat` of a standard stream with the given read or write right.
fn stream_stat(right: u64) -> FdStat {
    FdStat {
        filetype: FileType::CharacterDevice,
        flags: 0,
        rights_base: right | STREAM_RIGHTS,
        rights_inheriting: 0,
    }
}

/// A host file name as bytes.
fn name_bytes(name: std::ffi::OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        name.into_vec()
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned().into_bytes()
    }
}

/// The inode number of a directory entry (0 when the host has none).
fn inode(entry: &std::fs::DirEntry) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirEntryExt;
        entry.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = entry;
        0
    }
}
