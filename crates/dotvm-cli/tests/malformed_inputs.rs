//! The malformed-input table: every bad file is rejected by `dotvm verify` and `dotvm run`
//! with a precise message and exit status 1, never a panic. Each file's exact error is kept
//! in `malformed_inputs.golden` (`DOTVM_BLESS=1` rewrites it after a deliberate change).

use dotvm_core::format::write_module;
use dotvm_core::instruction::{Imm, Instruction, Operand};
use dotvm_core::module::{Constant, DataSegment, Export, Function, Global, Memory, Module};
use dotvm_core::{Arch, Opcode};
use std::path::Path;
use std::process::Command;

fn op(opcode: Opcode) -> Instruction {
    Instruction::simple(opcode)
}

fn with(opcode: Opcode, operand: Operand) -> Instruction {
    Instruction { opcode, operand }
}

fn push(value: u64) -> Instruction {
    with(Opcode::Push, Operand::Imm(Imm::from(value)))
}

fn func(params: u16, results: u16, max_stack: u32, code: &[Instruction]) -> Function {
    Function {
        params,
        results,
        locals: 0,
        max_stack,
        code: Instruction::encode_all(code),
        ..Default::default()
    }
}

/// A valid module: `main` prints 42 and halts; a helper `add(a, b)`; a constant, a global,
/// one page of memory, an export.
fn valid_module() -> Module {
    Module {
        arch: Arch::Arch64,
        entry: 0,
        functions: vec![
            func(
                0,
                0,
                4,
                &[
                    push(40),
                    push(2),
                    with(Opcode::Call, Operand::Index(1)),
                    with(Opcode::Syscall, Operand::Syscall(1)),
                    op(Opcode::Halt),
                ],
            ),
            func(
                2,
                1,
                2,
                &[
                    with(Opcode::LocalGet, Operand::Index(0)),
                    with(Opcode::LocalGet, Operand::Index(1)),
                    op(Opcode::Add),
                    op(Opcode::Ret),
                ],
            ),
        ],
        constants: vec![Constant::Int(Imm::from(7u64))],
        globals: vec![Global {
            init: Imm::from(1u64),
            mutable: false,
        }],
        memory: Memory {
            initial_pages: 1,
            max_pages: Some(2),
            segments: vec![],
        },
        exports: vec![Export {
            name: "main".into(),
            func: 0,
        }],
        debug: None,
        ..Default::default()
    }
}

/// A valid module whose `main` is replaced by `code` (max_stack 8).
fn main_code(code: &[Instruction]) -> Module {
    let mut module = valid_module();
    module.functions[0] = func(0, 0, 8, code);
    module
}

fn raw_main(code: Vec<u8>) -> Module {
    let mut module = valid_module();
    module.functions[0].code = code;
    module
}

fn valid_bytes() -> Vec<u8> {
    write_module(&valid_module())
}

/// `valid_bytes` with `f` applied.
fn mutated(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = valid_bytes();
    f(&mut bytes);
    bytes
}

/// Byte offset of the section-table entry `index` (after the 16-byte header and the count).
fn entry_at(index: usize) -> usize {
    16 + 4 + 12 * index
}

