//! The in-memory form of a DotVM program, independent of its byte encoding.

use crate::arch::Arch;
use crate::instruction::Imm;
use crate::isa::ValType;

/// Size of one linear-memory page (as in WebAssembly).
pub const PAGE_SIZE: u64 = 65536;

/// A whole program: what a bytecode file holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    /// Word size the program is built for.
    pub arch: Arch,
    /// Index of the function that runs first. It takes no parameters and returns zero
    /// results or one (the exit code).
    pub entry: u32,
    /// The function table, indexed by `CALL` operands.
    pub functions: Vec<Function>,
    /// Typed constants, indexed by `PUSH_CONST` operands.
    pub constants: Vec<Constant>,
    /// Global variables, indexed by `GLOBAL_GET`/`GLOBAL_SET` operands.
    pub globals: Vec<Global>,
    /// Linear-memory size and static initialisers.
    pub memory: Memory,
    /// Named entry points.
    pub exports: Vec<Export>,
    /// Optional debug information (function names, line table).
    pub debug: Option<DebugInfo>,
    /// Function types, referred to by [`Function::ty`] and `CALL_INDIRECT`.
    pub types: Vec<FuncType>,
    /// Tables of references, indexed by the table instructions and `CALL_INDIRECT`.
    pub tables: Vec<Table>,
    /// Element segments (lists of function references) for `TABLE_INIT` and `ELEM_DROP`.
    pub elements: Vec<ElemSegment>,
    /// Passive data segments for `MEMORY_INIT` and `DATA_DROP`.
    pub data: Vec<Vec<u8>>,
    /// Functions the embedder provides, called with `CALL_HOST`.
    pub imports: Vec<Import>,
    /// The signature over the file's other bytes, when the file is signed (see
    /// `docs/bytecode-format.md`, section `signature`).
    pub signature: Option<Signature>,
}

/// An Ed25519 signature of a bytecode file: it covers every byte of the file before the
/// signature section's body (header, section table and all other sections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl Signature {
    /// The algorithm byte of the section (`0x10`, the `ed25519` selector number).
    pub const ED25519: u8 = 0x10;
    /// Length of the section body: algorithm, public key, signature.
    pub const BODY_LEN: usize = 1 + 32 + 64;
}

/// A function the embedder provides (for example an export of another module).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Import {
    /// The providing module's name.
    pub module: String,
    /// The function's name in it.
    pub name: String,
    /// Its type in [`Module::types`].
    pub ty: u32,
}

/// The type of a value in a function signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigType {
    /// A whole word.
    W,
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// A single-precision float.
    F32,
    /// A double-precision float.
    F64,
    /// A function reference (one slot: 0 is null, otherwise the function index plus one).
    FuncRef,
    /// An opaque host reference (one slot: 0 is null).
    ExternRef,
    /// A 128-bit vector (its slots: [`ValType::V128`]).
    V128,
}

impl SigType {
    /// Every signature type, in encoding order (the byte of each is its position).
    pub const ALL: [SigType; 8] = [
        SigType::W,
        SigType::I32,
        SigType::I64,
        SigType::F32,
        SigType::F64,
        SigType::FuncRef,
        SigType::ExternRef,
        SigType::V128,
    ];

    /// The stack type of a value of this type.
    pub const fn val_type(self) -> ValType {
        match self {
            SigType::I32 => ValType::I32,
            SigType::I64 => ValType::I64,
            SigType::F32 => ValType::F32,
            SigType::F64 => ValType::F64,
            SigType::V128 => ValType::V128,
            SigType::W | SigType::FuncRef | SigType::ExternRef => ValType::W,
        }
    }

    /// Name used in assembly and documentation.
    pub const fn name(self) -> &'static str {
        match self {
            SigType::W => "w",
            SigType::I32 => "i32",
            SigType::I64 => "i64",
            SigType::F32 => "f32",
            SigType::F64 => "f64",
            SigType::FuncRef => "funcref",
            SigType::ExternRef => "externref",
            SigType::V128 => "v128",
        }
    }
}

/// A function type: what `CALL_INDIRECT` checks a callee against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    /// Parameter types, first parameter first.
    pub params: Vec<SigType>,
    /// Result types, first result first (deepest on the stack).
    pub results: Vec<SigType>,
}

impl FuncType {
    /// Slots the parameters take on `arch`.
    pub fn param_slots(&self, arch: Arch) -> u32 {
        self.params.iter().map(|t| t.val_type().slots(arch)).sum()
    }

    /// Slots the results take on `arch`.
    pub fn result_slots(&self, arch: Arch) -> u32 {
        self.results.iter().map(|t| t.val_type().slots(arch)).sum()
    }
}

