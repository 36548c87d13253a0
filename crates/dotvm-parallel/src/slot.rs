//! Interned locations: every (collection, key) the batch touches gets one shared [`Slot`]
//! holding its versions in the multi-version memory, the highest job that read it and its
//! value before the batch, so that read sets, write sets and the memory hold pointers, not
//! copies of keys, and each location has a lock of its own.

use hashbrown::{DefaultHashBuilder, Equivalent, HashSet};
use smallvec::SmallVec;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};

/// A stored value: `None` is a deletion.
pub(crate) type Value = Option<Arc<[u8]>>;

/// Which execution of a job produced a value: (job index, incarnation).
pub(crate) type Version = (usize, u32);

/// The cell of one job's write to one location.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    /// The value written by this incarnation.
    Written(u32, Value),
    /// The job was aborted; it will probably write the location again.
    Estimate,
}

/// What a read of the multi-version memory finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// No job before the reader wrote the location: the base store's value applies.
    Base,
    /// The write of an earlier job.
    Written(Version, Value),
    /// An earlier job (this one) is expected to write the location again: wait for it.
    Estimate(usize),
}

/// What the multi-version memory knows of a location, behind the slot's lock.
#[derive(Debug, Default)]
pub(crate) struct Versions {
    /// One cell per job that wrote the location, by increasing job index (the first one
    /// inline).
    pub(crate) cells: SmallVec<[(usize, Cell); 1]>,
    /// The highest job that read the location from outside itself, if any.
    pub(crate) reader: Option<usize>,
    /// Set once the location is in the index of written keys (for range reads).
    pub(crate) indexed: bool,
}

impl Versions {
    /// The version of the highest job below `reader`.
    pub(crate) fn latest_before(&self, reader: usize) -> Found {
        let below = self.cells.partition_point(|&(job, _)| job < reader);
        match below.checked_sub(1).map(|at| &self.cells[at]) {
            None => Found::Base,
            Some((job, Cell::Estimate)) => Found::Estimate(*job),
            Some((job, Cell::Written(incarnation, value))) => {
                Found::Written((*job, *incarnation), value.clone())
            }
        }
    }

    /// The cell of `job`, if it wrote the location.
    pub(crate) fn cell_mut(&mut self, job: usize) -> Option<&mut Cell> {
        let at = self.cells.binary_search_by_key(&job, |&(j, _)| j).ok()?;
        Some(&mut self.cells[at].1)
    }

    /// Sets the cell of `job`.
    pub(crate) fn insert(&mut self, job: usize, cell: Cell) {
        match self.cells.binary_search_by_key(&job, |&(j, _)| j) {
            Ok(at) => self.cells[at].1 = cell,
            Err(at) => self.cells.insert(at, (job, cell)),
        }
    }

    /// Removes the cell of `job`.
    pub(crate) fn remove(&mut self, job: usize) {
        if let Ok(at) = self.cells.binary_search_by_key(&job, |&(j, _)| j) {
            self.cells.remove(at);
        }
    }
}

/// One location of the batch.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The collection followed by the key (inline when short).
    bytes: SmallVec<[u8; 24]>,
    /// Where the key starts in `bytes`.
    split: usize,
    /// The versions written by the jobs, and the highest reader.
    versions: Mutex<Versions>,
    /// The value before the batch, once read.
    base: OnceLock<Value>,
}

impl Slot {
    /// The collection.
    pub(crate) fn collection(&self) -> &[u8] {
        &self.bytes[..self.split]
    }

    /// The key.
    pub(crate) fn key(&self) -> &[u8] {
        &self.bytes[self.split..]
    }

    /// Locks the versions (even when a thread panicked holding the lock: the batch then
    /// fails anyway, and the versions are never left half-updated).
    pub(crate) fn versions(&self) -> MutexGuard<'_, Versions> {
        self.versions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value before the batch, when it was read already.
    pub(crate) fn base(&self) -> Option<&Value> {
        self.base.get()
    }

    /// Remembers the value before the batch.
    pub(crate) fn set_base(&self, value: Value) {
        // Every reader reads the same value: a second one changes nothing.
        let _ = self.base.set(value);
    }
}

/// A shared slot; two of them are the same location exactly when they point to the same slot.
pub(crate) type SlotRef = Arc<Slot>;

