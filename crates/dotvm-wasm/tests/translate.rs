//! Behaviour of the translator through the interpreter: results on every architecture and
//! opt level, errors, imports, names and the optimizer.

use dotvm_core::instruction::{Instruction, Operand};
use dotvm_core::isa::Opcode;
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{BufferIo, CallOutcome, Instance, Limits, NoHostFunctions, RunError, TrapKind};
use dotvm_wasm::{
    ExportKind, TranslateError, TranslateOptions, Translation, translate, translate_with,
};

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
        debug_names: true,
        entry_export: None,
    }
}

/// Translates and instantiates `text`, running its initializer.
fn instantiate(text: &str, arch: Arch, level: u8) -> (Instance, Translation) {
    let translation = translate_with(&wasm(text), &options(arch, level), &dotvm_wasm::WasiImports)
        .expect("translates");
    let verified = Verified::new(translation.module.clone()).expect("verifies");
    let mut instance = Instance::new(&verified, &Limits::default()).expect("loads");
    instance
        .call(
            translation.module.entry,
            &[],
            &mut BufferIo::default(),
            &mut NoHostFunctions,
        )
        .expect("initializes");
    (instance, translation)
}

/// Calls export `name` with slot arguments.
fn call(
    instance: &mut Instance,
    translation: &Translation,
    name: &str,
    args: &[u64],
) -> Result<Vec<u64>, RunError> {
    let export = translation
        .exports
        .iter()
        .find(|e| e.kind == ExportKind::Func && e.name == name)
        .expect("export exists")
        .index;
    let func = translation.functions[export as usize];
    let args: Vec<Imm> = args.iter().map(|&a| Imm::from(a)).collect();
    match instance.call(func, &args, &mut BufferIo::default(), &mut NoHostFunctions)? {
        CallOutcome::Returned(slots) => Ok(slots.iter().map(|s| s.as_limbs()[0]).collect()),
        CallOutcome::Exited(code) => panic!("exited with {code}"),
    }
}

const FACTORIAL: &str = r#"
(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))
"#;

#[test]
fn recursion_with_i64_gives_the_same_result_on_every_arch_and_level() {
    for arch in Arch::ALL {
        for level in 0..=3 {
            let (mut instance, t) = instantiate(FACTORIAL, arch, level);
            // 20! = 2432902008176640000; an i64 is two slots (low first) on Arch32.
            let args: &[u64] = if arch == Arch::Arch32 {
                &[20, 0]
            } else {
                &[20]
            };
            let got = call(&mut instance, &t, "fac", args).expect("runs");
            let value = if arch == Arch::Arch32 {
                got[0] | (got[1] << 32)
            } else {
                got[0]
            };
            assert_eq!(value, 2_432_902_008_176_640_000, "{arch} -O{level}");
        }
    }
}

#[test]
fn branch_tables_and_multi_value_blocks_keep_the_right_values() {
    let text = r#"
    (module
      (func (export "pick") (param i32) (result i32 i32)
        (block (result i32 i32)
          (block (result i32 i32)
            (block (result i32 i32)
              (i32.const 7) (i32.const 100) (i32.const 200)
              (local.get 0)
              (br_table 0 1 2))
            (drop) (drop) (i32.const 1) (i32.const 10) (return))
          (drop) (drop) (i32.const 2) (i32.const 20) (return))))
    "#;
    for arch in Arch::ALL {
        for level in [0, 2] {
            let (mut instance, t) = instantiate(text, arch, level);
            for (index, want) in [(0, [1, 10]), (1, [2, 20]), (2, [100, 200]), (9, [100, 200])] {
                let got = call(&mut instance, &t, "pick", &[index]).expect("runs");
                assert_eq!(got, want, "{arch} -O{level} index {index}");
            }
        }
    }
}

#[test]
fn traps_name_the_function_from_the_name_section() {
    let text = r#"(module (func $explode (export "go") (unreachable)))"#;
    let (mut instance, t) = instantiate(text, Arch::Arch64, 0);
    let err = call(&mut instance, &t, "go", &[]).unwrap_err();
    let trap = err.trap().expect("a trap");
    assert_eq!(trap.kind, TrapKind::Unreachable);
    assert_eq!(trap.function, "explode");
}

#[test]
fn every_missing_import_is_listed() {
    let text = r#"
    (module
      (import "env" "first" (func))
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (import "env" "second" (global i32)))
    "#;
    match translate(&wasm(text), &TranslateOptions::default()) {
        Err(TranslateError::UnresolvedImports(names)) => {
            assert_eq!(names, ["env.first", "env.second"]);
        }
        other => panic!("expected unresolved imports, got {other:?}"),
    }
}

