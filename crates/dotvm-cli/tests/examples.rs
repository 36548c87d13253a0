//! Every program in `examples/` runs with its expected output (`NAME.out`, with `NAME.in` as
//! standard input when present), both as assembly and as assembled bytecode, and its
//! disassembly assembles back to the identical bytecode. The examples written for arch64
//! are portable: they print the same on all five architectures (`dotvm run --arch`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn examples() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dasm"))
        .collect();
    found.sort();
    found
}

fn dotvm(args: &[&std::ffi::OsStr], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        // Programs with database opcodes (counter.dasm) start from an empty store.
        .env("DOTVM_STATE", ":memory:")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dotvm");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn check_run(program: &Path, expected: &str, input: &[u8]) {
    check_run_with(program, &[], expected, input);
}

fn check_run_with(program: &Path, flags: &[&str], expected: &str, input: &[u8]) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref()];
    args.extend(flags.iter().map(std::ffi::OsStr::new));
    args.push(program.as_os_str());
    let output = dotvm(&args, input);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} {flags:?} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        expected,
        "{} {flags:?} printed the wrong output",
        program.display()
    );
}

#[test]
fn examples_print_their_expected_output() {
    let list = examples();
    assert!(
        list.len() >= 6,
        "examples/ should hold at least six programs"
    );
    let dir = tempfile::tempdir().unwrap();
    for source in list {
        let expected = std::fs::read_to_string(source.with_extension("out"))
            .unwrap_or_else(|_| panic!("{} has no .out file", source.display()));
        let input = std::fs::read(source.with_extension("in")).unwrap_or_default();
        check_run(&source, &expected, &input);

        let bytecode = dir
            .path()
            .join(source.file_name().unwrap())
            .with_extension("dotvm");
        let asm = dotvm(
            &[
                "asm".as_ref(),
                source.as_os_str(),
                "-o".as_ref(),
                bytecode.as_os_str(),
            ],
            b"",
        );
        assert!(
            asm.status.success(),
            "asm {}",
            String::from_utf8_lossy(&asm.stderr)
        );
        check_run(&bytecode, &expected, &input);

        let text = dotvm(&["disasm".as_ref(), bytecode.as_os_str()], b"");
        assert!(text.status.success());
        let listing = bytecode.with_extension("dis.dasm");
        std::fs::write(&listing, &text.stdout).unwrap();
        let again = bytecode.with_extension("again.dotvm");
        let reassembled = dotvm(
            &[
                "asm".as_ref(),
                listing.as_os_str(),
                "-o".as_ref(),
                again.as_os_str(),
            ],
            b"",
        );
        assert!(
            reassembled.status.success(),
            "{}",
            String::from_utf8_lossy(&reassembled.stderr)
        );
        assert_eq!(
            std::fs::read(&bytecode).unwrap(),
            std::fs::read(&again).unwrap(),
            "disassembly of {} does not reassemble to the same bytes",
            source.display()
        );
    }
}

#[test]
fn arch64_examples_print_the_same_on_every_architecture() {
    let mut portable = 0;
    for source in examples() {
        let text = std::fs::read_to_string(&source).unwrap();
        if !text.lines().any(|line| line.trim() == ".arch arch64") {
            continue;
        }
        portable += 1;
        let expected = std::fs::read_to_string(source.with_extension("out")).unwrap();
        let input = std::fs::read(source.with_extension("in")).unwrap_or_default();
        for arch in ["arch32", "arch64", "arch128", "arch256", "arch512"] {
            check_run_with(&source, &["--arch", arch], &expected, &input);
        }
    }
    assert!(portable >= 6, "only {portable} portable examples");
}
