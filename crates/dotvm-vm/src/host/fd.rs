//! The descriptor table: standard streams at 0..=2, preopened directories from 3, then
//! files and directories the guest opens.

use super::{Errno, HostError, Preopen};
use std::fs::{File, Metadata};
use std::path::PathBuf;
use std::time::SystemTime;

/// A directory the guest holds: a preopen or one opened below it.
#[derive(Debug)]
pub(crate) struct DirHandle {
    /// The canonical host path of the preopened directory this one lies in: no path
    /// resolved from here may leave it.
    pub(crate) root: PathBuf,
    /// The canonical host path of this directory.
    pub(crate) path: PathBuf,
    /// The guest name, for preopens.
    pub(crate) preopen: Option<String>,
    /// Granted read-only (inherited from the preopen).
    pub(crate) read_only: bool,
}

/// A file the guest opened.
#[derive(Debug)]
pub(crate) struct FileHandle {
    pub(crate) file: File,
    /// Opened with read access.
    pub(crate) read: bool,
    /// Opened with write access.
    pub(crate) write: bool,
    /// Writes go to the end of the file.
    pub(crate) append: bool,
}

/// One open descriptor.
#[derive(Debug)]
pub(crate) enum Descriptor {
    /// Standard input.
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A directory.
    Dir(DirHandle),
    /// A regular file.
    File(FileHandle),
    /// The stand-in preopen `/` of a run granted no directory: every use of it needs the
    /// `files` capability, so a program that tries to open a file gets `ENOTCAPABLE` and
    /// the attempt is recorded as a denial (instead of wasi-libc failing with `ENOENT`
    /// before asking the host).
    NoFiles,
}

/// The guest name of [`Descriptor::NoFiles`].
pub(crate) const NO_FILES_NAME: &str = "/";

/// WASI file types (`filetype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FileType {
    /// Unknown (also sockets and other special files).
    Unknown = 0,
    /// A block device.
    BlockDevice = 1,
    /// A character device (the standard streams).
    CharacterDevice = 2,
    /// A directory.
    Directory = 3,
    /// A regular file.
    RegularFile = 4,
    /// A symbolic link.
    SymbolicLink = 7,
}

impl FileType {
    /// The type of a host file.
    pub(crate) fn of(metadata: &Metadata) -> FileType {
        let kind = metadata.file_type();
        if kind.is_dir() {
            FileType::Directory
        } else if kind.is_file() {
            FileType::RegularFile
        } else if kind.is_symlink() {
            FileType::SymbolicLink
        } else {
            special_type(&kind)
        }
    }
}

/// The type of a special file.
#[cfg(unix)]
fn special_type(kind: &std::fs::FileType) -> FileType {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_block_device() {
        FileType::BlockDevice
    } else if kind.is_char_device() {
        FileType::CharacterDevice
    } else {
        FileType::Unknown
    }
}

/// The type of a special file.
#[cfg(not(unix))]
fn special_type(_: &std::fs::FileType) -> FileType {
    FileType::Unknown
}

/// A WASI `filestat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// File type.
    pub filetype: FileType,
    /// Hard-link count.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last access, nanoseconds since the epoch.
    pub atim: u64,
    /// Last modification, nanoseconds since the epoch.
    pub mtim: u64,
    /// Last status change, nanoseconds since the epoch.
    pub ctim: u64,
}

/// Nanoseconds since the epoch, 0 when unknown.
fn nanos(time: std::io::Result<SystemTime>) -> u64 {
    time.ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

impl FileStat {
    /// The stat of a host file.
    pub(crate) fn of(metadata: &Metadata) -> FileStat {
        #[cfg(unix)]
        let (dev, ino, nlink, ctim) = {
            use std::os::unix::fs::MetadataExt;
            let ctim = u64::try_from(metadata.ctime())
                .unwrap_or(0)
                .saturating_mul(1_000_000_000)
                .saturating_add(u64::try_from(metadata.ctime_nsec()).unwrap_or(0));
            (metadata.dev(), metadata.ino(), metadata.nlink(), ctim)
        };
        #[cfg(not(unix))]
        let (dev, ino, nlink, ctim) = (0, 0, 1, nanos(metadata.modified()));
        FileStat {
            dev,
            ino,
            filetype: FileType::of(metadata),
            nlink,
            size: metadata.len(),
            atim: nanos(metadata.accessed()),
            mtim: nanos(metadata.modified()),
            ctim,
        }
    }

    /// The stat of a standard stream.
    pub(crate) fn stream() -> FileStat {
        FileStat {
            dev: 0,
            ino: 0,
            filetype: FileType::CharacterDevice,
            nlink: 1,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    }
}

/// One directory entry for `fd_readdir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirEntry {
    /// The name (bytes of the host name; lossy on hosts with non-Unix names).
    pub(crate) name: Vec<u8>,
    /// Inode number (0 when unknown).
    pub(crate) ino: u64,
    /// Entry type.
    pub(crate) filetype: FileType,
}

/// Descriptors by number.
#[derive(Debug)]
pub(crate) struct FdTable {
    slots: Vec<Option<Descriptor>>,
}

impl FdTable {
    /// The standard streams alone.
    fn stdio() -> FdTable {
        FdTable {
            slots: vec![
                Some(Descriptor::Stdin),
                Some(Descriptor::Stdout),
                Some(Descriptor::Stderr),
            ],
        }
    }

    /// The standard streams and the stand-in preopen of a run without files.
    pub(crate) fn without_files() -> FdTable {
        let mut table = FdTable::stdio();
        table.slots.push(Some(Descriptor::NoFiles));
        table
    }

    /// The standard streams and the preopened directories, from descriptor 3 in order
    /// (the stand-in preopen when there are none).
    pub(crate) fn new(dirs: &[Preopen]) -> Result<FdTable, HostError> {
        if dirs.is_empty() {
            return Ok(FdTable::without_files());
        }
        let mut table = FdTable::stdio();
        for dir in dirs {
            let error = |source| HostError::Dir {
                path: dir.host.clone(),
                source,
            };
            let path = dir.host.canonicalize().map_err(error)?;
            if !path.is_dir() {
                return Err(error(std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    "not a directory",
                )));
            }
            table.slots.push(Some(Descriptor::Dir(DirHandle {
                root: path.clone(),
                path,
                preopen: Some(dir.guest.clone()),
                read_only: dir.read_only,
            })));
        }
        Ok(table)
    }

    /// The open descriptor `fd`, `EBADF` if there is none.
    pub(crate) fn get(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BadF)
    }

    /// The directory `fd`: `EBADF` if not open, `ENOTDIR` if not a directory.
    pub(crate) fn dir(&mut self, fd: u32) -> Result<&DirHandle, Errno> {
        match self.get(fd)? {
            Descriptor::Dir(dir) => Ok(dir),
            _ => Err(Errno::NotDir),
        }
    }

    /// Stores `descriptor` at the lowest free number.
    pub(crate) fn insert(&mut self, descriptor: Descriptor) -> Result<u32, Errno> {
        let index = match self.slots.iter().position(Option::is_none) {
            Some(index) => {
                self.slots[index] = Some(descriptor);
                index
            }
            None => {
                self.slots.push(Some(descriptor));
                self.slots.len() - 1
            }
        };
        u32::try_from(index).map_err(|_| Errno::Overflow)
    }

    /// Closes `fd`.
    pub(crate) fn close(&mut self, fd: u32) -> Result<(), Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(Errno::BadF)?;
        slot.take().map(|_| ()).ok_or(Errno::BadF)
    }
}
