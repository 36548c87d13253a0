//! Bad assembly sources: every mistake is reported at the right line and column with a
//! message that says what is wrong.

use dotvm_core::asm::{AsmError, AsmOptions, assemble};

/// Assembles `source` expecting an error at `line:col` whose message contains `phrase`.
#[track_caller]
fn fails(source: &str, line: u32, col: u32, phrase: &str) {
    let err: AsmError = match assemble(source, "bad.dasm", &AsmOptions::default()) {
        Ok(module) => panic!("assembled but should fail with {phrase:?}: {module:?}"),
        Err(e) => e,
    };
    assert!(
        err.message.contains(phrase),
        "message {:?} lacks {phrase:?}",
        err.message
    );
    assert_eq!(
        (err.line, err.col),
        (line, col),
        "wrong position for {:?}",
        err.message
    );
    assert_eq!(err.file, "bad.dasm");
    assert!(
        err.to_string()
            .starts_with(&format!("bad.dasm:{line}:{col}: "))
    );
}

/// Wraps instructions in a `main` function (body starts on line 2).
fn in_main(body: &str) -> String {
    format!(".func main max_stack=4\n{body}\nHALT\n.end\n")
}

#[test]
fn unknown_mnemonic_suggests_the_closest() {
    fails(
        &in_main("  PUHS 1"),
        2,
        3,
        "unknown mnemonic `PUHS`; did you mean `PUSH`?",
    );
    fails(&in_main("  local_gte 0"), 2, 3, "did you mean `LOCAL_GET`?");
    fails(
        &in_main("  FROBNICATE"),
        2,
        3,
        "unknown mnemonic `FROBNICATE`",
    );
}

#[test]
fn unknown_directive_suggests_the_closest() {
    fails(
        ".globl x 1\n",
        1,
        1,
        "unknown directive `.globl`; did you mean `.global`?",
    );
}

#[test]
fn missing_operand() {
    fails(&in_main("  PUSH"), 2, 3, "missing operand of `PUSH`");
    fails(
        &in_main("  CALL"),
        2,
        3,
        "missing operand of `CALL`: a function",
    );
}

#[test]
fn extra_operand() {
    fails(
        &in_main("  ADD 1"),
        2,
        7,
        "unexpected `1` after `ADD` (it takes no operand)",
    );
    fails(
        &in_main("  PUSH 1 2"),
        2,
        10,
        "unexpected `2` after the operand of `PUSH`",
    );
}

#[test]
fn wrong_operand_kind() {
    fails(&in_main("  JMP 12"), 2, 7, "expected a label (or `@OFFSET`");
    fails(
        &in_main("  PUSH \"text\""),
        2,
        8,
        "expected a number, character, constant or data label",
    );
    fails(
        &in_main("  LOAD -4"),
        2,
        8,
        "a memory offset must not be negative",
    );
}

#[test]
fn undefined_and_duplicate_labels() {
    fails(
        &in_main("  JMP nowhere"),
        2,
        7,
        "undefined label `nowhere` in function `main`",
    );
    fails(
        &in_main("top:\n  NOP\ntop:"),
        4,
        1,
        "duplicate label `top` (first defined on line 2)",
    );
    fails("top:\n", 1, 1, "label `top` outside a function");
}

#[test]
fn undefined_and_duplicate_functions() {
    fails(
        &in_main("  CALL helpr\n.end\n.func helper\n  RET"),
        2,
        8,
        "undefined function `helpr`; did you mean `helper`?",
    );
    fails(
        ".func f\nRET\n.end\n.func f\nRET\n.end\n",
        4,
        7,
        "duplicate function `f` (first defined on line 1)",
    );
}

#[test]
fn undefined_and_duplicate_constants() {
    fails(
        &in_main("  PUSH LIMIT"),
        2,
        8,
        "undefined constant or data label `LIMIT`",
    );
    fails(
        ".const A 1\n.const A 2\n",
        2,
        1,
        "duplicate name `A`: already a constant",
    );
    fails(
        &in_main("  PUSH_CONST hello"),
        2,
        14,
        "undefined constant-table entry `hello`",
    );
    fails(
        ".pool s str \"a\"\n.pool s str \"b\"\n",
        2,
        7,
        "duplicate constant-table entry `s`",
    );
    fails(
        &in_main("  GLOBAL_GET count"),
        2,
        14,
        "undefined global `count`",
    );
}

#[test]
fn unterminated_string_and_bad_escapes() {
    fails(".pool s str \"abc\n", 1, 13, "unterminated string literal");
    fails(".pool s str \"a\\qb\"\n", 1, 15, "bad escape `\\q`");
    fails(
        ".pool s str \"\\u{d800}\"\n",
        1,
        14,
        "not a Unicode scalar value",
    );
    fails(
        ".pool s str \"\\xff\"\n",
        1,
        13,
        "string constant is not valid UTF-8",
    );
    fails(
        &in_main("  PUSH 'ab'"),
        2,
        8,
        "unterminated character literal",
    );
    fails(".pool b bytes x\"0g\"\n", 1, 18, "`g` is not a hex digit");
}

