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
use ValType::W;

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
        }
    }
}

/// The type of one value on the stack. How many word slots it takes depends on the
/// architecture: a value wider than the word (i64 and f64 on Arch32) spans two slots, the
/// low half in the deeper slot.
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
}

impl ValType {
    /// Word slots one value of this type occupies on `arch`.
    pub const fn slots(self, arch: Arch) -> u32 {
        match (self, arch) {
            (ValType::I64 | ValType::F64, Arch::Arch32) => 2,
            _ => 1,
        }
    }

    /// Name used in documentation (`w`, `i32`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ValType::W => "w",
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
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

instruction_table! {
    // ---- Control: 0x00..0x0F ----
    0x00 Nop         "NOP"         None   fx(&[], &[]), Control "Do nothing.";
    0x01 Unreachable "UNREACHABLE" None   fx(&[], &[]), Control "Trap with `unreachable`.";
    0x02 Halt        "HALT"        None   StackEffect::Dynamic, Control "Stop the machine with exit code 0.";
    0x03 Jmp         "JMP"         Target fx(&[], &[]), Control "Jump to the target.";
    0x04 Jz          "JZ"          Target fx(&[W], &[]), Control "Pop c; jump to the target if c is zero.";
    0x05 Jnz         "JNZ"         Target fx(&[W], &[]), Control "Pop c; jump to the target if c is not zero.";
    0x06 Call        "CALL"        Func   StackEffect::Dynamic, Control "Pop the callee's parameters, call it, push its results.";
    0x07 Ret         "RET"         None   StackEffect::Dynamic, Control "Return the top `results` slots to the caller.";
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
    0x60 Alloc       "ALLOC"       None   fx(&[W], &[W]), Memory "size -- addr of a fresh 8-byte-aligned heap block, or 0 when memory is exhausted";
    0x61 Free        "FREE"        None   fx(&[W], &[]), Memory "addr -- release a block from ALLOC; traps on any other address";
    0x62 MemorySize  "MEMORY_SIZE" None   fx(&[], &[W]), Memory "-- memory size in 64 KiB pages";
    0x63 MemoryGrow  "MEMORY_GROW" None   fx(&[W], &[W]), Memory "n -- grow by n pages; old size, or all ones when refused";
    0x64 MemoryCopy  "MEMORY_COPY" None   fx(&[W, W, W], &[]), Memory "dst src len -- copy len bytes (overlap allowed)";
    0x65 MemoryFill  "MEMORY_FILL" None   fx(&[W, W, W], &[]), Memory "dst byte len -- set len bytes to the low byte of byte";
    // ---- System: 0x70..0x7F ----
    0x70 Syscall     "SYSCALL"     Syscall StackEffect::Dynamic, System "Call the host; the stack effect is the system call's (see the system-call table).";
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
            Opcode::Jmp | Opcode::Ret | Opcode::Halt | Opcode::Unreachable
        )
    }
}

/// First byte of a two-byte opcode (prefix bytes `0xF0..=0xFF`).
pub const fn is_prefix_byte(byte: u8) -> bool {
    byte >= 0xF0
}

/// Renders the instruction table as the Markdown document kept in `docs/isa.md`.
pub fn markdown_reference() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# DotVM instruction set\n\n\
         Generated from the instruction table in `crates/dotvm-core/src/isa.rs`; a test fails \
         when this file is stale (regenerate with `DOTVM_BLESS=1 cargo test -p dotvm-core isa_doc`).\n\n\
         Stack effects list value types, the top of the stack last: `w w → w` pops two words and pushes one. `w` is a whole word; `i32`/`f32` take one slot; `i64`/`f64` take one slot, or two on Arch32 (see `docs/architectures.md`). `dynamic` effects \
         depend on the operand and are explained in the description. Operand encodings are \
         described in `docs/bytecode-format.md`.\n",
    );
    let mut current: Option<Category> = None;
    for op in Opcode::ALL {
        let info = op.info();
        if current != Some(info.category) {
            current = Some(info.category);
            let _ = write!(
                out,
                "\n## {}\n\n| opcode | mnemonic | operand | stack | description |\n|---|---|---|---|---|\n",
                info.category.name()
            );
        }
        let effect = match info.effect {
            StackEffect::Fixed { pops, pushes } => {
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
            StackEffect::Dynamic => "dynamic".to_string(),
        };
        let _ = writeln!(
            out,
            "| `0x{:02X}` | `{}` | {} | {} | {} |",
            info.code,
            info.mnemonic,
            info.operand.name(),
            effect,
            info.doc.replace('|', "\\|")
        );
    }
    out.push_str(
        "\n## System calls\n\n| number | name | stack | description |\n|---|---|---|---|\n",
    );
    for call in crate::syscall::Syscall::ALL {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} → {} | {} |",
            call.number(),
            call.name(),
            call.pops(),
            call.pushes(),
            call.doc()
        );
    }
    out
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

    #[test]
    fn isa_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/isa.md");
        let expected = markdown_reference();
        if std::env::var_os("DOTVM_BLESS").is_some() {
            std::fs::write(path, &expected).expect("write docs/isa.md");
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/isa.md is stale: regenerate it with `DOTVM_BLESS=1 cargo test -p dotvm-core isa_doc`"
        );
    }
}
