//! The state database (`docs/state.md`): values under keys in named collections, kept
//! between runs. A run is one transaction: its writes persist only when it exits with 0.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use crate::sys::{self, addr, len};

/// Why a database operation failed (the instructions' status codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbError {
    /// The result does not fit the buffer; it needs this many bytes.
    BufferTooSmall(usize),
    /// The collection name is empty or longer than 255 bytes.
    BadCollection,
    /// A key (or key bound) is longer than 1024 bytes.
    KeyTooLarge,
    /// The value is longer than 1 MiB.
    ValueTooLarge,
    /// The query descriptor is malformed.
    BadQuery,
    /// No open savepoint has this id.
    NoSavepoint,
    /// A status this SDK does not know.
    Other(u32),
}

/// Status `NOT_FOUND`.
const NOT_FOUND: i32 = 1;

/// The error of a status other than `OK` and `NOT_FOUND`; `len` is the length word.
fn error(status: i32, len: u32) -> DbError {
    match status {
        2 => DbError::BufferTooSmall(len as usize),
        3 => DbError::BadCollection,
        4 => DbError::KeyTooLarge,
        5 => DbError::ValueTooLarge,
        6 => DbError::BadQuery,
        7 => DbError::NoSavepoint,
        other => DbError::Other(other as u32),
    }
}

/// `Ok` for status 0, else the error.
fn check(status: i32) -> Result<(), DbError> {
    if status == 0 {
        Ok(())
    } else {
        Err(error(status, 0))
    }
}

/// Copies the value of `key` into `buf`: `Ok(Some(length))`, `Ok(None)` when there is no
/// such key, `Err(BufferTooSmall(n))` (nothing copied) when it needs `n` bytes.
pub fn get(collection: &[u8], key: &[u8], buf: &mut [u8]) -> Result<Option<usize>, DbError> {
    let mut n = 0u32;
    // SAFETY: every pointer/length pair names a live slice; the instruction writes at most
    // `buf.len()` bytes to `buf` and one u32 to `n`.
    let status = unsafe {
        sys::db_get(
            addr(collection.as_ptr()),
            len(collection.len()),
            addr(key.as_ptr()),
            len(key.len()),
            addr(buf.as_mut_ptr()),
            len(buf.len()),
            addr(&raw mut n),
        )
    };
    match status {
        0 => Ok(Some(n as usize)),
        NOT_FOUND => Ok(None),
        _ => Err(error(status, n)),
    }
}

/// The value of `key`, or `None` when there is no such key.
#[cfg(feature = "alloc")]
pub fn get_vec(collection: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, DbError> {
    let mut buf = Vec::new();
    loop {
        match get(collection, key, &mut buf) {
            Ok(Some(n)) => {
                buf.truncate(n);
                return Ok(Some(buf));
            }
            Ok(None) => return Ok(None),
            Err(DbError::BufferTooSmall(n)) => buf.resize(n, 0),
            Err(e) => return Err(e),
        }
    }
}

/// Stores `value` under `key`, replacing any previous value.
pub fn put(collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), DbError> {
    // SAFETY: the instruction only reads the three slices.
    check(unsafe {
        sys::db_put(
            addr(collection.as_ptr()),
            len(collection.len()),
            addr(key.as_ptr()),
            len(key.len()),
            addr(value.as_ptr()),
            len(value.len()),
        )
    })
}

/// Removes `key`; `Ok(false)` when it was not there.
pub fn delete(collection: &[u8], key: &[u8]) -> Result<bool, DbError> {
    // SAFETY: the instruction only reads the two slices.
    let status = unsafe {
        sys::db_delete(
            addr(collection.as_ptr()),
            len(collection.len()),
            addr(key.as_ptr()),
            len(key.len()),
        )
    };
    match status {
        0 => Ok(true),
        NOT_FOUND => Ok(false),
        _ => Err(error(status, 0)),
    }
}

/// How many entries a query with this encoded descriptor would return.
pub fn count_raw(collection: &[u8], descriptor: &[u8]) -> Result<usize, DbError> {
    let mut n = 0u32;
    // SAFETY: the instruction reads the two slices and writes one u32 to `n`.
    check(unsafe {
        sys::db_count(
            addr(collection.as_ptr()),
            len(collection.len()),
            addr(descriptor.as_ptr()),
            len(descriptor.len()),
            addr(&raw mut n),
        )
    })?;
    Ok(n as usize)
}

/// Runs a query with this encoded descriptor, writing its records to `buf`; returns the
/// records (`Err(BufferTooSmall(n))`, nothing written, when they need `n` bytes).
pub fn query_raw<'b>(
    collection: &[u8],
    descriptor: &[u8],
    buf: &'b mut [u8],
) -> Result<Records<'b>, DbError> {
    let (mut count, mut total) = (0u32, 0u32);
    // SAFETY: the instruction reads the two slices, writes at most `buf.len()` bytes to
    // `buf` and one u32 each to `count` and `total`.
    let status = unsafe {
        sys::db_query(
            addr(collection.as_ptr()),
            len(collection.len()),
            addr(descriptor.as_ptr()),
            len(descriptor.len()),
            addr(buf.as_mut_ptr()),
            len(buf.len()),
            addr(&raw mut count),
            addr(&raw mut total),
        )
    };
    if status != 0 {
        return Err(error(status, total));
    }
    Ok(Records {
        bytes: &buf[..total as usize],
        left: count as usize,
    })
}

