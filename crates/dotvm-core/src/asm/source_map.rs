//! The source-map directives: `.srcfile "PATH"` and `.srcname "NAME"` append to the file
//! and inlined-name tables (index = order of appearance), and `.srcloc FUNC PC FILE LINE
//! COLUMN [NAME FILE LINE COLUMN]...` adds a row with its inlined calls, innermost first.

use super::ast::{Pos, RefAt, Result, diag};
use super::cursor::{Cursor, number_token, reference};
use super::lexer::Tok;
use super::parser::Parser;
use crate::source_map::{InlinedCall, SourceEntry, SourceLoc, SourceMap};

/// A `.srcloc` row before its function reference is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RowDecl {
    /// The function.
    func: RefAt,
    /// The row, with `func` still 0.
    entry: SourceEntry,
    /// Position of the directive.
    pos: Pos,
}

/// The source map as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct SourceMapDecl {
    /// `.srcfile` paths in order.
    files: Vec<String>,
    /// `.srcname` names in order.
    names: Vec<String>,
    /// `.srcloc` rows in order.
    rows: Vec<RowDecl>,
}

impl SourceMapDecl {
    /// The module's source map; `resolve` turns a function reference into its index.
    /// Rows must come in (function, pc) order with strictly increasing pcs, and refer to
    /// declared files and names.
    pub(super) fn build(&self, resolve: impl Fn(&RefAt) -> Result<u32>) -> Result<SourceMap> {
        let mut entries: Vec<SourceEntry> = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut entry = row.entry.clone();
            entry.func = resolve(&row.func)?;
            if let Some(last) = entries.last()
                && (last.func, last.pc) >= (entry.func, entry.pc)
            {
                return diag(
                    row.pos,
                    format!(
                        "`.srcloc` rows must be in (function, pc) order: {} {} follows {} {}",
                        entry.func, entry.pc, last.func, last.pc
                    ),
                );
            }
            let locs = std::iter::once(entry.loc).chain(entry.inlined.iter().map(|c| c.call));
            for loc in locs {
                if loc.file as usize >= self.files.len() {
                    return diag(
                        row.pos,
                        format!(
                            "file {} is not declared ({} `.srcfile` directives)",
                            loc.file,
                            self.files.len()
                        ),
                    );
                }
            }
            for call in &entry.inlined {
                if call.name as usize >= self.names.len() {
                    return diag(
                        row.pos,
                        format!(
                            "name {} is not declared ({} `.srcname` directives)",
                            call.name,
                            self.names.len()
                        ),
                    );
                }
            }
            entries.push(entry);
        }
        Ok(SourceMap {
            files: self.files.clone(),
            names: self.names.clone(),
            entries,
        })
    }
}

impl Parser {
    /// Reads `.srcfile`, `.srcname` or `.srcloc` (`name`, lower case).
    pub(super) fn source_map_directive(
        &mut self,
        name: &str,
        pos: Pos,
        cursor: &mut Cursor,
    ) -> Result<()> {
        self.program.first_debug_use.get_or_insert(pos);
        match name {
            ".srcfile" => {
                let text = string(cursor, pos, "source file path")?;
                self.program.source_map.files.push(text);
            }
            ".srcname" => {
                let text = string(cursor, pos, "inlined function name")?;
                self.program.source_map.names.push(text);
            }
            _ => {
                const FORM: &str = "`.srcloc FUNC PC FILE LINE COLUMN [NAME FILE LINE COLUMN]...`";
                let token = cursor.expect(pos, &format!("function of {FORM}"))?;
                let func = reference(cursor, &token, "function")?;
                let pc = number(cursor, pos, &format!("pc of {FORM}"))?;
                let loc = location(cursor, pos, FORM)?;
                let mut inlined = Vec::new();
                while cursor.peek().is_some() {
                    let name = number(cursor, pos, &format!("inlined name of {FORM}"))?;
                    let call = location(cursor, pos, FORM)?;
                    inlined.push(InlinedCall { name, call });
                }
                self.program.source_map.rows.push(RowDecl {
                    func,
                    entry: SourceEntry {
                        func: 0,
                        pc,
                        loc,
                        inlined,
                    },
                    pos,
                });
            }
        }
        Ok(())
    }
}

/// The next token as a u32 number.
fn number(cursor: &mut Cursor, pos: Pos, what: &str) -> Result<u32> {
    let token = cursor.expect(pos, what)?;
    Ok(number_token(cursor, &token, what, u32::MAX.into())? as u32)
}

/// FILE LINE COLUMN.
fn location(cursor: &mut Cursor, pos: Pos, form: &str) -> Result<SourceLoc> {
    Ok(SourceLoc {
        file: number(cursor, pos, &format!("file of {form}"))?,
        line: number(cursor, pos, &format!("line of {form}"))?,
        column: number(cursor, pos, &format!("column of {form}"))?,
    })
}

/// The next token as a UTF-8 string literal.
fn string(cursor: &mut Cursor, pos: Pos, what: &str) -> Result<String> {
    let token = cursor.expect(pos, what)?;
    let Tok::Str(bytes) = &token.tok else {
        return diag(
            cursor.pos(&token),
            format!("expected a string, found {}", token.describe()),
        );
    };
    String::from_utf8(bytes.clone())
        .or_else(|_| diag(cursor.pos(&token), format!("{what} is not valid UTF-8")))
}
