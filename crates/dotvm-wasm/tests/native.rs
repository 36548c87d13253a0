//! Imports of the `dotvm` module become native database, crypto and BigInt instructions:
//! a wasm module using them translates, verifies and runs on every architecture and
//! opt level, with results stored through out-pointers; unknown names and wrong types fail.

use dotvm_core::instruction::Instruction;
use dotvm_core::isa::Opcode;
use dotvm_core::{Arch, Verified};
use dotvm_state::{MemoryStore, run_transaction, uses_state};
use dotvm_vm::{BufferIo, Host, Limits};
use dotvm_wasm::{TranslateError, TranslateOptions, translate};

/// The binary of a module in text format.
fn wasm(text: &str) -> Vec<u8> {
    let buffer = wast::parser::ParseBuffer::new(text).expect("lexes");
    let mut wat: wast::Wat = wast::parser::parse(&buffer).expect("parses");
    wat.encode().expect("encodes")
}

fn options(arch: Arch, opt_level: u8) -> TranslateOptions {
    TranslateOptions {
        arch,
        opt_level,
        debug_names: false,
        entry_export: Some("_start".into()),
    }
}

const PROGRAM: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "dotvm" "db_put" (func $put (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "dotvm" "db_get" (func $get (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "dotvm" "db_count" (func $count (param i32 i32 i32 i32 i32) (result i32)))
  (import "dotvm" "hash_sha256" (func $sha256 (param i32 i32 i32)))
  (import "dotvm" "bigint_from_dec" (func $from_dec (param i64 i64) (result i64)))
  (import "dotvm" "bigint_pow" (func $pow (param i64 i64) (result i64)))
  (import "dotvm" "bigint_to_dec" (func $to_dec (param i64 i64 i64) (result i64)))
  (import "dotvm" "bigint_cmp" (func $cmp (param i64 i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "coll")
  (data (i32.const 8) "key")
  (data (i32.const 16) "hello")
  (data (i32.const 24) "2")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 200) (local.get $ptr))
    (i32.store (i32.const 204) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208))))
  (func (export "_start")
    (local $two i64) (local $big i64)
    (if (call $put (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 3) (i32.const 16) (i32.const 5))
      (then unreachable))
    ;; too small a buffer: BUFFER_TOO_SMALL (2), the length needed through the out-pointer
    (if (i32.ne (call $get (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 3)
                           (i32.const 100) (i32.const 2) (i32.const 96)) (i32.const 2))
      (then unreachable))
    (if (i32.ne (i32.load (i32.const 96)) (i32.const 5)) (then unreachable))
    (if (call $get (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 3)
                   (i32.const 100) (i32.const 64) (i32.const 96))
      (then unreachable))
    (call $print (i32.const 100) (i32.load (i32.const 96)))
    (if (call $count (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 96))
      (then unreachable))
    (if (i32.ne (i32.load (i32.const 96)) (i32.const 1)) (then unreachable))
    (local.set $two (call $from_dec (i64.const 24) (i64.const 1)))
    (local.set $big (call $pow (local.get $two) (i64.const 100)))
    (call $print (i32.const 300)
      (i32.wrap_i64 (call $to_dec (local.get $big) (i64.const 300) (i64.const 100))))
    (if (i32.ne (i32.wrap_i64 (call $cmp (local.get $two) (local.get $big))) (i32.const -1))
      (then unreachable))
    (if (i64.ne (call $cmp (local.get $big) (local.get $two)) (i64.const 1))
      (then unreachable))
    (call $sha256 (i32.const 16) (i32.const 5) (i32.const 400))
    (call $print (i32.const 400) (i32.const 32))))
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn dotvm_imports_run_as_native_instructions_everywhere() {
    let binary = wasm(PROGRAM);
    for arch in Arch::ALL {
        for level in 0..=3 {
            let module = translate(&binary, &options(arch, level)).expect("translates");
            assert!(
                uses_state(&module),
                "{arch} O{level}: DB opcodes are detected"
            );
            let has = |op: Opcode| {
                module.functions.iter().any(|f| {
                    Instruction::decode_all(&f.code)
                        .unwrap()
                        .iter()
                        .any(|(_, i)| i.opcode == op)
                })
            };
            for op in [Opcode::DbPut, Opcode::DbGet, Opcode::Hash, Opcode::BigPow] {
                assert!(has(op), "{arch} O{level}: {op:?} is in the module");
            }
            let verified = Verified::new(module).expect("verifies");
            let mut store = MemoryStore::in_memory();
            let mut io = BufferIo::default();
            let outcome = run_transaction(
                &verified,
                &Limits::default(),
                &mut io,
                &mut Host::default(),
                &mut store,
                None,
            )
            .unwrap_or_else(|e| panic!("{arch} O{level}: {e}"));
            assert_eq!(outcome.exit_code, 0, "{arch} O{level}");
            let (text, digest) = io.output.split_at(io.output.len() - 32);
            assert_eq!(
                std::str::from_utf8(text).unwrap(),
                "hello1267650600228229401496703205376",
                "{arch} O{level}"
            );
            assert_eq!(
                hex(digest),
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            );
        }
    }
}

#[test]
fn unknown_dotvm_names_are_missing_imports() {
    let text = r#"(module
      (import "dotvm" "db_upsert" (func (param i32) (result i32)))
      (import "dotvm" "hash_md5" (func (param i32 i32 i32)))
      (import "dotvm" "db_delete" (func (param i32 i32 i32 i32) (result i32))))"#;
    match translate(&wasm(text), &TranslateOptions::default()) {
        Err(TranslateError::UnresolvedImports(names)) => {
            assert_eq!(names, ["dotvm.db_upsert", "dotvm.hash_md5"]);
        }
        other => panic!("expected unresolved imports, got {other:?}"),
    }
}

#[test]
fn a_dotvm_import_of_the_wrong_type_is_incompatible() {
    let text =
        r#"(module (import "dotvm" "db_get" (func (param i32 i32 i32 i32 i32 i32) (result i32))))"#;
    match translate(&wasm(text), &TranslateOptions::default()) {
        Err(TranslateError::IncompatibleImport { import, message }) => {
            assert_eq!(import, "dotvm.db_get");
            assert!(message.contains("DB_GET"), "{message}");
        }
        other => panic!("expected an incompatible import, got {other:?}"),
    }
}
