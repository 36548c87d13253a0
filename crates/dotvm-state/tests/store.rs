//! The redb store as a file: persistence, atomic runs (the file is untouched by a failed
//! run), foreign, damaged and other-version files, limits, locking and administration.

mod common;

use common::run;
use dotvm_state::{FORMAT_VERSION, OpenError, RedbStore, Store, Tree};
use dotvm_vm::state::{MAX_KEY_LEN, MAX_VALUE_LEN, Query};
use dotvm_vm::{StateError, StateStore};
use std::path::Path;
use std::time::{Duration, Instant};

fn open(path: &Path) -> RedbStore {
    Store::open(path).unwrap_or_else(|e| panic!("{e}"))
}

/// A state file holding a few documents and an index.
fn sample(path: &Path) {
    let mut store = open(path);
    for (key, doc) in [
        ("ann", r#"{"age":31,"city":"Oslo"}"#),
        ("bob", r#"{"age":25,"city":"Rome"}"#),
        ("cy", r#"{"age":40}"#),
    ] {
        store.put(b"users", key.as_bytes(), doc.as_bytes()).unwrap();
    }
    store.put(b"counter", b"n", &7u64.to_le_bytes()).unwrap();
    assert!(store.create_index(b"users", "age").unwrap());
    store.commit().unwrap();
}

#[test]
fn committed_state_survives_reopening_and_aborted_state_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    sample(&path);
    let mut store = open(&path);
    store.put(b"users", b"dan", b"{}").unwrap();
    store.abort();
    store.put(b"users", b"eve", b"{}").unwrap();
    drop(store); // never committed
    let mut store = open(&path);
    let keys: Vec<Vec<u8>> = store
        .query(b"users", &Query::default())
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, [b"ann".to_vec(), b"bob".to_vec(), b"cy".to_vec()]);
    assert_eq!(
        store.collections().unwrap(),
        [(b"counter".to_vec(), 1), (b"users".to_vec(), 3)]
    );
    assert_eq!(
        store.indexes().unwrap(),
        [(b"users".to_vec(), "age".to_string())]
    );
}

#[test]
fn a_failed_run_leaves_the_file_and_the_state_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    sample(&path);
    let before = open(&path).dump().unwrap();
    for ending in ["UNREACHABLE", "PUSH 1\nSYSCALL exit\nUNREACHABLE"] {
        let mut store = open(&path);
        let file_before = std::fs::read(&path).unwrap();
        let source = format!(
            r#"
.pool users str "users"
.pool key str "zed"
.pool doc str "{{\"age\":99}}"
.pool ann str "ann"
.func main
    PUSH_CONST users
    PUSH_CONST key
    PUSH_CONST doc
    DB_PUT
    POP
    PUSH_CONST users
    PUSH_CONST ann
    DB_DELETE
    POP
    {ending}
.end
"#
        );
        let (result, _) = run(&mut store, &source);
        assert!(result.is_err() || result.is_ok_and(|o| o.exit_code == 1));
        // Nothing reached the file: its bytes are identical while the store is open ...
        assert_eq!(std::fs::read(&path).unwrap(), file_before, "{ending}");
        drop(store);
        // ... and every stored byte (data, index entries, metadata) is as before.
        assert_eq!(open(&path).dump().unwrap(), before, "{ending}");
    }
}

#[test]
fn foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(200)).unwrap();
    let original = std::fs::read(&text).unwrap();
    match Store::open(&text) {
        Err(OpenError::Foreign { reason, .. }) => assert!(reason.contains("magic"), "{reason}"),
        other => panic!("expected a foreign-file error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&text).unwrap(), original);

    // A redb database of another program.
    let other = dir.path().join("other.redb");
    {
        let db = redb::Database::create(&other).unwrap();
        let write = db.begin_write().unwrap();
        let table: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("accounts");
        write.open_table(table).unwrap().insert("x", 1).unwrap();
        write.commit().unwrap();
    }
    let message = Store::open(&other).unwrap_err().to_string();
    assert!(message.contains("not a DotVM state file"), "{message}");
}

#[test]
fn other_format_versions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    sample(&path);
    {
        let db = redb::Database::create(&path).unwrap();
        let write = db.begin_write().unwrap();
        let meta: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("meta");
        let mut marker = b"DOTVM-STATE".to_vec();
        marker.extend_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        write
            .open_table(meta)
            .unwrap()
            .insert(&b"format"[..], marker.as_slice())
            .unwrap();
        write.commit().unwrap();
    }
    match Store::open(&path) {
        Err(OpenError::Version { version, .. }) => assert_eq!(version, FORMAT_VERSION + 1),
        other => panic!("expected a version error, got {other:?}"),
    }
}

