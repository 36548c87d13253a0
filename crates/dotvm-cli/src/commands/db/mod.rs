//! `dotvm db`: inspect and edit the state database. Each invocation is one transaction,
//! committed when the command succeeds.

mod binary;
mod transfer;

use crate::cli::{DbArgs, DbCommand, IndexCommand, Selection};
use crate::state::{Location, OpenStore};
use anyhow::{Context, Result, anyhow, bail};
use dotvm_state::{Backend, Store};
use dotvm_vm::StateStore;
use dotvm_vm::state::{Compare, Direction, Filter, KeyRange, Query};
use serde_json::{Map, Value};
use std::io::Write;

/// Runs one `dotvm db` command.
pub fn execute(args: &DbArgs) -> Result<()> {
    let location = Location::resolve(args.state.as_deref())?;
    let mut out = std::io::stdout().lock();
    match location.open()? {
        OpenStore::File(mut store) => run(&mut store, args, &mut out),
        OpenStore::Memory(mut store) => run(&mut store, args, &mut out),
        OpenStore::Postgres(mut store) => run(&mut store, args, &mut out),
    }
    .with_context(|| format!("state {location}"))
}

/// Runs the command against `store` and commits.
fn run<B: Backend>(store: &mut Store<B>, args: &DbArgs, out: &mut dyn Write) -> Result<()> {
    let bytes = |text: &str, what: &str| binary::argument(text, args.hex, what);
    match &args.command {
        DbCommand::Get { collection, key } => {
            let (collection, key) = (bytes(collection, "collection")?, bytes(key, "key")?);
            let value = store
                .get(&collection, &key)?
                .ok_or_else(|| missing(&collection, &key))?
                .to_vec();
            print_entry(out, args.json, &key, &value)?;
        }
        DbCommand::Put {
            collection,
            key,
            value,
        } => {
            let collection = bytes(collection, "collection")?;
            store.put(&collection, &bytes(key, "key")?, &bytes(value, "value")?)?;
        }
        DbCommand::Delete { collection, key } => {
            let (collection, key) = (bytes(collection, "collection")?, bytes(key, "key")?);
            if !store.delete(&collection, &key)? {
                return Err(missing(&collection, &key));
            }
        }
        DbCommand::Scan(selection) => {
            let (collection, query) = selection_query(selection, args.hex)?;
            for (key, value) in store.query(&collection, &query)? {
                print_entry(out, args.json, &key, &value)?;
            }
        }
        DbCommand::Count(selection) => {
            let (collection, query) = selection_query(selection, args.hex)?;
            let count = store.count(&collection, &query)?;
            if args.json {
                writeln!(out, "{}", serde_json::json!({ "count": count }))?;
            } else {
                writeln!(out, "{count}")?;
            }
        }
        DbCommand::Collections => {
            for (collection, count) in store.collections()? {
                if args.json {
                    let mut object = Map::new();
                    binary::put_field(&mut object, "collection", &collection);
                    object.insert("count".into(), count.into());
                    writeln!(out, "{}", Value::Object(object))?;
                } else {
                    writeln!(out, "{}\t{count}", binary::escape(&collection))?;
                }
            }
        }
        DbCommand::Export { file } => {
            transfer::export(store, file.as_deref(), !args.quiet && !args.json, out)?
        }
        DbCommand::Import { file } => transfer::import(
            store,
            file.as_deref(),
            args.json,
            !args.quiet && !args.json,
            out,
        )?,
        DbCommand::Index(command) => index(store, command, args, out)?,
    }
    store.commit()?;
    out.flush()?;
    Ok(())
}

