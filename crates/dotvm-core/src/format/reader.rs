//! Reads and validates a bytecode file into a [`Module`].

use crate::module::Module;

/// Why a file could not be read: the field, its byte offset in the file, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} at byte {offset}: {message}")]
pub struct FormatError {
    /// Byte offset in the file where the problem is.
    pub offset: usize,
    /// The field being read (`header.magic`, `section[2].length`, `functions[3].code_offset`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Parses `bytes` as a DotVM bytecode file, validating every field.
pub fn read_module(bytes: &[u8]) -> Result<Module, FormatError> {
    let _ = bytes;
    unimplemented!("format reader")
}
