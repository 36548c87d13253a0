//! The byte writers shared by the file writer and the linking sections: lengths and
//! length-prefixed byte strings (the reader's counterpart is `cursor`).

/// Appends a length, count or offset as a u32.
pub(super) fn put_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).expect("bytecode lengths and offsets are below 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
}

/// Appends a u32 length and the bytes.
pub(super) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}