/// `dotvm db index ...`.
fn index<B: Backend>(
    store: &mut Store<B>,
    command: &IndexCommand,
    args: &DbArgs,
    out: &mut dyn Write,
) -> Result<()> {
    match command {
        IndexCommand::Create { collection, field } => {
            let name = binary::argument(collection, args.hex, "collection")?;
            if !store.create_index(&name, field)? {
                eprintln!("index on `{field}` of `{collection}` already exists");
            }
        }
        IndexCommand::Drop { collection, field } => {
            let name = binary::argument(collection, args.hex, "collection")?;
            if !store.drop_index(&name, field)? {
                bail!("there is no index on `{field}` of `{collection}`");
            }
        }
        IndexCommand::List => {
            for (collection, field) in store.indexes()? {
                if args.json {
                    let mut object = Map::new();
                    binary::put_field(&mut object, "collection", &collection);
                    object.insert("field".into(), field.into());
                    writeln!(out, "{}", Value::Object(object))?;
                } else {
                    writeln!(out, "{}\t{field}", binary::escape(&collection))?;
                }
            }
        }
    }
    Ok(())
}

/// The error for a missing key.
fn missing(collection: &[u8], key: &[u8]) -> anyhow::Error {
    anyhow!(
        "collection `{}` has no key `{}`",
        binary::escape(collection),
        binary::escape(key)
    )
}

/// Prints one entry: `KEY<TAB>VALUE` (escaped) or a JSON object.
fn print_entry(out: &mut dyn Write, json: bool, key: &[u8], value: &[u8]) -> Result<()> {
    if json {
        let mut object = Map::new();
        binary::put_field(&mut object, "key", key);
        binary::put_field(&mut object, "value", value);
        writeln!(out, "{}", Value::Object(object))?;
    } else {
        writeln!(out, "{}\t{}", binary::escape(key), binary::escape(value))?;
    }
    Ok(())
}

/// The collection and query a `scan`/`count` selection asks for.
fn selection_query(selection: &Selection, hex: bool) -> Result<(Vec<u8>, Query)> {
    let bytes = |text: &str, what: &str| binary::argument(text, hex, what);
    let range = match (&selection.prefix, &selection.from, &selection.to) {
        (Some(prefix), _, _) => KeyRange::Prefix(bytes(prefix, "prefix")?),
        (None, None, None) => KeyRange::All,
        (None, from, to) => KeyRange::Between {
            start: from
                .as_deref()
                .map(|f| bytes(f, "--from"))
                .transpose()?
                .unwrap_or_default(),
            end: to.as_deref().map(|t| bytes(t, "--to")).transpose()?,
        },
    };
    let query = Query {
        range,
        direction: if selection.reverse {
            Direction::Descending
        } else {
            Direction::Ascending
        },
        limit: selection.limit,
        filter: selection.filter.as_deref().map(parse_filter).transpose()?,
    };
    Ok((bytes(&selection.collection, "collection")?, query))
}

/// Parses `FIELD OP VALUE`.
fn parse_filter(text: &str) -> Result<Filter> {
    let at = text
        .find(['<', '>', '='])
        .ok_or_else(|| anyhow!("--where `{text}` has no operator (= < <= > >=)"))?;
    let (field, rest) = text.split_at(at);
    let (op, value) = [
        ("<=", Compare::Le),
        (">=", Compare::Ge),
        ("==", Compare::Eq),
        ("=", Compare::Eq),
        ("<", Compare::Lt),
        (">", Compare::Gt),
    ]
    .into_iter()
    .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|value| (op, value)))
    .ok_or_else(|| anyhow!("--where `{text}`: unknown operator"))?;
    let (field, value) = (field.trim(), value.trim());
    if field.is_empty() {
        bail!("--where `{text}` names no field");
    }
    let value = match serde_json::from_str::<Value>(value) {
        Ok(_) => value.as_bytes().to_vec(),
        Err(_) => Value::String(value.to_string()).to_string().into_bytes(),
    };
    Ok(Filter {
        field: field.to_string(),
        op,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let filter = parse_filter("age>=30").unwrap();
        assert_eq!(
            (filter.field.as_str(), filter.op, filter.value.as_slice()),
            ("age", Compare::Ge, &b"30"[..])
        );
        let filter = parse_filter("user.name = ann").unwrap();
        assert_eq!(
            (filter.field.as_str(), filter.op, filter.value.as_slice()),
            ("user.name", Compare::Eq, &b"\"ann\""[..])
        );
        assert_eq!(parse_filter("n<2").unwrap().op, Compare::Lt);
        assert!(parse_filter("age").is_err());
        assert!(parse_filter("=3").is_err());
    }
}
