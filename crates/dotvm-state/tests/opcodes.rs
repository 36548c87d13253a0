//! The database opcodes issued from bytecode: status codes, the buffer rule, query results
//! in guest memory, savepoints, limits and out-of-bounds pointers.

mod common;

use common::{program, run, run_with_limits};
use dotvm_state::{Store, TransactionError};
use dotvm_vm::state::{Direction, KeyRange, MAX_KEY_LEN, Query, Status};
use dotvm_vm::{BufferIo, Limits, RunError, StateStore, TrapKind};

/// A program whose `main` runs `body`, with the usual constants and buffers.
fn with_body(body: &str) -> String {
    format!(
        r#"
.pool c str "c"
.pool k str "key"
.pool k2 str "key2"
.pool v str "value"
.pool missing str "nope"
.data buf "XXXXXXXX"
.data big zero {big}
.func main
    .local a
    .local b
{body}
    HALT
.end
"#,
        big = MAX_KEY_LEN + 1
    )
}

/// Prints the top of the stack and a space.
const SHOW: &str = "    SYSCALL print_uint\n    PUSH ' '\n    SYSCALL print_char\n";

#[test]
fn get_put_delete_report_statuses_and_follow_the_buffer_rule() {
    let body = [
        // put c/key = "value" -> OK
        "PUSH_CONST c\nPUSH_CONST k\nPUSH_CONST v\nDB_PUT",
        SHOW,
        // get into a 3-byte buffer -> BUFFER_TOO_SMALL with length 5, buffer untouched
        "PUSH_CONST c\nPUSH_CONST k\nPUSH buf\nPUSH 3\nDB_GET",
        SHOW,
        SHOW,
        "PUSH buf\nPUSH 8\nSYSCALL print_bytes\nPUSH ' '\nSYSCALL print_char",
        // get into the 8-byte buffer -> OK, length 5, "value" written
        "PUSH_CONST c\nPUSH_CONST k\nPUSH buf\nPUSH 8\nDB_GET",
        SHOW,
        SHOW,
        "PUSH buf\nPUSH 8\nSYSCALL print_bytes\nPUSH ' '\nSYSCALL print_char",
        // a zero-capacity buffer (at address 0, read-only) only asks for the length
        "PUSH_CONST c\nPUSH_CONST k\nPUSH 0\nPUSH 0\nDB_GET",
        SHOW,
        SHOW,
        // missing key -> NOT_FOUND, length 0
        "PUSH_CONST c\nPUSH_CONST missing\nPUSH buf\nPUSH 8\nDB_GET",
        SHOW,
        SHOW,
        // delete -> OK, then NOT_FOUND
        "PUSH_CONST c\nPUSH_CONST k\nDB_DELETE",
        SHOW,
        "PUSH_CONST c\nPUSH_CONST k\nDB_DELETE",
        SHOW,
        // an empty collection name -> BAD_COLLECTION
        "PUSH 0\nPUSH 0\nPUSH_CONST k\nPUSH_CONST v\nDB_PUT",
        SHOW,
        // a key of MAX_KEY_LEN + 1 bytes -> KEY_TOO_LARGE
        "PUSH_CONST c\nPUSH big\nPUSH big.len\nPUSH_CONST v\nDB_PUT",
        SHOW,
        "PUSH_CONST c\nPUSH big\nPUSH big.len\nPUSH buf\nPUSH 8\nDB_GET",
        SHOW,
        SHOW,
    ]
    .join("\n");
    let mut store = Store::in_memory();
    let (result, output) = run(&mut store, &with_body(&body));
    assert_eq!(result.unwrap().exit_code, 0);
    assert_eq!(output, "0 2 5 XXXXXXXX 0 5 valueXXX 2 5 1 0 0 1 3 4 4 0 ");
    // The put was deleted again and the rejected ones never happened.
    assert!(store.dump().unwrap().is_empty());
}

