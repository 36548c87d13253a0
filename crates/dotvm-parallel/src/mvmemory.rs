//! The multi-version memory: for every location (an interned (collection, key) [`Slot`])
//! the values the jobs of the batch wrote, one version per job, or an ESTIMATE marker where
//! an aborted job's write is expected again. A job reads the version of the highest job
//! before it. Each location has its own lock; an index of the written keys in key order,
//! built at the first range read, serves range reads.

use crate::slot::{Cell, Found, SlotRef, Slots, Value, Version, address};
use dotvm_vm::state::KeyRange;
use hashbrown::HashSet;
use smallvec::SmallVec;
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

/// One job's write to one location: the location and the value (`None`: deleted).
pub(crate) type WriteEntry = (SlotRef, Value);

/// A job's writes (the first two inline).
pub(crate) type Writes = SmallVec<[WriteEntry; 2]>;

/// A job's reads (the first two inline).
pub(crate) type Reads = SmallVec<[Read; 2]>;

/// What a job's execution observed, for validation.
#[derive(Debug, Clone)]
pub(crate) enum Read {
    /// A point read (`DB_GET`, `DB_DELETE`, or the old value a write needs) and the version
    /// it saw (`None`: the base store).
    Point {
        /// The location.
        slot: SlotRef,
        /// The version seen.
        seen: Option<Version>,
    },
    /// A range read (`DB_QUERY`, `DB_COUNT`), boxed (rarer than point reads, and larger).
    Range(Box<RangeRead>),
}

/// A range read (`DB_QUERY`, `DB_COUNT`): the versions of every key of the range that
/// earlier jobs wrote, in key order. The base store does not change during the batch, so
/// equal versions mean an equal result.
#[derive(Debug, Clone)]
pub(crate) struct RangeRead {
    /// The collection.
    pub(crate) collection: Vec<u8>,
    /// The keys visited.
    pub(crate) range: KeyRange,
    /// (location, version) of each written key in the range.
    pub(crate) seen: Vec<(SlotRef, Version)>,
}

/// A written location in the index, ordered (and looked up) by its key.
#[derive(Debug)]
struct ByKey(SlotRef);

impl Borrow<[u8]> for ByKey {
    fn borrow(&self) -> &[u8] {
        self.0.key()
    }
}

impl PartialEq for ByKey {
    fn eq(&self, other: &ByKey) -> bool {
        self.0.key() == other.0.key()
    }
}

impl Eq for ByKey {}

impl PartialOrd for ByKey {
    fn partial_cmp(&self, other: &ByKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByKey {
    fn cmp(&self, other: &ByKey) -> Ordering {
        self.0.key().cmp(other.0.key())
    }
}

/// The bounds of the keys of `range`, for a B-tree range (a prefix is bounded below only;
/// its end is where the keys stop having the prefix).
fn bounds(range: &KeyRange) -> (Bound<&[u8]>, Bound<&[u8]>) {
    match range {
        KeyRange::All => (Bound::Unbounded, Bound::Unbounded),
        KeyRange::Prefix(prefix) => (Bound::Included(prefix), Bound::Unbounded),
        KeyRange::Between { start, end } => (
            Bound::Included(start),
            end.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
        ),
    }
}

/// collection → the locations written in it, in key order.
type Index = BTreeMap<Vec<u8>, BTreeSet<ByKey>>;

/// Adds `slot` to `index`.
fn add_to_index(index: &mut Index, slot: &SlotRef) {
    let entry = ByKey(SlotRef::clone(slot));
    match index.get_mut(slot.collection()) {
        Some(keys) => {
            keys.insert(entry);
        }
        None => {
            index.insert(slot.collection().to_vec(), BTreeSet::from([entry]));
        }
    }
}

/// The multi-version memory of a batch.
pub(crate) struct MvMemory {
    /// The locations touched by the batch.
    slots: Slots,
    /// The index of written locations, built at the first range read (batches without
    /// range reads never pay for it); from then on every written location is in it.
    index: RwLock<Option<Index>>,
    /// Per job: the locations its last recorded incarnation wrote, and what it read.
    last: Vec<Mutex<Recorded>>,
    /// Set once a job read a range (such a read may cover any key).
    ranged: AtomicBool,
}

/// The last recorded incarnation of a job.
#[derive(Debug, Default)]
struct Recorded {
    /// The locations written.
    written: SmallVec<[SlotRef; 2]>,
    /// The reads made.
    reads: Reads,
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
            // About one location a job, as a start.
            slots: Slots::with_capacity(jobs),
            index: RwLock::default(),
            last: (0..jobs).map(|_| Mutex::default()).collect(),
            ranged: AtomicBool::new(false),
        }
    }

