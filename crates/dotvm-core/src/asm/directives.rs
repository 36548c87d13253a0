//! The directives that declare module contents (`.arch`, `.const`, `.pool`, `.data`,
//! `.global`, `.memory`, `.debug`, `.func`, `.param`/`.local`).

use super::ast::{
    DataDecl, DataItem, Diag, ExportDecl, FuncDecl, GlobalDecl, LocalName, MemoryDecl, Pos, Ref,
    RefAt, Result, Symbol, Value, diag,
};
use super::cursor::{Cursor, any_name, bare_name, number_token, value};
use super::lexer::{Tok, Token};
use super::number::{parse_f32, parse_f64, too_wide};
use super::parser::{FUNC_ATTRIBUTES, Parser};
use super::suggest::closest;
use crate::arch::Arch;
use crate::instruction::Imm;
use crate::module::Constant;

impl Parser {
    /// Reads `.arch NAME`.
    pub(super) fn arch(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        if self.arch_seen {
            return diag(pos, "duplicate `.arch`");
        }
        if self.started {
            return diag(
                pos,
                "`.arch` must come before every other directive and instruction",
            );
        }
        self.arch_seen = true;
        let token = cursor.expect(pos, "architecture name after `.arch`")?;
        let Tok::Word(w) = &token.tok else {
            return diag(
                cursor.pos(&token),
                format!("expected an architecture name, found {}", token.describe()),
            );
        };
        let arch = w
            .parse::<Arch>()
            .or_else(|e| diag(cursor.pos(&token), e.to_string()))?;
        if !self.arch_override {
            self.program.arch = arch;
        }
        cursor.finish("`.arch`")
    }

    /// Defines a value-namespace symbol, rejecting duplicates.
    fn define_symbol(&mut self, name: String, symbol: Symbol, pos: Pos) -> Result<()> {
        if let Some(old) = self.program.symbols.get(&name) {
            let what = match old {
                Symbol::Const(_) => "constant",
                Symbol::Data(_) => "data label",
            };
            return diag(pos, format!("duplicate name `{name}`: already a {what}"));
        }
        self.program.symbols.insert(name, symbol);
        Ok(())
    }

    /// A value that must be known now: a number, character or earlier `.const`.
    fn value_now(&self, cursor: &Cursor, token: &Token) -> Result<Imm> {
        let v = value(cursor, token)?;
        let arch = self.program.arch;
        match v.value {
            Value::Lit(lit, text) => lit.fit(arch.word_bits()).ok_or_else(|| Diag {
                pos: v.pos,
                message: too_wide(&text, arch),
            }),
            Value::Char(c) => Ok(Imm::from(c)),
            Value::Sym { name, len: false } => match self.program.symbols.get(&name) {
                Some(Symbol::Const(value)) => Ok(*value),
                _ => diag(
                    v.pos,
                    format!(
                        "`{name}` is not an earlier `.const` (only numbers, characters and earlier constants are allowed here)"
                    ),
                ),
            },
            Value::Sym { name, len: true } => diag(
                v.pos,
                format!(
                    "`{name}.len` is not allowed here (only numbers, characters and earlier constants)"
                ),
            ),
        }
    }

