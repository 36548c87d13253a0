//! The WASI-shaped system calls end to end: assembly programs call them through `SYSCALL`
//! under granted or withheld capabilities, and the tests check what the guest sees and
//! what the host records.

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::syscall::{Capability, Syscall};
use dotvm_vm::{
    BufferIo, Capabilities, ClockSource, DenialReason, Host, Limits, Outcome, Preopen,
    RandomSource, RunError, TrapKind,
};

/// The outcome, streams and host of running `source` under `capabilities`.
struct Run {
    result: Result<Outcome, RunError>,
    io: BufferIo,
    host: Host,
}

impl Run {
    fn exit_code(&self) -> i32 {
        match &self.result {
            Ok(outcome) => outcome.exit_code,
            Err(e) => panic!("run failed: {e}"),
        }
    }

    fn stdout(&self) -> &[u8] {
        &self.io.output
    }
}

fn run(source: &str, capabilities: Capabilities, input: &[u8]) -> Run {
    let module =
        assemble(source, "test.dasm", &AsmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let program = Verified::new(module).unwrap_or_else(|e| panic!("{e}"));
    let mut io = BufferIo::with_input(input);
    let mut host = Host::new(capabilities).unwrap();
    let result = dotvm_vm::run_hosted(&program, &Limits::default(), &mut io, &mut host, None, None);
    Run { result, io, host }
}

/// Writes "hi\n" to `fd` with one iovec and returns errno * 1000 + nwritten.
fn write_to(fd: u32) -> String {
    format!(
        r#"
.data msg "hi\n"
.data iov u32 msg msg.len
.data nwritten u32 0
.func main results=1
    PUSH {fd}
    PUSH iov
    PUSH 1
    PUSH nwritten
    SYSCALL fd_write
    PUSH 1000
    MUL
    PUSH nwritten
    LOAD32_U
    ADD
    RET
.end
"#
    )
}

#[test]
fn fd_write_reaches_stdout_and_stderr() {
    let out = run(&write_to(1), Capabilities::default(), b"");
    assert_eq!(out.exit_code(), 3);
    assert_eq!(out.stdout(), b"hi\n");
    let err = run(&write_to(2), Capabilities::default(), b"");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(err.io.errors, b"hi\n");
    assert!(err.stdout().is_empty());
    // Standard input is not writable; descriptor 9 is not open.
    assert_eq!(
        run(&write_to(0), Capabilities::default(), b"").exit_code(),
        8000
    );
    assert_eq!(
        run(&write_to(9), Capabilities::default(), b"").exit_code(),
        8000
    );
}

#[test]
fn fd_write_without_the_stdout_capability_is_denied_and_recorded() {
    let capabilities = Capabilities {
        stdout: false,
        ..Capabilities::default()
    };
    let out = run(&write_to(1), capabilities, b"");
    assert_eq!(out.exit_code(), 76_000);
    assert!(out.stdout().is_empty());
    let denials = out.host.denials();
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].call, Syscall::FdWrite);
    assert_eq!(denials[0].reason, DenialReason::Missing(Capability::Stdout));
    assert_eq!(
        denials[0].to_string(),
        "denied: fd_write (the `stdout` capability is not granted)"
    );
}

#[test]
fn fd_write_with_a_bad_iovec_pointer_is_efault() {
    let source = write_to(1).replace("PUSH iov\n", "PUSH 0xFFFFFFF0\n");
    assert_eq!(
        run(&source, Capabilities::default(), b"").exit_code(),
        21_000
    );
}

#[test]
fn fd_read_fills_iovecs_from_stdin() {
    let source = r#"
.data a zero 3
.data b zero 10
.data iov u32 a 3 b 10
.data nread u32 0
.func main results=1
    PUSH 0
    PUSH iov
    PUSH 2
    PUSH nread
    SYSCALL fd_read
    JNZ fail
    PUSH a
    PUSH nread
    LOAD32_U
    SYSCALL print_bytes
    PUSH nread
    LOAD32_U
    RET
fail:
    PUSH 99
    RET
.end
"#;
    // `a` and `b` are consecutive 8-aligned segments: a at X, b at X + 8.
    let out = run(source, Capabilities::default(), b"abcdefg");
    assert_eq!(out.exit_code(), 7);
    assert_eq!(&out.stdout()[..3], b"abc");
}

