//! Crypto instructions on bad guest input: out-of-bounds pointers trap like any memory
//! access; wrong lengths, malformed keys and signatures, oversize inputs and missing
//! randomness are status words; fuel runs out exactly at the instruction.

mod support;

use dotvm_core::Verified;
use dotvm_vm::{BufferIo, Limits, TrapKind};
use proptest::prelude::*;
use support::{module, patched, run, run_module};

/// Runs `body` (which leaves one status word) and returns that status.
fn status(body: &str) -> i32 {
    let source = format!(
        ".arch arch64\n.memory 2\n.data zeros zero 64\n.data ones x\"{}\"\n.func main results=1\n{body}\n    RET\n.end\n",
        "ff".repeat(64)
    );
    run(&source).exit_code()
}

/// Runs `body` and returns its trap.
fn trap(body: &str) -> TrapKind {
    let source = format!(
        ".arch arch64\n.memory 1\n.pool text str \"read-only\"\n.func main\n{body}\n    HALT\n.end\n"
    );
    run(&source).trap()
}

#[test]
fn out_of_bounds_pointers_trap() {
    let cases = [
        "    PUSH 0xFFF0\n    PUSH 32\n    PUSH 0x100\n    HASH sha256",
        "    PUSH 0x100\n    PUSH 8\n    PUSH 0xFFF0\n    HASH sha512",
        "    PUSH 0x100\n    PUSH -1\n    PUSH 0x200\n    HASH blake3",
        "    PUSH 0x100\n    PUSH 8\n    PUSH_CONST text\n    POP\n    HASH sha256",
        "    PUSH 0x10000\n    PUSH 0x100\n    KEYGEN ed25519",
        "    PUSH 0x100\n    PUSH 0x100\n    PUSH 4\n    PUSH 0xFFC1\n    SIGN p256",
        "    PUSH 0x100\n    PUSH 32\n    PUSH 0\n    PUSH 0\n    PUSH 0xFFFF\n    PUSH 64\n    VERIFY ed25519",
        "    PUSH 0x100\n    PUSH 0x200\n    PUSH 0\n    PUSH 0\n    PUSH 0x300\n    PUSH 16\n    PUSH 0xFFF8\n    ENCRYPT aes256gcm",
        "    PUSH 0x100\n    PUSH 0x200\n    PUSH 0xFFFF\n    PUSH 2\n    PUSH 0x300\n    PUSH 16\n    PUSH 0x400\n    DECRYPT chacha20poly1305",
        "    PUSH 0xFFF0\n    PUSH 64\n    RANDOM",
        "    PUSH 0x100\n    PUSH 4\n    PUSH 0x200\n    PUSH 0xFFF0\n    RECOVER secp256k1",
    ];
    for body in cases {
        assert!(matches!(trap(body), TrapKind::OutOfBounds { .. }), "{body}");
    }
}

#[test]
fn verify_answers_zero_for_bad_lengths_keys_and_signatures() {
    // Ed25519 key and signature of ones: not a valid point; wrong lengths.
    let verify = |alg: &str, pk_len: u32, sig_len: u32| {
        status(&format!(
            "    PUSH ones\n    PUSH {pk_len}\n    PUSH zeros\n    PUSH 5\n    PUSH ones\n    PUSH {sig_len}\n    VERIFY {alg}"
        ))
    };
    for (alg, lens) in [
        (
            "ed25519",
            [(32, 64), (31, 64), (33, 64), (32, 63), (32, 65), (0, 0)],
        ),
        (
            "secp256k1",
            [(65, 64), (33, 65), (64, 64), (65, 66), (0, 64), (65, 0)],
        ),
        (
            "p256",
            [(65, 64), (33, 64), (66, 64), (65, 65), (65, 63), (1, 1)],
        ),
        (
            "p256_prehash",
            [(65, 64), (33, 64), (66, 64), (65, 65), (65, 63), (1, 1)],
        ),
    ] {
        for (pk_len, sig_len) in lens {
            assert_eq!(verify(alg, pk_len, sig_len), 0, "{alg} {pk_len} {sig_len}");
        }
    }
}

#[test]
fn invalid_keys_and_lengths_are_statuses() {
    // Secret scalar 0 and 2^256 - 1 (above the group order) for ECDSA.
    for key in ["zeros", "ones"] {
        for alg in ["secp256k1", "p256"] {
            assert_eq!(
                status(&format!("    PUSH {key}\n    PUSH 0x400\n    KEYGEN {alg}")),
                2
            );
            assert_eq!(
                status(&format!(
                    "    PUSH {key}\n    PUSH 0x400\n    PUSH 3\n    PUSH 0x500\n    SIGN {alg}"
                )),
                2
            );
        }
    }
    // Any 32 bytes are an Ed25519 or X25519 secret.
    assert_eq!(
        status("    PUSH ones\n    PUSH 0x400\n    KEYGEN ed25519"),
        0
    );
    assert_eq!(
        status("    PUSH zeros\n    PUSH 0x400\n    KEYGEN x25519"),
        0
    );
    // A prehash must be 32 bytes (the secret key here is 1).
    for len in [0, 31, 33] {
        let sign = format!(
            "    PUSH 0x600\n    PUSH 1\n    STORE8 +31\n    \
             PUSH 0x600\n    PUSH zeros\n    PUSH {len}\n    PUSH 0x500\n    SIGN secp256k1_prehash"
        );
        assert_eq!(status(&sign), 3, "prehash of {len} bytes");
        assert_eq!(
            status(&sign.replace("secp256k1_prehash", "p256_prehash")),
            3
        );
        let recover = format!(
            "    PUSH zeros\n    PUSH {len}\n    PUSH ones\n    PUSH 0x500\n    RECOVER secp256k1_prehash"
        );
        assert_eq!(status(&recover), 3, "recover prehash of {len} bytes");
    }
    // A recovery byte outside 0..=3, and a malformed r/s, are bad signatures.
    assert_eq!(
        status("    PUSH zeros\n    PUSH 4\n    PUSH ones\n    PUSH 0x500\n    RECOVER secp256k1"),
        6
    );
    assert_eq!(
        status("    PUSH zeros\n    PUSH 4\n    PUSH zeros\n    PUSH 0x500\n    RECOVER secp256k1"),
        6
    );
}