    /// The location of `key` in `collection`.
    pub(crate) fn slot(&self, collection: &[u8], key: &[u8]) -> SlotRef {
        self.slots.intern(collection, key)
    }

    /// The last recorded incarnation of `job`, locked.
    fn last(&self, job: usize) -> MutexGuard<'_, Recorded> {
        unpoison(self.last[job].lock())
    }

    /// Notes that a job reads a range (call before reading it, or before validating a read
    /// set holding one).
    pub(crate) fn note_range(&self) {
        // A read-modify-write, so that a writer's `any_range` that reads false happens
        // before the range is read.
        self.ranged.swap(true, SeqCst);
    }

    /// True when some job has read a range. A writer calls this after recording its writes:
    /// when it finds none, every later range read sees those writes.
    fn any_range(&self) -> bool {
        self.ranged.load(SeqCst) || self.ranged.fetch_or(false, SeqCst)
    }

    /// The value of `slot` as job `reader` sees it, noting the reader (in the same critical
    /// section, so that a writer either sees the note or the reader sees the write).
    pub(crate) fn read(&self, slot: &SlotRef, reader: usize) -> Found {
        let mut versions = slot.versions();
        let found = versions.latest_before(reader);
        if !matches!(found, Found::Estimate(_)) {
            versions.reader = versions.reader.max(Some(reader));
        }
        found
    }

    /// The locations of `range` in `collection` that jobs before `reader` wrote, in key
    /// order, with their versions and values; `Err(job)` when one of them is an ESTIMATE of
    /// `job`.
    pub(crate) fn range(
        &self,
        collection: &[u8],
        range: &KeyRange,
        reader: usize,
    ) -> Result<Vec<(SlotRef, Version, Value)>, usize> {
        let mut index = unpoison(self.index.read());
        if index.is_none() {
            drop(index);
            self.build_index();
            index = unpoison(self.index.read());
        }
        let mut out = Vec::new();
        let Some(keys) = index.as_ref().and_then(|index| index.get(collection)) else {
            return Ok(out);
        };
        for ByKey(slot) in keys
            .range::<[u8], _>(bounds(range))
            .take_while(|ByKey(slot)| range.contains(slot.key()))
        {
            match slot.versions().latest_before(reader) {
                Found::Base => {}
                Found::Written(version, value) => out.push((SlotRef::clone(slot), version, value)),
                Found::Estimate(job) => return Err(job),
            }
        }
        Ok(out)
    }

    /// Builds the index from every location written so far, unless it exists. Writers that
    /// record later (having seen the range read noted) add their locations themselves.
    fn build_index(&self) {
        let mut index = unpoison(self.index.write());
        if index.is_some() {
            return;
        }
        let mut built = Index::new();
        self.slots.each(|slot| {
            let mut versions = slot.versions();
            if !versions.cells.is_empty() {
                versions.indexed = true;
                add_to_index(&mut built, slot);
            }
        });
        *index = Some(built);
    }

    /// Records incarnation `version` of a job: its writes replace those of its previous
    /// incarnation (locations no longer written are removed). Returns true when it wrote a
    /// location the previous incarnation did not and that a later job has read, or when
    /// any job read a range (later jobs must then be validated again: Block-STM's rule,
    /// narrowed to locations someone read).
    pub(crate) fn record(&self, version: Version, reads: Reads, writes: Writes) -> bool {
        let (job, incarnation) = version;
        let mut last = self.last(job);
        let before: HashSet<usize> = last.written.iter().map(address).collect();
        if !before.is_empty() {
            let now: HashSet<usize> = writes.iter().map(|(slot, _)| address(slot)).collect();
            for slot in &last.written {
                if !now.contains(&address(slot)) {
                    slot.versions().remove(job);
                }
            }
        }
        let mut wrote_new = false;
        let mut any_new = false;
        let mut unindexed = false;
        let mut written: SmallVec<[SlotRef; 2]> = SmallVec::with_capacity(writes.len());
        for (slot, value) in writes {
            let new = !before.contains(&address(&slot));
            {
                let mut versions = slot.versions();
                if new && versions.reader.is_some_and(|reader| reader > job) {
                    wrote_new = true;
                }
                unindexed |= !versions.indexed;
                versions.insert(job, Cell::Written(incarnation, value));
            }
            any_new |= new;
            written.push(slot);
        }
        // After the writes: a range read noted later sees them (building the index finds
        // them); one noted earlier may have missed them, so later jobs are validated again,
        // and the locations go into the index when it exists.
        if (any_new || unindexed) && self.any_range() {
            wrote_new |= any_new;
            if let Some(index) = unpoison(self.index.write()).as_mut() {
                for slot in &written {
                    let mut versions = slot.versions();
                    if !versions.indexed {
                        versions.indexed = true;
                        add_to_index(index, slot);
                    }
                }
            }
        }
        last.written = written;
        last.reads = reads;
        wrote_new
    }

    /// Turns the last recorded writes of `job` into ESTIMATE markers (it was aborted).
    pub(crate) fn convert_to_estimates(&self, job: usize) {
        for slot in &self.last(job).written {
            if let Some(cell) = slot.versions().cell_mut(job) {
                *cell = Cell::Estimate;
            }
        }
    }

    /// True when every read of the last recorded incarnation of `job` would see the same
    /// versions now.
    pub(crate) fn validate(&self, job: usize) -> bool {
        self.last(job).reads.iter().all(|read| match read {
            Read::Point { slot, seen } => match slot.versions().latest_before(job) {
                Found::Base => seen.is_none(),
                Found::Written(version, _) => *seen == Some(version),
                Found::Estimate(_) => false,
            },
            Read::Range(read) => match self.range(&read.collection, &read.range, job) {
                Ok(now) => {
                    now.len() == read.seen.len()
                        && now.iter().zip(&read.seen).all(
                            |((slot, version, _), (was_slot, was))| {
                                address(slot) == address(was_slot) && version == was
                            },
                        )
                }
                Err(_) => false,
            },
        })
    }

    /// The writes of the last recorded incarnation of `job`, now committed (`None`:
    /// deleted). Its record is emptied, so that it is freed while the batch goes on: a
    /// committed job is never validated, aborted or run again (its versions stay, for the
    /// jobs after it).
    pub(crate) fn take_committed(&self, job: usize) -> Writes {
        let Recorded { written, reads } = std::mem::take(&mut *self.last(job));
        drop(reads);
        written
            .into_iter()
            .filter_map(|slot| {
                let value = match slot.versions().cell_mut(job)? {
                    Cell::Written(_, value) => value.clone(),
                    Cell::Estimate => return None,
                };
                Some((slot, value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn put(memory: &MvMemory, c: &str, k: &str, v: &str) -> WriteEntry {
        (
            memory.slot(c.as_bytes(), k.as_bytes()),
            Some(Arc::from(v.as_bytes())),
        )
    }

    /// The (collection, key, value) of each write, for comparisons.
    fn plain(writes: Writes) -> Vec<(Vec<u8>, Vec<u8>, Value)> {
        writes
            .into_iter()
            .map(|(slot, value)| (slot.collection().to_vec(), slot.key().to_vec(), value))
            .collect()
    }

    #[test]
    fn readers_see_the_latest_earlier_write() {
        let memory = MvMemory::new(4);
        let k = memory.slot(b"c", b"k");
        assert_eq!(memory.read(&k, 3), Found::Base);
        assert!(memory.record(
            (1, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "k", "one")]
        ));
        assert!(!memory.record(
            (1, 1),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "k", "uno")]
        ));
        assert_eq!(memory.read(&k, 1), Found::Base);
        assert_eq!(
            memory.read(&k, 3),
            Found::Written((1, 1), Some(Arc::from(&b"uno"[..])))
        );
        memory.convert_to_estimates(1);
        assert_eq!(memory.read(&k, 2), Found::Estimate(1));
        assert_eq!(memory.range(b"c", &KeyRange::All, 2).map(|_| ()), Err(1));
        // A new incarnation that no longer writes the key removes it.
        memory.record((1, 2), Reads::new(), Writes::new());
        assert_eq!(memory.read(&k, 3), Found::Base);
        assert!(memory.take_committed(1).is_empty());
    }

    #[test]
    fn new_keys_count_only_when_a_later_job_read_them() {
        let memory = MvMemory::new(4);
        memory.read(&memory.slot(b"c", b"early"), 0);
        memory.read(&memory.slot(b"c", b"late"), 2);
        // Nobody read it, or only an earlier job: later validations stand.
        assert!(!memory.record(
            (1, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "unread", "x")]
        ));
        assert!(!memory.record(
            (1, 1),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "early", "x")]
        ));
        // Job 2 read it: its validation may be out of date.
        assert!(memory.record(
            (1, 2),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "late", "x")]
        ));
        // After a range read, any new key may be in someone's range.
        memory.note_range();
        assert!(memory.record(
            (0, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "unread", "y")]
        ));
        assert_eq!(
            plain(memory.take_committed(1)),
            vec![(b"c".to_vec(), b"late".to_vec(), Some(Arc::from(&b"x"[..])))]
        );
    }

    #[test]
    fn ranges_see_the_written_keys_in_order_and_only_those_in_range() {
        let memory = MvMemory::new(3);
        let writes = ["b2", "a", "b1", "c"].map(|key| put(&memory, "c", key, key));
        memory.record((0, 0), Reads::new(), writes.into_iter().collect());
        memory.record(
            (1, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "d", "b3", "x")],
        );
        let keys = |range: KeyRange| -> Vec<Vec<u8>> {
            let found = memory.range(b"c", &range, 2).unwrap();
            found
                .into_iter()
                .map(|(slot, _, _)| slot.key().to_vec())
                .collect()
        };
        assert_eq!(keys(KeyRange::All), [&b"a"[..], b"b1", b"b2", b"c"]);
        assert_eq!(keys(KeyRange::Prefix(b"b".to_vec())), [&b"b1"[..], b"b2"]);
        let between = KeyRange::Between {
            start: b"a".to_vec(),
            end: Some(b"b2".to_vec()),
        };
        assert_eq!(keys(between), [&b"a"[..], b"b1"]);
        // Job 0 does not see its own writes through the memory.
        assert!(memory.range(b"c", &KeyRange::All, 0).unwrap().is_empty());
    }

    #[test]
    fn validation_catches_changed_points_and_ranges() {
        let memory = MvMemory::new(3);
        memory.record(
            (0, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "a", "x")],
        );
        let reads = smallvec::smallvec![
            Read::Point {
                slot: memory.slot(b"c", b"a"),
                seen: Some((0, 0)),
            },
            Read::Range(Box::new(RangeRead {
                collection: b"c".to_vec(),
                range: KeyRange::Prefix(b"b".to_vec()),
                seen: Vec::new(),
            })),
        ];
        memory.note_range();
        memory.record((2, 0), reads, Writes::new());
        assert!(memory.validate(2));
        // A phantom: job 1 inserts a key in the range job 2 queried.
        memory.record(
            (1, 0),
            Reads::new(),
            smallvec::smallvec![put(&memory, "c", "b1", "y")],
        );
        assert!(!memory.validate(2));
        assert_eq!(memory.take_committed(1).len(), 1);
    }
}
