//! The binary query descriptor `DB_QUERY` and `DB_COUNT` read from guest memory, and its
//! encoder (for tools, tests and guest SDKs).
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | mode: 0 all keys, 1 prefix, 2 range |
//! | 1 | 1 | flags: bit 0 set = descending; other bits must be 0 |
//! | 2 | 1 | filter: 0 none, 1 `=`, 2 `<`, 3 `<=`, 4 `>`, 5 `>=` |
//! | 3 | 1 | reserved, must be 0 |
//! | 4 | 4 | limit (0 = no limit) |
//! | 8 | 4 + n | A: the prefix (mode 1) or the inclusive range start (mode 2) |
//! | … | 4 + n | B: the exclusive range end (mode 2; empty = no end) |
//! | … | 4 + n | F: the filter's field path (UTF-8, dot-separated) |
//! | … | 4 + n | V: the filter's value (JSON text) |
//!
//! Each of A, B, F, V is a u32 length followed by that many bytes. A and B must be empty in
//! mode 0, B must be empty in mode 1; F and V are present exactly when there is a filter. An
//! empty descriptor (length 0) means all keys, ascending, no limit, no filter.

use super::{
    Compare, Direction, Filter, KeyRange, MAX_FIELD_LEN, MAX_VALUE_LEN, Query, StateError,
    check_key,
};

impl Query {
    /// Decodes a query descriptor.
    pub fn decode(bytes: &[u8]) -> Result<Query, StateError> {
        if bytes.is_empty() {
            return Ok(Query::default());
        }
        let mut reader = Reader { bytes, pos: 0 };
        let header: [u8; 4] = reader.take(4, "header")?.try_into().unwrap_or_default();
        let [mode, flags, filter_op, reserved] = header;
        let limit = u32::from_le_bytes(reader.take(4, "limit")?.try_into().unwrap_or_default());
        let a = reader.field("A")?;
        let b = reader.field("B")?;
        let field = reader.field("field")?;
        let value = reader.field("value")?;
        if reader.pos != bytes.len() {
            return Err(bad(format!(
                "{} trailing bytes after the descriptor",
                bytes.len() - reader.pos
            )));
        }
        if reserved != 0 || flags & !1 != 0 {
            return Err(bad("reserved descriptor bits are set".into()));
        }
        check_key(a)?;
        check_key(b)?;
        let range = match mode {
            0 if a.is_empty() && b.is_empty() => KeyRange::All,
            1 if b.is_empty() => KeyRange::Prefix(a.to_vec()),
            2 => KeyRange::Between {
                start: a.to_vec(),
                end: (!b.is_empty()).then(|| b.to_vec()),
            },
            0 | 1 => return Err(bad(format!("mode {mode} takes no range end"))),
            _ => return Err(bad(format!("unknown mode {mode}"))),
        };
        let op = match filter_op {
            0 => None,
            1 => Some(Compare::Eq),
            2 => Some(Compare::Lt),
            3 => Some(Compare::Le),
            4 => Some(Compare::Gt),
            5 => Some(Compare::Ge),
            _ => return Err(bad(format!("unknown filter operator {filter_op}"))),
        };
        let filter = match op {
            None if field.is_empty() && value.is_empty() => None,
            None => return Err(bad("a field or value without a filter operator".into())),
            Some(op) => Some(Filter {
                field: filter_field(field)?,
                op,
                value: value.to_vec(),
            }),
        };
        Ok(Query {
            range,
            direction: if flags & 1 == 1 {
                Direction::Descending
            } else {
                Direction::Ascending
            },
            limit: (limit != 0).then_some(u64::from(limit)),
            filter,
        })
    }

