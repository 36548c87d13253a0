//! Reads and validates a bytecode file into a [`Module`]: the header, the section table,
//! and then each section's body (see [`super::sections`]).

use super::cursor::Cursor;
use super::error::{Field, FormatError};
use super::section::SectionId;
use super::{HEADER_LEN, MAGIC, SECTION_ENTRY_LEN, VERSION, flags};
use super::{linking, sections};
use crate::arch::Arch;
use crate::module::{Memory, Module, Signature};
use std::ops::Range;

/// Parses `bytes` as a DotVM bytecode file, validating every field.
///
/// The reader checks structure only: the header, the section table, and that every section
/// holds exactly what its layout says. Whether indices are in range, stacks balance or
/// constants fit the word is the verifier's job.
pub fn read_module(bytes: &[u8]) -> Result<Module, FormatError> {
    let mut cur = Cursor::file(bytes);
    let header = read_header(&mut cur)?;
    let table = read_section_table(&mut cur, bytes.len())?;
    let functions_range = table.required(SectionId::Functions)?;
    let code_range = table.required(SectionId::Code)?;
    let has_signature = table.range(SectionId::Signature).is_some();
    if has_signature != (header.flags & flags::SIGNED != 0) {
        let message = if has_signature {
            "the file has a signature section but the SIGNED flag (0x08) is clear"
        } else {
            "the SIGNED flag (0x08) is set but the file has no signature section"
        };
        return Err(FormatError::new(
            FLAGS_AT,
            Field::new("header.flags"),
            message,
        ));
    }
    let has_debug = table.range(SectionId::Debug).is_some();
    if has_debug != (header.flags & flags::DEBUG != 0) {
        let message = if has_debug {
            "the file has a debug section but the DEBUG flag (0x01) is clear"
        } else {
            "the DEBUG flag (0x01) is set but the file has no debug section"
        };
        return Err(FormatError::new(
            FLAGS_AT,
            Field::new("header.flags"),
            message,
        ));
    }

    let body = |id| table.range(id).map(|r| Cursor::section(bytes, r, id));
    let functions = sections::read_functions(
        &mut Cursor::section(bytes, functions_range, SectionId::Functions),
        &bytes[code_range.clone()],
        code_range.start,
    )?;
    let constants = match body(SectionId::Constants) {
        Some(mut cur) => sections::read_constants(&mut cur)?,
        None => Vec::new(),
    };
    let globals = match body(SectionId::Globals) {
        Some(mut cur) => sections::read_globals(&mut cur)?,
        None => Vec::new(),
    };
    let memory = match body(SectionId::Memory) {
        Some(mut cur) => sections::read_memory(&mut cur)?,
        None => Memory::default(),
    };
    let exports = match body(SectionId::Exports) {
        Some(mut cur) => sections::read_exports(&mut cur)?,
        None => Vec::new(),
    };
    let debug = match body(SectionId::Debug) {
        Some(mut cur) => Some(sections::read_debug(&mut cur)?),
        None => None,
    };
    let mut functions = functions;
    let types = match body(SectionId::Types) {
        Some(mut cur) => linking::read_types(&mut cur, &mut functions)?,
        None => Vec::new(),
    };
    let (tables, elements) = match body(SectionId::Tables) {
        Some(mut cur) => linking::read_tables(&mut cur)?,
        None => (Vec::new(), Vec::new()),
    };
    let data = match body(SectionId::PassiveData) {
        Some(mut cur) => linking::read_passive_data(&mut cur)?,
        None => Vec::new(),
    };
    let imports = match body(SectionId::Imports) {
        Some(mut cur) => linking::read_imports(&mut cur)?,
        None => Vec::new(),
    };
    let signature = match body(SectionId::Signature) {
        Some(mut cur) => Some(read_signature(&mut cur)?),
        None => None,
    };
    Ok(Module {
        arch: header.arch,
        entry: header.entry,
        functions,
        constants,
        globals,
        memory,
        exports,
        debug,
        types,
        tables,
        elements,
        data,
        imports,
        signature,
    })
}

