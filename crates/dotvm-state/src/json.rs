//! JSON documents: reading a field by path, the comparison rules of query filters, and the
//! order-preserving encoding of field values used by secondary indexes.
//!
//! Only scalar field values take part: null, booleans, numbers (compared as f64) and strings
//! (compared by their UTF-8 bytes). A filter matches a document when the document is JSON,
//! the field exists and is a scalar of the filter value's kind, and the comparison holds;
//! values of different kinds never match. An index holds one entry per document whose field
//! is a scalar, so an index scan and a full scan select the same documents.

use dotvm_vm::state::{Compare, StateError};
use serde_json::Value;
use std::cmp::Ordering;

/// A scalar JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as f64 (`-0` is `0`).
    Number(f64),
    /// A string.
    String(String),
}

/// Encoding tags; their order is the order of kinds in an index.
const TAG_NULL: u8 = 0x01;
const TAG_FALSE: u8 = 0x02;
const TAG_TRUE: u8 = 0x03;
const TAG_NUMBER: u8 = 0x04;
const TAG_STRING: u8 = 0x05;

impl Scalar {
    /// The scalar a JSON value is, if it is one.
    fn from_value(value: &Value) -> Option<Scalar> {
        Some(match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => Scalar::Number(normalize(n.as_f64()?)),
            Value::String(s) => Scalar::String(s.clone()),
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    /// Parses a filter value: JSON text that must be a scalar.
    pub(crate) fn parse_filter_value(text: &[u8]) -> Result<Scalar, StateError> {
        let value: Value = serde_json::from_slice(text)
            .map_err(|e| StateError::BadQuery(format!("filter value is not JSON: {e}")))?;
        Scalar::from_value(&value).ok_or_else(|| {
            StateError::BadQuery(
                "filter value must be a string, number, boolean or null".to_string(),
            )
        })
    }

    /// The tag range `[first, end)` of this scalar's kind in the index encoding.
    pub(crate) fn kind_tags(&self) -> (u8, u8) {
        match self {
            Scalar::Null => (TAG_NULL, TAG_FALSE),
            Scalar::Bool(_) => (TAG_FALSE, TAG_NUMBER),
            Scalar::Number(_) => (TAG_NUMBER, TAG_STRING),
            Scalar::String(_) => (TAG_STRING, TAG_STRING + 1),
        }
    }

    /// Order within a kind; `None` across kinds.
    fn compare(&self, other: &Scalar) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Null, Scalar::Null) => Some(Ordering::Equal),
            (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
            (Scalar::Number(a), Scalar::Number(b)) => a.partial_cmp(b),
            (Scalar::String(a), Scalar::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            _ => None,
        }
    }

    /// True when `self op other` holds (same kind only).
    pub(crate) fn satisfies(&self, op: Compare, other: &Scalar) -> bool {
        let Some(order) = self.compare(other) else {
            return false;
        };
        match op {
            Compare::Eq => order == Ordering::Equal,
            Compare::Lt => order == Ordering::Less,
            Compare::Le => order != Ordering::Greater,
            Compare::Gt => order == Ordering::Greater,
            Compare::Ge => order != Ordering::Less,
        }
    }

    /// Appends the order-preserving, self-delimiting encoding: a tag byte, then for numbers 8
    /// bytes, for strings the bytes with `00` escaped as `00 FF` and ended by `00 01`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Scalar::Null => out.push(TAG_NULL),
            Scalar::Bool(false) => out.push(TAG_FALSE),
            Scalar::Bool(true) => out.push(TAG_TRUE),
            Scalar::Number(x) => {
                out.push(TAG_NUMBER);
                let bits = normalize(*x).to_bits();
                let ordered = if bits >> 63 == 1 {
                    !bits
                } else {
                    bits | 1 << 63
                };
                out.extend_from_slice(&ordered.to_be_bytes());
            }
            Scalar::String(s) => {
                out.push(TAG_STRING);
                for &byte in s.as_bytes() {
                    out.push(byte);
                    if byte == 0 {
                        out.push(0xFF);
                    }
                }
                out.extend_from_slice(&[0x00, 0x01]);
            }
        }
    }
}

