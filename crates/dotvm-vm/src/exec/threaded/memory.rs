//! Memory handlers: word and typed loads and stores. They reach the memory through the
//! address and size cached in the context (no indirection through the machine) and check
//! bounds inline with one comparison of the access's end (after an overflow test of its
//! sum, which the fused loads' 32-bit addresses do not need; plus one of its start for a
//! write); a fault leaves through a cold function with scalar arguments, so the hot path
//! needs no stack frame and dispatches with a jump.

use super::ops::{binary_value, get, mul_then_value, set};
use super::{Cx, Inst, Next, next, trap};
use crate::exec::operand::{address, length};
use crate::memory::{LinearMemory, out_of_bounds};
use crate::trap::TrapKind;
use crate::typed_op::{TypedGroup, TypedOp};
use crate::word::Word;

/// Stops with an out-of-bounds trap for `len` bytes at `addr + offset`.
#[cold]
#[inline(never)]
fn fault<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    addr: u64,
    offset: u32,
    len: usize,
) -> Next<W> {
    trap(
        ip,
        fp,
        cx,
        out_of_bounds(u128::from(addr) + u128::from(offset), len as u64),
    )
}

/// Stops with the trap for an address word (in slot `a`) that does not fit 64 bits.
#[cold]
#[inline(never)]
fn wide_fault<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    len: usize,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function.
    wide_fault_at(ip, fp, cx, unsafe { (*ip).a }, len)
}

/// Stops with the trap for the address word in slot `slot` that does not fit 64 bits.
#[cold]
#[inline(never)]
fn wide_fault_at<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    slot: u32,
    len: usize,
) -> Next<W> {
    // SAFETY: `slot` is a slot of the running function's frame.
    let word = unsafe { get(fp, slot) };
    trap(
        ip,
        fp,
        cx,
        TrapKind::OutOfBounds {
            address: u128::try_from(word.to_imm()).unwrap_or(u128::MAX),
            len: len as u64,
        },
    )
}

/// The host address of the `len` bytes at `addr + offset` when they all lie in linear
/// memory, and, for a write, at or above the read-only end: the end of the access is one
/// 64-bit sum (which must not wrap) compared once with the memory's size (a write also
/// compares its start with the read-only end).
#[inline(always)]
fn span<W: Word>(
    cx: &Cx<'_, '_, W>,
    addr: u64,
    offset: u32,
    len: usize,
    write: bool,
) -> Option<*mut u8> {
    let end = addr.checked_add(u64::from(offset) + len as u64)?;
    let start = end - len as u64;
    if end > cx.mem_len || (write && start < cx.ro_end) {
        return None;
    }
    // SAFETY: `start + len <= mem_len`, so `start` is an offset into the memory's bytes,
    // whose address and size `cx.refresh_memory` took from the memory after its last
    // change (see `Cx::mem`).
    Some(unsafe { cx.mem.add(start as usize) })
}

/// Reads the `N` bytes at slot `a` + `imm` as a little-endian number, or leaves.
macro_rules! read {
    ($ip:ident, $fp:ident, $cx:ident, $n:expr) => {{
        // SAFETY: `ip` is an op of the running function; `a` is a slot of its frame.
        let (word, offset) = unsafe { (get($fp, (*$ip).a), (*$ip).imm as u32) };
        let Some(addr) = word.to_address() else {
            return wide_fault($ip, $fp, $cx, $n);
        };
        let Some(at) = span($cx, addr, offset, $n, false) else {
            return fault($ip, $fp, $cx, addr, offset, $n);
        };
        // SAFETY: `span` checked that the `N` bytes at `at` lie in memory.
        let bytes = unsafe { at.cast::<[u8; $n]>().read() };
        (0..$n).fold(0u64, |raw, k| raw | u64::from(bytes[k]) << (8 * k))
    }};
}