/// Reads the signature section: the algorithm byte, the public key and the signature.
fn read_signature(cur: &mut Cursor<'_>) -> Result<Signature, FormatError> {
    let field = Field::new("signature.algorithm");
    let at = cur.pos();
    let algorithm = cur.u8(field)?;
    if algorithm != Signature::ED25519 {
        return Err(FormatError::new(
            at,
            field,
            format!(
                "unknown signature algorithm 0x{algorithm:02X} (expected 0x{:02X}, ed25519)",
                Signature::ED25519
            ),
        ));
    }
    let mut signature = Signature {
        public_key: [0; 32],
        signature: [0; 64],
    };
    signature
        .public_key
        .copy_from_slice(cur.take(32, Field::new("signature.public_key"))?);
    signature
        .signature
        .copy_from_slice(cur.take(64, Field::new("signature.signature"))?);
    cur.finish(Field::new("signature"))?;
    Ok(signature)
}

/// Where one section lies in a file (for tools such as `dotvm inspect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionInfo {
    /// Which section.
    pub id: SectionId,
    /// Byte offset of its body in the file.
    pub offset: usize,
    /// Length of its body in bytes.
    pub length: usize,
}

/// Validates the header and section table of `bytes` and lists the sections present, in
/// file order. The section bodies are not read.
pub fn section_table(bytes: &[u8]) -> Result<Vec<SectionInfo>, FormatError> {
    let mut cur = Cursor::file(bytes);
    read_header(&mut cur)?;
    let table = read_section_table(&mut cur, bytes.len())?;
    Ok(SectionId::ALL
        .into_iter()
        .filter_map(|id| {
            table.range(id).map(|r| SectionInfo {
                id,
                offset: r.start,
                length: r.len(),
            })
        })
        .collect())
}

/// Offset of the flags byte in the header.
const FLAGS_AT: usize = 7;

/// The validated fixed header.
struct Header {
    arch: Arch,
    flags: u8,
    entry: u32,
}

/// Reads the 16-byte header: magic, version, architecture, flags, entry.
fn read_header(cur: &mut Cursor<'_>) -> Result<Header, FormatError> {
    let field = Field::new("header.magic");
    let magic = cur.take(MAGIC.len(), field)?;
    if magic != MAGIC {
        return Err(FormatError::new(
            0,
            field,
            format!("expected magic `DOTV`, found `{}`", magic.escape_ascii()),
        ));
    }

    let field = Field::new("header.version");
    let at = cur.pos();
    let version = cur.u16(field)?;
    if version != VERSION {
        return Err(FormatError::new(
            at,
            field,
            format!("unsupported format version {version} (this build reads version {VERSION})"),
        ));
    }

    let field = Field::new("header.arch");
    let at = cur.pos();
    let byte = cur.u8(field)?;
    let arch = Arch::from_byte(byte).ok_or_else(|| {
        FormatError::new(
            at,
            field,
            format!("unknown architecture byte 0x{byte:02X} (expected 0x00..0x04)"),
        )
    })?;

    let field = Field::new("header.flags");
    let flag_bits = cur.u8(field)?;
    check_flags(flag_bits)?;

    let field = Field::new("header.entry");
    let at = cur.pos();
    let entry = cur.u64(field)?;
    let entry = u32::try_from(entry).map_err(|_| {
        FormatError::new(
            at,
            field,
            format!("entry function index {entry} does not fit in 32 bits"),
        )
    })?;
    debug_assert_eq!(cur.pos(), HEADER_LEN);
    Ok(Header {
        arch,
        flags: flag_bits,
        entry,
    })
}

/// Rejects reserved flag bits and the flags version 1 defines but does not support.
fn check_flags(bits: u8) -> Result<(), FormatError> {
    let field = Field::new("header.flags");
    if bits & flags::RESERVED != 0 {
        return Err(FormatError::new(
            FLAGS_AT,
            field,
            format!(
                "reserved flag bits 0x{:02X} are set (flags 0x{bits:02X})",
                bits & flags::RESERVED
            ),
        ));
    }
    let unsupported = [
        (flags::COMPRESSED, "COMPRESSED"),
        (flags::ENCRYPTED, "ENCRYPTED"),
    ];
    for (bit, name) in unsupported {
        if bits & bit != 0 {
            return Err(FormatError::new(
                FLAGS_AT,
                field,
                format!("the {name} flag (0x{bit:02X}) is not supported by format version 1"),
            ));
        }
    }
    Ok(())
}

