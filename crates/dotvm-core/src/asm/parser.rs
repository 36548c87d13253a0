//! Reads `.dasm` text line by line into a [`Program`], checking everything that does not
//! need names defined further down (the builder resolves those).

use super::ast::{
    DataDecl, DataItem, Diag, ExportDecl, FuncDecl, GlobalDecl, Item, LocalName, MemoryDecl,
    OperandSrc, Pos, Program, RawLine, Ref, RefAt, Result, Symbol, Value, ValueAt, diag,
};
use super::lexer::{Tok, Token, is_bare_name, tokenize};
use super::number::{IntLit, looks_numeric, parse_f32, parse_f64, parse_int, too_wide};
use super::suggest::closest;
use crate::arch::Arch;
use crate::instruction::Imm;
use crate::isa::{Opcode, OperandKind};
use crate::module::Constant;
use crate::syscall::Syscall;

/// Directives allowed only outside functions.
const MODULE_DIRECTIVES: &[&str] = &[
    ".arch", ".pool", ".data", ".global", ".memory", ".export", ".entry", ".func", ".debug",
    ".source", ".lineat",
];
/// Directives allowed only inside functions.
const FUNCTION_DIRECTIVES: &[&str] = &[".end", ".param", ".local", ".line", ".raw"];
/// Directives allowed anywhere.
const ANYWHERE_DIRECTIVES: &[&str] = &[".const"];
/// `.func` attributes.
const FUNC_ATTRIBUTES: &[&str] = &["params", "results", "locals", "max_stack", "debugname"];

/// Parses `source` for `arch_override` (which wins over `.arch`).
pub(super) fn parse(source: &str, arch_override: Option<Arch>) -> Result<Program> {
    let mut parser = Parser {
        program: Program {
            arch: arch_override.unwrap_or_default(),
            ..Program::default()
        },
        arch_override: arch_override.is_some(),
        ..Parser::default()
    };
    let mut line_no = 0u32;
    for text in source.lines() {
        line_no = line_no.saturating_add(1);
        parser.line(line_no, text)?;
    }
    if let Some(func) = parser.current {
        let decl = &parser.program.functions[func];
        return diag(decl.pos, format!("function `{}` has no `.end`", decl.name));
    }
    Ok(parser.program)
}

/// Parser state between lines.
#[derive(Default)]
struct Parser {
    /// What has been read so far.
    program: Program,
    /// Index of the function being read.
    current: Option<usize>,
    /// Labels of the current function and where they were defined.
    labels: std::collections::HashMap<String, Pos>,
    /// `AsmOptions::arch` was given.
    arch_override: bool,
    /// A `.arch` directive was read.
    arch_seen: bool,
    /// Something other than comments was read (so `.arch` is too late).
    started: bool,
    /// A `.line` waiting for its instruction.
    pending_line: Option<(u32, Pos)>,
}

/// The tokens of one line and a read position.
struct Cursor {
    tokens: Vec<Token>,
    next: usize,
    line: u32,
}

impl Cursor {
    fn pos(&self, token: &Token) -> Pos {
        Pos {
            line: self.line,
            col: token.col,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += usize::from(token.is_some());
        token
    }

    /// The next token, or an error at `at` saying `what` is missing.
    fn expect(&mut self, at: Pos, what: &str) -> Result<Token> {
        match self.take() {
            Some(token) => Ok(token),
            None => diag(at, format!("missing {what}")),
        }
    }

    /// Fails if anything is left on the line.
    fn finish(&mut self, after: &str) -> Result<()> {
        match self.take() {
            None => Ok(()),
            Some(token) => diag(
                self.pos(&token),
                format!("unexpected {} after {after}", token.describe()),
            ),
        }
    }

    /// Takes the next token if it is the word `word` (any case).
    fn take_keyword(&mut self, word: &str) -> bool {
        let hit = matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(word));
        self.next += usize::from(hit);
        hit
    }
}

