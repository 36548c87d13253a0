//! Reads `.dasm` text line by line into a [`Program`], checking everything that does not
//! need names defined further down (the builder resolves those).

use super::ast::{
    ExportDecl, FuncDecl, Item, OperandSrc, Pos, Program, RawLine, Ref, Result, Symbol, TargetSrc,
    Value, ValueAt, diag,
};
use super::cursor::{Cursor, any_name, number_token, reference, small_number, value};
use super::lexer::{Tok, Token, is_bare_name, tokenize};
use super::number::{IntLit, looks_numeric};
use super::suggest::closest;
use super::vector;
use crate::arch::Arch;
use crate::instruction::Imm;
use crate::isa::{Opcode, OperandKind};
use crate::selector::{Selector, SelectorFamily};
use crate::syscall::Syscall;

/// Directives allowed only outside functions.
const MODULE_DIRECTIVES: &[&str] = &[
    ".arch", ".pool", ".data", ".global", ".memory", ".export", ".entry", ".func", ".debug",
    ".source", ".lineat", ".srcfile", ".srcname", ".srcloc", ".type", ".table", ".elem",
    ".passive", ".import",
];
/// Directives allowed only inside functions.
const FUNCTION_DIRECTIVES: &[&str] = &[".end", ".param", ".local", ".line", ".raw"];
/// Directives allowed anywhere.
const ANYWHERE_DIRECTIVES: &[&str] = &[".const"];
/// `.func` attributes.
pub(super) const FUNC_ATTRIBUTES: &[&str] = &[
    "params",
    "results",
    "locals",
    "max_stack",
    "debugname",
    "type",
];

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

/// Parser state between lines (the directive readers live in `directives.rs`).
#[derive(Default)]
pub(super) struct Parser {
    /// What has been read so far.
    pub(super) program: Program,
    /// Index of the function being read.
    pub(super) current: Option<usize>,
    /// Labels of the current function and where they were defined.
    pub(super) labels: std::collections::HashMap<String, Pos>,
    /// `AsmOptions::arch` was given.
    pub(super) arch_override: bool,
    /// A `.arch` directive was read.
    pub(super) arch_seen: bool,
    /// Something other than comments was read (so `.arch` is too late).
    pub(super) started: bool,
    /// A `.line` waiting for its instruction.
    pub(super) pending_line: Option<(u32, Pos)>,
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

    /// The function being read, if any.
    pub(super) fn function(&mut self) -> Option<&mut FuncDecl> {
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
            OperandKind::Selector(family) => family.name(),
            OperandKind::Targets => "one or more labels",
            OperandKind::Pair => "two numbers",
            OperandKind::Lanes => "a lane width (8, 16, 32 or 64)",
            OperandKind::WordLane => "a lane width (8, 16, 32 or 64) and a lane index",
            OperandKind::Table => "a table index",
            OperandKind::Elem => "an element-segment index",
            OperandKind::Data => "a data-segment index",
            OperandKind::Import => "an import index",
            OperandKind::Lane => "a lane index",
            OperandKind::MemLane => "an offset and a lane index",
            OperandKind::V128 => "a lane shape and its lanes (`i32x4 1 2 3 4`)",
            OperandKind::Shuffle => "16 lane indices",
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
        Ok(match kind {
            OperandKind::Imm
            | OperandKind::Depth
            | OperandKind::Table
            | OperandKind::Elem
            | OperandKind::Data
            | OperandKind::Import
            | OperandKind::Lanes => OperandSrc::Value(value(cursor, &token)?),
            OperandKind::Pair | OperandKind::WordLane => {
                let first = value(cursor, &token)?;
                let second = cursor.expect(pos, &format!("second number of `{mnemonic}`"))?;
                OperandSrc::Pair(Box::new((first, value(cursor, &second)?)))
            }
            OperandKind::Targets => {
                let mut targets = vec![target(cursor, &token)?];
                while let Some(next) = cursor.take() {
                    targets.push(target(cursor, &next)?);
                }
                OperandSrc::Targets(targets)
            }
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
                let what = match kind {
                    OperandKind::Const => "constant-table entry",
                    OperandKind::Local => "local",
                    OperandKind::Global => "global",
                    _ => "function",
                };
                OperandSrc::Ref(reference(cursor, &token, what)?)
            }
            OperandKind::Target => match target(cursor, &token)? {
                TargetSrc::Raw(t) => OperandSrc::RawTarget(t),
                TargetSrc::Label(name, at) => OperandSrc::Label(name, at),
            },
            OperandKind::Syscall => OperandSrc::Syscall(self.syscall(cursor, &token)?),
            OperandKind::Selector(family) => {
                OperandSrc::Selector(selector(cursor, &token, family, mnemonic)?)
            }
            OperandKind::Lane => OperandSrc::Lane(vector::lane(cursor, &token, opcode)?),
            OperandKind::MemLane => {
                let (offset, lane) = vector::offset_lane(cursor, &token, opcode)?;
                OperandSrc::MemLane(offset, lane)
            }
            OperandKind::V128 => OperandSrc::Bytes16(vector::constant(cursor, &token)?),
            OperandKind::Shuffle => OperandSrc::Bytes16(vector::shuffle(cursor, token)?),
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
            ".type" => self.type_decl(pos, cursor)?,
            ".table" => self.table_decl(pos, cursor)?,
            ".elem" => self.elem_decl(pos, cursor)?,
            ".passive" => self.passive_decl(pos, cursor)?,
            ".import" => self.import_decl(pos, cursor)?,
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
            ".srcfile" | ".srcname" | ".srcloc" => self.source_map_directive(name, pos, cursor)?,
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
}

/// A selector name of `family` (the operand of `mnemonic`).
fn selector(
    cursor: &Cursor,
    token: &Token,
    family: SelectorFamily,
    mnemonic: &str,
) -> Result<Selector> {
    let pos = cursor.pos(token);
    let names: Vec<&str> = family.members().map(Selector::name).collect();
    match &token.tok {
        Tok::Word(w) => match Selector::from_name(w) {
            Some(s) if family.accepts(s) => Ok(s),
            _ => {
                let hint = closest(w, names.iter().copied())
                    .map(|m| format!("did you mean `{m}`? "))
                    .unwrap_or_default();
                diag(
                    pos,
                    format!(
                        "`{w}` is not a {} of `{mnemonic}` ({hint}known: {})",
                        family.name(),
                        names.join(", ")
                    ),
                )
            }
        },
        _ => diag(
            pos,
            format!(
                "expected a {} ({}), found {}",
                family.name(),
                names.join(", "),
                token.describe()
            ),
        ),
    }
}

/// A jump target: a label or `@OFFSET`.
fn target(cursor: &Cursor, token: &Token) -> Result<TargetSrc> {
    let at = cursor.pos(token);
    match &token.tok {
        Tok::Word(w) if w.starts_with('@') => {
            Ok(TargetSrc::Raw(
                small_number(at, &w[1..], "a raw jump target", u32::MAX.into())? as u32,
            ))
        }
        Tok::Word(w) if is_bare_name(w) => Ok(TargetSrc::Label(w.clone(), at)),
        _ => diag(
            at,
            format!(
                "expected a label (or `@OFFSET` for a raw byte offset), found {}",
                token.describe()
            ),
        ),
    }
}
