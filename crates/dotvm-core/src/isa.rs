//! The one instruction table: every DotVM instruction is one row here.
//!
//! The opcode enum, the per-opcode metadata (mnemonic, operand kind, stack effect,
//! category, doc), the encoder/decoder, the assembler's mnemonics, the verifier's stack
//! effects, the interpreter's dispatch (an exhaustive `match` on [`Opcode`]) and
//! `docs/isa.md` all come from this table. Opcode numbers are explicit; because [`Opcode`]
//! is a `#[repr(u16)]` enum with explicit discriminants, a duplicate number is a compile
//! error. Codes below `0x100` are one byte on disk; codes `0xF0xx`..`0xFFxx` are a prefix
//! byte followed by a second byte (the colder families live there).

use crate::arch::Arch;
use crate::selector::SelectorFamily;
use ValType::{F32, F64, I32, I64, V128, W};

/// What kind of operand follows an opcode in the bytecode, and how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// No operand.
    None,
    /// A word immediate: a length byte `n` (0..=64) then `n` little-endian bytes, zero-extended
    /// to the word. The encoding is minimal: the last byte is never zero.
    Imm,
    /// A constant-table index (u32 LE).
    Const,
    /// A local-variable index (u32 LE): parameters first, then declared locals.
    Local,
    /// A global-variable index (u32 LE).
    Global,
    /// A function index (u32 LE).
    Func,
    /// A jump target: a byte offset from the start of the current function (u32 LE).
    Target,
    /// A constant memory offset added to the address popped from the stack (u32 LE).
    Offset,
    /// A stack depth (u8): 0 is the top of the stack.
    Depth,
    /// A system-call number (u16 LE), see [`crate::syscall`].
    Syscall,
    /// A named selector (u8) of the given family, see [`crate::selector`].
    Selector(SelectorFamily),
    /// A jump table: a u32 LE count `n` (at least 1) then `n` targets (u32 LE byte offsets
    /// from the start of the function); the last target is the default.
    Targets,
    /// Two u32 LE indices whose meaning depends on the opcode (type and table, drop and
    /// keep counts, destination and source table, table and element segment).
    Pair,
    /// A table index (u32 LE).
    Table,
    /// An element-segment index (u32 LE).
    Elem,
    /// A passive data-segment index (u32 LE).
    Data,
    /// A host-import index (u32 LE), see [`crate::module::Import`].
    Import,
    /// A lane width (u8: 8, 16, 32 or 64 bits), see [`crate::lanes`].
    Lanes,
    /// A lane width (u8) then a lane index (u8) below the lanes per word.
    WordLane,
    /// A lane index (u8) below the lane count of the opcode's shape
    /// ([`crate::shape::Shape::of_opcode`]).
    Lane,
    /// A constant memory offset (u32 LE) then a lane index (u8) below the lane count of
    /// the access width (`V128_LOAD8_LANE`: 16 lanes ... `V128_STORE64_LANE`: 2).
    MemLane,
    /// A 128-bit constant: 16 bytes, lane 0 first (little-endian).
    V128,
    /// Sixteen lane indices (one byte each, every one below 32) selecting bytes of two
    /// concatenated vectors.
    Shuffle,
}

impl OperandKind {
    /// Name used in documentation and error messages.
    pub const fn name(self) -> &'static str {
        match self {
            OperandKind::None => "-",
            OperandKind::Imm => "imm",
            OperandKind::Const => "const",
            OperandKind::Local => "local",
            OperandKind::Global => "global",
            OperandKind::Func => "func",
            OperandKind::Target => "target",
            OperandKind::Offset => "offset",
            OperandKind::Depth => "depth",
            OperandKind::Syscall => "syscall",
            OperandKind::Selector(family) => family.name(),
            OperandKind::Targets => "targets",
            OperandKind::Pair => "pair",
            OperandKind::Table => "table",
            OperandKind::Elem => "elem",
            OperandKind::Data => "data",
            OperandKind::Import => "import",
            OperandKind::Lanes => "lanes",
            OperandKind::WordLane => "lanes lane",
            OperandKind::Lane => "lane",
            OperandKind::MemLane => "offset lane",
            OperandKind::V128 => "v128",
            OperandKind::Shuffle => "shuffle",
        }
    }
}

/// The type of one value on the stack. How many word slots it takes depends on the
/// architecture: a value wider than the word (i64 and f64 on Arch32, v128 below Arch128)
/// spans several slots, the least significant part in the deepest slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    /// A whole architecture word (also addresses, booleans and counts).
    W,
    /// A 32-bit integer, zero-extended in its slot.
    I32,
    /// A 64-bit integer, zero-extended in its slot (two slots on Arch32).
    I64,
    /// An IEEE-754 single, its bits zero-extended in its slot.
    F32,
    /// An IEEE-754 double, its bits zero-extended in its slot (two slots on Arch32).
    F64,
    /// A 128-bit vector (wasm `v128`): four slots on Arch32, two on Arch64, one
    /// (zero-extended) from Arch128 on.
    V128,
}

impl ValType {
    /// Word slots one value of this type occupies on `arch`.
    pub const fn slots(self, arch: Arch) -> u32 {
        let bits = match self {
            ValType::W | ValType::I32 | ValType::F32 => return 1,
            ValType::I64 | ValType::F64 => 64,
            ValType::V128 => 128,
        };
        let slots = bits / arch.word_bits();
        if slots == 0 { 1 } else { slots }
    }

    /// Name used in documentation (`w`, `i32`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ValType::W => "w",
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
        }
    }
}

/// How an instruction changes the value stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackEffect {
    /// Pops values of the `pops` types (the last is the top of the stack), then pushes
    /// values of the `pushes` types.
    Fixed {
        /// Types consumed, deepest first.
        pops: &'static [ValType],
        /// Types produced, deepest first.
        pushes: &'static [ValType],
    },
    /// Depends on the operand (callee signature, constant type, pick depth, system call)
    /// or ends the block (RET, HALT); the verifier computes it.
    Dynamic,
}

impl StackEffect {
    /// `(popped slots, pushed slots)` on `arch`, or `None` for a dynamic effect.
    pub fn slots(&self, arch: Arch) -> Option<(u32, u32)> {
        let count = |types: &[ValType]| types.iter().map(|t| t.slots(arch)).sum();
        match self {
            StackEffect::Fixed { pops, pushes } => Some((count(pops), count(pushes))),
            StackEffect::Dynamic => None,
        }
    }
}

/// A fixed stack effect (table shorthand).
const fn fx(pops: &'static [ValType], pushes: &'static [ValType]) -> StackEffect {
    StackEffect::Fixed { pops, pushes }
}

/// Instruction families, used to group the table and the documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Branches, calls, returns and halting.
    Control,
    /// Pushing, popping and rearranging the value stack.
    Stack,
    /// Local and global variables.
    Variable,
    /// Wrapping word arithmetic.
    Arithmetic,
    /// Word comparisons producing 1 or 0.
    Comparison,
    /// Bitwise logic, shifts, rotations and bit counts.
    Bitwise,
    /// Linear-memory loads, stores and management.
    Memory,
    /// Calls into the host.
    System,
    /// Hashes, signatures, authenticated encryption and secure randomness.
    Crypto,
    /// Arbitrary-precision integers in the BigInt heap.
    BigInt,
    /// Function tables, references and segment management.
    Table,
    /// Typed 32-bit integer operations (wasm `i32`).
    Int32,
    /// Typed 64-bit integer operations (wasm `i64`).
    Int64,
    /// Typed single-precision float operations (wasm `f32`).
    Float32,
    /// Typed double-precision float operations (wasm `f64`).
    Float64,
    /// Conversions between the typed values.
    Conversion,
    /// Typed loads and stores, and typed select.
    TypedMemory,
    /// The state database (see `docs/state.md`).
    Database,
    /// Word-lane vectors: the word as lanes of 8 to 64 bits (see `docs/vectors.md`).
    Lanes,
    /// WebAssembly simd128: 128-bit vectors of lanes (see `docs/architectures.md`).
    Simd,
}

impl Category {
    /// Human-readable name.
    pub const fn name(self) -> &'static str {
        match self {
            Category::Control => "Control",
            Category::Stack => "Stack",
            Category::Variable => "Variables",
            Category::Arithmetic => "Arithmetic",
            Category::Comparison => "Comparison",
            Category::Bitwise => "Bitwise",
            Category::Memory => "Memory",
            Category::System => "System",
            Category::Crypto => "Cryptography",
            Category::BigInt => "BigInt",
            Category::Table => "Tables and references",
            Category::Int32 => "i32",
            Category::Int64 => "i64",
            Category::Float32 => "f32",
            Category::Float64 => "f64",
            Category::Conversion => "Conversions",
            Category::TypedMemory => "Typed memory and select",
            Category::Database => "Database",
            Category::Lanes => "Word lanes",
            Category::Simd => "v128 (simd128)",
        }
    }
}

/// Everything the table says about one opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// The opcode number (one byte below 0x100, prefix byte and second byte above).
    pub code: u16,
    /// Upper-case assembly mnemonic.
    pub mnemonic: &'static str,
    /// The operand that follows the opcode.
    pub operand: OperandKind,
    /// Effect on the value stack.
    pub effect: StackEffect,
    /// Family.
    pub category: Category,
    /// One-line description.
    pub doc: &'static str,
}

/// `a == b`, usable in constant evaluation.
const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