#[test]
fn oversized_values_are_refused_without_writing() {
    // 17 pages hold a value one byte over the 1 MiB limit.
    let source = r#"
.memory 17
.pool c str "c"
.pool k str "k"
.func main
    PUSH_CONST c
    PUSH_CONST k
    PUSH 0x8000
    PUSH 0x100001
    DB_PUT
    SYSCALL print_uint
    HALT
.end
"#;
    let mut store = Store::in_memory();
    let (result, output) = run(&mut store, source);
    assert_eq!(result.unwrap().exit_code, 0);
    assert_eq!(output, Status::ValueTooLarge.code().to_string());
    assert!(store.dump().unwrap().is_empty());
}

#[test]
fn out_of_bounds_pointers_trap_and_nothing_is_written() {
    let cases = [
        // key pointer past the end of memory
        "PUSH_CONST c\nPUSH 0xFFFFF0\nPUSH 4\nPUSH_CONST v\nDB_PUT\nPOP",
        // value length running past the end
        "PUSH_CONST c\nPUSH_CONST k\nPUSH buf\nPUSH 0x10000\nDB_PUT\nPOP",
        // output buffer in the read-only constant region
        "PUSH_CONST c\nPUSH_CONST k\nPUSH 0\nPUSH 4\nDB_GET\nPOP\nPOP",
        // output buffer past the end, even though the key is missing
        "PUSH_CONST c\nPUSH_CONST missing\nPUSH buf\nPUSH 0x20000\nDB_GET\nPOP\nPOP",
        // query descriptor past the end
        "PUSH_CONST c\nPUSH 0x10000\nPUSH 1\nDB_COUNT\nPOP\nPOP",
    ];
    for case in cases {
        let body = format!("PUSH_CONST c\nPUSH_CONST k2\nPUSH_CONST v\nDB_PUT\nPOP\n{case}");
        let mut store = Store::in_memory();
        let (result, _) = run(&mut store, &with_body(&body));
        match result {
            Err(TransactionError::Run(RunError::Trap(trap))) => {
                assert!(
                    matches!(trap.kind, TrapKind::OutOfBounds { .. }),
                    "{case}: {trap}"
                );
            }
            other => panic!("{case}: expected an out-of-bounds trap, got {other:?}"),
        }
        assert!(
            store.dump().unwrap().is_empty(),
            "{case}: the first put leaked"
        );
    }
}

#[test]
fn queries_write_records_in_key_order() {
    let mut store = Store::in_memory();
    for (key, value) in [
        ("a1", "x"),
        ("b1", "yy"),
        ("b2", "zzz"),
        ("b3", ""),
        ("c1", "w"),
    ] {
        store.put(b"c", key.as_bytes(), value.as_bytes()).unwrap();
    }
    store.commit().unwrap();
    let query = Query {
        range: KeyRange::Prefix(b"b".to_vec()),
        direction: Direction::Descending,
        limit: Some(2),
        filter: None,
    };
    let descriptor: String = query
        .encode()
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let source = format!(
        r#"
.pool c str "c"
.data q u8 {descriptor}
.data out zero 64
.data bad u8 7 0 0 0
.func main
    .local len
    PUSH_CONST c
    PUSH q
    PUSH q.len
    PUSH out
    PUSH 8
    DB_QUERY                ; too small: count needed status
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    PUSH_CONST c
    PUSH q
    PUSH q.len
    PUSH out
    PUSH out.len
    DB_QUERY
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    LOCAL_TEE len
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    PUSH out
    LOCAL_GET len
    SYSCALL print_bytes
    PUSH_CONST c
    PUSH bad
    PUSH bad.len
    DB_COUNT
    SYSCALL print_uint
    POP
    PUSH_CONST c
    PUSH q
    PUSH q.len
    DB_COUNT
    POP
    SYSCALL print_uint
    HALT
.end
"#
    );
    let (result, output) = run(&mut store, &source);
    assert_eq!(result.unwrap().exit_code, 0);
    let mut records = Vec::new();
    for (key, value) in [("b3", ""), ("b2", "zzz")] {
        for part in [key, value] {
            records.extend_from_slice(&(part.len() as u32).to_le_bytes());
            records.extend_from_slice(part.as_bytes());
        }
    }
    let expected = format!(
        "2 {len} 2 0 {len} 2 {}{}2",
        String::from_utf8(records.clone()).unwrap(),
        Status::BadQuery.code(),
        len = records.len(),
    );
    assert_eq!(output, expected);
}

