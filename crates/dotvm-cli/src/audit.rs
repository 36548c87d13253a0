//! The audit log of `dotvm run --audit PATH`: an append-only file of JSON lines, each
//! hashing itself and naming the hash of the record before it, so that editing, deleting,
//! inserting or reordering a record is detected (`dotvm audit verify`).
//!
//! A record is one line: a JSON object with `seq` (1, 2, ... in the file), `time_unix_ms`,
//! `run` (a random id shared by the records of one run), `event`, the event's fields and
//! `prev` (the hash of the record before it; 64 zeros for the first record of a file, or the
//! last hash of the log it continues after `dotvm audit rotate`), then
//! a last field `hash`: the SHA-256, in hex, of the line without its `,"hash":"…"` field
//! (that is, of the object as it was before the field was appended). Appending takes an
//! exclusive lock on the file, reads the last record, writes the new records and calls
//! `fsync` before unlocking, so concurrent runs append whole records to one valid chain.

use anyhow::{Context, Result, anyhow, bail};
use dotvm_crypto::hash::HashAlgorithm;
use serde_json::{Map, Value, json};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The `prev` of the first record of a file.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Characters of the `,"hash":"…"}` suffix of every record.
const HASH_SUFFIX_LEN: usize = 9 + 64 + 2;

/// Hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    crate::signing::hex(HashAlgorithm::Sha256.digest(bytes).as_bytes())
}

/// An audit log that one run appends to.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    run: String,
}

/// The last record of a log: its sequence number and hash.
struct Tail {
    seq: u64,
    hash: String,
}

impl AuditLog {
    /// The log at `path` for a new run (with a fresh random run id). Nothing is written.
    pub fn new(path: &Path) -> Result<AuditLog> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| anyhow!("the OS random generator failed: {e}"))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            run: crate::signing::hex(&id),
        })
    }

    /// Appends one record per event (each an object with at least `event`), durably and
    /// atomically with respect to other runs appending to the same file.
    pub fn append(&self, events: Vec<Value>) -> Result<()> {
        let (mut file, tail) = open_locked(&self.path)?;
        let (seq, prev) = match tail {
            Some(tail) => (tail.seq, tail.hash),
            None => (0, ZERO_HASH.to_string()),
        };
        write_records(&mut file, &self.path, &self.run, seq, prev, events)
    }
}

/// Opens (creating) the log at `path`, locks it exclusively and reads its last record. A
/// file renamed by a rotation while this process waited for the lock is let go, and the
/// new file at `path` opened instead.
fn open_locked(path: &Path) -> Result<(File, Option<Tail>)> {
    let shown = path.display();
    loop {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .with_context(|| format!("cannot open the audit log {shown}"))?;
        file.lock()
            .with_context(|| format!("cannot lock the audit log {shown}"))?;
        if !same_file(&file, path) {
            continue;
        }
        let tail = last_record(&mut file).with_context(|| {
            format!("cannot append to the audit log {shown} (check it with `dotvm audit verify`)")
        })?;
        return Ok((file, tail));
    }
}

/// True when `path` still names the open `file` (it was not renamed or replaced).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Writes one record per event after record `seq` (whose hash is `prev`), then syncs.
fn write_records(
    file: &mut File,
    path: &Path,
    run: &str,
    mut seq: u64,
    mut prev: String,
    events: Vec<Value>,
) -> Result<()> {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut out = String::new();
    for event in events {
        seq += 1;
        let mut record = Map::new();
        record.insert("seq".into(), json!(seq));
        record.insert("time_unix_ms".into(), json!(time));
        record.insert("run".into(), json!(run));
        if let Value::Object(fields) = event {
            record.extend(fields);
        }
        record.insert("prev".into(), json!(prev));
        let (line, hash) = seal(&Value::Object(record));
        out.push_str(&line);
        out.push('\n');
        prev = hash;
    }
    file.write_all(out.as_bytes())
        .and_then(|()| file.sync_data())
        .with_context(|| format!("cannot write the audit log {}", path.display()))
}

