//! Assembler/disassembler round trips: generated modules survive `assemble(disassemble(m))`
//! unchanged, and hand-written programs assemble to the expected code and layout.

use dotvm_core::Arch;
use dotvm_core::LaneWidth;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::disasm::disassemble;
use dotvm_core::instruction::{Imm, Instruction, Operand};
use dotvm_core::isa::{Opcode, OperandKind};
use dotvm_core::module::{
    Constant, DataSegment, DebugInfo, Export, Function, Global, LineEntry, Memory, Module,
    PAGE_SIZE,
};
use dotvm_core::shape::Shape;
use dotvm_core::syscall::Syscall;
use dotvm_core::verify::verify;
use proptest::prelude::*;

/// Sums 1..=10 in a counting loop.
const LOOP: &str = "
        ; sum 1..=10
        .func main results=1 locals=2 max_stack=2
            .local i
            .local sum
            PUSH 10
            LOCAL_SET i
        loop:
            LOCAL_GET sum
            LOCAL_GET i
            ADD
            LOCAL_SET sum
            LOCAL_GET i
            PUSH 1
            SUB
            LOCAL_TEE i
            JNZ loop
            LOCAL_GET sum
            RET
        .end
";

/// Recursive Fibonacci, called before it is defined.
const FIB: &str = "
        .func main results=1 max_stack=1
            PUSH 20
            CALL fib
            RET
        .end
        .func fib results=1 max_stack=3 export
            .param n
            LOCAL_GET n
            PUSH 2
            LT_U
            JZ recurse
            LOCAL_GET n
            RET
        recurse:
            LOCAL_GET n
            PUSH 1
            SUB
            CALL fib
            LOCAL_GET n
            PUSH 2
            SUB
            CALL fib
            ADD
            RET
        .end
";