/// The length of the encoded scalar at the start of `bytes`, if it is one.
pub(crate) fn encoded_len(bytes: &[u8]) -> Option<usize> {
    match *bytes.first()? {
        TAG_NULL | TAG_FALSE | TAG_TRUE => Some(1),
        TAG_NUMBER => (bytes.len() >= 9).then_some(9),
        TAG_STRING => {
            let mut at = 1;
            loop {
                match bytes.get(at..at + 2)? {
                    [0x00, 0x01] => return Some(at + 2),
                    [0x00, 0xFF] => at += 2,
                    [0x00, _] => return None,
                    _ => at += 1,
                }
            }
        }
        _ => None,
    }
}

/// `-0.0` as `0.0`, so that equal numbers encode equally.
fn normalize(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// The scalar at the dot-separated `path` of a document, if the document is JSON and the
/// path leads to a scalar.
pub(crate) fn field(document: &[u8], path: &str) -> Option<Scalar> {
    let value: Value = serde_json::from_slice(document).ok()?;
    let mut at = &value;
    for segment in path.split('.') {
        at = at.as_object()?.get(segment)?;
    }
    Scalar::from_value(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(s: &Scalar) -> Vec<u8> {
        let mut out = Vec::new();
        s.encode_into(&mut out);
        out
    }

    #[test]
    fn fields_are_found_by_path() {
        let doc = br#"{"name":"ann","age":31,"address":{"city":"Oslo"},"tags":[1]}"#;
        assert_eq!(field(doc, "age"), Some(Scalar::Number(31.0)));
        assert_eq!(
            field(doc, "address.city"),
            Some(Scalar::String("Oslo".into()))
        );
        assert_eq!(field(doc, "tags"), None);
        assert_eq!(field(doc, "missing"), None);
        assert_eq!(field(b"not json", "age"), None);
    }

    #[test]
    fn comparisons_stay_within_a_kind() {
        let n = |x: f64| Scalar::Number(x);
        assert!(n(1.0).satisfies(Compare::Eq, &n(1.0)));
        assert!(n(1.0).satisfies(Compare::Lt, &n(2.0)));
        assert!(n(2.0).satisfies(Compare::Ge, &n(2.0)));
        assert!(!n(1.0).satisfies(Compare::Eq, &Scalar::String("1".into())));
        assert!(!Scalar::Null.satisfies(Compare::Lt, &n(0.0)));
        assert!(Scalar::Bool(false).satisfies(Compare::Lt, &Scalar::Bool(true)));
    }

    #[test]
    fn encoding_preserves_order_and_delimits_itself() {
        let values = [
            Scalar::Null,
            Scalar::Bool(false),
            Scalar::Bool(true),
            Scalar::Number(f64::NEG_INFINITY),
            Scalar::Number(-1e9),
            Scalar::Number(-1.5),
            Scalar::Number(0.0),
            Scalar::Number(1e-9),
            Scalar::Number(2.0),
            Scalar::Number(1e300),
            Scalar::String(String::new()),
            Scalar::String("a".into()),
            Scalar::String("a\0".into()),
            Scalar::String("a\0b".into()),
            Scalar::String("ab".into()),
            Scalar::String("b".into()),
        ];
        for pair in values.windows(2) {
            assert!(encoded(&pair[0]) < encoded(&pair[1]), "{pair:?}");
        }
        for value in &values {
            let mut bytes = encoded(value);
            let len = bytes.len();
            bytes.extend_from_slice(b"\x00primary");
            assert_eq!(encoded_len(&bytes), Some(len), "{value:?}");
        }
        assert_eq!(
            encoded(&Scalar::Number(-0.0)),
            encoded(&Scalar::Number(0.0))
        );
        assert_eq!(encoded_len(&[TAG_STRING, b'a', 0x00]), None);
        assert_eq!(encoded_len(&[0x09]), None);
    }

    #[test]
    fn filter_values_must_be_scalar_json() {
        assert_eq!(
            Scalar::parse_filter_value(b"\"x\""),
            Ok(Scalar::String("x".into()))
        );
        assert!(Scalar::parse_filter_value(b"[1]").is_err());
        assert!(Scalar::parse_filter_value(b"{").is_err());
    }
}
