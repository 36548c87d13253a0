//! `--arch` on the command line: `dotvm run --arch` assembles `.dasm` input for the named
//! architecture and refuses bytecode built for another one; `dotvm asm -a` records the
//! architecture in the header and `dotvm inspect` shows it.

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

/// Writes a program that prints the word -1 as unsigned: all ones of the word.
fn all_ones_program(dir: &Path) -> String {
    let path = dir.join("ones.dasm");
    std::fs::write(
        &path,
        ".arch arch64\n.func main\n    PUSH 1\n    NEG\n    SYSCALL print_uint\n    HALT\n.end\n",
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn run_assembles_dasm_input_for_the_requested_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let program = all_ones_program(dir.path());
    for (arch, expected) in [
        ("arch32", "4294967295".to_string()),
        ("arch64", u64::MAX.to_string()),
        ("arch128", u128::MAX.to_string()),
        ("256", num_max(256)),
    ] {
        let output = dotvm(&["run", "--arch", arch, &program]);
        assert!(output.status.success(), "{arch}: {}", text(&output.stderr));
        assert_eq!(text(&output.stdout), expected, "{arch}");
    }
}

/// 2^bits - 1 in decimal, by repeated doubling of a decimal digit string.
fn num_max(bits: u32) -> String {
    let mut digits = vec![1u8]; // little-endian decimal digits of 2^k
    for _ in 0..bits {
        let mut carry = 0;
        for d in &mut digits {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    // 2^bits never ends in 0, so subtracting one only touches the last digit.
    digits[0] -= 1;
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[test]
fn run_refuses_bytecode_for_another_architecture_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let program = all_ones_program(dir.path());
    let bytecode = dir.path().join("ones.dotvm").display().to_string();
    let asm = dotvm(&["asm", "-a", "arch128", &program, "-o", &bytecode]);
    assert!(asm.status.success(), "{}", text(&asm.stderr));

    let same = dotvm(&["run", "--arch", "arch128", &bytecode]);
    assert!(same.status.success(), "{}", text(&same.stderr));
    assert_eq!(text(&same.stdout), u128::MAX.to_string());

    let other = dotvm(&["run", "--arch", "arch256", &bytecode]);
    assert_eq!(other.status.code(), Some(1));
    let message = text(&other.stderr);
    assert!(
        message.contains("arch128") && message.contains("arch256"),
        "{message}"
    );
    assert!(other.stdout.is_empty());

    let inspect = dotvm(&["inspect", &bytecode]);
    assert!(inspect.status.success());
    assert!(
        text(&inspect.stdout).contains("arch128 (128-bit words)"),
        "{}",
        text(&inspect.stdout)
    );
}

#[test]
fn an_unknown_architecture_is_a_usage_error() {
    let output = dotvm(&["run", "--arch", "arch63", "x.dasm"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("arch63"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn immediates_wider_than_the_requested_word_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.dasm");
    std::fs::write(
        &path,
        ".func main\n    PUSH 0x1_0000_0000\n    SYSCALL print_uint\n    HALT\n.end\n",
    )
    .unwrap();
    let program = path.display().to_string();
    let output = dotvm(&["run", "--arch", "arch32", &program]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("does not fit the 32-bit word of arch32"),
        "{}",
        text(&output.stderr)
    );
    let output = dotvm(&["run", "--arch", "arch64", &program]);
    assert_eq!(text(&output.stdout), "4294967296");
}