/// Writes the low `N` bytes of `$value` at slot `a` + `imm`, or leaves.
macro_rules! write {
    ($ip:ident, $fp:ident, $cx:ident, $n:expr, $value:expr) => {{
        // SAFETY: `ip` is an op of the running function; `a` is a slot of its frame.
        let (word, offset) = unsafe { (get($fp, (*$ip).a), (*$ip).imm as u32) };
        let Some(addr) = word.to_address() else {
            return wide_fault($ip, $fp, $cx, $n);
        };
        let value: u64 = $value;
        let Some(at) = span($cx, addr, offset, $n, true) else {
            return fault($ip, $fp, $cx, addr, offset, $n);
        };
        let bytes: [u8; $n] = std::array::from_fn(|k| (value >> (8 * k)) as u8);
        // SAFETY: `span` checked that the `N` bytes at `at` lie in writable memory.
        unsafe { at.cast::<[u8; $n]>().write(bytes) };
    }};
}

/// `dst = load(a + imm)` of `N` bytes, sign-extended to the word when `SIGNED`.
pub(super) unsafe fn load<W: Word, const N: usize, const SIGNED: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    let raw = read!(ip, fp, cx, N);
    let value = if SIGNED {
        W::sign_extend(raw, N as u32 * 8)
    } else {
        W::from_u64(raw)
    };
    // SAFETY: `dst` is a slot of the frame.
    unsafe { set(fp, (*ip).dst, value) };
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// The address `i32(a + b)` (`IMM` false) or `i32(a + (imm >> 32))` (`IMM` true) of a
/// fused `I32_ADD` and memory access, and the access's offset (the low half of `imm`).
///
/// # Safety
/// `ip` must be an op of the running function whose `a` (and `b` unless `IMM`) are slots
/// of the frame at `fp`.
#[inline(always)]
unsafe fn sum_address<W: Word, const IMM: bool>(ip: *const Inst<W>, fp: *mut W) -> (u64, u32) {
    // SAFETY: as the caller guarantees.
    unsafe {
        let i = &*ip;
        let addend = if IMM {
            (i.imm >> 32) as u32
        } else {
            get(fp, i.b).low_u64() as u32
        };
        let base = get(fp, i.a).low_u64() as u32;
        (u64::from(base.wrapping_add(addend)), i.imm as u32)
    }
}

/// The `N` bytes at `addr + offset` as a little-endian number, or `None` when they do not
/// all lie in linear memory.
#[inline(always)]
fn read_at<W: Word, const N: usize>(cx: &Cx<'_, '_, W>, addr: u64, offset: u32) -> Option<u64> {
    let at = span(cx, addr, offset, N, false)?;
    // SAFETY: `span` checked that the `N` bytes at `at` lie in memory.
    let bytes = unsafe { at.cast::<[u8; N]>().read() };
    Some((0..N).fold(0u64, |raw, k| raw | u64::from(bytes[k]) << (8 * k)))
}

/// Writes the low `N` bytes of `value` at `addr + offset`; false when they do not all lie
/// in writable linear memory.
#[inline(always)]
fn write_at<W: Word, const N: usize>(
    cx: &Cx<'_, '_, W>,
    addr: u64,
    offset: u32,
    value: u64,
) -> bool {
    let Some(at) = span(cx, addr, offset, N, true) else {
        return false;
    };
    let bytes: [u8; N] = std::array::from_fn(|k| (value >> (8 * k)) as u8);
    // SAFETY: `span` checked that the `N` bytes at `at` lie in writable memory.
    unsafe { at.cast::<[u8; N]>().write(bytes) };
    true
}