/// A bare name from `token`, or an error saying what was expected.
fn bare_name(cursor: &Cursor, token: &Token, what: &str) -> Result<String> {
    match &token.tok {
        Tok::Word(w) if is_bare_name(w) => Ok(w.clone()),
        _ => diag(
            cursor.pos(token),
            format!(
                "expected {what} (letters, digits and `_`, not starting with a digit), found {}",
                token.describe()
            ),
        ),
    }
}

/// A bare or quoted name.
fn any_name(cursor: &Cursor, token: &Token, what: &str) -> Result<String> {
    match &token.tok {
        Tok::Str(bytes) => String::from_utf8(bytes.clone())
            .or_else(|_| diag(cursor.pos(token), format!("{what} is not valid UTF-8"))),
        _ => bare_name(cursor, token, what),
    }
}

/// A reference by index (a number) or by name.
fn reference(cursor: &Cursor, token: &Token, what: &str) -> Result<RefAt> {
    let pos = cursor.pos(token);
    let target = match &token.tok {
        Tok::Word(w) if looks_numeric(w) => {
            Ref::Index(small_number(pos, w, what, u32::MAX.into())? as u32)
        }
        _ => Ref::Name(any_name(cursor, token, &format!("{what} name"))?),
    };
    Ok(RefAt { target, pos })
}

/// A non-negative integer literal of at most `max`.
fn small_number(pos: Pos, text: &str, what: &str, max: u64) -> Result<u64> {
    let lit = parse_int(text).or_else(|message| diag(pos, message))?;
    if lit.negative && !lit.magnitude.is_zero() {
        return diag(pos, format!("{what} must not be negative"));
    }
    match u64::try_from(lit.magnitude) {
        Ok(n) if n <= max => Ok(n),
        _ => diag(
            pos,
            format!("{text} is too large for {what} (at most {max})"),
        ),
    }
}

/// A number token for `what`, at most `max`.
fn number_token(cursor: &Cursor, token: &Token, what: &str, max: u64) -> Result<u64> {
    match &token.tok {
        Tok::Word(w) if looks_numeric(w) => small_number(cursor.pos(token), w, what, max),
        _ => diag(
            cursor.pos(token),
            format!("expected {what} (a number), found {}", token.describe()),
        ),
    }
}

/// A value: number, character, `.const` name, data label or `label.len`.
fn value(cursor: &Cursor, token: &Token) -> Result<ValueAt> {
    let pos = cursor.pos(token);
    let value = match &token.tok {
        Tok::Word(w) if looks_numeric(w) => {
            Value::Lit(parse_int(w).or_else(|m| diag(pos, m))?, w.clone())
        }
        Tok::Word(w) => {
            let (name, len) = match w.strip_suffix(".len") {
                Some(base) => (base, true),
                None => (w.as_str(), false),
            };
            if !is_bare_name(name) {
                return diag(
                    pos,
                    format!("expected a number, character, constant or data label, found `{w}`"),
                );
            }
            Value::Sym {
                name: name.to_string(),
                len,
            }
        }
        Tok::Char(c) => Value::Char(*c),
        _ => {
            return diag(
                pos,
                format!(
                    "expected a number, character, constant or data label, found {}",
                    token.describe()
                ),
            );
        }
    };
    Ok(ValueAt { value, pos })
}

impl Parser {
    fn line(&mut self, line: u32, text: &str) -> Result<()> {
        let tokens = tokenize(text).or_else(|(col, message)| diag(Pos { line, col }, message))?;
        let mut cursor = Cursor {
            tokens,
            next: 0,
            line,
        };
        let Some(first) = cursor.take() else {
            return Ok(());
        };
        let pos = cursor.pos(&first);
        match &first.tok {
            Tok::Word(w) if w.starts_with('.') && w.len() > 1 => {
                let name = w.to_ascii_lowercase();
                self.directive(&name, pos, &mut cursor)
            }
            Tok::Word(w)
                if matches!(
                    cursor.peek(),
                    Some(Token {
                        tok: Tok::Colon,
                        ..
                    })
                ) =>
            {
                cursor.take();
                self.label(w, pos)?;
                match cursor.take() {
                    Some(next) => self.instruction(next, &mut cursor),
                    None => Ok(()),
                }
            }
            Tok::Word(_) => self.instruction(first, &mut cursor),
            _ => diag(
                pos,
                format!(
                    "expected a directive, label or instruction, found {}",
                    first.describe()
                ),
            ),
        }
    }