/// Where each present section's body lies in the file, indexed by section id.
struct SectionTable {
    ranges: [Option<Range<usize>>; SectionId::ALL.len()],
}

impl SectionTable {
    /// The byte range of section `id`, if the file has it.
    fn range(&self, id: SectionId) -> Option<Range<usize>> {
        self.ranges[usize::from(id.to_byte() - 1)].clone()
    }

    /// The byte range of section `id`, which every file must have.
    fn required(&self, id: SectionId) -> Result<Range<usize>, FormatError> {
        self.range(id).ok_or_else(|| {
            FormatError::new(
                HEADER_LEN,
                Field::new("section_table"),
                format!(
                    "required `{id}` section (id 0x{:02X}) is missing",
                    id.to_byte()
                ),
            )
        })
    }
}

/// Reads the section table (a u32 count, then 12-byte entries) and checks the canonical
/// layout: known ids in ascending order, zero reserved bytes, bodies packed back to back
/// right after the table in table order, the last one ending at the end of the file.
fn read_section_table(cur: &mut Cursor<'_>, file_len: usize) -> Result<SectionTable, FormatError> {
    let count = cur.count(Field::new("section_table.count"), SECTION_ENTRY_LEN)?;
    let table_end = cur.pos() + count * SECTION_ENTRY_LEN;
    let mut table = SectionTable {
        ranges: Default::default(),
    };
    let mut previous: Option<(usize, SectionId, Range<usize>)> = None;
    for i in 0..count {
        let f = Field::item("section_table", i);
        let at = cur.pos();
        let byte = cur.u8(f.leaf("id"))?;
        let id = SectionId::from_byte(byte).ok_or_else(|| {
            FormatError::new(
                at,
                f.leaf("id"),
                format!("unknown section id 0x{byte:02X} (expected 0x01..0x0C)"),
            )
        })?;
        if let Some((j, prev, _)) = &previous
            && *prev >= id
        {
            let message = if *prev == id {
                format!("duplicate `{id}` section (already listed as section_table[{j}])")
            } else {
                format!(
                    "`{id}` section listed after the `{prev}` section; sections must be \
                     listed in ascending id order"
                )
            };
            return Err(FormatError::new(at, f.leaf("id"), message));
        }
        let at = cur.pos();
        let reserved = cur.take(3, f.leaf("reserved"))?;
        if let Some(k) = reserved.iter().position(|&b| b != 0) {
            return Err(FormatError::new(
                at + k,
                f.leaf("reserved"),
                format!("reserved bytes must be zero, found 0x{:02X}", reserved[k]),
            ));
        }
        let at = cur.pos();
        let offset = cur.u32(f.leaf("offset"))? as usize;
        let expected = previous.as_ref().map_or(table_end, |(_, _, r)| r.end);
        if offset != expected {
            let message = if offset > file_len {
                format!(
                    "section starts at byte {offset}, past the end of the file (length {file_len})"
                )
            } else if offset < table_end {
                format!(
                    "section starts at byte {offset}, inside the header and section table \
                     (which end at byte {table_end})"
                )
            } else {
                match &previous {
                    Some((_, prev, r)) if offset < expected => format!(
                        "section starts at byte {offset}, overlapping the `{prev}` section \
                         (bytes {}..{})",
                        r.start, r.end
                    ),
                    _ => format!(
                        "section starts at byte {offset}, leaving a gap: sections are packed, \
                         so it must start at byte {expected}"
                    ),
                }
            };
            return Err(FormatError::new(at, f.leaf("offset"), message));
        }
        let at = cur.pos();
        let length = cur.u32(f.leaf("length"))? as usize;
        if length > file_len - offset {
            return Err(FormatError::new(
                at,
                f.leaf("length"),
                format!(
                    "section {offset}..{} runs past the end of the file (length {file_len})",
                    offset as u64 + length as u64
                ),
            ));
        }
        let end = offset + length;
        table.ranges[usize::from(byte - 1)] = Some(offset..end);
        previous = Some((i, id, offset..end));
    }
    let body_end = previous.map_or(table_end, |(_, _, r)| r.end);
    if body_end != file_len {
        return Err(FormatError::new(
            body_end,
            Field::new("file"),
            format!(
                "{} trailing byte(s) after the last section, which ends at byte {body_end}",
                file_len - body_end
            ),
        ));
    }
    Ok(table)
}
