//! Encoding: each register op becomes an [`Inst`] with its handler. The `match` over
//! [`Kind`] and the per-family `instantiate` matches are exhaustive, so an op kind or an
//! operation without a handler does not compile.

use super::{Handler, Inst, control, memory, ops};
use crate::per_op::PerOp;
use crate::reg::{CallFirst, Kind, PAIR_OPS, RegCode, WordLoad, WordStore};
use crate::typed_op::TypedInst;
use crate::word::Word;
use crate::word_op::WordBinary;
use std::marker::PhantomData;

/// Declares a [`PerOp`] family: `$name<W>` builds `$handler::<W, OP>`, with `$when` as an
/// extra const parameter (a branch's direction, or whether a fused add's second operand
/// is a constant).
macro_rules! families {
    ($($name:ident => $module:ident::$handler:ident $(, when $when:ident)?;)*) => {$(
        #[doc = concat!("Builds `", stringify!($module), "::", stringify!($handler), "` per operation.")]
        struct $name<W $(, const $when: bool)?>(PhantomData<W>);

        impl<W: Word $(, const $when: bool)?> PerOp for $name<W $(, $when)?> {
            type Output = Handler<W>;

            fn make<const OP: u16>() -> Handler<W> {
                $module::$handler::<W, OP $(, $when)?>
            }
        }
    )*};
}

families! {
    WordBinaryFamily => ops::word_binary;
    WordBinaryImmFamily => ops::word_binary_imm;
    WordUnaryFamily => ops::word_unary;
    WordTernaryFamily => ops::word_ternary;
    LanesFamily => ops::lanes;
    TypedUnaryFamily => ops::typed_unary;
    TypedBinaryFamily => ops::typed_binary;
    TypedBinaryImmFamily => ops::typed_binary_imm;
    TypedLoadFamily => memory::typed_load;
    TypedStoreFamily => memory::typed_store;
    TypedLoadSumFamily => memory::typed_load_sum, when IMM;
    TypedStoreSumFamily => memory::typed_store_sum, when IMM;
    TypedSelectFamily => ops::typed_select;
    TypedSelectZeroFamily => ops::typed_select_zero;
    TypedSelectImmFamily => ops::typed_select_imm, when FIRST;
    SimdFamily => ops::simd;
    MulThenFamily => ops::mul_then, when LEFT;
    BinaryStoreFamily => memory::binary_store;
    MulThenStoreFamily => memory::mul_then_store, when LEFT;
    BrWordFamily => control::br_word, when WHEN;
    BrWordImmFamily => control::br_word_imm, when WHEN;
    BrWordKeepFamily => control::br_word_keep, when WHEN;
    BrWordImmKeepFamily => control::br_word_imm_keep, when WHEN;
    BrTestFamily => control::br_test, when WHEN;
    BrCompareFamily => control::br_compare, when WHEN;
    BrCompareImmFamily => control::br_compare_imm, when WHEN;
    BrAddCompareFamily => control::br_add_compare, when WHEN;
    BrAddCompareImmFamily => control::br_add_compare_imm, when WHEN;
    BrAddWordFamily => control::br_add_word, when WHEN;
    BrAddWordImmFamily => control::br_add_word_imm, when WHEN;
    BrStepCompareImmFamily => control::br_step_compare_imm, when WHEN;
    BrStepWordImmFamily => control::br_step_word_imm, when WHEN;
}

/// `$family<W, true>` or `$family<W, false>` by `when`, for `op`.
macro_rules! by_when {
    ($op:expr, $family:ident, $when:expr) => {
        if $when {
            $op.instantiate::<$family<W, true>>()
        } else {
            $op.instantiate::<$family<W, false>>()
        }
    };
}