/// The address of a slot, to key maps by location without hashing its bytes.
pub(crate) fn address(slot: &SlotRef) -> usize {
    Arc::as_ptr(slot) as usize
}

/// A slot in the interning table, hashed and compared by its (collection, key).
struct Interned(SlotRef);

impl Hash for Interned {
    fn hash<H: Hasher>(&self, state: &mut H) {
        LocationRef(self.0.collection(), self.0.key()).hash(state);
    }
}

impl PartialEq for Interned {
    fn eq(&self, other: &Interned) -> bool {
        self.0.bytes == other.0.bytes && self.0.split == other.0.split
    }
}

impl Eq for Interned {}

/// A borrowed (collection, key) location, to look slots up without copying the bytes.
#[derive(Hash)]
struct LocationRef<'a>(&'a [u8], &'a [u8]);

impl Equivalent<Interned> for LocationRef<'_> {
    fn equivalent(&self, interned: &Interned) -> bool {
        self.0 == interned.0.collection() && self.1 == interned.0.key()
    }
}

/// Shards of the interning table: threads interning different locations rarely contend
/// for (or bounce the cache line of) the same lock.
const SHARDS: usize = 16;

/// The interning table: one slot per location touched by the batch, in shards chosen by
/// the location's hash.
pub(crate) struct Slots {
    /// Chooses the shard.
    hasher: DefaultHashBuilder,
    /// The shards.
    shards: [RwLock<HashSet<Interned>>; SHARDS],
}

impl Slots {
    /// An empty table with room for about `locations` locations.
    pub(crate) fn with_capacity(locations: usize) -> Slots {
        Slots {
            hasher: DefaultHashBuilder::default(),
            shards: std::array::from_fn(|_| {
                RwLock::new(HashSet::with_capacity(locations.div_ceil(SHARDS)))
            }),
        }
    }

    /// Calls `visit` with every slot (holding a shard's lock: `visit` must not intern).
    pub(crate) fn each(&self, mut visit: impl FnMut(&SlotRef)) {
        for shard in &self.shards {
            for interned in shard.read().unwrap_or_else(PoisonError::into_inner).iter() {
                visit(&interned.0);
            }
        }
    }

    /// The slot of `key` in `collection`, created on first use.
    pub(crate) fn intern(&self, collection: &[u8], key: &[u8]) -> SlotRef {
        let location = LocationRef(collection, key);
        // The high half of the hash: the shards' own tables use the low bits.
        let shard = &self.shards[(self.hasher.hash_one(&location) >> 32) as usize % SHARDS];
        if let Some(found) = shard
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&location)
        {
            return Arc::clone(&found.0);
        }
        let mut table = shard.write().unwrap_or_else(PoisonError::into_inner);
        let interned = table.get_or_insert_with(&location, |_| {
            Interned(Arc::new(Slot {
                bytes: collection.iter().chain(key).copied().collect(),
                split: collection.len(),
                versions: Mutex::default(),
                base: OnceLock::new(),
            }))
        });
        Arc::clone(&interned.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_interned_once() {
        let slots = Slots::with_capacity(0);
        let a = slots.intern(b"c", b"k");
        assert!(Arc::ptr_eq(&a, &slots.intern(b"c", b"k")));
        // The split between collection and key is part of the location.
        let b = slots.intern(b"ck", b"");
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((b.collection(), b.key()), (&b"ck"[..], &b""[..]));
        assert_eq!((a.collection(), a.key()), (&b"c"[..], &b"k"[..]));
        let mut seen = 0;
        slots.each(|_| seen += 1);
        assert_eq!(seen, 2);
    }

    #[test]
    fn readers_see_the_cell_of_the_highest_earlier_job() {
        let mut versions = Versions::default();
        versions.insert(3, Cell::Written(0, None));
        versions.insert(1, Cell::Written(2, Some(Arc::from(&b"x"[..]))));
        assert_eq!(versions.latest_before(1), Found::Base);
        assert_eq!(
            versions.latest_before(3),
            Found::Written((1, 2), Some(Arc::from(&b"x"[..])))
        );
        assert_eq!(versions.latest_before(9), Found::Written((3, 0), None));
        *versions.cell_mut(3).unwrap() = Cell::Estimate;
        assert_eq!(versions.latest_before(4), Found::Estimate(3));
        versions.remove(3);
        assert!(versions.cell_mut(3).is_none());
        assert_eq!(versions.cells.len(), 1);
    }
}
