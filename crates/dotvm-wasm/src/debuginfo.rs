//! Source positions from a wasm module's DWARF (`gimli`): the line tables give each code
//! address a file, line and column, and the `DW_TAG_inlined_subroutine` entries give the
//! chain of inlined calls around it. Addresses are offsets from the start of the code
//! section's contents, as wasm DWARF defines them. Function names are demangled with
//! `rustc-demangle`.
//!
//! Broken or unsupported DWARF never fails a translation: the part that cannot be read is
//! left out (the module simply has fewer source positions).

use dotvm_core::source_map::{InlinedCall, SourceLoc};
use gimli::{EndianSlice, LittleEndian};
use std::collections::HashMap;

/// The DWARF reader type over the module's bytes.
type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// One line-table row: from `addr` up to the next row, the code comes from `loc` (line
/// 0 after an end of sequence).
#[derive(Debug, Clone, Copy)]
struct Row {
    addr: u64,
    /// An end of sequence (sorts before a row starting at the same address).
    end: bool,
    loc: SourceLoc,
}

/// One inlined call: code in `low..high` belongs to function `name` inlined at `call`;
/// `depth` orders nested calls (deeper = more inner).
#[derive(Debug, Clone, Copy)]
struct Inlined {
    low: u64,
    high: u64,
    depth: isize,
    name: u32,
    call: SourceLoc,
}

/// The source positions of a module's code.
#[derive(Debug, Default)]
pub(crate) struct SourceLines {
    /// File paths, indexed by [`SourceLoc::file`].
    pub(crate) files: Vec<String>,
    /// Inlined function names, indexed by [`InlinedCall::name`].
    pub(crate) names: Vec<String>,
    rows: Vec<Row>,
    inlined: Vec<Inlined>,
    /// Addresses where a function's prologue ends (`prologue_end` rows), sorted.
    pub(crate) prologue_ends: Vec<u64>,
}

/// Demangles a Rust symbol (without its hash); other names come back unchanged.
pub fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(demangled) => format!("{demangled:#}"),
        Err(_) => name.to_string(),
    }
}

impl SourceLines {
    /// Reads the DWARF custom sections (`.debug_info`, `.debug_line`, ...); `None` when
    /// there is no line table.
    pub(crate) fn read(sections: &HashMap<&str, &[u8]>) -> Option<SourceLines> {
        if !sections.contains_key(".debug_line") {
            return None;
        }
        let dwarf = gimli::Dwarf::load(|id| -> Result<Reader<'_>, gimli::Error> {
            let bytes = sections.get(id.name()).copied().unwrap_or(&[]);
            Ok(EndianSlice::new(bytes, LittleEndian))
        })
        .ok()?;
        let mut lines = Builder::default();
        let mut units = dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Ok(unit) = dwarf.unit(header) else {
                continue;
            };
            // A unit whose line program or entries cannot be read adds what it could.
            let files = lines.unit_rows(&dwarf, &unit).unwrap_or_default();
            let _ = lines.unit_inlined(&dwarf, &unit, &files);
        }
        let mut result = lines.result;
        // An end-of-sequence row must not hide a row that starts at the same address.
        result.rows.sort_by_key(|r| (r.addr, !r.end));
        result.inlined.sort_by_key(|i| (i.low, i.depth));
        result.prologue_ends.sort_unstable();
        (!result.rows.is_empty() && !result.files.is_empty()).then_some(result)
    }

    /// Index of the line row covering `addr`, if one does: rows change exactly where the
    /// source position may change.
    pub(crate) fn row_at(&self, addr: u64) -> Option<usize> {
        let end = self.rows.partition_point(|r| r.addr <= addr);
        end.checked_sub(1)
    }

    /// The source position of each address and the calls inlined there (innermost
    /// first), for `addrs` sorted in increasing order; addresses without a line row are
    /// left out. One sweep over the inlined ranges (sorted by start) serves them all.
    pub(crate) fn positions(&self, addrs: &[u64]) -> HashMap<u64, (SourceLoc, Vec<InlinedCall>)> {
        let mut out = HashMap::with_capacity(addrs.len());
        let mut next = 0;
        let mut active: Vec<&Inlined> = Vec::new();
        for &addr in addrs {
            while let Some(range) = self.inlined.get(next).filter(|i| i.low <= addr) {
                active.push(range);
                next += 1;
            }
            active.retain(|i| addr < i.high);
            let Some(row) = self.row_at(addr).map(|r| self.rows[r]) else {
                continue;
            };
            let mut calls = active.clone();
            calls.sort_by_key(|i| std::cmp::Reverse(i.depth));
            let inlined = calls
                .into_iter()
                .map(|i| InlinedCall {
                    name: i.name,
                    call: i.call,
                })
                .collect();
            out.insert(addr, (row.loc, inlined));
        }
        out
    }
}

