//! The database opcodes: read their operands from the stack and guest memory, call the run's
//! [`StateStore`], and write results back to guest memory.
//!
//! Rules shared by every database opcode (documented in `docs/state.md`):
//!
//! * pointer/length pairs name guest memory; a pair outside memory traps `OutOfBounds`, like
//!   any load. An output buffer must lie in writable memory (outside the read-only constant
//!   region) even when nothing is written to it, except that a capacity of 0 is never
//!   touched (so `0 0` asks only for the length);
//! * guest-data conditions (not found, buffer too small, bad name, oversized key or value,
//!   malformed query, unknown savepoint) push a [`Status`]; a run without a store and store
//!   failures trap `State`;
//! * when a result does not fit its buffer, nothing is written and the length word holds the
//!   bytes needed.

use super::Machine;
use super::operand::{address, length};
use super::slow_path::charge;
use crate::db_op::{DbFuel, DbOp};
use crate::memory::LinearMemory;
use crate::state::{Query, StateError, StateStore, Status};
use crate::trap::TrapKind;
use crate::word::Word;
use std::sync::atomic::AtomicBool;

/// `⌈bytes / 8⌉`, the byte part of a database opcode's fuel.
fn bytes_fuel(bytes: u64) -> u64 {
    bytes.div_ceil(8)
}

/// A count, length or id as a word; all ones when it does not fit the word (Arch32).
fn word<W: Word>(value: u64) -> W {
    if W::BITS < 64 && value >> W::BITS != 0 {
        W::ALL_ONES
    } else {
        W::from_u64(value)
    }
}

/// A status as a word.
fn status<W: Word>(status: Status) -> W {
    W::from_u64(u64::from(status.code()))
}

/// The status for a store error, or the trap when the error is the store's own failure.
fn status_of<W: Word>(error: StateError) -> Result<W, TrapKind> {
    match error.status() {
        Some(s) => Ok(status(s)),
        None => Err(trap_of(error)),
    }
}

/// The trap for a store error without a status: a denied operation or a store failure.
fn trap_of(error: StateError) -> TrapKind {
    match error {
        StateError::Denied {
            operation,
            capability,
        } => TrapKind::Denied {
            call: operation,
            capability,
        },
        // The caller turns this into the run's time-limit or interrupt trap.
        StateError::Interrupted => TrapKind::Interrupted,
        error => TrapKind::State(error.to_string()),
    }
}

/// The guest bytes named by a pointer/length pair.
fn guest<W: Word>(memory: &LinearMemory, addr: W, len: W) -> Result<&[u8], TrapKind> {
    let len = length(len, addr)?;
    memory.read(address(addr, len)?, len)
}

/// An output buffer: its address and capacity, after checking it is writable.
fn output<W: Word>(memory: &mut LinearMemory, addr: W, cap: W) -> Result<(u64, u64), TrapKind> {
    let cap = length(cap, addr)?;
    if cap == 0 {
        return Ok((0, 0));
    }
    let addr = address(addr, cap)?;
    memory.read_mut(addr, cap)?;
    Ok((addr, cap))
}

/// Runs `op` on the machine's saved stack (see `slow_path`): reads its operands in place,
/// checks its memory ranges, charges its fuel (before any write to the store or to memory;
/// a query or count is cut off where the fuel left runs out, so one instruction never reads
/// more than it can pay for), then does the work and replaces the operands with the
/// results. A trap leaves the stack, memory and store as they were.
pub(super) fn execute<W: Word>(m: &mut Machine<'_, W>, op: DbOp) -> Result<(), TrapKind> {
    m.check_interrupt()?;
    let pops = op.pops();
    let mut args = [W::ZERO; 6];
    args[..pops].copy_from_slice(&m.stack[m.sp - pops..m.sp]);
    let Machine {
        memory,
        state,
        fuel,
        interrupt,
        ..
    } = m;
    let Some(state) = state.as_deref_mut() else {
        return Err(TrapKind::State(
            "this run has no state store (database access was not granted)".into(),
        ));
    };
    let pushes = match run(op, memory, state, fuel, interrupt, &args[..pops]) {
        Ok(pushes) => pushes,
        Err(TrapKind::Interrupted) => return Err(m.interruption()),
        Err(kind) => return Err(kind),
    };
    m.sp -= pops;
    for &value in &pushes[..] {
        m.stack[m.sp] = value;
        m.sp += 1;
    }
    Ok(())
}

