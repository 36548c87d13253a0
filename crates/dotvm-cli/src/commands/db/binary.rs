//! Byte strings on the command line and in output: hex or text arguments, escaped text
//! for terminals, and JSON fields that are text when the bytes are UTF-8 and `NAME_hex`
//! otherwise.

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// An argument's bytes: its UTF-8 text, or with `hex` the bytes its hex digits spell.
pub(super) fn argument(text: &str, hex: bool, what: &str) -> Result<Vec<u8>> {
    if hex {
        decode_hex(text).map_err(|e| anyhow!("{what} `{text}`: {e}"))
    } else {
        Ok(text.as_bytes().to_vec())
    }
}

/// Lower-case hex.
pub(super) fn encode_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Bytes from hex digits (an even number; case-insensitive).
pub(super) fn decode_hex(text: &str) -> Result<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        bail!("odd number of hex digits");
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| anyhow!("not hex at character {}", i + 1))
        })
        .collect()
}

/// Text safe to print on a terminal: printable characters as they are, `\\`, `\n`, `\t`,
/// `\r`, and every other control character or invalid UTF-8 byte as `\xNN`.
pub(super) fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for byte in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{byte:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Sets `name` to the bytes as a string when they are UTF-8, else `name_hex` to their hex.
pub(super) fn put_field(object: &mut Map<String, Value>, name: &str, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => object.insert(name.to_string(), Value::String(text.to_string())),
        Err(_) => object.insert(format!("{name}_hex"), Value::String(encode_hex(bytes))),
    };
}

/// The bytes of field `name` (a string) or `name_hex` (hex), written by [`put_field`].
pub(super) fn get_field(object: &Map<String, Value>, name: &str) -> Result<Vec<u8>> {
    match (object.get(name), object.get(&format!("{name}_hex"))) {
        (Some(Value::String(text)), None) => Ok(text.as_bytes().to_vec()),
        (None, Some(Value::String(hex))) => {
            decode_hex(hex).map_err(|e| anyhow!("`{name}_hex`: {e}"))
        }
        (None, None) => bail!("missing `{name}` (or `{name}_hex`)"),
        _ => bail!("`{name}` must be one string, given as `{name}` or `{name}_hex`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0xAB, 0xFF];
        assert_eq!(encode_hex(&bytes), "0001abff");
        assert_eq!(decode_hex("0001ABff").unwrap(), bytes);
        assert!(decode_hex("abc").is_err());
        assert!(decode_hex("zz").is_err());
        assert!(decode_hex("é1").is_err());
    }

    #[test]
    fn escaping_keeps_terminals_safe() {
        assert_eq!(escape(b"plain {\"a\":1}"), "plain {\"a\":1}");
        assert_eq!(escape(b"a\\b\n\x1b[31m\xff"), "a\\\\b\\n\\x1b[31m\\xff");
        assert_eq!(escape("é".as_bytes()), "é");
    }

    #[test]
    fn json_fields_round_trip_any_bytes() {
        for bytes in [b"text".to_vec(), vec![0xff, 0x00, 0x10]] {
            let mut object = Map::new();
            put_field(&mut object, "key", &bytes);
            assert_eq!(get_field(&object, "key").unwrap(), bytes);
        }
        let mut both = Map::new();
        both.insert("key".into(), Value::String("a".into()));
        both.insert("key_hex".into(), Value::String("61".into()));
        assert!(get_field(&both, "key").is_err());
        assert!(get_field(&Map::new(), "key").is_err());
    }
}
