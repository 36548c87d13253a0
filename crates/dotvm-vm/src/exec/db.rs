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

use super::interp::{address, length};
use crate::memory::LinearMemory;
use crate::state::{Query, StateError, StateStore, Status};
use crate::trap::TrapKind;
use crate::word::Word;
use dotvm_core::{Arch, Opcode};

/// Declares [`DbOp`] with the opcode of each variant, in one list.
macro_rules! db_ops {
    ($($name:ident => $opcode:ident),* $(,)?) => {
        /// One database opcode, as the interpreter dispatches it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum DbOp {
            $(
                #[doc = concat!("`", stringify!($opcode), "`.")]
                $name,
            )*
        }

        impl DbOp {
            /// The opcode.
            const fn opcode(self) -> Opcode {
                match self {
                    $( DbOp::$name => Opcode::$opcode, )*
                }
            }

            /// The database op of `opcode`, or `None` when it is not a database opcode.
            pub(crate) fn from_opcode(opcode: Opcode) -> Option<DbOp> {
                match opcode {
                    $( Opcode::$opcode => Some(DbOp::$name), )*
                    _ => None,
                }
            }
        }
    };
}

db_ops! {
    Get => DbGet,
    Put => DbPut,
    Delete => DbDelete,
    Count => DbCount,
    Query => DbQuery,
    Savepoint => DbSavepoint,
    RollbackTo => DbRollbackTo,
    Release => DbRelease,
}

impl DbOp {
    /// Words the opcode pops: its table row's stack effect (word operands only, so the
    /// same on every architecture).
    pub(crate) fn pops(self) -> usize {
        self.opcode()
            .info()
            .effect
            .slots(Arch::Arch64)
            .map_or(0, |(pops, _)| pops as usize)
    }
}

/// The words an opcode pushes, deepest first (at most three).
pub(super) struct Pushes<W> {
    /// The values; only the first `len` are pushed.
    pub(super) values: [W; 3],
    /// How many.
    pub(super) len: usize,
}

impl<W: Word> Pushes<W> {
    /// Pushes `values`.
    fn of<const N: usize>(values: [W; N]) -> Pushes<W> {
        let mut all = [W::ZERO; 3];
        all[..N].copy_from_slice(&values);
        Pushes {
            values: all,
            len: N,
        }
    }
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

/// Runs `op` with its popped operands `args` (deepest first).
pub(super) fn execute<W: Word>(
    op: DbOp,
    memory: &mut LinearMemory,
    state: Option<&mut dyn StateStore>,
    args: &[W],
) -> Result<Pushes<W>, TrapKind> {
    let Some(state) = state else {
        return Err(TrapKind::State(
            "this run has no state store (database access was not granted)".into(),
        ));
    };
    match (op, args) {
        (DbOp::Get, &[coll, coll_len, key, key_len, buf, cap]) => {
            let (buf, cap) = output(memory, buf, cap)?;
            let found = state.get(guest(memory, coll, coll_len)?, guest(memory, key, key_len)?);
            match found {
                Ok(Some(value)) if value.len() as u64 <= cap => {
                    let len = word(value.len() as u64);
                    if !value.is_empty() {
                        memory.write(buf, value)?;
                    }
                    Ok(Pushes::of([len, status(Status::Ok)]))
                }
                Ok(Some(value)) => Ok(Pushes::of([
                    word(value.len() as u64),
                    status(Status::BufferTooSmall),
                ])),
                Ok(None) => Ok(Pushes::of([W::ZERO, status(Status::NotFound)])),
                Err(error) => Ok(Pushes::of([W::ZERO, status_of(error)?])),
            }
        }
        (DbOp::Put, &[coll, coll_len, key, key_len, value, value_len]) => {
            let result = state.put(
                guest(memory, coll, coll_len)?,
                guest(memory, key, key_len)?,
                guest(memory, value, value_len)?,
            );
            Ok(Pushes::of([done(result)?]))
        }
        (DbOp::Delete, &[coll, coll_len, key, key_len]) => {
            let result = state.delete(guest(memory, coll, coll_len)?, guest(memory, key, key_len)?);
            let word = match result {
                Ok(true) => status(Status::Ok),
                Ok(false) => status(Status::NotFound),
                Err(error) => status_of(error)?,
            };
            Ok(Pushes::of([word]))
        }
        (DbOp::Count, &[coll, coll_len, query, query_len]) => {
            let coll = guest(memory, coll, coll_len)?;
            let counted = Query::decode(guest(memory, query, query_len)?)
                .and_then(|query| state.count(coll, &query));
            match counted {
                Ok(count) => Ok(Pushes::of([word(count), status(Status::Ok)])),
                Err(error) => Ok(Pushes::of([W::ZERO, status_of(error)?])),
            }
        }
        (DbOp::Query, &[coll, coll_len, query, query_len, buf, cap]) => {
            let (buf, cap) = output(memory, buf, cap)?;
            let coll = guest(memory, coll, coll_len)?;
            let entries = match Query::decode(guest(memory, query, query_len)?)
                .and_then(|query| state.query(coll, &query))
            {
                Ok(entries) => entries,
                Err(error) => return Ok(Pushes::of([W::ZERO, W::ZERO, status_of(error)?])),
            };
            let count = word(entries.len() as u64);
            let needed: u64 = entries
                .iter()
                .map(|(k, v)| 8 + k.len() as u64 + v.len() as u64)
                .sum();
            if needed > cap {
                return Ok(Pushes::of([
                    count,
                    word(needed),
                    status(Status::BufferTooSmall),
                ]));
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
            Ok(Pushes::of([count, word(needed), status(Status::Ok)]))
        }
        (DbOp::Savepoint, &[]) => {
            let id = state.savepoint().map_err(trap_of)?;
            Ok(Pushes::of([word(id)]))
        }
        (DbOp::RollbackTo, &[id]) => Ok(Pushes::of([done(match savepoint_id(id) {
            Some(id) => state.rollback_to(id),
            None => Err(StateError::NoSavepoint(0)),
        })?])),
        (DbOp::Release, &[id]) => Ok(Pushes::of([done(match savepoint_id(id) {
            Some(id) => state.release(id),
            None => Err(StateError::NoSavepoint(0)),
        })?])),
        _ => Err(TrapKind::State(format!(
            "{op:?} received {} operands (a loader bug)",
            args.len()
        ))),
    }
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