    fn function(&mut self) -> Option<&mut FuncDecl> {
        self.current.map(|i| &mut self.program.functions[i])
    }

    fn label(&mut self, name: &str, pos: Pos) -> Result<()> {
        if self.current.is_none() {
            return diag(pos, format!("label `{name}` outside a function"));
        }
        if !is_bare_name(name) {
            return diag(
                pos,
                format!(
                    "bad label name `{name}` (letters, digits and `_`, not starting with a digit)"
                ),
            );
        }
        if let Some(first) = self.labels.get(name) {
            return diag(
                pos,
                format!(
                    "duplicate label `{name}` (first defined on line {})",
                    first.line
                ),
            );
        }
        if self.pending_line.is_some() {
            return diag(
                pos,
                "`.line` must be followed by an instruction, not a label",
            );
        }
        self.labels.insert(name.to_string(), pos);
        self.function()
            .expect("checked above")
            .body
            .push(Item::Label(name.to_string()));
        Ok(())
    }

    fn instruction(&mut self, mnemonic: Token, cursor: &mut Cursor) -> Result<()> {
        let pos = cursor.pos(&mnemonic);
        let Tok::Word(word) = &mnemonic.tok else {
            return diag(
                pos,
                format!("expected an instruction, found {}", mnemonic.describe()),
            );
        };
        let Some(opcode) = Opcode::from_mnemonic(word) else {
            let hint = closest(word, Opcode::ALL.iter().map(|op| op.mnemonic()))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            return diag(pos, format!("unknown mnemonic `{word}`{hint}"));
        };
        if self.current.is_none() {
            return diag(
                pos,
                format!(
                    "instruction `{}` outside a function (start one with `.func NAME`)",
                    opcode.mnemonic()
                ),
            );
        }
        let operand = self.operand(opcode, pos, cursor)?;
        cursor.finish(&format!("the operand of `{}`", opcode.mnemonic()))?;
        let line = self.pending_line.take().map(|(n, _)| n);
        self.function()
            .expect("checked above")
            .body
            .push(Item::Instr {
                opcode,
                operand,
                pos,
                line,
            });
        Ok(())
    }

    fn operand(&mut self, opcode: Opcode, pos: Pos, cursor: &mut Cursor) -> Result<OperandSrc> {
        let kind = opcode.operand();
        let mnemonic = opcode.mnemonic();
        if kind == OperandKind::None {
            cursor.finish(&format!("`{mnemonic}` (it takes no operand)"))?;
            return Ok(OperandSrc::None);
        }
        let expected = match kind {
            OperandKind::Imm => "a number, character, constant or data label",
            OperandKind::Const => "a constant-table entry",
            OperandKind::Local => "a local index or name",
            OperandKind::Global => "a global",
            OperandKind::Func => "a function",
            OperandKind::Target => "a label",
            OperandKind::Offset => "an offset",
            OperandKind::Depth => "a depth",
            OperandKind::Syscall => "a system call",
            OperandKind::None => unreachable!("handled above"),
        };
        if kind == OperandKind::Offset && cursor.peek().is_none() {
            let zero = IntLit {
                negative: false,
                magnitude: Imm::ZERO,
            };
            return Ok(OperandSrc::Value(ValueAt {
                value: Value::Lit(zero, "0".into()),
                pos,
            }));
        }
        let token = cursor.expect(pos, &format!("operand of `{mnemonic}`: {expected}"))?;
        let at = cursor.pos(&token);
        Ok(match kind {
            OperandKind::Imm | OperandKind::Depth => OperandSrc::Value(value(cursor, &token)?),
            OperandKind::Offset => {
                let token = match &token.tok {
                    Tok::Word(w) if w.len() > 1 && w.starts_with('+') => Token {
                        tok: Tok::Word(w[1..].to_string()),
                        col: token.col + 1,
                    },
                    _ => token,
                };
                OperandSrc::Value(value(cursor, &token)?)
            }
            OperandKind::Const | OperandKind::Local | OperandKind::Global | OperandKind::Func => {
                OperandSrc::Ref(reference(
                    cursor,
                    &token,
                    expected.trim_start_matches("a "),
                )?)
            }
            OperandKind::Target => match &token.tok {
                Tok::Word(w) if w.starts_with('@') => OperandSrc::RawTarget(small_number(
                    at,
                    &w[1..],
                    "a raw jump target",
                    u32::MAX.into(),
                )?
                    as u32),
                Tok::Word(w) if is_bare_name(w) => OperandSrc::Label(w.clone(), at),
                _ => {
                    return diag(
                        at,
                        format!(
                            "expected a label (or `@OFFSET` for a raw byte offset), found {}",
                            token.describe()
                        ),
                    );
                }
            },
            OperandKind::Syscall => OperandSrc::Syscall(self.syscall(cursor, &token)?),
            OperandKind::None => unreachable!("handled above"),
        })
    }