#[test]
fn wasi_imports_become_system_calls() {
    let text = r#"
    (module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "_start") (call $exit (i32.const 3))))
    "#;
    let module = translate(
        &wasm(text),
        &TranslateOptions {
            entry_export: Some("_start".into()),
            ..TranslateOptions::default()
        },
    )
    .expect("translates");
    let code = Instruction::decode_all(&module.functions[1].code).expect("decodes");
    let number = dotvm_core::syscall::Syscall::from_wasi_name("proc_exit")
        .expect("proc_exit is a system call")
        .number();
    assert!(
        code.iter()
            .any(|(_, i)| i.opcode == Opcode::Syscall && i.operand == Operand::Syscall(number)),
        "{code:?}"
    );
}

#[test]
fn invalid_modules_report_the_byte_offset() {
    // A function whose body leaves an i64 where an i32 result is declared.
    let text = r#"(module (func $ok) (func $bad (result i32) (i64.const 1)))"#;
    match translate(&wasm(text), &TranslateOptions::default()) {
        Err(e @ TranslateError::Invalid { offset, .. }) => {
            assert!(offset > 8, "{e}");
            let text = e.to_string();
            assert!(text.contains("in function 1 (bad) at byte"), "{e}");
            assert!(text.contains("type mismatch"), "{e}");
        }
        other => panic!("expected an invalid module, got {other:?}"),
    }
}

#[test]
fn constant_expressions_fold_to_one_push_at_level_one() {
    let text = r#"(module (func (export "k") (result i32)
        (i32.mul (i32.add (i32.const 2) (i32.const 3)) (i32.const 7))))"#;
    let code_at = |level| {
        let module = translate(&wasm(text), &options(Arch::Arch64, level)).expect("translates");
        Instruction::decode_all(&module.functions[0].code)
            .expect("decodes")
            .into_iter()
            .map(|(_, i)| i)
            .collect::<Vec<_>>()
    };
    assert_eq!(code_at(0).len(), 6);
    assert_eq!(
        code_at(1),
        [
            Instruction {
                opcode: Opcode::Push,
                operand: Operand::Imm(Imm::from(35u64)),
            },
            Instruction::simple(Opcode::Ret),
        ]
    );
}

#[test]
fn indirect_calls_check_the_type_and_the_element() {
    let text = r#"
    (module
      (type $unary (func (param i32) (result i32)))
      (type $nullary (func (result i32)))
      (table 3 funcref)
      (elem (i32.const 0) $double $seven)
      (func $double (type $unary) (i32.add (local.get 0) (local.get 0)))
      (func $seven (type $nullary) (i32.const 7))
      (func (export "apply") (param i32 i32) (result i32)
        (call_indirect (type $unary) (local.get 1) (local.get 0))))
    "#;
    let (mut instance, t) = instantiate(text, Arch::Arch64, 1);
    assert_eq!(call(&mut instance, &t, "apply", &[0, 21]).unwrap(), [42]);
    let kind = |r: Result<Vec<u64>, RunError>| r.unwrap_err().trap().unwrap().kind.clone();
    assert_eq!(
        kind(call(&mut instance, &t, "apply", &[1, 0])),
        TrapKind::IndirectCallTypeMismatch
    );
    assert_eq!(
        kind(call(&mut instance, &t, "apply", &[2, 0])),
        TrapKind::UninitializedElement
    );
    assert_eq!(
        kind(call(&mut instance, &t, "apply", &[3, 0])),
        TrapKind::UndefinedElement
    );
}

/// A host resolver that keeps every `env` function as a host import.
struct EnvImports;

impl dotvm_wasm::ImportResolver for EnvImports {
    fn resolve(&self, module: &str, _name: &str) -> Option<dotvm_wasm::HostImport> {
        (module == "env").then(|| dotvm_wasm::HostImport::Function {
            params: vec![dotvm_core::module::SigType::I32],
            results: Vec::new(),
        })
    }
}

#[test]
fn translated_modules_survive_disassembly_and_reassembly() {
    let text = r#"
    (module
      (import "env" "log" (func $log (param i32)))
      (type $t (func (param i64 funcref) (result externref)))
      (table 4 8 funcref)
      (table 1 externref)
      (memory 1)
      (elem (i32.const 1) func $a $b)
      (elem funcref (ref.null func) (ref.func $a))
      (data "passive bytes")
      (data (i32.const 16) "active")
      (global $g (mut i64) (i64.const -5))
      (func $a (param i32) (call $log (local.get 0)))
      (func $b (export "b") (param i32) (result i32)
        (block $out (result i32)
          (br_table 0 $out (i32.const 3) (local.get 0)))
        (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 4))
        (data.drop 0)
        (table.init 0 1 (i32.const 0) (i32.const 0) (i32.const 1))
        (elem.drop 1)
        (call_indirect (param i32) (i32.const 7) (i32.const 1))))
    "#;
    for arch in [Arch::Arch32, Arch::Arch64, Arch::Arch256] {
        for level in [0, 2] {
            let module = translate_with(&wasm(text), &options(arch, level), &EnvImports)
                .expect("translates")
                .module;
            assert_eq!(module.imports.len(), 1);
            let text = dotvm_core::disasm::disassemble(&module);
            let back = dotvm_core::asm::assemble(&text, "t.dasm", &Default::default())
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, module, "{arch} -O{level}\n{text}");
        }
    }
}

