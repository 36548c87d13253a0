//! Jump tables, DROP_KEEP, tables and references, indirect calls, passive segments and host
//! imports, through assembled programs on every architecture.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{
    BufferIo, CallOutcome, HostFunctions, Instance, Limits, LinearMemory, NoHostFunctions,
    RunError, StateStore, TrapKind, run,
};

/// Assembles `source` for `arch` and verifies it.
fn program(source: &str, arch: Arch) -> Verified {
    let options = AsmOptions {
        arch: Some(arch),
        line_table: false,
    };
    let module = assemble(source, "t.dasm", &options).unwrap_or_else(|e| panic!("{e}"));
    Verified::new(module).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `source` and returns its exit code, or the trap.
fn exit_code(source: &str, arch: Arch) -> Result<i32, TrapKind> {
    match run(
        &program(source, arch),
        &Limits::default(),
        &mut BufferIo::default(),
    ) {
        Ok(outcome) => Ok(outcome.exit_code),
        Err(RunError::Trap(trap)) => Err(trap.kind),
        Err(e) => panic!("{e}"),
    }
}

/// The documented indirect-call example (docs/assembly.md) with `demo` as entry.
const INDIRECT: &str = "
.type params i32 results i32
.table funcref 2
.elem funcref 1 null
.entry demo

.func demo results=1
    PUSH 0
    PUSH 0
    PUSH 2
    TABLE_INIT 0 0
    ELEM_DROP 0
    PUSH 20
    PUSH INDEX
    CALL_INDIRECT 0 0
    RET
.end

.func inc params=1 results=1 type=0
    LOCAL_GET 0
    PUSH 1
    I32_ADD
    RET
.end
";

#[test]
fn indirect_calls_reach_the_element_and_check_it() {
    for arch in Arch::ALL {
        let with_index = |i: &str| INDIRECT.replace("INDEX", i);
        assert_eq!(exit_code(&with_index("0"), arch), Ok(21), "{arch}");
        assert_eq!(
            exit_code(&with_index("1"), arch),
            Err(TrapKind::UninitializedElement)
        );
        assert_eq!(
            exit_code(&with_index("2"), arch),
            Err(TrapKind::UndefinedElement)
        );
        let retyped = with_index("0").replace(
            ".type params i32 results i32",
            ".type params i32 results i32\n.type params i32 results i32",
        );
        // An equal type under another index is the same type.
        assert_eq!(
            exit_code(
                &retyped.replace("CALL_INDIRECT 0 0", "CALL_INDIRECT 1 0"),
                arch
            ),
            Ok(21)
        );
        let other = with_index("0").replace(
            ".type params i32 results i32",
            ".type params i32 results i32\n.type params i64 results i32",
        );
        // On arch32 the i64 parameter makes the call site take another slot; the check
        // happens before the frame is built either way.
        if arch != Arch::Arch32 {
            assert_eq!(
                exit_code(
                    &other.replace("CALL_INDIRECT 0 0", "CALL_INDIRECT 1 0"),
                    arch
                ),
                Err(TrapKind::IndirectCallTypeMismatch)
            );
        }
    }
}

#[test]
fn jump_tables_pick_a_case_or_the_default_and_drop_keep_keeps_the_top() {
    let source = |index: u32| {
        format!(
            "
.func main results=1
    PUSH 100
    PUSH 200
    PUSH {index}
    JMP_TABLE zero one other
zero:
    PUSH 10
    DROP_KEEP 2 1
    RET
one:
    PUSH 11
    DROP_KEEP 2 1
    RET
other:
    DROP_KEEP 1 1
    RET
.end
"
        )
    };
    for arch in Arch::ALL {
        assert_eq!(exit_code(&source(0), arch), Ok(10));
        assert_eq!(exit_code(&source(1), arch), Ok(11));
        assert_eq!(exit_code(&source(2), arch), Ok(200));
        assert_eq!(exit_code(&source(u32::MAX), arch), Ok(200));
    }
}

#[test]
fn tables_grow_fill_and_trap_out_of_bounds() {
    let source = |extra: &str| {
        format!(
            "
.table externref 1 3
.func main results=1
    PUSH 7
    PUSH 2
    TABLE_GROW 0            ; old size 1
    POP
    PUSH 0
    PUSH 9
    PUSH 3
    TABLE_FILL 0            ; all three elements hold 9
    {extra}
    PUSH 2
    TABLE_GET 0
    TABLE_SIZE 0
    I32_ADD                 ; 9 + 3
    RET
.end
"
        )
    };
    for arch in Arch::ALL {
        assert_eq!(exit_code(&source(""), arch), Ok(12));
        // Growing past the maximum answers -1 and changes nothing.
        let refused = source("PUSH 0\n PUSH 1\n TABLE_GROW 0\n PUSH 1\n I32_ADD\n POP");
        assert_eq!(exit_code(&refused, arch), Ok(12));
        let outside = source("PUSH 3\n PUSH 0\n TABLE_SET 0");
        assert_eq!(exit_code(&outside, arch), Err(TrapKind::TableOutOfBounds));
    }
}

#[test]
fn passive_data_copies_until_dropped() {
    let source = |extra: &str| {
        format!(
            "
.memory 1
.passive \"DotVM\"
.func main results=1
    {extra}
    PUSH 100
    PUSH 1
    PUSH 3
    MEMORY_INIT 0           ; \"otV\" at 100
    PUSH 101
    LOAD8_U
    RET
.end
"
        )
    };
    for arch in Arch::ALL {
        assert_eq!(exit_code(&source(""), arch), Ok(i32::from(b't')));
        assert!(matches!(
            exit_code(&source("DATA_DROP 0"), arch),
            Err(TrapKind::OutOfBounds { .. })
        ));
    }
}

/// Adds its two argument slots.
struct Adder;

impl HostFunctions for Adder {
    fn call_import(
        &mut self,
        import: u32,
        args: &[Imm],
        _memory: &mut LinearMemory,
        _state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind> {
        assert_eq!(import, 0);
        Ok(vec![args[0] + args[1]])
    }
}

#[test]
fn host_imports_call_the_embedder() {
    let source = "
.type params i32 i32 results i32
.import \"env\" \"add\" 0
.func main results=1
    PUSH 40
    PUSH 2
    CALL_HOST 0
    RET
.end
";
    for arch in Arch::ALL {
        let verified = program(source, arch);
        let mut instance = Instance::new(&verified, &Limits::default()).expect("loads");
        let entry = verified.module().entry;
        let outcome = instance
            .call(entry, &[], &mut BufferIo::default(), &mut Adder)
            .expect("runs");
        assert_eq!(outcome, CallOutcome::Returned(vec![Imm::from(42u64)]));
        let err = instance
            .call(entry, &[], &mut BufferIo::default(), &mut NoHostFunctions)
            .unwrap_err();
        assert!(matches!(
            err.trap().map(|t| &t.kind),
            Some(TrapKind::Host(_))
        ));
        assert!(matches!(exit_code(source, arch), Err(TrapKind::Host(_))));
    }
}

#[test]
fn tables_cannot_outgrow_the_memory_limit() {
    // A table without a maximum, grown by `delta`; the exit code is TABLE_GROW's answer.
    let grow = |delta: u64| {
        format!(
            "
.table externref 1
.func main results=1
    PUSH 0
    PUSH {delta}
    TABLE_GROW 0
    RET
.end
"
        )
    };
    let limits = Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    };
    let exit = |source: &str, arch: Arch| {
        run(&program(source, arch), &limits, &mut BufferIo::default())
            .map(|outcome| outcome.exit_code)
    };
    for arch in Arch::ALL {
        let fits = (1u64 << 20) / (arch.word_bits() as u64 / 8);
        // Refused (-1) rather than an allocation of billions of elements that would abort
        // the host process.
        assert_eq!(exit(&grow(0xFFFF_FFF0), arch), Ok(-1), "{arch:?}");
        assert_eq!(exit(&grow(fits), arch), Ok(-1), "{arch:?}");
        assert_eq!(exit(&grow(fits - 1), arch), Ok(1), "{arch:?}");
        // A table that starts larger than the limit is refused before anything runs.
        let huge = ".table externref 4000000000\n.func main\n    HALT\n.end\n";
        let error = exit(huge, arch).unwrap_err();
        assert!(
            matches!(
                &error,
                RunError::Load(dotvm_vm::LoadError::TableTooLarge { table: 0, .. })
            ),
            "{arch:?}: {error}"
        );
    }
}
