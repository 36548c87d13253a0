//! Round-trip properties of the bytecode format: `read(write(m)) == m` for any module, the
//! writer is deterministic, and the byte layout of a small module is exactly as documented.

use dotvm_core::format::{read_module, write_module};
use dotvm_core::module::{
    Constant, DataSegment, DebugInfo, Export, Function, Global, InlinedCall, LineEntry, Memory,
    Module, SourceEntry, SourceLoc, SourceMap,
};
use dotvm_core::{Arch, Imm};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Any immediate, biased towards short encodings but reaching all 64 bytes.
fn imm() -> impl Strategy<Value = Imm> {
    prop_oneof![
        Just(Imm::ZERO),
        Just(Imm::MAX),
        any::<u64>().prop_map(Imm::from),
        vec(any::<u8>(), 0..=64).prop_map(|bytes| {
            let mut full = [0u8; 64];
            full[..bytes.len()].copy_from_slice(&bytes);
            Imm::from_le_bytes(full)
        }),
    ]
}

fn function() -> impl Strategy<Value = Function> {
    (
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        vec(any::<u8>(), 0..24),
    )
        .prop_map(|(params, results, locals, max_stack, code)| Function {
            params,
            results,
            locals,
            max_stack,
            code,
            ..Default::default()
        })
}

fn constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        imm().prop_map(Constant::Int),
        any::<u32>().prop_map(Constant::F32),
        any::<u64>().prop_map(Constant::F64),
        any::<String>().prop_map(Constant::Str),
        vec(any::<u8>(), 0..16).prop_map(Constant::Bytes),
    ]
}

fn memory() -> impl Strategy<Value = Memory> {
    let segment = (any::<u64>(), vec(any::<u8>(), 0..16))
        .prop_map(|(offset, bytes)| DataSegment { offset, bytes });
    prop_oneof![
        Just(Memory::default()),
        (any::<u32>(), option::of(any::<u32>()), vec(segment, 0..4)).prop_map(
            |(initial_pages, max_pages, segments)| Memory {
                initial_pages,
                max_pages,
                segments,
            }
        ),
    ]
}

fn debug_info() -> impl Strategy<Value = DebugInfo> {
    let line = (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(func, pc, line)| LineEntry {
        func,
        pc,
        line,
    });
    (
        vec(any::<String>(), 0..4),
        option::of(any::<String>()),
        vec(line, 0..4),
        source_map(),
    )
        .prop_map(|(function_names, source, lines, source_map)| DebugInfo {
            function_names,
            source,
            lines,
            source_map,
        })
}

/// A source map whose rows are ordered and refer to existing files and names (the writer's
/// precondition), with any numbers in them.
fn source_map() -> impl Strategy<Value = SourceMap> {
    let loc = (0u32..3, any::<u32>(), any::<u32>());
    let call = (0u32..2, loc.clone());
    let row = (0u32..3, 1u32..u32::MAX / 8, loc, vec(call, 0..3));
    (
        vec(any::<String>(), 0..3),
        vec(any::<String>(), 0..3),
        vec(row, 0..6),
    )
        .prop_map(|(mut files, mut names, rows)| {
            if rows.is_empty() {
                return SourceMap {
                    files,
                    names,
                    entries: Vec::new(),
                };
            }
            files.resize(3, "f.rs".into());
            names.resize(2, "inlined".into());
            let (mut func, mut pc) = (0, 0);
            let entries = rows
                .into_iter()
                .map(|(func_step, pc_step, (file, line, column), calls)| {
                    if func_step > 0 {
                        func += func_step;
                        pc = 0;
                    }
                    pc += pc_step;
                    let as_loc = |(file, line, column)| SourceLoc { file, line, column };
                    SourceEntry {
                        func,
                        pc,
                        loc: as_loc((file, line, column)),
                        inlined: calls
                            .into_iter()
                            .map(|(name, call)| InlinedCall {
                                name,
                                call: as_loc(call),
                            })
                            .collect(),
                    }
                })
                .collect();
            SourceMap {
                files,
                names,
                entries,
            }
        })
}

fn module() -> impl Strategy<Value = Module> {
    let export = (any::<String>(), any::<u32>()).prop_map(|(name, func)| Export { name, func });
    let global = (imm(), any::<bool>()).prop_map(|(init, mutable)| Global { init, mutable });
    (
        prop::sample::select(Arch::ALL.to_vec()),
        any::<u32>(),
        vec(function(), 0..5),
        vec(constant(), 0..6),
        vec(global, 0..4),
        memory(),
        vec(export, 0..4),
        option::of(debug_info()),
    )
        .prop_map(
            |(arch, entry, functions, constants, globals, memory, exports, debug)| Module {
                arch,
                entry,
                functions,
                constants,
                globals,
                memory,
                exports,
                debug,
                ..Default::default()
            },
        )
}

proptest! {
    #[test]
    fn read_of_write_is_the_identity(m in module()) {
        let bytes = write_module(&m);
        prop_assert_eq!(read_module(&bytes), Ok(m));
    }

    #[test]
    fn write_is_deterministic(m in module()) {
        let copy = m.clone();
        prop_assert_eq!(write_module(&m), write_module(&copy));
    }

    #[test]
    fn mutated_files_read_back_canonically_or_fail(
        m in module(),
        at in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let mut bytes = write_module(&m);
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        if let Ok(read) = read_module(&bytes) {
            prop_assert_eq!(write_module(&read), bytes);
        }
    }
}

