//! DotVM bytecode against the same crates called directly from Rust, side by side in one
//! run: SHA-256 and BLAKE3 throughput, Ed25519 verification rate, and 1000! with BigInts.
//!
//! `cargo bench -p dotvm-crypto --bench vm_vs_native [-- --quick] [--calibrate]`
//!
//! Each figure is the median of several timed runs, DotVM and native runs alternating so
//! both see the same machine load. A DotVM run is a whole `dotvm_vm::run`
//! of a program whose loop repeats the instruction (load and memory set-up included); the
//! native side repeats the same crate call on the same bytes. "fuel/µs" is the fuel the
//! run charged per microsecond of wall time: the calibration of the fuel table (one unit is
//! meant to be about a nanosecond of work, so about 1000).

use dotvm_core::Verified;
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_vm::{BufferIo, Limits};
use ed25519_dalek::Signer as _;
use num_bigint::BigInt;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Timed runs per figure.
const RUNS: usize = 9;

/// Assembles and verifies a benchmark program.
fn program(source: &str) -> Verified {
    let module = assemble(source, "bench.dasm", &AsmOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n{source}"));
    Verified::new(module).expect("benchmark program verifies")
}

/// One timed DotVM run of `program`: wall time and fuel charged.
fn run_vm(program: &Verified) -> (Duration, u64) {
    let mut io = BufferIo::default();
    let start = Instant::now();
    let outcome = dotvm_vm::run(program, &Limits::default(), &mut io).expect("benchmark runs");
    (start.elapsed(), outcome.instructions)
}

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Median wall time of a DotVM run of `program`, and the fuel it charged.
fn time_vm(program: &Verified) -> (Duration, u64) {
    let runs: Vec<(Duration, u64)> = (0..RUNS).map(|_| run_vm(program)).collect();
    let fuel = runs[0].1;
    (median(runs.into_iter().map(|r| r.0).collect()), fuel)
}

/// DotVM runs of `program` and native runs of `native`, alternating so that both sides see
/// the same machine load: the medians, and the fuel of a DotVM run.
fn time_pair(program: &Verified, mut native: impl FnMut()) -> ((Duration, u64), Duration) {
    let (mut vm_times, mut native_times, mut fuel) = (Vec::new(), Vec::new(), 0);
    for _ in 0..RUNS {
        let (time, used) = run_vm(program);
        vm_times.push(time);
        fuel = used;
        let start = Instant::now();
        native();
        native_times.push(start.elapsed());
    }
    ((median(vm_times), fuel), median(native_times))
}

/// A loop that runs `body` `count` times (local 0 counts).
fn looped(setup: &str, body: &str, count: u64) -> String {
    format!(
        ".arch arch64\n.memory 40\n{setup}\n.func main\n    .local i\nloop:\n{body}\n    \
         LOCAL_GET i\n    PUSH 1\n    ADD\n    LOCAL_TEE i\n    PUSH {count}\n    LT_U\n    \
         JNZ loop\n    HALT\n.end\n"
    )
}

/// Prints one comparison row.
fn row(name: &str, unit: &str, per_run: f64, vm: (Duration, u64), native: Duration) {
    let (vm_time, fuel) = vm;
    let vm_rate = per_run / vm_time.as_secs_f64();
    let native_rate = per_run / native.as_secs_f64();
    println!(
        "{name:<34} {vm_rate:>12.1} {unit:<9} {native_rate:>12.1} {unit:<9} {:>7.1}%  {:>7.0}",
        (vm_rate / native_rate) * 100.0,
        fuel as f64 / vm_time.as_secs_f64() / 1e6
    );
}

/// SHA-256 or BLAKE3 throughput for `size`-byte inputs.
fn hash_row(algorithm: &str, size: u64, total: u64) {
    let count = (total / size).max(1);
    let body = format!("    PUSH 65536\n    PUSH {size}\n    PUSH 1024\n    HASH {algorithm}");
    let buffer = vec![0u8; size as usize];
    let (vm, native) = time_pair(&program(&looped("", &body, count)), || {
        for _ in 0..count {
            match algorithm {
                "sha256" => {
                    use sha2::Digest as _;
                    black_box(sha2::Sha256::digest(black_box(&buffer)));
                }
                _ => {
                    black_box(blake3::hash(black_box(&buffer)));
                }
            }
        }
    });
    let megabytes = (count * size) as f64 / 1e6;
    row(
        &format!("HASH {algorithm}, {size} B inputs"),
        "MB/s",
        megabytes,
        vm,
        native,
    );
}

/// Ed25519 strict verifications per second of a `len`-byte message.
fn verify_row(len: usize, count: u64) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let message = vec![0x5Au8; len];
    let signature = key.sign(&message);
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let setup = format!(
        ".data pk x\"{}\"\n.data sig x\"{}\"\n.data msg x\"{}\"",
        hex(key.verifying_key().as_bytes()),
        hex(&signature.to_bytes()),
        hex(&message)
    );
    let body = format!(
        "    PUSH pk\n    PUSH 32\n    PUSH msg\n    PUSH {len}\n    PUSH sig\n    PUSH 64\n    \
         VERIFY ed25519\n    JZ bad"
    );
    let source = looped(&setup, &body, count).replace(
        "    HALT\n.end\n",
        "    HALT\nbad:\n    UNREACHABLE\n.end\n",
    );
    // Like VERIFY, the native side starts from the key's bytes each time (decompressing
    // the point is part of the work).
    let public = key.verifying_key().to_bytes();
    let (vm, native) = time_pair(&program(&source), || {
        for _ in 0..count {
            let verifying =
                ed25519_dalek::VerifyingKey::from_bytes(black_box(&public)).expect("valid key");
            assert!(
                verifying
                    .verify_strict(black_box(&message), &signature)
                    .is_ok()
            );
        }
    });
    row(
        &format!("VERIFY ed25519, {len} B message"),
        "verify/s",
        count as f64,
        vm,
        native,
    );
}