    fn syscall(&self, cursor: &Cursor, token: &Token) -> Result<u16> {
        let pos = cursor.pos(token);
        match &token.tok {
            Tok::Word(w) if looks_numeric(w) => {
                Ok(small_number(pos, w, "a system-call number", u16::MAX.into())? as u16)
            }
            Tok::Word(w) => {
                if let Some(call) = Syscall::from_name(w) {
                    return Ok(call.number());
                }
                if let Some(Symbol::Const(v)) = self.program.symbols.get(w.as_str()) {
                    return u16::try_from(*v).or_else(|_| {
                        diag(
                            pos,
                            format!("constant `{w}` is too large for a system-call number"),
                        )
                    });
                }
                let names: Vec<&str> = Syscall::ALL.iter().map(|s| s.name()).collect();
                let hint = closest(w, names.iter().copied())
                    .map(|m| format!("did you mean `{m}`? "))
                    .unwrap_or_default();
                diag(
                    pos,
                    format!(
                        "unknown system call `{w}` ({hint}known: {})",
                        names.join(", ")
                    ),
                )
            }
            _ => diag(
                pos,
                format!("expected a system call, found {}", token.describe()),
            ),
        }
    }

    fn directive(&mut self, name: &str, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let known = MODULE_DIRECTIVES
            .iter()
            .chain(FUNCTION_DIRECTIVES)
            .chain(ANYWHERE_DIRECTIVES);
        if !known.clone().any(|d| *d == name) {
            let hint = closest(name, known.copied())
                .map(|d| format!("; did you mean `{d}`?"))
                .unwrap_or_default();
            return diag(pos, format!("unknown directive `{name}`{hint}"));
        }
        if let Some(func) = self.current {
            if MODULE_DIRECTIVES.contains(&name) {
                let fname = &self.program.functions[func].name;
                if name == ".func" {
                    return diag(
                        pos,
                        format!("`.func` inside function `{fname}` (missing `.end`?)"),
                    );
                }
                return diag(
                    pos,
                    format!(
                        "`{name}` is not allowed inside a function (end `{fname}` with `.end` first)"
                    ),
                );
            }
        } else if FUNCTION_DIRECTIVES.contains(&name) {
            return diag(pos, format!("`{name}` outside a function"));
        }
        if name == ".arch" {
            return self.arch(pos, cursor);
        }
        self.started = true;
        match name {
            ".const" => self.constant(pos, cursor)?,
            ".pool" => self.pool(pos, cursor)?,
            ".data" => self.data(pos, cursor)?,
            ".global" => self.global(pos, cursor)?,
            ".memory" => self.memory(pos, cursor)?,
            ".export" => {
                let token = cursor.expect(pos, "function to export")?;
                let func = reference(cursor, &token, "function")?;
                let name = if cursor.take_keyword("as") {
                    let token = cursor.expect(pos, "export name after `as`")?;
                    any_name(cursor, &token, "export name")?
                } else {
                    match &func.target {
                        Ref::Name(n) => n.clone(),
                        Ref::Index(_) => {
                            return diag(func.pos, "exporting a function by index needs `as NAME`");
                        }
                    }
                };
                self.program.exports.push(ExportDecl { func, name });
            }
            ".entry" => {
                if self.program.entry.is_some() {
                    return diag(pos, "duplicate `.entry`");
                }
                let token = cursor.expect(pos, "entry function")?;
                self.program.entry = Some(reference(cursor, &token, "function")?);
            }
            ".func" => self.func(pos, cursor)?,
            ".debug" => self.debug(pos, cursor)?,
            ".source" => {
                let token = cursor.expect(pos, "source file name")?;
                let Tok::Str(bytes) = &token.tok else {
                    return diag(
                        cursor.pos(&token),
                        format!("expected a string, found {}", token.describe()),
                    );
                };
                let text = String::from_utf8(bytes.clone())
                    .or_else(|_| diag(cursor.pos(&token), "source file name is not valid UTF-8"))?;
                if self.program.source.replace(text).is_some() {
                    return diag(pos, "duplicate `.source`");
                }
                self.program.first_debug_use.get_or_insert(pos);
            }
            ".lineat" => {
                let token = cursor.expect(pos, "function of `.lineat FUNC PC LINE`")?;
                let func = reference(cursor, &token, "function")?;
                let token = cursor.expect(pos, "pc of `.lineat FUNC PC LINE`")?;
                let pc = number_token(cursor, &token, "a pc", u32::MAX.into())? as u32;
                let token = cursor.expect(pos, "line of `.lineat FUNC PC LINE`")?;
                let line = number_token(cursor, &token, "a line number", u32::MAX.into())? as u32;
                self.program.raw_lines.push(RawLine { func, pc, line });
                self.program.first_debug_use.get_or_insert(pos);
            }
            ".end" => {
                if let Some((_, at)) = self.pending_line {
                    return diag(at, "`.line` is not followed by an instruction");
                }
                self.current = None;
                self.labels.clear();
            }
            ".param" | ".local" => self.local_name(name, pos, cursor)?,
            ".line" => {
                let token = cursor.expect(pos, "line number")?;
                let line = number_token(cursor, &token, "a line number", u32::MAX.into())? as u32;
                if self.pending_line.replace((line, pos)).is_some() {
                    return diag(pos, "two `.line` directives before one instruction");
                }
                self.program.first_debug_use.get_or_insert(pos);
            }
            ".raw" => {
                let token = cursor.expect(pos, "raw bytes (x\"...\")")?;
                let (Tok::Bytes(bytes) | Tok::Str(bytes)) = token.tok.clone() else {
                    return diag(
                        cursor.pos(&token),
                        format!("expected a byte string, found {}", token.describe()),
                    );
                };
                if self.pending_line.is_some() {
                    return diag(
                        pos,
                        "`.line` must be followed by an instruction, not `.raw`",
                    );
                }
                self.function()
                    .expect("inside a function")
                    .body
                    .push(Item::Raw(bytes));
            }
            _ => unreachable!("every known directive is handled"),
        }
        cursor.finish(&format!("`{name}`"))
    }

    fn arch(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn constant(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
        let token = cursor.expect(pos, "name after `.const`")?;
        let name = bare_name(cursor, &token, "a constant name")?;
        let token = cursor.expect(pos, "value of `.const`")?;
        let value = self.value_now(cursor, &token)?;
        self.define_symbol(name, Symbol::Const(value), pos)
    }

    fn pool(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn data(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn global(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn memory(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn debug(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn func(&mut self, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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

    fn local_name(&mut self, directive: &str, pos: Pos, cursor: &mut Cursor) -> Result<()> {
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
