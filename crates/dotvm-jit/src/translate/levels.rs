//! The call levels compiled functions pass each other: the room left under the call-depth
//! limit, with the countdown of calls between two reads of the interrupt flag below it.

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

/// The calls between two reads of the interrupt flag at function entries (see
/// [`room`]): a power of two.
pub(super) const LEVEL: i64 = 256;

/// The call levels left to a frame at call depth `depth` under the call-depth limit
/// `max`, as compiled functions pass them, with a countdown of calls below it:
/// `(max - 1 - depth) * LEVEL + countdown`, signed (with `max` taken as at most
/// `i64::MAX / LEVEL`, beyond any reachable depth), so that a call from the frame would
/// reach the limit (`depth + 1 >= max`, the interpreter's test) exactly when it is below
/// `LEVEL`. Each call passes `LEVEL + 1` less: one level and one count. Register entries
/// return it with their results, the countdown as their own calls left it, and a caller
/// takes that back plus one level, so the countdown counts every call of the run; a
/// function entry that finds it at zero reads the interrupt flag and sets it back to
/// `LEVEL - 1`. Entering compiled code from the runtime starts it at zero: the first
/// function reads the flag.
pub(super) fn room(b: &mut FunctionBuilder<'_>, max: Value, depth: Value) -> Value {
    let max = capped_max(b, max);
    let left = b.ins().isub(max, depth);
    let left = b.ins().iadd_imm_s(left, -1);
    b.ins().imul_imm_s(left, LEVEL)
}

/// The call depth of a frame with `room` call levels left under the limit `max`: the
/// inverse of [`room`] (the countdown left out).
pub(super) fn depth_of(b: &mut FunctionBuilder<'_>, max: Value, room: Value) -> Value {
    let max = capped_max(b, max);
    let levels = b.ins().sshr_imm_s(room, i64::from(LEVEL.trailing_zeros()));
    let depth = b.ins().isub(max, levels);
    b.ins().iadd_imm_s(depth, -1)
}

/// The call-depth limit `max` as [`room`] takes it: at most `i64::MAX / LEVEL`.
pub(super) fn capped_max(b: &mut FunctionBuilder<'_>, max: Value) -> Value {
    let cap = b.ins().iconst(I64, i64::MAX / LEVEL);
    b.ins().umin(max, cap)
}
