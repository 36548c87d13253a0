//! The BigInt heap: a per-run table of immutable objects addressed by handles, released
//! explicitly (`BIGINT_FREE`) or by a conservative mark-and-sweep collector.
//!
//! **Handles** fit the machine word. With words of 64 bits or more they are
//! `0xB16E << 48 | generation << 32 | index` (16-bit generation, 2^32 slots); on 32-bit words
//! `0xB << 28 | generation << 20 | index` (8-bit generation, 2^20 slots). The tag makes stray
//! integers unlikely to look like handles, and the generation, bumped each time a slot is
//! released, makes a stale handle fail ([`BadHandle`]) instead of reaching the slot's next
//! object (until the generation wraps). Handle 0 ([`NO_VALUE`]) is never issued;
//! instructions push it for "no result".
//!
//! **Collection** is conservative: the VM passes every word that may hold a handle (its
//! value stack, globals and each aligned 8-byte word of linear memory) to
//! [`BigIntHeap::collect`]; objects no such word names are released. A word that merely
//! looks like a live handle keeps its object alive, which is safe. The VM runs a collection
//! when [`BigIntHeap::collection_due`] says so, before an allocation that would pass the
//! memory limit, and on `BIGINT_COLLECT`.
//!
//! **Accounting**: each live object counts [`object_bytes`] (its limbs plus a fixed slot
//! overhead) toward [`BigIntHeap::bytes`], which the VM adds to linear memory when it
//! enforces the run's memory limit.

use num_bigint::BigInt;

/// The handle pushed for "no value" (a failed parse, a missing inverse).
pub const NO_VALUE: u64 = 0;

/// How handles pack tag, generation and index into a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    tag: u64,
    tag_shift: u32,
    generation_bits: u32,
    index_bits: u32,
}

impl Layout {
    /// The layout for words of `word_bits` bits.
    const fn for_word(word_bits: u32) -> Layout {
        if word_bits >= 64 {
            Layout {
                tag: 0xB16E,
                tag_shift: 48,
                generation_bits: 16,
                index_bits: 32,
            }
        } else {
            Layout {
                tag: 0xB,
                tag_shift: 28,
                generation_bits: 8,
                index_bits: 20,
            }
        }
    }

    const fn mask(bits: u32) -> u64 {
        (1 << bits) - 1
    }

    fn handle(self, index: u32, generation: u16) -> u64 {
        self.tag << self.tag_shift
            | (u64::from(generation) & Self::mask(self.generation_bits)) << self.index_bits
            | u64::from(index)
    }

    /// `(index, generation)` of a word carrying this layout's tag.
    fn split(self, word: u64) -> Option<(usize, u64)> {
        if word >> self.tag_shift != self.tag {
            return None;
        }
        let index = (word & Self::mask(self.index_bits)) as usize;
        let generation = (word >> self.index_bits) & Self::mask(self.generation_bits);
        Some((index, generation))
    }
}

/// Bytes charged per object beyond its limbs (the slot and the number's header).
const SLOT_BYTES: u64 = 32;

/// The heap does not start a collection while its live objects take less than this.
const MIN_COLLECTION_BYTES: u64 = 1 << 20;

/// Bytes an object of `limbs` 64-bit limbs counts against the memory limit.
pub const fn object_bytes(limbs: u64) -> u64 {
    SLOT_BYTES.saturating_add(limbs.saturating_mul(8))
}

/// A word that is not the handle of a live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0:#x} is not a live BigInt handle")]
pub struct BadHandle(pub u64);

/// One table entry.
#[derive(Debug, Default)]
struct Slot {
    generation: u16,
    value: Option<BigInt>,
    bytes: u64,
    marked: bool,
}

/// The objects of one run.
#[derive(Debug)]
pub struct BigIntHeap {
    layout: Layout,
    slots: Vec<Slot>,
    /// Indices of empty slots, reused last-freed first.
    free: Vec<u32>,
    live: usize,
    bytes: u64,
    /// Live bytes right after the last collection.
    bytes_after_collection: u64,
}

impl BigIntHeap {
    /// An empty heap whose handles fit words of `word_bits` bits (32 or more).
    pub fn new(word_bits: u32) -> BigIntHeap {
        BigIntHeap {
            layout: Layout::for_word(word_bits),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            bytes: 0,
            bytes_after_collection: 0,
        }
    }

    /// The object `handle` names.
    pub fn get(&self, handle: u64) -> Result<&BigInt, BadHandle> {
        self.slot(handle)
            .and_then(|slot| slot.value.as_ref())
            .ok_or(BadHandle(handle))
    }