/// Loads the `N` bytes at `addr + offset` into slot `dst`, sign-extended to the word when
/// `SIGNED`, and continues; or stops with the out-of-bounds trap.
#[inline(always)]
fn load_into<W: Word, const N: usize, const SIGNED: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    addr: u64,
    offset: u32,
) -> Next<W> {
    let Some(raw) = read_at::<W, N>(cx, addr, offset) else {
        return fault(ip, fp, cx, addr, offset, N);
    };
    let value = if SIGNED {
        W::sign_extend(raw, N as u32 * 8)
    } else {
        W::from_u64(raw)
    };
    // SAFETY: `dst` is a slot of the frame.
    unsafe { set(fp, (*ip).dst, value) };
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `dst = load(i32(a + b) + offset)` (`IMM` false) or `dst = load(i32(a + (imm >> 32)) +
/// offset)` (`IMM` true) of `N` bytes, sign-extended to the word when `SIGNED`, the offset
/// being the low half of `imm`: an `I32_ADD` fused with the word load of its sum. The
/// address is below 2^32, so its end cannot wrap and one comparison checks it.
pub(super) unsafe fn load_sum<W: Word, const N: usize, const SIGNED: bool, const IMM: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a` and `b` are slots of its frame.
    let (addr, offset) = unsafe { sum_address::<W, IMM>(ip, fp) };
    load_into::<W, N, SIGNED>(ip, fp, cx, addr, offset)
}

/// [`load_sum`] that also writes the sum (as the `I32_ADD` does) to slot `imm >> 32`
/// (`IMM` false) or slot `b` (`IMM` true) before loading: an `I32_ADD` kept in a local
/// fused with the word load from it.
pub(super) unsafe fn load_sum_keep<W: Word, const N: usize, const SIGNED: bool, const IMM: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a`, `b` (or, with `IMM`, the
    // sum's slot `b`) and the sum's slot are slots of its frame.
    let (addr, offset) = unsafe {
        let i = &*ip;
        let (addend, sum_slot) = if IMM {
            ((i.imm >> 32) as u32, i.b)
        } else {
            (get(fp, i.b).low_u64() as u32, (i.imm >> 32) as u32)
        };
        let sum = (get(fp, i.a).low_u64() as u32).wrapping_add(addend);
        set(fp, sum_slot, W::from_u64(u64::from(sum)));
        (u64::from(sum), i.imm as u32)
    };
    load_into::<W, N, SIGNED>(ip, fp, cx, addr, offset)
}

/// `store(i32(a + b) + offset, dst)` (`IMM` false) or `store(i32(a + (imm >> 32)) +
/// offset, dst)` (`IMM` true) of the low `N` bytes, the offset being the low half of
/// `imm`: an `I32_ADD` fused with the word store to its sum (`CONST`: `dst` is the value
/// itself).
pub(super) unsafe fn store_sum<W: Word, const N: usize, const IMM: bool, const CONST: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a`, `b` and (unless `CONST`) `dst`
    // are slots of its frame.
    let ((addr, offset), value) = unsafe {
        let value = if CONST {
            u64::from((*ip).dst)
        } else {
            get(fp, (*ip).dst).low_u64()
        };
        (sum_address::<W, IMM>(ip, fp), value)
    };
    if !write_at::<W, N>(cx, addr, offset, value) {
        return fault(ip, fp, cx, addr, offset, N);
    }
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// Typed load `OP` of `i32(a + b) + offset` (`IMM` false) or `i32(a + (imm >> 32)) +
/// offset` (`IMM` true) into `dst`, the offset being the low half of `imm`: an `I32_ADD`
/// fused with the typed load of its sum.
pub(super) unsafe fn typed_load_sum<W: Word, const OP: u16, const IMM: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    let load = const {
        match TypedOp::ALL[OP as usize].group() {
            TypedGroup::Load(load) => load,
            _ => panic!("typed_load_sum instantiated for an op that is not a load"),
        }
    };
    // SAFETY: `ip` is an op of the running function; `a` and `b` are slots of its frame.
    let (addr, offset) = unsafe { sum_address::<W, IMM>(ip, fp) };
    let raw = match load.bytes() {
        1 => read_at::<W, 1>(cx, addr, offset),
        2 => read_at::<W, 2>(cx, addr, offset),
        4 => read_at::<W, 4>(cx, addr, offset),
        _ => read_at::<W, 8>(cx, addr, offset),
    };
    let Some(raw) = raw else {
        return fault(ip, fp, cx, addr, offset, load.bytes());
    };
    // SAFETY: `dst` is a slot of the frame.
    unsafe { set(fp, (*ip).dst, W::from_u64(load.extend(raw))) };
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// Typed store `OP` of slot `dst` to `i32(a + b) + offset` (`IMM` false) or
/// `i32(a + (imm >> 32)) + offset` (`IMM` true), the offset being the low half of `imm`:
/// an `I32_ADD` fused with the typed store to its sum.
pub(super) unsafe fn typed_store_sum<W: Word, const OP: u16, const IMM: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    let store = const {
        match TypedOp::ALL[OP as usize].group() {
            TypedGroup::Store(store) => store,
            _ => panic!("typed_store_sum instantiated for an op that is not a store"),
        }
    };
    // SAFETY: `ip` is an op of the running function; `a`, `b` and `dst` are slots of its
    // frame.
    let ((addr, offset), slot) =
        unsafe { (sum_address::<W, IMM>(ip, fp), get(fp, (*ip).dst).low_u64()) };
    let value = if store.wide() {
        slot
    } else {
        slot & 0xFFFF_FFFF
    };
    let written = match store.bytes() {
        1 => write_at::<W, 1>(cx, addr, offset, value),
        2 => write_at::<W, 2>(cx, addr, offset, value),
        4 => write_at::<W, 4>(cx, addr, offset, value),
        _ => write_at::<W, 8>(cx, addr, offset, value),
    };
    if !written {
        return fault(ip, fp, cx, addr, offset, store.bytes());
    }
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `store(a + imm, b)` of the low `N` bytes (`CONST`: `b` is the value itself).
pub(super) unsafe fn store<W: Word, const N: usize, const CONST: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; unless `CONST`, `b` is a slot of the
    // frame.
    let value = unsafe {
        if CONST {
            u64::from((*ip).b)
        } else {
            get(fp, (*ip).b).low_u64()
        }
    };
    write!(ip, fp, cx, N, value);
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `dst = load(a + imm)`, typed load `OP` (one-slot values).
pub(super) unsafe fn typed_load<W: Word, const OP: u16>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    let load = const {
        match TypedOp::ALL[OP as usize].group() {
            TypedGroup::Load(load) => load,
            _ => panic!("typed_load instantiated for an op that is not a load"),
        }
    };
    let raw = match load.bytes() {
        1 => read!(ip, fp, cx, 1),
        2 => read!(ip, fp, cx, 2),
        4 => read!(ip, fp, cx, 4),
        _ => read!(ip, fp, cx, 8),
    };
    // SAFETY: `dst` is a slot of the frame.
    unsafe { set(fp, (*ip).dst, W::from_u64(load.extend(raw))) };
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `store(a + imm, b)`, typed store `OP` (one-slot values).
pub(super) unsafe fn typed_store<W: Word, const OP: u16>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    let store = const {
        match TypedOp::ALL[OP as usize].group() {
            TypedGroup::Store(store) => store,
            _ => panic!("typed_store instantiated for an op that is not a store"),
        }
    };
    // SAFETY: `b` is a slot of the frame.
    let slot = unsafe { get(fp, (*ip).b) }.low_u64();
    let value = if store.wide() {
        slot
    } else {
        slot & 0xFFFF_FFFF
    };
    match store.bytes() {
        1 => write!(ip, fp, cx, 1, value),
        2 => write!(ip, fp, cx, 2, value),
        4 => write!(ip, fp, cx, 4, value),
        _ => write!(ip, fp, cx, 8, value),
    }
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `dst = load(a + imm)` of a whole word.
pub(super) unsafe fn load_word<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a` is a slot of its frame.
    let (word, offset) = unsafe { (get(fp, (*ip).a), (*ip).imm as u32) };
    let Some(addr) = word.to_address() else {
        return wide_fault(ip, fp, cx, W::BYTES);
    };
    let Some(at) = span(cx, addr, offset, W::BYTES, false) else {
        return fault(ip, fp, cx, addr, offset, W::BYTES);
    };
    // SAFETY: `span` checked that the word's bytes at `at` lie in memory.
    let value = W::from_le_slice(unsafe { std::slice::from_raw_parts(at, W::BYTES) });
    // SAFETY: `dst` is a slot of the frame.
    unsafe { set(fp, (*ip).dst, value) };
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `store(a + imm, b)` of a whole word.
pub(super) unsafe fn store_word<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a` and `b` are slots of its frame.
    let (word, value, offset) = unsafe { (get(fp, (*ip).a), get(fp, (*ip).b), (*ip).imm as u32) };
    let Some(addr) = word.to_address() else {
        return wide_fault(ip, fp, cx, W::BYTES);
    };
    let Some(at) = span(cx, addr, offset, W::BYTES, true) else {
        return fault(ip, fp, cx, addr, offset, W::BYTES);
    };
    // SAFETY: `span` checked that the word's bytes at `at` lie in writable memory.
    value.write_le_slice(unsafe { std::slice::from_raw_parts_mut(at, W::BYTES) });
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// Writes the low 8 bytes of `value` at slot `dst` + `offset`, then continues: the store
/// half of [`binary_store`] and [`mul_then_store`].
#[inline(always)]
fn store_result<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    value: Result<W, TrapKind>,
    offset: u32,
) -> Next<W> {
    let value = match value {
        Ok(value) => value.low_u64(),
        Err(kind) => return trap(ip, fp, cx, kind),
    };
    // SAFETY: `ip` is an op of the running function; `dst` is a slot of its frame.
    let slot = unsafe { (*ip).dst };
    // SAFETY: as above.
    let Some(addr) = unsafe { get(fp, slot) }.to_address() else {
        return wide_fault_at(ip, fp, cx, slot, 8);
    };
    if !write_at::<W, 8>(cx, addr, offset, value) {
        return fault(ip, fp, cx, addr, offset, 8);
    }
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}

