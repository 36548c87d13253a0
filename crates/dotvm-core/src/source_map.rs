//! The source map of a module's debug section: which source file, line and column (and
//! which chain of inlined calls) each instruction comes from. Written by the wasm
//! translator from DWARF line tables, read by backtraces, the debugger and the profiler.

/// A position in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceLoc {
    /// Index into [`SourceMap::files`].
    pub file: u32,
    /// 1-based line; 0 when the compiler gave no line (generated code).
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
}

/// One call that the compiler inlined at an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinedCall {
    /// Index into [`SourceMap::names`]: the inlined function's name.
    pub name: u32,
    /// Where its caller called it.
    pub call: SourceLoc,
}

/// One source-map row: from `pc` of `func` up to the next row of the same function (or
/// the function's end) the code comes from `loc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// Function index.
    pub func: u32,
    /// Byte offset of the first instruction the row covers.
    pub pc: u32,
    /// The innermost source position.
    pub loc: SourceLoc,
    /// The inlined calls at this pc, innermost first: `inlined[0]` is the function whose
    /// code `loc` is in, called from `inlined[0].call`, and so on; the caller of the last
    /// one is the bytecode function itself.
    pub inlined: Vec<InlinedCall>,
}

/// A module's pc → source table (empty when the module has none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    /// Source file paths, referred to by index.
    pub files: Vec<String>,
    /// Names of inlined functions, referred to by index.
    pub names: Vec<String>,
    /// Rows sorted by (function, pc), pcs strictly increasing within a function.
    pub entries: Vec<SourceEntry>,
}

/// One frame of a source-level view of a pc: a function name and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFrame<'a> {
    /// The inlined function's name, or `None` for the bytecode function itself.
    pub inlined: Option<&'a str>,
    /// The source position in that function.
    pub loc: SourceLoc,
}

impl SourceMap {
    /// True when the map has no rows.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The row covering `pc` of `func`, if any.
    pub fn lookup(&self, func: u32, pc: u32) -> Option<&SourceEntry> {
        let end = self
            .entries
            .partition_point(|e| (e.func, e.pc) <= (func, pc));
        let entry = self.entries[..end].last()?;
        (entry.func == func).then_some(entry)
    }

    /// The source frames at `pc` of `func`, innermost first; the last is the bytecode
    /// function's own position. Empty when the map does not cover the pc or the row has
    /// no line.
    pub fn frames(&self, func: u32, pc: u32) -> Vec<SourceFrame<'_>> {
        let Some(entry) = self.lookup(func, pc) else {
            return Vec::new();
        };
        if entry.loc.line == 0 {
            return Vec::new();
        }
        let mut frames = Vec::with_capacity(entry.inlined.len() + 1);
        let mut loc = entry.loc;
        for call in &entry.inlined {
            let name = self.names.get(call.name as usize).map(String::as_str);
            frames.push(SourceFrame {
                inlined: Some(name.unwrap_or("?")),
                loc,
            });
            loc = call.call;
        }
        frames.push(SourceFrame { inlined: None, loc });
        frames
    }

    /// The file name of `loc` (`?` for an index outside the table).
    pub fn file(&self, loc: SourceLoc) -> &str {
        self.files
            .get(loc.file as usize)
            .map_or("?", String::as_str)
    }

    /// The indices of the files whose path is `name` or ends with `/name`.
    pub fn files_matching(&self, name: &str) -> Vec<u32> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.as_str() == name
                    || f.strip_suffix(name)
                        .is_some_and(|rest| rest.ends_with('/') || rest.ends_with('\\'))
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The rows whose innermost position is on `line` of one of `files`.
    pub fn rows_at_line(&self, files: &[u32], line: u32) -> Vec<&SourceEntry> {
        self.entries
            .iter()
            .filter(|e| e.loc.line == line && files.contains(&e.loc.file))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(file: u32, line: u32) -> SourceLoc {
        SourceLoc {
            file,
            line,
            column: 1,
        }
    }

    fn map() -> SourceMap {
        SourceMap {
            files: vec!["/src/main.rs".into(), "lib.rs".into()],
            names: vec!["helper".into()],
            entries: vec![
                SourceEntry {
                    func: 1,
                    pc: 0,
                    loc: loc(0, 3),
                    inlined: vec![],
                },
                SourceEntry {
                    func: 1,
                    pc: 10,
                    loc: loc(1, 7),
                    inlined: vec![InlinedCall {
                        name: 0,
                        call: loc(0, 4),
                    }],
                },
                SourceEntry {
                    func: 2,
                    pc: 4,
                    loc: loc(0, 0),
                    inlined: vec![],
                },
            ],
        }
    }

    #[test]
    fn lookup_finds_the_row_covering_a_pc() {
        let map = map();
        assert_eq!(map.lookup(1, 9).map(|e| e.pc), Some(0));
        assert_eq!(map.lookup(1, 10).map(|e| e.pc), Some(10));
        assert_eq!(map.lookup(1, 500).map(|e| e.pc), Some(10));
        assert_eq!(map.lookup(2, 3), None);
        assert_eq!(map.lookup(0, 0), None);
    }

    #[test]
    fn frames_expand_inlined_calls_innermost_first() {
        let map = map();
        let frames = map.frames(1, 12);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].inlined, Some("helper"));
        assert_eq!(map.file(frames[0].loc), "lib.rs");
        assert_eq!(frames[1].inlined, None);
        assert_eq!(frames[1].loc, loc(0, 4));
        assert!(map.frames(2, 4).is_empty(), "line 0 means no position");
    }

    #[test]
    fn files_match_by_path_suffix() {
        let map = map();
        assert_eq!(map.files_matching("main.rs"), vec![0]);
        assert_eq!(map.files_matching("src/main.rs"), vec![0]);
        assert_eq!(map.files_matching("ain.rs"), Vec::<u32>::new());
        assert_eq!(map.rows_at_line(&[1], 7).len(), 1);
    }
}
