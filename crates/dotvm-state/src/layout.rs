//! How collections, keys, index entries and metadata are laid out in the backend's three
//! trees (see `docs/state.md`, "Physical layout").
//!
//! * data tree: `[len(collection)] collection key` → value, so each collection is one
//!   contiguous run of keys in key order;
//! * index tree: `[len(collection)] collection [len(field)] field encoded-value key` → empty
//!   (the encoded value is self-delimiting, see [`crate::json`]);
//! * meta tree: `format` → the format marker, `index\0 [len(collection)] collection field` →
//!   empty for each secondary index, `record\0 name` → a tool's record (`dotvm serve`'s
//!   deployments), out of reach of the database opcodes.

use dotvm_vm::state::KeyRange;

/// The key of the format marker in the meta tree.
pub(crate) const FORMAT_KEY: &[u8] = b"format";
/// Prefix of index definitions in the meta tree.
pub(crate) const INDEX_DEF_PREFIX: &[u8] = b"index\0";
/// Prefix of tools' records in the meta tree.
pub(crate) const RECORD_PREFIX: &[u8] = b"record\0";

/// The meta-tree key of record `name`.
pub(crate) fn record_key(name: &[u8]) -> Vec<u8> {
    let mut out = RECORD_PREFIX.to_vec();
    out.extend_from_slice(name);
    out
}

/// `[len] bytes`, for names of at most 255 bytes (checked by the caller).
fn push_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(name.len() as u8);
    out.extend_from_slice(name);
}

/// Writes the data-tree prefix of `collection` into `out` (cleared first).
pub(crate) fn data_prefix(out: &mut Vec<u8>, collection: &[u8]) {
    out.clear();
    push_name(out, collection);
}

/// Writes the data-tree key of `key` in `collection` into `out` (cleared first).
pub(crate) fn data_key(out: &mut Vec<u8>, collection: &[u8], key: &[u8]) {
    data_prefix(out, collection);
    out.extend_from_slice(key);
}

/// Splits a data-tree key into collection and key.
pub(crate) fn split_data_key(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = raw.split_first()?;
    (rest.len() >= len as usize).then(|| rest.split_at(len as usize))
}

/// The index-tree prefix of the index on `field` of `collection`.
pub(crate) fn index_prefix(collection: &[u8], field: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + collection.len() + field.len());
    push_name(&mut out, collection);
    push_name(&mut out, field.as_bytes());
    out
}

/// The meta-tree key that records an index on `field` of `collection`.
pub(crate) fn index_def_key(collection: &[u8], field: &str) -> Vec<u8> {
    let mut out = INDEX_DEF_PREFIX.to_vec();
    push_name(&mut out, collection);
    out.extend_from_slice(field.as_bytes());
    out
}

/// Splits an index definition key (without [`INDEX_DEF_PREFIX`]) into collection and field.
pub(crate) fn split_index_def(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    split_data_key(raw)
}

/// The smallest byte string greater than every string starting with `prefix`, or `None`
/// when there is none (the prefix is all `0xFF`).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last != 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The data-tree bounds `[start, end)` of `range` in `collection` (`end` `None`: unbounded).
pub(crate) fn data_bounds(collection: &[u8], range: &KeyRange) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut base = Vec::new();
    data_prefix(&mut base, collection);
    let collection_end = prefix_end(&base);
    let with = |suffix: &[u8]| {
        let mut key = base.clone();
        key.extend_from_slice(suffix);
        key
    };
    match range {
        KeyRange::All => (base.clone(), collection_end),
        KeyRange::Prefix(prefix) => {
            let start = with(prefix);
            let end = prefix_end(&start);
            (start, end)
        }
        KeyRange::Between { start, end } => (
            with(start),
            match end {
                Some(end) => Some(with(end)),
                None => collection_end,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_split_back() {
        let mut key = Vec::new();
        data_key(&mut key, b"users", b"\x00alice");
        assert_eq!(
            split_data_key(&key),
            Some((&b"users"[..], &b"\x00alice"[..]))
        );
        assert_eq!(split_data_key(&[9, b'a']), None);
        assert_eq!(split_data_key(&[]), None);
    }

    #[test]
    fn prefix_ends_bound_the_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xFF"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xFF\xFF"), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn collections_do_not_overlap() {
        // "a" with key "b..." must not fall inside collection "ab".
        let (start, end) = data_bounds(b"ab", &KeyRange::All);
        let mut other = Vec::new();
        data_key(&mut other, b"a", b"bzzz");
        assert!(other < start || end.is_some_and(|end| other >= end));
        let (start, end) = data_bounds(
            b"c",
            &KeyRange::Between {
                start: b"k".to_vec(),
                end: None,
            },
        );
        assert_eq!(start, b"\x01ck".to_vec());
        assert_eq!(end, Some(b"\x01d".to_vec()));
    }
}