    /// Encodes the query as a descriptor. A limit above `u32::MAX` is encoded as
    /// `u32::MAX`.
    pub fn encode(&self) -> Vec<u8> {
        let (mode, a, b): (u8, &[u8], &[u8]) = match &self.range {
            KeyRange::All => (0, &[], &[]),
            KeyRange::Prefix(prefix) => (1, prefix, &[]),
            KeyRange::Between { start, end } => (2, start, end.as_deref().unwrap_or_default()),
        };
        let (op, field, value): (u8, &[u8], &[u8]) = match &self.filter {
            None => (0, &[], &[]),
            Some(filter) => {
                let op = match filter.op {
                    Compare::Eq => 1,
                    Compare::Lt => 2,
                    Compare::Le => 3,
                    Compare::Gt => 4,
                    Compare::Ge => 5,
                };
                (op, filter.field.as_bytes(), &filter.value)
            }
        };
        let flags = u8::from(self.direction == Direction::Descending);
        let limit = self
            .limit
            .map_or(0, |l| u32::try_from(l).unwrap_or(u32::MAX));
        let mut out = vec![mode, flags, op, 0];
        out.extend_from_slice(&limit.to_le_bytes());
        for part in [a, b, field, value] {
            out.extend_from_slice(&(part.len() as u32).to_le_bytes());
            out.extend_from_slice(part);
        }
        out
    }
}

/// Validates a filter's field path.
fn filter_field(field: &[u8]) -> Result<String, StateError> {
    if field.is_empty() || field.len() > MAX_FIELD_LEN {
        return Err(bad(format!(
            "field path of {} bytes (must be 1 to {MAX_FIELD_LEN})",
            field.len()
        )));
    }
    String::from_utf8(field.to_vec()).map_err(|_| bad("field path is not UTF-8".into()))
}

/// A bad-query error.
fn bad(message: String) -> StateError {
    StateError::BadQuery(message)
}

/// Reads the descriptor's parts in order.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// The next `len` bytes.
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], StateError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                bad(format!(
                    "descriptor ends inside {what} at byte {}",
                    self.pos
                ))
            })?;
        let part = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(part)
    }

    /// A u32-length-prefixed part.
    fn field(&mut self, what: &str) -> Result<&'a [u8], StateError> {
        let len = self.take(4, what)?;
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        if len > MAX_VALUE_LEN {
            return Err(bad(format!("{what} of {len} bytes is too long")));
        }
        self.take(len, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_queries() -> Vec<Query> {
        vec![
            Query::default(),
            Query {
                range: KeyRange::Prefix(b"user:".to_vec()),
                direction: Direction::Descending,
                limit: Some(10),
                filter: None,
            },
            Query {
                range: KeyRange::Between {
                    start: b"a".to_vec(),
                    end: Some(b"m".to_vec()),
                },
                direction: Direction::Ascending,
                limit: None,
                filter: Some(Filter {
                    field: "age".into(),
                    op: Compare::Ge,
                    value: b"30".to_vec(),
                }),
            },
            Query {
                range: KeyRange::Between {
                    start: Vec::new(),
                    end: None,
                },
                direction: Direction::Ascending,
                limit: Some(1),
                filter: Some(Filter {
                    field: "a.b".into(),
                    op: Compare::Eq,
                    value: b"\"x\"".to_vec(),
                }),
            },
        ]
    }

    #[test]
    fn descriptors_round_trip() {
        for query in sample_queries() {
            assert_eq!(Query::decode(&query.encode()), Ok(query.clone()));
        }
        assert_eq!(Query::decode(&[]), Ok(Query::default()));
    }

    #[test]
    fn malformed_descriptors_are_bad_queries() {
        let good = sample_queries()[2].encode();
        // Every truncation fails cleanly.
        for len in 1..good.len() {
            assert!(matches!(
                Query::decode(&good[..len]),
                Err(StateError::BadQuery(_))
            ));
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Query::decode(&trailing).is_err());
        let mut mode = good.clone();
        mode[0] = 9;
        assert!(Query::decode(&mode).is_err());
        let mut flags = good.clone();
        flags[1] = 2;
        assert!(Query::decode(&flags).is_err());
        let mut op = good.clone();
        op[2] = 6;
        assert!(Query::decode(&op).is_err());
        let mut no_op = good.clone();
        no_op[2] = 0;
        assert!(Query::decode(&no_op).is_err());
        let mut huge = good;
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Query::decode(&huge).is_err());
    }

    #[test]
    fn long_key_bounds_are_key_errors() {
        let query = Query {
            range: KeyRange::Prefix(vec![b'k'; super::super::MAX_KEY_LEN + 1]),
            ..Query::default()
        };
        assert!(matches!(
            Query::decode(&query.encode()),
            Err(StateError::KeyTooLarge { .. })
        ));
    }
}
