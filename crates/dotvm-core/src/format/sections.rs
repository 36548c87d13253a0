//! Readers for the body of each section. Each one consumes its section exactly.

use super::cursor::Cursor;
use super::error::{Field, FormatError};
use super::section::SectionId;
use crate::module::{
    Constant, DataSegment, DebugInfo, Export, Function, Global, LineEntry, Memory, SourceMap,
};

/// Constant tags (the first byte of each constant-table entry).
pub(crate) mod tag {
    /// An integer word: a length byte and minimal little-endian bytes.
    pub(crate) const INT: u8 = 0x00;
    /// An f32: four bytes of IEEE-754 bits, little-endian.
    pub(crate) const F32: u8 = 0x01;
    /// An f64: eight bytes of IEEE-754 bits, little-endian.
    pub(crate) const F64: u8 = 0x02;
    /// UTF-8 text: a u32 length and the bytes.
    pub(crate) const STR: u8 = 0x03;
    /// Raw bytes: a u32 length and the bytes.
    pub(crate) const BYTES: u8 = 0x04;
}

/// Bit 0 of a global's flag byte: the global is mutable.
pub(crate) const GLOBAL_MUTABLE: u8 = 0x01;

/// Encoded size of one function entry: params, results, locals (u16 each), max_stack,
/// code offset, code length (u32 each).
const FUNCTION_ENTRY_LEN: usize = 18;
/// Smallest encoded constant: an Int tag and a zero length byte.
const MIN_CONSTANT_LEN: usize = 2;
/// Smallest encoded global: a flag byte and a zero length byte.
const MIN_GLOBAL_LEN: usize = 2;
/// Smallest encoded data segment: offset (u64) and length (u32).
const MIN_SEGMENT_LEN: usize = 12;
/// Smallest encoded export: name length (u32) and function index (u32).
const MIN_EXPORT_LEN: usize = 8;
/// Smallest encoded string: its u32 length.
const MIN_STRING_LEN: usize = 4;
/// Encoded size of a line-table entry: func, pc, line (u32 each).
const LINE_ENTRY_LEN: usize = 12;

/// Reads the functions section; `code` is the whole code section, which the functions'
/// code ranges must tile in order, starting at absolute file offset `code_start`.
pub(crate) fn read_functions(
    cur: &mut Cursor<'_>,
    code: &[u8],
    code_start: usize,
) -> Result<Vec<Function>, FormatError> {
    let count = cur.count(Field::new("functions.count"), FUNCTION_ENTRY_LEN)?;
    let mut functions = Vec::with_capacity(count);
    let mut next = 0usize;
    for i in 0..count {
        let f = Field::item("functions", i);
        let params = cur.u16(f.leaf("params"))?;
        let results = cur.u16(f.leaf("results"))?;
        let locals = cur.u16(f.leaf("locals"))?;
        let max_stack = cur.u32(f.leaf("max_stack"))?;
        let offset_at = cur.pos();
        let offset = cur.u32(f.leaf("code_offset"))? as usize;
        if offset != next {
            let problem = if offset < next {
                "overlaps the code before it"
            } else {
                "leaves a gap after the code before it"
            };
            return Err(FormatError::new(
                offset_at,
                f.leaf("code_offset"),
                format!(
                    "expected code offset {next} (function code must tile the code section \
                     in order), found {offset}, which {problem}"
                ),
            ));
        }
        let length_at = cur.pos();
        let length = cur.u32(f.leaf("code_length"))? as usize;
        if length > code.len() - offset {
            return Err(FormatError::new(
                length_at,
                f.leaf("code_length"),
                format!(
                    "code range {offset}..{} runs past the end of the code section \
                     (length {})",
                    offset as u64 + length as u64,
                    code.len()
                ),
            ));
        }
        let end = offset + length;
        functions.push(Function {
            params,
            results,
            locals,
            max_stack,
            code: code[offset..end].to_vec(),
            ty: None,
        });
        next = end;
    }
    cur.finish(Field::new("functions"))?;
    if next != code.len() {
        return Err(FormatError::new(
            code_start + next,
            Field::new("code"),
            format!(
                "code section bytes {next}..{} belong to no function (function code must \
                 tile the code section)",
                code.len()
            ),
        ));
    }
    Ok(functions)
}

/// Reads the constants section (which must list at least one constant).
pub(crate) fn read_constants(cur: &mut Cursor<'_>) -> Result<Vec<Constant>, FormatError> {
    let count = non_empty_count(cur, SectionId::Constants, MIN_CONSTANT_LEN)?;
    let mut constants = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("constants", i);
        let tag_at = cur.pos();
        let constant = match cur.u8(f.leaf("tag"))? {
            tag::INT => Constant::Int(cur.imm(f.leaf("int.length"), f.leaf("int.bytes"))?),
            tag::F32 => Constant::F32(cur.u32(f.leaf("f32"))?),
            tag::F64 => Constant::F64(cur.u64(f.leaf("f64"))?),
            tag::STR => Constant::Str(cur.string(f.leaf("length"), f.leaf("utf8"))?),
            tag::BYTES => Constant::Bytes(cur.blob(f.leaf("length"), f.leaf("bytes"))?.to_vec()),
            other => {
                return Err(FormatError::new(
                    tag_at,
                    f.leaf("tag"),
                    format!(
                        "unknown constant tag 0x{other:02X} (expected 0x00 int, 0x01 f32, \
                         0x02 f64, 0x03 str or 0x04 bytes)"
                    ),
                ));
            }
        };
        constants.push(constant);
    }
    cur.finish(Field::new("constants"))?;
    Ok(constants)
}