    /// Reads `.const NAME VALUE`.
    pub(super) fn constant(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "name after `.const`")?;
        let name = bare_name(cursor, &token, "a constant name")?;
        let token = cursor.expect(pos, "value of `.const`")?;
        let value = self.value_now(cursor, &token)?;
        self.define_symbol(name, Symbol::Const(value), pos)
    }

    /// Reads `.pool NAME TYPE VALUE`.
    pub(super) fn pool(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "name after `.pool`")?;
        let name_pos = cursor.pos(&token);
        let name = bare_name(cursor, &token, "a constant-table entry name")?;
        if self.program.pool_names.contains_key(&name) {
            return diag(name_pos, format!("duplicate constant-table entry `{name}`"));
        }
        let token = cursor.expect(
            pos,
            "type of `.pool NAME TYPE VALUE` (int, f32, f64, str or bytes)",
        )?;
        let type_pos = cursor.pos(&token);
        let kind = match &token.tok {
            Tok::Word(w) => w.to_ascii_lowercase(),
            _ => String::new(),
        };
        let value_token = cursor.expect(pos, &format!("value of the `{kind}` constant"))?;
        let value_pos = cursor.pos(&value_token);
        let constant = match (kind.as_str(), &value_token.tok) {
            ("int", _) => Constant::Int(self.value_now(cursor, &value_token)?),
            ("f32", Tok::Word(w)) if w.eq_ignore_ascii_case("bits") => {
                let token = cursor.expect(pos, "bits of the f32")?;
                Constant::F32(number_token(cursor, &token, "f32 bits", u32::MAX.into())? as u32)
            }
            ("f64", Tok::Word(w)) if w.eq_ignore_ascii_case("bits") => {
                let token = cursor.expect(pos, "bits of the f64")?;
                Constant::F64(number_token(cursor, &token, "f64 bits", u64::MAX)?)
            }
            ("f32", Tok::Word(w)) => Constant::F32(
                parse_f32(w).ok_or_else(|| Diag { pos: value_pos, message: format!("`{w}` is not a decimal float") })?,
            ),
            ("f64", Tok::Word(w)) => Constant::F64(
                parse_f64(w).ok_or_else(|| Diag { pos: value_pos, message: format!("`{w}` is not a decimal float") })?,
            ),
            ("str", Tok::Str(bytes)) => Constant::Str(String::from_utf8(bytes.clone()).or_else(|_| {
                diag(value_pos, "string constant is not valid UTF-8 (\\xNN above \\x7f makes a raw byte; use \\u{...} or a `bytes` constant)")
            })?),
            ("bytes", Tok::Bytes(bytes) | Tok::Str(bytes)) => Constant::Bytes(bytes.clone()),
            ("f32" | "f64" | "str" | "bytes", _) => {
                let expected = match kind.as_str() {
                    "str" => "a string literal",
                    "bytes" => "a byte string x\"...\" or a string",
                    _ => "a decimal float or `bits N`",
                };
                return diag(value_pos, format!("expected {expected}, found {}", value_token.describe()));
            }
            _ => {
                return diag(
                    type_pos,
                    format!("unknown constant type {} (expected int, f32, f64, str or bytes)", token.describe()),
                );
            }
        };
        let index = self.program.pool.len() as u32;
        self.program.pool.push(constant);
        self.program.pool_names.insert(name, index);
        Ok(())
    }

    /// Reads `.data LABEL [at ADDR] ITEM...`.
    pub(super) fn data(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "label after `.data`")?;
        let name_pos = cursor.pos(&token);
        let name = bare_name(cursor, &token, "a data label")?;
        let at = if cursor.take_keyword("at") {
            let token = cursor.expect(pos, "address after `at`")?;
            Some(number_token(cursor, &token, "a data address", u64::MAX)?)
        } else {
            None
        };
        let mut items: Vec<DataItem> = Vec::new();
        let mut width: Option<u32> = None;
        while let Some(token) = cursor.take() {
            let at = cursor.pos(&token);
            match &token.tok {
                Tok::Comma => {}
                Tok::Str(bytes) | Tok::Bytes(bytes) => {
                    width = None;
                    items.push(DataItem::Bytes(bytes.clone()));
                }
                Tok::Word(w) if data_width(w, self.program.arch).is_some() => {
                    let bits = data_width(w, self.program.arch).expect("checked");
                    width = Some(bits);
                    items.push(DataItem::Ints {
                        bits,
                        values: Vec::new(),
                    });
                }
                Tok::Word(w) if w.eq_ignore_ascii_case("zero") => {
                    width = None;
                    let token = cursor.expect(at, "byte count after `zero`")?;
                    items.push(DataItem::Zero(number_token(
                        cursor,
                        &token,
                        "a byte count",
                        u64::MAX,
                    )?));
                }
                Tok::Word(_) | Tok::Char(_) if width.is_some() => {
                    let v = value(cursor, &token)?;
                    if let Some(DataItem::Ints { values, .. }) = items.last_mut() {
                        values.push(v);
                    }
                }
                _ => {
                    return diag(
                        at,
                        format!(
                            "expected data (a string, x\"...\", `zero N`, or u8/u16/u32/u64/word followed by values), found {}",
                            token.describe()
                        ),
                    );
                }
            }
        }
        if items.is_empty() {
            return diag(pos, format!("`.data {name}` has no contents"));
        }
        let index = self.program.data.len();
        self.define_symbol(name.clone(), Symbol::Data(index), name_pos)?;
        self.program.data.push(DataDecl {
            name,
            at,
            items,
            pos,
        });
        Ok(())
    }

    /// Reads `.global NAME VALUE [mut]`.
    pub(super) fn global(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "name after `.global`")?;
        let name_pos = cursor.pos(&token);
        let name = bare_name(cursor, &token, "a global name")?;
        if self.program.global_names.contains_key(&name) {
            return diag(name_pos, format!("duplicate global `{name}`"));
        }
        let token = cursor.expect(pos, "initial value of `.global NAME VALUE [mut]`")?;
        let init = value(cursor, &token)?;
        let mutable = cursor.take_keyword("mut");
        let index = self.program.globals.len() as u32;
        self.program.globals.push(GlobalDecl { init, mutable });
        self.program.global_names.insert(name, index);
        Ok(())
    }

    /// Reads `.memory INITIAL|auto [MAX]`.
    pub(super) fn memory(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        if self.program.memory.is_some() {
            return diag(pos, "duplicate `.memory`");
        }
        let token = cursor.expect(pos, "initial page count (or `auto`) after `.memory`")?;
        let initial = if matches!(&token.tok, Tok::Word(w) if w.eq_ignore_ascii_case("auto")) {
            None
        } else {
            Some(number_token(cursor, &token, "a page count", u32::MAX.into())? as u32)
        };
        let max = match cursor.take() {
            Some(token) => {
                Some(number_token(cursor, &token, "a maximum page count", u32::MAX.into())? as u32)
            }
            None => None,
        };
        if let (Some(initial), Some(max)) = (initial, max)
            && max < initial
        {
            return diag(
                pos,
                format!("maximum of {max} pages is below the initial {initial} pages"),
            );
        }
        self.program.memory = Some(MemoryDecl { initial, max, pos });
        Ok(())
    }

    /// Reads `.debug none` or `.debug names=N`.
    pub(super) fn debug(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "`none` or `names=N` after `.debug`")?;
        match &token.tok {
            Tok::Word(w) if w.eq_ignore_ascii_case("none") => {
                if self.program.debug_none.replace(pos).is_some() {
                    return diag(pos, "duplicate `.debug none`");
                }
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("names") => {
                let eq = cursor.expect(pos, "`=` after `names`")?;
                if eq.tok != Tok::Eq {
                    return diag(
                        cursor.pos(&eq),
                        format!("expected `=`, found {}", eq.describe()),
                    );
                }
                let token = cursor.expect(pos, "count after `names=`")?;
                let n = number_token(cursor, &token, "a name count", u32::MAX.into())? as u32;
                if self.program.debug_names.replace((n, pos)).is_some() {
                    return diag(pos, "duplicate `.debug names=`");
                }
            }
            _ => {
                return diag(
                    cursor.pos(&token),
                    format!("expected `none` or `names=N`, found {}", token.describe()),
                );
            }
        }
        Ok(())
    }

    /// Reads `.func NAME [attributes]` and opens the function.
    pub(super) fn func(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "function name after `.func`")?;
        let name_pos = cursor.pos(&token);
        let name = any_name(cursor, &token, "a function name")?;
        if let Some(&old) = self.program.function_names.get(&name) {
            let line = self.program.functions[old as usize].pos.line;
            return diag(
                name_pos,
                format!("duplicate function `{name}` (first defined on line {line})"),
            );
        }
        let mut decl = FuncDecl {
            name: name.clone(),
            pos,
            ..FuncDecl::default()
        };
        let mut seen: Vec<String> = Vec::new();
        let mut export = false;
        while let Some(token) = cursor.take() {
            let at = cursor.pos(&token);
            let Tok::Word(key) = &token.tok else {
                return diag(
                    at,
                    format!(
                        "expected a `.func` attribute (params=N ...), found {}",
                        token.describe()
                    ),
                );
            };
            let key = key.to_ascii_lowercase();
            if key == "export" {
                export = true;
                continue;
            }
            if !FUNC_ATTRIBUTES.contains(&key.as_str()) {
                let hint = closest(&key, FUNC_ATTRIBUTES.iter().copied().chain(["export"]))
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                return diag(at, format!("unknown `.func` attribute `{key}`{hint}"));
            }
            if seen.contains(&key) {
                return diag(at, format!("duplicate `.func` attribute `{key}`"));
            }
            seen.push(key.clone());
            match cursor.take() {
                Some(Token { tok: Tok::Eq, .. }) => {}
                _ => return diag(at, format!("expected `=` after `{key}`")),
            }
            let value = cursor.expect(at, &format!("value of `{key}`"))?;
            let what = format!("`{key}`");
            match key.as_str() {
                "params" => {
                    decl.params = Some(number_token(cursor, &value, &what, u16::MAX.into())? as u16)
                }
                "results" => {
                    decl.results = number_token(cursor, &value, &what, u16::MAX.into())? as u16
                }
                "locals" => {
                    decl.locals = Some(number_token(cursor, &value, &what, u16::MAX.into())? as u16)
                }
                "max_stack" => {
                    decl.max_stack =
                        Some(number_token(cursor, &value, &what, u32::MAX.into())? as u32)
                }
                "type" => {
                    decl.ty = Some(number_token(cursor, &value, &what, u32::MAX.into())? as u32)
                }
                _ => decl.debug_name = Some(any_name(cursor, &value, "a debug name")?),
            }
        }
        let index = self.program.functions.len() as u32;
        if export {
            self.program.exports.push(ExportDecl {
                func: RefAt {
                    target: Ref::Index(index),
                    pos: name_pos,
                },
                name: name.clone(),
            });
        }
        self.program.function_names.insert(name, index);
        self.program.functions.push(decl);
        self.current = Some(index as usize);
        Ok(())
    }

    /// Reads `.param NAME` or `.local NAME`.
    pub(super) fn local_name(
        &mut self,
        directive: &str,
        pos: Pos,
        cursor: &mut Cursor,
    ) -> Result<()> {
        let token = cursor.expect(pos, &format!("name after `{directive}`"))?;
        let name_pos = cursor.pos(&token);
        let name = bare_name(cursor, &token, "a local name")?;
        let func = self.function().expect("inside a function");
        if func.local_names.contains_key(&name) {
            return diag(name_pos, format!("duplicate local name `{name}`"));
        }
        let (slot, declared, attribute) = if directive == ".param" {
            func.named_params += 1;
            (
                LocalName::Param(func.named_params - 1),
                func.params,
                "params",
            )
        } else {
            func.named_locals += 1;
            (
                LocalName::Local(func.named_locals - 1),
                func.locals,
                "locals",
            )
        };
        let count = match slot {
            LocalName::Param(n) | LocalName::Local(n) => n + 1,
        };
        let limit = declared.map_or(u32::from(u16::MAX), u32::from);
        if count > limit {
            return diag(
                name_pos,
                format!(
                    "`{directive} {name}` names slot {count} but `{}` has {attribute}={limit}",
                    func.name
                ),
            );
        }
        func.local_names.insert(name, slot);
        Ok(())
    }
}

/// The bit width of a data type keyword (`u8`, `u16`, `u32`, `u64`, `word`).
fn data_width(word: &str, arch: Arch) -> Option<u32> {
    match word.to_ascii_lowercase().as_str() {
        "u8" => Some(8),
        "u16" => Some(16),
        "u32" => Some(32),
        "u64" => Some(64),
        "word" => Some(arch.word_bits()),
        _ => None,
    }
}