/// Moves the log at `path` to the first free `PATH.N` and starts a new log at `path` whose
/// first record (`rotated`, naming the old file) continues the old chain: its `prev` is the
/// old log's last hash and its `seq` the next number. The old log is checked first. Returns
/// the old log's new name.
pub fn rotate(path: &Path) -> Result<PathBuf> {
    let (old, tail) = open_locked(path)?;
    let tail =
        tail.ok_or_else(|| anyhow!("{}: the log is empty; nothing to rotate", path.display()))?;
    verify(path)?;
    let renamed = (1..)
        .map(|n| {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        })
        .find(|candidate| !candidate.exists())
        .ok_or_else(|| anyhow!("no free name for the rotated log"))?;
    // Create the new log and lock it before the rename, so that no run appends to it first.
    let mut options = std::fs::OpenOptions::new();
    options.read(true).append(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let staging = {
        let mut name = path.as_os_str().to_owned();
        name.push(".rotating");
        PathBuf::from(name)
    };
    let mut new = options
        .open(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    new.lock()
        .with_context(|| format!("cannot lock {}", staging.display()))?;
    std::fs::rename(path, &renamed)
        .with_context(|| format!("cannot rename {} to {}", path.display(), renamed.display()))?;
    std::fs::rename(&staging, path)
        .with_context(|| format!("cannot rename {} to {}", staging.display(), path.display()))?;
    let name = renamed
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    write_records(
        &mut new,
        path,
        "rotation",
        tail.seq,
        tail.hash,
        vec![json!({"event": "rotated", "previous": name})],
    )?;
    drop(old);
    Ok(renamed)
}

/// The line for `record` (an object) with its `hash` field, and that hash.
fn seal(record: &Value) -> (String, String) {
    let body = record.to_string();
    let hash = sha256_hex(body.as_bytes());
    let line = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
    (line, hash)
}

/// Splits a line into the object it hashes and the hash it claims, when it ends with a
/// well-formed hash field.
fn unseal(line: &str) -> Option<(String, &str)> {
    let cut = line.len().checked_sub(HASH_SUFFIX_LEN)?;
    let (head, suffix) = (line.get(..cut)?, line.get(cut..)?);
    let hash = suffix.strip_prefix(",\"hash\":\"")?.strip_suffix("\"}")?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (format!("{head}}}"), hash))
}

/// The last record of the log open in `file` (read backwards from the end), checked on
/// its own (its hash matches its contents).
fn last_record(file: &mut File) -> Result<Option<Tail>> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    // Read backwards in growing chunks until the line before the last newline is whole.
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file).take(len - start).read_to_end(&mut buf)?;
        if buf.last() != Some(&b'\n') {
            bail!("the last record is not complete (the file does not end with a newline)");
        }
        let body = &buf[..buf.len() - 1];
        let line_start = body.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        if line_start.is_none() && start > 0 {
            chunk *= 4;
            continue;
        }
        let line = std::str::from_utf8(&body[line_start.unwrap_or(0)..])
            .map_err(|_| anyhow!("the last record is not UTF-8"))?;
        let (object, hash) =
            unseal(line).ok_or_else(|| anyhow!("the last record has no valid hash field"))?;
        if sha256_hex(object.as_bytes()) != hash {
            bail!("the last record was edited (its hash does not match its contents)");
        }
        let value: Value =
            serde_json::from_str(line).map_err(|e| anyhow!("the last record is not JSON: {e}"))?;
        let seq = value["seq"]
            .as_u64()
            .ok_or_else(|| anyhow!("the last record has no `seq`"))?;
        return Ok(Some(Tail {
            seq,
            hash: hash.to_string(),
        }));
    }
}

/// The result of checking a whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Records checked.
    pub records: u64,
    /// The hash of the last record (to keep elsewhere: deleting the last records of a log
    /// cannot be detected from the log alone).
    pub last_hash: String,
    /// The `prev` of the first record, when it is not zero (the log continues another one).
    pub continues: Option<String>,
}

