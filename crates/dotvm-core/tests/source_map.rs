//! The debug section's source map: it round-trips through the file format and through
//! assembly text, and malformed maps are rejected with the field and byte offset.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::disasm::disassemble;
use dotvm_core::format::{SectionId, read_module, section_table, write_module};
use dotvm_core::module::{
    DebugInfo, Function, InlinedCall, Module, SourceEntry, SourceLoc, SourceMap,
};

fn loc(file: u32, line: u32, column: u32) -> SourceLoc {
    SourceLoc { file, line, column }
}

/// A two-function module whose debug section carries a source map with an inlined call.
fn module(map: SourceMap) -> Module {
    let code = vec![0x00, 0x00, 0x01]; // NOP NOP HALT
    Module {
        functions: vec![
            Function {
                code: code.clone(),
                ..Function::default()
            },
            Function {
                code,
                ..Function::default()
            },
        ],
        debug: Some(DebugInfo {
            function_names: vec!["main".into(), "helper".into()],
            source_map: map,
            ..DebugInfo::default()
        }),
        ..Module::default()
    }
}

fn sample_map() -> SourceMap {
    SourceMap {
        files: vec!["src/main.rs".into(), "/rustc/lib/core/src/num.rs".into()],
        names: vec!["core::num::add".into()],
        entries: vec![
            SourceEntry {
                func: 0,
                pc: 0,
                loc: loc(0, 3, 5),
                inlined: vec![],
            },
            SourceEntry {
                func: 0,
                pc: 2,
                loc: loc(1, 900, 1),
                inlined: vec![InlinedCall {
                    name: 0,
                    call: loc(0, 4, 13),
                }],
            },
            SourceEntry {
                func: 1,
                pc: 1,
                loc: loc(0, 200, 0),
                inlined: vec![],
            },
        ],
    }
}

#[test]
fn the_source_map_round_trips_through_the_file_format() {
    let module = module(sample_map());
    let bytes = write_module(&module);
    assert_eq!(read_module(&bytes), Ok(module.clone()));
    let without = write_module(&self::module(SourceMap::default()));
    // The tables: three counts, and each string with its u32 length.
    let tables = 3 * 4 + (4 + 11) + (4 + 26) + (4 + 14);
    // The rows in LEB128: 6 bytes, 7 + 4 for the inlined call, 7 (lines 900 and 200 take
    // two bytes each).
    assert_eq!(bytes.len() - without.len() - tables, 6 + 11 + 7);
}

#[test]
fn the_source_map_round_trips_through_assembly_text() {
    let module = module(sample_map());
    let text = disassemble(&module);
    assert!(text.contains(".srcfile \"src/main.rs\""), "{text}");
    assert!(text.contains(".srcloc 0 2 1 900 1 0 0 4 13"), "{text}");
    let back = assemble(&text, "t.dasm", &AsmOptions::default()).expect("reassembles");
    assert_eq!(
        back.debug.as_ref().map(|d| &d.source_map),
        Some(&sample_map())
    );
}

#[test]
fn assembly_rejects_rows_out_of_order_and_undeclared_files() {
    let base = ".func main\n  HALT\n.end\n.srcfile \"a.rs\"\n";
    let err = assemble(
        &format!("{base}.srcloc main 2 0 1 1\n.srcloc main 1 0 1 1\n"),
        "t.dasm",
        &AsmOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.line, 6);
    assert!(err.message.contains("(function, pc) order"), "{err}");
    let err = assemble(
        &format!("{base}.srcloc main 0 1 1 1\n"),
        "t.dasm",
        &AsmOptions::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("file 1 is not declared"), "{err}");
    let err = assemble(
        &format!("{base}.srcloc main 0 0 1 1 3 0 1 1\n"),
        "t.dasm",
        &AsmOptions::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("name 3 is not declared"), "{err}");
}

/// The file of `module(map)` with the debug section's body replaced: everything up to
/// the source map is kept and `tail` follows it. The debug section must be the last one.
fn with_map_bytes(tail: &[u8]) -> (Vec<u8>, usize) {
    let mut bytes = write_module(&module(SourceMap::default()));
    let table = section_table(&bytes).expect("valid file");
    let (index, debug) = table
        .iter()
        .enumerate()
        .find(|(_, s)| s.id == SectionId::Debug)
        .expect("debug section");
    assert_eq!(debug.offset + debug.length, bytes.len(), "debug is last");
    let map_start = bytes.len();
    bytes.extend_from_slice(tail);
    let length_at = 28 + 12 * index;
    let length = (debug.length + tail.len()) as u32;
    bytes[length_at..length_at + 4].copy_from_slice(&length.to_le_bytes());
    (bytes, map_start)
}

