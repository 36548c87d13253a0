//! The multi-version memory: for every (collection, key) the values the jobs of the batch
//! wrote, one version per job, or an ESTIMATE marker where an aborted job's write is
//! expected again. A job reads the version of the highest job before it.

use dotvm_vm::state::KeyRange;
use hashbrown::{Equivalent, HashMap, HashSet};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// A stored value: `None` is a deletion.
pub(crate) type Value = Option<Arc<[u8]>>;

/// One job's write to one key: the collection, the key and the value (`None`: deleted).
pub(crate) type WriteEntry = (Vec<u8>, Vec<u8>, Value);

/// Which execution of a job produced a value: (job index, incarnation).
pub(crate) type Version = (usize, u32);

/// A (collection, key) location, owned.
pub(crate) type Location = (Vec<u8>, Vec<u8>);

/// A borrowed (collection, key) location: looks up [`Location`] keys of hash sets and maps
/// without copying the bytes (it hashes exactly as the owned pair does).
#[derive(Hash)]
pub(crate) struct LocationRef<'a>(pub(crate) &'a [u8], pub(crate) &'a [u8]);

impl Equivalent<Location> for LocationRef<'_> {
    fn equivalent(&self, location: &Location) -> bool {
        self.0 == location.0.as_slice() && self.1 == location.1.as_slice()
    }
}

/// What a read of the multi-version memory finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// No job before the reader wrote the key: the base store's value applies.
    Base,
    /// The write of an earlier job.
    Written(Version, Value),
    /// An earlier job (this one) is expected to write the key again: wait for it.
    Estimate(usize),
}

/// What a job's execution observed, for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Read {
    /// A point read (`DB_GET`, `DB_DELETE`, or the old value a write needs) and the version
    /// it saw (`None`: the base store).
    Point {
        /// The collection.
        collection: Vec<u8>,
        /// The key.
        key: Vec<u8>,
        /// The version seen.
        seen: Option<Version>,
    },
    /// A range read (`DB_QUERY`, `DB_COUNT`): the versions of every key of the range that
    /// earlier jobs wrote, in key order. The base store does not change during the batch,
    /// so equal versions mean an equal result.
    Range {
        /// The collection.
        collection: Vec<u8>,
        /// The keys visited.
        range: KeyRange,
        /// (key, version) of each written key in the range.
        seen: Vec<(Vec<u8>, Version)>,
    },
}

/// The cell of one job's write to one key.
#[derive(Debug, Clone)]
enum Cell {
    /// The value written by this incarnation.
    Written(u32, Value),
    /// The job was aborted; it will probably write the key again.
    Estimate,
}

/// Versions of one key, by job index.
type Versions = BTreeMap<usize, Cell>;

/// collection → key → versions.
type Keys = BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, Versions>>;

/// The multi-version memory of a batch.
#[derive(Debug)]
pub(crate) struct MvMemory {
    /// collection → key → versions.
    data: RwLock<Keys>,
    /// Per job: the keys its last recorded incarnation wrote, and what it read.
    last: Vec<Mutex<Recorded>>,
    /// Per location a job read (a point read): the highest job that read it.
    readers: Mutex<HashMap<Location, usize>>,
    /// Set once a job read a range (such a read may cover any key).
    ranged: AtomicBool,
}

/// The last recorded incarnation of a job.
#[derive(Debug, Default)]
struct Recorded {
    /// The keys written.
    written: HashSet<Location>,
    /// The reads made.
    reads: Arc<Vec<Read>>,
}

/// Reads and writes the data even when a thread panicked while holding the lock (the
/// batch then fails anyway; the data itself is never left half-updated).
fn unpoison<T>(result: Result<T, PoisonError<T>>) -> T {
    result.unwrap_or_else(PoisonError::into_inner)
}

impl MvMemory {
    /// An empty memory for `jobs` jobs.
    pub(crate) fn new(jobs: usize) -> MvMemory {
        MvMemory {
            data: RwLock::new(BTreeMap::new()),
            last: (0..jobs).map(|_| Mutex::default()).collect(),
            readers: Mutex::default(),
            ranged: AtomicBool::new(false),
        }
    }

    /// Notes that job `reader` read `key` (call before its execution is recorded).
    pub(crate) fn note_read(&self, collection: &[u8], key: &[u8], reader: usize) {
        let mut readers = unpoison(self.readers.lock());
        match readers.get_mut(&LocationRef(collection, key)) {
            Some(highest) => *highest = (*highest).max(reader),
            None => {
                readers.insert((collection.to_vec(), key.to_vec()), reader);
            }
        }
    }

