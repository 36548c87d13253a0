//! The malformed-input table: every bad file is rejected by `dotvm verify` and `dotvm run`
//! with a precise message and exit status 1, never a panic.

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
