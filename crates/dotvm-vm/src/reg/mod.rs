//! The register form: the VM's private execution form, lowered at load time from the plain
//! ops of a verified function (see [`lower`]) and run by the threaded engine
//! (`exec/threaded`).
//!
//! Operands address **frame slots** relative to the running function's local 0: the
//! locals first, then one slot per operand-stack position (the position the verifier proved
//! for every instruction), so `LOCAL_GET a; LOCAL_GET b; I32_ADD; LOCAL_SET c` becomes the
//! one op `c = a + b`. Small constants are immediates; wider ones live in the function's
//! constant pool, so an op has the same size on every architecture.
//!
//! Fuel: every basic block of the plain code starts with a [`Kind::Charge`] of its
//! instruction count, exactly as in the plain code's block structure; see `docs/engine.md`.

pub(crate) mod lower;

use crate::lane_op::LaneInst;
use crate::typed_op::{TypedBinary, TypedCompare, TypedInst, TypedLoad, TypedSelect, TypedStore};
use crate::typed_op::{TypedTest, TypedUnary};
use crate::word_op::{WordBinary, WordTernary, WordUnary};
use dotvm_core::Opcode;

/// A word load: bytes read and extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordLoad {
    /// `LOAD8_U`.
    U8,
    /// `LOAD8_S`.
    S8,
    /// `LOAD16_U`.
    U16,
    /// `LOAD16_S`.
    S16,
    /// `LOAD32_U`.
    U32,
    /// `LOAD32_S`.
    S32,
    /// `LOAD64_U`.
    U64,
    /// `LOAD64_S`.
    S64,
}

/// A narrow word store: bytes written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordStore {
    /// `STORE8`.
    B8,
    /// `STORE16`.
    B16,
    /// `STORE32`.
    B32,
    /// `STORE64`.
    B64,
}

/// The word operations a [`Kind::WordPair`] chains: the rounds of SipHash (Rust's
/// default hasher: add, xor, rotate) and of multiplicative hashes. A pair handler's
/// `FIRST` and `SECOND` parameters index this list.
pub(crate) const PAIR_OPS: [WordBinary; 4] = [
    WordBinary::Add,
    WordBinary::Xor,
    WordBinary::Rotl,
    WordBinary::Mul,
];

/// What a [`Kind::Call`] writes before it calls: the copy or constant that the op before
/// it would have written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallFirst {
    /// Nothing.
    Nothing,
    /// `dst = slot imm`.
    Copy,
    /// `dst = imm` (zero-extended to the word).
    Imm,
}