/// 1000! computed `repeat` times: BIGINT_FROM_WORD + BIGINT_MUL + two BIGINT_FREEs per
/// factor in bytecode, `&acc * BigInt::from(i)` natively.
fn factorial_row(repeat: u64) {
    let body = "    PUSH 1\n    BIGINT_FROM_WORD\n    LOCAL_SET acc\n    PUSH 2\n    LOCAL_SET k\n\
         step:\n    LOCAL_GET acc\n    LOCAL_GET k\n    BIGINT_FROM_WORD\n    LOCAL_TEE f\n    \
         BIGINT_MUL\n    LOCAL_GET acc\n    BIGINT_FREE\n    LOCAL_GET f\n    BIGINT_FREE\n    \
         LOCAL_SET acc\n    LOCAL_GET k\n    PUSH 1\n    ADD\n    LOCAL_TEE k\n    PUSH 1001\n    \
         LT_U\n    JNZ step\n    LOCAL_GET acc\n    BIGINT_FREE";
    let source = looped("", body, repeat).replace(
        "    .local i\n",
        "    .local i\n    .local acc\n    .local k\n    .local f\n",
    );
    let (vm, native) = time_pair(&program(&source), || {
        for _ in 0..repeat {
            let mut acc = BigInt::from(1u32);
            for k in 2..=1000u32 {
                acc = &acc * BigInt::from(black_box(k));
            }
            black_box(acc);
        }
    });
    let (vm_time, fuel) = vm;
    println!(
        "{:<34} {:>12.1} µs/1000! {:>11.1} µs/1000! {:>7.1}%  {:>7.0}",
        "BigInt 1000!",
        vm_time.as_secs_f64() * 1e6 / repeat as f64,
        native.as_secs_f64() * 1e6 / repeat as f64,
        native.as_secs_f64() / vm_time.as_secs_f64() * 100.0,
        fuel as f64 / vm_time.as_secs_f64() / 1e6
    );
}

/// Fuel calibration: DotVM alone, fuel charged per microsecond for the other instructions.
fn calibration_row(name: &str, setup: &str, body: &str, count: u64) {
    let (time, fuel) = time_vm(&program(&looped(setup, body, count)));
    println!(
        "{name:<34} {:>12.2} µs/op {:>38.0}",
        time.as_secs_f64() * 1e6 / count as f64,
        fuel as f64 / time.as_secs_f64() / 1e6
    );
}

