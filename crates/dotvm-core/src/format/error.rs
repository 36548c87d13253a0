//! The reader's error type and the field paths it names.

use std::fmt;

/// Why a file could not be read: the field, its byte offset in the file, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} at byte {offset}: {message}")]
pub struct FormatError {
    /// Absolute byte offset in the file where the offending field (or byte) starts.
    pub offset: usize,
    /// The field being read, as a path: `header.magic`, `section_table[2].offset`,
    /// `functions[3].code_length`, `constants[5].utf8`.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

impl FormatError {
    /// An error about `field` at absolute byte `offset`.
    pub(crate) fn new(offset: usize, field: Field, message: impl Into<String>) -> FormatError {
        FormatError {
            offset,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The path of a field, rendered only when an error names it: `path[index].leaf`, where the
/// index and the leaf are optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    path: &'static str,
    index: Option<usize>,
    leaf: &'static str,
}

impl Field {
    /// A field without an index (`header.magic`, `constants.count`).
    pub(crate) const fn new(path: &'static str) -> Field {
        Field {
            path,
            index: None,
            leaf: "",
        }
    }

    /// Item `index` of the list at `path` (`functions[3]`).
    pub(crate) const fn item(path: &'static str, index: usize) -> Field {
        Field {
            path,
            index: Some(index),
            leaf: "",
        }
    }

    /// The same path with `leaf` appended after the index (`functions[3].code_length`).
    pub(crate) const fn leaf(self, leaf: &'static str) -> Field {
        Field { leaf, ..self }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        if !self.leaf.is_empty() {
            write!(f, ".{}", self.leaf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_render() {
        assert_eq!(Field::new("header.magic").to_string(), "header.magic");
        assert_eq!(Field::item("functions", 3).to_string(), "functions[3]");
        assert_eq!(
            Field::item("debug.function_names", 2)
                .leaf("utf8")
                .to_string(),
            "debug.function_names[2].utf8"
        );
        assert_eq!(
            Field::new("debug.source").leaf("length").to_string(),
            "debug.source.length"
        );
    }
}