#[test]
fn numbers_too_wide_name_the_width() {
    fails(
        &in_main("  PUSH 0x1_0000_0000_0000_0000"),
        2,
        8,
        "0x1_0000_0000_0000_0000 does not fit the 64-bit word of arch64",
    );
    fails(
        &format!(".arch arch32\n{}", in_main("  PUSH -0x8000_0001")),
        3,
        8,
        "-0x8000_0001 does not fit the 32-bit word of arch32",
    );
    fails(
        &in_main("  PICK 256"),
        2,
        8,
        "256 is too large for a PICK depth (at most 255)",
    );
    fails(
        ".data d u8 256\n",
        1,
        12,
        "value does not fit a 8-bit field",
    );
    fails(
        &in_main("  SYSCALL 70000"),
        2,
        11,
        "70000 is too large for a system-call number",
    );
}

#[test]
fn directives_in_the_wrong_place() {
    fails(
        &in_main("  .global g 1"),
        2,
        3,
        "`.global` is not allowed inside a function (end `main` with `.end` first)",
    );
    fails(
        &in_main(".func inner"),
        2,
        1,
        "`.func` inside function `main` (missing `.end`?)",
    );
    fails(".end\n", 1, 1, "`.end` outside a function");
    fails("PUSH 1\n", 1, 1, "instruction `PUSH` outside a function");
    fails(
        ".const A 1\n.arch arch32\n",
        2,
        1,
        "`.arch` must come before every other directive",
    );
    fails(".arch arch63\n", 1, 7, "unknown architecture `arch63`");
}

#[test]
fn missing_end_and_missing_entry() {
    fails(
        "; prog\n.func main\n  HALT\n",
        2,
        1,
        "function `main` has no `.end`",
    );
    fails(
        ".func start max_stack=0\n  HALT\n.end\n",
        1,
        1,
        "no entry function: define a function named `main`",
    );
    fails(
        &in_main("").replace(".end\n", ".end\n.entry begin\n"),
        5,
        8,
        "undefined function `begin`",
    );
}

#[test]
fn locals_and_function_attributes() {
    fails(
        ".func main params=0 locals=1 max_stack=1\n  LOCAL_GET 1\n  HALT\n.end\n",
        2,
        13,
        "local index 1 out of range (`main` has 1 params and locals)",
    );
    fails(
        ".func main params=1\n  .param a\n  .param b\n",
        3,
        10,
        "`.param b` names slot 2 but `main` has params=1",
    );
    fails(
        &in_main("  LOCAL_GET x"),
        2,
        13,
        "undefined local `x` in `main`",
    );
    fails(
        ".func main parms=1\n",
        1,
        12,
        "unknown `.func` attribute `parms`; did you mean `params`?",
    );
    fails(
        ".func main results 1\n",
        1,
        12,
        "expected `=` after `results`",
    );
}

#[test]
fn syscalls_and_data_layout() {
    fails(
        &in_main("  SYSCALL print_it"),
        2,
        11,
        "unknown system call `print_it` (did you mean `print_int`?",
    );
    fails(
        ".pool s str \"hello\"\n.data d at 2 u8 1\n",
        2,
        1,
        "data `d` at 2 overlaps the read-only constant region [0, 5)",
    );
    fails(
        ".memory 1\n.data big at 65530 u64 1\n",
        2,
        1,
        "data `big` ends at 65538, past the initial memory of 1 pages",
    );
    fails(
        ".memory 4 2\n",
        1,
        1,
        "maximum of 2 pages is below the initial 4 pages",
    );
    fails(".data d msg.len\n", 1, 9, "expected data");
}

#[test]
fn line_and_debug_directives() {
    fails(
        &in_main("  .line 3\n  .line 4"),
        3,
        3,
        "two `.line` directives before one instruction",
    );
    fails(
        ".debug none\n.source \"x.dasm\"\n",
        2,
        1,
        "debug information is turned off by `.debug none`",
    );
    fails(
        ".func main max_stack=0\n  HALT\n  .line 7\n.end\n",
        3,
        3,
        "`.line` is not followed by an instruction",
    );
}

#[test]
fn max_stack_analysis_failures_point_at_the_function() {
    fails(
        ".func main\n  ADD\n  HALT\n.end\n",
        1,
        1,
        "cannot compute max_stack of `main`",
    );
}

#[test]
fn never_panics_on_hostile_text() {
    for source in [
        "\"",
        "'",
        "x\"",
        ".func",
        ".func \"\\xff\"",
        ":",
        "a:b:c:",
        ".data d zero 99999999999999999999",
        ".data d zero 18446744073709551615",
        ".data d at 18446744073709551615 u8 1",
        ".memory 4294967296\n.func main\nHALT\n.end",
        "\u{feff}.func main\n",
        ".pool p f64 bits -1",
        ".func main\n JMP @99999999999\n.end",
        ".const A 'x\n",
        ".func main\nPUSH \u{1F600}\n.end",
    ] {
        assert!(
            assemble(source, "hostile.dasm", &AsmOptions::default()).is_err(),
            "{source:?}"
        );
    }
}

#[test]
fn selectors_must_belong_to_the_instruction() {
    fails(
        &in_main("  HASH sha265"),
        2,
        8,
        "`sha265` is not a hash algorithm of `HASH` (did you mean `sha256`? known: sha256, sha512, sha3_256, keccak256, blake3)",
    );
    fails(
        &in_main("  SIGN x25519"),
        2,
        8,
        "`x25519` is not a signature algorithm of `SIGN`",
    );
    fails(
        &in_main("  RECOVER p256"),
        2,
        11,
        "not a recoverable signature algorithm",
    );
    fails(&in_main("  BIGINT_TO_BYTES 3"), 2, 19, "not a byte format");
    fails(&in_main("  HASH"), 2, 3, "hash algorithm");
    fails(&in_main("  SEAL x25519"), 2, 8, "it takes no operand");
}
