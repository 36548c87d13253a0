//! WASI preview1 error numbers, the results of the WASI-shaped system calls.

use std::io::ErrorKind;

/// A WASI `errno` value (the `i32` result of a WASI-shaped system call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// No error.
    Success = 0,
    /// Argument list too long.
    TooBig = 1,
    /// Permission denied by the host file system.
    Access = 2,
    /// Bad file descriptor.
    BadF = 8,
    /// File exists.
    Exist = 20,
    /// A guest pointer or buffer lies outside memory (or a result would land in the
    /// read-only constant region).
    Fault = 21,
    /// Illegal byte sequence (a path that is not UTF-8).
    IlSeq = 25,
    /// Invalid argument.
    Inval = 28,
    /// Input/output error on the host.
    Io = 29,
    /// Is a directory.
    IsDir = 31,
    /// File name too long.
    NameTooLong = 37,
    /// No such file or directory.
    NoEnt = 44,
    /// Function not supported on this descriptor.
    NoSys = 52,
    /// Not a directory.
    NotDir = 54,
    /// Directory not empty.
    NotEmpty = 55,
    /// Not supported.
    NotSup = 58,
    /// Value too large (a result does not fit its field).
    Overflow = 61,
    /// Invalid seek (on a stream).
    SPipe = 70,
    /// Cross-device link.
    XDev = 75,
    /// The capability the call needs was not granted, or the path leaves its directory.
    NotCapable = 76,
}

impl Errno {
    /// The number the guest sees.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The closest errno for a host I/O error.
    pub fn from_io(error: &std::io::Error) -> Errno {
        match error.kind() {
            ErrorKind::NotFound => Errno::NoEnt,
            ErrorKind::PermissionDenied => Errno::Access,
            ErrorKind::AlreadyExists => Errno::Exist,
            ErrorKind::InvalidInput | ErrorKind::InvalidData => Errno::Inval,
            ErrorKind::IsADirectory => Errno::IsDir,
            ErrorKind::NotADirectory => Errno::NotDir,
            ErrorKind::DirectoryNotEmpty => Errno::NotEmpty,
            ErrorKind::CrossesDevices => Errno::XDev,
            ErrorKind::InvalidFilename => Errno::NameTooLong,
            ErrorKind::Unsupported => Errno::NotSup,
            _ => Errno::Io,
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(error: std::io::Error) -> Errno {
        Errno::from_io(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_map_to_wasi_numbers() {
        let not_found = std::io::Error::from(ErrorKind::NotFound);
        assert_eq!(Errno::from_io(&not_found).code(), 44);
        assert_eq!(Errno::from(std::io::Error::other("x")), Errno::Io);
        assert_eq!(Errno::NotCapable.code(), 76);
        assert_eq!(Errno::BadF.code(), 8);
    }
}
