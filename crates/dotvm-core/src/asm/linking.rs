//! The directives for function types, tables, element and passive data segments and host
//! imports: `.type`, `.table`, `.elem`, `.passive` and `.import` (and the `.func` attribute
//! `type=N`).
//!
//! ```text
//! .type params i32 i64 results f32     ; type 0: (i32, i64) -> f32
//! .table funcref 4 16                   ; table 0: 4 elements, at most 16
//! .elem funcref null 0 2                ; segment 0: null, function 0, function 2
//! .passive "hello"                      ; passive data segment 0
//! .import "env" "log" 0                 ; host import 0 of type 0
//! ```

use super::ast::{Pos, Result, diag};
use super::cursor::{Cursor, number_token};
use super::lexer::Tok;
use super::parser::Parser;
use crate::module::{ElemSegment, FuncType, Import, RefKind, SigType, Table};

/// A signature type by its assembly name.
fn sig_type(word: &str) -> Option<SigType> {
    SigType::ALL
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(word))
}

/// A reference kind by its assembly name (`funcref` or `externref`).
fn ref_kind(word: &str) -> Option<RefKind> {
    match word.to_ascii_lowercase().as_str() {
        "funcref" => Some(RefKind::Func),
        "externref" => Some(RefKind::Extern),
        _ => None,
    }
}

/// Reads `funcref` or `externref`.
fn read_kind(cursor: &mut Cursor, pos: Pos, directive: &str) -> Result<RefKind> {
    let token = cursor.expect(
        pos,
        &format!("`funcref` or `externref` after `{directive}`"),
    )?;
    match &token.tok {
        Tok::Word(w) if ref_kind(w).is_some() => Ok(ref_kind(w).expect("checked")),
        _ => diag(
            cursor.pos(&token),
            format!(
                "expected `funcref` or `externref`, found {}",
                token.describe()
            ),
        ),
    }
}

impl Parser {
    /// Reads `.type params T... results T...`.
    pub(super) fn type_decl(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let mut ty = FuncType::default();
        let mut in_results = None;
        while let Some(token) = cursor.take() {
            let at = cursor.pos(&token);
            match &token.tok {
                Tok::Word(w) if w.eq_ignore_ascii_case("params") && in_results.is_none() => {
                    in_results = Some(false);
                }
                Tok::Word(w) if w.eq_ignore_ascii_case("results") && in_results != Some(true) => {
                    in_results = Some(true);
                }
                Tok::Word(w) if in_results.is_some() && sig_type(w).is_some() => {
                    let t = sig_type(w).expect("checked");
                    if in_results == Some(true) {
                        ty.results.push(t);
                    } else {
                        ty.params.push(t);
                    }
                }
                _ => {
                    return diag(
                        at,
                        format!(
                            "expected `params`, `results` or a value type (w, i32, i64, f32, \
                             f64, funcref, externref), found {}",
                            token.describe()
                        ),
                    );
                }
            }
        }
        let _ = pos;
        self.program.types.push(ty);
        Ok(())
    }

    /// Reads `.table KIND INITIAL [MAX]`.
    pub(super) fn table_decl(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let kind = read_kind(cursor, pos, ".table")?;
        let token = cursor.expect(pos, "initial element count")?;
        let initial = number_token(cursor, &token, "an element count", u32::MAX.into())? as u32;
        let max = match cursor.take() {
            Some(token) => {
                Some(
                    number_token(cursor, &token, "a maximum element count", u32::MAX.into())?
                        as u32,
                )
            }
            None => None,
        };
        self.program.tables.push(Table { kind, initial, max });
        Ok(())
    }

    /// Reads `.elem KIND ITEM...`, each item `null` or a function index.
    pub(super) fn elem_decl(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let kind = read_kind(cursor, pos, ".elem")?;
        let mut items = Vec::new();
        while let Some(token) = cursor.take() {
            match &token.tok {
                Tok::Word(w) if w.eq_ignore_ascii_case("null") => items.push(0),
                _ => {
                    let f =
                        number_token(cursor, &token, "a function index", u64::from(u32::MAX) - 1)?;
                    items.push(f as u32 + 1);
                }
            }
        }
        self.program.elements.push(ElemSegment { kind, items });
        Ok(())
    }

    /// Reads `.passive BYTES` (a string or byte-string literal).
    pub(super) fn passive_decl(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "a string or byte string after `.passive`")?;
        let bytes = match &token.tok {
            Tok::Str(bytes) | Tok::Bytes(bytes) => bytes.clone(),
            _ => {
                return diag(
                    cursor.pos(&token),
                    format!(
                        "expected a string or byte string, found {}",
                        token.describe()
                    ),
                );
            }
        };
        self.program.passive.push(bytes);
        cursor.finish("`.passive`")
    }

    /// Reads `.import "MODULE" "NAME" TYPE`.
    pub(super) fn import_decl(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let mut text = |what: &str| -> Result<String> {
            let token = cursor.expect(pos, &format!("the {what} name (a string)"))?;
            match &token.tok {
                Tok::Str(bytes) => match String::from_utf8(bytes.clone()) {
                    Ok(s) => Ok(s),
                    Err(_) => diag(cursor.pos(&token), format!("the {what} name is not UTF-8")),
                },
                _ => diag(
                    cursor.pos(&token),
                    format!(
                        "expected the {what} name as a string, found {}",
                        token.describe()
                    ),
                ),
            }
        };
        let module = text("module")?;
        let name = text("import")?;
        let token = cursor.expect(pos, "the import's type index")?;
        let ty = number_token(cursor, &token, "a type index", u32::MAX.into())? as u32;
        self.program.imports.push(Import { module, name, ty });
        cursor.finish("`.import`")
    }
}
