//! The open transaction above a backend snapshot: the transaction's own writes (batched
//! until commit), a cache of the snapshot values it has read, and the undo log behind
//! savepoints.

use crate::backend::{Backend, Entries, Tree, Write};
use crate::read_cache::ReadCache;
use dotvm_vm::StateError;
use std::collections::BTreeMap;
use std::iter::Peekable;
use std::ops::Bound;

/// A pending write: `Some(value)` stores, `None` removes.
type Pending = Option<Vec<u8>>;

/// The transaction's own writes to a range, in the range's order.
type OwnWrites<'a> = Box<dyn Iterator<Item = (&'a Vec<u8>, &'a Pending)> + 'a>;

/// One undo record: the tree, the key, and the key's pending write before (`None`: there
/// was none).
type Undo = (Tree, Vec<u8>, Option<Pending>);

/// The transaction state kept in memory until commit or abort.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    /// Pending writes per tree, ordered for merging into range reads.
    writes: [BTreeMap<Vec<u8>, Pending>; 3],
    /// Snapshot values already read, per tree.
    reads: [ReadCache; 3],
    /// Undo records, oldest first; kept only while a savepoint is open.
    undo: Vec<Undo>,
    /// Open savepoints, oldest first: (id, undo-log length when opened).
    savepoints: Vec<(u64, usize)>,
    /// The id the next savepoint gets.
    next_savepoint: u64,
}

impl Overlay {
    /// The value of `key`: the transaction's own write, else the snapshot's (cached).
    pub(crate) fn get<'s>(
        &'s mut self,
        backend: &impl Backend,
        tree: Tree,
        key: &[u8],
    ) -> Result<Option<&'s [u8]>, StateError> {
        let t = tree.index();
        if let Some(pending) = self.writes[t].get(key) {
            return Ok(pending.as_deref());
        }
        let cache = &mut self.reads[t];
        let entry = match cache.find(key) {
            Ok(entry) => entry,
            Err(hash) => cache.insert(hash, key, |out| backend.read(tree, key, out))?,
        };
        Ok(cache.value(entry))
    }

    /// Records a write of `value` (`None`: removal) to `key`.
    pub(crate) fn write(&mut self, tree: Tree, key: Vec<u8>, value: Pending) {
        let writes = &mut self.writes[tree.index()];
        if self.savepoints.is_empty() {
            writes.insert(key, value);
        } else {
            let previous = writes.insert(key.clone(), value);
            self.undo.push((tree, key, previous));
        }
    }

    /// Entries of `[start, end)` as the transaction sees them, in key order (decreasing
    /// when `reverse`).
    pub(crate) fn range<'a>(
        &'a self,
        backend: &'a impl Backend,
        tree: Tree,
        start: &[u8],
        end: Option<&[u8]>,
        reverse: bool,
    ) -> Result<Merged<'a>, StateError> {
        let base = backend.range(tree, start, end, reverse)?;
        let own: OwnWrites<'a> = if end.is_some_and(|end| end <= start) {
            Box::new(std::iter::empty())
        } else {
            let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
            let own = self.writes[tree.index()].range::<[u8], _>((Bound::Included(start), upper));
            if reverse {
                Box::new(own.rev())
            } else {
                Box::new(own)
            }
        };
        Ok(Merged {
            base: base.peekable(),
            own: own.peekable(),
            reverse,
        })
    }

    /// Opens a savepoint.
    pub(crate) fn savepoint(&mut self) -> u64 {
        self.next_savepoint += 1;
        self.savepoints.push((self.next_savepoint, self.undo.len()));
        self.next_savepoint
    }

    /// Position of savepoint `id` among the open ones.
    fn find(&self, id: u64) -> Result<usize, StateError> {
        self.savepoints
            .iter()
            .position(|&(open, _)| open == id)
            .ok_or(StateError::NoSavepoint(id))
    }

    /// Undoes the writes since savepoint `id`, which stays open; later ones close.
    pub(crate) fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        let position = self.find(id)?;
        let mark = self.savepoints[position].1;
        self.savepoints.truncate(position + 1);
        while self.undo.len() > mark {
            let Some((tree, key, previous)) = self.undo.pop() else {
                break;
            };
            let writes = &mut self.writes[tree.index()];
            match previous {
                Some(pending) => writes.insert(key, pending),
                None => writes.remove(&key),
            };
        }
        Ok(())
    }

    /// Closes savepoint `id` and later ones, keeping their writes.
    pub(crate) fn release(&mut self, id: u64) -> Result<(), StateError> {
        let position = self.find(id)?;
        self.savepoints.truncate(position);
        if self.savepoints.is_empty() {
            self.undo.clear();
        }
        Ok(())
    }

    /// The pending writes of every tree, in tree and key order.
    pub(crate) fn pending(&self) -> Vec<Write<'_>> {
        Tree::ALL
            .iter()
            .flat_map(|&tree| {
                self.writes[tree.index()]
                    .iter()
                    .map(move |(key, value)| Write {
                        tree,
                        key,
                        value: value.as_deref(),
                    })
            })
            .collect()
    }

    /// Number of pending writes.
    pub(crate) fn pending_count(&self) -> usize {
        self.writes.iter().map(BTreeMap::len).sum()
    }

    /// Forgets the transaction (after commit or abort); savepoint ids keep increasing.
    pub(crate) fn clear(&mut self) {
        for writes in &mut self.writes {
            writes.clear();
        }
        for reads in &mut self.reads {
            reads.clear();
        }
        self.undo.clear();
        self.savepoints.clear();
    }
}

/// A snapshot range merged with the transaction's own writes to it.
pub(crate) struct Merged<'a> {
    base: Peekable<Entries<'a>>,
    own: Peekable<OwnWrites<'a>>,
    reverse: bool,
}

impl Iterator for Merged<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>), StateError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let take_own = match (self.base.peek(), self.own.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => return self.base.next(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(Ok((base_key, _))), Some((own_key, _))) => {
                    if base_key == *own_key {
                        // The transaction's write replaces the snapshot's entry.
                        self.base.next();
                        true
                    } else {
                        (own_key.as_slice() < base_key.as_slice()) != self.reverse
                    }
                }
            };
            if !take_own {
                return self.base.next();
            }
            if let Some((key, Some(value))) = self.own.next() {
                return Some(Ok((key.clone(), value.clone())));
            }
            // A removal: skip it.
        }
    }
}