/// The handler of an op of kind `kind` whose `b` operand is `b` (a return's result count
/// picks its handler).
fn handler<W: Word>(kind: Kind, b: u32) -> Handler<W> {
    match kind {
        Kind::Charge => control::charge::<W>,
        Kind::Copy => ops::copy::<W>,
        Kind::Copy2 => ops::copy2::<W>,
        Kind::Imm => ops::imm::<W>,
        Kind::Const => ops::konst::<W>,
        Kind::WordBinary(op) => op.instantiate::<WordBinaryFamily<W>>(),
        Kind::WordBinaryImm(op) => op.instantiate::<WordBinaryImmFamily<W>>(),
        Kind::WordPair {
            first,
            second,
            b_imm,
            y_imm,
        } => word_pair::<W>(first, second, b_imm, y_imm),
        Kind::WordUnary(op) => op.instantiate::<WordUnaryFamily<W>>(),
        Kind::WordTernary(op) => op.instantiate::<WordTernaryFamily<W>>(),
        Kind::Lanes(inst) => inst.instantiate::<LanesFamily<W>>(),
        Kind::Load(load) => match load {
            WordLoad::U8 => memory::load::<W, 1, false>,
            WordLoad::S8 => memory::load::<W, 1, true>,
            WordLoad::U16 => memory::load::<W, 2, false>,
            WordLoad::S16 => memory::load::<W, 2, true>,
            WordLoad::U32 => memory::load::<W, 4, false>,
            WordLoad::S32 => memory::load::<W, 4, true>,
            WordLoad::U64 => memory::load::<W, 8, false>,
            WordLoad::S64 => memory::load::<W, 8, true>,
        },
        Kind::LoadAdd(load) => load_sum::<W, false>(load),
        Kind::LoadAddImm(load) => load_sum::<W, true>(load),
        Kind::LoadAddKeep(load) => load_sum_keep::<W, false>(load),
        Kind::LoadAddImmKeep(load) => load_sum_keep::<W, true>(load),
        Kind::LoadWord => memory::load_word::<W>,
        Kind::Store(store) => word_store::<W, false>(store),
        Kind::StoreConst(store) => word_store::<W, true>(store),
        Kind::StoreWord => memory::store_word::<W>,
        Kind::StoreAdd(store) => store_sum::<W, false, false>(store),
        Kind::StoreAddImm(store) => store_sum::<W, true, false>(store),
        Kind::StoreAddConst(store) => store_sum::<W, false, true>(store),
        Kind::StoreAddImmConst(store) => store_sum::<W, true, true>(store),
        Kind::BinaryStore(op) => op.instantiate::<BinaryStoreFamily<W>>(),
        Kind::MulThenStore { op, mul_left } => by_when!(op, MulThenStoreFamily, mul_left),
        Kind::TypedUnary(op) => op.instantiate::<TypedUnaryFamily<W>>(),
        // A test is a one-operand op with an i32 result: the unary handler runs it.
        Kind::TypedTest(op) => op.instantiate::<TypedUnaryFamily<W>>(),
        Kind::TypedBinary(op) => op.instantiate::<TypedBinaryFamily<W>>(),
        Kind::TypedBinaryImm(op) => op.instantiate::<TypedBinaryImmFamily<W>>(),
        Kind::MulThen { op, mul_left } => by_when!(op, MulThenFamily, mul_left),
        Kind::TypedCompare(op) => op.instantiate::<TypedBinaryFamily<W>>(),
        Kind::TypedCompareImm(op) => op.instantiate::<TypedBinaryImmFamily<W>>(),
        Kind::TypedLoad(op) => op.instantiate::<TypedLoadFamily<W>>(),
        Kind::TypedStore(op) => op.instantiate::<TypedStoreFamily<W>>(),
        Kind::TypedLoadAdd(op) => op.instantiate::<TypedLoadSumFamily<W, false>>(),
        Kind::TypedLoadAddImm(op) => op.instantiate::<TypedLoadSumFamily<W, true>>(),
        Kind::TypedStoreAdd(op) => op.instantiate::<TypedStoreSumFamily<W, false>>(),
        Kind::TypedStoreAddImm(op) => op.instantiate::<TypedStoreSumFamily<W, true>>(),
        Kind::TypedSelect(op) => op.instantiate::<TypedSelectFamily<W>>(),
        Kind::TypedSelectZero(op) => op.instantiate::<TypedSelectZeroFamily<W>>(),
        Kind::TypedSelectImm { op, first } => by_when!(op, TypedSelectImmFamily, first),
        Kind::TypedSlots(_) => ops::typed_slots::<W>,
        Kind::Simd { op, .. } => crate::simd_op::instantiate::<SimdFamily<W>>(op),
        Kind::GlobalGet => ops::global_get::<W>,
        Kind::GlobalSet => ops::global_set::<W>,
        Kind::Jmp => control::jmp::<W>,
        Kind::BrIf { when: true } => control::br_if::<W, true>,
        Kind::BrIf { when: false } => control::br_if::<W, false>,
        Kind::BrWord { op, when } => by_when!(op, BrWordFamily, when),
        Kind::BrWordImm { op, when } => by_when!(op, BrWordImmFamily, when),
        Kind::BrWordKeep { op, when } => by_when!(op, BrWordKeepFamily, when),
        Kind::BrWordImmKeep { op, when } => by_when!(op, BrWordImmKeepFamily, when),
        Kind::BrTest { op, when } => by_when!(op, BrTestFamily, when),
        Kind::BrCompare { op, when } => by_when!(op, BrCompareFamily, when),
        Kind::BrCompareImm { op, when } => by_when!(op, BrCompareImmFamily, when),
        Kind::BrAddCompare { op, when } => by_when!(op, BrAddCompareFamily, when),
        Kind::BrAddCompareImm { op, when } => by_when!(op, BrAddCompareImmFamily, when),
        Kind::BrAddWord { op, when } => by_when!(op, BrAddWordFamily, when),
        Kind::BrAddWordImm { op, when } => by_when!(op, BrAddWordImmFamily, when),
        Kind::BrStepCompareImm { op, when } => by_when!(op, BrStepCompareImmFamily, when),
        Kind::BrStepWordImm { op, when } => by_when!(op, BrStepWordImmFamily, when),
        Kind::JmpTable => control::jmp_table::<W>,
        Kind::Call { first } => match first {
            CallFirst::Nothing => control::call::<W>,
            CallFirst::Copy => control::call_after::<W, false>,
            CallFirst::Imm => control::call_after::<W, true>,
        },
        Kind::CallIndirect => control::call_indirect::<W>,
        Kind::Ret => match b {
            0 => control::ret::<W, 0>,
            1 => control::ret::<W, 1>,
            _ => control::ret_many::<W>,
        },
        Kind::RetImm => control::ret_imm::<W>,
        Kind::Halt => control::halt::<W>,
        Kind::Unreachable => control::unreachable::<W>,
        Kind::Bulk { copy: true } => memory::bulk::<W, true>,
        Kind::Bulk { copy: false } => memory::bulk::<W, false>,
        Kind::Step => control::step::<W>,
    }
}