macro_rules! instruction_table {
    ($( $code:literal $variant:ident $mnemonic:literal $operand:ident $(: $family:ident)? $effect:expr, $category:ident $doc:literal; )*) => {
        /// A DotVM opcode. The discriminant is the opcode number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Opcode {
            $( #[doc = $doc] $variant = $code, )*
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[ $( Opcode::$variant, )* ];

            /// The table row for this opcode.
            pub const fn info(self) -> &'static OpInfo {
                match self {
                    $( Opcode::$variant => const { &OpInfo {
                        code: $code,
                        mnemonic: $mnemonic,
                        operand: OperandKind::$operand $((SelectorFamily::$family))?,
                        effect: $effect,
                        category: Category::$category,
                        doc: $doc,
                    } }, )*
                }
            }

            /// The opcode whose enum variant is named `name` (`"I32Add"`), if any: lets a
            /// translator map instructions named alike in another instruction set (the
            /// typed ops carry WebAssembly's names) without restating the list.
            pub const fn from_variant_name(name: &str) -> Option<Opcode> {
                $(
                    if const_str_eq(name, stringify!($variant)) {
                        return Some(Opcode::$variant);
                    }
                )*
                None
            }

            /// The opcode with this number, if any.
            pub const fn from_code(code: u16) -> Option<Opcode> {
                match code {
                    $( $code => Some(Opcode::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

/// Calls `$callback! { ... }` with every row of the instruction table, so code in any crate
/// can derive what it needs from the one table instead of restating it (in the spirit of
/// Pulley's `for_each_op!`). Each row reads
/// `CODE Variant "MNEMONIC" OperandKind[: SelectorFamily] EFFECT, Category "doc";`; the
/// effect is an expression over this module's `fx`, [`StackEffect`] and [`ValType`]
/// names, so a callback that expands it must have them in scope.
///
/// ```
/// macro_rules! count_rows {
///     ($($code:literal $variant:ident $mnemonic:literal $operand:ident $(: $family:ident)?
///        $effect:expr, $category:ident $doc:literal;)*) => {
///         [$(stringify!($variant)),*].len()
///     };
/// }
/// assert_eq!(dotvm_core::for_each_op!(count_rows), dotvm_core::Opcode::ALL.len());
/// ```
#[macro_export]
macro_rules! for_each_op {
    ($callback:ident) => {
        $callback! {
            // ---- Control: 0x00..0x0F ----
            0x00 Nop         "NOP"         None   fx(&[], &[]), Control "Do nothing.";
            0x01 Unreachable "UNREACHABLE" None   fx(&[], &[]), Control "Trap with `unreachable`.";
            0x02 Halt        "HALT"        None   StackEffect::Dynamic, Control "Stop the machine with exit code 0.";
            0x03 Jmp         "JMP"         Target fx(&[], &[]), Control "Jump to the target.";
            0x04 Jz          "JZ"          Target fx(&[W], &[]), Control "Pop c; jump to the target if c is zero.";
            0x05 Jnz         "JNZ"         Target fx(&[W], &[]), Control "Pop c; jump to the target if c is not zero.";
            0x06 Call        "CALL"        Func   StackEffect::Dynamic, Control "Pop the callee's parameters, call it, push its results.";
            0x07 Ret         "RET"         None   StackEffect::Dynamic, Control "Return the top `results` slots to the caller.";
            0x08 JmpTable    "JMP_TABLE"   Targets fx(&[I32], &[]), Control "Pop an i32 index; jump to that target, or to the last (default) target when the index is past the others.";
            0x09 CallIndirect "CALL_INDIRECT" Pair StackEffect::Dynamic, Control "Operand (type, table). Pop an i32 element index, then the parameters of the type; call the function in that table element after checking its type; push its results.";
            0x0A DropKeep    "DROP_KEEP"   Pair   StackEffect::Dynamic, Control "Operand (drop, keep): remove `drop` slots from under the top `keep` slots (branching out of a block).";
            0x0B CallHost    "CALL_HOST"   Import StackEffect::Dynamic, Control "Pop the parameters of the host import's type, call the embedder's function for it, push its results.";
            // ---- Stack: 0x10..0x17 ----
            0x10 Push        "PUSH"        Imm    fx(&[], &[W]), Stack "Push a word immediate.";
            0x11 PushConst   "PUSH_CONST"  Const  StackEffect::Dynamic, Stack "Push a constant: a number as one word, a string or bytes as (address, length) of its read-only copy.";
            0x12 Pop         "POP"         None   fx(&[W], &[]), Stack "Discard the top slot.";
            0x13 Dup         "DUP"         None   fx(&[W], &[W, W]), Stack "a -- a a";
            0x14 Swap        "SWAP"        None   fx(&[W, W], &[W, W]), Stack "a b -- b a";
            0x15 Rot         "ROT"         None   fx(&[W, W, W], &[W, W, W]), Stack "a b c -- b c a";
            0x16 Over        "OVER"        None   fx(&[W, W], &[W, W, W]), Stack "a b -- a b a";
            0x17 Pick        "PICK"        Depth  StackEffect::Dynamic, Stack "Push a copy of the slot `depth` below the top (PICK 0 = DUP).";
            // ---- Variables: 0x18..0x1F ----
            0x18 LocalGet    "LOCAL_GET"   Local  fx(&[], &[W]), Variable "Push a local.";
            0x19 LocalSet    "LOCAL_SET"   Local  fx(&[W], &[]), Variable "Pop into a local.";
            0x1A LocalTee    "LOCAL_TEE"   Local  fx(&[W], &[W]), Variable "Copy the top slot into a local.";
            0x1B GlobalGet   "GLOBAL_GET"  Global fx(&[], &[W]), Variable "Push a global.";
            0x1C GlobalSet   "GLOBAL_SET"  Global fx(&[W], &[]), Variable "Pop into a mutable global.";
            // ---- Arithmetic: 0x20..0x2F ----
            0x20 Add         "ADD"         None   fx(&[W, W], &[W]), Arithmetic "a b -- a+b (wrapping).";
            0x21 Sub         "SUB"         None   fx(&[W, W], &[W]), Arithmetic "a b -- a-b (wrapping).";
            0x22 Mul         "MUL"         None   fx(&[W, W], &[W]), Arithmetic "a b -- a*b (wrapping).";
            0x23 DivU        "DIV_U"       None   fx(&[W, W], &[W]), Arithmetic "a b -- a/b unsigned; traps on b = 0.";
            0x24 DivS        "DIV_S"       None   fx(&[W, W], &[W]), Arithmetic "a b -- a/b signed, rounding toward zero; traps on b = 0 and on MIN/-1.";
            0x25 ModU        "MOD_U"       None   fx(&[W, W], &[W]), Arithmetic "a b -- a mod b unsigned; traps on b = 0.";
            0x26 ModS        "MOD_S"       None   fx(&[W, W], &[W]), Arithmetic "a b -- remainder of signed a/b (sign of a); traps on b = 0.";
            0x27 Neg         "NEG"         None   fx(&[W], &[W]), Arithmetic "a -- -a (wrapping).";
            0x28 AddMod      "ADDMOD"      None   fx(&[W, W, W], &[W]), Arithmetic "a b m -- (a+b) mod m, computed without overflow; 0 when m = 0.";
            0x29 MulMod      "MULMOD"      None   fx(&[W, W, W], &[W]), Arithmetic "a b m -- (a*b) mod m, computed without overflow; 0 when m = 0.";
            0x2A Exp         "EXP"         None   fx(&[W, W], &[W]), Arithmetic "a b -- a to the power b, modulo 2^bits (0^0 = 1).";
            0x2B SignExtend  "SIGNEXTEND"  None   fx(&[W, W], &[W]), Arithmetic "b x -- x sign-extended from byte b (its bit 8b+7); x unchanged when b >= bytes-1.";
            0x2C Byte        "BYTE"        None   fx(&[W, W], &[W]), Arithmetic "i x -- byte i of x, 0 = least significant; 0 when i >= bytes.";
            0x2D MulHiU      "MULHI_U"     None   fx(&[W, W], &[W]), Arithmetic "a b -- high word of the unsigned double-width product a*b.";
            0x2E MulHiS      "MULHI_S"     None   fx(&[W, W], &[W]), Arithmetic "a b -- high word of the signed (two's complement) double-width product a*b.";
            // ---- Comparison: 0x30..0x3F ----
            0x30 Eq          "EQ"          None   fx(&[W, W], &[W]), Comparison "a b -- a == b";
            0x31 Ne          "NE"          None   fx(&[W, W], &[W]), Comparison "a b -- a != b";
            0x32 Eqz         "EQZ"         None   fx(&[W], &[W]), Comparison "a -- a == 0";
            0x33 LtU         "LT_U"        None   fx(&[W, W], &[W]), Comparison "a b -- a < b unsigned";
            0x34 LtS         "LT_S"        None   fx(&[W, W], &[W]), Comparison "a b -- a < b signed";
            0x35 GtU         "GT_U"        None   fx(&[W, W], &[W]), Comparison "a b -- a > b unsigned";
            0x36 GtS         "GT_S"        None   fx(&[W, W], &[W]), Comparison "a b -- a > b signed";
            0x37 LeU         "LE_U"        None   fx(&[W, W], &[W]), Comparison "a b -- a <= b unsigned";
            0x38 LeS         "LE_S"        None   fx(&[W, W], &[W]), Comparison "a b -- a <= b signed";
            0x39 GeU         "GE_U"        None   fx(&[W, W], &[W]), Comparison "a b -- a >= b unsigned";
            0x3A GeS         "GE_S"        None   fx(&[W, W], &[W]), Comparison "a b -- a >= b signed";
            // ---- Bitwise: 0x40..0x4F ----
            0x40 And         "AND"         None   fx(&[W, W], &[W]), Bitwise "a b -- a & b";
            0x41 Or          "OR"          None   fx(&[W, W], &[W]), Bitwise "a b -- a | b";
            0x42 Xor         "XOR"         None   fx(&[W, W], &[W]), Bitwise "a b -- a ^ b";
            0x43 Not         "NOT"         None   fx(&[W], &[W]), Bitwise "a -- !a (all bits flipped)";
            0x44 Shl         "SHL"         None   fx(&[W, W], &[W]), Bitwise "a n -- a << (n mod bits)";
            0x45 Shr         "SHR"         None   fx(&[W, W], &[W]), Bitwise "a n -- a >> (n mod bits), logical";
            0x46 Sar         "SAR"         None   fx(&[W, W], &[W]), Bitwise "a n -- a >> (n mod bits), arithmetic";
            0x47 Rotl        "ROTL"        None   fx(&[W, W], &[W]), Bitwise "a n -- a rotated left by n mod bits";
            0x48 Rotr        "ROTR"        None   fx(&[W, W], &[W]), Bitwise "a n -- a rotated right by n mod bits";
            0x49 Clz         "CLZ"         None   fx(&[W], &[W]), Bitwise "a -- number of leading zero bits";
            0x4A Ctz         "CTZ"         None   fx(&[W], &[W]), Bitwise "a -- number of trailing zero bits";
            0x4B Popcnt      "POPCNT"      None   fx(&[W], &[W]), Bitwise "a -- number of one bits";
            // ---- Memory: 0x50..0x6F ----
            0x50 Load8U      "LOAD8_U"     Offset fx(&[W], &[W]), Memory "addr -- zero-extended byte at addr+offset";
            0x51 Load8S      "LOAD8_S"     Offset fx(&[W], &[W]), Memory "addr -- sign-extended byte at addr+offset";
            0x52 Load16U     "LOAD16_U"    Offset fx(&[W], &[W]), Memory "addr -- zero-extended 16-bit LE value at addr+offset";
            0x53 Load16S     "LOAD16_S"    Offset fx(&[W], &[W]), Memory "addr -- sign-extended 16-bit LE value at addr+offset";
            0x54 Load32U     "LOAD32_U"    Offset fx(&[W], &[W]), Memory "addr -- zero-extended 32-bit LE value at addr+offset";
            0x55 Load32S     "LOAD32_S"    Offset fx(&[W], &[W]), Memory "addr -- sign-extended 32-bit LE value at addr+offset";
            0x56 Load64U     "LOAD64_U"    Offset fx(&[W], &[W]), Memory "addr -- zero-extended 64-bit LE value at addr+offset (truncated on Arch32)";
            0x57 Load64S     "LOAD64_S"    Offset fx(&[W], &[W]), Memory "addr -- sign-extended 64-bit LE value at addr+offset (truncated on Arch32)";
            0x58 Load        "LOAD"        Offset fx(&[W], &[W]), Memory "addr -- whole word (LE) at addr+offset";
            0x59 Store8      "STORE8"      Offset fx(&[W, W], &[]), Memory "addr v -- store the low byte of v at addr+offset";
            0x5A Store16     "STORE16"     Offset fx(&[W, W], &[]), Memory "addr v -- store the low 16 bits of v at addr+offset";
            0x5B Store32     "STORE32"     Offset fx(&[W, W], &[]), Memory "addr v -- store the low 32 bits of v at addr+offset";
            0x5C Store64     "STORE64"     Offset fx(&[W, W], &[]), Memory "addr v -- store the low 64 bits of v at addr+offset";
            0x5D Store       "STORE"       Offset fx(&[W, W], &[]), Memory "addr v -- store the whole word v at addr+offset";
            0x60 Alloc       "ALLOC"       None   fx(&[W], &[W]), Memory "size -- addr of a fresh 8-byte-aligned heap block, or 0 when memory (or the live-block allowance: one per 64 bytes of maximum memory) is exhausted";
            0x61 Free        "FREE"        None   fx(&[W], &[]), Memory "addr -- release a block from ALLOC; traps on any other address";
            0x62 MemorySize  "MEMORY_SIZE" None   fx(&[], &[W]), Memory "-- memory size in 64 KiB pages";
            0x63 MemoryGrow  "MEMORY_GROW" None   fx(&[W], &[W]), Memory "n -- grow by n pages; old size, or all ones when refused";
            0x64 MemoryCopy  "MEMORY_COPY" None   fx(&[W, W, W], &[]), Memory "dst src len -- copy len bytes (overlap allowed)";
            0x65 MemoryFill  "MEMORY_FILL" None   fx(&[W, W, W], &[]), Memory "dst byte len -- set len bytes to the low byte of byte";
            0xF708 MemoryInit "MEMORY_INIT" Data  fx(&[W, I32, I32], &[]), Memory "dst src len -- copy len bytes from offset src of the passive data segment to dst";
            0xF709 DataDrop  "DATA_DROP"   Data   fx(&[], &[]), Memory "Empty the passive data segment (later MEMORY_INITs see zero bytes).";
            // ---- System: 0x70..0x7F ----
            0x70 Syscall     "SYSCALL"     Syscall StackEffect::Dynamic, System "Call the host; the stack effect is the system call's (see the system-call table).";
            // ---- Tables and references: 0xF700..0xF7FF ----
            0xF700 TableGet  "TABLE_GET"   Table  fx(&[I32], &[W]), Table "i -- the reference in element i; traps when i is out of bounds.";
            0xF701 TableSet  "TABLE_SET"   Table  fx(&[I32, W], &[]), Table "i ref -- store ref in element i; traps when i is out of bounds.";
            0xF702 TableSize "TABLE_SIZE"  Table  fx(&[], &[I32]), Table "-- the table's element count.";
            0xF703 TableGrow "TABLE_GROW"  Table  fx(&[W, I32], &[I32]), Table "ref n -- append n elements holding ref; the old size, or -1 (as i32) when refused.";
            0xF704 TableFill "TABLE_FILL"  Table  fx(&[I32, W, I32], &[]), Table "i ref n -- set elements i..i+n to ref; traps when out of bounds.";
            0xF705 TableCopy "TABLE_COPY"  Pair   fx(&[I32, I32, I32], &[]), Table "Operand (dst, src). d s n -- copy n elements of table src from s to table dst at d (overlap allowed).";
            0xF706 TableInit "TABLE_INIT"  Pair   fx(&[I32, I32, I32], &[]), Table "Operand (table, elem). d s n -- copy n references of the element segment from s to the table at d.";
            0xF707 ElemDrop  "ELEM_DROP"   Elem   fx(&[], &[]), Table "Empty the element segment.";
            0xF70A RefFunc   "REF_FUNC"    Func   fx(&[], &[W]), Table "Push a reference to the function (its index plus one; 0 is the null reference).";
            // ---- I32: 0xF1xx ----
            0xF100 I32Eqz             "I32_EQZ"              None   fx(&[I32], &[I32]), Int32 "a -- a == 0";
            0xF101 I32Eq              "I32_EQ"               None   fx(&[I32, I32], &[I32]), Int32 "a b -- a == b (i32 1 or 0)";
            0xF102 I32Ne              "I32_NE"               None   fx(&[I32, I32], &[I32]), Int32 "a b -- a != b (i32 1 or 0)";
            0xF103 I32LtS             "I32_LT_S"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a < b signed (i32 1 or 0)";
            0xF104 I32LtU             "I32_LT_U"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a < b unsigned (i32 1 or 0)";
            0xF105 I32GtS             "I32_GT_S"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a > b signed (i32 1 or 0)";
            0xF106 I32GtU             "I32_GT_U"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a > b unsigned (i32 1 or 0)";
            0xF107 I32LeS             "I32_LE_S"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a <= b signed (i32 1 or 0)";
            0xF108 I32LeU             "I32_LE_U"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a <= b unsigned (i32 1 or 0)";
            0xF109 I32GeS             "I32_GE_S"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a >= b signed (i32 1 or 0)";
            0xF10A I32GeU             "I32_GE_U"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a >= b unsigned (i32 1 or 0)";
            0xF10B I32Clz             "I32_CLZ"              None   fx(&[I32], &[I32]), Int32 "a -- number of leading zero bits";
            0xF10C I32Ctz             "I32_CTZ"              None   fx(&[I32], &[I32]), Int32 "a -- number of trailing zero bits";
            0xF10D I32Popcnt          "I32_POPCNT"           None   fx(&[I32], &[I32]), Int32 "a -- number of one bits";
            0xF10E I32Add             "I32_ADD"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a+b (wrapping)";
            0xF10F I32Sub             "I32_SUB"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a-b (wrapping)";
            0xF110 I32Mul             "I32_MUL"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a*b (wrapping)";
            0xF111 I32DivS            "I32_DIV_S"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- a/b signed, toward zero; traps on b = 0 and on MIN/-1";
            0xF112 I32DivU            "I32_DIV_U"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- a/b unsigned; traps on b = 0";
            0xF113 I32RemS            "I32_REM_S"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- remainder of signed a/b (sign of a, MIN rem -1 = 0); traps on b = 0";
            0xF114 I32RemU            "I32_REM_U"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- a mod b unsigned; traps on b = 0";
            0xF115 I32And             "I32_AND"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a & b";
            0xF116 I32Or              "I32_OR"               None   fx(&[I32, I32], &[I32]), Int32 "a b -- a | b";
            0xF117 I32Xor             "I32_XOR"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a ^ b";
            0xF118 I32Shl             "I32_SHL"              None   fx(&[I32, I32], &[I32]), Int32 "a b -- a << (b mod 32)";
            0xF119 I32ShrS            "I32_SHR_S"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- a >> (b mod 32), arithmetic";
            0xF11A I32ShrU            "I32_SHR_U"            None   fx(&[I32, I32], &[I32]), Int32 "a b -- a >> (b mod 32), logical";
            0xF11B I32Rotl            "I32_ROTL"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a rotated left by b mod 32";
            0xF11C I32Rotr            "I32_ROTR"             None   fx(&[I32, I32], &[I32]), Int32 "a b -- a rotated right by b mod 32";
            0xF11D I32Extend8S        "I32_EXTEND8_S"        None   fx(&[I32], &[I32]), Int32 "a -- the low 8 bits of a, sign-extended";
            0xF11E I32Extend16S       "I32_EXTEND16_S"       None   fx(&[I32], &[I32]), Int32 "a -- the low 16 bits of a, sign-extended";
            // ---- I64: 0xF2xx ----
            0xF200 I64Eqz             "I64_EQZ"              None   fx(&[I64], &[I32]), Int64 "a -- a == 0";
            0xF201 I64Eq              "I64_EQ"               None   fx(&[I64, I64], &[I32]), Int64 "a b -- a == b (i32 1 or 0)";
            0xF202 I64Ne              "I64_NE"               None   fx(&[I64, I64], &[I32]), Int64 "a b -- a != b (i32 1 or 0)";
            0xF203 I64LtS             "I64_LT_S"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a < b signed (i32 1 or 0)";
            0xF204 I64LtU             "I64_LT_U"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a < b unsigned (i32 1 or 0)";
            0xF205 I64GtS             "I64_GT_S"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a > b signed (i32 1 or 0)";
            0xF206 I64GtU             "I64_GT_U"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a > b unsigned (i32 1 or 0)";
            0xF207 I64LeS             "I64_LE_S"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a <= b signed (i32 1 or 0)";
            0xF208 I64LeU             "I64_LE_U"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a <= b unsigned (i32 1 or 0)";
            0xF209 I64GeS             "I64_GE_S"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a >= b signed (i32 1 or 0)";
            0xF20A I64GeU             "I64_GE_U"             None   fx(&[I64, I64], &[I32]), Int64 "a b -- a >= b unsigned (i32 1 or 0)";
            0xF20B I64Clz             "I64_CLZ"              None   fx(&[I64], &[I64]), Int64 "a -- number of leading zero bits";
            0xF20C I64Ctz             "I64_CTZ"              None   fx(&[I64], &[I64]), Int64 "a -- number of trailing zero bits";
            0xF20D I64Popcnt          "I64_POPCNT"           None   fx(&[I64], &[I64]), Int64 "a -- number of one bits";
            0xF20E I64Add             "I64_ADD"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a+b (wrapping)";
            0xF20F I64Sub             "I64_SUB"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a-b (wrapping)";
            0xF210 I64Mul             "I64_MUL"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a*b (wrapping)";
            0xF211 I64DivS            "I64_DIV_S"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- a/b signed, toward zero; traps on b = 0 and on MIN/-1";
            0xF212 I64DivU            "I64_DIV_U"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- a/b unsigned; traps on b = 0";
            0xF213 I64RemS            "I64_REM_S"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- remainder of signed a/b (sign of a, MIN rem -1 = 0); traps on b = 0";
            0xF214 I64RemU            "I64_REM_U"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- a mod b unsigned; traps on b = 0";
            0xF215 I64And             "I64_AND"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a & b";
            0xF216 I64Or              "I64_OR"               None   fx(&[I64, I64], &[I64]), Int64 "a b -- a | b";
            0xF217 I64Xor             "I64_XOR"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a ^ b";
            0xF218 I64Shl             "I64_SHL"              None   fx(&[I64, I64], &[I64]), Int64 "a b -- a << (b mod 64)";
            0xF219 I64ShrS            "I64_SHR_S"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- a >> (b mod 64), arithmetic";
            0xF21A I64ShrU            "I64_SHR_U"            None   fx(&[I64, I64], &[I64]), Int64 "a b -- a >> (b mod 64), logical";
            0xF21B I64Rotl            "I64_ROTL"             None   fx(&[I64, I64], &[I64]), Int64 "a b -- a rotated left by b mod 64";
            0xF21C I64Rotr            "I64_ROTR"             None   fx(&[I64, I64], &[I64]), Int64 "a b -- a rotated right by b mod 64";
            0xF21D I64Extend8S        "I64_EXTEND8_S"        None   fx(&[I64], &[I64]), Int64 "a -- the low 8 bits of a, sign-extended";
            0xF21E I64Extend16S       "I64_EXTEND16_S"       None   fx(&[I64], &[I64]), Int64 "a -- the low 16 bits of a, sign-extended";
            0xF21F I64Extend32S       "I64_EXTEND32_S"       None   fx(&[I64], &[I64]), Int64 "a -- the low 32 bits of a, sign-extended";
            // ---- F32: 0xF3xx ----
            0xF300 F32Eq              "F32_EQ"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a == b (i32 1 or 0; false with NaN unless stated)";
            0xF301 F32Ne              "F32_NE"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a != b (true when either is NaN) (i32 1 or 0; false with NaN unless stated)";
            0xF302 F32Lt              "F32_LT"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a < b (i32 1 or 0; false with NaN unless stated)";
            0xF303 F32Gt              "F32_GT"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a > b (i32 1 or 0; false with NaN unless stated)";
            0xF304 F32Le              "F32_LE"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a <= b (i32 1 or 0; false with NaN unless stated)";
            0xF305 F32Ge              "F32_GE"               None   fx(&[F32, F32], &[I32]), Float32 "a b -- a >= b (i32 1 or 0; false with NaN unless stated)";
            0xF306 F32Abs             "F32_ABS"              None   fx(&[F32], &[F32]), Float32 "a -- |a| (clears the sign bit, NaN payload kept)";
            0xF307 F32Neg             "F32_NEG"              None   fx(&[F32], &[F32]), Float32 "a -- -a (flips the sign bit, NaN payload kept)";
            0xF308 F32Ceil            "F32_CEIL"             None   fx(&[F32], &[F32]), Float32 "a -- a rounded up";
            0xF309 F32Floor           "F32_FLOOR"            None   fx(&[F32], &[F32]), Float32 "a -- a rounded down";
            0xF30A F32Trunc           "F32_TRUNC"            None   fx(&[F32], &[F32]), Float32 "a -- a rounded toward zero";
            0xF30B F32Nearest         "F32_NEAREST"          None   fx(&[F32], &[F32]), Float32 "a -- a rounded to the nearest integer, ties to even";
            0xF30C F32Sqrt            "F32_SQRT"             None   fx(&[F32], &[F32]), Float32 "a -- square root of a";
            0xF30D F32Add             "F32_ADD"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- a+b";
            0xF30E F32Sub             "F32_SUB"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- a-b";
            0xF30F F32Mul             "F32_MUL"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- a*b";
            0xF310 F32Div             "F32_DIV"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- a/b";
            0xF311 F32Min             "F32_MIN"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- the smaller; NaN if either is NaN; -0 < +0";
            0xF312 F32Max             "F32_MAX"              None   fx(&[F32, F32], &[F32]), Float32 "a b -- the larger; NaN if either is NaN; -0 < +0";
            0xF313 F32Copysign        "F32_COPYSIGN"         None   fx(&[F32, F32], &[F32]), Float32 "a b -- a with the sign bit of b";
            // ---- F64: 0xF4xx ----
            0xF400 F64Eq              "F64_EQ"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a == b (i32 1 or 0; false with NaN unless stated)";
            0xF401 F64Ne              "F64_NE"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a != b (true when either is NaN) (i32 1 or 0; false with NaN unless stated)";
            0xF402 F64Lt              "F64_LT"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a < b (i32 1 or 0; false with NaN unless stated)";
            0xF403 F64Gt              "F64_GT"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a > b (i32 1 or 0; false with NaN unless stated)";
            0xF404 F64Le              "F64_LE"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a <= b (i32 1 or 0; false with NaN unless stated)";
            0xF405 F64Ge              "F64_GE"               None   fx(&[F64, F64], &[I32]), Float64 "a b -- a >= b (i32 1 or 0; false with NaN unless stated)";
            0xF406 F64Abs             "F64_ABS"              None   fx(&[F64], &[F64]), Float64 "a -- |a| (clears the sign bit, NaN payload kept)";
            0xF407 F64Neg             "F64_NEG"              None   fx(&[F64], &[F64]), Float64 "a -- -a (flips the sign bit, NaN payload kept)";
            0xF408 F64Ceil            "F64_CEIL"             None   fx(&[F64], &[F64]), Float64 "a -- a rounded up";
            0xF409 F64Floor           "F64_FLOOR"            None   fx(&[F64], &[F64]), Float64 "a -- a rounded down";
            0xF40A F64Trunc           "F64_TRUNC"            None   fx(&[F64], &[F64]), Float64 "a -- a rounded toward zero";
            0xF40B F64Nearest         "F64_NEAREST"          None   fx(&[F64], &[F64]), Float64 "a -- a rounded to the nearest integer, ties to even";
            0xF40C F64Sqrt            "F64_SQRT"             None   fx(&[F64], &[F64]), Float64 "a -- square root of a";
            0xF40D F64Add             "F64_ADD"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- a+b";
            0xF40E F64Sub             "F64_SUB"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- a-b";
            0xF40F F64Mul             "F64_MUL"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- a*b";
            0xF410 F64Div             "F64_DIV"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- a/b";
            0xF411 F64Min             "F64_MIN"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- the smaller; NaN if either is NaN; -0 < +0";
            0xF412 F64Max             "F64_MAX"              None   fx(&[F64, F64], &[F64]), Float64 "a b -- the larger; NaN if either is NaN; -0 < +0";
            0xF413 F64Copysign        "F64_COPYSIGN"         None   fx(&[F64, F64], &[F64]), Float64 "a b -- a with the sign bit of b";
            // ---- Conversions: 0xF5xx ----
            0xF500 I32WrapI64         "I32_WRAP_I64"         None   fx(&[I64], &[I32]), Conversion "a -- a the low 32 bits";
            0xF501 I32TruncF32S       "I32_TRUNC_F32_S"      None   fx(&[F32], &[I32]), Conversion "a -- a truncated toward zero to a signed i32; traps on NaN or out of range";
            0xF502 I32TruncF32U       "I32_TRUNC_F32_U"      None   fx(&[F32], &[I32]), Conversion "a -- a truncated toward zero to an unsigned i32; traps on NaN or out of range";
            0xF503 I32TruncF64S       "I32_TRUNC_F64_S"      None   fx(&[F64], &[I32]), Conversion "a -- a truncated toward zero to a signed i32; traps on NaN or out of range";
            0xF504 I32TruncF64U       "I32_TRUNC_F64_U"      None   fx(&[F64], &[I32]), Conversion "a -- a truncated toward zero to an unsigned i32; traps on NaN or out of range";
            0xF505 I64ExtendI32S      "I64_EXTEND_I32_S"     None   fx(&[I32], &[I64]), Conversion "a -- a sign-extended to 64 bits";
            0xF506 I64ExtendI32U      "I64_EXTEND_I32_U"     None   fx(&[I32], &[I64]), Conversion "a -- a zero-extended to 64 bits";
            0xF507 I64TruncF32S       "I64_TRUNC_F32_S"      None   fx(&[F32], &[I64]), Conversion "a -- a truncated toward zero to a signed i64; traps on NaN or out of range";
            0xF508 I64TruncF32U       "I64_TRUNC_F32_U"      None   fx(&[F32], &[I64]), Conversion "a -- a truncated toward zero to an unsigned i64; traps on NaN or out of range";
            0xF509 I64TruncF64S       "I64_TRUNC_F64_S"      None   fx(&[F64], &[I64]), Conversion "a -- a truncated toward zero to a signed i64; traps on NaN or out of range";
            0xF50A I64TruncF64U       "I64_TRUNC_F64_U"      None   fx(&[F64], &[I64]), Conversion "a -- a truncated toward zero to an unsigned i64; traps on NaN or out of range";
            0xF50B F32ConvertI32S     "F32_CONVERT_I32_S"    None   fx(&[I32], &[F32]), Conversion "a -- a signed integer to the nearest f32";
            0xF50C F32ConvertI32U     "F32_CONVERT_I32_U"    None   fx(&[I32], &[F32]), Conversion "a -- a unsigned integer to the nearest f32";
            0xF50D F32ConvertI64S     "F32_CONVERT_I64_S"    None   fx(&[I64], &[F32]), Conversion "a -- a signed integer to the nearest f32";
            0xF50E F32ConvertI64U     "F32_CONVERT_I64_U"    None   fx(&[I64], &[F32]), Conversion "a -- a unsigned integer to the nearest f32";
            0xF50F F32DemoteF64       "F32_DEMOTE_F64"       None   fx(&[F64], &[F32]), Conversion "a -- a rounded to the nearest f32";
            0xF510 F64ConvertI32S     "F64_CONVERT_I32_S"    None   fx(&[I32], &[F64]), Conversion "a -- a signed integer to f64 (exact)";
            0xF511 F64ConvertI32U     "F64_CONVERT_I32_U"    None   fx(&[I32], &[F64]), Conversion "a -- a unsigned integer to f64 (exact)";
            0xF512 F64ConvertI64S     "F64_CONVERT_I64_S"    None   fx(&[I64], &[F64]), Conversion "a -- a signed integer to the nearest f64";
            0xF513 F64ConvertI64U     "F64_CONVERT_I64_U"    None   fx(&[I64], &[F64]), Conversion "a -- a unsigned integer to the nearest f64";
            0xF514 F64PromoteF32      "F64_PROMOTE_F32"      None   fx(&[F32], &[F64]), Conversion "a -- a widened to f64 (exact)";
            0xF515 I32ReinterpretF32  "I32_REINTERPRET_F32"  None   fx(&[F32], &[I32]), Conversion "a -- a the same 32 bits as an integer";
            0xF516 I64ReinterpretF64  "I64_REINTERPRET_F64"  None   fx(&[F64], &[I64]), Conversion "a -- a the same 64 bits as an integer";
            0xF517 F32ReinterpretI32  "F32_REINTERPRET_I32"  None   fx(&[I32], &[F32]), Conversion "a -- a the same 32 bits as a float";
            0xF518 F64ReinterpretI64  "F64_REINTERPRET_I64"  None   fx(&[I64], &[F64]), Conversion "a -- a the same 64 bits as a float";
            0xF519 I32TruncSatF32S    "I32_TRUNC_SAT_F32_S"  None   fx(&[F32], &[I32]), Conversion "a -- a truncated to a signed i32, saturating; NaN gives 0";
            0xF51A I32TruncSatF32U    "I32_TRUNC_SAT_F32_U"  None   fx(&[F32], &[I32]), Conversion "a -- a truncated to an unsigned i32, saturating; NaN gives 0";
            0xF51B I32TruncSatF64S    "I32_TRUNC_SAT_F64_S"  None   fx(&[F64], &[I32]), Conversion "a -- a truncated to a signed i32, saturating; NaN gives 0";
            0xF51C I32TruncSatF64U    "I32_TRUNC_SAT_F64_U"  None   fx(&[F64], &[I32]), Conversion "a -- a truncated to an unsigned i32, saturating; NaN gives 0";
            0xF51D I64TruncSatF32S    "I64_TRUNC_SAT_F32_S"  None   fx(&[F32], &[I64]), Conversion "a -- a truncated to a signed i64, saturating; NaN gives 0";
            0xF51E I64TruncSatF32U    "I64_TRUNC_SAT_F32_U"  None   fx(&[F32], &[I64]), Conversion "a -- a truncated to an unsigned i64, saturating; NaN gives 0";
            0xF51F I64TruncSatF64S    "I64_TRUNC_SAT_F64_S"  None   fx(&[F64], &[I64]), Conversion "a -- a truncated to a signed i64, saturating; NaN gives 0";
            0xF520 I64TruncSatF64U    "I64_TRUNC_SAT_F64_U"  None   fx(&[F64], &[I64]), Conversion "a -- a truncated to an unsigned i64, saturating; NaN gives 0";
            // ---- Typed memory and select: 0xF6xx ----
            0xF600 I32Load            "I32_LOAD"             Offset fx(&[W], &[I32]), TypedMemory "addr -- the 32-bit value (LE) at addr+offset";
            0xF601 I64Load            "I64_LOAD"             Offset fx(&[W], &[I64]), TypedMemory "addr -- the 64-bit value (LE) at addr+offset";
            0xF602 F32Load            "F32_LOAD"             Offset fx(&[W], &[F32]), TypedMemory "addr -- the f32 (LE) at addr+offset";
            0xF603 F64Load            "F64_LOAD"             Offset fx(&[W], &[F64]), TypedMemory "addr -- the f64 (LE) at addr+offset";
            0xF604 I32Load8S          "I32_LOAD8_S"          Offset fx(&[W], &[I32]), TypedMemory "addr -- the byte, sign-extended to i32 (LE) at addr+offset";
            0xF605 I32Load8U          "I32_LOAD8_U"          Offset fx(&[W], &[I32]), TypedMemory "addr -- the byte, zero-extended to i32 (LE) at addr+offset";
            0xF606 I32Load16S         "I32_LOAD16_S"         Offset fx(&[W], &[I32]), TypedMemory "addr -- the 16-bit value, sign-extended to i32 (LE) at addr+offset";
            0xF607 I32Load16U         "I32_LOAD16_U"         Offset fx(&[W], &[I32]), TypedMemory "addr -- the 16-bit value, zero-extended to i32 (LE) at addr+offset";
            0xF608 I64Load8S          "I64_LOAD8_S"          Offset fx(&[W], &[I64]), TypedMemory "addr -- the byte, sign-extended to i64 (LE) at addr+offset";
            0xF609 I64Load8U          "I64_LOAD8_U"          Offset fx(&[W], &[I64]), TypedMemory "addr -- the byte, zero-extended to i64 (LE) at addr+offset";
            0xF60A I64Load16S         "I64_LOAD16_S"         Offset fx(&[W], &[I64]), TypedMemory "addr -- the 16-bit value, sign-extended to i64 (LE) at addr+offset";
            0xF60B I64Load16U         "I64_LOAD16_U"         Offset fx(&[W], &[I64]), TypedMemory "addr -- the 16-bit value, zero-extended to i64 (LE) at addr+offset";
            0xF60C I64Load32S         "I64_LOAD32_S"         Offset fx(&[W], &[I64]), TypedMemory "addr -- the 32-bit value, sign-extended to i64 (LE) at addr+offset";
            0xF60D I64Load32U         "I64_LOAD32_U"         Offset fx(&[W], &[I64]), TypedMemory "addr -- the 32-bit value, zero-extended to i64 (LE) at addr+offset";
            0xF60E I32Store           "I32_STORE"            Offset fx(&[W, I32], &[]), TypedMemory "addr v -- store v (LE) at addr+offset";
            0xF60F I64Store           "I64_STORE"            Offset fx(&[W, I64], &[]), TypedMemory "addr v -- store v (LE) at addr+offset";
            0xF610 F32Store           "F32_STORE"            Offset fx(&[W, F32], &[]), TypedMemory "addr v -- store v (LE) at addr+offset";
            0xF611 F64Store           "F64_STORE"            Offset fx(&[W, F64], &[]), TypedMemory "addr v -- store v (LE) at addr+offset";
            0xF612 I32Store8          "I32_STORE8"           Offset fx(&[W, I32], &[]), TypedMemory "addr v -- store the low byte of v (LE) at addr+offset";
            0xF613 I32Store16         "I32_STORE16"          Offset fx(&[W, I32], &[]), TypedMemory "addr v -- store the low 16 bits of v (LE) at addr+offset";
            0xF614 I64Store8          "I64_STORE8"           Offset fx(&[W, I64], &[]), TypedMemory "addr v -- store the low byte of v (LE) at addr+offset";
            0xF615 I64Store16         "I64_STORE16"          Offset fx(&[W, I64], &[]), TypedMemory "addr v -- store the low 16 bits of v (LE) at addr+offset";
            0xF616 I64Store32         "I64_STORE32"          Offset fx(&[W, I64], &[]), TypedMemory "addr v -- store the low 32 bits of v (LE) at addr+offset";
            0xF620 Select             "SELECT"               None   fx(&[W, W, I32], &[W]), TypedMemory "a b c -- a if c is not zero, else b";
            0xF621 Select64           "SELECT64"             None   fx(&[I64, I64, I32], &[I64]), TypedMemory "a b c -- a if c is not zero, else b (i64 or f64 values)";
            // ---- v128 (simd128): 0xFBxx, the second byte is the wasm simd opcode ----
            0xFB00 V128Load                  "V128_LOAD"                     Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load`.";
            0xFB01 V128Load8x8S              "V128_LOAD8X8_S"                Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load8x8_s`.";
            0xFB02 V128Load8x8U              "V128_LOAD8X8_U"                Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load8x8_u`.";
            0xFB03 V128Load16x4S             "V128_LOAD16X4_S"               Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load16x4_s`.";
            0xFB04 V128Load16x4U             "V128_LOAD16X4_U"               Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load16x4_u`.";
            0xFB05 V128Load32x2S             "V128_LOAD32X2_S"               Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load32x2_s`.";
            0xFB06 V128Load32x2U             "V128_LOAD32X2_U"               Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load32x2_u`.";
            0xFB07 V128Load8Splat            "V128_LOAD8_SPLAT"              Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load8_splat`.";
            0xFB08 V128Load16Splat           "V128_LOAD16_SPLAT"             Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load16_splat`.";
            0xFB09 V128Load32Splat           "V128_LOAD32_SPLAT"             Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load32_splat`.";
            0xFB0A V128Load64Splat           "V128_LOAD64_SPLAT"             Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load64_splat`.";
            0xFB0B V128Store                 "V128_STORE"                    Offset  fx(&[W, V128], &[]), Simd "WebAssembly `v128.store`.";
            0xFB0C V128Const                 "V128_CONST"                    V128    fx(&[], &[V128]), Simd "WebAssembly `v128.const`.";
            0xFB0D I8x16Shuffle              "I8X16_SHUFFLE"                 Shuffle fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.shuffle`.";
            0xFB0E I8x16Swizzle              "I8X16_SWIZZLE"                 None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.swizzle`.";
            0xFB0F I8x16Splat                "I8X16_SPLAT"                   None    fx(&[I32], &[V128]), Simd "WebAssembly `i8x16.splat`.";
            0xFB10 I16x8Splat                "I16X8_SPLAT"                   None    fx(&[I32], &[V128]), Simd "WebAssembly `i16x8.splat`.";
            0xFB11 I32x4Splat                "I32X4_SPLAT"                   None    fx(&[I32], &[V128]), Simd "WebAssembly `i32x4.splat`.";
            0xFB12 I64x2Splat                "I64X2_SPLAT"                   None    fx(&[I64], &[V128]), Simd "WebAssembly `i64x2.splat`.";
            0xFB13 F32x4Splat                "F32X4_SPLAT"                   None    fx(&[F32], &[V128]), Simd "WebAssembly `f32x4.splat`.";
            0xFB14 F64x2Splat                "F64X2_SPLAT"                   None    fx(&[F64], &[V128]), Simd "WebAssembly `f64x2.splat`.";
            0xFB15 I8x16ExtractLaneS         "I8X16_EXTRACT_LANE_S"          Lane    fx(&[V128], &[I32]), Simd "WebAssembly `i8x16.extract_lane_s`.";
            0xFB16 I8x16ExtractLaneU         "I8X16_EXTRACT_LANE_U"          Lane    fx(&[V128], &[I32]), Simd "WebAssembly `i8x16.extract_lane_u`.";
            0xFB17 I8x16ReplaceLane          "I8X16_REPLACE_LANE"            Lane    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i8x16.replace_lane`.";
            0xFB18 I16x8ExtractLaneS         "I16X8_EXTRACT_LANE_S"          Lane    fx(&[V128], &[I32]), Simd "WebAssembly `i16x8.extract_lane_s`.";
            0xFB19 I16x8ExtractLaneU         "I16X8_EXTRACT_LANE_U"          Lane    fx(&[V128], &[I32]), Simd "WebAssembly `i16x8.extract_lane_u`.";
            0xFB1A I16x8ReplaceLane          "I16X8_REPLACE_LANE"            Lane    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i16x8.replace_lane`.";
            0xFB1B I32x4ExtractLane          "I32X4_EXTRACT_LANE"            Lane    fx(&[V128], &[I32]), Simd "WebAssembly `i32x4.extract_lane`.";
            0xFB1C I32x4ReplaceLane          "I32X4_REPLACE_LANE"            Lane    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i32x4.replace_lane`.";
            0xFB1D I64x2ExtractLane          "I64X2_EXTRACT_LANE"            Lane    fx(&[V128], &[I64]), Simd "WebAssembly `i64x2.extract_lane`.";
            0xFB1E I64x2ReplaceLane          "I64X2_REPLACE_LANE"            Lane    fx(&[V128, I64], &[V128]), Simd "WebAssembly `i64x2.replace_lane`.";
            0xFB1F F32x4ExtractLane          "F32X4_EXTRACT_LANE"            Lane    fx(&[V128], &[F32]), Simd "WebAssembly `f32x4.extract_lane`.";
            0xFB20 F32x4ReplaceLane          "F32X4_REPLACE_LANE"            Lane    fx(&[V128, F32], &[V128]), Simd "WebAssembly `f32x4.replace_lane`.";
            0xFB21 F64x2ExtractLane          "F64X2_EXTRACT_LANE"            Lane    fx(&[V128], &[F64]), Simd "WebAssembly `f64x2.extract_lane`.";
            0xFB22 F64x2ReplaceLane          "F64X2_REPLACE_LANE"            Lane    fx(&[V128, F64], &[V128]), Simd "WebAssembly `f64x2.replace_lane`.";
            0xFB23 I8x16Eq                   "I8X16_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.eq`.";
            0xFB24 I8x16Ne                   "I8X16_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.ne`.";
            0xFB25 I8x16LtS                  "I8X16_LT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.lt_s`.";
            0xFB26 I8x16LtU                  "I8X16_LT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.lt_u`.";
            0xFB27 I8x16GtS                  "I8X16_GT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.gt_s`.";
            0xFB28 I8x16GtU                  "I8X16_GT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.gt_u`.";
            0xFB29 I8x16LeS                  "I8X16_LE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.le_s`.";
            0xFB2A I8x16LeU                  "I8X16_LE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.le_u`.";
            0xFB2B I8x16GeS                  "I8X16_GE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.ge_s`.";
            0xFB2C I8x16GeU                  "I8X16_GE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.ge_u`.";
            0xFB2D I16x8Eq                   "I16X8_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.eq`.";
            0xFB2E I16x8Ne                   "I16X8_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.ne`.";
            0xFB2F I16x8LtS                  "I16X8_LT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.lt_s`.";
            0xFB30 I16x8LtU                  "I16X8_LT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.lt_u`.";
            0xFB31 I16x8GtS                  "I16X8_GT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.gt_s`.";
            0xFB32 I16x8GtU                  "I16X8_GT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.gt_u`.";
            0xFB33 I16x8LeS                  "I16X8_LE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.le_s`.";
            0xFB34 I16x8LeU                  "I16X8_LE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.le_u`.";
            0xFB35 I16x8GeS                  "I16X8_GE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.ge_s`.";
            0xFB36 I16x8GeU                  "I16X8_GE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.ge_u`.";
            0xFB37 I32x4Eq                   "I32X4_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.eq`.";
            0xFB38 I32x4Ne                   "I32X4_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.ne`.";
            0xFB39 I32x4LtS                  "I32X4_LT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.lt_s`.";
            0xFB3A I32x4LtU                  "I32X4_LT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.lt_u`.";
            0xFB3B I32x4GtS                  "I32X4_GT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.gt_s`.";
            0xFB3C I32x4GtU                  "I32X4_GT_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.gt_u`.";
            0xFB3D I32x4LeS                  "I32X4_LE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.le_s`.";
            0xFB3E I32x4LeU                  "I32X4_LE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.le_u`.";
            0xFB3F I32x4GeS                  "I32X4_GE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.ge_s`.";
            0xFB40 I32x4GeU                  "I32X4_GE_U"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.ge_u`.";
            0xFB41 F32x4Eq                   "F32X4_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.eq`.";
            0xFB42 F32x4Ne                   "F32X4_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.ne`.";
            0xFB43 F32x4Lt                   "F32X4_LT"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.lt`.";
            0xFB44 F32x4Gt                   "F32X4_GT"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.gt`.";
            0xFB45 F32x4Le                   "F32X4_LE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.le`.";
            0xFB46 F32x4Ge                   "F32X4_GE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.ge`.";
            0xFB47 F64x2Eq                   "F64X2_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.eq`.";
            0xFB48 F64x2Ne                   "F64X2_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.ne`.";
            0xFB49 F64x2Lt                   "F64X2_LT"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.lt`.";
            0xFB4A F64x2Gt                   "F64X2_GT"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.gt`.";
            0xFB4B F64x2Le                   "F64X2_LE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.le`.";
            0xFB4C F64x2Ge                   "F64X2_GE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.ge`.";
            0xFB4D V128Not                   "V128_NOT"                      None    fx(&[V128], &[V128]), Simd "WebAssembly `v128.not`.";
            0xFB4E V128And                   "V128_AND"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `v128.and`.";
            0xFB4F V128AndNot                "V128_ANDNOT"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `v128.andnot`.";
            0xFB50 V128Or                    "V128_OR"                       None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `v128.or`.";
            0xFB51 V128Xor                   "V128_XOR"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `v128.xor`.";
            0xFB52 V128Bitselect             "V128_BITSELECT"                None    fx(&[V128, V128, V128], &[V128]), Simd "WebAssembly `v128.bitselect`.";
            0xFB53 V128AnyTrue               "V128_ANY_TRUE"                 None    fx(&[V128], &[I32]), Simd "WebAssembly `v128.any_true`.";
            0xFB54 V128Load8Lane             "V128_LOAD8_LANE"               MemLane fx(&[W, V128], &[V128]), Simd "WebAssembly `v128.load8_lane`.";
            0xFB55 V128Load16Lane            "V128_LOAD16_LANE"              MemLane fx(&[W, V128], &[V128]), Simd "WebAssembly `v128.load16_lane`.";
            0xFB56 V128Load32Lane            "V128_LOAD32_LANE"              MemLane fx(&[W, V128], &[V128]), Simd "WebAssembly `v128.load32_lane`.";
            0xFB57 V128Load64Lane            "V128_LOAD64_LANE"              MemLane fx(&[W, V128], &[V128]), Simd "WebAssembly `v128.load64_lane`.";
            0xFB58 V128Store8Lane            "V128_STORE8_LANE"              MemLane fx(&[W, V128], &[]), Simd "WebAssembly `v128.store8_lane`.";
            0xFB59 V128Store16Lane           "V128_STORE16_LANE"             MemLane fx(&[W, V128], &[]), Simd "WebAssembly `v128.store16_lane`.";
            0xFB5A V128Store32Lane           "V128_STORE32_LANE"             MemLane fx(&[W, V128], &[]), Simd "WebAssembly `v128.store32_lane`.";
            0xFB5B V128Store64Lane           "V128_STORE64_LANE"             MemLane fx(&[W, V128], &[]), Simd "WebAssembly `v128.store64_lane`.";
            0xFB5C V128Load32Zero            "V128_LOAD32_ZERO"              Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load32_zero`.";
            0xFB5D V128Load64Zero            "V128_LOAD64_ZERO"              Offset  fx(&[W], &[V128]), Simd "WebAssembly `v128.load64_zero`.";
            0xFB5E F32x4DemoteF64x2Zero      "F32X4_DEMOTE_F64X2_ZERO"       None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.demote_f64x2_zero`.";
            0xFB5F F64x2PromoteLowF32x4      "F64X2_PROMOTE_LOW_F32X4"       None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.promote_low_f32x4`.";
            0xFB60 I8x16Abs                  "I8X16_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i8x16.abs`.";
            0xFB61 I8x16Neg                  "I8X16_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i8x16.neg`.";
            0xFB62 I8x16Popcnt               "I8X16_POPCNT"                  None    fx(&[V128], &[V128]), Simd "WebAssembly `i8x16.popcnt`.";
            0xFB63 I8x16AllTrue              "I8X16_ALL_TRUE"                None    fx(&[V128], &[I32]), Simd "WebAssembly `i8x16.all_true`.";
            0xFB64 I8x16Bitmask              "I8X16_BITMASK"                 None    fx(&[V128], &[I32]), Simd "WebAssembly `i8x16.bitmask`.";
            0xFB65 I8x16NarrowI16x8S         "I8X16_NARROW_I16X8_S"          None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.narrow_i16x8_s`.";
            0xFB66 I8x16NarrowI16x8U         "I8X16_NARROW_I16X8_U"          None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.narrow_i16x8_u`.";
            0xFB67 F32x4Ceil                 "F32X4_CEIL"                    None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.ceil`.";
            0xFB68 F32x4Floor                "F32X4_FLOOR"                   None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.floor`.";
            0xFB69 F32x4Trunc                "F32X4_TRUNC"                   None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.trunc`.";
            0xFB6A F32x4Nearest              "F32X4_NEAREST"                 None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.nearest`.";
            0xFB6B I8x16Shl                  "I8X16_SHL"                     None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i8x16.shl`.";
            0xFB6C I8x16ShrS                 "I8X16_SHR_S"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i8x16.shr_s`.";
            0xFB6D I8x16ShrU                 "I8X16_SHR_U"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i8x16.shr_u`.";
            0xFB6E I8x16Add                  "I8X16_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.add`.";
            0xFB6F I8x16AddSatS              "I8X16_ADD_SAT_S"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.add_sat_s`.";
            0xFB70 I8x16AddSatU              "I8X16_ADD_SAT_U"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.add_sat_u`.";
            0xFB71 I8x16Sub                  "I8X16_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.sub`.";
            0xFB72 I8x16SubSatS              "I8X16_SUB_SAT_S"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.sub_sat_s`.";
            0xFB73 I8x16SubSatU              "I8X16_SUB_SAT_U"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.sub_sat_u`.";
            0xFB74 F64x2Ceil                 "F64X2_CEIL"                    None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.ceil`.";
            0xFB75 F64x2Floor                "F64X2_FLOOR"                   None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.floor`.";
            0xFB76 I8x16MinS                 "I8X16_MIN_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.min_s`.";
            0xFB77 I8x16MinU                 "I8X16_MIN_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.min_u`.";
            0xFB78 I8x16MaxS                 "I8X16_MAX_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.max_s`.";
            0xFB79 I8x16MaxU                 "I8X16_MAX_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.max_u`.";
            0xFB7A F64x2Trunc                "F64X2_TRUNC"                   None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.trunc`.";
            0xFB7B I8x16AvgrU                "I8X16_AVGR_U"                  None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i8x16.avgr_u`.";
            0xFB7C I16x8ExtAddPairwiseI8x16S "I16X8_EXTADD_PAIRWISE_I8X16_S" None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extadd_pairwise_i8x16_s`.";
            0xFB7D I16x8ExtAddPairwiseI8x16U "I16X8_EXTADD_PAIRWISE_I8X16_U" None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extadd_pairwise_i8x16_u`.";
            0xFB7E I32x4ExtAddPairwiseI16x8S "I32X4_EXTADD_PAIRWISE_I16X8_S" None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extadd_pairwise_i16x8_s`.";
            0xFB7F I32x4ExtAddPairwiseI16x8U "I32X4_EXTADD_PAIRWISE_I16X8_U" None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extadd_pairwise_i16x8_u`.";
            0xFB80 I16x8Abs                  "I16X8_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.abs`.";
            0xFB81 I16x8Neg                  "I16X8_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.neg`.";
            0xFB82 I16x8Q15MulrSatS          "I16X8_Q15MULR_SAT_S"           None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.q15mulr_sat_s`.";
            0xFB83 I16x8AllTrue              "I16X8_ALL_TRUE"                None    fx(&[V128], &[I32]), Simd "WebAssembly `i16x8.all_true`.";
            0xFB84 I16x8Bitmask              "I16X8_BITMASK"                 None    fx(&[V128], &[I32]), Simd "WebAssembly `i16x8.bitmask`.";
            0xFB85 I16x8NarrowI32x4S         "I16X8_NARROW_I32X4_S"          None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.narrow_i32x4_s`.";
            0xFB86 I16x8NarrowI32x4U         "I16X8_NARROW_I32X4_U"          None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.narrow_i32x4_u`.";
            0xFB87 I16x8ExtendLowI8x16S      "I16X8_EXTEND_LOW_I8X16_S"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extend_low_i8x16_s`.";
            0xFB88 I16x8ExtendHighI8x16S     "I16X8_EXTEND_HIGH_I8X16_S"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extend_high_i8x16_s`.";
            0xFB89 I16x8ExtendLowI8x16U      "I16X8_EXTEND_LOW_I8X16_U"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extend_low_i8x16_u`.";
            0xFB8A I16x8ExtendHighI8x16U     "I16X8_EXTEND_HIGH_I8X16_U"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i16x8.extend_high_i8x16_u`.";
            0xFB8B I16x8Shl                  "I16X8_SHL"                     None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i16x8.shl`.";
            0xFB8C I16x8ShrS                 "I16X8_SHR_S"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i16x8.shr_s`.";
            0xFB8D I16x8ShrU                 "I16X8_SHR_U"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i16x8.shr_u`.";
            0xFB8E I16x8Add                  "I16X8_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.add`.";
            0xFB8F I16x8AddSatS              "I16X8_ADD_SAT_S"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.add_sat_s`.";
            0xFB90 I16x8AddSatU              "I16X8_ADD_SAT_U"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.add_sat_u`.";
            0xFB91 I16x8Sub                  "I16X8_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.sub`.";
            0xFB92 I16x8SubSatS              "I16X8_SUB_SAT_S"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.sub_sat_s`.";
            0xFB93 I16x8SubSatU              "I16X8_SUB_SAT_U"               None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.sub_sat_u`.";
            0xFB94 F64x2Nearest              "F64X2_NEAREST"                 None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.nearest`.";
            0xFB95 I16x8Mul                  "I16X8_MUL"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.mul`.";
            0xFB96 I16x8MinS                 "I16X8_MIN_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.min_s`.";
            0xFB97 I16x8MinU                 "I16X8_MIN_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.min_u`.";
            0xFB98 I16x8MaxS                 "I16X8_MAX_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.max_s`.";
            0xFB99 I16x8MaxU                 "I16X8_MAX_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.max_u`.";
            0xFB9B I16x8AvgrU                "I16X8_AVGR_U"                  None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.avgr_u`.";
            0xFB9C I16x8ExtMulLowI8x16S      "I16X8_EXTMUL_LOW_I8X16_S"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.extmul_low_i8x16_s`.";
            0xFB9D I16x8ExtMulHighI8x16S     "I16X8_EXTMUL_HIGH_I8X16_S"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.extmul_high_i8x16_s`.";
            0xFB9E I16x8ExtMulLowI8x16U      "I16X8_EXTMUL_LOW_I8X16_U"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.extmul_low_i8x16_u`.";
            0xFB9F I16x8ExtMulHighI8x16U     "I16X8_EXTMUL_HIGH_I8X16_U"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i16x8.extmul_high_i8x16_u`.";
            0xFBA0 I32x4Abs                  "I32X4_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.abs`.";
            0xFBA1 I32x4Neg                  "I32X4_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.neg`.";
            0xFBA3 I32x4AllTrue              "I32X4_ALL_TRUE"                None    fx(&[V128], &[I32]), Simd "WebAssembly `i32x4.all_true`.";
            0xFBA4 I32x4Bitmask              "I32X4_BITMASK"                 None    fx(&[V128], &[I32]), Simd "WebAssembly `i32x4.bitmask`.";
            0xFBA7 I32x4ExtendLowI16x8S      "I32X4_EXTEND_LOW_I16X8_S"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extend_low_i16x8_s`.";
            0xFBA8 I32x4ExtendHighI16x8S     "I32X4_EXTEND_HIGH_I16X8_S"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extend_high_i16x8_s`.";
            0xFBA9 I32x4ExtendLowI16x8U      "I32X4_EXTEND_LOW_I16X8_U"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extend_low_i16x8_u`.";
            0xFBAA I32x4ExtendHighI16x8U     "I32X4_EXTEND_HIGH_I16X8_U"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.extend_high_i16x8_u`.";
            0xFBAB I32x4Shl                  "I32X4_SHL"                     None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i32x4.shl`.";
            0xFBAC I32x4ShrS                 "I32X4_SHR_S"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i32x4.shr_s`.";
            0xFBAD I32x4ShrU                 "I32X4_SHR_U"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i32x4.shr_u`.";
            0xFBAE I32x4Add                  "I32X4_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.add`.";
            0xFBB1 I32x4Sub                  "I32X4_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.sub`.";
            0xFBB5 I32x4Mul                  "I32X4_MUL"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.mul`.";
            0xFBB6 I32x4MinS                 "I32X4_MIN_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.min_s`.";
            0xFBB7 I32x4MinU                 "I32X4_MIN_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.min_u`.";
            0xFBB8 I32x4MaxS                 "I32X4_MAX_S"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.max_s`.";
            0xFBB9 I32x4MaxU                 "I32X4_MAX_U"                   None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.max_u`.";
            0xFBBA I32x4DotI16x8S            "I32X4_DOT_I16X8_S"             None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.dot_i16x8_s`.";
            0xFBBC I32x4ExtMulLowI16x8S      "I32X4_EXTMUL_LOW_I16X8_S"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.extmul_low_i16x8_s`.";
            0xFBBD I32x4ExtMulHighI16x8S     "I32X4_EXTMUL_HIGH_I16X8_S"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.extmul_high_i16x8_s`.";
            0xFBBE I32x4ExtMulLowI16x8U      "I32X4_EXTMUL_LOW_I16X8_U"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.extmul_low_i16x8_u`.";
            0xFBBF I32x4ExtMulHighI16x8U     "I32X4_EXTMUL_HIGH_I16X8_U"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i32x4.extmul_high_i16x8_u`.";
            0xFBC0 I64x2Abs                  "I64X2_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.abs`.";
            0xFBC1 I64x2Neg                  "I64X2_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.neg`.";
            0xFBC3 I64x2AllTrue              "I64X2_ALL_TRUE"                None    fx(&[V128], &[I32]), Simd "WebAssembly `i64x2.all_true`.";
            0xFBC4 I64x2Bitmask              "I64X2_BITMASK"                 None    fx(&[V128], &[I32]), Simd "WebAssembly `i64x2.bitmask`.";
            0xFBC7 I64x2ExtendLowI32x4S      "I64X2_EXTEND_LOW_I32X4_S"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.extend_low_i32x4_s`.";
            0xFBC8 I64x2ExtendHighI32x4S     "I64X2_EXTEND_HIGH_I32X4_S"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.extend_high_i32x4_s`.";
            0xFBC9 I64x2ExtendLowI32x4U      "I64X2_EXTEND_LOW_I32X4_U"      None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.extend_low_i32x4_u`.";
            0xFBCA I64x2ExtendHighI32x4U     "I64X2_EXTEND_HIGH_I32X4_U"     None    fx(&[V128], &[V128]), Simd "WebAssembly `i64x2.extend_high_i32x4_u`.";
            0xFBCB I64x2Shl                  "I64X2_SHL"                     None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i64x2.shl`.";
            0xFBCC I64x2ShrS                 "I64X2_SHR_S"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i64x2.shr_s`.";
            0xFBCD I64x2ShrU                 "I64X2_SHR_U"                   None    fx(&[V128, I32], &[V128]), Simd "WebAssembly `i64x2.shr_u`.";
            0xFBCE I64x2Add                  "I64X2_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.add`.";
            0xFBD1 I64x2Sub                  "I64X2_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.sub`.";
            0xFBD5 I64x2Mul                  "I64X2_MUL"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.mul`.";
            0xFBD6 I64x2Eq                   "I64X2_EQ"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.eq`.";
            0xFBD7 I64x2Ne                   "I64X2_NE"                      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.ne`.";
            0xFBD8 I64x2LtS                  "I64X2_LT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.lt_s`.";
            0xFBD9 I64x2GtS                  "I64X2_GT_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.gt_s`.";
            0xFBDA I64x2LeS                  "I64X2_LE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.le_s`.";
            0xFBDB I64x2GeS                  "I64X2_GE_S"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.ge_s`.";
            0xFBDC I64x2ExtMulLowI32x4S      "I64X2_EXTMUL_LOW_I32X4_S"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.extmul_low_i32x4_s`.";
            0xFBDD I64x2ExtMulHighI32x4S     "I64X2_EXTMUL_HIGH_I32X4_S"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.extmul_high_i32x4_s`.";
            0xFBDE I64x2ExtMulLowI32x4U      "I64X2_EXTMUL_LOW_I32X4_U"      None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.extmul_low_i32x4_u`.";
            0xFBDF I64x2ExtMulHighI32x4U     "I64X2_EXTMUL_HIGH_I32X4_U"     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `i64x2.extmul_high_i32x4_u`.";
            0xFBE0 F32x4Abs                  "F32X4_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.abs`.";
            0xFBE1 F32x4Neg                  "F32X4_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.neg`.";
            0xFBE3 F32x4Sqrt                 "F32X4_SQRT"                    None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.sqrt`.";
            0xFBE4 F32x4Add                  "F32X4_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.add`.";
            0xFBE5 F32x4Sub                  "F32X4_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.sub`.";
            0xFBE6 F32x4Mul                  "F32X4_MUL"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.mul`.";
            0xFBE7 F32x4Div                  "F32X4_DIV"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.div`.";
            0xFBE8 F32x4Min                  "F32X4_MIN"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.min`.";
            0xFBE9 F32x4Max                  "F32X4_MAX"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.max`.";
            0xFBEA F32x4PMin                 "F32X4_PMIN"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.pmin`.";
            0xFBEB F32x4PMax                 "F32X4_PMAX"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f32x4.pmax`.";
            0xFBEC F64x2Abs                  "F64X2_ABS"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.abs`.";
            0xFBED F64x2Neg                  "F64X2_NEG"                     None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.neg`.";
            0xFBEF F64x2Sqrt                 "F64X2_SQRT"                    None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.sqrt`.";
            0xFBF0 F64x2Add                  "F64X2_ADD"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.add`.";
            0xFBF1 F64x2Sub                  "F64X2_SUB"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.sub`.";
            0xFBF2 F64x2Mul                  "F64X2_MUL"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.mul`.";
            0xFBF3 F64x2Div                  "F64X2_DIV"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.div`.";
            0xFBF4 F64x2Min                  "F64X2_MIN"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.min`.";
            0xFBF5 F64x2Max                  "F64X2_MAX"                     None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.max`.";
            0xFBF6 F64x2PMin                 "F64X2_PMIN"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.pmin`.";
            0xFBF7 F64x2PMax                 "F64X2_PMAX"                    None    fx(&[V128, V128], &[V128]), Simd "WebAssembly `f64x2.pmax`.";
            0xFBF8 I32x4TruncSatF32x4S       "I32X4_TRUNC_SAT_F32X4_S"       None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.trunc_sat_f32x4_s`.";
            0xFBF9 I32x4TruncSatF32x4U       "I32X4_TRUNC_SAT_F32X4_U"       None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.trunc_sat_f32x4_u`.";
            0xFBFA F32x4ConvertI32x4S        "F32X4_CONVERT_I32X4_S"         None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.convert_i32x4_s`.";
            0xFBFB F32x4ConvertI32x4U        "F32X4_CONVERT_I32X4_U"         None    fx(&[V128], &[V128]), Simd "WebAssembly `f32x4.convert_i32x4_u`.";
            0xFBFC I32x4TruncSatF64x2SZero   "I32X4_TRUNC_SAT_F64X2_S_ZERO"  None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.trunc_sat_f64x2_s_zero`.";
            0xFBFD I32x4TruncSatF64x2UZero   "I32X4_TRUNC_SAT_F64X2_U_ZERO"  None    fx(&[V128], &[V128]), Simd "WebAssembly `i32x4.trunc_sat_f64x2_u_zero`.";
            0xFBFE F64x2ConvertLowI32x4S     "F64X2_CONVERT_LOW_I32X4_S"     None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.convert_low_i32x4_s`.";
            0xFBFF F64x2ConvertLowI32x4U     "F64X2_CONVERT_LOW_I32X4_U"     None    fx(&[V128], &[V128]), Simd "WebAssembly `f64x2.convert_low_i32x4_u`.";
            // ---- Database: 0xF8xx (see docs/state.md; pointers and lengths are words) ----
            0xF800 DbGet     "DB_GET"      None   fx(&[W, W, W, W, W, W], &[W, W]), Database "coll clen key klen buf cap -- len status: copy the value to buf when it fits (else BUFFER_TOO_SMALL with the length needed; NOT_FOUND with 0).";
            0xF801 DbPut     "DB_PUT"      None   fx(&[W, W, W, W, W, W], &[W]), Database "coll clen key klen val vlen -- status: store the value under the key.";
            0xF802 DbDelete  "DB_DELETE"   None   fx(&[W, W, W, W], &[W]), Database "coll clen key klen -- status: remove the key (NOT_FOUND when absent).";
            0xF803 DbCount   "DB_COUNT"    None   fx(&[W, W, W, W], &[W, W]), Database "coll clen query qlen -- count status: how many entries DB_QUERY would return.";
            0xF804 DbQuery   "DB_QUERY"    None   fx(&[W, W, W, W, W, W], &[W, W, W]), Database "coll clen query qlen buf cap -- count len status: write the selected entries (u32 key length, key, u32 value length, value each) to buf when they all fit.";
            0xF805 DbSavepoint "DB_SAVEPOINT" None fx(&[], &[W]), Database "-- id: open a savepoint in the run's transaction.";
            0xF806 DbRollbackTo "DB_ROLLBACK_TO" None fx(&[W], &[W]), Database "id -- status: undo the writes made since the savepoint (which stays open; later ones close).";
            0xF807 DbRelease "DB_RELEASE"  None   fx(&[W], &[W]), Database "id -- status: close the savepoint and later ones, keeping their writes.";
            // ---- Cryptography: 0xF900..0xF9FF (status codes and sizes: docs/crypto.md) ----
            0xF900 Hash      "HASH"      Selector:Hash       fx(&[W, W, W], &[]), Crypto "src len dst -- write the digest of the len bytes at src to dst.";
            0xF901 Keygen    "KEYGEN"    Selector:KeyGen     fx(&[W, W], &[W]), Crypto "seed pk -- status: derive the key pair of the 32-byte seed (the seed is the secret key) and write the public key to pk.";
            0xF902 Sign      "SIGN"      Selector:Signature  fx(&[W, W, W, W], &[W]), Crypto "sk msg len sig -- status: sign the len bytes at msg with the 32-byte secret key at sk, writing the signature to sig.";
            0xF903 Verify    "VERIFY"    Selector:Signature  fx(&[W, W, W, W, W, W], &[W]), Crypto "pk pk_len msg len sig sig_len -- ok: 1 for a valid signature, 0 for a bad signature, key or length (never traps on their contents).";
            0xF904 Recover   "RECOVER"   Selector:Recovery   fx(&[W, W, W, W], &[W]), Crypto "msg len sig pk -- status: recover the signer's public key from a 65-byte recoverable signature and write it to pk.";
            0xF905 Encrypt   "ENCRYPT"   Selector:Aead       fx(&[W, W, W, W, W, W, W], &[W]), Crypto "key nonce ad ad_len src len dst -- status: encrypt len bytes, writing ciphertext and 16-byte tag (len + 16 bytes) to dst.";
            0xF906 Decrypt   "DECRYPT"   Selector:Aead       fx(&[W, W, W, W, W, W, W], &[W]), Crypto "key nonce ad ad_len src len dst -- status: authenticate and decrypt len bytes of ciphertext and tag, writing len - 16 bytes to dst only when authentic.";
            0xF907 Seal      "SEAL"      None                fx(&[W, W, W, W], &[W]), Crypto "pk src len dst -- status: sealed box to an X25519 public key, writing 48 + len bytes to dst (needs randomness).";
            0xF908 Open      "OPEN"      None                fx(&[W, W, W, W], &[W]), Crypto "sk src len dst -- status: open a sealed box with the X25519 secret key, writing len - 48 bytes to dst only when authentic.";
            0xF909 Random    "RANDOM"    None                fx(&[W, W], &[W]), Crypto "dst len -- status: fill len bytes with secure (or, when the embedder says so, seeded) random bytes.";
            // ---- Word lanes: 0xFCxx (the word as lanes of 8..64 bits: docs/vectors.md) ----
            0xFC00 LanesAdd      "LANES_ADD"       Lanes fx(&[W, W], &[W]), Lanes "a b -- a+b in every lane (wrapping).";
            0xFC01 LanesSub      "LANES_SUB"       Lanes fx(&[W, W], &[W]), Lanes "a b -- a-b in every lane (wrapping).";
            0xFC02 LanesMul      "LANES_MUL"       Lanes fx(&[W, W], &[W]), Lanes "a b -- a*b in every lane (wrapping: the low lane bits of the product).";
            0xFC03 LanesMinS     "LANES_MIN_S"     Lanes fx(&[W, W], &[W]), Lanes "a b -- the signed minimum in every lane.";
            0xFC04 LanesMinU     "LANES_MIN_U"     Lanes fx(&[W, W], &[W]), Lanes "a b -- the unsigned minimum in every lane.";
            0xFC05 LanesMaxS     "LANES_MAX_S"     Lanes fx(&[W, W], &[W]), Lanes "a b -- the signed maximum in every lane.";
            0xFC06 LanesMaxU     "LANES_MAX_U"     Lanes fx(&[W, W], &[W]), Lanes "a b -- the unsigned maximum in every lane.";
            0xFC08 LanesShl      "LANES_SHL"       Lanes fx(&[W, W], &[W]), Lanes "a n -- every lane shifted left by n mod the lane bits.";
            0xFC09 LanesShrS     "LANES_SHR_S"     Lanes fx(&[W, W], &[W]), Lanes "a n -- every lane shifted right arithmetically by n mod the lane bits.";
            0xFC0A LanesShrU     "LANES_SHR_U"     Lanes fx(&[W, W], &[W]), Lanes "a n -- every lane shifted right logically by n mod the lane bits.";
            0xFC10 LanesEq       "LANES_EQ"        Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a = b, else zero.";
            0xFC11 LanesNe       "LANES_NE"        Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a != b, else zero.";
            0xFC12 LanesLtS      "LANES_LT_S"      Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a < b (signed), else zero.";
            0xFC13 LanesLtU      "LANES_LT_U"      Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a < b (unsigned), else zero.";
            0xFC14 LanesGtS      "LANES_GT_S"      Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a > b (signed), else zero.";
            0xFC15 LanesGtU      "LANES_GT_U"      Lanes fx(&[W, W], &[W]), Lanes "a b -- per lane: all ones where a > b (unsigned), else zero.";
            0xFC18 LanesSplat    "LANES_SPLAT"     Lanes fx(&[W], &[W]), Lanes "x -- every lane set to the low lane bits of x.";
            0xFC19 LanesSum      "LANES_SUM"       Lanes fx(&[W], &[W]), Lanes "a -- the sum of the unsigned lanes as a word (wrapping).";
            0xFC1A LanesExtractU "LANES_EXTRACT_U" WordLane fx(&[W], &[W]), Lanes "a -- lane i of a, zero-extended to the word.";
            0xFC1B LanesExtractS "LANES_EXTRACT_S" WordLane fx(&[W], &[W]), Lanes "a -- lane i of a, sign-extended to the word.";
            0xFC1C LanesInsert   "LANES_INSERT"    WordLane fx(&[W, W], &[W]), Lanes "a x -- a with lane i replaced by the low lane bits of x.";
            // ---- BigInt: 0xFA00..0xFAFF (handles and fuel: docs/crypto.md) ----
            0xFA00 BigFromWord  "BIGINT_FROM_WORD"   None fx(&[W], &[W]), BigInt "w -- h: the unsigned word as a BigInt.";
            0xFA01 BigFromWordS "BIGINT_FROM_WORD_S" None fx(&[W], &[W]), BigInt "w -- h: the signed (two's complement) word as a BigInt.";
            0xFA02 BigToWord    "BIGINT_TO_WORD"     None fx(&[W], &[W]), BigInt "h -- w: the low word of the value in two's complement (wrapping).";
            0xFA03 BigFromBytes "BIGINT_FROM_BYTES"  Selector:ByteFormat  fx(&[W, W], &[W]), BigInt "src len -- h: the value of len bytes in the given format.";
            0xFA04 BigToBytes   "BIGINT_TO_BYTES"    Selector:ByteFormat  fx(&[W, W, W], &[W]), BigInt "h dst cap -- n: the value's minimal encoding is n bytes; written to dst only when n <= cap.";
            0xFA05 BigFromDec   "BIGINT_FROM_DEC"    None fx(&[W, W], &[W]), BigInt "src len -- h: parse an optionally signed decimal string; 0 when it is not one.";
            0xFA06 BigToDec     "BIGINT_TO_DEC"      None fx(&[W, W, W], &[W]), BigInt "h dst cap -- n: the decimal text is n bytes; written to dst only when n <= cap.";
            0xFA10 BigAdd       "BIGINT_ADD"         None fx(&[W, W], &[W]), BigInt "a b -- a+b";
            0xFA11 BigSub       "BIGINT_SUB"         None fx(&[W, W], &[W]), BigInt "a b -- a-b";
            0xFA12 BigMul       "BIGINT_MUL"         None fx(&[W, W], &[W]), BigInt "a b -- a*b";
            0xFA13 BigDiv       "BIGINT_DIV"         None fx(&[W, W], &[W]), BigInt "a b -- a/b rounded toward zero; traps on b = 0.";
            0xFA14 BigRem       "BIGINT_REM"         None fx(&[W, W], &[W]), BigInt "a b -- remainder of BIGINT_DIV (sign of a); traps on b = 0.";
            0xFA15 BigDivFloor  "BIGINT_DIV_FLOOR"   None fx(&[W, W], &[W]), BigInt "a b -- a/b rounded toward negative infinity; traps on b = 0.";
            0xFA16 BigModFloor  "BIGINT_MOD_FLOOR"   None fx(&[W, W], &[W]), BigInt "a b -- remainder of BIGINT_DIV_FLOOR (sign of b); traps on b = 0.";
            0xFA17 BigNeg       "BIGINT_NEG"         None fx(&[W], &[W]), BigInt "a -- -a";
            0xFA18 BigAbs       "BIGINT_ABS"         None fx(&[W], &[W]), BigInt "a -- |a|";
            0xFA19 BigPow       "BIGINT_POW"         None fx(&[W, W], &[W]), BigInt "a e -- a to the power of the unsigned word e.";
            0xFA1A BigModPow    "BIGINT_MODPOW"      None fx(&[W, W, W], &[W]), BigInt "a e m -- a^e mod m (in [0, m) for m > 0); a negative e uses the inverse (0 when none); traps on m = 0.";
            0xFA1B BigModInv    "BIGINT_MODINV"      None fx(&[W, W], &[W]), BigInt "a m -- the inverse of a modulo m, or 0 when there is none; traps on m = 0.";
            0xFA1C BigGcd       "BIGINT_GCD"         None fx(&[W, W], &[W]), BigInt "a b -- greatest common divisor (non-negative).";
            0xFA20 BigCmp       "BIGINT_CMP"         None fx(&[W, W], &[W]), BigInt "a b -- -1, 0 or 1 (as a signed word) as a < b, a = b, a > b.";
            0xFA28 BigShl       "BIGINT_SHL"         None fx(&[W, W], &[W]), BigInt "a n -- a * 2^n (n an unsigned word).";
            0xFA29 BigShr       "BIGINT_SHR"         None fx(&[W, W], &[W]), BigInt "a n -- a / 2^n rounded toward negative infinity.";
            0xFA2A BigAnd       "BIGINT_AND"         None fx(&[W, W], &[W]), BigInt "a b -- a & b (two's complement, infinitely sign-extended).";
            0xFA2B BigOr        "BIGINT_OR"          None fx(&[W, W], &[W]), BigInt "a b -- a | b (two's complement, infinitely sign-extended).";
            0xFA2C BigXor       "BIGINT_XOR"         None fx(&[W, W], &[W]), BigInt "a b -- a ^ b (two's complement, infinitely sign-extended).";
            0xFA2D BigNot       "BIGINT_NOT"         None fx(&[W], &[W]), BigInt "a -- !a = -a-1";
            0xFA30 BigFree      "BIGINT_FREE"        None fx(&[W], &[]), BigInt "h -- release the object now; later use of h traps.";
            0xFA31 BigCount     "BIGINT_COUNT"       None fx(&[], &[W]), BigInt "-- the number of live BigInt objects.";
            0xFA32 BigCollect   "BIGINT_COLLECT"     None fx(&[], &[W]), BigInt "-- run the collector now and push the number of live objects left.";
        }
    };
}

for_each_op!(instruction_table);

impl Opcode {
    /// The table row's mnemonic.
    pub const fn mnemonic(self) -> &'static str {
        self.info().mnemonic
    }

    /// The table row's operand kind.
    pub const fn operand(self) -> OperandKind {
        self.info().operand
    }

    /// The opcode number.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// True when the encoded opcode takes two bytes (a prefix byte, then the code's low byte).
    pub const fn is_prefixed(self) -> bool {
        self.code() >= 0x100
    }

    /// Looks up a mnemonic, ignoring ASCII case.
    pub fn from_mnemonic(mnemonic: &str) -> Option<Opcode> {
        Opcode::ALL
            .iter()
            .copied()
            .find(|op| op.mnemonic().eq_ignore_ascii_case(mnemonic))
    }

    /// True for instructions after which execution never falls through to the next one.
    pub const fn ends_block(self) -> bool {
        matches!(
            self,
            Opcode::Jmp | Opcode::JmpTable | Opcode::Ret | Opcode::Halt | Opcode::Unreachable
        )
    }
}

/// First byte of a two-byte opcode (prefix bytes `0xF0..=0xFF`).
pub const fn is_prefix_byte(byte: u8) -> bool {
    byte >= 0xF0
}

/// A typed stack effect as documentation text: `i32 i64 → i32`, `–` for nothing.
pub fn effect_text(pops: &[ValType], pushes: &[ValType]) -> String {
    let names = |types: &[ValType]| {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        if names.is_empty() {
            "–".to_string()
        } else {
            names.join(" ")
        }
    };
    format!("{} → {}", names(pops), names(pushes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_consistent() {
        let mut mnemonics = std::collections::HashSet::new();
        for &op in Opcode::ALL {
            let info = op.info();
            assert_eq!(info.code, op as u16);
            assert_eq!(Opcode::from_code(info.code), Some(op));
            assert!(
                mnemonics.insert(info.mnemonic),
                "duplicate mnemonic {}",
                info.mnemonic
            );
            assert_eq!(Opcode::from_mnemonic(info.mnemonic), Some(op));
            assert_eq!(
                Opcode::from_mnemonic(&info.mnemonic.to_lowercase()),
                Some(op)
            );
            assert!(!info.doc.is_empty());
            if op.is_prefixed() {
                assert!(
                    is_prefix_byte((info.code >> 8) as u8),
                    "{} has a bad prefix",
                    info.mnemonic
                );
            } else {
                assert!(
                    !is_prefix_byte(info.code as u8),
                    "{} uses a prefix byte",
                    info.mnemonic
                );
            }
        }
    }
}