/// How many entries `query` would return.
#[cfg(feature = "alloc")]
pub fn count(collection: &[u8], query: &Query<'_>) -> Result<usize, DbError> {
    count_raw(collection, &query.to_vec())
}

/// A `(key, value)` pair.
#[cfg(feature = "alloc")]
pub type Entry = (Vec<u8>, Vec<u8>);

/// The entries `query` selects, as `(key, value)` pairs in the query's order.
#[cfg(feature = "alloc")]
pub fn query(collection: &[u8], query: &Query<'_>) -> Result<Vec<Entry>, DbError> {
    let descriptor = query.to_vec();
    let mut buf = Vec::new();
    loop {
        match query_raw(collection, &descriptor, &mut buf) {
            Ok(records) => return Ok(records.map(|(k, v)| (k.to_vec(), v.to_vec())).collect()),
            Err(DbError::BufferTooSmall(n)) => buf.resize(n, 0),
            Err(e) => return Err(e),
        }
    }
}

/// The records `DB_QUERY` wrote: `(key, value)` pairs.
#[derive(Debug, Clone)]
pub struct Records<'b> {
    bytes: &'b [u8],
    left: usize,
}

impl<'b> Records<'b> {
    /// The next length-prefixed field.
    fn field(&mut self) -> Option<&'b [u8]> {
        let (head, rest) = self.bytes.split_at_checked(4)?;
        let n = u32::from_le_bytes(head.try_into().ok()?) as usize;
        let (field, rest) = rest.split_at_checked(n)?;
        self.bytes = rest;
        Some(field)
    }
}

impl<'b> Iterator for Records<'b> {
    type Item = (&'b [u8], &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some((self.field()?, self.field()?))
    }
}

/// A filter's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `=`
    Eq = 1,
    /// `<`
    Lt = 2,
    /// `<=`
    Le = 3,
    /// `>`
    Gt = 4,
    /// `>=`
    Ge = 5,
}

/// A query: which keys (all, a prefix or a range), the order, a limit and a filter on a
/// JSON field. [`Query::encode`] produces the descriptor `DB_QUERY` reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<'a> {
    mode: u8,
    descending: bool,
    limit: u32,
    a: &'a [u8],
    b: &'a [u8],
    filter: Option<(Cmp, &'a str, &'a str)>,
}