/// Reads the globals section (which must list at least one global).
pub(crate) fn read_globals(cur: &mut Cursor<'_>) -> Result<Vec<Global>, FormatError> {
    let count = non_empty_count(cur, SectionId::Globals, MIN_GLOBAL_LEN)?;
    let mut globals = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("globals", i);
        let flags_at = cur.pos();
        let flags = cur.u8(f.leaf("flags"))?;
        if flags & !GLOBAL_MUTABLE != 0 {
            return Err(FormatError::new(
                flags_at,
                f.leaf("flags"),
                format!(
                    "reserved global flag bits 0x{:02X} are set (only 0x01 mutable is defined)",
                    flags & !GLOBAL_MUTABLE
                ),
            ));
        }
        let init = cur.imm(f.leaf("init.length"), f.leaf("init.bytes"))?;
        globals.push(Global {
            init,
            mutable: flags & GLOBAL_MUTABLE != 0,
        });
    }
    cur.finish(Field::new("globals"))?;
    Ok(globals)
}

/// Reads the memory section (which must describe something other than the default: no
/// pages, no maximum, no segments).
pub(crate) fn read_memory(cur: &mut Cursor<'_>) -> Result<Memory, FormatError> {
    let start = cur.pos();
    let initial_pages = cur.u32(Field::new("memory.initial_pages"))?;
    let max_pages = if cur.flag(Field::new("memory.has_max"))? {
        Some(cur.u32(Field::new("memory.max_pages"))?)
    } else {
        None
    };
    let count = cur.count(Field::new("memory.segments.count"), MIN_SEGMENT_LEN)?;
    let mut segments = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("memory.segments", i);
        let offset = cur.u64(f.leaf("offset"))?;
        let bytes = cur.blob(f.leaf("length"), f.leaf("bytes"))?.to_vec();
        segments.push(DataSegment { offset, bytes });
    }
    cur.finish(Field::new("memory"))?;
    let memory = Memory {
        initial_pages,
        max_pages,
        segments,
    };
    if memory == Memory::default() {
        return Err(FormatError::new(
            start,
            Field::new("memory"),
            "the memory section describes no memory (0 pages, no maximum, no segments); \
             such a section must be omitted",
        ));
    }
    Ok(memory)
}

/// Reads the exports section (which must list at least one export).
pub(crate) fn read_exports(cur: &mut Cursor<'_>) -> Result<Vec<Export>, FormatError> {
    let count = non_empty_count(cur, SectionId::Exports, MIN_EXPORT_LEN)?;
    let mut exports = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("exports", i);
        let name = cur.string(f.leaf("name.length"), f.leaf("name.utf8"))?;
        let func = cur.u32(f.leaf("func"))?;
        exports.push(Export { name, func });
    }
    cur.finish(Field::new("exports"))?;
    Ok(exports)
}

/// Reads the debug section.
pub(crate) fn read_debug(cur: &mut Cursor<'_>) -> Result<DebugInfo, FormatError> {
    let source = if cur.flag(Field::new("debug.has_source"))? {
        let f = Field::new("debug.source");
        Some(cur.string(f.leaf("length"), f.leaf("utf8"))?)
    } else {
        None
    };
    let count = cur.count(Field::new("debug.function_names.count"), MIN_STRING_LEN)?;
    let mut function_names = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("debug.function_names", i);
        function_names.push(cur.string(f.leaf("length"), f.leaf("utf8"))?);
    }
    let count = cur.count(Field::new("debug.lines.count"), LINE_ENTRY_LEN)?;
    let mut lines = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("debug.lines", i);
        lines.push(LineEntry {
            func: cur.u32(f.leaf("func"))?,
            pc: cur.u32(f.leaf("pc"))?,
            line: cur.u32(f.leaf("line"))?,
        });
    }
    let source_map = if cur.remaining() > 0 {
        super::debug_map::read(cur)?
    } else {
        SourceMap::default()
    };
    cur.finish(Field::new("debug"))?;
    Ok(DebugInfo {
        function_names,
        source,
        lines,
        source_map,
    })
}

/// Reads the item count of an optional list section, which the writer omits when empty.
pub(super) fn non_empty_count(
    cur: &mut Cursor<'_>,
    id: SectionId,
    min_item_len: usize,
) -> Result<usize, FormatError> {
    let at = cur.pos();
    let field = Field::new(id.name()).leaf("count");
    let count = cur.count(field, min_item_len)?;
    if count == 0 {
        return Err(FormatError::new(
            at,
            field,
            format!("the `{id}` section lists nothing; an empty section must be omitted"),
        ));
    }
    Ok(count)
}
