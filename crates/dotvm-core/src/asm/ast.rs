//! The parsed program: what the parser produces from the text and the builder turns into
//! a [`crate::module::Module`]. Names are kept unresolved where they may be defined later.

use super::number::IntLit;
use crate::arch::Arch;
use crate::instruction::Imm;
use crate::isa::Opcode;
use crate::module::Constant;
use crate::selector::Selector;
use std::collections::HashMap;

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Pos {
    /// Line.
    pub(super) line: u32,
    /// Column (in characters).
    pub(super) col: u32,
}

/// A located error, turned into an [`super::AsmError`] with the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Diag {
    /// Where.
    pub(super) pos: Pos,
    /// What.
    pub(super) message: String,
}

/// Shorthand for a failed step.
pub(super) type Result<T> = std::result::Result<T, Diag>;

/// Makes a [`Diag`].
pub(super) fn diag<T>(pos: Pos, message: impl Into<String>) -> Result<T> {
    Err(Diag {
        pos,
        message: message.into(),
    })
}

/// A numeric value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// An integer literal and its text (for error messages).
    Lit(IntLit, String),
    /// A character literal's scalar value.
    Char(u32),
    /// A `.const` name or a data label (`len`: the label's length, written `NAME.len`).
    Sym {
        /// The name.
        name: String,
        /// Whether `.len` was written.
        len: bool,
    },
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ValueAt {
    /// The value.
    pub(super) value: Value,
    /// Its position.
    pub(super) pos: Pos,
}

/// A reference to a function, pool entry, global or local: by index or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ref {
    /// A bare number.
    Index(u32),
    /// A name (bare or quoted).
    Name(String),
}

/// A reference and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RefAt {
    /// The reference.
    pub(super) target: Ref,
    /// Its position.
    pub(super) pos: Pos,
}

/// An instruction's operand before name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OperandSrc {
    /// No operand.
    None,
    /// A word immediate, offset or depth (the opcode says which).
    Value(ValueAt),
    /// A pool entry, local, global or function (the opcode says which).
    Ref(RefAt),
    /// A label of the current function.
    Label(String, Pos),
    /// A raw byte offset (`@12`).
    RawTarget(u32),
    /// A system-call number.
    Syscall(u16),
    /// A selector the opcode accepts.
    Selector(Selector),
    /// The targets of a jump table, the default last.
    Targets(Vec<TargetSrc>),
    /// Two numbers (the opcode says what they mean).
    Pair(Box<(ValueAt, ValueAt)>),
    /// A lane index, already checked against the opcode's shape.
    Lane(u8),
    /// A memory offset and a lane index, already checked.
    MemLane(u32, u8),
    /// A `V128_CONST` constant or `I8X16_SHUFFLE` lane list, already checked.
    Bytes16([u8; 16]),
}

/// One target of a jump table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TargetSrc {
    /// A label of the current function.
    Label(String, Pos),
    /// A raw byte offset (`@12`).
    Raw(u32),
}

/// One element of a function body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    /// A label definition.
    Label(String),
    /// An instruction, with an explicit `.line` if one preceded it.
    Instr {
        /// The opcode.
        opcode: Opcode,
        /// Its operand.
        operand: OperandSrc,
        /// Where the mnemonic is.
        pos: Pos,
        /// Line number from a preceding `.line`.
        line: Option<u32>,
    },
    /// Raw code bytes from `.raw`.
    Raw(Vec<u8>),
}

/// A named parameter (`.param`) or declared local (`.local`), by ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LocalName {
    /// The n-th parameter.
    Param(u32),
    /// The n-th declared local.
    Local(u32),
}

/// A `.func` ... `.end` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct FuncDecl {
    /// Name used by `CALL`, `.export` and `.entry`.
    pub(super) name: String,
    /// Position of `.func`.
    pub(super) pos: Pos,
    /// `params=` if written.
    pub(super) params: Option<u16>,
    /// `results=`.
    pub(super) results: u16,
    /// `locals=` if written.
    pub(super) locals: Option<u16>,
    /// `max_stack=` if written.
    pub(super) max_stack: Option<u32>,
    /// `debugname=` if written (the name recorded in the debug section).
    pub(super) debug_name: Option<String>,
    /// `type=` if written.
    pub(super) ty: Option<u32>,
    /// `.param` and `.local` names.
    pub(super) local_names: HashMap<String, LocalName>,
    /// Count of `.param` directives.
    pub(super) named_params: u32,
    /// Count of `.local` directives.
    pub(super) named_locals: u32,
    /// Labels, instructions and raw bytes in order.
    pub(super) body: Vec<Item>,
}

