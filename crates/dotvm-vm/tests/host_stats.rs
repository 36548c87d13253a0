//! `Host::stats`: system calls and `CALL_HOST` calls are counted in their handlers, and
//! the value stack's peak (the end of the deepest frame) is kept, on every architecture.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{
    BufferIo, Host, HostEnv, HostFunctions, HostStats, Instance, Limits, LinearMemory, StateStore,
    TrapKind, run_hosted,
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

/// Adds its two argument slots.
struct Adder;

impl HostFunctions for Adder {
    fn call_import(
        &mut self,
        _import: u32,
        args: &[Imm],
        _memory: &mut LinearMemory,
        _state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind> {
        Ok(vec![args[0] + args[1]])
    }
}

/// Three host-function calls and two system calls (prints "7\n").
const SOURCE: &str = "
.type params i32 i32 results i32
.import \"env\" \"add\" 0
.func main results=1
    PUSH 1
    PUSH 2
    CALL_HOST 0
    PUSH 3
    CALL_HOST 0
    PUSH 1
    CALL_HOST 0
    SYSCALL print_int
    PUSH '\\n'
    SYSCALL print_char
    PUSH 0
    RET
.end
";

#[test]
fn host_calls_and_system_calls_are_counted_exactly() {
    for arch in Arch::ALL {
        let verified = program(SOURCE, arch);
        let limits = Limits {
            stack_slots: 100,
            ..Limits::default()
        };
        let mut instance = Instance::new(&verified, &limits).expect("loads");
        let mut host = Host::default();
        let mut io = BufferIo::default();
        let env = HostEnv {
            io: &mut io,
            host: &mut host,
            imports: &mut Adder,
            state: None,
        };
        instance
            .call_hosted(verified.module().entry, &[], env)
            .expect("runs");
        assert_eq!(io.output, b"7\n", "{arch}");
        assert_eq!(
            host.stats(),
            HostStats {
                system_calls: 2,
                host_functions: 3,
                // main's frame: no locals, two operands at most.
                peak_stack_slots: 2,
            },
            "{arch}"
        );
    }
}

#[test]
fn a_run_records_its_stack_and_system_calls_in_the_host() {
    let source = ".func main\nPUSH 5\nSYSCALL print_int\nPUSH 6\nSYSCALL print_int\nHALT\n.end\n";
    for arch in Arch::ALL {
        let verified = program(source, arch);
        let mut host = Host::default();
        let limits = Limits {
            stack_slots: 64,
            ..Limits::default()
        };
        run_hosted(
            &verified,
            &limits,
            &mut BufferIo::default(),
            &mut host,
            None,
            None,
        )
        .expect("runs");
        let stats = host.stats();
        assert_eq!(stats.system_calls, 2, "{arch}");
        assert_eq!(stats.host_functions, 0, "{arch}");
        // One operand at most.
        assert_eq!(stats.peak_stack_slots, 1, "{arch}");
    }
}
