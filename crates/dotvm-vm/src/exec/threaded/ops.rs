//! Data handlers: copies and constants, word and typed arithmetic, globals. Each reads its operand slots, writes its result slot and continues with the
//! next op; the operation itself is the one shared with the precise interpreter
//! (`word_op`, `exec::typed`), fixed at compile time by the handler's `OP` parameter.

use super::{Cx, Inst, Next, next, trap};
use crate::exec::typed::{self, Operands};
use crate::lane_op;
use crate::memory::LinearMemory;
use crate::reg::PAIR_OPS;
use crate::trap::TrapKind;
use crate::typed_op::{TypedInst, TypedOp};
use crate::word::Word;
use crate::word_op::{self, WordBinary, WordTernary, WordUnary};

/// Reads slot `slot` of frame `fp`.
///
/// # Safety
/// `slot` must be below the running function's `frame_slots` (the lowering guarantees it
/// for every slot operand).
#[inline(always)]
pub(super) unsafe fn get<W: Copy>(fp: *mut W, slot: u32) -> W {
    // SAFETY: the caller guarantees the slot lies in the frame.
    unsafe { *fp.add(slot as usize) }
}

/// Reads slot `slot` of frame `fp` where it stands, for the values a select chooses
/// between: from two plain reads LLVM makes one load of the chosen slot, which puts the
/// condition and a second dependent load on the result's dependency chain (and, for a
/// data-dependent choice, costs as much as a mispredicted branch); reading both lets the
/// select be a conditional move of loaded values.
///
/// # Safety
/// As for [`get`].
#[inline(always)]
unsafe fn get_loaded<W: Copy>(fp: *mut W, slot: u32) -> W {
    // SAFETY: the caller guarantees the slot lies in the frame.
    unsafe { fp.add(slot as usize).read_volatile() }
}

/// Writes slot `slot` of frame `fp`.
///
/// # Safety
/// As for [`get`].
#[inline(always)]
pub(super) unsafe fn set<W>(fp: *mut W, slot: u32, value: W) {
    // SAFETY: the caller guarantees the slot lies in the frame.
    unsafe { *fp.add(slot as usize) = value }
}

/// Runs typed op `op` on `n` one-slot operands and returns the first result slot.
#[inline(always)]
pub(super) fn typed_eval<W: Word>(
    op: TypedOp,
    offset: u32,
    operands: [W; 3],
    n: usize,
    memory: &mut LinearMemory,
) -> Result<W, TrapKind> {
    let mut slots = operands;
    let mut s = Operands::new(&mut slots, n);
    let inst = TypedInst {
        op,
        pops: n as u8,
        room: n as u8,
        offset,
    };
    typed::execute(inst, &mut s, memory)?;
    Ok(slots[0])
}

/// `a op b`, typed binary op `OP` on one-slot values.
#[inline(always)]
pub(super) fn binary_value<W: Word, const OP: u16>(
    a: W,
    b: W,
    memory: &mut LinearMemory,
) -> Result<W, TrapKind> {
    typed_eval(TypedOp::ALL[OP as usize], 0, [a, b, W::ZERO], 2, memory)
}

/// `(a * b) op other` (`LEFT`) or `other op (a * b)`: `F64_MUL` then typed op `OP`, each
/// rounding as on its own.
#[inline(always)]
pub(super) fn mul_then_value<W: Word, const OP: u16, const LEFT: bool>(
    a: W,
    b: W,
    other: W,
    memory: &mut LinearMemory,
) -> Result<W, TrapKind> {
    let product = typed_eval(TypedOp::F64Mul, 0, [a, b, W::ZERO], 2, memory)?;
    let operands = if LEFT {
        [product, other, W::ZERO]
    } else {
        [other, product, W::ZERO]
    };
    typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, memory)
}

