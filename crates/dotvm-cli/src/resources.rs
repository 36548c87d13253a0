//! Resource monitoring for `dotvm run --verbose`: a state store wrapper that counts the
//! program's database operations and bytes, and the run's resource figures as text lines
//! and as the JSON object of `--verbose --json` (field names in docs/tools.md).

use dotvm_vm::HostStats;
use dotvm_vm::state::{Entry, Query, StateError, StateStore};
use serde_json::{Value, json};
use std::sync::atomic::AtomicBool;

/// The database operations a run made that succeeded (refused and failed ones are not
/// counted), also when its writes were discarded afterwards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCounts {
    /// Lookups, queries and counts (`DB_GET`, `DB_QUERY`, `DB_COUNT`, ...).
    pub reads: u64,
    /// Puts and deletes.
    pub writes: u64,
    /// Bytes of the keys and values the reads returned.
    pub bytes_read: u64,
    /// Bytes of the keys and values put and of the keys deleted.
    pub bytes_written: u64,
}

/// A [`StateStore`] that passes every call on to `inner` and counts the reads and writes.
pub struct CountingStore<'a> {
    inner: &'a mut dyn StateStore,
    counts: DbCounts,
}

impl<'a> CountingStore<'a> {
    /// Counts the operations on `inner`, from zero.
    pub fn new(inner: &'a mut dyn StateStore) -> CountingStore<'a> {
        CountingStore {
            inner,
            counts: DbCounts::default(),
        }
    }

    /// The operations counted so far.
    pub fn counts(&self) -> DbCounts {
        self.counts
    }

    /// Counts one read that returned `entries`.
    fn read_entries(&mut self, entries: &[Entry]) {
        self.counts.reads += 1;
        self.counts.bytes_read += entries
            .iter()
            .map(|(key, value)| (key.len() + value.len()) as u64)
            .sum::<u64>();
    }
}

impl StateStore for CountingStore<'_> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        let value = self.inner.get(collection, key)?;
        self.counts.reads += 1;
        self.counts.bytes_read += value.map_or(0, |v| v.len() as u64);
        Ok(value)
    }

    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        self.inner.put(collection, key, value)?;
        self.counts.writes += 1;
        self.counts.bytes_written += (key.len() + value.len()) as u64;
        Ok(())
    }

    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        let present = self.inner.delete(collection, key)?;
        self.counts.writes += 1;
        self.counts.bytes_written += key.len() as u64;
        Ok(present)
    }

    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        let entries = self.inner.query(collection, query)?;
        self.read_entries(&entries);
        Ok(entries)
    }

    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        let count = self.inner.count(collection, query)?;
        self.counts.reads += 1;
        Ok(count)
    }

    fn query_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<Vec<Entry>, StateError> {
        let entries = self
            .inner
            .query_interruptible(collection, query, interrupt)?;
        self.read_entries(&entries);
        Ok(entries)
    }

    fn count_interruptible(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: &AtomicBool,
    ) -> Result<u64, StateError> {
        let count = self
            .inner
            .count_interruptible(collection, query, interrupt)?;
        self.counts.reads += 1;
        Ok(count)
    }

    fn savepoint(&mut self) -> Result<u64, StateError> {
        self.inner.savepoint()
    }

    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        self.inner.rollback_to(id)
    }

    fn release(&mut self, id: u64) -> Result<(), StateError> {
        self.inner.release(id)
    }

    fn commit(&mut self) -> Result<(), StateError> {
        self.inner.commit()
    }

    fn abort(&mut self) {
        self.inner.abort()
    }
}

/// What a run used beyond time and instructions: the host's counters and the database
/// operations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// System calls, host-function calls and the value stack's peak.
    pub host: HostStats,
    /// Database operations (all zero when the program has no database opcodes).
    pub db: DbCounts,
}

impl Usage {
    /// The `--verbose` lines for these figures, aligned with the other statistics.
    pub fn text_lines(&self) -> Vec<String> {
        let (host, db) = (&self.host, &self.db);
        vec![
            format!(
                "peak stack       {} slots (deepest frame: the smallest --stack-size this run fits in)",
                host.peak_stack_slots
            ),
            format!(
                "host calls       {} system call{}, {} host function call{}",
                host.system_calls,
                plural(host.system_calls),
                host.host_functions,
                plural(host.host_functions)
            ),
            format!(
                "database         {} read{} ({} bytes), {} write{} ({} bytes)",
                db.reads,
                plural(db.reads),
                db.bytes_read,
                db.writes,
                plural(db.writes),
                db.bytes_written
            ),
        ]
    }
}

/// Everything `dotvm run --verbose --json` reports, gathered by the command.
pub struct RunStats<'a> {
    /// The input file as given.
    pub input: String,
    /// What the input is (`bytecode`, `assembly`, `Rust source`, ...).
    pub input_kind: &'a str,
    /// The module's architecture name.
    pub arch: String,
    /// Seconds spent reading, building, decoding and verifying the input.
    pub load_seconds: f64,
    /// Seconds the program ran.
    pub run_seconds: f64,
    /// Instructions (fuel) executed, unless the module could not start.
    pub instructions: Option<u64>,
    /// Highest linear-memory size, for a run that finished.
    pub peak_memory: Option<u64>,
    /// The program's exit code, for a run that finished.
    pub exit_code: Option<i32>,
    /// How the run ended: `exited`, `trapped`, `stopped` or `not started`.
    pub end: &'a str,
    /// Calls, stack and database use.
    pub usage: Usage,
    /// Where the state is and what happened to the run's writes.
    pub state: &'a str,
    /// The signer, if the bytecode is signed.
    pub signer: Option<&'a str>,
}

impl RunStats<'_> {
    /// The statistics as one JSON object with the stable field names of docs/tools.md.
    pub fn to_json(&self) -> Value {
        let Usage { host, db } = self.usage;
        json!({
            "input": self.input,
            "input_kind": self.input_kind,
            "arch": self.arch,
            "load_time_ms": self.load_seconds * 1e3,
            "run_time_ms": self.run_seconds * 1e3,
            "instructions": self.instructions,
            "instructions_per_second": self
                .instructions
                .map(|n| n as f64 / self.run_seconds.max(1e-9)),
            "peak_memory_bytes": self.peak_memory,
            "peak_stack_slots": host.peak_stack_slots,
            "system_calls": host.system_calls,
            "host_function_calls": host.host_functions,
            "db_reads": db.reads,
            "db_writes": db.writes,
            "db_bytes_read": db.bytes_read,
            "db_bytes_written": db.bytes_written,
            "end": self.end,
            "exit_code": self.exit_code,
            "state": self.state,
            "signer": self.signer,
        })
    }
}

/// "s" unless `count` is 1.
fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_state::MemoryStore;

    #[test]
    fn the_counting_store_counts_successful_operations_and_their_bytes() {
        let mut store = MemoryStore::in_memory();
        let mut counting = CountingStore::new(&mut store);
        counting.put(b"c", b"key", b"value").unwrap();
        counting.put(b"c", b"k2", b"v").unwrap();
        assert_eq!(counting.get(b"c", b"key").unwrap(), Some(&b"value"[..]));
        assert_eq!(counting.get(b"c", b"none").unwrap(), None);
        assert!(counting.delete(b"c", b"k2").unwrap());
        assert_eq!(counting.query(b"c", &Query::default()).unwrap().len(), 1);
        assert_eq!(
            counting.counts(),
            DbCounts {
                reads: 3,
                writes: 3,
                bytes_read: 5 + 8,
                bytes_written: 8 + 3 + 2,
            }
        );
    }
}