/// What a register op does; [`RegOp`] holds its operands. Field use is given per kind:
/// `dst`, `a`, `b` are frame slots unless said otherwise, `imm` an immediate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Pays for the basic block that starts here: `imm` instructions; `a` is the slot
    /// where the block's operand stack ends (to resume in plain code when the fuel runs
    /// short).
    Charge,
    /// `dst = a`.
    Copy,
    /// `dst = a`, then `slot imm = b`: two copies in a row.
    Copy2,
    /// `dst = imm` (zero-extended to the word).
    Imm,
    /// `dst = pool[a]`.
    Const,
    /// `dst = a op b`.
    WordBinary(WordBinary),
    /// `dst = a op imm` (the immediate zero-extended to the word).
    WordBinaryImm(WordBinary),
    /// `dst = (a first x) second y`, `x` being slot `b` or (`b_imm`) the constant `b`,
    /// `y` slot `imm` or (`y_imm`) the constant `imm`: two word ops in a row (both in
    /// [`PAIR_OPS`]) whose intermediate result only the second reads.
    WordPair {
        /// The first op.
        first: WordBinary,
        /// The second op, whose left operand is the first's result.
        second: WordBinary,
        /// `b` is a constant.
        b_imm: bool,
        /// `imm` is a constant.
        y_imm: bool,
    },
    /// `dst = op a`.
    WordUnary(WordUnary),
    /// `dst = op(a, b, imm as slot)`.
    WordTernary(WordTernary),
    /// `dst = lanes op(a, b)` (`b` unused by the one-operand operations), lane index `imm`.
    Lanes(LaneInst),
    /// `dst = load(a + imm)`, extended to the word.
    Load(WordLoad),
    /// `dst = load(i32(a + b) + imm)`: an `I32_ADD` of two slots fused with the word load
    /// that reads its sum (the sum is not written anywhere).
    LoadAdd(WordLoad),
    /// `dst = load(i32(a + (imm >> 32)) + (imm & 0xFFFF_FFFF))`: an `I32_ADD` of a slot and
    /// a constant fused with the word load that reads its sum.
    LoadAddImm(WordLoad),
    /// `LoadAdd` whose sum is also written to slot `imm >> 32` (the offset is the low
    /// half of `imm`): an `I32_ADD` kept in a local (`LOCAL_TEE`) fused with the word load
    /// from that local right after it.
    LoadAddKeep(WordLoad),
    /// `LoadAddImm` whose sum is also written to slot `b`: an `I32_ADD` of a slot and a
    /// constant kept in a local fused with the word load from that local right after it.
    LoadAddImmKeep(WordLoad),
    /// `dst = load(a + imm)` of a whole word.
    LoadWord,
    /// `store(a + imm, b)` of the low bytes.
    Store(WordStore),
    /// `store(a + imm, b)` of the low bytes, `b` being the value itself (a constant of at
    /// most 32 bits).
    StoreConst(WordStore),
    /// `store(a + imm, b)` of a whole word.
    StoreWord,
    /// `store(i32(a + b) + imm, dst)` of the low bytes (`dst` is a slot here): an
    /// `I32_ADD` of two slots fused with the narrow word store to its sum.
    StoreAdd(WordStore),
    /// `store(i32(a + (imm >> 32)) + (imm & 0xFFFF_FFFF), dst)` of the low bytes (`dst` is
    /// a slot here): an `I32_ADD` of a slot and a constant fused with the narrow word store
    /// to its sum.
    StoreAddImm(WordStore),
    /// `StoreAdd` of a constant value: `dst` is the value itself (at most 32 bits).
    StoreAddConst(WordStore),
    /// `StoreAddImm` of a constant value: `dst` is the value itself (at most 32 bits).
    StoreAddImmConst(WordStore),
    /// `store(dst + imm, a op b)` of the low 8 bytes (`dst` is a slot here): a typed
    /// binary op that cannot trap fused with the `STORE64` of its result (the result is
    /// written nowhere else).
    BinaryStore(TypedBinary),
    /// `store(dst + (imm >> 32), value)` of the low 8 bytes (`dst` is a slot here), the
    /// value being `(a * b) op slot (imm & 0xFFFF_FFFF)` (`mul_left`) or its mirror: a
    /// [`Kind::MulThen`] fused with the `STORE64` of its result.
    MulThenStore {
        /// The second op.
        op: TypedBinary,
        /// The product is the second op's left operand.
        mul_left: bool,
    },
    /// `dst = op a` (one-slot values).
    TypedUnary(TypedUnary),
    /// `dst = op a` (an i32 truth value).
    TypedTest(TypedTest),
    /// `dst = a op b` (one-slot values).
    TypedBinary(TypedBinary),
    /// `dst = a op imm` (one-slot values).
    TypedBinaryImm(TypedBinary),
    /// `dst = (a * b) op slot imm` (`mul_left`) or `dst = slot imm op (a * b)`: an
    /// `F64_MUL` whose product feeds the `F64_ADD` or `F64_SUB` right after it, two ops in
    /// one that round after each as before (not a fused multiply-add).
    MulThen {
        /// The second op.
        op: TypedBinary,
        /// The product is the second op's left operand.
        mul_left: bool,
    },
    /// `dst = a cmp b`.
    TypedCompare(TypedCompare),
    /// `dst = a cmp imm`.
    TypedCompareImm(TypedCompare),
    /// `dst = load(a + imm)`.
    TypedLoad(TypedLoad),
    /// `store(a + imm, b)`.
    TypedStore(TypedStore),
    /// `dst = load(i32(a + b) + imm)`: an `I32_ADD` of two slots fused with the typed
    /// load that reads its sum.
    TypedLoadAdd(TypedLoad),
    /// `dst = load(i32(a + (imm >> 32)) + (imm & 0xFFFF_FFFF))`: an `I32_ADD` of a slot
    /// and a constant fused with the typed load that reads its sum.
    TypedLoadAddImm(TypedLoad),
    /// `store(i32(a + b) + imm, dst)` (`dst` is a slot here): an `I32_ADD` of two slots
    /// fused with the typed store to its sum.
    TypedStoreAdd(TypedStore),
    /// `store(i32(a + (imm >> 32)) + (imm & 0xFFFF_FFFF), dst)` (`dst` is a slot here):
    /// an `I32_ADD` of a slot and a constant fused with the typed store to its sum.
    TypedStoreAddImm(TypedStore),
    /// `dst = if slot imm != 0 { a } else { b }`.
    TypedSelect(TypedSelect),
    /// `dst = if slot imm == 0 { a } else { b }`, the whole word tested: a word `EQZ`
    /// fused with the typed select whose condition it computes.
    TypedSelectZero(TypedSelect),
    /// `dst = if slot (imm & 0xFFFF_FFFF) != 0 { k } else { a }` (`first`) or
    /// `{ a } else { k }`, `k` being the constant `imm >> 32`.
    TypedSelectImm {
        /// The select.
        op: TypedSelect,
        /// The constant is the value chosen when the condition holds.
        first: bool,
    },
    /// A typed op whose values take several slots (i64 and f64 on Arch32): its operands
    /// are the operand-stack slots from `a` on, as in the plain code.
    TypedSlots(TypedInst),
    /// A simd128 op: each operand is a run of consecutive slots (as many as its type takes,
    /// `SimdShape`) starting at `a`, `b` and, for a third operand, slot `imm`; the results
    /// go to the slots from `dst` on. With fewer than three operands `imm` holds the
    /// memory offset or vector-pool index (bits 0-31) and the lane index (bits 32-39).
    Simd {
        /// The simd opcode.
        op: Opcode,
        /// The result takes exactly one slot.
        one_slot: bool,
    },
    /// `dst = globals[a]`.
    GlobalGet,
    /// `globals[a] = b`.
    GlobalSet,
    /// Jump to op `dst`.
    Jmp,
    /// Jump to op `dst` when `(a != 0) == when`.
    BrIf {
        /// Jump when the slot is not zero.
        when: bool,
    },
    /// Jump to op `dst` when `(a op b != 0) == when`.
    BrWord {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// Jump to op `dst` when `(a op imm != 0) == when`.
    BrWordImm {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `slot imm = a op b`, then jump to op `dst` when `(slot imm != 0) == when`: a word
    /// comparison kept in a local (`LOCAL_TEE`) fused with the branch on that local.
    BrWordKeep {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `slot b = a op imm`, then jump to op `dst` when `(slot b != 0) == when`: a word
    /// comparison with a constant kept in a local fused with the branch on that local.
    BrWordImmKeep {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// Jump to op `dst` when `(test a) == when`.
    BrTest {
        /// The test.
        op: TypedTest,
        /// Jump when the test holds.
        when: bool,
    },
    /// Jump to op `dst` when `(a cmp b) == when`.
    BrCompare {
        /// The comparison.
        op: TypedCompare,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// Jump to op `dst` when `(a cmp imm) == when`.
    BrCompareImm {
        /// The comparison.
        op: TypedCompare,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + imm)`, then jump to op `dst` when `(a cmp b) == when`: a loop
    /// counter's step fused with the compare-and-branch that reads it.
    BrAddCompare {
        /// The comparison.
        op: TypedCompare,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + (imm & 0xFFFF_FFFF))`, then jump to op `dst` when
    /// `(a cmp (imm >> 32)) == when`: a loop counter's step fused with the
    /// compare-and-branch of it with a constant.
    BrAddCompareImm {
        /// The comparison.
        op: TypedCompare,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + imm)`, then jump to op `dst` when `(a op b != 0) == when`: a loop
    /// counter's step fused with the word compare-and-branch that reads it.
    BrAddWord {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + (imm & 0xFFFF_FFFF))`, then jump to op `dst` when
    /// `(a op (imm >> 32) != 0) == when` (also a branch on the counter alone: `NE` 0).
    BrAddWordImm {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + b)`, then jump to op `dst` when `(a cmp imm) == when`: a loop
    /// counter's step by a slot fused with the compare-and-branch of it with a constant.
    BrStepCompareImm {
        /// The comparison.
        op: TypedCompare,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// `a = i32(a + b)`, then jump to op `dst` when `(a op imm != 0) == when` (also a
    /// branch on the counter alone: `NE` 0).
    BrStepWordImm {
        /// The comparison.
        op: WordBinary,
        /// Jump when the comparison holds.
        when: bool,
    },
    /// Jump through jump table `b` (op indices) by the index in slot `a`.
    JmpTable,
    /// Call function `a`; its frame starts at slot `b` (where its parameters are). First,
    /// `first` may write slot `dst` (a parameter the lowering just put in place: one op
    /// fewer per call that passes a local or a constant).
    Call {
        /// What is written to slot `dst` before the call.
        first: CallFirst,
    },
    /// Call through table `imm` the function of canonical type `a` at the index in slot
    /// `dst`; the callee's frame starts at slot `b`.
    CallIndirect,
    /// Return the `b` slots from slot `a` on.
    Ret,
    /// Return the constant `imm` (`b` is 1: one result).
    RetImm,
    /// `HALT`.
    Halt,
    /// `UNREACHABLE` (also stands for unreachable code).
    Unreachable,
    /// `MEMORY_COPY` (`copy`) or `MEMORY_FILL`: the destination address in slot `dst`,
    /// the source address or the fill byte in slot `a`, the byte count in slot `b`.
    Bulk {
        /// `MEMORY_COPY` rather than `MEMORY_FILL`.
        copy: bool,
    },
    /// Runs plain instruction `imm` in the precise interpreter, with the operand stack
    /// ending before slot `a` (every operand materialised).
    Step,
}

/// One register op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegOp {
    /// What it does.
    pub(crate) kind: Kind,
    /// Destination slot, or branch target.
    pub(crate) dst: u32,
    /// First operand.
    pub(crate) a: u32,
    /// Second operand.
    pub(crate) b: u32,
    /// Immediate.
    pub(crate) imm: u64,
}

impl RegOp {
    /// An op with every field given.
    pub(crate) const fn new(kind: Kind, dst: u32, a: u32, b: u32, imm: u64) -> RegOp {
        RegOp {
            kind,
            dst,
            a,
            b,
            imm,
        }
    }

    /// True when the op's effect on the frame is to write slot `dst` (a producer whose
    /// destination the lowering may retarget to a local); the `Keep` loads also write
    /// their sum's slot first, as the unfused add did.
    pub(crate) fn writes_dst(&self) -> bool {
        matches!(
            self.kind,
            Kind::Copy
                | Kind::Imm
                | Kind::Const
                | Kind::WordBinary(_)
                | Kind::WordBinaryImm(_)
                | Kind::WordPair { .. }
                | Kind::WordUnary(_)
                | Kind::WordTernary(_)
                | Kind::Lanes(_)
                | Kind::Load(_)
                | Kind::LoadAdd(_)
                | Kind::LoadAddImm(_)
                | Kind::LoadAddKeep(_)
                | Kind::LoadAddImmKeep(_)
                | Kind::LoadWord
                | Kind::TypedUnary(_)
                | Kind::TypedTest(_)
                | Kind::TypedBinary(_)
                | Kind::TypedBinaryImm(_)
                | Kind::MulThen { .. }
                | Kind::TypedCompare(_)
                | Kind::TypedCompareImm(_)
                | Kind::TypedLoad(_)
                | Kind::TypedLoadAdd(_)
                | Kind::TypedLoadAddImm(_)
                | Kind::TypedSelect(_)
                | Kind::TypedSelectZero(_)
                | Kind::TypedSelectImm { .. }
                | Kind::GlobalGet
        ) || matches!(self.kind, Kind::Simd { one_slot: true, .. })
    }

    /// The jump targets of the op (op indices once lowered).
    pub(crate) fn target(&self) -> Option<u32> {
        match self.kind {
            Kind::Jmp
            | Kind::BrIf { .. }
            | Kind::BrWord { .. }
            | Kind::BrWordImm { .. }
            | Kind::BrWordKeep { .. }
            | Kind::BrWordImmKeep { .. }
            | Kind::BrTest { .. }
            | Kind::BrCompare { .. }
            | Kind::BrCompareImm { .. }
            | Kind::BrAddCompare { .. }
            | Kind::BrAddCompareImm { .. }
            | Kind::BrAddWord { .. }
            | Kind::BrAddWordImm { .. }
            | Kind::BrStepCompareImm { .. }
            | Kind::BrStepWordImm { .. } => Some(self.dst),
            _ => None,
        }
    }
}

/// A function in register form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegCode<W> {
    /// The ops; every reachable path ends in a jump, return, halt or trap.
    pub(crate) ops: Vec<RegOp>,
    /// For each op, the index of the plain instruction it stands for: the instruction that
    /// may trap, or the first instruction of its block for a `Charge`.
    pub(crate) origin: Vec<u32>,
    /// Target lists of the `JmpTable`s (op indices).
    pub(crate) jump_tables: Vec<Vec<u32>>,
    /// Constants too wide for an immediate.
    pub(crate) pool: Vec<W>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Op;
    use crate::trap::TrapKind;
    use ruint::aliases::U512;

    /// The register ops of function `func` of `source` (assembly), on u64 words.
    fn lowered(source: &str, func: usize) -> Vec<Kind> {
        let module = dotvm_core::asm::assemble(source, "t.dasm", &Default::default()).unwrap();
        let module = dotvm_core::Verified::new(module).unwrap();
        let program = crate::load::load::<u64>(module.module()).unwrap();
        program.functions[func]
            .reg
            .ops
            .iter()
            .map(|op| op.kind)
            .collect()
    }

    #[test]
    fn address_adds_counter_steps_and_products_fuse() {
        let source = r#"
.arch arch64
.memory 1 1
.func main results=1
    .local i
    .local x
loop:
    PUSH 64
    LOCAL_GET i
    I32_ADD
    LOCAL_GET i
    STORE8
    LOCAL_GET i
    PUSH 64
    I32_ADD
    I32_LOAD8_S
    LOCAL_SET x
    LOCAL_GET i
    PUSH 128
    I32_ADD
    LOCAL_GET x
    I32_STORE +4
    LOCAL_GET i
    LOCAL_GET x
    LOCAL_GET x
    F64_MUL
    F64_SUB
    LOCAL_SET x
    LOCAL_GET i
    PUSH 1
    I32_ADD
    LOCAL_TEE i
    PUSH 16
    NE
    JNZ loop
stride:
    LOCAL_GET x
    LOCAL_GET i
    I32_ADD
    LOCAL_TEE i
    PUSH 4000
    LT_U
    JNZ stride
    LOCAL_GET x
    RET
.end
"#;
        let kinds = lowered(source, 0);
        use crate::typed_op::{TypedBinary, TypedLoad, TypedStore};
        use crate::word_op::WordBinary;
        for fused in [
            Kind::StoreAdd(WordStore::B8),
            Kind::TypedLoadAddImm(TypedLoad::I32Load8S),
            Kind::TypedStoreAddImm(TypedStore::I32Store),
            Kind::MulThen {
                op: TypedBinary::F64Sub,
                mul_left: false,
            },
            Kind::BrAddWordImm {
                op: WordBinary::Ne,
                when: true,
            },
            Kind::BrStepWordImm {
                op: WordBinary::LtU,
                when: true,
            },
        ] {
            assert!(kinds.contains(&fused), "{fused:?} not in {kinds:?}");
        }
        // Every add and the product were fused away.
        assert!(
            !kinds.iter().any(|k| matches!(
                k,
                Kind::TypedBinary(_) | Kind::TypedBinaryImm(_) | Kind::BrWordImm { .. }
            )),
            "{kinds:?}"
        );
    }

    #[test]
    fn selects_fuse_their_tests_and_constants() {
        let source = r#"
.arch arch64
.func main results=1
    .local x
    .local y
    LOCAL_GET x
    LOCAL_GET y
    LOCAL_GET x
    PUSH 1
    AND
    EQZ
    SELECT64
    LOCAL_GET x
    LOCAL_GET y
    LOCAL_GET y
    I32_EQZ
    SELECT
    ADD
    PUSH 7
    LOCAL_GET y
    LOCAL_GET x
    SELECT
    ADD
    RET
.end
"#;
        use crate::typed_op::TypedSelect;
        let kinds = lowered(source, 0);
        assert!(
            kinds.contains(&Kind::TypedSelectZero(TypedSelect::Select64)),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&Kind::TypedSelect(TypedSelect::Select)),
            "{kinds:?}"
        );
        let constant_first = Kind::TypedSelectImm {
            op: TypedSelect::Select,
            first: true,
        };
        assert!(kinds.contains(&constant_first), "{kinds:?}");
        // Both tests were fused away, and the constant is not written to a slot.
        assert!(
            !kinds
                .iter()
                .any(|k| matches!(k, Kind::WordUnary(_) | Kind::TypedTest(_) | Kind::Imm)),
            "{kinds:?}"
        );
    }

    #[test]
    fn memory_copies_and_fills_are_register_ops() {
        let source = r#"
.arch arch64
.memory 1 1
.func main results=1
    .local dst
    .local n
    LOCAL_GET dst
    PUSH 16
    LOCAL_GET n
    MEMORY_COPY
    LOCAL_GET dst
    PUSH 0xAB
    PUSH 8
    MEMORY_FILL
    PUSH 0
    RET
.end
"#;
        let kinds = lowered(source, 0);
        assert!(kinds.contains(&Kind::Bulk { copy: true }), "{kinds:?}");
        assert!(kinds.contains(&Kind::Bulk { copy: false }), "{kinds:?}");
        assert!(!kinds.contains(&Kind::Step), "{kinds:?}");
    }

    #[test]
    fn a_call_takes_the_copy_or_constant_written_before_it() {
        let source = r#"
.arch arch64
.func main results=1
    .local x
    PUSH 7
    LOCAL_SET x
    LOCAL_GET x
    PUSH 5
    CALL sub
    PUSH 5
    LOCAL_GET x
    CALL sub
    I32_MUL
    RET
.end
.func sub results=1
    .param a
    .param b
    LOCAL_GET a
    LOCAL_GET b
    I32_SUB
    RET
.end
"#;
        let kinds = lowered(source, 0);
        for first in [CallFirst::Imm, CallFirst::Copy] {
            assert!(kinds.contains(&Kind::Call { first }), "{kinds:?}");
        }
        // (7 - 5) * (5 - 7) = -4: each call saw its arguments in order.
        let module = dotvm_core::asm::assemble(source, "t.dasm", &Default::default()).unwrap();
        let module = dotvm_core::Verified::new(module).unwrap();
        let mut io = crate::BufferIo::with_input(b"");
        let outcome = crate::run(&module, &crate::Limits::default(), &mut io).unwrap();
        assert_eq!(outcome.exit_code, -4, "{outcome:?}");
    }

    #[test]
    fn constant_stores_and_copy_runs_fuse() {
        let source = r#"
.arch arch64
.memory 1 1
.func main results=1
    .local i
    .local a
    .local b
    LOCAL_GET i
    PUSH 64
    I32_ADD
    PUSH 0
    STORE8
    LOCAL_GET i
    LOCAL_GET a
    I32_ADD
    PUSH 0x1234
    STORE16 +2
    LOCAL_GET i
    PUSH 7
    STORE64 +8
    LOCAL_GET i
    PUSH 0x123456789
    STORE64 +16
    LOCAL_GET a
    LOCAL_GET b
    LOCAL_SET a
    LOCAL_SET b
    LOCAL_GET a
    RET
.end
"#;
        let kinds = lowered(source, 0);
        for fused in [
            Kind::StoreAddImmConst(WordStore::B8),
            Kind::StoreAddConst(WordStore::B16),
            Kind::StoreConst(WordStore::B64),
            Kind::Copy2,
        ] {
            assert!(kinds.contains(&fused), "{fused:?} not in {kinds:?}");
        }
        // A 64-bit store of a constant wider than 32 bits keeps its value in a slot.
        assert!(kinds.contains(&Kind::Store(WordStore::B64)), "{kinds:?}");
        // The swap's three copies (one to save `a`) take two ops.
        let copies = |kind| kinds.iter().filter(|&&k| k == kind).count();
        assert_eq!(
            (copies(Kind::Copy2), copies(Kind::Copy)),
            (1, 1),
            "{kinds:?}"
        );
    }

    #[test]
    fn kept_sums_and_computed_values_fuse_with_memory_ops() {
        let source = r#"
.arch arch64
.memory 1 1
.func main results=1
    .local p
    .local x
    .local y
    .local q
    LOCAL_GET p
    LOCAL_GET x
    I32_ADD
    LOCAL_TEE q
    LOAD64_U +8
    LOCAL_GET q
    PUSH 16
    I32_ADD
    LOCAL_TEE q
    LOAD32_U
    I32_ADD
    LOCAL_SET y
    LOCAL_GET p
    LOCAL_GET x
    LOCAL_GET y
    F64_MUL
    LOCAL_GET x
    F64_ADD
    STORE64 +8
    LOCAL_GET p
    LOCAL_GET x
    LOCAL_GET y
    F64_SUB
    STORE64 +16
    LOCAL_GET p
    LOCAL_GET x
    LOCAL_GET y
    I32_DIV_S
    STORE64 +24
    LOCAL_GET p
    RET
.end
"#;
        let kinds = lowered(source, 0);
        let fused = [
            Kind::LoadAddKeep(WordLoad::U64),
            Kind::LoadAddImmKeep(WordLoad::U32),
            Kind::MulThenStore {
                op: TypedBinary::F64Add,
                mul_left: true,
            },
            Kind::BinaryStore(TypedBinary::F64Sub),
        ];
        for fused in fused {
            assert!(kinds.contains(&fused), "{fused:?} not in {kinds:?}");
        }
        // A division can trap, so it keeps its own op before the store.
        assert!(
            kinds.contains(&Kind::TypedBinary(TypedBinary::I32DivS)),
            "{kinds:?}"
        );
        assert_eq!(
            kinds
                .iter()
                .filter(|&&k| k == Kind::Store(WordStore::B64))
                .count(),
            1,
            "{kinds:?}"
        );
    }

    #[test]
    fn hash_rounds_fuse_into_word_pairs() {
        let source = r#"
.arch arch64
.func main results=1
    .local v0
    .local v1
    LOCAL_GET v1
    PUSH 13
    ROTL
    LOCAL_SET v1
    LOCAL_GET v1
    LOCAL_GET v0
    XOR
    LOCAL_SET v1
    LOCAL_GET v0
    LOCAL_GET v1
    ADD
    PUSH 32
    ROTL
    LOCAL_SET v0
    LOCAL_GET v0
    LOCAL_GET v1
    MUL
    LOCAL_TEE v0
    PUSH 5
    ROTL
    LOCAL_SET v1
    LOCAL_GET v1
    RET
.end
"#;
        let kinds = lowered(source, 0);
        let pair = |first, second, b_imm, y_imm| Kind::WordPair {
            first,
            second,
            b_imm,
            y_imm,
        };
        // `v1 = rotl(v1, 13); v1 ^= v0` and `v0 = rotl(v0 + v1, 32)`.
        for fused in [
            pair(WordBinary::Rotl, WordBinary::Xor, true, false),
            pair(WordBinary::Add, WordBinary::Rotl, false, true),
        ] {
            assert!(kinds.contains(&fused), "{fused:?} not in {kinds:?}");
        }
        // The product is kept in `v0` (`LOCAL_TEE`), so the rotation cannot absorb it.
        assert!(
            kinds.contains(&Kind::WordBinary(WordBinary::Mul))
                && kinds.contains(&Kind::WordBinaryImm(WordBinary::Rotl)),
            "{kinds:?}"
        );
    }

    /// Continues before every instruction: makes a run use the precise interpreter.
    struct Precise;

    impl crate::Inspector for Precise {
        fn before_instruction(&mut self, _: &crate::MachineView<'_>) -> crate::Control {
            crate::Control::Continue
        }
    }

    /// `source` run by the threaded engine and by the precise interpreter: the exit code
    /// or trap (kind and instruction count) of each, with `limits`.
    fn both_engines(source: &str, limits: &crate::Limits) -> [String; 2] {
        let module = dotvm_core::asm::assemble(source, "t.dasm", &Default::default()).unwrap();
        let module = dotvm_core::Verified::new(module).unwrap();
        let observe = |result: Result<crate::Outcome, crate::RunError>| match result {
            Ok(outcome) => format!("exit {} after {}", outcome.exit_code, outcome.instructions),
            Err(crate::RunError::Trap(trap)) => {
                format!(
                    "{:?} at pc {} after {}",
                    trap.kind, trap.pc, trap.instructions
                )
            }
            Err(e) => format!("{e}"),
        };
        let mut io = crate::BufferIo::with_input(b"");
        let fast = observe(crate::run(&module, limits, &mut io));
        let precise = observe(crate::run_inspected(&module, limits, &mut io, &mut Precise));
        [fast, precise]
    }

    /// A loop that divides by constants, branches on comparisons kept in locals and
    /// returns a constant from a call; `{DIVISOR}` is the typed division's constant.
    const CONSTANTS: &str = r#"
.arch arch64
.func main results=1
    .local i
    .local acc
    .local c
    .local d
    .local n
    PUSH 1000
    LOCAL_SET n
loop:
    LOCAL_GET acc
    LOCAL_GET i
    PUSH 10
    DIV_U
    ADD
    LOCAL_GET i
    PUSH {DIVISOR}
    I32_DIV_S
    ADD
    LOCAL_SET acc
    LOCAL_GET i
    PUSH 7
    MOD_U
    PUSH 3
    EQ
    LOCAL_TEE c
    JZ skip
    CALL seven
    LOCAL_GET acc
    ADD
    LOCAL_SET acc
skip:
    LOCAL_GET i
    PUSH 1
    I32_ADD
    LOCAL_TEE i
    LOCAL_GET n
    LT_U
    LOCAL_TEE d
    JNZ loop
    LOCAL_GET acc
    LOCAL_GET c
    ADD
    LOCAL_GET d
    ADD
    RET
.end
.func seven results=1
    PUSH 7
    RET
.end
"#;

    #[test]
    fn constant_divisors_returns_and_kept_comparisons_fuse() {
        let source = CONSTANTS.replace("{DIVISOR}", "3");
        let main = lowered(&source, 0);
        use crate::typed_op::TypedBinary;
        use crate::word_op::WordBinary;
        for fused in [
            Kind::WordBinaryImm(WordBinary::DivU),
            Kind::WordBinaryImm(WordBinary::ModU),
            Kind::TypedBinaryImm(TypedBinary::I32DivS),
            Kind::BrWordImmKeep {
                op: WordBinary::Eq,
                when: false,
            },
            Kind::BrWordKeep {
                op: WordBinary::LtU,
                when: true,
            },
        ] {
            assert!(main.contains(&fused), "{fused:?} not in {main:?}");
        }
        // No divisor is written to a slot (the one constant written is `n`), and no
        // comparison or branch has its own op.
        let count = |f: fn(&Kind) -> bool| main.iter().filter(|k| f(k)).count();
        assert_eq!(count(|k| *k == Kind::Imm), 1, "{main:?}");
        assert_eq!(
            count(|k| matches!(
                k,
                Kind::BrIf { .. } | Kind::BrWordImm { .. } | Kind::BrWord { .. }
            )),
            0,
            "{main:?}"
        );
        assert_eq!(lowered(&source, 1)[1..], [Kind::RetImm]);
        // Both engines agree, with or without the fuel to finish.
        let [fast, precise] = both_engines(&source, &crate::Limits::default());
        assert!(fast.starts_with("exit "), "{fast}");
        assert_eq!(fast, precise);
        for fuel in [1_000, 1_001, 1_002, 1_003] {
            let limits = crate::Limits {
                instructions: fuel,
                ..crate::Limits::default()
            };
            let [fast, precise] = both_engines(&source, &limits);
            assert!(fast.starts_with("InstructionLimit"), "{fast}");
            assert_eq!(fast, precise);
        }
    }

    #[test]
    fn a_constant_zero_divisor_traps_as_before() {
        let source = CONSTANTS.replace("{DIVISOR}", "0");
        let main = lowered(&source, 0);
        use crate::typed_op::TypedBinary;
        assert!(
            main.contains(&Kind::TypedBinaryImm(TypedBinary::I32DivS)),
            "{main:?}"
        );
        let [fast, precise] = both_engines(&source, &crate::Limits::default());
        assert!(fast.starts_with("DivideByZero"), "{fast}");
        assert_eq!(fast, precise);
    }

    #[test]
    fn hot_types_stay_small() {
        // The register op does not depend on the word: wide constants live in the pool.
        assert_eq!(std::mem::size_of::<RegOp>(), 32);
        // Plain ops hold a word inline (the precise interpreter only).
        assert_eq!(std::mem::size_of::<Op<u64>>(), 16);
        assert_eq!(std::mem::size_of::<Op<U512>>(), 72);
        // A trap is moved, not allocated: the common kinds carry no string.
        assert_eq!(std::mem::size_of::<TrapKind>(), 48);
    }
}
