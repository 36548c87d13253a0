//! The source-map part of the debug section (see `docs/bytecode-format.md`, "source
//! map"): file and name tables, then rows delta-encoded in unsigned LEB128.

use super::cursor::Cursor;
use super::error::{Field, FormatError};
use super::put::{put_bytes, put_len};
use crate::source_map::{InlinedCall, SourceEntry, SourceLoc, SourceMap};

/// Smallest encoded string (its u32 length).
const MIN_STRING_LEN: usize = 4;
/// Smallest encoded row: six one-byte LEB128 numbers.
const MIN_ROW_LEN: usize = 6;
/// Smallest encoded inlined call: four one-byte LEB128 numbers.
const MIN_CALL_LEN: usize = 4;

/// Appends `value` in unsigned LEB128.
fn put_uleb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a source position: file, line, column.
fn put_loc(out: &mut Vec<u8>, loc: SourceLoc) {
    put_uleb(out, loc.file);
    put_uleb(out, loc.line);
    put_uleb(out, loc.column);
}

/// Encodes a non-empty source map (the caller omits an empty one).
pub(super) fn encode(map: &SourceMap, out: &mut Vec<u8>) {
    put_len(out, map.files.len());
    for file in &map.files {
        put_bytes(out, file.as_bytes());
    }
    put_len(out, map.names.len());
    for name in &map.names {
        put_bytes(out, name.as_bytes());
    }
    put_len(out, map.entries.len());
    let mut func = 0;
    let mut pc = 0;
    for entry in &map.entries {
        put_uleb(out, entry.func - func);
        put_uleb(
            out,
            if entry.func == func {
                entry.pc - pc
            } else {
                entry.pc
            },
        );
        func = entry.func;
        pc = entry.pc;
        put_loc(out, entry.loc);
        put_uleb(out, entry.inlined.len() as u32);
        for call in &entry.inlined {
            put_uleb(out, call.name);
            put_loc(out, call.call);
        }
    }
}

/// Reads an unsigned LEB128 number that fits 32 bits, in its shortest form.
fn uleb(cur: &mut Cursor<'_>, field: Field) -> Result<u32, FormatError> {
    let at = cur.pos();
    let mut value: u64 = 0;
    for i in 0..5 {
        let byte = cur.u8(field)?;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err(FormatError::new(
                    at,
                    field,
                    "LEB128 number is not in its shortest form",
                ));
            }
            return u32::try_from(value)
                .map_err(|_| FormatError::new(at, field, "LEB128 number does not fit 32 bits"));
        }
    }
    Err(FormatError::new(
        at,
        field,
        "LEB128 number is longer than 5 bytes",
    ))
}

/// Reads an index below `len` (`what` names the table for the message).
fn index(cur: &mut Cursor<'_>, field: Field, len: usize, what: &str) -> Result<u32, FormatError> {
    let at = cur.pos();
    let value = uleb(cur, field)?;
    if value as usize >= len {
        return Err(FormatError::new(
            at,
            field,
            format!("{what} index {value} is out of range (the table has {len})"),
        ));
    }
    Ok(value)
}

/// Reads a source position; `leaves` name its file, line and column fields.
fn loc(
    cur: &mut Cursor<'_>,
    f: Field,
    leaves: [&'static str; 3],
    files: usize,
) -> Result<SourceLoc, FormatError> {
    Ok(SourceLoc {
        file: index(cur, f.leaf(leaves[0]), files, "file")?,
        line: uleb(cur, f.leaf(leaves[1]))?,
        column: uleb(cur, f.leaf(leaves[2]))?,
    })
}

/// Reads the source map that follows the line table.
pub(super) fn read(cur: &mut Cursor<'_>) -> Result<SourceMap, FormatError> {
    let start = cur.pos();
    let count = cur.count(Field::new("debug.source_map.files.count"), MIN_STRING_LEN)?;
    let mut files = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("debug.source_map.files", i);
        files.push(cur.string(f.leaf("length"), f.leaf("utf8"))?);
    }
    let count = cur.count(Field::new("debug.source_map.names.count"), MIN_STRING_LEN)?;
    let mut names = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("debug.source_map.names", i);
        names.push(cur.string(f.leaf("length"), f.leaf("utf8"))?);
    }
    let count = cur.count(Field::new("debug.source_map.rows.count"), MIN_ROW_LEN)?;
    let mut entries: Vec<SourceEntry> = Vec::with_capacity(count);
    let (mut func, mut pc) = (0u32, 0u32);
    for i in 0..count {
        let f = Field::item("debug.source_map.rows", i);
        let at = cur.pos();
        let func_delta = uleb(cur, f.leaf("func_delta"))?;
        let pc_at = cur.pos();
        let pc_field = uleb(cur, f.leaf("pc"))?;
        let overflow = || FormatError::new(at, f, "function index or pc passes 2^32");
        let next_func = func.checked_add(func_delta).ok_or_else(overflow)?;
        let next_pc = if func_delta == 0 {
            if i > 0 && pc_field == 0 {
                return Err(FormatError::new(
                    pc_at,
                    f.leaf("pc"),
                    "rows of one function must have strictly increasing pcs",
                ));
            }
            pc.checked_add(pc_field).ok_or_else(overflow)?
        } else {
            pc_field
        };
        (func, pc) = (next_func, next_pc);
        let position = loc(cur, f, ["file", "line", "column"], files.len())?;
        let calls_at = cur.pos();
        let calls = uleb(cur, f.leaf("inlined.count"))? as usize;
        if calls.saturating_mul(MIN_CALL_LEN) > cur.remaining() {
            return Err(FormatError::new(
                calls_at,
                f.leaf("inlined.count"),
                format!(
                    "{calls} inlined calls cannot fit the {} bytes left",
                    cur.remaining()
                ),
            ));
        }
        let mut inlined = Vec::with_capacity(calls);
        for _ in 0..calls {
            inlined.push(InlinedCall {
                name: index(cur, f.leaf("inlined.name"), names.len(), "name")?,
                call: loc(
                    cur,
                    f,
                    ["inlined.file", "inlined.line", "inlined.column"],
                    files.len(),
                )?,
            });
        }
        entries.push(SourceEntry {
            func,
            pc,
            loc: position,
            inlined,
        });
    }
    let map = SourceMap {
        files,
        names,
        entries,
    };
    if map == SourceMap::default() {
        return Err(FormatError::new(
            start,
            Field::new("debug.source_map"),
            "an empty source map must be omitted",
        ));
    }
    Ok(map)
}
