//! A bounded reader over the file's bytes whose errors carry absolute file offsets.

use super::error::{Field, FormatError};
use super::section::SectionId;
use crate::instruction::Imm;
use std::ops::Range;

/// Reads little-endian fields from `bytes[pos..end]`. Positions are absolute file offsets,
/// so every error points into the file, whatever section is being read.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
    section: Option<SectionId>,
}

/// Widest word immediate in bytes (Arch512).
const MAX_IMM_LEN: u8 = 64;

impl<'a> Cursor<'a> {
    /// A cursor over the whole file, starting at byte 0.
    pub(crate) fn file(bytes: &'a [u8]) -> Cursor<'a> {
        Cursor {
            bytes,
            pos: 0,
            end: bytes.len(),
            section: None,
        }
    }

    /// A cursor over `bytes[range]`, the body of `section`. The caller has checked the range
    /// lies within the file.
    pub(crate) fn section(bytes: &'a [u8], range: Range<usize>, section: SectionId) -> Cursor<'a> {
        debug_assert!(range.start <= range.end && range.end <= bytes.len());
        Cursor {
            bytes,
            pos: range.start,
            end: range.end,
            section: Some(section),
        }
    }

    /// The absolute offset of the next byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left before the end of the file or section.
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// What the cursor stops at, for messages.
    fn limit(&self) -> String {
        match self.section {
            None => "the end of the file".to_string(),
            Some(id) => format!("the end of the `{id}` section"),
        }
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, field: Field) -> Result<&'a [u8], FormatError> {
        if n > self.remaining() {
            return Err(FormatError::new(
                self.pos,
                field,
                format!(
                    "expected {n} bytes, found only {} before {}",
                    self.remaining(),
                    self.limit()
                ),
            ));
        }
        let bytes = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    /// Takes exactly `N` bytes as an array.
    fn array<const N: usize>(&mut self, field: Field) -> Result<[u8; N], FormatError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, field: Field) -> Result<u8, FormatError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a little-endian u16.
    pub(crate) fn u16(&mut self, field: Field) -> Result<u16, FormatError> {
        self.array(field).map(u16::from_le_bytes)
    }

    /// Reads a little-endian u32.
    pub(crate) fn u32(&mut self, field: Field) -> Result<u32, FormatError> {
        self.array(field).map(u32::from_le_bytes)
    }

    /// Reads a little-endian u64.
    pub(crate) fn u64(&mut self, field: Field) -> Result<u64, FormatError> {
        self.array(field).map(u64::from_le_bytes)
    }

    /// Reads a boolean byte, which must be 0 or 1.
    pub(crate) fn flag(&mut self, field: Field) -> Result<bool, FormatError> {
        let at = self.pos;
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(FormatError::new(
                at,
                field,
                format!("expected 0 or 1, found 0x{other:02X}"),
            )),
        }
    }

    /// Reads a u32 item count and checks that `count` items of at least `min_item_len`
    /// bytes each fit in what remains, so callers may allocate `count` items.
    pub(crate) fn count(
        &mut self,
        field: Field,
        min_item_len: usize,
    ) -> Result<usize, FormatError> {
        let at = self.pos;
        let count = self.u32(field)? as usize;
        let needed = count as u64 * min_item_len as u64;
        if needed > self.remaining() as u64 {
            return Err(FormatError::new(
                at,
                field,
                format!(
                    "count {count} needs at least {needed} bytes, but only {} remain before {}",
                    self.remaining(),
                    self.limit()
                ),
            ));
        }
        Ok(count)
    }

