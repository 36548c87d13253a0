//! The transaction's read cache: snapshot values already read, so that repeated reads of a
//! key are answered from memory. Keys and values are appended to one byte arena (no
//! allocation per entry, and clearing frees nothing per entry); entries are found through
//! a SipHash of the key with a randomly keyed hasher, chained on collisions.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// No entry.
const NONE: u32 = u32::MAX;
/// Arena capacity kept across transactions; a larger arena is freed when cleared.
const RETAINED_BYTES: usize = 16 << 20;

/// One cached read.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Start of the key in the arena.
    key: usize,
    /// Key length.
    key_len: u32,
    /// Start of the value in the arena.
    value: usize,
    /// Value length, or [`NONE`] when the key was absent.
    value_len: u32,
    /// The previous entry with the same hash, or [`NONE`].
    next: u32,
}

/// Cached snapshot reads of one tree; `S` hashes the keys.
#[derive(Debug, Default)]
pub(crate) struct ReadCache<S = RandomState> {
    hasher: S,
    /// Key hash → newest entry with that hash.
    heads: HashMap<u64, u32, BuildHasherDefault<HashValue>>,
    entries: Vec<Entry>,
    arena: Vec<u8>,
}

impl<S: BuildHasher + Default> ReadCache<S> {
    /// The entry for `key` if it was read before, else the key's hash for [`Self::insert`].
    pub(crate) fn find(&self, key: &[u8]) -> Result<usize, u64> {
        let hash = self.hasher.hash_one(key);
        let mut at = self.heads.get(&hash).copied().unwrap_or(NONE);
        while at != NONE {
            let entry = &self.entries[at as usize];
            if &self.arena[entry.key..entry.key + entry.key_len as usize] == key {
                return Ok(at as usize);
            }
            at = entry.next;
        }
        Err(hash)
    }

    /// The value an entry holds (`None`: the key was absent).
    pub(crate) fn value(&self, index: usize) -> Option<&[u8]> {
        let entry = &self.entries[index];
        (entry.value_len != NONE)
            .then(|| &self.arena[entry.value..entry.value + entry.value_len as usize])
    }

    /// Caches `key`, whose hash [`Self::find`] returned and whose value `read` appends to
    /// the buffer it is given (returning whether the key exists); returns the new entry.
    pub(crate) fn insert<E>(
        &mut self,
        hash: u64,
        key: &[u8],
        read: impl FnOnce(&mut Vec<u8>) -> Result<bool, E>,
    ) -> Result<usize, E> {
        let start = self.arena.len();
        self.arena.extend_from_slice(key);
        let value = self.arena.len();
        let found = match read(&mut self.arena) {
            Ok(found) => found,
            Err(error) => {
                self.arena.truncate(start);
                return Err(error);
            }
        };
        let value_len = if found {
            (self.arena.len() - value) as u32
        } else {
            NONE
        };
        let index = self.entries.len() as u32;
        let head = self.heads.entry(hash).or_insert(NONE);
        self.entries.push(Entry {
            key: start,
            key_len: key.len() as u32,
            value,
            value_len,
            next: *head,
        });
        *head = index;
        Ok(index as usize)
    }

    /// Forgets everything, keeping the allocations for the next transaction unless they
    /// grew large.
    pub(crate) fn clear(&mut self) {
        if self.arena.capacity() > RETAINED_BYTES {
            *self = ReadCache {
                hasher: std::mem::take(&mut self.hasher),
                heads: HashMap::default(),
                entries: Vec::new(),
                arena: Vec::new(),
            };
        }
        self.heads.clear();
        self.entries.clear();
        self.arena.clear();
    }
}

/// A hasher for keys that already are hashes.
#[derive(Debug, Default)]
struct HashValue(u64);

impl Hasher for HashValue {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_reads_come_back() {
        let mut cache = ReadCache::<RandomState>::default();
        let hash = cache.find(b"a").unwrap_err();
        let a = cache
            .insert(hash, b"a", |out| {
                out.extend_from_slice(b"one");
                Ok::<_, ()>(true)
            })
            .unwrap();
        let hash = cache.find(b"b").unwrap_err();
        let missing = cache.insert(hash, b"b", |_| Ok::<_, ()>(false)).unwrap();
        assert_eq!(cache.find(b"a"), Ok(a));
        assert_eq!(cache.value(a), Some(&b"one"[..]));
        assert_eq!(cache.find(b"b"), Ok(missing));
        assert_eq!(cache.value(missing), None);
        let hash = cache.find(b"c").unwrap_err();
        assert!(
            cache
                .insert(hash, b"c", |out| {
                    out.extend_from_slice(b"partial");
                    Err("failed")
                })
                .is_err()
        );
        assert!(cache.find(b"c").is_err());
        cache.clear();
        assert!(cache.find(b"a").is_err());
    }

    /// Hashes every key to 0.
    #[derive(Debug, Default)]
    struct Zero;

    impl Hasher for Zero {
        fn write(&mut self, _: &[u8]) {}
        fn finish(&self) -> u64 {
            0
        }
    }

    #[test]
    fn colliding_hashes_are_told_apart() {
        let mut cache = ReadCache::<BuildHasherDefault<Zero>>::default();
        for key in [&b"x"[..], b"y", b"z"] {
            let hash = cache.find(key).unwrap_err();
            cache
                .insert(hash, key, |out| {
                    out.extend_from_slice(&[key[0]; 2]);
                    Ok::<_, ()>(true)
                })
                .unwrap();
        }
        assert_eq!(cache.heads.len(), 1);
        for key in [&b"x"[..], b"y", b"z"] {
            let index = cache.find(key).unwrap();
            assert_eq!(cache.value(index), Some(&[key[0]; 2][..]));
        }
        assert!(cache.find(b"w").is_err());
    }
}