/// What a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RefKind {
    /// Function references (`CALL_INDIRECT` calls through them).
    #[default]
    Func,
    /// Host references.
    Extern,
}

/// A table of references, all null at start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// What the elements are.
    pub kind: RefKind,
    /// Elements present at start.
    pub initial: u32,
    /// Elements the table may grow to (`None`: up to `u32::MAX`).
    pub max: Option<u32>,
}

/// An element segment: references `TABLE_INIT` copies into a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ElemSegment {
    /// What the items are.
    pub kind: RefKind,
    /// The references, as slot values: 0 is null, `f + 1` refers to function `f`.
    pub items: Vec<u32>,
}

/// One function: its signature, frame layout and code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Function {
    /// Parameter slots, popped from the caller's stack into locals `0..params`.
    pub params: u16,
    /// Result slots left on the caller's stack by `RET`.
    pub results: u16,
    /// Extra local slots after the parameters, zero-initialised on entry.
    pub locals: u16,
    /// Declared maximum operand-stack height (slots, excluding locals); the verifier checks
    /// the code never exceeds it.
    pub max_stack: u32,
    /// Encoded instructions. Jump targets are byte offsets into this.
    pub code: Vec<u8>,
    /// The function's type in [`Module::types`], for `CALL_INDIRECT` checks (`None`: the
    /// function cannot be called indirectly).
    pub ty: Option<u32>,
}

/// A typed constant in the data section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Constant {
    /// An integer word (must fit the architecture's word).
    Int(Imm),
    /// An IEEE-754 single, stored as its bits.
    F32(u32),
    /// An IEEE-754 double, stored as its bits.
    F64(u64),
    /// UTF-8 text, placed in the read-only constant region.
    Str(String),
    /// Raw bytes, placed in the read-only constant region.
    Bytes(Vec<u8>),
}

impl Constant {
    /// The bytes a string or byte constant places in the read-only region.
    pub fn region_bytes(&self) -> Option<&[u8]> {
        match self {
            Constant::Str(s) => Some(s.as_bytes()),
            Constant::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// A global variable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Global {
    /// Initial value (must fit the architecture's word).
    pub init: Imm,
    /// Whether `GLOBAL_SET` may change it.
    pub mutable: bool,
}

/// Linear memory: size limits and static initialisers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memory {
    /// Pages present when the program starts.
    pub initial_pages: u32,
    /// Pages the program may grow to (`None`: only the run's memory limit applies).
    pub max_pages: Option<u32>,
    /// Bytes copied into memory before the entry function runs.
    pub segments: Vec<DataSegment>,
}

/// Bytes placed at a fixed address before the program starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataSegment {
    /// Destination address.
    pub offset: u64,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// A named entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Name (unique within the module).
    pub name: String,
    /// Function index.
    pub func: u32,
}

/// Names and source positions for tools and trap messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebugInfo {
    /// Name of each function by index (shorter than the function table when names are
    /// missing; an empty string means unnamed).
    pub function_names: Vec<String>,
    /// Source file the program was built from, if known.
    pub source: Option<String>,
    /// pc-to-line entries, sorted by (function, pc).
    pub lines: Vec<LineEntry>,
    /// The source map: pc → (file, line, column, inlined calls), empty when unknown (see
    /// [`crate::source_map`]).
    pub source_map: SourceMap,
}

pub use crate::source_map::{InlinedCall, SourceEntry, SourceLoc, SourceMap};

/// One line-table entry: the instruction at `pc` of `func` comes from `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineEntry {
    /// Function index.
    pub func: u32,
    /// Byte offset within the function.
    pub pc: u32,
    /// 1-based source line.
    pub line: u32,
}

impl Module {
    /// The function's name from the debug section or exports, if it has one.
    pub fn function_name(&self, func: u32) -> Option<&str> {
        self.debug
            .as_ref()
            .and_then(|d| d.function_names.get(func as usize))
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .or_else(|| {
                self.exports
                    .iter()
                    .find(|e| e.func == func)
                    .map(|e| e.name.as_str())
            })
    }

    /// A printable label for a function: its name, or `func[N]`.
    pub fn function_label(&self, func: u32) -> String {
        match self.function_name(func) {
            Some(name) => name.to_string(),
            None => format!("func[{func}]"),
        }
    }

    /// The source line of the instruction at `pc` in `func`, from the line table.
    pub fn source_line(&self, func: u32, pc: u32) -> Option<u32> {
        let lines = &self.debug.as_ref()?.lines;
        let idx = lines.partition_point(|e| (e.func, e.pc) <= (func, pc));
        let entry = lines.get(idx.checked_sub(1)?)?;
        (entry.func == func).then_some(entry.line)
    }
}