/// Accumulates rows and inlined calls unit by unit, sharing the file and name tables.
#[derive(Default)]
struct Builder {
    result: SourceLines,
    file_index: HashMap<String, u32>,
    name_index: HashMap<String, u32>,
}

impl Builder {
    /// Interns a file path.
    fn file(&mut self, path: String) -> u32 {
        if let Some(&i) = self.file_index.get(&path) {
            return i;
        }
        let i = self.result.files.len() as u32;
        self.result.files.push(path.clone());
        self.file_index.insert(path, i);
        i
    }

    /// Interns a function name.
    fn name(&mut self, name: String) -> u32 {
        if let Some(&i) = self.name_index.get(&name) {
            return i;
        }
        let i = self.result.names.len() as u32;
        self.result.names.push(name.clone());
        self.name_index.insert(name, i);
        i
    }

    /// Adds the unit's line rows; returns the unit's file table (line-program file
    /// number → file index).
    fn unit_rows(
        &mut self,
        dwarf: &gimli::Dwarf<Reader<'_>>,
        unit: &gimli::Unit<Reader<'_>>,
    ) -> gimli::Result<HashMap<u64, u32>> {
        let Some(program) = unit.line_program.clone() else {
            return Ok(HashMap::new());
        };
        let mut files = HashMap::new();
        let mut rows = program.rows();
        while let Some((header, row)) = rows.next_row()? {
            if row.end_sequence() {
                self.result.rows.push(Row {
                    addr: row.address(),
                    end: true,
                    loc: SourceLoc {
                        file: 0,
                        line: 0,
                        column: 0,
                    },
                });
                continue;
            }
            let number = row.file_index();
            let file = match files.get(&number) {
                Some(&file) => file,
                None => {
                    let path = file_path(dwarf, unit, header, number).unwrap_or_default();
                    let file = self.file(path);
                    files.insert(number, file);
                    file
                }
            };
            if row.prologue_end() {
                self.result.prologue_ends.push(row.address());
            }
            let column = match row.column() {
                gimli::ColumnType::LeftEdge => 0,
                gimli::ColumnType::Column(c) => u32::try_from(c.get()).unwrap_or(u32::MAX),
            };
            self.result.rows.push(Row {
                addr: row.address(),
                end: false,
                loc: SourceLoc {
                    file,
                    line: row
                        .line()
                        .map_or(0, |l| u32::try_from(l.get()).unwrap_or(u32::MAX)),
                    column,
                },
            });
        }
        Ok(files)
    }

