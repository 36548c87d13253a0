//! Fuel for the database opcodes by size (`docs/state.md`, "Fuel"): the documented amounts
//! are charged, a query too big for the fuel left stops reading at the store and traps
//! before writing anything, and the fast and the precise engine stop at the same point.

mod common;

use common::program;
use dotvm_state::{MemoryStore, Store};
use dotvm_vm::state::{Direction, Entry, KeyRange, Query, StateError};
use dotvm_vm::{BufferIo, Control, Host, Inspector, Limits, MachineView, RunError, StateStore};

/// Entries in the queried collection.
const ENTRIES: u64 = 1000;

/// A store with `ENTRIES` keys `k0000`.. holding `v`, committed.
fn filled_store() -> MemoryStore {
    let mut store = Store::in_memory();
    for i in 0..ENTRIES {
        store
            .put(b"c", format!("k{i:04}").as_bytes(), b"v")
            .unwrap();
    }
    store.commit().unwrap();
    store
}

/// The encoded descriptor of a query for every key, ascending.
fn all_keys() -> Vec<u8> {
    Query {
        range: KeyRange::All,
        direction: Direction::Ascending,
        limit: None,
        filter: None,
    }
    .encode()
}

/// `DB_QUERY` of every entry into a 64 KiB buffer (five instructions before it), then the
/// status is printed.
fn query_program() -> String {
    let descriptor: Vec<String> = all_keys().iter().map(u8::to_string).collect();
    format!(
        r#"
.pool c str "c"
.data q u8 {}
.data out zero 65536
.func main
    PUSH_CONST c
    PUSH q
    PUSH q.len
    PUSH out
    PUSH out.len
    DB_QUERY
    SYSCALL print_uint
    POP
    POP
    HALT
.end
"#,
        descriptor.join(" ")
    )
}

/// `⌈n / 8⌉`.
fn bytes(n: u64) -> u64 {
    n.div_ceil(8)
}

/// The documented extra fuel of the query in [`query_program`]: 150 + 50 · entries +
/// bytes(collection + descriptor + encoded result).
fn query_fee() -> u64 {
    let result = ENTRIES * (8 + 5 + 1);
    150 + 50 * ENTRIES + bytes(1 + all_keys().len() as u64 + result)
}

/// An inspector that lets every instruction run: it forces the precise interpreter.
struct Precise;

impl Inspector for Precise {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        Control::Continue
    }
}

/// A store that records the limit of every query it is asked.
struct Recording<'s> {
    inner: &'s mut MemoryStore,
    limits: Vec<Option<u64>>,
}

impl StateStore for Recording<'_> {
    fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        self.inner.get(collection, key)
    }
    fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        self.inner.put(collection, key, value)
    }
    fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        self.inner.delete(collection, key)
    }
    fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        self.limits.push(query.limit);
        self.inner.query(collection, query)
    }
    fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        self.limits.push(query.limit);
        self.inner.count(collection, query)
    }
    fn savepoint(&mut self) -> Result<u64, StateError> {
        self.inner.savepoint()
    }
    fn rollback_to(&mut self, id: u64) -> Result<(), StateError> {
        self.inner.rollback_to(id)
    }
    fn release(&mut self, id: u64) -> Result<(), StateError> {
        self.inner.release(id)
    }
    fn commit(&mut self) -> Result<(), StateError> {
        self.inner.commit()
    }
    fn abort(&mut self) {
        self.inner.abort()
    }
}

/// How a run ended: the instruction count and output, or the trap's kind, pc and count.
#[derive(Debug, PartialEq)]
enum Ending {
    Finished {
        instructions: u64,
        output: String,
    },
    Trapped {
        kind: String,
        pc: u32,
        instructions: u64,
    },
}

