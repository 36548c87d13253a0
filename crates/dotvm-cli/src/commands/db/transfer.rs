//! `dotvm db export` and `import`: the whole store as JSON lines.
//!
//! Each line is one object: `{"collection":C,"index":FIELD}` for an index definition (written
//! first), `{"collection":C,"key":K,"value":V}` for an entry. Names, keys and values that are
//! not UTF-8 appear as `collection_hex`, `key_hex`, `value_hex` instead.

use super::binary;
use crate::progress::Progress;
use anyhow::{Context, Result, anyhow, bail};
use dotvm_state::{Backend, Store};
use dotvm_vm::StateStore;
use dotvm_vm::state::Query;
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;

/// An export of at least this many entries shows a progress bar (when `progress` allows
/// and the bar does not share the terminal with the exported lines).
const LONG_EXPORT: u64 = 10_000;

/// An import of a file of at least this many bytes shows a progress bar (when `progress`
/// allows).
const LONG_IMPORT: u64 = 1 << 20;

/// Writes every index definition, then every entry, to `file` or `out`, with a progress
/// bar on a terminal when `progress` and the export is long.
pub(super) fn export<B: Backend>(
    store: &mut Store<B>,
    file: Option<&Path>,
    progress: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut file_out;
    let sink: &mut dyn Write = match file {
        Some(path) => {
            file_out = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            &mut file_out
        }
        None => out,
    };
    for (collection, field) in store.indexes()? {
        let mut object = Map::new();
        binary::put_field(&mut object, "collection", &collection);
        object.insert("index".into(), field.into());
        writeln!(sink, "{}", Value::Object(object))?;
    }
    let collections = store.collections()?;
    let total: u64 = collections.iter().map(|(_, count)| count).sum();
    let bar = Progress::new(
        "exporting",
        Some(total),
        "entries",
        progress && total >= LONG_EXPORT && (file.is_some() || !std::io::stdout().is_terminal()),
    );
    for (collection, _) in collections {
        for (key, value) in store.query(&collection, &Query::default())? {
            bar.advance(1);
            let mut object = Map::new();
            binary::put_field(&mut object, "collection", &collection);
            binary::put_field(&mut object, "key", &key);
            binary::put_field(&mut object, "value", &value);
            writeln!(sink, "{}", Value::Object(object))?;
        }
    }
    sink.flush()?;
    bar.finish();
    Ok(())
}

/// Reads lines written by [`export`] from `file` or standard input and applies them to the
/// open transaction (the caller commits); the first bad line fails the whole import. A
/// long import from a file shows a progress bar on a terminal when `progress`.
pub(super) fn import<B: Backend>(
    store: &mut Store<B>,
    file: Option<&Path>,
    json: bool,
    progress: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (input, size): (Box<dyn BufRead>, u64) = match file {
        Some(path) => {
            let opened = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let size = opened.metadata().map_or(0, |m| m.len());
            (Box::new(BufReader::new(opened)), size)
        }
        None => (Box::new(std::io::stdin().lock()), 0),
    };
    let bar = Progress::new(
        "importing",
        Some(size),
        "bytes",
        progress && size >= LONG_IMPORT,
    );
    let name = file.map_or("standard input".to_string(), |p| p.display().to_string());
    let (mut entries, mut indexes) = (0u64, 0u64);
    for (number, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {name}"))?;
        bar.advance(line.len() as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        let added = import_line(store, &line).map_err(|e| anyhow!("{name}:{}: {e}", number + 1));
        match added? {
            Imported::Entry => entries += 1,
            Imported::Index => indexes += 1,
        }
    }
    bar.finish();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "entries": entries, "indexes": indexes })
        )?;
    } else {
        writeln!(out, "imported {entries} entries and {indexes} indexes")?;
    }
    Ok(())
}

/// What one line added.
enum Imported {
    /// An entry.
    Entry,
    /// An index definition.
    Index,
}

/// Applies one line.
fn import_line<B: Backend>(store: &mut Store<B>, line: &str) -> Result<Imported> {
    let Value::Object(object) = serde_json::from_str::<Value>(line)? else {
        bail!("expected a JSON object");
    };
    let collection = binary::get_field(&object, "collection")?;
    if let Some(field) = object.get("index") {
        let field = field
            .as_str()
            .ok_or_else(|| anyhow!("`index` must be a string"))?;
        store.create_index(&collection, field)?;
        return Ok(Imported::Index);
    }
    let key = binary::get_field(&object, "key")?;
    let value = binary::get_field(&object, "value")?;
    store.put(&collection, &key, &value)?;
    Ok(Imported::Entry)
}