/// (name, file bytes, phrase the error must contain)
fn table() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    use Opcode::*;
    let mut cases: Vec<(&'static str, Vec<u8>, &'static str)> = vec![
        ("empty file", vec![], "header.magic"),
        ("bad magic", mutated(|b| b[3] = b'X'), "expected magic"),
        ("unknown version", mutated(|b| b[4] = 9), "version"),
        (
            "unknown architecture",
            mutated(|b| b[6] = 7),
            "architecture",
        ),
        ("compressed flag", mutated(|b| b[7] = 0x02), "not supported"),
        ("encrypted flag", mutated(|b| b[7] = 0x04), "not supported"),
        (
            "signed flag without a signature",
            mutated(|b| b[7] = 0x08),
            "the SIGNED flag (0x08) is set but the file has no signature section",
        ),
        (
            "reserved flag bit",
            mutated(|b| b[7] = 0x80),
            "header.flags",
        ),
        (
            "debug flag without section",
            mutated(|b| b[7] = 0x01),
            "DEBUG flag",
        ),
        ("truncated header", mutated(|b| b.truncate(10)), "at byte"),
        (
            "truncated section table",
            mutated(|b| b.truncate(22)),
            "section_table",
        ),
        (
            "huge section count",
            mutated(|b| b[16..20].copy_from_slice(&u32::MAX.to_le_bytes())),
            "section_table.count",
        ),
        (
            "unknown section id",
            mutated(|b| b[entry_at(0)] = 0x2A),
            "unknown section id",
        ),
        (
            "duplicate section",
            mutated(|b| b[entry_at(1)] = 1),
            "duplicate",
        ),
        (
            "reserved section byte",
            mutated(|b| b[entry_at(0) + 1] = 1),
            "reserved",
        ),
        (
            "section offset past end",
            mutated(|b| {
                let at = entry_at(0) + 4;
                b[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
            }),
            "past the end",
        ),
        (
            "section length past end",
            mutated(|b| {
                let at = entry_at(0) + 8;
                b[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
            }),
            "past the end of the file",
        ),
        (
            "overlapping sections",
            mutated(|b| {
                let at = entry_at(1) + 4;
                let offset = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) - 1;
                b[at..at + 4].copy_from_slice(&offset.to_le_bytes());
            }),
            "overlapping",
        ),
        ("trailing garbage", mutated(|b| b.push(0)), "file"),
        (
            "truncated last section",
            mutated(|b| {
                b.pop();
            }),
            "at byte",
        ),
        (
            "entry index beyond u32",
            mutated(|b| b[8..16].copy_from_slice(&u64::MAX.to_le_bytes())),
            "header.entry",
        ),
    ];
    let verifier_cases: Vec<(&'static str, Module, &'static str)> = vec![
        (
            "unknown opcode",
            raw_main(vec![0xEE]),
            "unknown opcode 0xEE",
        ),
        (
            "truncated operand",
            raw_main(vec![Jmp as u8, 0, 0]),
            "truncated",
        ),
        (
            "jump into the middle of an instruction",
            main_code(&[with(Jmp, Operand::Target(2)), push(1000), op(Halt)]),
            "inside the",
        ),
        (
            "jump outside the function",
            main_code(&[with(Jmp, Operand::Target(500)), op(Halt)]),
            "target 500",
        ),
        (
            "stack underflow on one path",
            main_code(&[
                push(1),
                with(Jz, Operand::Target(13)),
                push(5),
                op(Pop),
                op(Halt),
                op(Pop),
                op(Halt),
            ]),
            "underflow",
        ),
        (
            "stack height mismatch at a join",
            main_code(&[
                push(1),
                with(Jz, Operand::Target(11)),
                push(5),
                op(Nop),
                op(Halt),
            ]),
            "height",
        ),
        (
            "call to a missing function",
            main_code(&[with(Call, Operand::Index(9)), op(Halt)]),
            "function 9",
        ),
        (
            "wrong arity at a call",
            main_code(&[push(1), with(Call, Operand::Index(1)), op(Halt)]),
            "underflow",
        ),
        (
            "constant index out of range",
            main_code(&[with(PushConst, Operand::Index(5)), op(Halt)]),
            "constant 5",
        ),
        (
            "local index out of range",
            main_code(&[with(LocalGet, Operand::Index(3)), op(Halt)]),
            "local 3",
        ),
        (
            "global index out of range",
            main_code(&[with(GlobalGet, Operand::Index(4)), op(Halt)]),
            "global 4",
        ),
        (
            "set of an immutable global",
            main_code(&[push(1), with(GlobalSet, Operand::Index(0)), op(Halt)]),
            "immutable",
        ),
        (
            "stack above declared max",
            {
                let mut m = main_code(&[push(1), push(2), push(3), op(Halt)]);
                m.functions[0].max_stack = 2;
                m
            },
            "max",
        ),
        ("falls off the end", main_code(&[push(1), op(Pop)]), "end"),
        (
            "unknown system call",
            main_code(&[with(Syscall, Operand::Syscall(999)), op(Halt)]),
            "999",
        ),
        (
            "pick deeper than the stack",
            main_code(&[push(1), with(Pick, Operand::Depth(3)), op(Halt)]),
            "PICK",
        ),
        (
            "return with too few results",
            {
                let mut m = valid_module();
                m.functions[1] = func(2, 1, 2, &[op(Ret)]);
                m
            },
            "RET",
        ),
        ("empty function body", raw_main(vec![]), "has no code"),
        (
            "entry point out of range",
            {
                let mut m = valid_module();
                m.entry = 7;
                m
            },
            "entry",
        ),
        (
            "entry point with parameters",
            {
                let mut m = valid_module();
                m.entry = 1;
                m
            },
            "entry",
        ),
        (
            "export of a missing function",
            {
                let mut m = valid_module();
                m.exports[0].func = 12;
                m
            },
            "export",
        ),
        (
            "duplicate export name",
            {
                let mut m = valid_module();
                m.exports.push(Export {
                    name: "main".into(),
                    func: 1,
                });
                m
            },
            "main",
        ),
        (
            "immediate wider than the arch32 word",
            {
                let mut m = main_code(&[push(1 << 40), op(Pop), op(Halt)]);
                m.arch = Arch::Arch32;
                m
            },
            "does not fit",
        ),
        (
            "constant wider than the arch32 word",
            {
                let mut m = valid_module();
                m.arch = Arch::Arch32;
                m.constants[0] = Constant::Int(Imm::from(u64::MAX));
                m
            },
            "fit",
        ),
        (
            "data segment outside memory",
            {
                let mut m = valid_module();
                m.memory.segments.push(DataSegment {
                    offset: 65530,
                    bytes: vec![1; 10],
                });
                m
            },
            "segment",
        ),
        (
            "data segment over the read-only region",
            {
                let mut m = valid_module();
                m.constants.push(Constant::Str("hello".into()));
                m.memory.segments.push(DataSegment {
                    offset: 2,
                    bytes: vec![1],
                });
                m
            },
            "read-only",
        ),
        (
            "max pages below initial",
            {
                let mut m = valid_module();
                m.memory.max_pages = Some(0);
                m.memory.initial_pages = 1;
                m
            },
            "max",
        ),
    ];
    cases.extend(
        verifier_cases
            .into_iter()
            .map(|(name, module, phrase)| (name, write_module(&module), phrase)),
    );
    cases
}

