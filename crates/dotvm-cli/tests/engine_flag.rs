//! `dotvm run --engine`: `auto` (the default) interprets while a second thread compiles,
//! and switches to native code at calls once it is ready (32- to 128-bit words); `jit`
//! compiles programs of every architecture first; `interp` always interprets; `--verbose`
//! says which engine ran; every engine gives the same output, exit status and trap.

use std::path::Path;
use std::process::{Command, Output};

fn dotvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .output()
        .expect("start dotvm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes a program that prints the sum 1..=n, then divides by zero when `trap`.
fn program(dir: &Path, arch: &str, trap: bool) -> String {
    let path = dir.join(format!("sum_{arch}_{trap}.dasm"));
    let tail = if trap {
        "    PUSH 1\n    PUSH 0\n    DIV_U\n    POP\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            ".arch {arch}\n.func main\n    .local i\n    .local s\n    PUSH 1000\n    LOCAL_SET i\n\
             loop:\n    LOCAL_GET s\n    LOCAL_GET i\n    ADD\n    LOCAL_SET s\n    LOCAL_GET i\n    PUSH 1\n    SUB\n    LOCAL_TEE i\n    JNZ loop\n\
             LOCAL_GET s\n    SYSCALL print_uint\n{tail}    HALT\n.end\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn every_engine_gives_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    for trap in [false, true] {
        let file = program(dir.path(), "arch64", trap);
        let runs: Vec<Output> = ["auto", "jit", "interp"]
            .iter()
            .map(|engine| dotvm(&["run", "--engine", engine, &file]))
            .collect();
        for run in &runs {
            assert_eq!(text(&run.stdout), "500500");
            assert_eq!(run.status.code(), runs[2].status.code());
            assert_eq!(text(&run.stderr), text(&runs[2].stderr));
        }
        assert_eq!(runs[0].status.success(), !trap);
        if trap {
            assert!(
                text(&runs[0].stderr).contains("divide by zero"),
                "{}",
                text(&runs[0].stderr)
            );
        }
    }
}

#[test]
fn verbose_names_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let file = program(dir.path(), "arch64", false);
    let jit = dotvm(&["run", "--verbose", "--engine", "jit", &file]);
    assert!(
        text(&jit.stderr).contains("engine           jit (compiled in"),
        "{}",
        text(&jit.stderr)
    );
    // `auto` (the default) runs tiered: this short run ends long before the compiler.
    let auto = dotvm(&["run", "--verbose", &file]);
    assert!(
        text(&auto.stderr).contains("engine           auto ("),
        "{}",
        text(&auto.stderr)
    );
    let interp = dotvm(&["run", "--verbose", "--engine", "interp", &file]);
    assert!(text(&interp.stderr).contains("engine           interp (--engine interp)"));
}

#[test]
fn every_architecture_runs_under_the_jit() {
    let dir = tempfile::tempdir().unwrap();
    let file = program(dir.path(), "arch256", false);
    let auto = dotvm(&["run", "--verbose", &file]);
    assert!(auto.status.success(), "{}", text(&auto.stderr));
    assert_eq!(text(&auto.stdout), "500500");
    assert!(
        text(&auto.stderr).contains("engine           interp (auto: the JIT computes 256-"),
        "{}",
        text(&auto.stderr)
    );
    for arch in ["arch32", "arch256", "arch512"] {
        let file = program(dir.path(), arch, false);
        let jit = dotvm(&["run", "--engine", "jit", &file]);
        assert!(jit.status.success(), "{arch}: {}", text(&jit.stderr));
        assert_eq!(text(&jit.stdout), "500500", "{arch}");
    }
}

/// A program whose `main` calls `work` in a loop long enough for the compiler thread.
const LONG: &str = ".arch arch64
.func main
    .local i
    .local s
loop:
    LOCAL_GET s
    LOCAL_GET i
    CALL work
    LOCAL_SET s
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH 30000000
    LT_U
    JNZ loop
    LOCAL_GET s
    SYSCALL print_uint
    HALT
.end
.func work results=1
    .param s
    .param i
    LOCAL_GET s
    PUSH 31
    MUL
    LOCAL_GET i
    XOR
    RET
.end
";

#[test]
fn auto_switches_a_long_run_to_native_code() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.dasm");
    std::fs::write(&file, LONG).unwrap();
    let file = file.display().to_string();
    let auto = dotvm(&["run", "--verbose", &file]);
    let interp = dotvm(&["run", "--engine", "interp", &file]);
    assert!(auto.status.success(), "{}", text(&auto.stderr));
    assert_eq!(text(&auto.stdout), text(&interp.stdout));
    assert!(
        text(&auto.stderr).contains("calls ran native code from then on"),
        "{}",
        text(&auto.stderr)
    );
}