#[test]
fn smallest_module_has_the_documented_bytes() {
    let module = Module {
        functions: vec![Function {
            code: vec![0x07],
            ..Function::default()
        }],
        ..Module::default()
    };
    let bytes = write_module(&module);
    #[rustfmt::skip]
    let expected: Vec<u8> = [
        &b"DOTV"[..], &[1, 0], &[0x01], &[0x00], &[0; 8],  // header: version 1, arch64, no flags, entry 0
        &[2, 0, 0, 0],                                      // two sections
        &[1, 0, 0, 0], &[44, 0, 0, 0], &[22, 0, 0, 0],      // functions: bytes 44..66
        &[2, 0, 0, 0], &[66, 0, 0, 0], &[1, 0, 0, 0],       // code: bytes 66..67
        &[1, 0, 0, 0],                                      // one function
        &[0, 0, 0, 0, 0, 0], &[0; 4], &[0; 4], &[1, 0, 0, 0], // signature, max_stack, code 0..1
        &[0x07],                                            // RET
    ]
    .concat();
    assert_eq!(bytes, expected);
    assert_eq!(read_module(&bytes), Ok(module));
}

#[test]
fn optional_sections_are_omitted_and_debug_sets_the_flag() {
    let plain = write_module(&Module::default());
    assert_eq!(plain[7], 0, "no flags without debug info");
    assert_eq!(u32::from_le_bytes(plain[16..20].try_into().unwrap()), 2);

    let with_debug = Module {
        debug: Some(DebugInfo::default()),
        ..Module::default()
    };
    let bytes = write_module(&with_debug);
    assert_eq!(bytes[7], 0x01);
    assert_eq!(u32::from_le_bytes(bytes[16..20].try_into().unwrap()), 3);
    assert_eq!(read_module(&bytes), Ok(with_debug));
}

/// A module using every linking section: types, function types, tables, element and
/// passive data segments, host imports.
fn linked_module() -> Module {
    use dotvm_core::module::{ElemSegment, FuncType, Import, RefKind, SigType, Table};
    Module {
        functions: vec![
            Function {
                code: vec![0x07],
                ty: Some(1),
                ..Function::default()
            },
            Function {
                code: vec![0x07],
                ..Function::default()
            },
        ],
        types: vec![
            FuncType::default(),
            FuncType {
                params: vec![SigType::I64, SigType::FuncRef],
                results: vec![SigType::ExternRef],
            },
        ],
        tables: vec![
            Table {
                kind: RefKind::Func,
                initial: 3,
                max: Some(10),
            },
            Table {
                kind: RefKind::Extern,
                initial: 0,
                max: None,
            },
        ],
        elements: vec![ElemSegment {
            kind: RefKind::Func,
            items: vec![0, 1, 2],
        }],
        data: vec![b"passive".to_vec(), Vec::new()],
        imports: vec![Import {
            module: "env".into(),
            name: "f".into(),
            ty: 0,
        }],
        ..Module::default()
    }
}

#[test]
fn linking_sections_round_trip() {
    let module = linked_module();
    let bytes = write_module(&module);
    assert_eq!(read_module(&bytes), Ok(module.clone()));
    // Each linking section is present only when it has content.
    for (strip, sections) in [(0usize, 6u32), (1, 5), (2, 4), (3, 3)] {
        let mut m = module.clone();
        if strip >= 1 {
            m.imports.clear();
        }
        if strip >= 2 {
            m.data.clear();
        }
        if strip >= 3 {
            m.tables.clear();
            m.elements.clear();
        }
        let bytes = write_module(&m);
        assert_eq!(
            u32::from_le_bytes(bytes[16..20].try_into().unwrap()),
            sections
        );
        assert_eq!(read_module(&bytes), Ok(m));
    }
}

#[test]
fn malformed_linking_sections_are_rejected() {
    let bytes = write_module(&linked_module());
    // Flip the first table's kind byte to an unknown kind: find it through the section table.
    let count = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let entry = (0..count)
        .map(|i| 20 + 12 * i)
        .find(|&at| bytes[at] == 9)
        .expect("tables section");
    let offset = u32::from_le_bytes(bytes[entry + 4..entry + 8].try_into().unwrap()) as usize;
    let mut bad = bytes.clone();
    bad[offset + 4] = 7;
    let err = read_module(&bad).unwrap_err();
    assert!(
        err.to_string().contains("unknown reference kind 0x07"),
        "{err}"
    );
    assert!(err.to_string().contains("tables[0].kind"), "{err}");
}

#[test]
fn a_signature_section_round_trips_and_covers_everything_before_it() {
    use dotvm_core::format::{flags, signed_message};
    use dotvm_core::module::Signature;
    let unsigned = linked_module();
    let public_key = [7; 32];
    let signed = Module {
        signature: Some(Signature {
            public_key,
            signature: [9; 64],
        }),
        ..unsigned.clone()
    };
    let bytes = write_module(&signed);
    assert_eq!(bytes[7] & flags::SIGNED, flags::SIGNED);
    assert_eq!(read_module(&bytes), Ok(signed.clone()));
    let message = signed_message(&unsigned, public_key);
    assert_eq!(&bytes[..message.len()], &message[..]);
    assert_eq!(bytes.len(), message.len() + Signature::BODY_LEN);
    // The message does not depend on an existing signature.
    assert_eq!(signed_message(&signed, public_key), message);
    assert_eq!(&bytes[message.len()..][..1], &[Signature::ED25519]);
}