    /// Reads a word immediate: a length byte (0..=64) and that many little-endian bytes
    /// whose last byte is not zero. Errors name the `length` byte or the value `bytes`.
    pub(crate) fn imm(&mut self, length: Field, bytes: Field) -> Result<Imm, FormatError> {
        let at = self.pos;
        let len = self.u8(length)?;
        if len > MAX_IMM_LEN {
            return Err(FormatError::new(
                at,
                length,
                format!(
                    "immediate of {len} bytes is wider than the widest word ({MAX_IMM_LEN} bytes)"
                ),
            ));
        }
        let value = self.take(usize::from(len), bytes)?;
        if value.last() == Some(&0) {
            return Err(FormatError::new(
                self.pos - 1,
                bytes,
                format!("immediate of {len} bytes is not minimally encoded: its last byte is zero"),
            ));
        }
        let mut full = [0u8; MAX_IMM_LEN as usize];
        full[..value.len()].copy_from_slice(value);
        Ok(Imm::from_le_bytes(full))
    }

    /// Reads a u32 length and that many raw bytes.
    pub(crate) fn blob(&mut self, length: Field, bytes: Field) -> Result<&'a [u8], FormatError> {
        let len = self.u32(length)? as usize;
        self.take(len, bytes)
    }

    /// Reads a u32 length and that many bytes of UTF-8 text.
    pub(crate) fn string(&mut self, length: Field, utf8: Field) -> Result<String, FormatError> {
        let len = self.u32(length)? as usize;
        let start = self.pos;
        let text = self.take(len, utf8)?;
        match std::str::from_utf8(text) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => Err(FormatError::new(
                start + e.valid_up_to(),
                utf8,
                format!(
                    "invalid UTF-8: byte 0x{:02X} at position {} of the {len}-byte string",
                    text[e.valid_up_to()],
                    e.valid_up_to()
                ),
            )),
        }
    }

    /// Checks the cursor consumed everything up to its end.
    pub(crate) fn finish(&self, field: Field) -> Result<(), FormatError> {
        if self.remaining() == 0 {
            return Ok(());
        }
        Err(FormatError::new(
            self.pos,
            field,
            format!(
                "expected {}, found {} more byte(s)",
                self.limit(),
                self.remaining()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Field = Field::new("x");

    #[test]
    fn reads_little_endian_fields_and_reports_truncation() {
        let bytes = [1, 2, 3, 4, 5, 6, 7];
        let mut cur = Cursor::file(&bytes);
        assert_eq!(cur.u16(F), Ok(0x0201));
        assert_eq!(cur.u32(F), Ok(0x0605_0403));
        let err = cur.u16(F).unwrap_err();
        assert_eq!(err.offset, 6);
        assert_eq!(
            err.message,
            "expected 2 bytes, found only 1 before the end of the file"
        );
    }

    #[test]
    fn immediates_are_minimal_and_bounded() {
        let mut cur = Cursor::file(&[2, 0x34, 0x12, 0]);
        assert_eq!(cur.imm(F, F), Ok(Imm::from(0x1234u32)));
        assert_eq!(cur.imm(F, F), Ok(Imm::ZERO));
        let err = Cursor::file(&[2, 1, 0]).imm(F, F).unwrap_err();
        assert_eq!(err.offset, 2);
        let err = Cursor::file(&[65]).imm(F, F).unwrap_err();
        assert_eq!(err.offset, 0);
    }

    #[test]
    fn counts_are_checked_against_remaining_bytes() {
        let bytes = [3, 0, 0, 0, 1, 2, 3, 4, 5];
        assert_eq!(Cursor::file(&bytes).count(F, 1), Ok(3));
        let err = Cursor::file(&bytes).count(F, 2).unwrap_err();
        assert_eq!(err.offset, 0);
        let huge = [0xFF, 0xFF, 0xFF, 0xFF];
        assert!(Cursor::file(&huge).count(F, 1).is_err());
    }

    #[test]
    fn strings_report_the_first_invalid_byte() {
        let bytes = [3, 0, 0, 0, b'a', 0xFF, b'b'];
        let err = Cursor::file(&bytes).string(F, F).unwrap_err();
        assert_eq!(err.offset, 5);
        let ok = [2, 0, 0, 0, b'h', b'i'];
        assert_eq!(Cursor::file(&ok).string(F, F), Ok("hi".to_string()));
    }
}