#[test]
fn damaged_files_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let mut store = open(&path);
        let marker = b"MARKER-0123456789-".repeat(50);
        store.put(b"c", b"k", &marker).unwrap();
        store.commit().unwrap();
    }
    let good = std::fs::read(&path).unwrap();
    let needle = b"MARKER-0123456789-MARKER";
    let at = good
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the value is stored in the file");

    // A flipped byte inside the stored value fails the page checksum.
    let mut bad = good.clone();
    bad[at + 5] ^= 0x20;
    std::fs::write(&path, &bad).unwrap();
    let message = Store::open(&path).unwrap_err().to_string();
    assert!(message.contains("damaged"), "{message}");

    // A truncated file.
    std::fs::write(&path, &good[..good.len() / 3]).unwrap();
    assert!(Store::open(&path).is_err());

    // Bytes flipped anywhere: the open fails or the data reads back; nothing panics.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..40 {
        let mut bad = good.clone();
        for _ in 0..4 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % bad.len().min(64 * 1024);
            bad[at] ^= 1 << (seed % 8);
        }
        std::fs::write(&path, &bad).unwrap();
        if let Ok(mut store) = Store::open(&path) {
            let _ = store.dump();
        }
    }
}

#[test]
fn limits_are_enforced_by_the_store() {
    let mut store = Store::in_memory();
    assert_eq!(
        store.put(b"c", &vec![0; MAX_KEY_LEN + 1], b"v"),
        Err(StateError::KeyTooLarge {
            len: MAX_KEY_LEN + 1
        })
    );
    assert_eq!(
        store.put(b"c", b"k", &vec![0; MAX_VALUE_LEN + 1]),
        Err(StateError::ValueTooLarge {
            len: MAX_VALUE_LEN + 1
        })
    );
    assert!(store.put(b"", b"k", b"v").is_err());
    assert!(store.put(&[b'c'; 256], b"k", b"v").is_err());
    assert!(
        store
            .put(&[b'c'; 255], &vec![0; MAX_KEY_LEN], &vec![0; MAX_VALUE_LEN])
            .is_ok()
    );
    assert!(store.create_index(b"c", "").is_err());
    assert!(store.create_index(b"c", "a..b").is_err());
}

#[test]
fn a_second_open_waits_for_the_first_to_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    sample(&path);
    let first = open(&path);
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut store = open(&path);
            store.put(b"c", b"second", b"1").unwrap();
            store.commit().unwrap();
            start.elapsed()
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    drop(first);
    let waited = waiter.join().unwrap();
    assert!(
        waited >= Duration::from_millis(250),
        "waited only {waited:?}"
    );
    assert_eq!(open(&path).get(b"c", b"second").unwrap(), Some(&b"1"[..]));
}

#[test]
fn indexes_follow_writes_and_drop_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    sample(&path);
    let mut store = open(&path);
    let index_entries = |store: &mut RedbStore| {
        store
            .dump()
            .unwrap()
            .iter()
            .filter(|e| e.0 == Tree::Index)
            .count()
    };
    assert_eq!(index_entries(&mut store), 3);
    store.put(b"users", b"dan", br#"{"city":"Oslo"}"#).unwrap(); // no age: not indexed
    store.put(b"users", b"bob", br#"{"age":26}"#).unwrap(); // moves
    store.delete(b"users", b"cy").unwrap();
    assert_eq!(index_entries(&mut store), 2);
    assert!(!store.create_index(b"users", "age").unwrap());
    assert!(store.create_index(b"users", "city").unwrap());
    assert_eq!(index_entries(&mut store), 4);
    assert!(store.drop_index(b"users", "age").unwrap());
    assert!(!store.drop_index(b"users", "age").unwrap());
    assert_eq!(index_entries(&mut store), 2);
    store.commit().unwrap();
    drop(store);
    assert_eq!(
        open(&path).indexes().unwrap(),
        [(b"users".to_vec(), "city".to_string())]
    );
}

#[test]
fn tool_records_persist_apart_from_collections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let mut store = open(&path);
    store.put_record(b"dot/1", b"one");
    store.put_record(b"dot/2", b"two");
    store.put_record(b"other", b"x");
    store.commit().unwrap();
    drop(store);
    let mut store = open(&path);
    assert_eq!(store.record(b"dot/1").unwrap(), Some(b"one".to_vec()));
    assert_eq!(
        store.records(b"dot/").unwrap(),
        vec![
            (b"dot/1".to_vec(), b"one".to_vec()),
            (b"dot/2".to_vec(), b"two".to_vec())
        ]
    );
    // Records are not collections: programs and `dotvm db` scans never see them.
    assert!(store.collections().unwrap().is_empty());
    assert!(store.delete_record(b"dot/1").unwrap());
    assert!(!store.delete_record(b"dot/1").unwrap());
    store.commit().unwrap();
    assert_eq!(store.records(b"dot/").unwrap().len(), 1);
}
