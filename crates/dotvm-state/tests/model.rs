//! Model-based property test: random sequences of put, delete, get, query, count, savepoint,
//! rollback, release, commit, abort (and, for redb, reopening the file) give the same
//! results on the in-memory store, the redb store, the redb store with secondary indexes
//! and the PostgreSQL store (with and without indexes) as on a plain `BTreeMap` model of
//! committed and pending state.

mod common;

use dotvm_state::{PostgresStore, RedbStore, Store};
use dotvm_vm::StateStore;
use dotvm_vm::state::{Compare, Direction, Filter, KeyRange, Query, StateError};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const COLLECTIONS: [&[u8]; 2] = [b"a", b"bb"];

#[derive(Debug, Clone)]
enum Op {
    Put(usize, Vec<u8>, Vec<u8>),
    Delete(usize, Vec<u8>),
    Get(usize, Vec<u8>),
    Query(usize, Query),
    Count(usize, Query),
    Savepoint,
    RollbackTo(usize),
    Release(usize),
    Commit,
    Abort,
    Reopen,
}

/// Keys from a small alphabet with the awkward bytes (0x00, 0xFF) and shared prefixes.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![0x00u8, 0x01, b'a', b'b', 0xFF]),
        0..3,
    )
}

/// JSON documents with a number `n` and a string `s` (sometimes missing or of another
/// kind), and a few non-JSON values.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-3i64..3, prop::sample::select(vec!["x", "y", ""])).prop_map(|(n, s)| {
            format!(r#"{{"n":{n},"s":"{s}"}}"#).into_bytes()
        }),
        1 => (-3i64..3).prop_map(|n| format!(r#"{{"n":{n}.0}}"#).into_bytes()),
        1 => Just(br#"{"n":"1","s":2}"#.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..4),
    ]
}

fn filter() -> impl Strategy<Value = Option<Filter>> {
    let op = prop::sample::select(vec![
        Compare::Eq,
        Compare::Lt,
        Compare::Le,
        Compare::Gt,
        Compare::Ge,
    ]);
    prop_oneof![
        2 => Just(None),
        2 => (op.clone(), -3i64..3).prop_map(|(op, n)| Some(Filter {
            field: "n".into(),
            op,
            value: n.to_string().into_bytes(),
        })),
        1 => (op.clone(), prop::sample::select(vec!["x", "y", ""])).prop_map(|(op, s)| Some(Filter {
            field: "s".into(),
            op,
            value: format!("\"{s}\"").into_bytes(),
        })),
        1 => op.prop_map(|op| Some(Filter {
            field: "n".into(),
            op,
            value: b"\"1\"".to_vec(),
        })),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    let range = prop_oneof![
        Just(KeyRange::All),
        key().prop_map(KeyRange::Prefix),
        (key(), prop::option::of(key())).prop_map(|(start, end)| KeyRange::Between { start, end }),
    ];
    let direction = prop::sample::select(vec![Direction::Ascending, Direction::Descending]);
    (range, direction, prop::option::of(1u64..4), filter()).prop_map(
        |(range, direction, limit, filter)| Query {
            range,
            direction,
            limit,
            filter,
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    let coll = 0..COLLECTIONS.len();
    prop_oneof![
        6 => (coll.clone(), key(), value()).prop_map(|(c, k, v)| Op::Put(c, k, v)),
        2 => (coll.clone(), key()).prop_map(|(c, k)| Op::Delete(c, k)),
        3 => (coll.clone(), key()).prop_map(|(c, k)| Op::Get(c, k)),
        3 => (coll.clone(), query()).prop_map(|(c, q)| Op::Query(c, q)),
        1 => (coll, query()).prop_map(|(c, q)| Op::Count(c, q)),
        3 => Just(Op::Savepoint),
        2 => (0usize..4).prop_map(Op::RollbackTo),
        1 => (0usize..4).prop_map(Op::Release),
        1 => Just(Op::Commit),
        1 => Just(Op::Abort),
        1 => Just(Op::Reopen),
    ]
}

type Data = BTreeMap<(usize, Vec<u8>), Vec<u8>>;

/// The reference model.
#[derive(Default)]
struct Model {
    committed: Data,
    current: Data,
    /// Open savepoints: the store's id and the state when opened.
    savepoints: Vec<(u64, Data)>,
}

impl Model {
    fn end_transaction(&mut self, commit: bool) {
        if commit {
            self.committed = self.current.clone();
        } else {
            self.current = self.committed.clone();
        }
        self.savepoints.clear();
    }

    /// The open savepoint a `RollbackTo`/`Release` operand names: `pick` modulo the number
    /// open, except that 3 (and having none open) names no savepoint.
    fn pick(&self, pick: usize) -> Option<(usize, (u64, Data))> {
        if pick == 3 || self.savepoints.is_empty() {
            return None;
        }
        let index = pick % self.savepoints.len();
        Some((index, self.savepoints[index].clone()))
    }

    fn query(&self, coll: usize, query: &Query) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<_> = self
            .current
            .iter()
            .filter(|((c, k), v)| {
                *c == coll && query.range.contains(k) && matches(v, &query.filter)
            })
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        if query.direction == Direction::Descending {
            out.reverse();
        }
        out.truncate(query.limit.unwrap_or(u64::MAX) as usize);
        out
    }
}

/// The filter rules, written directly: same-kind comparisons of numbers (as f64) and
/// strings (by bytes).
fn matches(document: &[u8], filter: &Option<Filter>) -> bool {
    let Some(filter) = filter else { return true };
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(document) else {
        return false;
    };
    let want: Value = serde_json::from_slice(&filter.value).unwrap();
    let order = match (object.get(&filter.field), &want) {
        (Some(Value::Number(a)), Value::Number(b)) => a
            .as_f64()
            .unwrap()
            .partial_cmp(&b.as_f64().unwrap())
            .unwrap(),
        (Some(Value::String(a)), Value::String(b)) => a.as_bytes().cmp(b.as_bytes()),
        _ => return false,
    };
    match filter.op {
        Compare::Eq => order.is_eq(),
        Compare::Lt => order.is_lt(),
        Compare::Le => order.is_le(),
        Compare::Gt => order.is_gt(),
        Compare::Ge => order.is_ge(),
    }
}

/// Applies `ops` to `store` and the model, comparing every result. `reopen` replaces the
/// store by a fresh handle on the same committed state (or returns `None` when the store
/// cannot be reopened, in which case `Reopen` acts as `Abort`).
fn check<S: StateStore>(
    mut store: S,
    ops: &[Op],
    reopen: &dyn Fn(S) -> S,
) -> Result<S, TestCaseError> {
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Put(c, k, v) => {
                store.put(COLLECTIONS[*c], k, v).unwrap();
                model.current.insert((*c, k.clone()), v.clone());
            }
            Op::Delete(c, k) => {
                let existed = store.delete(COLLECTIONS[*c], k).unwrap();
                let expected = model.current.remove(&(*c, k.clone())).is_some();
                prop_assert_eq!(existed, expected, "step {}: {:?}", step, op);
            }
            Op::Get(c, k) => {
                let got = store.get(COLLECTIONS[*c], k).unwrap().map(<[u8]>::to_vec);
                prop_assert_eq!(
                    got,
                    model.current.get(&(*c, k.clone())).cloned(),
                    "step {}",
                    step
                );
            }
            Op::Query(c, q) => {
                let got = store.query(COLLECTIONS[*c], q).unwrap();
                prop_assert_eq!(got, model.query(*c, q), "step {}: {:?}", step, op);
            }
            Op::Count(c, q) => {
                let got = store.count(COLLECTIONS[*c], q).unwrap();
                prop_assert_eq!(got, model.query(*c, q).len() as u64, "step {}", step);
            }
            Op::Savepoint => {
                let id = store.savepoint().unwrap();
                model.savepoints.push((id, model.current.clone()));
            }
            Op::RollbackTo(pick) => match model.pick(*pick) {
                Some((pick, (id, data))) => {
                    store.rollback_to(id).unwrap();
                    model.current = data;
                    model.savepoints.truncate(pick + 1);
                }
                None => {
                    let bogus = 1_000_000 + *pick as u64;
                    prop_assert_eq!(
                        store.rollback_to(bogus),
                        Err(StateError::NoSavepoint(bogus))
                    );
                }
            },
            Op::Release(pick) => match model.pick(*pick) {
                Some((pick, (id, _))) => {
                    store.release(id).unwrap();
                    model.savepoints.truncate(pick);
                }
                None => prop_assert!(store.release(1_000_000).is_err()),
            },
            Op::Commit => {
                store.commit().unwrap();
                model.end_transaction(true);
            }
            Op::Abort => {
                store.abort();
                model.end_transaction(false);
            }
            Op::Reopen => {
                store = reopen(store);
                model.end_transaction(false);
            }
        }
    }
    // Whatever was committed last is what a fresh handle sees.
    store = reopen(store);
    for (c, name) in COLLECTIONS.iter().enumerate() {
        let expected: Vec<_> = model
            .committed
            .iter()
            .filter(|((cc, _), _)| *cc == c)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        prop_assert_eq!(store.query(name, &Query::default()).unwrap(), expected);
    }
    Ok(store)
}

fn open(path: &Path) -> RedbStore {
    Store::open(path).unwrap()
}

/// A redb store with indexes on `n` and `s` of both collections, committed.
fn open_indexed(path: &Path) -> RedbStore {
    let mut store = open(path);
    for name in COLLECTIONS {
        store.create_index(name, "n").unwrap();
        store.create_index(name, "s").unwrap();
    }
    store.commit().unwrap();
    store
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn memory_store_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        // A memory store cannot be reopened: keep the handle and drop the open transaction.
        check(Store::in_memory(), &ops, &|mut store| { store.abort(); store })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn redb_store_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        check(open(&path), &ops, &|store| { drop(store); open(&path) })?;
    }

    #[test]
    fn indexed_redb_store_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        let mut store = check(open_indexed(&path), &ops, &|store| { drop(store); open(&path) })?;
        // The indexes are still there, and dropping them leaves exactly the data.
        prop_assert_eq!(store.indexes().unwrap().len(), 4);
        for name in COLLECTIONS {
            prop_assert!(store.drop_index(name, "n").unwrap());
            prop_assert!(store.drop_index(name, "s").unwrap());
        }
        let trees: Vec<_> = store.dump().unwrap().into_iter().map(|(tree, _, _)| tree).collect();
        prop_assert!(!trees.contains(&dotvm_state::Tree::Index));
    }
}

/// A PostgreSQL store on `url`, with indexes on `n` and `s` of both collections when
/// `indexed`.
fn connect(url: &str, indexed: bool) -> PostgresStore {
    let mut store = Store::connect(url).unwrap();
    if indexed {
        for name in COLLECTIONS {
            store.create_index(name, "n").unwrap();
            store.create_index(name, "s").unwrap();
        }
        store.commit().unwrap();
    }
    store
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn postgres_store_matches_the_model(
        ops in prop::collection::vec(op(), 1..60),
        indexed in any::<bool>(),
    ) {
        let Some(server) = common::postgres_url("postgres_store_matches_the_model") else {
            return Ok(());
        };
        let url = common::fresh_schema(&server);
        let mut store = check(connect(&url, indexed), &ops, &|store| {
            drop(store);
            connect(&url, false)
        })?;
        prop_assert_eq!(store.indexes().unwrap().len(), if indexed { 4 } else { 0 });
    }
}