#[test]
fn aead_and_sealed_box_length_statuses() {
    let decrypt = |len: &str| {
        format!(
            "    PUSH zeros\n    PUSH zeros\n    PUSH 0\n    PUSH 0\n    PUSH 0x200\n    PUSH {len}\n    PUSH 0x400\n    DECRYPT aes256gcm"
        )
    };
    assert_eq!(status(&decrypt("15")), 3, "shorter than a tag");
    assert_eq!(status(&decrypt("16")), 1, "a forged empty message");
    // Oversize inputs are refused from their length alone, before any memory access.
    let huge = "0x100000000";
    assert_eq!(status(&decrypt(huge).replace("0x200", "0xFFFFFFFFFFFF")), 4);
    assert_eq!(
        status(&format!(
            "    PUSH zeros\n    PUSH zeros\n    PUSH 0xFFFFFF\n    PUSH {huge}\n    PUSH 0\n    PUSH 0\n    PUSH 0\n    ENCRYPT chacha20poly1305"
        )),
        4,
        "oversize associated data"
    );
    assert_eq!(
        status(&format!(
            "    PUSH zeros\n    PUSH 0x200\n    PUSH {huge}\n    PUSH 0x400\n    SEAL"
        )),
        4
    );
    assert_eq!(
        status("    PUSH zeros\n    PUSH 0x200\n    PUSH 47\n    PUSH 0x400\n    OPEN"),
        3
    );
    assert_eq!(
        status("    PUSH zeros\n    PUSH 0x200\n    PUSH 48\n    PUSH 0x400\n    OPEN"),
        1
    );
    // A low-order recipient key (all zeros) is refused.
    assert_eq!(
        status("    PUSH zeros\n    PUSH 0x200\n    PUSH 4\n    PUSH 0x400\n    SEAL"),
        2
    );
}

#[test]
fn randomness_is_a_capability() {
    let source = ".arch arch64\n.memory 1\n.data pk x\"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a\"\n\
        .func main results=1\n    PUSH pk\n    PUSH 0x200\n    PUSH 4\n    PUSH 0x400\n    SEAL\n    RET\n.end\n";
    assert_eq!(run(source).exit_code(), 0, "granted (seeded)");
    assert_eq!(
        run_module(module(source), &Limits::default(), false).exit_code(),
        5,
        "denied"
    );
}

#[test]
fn fuel_runs_out_exactly_at_a_hash() {
    let template = module(
        ".arch arch64\n.memory 17\n.func main\n    PUSH 0\n    PUSH 1000000\n    PUSH 0\n    HASH sha256\n    HALT\n.end\n",
    );
    let cost = dotvm_crypto::fuel::hash(dotvm_crypto::hash::HashAlgorithm::Sha256, 1_000_000);
    let verified = Verified::new(patched(&template, &[], &[])).unwrap();
    for (fuel, ok) in [(5 + cost, true), (3 + cost, false)] {
        let limits = Limits {
            instructions: fuel,
            ..Limits::default()
        };
        match dotvm_vm::run(&verified, &limits, &mut BufferIo::default()) {
            Ok(outcome) => assert!(ok && outcome.instructions == fuel),
            Err(e) => {
                let trap = e.trap().expect("a trap");
                assert!(!ok);
                assert_eq!(
                    (trap.kind.clone(), trap.pc, trap.instructions),
                    (TrapKind::InstructionLimit, 9, 3)
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// VERIFY never traps on in-bounds garbage, whatever the algorithm and lengths.
    #[test]
    fn verify_never_traps_on_garbage(
        alg in prop::sample::select(vec!["ed25519", "secp256k1", "p256", "secp256k1_prehash", "p256_prehash"]),
        data in prop::collection::vec(any::<u8>(), 200),
        pk_len in 0u64..70,
        msg_len in 0u64..40,
        sig_len in 0u64..70,
    ) {
        let template = module(&format!(
            ".arch arch64\n.memory 1\n.global a 0\n.global b 0\n.global c 0\n.func main results=1\n    \
             PUSH 0x1000\n    GLOBAL_GET a\n    PUSH 0x1040\n    GLOBAL_GET b\n    PUSH 0x1080\n    GLOBAL_GET c\n    VERIFY {alg}\n    RET\n.end\n"
        ));
        let program = patched(&template, &[(0x1000, &data)], &[pk_len, msg_len, sig_len]);
        let code = run_module(program, &Limits::default(), false).exit_code();
        prop_assert!(code == 0 || code == 1);
    }
}
