//! Memory handlers: word and typed loads and stores. The bounds check is inline; a fault
//! leaves through a cold function with scalar arguments, so the hot path needs no stack
//! frame and dispatches with a jump.

use super::ops::{get, set};
use super::{Cx, Inst, Next, next, stop};
use crate::memory::out_of_bounds;
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
    cx.end = Err(out_of_bounds(
        u128::from(addr) + u128::from(offset),
        len as u64,
    ));
    stop(ip, fp, cx)
}

/// Stops with the trap for an address word that does not fit 64 bits.
#[cold]
#[inline(never)]
fn wide_fault<W: Word>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
    len: usize,
) -> Next<W> {
    // SAFETY: `ip` is an op of the running function; `a` is a slot of its frame.
    let word = unsafe { get(fp, (*ip).a) };
    cx.end = Err(TrapKind::OutOfBounds {
        address: u128::try_from(word.to_imm()).unwrap_or(u128::MAX),
        len: len as u64,
    });
    stop(ip, fp, cx)
}

/// Reads the `N` bytes at slot `a` + `imm` as a little-endian number, or leaves.
macro_rules! read {
    ($ip:ident, $fp:ident, $cx:ident, $n:expr) => {{
        // SAFETY: `ip` is an op of the running function; `a` is a slot of its frame.
        let (word, offset) = unsafe { (get($fp, (*$ip).a), (*$ip).imm as u32) };
        let Some(addr) = word.to_address() else {
            return wide_fault($ip, $fp, $cx, $n);
        };
        match $cx.m.memory.get::<{ $n }>(addr, offset) {
            Some(bytes) => (0..$n).fold(0u64, |raw, k| raw | u64::from(bytes[k]) << (8 * k)),
            None => return fault($ip, $fp, $cx, addr, offset, $n),
        }
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
        match $cx.m.memory.get_mut::<{ $n }>(addr, offset) {
            Some(bytes) => *bytes = std::array::from_fn(|k| (value >> (8 * k)) as u8),
            None => return fault($ip, $fp, $cx, addr, offset, $n),
        }
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

/// `store(a + imm, b)` of the low `N` bytes.
pub(super) unsafe fn store<W: Word, const N: usize>(
    ip: *const Inst<W>,
    fp: *mut W,
    cx: &mut Cx<'_, '_, W>,
) -> Next<W> {
    // SAFETY: `b` is a slot of the frame.
    let value = unsafe { get(fp, (*ip).b) }.low_u64();
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
    let value = match cx.m.memory.load_bytes(addr, offset, W::BYTES) {
        Ok(bytes) => W::from_le_slice(bytes),
        Err(_) => return fault(ip, fp, cx, addr, offset, W::BYTES),
    };
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
    let mut bytes = [0u8; 64];
    value.write_le_slice(&mut bytes[..W::BYTES]);
    if cx
        .m
        .memory
        .store_bytes(addr, offset, &bytes[..W::BYTES])
        .is_err()
    {
        return fault(ip, fp, cx, addr, offset, W::BYTES);
    }
    // SAFETY: the op is followed by another of its block.
    next!(unsafe { ip.add(1) }, fp, cx)
}