impl<'a> Query<'a> {
    /// Every key, ascending.
    pub fn all() -> Query<'a> {
        Query::default()
    }

    /// The keys starting with `prefix`.
    pub fn prefix(prefix: &'a [u8]) -> Query<'a> {
        Query {
            mode: 1,
            a: prefix,
            ..Query::default()
        }
    }

    /// The keys from `start` (inclusive) to `end` (exclusive; empty for no end).
    pub fn range(start: &'a [u8], end: &'a [u8]) -> Query<'a> {
        Query {
            mode: 2,
            a: start,
            b: end,
            ..Query::default()
        }
    }

    /// Descending key order.
    pub fn descending(self) -> Query<'a> {
        Query {
            descending: true,
            ..self
        }
    }

    /// At most `limit` entries (0: no limit).
    pub fn limit(self, limit: u32) -> Query<'a> {
        Query { limit, ..self }
    }

    /// Only documents whose JSON field `path` (dot-separated) compares so with `value`, a
    /// scalar in JSON text (`"31"`, `"\"Oslo\""`, `"true"`).
    pub fn filter(self, path: &'a str, cmp: Cmp, value: &'a str) -> Query<'a> {
        Query {
            filter: Some((cmp, path, value)),
            ..self
        }
    }

    /// The descriptor's length.
    pub fn encoded_len(&self) -> usize {
        let parts = self.parts();
        8 + parts.iter().map(|p| 4 + p.len()).sum::<usize>()
    }

    /// Writes the descriptor to the start of `out`; returns its length, or `None` when
    /// `out` is shorter than [`Query::encoded_len`].
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let n = self.encoded_len();
        let out = out.get_mut(..n)?;
        let op = self.filter.map_or(0, |(cmp, _, _)| cmp as u8);
        out[..4].copy_from_slice(&[self.mode, u8::from(self.descending), op, 0]);
        out[4..8].copy_from_slice(&self.limit.to_le_bytes());
        let mut at = 8;
        for part in self.parts() {
            out[at..at + 4].copy_from_slice(&(part.len() as u32).to_le_bytes());
            out[at + 4..at + 4 + part.len()].copy_from_slice(part);
            at += 4 + part.len();
        }
        Some(n)
    }

    /// The descriptor as a vector (empty for "every key, ascending").
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Vec<u8> {
        if *self == Query::default() {
            return Vec::new();
        }
        let mut out = alloc::vec![0; self.encoded_len()];
        self.encode(&mut out);
        out
    }

    /// A, B, F and V (F and V empty without a filter).
    fn parts(&self) -> [&'a [u8]; 4] {
        let (field, value) = self
            .filter
            .map_or((&[][..], &[][..]), |(_, f, v)| (f.as_bytes(), v.as_bytes()));
        [self.a, self.b, field, value]
    }
}

/// An open savepoint.
#[derive(Debug, PartialEq, Eq)]
pub struct Savepoint(i32);

/// Opens a savepoint in the run's transaction.
pub fn savepoint() -> Savepoint {
    // SAFETY: no memory is involved.
    Savepoint(unsafe { sys::db_savepoint() })
}

/// Undoes the writes made since `savepoint`, which stays open (later savepoints close).
pub fn rollback_to(savepoint: &Savepoint) -> Result<(), DbError> {
    // SAFETY: no memory is involved.
    check(unsafe { sys::db_rollback_to(savepoint.0) })
}

/// Closes `savepoint` (and later ones), keeping their writes.
pub fn release(savepoint: Savepoint) -> Result<(), DbError> {
    // SAFETY: no memory is involved.
    check(unsafe { sys::db_release(savepoint.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_match_the_documented_layout() {
        let mut out = [0u8; 64];
        // The two examples of docs/state.md.
        let even = Query::all().filter("parity", Cmp::Eq, "\"even\"");
        let n = even.encode(&mut out).unwrap();
        let want = b"\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\x06\0\0\0parity\x06\0\0\0\"even\"";
        assert_eq!(&out[..n], &want[..]);
        let latest = Query::all().descending().limit(3);
        let n = latest.encode(&mut out).unwrap();
        let mut want = [0u8; 24];
        want[1] = 1;
        want[4] = 3;
        assert_eq!(&out[..n], &want);
        let prefix = Query::prefix(b"ab");
        assert_eq!(prefix.encoded_len(), 26);
        assert_eq!(prefix.encode(&mut out[..25]), None);
    }

    #[test]
    fn records_split_into_keys_and_values() {
        let bytes = [
            1, 0, 0, 0, b'a', 2, 0, 0, 0, b'x', b'y', 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let records = Records {
            bytes: &bytes,
            left: 2,
        };
        let all: [(&[u8], &[u8]); 2] = [(b"a", b"xy"), (b"", b"")];
        assert!(records.eq(all));
    }
}
