//! Administration of a store, for tools (`dotvm db`, `dotvm serve`) and tests: listing
//! collections, creating and dropping secondary indexes, tools' records (kept where
//! programs cannot reach them), and dumping every stored byte. Like the guest's
//! operations, these work inside the open transaction (commit to keep their effect).

use crate::backend::{Backend, Tree};
use crate::json;
use crate::layout;
use crate::store::Store;
use dotvm_vm::state::{Entry, MAX_FIELD_LEN, Query, StateError, check_collection};

/// One stored entry of any tree: the tree, the key, the value.
pub type RawEntry = (Tree, Vec<u8>, Vec<u8>);

impl<B: Backend> Store<B> {
    /// Every non-empty collection with its number of keys, in name order.
    pub fn collections(&mut self) -> Result<Vec<(Vec<u8>, u64)>, StateError> {
        let mut out = Vec::new();
        let mut from = Vec::new();
        loop {
            let first = self
                .overlay
                .range(&self.backend, Tree::Data, &from, None, false)?
                .next()
                .transpose()?;
            let Some((raw, _)) = first else { break };
            let (collection, _) = layout::split_data_key(&raw)
                .ok_or_else(|| StateError::Store("malformed data key".into()))?;
            let collection = collection.to_vec();
            let count = self.select(&collection, &Query::default(), None)?.len() as u64;
            layout::data_prefix(&mut from, &collection);
            out.push((collection, count));
            match layout::prefix_end(&from) {
                Some(next) => from = next,
                None => break,
            }
        }
        // The data tree orders collections by name length first.
        out.sort();
        Ok(out)
    }

    /// Every secondary index as (collection, field), in order.
    pub fn indexes(&mut self) -> Result<Vec<(Vec<u8>, String)>, StateError> {
        Ok(self
            .index_defs()?
            .iter()
            .flat_map(|(collection, fields)| {
                fields
                    .iter()
                    .map(|field| (collection.clone(), field.clone()))
            })
            .collect())
    }

    /// Creates an index on the JSON `field` (dot-separated path) of `collection` and fills it
    /// from the collection's documents; returns false when it already exists.
    pub fn create_index(&mut self, collection: &[u8], field: &str) -> Result<bool, StateError> {
        check_index(collection, field)?;
        let definition = layout::index_def_key(collection, field);
        if self
            .overlay
            .get(&self.backend, Tree::Meta, &definition)?
            .is_some()
        {
            return Ok(false);
        }
        let prefix = layout::index_prefix(collection, field);
        let mut entries = Vec::new();
        for (key, document) in self.select(collection, &Query::default(), None)? {
            if let Some(scalar) = json::field(&document, field) {
                let mut entry = prefix.clone();
                scalar.encode_into(&mut entry);
                entry.extend_from_slice(&key);
                entries.push(entry);
            }
        }
        for entry in entries {
            self.overlay.write(Tree::Index, entry, Some(Vec::new()));
        }
        self.overlay.write(Tree::Meta, definition, Some(Vec::new()));
        self.forget_index_defs();
        Ok(true)
    }

    /// Drops the index on `field` of `collection`; returns false when there is none.
    pub fn drop_index(&mut self, collection: &[u8], field: &str) -> Result<bool, StateError> {
        check_index(collection, field)?;
        let definition = layout::index_def_key(collection, field);
        if self
            .overlay
            .get(&self.backend, Tree::Meta, &definition)?
            .is_none()
        {
            return Ok(false);
        }
        let prefix = layout::index_prefix(collection, field);
        let end = layout::prefix_end(&prefix);
        let keys = self
            .overlay
            .range(&self.backend, Tree::Index, &prefix, end.as_deref(), false)?
            .map(|entry| entry.map(|(key, _)| key))
            .collect::<Result<Vec<_>, _>>()?;
        for key in keys {
            self.overlay.write(Tree::Index, key, None);
        }
        self.overlay.write(Tree::Meta, definition, None);
        self.forget_index_defs();
        Ok(true)
    }

    /// The tool record `name` (e.g. a deployment of `dotvm serve`), kept in the meta tree,
    /// which the database opcodes cannot reach.
    pub fn record(&mut self, name: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        let key = layout::record_key(name);
        Ok(self
            .overlay
            .get(&self.backend, Tree::Meta, &key)?
            .map(<[u8]>::to_vec))
    }

    /// Stores the tool record `name`, replacing any previous one.
    pub fn put_record(&mut self, name: &[u8], value: &[u8]) {
        self.overlay
            .write(Tree::Meta, layout::record_key(name), Some(value.to_vec()));
    }

    /// Removes the tool record `name`; returns whether it existed.
    pub fn delete_record(&mut self, name: &[u8]) -> Result<bool, StateError> {
        if self.record(name)?.is_none() {
            return Ok(false);
        }
        self.overlay
            .write(Tree::Meta, layout::record_key(name), None);
        Ok(true)
    }

    /// Every tool record whose name starts with `prefix`, as (name, value), in name order.
    pub fn records(&mut self, prefix: &[u8]) -> Result<Vec<Entry>, StateError> {
        let start = layout::record_key(prefix);
        let end = layout::prefix_end(&start);
        let skip = layout::RECORD_PREFIX.len();
        self.overlay
            .range(&self.backend, Tree::Meta, &start, end.as_deref(), false)?
            .map(|entry| entry.map(|(key, value)| (key[skip..].to_vec(), value)))
            .collect()
    }

    /// Every entry of every tree as the open transaction sees it, in tree and key order:
    /// two stores with equal dumps hold the same bytes.
    pub fn dump(&mut self) -> Result<Vec<RawEntry>, StateError> {
        let mut out = Vec::new();
        for tree in Tree::ALL {
            for entry in self.overlay.range(&self.backend, tree, &[], None, false)? {
                let (key, value) = entry?;
                out.push((tree, key, value));
            }
        }
        Ok(out)
    }
}

/// Checks an index's collection and field path.
fn check_index(collection: &[u8], field: &str) -> Result<(), StateError> {
    check_collection(collection)?;
    if field.is_empty() || field.len() > MAX_FIELD_LEN || field.split('.').any(str::is_empty) {
        return Err(StateError::BadQuery(format!(
            "bad field path `{field}` (1 to {MAX_FIELD_LEN} bytes of dot-separated names)"
        )));
    }
    Ok(())
}