/// `store(dst + imm, a op b)` of the low 8 bytes: typed binary op `OP` fused with the
/// `STORE64` of its result.
pub(super) unsafe fn binary_store<W: Word, const OP: u16>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a` and `b` are slots of its frame.
    let (a, b, offset) = unsafe { (get(fp, (*ip).a), get(fp, (*ip).b), (*ip).imm as u32) };
    let value = binary_value::<W, OP>(a, b, &mut cx.m.memory);
    store_result(ip, fp, cx, value, offset)
}

/// `store(dst + (imm >> 32), (a * b) op slot (imm & 0xFFFF_FFFF))` (`LEFT`, or the
/// mirror) of the low 8 bytes: a fused `F64_MUL` and typed op `OP` fused again with the
/// `STORE64` of its result.
pub(super) unsafe fn mul_then_store<W: Word, const OP: u16, const LEFT: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a`, `b` and slot `imm & 0xFFFF_FFFF`
    // are slots of its frame.
    let (a, b, other, offset) = unsafe {
        let i = &*ip;
        let other = get(fp, i.imm as u32);
        (get(fp, i.a), get(fp, i.b), other, (i.imm >> 32) as u32)
    };
    let value = mul_then_value::<W, OP, LEFT>(a, b, other, &mut cx.m.memory);
    store_result(ip, fp, cx, value, offset)
}