/// Checks the log at `path` and that it continues the log at `previous` (its first record's
/// `prev` is `previous`'s last hash).
pub fn verify_after(path: &Path, previous: &Path) -> Result<Verdict> {
    let before = verify(previous)?;
    let verdict = verify(path)?;
    match &verdict.continues {
        Some(prev) if *prev == before.last_hash => Ok(verdict),
        other => bail!(
            "{}: record 1 (line 1) does not continue {}: its prev is {}, the last record there \
             hashes to {}",
            path.display(),
            previous.display(),
            other.as_deref().unwrap_or(ZERO_HASH),
            before.last_hash
        ),
    }
}

/// Checks every record of the log at `path`; the error names the first broken record.
pub fn verify(path: &Path) -> Result<Verdict> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the audit log {}", path.display()))?;
    let text = String::from_utf8(text).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 text (byte {}); not an audit log, or damaged",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let mut previous: Option<(u64, String)> = None;
    let mut continues = None;
    let mut records = 0;
    if !text.is_empty() && !text.ends_with('\n') {
        let line = text.lines().count();
        bail!(
            "{}: record {line} (line {line}) is incomplete: the file does not end with a \
             newline (a write was cut short, or the file was edited)",
            path.display()
        );
    }
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        let at = || format!("{}: record {n} (line {n})", path.display());
        let (object, hash) = unseal(line).ok_or_else(|| {
            anyhow!("{}: has no valid `hash` field at its end; it was not written by dotvm or was edited", at())
        })?;
        if sha256_hex(object.as_bytes()) != hash {
            bail!("{} was edited: its hash does not match its contents", at());
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|e| anyhow!("{} is not a JSON object: {e}", at()))?;
        let seq = value["seq"]
            .as_u64()
            .ok_or_else(|| anyhow!("{} has no `seq` number", at()))?;
        let prev = value["prev"]
            .as_str()
            .ok_or_else(|| anyhow!("{} has no `prev` hash", at()))?;
        match &previous {
            None => {
                if prev != ZERO_HASH {
                    continues = Some(prev.to_string());
                }
            }
            Some((last_seq, last_hash)) => {
                if seq > last_seq + 1 {
                    bail!(
                        "{} has seq {seq} after seq {last_seq}: record(s) {}..{} are missing (deleted or moved) \
                         before it",
                        at(),
                        last_seq + 1,
                        seq - 1
                    );
                }
                if seq <= *last_seq {
                    bail!(
                        "{} has seq {seq} after seq {last_seq}: it was inserted or moved here",
                        at()
                    );
                }
                if prev != last_hash {
                    bail!(
                        "{} does not follow the record before it (its prev is {prev}, the record \
                         before hashes to {last_hash}): a record was replaced, inserted or moved",
                        at()
                    );
                }
            }
        }
        previous = Some((seq, hash.to_string()));
        records += 1;
    }
    Ok(Verdict {
        records,
        last_hash: previous.map_or_else(|| ZERO_HASH.to_string(), |(_, hash)| hash),
        continues,
    })
}

/// The records of the log at `path`, checked first.
pub fn records(path: &Path) -> Result<Vec<Value>> {
    verify(path)?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the audit log {}", path.display()))?;
    text.lines()
        .map(|line| serde_json::from_str(line).map_err(|e| anyhow!("{e}")))
        .collect()
}

/// One record as a line of text: `seq run event key=value ...` (without the hashes).
pub fn describe(record: &Value) -> String {
    let mut line = format!(
        "{:>5}  {}  {}  {:<11}",
        record["seq"],
        record["time_unix_ms"],
        record["run"].as_str().unwrap_or("?"),
        record["event"].as_str().unwrap_or("?")
    );
    if let Value::Object(fields) = record {
        for (key, value) in fields {
            if ["seq", "time_unix_ms", "run", "event", "prev", "hash"].contains(&key.as_str()) {
                continue;
            }
            match value {
                Value::String(text) => line.push_str(&format!(" {key}={text}")),
                other => line.push_str(&format!(" {key}={other}")),
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_lines_unseal_to_their_hash() {
        let (line, hash) = seal(&json!({"a": 1, "prev": ZERO_HASH}));
        let (object, claimed) = unseal(&line).unwrap();
        assert_eq!(claimed, hash);
        assert_eq!(sha256_hex(object.as_bytes()), hash);
        assert!(unseal("{}").is_none());
        assert!(unseal(&line.replace("\"}", "\" }")).is_none());
    }
}
