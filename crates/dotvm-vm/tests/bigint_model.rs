//! BigInt instructions from bytecode against models: property tests against `num-bigint`
//! used directly, and a golden file of Python integer results.

mod support;

use dotvm_core::Module;
use dotvm_vm::Limits;
use num_bigint::BigInt;
use num_integer::Integer as _;
use proptest::prelude::*;
use std::sync::LazyLock;
use support::{module, patched, run_module};

/// Reads a (0x1000), b (0x2000), m (0x3000) as decimal text and prints, one per line, the
/// result of every BigInt operation on them (`none` for a missing value), then the live
/// object count.
const PROGRAM: &str = r#"
.arch arch64
.memory 4
.global a_len 0
.global b_len 0
.global m_len 0
.global k 0
.global p 0
.data none "none"
.data hexdigits "0123456789abcdef"

.func main
    .local a
    .local b
    .local m
    .local e
    PUSH 0x1000
    GLOBAL_GET a_len
    BIGINT_FROM_DEC
    LOCAL_SET a
    PUSH 0x2000
    GLOBAL_GET b_len
    BIGINT_FROM_DEC
    LOCAL_SET b
    PUSH 0x3000
    GLOBAL_GET m_len
    BIGINT_FROM_DEC
    LOCAL_SET m
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_ADD
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_SUB
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_MUL
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_DIV
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_REM
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_DIV_FLOOR
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_MOD_FLOOR
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_GCD
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_AND
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_OR
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_XOR
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    BIGINT_CMP
    SYSCALL print_int
    PUSH '\n'
    SYSCALL print_char
    LOCAL_GET a
    BIGINT_NEG
    CALL show
    LOCAL_GET a
    BIGINT_ABS
    CALL show
    LOCAL_GET a
    BIGINT_NOT
    CALL show
    LOCAL_GET a
    GLOBAL_GET k
    BIGINT_SHL
    CALL show
    LOCAL_GET a
    GLOBAL_GET k
    BIGINT_SHR
    CALL show
    LOCAL_GET a
    GLOBAL_GET p
    BIGINT_POW
    CALL show
    LOCAL_GET a
    LOCAL_GET m
    BIGINT_MODINV
    CALL show
    LOCAL_GET b
    BIGINT_ABS
    LOCAL_TEE e
    LOCAL_GET m
    LOCAL_GET a             ; (a, |b|, m) needs a below: reorder with ROT
    ROT
    ROT                     ; stack: |b| m a -> m a |b| -> a |b| m
    BIGINT_MODPOW
    CALL show
    LOCAL_GET a
    LOCAL_GET b
    LOCAL_GET m
    BIGINT_MODPOW           ; a signed exponent
    CALL show
    LOCAL_GET e
    BIGINT_FREE
    LOCAL_GET a
    BIGINT_TO_WORD
    SYSCALL print_int
    PUSH '\n'
    SYSCALL print_char
    LOCAL_GET a
    PUSH 0x6000
    PUSH 0x1000
    BIGINT_TO_BYTES le_signed
    PUSH 0x6000
    SWAP
    CALL print_hex
    LOCAL_GET b
    PUSH 0x6000
    PUSH 0x1000
    BIGINT_TO_BYTES be
    LOCAL_SET e             ; e: the byte count now
    PUSH 0x6000
    LOCAL_GET e
    CALL print_hex
    PUSH 0x6000
    LOCAL_GET e
    BIGINT_FROM_BYTES be    ; read back |b| from the bytes just written
    CALL show
    BIGINT_COUNT
    SYSCALL print_uint
    HALT
.end

; show(h): h's decimal text (or "none" for 0) and a newline; frees h
.func show
    .param h
    .local n
    LOCAL_GET h
    JNZ some
    PUSH none
    PUSH none.len
    SYSCALL print_bytes
    JMP end
some:
    LOCAL_GET h
    PUSH 0x8000
    PUSH 0x8000
    BIGINT_TO_DEC
    LOCAL_SET n
    PUSH 0x8000
    LOCAL_GET n
    SYSCALL print_bytes
    LOCAL_GET h
    BIGINT_FREE
end:
    PUSH '\n'
    SYSCALL print_char
    RET
.end

; print_hex(addr, len): lower-case hex and a newline
.func print_hex
    .param addr
    .param len
    .local i
loop:
    LOCAL_GET i
    LOCAL_GET len
    LT_U
    JZ done
    LOCAL_GET addr
    LOCAL_GET i
    ADD
    LOAD8_U
    DUP
    PUSH 4
    SHR
    PUSH hexdigits
    ADD
    LOAD8_U
    SYSCALL print_char
    PUSH 15
    AND
    PUSH hexdigits
    ADD
    LOAD8_U
    SYSCALL print_char
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_SET i
    JMP loop
done:
    PUSH '\n'
    SYSCALL print_char
    RET
.end
"#;

static TEMPLATE: LazyLock<Module> = LazyLock::new(|| module(PROGRAM));