/// Runs `source` on `store` with `fuel` instructions, in the fast engine or the precise one.
fn run(source: &str, store: &mut dyn StateStore, fuel: u64, precise: bool) -> Ending {
    let limits = Limits {
        instructions: fuel,
        ..Limits::default()
    };
    let mut io = BufferIo::default();
    let mut inspector = Precise;
    let inspector: Option<&mut dyn Inspector> = if precise { Some(&mut inspector) } else { None };
    let result = dotvm_vm::run_hosted(
        &program(source),
        &limits,
        &mut io,
        &mut Host::default(),
        Some(store),
        inspector,
    );
    match result {
        Ok(outcome) => Ending::Finished {
            instructions: outcome.instructions,
            output: io.output_text(),
        },
        Err(RunError::Trap(trap)) => Ending::Trapped {
            kind: trap.kind.to_string(),
            pc: trap.pc,
            instructions: trap.instructions,
        },
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn put_get_and_delete_pay_the_documented_fee() {
    // Each program: three PUSH_CONSTs (or two) and the opcode, then POPs and HALT.
    let cases = [
        // DB_PUT c/key = value: 300 + bytes(1 + 3 + 5)
        (
            "PUSH_CONST c\nPUSH_CONST k\nPUSH_CONST v\nDB_PUT\nPOP",
            5,
            300 + bytes(9),
        ),
        // DB_GET of the value just committed: 150 + bytes(1 + 3 + 5)
        (
            "PUSH_CONST c\nPUSH_CONST k\nPUSH buf\nPUSH 8\nDB_GET\nPOP\nPOP",
            7,
            150 + bytes(9),
        ),
        // DB_DELETE: 200 + bytes(1 + 3)
        (
            "PUSH_CONST c\nPUSH_CONST k\nDB_DELETE\nPOP",
            4,
            200 + bytes(4),
        ),
        // savepoint and release: 50 + 50
        ("DB_SAVEPOINT\nDB_RELEASE\nPOP", 3, 100),
    ];
    let mut store = Store::in_memory();
    store.put(b"c", b"key", b"value").unwrap();
    store.commit().unwrap();
    for (body, instructions, fee) in cases {
        let source = format!(
            ".pool c str \"c\"\n.pool k str \"key\"\n.pool v str \"value\"\n.data buf zero 8\n\
             .func main\n{body}\nHALT\n.end\n"
        );
        for precise in [false, true] {
            let ending = run(&source, &mut store, u64::MAX, precise);
            let Ending::Finished {
                instructions: used, ..
            } = ending
            else {
                panic!("{body}: {ending:?}");
            };
            // The instructions themselves (with HALT) plus the opcode's fee.
            assert_eq!(used, instructions + 1 + fee, "{body} (precise: {precise})");
        }
        store.abort();
    }
}

#[test]
fn a_query_pays_per_entry_and_per_byte() {
    let mut store = filled_store();
    let ending = run(&query_program(), &mut store, u64::MAX, false);
    assert_eq!(
        ending,
        Ending::Finished {
            instructions: 10 + query_fee(),
            output: "0".into()
        }
    );
}

#[test]
fn a_query_the_fuel_cannot_pay_reads_little_and_traps_before_writing() {
    let mut store = filled_store();
    let fuel = 20_000;
    let mut recording = Recording {
        inner: &mut store,
        limits: Vec::new(),
    };
    let ending = run(&query_program(), &mut recording, fuel, false);
    // Five instructions ran; DB_QUERY itself is not counted.
    let Ending::Trapped {
        kind, instructions, ..
    } = ending
    else {
        panic!("{ending:?}");
    };
    assert_eq!(instructions, 5);
    assert!(kind.contains("instruction limit"), "{kind}");
    // The store was asked for one entry more than the fuel left could pay for, not 1000.
    let fixed = 150 + bytes(1 + all_keys().len() as u64);
    let left = fuel - 6;
    assert_eq!(recording.limits, vec![Some((left - fixed) / 50 + 1)]);
}

#[test]
fn the_fast_and_the_precise_engine_stop_at_the_same_point() {
    let source = query_program();
    let mut store = filled_store();
    let at_query = 5 + 1 + query_fee();
    let fuels = (0..8)
        .chain(at_query - 3..=at_query + 3)
        .chain([at_query + 4, u64::MAX]);
    for fuel in fuels {
        let fast = run(&source, &mut store, fuel, false);
        let precise = run(&source, &mut store, fuel, true);
        assert_eq!(fast, precise, "fuel {fuel}");
        if fuel == at_query - 1 {
            assert!(
                matches!(
                    fast,
                    Ending::Trapped {
                        instructions: 5,
                        ..
                    }
                ),
                "one unit short of the query: {fast:?}"
            );
        }
        if fuel == at_query + 4 {
            assert!(
                matches!(fast, Ending::Finished { .. }),
                "enough for the whole run: {fast:?}"
            );
        }
    }
}

#[test]
fn a_huge_count_stops_at_the_fuel_too() {
    let descriptor: Vec<String> = all_keys().iter().map(u8::to_string).collect();
    let source = format!(
        ".pool c str \"c\"\n.data q u8 {}\n.func main\nPUSH_CONST c\nPUSH q\nPUSH q.len\n\
         DB_COUNT\nPOP\nSYSCALL print_uint\nHALT\n.end\n",
        descriptor.join(" ")
    );
    let mut store = filled_store();
    let fixed = 150 + bytes(1 + all_keys().len() as u64);
    let unlimited = run(&source, &mut store, u64::MAX, false);
    assert_eq!(
        unlimited,
        Ending::Finished {
            instructions: 7 + fixed + 20 * ENTRIES,
            output: ENTRIES.to_string()
        }
    );
    let mut recording = Recording {
        inner: &mut store,
        limits: Vec::new(),
    };
    let ending = run(&source, &mut recording, 1000, false);
    assert!(
        matches!(&ending, Ending::Trapped { kind, instructions: 3, .. } if kind.contains("instruction limit")),
        "{ending:?}"
    );
    assert_eq!(recording.limits, vec![Some((1000 - 4 - fixed) / 20 + 1)]);
}
