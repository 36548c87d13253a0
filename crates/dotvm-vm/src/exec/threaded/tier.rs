//! Tiered runs: the threaded engine takes up compiled code when a compiler publishes it
//! during the run, and from then on enters it at every call.
//!
//! Compiled code runs on the same machine, frame layout and fuel as the engine (see
//! `exec/native.rs`), so a call can switch tiers: the callee's frame already holds its
//! parameters where compiled code expects them, and its results come back where the
//! engine's own `RET` would leave them. The engine takes the code up at the start of a
//! fuel chunk (`Tier::native`, read in `control::charge_slowly`). Frames active when the
//! code appears keep running here until they return; everything they call runs compiled.

use super::control::enter_block;
use super::{Cx, Inst, Next, trap};
use crate::exec::Exit;
use crate::exec::native::{self, Ended, Native};
use crate::trap::TrapKind;
use crate::word::Word;

/// Calls `callee` in the compiled code the run took up (`cx.native`), its frame at slot
/// `base` of the caller's frame `fp`; the caller checked the call depth. Continues after
/// the call, or stops the run with the exit or trap that ended it inside compiled code.
/// (The code is read from the context rather than passed, so that the call's arguments
/// fit in registers and the engine's `CALL` dispatches here with a jump.)
#[cold]
#[inline(never)]
pub(super) fn call_native<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    callee: u32,
    base: u32,
) -> Next<W> {
    let native: Native<'_> = cx
        .native
        .expect("the engine calls compiled code only once it took it up");
    let fp_index = cx.frame_index(fp);
    let callee_fp = fp_index + base as usize;
    let frame_slots = cx.functions[callee as usize].frame_slots;
    if callee_fp + frame_slots > cx.m.limits.stack_slots {
        return trap(ip, fp, cx, TrapKind::StackOverflow);
    }
    if cx.m.stack.len() < cx.m.limits.stack_slots.max(1) {
        // The interpreter's deepest frame so far; compiled code reports its own.
        cx.m.native_stack_peak = cx.m.native_stack_peak.max(cx.m.stack.len());
        native::reserve_whole_stack(cx.m);
        cx.base = cx.m.stack.as_mut_ptr();
    }
    // SAFETY: the frame index lies within the stack, which only grew.
    let fp = unsafe { cx.base.add(fp_index) };
    cx.m.fuel = cx.fuel_left();
    let ended = native::call_from_interpreter(
        cx.m,
        native.functions,
        native.native_floor,
        callee,
        callee_fp,
    );
    match ended {
        Ok(Ended::Returned) => {
            // Compiled code's bridge calls position the machine in plain code.
            cx.m.plain = false;
            let left = cx.m.fuel;
            cx.set_fuel_left(left);
            cx.refresh_memory();
            // SAFETY: a call ends its block, so the op after it is the next block's
            // `Charge`.
            unsafe { enter_block(ip.add(1), fp, cx) }
        }
        Ok(Ended::Exited(code)) => {
            cx.end = Ok(Exit::Finished(code));
            Next::stop()
        }
        Err((kind, at)) => {
            cx.m.frames_to_plain();
            cx.end = Err(kind);
            cx.at = at;
            Next::stop()
        }
    }
}
