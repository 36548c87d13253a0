//! The bytecode file format: a fixed header, a section table and the sections themselves.
//!
//! The byte-level layout is documented in `docs/bytecode-format.md`. The encoding is
//! canonical: every [`Module`](crate::Module) has exactly one encoding, [`write_module`]
//! produces it, and [`read_module`] accepts nothing else, so `read_module(&write_module(m))
//! == Ok(m)` and, whenever `read_module(bytes)` succeeds, `write_module` of the result gives
//! `bytes` back.

mod cursor;
mod debug_map;
mod error;
mod linking;
mod put;
mod reader;
mod section;
mod sections;
mod writer;

pub use error::FormatError;
pub use reader::{SectionInfo, read_module, section_table};
pub use section::SectionId;
pub use writer::{signed_message, write_module};

/// The four bytes every DotVM file starts with.
pub const MAGIC: [u8; 4] = *b"DOTV";
/// The format version this build reads and writes.
pub const VERSION: u16 = 1;
/// Size of the fixed header: magic, version, architecture, flags, entry point.
pub const HEADER_LEN: usize = 16;
/// Size of one section-table entry: id, three reserved bytes, offset, length.
pub const SECTION_ENTRY_LEN: usize = 12;

/// Header flag bits.
pub mod flags {
    /// The file has a debug section.
    pub const DEBUG: u8 = 0x01;
    /// Sections are compressed (reserved: not supported by this version).
    pub const COMPRESSED: u8 = 0x02;
    /// Sections are encrypted (reserved: not supported by this version).
    pub const ENCRYPTED: u8 = 0x04;
    /// The file ends with a signature section.
    pub const SIGNED: u8 = 0x08;
    /// Bits no version defines; they must be zero.
    pub const RESERVED: u8 = 0xF0;
}