    /// Adds the unit's inlined calls.
    fn unit_inlined(
        &mut self,
        dwarf: &gimli::Dwarf<Reader<'_>>,
        unit: &gimli::Unit<Reader<'_>>,
        files: &HashMap<u64, u32>,
    ) -> gimli::Result<()> {
        let header = unit.line_program.as_ref().map(|p| p.header().clone());
        let mut origins: HashMap<gimli::UnitOffset, u32> = HashMap::new();
        let mut entries = unit.entries();
        while let Some(entry) = entries.next_dfs()? {
            if entry.tag() != gimli::DW_TAG_inlined_subroutine {
                continue;
            }
            let depth = entry.depth();
            // Many inlined calls share an origin: name each origin once.
            let origin = match entry.attr_value(gimli::DW_AT_abstract_origin) {
                Some(gimli::AttributeValue::UnitRef(offset)) => Some(offset),
                _ => None,
            };
            let name = match origin.and_then(|o| origins.get(&o)) {
                Some(&name) => name,
                None => {
                    let text = origin_name(dwarf, unit, entry).unwrap_or_else(|| "?".to_string());
                    let name = self.name(text);
                    if let Some(origin) = origin {
                        origins.insert(origin, name);
                    }
                    name
                }
            };
            let number = match entry.attr_value(gimli::DW_AT_call_file) {
                Some(gimli::AttributeValue::FileIndex(n)) => Some(n),
                Some(value) => value.udata_value(),
                None => None,
            };
            let file = match (number, &header) {
                (Some(n), Some(header)) => match files.get(&n) {
                    Some(&file) => file,
                    None => {
                        let path = file_path(dwarf, unit, header, n).unwrap_or_default();
                        self.file(path)
                    }
                },
                _ => self.file(String::new()),
            };
            let number_of = |at| {
                entry
                    .attr_value(at)
                    .and_then(|v| v.udata_value())
                    .map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX))
            };
            let call = SourceLoc {
                file,
                line: number_of(gimli::DW_AT_call_line),
                column: number_of(gimli::DW_AT_call_column),
            };
            let mut ranges = dwarf.die_ranges(unit, entry)?;
            while let Some(range) = ranges.next()? {
                if range.begin < range.end {
                    self.result.inlined.push(Inlined {
                        low: range.begin,
                        high: range.end,
                        depth,
                        name,
                        call,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The path of file `number` of a line program: directory joined with the name, relative
/// directories under the unit's compilation directory.
fn file_path(
    dwarf: &gimli::Dwarf<Reader<'_>>,
    unit: &gimli::Unit<Reader<'_>>,
    header: &gimli::LineProgramHeader<Reader<'_>>,
    number: u64,
) -> Option<String> {
    let file = header.file(number)?;
    let text = |value| {
        dwarf
            .attr_string(unit, value)
            .ok()
            .map(|s| s.to_string_lossy().into_owned())
    };
    let name = text(file.path_name())?;
    if name.starts_with('/') {
        return Some(name);
    }
    let mut dir = file.directory(header).and_then(text).unwrap_or_default();
    if !dir.starts_with('/')
        && let Some(comp_dir) = &unit.comp_dir
    {
        let comp_dir = comp_dir.to_string_lossy();
        dir = if dir.is_empty() {
            comp_dir.into_owned()
        } else {
            format!("{comp_dir}/{dir}")
        };
    }
    Some(if dir.is_empty() {
        name
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    })
}

/// The demangled name of the function an inlined-subroutine entry (or a subprogram)
/// refers to, following `DW_AT_abstract_origin` and `DW_AT_specification` in the unit.
fn origin_name<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &gimli::Unit<Reader<'a>>,
    entry: &gimli::DebuggingInformationEntry<Reader<'a>>,
) -> Option<String> {
    let mut current = entry.clone();
    // Origins chain at most a few times; the bound guards against cycles.
    for _ in 0..8 {
        for at in [gimli::DW_AT_linkage_name, gimli::DW_AT_MIPS_linkage_name] {
            if let Some(value) = current.attr_value(at)
                && let Ok(name) = dwarf.attr_string(unit, value)
            {
                return Some(demangle(&name.to_string_lossy()));
            }
        }
        let next = [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification]
            .into_iter()
            .find_map(|at| match current.attr_value(at) {
                Some(gimli::AttributeValue::UnitRef(offset)) => Some(offset),
                _ => None,
            });
        match next {
            Some(offset) => current = unit.entry(offset).ok()?,
            None => break,
        }
    }
    let value = current.attr_value(gimli::DW_AT_name)?;
    let name = dwarf.attr_string(unit, value).ok()?;
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_symbols_are_demangled_without_their_hash() {
        assert_eq!(
            demangle("_ZN9fibonacci3fib17h0123456789abcdefE"),
            "fibonacci::fib"
        );
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("__original_main"), "__original_main");
    }

    #[test]
    fn modules_without_dwarf_have_no_lines() {
        assert!(SourceLines::read(&HashMap::new()).is_none());
        let mut sections = HashMap::new();
        sections.insert(".debug_line", &[0xFFu8, 0xFF][..]);
        assert!(SourceLines::read(&sections).is_none());
    }
}
