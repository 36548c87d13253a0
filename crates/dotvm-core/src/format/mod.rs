//! The bytecode file format: constants shared by the reader and the writer.
//!
//! The byte-level layout is documented in `docs/bytecode-format.md`.

mod reader;
mod writer;

pub use reader::{FormatError, read_module};
pub use writer::write_module;

/// The four bytes every DotVM file starts with.
pub const MAGIC: [u8; 4] = *b"DOTV";
/// The format version this build reads and writes.
pub const VERSION: u16 = 1;
/// Size of the fixed header: magic, version, architecture, flags, entry point.
pub const HEADER_LEN: usize = 16;

/// Header flag bits.
pub mod flags {
    /// The file has a debug section.
    pub const DEBUG: u8 = 0x01;
    /// Sections are compressed (reserved: not supported by this version).
    pub const COMPRESSED: u8 = 0x02;
    /// Sections are encrypted (reserved: not supported by this version).
    pub const ENCRYPTED: u8 = 0x04;
    /// The file carries a signature (reserved: not supported by this version).
    pub const SIGNED: u8 = 0x08;
}