fn asm(source: &str) -> Module {
    assemble(source, "test.dasm", &AsmOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n--- source ---\n{source}"))
}

fn code(module: &Module, func: usize) -> Vec<(u32, Instruction)> {
    Instruction::decode_all(&module.functions[func].code).expect("decodable")
}

fn op(opcode: Opcode, operand: Operand) -> Instruction {
    Instruction { opcode, operand }
}

fn imm(v: u64) -> Operand {
    Operand::Imm(Imm::from(v))
}

/// Asserts the disassembly of `module` assembles back to it.
fn assert_round_trip(module: &Module) {
    let text = disassemble(module);
    match assemble(&text, "rt.dasm", &AsmOptions::default()) {
        Ok(back) => assert_eq!(&back, module, "round trip changed the module:\n{text}"),
        Err(e) => panic!("disassembly does not assemble: {e}\n{text}"),
    }
}

#[test]
fn counting_loop() {
    let m = asm(LOOP);
    assert_eq!(m.entry, 0);
    let f = &m.functions[0];
    assert_eq!((f.params, f.results, f.locals, f.max_stack), (0, 1, 2, 2));
    let insts = code(&m, 0);
    let loop_pc = insts[2].0;
    assert_eq!(insts[0].1, op(Opcode::Push, imm(10)));
    assert_eq!(insts[1].1, op(Opcode::LocalSet, Operand::Index(0)));
    assert_eq!(insts[2].1, op(Opcode::LocalGet, Operand::Index(1)));
    assert_eq!(insts[9].1, op(Opcode::LocalTee, Operand::Index(0)));
    assert_eq!(insts[10].1, op(Opcode::Jnz, Operand::Target(loop_pc)));
    assert_eq!(insts.len(), 13);
    assert_eq!(
        m.debug.as_ref().map(|d| d.function_names.clone()),
        Some(vec!["main".to_string()])
    );
    assert_round_trip(&m);
}

#[test]
fn recursive_fib_called_before_definition() {
    let m = asm(FIB);
    assert_eq!(m.functions.len(), 2);
    assert_eq!(m.functions[1].params, 1);
    assert_eq!(code(&m, 0)[1].1, op(Opcode::Call, Operand::Index(1)));
    let fib = code(&m, 1);
    let recurse = fib[6].0;
    assert_eq!(fib[3].1, op(Opcode::Jz, Operand::Target(recurse)));
    assert_eq!(fib[9].1, op(Opcode::Call, Operand::Index(1)));
    assert_eq!(
        m.exports,
        vec![Export {
            name: "fib".into(),
            func: 1
        }]
    );
    assert_round_trip(&m);
}

#[test]
fn strings_data_and_layout() {
    let m = asm(r#"
        .arch arch64
        .const NEWLINE '\n'
        .const ANSWER 0x2a
        .pool greeting str "Hello, \u{e9}!\n"
        .pool pi f64 3.141592653589793
        .pool blob bytes x"00 ff 10"
        .data msg "dot\tvm\x00"
        .data table u32 1, 2, -1 u8 ANSWER 'A' word -2
        .data fixed at 4096 u16 0xBEEF zero 3
        .global counter 0 mut
        .global limit msg.len
        .func main max_stack=3
            PUSH_CONST greeting
            SYSCALL print_bytes
            PUSH msg
            PUSH msg.len
            SYSCALL 4
            PUSH NEWLINE
            SYSCALL print_char
            PUSH table
            LOAD32_U +4
            GLOBAL_SET counter
            PUSH -1
            POP
            HALT
        .end
    "#);
    let greeting = "Hello, é!\n";
    assert_eq!(
        m.constants,
        vec![
            Constant::Str(greeting.into()),
            Constant::F64(std::f64::consts::PI.to_bits()),
            Constant::Bytes(vec![0, 0xff, 0x10]),
        ]
    );
    let ro_end = greeting.len() as u64 + 3;
    let msg_at = ro_end.next_multiple_of(8);
    let table_at = (msg_at + 7).next_multiple_of(8);
    let mut table = Vec::new();
    for v in [1u32, 2, u32::MAX] {
        table.extend_from_slice(&v.to_le_bytes());
    }
    table.extend_from_slice(&[42, b'A']);
    table.extend_from_slice(&(u64::MAX - 1).to_le_bytes());
    assert_eq!(
        m.memory,
        Memory {
            initial_pages: 1,
            max_pages: None,
            segments: vec![
                DataSegment {
                    offset: msg_at,
                    bytes: b"dot\tvm\0".to_vec()
                },
                DataSegment {
                    offset: table_at,
                    bytes: table
                },
                DataSegment {
                    offset: 4096,
                    bytes: vec![0xEF, 0xBE, 0, 0, 0]
                },
            ],
        }
    );
    assert_eq!(
        m.globals,
        vec![
            Global {
                init: Imm::ZERO,
                mutable: true
            },
            Global {
                init: Imm::from(7u8),
                mutable: false
            },
        ]
    );
    let insts: Vec<Instruction> = code(&m, 0).into_iter().map(|(_, i)| i).collect();
    assert_eq!(
        insts,
        vec![
            op(Opcode::PushConst, Operand::Index(0)),
            op(
                Opcode::Syscall,
                Operand::Syscall(Syscall::PrintBytes.number())
            ),
            op(Opcode::Push, imm(msg_at)),
            op(Opcode::Push, imm(7)),
            op(Opcode::Syscall, Operand::Syscall(4)),
            op(Opcode::Push, imm(10)),
            op(
                Opcode::Syscall,
                Operand::Syscall(Syscall::PrintChar.number())
            ),
            op(Opcode::Push, imm(table_at)),
            op(Opcode::Load32U, Operand::Offset(4)),
            op(Opcode::GlobalSet, Operand::Index(0)),
            op(Opcode::Push, imm(u64::MAX)),
            Instruction::simple(Opcode::Pop),
            Instruction::simple(Opcode::Halt),
        ]
    );
    assert_round_trip(&m);
}

#[test]
fn omitted_max_stack_comes_from_the_stack_analysis() {
    let m = asm("
        .func main results=1
            PUSH 1
            PUSH 2
            PUSH 3
            CALL sum3
            RET
        .end
        .func sum3 params=3 results=1
            LOCAL_GET 0
            LOCAL_GET 1
            LOCAL_GET 2
            PICK 2
            POP
            ADD
            ADD
            RET
        .end
    ");
    assert_eq!(m.functions[0].max_stack, 3);
    assert_eq!(m.functions[1].max_stack, 4);
    verify(&m).expect("the assembled program verifies");
}

#[test]
fn hand_written_programs_verify() {
    for source in [FIB, LOOP] {
        verify(&asm(source)).unwrap_or_else(|e| panic!("{e}\n{source}"));
    }
}

#[test]
fn line_table_option_records_source_lines() {
    let source = ".func main max_stack=1\n  PUSH 1\n\n  .line 99\n  RET\n.end\n";
    let options = AsmOptions {
        line_table: true,
        ..AsmOptions::default()
    };
    let m = assemble(source, "prog.dasm", &options).unwrap();
    let debug = m.debug.clone().unwrap();
    assert_eq!(debug.source.as_deref(), Some("prog.dasm"));
    assert_eq!(
        debug.lines,
        vec![
            LineEntry {
                func: 0,
                pc: 0,
                line: 2
            },
            LineEntry {
                func: 0,
                pc: 3,
                line: 99
            },
        ]
    );
    assert_eq!(m.source_line(0, 3), Some(99));
    assert_round_trip(&m);
}

#[test]
fn arch_option_overrides_directive() {
    let source = ".arch arch32\n.func main max_stack=1\nPUSH -1\nHALT\n.end\n";
    let m = assemble(
        source,
        "a.dasm",
        &AsmOptions {
            arch: Some(Arch::Arch128),
            line_table: false,
        },
    )
    .unwrap();
    assert_eq!(m.arch, Arch::Arch128);
    assert_eq!(
        code(&m, 0)[0].1,
        op(Opcode::Push, Operand::Imm(Imm::from(u128::MAX)))
    );
    let m32 = asm(source);
    assert_eq!(
        code(&m32, 0)[0].1,
        op(Opcode::Push, imm(u64::from(u32::MAX)))
    );
}

#[test]
fn undecodable_code_survives_as_raw_bytes() {
    let mut module = asm(".func main max_stack=1\nPUSH 1\nJMP @2\n.end\n");
    module.functions[0]
        .code
        .extend_from_slice(&[0xEE, 0x10, 0x05]);
    let text = disassemble(&module);
    assert!(text.contains(".raw x\"ee1005\""), "{text}");
    assert!(text.contains("JMP @2"), "{text}");
    assert_round_trip(&module);
}

#[test]
fn unverifiable_modules_still_disassemble() {
    let module = Module {
        entry: 5,
        functions: vec![Function {
            code: vec![0x06, 9, 0, 0, 0, 0x11, 3, 0, 0, 0, 0x03, 77, 0, 0, 0],
            ..Function::default()
        }],
        exports: vec![Export {
            name: "x".into(),
            func: 4,
        }],
        debug: Some(DebugInfo {
            function_names: vec!["a".into(), "b".into()],
            source: None,
            lines: vec![LineEntry {
                func: 3,
                pc: 1,
                line: 1,
            }],
            source_map: Default::default(),
        }),
        ..Module::default()
    };
    let text = disassemble(&module);
    for expected in [
        ".entry 5",
        "CALL 9",
        "PUSH_CONST 3",
        "JMP @77",
        ".export 4 as x",
        ".lineat 3 1 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(assemble(&text, "bad.dasm", &AsmOptions::default()).is_err());
}

// ---- generated modules ----

/// Raw random material for one instruction: opcode choice and operand seeds.
type RawInst = (usize, u64, [u64; 8]);

/// Raw debug material: names, source, whether lines follow instruction order, line seeds.
type RawDebug = (Vec<String>, Option<String>, bool, Vec<(u64, u32)>);

/// Raw random material for a whole module; [`build_module`] makes it well formed.
#[derive(Debug, Clone)]
struct RawModule {
    arch: usize,
    functions: Vec<(u16, u16, u16, u32, Vec<RawInst>)>,
    constants: Vec<Constant>,
    globals: Vec<([u64; 8], bool)>,
    pages: (u32, Option<u32>),
    segments: Vec<(u64, Vec<u8>)>,
    exports: Vec<(u64, String)>,
    entry: u64,
    debug: Option<RawDebug>,
}

fn word_mask(arch: Arch, limbs: [u64; 8]) -> Imm {
    let value = Imm::from_limbs(limbs);
    let bits = arch.word_bits() as usize;
    let value = if bits == 512 {
        value
    } else {
        value & ((Imm::from(1u8) << bits) - Imm::from(1u8))
    };
    // Bias towards the interesting small and negative values.
    match limbs[7] % 4 {
        0 => Imm::from(limbs[0] % 70_000),
        1 => value.wrapping_neg() & (Imm::MAX >> (512 - bits)),
        _ => value,
    }
}

fn build_module(raw: RawModule) -> Module {
    let arch = Arch::ALL[raw.arch % 5];
    let nfuncs = raw.functions.len() as u64;
    let constants: Vec<Constant> = raw
        .constants
        .into_iter()
        .map(|c| match c {
            Constant::Int(v) => Constant::Int(word_mask(arch, *v.as_limbs())),
            other => other,
        })
        .collect();
    let globals: Vec<Global> = raw
        .globals
        .iter()
        .map(|&(limbs, mutable)| Global {
            init: word_mask(arch, limbs),
            mutable,
        })
        .collect();
    let mut functions = Vec::new();
    for (params, results, locals, max_stack, insts) in &raw.functions {
        let slots = u64::from(params + locals);
        let mut decoded: Vec<Instruction> = Vec::new();
        for &(choice, seed, limbs) in insts {
            let opcode = Opcode::ALL[choice % Opcode::ALL.len()];
            let operand = match opcode.operand() {
                OperandKind::None => Operand::None,
                OperandKind::Imm => Operand::Imm(word_mask(arch, limbs)),
                OperandKind::Const if constants.is_empty() => continue,
                OperandKind::Const => Operand::Index((seed % constants.len() as u64) as u32),
                OperandKind::Local if slots == 0 => continue,
                OperandKind::Local => Operand::Index((seed % slots) as u32),
                OperandKind::Global if globals.is_empty() => continue,
                OperandKind::Global => Operand::Index((seed % globals.len() as u64) as u32),
                OperandKind::Func => Operand::Index((seed % nfuncs) as u32),
                OperandKind::Target => Operand::Target(seed as u32),
                OperandKind::Offset => Operand::Offset((seed >> 8) as u32 * (seed & 1) as u32),
                OperandKind::Depth => Operand::Depth(seed as u8),
                OperandKind::Syscall => Operand::Syscall((seed % 8) as u16),
                OperandKind::Selector(family) => {
                    let members: Vec<_> = family.members().collect();
                    Operand::Selector(members[seed as usize % members.len()])
                }
                OperandKind::Targets => Operand::Targets(
                    (0..seed % 3 + 1)
                        .map(|i| (seed >> (8 * i)) as u32)
                        .collect(),
                ),
                OperandKind::Pair => Operand::Pair((seed % 5) as u32, (seed >> 8) as u32 % 5),
                OperandKind::Lanes => Operand::Lanes(LaneWidth::ALL[seed as usize % 4]),
                OperandKind::WordLane => {
                    Operand::WordLane(LaneWidth::ALL[seed as usize % 4], (seed >> 8) as u8)
                }
                OperandKind::Table
                | OperandKind::Elem
                | OperandKind::Data
                | OperandKind::Import => Operand::Index((seed % 4) as u32),
                OperandKind::Lane | OperandKind::MemLane => {
                    let lanes = Shape::of_opcode(opcode).expect("a lane shape").lanes() as u64;
                    let lane = (seed % lanes) as u8;
                    if opcode.operand() == OperandKind::Lane {
                        Operand::Lane(lane)
                    } else {
                        Operand::MemLane((seed >> 8) as u32, lane)
                    }
                }
                OperandKind::V128 => {
                    let mut bytes = [0u8; 16];
                    bytes[..8].copy_from_slice(&limbs[0].to_le_bytes());
                    bytes[8..].copy_from_slice(&seed.to_le_bytes());
                    Operand::Bytes16(bytes)
                }
                OperandKind::Shuffle => {
                    Operand::Bytes16(std::array::from_fn(|i| (seed >> (i * 4)) as u8 % 32))
                }
            };
            decoded.push(Instruction { opcode, operand });
        }
        // Jump targets: instruction starts (or the end), chosen by index.
        let mut pcs = Vec::new();
        let mut pc = 0u32;
        for inst in &decoded {
            pcs.push(pc);
            pc += inst.encoded_len() as u32;
        }
        pcs.push(pc);
        let mut code = Vec::new();
        for inst in &mut decoded {
            if let Operand::Target(seed) = inst.operand {
                inst.operand = Operand::Target(pcs[seed as usize % pcs.len()]);
            }
            if let Operand::Targets(seeds) = &mut inst.operand {
                for seed in seeds {
                    *seed = pcs[*seed as usize % pcs.len()];
                }
            }
            inst.encode(&mut code);
        }
        functions.push((
            Function {
                params: *params,
                results: *results,
                locals: *locals,
                max_stack: *max_stack,
                code,
                ..Default::default()
            },
            pcs,
        ));
    }
    let ro_end: u64 = constants
        .iter()
        .filter_map(|c| c.region_bytes())
        .map(|b| b.len() as u64)
        .sum();
    let data_len: u64 = raw.segments.iter().map(|(_, b)| b.len() as u64).sum();
    let needed = (ro_end + data_len).div_ceil(PAGE_SIZE) as u32;
    let initial = raw
        .pages
        .0
        .max(needed)
        .max(u32::from(!raw.segments.is_empty()));
    let memory_bytes = u64::from(initial) * PAGE_SIZE;
    let segments = raw
        .segments
        .into_iter()
        .map(|(seed, bytes)| {
            let room = memory_bytes - ro_end - bytes.len() as u64;
            DataSegment {
                offset: ro_end + seed % (room + 1),
                bytes,
            }
        })
        .collect();
    let mut exports: Vec<Export> = Vec::new();
    for (seed, name) in raw.exports {
        if !exports.iter().any(|e| e.name == name) {
            exports.push(Export {
                name,
                func: (seed % nfuncs) as u32,
            });
        }
    }
    let debug = raw.debug.map(|(names, source, ordered, raw_lines)| {
        let names: Vec<String> = names.into_iter().take(functions.len()).collect();
        let lines = if ordered {
            let mut lines: Vec<LineEntry> = Vec::new();
            for (func, (_, pcs)) in functions.iter().enumerate() {
                for (k, &pc) in pcs[..pcs.len() - 1].iter().enumerate() {
                    if raw_lines.get(k).is_some_and(|(s, _)| s % 2 == 0) {
                        lines.push(LineEntry {
                            func: func as u32,
                            pc,
                            line: raw_lines[k].1,
                        });
                    }
                }
            }
            lines
        } else {
            raw_lines
                .into_iter()
                .map(|(seed, line)| LineEntry {
                    func: (seed % nfuncs) as u32,
                    pc: (seed >> 32) as u32 % 64,
                    line,
                })
                .collect()
        };
        DebugInfo {
            function_names: names,
            source,
            lines,
            source_map: Default::default(),
        }
    });
    Module {
        arch,
        entry: (raw.entry % nfuncs) as u32,
        functions: functions.into_iter().map(|(f, _)| f).collect(),
        constants,
        globals,
        memory: Memory {
            initial_pages: initial,
            max_pages: raw.pages.1.map(|m| m.max(initial)),
            segments,
        },
        exports,
        debug,
        ..Default::default()
    }
}

fn arb_constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        any::<[u64; 8]>().prop_map(|l| Constant::Int(Imm::from_limbs(l))),
        any::<u32>().prop_map(Constant::F32),
        any::<u64>().prop_map(Constant::F64),
        prop_oneof![
            Just(f64::NAN.to_bits()),
            Just((-0.0f64).to_bits()),
            Just(f64::INFINITY.to_bits())
        ]
        .prop_map(Constant::F64),
        ".{0,12}".prop_map(Constant::Str),
        prop::collection::vec(any::<u8>(), 0..12).prop_map(Constant::Bytes),
    ]
}

fn arb_raw_module() -> impl Strategy<Value = RawModule> {
    let inst = (any::<usize>(), any::<u64>(), any::<[u64; 8]>());
    let function = (
        0u16..4,
        0u16..3,
        0u16..4,
        any::<u32>(),
        prop::collection::vec(inst, 0..24),
    );
    let name = prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        ".{0,8}",
        Just("func1".to_string()),
        Just(String::new())
    ];
    let debug = prop::option::of((
        prop::collection::vec(name.clone(), 0..6),
        prop::option::of(".{0,10}"),
        any::<bool>(),
        prop::collection::vec((any::<u64>(), any::<u32>()), 0..24),
    ));
    (
        0usize..5,
        prop::collection::vec(function, 1..5),
        prop::collection::vec(arb_constant(), 0..6),
        prop::collection::vec((any::<[u64; 8]>(), any::<bool>()), 0..4),
        (0u32..3, prop::option::of(0u32..8)),
        prop::collection::vec(
            (any::<u64>(), prop::collection::vec(any::<u8>(), 0..40)),
            0..4,
        ),
        prop::collection::vec((any::<u64>(), name), 0..4),
        any::<u64>(),
        debug,
    )
        .prop_map(
            |(arch, functions, constants, globals, pages, segments, exports, entry, debug)| {
                RawModule {
                    arch,
                    functions,
                    constants,
                    globals,
                    pages,
                    segments,
                    exports,
                    entry,
                    debug,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn disassembly_assembles_back_to_the_same_module(raw in arb_raw_module()) {
        let module = build_module(raw);
        let text = disassemble(&module);
        let back = assemble(&text, "rt.dasm", &AsmOptions::default());
        prop_assert_eq!(back.as_ref(), Ok(&module), "text:\n{}", text);
    }

    #[test]
    fn assembler_never_panics_on_mangled_disassembly(raw in arb_raw_module(), cut in any::<usize>(), junk in ".{0,6}") {
        let text = disassemble(&build_module(raw));
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count().max(1)).unwrap_or(0);
        let mangled = format!("{}{}{}", &text[..at], junk, &text[at..]);
        let _ = assemble(&mangled, "fuzz.dasm", &AsmOptions::default());
    }

    #[test]
    fn assembler_never_panics_on_arbitrary_text(text in "(\\PC|[.;:'\"=@+ \\n\\\\x0-9a-z_])*") {
        let _ = assemble(&text, "fuzz.dasm", &AsmOptions::default());
    }
}

/// The ```dasm code blocks of `docs/assembly.md`, in order.
fn doc_examples() -> Vec<String> {
    let doc = include_str!("../../../docs/assembly.md");
    doc.split("```dasm\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn documented_examples_assemble() {
    let examples = doc_examples();
    assert!(examples.len() >= 2, "docs/assembly.md lost its examples");
    let program = asm(&examples[0]);
    verify(&program).expect("the documented program verifies");
    assert_eq!(program.exports[0].name, "main");
    assert_eq!(program.functions[1].params, 1);
    assert_round_trip(&program);
    for example in &examples[1..] {
        let with_main = format!("{example}\n.func main max_stack=0\n  HALT\n.end\n");
        let module = asm(&with_main);
        assert_round_trip(&module);
    }
}