/// The program's output for a, b (non-zero), m (positive), shift k and power p.
fn vm_lines(a: &BigInt, b: &BigInt, m: &BigInt, k: u64, p: u64) -> Vec<String> {
    let (ta, tb, tm) = (a.to_string(), b.to_string(), m.to_string());
    let program = patched(
        &TEMPLATE,
        &[
            (0x1000, ta.as_bytes()),
            (0x2000, tb.as_bytes()),
            (0x3000, tm.as_bytes()),
        ],
        &[ta.len() as u64, tb.len() as u64, tm.len() as u64, k, p],
    );
    let run = run_module(program, &Limits::default(), false);
    assert_eq!(run.exit_code(), 0);
    String::from_utf8(run.output)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same lines computed with num-bigint directly.
fn model_lines(a: &BigInt, b: &BigInt, m: &BigInt, k: u64, p: u64) -> Vec<String> {
    let show = |v: Option<BigInt>| v.map_or("none".to_string(), |v| v.to_string());
    let modpow = |e: &BigInt| {
        if e.sign() == num_bigint::Sign::Minus {
            a.modinv(m).map(|inv| inv.modpow(&-e, m))
        } else {
            Some(a.modpow(e, m))
        }
    };
    let low_word = {
        let bytes = a.to_signed_bytes_le();
        let fill = if a.sign() == num_bigint::Sign::Minus {
            0xFF
        } else {
            0
        };
        let mut word = [fill; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        i64::from_le_bytes(word)
    };
    vec![
        show(Some(a + b)),
        show(Some(a - b)),
        show(Some(a * b)),
        show(Some(a / b)),
        show(Some(a % b)),
        show(Some(a.div_floor(b))),
        show(Some(a.mod_floor(b))),
        show(Some(a.gcd(b))),
        show(Some(a & b)),
        show(Some(a | b)),
        show(Some(a ^ b)),
        (a.cmp(b) as i8).to_string(),
        show(Some(-a)),
        show(Some(num_traits::Signed::abs(a))),
        show(Some(!a)),
        show(Some(a << k)),
        show(Some(a >> k)),
        show(Some(num_traits::Pow::pow(a, p))),
        show(a.modinv(m)),
        show(modpow(&num_traits::Signed::abs(b))),
        show(modpow(b)),
        low_word.to_string(),
        hex(&a.to_signed_bytes_le()),
        hex(&b.magnitude().to_bytes_be()),
        show(Some(BigInt::from(b.magnitude().clone()))),
        "3".to_string(),
    ]
}

/// A BigInt of up to `max_bytes` random two's-complement bytes.
fn big(max_bytes: usize) -> impl Strategy<Value = BigInt> {
    prop::collection::vec(any::<u8>(), 0..=max_bytes)
        .prop_map(|bytes| BigInt::from_signed_bytes_le(&bytes))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn bigint_ops_match_num_bigint(
        a in big(80),
        b in big(40).prop_filter("non-zero divisor", |b| b.sign() != num_bigint::Sign::NoSign),
        m in big(24).prop_map(|m| num_traits::Signed::abs(&m) + 1u32),
        k in 0u64..300,
        p in 0u64..12,
    ) {
        prop_assert_eq!(vm_lines(&a, &b, &m, k, p), model_lines(&a, &b, &m, k, p));
    }
}

#[test]
fn small_and_edge_operands_match_num_bigint() {
    let values = [
        "0",
        "1",
        "-1",
        "7",
        "-7",
        "18446744073709551615",
        "-18446744073709551616",
        "340282366920938463463374607431768211456",
        "-9223372036854775808",
    ];
    for a in values {
        for b in values.iter().filter(|b| **b != "0") {
            let (a, b): (BigInt, BigInt) = (a.parse().unwrap(), b.parse().unwrap());
            let m = BigInt::from(1_000_003);
            assert_eq!(
                vm_lines(&a, &b, &m, 65, 3),
                model_lines(&a, &b, &m, 65, 3),
                "a={a} b={b}"
            );
        }
    }
}

/// `tests/data/bigint_golden.txt`: lines `op a b result` computed with Python's integers
/// (`//` and `%` floor, truncation by sign-adjusted `abs(a) // abs(b)`).
#[test]
fn golden_python_results() {
    let golden = include_str!("data/bigint_golden.txt");
    let ops = |name: &str| match name {
        "add" => "BIGINT_ADD",
        "sub" => "BIGINT_SUB",
        "mul" => "BIGINT_MUL",
        "div" => "BIGINT_DIV",
        "rem" => "BIGINT_REM",
        "floordiv" => "BIGINT_DIV_FLOOR",
        "mod" => "BIGINT_MOD_FLOOR",
        "gcd" => "BIGINT_GCD",
        "and" => "BIGINT_AND",
        "or" => "BIGINT_OR",
        "xor" => "BIGINT_XOR",
        other => panic!("unknown op {other}"),
    };
    let mut count = 0;
    for line in golden
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split(' ').collect();
        let [op, a, b, expected] = fields[..] else {
            panic!("bad golden line {line}");
        };
        let source = format!(
            ".arch arch64\n.memory 2\n.data a \"{a}\"\n.data b \"{b}\"\n.func main\n    \
             PUSH a\n    PUSH a.len\n    BIGINT_FROM_DEC\n    PUSH b\n    PUSH b.len\n    \
             BIGINT_FROM_DEC\n    {}\n    PUSH 0x8000\n    PUSH 0x8000\n    BIGINT_TO_DEC\n    \
             PUSH 0x8000\n    SWAP\n    SYSCALL print_bytes\n    HALT\n.end\n",
            ops(op)
        );
        let run = support::run(&source);
        assert_eq!(
            String::from_utf8(run.output).unwrap(),
            expected,
            "{op} {a} {b}"
        );
        count += 1;
    }
    assert!(count >= 100, "{count} golden lines");
}