/// The calibration section (`--calibrate`).
fn calibrate(scale: u64) {
    println!("\nfuel calibration (DotVM only; the table aims at about 1000 fuel/µs)");
    for alg in ["sha512", "sha3_256", "keccak256"] {
        let body = format!("    PUSH 65536\n    PUSH 65536\n    PUSH 1024\n    HASH {alg}");
        calibration_row(&format!("HASH {alg}, 64 KiB"), "", &body, scale * 50);
    }
    let keys = ".data sk x\"0000000000000000000000000000000000000000000000000000000000000007\"";
    for alg in ["ed25519", "secp256k1", "p256", "x25519"] {
        let body = format!("    PUSH sk\n    PUSH 2048\n    KEYGEN {alg}\n    POP");
        calibration_row(&format!("KEYGEN {alg}"), keys, &body, scale * 100);
    }
    for alg in ["ed25519", "secp256k1", "p256"] {
        let sign = format!(
            "    PUSH sk\n    PUSH 4096\n    PUSH 64\n    PUSH 3072\n    SIGN {alg}\n    POP"
        );
        calibration_row(&format!("SIGN {alg}, 64 B"), keys, &sign, scale * 100);
        let setup = format!(
            "{keys}\n.func prepare\n    PUSH sk\n    PUSH 2048\n    KEYGEN {alg}\n    POP\n    PUSH sk\n    PUSH 4096\n    \
             PUSH 64\n    PUSH 3072\n    SIGN {alg}\n    POP\n    RET\n.end"
        );
        let pk_len = if alg == "ed25519" { 32 } else { 65 };
        let verify = format!(
            "    LOCAL_GET i\n    JNZ ready\n    CALL prepare\nready:\n    PUSH 2048\n    PUSH {pk_len}\n    PUSH 4096\n    PUSH 64\n    \
             PUSH 3072\n    PUSH 64\n    VERIFY {alg}\n    POP"
        );
        calibration_row(&format!("VERIFY {alg}, 64 B"), &setup, &verify, scale * 100);
    }
    let recover =
        "    PUSH 4096\n    PUSH 64\n    PUSH 3072\n    PUSH 2048\n    RECOVER secp256k1\n    POP";
    calibration_row(
        "RECOVER secp256k1 (bad signature)",
        keys,
        recover,
        scale * 100,
    );
    for alg in ["aes256gcm", "chacha20poly1305"] {
        let body = format!(
            "    PUSH sk\n    PUSH 1024\n    PUSH 0\n    PUSH 0\n    PUSH 65536\n    PUSH 65536\n    PUSH 196608\n    ENCRYPT {alg}\n    POP"
        );
        calibration_row(&format!("ENCRYPT {alg}, 64 KiB"), keys, &body, scale * 50);
    }
    let seal = "    PUSH 2048\n    PUSH 65536\n    PUSH 64\n    PUSH 196608\n    SEAL\n    POP";
    let seal_setup = format!(
        "{keys}\n.data pk x\"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a\""
    );
    calibration_row(
        "SEAL (denied: no randomness)",
        &seal_setup,
        &seal.replace("2048", "pk"),
        scale * 100,
    );
    let open = "    PUSH sk\n    PUSH 65536\n    PUSH 112\n    PUSH 196608\n    OPEN\n    POP";
    calibration_row("OPEN 64 B (forged)", keys, open, scale * 100);
    // Dense operands (7^k): num-bigint skips zero limbs, so powers of two would flatter it.
    let big = "    PUSH 7\n    BIGINT_FROM_WORD\n    DUP\n    PUSH 35000\n    BIGINT_POW\n    SWAP\n    PUSH 21000\n    \
        BIGINT_POW\n    BIGINT_MUL\n    BIGINT_FREE";
    calibration_row("BIGINT 7^35000, 7^21000 and MUL", "", big, scale * 20);
    let dec = "    PUSH 7\n    BIGINT_FROM_WORD\n    PUSH 3000\n    BIGINT_POW\n    DUP\n    PUSH 131072\n    PUSH 65536\n    \
        BIGINT_TO_DEC\n    POP\n    BIGINT_FREE";
    calibration_row("BIGINT 7^3000 and TO_DEC", "", dec, scale * 20);
    calibration_row(
        "BIGINT_COLLECT, 40 pages of memory",
        "",
        "    BIGINT_COLLECT\n    POP",
        scale * 20,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 1 } else { 8 };
    println!(
        "{:<34} {:>22} {:>22} {:>8}  {:>7}",
        "benchmark (median of 9 runs)", "DotVM bytecode", "native Rust", "DotVM/nat", "fuel/µs"
    );
    for algorithm in ["sha256", "blake3"] {
        for size in [64u64, 4096, 65536, 1 << 20] {
            hash_row(algorithm, size, scale * (16 << 20));
        }
    }
    verify_row(64, scale * 250);
    verify_row(4096, scale * 250);
    factorial_row(scale * 5);
    if std::env::args().any(|a| a == "--calibrate") {
        calibrate(scale);
    }
}
