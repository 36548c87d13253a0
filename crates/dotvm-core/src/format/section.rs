//! Section identifiers: which sections a file can hold and in what order.

use std::fmt;

/// A section kind. Its byte is the `id` of a section-table entry; sections are listed and
/// laid out in ascending id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionId {
    /// Function signatures, frame sizes and code ranges (required).
    Functions,
    /// The concatenated code of every function (required).
    Code,
    /// The constant table (omitted when empty).
    Constants,
    /// Global variables (omitted when empty).
    Globals,
    /// Memory limits and data segments (omitted when it describes no memory at all).
    Memory,
    /// Named entry points (omitted when empty).
    Exports,
    /// Names and line table (present exactly when the DEBUG flag is set).
    Debug,
    /// Function types and the type of each function (omitted when there are none).
    Types,
    /// Tables and element segments (omitted when there are none).
    Tables,
    /// Passive data segments (omitted when there are none).
    PassiveData,
    /// Host imports (omitted when there are none).
    Imports,
    /// The signature over everything before it (present exactly when the SIGNED flag is
    /// set; always the last section).
    Signature,
}

impl SectionId {
    /// Every section, in id order.
    pub const ALL: [SectionId; 12] = [
        SectionId::Functions,
        SectionId::Code,
        SectionId::Constants,
        SectionId::Globals,
        SectionId::Memory,
        SectionId::Exports,
        SectionId::Debug,
        SectionId::Types,
        SectionId::Tables,
        SectionId::PassiveData,
        SectionId::Imports,
        SectionId::Signature,
    ];

    /// The id byte stored in the section table.
    pub const fn to_byte(self) -> u8 {
        match self {
            SectionId::Functions => 1,
            SectionId::Code => 2,
            SectionId::Constants => 3,
            SectionId::Globals => 4,
            SectionId::Memory => 5,
            SectionId::Exports => 6,
            SectionId::Debug => 7,
            SectionId::Types => 8,
            SectionId::Tables => 9,
            SectionId::PassiveData => 10,
            SectionId::Imports => 11,
            SectionId::Signature => 12,
        }
    }

    /// The section for an id byte, if it names one.
    pub const fn from_byte(byte: u8) -> Option<SectionId> {
        match byte {
            1 => Some(SectionId::Functions),
            2 => Some(SectionId::Code),
            3 => Some(SectionId::Constants),
            4 => Some(SectionId::Globals),
            5 => Some(SectionId::Memory),
            6 => Some(SectionId::Exports),
            7 => Some(SectionId::Debug),
            8 => Some(SectionId::Types),
            9 => Some(SectionId::Tables),
            10 => Some(SectionId::PassiveData),
            11 => Some(SectionId::Imports),
            12 => Some(SectionId::Signature),
            _ => None,
        }
    }

    /// The lowercase name used in error messages and documentation.
    pub const fn name(self) -> &'static str {
        match self {
            SectionId::Functions => "functions",
            SectionId::Code => "code",
            SectionId::Constants => "constants",
            SectionId::Globals => "globals",
            SectionId::Memory => "memory",
            SectionId::Exports => "exports",
            SectionId::Debug => "debug",
            SectionId::Types => "types",
            SectionId::Tables => "tables",
            SectionId::PassiveData => "passive_data",
            SectionId::Imports => "imports",
            SectionId::Signature => "signature",
        }
    }

    /// True for the sections every file must contain.
    pub const fn is_required(self) -> bool {
        matches!(self, SectionId::Functions | SectionId::Code)
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_ascend() {
        for (i, id) in SectionId::ALL.into_iter().enumerate() {
            assert_eq!(SectionId::from_byte(id.to_byte()), Some(id));
            assert_eq!(usize::from(id.to_byte()), i + 1);
        }
        assert_eq!(SectionId::from_byte(0), None);
        assert_eq!(SectionId::from_byte(13), None);
    }
}