/// Prints the NUL-separated strings of args_get or environ_get.
fn strings_program(sizes: &str, get: &str) -> String {
    format!(
        r#"
.data count u32 0
.data size u32 0
.data ptrs zero 64
.data buf zero 256
.func main results=1
    PUSH count
    PUSH size
    SYSCALL {sizes}
    JNZ fail
    PUSH ptrs
    PUSH buf
    SYSCALL {get}
    JNZ fail
    PUSH buf
    PUSH size
    LOAD32_U
    SYSCALL print_bytes
    PUSH count
    LOAD32_U
    RET
fail:
    PUSH 99
    RET
.end
"#
    )
}

#[test]
fn args_and_environment_come_from_the_capabilities() {
    let capabilities = Capabilities {
        args: Some(vec!["prog".into(), "a b".into()]),
        env: Some(vec![("K".into(), "V".into())]),
        ..Capabilities::default()
    };
    let args = run(
        &strings_program("args_sizes_get", "args_get"),
        capabilities.clone(),
        b"",
    );
    assert_eq!(args.exit_code(), 2);
    assert_eq!(args.stdout(), b"prog\0a b\0");
    let env = run(
        &strings_program("environ_sizes_get", "environ_get"),
        capabilities,
        b"",
    );
    assert_eq!(env.exit_code(), 1);
    assert_eq!(env.stdout(), b"K=V\0");
    let denied = Capabilities {
        env: None,
        ..Capabilities::default()
    };
    let out = run(
        &strings_program("environ_sizes_get", "environ_get"),
        denied,
        b"",
    );
    assert_eq!(out.exit_code(), 99);
    assert_eq!(out.host.denials()[0].call, Syscall::EnvironSizesGet);
}

const RANDOM: &str = r#"
.data buf zero 16
.func main results=1
    PUSH buf
    PUSH 16
    SYSCALL random_get
    PUSH buf
    PUSH 16
    SYSCALL print_bytes
    RET
.end
"#;

#[test]
fn random_get_is_seeded_reproducible_or_denied() {
    let seeded = |seed| Capabilities {
        random: Some(RandomSource::Seeded(seed)),
        ..Capabilities::default()
    };
    let a = run(RANDOM, seeded(1), b"");
    let b = run(RANDOM, seeded(1), b"");
    let c = run(RANDOM, seeded(2), b"");
    assert_eq!(a.exit_code(), 0);
    assert_eq!(a.stdout(), b.stdout());
    assert_ne!(a.stdout(), c.stdout());
    assert_ne!(a.stdout(), [0u8; 16]);
    let os = Capabilities {
        random: Some(RandomSource::Os),
        ..Capabilities::default()
    };
    assert_ne!(
        run(RANDOM, os.clone(), b"").stdout(),
        run(RANDOM, os, b"").stdout()
    );
    let denied = run(RANDOM, Capabilities::default(), b"");
    assert_eq!(denied.exit_code(), 76);
    assert_eq!(denied.stdout(), [0u8; 16]);
}

#[test]
fn clock_time_get_reads_the_granted_clock() {
    // clock_time_get(realtime, precision = 1 (an i64), &t); exit code = t / 1000.
    let source = r#"
.data t u64 0
.func main results=1
    PUSH 0
    PUSH 1
    PUSH t
    SYSCALL clock_time_get
    JNZ fail
    PUSH t
    LOAD64_U
    PUSH 1000
    DIV_U
    RET
fail:
    PUSH 99
    RET
.end
"#;
    let virtual_clock = Capabilities {
        clock: Some(ClockSource::Virtual {
            start_nanos: 5_000_000,
        }),
        ..Capabilities::default()
    };
    assert_eq!(run(source, virtual_clock, b"").exit_code(), 5_000);
    assert_eq!(run(source, Capabilities::default(), b"").exit_code(), 99);
}

