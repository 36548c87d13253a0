//! The in-memory backend: three ordered maps, gone when dropped (`--state :memory:`).

use super::{Backend, Entries, Tree, Write};
use dotvm_vm::StateError;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Committed state held in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryBackend {
    trees: [BTreeMap<Vec<u8>, Vec<u8>>; 3],
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }
}

impl Backend for MemoryBackend {
    fn read(&self, tree: Tree, key: &[u8], out: &mut Vec<u8>) -> Result<bool, StateError> {
        let value = self.trees[tree.index()].get(key);
        if let Some(value) = value {
            out.extend_from_slice(value);
        }
        Ok(value.is_some())
    }

    fn range(
        &self,
        tree: Tree,
        start: &[u8],
        end: Option<&[u8]>,
        reverse: bool,
    ) -> Result<Entries<'_>, StateError> {
        if end.is_some_and(|end| end <= start) {
            return Ok(Box::new(std::iter::empty()));
        }
        let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
        let entries = self.trees[tree.index()]
            .range::<[u8], _>((Bound::Included(start), upper))
            .map(|(k, v)| Ok((k.clone(), v.clone())));
        Ok(if reverse {
            Box::new(entries.rev())
        } else {
            Box::new(entries)
        })
    }

    fn apply(&mut self, writes: &[Write<'_>]) -> Result<(), StateError> {
        for write in writes {
            let tree = &mut self.trees[write.tree.index()];
            match write.value {
                Some(value) => tree.insert(write.key.to_vec(), value.to_vec()),
                None => tree.remove(write.key),
            };
        }
        Ok(())
    }
}
