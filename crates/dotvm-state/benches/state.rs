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
const RUNS: usize = 11;

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
    let module = assemble(&source, "bench.dasm", &AsmOptions::default()).expect("assembles");
    Verified::new(module).expect("verifies")
}

/// The key bytes the program writes for `i` (little-endian, as STORE64 stores them).
fn key(i: u64) -> [u8; 8] {
    i.to_le_bytes()
}

/// Median of `runs` measurements of `f`.
fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times[RUNS / 2]
}

/// Runs `verified` as one transaction on `store`, returning the time including the commit.
fn timed_run(store: &mut dyn StateStore, verified: &Verified) -> Duration {
    let start = Instant::now();
    let outcome = run_transaction(
        verified,
        &Limits::default(),
        &mut BufferIo::default(),
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

    // ---- 10,000 puts, each side starting from an empty file, commit included ----
    let vm_put = median(|| {
        let mut store = Store::open(&fresh(dir.path(), "vm.redb")).unwrap();
        timed_run(&mut store, &puts)
    });
    let redb_put = median(|| {
        let db = Database::create(fresh(dir.path(), "direct.redb")).unwrap();
        direct_puts(&db)
    });

    // ---- 10,000 gets of those keys ----
    let vm_path = fresh(dir.path(), "vm-read.redb");
    let mut store = Store::open(&vm_path).unwrap();
    timed_run(&mut store, &puts);
    let vm_get = median(|| timed_run(&mut store, &gets));
    drop(store);
    let db = Database::create(fresh(dir.path(), "direct-read.redb")).unwrap();
    direct_puts(&db);
    let redb_get = median(|| direct_gets(&db));
    drop(db);

    // ---- one run with one write ----
    let one = {
        let module = assemble(
            ".pool c str \"c\"\n.func main\n PUSH_CONST c\n PUSH_CONST c\n PUSH_CONST c\n DB_PUT\n POP\n HALT\n.end\n",
            "one.dasm",
            &AsmOptions::default(),
        )
        .unwrap();
        Verified::new(module).unwrap()
    };
    let one_path = fresh(dir.path(), "one.redb");
    let vm_one = median(|| {
        let mut store = Store::open(&one_path).unwrap();
        timed_run(&mut store, &one)
    });
    let open_time = median(|| {
        let start = Instant::now();
        let store = Store::open(&one_path).unwrap();
        let elapsed = start.elapsed();
        drop(store);
        elapsed
    });
    let db = Database::create(fresh(dir.path(), "one-direct.redb")).unwrap();
    let redb_one = median(|| {
        let start = Instant::now();
        let txn = db.begin_write().unwrap();
        txn.open_table(TABLE)
            .unwrap()
            .insert(&b"c"[..], &b"c"[..])
            .unwrap();
        txn.commit().unwrap();
        start.elapsed()
    });

    println!("DotVM state benchmark: median of {RUNS} runs, {N} operations, {VALUE_LEN}-byte values");
    println!("{:<34} {:>10} {:>10} {:>7}", "", "VM (ms)", "redb (ms)", "ratio");
    for (name, vm, direct) in [
        ("10,000 DB_PUT + commit", vm_put, redb_put),
        ("10,000 DB_GET", vm_get, redb_get),
        ("run with one write (commit)", vm_one, redb_one),
    ] {
        println!(
            "{name:<34} {:>10.3} {:>10.3} {:>7.2}",
            ms(vm),
            ms(direct),
            vm.as_secs_f64() / direct.as_secs_f64()
        );
    }
    println!(
        "opening a state file (lock, integrity check, format check): {:.3} ms",
        ms(open_time)
    );
}