#[test]
fn savepoints_roll_back_from_bytecode() {
    let body = r#"
    PUSH_CONST c
    PUSH_CONST k
    PUSH_CONST v
    DB_PUT
    POP
    DB_SAVEPOINT
    LOCAL_SET a
    PUSH_CONST c
    PUSH_CONST k2
    PUSH_CONST v
    DB_PUT
    POP
    DB_SAVEPOINT
    LOCAL_SET b
    PUSH_CONST c
    PUSH_CONST k
    DB_DELETE
    POP
    LOCAL_GET a
    DB_ROLLBACK_TO          ; undoes k2 and the delete; closes b
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    LOCAL_GET b
    DB_RELEASE              ; b is closed: NO_SAVEPOINT
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    PUSH 12345
    DB_ROLLBACK_TO
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    LOCAL_GET a
    DB_RELEASE
    SYSCALL print_uint
    PUSH ' '
    SYSCALL print_char
    PUSH_CONST c
    PUSH 0
    PUSH 0
    DB_COUNT
    POP
    SYSCALL print_uint
"#;
    let mut store = Store::in_memory();
    let (result, output) = run(&mut store, &with_body(body));
    assert_eq!(result.unwrap().exit_code, 0);
    assert_eq!(output, "0 7 7 0 1");
    assert_eq!(store.get(b"c", b"key").unwrap(), Some(&b"value"[..]));
    assert_eq!(store.get(b"c", b"key2").unwrap(), None);
}

#[test]
fn a_run_without_a_store_traps() {
    let verified = program(&with_body("DB_SAVEPOINT\nPOP"));
    let error = dotvm_vm::run(&verified, &Limits::default(), &mut BufferIo::default()).unwrap_err();
    assert!(matches!(
        error.trap().map(|t| &t.kind),
        Some(TrapKind::State(_))
    ));
}

#[test]
fn runs_that_fail_commit_nothing() {
    let writes = "PUSH_CONST c\nPUSH_CONST k\nPUSH_CONST v\nDB_PUT\nPOP\nPUSH_CONST c\nPUSH_CONST k2\nPUSH_CONST v\nDB_PUT\nPOP\n";
    let endings = [
        ("UNREACHABLE", "trap"),
        ("PUSH 3\nSYSCALL exit", "exit 3"),
        ("loop:\nJMP loop", "instruction limit"),
    ];
    for (ending, what) in endings {
        let mut store = Store::in_memory();
        store.put(b"c", b"key", b"old").unwrap();
        store.commit().unwrap();
        let before = store.dump().unwrap();
        let limits = Limits {
            instructions: 1000,
            ..Limits::default()
        };
        let (result, _) = run_with_limits(
            &mut store,
            &with_body(&format!("{writes}{ending}")),
            &limits,
        );
        match what {
            "exit 3" => assert_eq!(result.unwrap().exit_code, 3),
            _ => assert!(result.is_err(), "{what}"),
        }
        assert_eq!(store.dump().unwrap(), before, "{what} left writes behind");
        assert_eq!(store.pending_writes(), 0);
    }
}

#[test]
fn docs_list_every_status_code() {
    let doc = include_str!("../../../docs/state.md");
    for status in Status::ALL {
        let row = format!("| {} | `{}` |", status.code(), status.name());
        assert!(doc.contains(&row), "docs/state.md lacks the row {row}");
    }
}