/// The work of [`execute`]: returns the words to push, deepest first.
fn run<W: Word>(
    op: DbOp,
    memory: &mut LinearMemory,
    state: &mut dyn StateStore,
    fuel: &mut u64,
    interrupt: &AtomicBool,
    args: &[W],
) -> Result<Vec<W>, TrapKind> {
    let DbFuel { base, per_entry } = op.fuel();
    match (op, args) {
        (DbOp::Get, &[coll, coll_len, key, key_len, buf, cap]) => {
            let (buf, cap) = output(memory, buf, cap)?;
            let (coll, key) = (guest(memory, coll, coll_len)?, guest(memory, key, key_len)?);
            let found = state.get(coll, key);
            let returned = match &found {
                Ok(Some(value)) => value.len() as u64,
                _ => 0,
            };
            let moved = coll.len() as u64 + key.len() as u64 + returned;
            charge(fuel, base + bytes_fuel(moved))?;
            match found {
                Ok(Some(value)) if value.len() as u64 <= cap => {
                    let len = word(value.len() as u64);
                    if !value.is_empty() {
                        memory.write(buf, value)?;
                    }
                    Ok(vec![len, status(Status::Ok)])
                }
                Ok(Some(value)) => Ok(vec![
                    word(value.len() as u64),
                    status(Status::BufferTooSmall),
                ]),
                Ok(None) => Ok(vec![W::ZERO, status(Status::NotFound)]),
                Err(error) => Ok(vec![W::ZERO, status_of(error)?]),
            }
        }
        (DbOp::Put, &[coll, coll_len, key, key_len, value, value_len]) => {
            let coll = guest(memory, coll, coll_len)?;
            let key = guest(memory, key, key_len)?;
            let value = guest(memory, value, value_len)?;
            let moved = coll.len() as u64 + key.len() as u64 + value.len() as u64;
            charge(fuel, base + bytes_fuel(moved))?;
            Ok(vec![done(state.put(coll, key, value))?])
        }
        (DbOp::Delete, &[coll, coll_len, key, key_len]) => {
            let (coll, key) = (guest(memory, coll, coll_len)?, guest(memory, key, key_len)?);
            charge(
                fuel,
                base + bytes_fuel(coll.len() as u64 + key.len() as u64),
            )?;
            let word = match state.delete(coll, key) {
                Ok(true) => status(Status::Ok),
                Ok(false) => status(Status::NotFound),
                Err(error) => status_of(error)?,
            };
            Ok(vec![word])
        }
        (DbOp::Count, &[coll, coll_len, query, query_len]) => {
            let coll = guest(memory, coll, coll_len)?;
            let query = guest(memory, query, query_len)?;
            let fixed = base + bytes_fuel(coll.len() as u64 + query.len() as u64);
            let counted = Query::decode(query).and_then(|query| {
                state.count_interruptible(
                    coll,
                    &affordable(query, *fuel, fixed, per_entry),
                    interrupt,
                )
            });
            match counted {
                Ok(count) => {
                    charge(fuel, fixed.saturating_add(count.saturating_mul(per_entry)))?;
                    Ok(vec![word(count), status(Status::Ok)])
                }
                Err(error) => {
                    charge(fuel, fixed)?;
                    Ok(vec![W::ZERO, status_of(error)?])
                }
            }
        }
        (DbOp::Query, &[coll, coll_len, query, query_len, buf, cap]) => {
            let (buf, cap) = output(memory, buf, cap)?;
            let coll = guest(memory, coll, coll_len)?;
            let query = guest(memory, query, query_len)?;
            let fixed = base + bytes_fuel(coll.len() as u64 + query.len() as u64);
            let entries = match Query::decode(query).and_then(|query| {
                state.query_interruptible(
                    coll,
                    &affordable(query, *fuel, fixed, per_entry),
                    interrupt,
                )
            }) {
                Ok(entries) => entries,
                Err(error) => {
                    charge(fuel, fixed)?;
                    return Ok(vec![W::ZERO, W::ZERO, status_of(error)?]);
                }
            };
            let count = entries.len() as u64;
            let needed: u64 = entries
                .iter()
                .map(|(k, v)| 8 + k.len() as u64 + v.len() as u64)
                .sum();
            let cost = fixed
                .saturating_add(count.saturating_mul(per_entry))
                .saturating_add(bytes_fuel(needed));
            charge(fuel, cost)?;
            if needed > cap {
                return Ok(vec![
                    word(count),
                    word(needed),
                    status(Status::BufferTooSmall),
                ]);
            }
            if needed > 0 {
                let out = memory.read_mut(buf, needed)?;
                let mut at = 0;
                for (key, value) in &entries {
                    for part in [key, value] {
                        out[at..at + 4].copy_from_slice(&(part.len() as u32).to_le_bytes());
                        out[at + 4..at + 4 + part.len()].copy_from_slice(part);
                        at += 4 + part.len();
                    }
                }
            }
            Ok(vec![word(count), word(needed), status(Status::Ok)])
        }
        (DbOp::Savepoint, &[]) => {
            charge(fuel, base)?;
            let id = state.savepoint().map_err(trap_of)?;
            Ok(vec![word(id)])
        }
        (DbOp::RollbackTo, &[id]) => {
            charge(fuel, base)?;
            Ok(vec![done(match savepoint_id(id) {
                Some(id) => state.rollback_to(id),
                None => Err(StateError::NoSavepoint(0)),
            })?])
        }
        (DbOp::Release, &[id]) => {
            charge(fuel, base)?;
            Ok(vec![done(match savepoint_id(id) {
                Some(id) => state.release(id),
                None => Err(StateError::NoSavepoint(0)),
            })?])
        }
        _ => Err(TrapKind::State(format!(
            "{op:?} received {} operands (a loader bug)",
            args.len()
        ))),
    }
}