/// Defines data handlers: `$body` computes a `Result<Option<W>, TrapKind>` from the op `i`,
/// the frame `fp` and the context `cx` (inside one `unsafe` block); `Some(value)` is
/// written to slot `i.dst`.
macro_rules! handlers {
    ($(
        $(#[$doc:meta])*
        fn $name:ident<$($param:ident: $kind:ty),*>(|$i:ident, $fp:ident, $cx:ident| $body:expr);
    )*) => {$(
        $(#[$doc])*
        pub(super) unsafe fn $name<W: Word, $(const $param: $kind),*>(
            ip: *const Inst<W>,
            $fp: *mut W,
            $cx: &mut Cx<'_, '_, W>,
        ) -> Next<W> {
            /// The operation: the value for `dst`, if any, or the trap.
            #[inline(always)]
            #[allow(unused_variables, unused_unsafe)]
            fn compute<W: Word, $(const $param: $kind),*>(
                $i: &Inst<W>,
                $fp: *mut W,
                $cx: &mut Cx<'_, '_, W>,
            ) -> Result<Option<W>, TrapKind> {
                // SAFETY: `i` is an op of the running function and its slot operands lie
                // in the frame at `fp` (see the module docs of `exec::threaded`).
                unsafe { $body }
            }
            // The result (whose type has drop glue) must be gone before the dispatch, or
            // the dispatch would not be the handler's last act and could not be a jump.
            // SAFETY: `ip` is an op of the running function.
            match compute::<W, $($param),*>(unsafe { &*ip }, $fp, $cx) {
                // SAFETY: `dst` is a slot of the frame.
                Ok(Some(value)) => unsafe { set($fp, (*ip).dst, value) },
                Ok(None) => {}
                Err(kind) => return trap(ip, $fp, $cx, kind),
            }
            // SAFETY: a data op is never last: its block ends with a jump, return or trap.
            next!(unsafe { ip.add(1) }, $fp, $cx)
        }
    )*};
}

handlers! {
    /// `dst = a`.
    fn copy<>(|i, fp, _cx| Ok(Some(get(fp, i.a))));
    /// `dst = a`, then `slot imm = b`.
    fn copy2<>(|i, fp, _cx| {
        // In order: the second copy may read what the first wrote.
        set(fp, i.dst, get(fp, i.a));
        set(fp, i.imm as u32, get(fp, i.b));
        Ok(None)
    });
    /// `dst = imm`.
    fn imm<>(|i, _fp, _cx| Ok(Some(W::from_u64(i.imm))));
    /// `dst = pool[a]`.
    fn konst<>(|i, _fp, cx| {
        // Pools hold only constants wider than 64 bits (rare), so the pool is looked up
        // here rather than kept in the context for every call and return to update.
        let function = cx.functions.get_unchecked(cx.func as usize);
        Ok(Some(*function.reg.pool.get_unchecked(i.a as usize)))
    });
    /// `dst = globals[a]`.
    fn global_get<>(|i, _fp, cx| Ok(Some(*cx.m.globals.get_unchecked(i.a as usize))));
    /// `globals[a] = b`.
    fn global_set<>(|i, fp, cx| {
        *cx.m.globals.get_unchecked_mut(i.a as usize) = get(fp, i.b);
        Ok(None)
    });
    /// `dst = a op b`.
    fn word_binary<OP: u16>(|i, fp, _cx| {
        word_op::binary(WordBinary::ALL[OP as usize], get(fp, i.a), get(fp, i.b)).map(Some)
    });
    /// `dst = a op imm`.
    fn word_binary_imm<OP: u16>(|i, fp, _cx| {
        word_op::binary(WordBinary::ALL[OP as usize], get(fp, i.a), W::from_u64(i.imm)).map(Some)
    });
    /// `dst = (a first x) second y` (`Kind::WordPair`): `FIRST` and `SECOND` index
    /// `PAIR_OPS`; `x` is slot `b` or (`B_IMM`) the constant `b`, `y` slot `imm` or
    /// (`Y_IMM`) the constant `imm`.
    fn word_pair<FIRST: u16, SECOND: u16, B_IMM: bool, Y_IMM: bool>(|i, fp, _cx| {
        let x = if B_IMM { W::from_u64(u64::from(i.b)) } else { get(fp, i.b) };
        let y = if Y_IMM { W::from_u64(i.imm) } else { get(fp, i.imm as u32) };
        let between = word_op::binary(PAIR_OPS[FIRST as usize], get(fp, i.a), x)?;
        word_op::binary(PAIR_OPS[SECOND as usize], between, y).map(Some)
    });
    /// `dst = op a`.
    fn word_unary<OP: u16>(|i, fp, _cx| {
        Ok(Some(word_op::unary(WordUnary::ALL[OP as usize], get(fp, i.a))))
    });
    /// `dst = op(a, b, slot imm)`.
    fn word_ternary<OP: u16>(|i, fp, _cx| {
        let c = get(fp, i.imm as u32);
        Ok(Some(word_op::ternary(WordTernary::ALL[OP as usize], get(fp, i.a), get(fp, i.b), c)))
    });
    /// `dst = lanes op(a, b)` with lane index `imm` (`b` is not read by the one-operand
    /// operations: the lowering leaves it 0).
    fn lanes<OP: u16>(|i, fp, _cx| {
        let (op, width) = const { lane_op::from_key(OP) };
        let b = if op.reads() == 2 { get(fp, i.b) } else { W::ZERO };
        Ok(Some(lane_op::execute(op, width, i.imm as u8, get(fp, i.a), b)))
    });
    /// `dst = op a` (typed, one slot each).
    fn typed_unary<OP: u16>(|i, fp, cx| {
        let operands = [get(fp, i.a), W::ZERO, W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 1, &mut cx.m.memory).map(Some)
    });
    /// `dst = a op b` (typed, one slot each).
    fn typed_binary<OP: u16>(|i, fp, cx| {
        binary_value::<W, OP>(get(fp, i.a), get(fp, i.b), &mut cx.m.memory).map(Some)
    });
    /// `dst = a op imm` (typed, one slot each).
    fn typed_binary_imm<OP: u16>(|i, fp, cx| {
        let operands = [get(fp, i.a), W::from_u64(i.imm), W::ZERO];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 2, &mut cx.m.memory).map(Some)
    });
    /// `dst = (a * b) op slot imm` (`LEFT`) or `dst = slot imm op (a * b)`: `F64_MUL`
    /// then typed op `OP`, each rounding as on its own.
    fn mul_then<OP: u16, LEFT: bool>(|i, fp, cx| {
        let (a, b, other) = (get(fp, i.a), get(fp, i.b), get(fp, i.imm as u32));
        mul_then_value::<W, OP, LEFT>(a, b, other, &mut cx.m.memory).map(Some)
    });
    /// `dst = if slot imm != 0 { a } else { b }` (typed).
    fn typed_select<OP: u16>(|i, fp, cx| {
        let operands = [get_loaded(fp, i.a), get_loaded(fp, i.b), get(fp, i.imm as u32)];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 3, &mut cx.m.memory).map(Some)
    });
    /// `dst = if slot imm == 0 { a } else { b }` (typed; the whole word tested).
    fn typed_select_zero<OP: u16>(|i, fp, cx| {
        let condition = W::from_u64(u64::from(get(fp, i.imm as u32) == W::ZERO));
        let operands = [get_loaded(fp, i.a), get_loaded(fp, i.b), condition];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 3, &mut cx.m.memory).map(Some)
    });
    /// `dst = if slot (imm & 0xFFFF_FFFF) != 0 { k } else { a }` (`FIRST`) or `{ a } else
    /// { k }` (typed), `k` being the constant `imm >> 32`.
    fn typed_select_imm<OP: u16, FIRST: bool>(|i, fp, cx| {
        let (k, other) = (W::from_u64(i.imm >> 32), get(fp, i.a));
        let (a, b) = if FIRST { (k, other) } else { (other, k) };
        let operands = [a, b, get(fp, i.imm as u32)];
        typed_eval(TypedOp::ALL[OP as usize], 0, operands, 3, &mut cx.m.memory).map(Some)
    });
    /// A simd op (opcode number `OP`) on its operands' runs of slots (`Kind::Simd`).
    fn simd<OP: u16>(|i, fp, cx| super::simd::run::<W, OP>(i, fp, cx).map(|()| None));
    /// A typed op on several-slot values, in place on the operand-stack slots from `a`:
    /// `b` is the op, `imm` the offset, pops and room (bits 0-31, 32-39, 40-47).
    fn typed_slots<>(|i, fp, cx| {
        let inst = TypedInst {
            op: TypedOp::ALL[i.b as usize],
            offset: i.imm as u32,
            pops: (i.imm >> 32) as u8,
            room: (i.imm >> 40) as u8,
        };
        // The verified stack has room for max(pops, pushes) slots from `a`.
        let slots = std::slice::from_raw_parts_mut(fp.add(i.a as usize), usize::from(inst.room));
        let mut operands = Operands::new(slots, usize::from(inst.pops));
        let result = typed::execute(inst, &mut operands, &mut cx.m.memory);
        // It reached the memory through the machine: take its address afresh.
        cx.refresh_memory();
        result.map(|()| None)
    });
}