/// `files = ["a.rs"]`, `names = []`, then `rows.count = 1` and the row bytes.
fn one_row(row: &[u8]) -> Vec<u8> {
    let mut tail = Vec::new();
    tail.extend_from_slice(&1u32.to_le_bytes());
    tail.extend_from_slice(&4u32.to_le_bytes());
    tail.extend_from_slice(b"a.rs");
    tail.extend_from_slice(&0u32.to_le_bytes());
    tail.extend_from_slice(&1u32.to_le_bytes());
    tail.extend_from_slice(row);
    tail
}

/// Offset of the first row within `one_row`'s bytes.
const ROW: usize = 4 + 4 + 4 + 4 + 4;

#[test]
fn a_hand_built_map_is_read() {
    // func_delta 1, pc 2, file 0, line 130 (two bytes), column 0, no inlined calls.
    let (bytes, _) = with_map_bytes(&one_row(&[1, 2, 0, 0x82, 0x01, 0, 0]));
    let module = read_module(&bytes).expect("valid");
    let map = &module.debug.expect("debug").source_map;
    assert_eq!(
        map.entries,
        vec![SourceEntry {
            func: 1,
            pc: 2,
            loc: loc(0, 130, 0),
            inlined: vec![],
        }]
    );
}

#[test]
fn malformed_maps_are_rejected_with_field_and_offset() {
    let cases: Vec<(Vec<u8>, usize, &str, &str)> = vec![
        (
            one_row(&[0, 0, 1, 1, 1, 0]),
            ROW + 2,
            "debug.source_map.rows[0].file",
            "file index 1 is out of range",
        ),
        (
            one_row(&[0, 0, 0, 0x81, 0x00, 1, 0]),
            ROW + 3,
            "debug.source_map.rows[0].line",
            "shortest form",
        ),
        (
            one_row(&[0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0]),
            ROW + 3,
            "debug.source_map.rows[0].line",
            "does not fit 32 bits",
        ),
        (
            one_row(&[0, 0, 0, 1, 1, 1, 5, 0, 0, 1]),
            ROW + 6,
            "debug.source_map.rows[0].inlined.name",
            "name index 5 is out of range",
        ),
        (
            one_row(&[0, 0, 0, 1, 1, 0x20]),
            ROW + 5,
            "debug.source_map.rows[0].inlined.count",
            "cannot fit",
        ),
        (
            one_row(&[0, 0, 0, 1]),
            ROW - 4,
            "debug.source_map.rows.count",
            "count 1 needs at least 6 bytes, but only 4 remain",
        ),
        (
            one_row(&[0, 0, 0, 1, 0x80, 0x80]),
            ROW + 6,
            "debug.source_map.rows[0].column",
            "expected 1 bytes",
        ),
        (
            [0u32.to_le_bytes(), 0u32.to_le_bytes(), 0u32.to_le_bytes()].concat(),
            0,
            "debug.source_map",
            "empty source map must be omitted",
        ),
    ];
    for (tail, at, field, message) in cases {
        let (bytes, start) = with_map_bytes(&tail);
        let err = read_module(&bytes).expect_err(field);
        assert_eq!(
            (err.offset, err.field.as_str()),
            (start + at, field),
            "{err}"
        );
        assert!(err.message.contains(message), "{err}");
    }
    // Two rows of one function at the same pc.
    let mut tail = one_row(&[0, 3, 0, 1, 1, 0]);
    tail[ROW - 4..ROW].copy_from_slice(&2u32.to_le_bytes());
    tail.extend_from_slice(&[0, 0, 0, 2, 1, 0]);
    let (bytes, start) = with_map_bytes(&tail);
    let err = read_module(&bytes).expect_err("repeated pc");
    assert_eq!(
        (err.offset, err.field.as_str()),
        (start + ROW + 6 + 1, "debug.source_map.rows[1].pc")
    );
}