/// `query` with its limit lowered to one more entry than `fuel` can pay for after the
/// `fixed` part, so the store never reads more than the instruction can pay for (the one
/// extra entry makes the charge fail instead of silently shortening the result).
fn affordable(mut query: Query, fuel: u64, fixed: u64, per_entry: u64) -> Query {
    let entries = fuel.saturating_sub(fixed) / per_entry.max(1);
    let cap = entries.saturating_add(1);
    query.limit = Some(query.limit.map_or(cap, |limit| limit.min(cap)));
    query
}

/// `OK`, or the error's status, or its trap.
fn done<W: Word>(result: Result<(), StateError>) -> Result<W, TrapKind> {
    match result {
        Ok(()) => Ok(status(Status::Ok)),
        Err(error) => status_of(error),
    }
}

/// A savepoint id word; ids beyond 64 bits cannot exist.
fn savepoint_id<W: Word>(word: W) -> Option<u64> {
    word.to_address()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_cut_off_one_entry_past_what_the_fuel_pays() {
        let query = Query {
            range: crate::state::KeyRange::All,
            direction: crate::state::Direction::Ascending,
            limit: None,
            filter: None,
        };
        assert_eq!(affordable(query.clone(), 1000, 200, 50).limit, Some(17));
        assert_eq!(affordable(query.clone(), 100, 200, 50).limit, Some(1));
        let limited = Query {
            limit: Some(3),
            ..query
        };
        assert_eq!(affordable(limited, u64::MAX, 200, 50).limit, Some(3));
    }
}