/// `MEMORY_COPY` (`COPY`) or `MEMORY_FILL`: the destination address in slot `dst`, the
/// source address or fill byte in slot `a`, the byte count in slot `b` (`reg::Kind::Bulk`).
pub(super) unsafe fn bulk<W: Word, const COPY: bool>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function and its slot operands lie in the
    // frame.
    let (dst, value, len) = unsafe {
        let i = &*ip;
        (get(fp, i.dst), get(fp, i.a), get(fp, i.b))
    };
    match bulk_memory(&mut cx.m.memory, COPY, dst, value, len) {
        // SAFETY: a data op is never last: its block ends with a jump, return or trap.
        Ok(()) => next!(unsafe { ip.add(1) }, fp, cx),
        Err(kind) => trap(ip, fp, cx, kind),
    }
}

/// The work of [`bulk`], with the precise interpreter's checks in its order: the count,
/// then the source address, then the destination (neither grows the memory, so the
/// context's cached address stays valid).
#[inline(never)]
fn bulk_memory<W: Word>(
    memory: &mut LinearMemory,
    copy: bool,
    dst: W,
    value: W,
    len: W,
) -> Result<(), TrapKind> {
    let len = length(len, dst)?;
    if copy {
        let src = address(value, len)?;
        memory.copy(address(dst, len)?, src, len)
    } else {
        memory.fill(address(dst, len)?, value.low_u64() as u8, len)
    }
}