    /// Notes that a job read a range (call before its execution is recorded).
    pub(crate) fn note_range(&self) {
        self.ranged.store(true, SeqCst);
    }

    /// True when a job after `writer` has read `key` (or any range), so that a new write of
    /// it may invalidate a validation already done. A reader that notes its read only after
    /// this check finishes its execution afterwards, so its validation sees the write.
    fn read_after(&self, collection: &[u8], key: &[u8], writer: usize) -> bool {
        self.ranged.load(SeqCst)
            || unpoison(self.readers.lock())
                .get(&LocationRef(collection, key))
                .is_some_and(|&reader| reader > writer)
    }

    /// The value of `key` as job `reader` sees it.
    pub(crate) fn read(&self, collection: &[u8], key: &[u8], reader: usize) -> Found {
        let data = unpoison(self.data.read());
        let Some(versions) = data.get(collection).and_then(|keys| keys.get(key)) else {
            return Found::Base;
        };
        latest_before(versions, reader)
    }

    /// The keys of `range` in `collection` that jobs before `reader` wrote, in key order,
    /// with their versions and values; `Err(job)` when one of them is an ESTIMATE of `job`.
    pub(crate) fn range(
        &self,
        collection: &[u8],
        range: &KeyRange,
        reader: usize,
    ) -> Result<Vec<(Vec<u8>, Version, Value)>, usize> {
        let data = unpoison(self.data.read());
        let mut out = Vec::new();
        let Some(keys) = data.get(collection) else {
            return Ok(out);
        };
        for (key, versions) in keys {
            if !range.contains(key) {
                continue;
            }
            match latest_before(versions, reader) {
                Found::Base => {}
                Found::Written(version, value) => out.push((key.clone(), version, value)),
                Found::Estimate(job) => return Err(job),
            }
        }
        Ok(out)
    }

    /// Records incarnation `version` of a job: its writes replace those of its previous
    /// incarnation (keys no longer written are removed). Returns true when it wrote a key
    /// the previous incarnation did not and that a later job has read (later jobs must then
    /// be validated again: Block-STM's rule, narrowed to keys someone read).
    pub(crate) fn record(
        &self,
        version: Version,
        reads: Vec<Read>,
        writes: Vec<WriteEntry>,
    ) -> bool {
        let (job, incarnation) = version;
        let mut last = unpoison(self.last[job].lock());
        let written: HashSet<Location> = writes
            .iter()
            .map(|(c, k, _)| (c.clone(), k.clone()))
            .collect();
        let mut wrote_new = false;
        {
            let mut data = unpoison(self.data.write());
            for (collection, key) in &last.written {
                if !written.contains(&LocationRef(collection, key))
                    && let Some(keys) = data.get_mut(collection)
                    && let Some(versions) = keys.get_mut(key)
                {
                    versions.remove(&job);
                }
            }
            for (collection, key, value) in writes {
                if !wrote_new
                    && !last.written.contains(&LocationRef(&collection, &key))
                    && self.read_after(&collection, &key, job)
                {
                    wrote_new = true;
                }
                data.entry(collection)
                    .or_default()
                    .entry(key)
                    .or_default()
                    .insert(job, Cell::Written(incarnation, value));
            }
        }
        last.written = written;
        last.reads = Arc::new(reads);
        wrote_new
    }

    /// Turns the last recorded writes of `job` into ESTIMATE markers (it was aborted).
    pub(crate) fn convert_to_estimates(&self, job: usize) {
        let last = unpoison(self.last[job].lock());
        let mut data = unpoison(self.data.write());
        for (collection, key) in &last.written {
            if let Some(cell) = data
                .get_mut(collection)
                .and_then(|keys| keys.get_mut(key))
                .and_then(|versions| versions.get_mut(&job))
            {
                *cell = Cell::Estimate;
            }
        }
    }

    /// True when every read of the last recorded incarnation of `job` would see the same
    /// versions now.
    pub(crate) fn validate(&self, job: usize) -> bool {
        let reads = Arc::clone(&unpoison(self.last[job].lock()).reads);
        reads.iter().all(|read| match read {
            Read::Point {
                collection,
                key,
                seen,
            } => match self.read(collection, key, job) {
                Found::Base => seen.is_none(),
                Found::Written(version, _) => *seen == Some(version),
                Found::Estimate(_) => false,
            },
            Read::Range {
                collection,
                range,
                seen,
            } => match self.range(collection, range, job) {
                Ok(now) => {
                    now.len() == seen.len()
                        && now
                            .iter()
                            .zip(seen)
                            .all(|((key, version, _), (was_key, was))| {
                                key == was_key && version == was
                            })
                }
                Err(_) => false,
            },
        })
    }

