//! Answering queries: a key-ordered scan of the collection's range with an optional JSON
//! filter, or, when the filter's field has a secondary index, a scan of that index.
//!
//! Both plans return the same entries (the index holds exactly the documents whose field is a
//! scalar, see [`crate::json`]): the index plan collects the matching keys from the index,
//! keeps those in the key range, sorts them into the query's order and applies the limit
//! before reading the documents.

use crate::backend::{Backend, Tree};
use crate::json::{self, Scalar};
use crate::layout;
use crate::store::Store;
use dotvm_vm::state::{
    Compare, Direction, Entry, Filter, KeyRange, MAX_FIELD_LEN, Query, StateError, StateStore,
    check_collection, check_key,
};
use std::sync::atomic::{AtomicBool, Ordering};

/// Entries a scan visits between two looks at the interrupt flag.
const INTERRUPT_STRIDE: usize = 1024;

/// Fails with [`StateError::Interrupted`] when `interrupt` is raised, every
/// [`INTERRUPT_STRIDE`]th entry `visited`.
fn check_interrupt(interrupt: Option<&AtomicBool>, visited: usize) -> Result<(), StateError> {
    match interrupt {
        Some(flag) if visited.is_multiple_of(INTERRUPT_STRIDE) && flag.load(Ordering::Relaxed) => {
            Err(StateError::Interrupted)
        }
        _ => Ok(()),
    }
}

impl<B: Backend> Store<B> {
    /// The entries `query` selects from `collection`; a raised `interrupt` stops the scan.
    pub(crate) fn select(
        &mut self,
        collection: &[u8],
        query: &Query,
        interrupt: Option<&AtomicBool>,
    ) -> Result<Vec<Entry>, StateError> {
        let matcher = Matcher::new(collection, query)?;
        let filter = query.filter.as_ref().zip(matcher.want.as_ref());
        let limit = query.limit.unwrap_or(u64::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        if let Some((filter, want)) = &filter {
            let indexed = self
                .index_defs()?
                .get(collection)
                .is_some_and(|fields| fields.contains(&filter.field));
            if indexed {
                return self.select_by_index(collection, query, filter, want, limit, interrupt);
            }
        }
        let (start, end) = layout::data_bounds(collection, &query.range);
        let reverse = query.direction == Direction::Descending;
        let header = 1 + collection.len();
        let mut out = Vec::new();
        for (visited, entry) in self
            .overlay
            .range(&self.backend, Tree::Data, &start, end.as_deref(), reverse)?
            .enumerate()
        {
            check_interrupt(interrupt, visited)?;
            let (raw, value) = entry?;
            if !matcher.keeps(&value) {
                continue;
            }
            out.push((raw[header..].to_vec(), value));
            if out.len() as u64 >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The index plan for a filter on an indexed field.
    fn select_by_index(
        &mut self,
        collection: &[u8],
        query: &Query,
        filter: &Filter,
        want: &Scalar,
        limit: u64,
        interrupt: Option<&AtomicBool>,
    ) -> Result<Vec<Entry>, StateError> {
        let prefix = layout::index_prefix(collection, &filter.field);
        let (start, end) = filter_bounds(&prefix, filter.op, want);
        let mut keys = Vec::new();
        for (visited, entry) in self
            .overlay
            .range(&self.backend, Tree::Index, &start, end.as_deref(), false)?
            .enumerate()
        {
            check_interrupt(interrupt, visited)?;
            let (raw, _) = entry?;
            let rest = &raw[prefix.len()..];
            let key = json::encoded_len(rest)
                .map(|len| &rest[len..])
                .ok_or_else(|| StateError::Store("malformed index entry".into()))?;
            if query.range.contains(key) {
                keys.push(key.to_vec());
            }
        }
        keys.sort_unstable();
        if query.direction == Direction::Descending {
            keys.reverse();
        }
        keys.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let value = self
                .get(collection, &key)?
                .ok_or_else(|| StateError::Store("index entry without its document".into()))?
                .to_vec();
            out.push((key, value));
        }
        Ok(out)
    }
}

/// A query checked against the limits, with its filter parsed: the selection rules of
/// `DB_QUERY` and `DB_COUNT` for stores that keep documents elsewhere (e.g. the
/// multi-version memory of a parallel batch).
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The filter's field and comparison with the parsed value, when the query filters.
    filter: Option<(String, Compare)>,
    /// The parsed filter value.
    want: Option<Scalar>,
}

impl Matcher {
    /// Checks `collection` and `query` exactly as [`StateStore::query`] does (the same
    /// errors in the same order).
    pub fn new(collection: &[u8], query: &Query) -> Result<Matcher, StateError> {
        check_collection(collection)?;
        match &query.range {
            KeyRange::All => {}
            KeyRange::Prefix(prefix) => check_key(prefix)?,
            KeyRange::Between { start, end } => {
                check_key(start)?;
                check_key(end.as_deref().unwrap_or_default())?;
            }
        }
        Ok(match &query.filter {
            Some(filter) => Matcher {
                want: Some(parse_filter(filter)?),
                filter: Some((filter.field.clone(), filter.op)),
            },
            None => Matcher {
                filter: None,
                want: None,
            },
        })
    }

    /// True when the query's filter keeps `document` (always, without a filter).
    pub fn keeps(&self, document: &[u8]) -> bool {
        match (&self.filter, &self.want) {
            (Some((field, op)), Some(want)) => {
                json::field(document, field).is_some_and(|s| s.satisfies(*op, want))
            }
            _ => true,
        }
    }
}

/// Checks a filter and parses its value.
fn parse_filter(filter: &Filter) -> Result<Scalar, StateError> {
    if filter.field.is_empty() || filter.field.len() > MAX_FIELD_LEN {
        return Err(StateError::BadQuery(format!(
            "field path of {} bytes (must be 1 to {MAX_FIELD_LEN})",
            filter.field.len()
        )));
    }
    Scalar::parse_filter_value(&filter.value)
}

/// The index-tree bounds `[start, end)` of the entries under `prefix` whose value satisfies
/// `op want`.
fn filter_bounds(prefix: &[u8], op: Compare, want: &Scalar) -> (Vec<u8>, Option<Vec<u8>>) {
    let (first_tag, end_tag) = want.kind_tags();
    let with_tag = |tag: u8| {
        let mut key = prefix.to_vec();
        key.push(tag);
        key
    };
    let mut exact = prefix.to_vec();
    want.encode_into(&mut exact);
    // Every entry with exactly this value starts with `exact` (the encoding is
    // self-delimiting), so `after` is the first key past them.
    let after = layout::prefix_end(&exact).unwrap_or_else(|| with_tag(end_tag));
    match op {
        Compare::Eq => (exact, Some(after)),
        Compare::Lt => (with_tag(first_tag), Some(exact)),
        Compare::Le => (with_tag(first_tag), Some(after)),
        Compare::Gt => (after, Some(with_tag(end_tag))),
        Compare::Ge => (exact, Some(with_tag(end_tag))),
    }
}