    /// Stores `value` and returns its handle, or `None` when the table is full (2^32
    /// objects, or 2^20 with 32-bit words).
    pub fn insert(&mut self, value: BigInt) -> Option<u64> {
        let bytes = object_bytes(limbs(&value));
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| u64::from(i) <= Layout::mask(self.layout.index_bits))?;
                self.slots.push(Slot::default());
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.value = Some(value);
        slot.bytes = bytes;
        self.live += 1;
        self.bytes += bytes;
        Some(self.layout.handle(index, slot.generation))
    }

    /// Releases the object `handle` names; the handle (and every copy) becomes invalid.
    pub fn free(&mut self, handle: u64) -> Result<(), BadHandle> {
        let index = self.locate(handle).ok_or(BadHandle(handle))?;
        self.release(index);
        Ok(())
    }

    /// Number of live objects.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Bytes the live objects count against the memory limit.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Number of table slots (live or empty): the work of a sweep.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// True when the live objects have grown enough that a collection should run: they
    /// take at least 1 MiB, twice what survived the last collection, and a quarter of the
    /// `memory_bytes` of linear memory a collection scans. A program that frees its objects
    /// never triggers one; one that does not pays scans in proportion to its garbage.
    pub fn collection_due(&self, memory_bytes: u64) -> bool {
        let threshold = MIN_COLLECTION_BYTES
            .max(self.bytes_after_collection.saturating_mul(2))
            .max(memory_bytes / 4);
        self.bytes >= threshold
    }

    /// Releases every object that none of the `roots` words names; returns how many were
    /// released.
    pub fn collect(&mut self, roots: impl IntoIterator<Item = u64>) -> usize {
        for word in roots {
            if let Some(index) = self.locate(word) {
                self.slots[index].marked = true;
            }
        }
        let mut released = 0;
        for index in 0..self.slots.len() {
            let slot = &mut self.slots[index];
            if std::mem::take(&mut slot.marked) {
                continue;
            }
            if slot.value.is_some() {
                self.release(index);
                released += 1;
            }
        }
        self.bytes_after_collection = self.bytes;
        released
    }

    /// The index of the live object `word` names, if it names one.
    fn locate(&self, word: u64) -> Option<usize> {
        let (index, generation) = self.layout.split(word)?;
        let slot = self.slots.get(index)?;
        let current = u64::from(slot.generation) & Layout::mask(self.layout.generation_bits);
        (current == generation && slot.value.is_some()).then_some(index)
    }

    /// The slot `handle` names when it is live.
    fn slot(&self, handle: u64) -> Option<&Slot> {
        self.locate(handle).map(|index| &self.slots[index])
    }

    /// Empties a live slot.
    fn release(&mut self, index: usize) {
        let slot = &mut self.slots[index];
        slot.value = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.bytes -= slot.bytes;
        slot.bytes = 0;
        self.live -= 1;
        self.free.push(index as u32);
    }
}

/// 64-bit limbs of `|value|`, at least 1.
pub(crate) fn limbs(value: &BigInt) -> u64 {
    value.bits().div_ceil(64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_name_their_objects_until_freed() {
        let mut heap = BigIntHeap::new(64);
        let a = heap.insert(BigInt::from(5)).unwrap();
        let b = heap.insert(BigInt::from(-7)).unwrap();
        assert_ne!(a, NO_VALUE);
        assert_eq!(heap.get(a), Ok(&BigInt::from(5)));
        assert_eq!(heap.get(b), Ok(&BigInt::from(-7)));
        assert_eq!((heap.live(), heap.bytes()), (2, 2 * object_bytes(1)));
        heap.free(a).unwrap();
        assert_eq!(heap.get(a), Err(BadHandle(a)));
        assert_eq!(heap.free(a), Err(BadHandle(a)));
        let c = heap.insert(BigInt::from(9)).unwrap();
        assert_ne!(c, a, "a reused slot gets a new generation");
        assert_eq!(heap.get(a), Err(BadHandle(a)));
        assert_eq!(heap.get(NO_VALUE), Err(BadHandle(0)));
        assert_eq!(heap.get(c & 0xFFFF_FFFF), Err(BadHandle(c & 0xFFFF_FFFF)));
        assert_eq!(heap.live(), 2);
    }

    #[test]
    fn handles_fit_32_bit_words() {
        let mut heap = BigIntHeap::new(32);
        let handles: Vec<u64> = (0..300)
            .map(|i| {
                let h = heap.insert(BigInt::from(i)).unwrap();
                heap.free(h).unwrap();
                heap.insert(BigInt::from(i)).unwrap()
            })
            .collect();
        for (i, &h) in handles.iter().enumerate() {
            assert!(h <= u64::from(u32::MAX) && h != NO_VALUE);
            assert_eq!(heap.get(h), Ok(&BigInt::from(i)));
        }
        assert_eq!(heap.collect(handles[..10].iter().copied()), 290);
    }

    #[test]
    fn collection_keeps_exactly_the_named_objects() {
        let mut heap = BigIntHeap::new(64);
        let handles: Vec<u64> = (0..10)
            .map(|i| heap.insert(BigInt::from(i) << 200).unwrap())
            .collect();
        let released = heap.collect([handles[2], handles[7], 12345, handles[7]]);
        assert_eq!(released, 8);
        assert_eq!(heap.live(), 2);
        assert_eq!(heap.bytes(), 2 * object_bytes(4));
        assert!(heap.get(handles[2]).is_ok() && heap.get(handles[7]).is_ok());
        assert!(heap.get(handles[0]).is_err());
        assert_eq!(heap.collect([]), 2);
        assert_eq!((heap.live(), heap.bytes()), (0, 0));
    }

    #[test]
    fn collections_become_due_as_live_objects_grow() {
        let mut heap = BigIntHeap::new(64);
        assert!(!heap.collection_due(0));
        let big = || BigInt::from(1) << (8 * (1 << 20));
        let h = heap.insert(big()).unwrap();
        assert!(heap.collection_due(0));
        assert!(
            !heap.collection_due(64 << 20),
            "a large memory raises the threshold"
        );
        heap.collect([h]);
        assert!(
            !heap.collection_due(0),
            "1 MiB survived: due again at 2 MiB"
        );
        let g = heap.insert(big()).unwrap();
        assert!(heap.collection_due(0));
        heap.free(g).unwrap();
        assert!(
            !heap.collection_due(0),
            "freeing explicitly keeps collections away"
        );
    }
}