/// The handler of a fused `I32_ADD` and word load `load` (`IMM`: the add's second operand
/// is a constant).
fn load_sum<W: Word, const IMM: bool>(load: WordLoad) -> Handler<W> {
    match load {
        WordLoad::U8 => memory::load_sum::<W, 1, false, IMM>,
        WordLoad::S8 => memory::load_sum::<W, 1, true, IMM>,
        WordLoad::U16 => memory::load_sum::<W, 2, false, IMM>,
        WordLoad::S16 => memory::load_sum::<W, 2, true, IMM>,
        WordLoad::U32 => memory::load_sum::<W, 4, false, IMM>,
        WordLoad::S32 => memory::load_sum::<W, 4, true, IMM>,
        WordLoad::U64 => memory::load_sum::<W, 8, false, IMM>,
        WordLoad::S64 => memory::load_sum::<W, 8, true, IMM>,
    }
}

/// The handler of a [`Kind::WordPair`] of `first` and `second` (both in [`PAIR_OPS`]).
fn word_pair<W: Word>(
    first: WordBinary,
    second: WordBinary,
    b_imm: bool,
    y_imm: bool,
) -> Handler<W> {
    // The arms below name every index of `PAIR_OPS`.
    const _: () = assert!(PAIR_OPS.len() == 4);
    let index = |op| {
        let position = PAIR_OPS.iter().position(|&k| k == op);
        position.expect("the lowering pairs only `PAIR_OPS`") as u16
    };
    /// The handler for the op indices `$f`, `$s` and the run-time flags.
    macro_rules! flags {
        ($f:literal, $s:literal) => {
            match (b_imm, y_imm) {
                (false, false) => ops::word_pair::<W, $f, $s, false, false>,
                (false, true) => ops::word_pair::<W, $f, $s, false, true>,
                (true, false) => ops::word_pair::<W, $f, $s, true, false>,
                (true, true) => ops::word_pair::<W, $f, $s, true, true>,
            }
        };
    }
    /// The match over every pair of indices.
    macro_rules! pairs {
        ($(($f:literal, $s:literal)),*) => {
            match (index(first), index(second)) {
                $(($f, $s) => flags!($f, $s),)*
                _ => unreachable!("`PAIR_OPS` has four ops"),
            }
        };
    }
    pairs!(
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 0),
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 0),
        (3, 1),
        (3, 2),
        (3, 3)
    )
}