    /// The writes of the last recorded incarnation of `job` (`None`: deleted).
    pub(crate) fn writes_of(&self, job: usize) -> Vec<WriteEntry> {
        let last = unpoison(self.last[job].lock());
        let data = unpoison(self.data.read());
        last.written
            .iter()
            .filter_map(
                |(collection, key)| match data.get(collection)?.get(key)?.get(&job)? {
                    Cell::Written(_, value) => {
                        Some((collection.clone(), key.clone(), value.clone()))
                    }
                    Cell::Estimate => None,
                },
            )
            .collect()
    }
}

/// The version of the highest job below `reader` in `versions`.
fn latest_before(versions: &Versions, reader: usize) -> Found {
    match versions.range(..reader).next_back() {
        None => Found::Base,
        Some((&job, Cell::Estimate)) => Found::Estimate(job),
        Some((&job, Cell::Written(incarnation, value))) => {
            Found::Written((job, *incarnation), value.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(c: &str, k: &str, v: &str) -> WriteEntry {
        (c.into(), k.into(), Some(Arc::from(v.as_bytes())))
    }

    #[test]
    fn readers_see_the_latest_earlier_write() {
        let memory = MvMemory::new(4);
        assert_eq!(memory.read(b"c", b"k", 3), Found::Base);
        memory.note_read(b"c", b"k", 3);
        assert!(memory.record((1, 0), Vec::new(), vec![put("c", "k", "one")]));
        assert!(!memory.record((1, 1), Vec::new(), vec![put("c", "k", "uno")]));
        assert_eq!(memory.read(b"c", b"k", 1), Found::Base);
        assert_eq!(
            memory.read(b"c", b"k", 3),
            Found::Written((1, 1), Some(Arc::from(&b"uno"[..])))
        );
        memory.convert_to_estimates(1);
        assert_eq!(memory.read(b"c", b"k", 2), Found::Estimate(1));
        assert_eq!(memory.range(b"c", &KeyRange::All, 2), Err(1));
        assert!(memory.writes_of(1).is_empty());
        // A new incarnation that no longer writes the key removes it.
        memory.record((1, 2), Vec::new(), Vec::new());
        assert_eq!(memory.read(b"c", b"k", 3), Found::Base);
        assert!(memory.writes_of(1).is_empty());
    }

    #[test]
    fn new_keys_count_only_when_a_later_job_read_them() {
        let memory = MvMemory::new(4);
        memory.note_read(b"c", b"early", 0);
        memory.note_read(b"c", b"late", 2);
        // Nobody read it, or only an earlier job: later validations stand.
        assert!(!memory.record((1, 0), Vec::new(), vec![put("c", "unread", "x")]));
        assert!(!memory.record((1, 1), Vec::new(), vec![put("c", "early", "x")]));
        // Job 2 read it: its validation may be out of date.
        assert!(memory.record((1, 2), Vec::new(), vec![put("c", "late", "x")]));
        // After a range read, any new key may be in someone's range.
        memory.note_range();
        assert!(memory.record((0, 0), Vec::new(), vec![put("c", "unread", "y")]));
        assert_eq!(
            memory.writes_of(1),
            vec![(b"c".to_vec(), b"late".to_vec(), Some(Arc::from(&b"x"[..])))]
        );
    }

    #[test]
    fn validation_catches_changed_points_and_ranges() {
        let memory = MvMemory::new(3);
        memory.record((0, 0), Vec::new(), vec![put("c", "a", "x")]);
        let reads = vec![
            Read::Point {
                collection: b"c".to_vec(),
                key: b"a".to_vec(),
                seen: Some((0, 0)),
            },
            Read::Range {
                collection: b"c".to_vec(),
                range: KeyRange::Prefix(b"b".to_vec()),
                seen: Vec::new(),
            },
        ];
        memory.record((2, 0), reads, Vec::new());
        assert!(memory.validate(2));
        // A phantom: job 1 inserts a key in the range job 2 queried.
        memory.record((1, 0), Vec::new(), vec![put("c", "b1", "y")]);
        assert!(!memory.validate(2));
        assert_eq!(memory.writes_of(1).len(), 1);
    }
}
