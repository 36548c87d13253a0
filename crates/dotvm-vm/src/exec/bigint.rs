//! The BigInt instructions: values live in the run's [`BigIntHeap`] and the guest holds
//! handles. Each instruction computes its cost (fuel and a bound of the result's bytes)
//! from its operands first, makes room under the memory limit (collecting garbage when
//! due), pays, and only then computes. Handle layout, collection and costs:
//! `docs/crypto.md`.

use super::Machine;
use super::slow_path::{at, charge, finish, operands, range};
use crate::bigint_op::BigOp;
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_crypto::bigint::ops::{self, ByteFormat, Cost};
use dotvm_crypto::bigint::{BigIntHeap, NO_VALUE};
use dotvm_crypto::fuel;
use num_bigint::BigInt;

/// Runs one BigInt instruction on the saved machine state.
pub(super) fn execute<W: Word>(m: &mut Machine<'_, W>, op: BigOp) -> Result<(), TrapKind> {
    m.check_interrupt()?;
    match op {
        BigOp::FromWord { signed } => {
            let [w] = operands(m);
            let cost = ops::from_bytes_cost(W::BYTES as u64);
            create(m, cost, 1, |_| Ok(Some(from_word(w, signed))))
        }
        BigOp::ToWord => {
            let [h] = operands(m);
            let value = get(&m.bigints, h)?;
            let cost = ops::to_bytes_cost(value);
            charge(&mut m.fuel, cost)?;
            let word = to_word::<W>(get(&m.bigints, h)?);
            finish(m, 1, Some(word));
            Ok(())
        }
        BigOp::FromBytes(format) => {
            let [src, len] = operands(m);
            let (src, len) = range(src, len)?;
            m.memory.read(src, len)?;
            create(m, ops::from_bytes_cost(len), 2, |m| {
                Ok(Some(ops::from_bytes(format, m.memory.read(src, len)?)))
            })
        }
        BigOp::FromDec => {
            let [src, len] = operands(m);
            let (src, len) = range(src, len)?;
            m.memory.read(src, len)?;
            create(m, ops::from_decimal_cost(len), 2, |m| {
                Ok(ops::from_decimal(m.memory.read(src, len)?))
            })
        }
        BigOp::ToBytes(format) => {
            let cost = ops::to_bytes_cost(get(&m.bigints, operands::<W, 3>(m)[0])?);
            write_out(m, cost, |value| ops::to_bytes(format, value))
        }
        BigOp::ToDec => {
            let cost = ops::to_decimal_cost(get(&m.bigints, operands::<W, 3>(m)[0])?);
            write_out(m, cost, |value| ops::to_decimal(value).into_bytes())
        }
        BigOp::Binary(op) => {
            let [a, b] = operands(m);
            let cost = op.cost(get(&m.bigints, a)?, get(&m.bigints, b)?);
            create(m, cost, 2, |m| {
                op.apply(get(&m.bigints, a)?, get(&m.bigints, b)?)
                    .map_err(|_| TrapKind::DivideByZero)
            })
        }
        BigOp::Unary(op) => {
            let [a] = operands(m);
            let cost = op.cost(get(&m.bigints, a)?);
            create(m, cost, 1, |m| Ok(Some(op.apply(get(&m.bigints, a)?))))
        }
        BigOp::WithWord(op) => {
            let [a, n] = operands(m);
            let n = count(n);
            let cost = op.cost(get(&m.bigints, a)?, n);
            create(m, cost, 2, |m| Ok(Some(op.apply(get(&m.bigints, a)?, n))))
        }
        BigOp::ModPow => {
            let [a, e, modulus] = operands(m);
            let cost = ops::modpow_cost(
                get(&m.bigints, a)?,
                get(&m.bigints, e)?,
                get(&m.bigints, modulus)?,
            );
            create(m, cost, 3, |m| {
                let heap = &m.bigints;
                ops::modpow(get(heap, a)?, get(heap, e)?, get(heap, modulus)?)
                    .map_err(|_| TrapKind::DivideByZero)
            })
        }
        BigOp::Cmp => {
            let [a, b] = operands(m);
            let (x, y) = (get(&m.bigints, a)?, get(&m.bigints, b)?);
            let cost = ops::cmp_cost(x, y);
            let order = ops::cmp(x, y);
            charge(&mut m.fuel, cost)?;
            let word = match order {
                -1 => W::ALL_ONES,
                0 => W::ZERO,
                _ => W::ONE,
            };
            finish(m, 2, Some(word));
            Ok(())
        }
        BigOp::Free => {
            let [h] = operands(m);
            m.bigints
                .free(handle(h)?)
                .map_err(|e| TrapKind::BadHandle { handle: e.0 })?;
            m.memory.set_external_bytes(m.bigints.bytes());
            finish(m, 1, None);
            Ok(())
        }
        BigOp::Count => {
            finish(m, 0, Some(W::from_u64(m.bigints.live() as u64)));
            Ok(())
        }
        BigOp::Collect => {
            collect(m)?;
            finish(m, 0, Some(W::from_u64(m.bigints.live() as u64)));
            Ok(())
        }
    }
}

/// A word as a handle (words wider than 64 bits that do not fit are never handles).
fn handle<W: Word>(word: W) -> Result<u64, TrapKind> {
    word.to_address().ok_or(TrapKind::BadHandle {
        handle: word.low_u64(),
    })
}