#[test]
fn proc_exit_stops_with_its_code_or_traps_when_denied() {
    let source = r#"
.func main
    PUSH 42
    SYSCALL proc_exit
    PUSH 1
    SYSCALL print_int
    HALT
.end
"#;
    let out = run(source, Capabilities::default(), b"");
    assert_eq!(out.exit_code(), 42);
    assert!(out.stdout().is_empty());
    let denied = Capabilities {
        exit: false,
        ..Capabilities::default()
    };
    match run(source, denied, b"").result {
        Err(RunError::Trap(trap)) => assert_eq!(
            trap.kind,
            TrapKind::Denied {
                call: "proc_exit",
                capability: "exit"
            }
        ),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn word_calls_need_their_capabilities_too() {
    let source = ".func main\n PUSH 7\n SYSCALL print_int\n HALT\n.end\n";
    let denied = Capabilities {
        stdout: false,
        ..Capabilities::default()
    };
    let out = run(source, denied, b"");
    match out.result {
        Err(RunError::Trap(trap)) => {
            assert_eq!(
                trap.kind.to_string(),
                "denied: print_int (the `stdout` capability is not granted)"
            )
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_eq!(out.host.denials().len(), 1);
}

/// Opens `name` below descriptor 3 with `oflags` and `rights`, writes or reads, and
/// returns errno (or the byte count) as the exit code.
const FILES: &str = r#"
.data name "out.txt"
.data escape "../secret.txt"
.data msg "file data"
.data iov u32 msg msg.len
.data fd u32 0
.data n u32 0
.data buf zero 32
.data riov u32 buf 32
.data prestat zero 8
.data dirname zero 16
.func main results=1
    .local e
    ; prestat of 3: a directory named "sandbox"
    PUSH 3
    PUSH prestat
    SYSCALL fd_prestat_get
    LOCAL_TEE e
    JNZ fail
    PUSH 3
    PUSH dirname
    PUSH prestat
    LOAD32_U 4
    SYSCALL fd_prestat_dir_name
    LOCAL_TEE e
    JNZ fail
    PUSH dirname
    PUSH prestat
    LOAD32_U 4
    SYSCALL print_bytes
    ; create out.txt for writing (oflags CREAT|TRUNC, rights FD_WRITE)
    PUSH 3
    PUSH 1
    PUSH name
    PUSH name.len
    PUSH 9
    PUSH 64
    PUSH 0
    PUSH 0
    PUSH fd
    SYSCALL path_open
    LOCAL_TEE e
    JNZ fail
    PUSH fd
    LOAD32_U
    PUSH iov
    PUSH 1
    PUSH n
    SYSCALL fd_write
    LOCAL_TEE e
    JNZ fail
    PUSH fd
    LOAD32_U
    SYSCALL fd_close
    LOCAL_TEE e
    JNZ fail
    ; open it again for reading (rights FD_READ) and print it
    PUSH 3
    PUSH 1
    PUSH name
    PUSH name.len
    PUSH 0
    PUSH 2
    PUSH 0
    PUSH 0
    PUSH fd
    SYSCALL path_open
    LOCAL_TEE e
    JNZ fail
    PUSH fd
    LOAD32_U
    PUSH riov
    PUSH 1
    PUSH n
    SYSCALL fd_read
    LOCAL_TEE e
    JNZ fail
    PUSH buf
    PUSH n
    LOAD32_U
    SYSCALL print_bytes
    ; escaping the directory is refused: the errno is the exit code
    PUSH 3
    PUSH 1
    PUSH escape
    PUSH escape.len
    PUSH 0
    PUSH 2
    PUSH 0
    PUSH 0
    PUSH fd
    SYSCALL path_open
    RET
fail:
    LOCAL_GET e
    PUSH 1000
    ADD
    RET
.end
"#;

#[test]
fn files_inside_a_granted_directory_work_and_escapes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("box");
    std::fs::create_dir(&sandbox).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    let capabilities = Capabilities {
        dirs: vec![Preopen {
            host: sandbox.clone(),
            guest: "sandbox".into(),
            read_only: false,
        }],
        ..Capabilities::default()
    };
    let out = run(FILES, capabilities, b"");
    assert_eq!(out.exit_code(), 76, "{}", out.io.output_text());
    assert_eq!(out.io.output_text(), "sandboxfile data");
    assert_eq!(
        std::fs::read_to_string(sandbox.join("out.txt")).unwrap(),
        "file data"
    );
    let denials = out.host.denials();
    assert_eq!(denials.len(), 1);
    assert_eq!(
        denials[0].reason,
        DenialReason::Escape("../secret.txt".into())
    );
}

#[test]
fn a_read_only_directory_refuses_writes_and_records_opened_files() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("box");
    std::fs::create_dir(&sandbox).unwrap();
    let read_only = |read_only| Capabilities {
        dirs: vec![Preopen {
            host: sandbox.clone(),
            guest: "sandbox".into(),
            read_only,
        }],
        ..Capabilities::default()
    };
    // Creating out.txt is refused below a read-only directory.
    let out = run(FILES, read_only(true), b"");
    assert_eq!(out.exit_code(), 1076, "{}", out.io.output_text());
    assert!(!sandbox.join("out.txt").exists());
    assert_eq!(
        out.host.denials()[0].reason,
        DenialReason::ReadOnly("out.txt".into())
    );
    assert_eq!(
        out.host.denials()[0].to_string(),
        "denied: path_open (`out.txt` is in a read-only directory)"
    );
    // Written with write access, the file can then be read below the read-only grant.
    let out = run(FILES, read_only(false), b"");
    assert_eq!(out.exit_code(), 76);
    let (opened, unrecorded) = out.host.opened_files();
    assert_eq!(unrecorded, 0);
    let opened: Vec<(String, bool)> = opened
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                f.write,
            )
        })
        .collect();
    assert_eq!(
        opened,
        [
            ("out.txt".to_string(), true),
            ("out.txt".to_string(), false)
        ]
    );
    let out = run(FILES, read_only(true), b"");
    assert_eq!(out.exit_code(), 1076);
}