/// The handler of a fused `I32_ADD`, kept in a local, and word load `load` (`IMM`: the
/// add's second operand is a constant).
fn load_sum_keep<W: Word, const IMM: bool>(load: WordLoad) -> Handler<W> {
    match load {
        WordLoad::U8 => memory::load_sum_keep::<W, 1, false, IMM>,
        WordLoad::S8 => memory::load_sum_keep::<W, 1, true, IMM>,
        WordLoad::U16 => memory::load_sum_keep::<W, 2, false, IMM>,
        WordLoad::S16 => memory::load_sum_keep::<W, 2, true, IMM>,
        WordLoad::U32 => memory::load_sum_keep::<W, 4, false, IMM>,
        WordLoad::S32 => memory::load_sum_keep::<W, 4, true, IMM>,
        WordLoad::U64 => memory::load_sum_keep::<W, 8, false, IMM>,
        WordLoad::S64 => memory::load_sum_keep::<W, 8, true, IMM>,
    }
}

/// The handler of narrow word store `store` (`CONST`: of a constant value).
fn word_store<W: Word, const CONST: bool>(store: WordStore) -> Handler<W> {
    match store {
        WordStore::B8 => memory::store::<W, 1, CONST>,
        WordStore::B16 => memory::store::<W, 2, CONST>,
        WordStore::B32 => memory::store::<W, 4, CONST>,
        WordStore::B64 => memory::store::<W, 8, CONST>,
    }
}

/// The handler of a fused `I32_ADD` and narrow word store `store` (`IMM`: the add's
/// second operand is a constant; `CONST`: the value is).
fn store_sum<W: Word, const IMM: bool, const CONST: bool>(store: WordStore) -> Handler<W> {
    match store {
        WordStore::B8 => memory::store_sum::<W, 1, IMM, CONST>,
        WordStore::B16 => memory::store_sum::<W, 2, IMM, CONST>,
        WordStore::B32 => memory::store_sum::<W, 4, IMM, CONST>,
        WordStore::B64 => memory::store_sum::<W, 8, IMM, CONST>,
    }
}

/// The executable ops of `code`.
pub(crate) fn encode<W: Word>(code: &RegCode<W>) -> Vec<Inst<W>> {
    code.ops
        .iter()
        .map(|op| {
            let (b, imm) = match op.kind {
                // The stack-shaped typed op carries its op and shape in `b` and `imm`.
                Kind::TypedSlots(TypedInst {
                    op: typed,
                    pops,
                    room,
                    offset,
                }) => (
                    typed as u32,
                    u64::from(offset) | u64::from(pops) << 32 | u64::from(room) << 40,
                ),
                _ => (op.b, op.imm),
            };
            let handler = handler::<W>(op.kind, b);
            #[cfg(feature = "op-pairs")]
            super::pairs::name(handler as usize, format!("{:?}", op.kind));
            Inst {
                handler,
                imm,
                dst: op.dst,
                a: op.a,
                b,
            }
        })
        .collect()
}