fn dotvm(args: &[&str], file: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .arg(file)
        .output()
        .expect("run dotvm");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn valid_module_passes_both_commands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("valid.dotvm");
    std::fs::write(&path, valid_bytes()).unwrap();
    assert_eq!(dotvm(&["verify"], &path).0, Some(0));
    let output = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42");
}

#[test]
fn every_malformed_input_is_rejected_precisely() {
    let cases = table();
    assert!(cases.len() >= 40, "the table must hold at least 40 cases");
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, (name, bytes, phrase)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.dotvm"));
        std::fs::write(&path, bytes).unwrap();
        for command in ["verify", "run"] {
            let (code, stderr) = dotvm(&[command], &path);
            let ok = code == Some(1)
                && stderr.starts_with("error: ")
                && stderr.contains(phrase)
                && !stderr.contains("panicked");
            if !ok {
                failures.push(format!(
                    "{name} ({command}): exit {code:?}, wanted 1 and `{phrase}` in: {}",
                    stderr.trim()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Files beyond [`table`]: other kinds of files, every header field, each section body's
/// fields, signatures and more verifier rules.
fn more_cases() -> Vec<(&'static str, Vec<u8>)> {
    use Opcode::*;
    let valid = valid_bytes();
    let sections = dotvm_core::format::section_table(&valid).unwrap();
    let body =
        |id: dotvm_core::format::SectionId| sections.iter().find(|s| s.id == id).unwrap().offset;
    use dotvm_core::format::SectionId as S;
    let mut cases: Vec<(&'static str, Vec<u8>)> = vec![
        ("a text file", b"hello, world\n".to_vec()),
        ("a WebAssembly binary", b"\0asm\x01\0\0\0".to_vec()),
        (
            "an ELF header",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec(),
        ),
        ("a gzip header", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
        ("magic only", b"DOTV".to_vec()),
        (
            "lower-case magic",
            mutated(|b| b[..4].copy_from_slice(b"dotv")),
        ),
        ("version 0", mutated(|b| b[4] = 0)),
        ("version 2", mutated(|b| b[4] = 2)),
        ("version high byte", mutated(|b| b[5] = 1)),
        ("architecture 0x05", mutated(|b| b[6] = 5)),
        ("architecture 0xFF", mutated(|b| b[6] = 0xFF)),
        ("flags 0x10", mutated(|b| b[7] = 0x10)),
        ("flags 0x06", mutated(|b| b[7] = 0x06)),
        ("entry high bits", mutated(|b| b[12] = 1)),
        ("header cut at 5", mutated(|b| b.truncate(5))),
        ("header cut at 7", mutated(|b| b.truncate(7))),
        ("header cut at 15", mutated(|b| b.truncate(15))),
        ("no section table", mutated(|b| b.truncate(16))),
        ("section count zero", {
            let mut b = valid_bytes()[..16].to_vec();
            b.extend(0u32.to_le_bytes());
            b
        }),
        ("section id 0x0D", mutated(|b| b[entry_at(0)] = 0x0D)),
        (
            "sections out of order",
            mutated(|b| {
                b[entry_at(0)] = 2;
                b[entry_at(1)] = 1;
            }),
        ),
        (
            "reserved section byte 3",
            mutated(|b| b[entry_at(1) + 3] = 0x80),
        ),
        (
            "section offset zero",
            mutated(|b| b[entry_at(0) + 4..entry_at(0) + 8].copy_from_slice(&0u32.to_le_bytes())),
        ),
        (
            "section gap",
            mutated(|b| {
                let at = entry_at(1) + 4;
                let offset = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) + 1;
                b[at..at + 4].copy_from_slice(&offset.to_le_bytes());
            }),
        ),
        (
            "functions count huge",
            mutated(|b| {
                let at = body(S::Functions);
                b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            }),
        ),
        (
            "functions count zero",
            mutated(|b| {
                let at = body(S::Functions);
                b[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
            }),
        ),
        (
            "function code offset gap",
            mutated(|b| {
                let at = body(S::Functions) + 4 + 18 + 10;
                b[at] += 1;
            }),
        ),
        (
            "function code length past the code",
            mutated(|b| {
                let at = body(S::Functions) + 4 + 18 + 14;
                b[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
            }),
        ),
        (
            "constant tag 0x09",
            mutated(|b| b[body(S::Constants) + 4] = 9),
        ),
        (
            "constant immediate past its section",
            mutated(|b| {
                let at = body(S::Constants) + 5;
                b[at] = 2;
            }),
        ),
        (
            "constant immediate longer than 64 bytes",
            mutated(|b| b[body(S::Constants) + 5] = 65),
        ),
        (
            "constants count zero",
            mutated(|b| {
                let at = body(S::Constants);
                b[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
            }),
        ),
        ("global flag 0x02", mutated(|b| b[body(S::Globals) + 4] = 2)),
        (
            "global flag 0x81",
            mutated(|b| b[body(S::Globals) + 4] = 0x81),
        ),
        ("memory has_max 2", mutated(|b| b[body(S::Memory) + 4] = 2)),
        (
            "memory segment count huge",
            mutated(|b| {
                let at = body(S::Memory) + 9;
                b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            }),
        ),
        (
            "export name not UTF-8",
            mutated(|b| b[body(S::Exports) + 8] = 0xFF),
        ),
        (
            "export name length huge",
            mutated(|b| {
                let at = body(S::Exports) + 4;
                b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            }),
        ),
        (
            "exports count zero",
            mutated(|b| {
                let at = body(S::Exports);
                b[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
            }),
        ),
        ("signed flag with trailing signature bytes", {
            let mut m = valid_module();
            m.signature = Some(dotvm_core::module::Signature {
                public_key: [1; 32],
                signature: [2; 64],
            });
            let mut b = write_module(&m);
            b.push(0);
            b
        }),
        ("signature algorithm 0x11", {
            let mut m = valid_module();
            m.signature = Some(dotvm_core::module::Signature {
                public_key: [1; 32],
                signature: [2; 64],
            });
            let mut b = write_module(&m);
            let at = b.len() - 97;
            b[at] = 0x11;
            b
        }),
        ("signature without the flag", {
            let mut m = valid_module();
            m.signature = Some(dotvm_core::module::Signature {
                public_key: [1; 32],
                signature: [2; 64],
            });
            let mut b = write_module(&m);
            b[7] = 0;
            b
        }),
    ];
    let verifier: Vec<(&'static str, Module)> = vec![
        ("unknown two-byte opcode", raw_main(vec![0xFF, 0xFF])),
        (
            "selector of another family",
            raw_main(vec![0xF9, 0x00, 0x10]),
        ),
        ("push of 65 bytes", raw_main(vec![Push as u8, 65])),
        (
            "non-minimal push",
            raw_main(vec![Push as u8, 1, 0, Halt as u8]),
        ),
        (
            "jump table without targets",
            raw_main({
                let mut code = vec![Push as u8, 0];
                code.extend(Instruction::encode_all(&[with(
                    JmpTable,
                    Operand::Targets(vec![]),
                )]));
                code.push(Halt as u8);
                code
            }),
        ),
        (
            "store of one value",
            main_code(&[push(8), with(Store8, Operand::Offset(0)), op(Halt)]),
        ),
        (
            "call with missing arguments",
            main_code(&[with(Call, Operand::Index(1)), op(Halt)]),
        ),
        (
            "local set without a value",
            main_code(&[with(LocalSet, Operand::Index(0)), op(Halt)]),
        ),
        ("return from main with a value", {
            let mut m = main_code(&[push(1), push(2), op(Ret)]);
            m.functions[0].results = 2;
            m
        }),
        ("callee with more parameters than pushed", {
            let mut m = valid_module();
            m.functions[1].params = 3;
            m
        }),
        ("arch32 global wider than the word", {
            let mut m = valid_module();
            m.arch = Arch::Arch32;
            m.globals[0].init = Imm::from(1u64 << 33);
            m
        }),
        ("data segment at the end of memory", {
            let mut m = valid_module();
            m.memory.segments.push(DataSegment {
                offset: u64::MAX,
                bytes: vec![1],
            });
            m
        }),
        ("initial memory above the maximum", {
            let mut m = valid_module();
            m.memory.initial_pages = 3;
            m
        }),
        (
            "drop-keep deeper than the stack",
            main_code(&[push(1), with(DropKeep, Operand::Pair(3, 1)), op(Halt)]),
        ),
        (
            "syscall without its arguments",
            main_code(&[with(Syscall, Operand::Syscall(4)), op(Halt)]),
        ),
    ];
    cases.extend(
        verifier
            .into_iter()
            .map(|(name, module)| (name, write_module(&module))),
    );
    cases
}

/// The exact first line `dotvm verify` prints for each file, with its path as `FILE`.
#[test]
fn every_malformed_input_has_its_exact_error() {
    let mut cases: Vec<(&str, Vec<u8>)> = table()
        .into_iter()
        .map(|(name, bytes, _)| (name, bytes))
        .collect();
    cases.extend(more_cases());
    assert!(cases.len() >= 100, "the table holds {} files", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let mut actual = String::new();
    for (i, (name, bytes)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.dotvm"));
        std::fs::write(&path, bytes).unwrap();
        let (code, stderr) = dotvm(&["verify"], &path);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let line = stderr
            .lines()
            .next()
            .unwrap_or("")
            .replace(&path.display().to_string(), "FILE");
        actual.push_str(&format!("{name}\t{line}\n"));
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed_inputs.golden");
    if std::env::var_os("DOTVM_BLESS").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    let differences: Vec<String> = expected
        .lines()
        .zip(actual.lines())
        .filter(|(want, got)| want != got)
        .map(|(want, got)| format!("want {want}\n got {got}"))
        .collect();
    assert!(
        differences.is_empty() && expected.lines().count() == actual.lines().count(),
        "exact errors changed (DOTVM_BLESS=1 rewrites the golden file):\n{}",
        differences.join("\n")
    );
}