#[test]
fn without_a_directory_every_file_call_is_denied_and_recorded() {
    // Descriptor 3 is a stand-in preopen named "/" (so wasi-libc asks the host instead of
    // failing on its own); opening anything below it is refused for want of `files`.
    let out = run(FILES, Capabilities::default(), b"");
    assert_eq!(out.io.output_text(), "/");
    assert_eq!(out.exit_code(), 1076);
    let denials = out.host.denials();
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].call, Syscall::PathOpen);
    assert_eq!(denials[0].reason, DenialReason::Missing(Capability::Files));
    // Descriptor 4 does not exist: the end of the preopen list, not a denial.
    let source = r#"
.data prestat zero 8
.func main results=1
    PUSH 4
    PUSH prestat
    SYSCALL fd_prestat_get
    RET
.end
"#;
    let out = run(source, Capabilities::default(), b"");
    assert_eq!(out.exit_code(), 8);
    assert!(out.host.denials().is_empty());
}

#[test]
fn a_missing_directory_cannot_be_granted() {
    let capabilities = Capabilities {
        dirs: vec![Preopen {
            host: "/definitely/not/here".into(),
            guest: ".".into(),
            read_only: false,
        }],
        ..Capabilities::default()
    };
    let error = Host::new(capabilities).unwrap_err();
    assert!(
        error.to_string().contains("/definitely/not/here"),
        "{error}"
    );
}
