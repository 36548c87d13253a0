//! Malformed bytecode files: each is rejected with the exact field and byte offset, and no
//! input (truncated, bit-flipped or hand-broken) makes the reader panic.
//!
//! The files are built by hand here, independently of the writer, following
//! `docs/bytecode-format.md`.

use dotvm_core::format::{FormatError, read_module, write_module};
use dotvm_core::module::{
    Constant, DataSegment, DebugInfo, Export, Function, Global, LineEntry, Memory, Module,
};
use dotvm_core::{Arch, Imm};

const FUNCTIONS: u8 = 1;
const CODE: u8 = 2;
const CONSTANTS: u8 = 3;
const GLOBALS: u8 = 4;
const MEMORY: u8 = 5;
const EXPORTS: u8 = 6;
const DEBUG: u8 = 7;
const DEBUG_FLAG: u8 = 0x01;
const SIGNATURE: u8 = 12;
const SIGNED_FLAG: u8 = 0x08;

/// A signature section body of `len` bytes starting with the algorithm byte.
fn signature_body(algorithm: u8, len: usize) -> Vec<u8> {
    let mut body = vec![0xAB; len];
    if let Some(first) = body.first_mut() {
        *first = algorithm;
    }
    body
}

fn u32le(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// Concatenates byte pieces.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A u32 length followed by the bytes.
fn lp(bytes: &[u8]) -> Vec<u8> {
    cat(&[&u32le(bytes.len() as u32), bytes])
}

/// A 16-byte header.
fn header(version: u16, arch: u8, flags: u8, entry: u64) -> Vec<u8> {
    cat(&[
        b"DOTV",
        &version.to_le_bytes(),
        &[arch, flags],
        &entry.to_le_bytes(),
    ])
}

/// A file with a valid arch64 header (entry 0) and the given sections packed after the
/// table in the given order.
fn file(flags: u8, sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = header(1, 0x01, flags, 0);
    out.extend(u32le(sections.len() as u32));
    let mut offset = 20 + 12 * sections.len();
    for (id, body) in sections {
        out.extend([*id, 0, 0, 0]);
        out.extend(u32le(offset as u32));
        out.extend(u32le(body.len() as u32));
        offset += body.len();
    }
    for (_, body) in sections {
        out.extend(body);
    }
    out
}

/// A functions section body; each function has params 0, results 0, locals 0,
/// max_stack 1 and the given code range.
fn functions(ranges: &[(u32, u32)]) -> Vec<u8> {
    let mut out = u32le(ranges.len() as u32);
    for &(offset, length) in ranges {
        out.extend([0, 0, 0, 0, 0, 0]);
        out.extend(u32le(1));
        out.extend(u32le(offset));
        out.extend(u32le(length));
    }
    out
}

/// One function whose code is a single `RET`: a functions body of 22 bytes and a code
/// body of 1 byte.
fn base() -> Vec<(u8, Vec<u8>)> {
    vec![(FUNCTIONS, functions(&[(0, 1)])), (CODE, vec![0x07])]
}

/// Bytes 0..44 are header and two-entry table, 44..66 the functions body, 66 the code.
fn base_file() -> Vec<u8> {
    file(0, &base())
}

/// The base sections plus `extra` (with three sections, `extra`'s body starts at byte 79).
fn with(flags: u8, id: u8, body: Vec<u8>) -> Vec<u8> {
    let mut sections = base();
    sections.push((id, body));
    file(flags, &sections)
}

/// Where the body of the third section starts in a file built by [`with`].
const EXTRA: usize = 20 + 3 * 12 + 22 + 1;

/// `bytes` with `replacement` written at `at`.
fn patch(mut bytes: Vec<u8>, at: usize, replacement: &[u8]) -> Vec<u8> {
    bytes[at..at + replacement.len()].copy_from_slice(replacement);
    bytes
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    field: &'static str,
    offset: usize,
    message: &'static str,
}

fn case(
    name: &'static str,
    bytes: Vec<u8>,
    field: &'static str,
    offset: usize,
    message: &'static str,
) -> Case {
    Case {
        name,
        bytes,
        field,
        offset,
        message,
    }
}

fn cases() -> Vec<Case> {
    let debug_empty = cat(&[&[0], &u32le(0), &u32le(0)]);
    let one_page = cat(&[&u32le(1), &[0], &u32le(0)]);
    vec![
        // ---- header ----
        case(
            "empty file",
            vec![],
            "header.magic",
            0,
            "expected 4 bytes, found only 0",
        ),
        case(
            "bad magic",
            patch(base_file(), 0, b"DOTX"),
            "header.magic",
            0,
            "expected magic `DOTV`, found `DOTX`",
        ),
        case(
            "truncated header",
            base_file()[..10].to_vec(),
            "header.entry",
            8,
            "expected 8 bytes, found only 2 before the end of the file",
        ),
        case(
            "unknown version",
            patch(base_file(), 4, &[9, 0]),
            "header.version",
            4,
            "unsupported format version 9 (this build reads version 1)",
        ),
        case(
            "unknown architecture",
            patch(base_file(), 6, &[7]),
            "header.arch",
            6,
            "unknown architecture byte 0x07 (expected 0x00..0x04)",
        ),
        case(
            "reserved flag bit",
            patch(base_file(), 7, &[0x40]),
            "header.flags",
            7,
            "reserved flag bits 0x40 are set",
        ),
        case(
            "compressed flag",
            patch(base_file(), 7, &[0x02]),
            "header.flags",
            7,
            "the COMPRESSED flag (0x02) is not supported by format version 1",
        ),
        case(
            "encrypted flag",
            patch(base_file(), 7, &[0x04]),
            "header.flags",
            7,
            "the ENCRYPTED flag (0x04) is not supported by format version 1",
        ),
        case(
            "signed flag without a signature",
            patch(base_file(), 7, &[0x08]),
            "header.flags",
            7,
            "the SIGNED flag (0x08) is set but the file has no signature section",
        ),
        case(
            "signature without the signed flag",
            with(0, SIGNATURE, signature_body(0x10, 97)),
            "header.flags",
            7,
            "the file has a signature section but the SIGNED flag (0x08) is clear",
        ),
        case(
            "signature algorithm",
            with(SIGNED_FLAG, SIGNATURE, signature_body(0x11, 97)),
            "signature.algorithm",
            EXTRA,
            "unknown signature algorithm 0x11 (expected 0x10, ed25519)",
        ),
        case(
            "empty signature section",
            with(SIGNED_FLAG, SIGNATURE, vec![]),
            "signature.algorithm",
            EXTRA,
            "expected 1 byte",
        ),
        case(
            "truncated signature public key",
            with(SIGNED_FLAG, SIGNATURE, signature_body(0x10, 20)),
            "signature.public_key",
            EXTRA + 1,
            "expected 32 bytes, found only 19",
        ),
        case(
            "truncated signature",
            with(SIGNED_FLAG, SIGNATURE, signature_body(0x10, 96)),
            "signature.signature",
            EXTRA + 33,
            "expected 64 bytes, found only 63",
        ),
        case(
            "signature with trailing bytes",
            with(SIGNED_FLAG, SIGNATURE, signature_body(0x10, 98)),
            "signature",
            EXTRA + 97,
            "expected the end of the `signature` section, found 1 more byte(s)",
        ),
        case(
            "signature before another section",
            file(
                SIGNED_FLAG,
                &[
                    base()[0].clone(),
                    base()[1].clone(),
                    (SIGNATURE, signature_body(0x10, 97)),
                    (CONSTANTS, vec![0, 0, 0, 0]),
                ],
            ),
            "section_table[3].id",
            56,
            "`constants` section listed after the `signature` section",
        ),
        case(
            "entry beyond u32",
            patch(base_file(), 8, &(1u64 << 32).to_le_bytes()),
            "header.entry",
            8,
            "entry function index 4294967296 does not fit in 32 bits",
        ),
        // ---- section table ----
        case(
            "missing section table",
            header(1, 1, 0, 0),
            "section_table.count",
            16,
            "expected 4 bytes, found only 0",
        ),
        case(
            "huge section count",
            patch(base_file(), 16, &u32le(u32::MAX)),
            "section_table.count",
            16,
            "count 4294967295 needs at least 51539607540 bytes, but only 47 remain",
        ),
        case(
            "truncated section table",
            cat(&[
                &header(1, 1, 0, 0),
                &u32le(2),
                &[1, 0, 0, 0],
                &u32le(44),
                &u32le(0),
            ]),
            "section_table.count",
            16,
            "count 2 needs at least 24 bytes, but only 12 remain",
        ),
        case(
            "unknown section id",
            file(0, &[base()[0].clone(), base()[1].clone(), (13, vec![])]),
            "section_table[2].id",
            44,
            "unknown section id 0x0D (expected 0x01..0x0C)",
        ),
        case(
            "section id zero",
            patch(base_file(), 20, &[0]),
            "section_table[0].id",
            20,
            "unknown section id 0x00",
        ),
        case(
            "reserved table bytes",
            patch(base_file(), 22, &[0xAA]),
            "section_table[0].reserved",
            22,
            "reserved bytes must be zero, found 0xAA",
        ),
        case(
            "duplicate section",
            file(0, &[base()[0].clone(), base()[1].clone(), (CODE, vec![])]),
            "section_table[2].id",
            44,
            "duplicate `code` section (already listed as section_table[1])",
        ),
        case(
            "sections out of order",
            file(0, &[base()[1].clone(), base()[0].clone()]),
            "section_table[1].id",
            32,
            "`functions` section listed after the `code` section",
        ),
        case(
            "section overlaps the table",
            patch(base_file(), 24, &u32le(20)),
            "section_table[0].offset",
            24,
            "section starts at byte 20, inside the header and section table (which end at byte 44)",
        ),
        case(
            "overlapping sections",
            patch(base_file(), 36, &u32le(60)),
            "section_table[1].offset",
            36,
            "overlapping the `functions` section (bytes 44..66)",
        ),
        case(
            "gap between sections",
            patch(base_file(), 36, &u32le(67)),
            "section_table[1].offset",
            36,
            "leaving a gap: sections are packed, so it must start at byte 66",
        ),
        case(
            "section starts past the end of the file",
            patch(base_file(), 36, &u32le(1000)),
            "section_table[1].offset",
            36,
            "section starts at byte 1000, past the end of the file (length 67)",
        ),
        case(
            "section runs past the end of the file",
            patch(base_file(), 40, &u32le(2)),
            "section_table[1].length",
            40,
            "section 66..68 runs past the end of the file (length 67)",
        ),
        case(
            "trailing garbage",
            cat(&[&base_file(), &[0xEE, 0xEE]]),
            "file",
            67,
            "2 trailing byte(s) after the last section, which ends at byte 67",
        ),
        case(
            "missing functions section",
            file(0, &[(CODE, vec![0x07])]),
            "section_table",
            16,
            "required `functions` section (id 0x01) is missing",
        ),
        case(
            "missing code section",
            file(0, &[(FUNCTIONS, functions(&[]))]),
            "section_table",
            16,
            "required `code` section (id 0x02) is missing",
        ),
        case(
            "debug flag without debug section",
            file(DEBUG_FLAG, &base()),
            "header.flags",
            7,
            "the DEBUG flag (0x01) is set but the file has no debug section",
        ),
        case(
            "debug section without debug flag",
            with(0, DEBUG, debug_empty.clone()),
            "header.flags",
            7,
            "the file has a debug section but the DEBUG flag (0x01) is clear",
        ),
        // ---- functions and code ----
        case(
            "huge function count",
            file(0, &[(FUNCTIONS, u32le(u32::MAX)), (CODE, vec![])]),
            "functions.count",
            44,
            "count 4294967295 needs at least 77309411310 bytes, but only 0 remain before the end of the `functions` section",
        ),
        case(
            "truncated function entry",
            file(
                0,
                &[
                    (FUNCTIONS, functions(&[(0, 1)])[..14].to_vec()),
                    (CODE, vec![7]),
                ],
            ),
            "functions.count",
            44,
            "count 1 needs at least 18 bytes, but only 10 remain",
        ),
        case(
            "gap between function code",
            file(
                0,
                &[
                    (FUNCTIONS, functions(&[(0, 1), (2, 1)])),
                    (CODE, vec![7, 7, 7]),
                ],
            ),
            "functions[1].code_offset",
            44 + 4 + 18 + 10,
            "expected code offset 1 (function code must tile the code section in order), found 2, which leaves a gap",
        ),
        case(
            "overlapping function code",
            file(
                0,
                &[
                    (FUNCTIONS, functions(&[(0, 2), (1, 1)])),
                    (CODE, vec![7, 7, 7]),
                ],
            ),
            "functions[1].code_offset",
            44 + 4 + 18 + 10,
            "found 1, which overlaps the code before it",
        ),
        case(
            "function code past the code section",
            file(0, &[(FUNCTIONS, functions(&[(0, 5)])), (CODE, vec![7])]),
            "functions[0].code_length",
            44 + 4 + 14,
            "code range 0..5 runs past the end of the code section (length 1)",
        ),
        case(
            "code owned by no function",
            file(0, &[(FUNCTIONS, functions(&[(0, 1)])), (CODE, vec![7, 7])]),
            "code",
            67,
            "code section bytes 1..2 belong to no function",
        ),
        case(
            "trailing bytes in functions section",
            file(
                0,
                &[
                    (FUNCTIONS, cat(&[&functions(&[(0, 1)]), &[0]])),
                    (CODE, vec![7]),
                ],
            ),
            "functions",
            66,
            "expected the end of the `functions` section, found 1 more byte(s)",
        ),
        // ---- constants ----
        case(
            "huge constant count",
            with(0, CONSTANTS, cat(&[&u32le(0x8000_0000), &[0, 0]])),
            "constants.count",
            EXTRA,
            "count 2147483648 needs at least 4294967296 bytes, but only 2 remain",
        ),
        case(
            "empty constants section",
            with(0, CONSTANTS, u32le(0)),
            "constants.count",
            EXTRA,
            "the `constants` section lists nothing; an empty section must be omitted",
        ),
        case(
            "unknown constant tag",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x05, 0]])),
            "constants[0].tag",
            EXTRA + 4,
            "unknown constant tag 0x05",
        ),
        case(
            "oversized integer constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x00, 65], &[1; 65]])),
            "constants[0].int.length",
            EXTRA + 5,
            "immediate of 65 bytes is wider than the widest word (64 bytes)",
        ),
        case(
            "non-minimal integer constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x00, 2, 0x01, 0x00]])),
            "constants[0].int.bytes",
            EXTRA + 7,
            "immediate of 2 bytes is not minimally encoded: its last byte is zero",
        ),
        case(
            "truncated integer constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x00, 4, 1, 2]])),
            "constants[0].int.bytes",
            EXTRA + 6,
            "expected 4 bytes, found only 2 before the end of the `constants` section",
        ),
        case(
            "truncated f64 constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x02, 1, 2, 3]])),
            "constants[0].f64",
            EXTRA + 5,
            "expected 8 bytes, found only 3",
        ),
        case(
            "invalid UTF-8 in string constant",
            with(
                0,
                CONSTANTS,
                cat(&[&u32le(2), &[0x03], &lp(b"ok"), &[0x03], &lp(b"a\xFFb")]),
            ),
            "constants[1].utf8",
            EXTRA + 4 + 7 + 5 + 1,
            "invalid UTF-8: byte 0xFF at position 1 of the 3-byte string",
        ),
        case(
            "overlong UTF-8 in string constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x03], &lp(b"\xC0\x80")])),
            "constants[0].utf8",
            EXTRA + 9,
            "invalid UTF-8: byte 0xC0 at position 0",
        ),
        case(
            "truncated string constant",
            with(0, CONSTANTS, cat(&[&u32le(1), &[0x03], &u32le(10), b"abc"])),
            "constants[0].utf8",
            EXTRA + 9,
            "expected 10 bytes, found only 3",
        ),
        case(
            "huge bytes constant",
            with(
                0,
                CONSTANTS,
                cat(&[&u32le(1), &[0x04], &u32le(u32::MAX), b"xyz"]),
            ),
            "constants[0].bytes",
            EXTRA + 9,
            "expected 4294967295 bytes, found only 3",
        ),
        // ---- globals ----
        case(
            "reserved global flag",
            with(0, GLOBALS, cat(&[&u32le(1), &[0x02, 0]])),
            "globals[0].flags",
            EXTRA + 4,
            "reserved global flag bits 0x02 are set",
        ),
        case(
            "non-minimal global init",
            with(0, GLOBALS, cat(&[&u32le(1), &[0x01, 1, 0x00]])),
            "globals[0].init.bytes",
            EXTRA + 6,
            "not minimally encoded",
        ),
        case(
            "empty globals section",
            with(0, GLOBALS, u32le(0)),
            "globals.count",
            EXTRA,
            "the `globals` section lists nothing",
        ),
        // ---- memory ----
        case(
            "memory section describing nothing",
            with(0, MEMORY, cat(&[&u32le(0), &[0], &u32le(0)])),
            "memory",
            EXTRA,
            "the memory section describes no memory",
        ),
        case(
            "memory max flag not boolean",
            with(0, MEMORY, cat(&[&u32le(1), &[2], &u32le(0)])),
            "memory.has_max",
            EXTRA + 4,
            "expected 0 or 1, found 0x02",
        ),
        case(
            "truncated memory max",
            with(0, MEMORY, cat(&[&u32le(1), &[1, 5, 0]])),
            "memory.max_pages",
            EXTRA + 5,
            "expected 4 bytes, found only 2",
        ),
        case(
            "huge segment count",
            with(0, MEMORY, cat(&[&u32le(1), &[0], &u32le(1000)])),
            "memory.segments.count",
            EXTRA + 5,
            "count 1000 needs at least 12000 bytes, but only 0 remain",
        ),
        case(
            "truncated data segment",
            with(
                0,
                MEMORY,
                cat(&[
                    &u32le(1),
                    &[0],
                    &u32le(1),
                    &1024u64.to_le_bytes(),
                    &u32le(10),
                    b"abc",
                ]),
            ),
            "memory.segments[0].bytes",
            EXTRA + 21,
            "expected 10 bytes, found only 3",
        ),
        case(
            "trailing bytes in memory section",
            with(0, MEMORY, cat(&[&one_page, &[0]])),
            "memory",
            EXTRA + 9,
            "expected the end of the `memory` section, found 1 more byte(s)",
        ),
        // ---- exports ----
        case(
            "invalid UTF-8 in export name",
            with(0, EXPORTS, cat(&[&u32le(1), &lp(b"\xC3"), &u32le(0)])),
            "exports[0].name.utf8",
            EXTRA + 8,
            "invalid UTF-8: byte 0xC3 at position 0 of the 1-byte string",
        ),
        case(
            "truncated export function",
            with(0, EXPORTS, cat(&[&u32le(1), &lp(b"hello"), &[0, 0]])),
            "exports[0].func",
            EXTRA + 13,
            "expected 4 bytes, found only 2",
        ),
        case(
            "empty exports section",
            with(0, EXPORTS, u32le(0)),
            "exports.count",
            EXTRA,
            "the `exports` section lists nothing",
        ),
        // ---- debug ----
        case(
            "debug source flag not boolean",
            with(DEBUG_FLAG, DEBUG, patch(debug_empty.clone(), 0, &[2])),
            "debug.has_source",
            EXTRA,
            "expected 0 or 1, found 0x02",
        ),
        case(
            "invalid UTF-8 in source name",
            with(
                DEBUG_FLAG,
                DEBUG,
                cat(&[&[1], &lp(b"\xFF"), &u32le(0), &u32le(0)]),
            ),
            "debug.source.utf8",
            EXTRA + 5,
            "invalid UTF-8",
        ),
        case(
            "invalid UTF-8 in function name",
            with(
                DEBUG_FLAG,
                DEBUG,
                cat(&[&[0], &u32le(2), &lp(b"f"), &lp(b"\x80"), &u32le(0)]),
            ),
            "debug.function_names[1].utf8",
            EXTRA + 14,
            "invalid UTF-8: byte 0x80",
        ),
        case(
            "truncated debug section",
            with(DEBUG_FLAG, DEBUG, vec![0]),
            "debug.function_names.count",
            EXTRA + 1,
            "expected 4 bytes, found only 0 before the end of the `debug` section",
        ),
        case(
            "line table longer than its section",
            with(
                DEBUG_FLAG,
                DEBUG,
                cat(&[&[0], &u32le(0), &u32le(2), &[0; 12]]),
            ),
            "debug.lines.count",
            EXTRA + 5,
            "count 2 needs at least 24 bytes, but only 12 remain",
        ),
        case(
            "bytes after the line table that are not a source map",
            with(DEBUG_FLAG, DEBUG, cat(&[&debug_empty, &[0, 0]])),
            "debug.source_map.files.count",
            EXTRA + 9,
            "expected 4 bytes, found only 2 before the end of the `debug` section",
        ),
        case(
            "trailing bytes after the source map",
            with(
                DEBUG_FLAG,
                DEBUG,
                cat(&[
                    &debug_empty,
                    &u32le(1),
                    &lp(b"a.rs"),
                    &u32le(0),
                    &u32le(0),
                    &[7],
                ]),
            ),
            "debug",
            EXTRA + 9 + 20,
            "expected the end of the `debug` section, found 1 more byte(s)",
        ),
    ]
}