/// The contents of a `.data` segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DataItem {
    /// Literal bytes (a string or a byte string).
    Bytes(Vec<u8>),
    /// Little-endian integers of `bits` width.
    Ints {
        /// 8, 16, 32, 64 or the word width.
        bits: u32,
        /// The values.
        values: Vec<ValueAt>,
    },
    /// `zero N`: N zero bytes.
    Zero(u64),
}

impl DataItem {
    /// Size in bytes, if it fits a u64.
    pub(super) fn size(&self) -> Option<u64> {
        match self {
            DataItem::Bytes(b) => Some(b.len() as u64),
            DataItem::Ints { bits, values } => {
                (values.len() as u64).checked_mul(u64::from(bits / 8))
            }
            DataItem::Zero(n) => Some(*n),
        }
    }
}

/// A `.data` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DataDecl {
    /// Its label.
    pub(super) name: String,
    /// `at ADDR` if written.
    pub(super) at: Option<u64>,
    /// Contents.
    pub(super) items: Vec<DataItem>,
    /// Position of `.data`.
    pub(super) pos: Pos,
}

/// A `.global` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GlobalDecl {
    /// Initial value.
    pub(super) init: ValueAt,
    /// `mut` was written.
    pub(super) mutable: bool,
}

/// A `.memory` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MemoryDecl {
    /// Initial pages (`None`: `auto`).
    pub(super) initial: Option<u32>,
    /// Maximum pages.
    pub(super) max: Option<u32>,
    /// Position of `.memory`.
    pub(super) pos: Pos,
}

/// A `.export` directive (or the `export` flag of `.func`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExportDecl {
    /// The exported function.
    pub(super) func: RefAt,
    /// The export name.
    pub(super) name: String,
}

/// A `.lineat FUNC PC LINE` raw line-table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawLine {
    /// The function.
    pub(super) func: RefAt,
    /// Byte offset.
    pub(super) pc: u32,
    /// Source line.
    pub(super) line: u32,
}

/// What a name in the value namespace stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Symbol {
    /// A `.const` and its word value.
    Const(Imm),
    /// A data label: index into [`Program::data`].
    Data(usize),
}

/// Everything the parser read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Program {
    /// Target architecture.
    pub(super) arch: Arch,
    /// `.const` names and data labels.
    pub(super) symbols: HashMap<String, Symbol>,
    /// Constant-table entries in index order.
    pub(super) pool: Vec<Constant>,
    /// Pool entry names.
    pub(super) pool_names: HashMap<String, u32>,
    /// Globals in index order.
    pub(super) globals: Vec<GlobalDecl>,
    /// Global names.
    pub(super) global_names: HashMap<String, u32>,
    /// Data segments in order.
    pub(super) data: Vec<DataDecl>,
    /// `.memory`, if written.
    pub(super) memory: Option<MemoryDecl>,
    /// Exports in order.
    pub(super) exports: Vec<ExportDecl>,
    /// `.entry`, if written.
    pub(super) entry: Option<RefAt>,
    /// Position of `.debug none`, if written.
    pub(super) debug_none: Option<Pos>,
    /// `.debug names=N`, if written.
    pub(super) debug_names: Option<(u32, Pos)>,
    /// `.source`, if written.
    pub(super) source: Option<String>,
    /// `.lineat` entries in order.
    pub(super) raw_lines: Vec<RawLine>,
    /// `.srcfile`, `.srcname` and `.srcloc`: the source map.
    pub(super) source_map: super::source_map::SourceMapDecl,
    /// Functions in index order.
    pub(super) functions: Vec<FuncDecl>,
    /// Function names.
    pub(super) function_names: HashMap<String, u32>,
    /// Position of the first `.line`, `.lineat`, `.source` or source-map directive (they
    /// need debug info).
    pub(super) first_debug_use: Option<Pos>,
    /// `.type`s in index order.
    pub(super) types: Vec<crate::module::FuncType>,
    /// `.table`s in index order.
    pub(super) tables: Vec<crate::module::Table>,
    /// `.elem`s in index order.
    pub(super) elements: Vec<crate::module::ElemSegment>,
    /// `.passive` data segments in index order.
    pub(super) passive: Vec<Vec<u8>>,
    /// `.import`s in index order.
    pub(super) imports: Vec<crate::module::Import>,
}
