//! Translation errors: where in the wasm input a problem is and what it is.

use std::fmt;

/// Why a wasm module could not be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranslateError {
    /// The bytes are not a valid WebAssembly module (malformed or invalid).
    Invalid {
        /// What `wasmparser` reported.
        message: String,
        /// Byte offset in the wasm input.
        offset: u64,
        /// The function whose body is invalid (`function 3 (name)`), if the problem is in one.
        function: Option<String>,
    },
    /// Some imports cannot be provided (all of them are listed).
    UnresolvedImports(Vec<String>),
    /// An import is provided, but not with the type the module declares.
    IncompatibleImport {
        /// `module.name` of the import.
        import: String,
        /// What does not match.
        message: String,
    },
    /// The module is valid but uses something DotVM cannot express.
    Unsupported {
        /// Function index and name (`function 3 (foo)`), or `module`.
        location: String,
        /// Byte offset in the wasm input.
        offset: u64,
        /// What is not supported.
        message: String,
    },
    /// The produced bytecode failed DotVM verification (a translator bug).
    Verify(String),
}

impl TranslateError {
    /// An invalid-module error from `wasmparser`.
    pub(crate) fn invalid(error: &wasmparser::BinaryReaderError) -> TranslateError {
        TranslateError::Invalid {
            message: error.message().to_string(),
            offset: error.offset(),
            function: None,
        }
    }
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TranslateError::Invalid {
                message,
                offset,
                function,
            } => {
                write!(f, "invalid wasm")?;
                if let Some(function) = function {
                    write!(f, " in {function}")?;
                }
                write!(f, " at byte {offset:#x}: {message}")
            }
            TranslateError::UnresolvedImports(names) => {
                write!(f, "unresolved imports: {}", names.join(", "))
            }
            TranslateError::IncompatibleImport { import, message } => {
                write!(f, "incompatible import {import}: {message}")
            }
            TranslateError::Unsupported {
                location,
                offset,
                message,
            } => write!(f, "{location} at byte {offset:#x}: {message}"),
            TranslateError::Verify(message) => {
                write!(f, "translated bytecode failed verification: {message}")
            }
        }
    }
}

impl std::error::Error for TranslateError {}

impl From<wasmparser::BinaryReaderError> for TranslateError {
    fn from(error: wasmparser::BinaryReaderError) -> Self {
        TranslateError::invalid(&error)
    }
}
