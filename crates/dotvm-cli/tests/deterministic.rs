//! `dotvm run --deterministic`: randomness comes from a fixed-seed stream, so two runs print
//! the same bytes; without the flag each run draws from the operating system.

use std::process::Command;

const PROGRAM: &str = "\
.arch arch64
.memory 1
.data hexdigits \"0123456789abcdef\"
.func main results=1
    .local i
    PUSH 0x100
    PUSH 16
    RANDOM
    JNZ denied
loop:
    PUSH 0x100
    LOCAL_GET i
    ADD
    LOAD8_U
    PUSH 15
    AND
    PUSH hexdigits
    ADD
    LOAD8_U
    SYSCALL print_char
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH 16
    LT_U
    JNZ loop
    PUSH 0
    RET
denied:
    PUSH 3
    RET
.end
";

fn run(flags: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.dasm");
    std::fs::write(&path, PROGRAM).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .arg("run")
        .arg(&path)
        .args(flags)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn deterministic_runs_repeat_their_random_bytes() {
    let first = run(&["--deterministic"]);
    assert_eq!(first.len(), 16);
    assert_eq!(first, run(&["--deterministic"]));
    assert_eq!(
        first,
        run(&["--deterministic", "--debug"]),
        "the tracer sees the same stream"
    );
}

#[test]
fn ordinary_runs_draw_from_the_operating_system() {
    assert_ne!(run(&[]), run(&[]));
}
