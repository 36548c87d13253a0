//! DB_PUT and DB_GET issued from bytecode against the same operations done directly with
//! the redb API in one transaction, side by side, plus the commit latency of a run with one
//! write. Run with `cargo bench -p dotvm-state --bench state` (release build; the median of
//! several runs of each measurement is reported).

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_state::{Store, run_transaction};
use dotvm_vm::{BufferIo, Limits, StateStore};
use redb::{Database, ReadableDatabase, TableDefinition};
use std::path::Path;
use std::time::{Duration, Instant};

/// Operations per batch.
const N: u64 = 10_000;
/// Bytes per value.
const VALUE_LEN: usize = 100;
/// Runs per measurement.
const RUNS: usize = 21;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bench");

/// A loop over i in 0..N that stores i (8 bytes, little-endian) as the key and runs `op`
/// with the collection, the key and the value buffer on the stack.
fn program(op: &str) -> Verified {
    let source = format!(
        r#"
.pool coll str "bench"
.data key zero 8
.data value zero {VALUE_LEN}
.func main
    .local i
loop:
    PUSH key
    LOCAL_GET i
    STORE64
    PUSH_CONST coll
    PUSH key
    PUSH 8
    PUSH value
    PUSH {VALUE_LEN}
    {op}
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH {N}
    LT_U
    JNZ loop
    HALT
fail:
    UNREACHABLE
.end
"#
    );
    program_text(&source)
}

/// The key bytes the program writes for `i` (little-endian, as STORE64 stores them).
fn key(i: u64) -> [u8; 8] {
    i.to_le_bytes()
}

/// Medians of `RUNS` measurements of `vm` and `direct`, taken alternately so that changes
/// in machine load affect both sides alike.
fn medians(
    mut vm: impl FnMut() -> Duration,
    mut direct: impl FnMut() -> Duration,
) -> (Duration, Duration) {
    let (mut a, mut b): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        a.push(vm());
        b.push(direct());
    }
    a.sort();
    b.sort();
    (a[RUNS / 2], b[RUNS / 2])
}

/// Runs `verified` as one transaction on `store`, returning the time including the commit.
fn timed_run(store: &mut dyn StateStore, verified: &Verified) -> Duration {
    let start = Instant::now();
    let outcome = run_transaction(
        verified,
        &Limits::default(),
        &mut BufferIo::default(),
        &mut dotvm_vm::Host::default(),
        store,
        None,
    )
    .expect("runs");
    let elapsed = start.elapsed();
    assert_eq!(outcome.exit_code, 0);
    elapsed
}

/// Writes N keys directly with redb in one transaction.
fn direct_puts(db: &Database) -> Duration {
    let value = [0u8; VALUE_LEN];
    let start = Instant::now();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(TABLE).unwrap();
        for i in 0..N {
            table.insert(key(i).as_slice(), value.as_slice()).unwrap();
        }
    }
    txn.commit().unwrap();
    start.elapsed()
}

/// Reads N keys directly with redb in one transaction, copying each value out.
fn direct_gets(db: &Database) -> Duration {
    let mut buffer = [0u8; VALUE_LEN];
    let start = Instant::now();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(TABLE).unwrap();
    for i in 0..N {
        let value = table.get(key(i).as_slice()).unwrap().unwrap();
        buffer.copy_from_slice(value.value());
    }
    std::hint::black_box(&buffer);
    start.elapsed()
}

fn fresh(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let puts = program("DB_PUT\n    JNZ fail");
    let gets = program("DB_GET\n    JNZ fail\n    POP");
    let one = program_text(
        ".pool c str \"c\"\n.func main\n PUSH_CONST c\n PUSH_CONST c\n PUSH_CONST c\n DB_PUT\n POP\n HALT\n.end\n",
    );

    // ---- 10,000 puts, each side starting from an empty file, commit included ----
    let (vm_put, redb_put) = medians(
        || {
            let mut store = Store::open(&fresh(dir.path(), "vm.redb")).unwrap();
            timed_run(&mut store, &puts)
        },
        || {
            let db = Database::create(fresh(dir.path(), "direct.redb")).unwrap();
            direct_puts(&db)
        },
    );

    // ---- 10,000 gets of those keys (each VM run starts with an empty read cache) ----
    let mut store = Store::open(&fresh(dir.path(), "vm-read.redb")).unwrap();
    timed_run(&mut store, &puts);
    let db = Database::create(fresh(dir.path(), "direct-read.redb")).unwrap();
    direct_puts(&db);
    let (vm_get, redb_get) = medians(|| timed_run(&mut store, &gets), || direct_gets(&db));
    drop((store, db));

    // ---- a run with one write: on an open store, and as `dotvm run` does it (open too) ----
    let one_path = fresh(dir.path(), "one.redb");
    let db = Database::create(fresh(dir.path(), "one-direct.redb")).unwrap();
    let direct_one = || {
        let start = Instant::now();
        let txn = db.begin_write().unwrap();
        txn.open_table(TABLE)
            .unwrap()
            .insert(&b"c"[..], &b"c"[..])
            .unwrap();
        txn.commit().unwrap();
        start.elapsed()
    };
    let mut store = Store::open(&one_path).unwrap();
    let (vm_one, redb_one) = medians(|| timed_run(&mut store, &one), direct_one);
    drop(store);
    let (vm_open_one, _) = medians(
        || {
            let start = Instant::now();
            let mut store = Store::open(&one_path).unwrap();
            timed_run(&mut store, &one);
            start.elapsed()
        },
        || Duration::ZERO,
    );

    println!(
        "DotVM state benchmark: median of {RUNS} runs, {N} operations, {VALUE_LEN}-byte values"
    );
    println!(
        "{:<36} {:>10} {:>10} {:>7}",
        "", "VM (ms)", "redb (ms)", "ratio"
    );
    for (name, vm, direct) in [
        ("10,000 DB_PUT + commit", vm_put, redb_put),
        ("10,000 DB_GET", vm_get, redb_get),
        (
            "10,000 DB_PUT + 10,000 DB_GET",
            vm_put + vm_get,
            redb_put + redb_get,
        ),
        ("run with one write (commit)", vm_one, redb_one),
    ] {
        println!(
            "{name:<36} {:>10.3} {:>10.3} {:>7.2}",
            ms(vm),
            ms(direct),
            vm.as_secs_f64() / direct.as_secs_f64()
        );
    }
    println!(
        "open state file + run with one write + commit (as `dotvm run`): {:.3} ms",
        ms(vm_open_one)
    );
}

/// Assembles and verifies `source`.
fn program_text(source: &str) -> Verified {
    let module = assemble(source, "bench.dasm", &AsmOptions::default()).expect("assembles");
    Verified::new(module).expect("verifies")
}