/// The object a handle word names.
fn get<W: Word>(heap: &BigIntHeap, word: W) -> Result<&BigInt, TrapKind> {
    heap.get(handle(word)?)
        .map_err(|e| TrapKind::BadHandle { handle: e.0 })
}

/// An unsigned word operand (shift count, exponent) as a `u64`. A count wider than 64 bits
/// saturates, keeping its parity (all that matters for bases 0, 1 and -1; any other base
/// passes the memory limit either way).
fn count<W: Word>(word: W) -> u64 {
    word.to_address()
        .unwrap_or(u64::MAX - 1 + (word.low_u64() & 1))
}

/// The word as a BigInt, unsigned or two's complement.
fn from_word<W: Word>(w: W, signed: bool) -> BigInt {
    if W::BYTES <= 8 {
        let bits = w.low_u64();
        let shift = 64 - W::BITS;
        return if signed {
            BigInt::from(((bits << shift) as i64) >> shift)
        } else {
            BigInt::from(bits)
        };
    }
    let mut bytes = [0u8; 64];
    w.write_le_slice(&mut bytes[..W::BYTES]);
    let format = if signed {
        ByteFormat::LeSigned
    } else {
        ByteFormat::Le
    };
    ops::from_bytes(format, &bytes[..W::BYTES])
}

/// The low word of `value` in two's complement.
fn to_word<W: Word>(value: &BigInt) -> W {
    let bytes = value.to_signed_bytes_le();
    let fill = if value.sign() == num_bigint::Sign::Minus {
        0xFF
    } else {
        0
    };
    let mut word = [fill; 64];
    let n = bytes.len().min(W::BYTES);
    word[..n].copy_from_slice(&bytes[..n]);
    W::from_le_slice(&word[..W::BYTES])
}

/// Creates an object: makes room for `cost.bytes`, pays `cost.fuel`, computes (operands are
/// still on the stack, so a collection cannot take them), stores the result (or pushes
/// [`NO_VALUE`] for `None`) in place of `pops` operands.
fn create<W: Word>(
    m: &mut Machine<'_, W>,
    cost: Cost,
    pops: usize,
    compute: impl FnOnce(&Machine<'_, W>) -> Result<Option<BigInt>, TrapKind>,
) -> Result<(), TrapKind> {
    reserve(m, cost.bytes)?;
    charge(&mut m.fuel, cost.fuel)?;
    let handle = match compute(m)? {
        Some(value) => m.bigints.insert(value).ok_or(TrapKind::MemoryLimit {
            requested: cost.bytes,
        })?,
        None => NO_VALUE,
    };
    m.memory.set_external_bytes(m.bigints.bytes());
    finish(m, pops, Some(W::from_u64(handle)));
    Ok(())
}

/// `h dst cap -- n`: encodes the object (after paying `fuel`) and writes it to `dst` when
/// its `n` bytes fit `cap`.
fn write_out<W: Word>(
    m: &mut Machine<'_, W>,
    fuel: u64,
    encode: impl FnOnce(&BigInt) -> Vec<u8>,
) -> Result<(), TrapKind> {
    let [h, dst, cap] = operands(m);
    charge(&mut m.fuel, fuel)?;
    let bytes = encode(get(&m.bigints, h)?);
    let n = bytes.len() as u64;
    if cap.to_address().is_none_or(|cap| n <= cap) {
        // The size is known only now: a bad destination traps with the fuel given back.
        if let Err(trap) = at(dst, n).and_then(|dst| m.memory.write(dst, &bytes)) {
            m.fuel += fuel;
            return Err(trap);
        }
    }
    finish(m, 3, Some(W::from_u64(n)));
    Ok(())
}

/// Makes room for `bytes` more BigInt bytes under the memory limit: collects first when a
/// collection is due or the room is short, and traps when it is still short.
fn reserve<W: Word>(m: &mut Machine<'_, W>, bytes: u64) -> Result<(), TrapKind> {
    if m.bigints.collection_due(m.memory.size_bytes()) || bytes > m.memory.headroom() {
        collect(m)?;
    }
    if bytes > m.memory.headroom() {
        return Err(TrapKind::MemoryLimit { requested: bytes });
    }
    Ok(())
}

/// Runs the collector (after paying for it) with every value-stack slot, global and aligned
/// memory word (4 bytes on Arch32, else 8: a handle's width) as a possible root.
fn collect<W: Word>(m: &mut Machine<'_, W>) -> Result<(), TrapKind> {
    let memory = m.memory.read(0, m.memory.size_bytes())?;
    let width = if W::BITS == 32 { 4 } else { 8 };
    let words = (m.sp + m.globals.len()) as u64 + memory.len() as u64 / width as u64;
    charge(&mut m.fuel, fuel::collect(words, m.bigints.slots() as u64))?;
    let stack = m.stack[..m.sp].iter().chain(&m.globals);
    let roots = stack
        .filter_map(|w| w.to_address())
        .chain(memory.chunks_exact(width).map(|chunk| {
            let mut word = [0u8; 8];
            word[..width].copy_from_slice(chunk);
            u64::from_le_bytes(word)
        }));
    m.bigints.collect(roots);
    m.memory.set_external_bytes(m.bigints.bytes());
    Ok(())
}