#[test]
fn hand_built_base_files_are_valid() {
    // The fixtures the malformed cases start from must themselves be accepted, so each case
    // fails for the one reason it names.
    let base = read_module(&base_file()).expect("base file");
    assert_eq!(base.functions[0].code, [0x07]);
    assert_eq!(base.functions[0].max_stack, 1);
    let debug = read_module(&with(DEBUG_FLAG, DEBUG, cat(&[&[0], &u32le(0), &u32le(0)])));
    assert_eq!(debug.expect("debug file").debug, Some(DebugInfo::default()));
    let memory = read_module(&with(0, MEMORY, cat(&[&u32le(1), &[0], &u32le(0)])));
    assert_eq!(memory.expect("memory file").memory.initial_pages, 1);
}

#[test]
fn malformed_files_are_rejected_with_field_and_offset() {
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are distinct");
    let mut failures = Vec::new();
    for case in &cases {
        match read_module(&case.bytes) {
            Ok(_) => failures.push(format!("{}: accepted", case.name)),
            Err(FormatError {
                offset,
                field,
                message,
            }) => {
                if field != case.field || offset != case.offset || !message.contains(case.message) {
                    failures.push(format!(
                        "{}: got {field} at {offset}: {message}\n   want {} at {}: …{}…",
                        case.name, case.field, case.offset, case.message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A small module that uses every section and every constant kind.
fn full_module() -> Module {
    Module {
        arch: Arch::Arch64,
        entry: 1,
        functions: vec![
            Function {
                params: 2,
                results: 1,
                locals: 1,
                max_stack: 3,
                code: vec![0x18, 0, 0, 0, 0, 0x07],
                ..Default::default()
            },
            Function {
                code: vec![0x10, 1, 42, 0x07],
                ..Function::default()
            },
        ],
        constants: vec![
            Constant::Int(Imm::from(300u32)),
            Constant::F32(1.5f32.to_bits()),
            Constant::F64(2.5f64.to_bits()),
            Constant::Str("hé".to_string()),
            Constant::Bytes(vec![1, 2]),
        ],
        globals: vec![Global {
            init: Imm::from(7u8),
            mutable: true,
        }],
        memory: Memory {
            initial_pages: 1,
            max_pages: Some(2),
            segments: vec![DataSegment {
                offset: 64,
                bytes: vec![9, 8],
            }],
        },
        exports: vec![Export {
            name: "main".to_string(),
            func: 1,
        }],
        debug: Some(DebugInfo {
            function_names: vec!["add".to_string()],
            source: Some("a.dasm".to_string()),
            lines: vec![LineEntry {
                func: 0,
                pc: 0,
                line: 3,
            }],
            source_map: Default::default(),
        }),
        ..Default::default()
    }
}

/// Checks the reader's contract on arbitrary bytes: an error points inside the file (or at
/// its end) and names a field; a success is the canonical encoding of what it returns.
fn check_reader_contract(bytes: &[u8]) {
    match read_module(bytes) {
        Ok(module) => assert_eq!(write_module(&module), bytes),
        Err(err) => {
            assert!(err.offset <= bytes.len(), "{err}");
            assert!(!err.field.is_empty() && !err.message.is_empty());
        }
    }
}

#[test]
fn every_truncation_is_rejected_without_panicking() {
    let bytes = write_module(&full_module());
    for len in 0..bytes.len() {
        let err = read_module(&bytes[..len]).expect_err("a strict prefix is never a file");
        assert!(err.offset <= len, "prefix {len}: {err}");
    }
    assert_eq!(read_module(&bytes), Ok(full_module()));
}

#[test]
fn every_byte_flip_is_handled_without_panicking() {
    let bytes = write_module(&full_module());
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut mutated = bytes.clone();
            mutated[i] ^= 1 << bit;
            check_reader_contract(&mutated);
        }
        let mut mutated = bytes.clone();
        mutated[i] ^= 0xFF;
        check_reader_contract(&mutated);
    }
}