/// Resolves `base.*` imports as the linked items of the base translation.
struct LinkedTo<'t>(&'t Translation);

impl dotvm_wasm::ImportResolver for LinkedTo<'_> {
    fn resolve(&self, module: &str, name: &str) -> Option<dotvm_wasm::HostImport> {
        use dotvm_wasm::HostImport;
        let base = self.0;
        let export = base
            .exports
            .iter()
            .find(|e| module == "base" && e.name == name)?;
        Some(match export.kind {
            ExportKind::Global => {
                let (index, ty) = base.globals[export.index as usize];
                HostImport::LinkedGlobal {
                    index,
                    ty,
                    mutable: true,
                    bits: 0,
                }
            }
            ExportKind::Table => HostImport::LinkedTable {
                index: base.tables[export.index as usize],
                kind: dotvm_core::module::RefKind::Func,
                initial: 2,
                max: None,
            },
            ExportKind::Func => {
                let (params, results) = base.signatures[export.index as usize].clone();
                HostImport::LinkedFunction {
                    index: base.functions[export.index as usize],
                    params,
                    results,
                }
            }
            ExportKind::Memory => return None,
        })
    }
}

#[test]
fn linked_modules_share_globals_and_tables_with_the_running_base() {
    let base_text = r#"
    (module
      (type $get (func (result i32)))
      (global (export "counter") (mut i32) (i32.const 1))
      (table (export "table") 2 funcref)
      (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 1))))
      (func (export "call0") (result i32) (call_indirect (type $get) (i32.const 0))))
    "#;
    let extension = r#"
    (module
      (type $get (func (result i32)))
      (import "base" "counter" (global $c (mut i32)))
      (import "base" "table" (table 2 funcref))
      (import "base" "bump" (func $bump))
      (elem (i32.const 0) $read)
      (func $read (result i32) (call $bump) (i32.mul (global.get $c) (i32.const 10)))
      (func (export "set") (param i32) (global.set $c (local.get 0))))
    "#;
    for arch in [Arch::Arch32, Arch::Arch64] {
        let (mut old, base) = instantiate(base_text, arch, 1);
        call(&mut old, &base, "bump", &[]).expect("bumps");
        let linked = dotvm_wasm::translate_linked(
            &wasm(extension),
            &options(arch, 1),
            &LinkedTo(&base),
            &base.module,
        )
        .expect("links");
        let verified = Verified::new(linked.module.clone()).expect("verifies");
        let mut instance = Instance::new(&verified, &Limits::default()).expect("loads");
        instance.adopt(&old).expect("adopts the running state");
        let entry = linked.module.entry;
        instance
            .call(entry, &[], &mut BufferIo::default(), &mut NoHostFunctions)
            .expect("initializes");
        // The base's call_indirect reaches the extension's function, which bumps the
        // shared counter (2 after the earlier bump) to 3.
        assert_eq!(call(&mut instance, &base, "call0", &[]).unwrap(), [30]);
        call(&mut instance, &linked, "set", &[7]).expect("sets");
        assert_eq!(call(&mut instance, &base, "call0", &[]).unwrap(), [80]);
    }
}

#[test]
fn damaged_binaries_are_errors_or_verified_modules_never_panics() {
    let text = r#"
    (module
      (memory 1)
      (table 2 funcref)
      (elem (i32.const 0) $f)
      (data (i32.const 8) "xy")
      (func $f (param i32) (result i32)
        (block (result i32)
          (br_table 0 0 (local.get 0) (local.get 0))))
      (func (export "g") (result i64)
        (i64.extend_i32_u (call_indirect (param i32) (result i32) (i32.const 1) (i32.const 0)))))
    "#;
    let original = wasm(text);
    for at in 0..original.len() {
        for value in [0x00, 0x01, 0x0b, 0x41, 0x7f, 0x80, 0xff] {
            let mut damaged = original.clone();
            damaged[at] = value;
            for arch in [Arch::Arch32, Arch::Arch64] {
                if let Ok(module) = translate(&damaged, &options(arch, 3)) {
                    Verified::new(module).expect("whatever translates verifies");
                }
            }
        }
    }
}
