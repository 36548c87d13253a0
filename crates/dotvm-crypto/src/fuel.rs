//! The fuel table: what each crypto and BigInt instruction costs beyond the 1 unit every
//! instruction pays.
//!
//! Fuel is DotVM's instruction budget (`Limits::instructions`); one unit is roughly the time
//! of one simple interpreted instruction (about a nanosecond here). Every cost is computed
//! from the operand sizes *before* the work starts, with integer arithmetic only (so every
//! platform charges the same), and the instruction traps with the instruction limit instead
//! of starting work it cannot pay for. No instruction can therefore run unbounded: the work
//! of each is at most proportional to the fuel it paid.
//!
//! `blocks(n)` below is `ceil(n / 64)`, the 64-byte blocks of an `n`-byte input; `limbs(x)`
//! is the number of 64-bit words of `|x|` (at least 1).

use crate::aead::AeadAlgorithm;
use crate::hash::HashAlgorithm;
use crate::signature::{KeyAlgorithm, SignatureAlgorithm};

/// Fixed cost of every hash, before its blocks.
pub const HASH_BASE: u64 = 20;
/// Fixed cost of an AEAD operation (key schedule, tag).
pub const AEAD_BASE: u64 = 200;
/// Cost per 64 bytes of message plus associated data.
pub const fn aead_per_block(algorithm: AeadAlgorithm) -> u64 {
    match algorithm {
        AeadAlgorithm::Aes256Gcm => 30,
        AeadAlgorithm::ChaCha20Poly1305 => 100,
    }
}
/// Fixed cost of sealing or opening a box (two X25519 operations at most, one derivation).
pub const SEALED_BOX_BASE: u64 = 100_000;
/// Fixed cost of `RANDOM`.
pub const RANDOM_BASE: u64 = 50;
/// Cost per 64 bytes of `RANDOM` output.
pub const RANDOM_PER_BLOCK: u64 = 40;
/// Fixed cost of recovering a secp256k1 key.
pub const RECOVER_BASE: u64 = 80_000;

/// Cost per 64 bytes hashed.
pub const fn hash_per_block(algorithm: HashAlgorithm) -> u64 {
    match algorithm {
        HashAlgorithm::Sha256 => 45,
        HashAlgorithm::Sha512 => 120,
        HashAlgorithm::Sha3_256 => 200,
        HashAlgorithm::Keccak256 => 200,
        HashAlgorithm::Blake3 => 12,
    }
}

/// `ceil(len / 64)`.
pub const fn blocks(len: u64) -> u64 {
    len.div_ceil(64)
}

/// `HASH` of `len` bytes.
pub const fn hash(algorithm: HashAlgorithm, len: u64) -> u64 {
    HASH_BASE.saturating_add(blocks(len).saturating_mul(hash_per_block(algorithm)))
}

/// `KEYGEN`.
pub const fn keygen(algorithm: KeyAlgorithm) -> u64 {
    match algorithm {
        KeyAlgorithm::Ed25519 | KeyAlgorithm::X25519 => 18_000,
        KeyAlgorithm::Secp256k1 => 26_000,
        KeyAlgorithm::P256 => 64_000,
    }
}

/// The hash a signature scheme applies to the message, for per-block costs.
const fn message_hash(algorithm: SignatureAlgorithm) -> Option<HashAlgorithm> {
    match algorithm {
        SignatureAlgorithm::Ed25519 => Some(HashAlgorithm::Sha512),
        SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::P256 => Some(HashAlgorithm::Sha256),
        SignatureAlgorithm::Secp256k1Prehash | SignatureAlgorithm::P256Prehash => None,
    }
}

/// Cost of hashing an `len`-byte message inside a signature operation (Ed25519 hashes it
/// twice when signing, once when verifying).
const fn message_cost(algorithm: SignatureAlgorithm, len: u64, passes: u64) -> u64 {
    match message_hash(algorithm) {
        Some(h) => blocks(len)
            .saturating_mul(hash_per_block(h))
            .saturating_mul(passes),
        None => 0,
    }
}

/// `SIGN` of an `len`-byte message.
pub const fn sign(algorithm: SignatureAlgorithm, len: u64) -> u64 {
    let base: u64 = match algorithm {
        SignatureAlgorithm::Ed25519 => 30_000,
        SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash => 60_000,
        SignatureAlgorithm::P256 | SignatureAlgorithm::P256Prehash => 110_000,
    };
    base.saturating_add(message_cost(algorithm, len, 2))
}

/// `VERIFY` of an `len`-byte message.
pub const fn verify(algorithm: SignatureAlgorithm, len: u64) -> u64 {
    let base: u64 = match algorithm {
        SignatureAlgorithm::Ed25519 => 50_000,
        SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash => 70_000,
        SignatureAlgorithm::P256 | SignatureAlgorithm::P256Prehash => 260_000,
    };
    base.saturating_add(message_cost(algorithm, len, 1))
}

/// `RECOVER` of an `len`-byte message.
pub const fn recover(algorithm: SignatureAlgorithm, len: u64) -> u64 {
    RECOVER_BASE.saturating_add(message_cost(algorithm, len, 1))
}

/// `ENCRYPT` or `DECRYPT` of `len` bytes with `ad_len` bytes of associated data.
pub const fn aead(algorithm: AeadAlgorithm, ad_len: u64, len: u64) -> u64 {
    AEAD_BASE.saturating_add(
        blocks(ad_len.saturating_add(len)).saturating_mul(aead_per_block(algorithm)),
    )
}

/// `SEAL` or `OPEN` of an `len`-byte message.
pub const fn sealed_box(len: u64) -> u64 {
    SEALED_BOX_BASE
        .saturating_add(blocks(len).saturating_mul(aead_per_block(AeadAlgorithm::ChaCha20Poly1305)))
}

/// `RANDOM` of `len` bytes.
pub const fn random(len: u64) -> u64 {
    RANDOM_BASE.saturating_add(blocks(len).saturating_mul(RANDOM_PER_BLOCK))
}

// ---- BigInt ----

/// Fixed cost of every BigInt instruction that creates an object.
pub const BIGINT_BASE: u64 = 10;

/// `ceil(n / 8)`: linear work over `n` limbs.
pub const fn linear(limbs: u64) -> u64 {
    limbs.div_ceil(8)
}

/// Multiplying an `a`-limb by a `b`-limb number: schoolbook (`a·b/2`) while the shorter
/// operand has at most 32 limbs, then Karatsuba's `3^k` growth per doubling, computed in
/// integers: `ceil(long/short) · 512 · 3^ceil(log2(short/32))`.
pub fn mul(a: u64, b: u64) -> u64 {
    let (short, long) = (a.min(b).max(1), a.max(b).max(1));
    if short <= 32 {
        return short.saturating_mul(long).div_ceil(2);
    }
    let doublings = short
        .div_ceil(32)
        .checked_next_power_of_two()
        .map_or(64, u64::trailing_zeros);
    long.div_ceil(short)
        .saturating_mul(512)
        .saturating_mul(3u64.saturating_pow(doublings))
}

/// Dividing an `a`-limb by a `b`-limb number (schoolbook long division).
pub fn div(a: u64, b: u64) -> u64 {
    let quotient = a.saturating_sub(b).saturating_add(1);
    quotient
        .saturating_mul(b.max(1))
        .div_ceil(8)
        .saturating_add(linear(a))
}

/// Raising an `a`-limb number to a power whose result has at most `result` limbs: the
/// squarings form a geometric series dominated by the last one.
pub fn pow(result: u64) -> u64 {
    let half = result.div_ceil(2);
    mul(half, half)
        .saturating_mul(2)
        .saturating_add(linear(result))
}

/// Modular exponentiation with an `e_bits`-bit exponent and an `m`-limb modulus: at most a
/// squaring, a multiplication and two reductions per exponent bit.
pub fn modpow(base: u64, e_bits: u64, m: u64) -> u64 {
    let step = mul(m, m).saturating_add(div(m.saturating_mul(2), m));
    e_bits
        .max(1)
        .saturating_mul(step)
        .saturating_mul(2)
        .saturating_add(div(base, m))
}

/// GCD or modular inverse of an `a`-limb and a `b`-limb number (Euclid: quadratic).
pub fn euclid(a: u64, b: u64) -> u64 {
    let n = a.saturating_add(b);
    n.saturating_mul(n).div_ceil(8)
}

/// Parsing `digits` decimal digits (quadratic: each 19-digit chunk multiplies the whole).
pub fn from_decimal(digits: u64) -> u64 {
    let limbs = digits / 19 + 1;
    limbs
        .saturating_mul(limbs)
        .div_ceil(8)
        .saturating_add(digits.div_ceil(8))
}

/// Printing an `n`-limb number in decimal (quadratic: repeated division by 10^19, measured
/// at about four units per limb squared).
pub fn to_decimal(limbs: u64) -> u64 {
    limbs
        .saturating_mul(limbs)
        .saturating_mul(4)
        .saturating_add(limbs)
}

/// A collection that scans `words` root words (stack, globals, memory) and sweeps
/// `objects` heap slots.
pub const fn collect(words: u64, objects: u64) -> u64 {
    words
        .saturating_mul(2)
        .saturating_add(objects.saturating_mul(4))
}

/// The fuel table as Markdown, embedded in `docs/crypto.md` (a test keeps them equal).
pub fn markdown_table() -> String {
    use std::fmt::Write as _;
    let mut out = String::from("| instruction | extra fuel |\n|---|---|\n");
    let hashes = [
        (HashAlgorithm::Sha256, "sha256"),
        (HashAlgorithm::Sha512, "sha512"),
        (HashAlgorithm::Sha3_256, "sha3_256"),
        (HashAlgorithm::Keccak256, "keccak256"),
        (HashAlgorithm::Blake3, "blake3"),
    ];
    for (h, name) in hashes {
        let _ = writeln!(
            out,
            "| `HASH {name}` | {HASH_BASE} + {} · blocks(len) |",
            hash_per_block(h)
        );
    }
    for (k, name) in [
        (KeyAlgorithm::Ed25519, "ed25519"),
        (KeyAlgorithm::Secp256k1, "secp256k1"),
        (KeyAlgorithm::P256, "p256"),
        (KeyAlgorithm::X25519, "x25519"),
    ] {
        let _ = writeln!(out, "| `KEYGEN {name}` | {} |", keygen(k));
    }
    for (s, name) in [
        (SignatureAlgorithm::Ed25519, "ed25519"),
        (SignatureAlgorithm::Secp256k1, "secp256k1"),
        (SignatureAlgorithm::P256, "p256"),
        (SignatureAlgorithm::Secp256k1Prehash, "secp256k1_prehash"),
        (SignatureAlgorithm::P256Prehash, "p256_prehash"),
    ] {
        let per = |passes: u64| match message_hash(s) {
            Some(h) => format!(" + {} · blocks(len)", hash_per_block(h) * passes),
            None => String::new(),
        };
        let _ = writeln!(out, "| `SIGN {name}` | {}{} |", sign(s, 0), per(2));
        let _ = writeln!(out, "| `VERIFY {name}` | {}{} |", verify(s, 0), per(1));
        if matches!(
            s,
            SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash
        ) {
            let _ = writeln!(out, "| `RECOVER {name}` | {RECOVER_BASE}{} |", per(1));
        }
    }
    for (a, name) in [
        (AeadAlgorithm::Aes256Gcm, "aes256gcm"),
        (AeadAlgorithm::ChaCha20Poly1305, "chacha20poly1305"),
    ] {
        let _ = writeln!(
            out,
            "| `ENCRYPT {name}`, `DECRYPT {name}` | {AEAD_BASE} + {} · blocks(ad_len + len) |",
            aead_per_block(a)
        );
    }
    let _ = writeln!(
        out,
        "| `SEAL`, `OPEN` | {SEALED_BOX_BASE} + {} · blocks(len) |",
        aead_per_block(AeadAlgorithm::ChaCha20Poly1305)
    );
    let _ = writeln!(
        out,
        "| `RANDOM` | {RANDOM_BASE} + {RANDOM_PER_BLOCK} · blocks(len) |"
    );
    out.push_str(&format!(
        "| `BIGINT_FREE`, `BIGINT_COUNT` | 0 |\n\
         | `BIGINT_FROM_WORD`, `_FROM_WORD_S` | {BIGINT_BASE} + linear(word bytes / 8 + 1) |\n\
         | `BIGINT_TO_WORD` | linear(a) |\n\
         | `BIGINT_CMP` | linear(a + b) |\n\
         | `BIGINT_ADD`, `_SUB`, `_NEG`, `_ABS`, `_NOT`, `_AND`, `_OR`, `_XOR`, `_SHL`, `_SHR` | {BIGINT_BASE} + linear(inputs + result) |\n\
         | `BIGINT_MUL` | {BIGINT_BASE} + mul(a, b) + linear(a + b) |\n\
         | `BIGINT_DIV`, `_REM`, `_DIV_FLOOR`, `_MOD_FLOOR` | {BIGINT_BASE} + div(a, b) |\n\
         | `BIGINT_POW` | {BIGINT_BASE} + pow(result bound) |\n\
         | `BIGINT_MODPOW` | {BIGINT_BASE} + modpow(a, bits(e), m), + euclid(a, m) when e < 0 |\n\
         | `BIGINT_MODINV`, `_GCD` | {BIGINT_BASE} + euclid(a, b) |\n\
         | `BIGINT_FROM_BYTES` | {BIGINT_BASE} + linear(len / 8 + 1) |\n\
         | `BIGINT_TO_BYTES` | linear(a) |\n\
         | `BIGINT_FROM_DEC` | {BIGINT_BASE} + from_decimal(len) |\n\
         | `BIGINT_TO_DEC` | to_decimal(a) |\n\
         | `BIGINT_COLLECT` (and an automatic collection, paid by the instruction that triggers it) | collect(root words, heap slots) = 2 · words + 4 · slots |\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_grow_with_the_input() {
        for h in [HashAlgorithm::Sha256, HashAlgorithm::Blake3] {
            assert!(hash(h, 4096) > hash(h, 64));
            assert_eq!(hash(h, 0), HASH_BASE);
            assert_eq!(hash(h, 1), hash(h, 64));
        }
        assert!(
            verify(SignatureAlgorithm::Ed25519, 1 << 20) > verify(SignatureAlgorithm::Ed25519, 0)
        );
        assert_eq!(
            verify(SignatureAlgorithm::P256Prehash, 32),
            verify(SignatureAlgorithm::P256Prehash, 0)
        );
        assert!(hash(HashAlgorithm::Sha256, u64::MAX) >= u64::MAX / 64);
    }

    #[test]
    fn multiplication_cost_is_schoolbook_then_karatsuba() {
        assert_eq!(mul(1, 1), 1);
        assert_eq!(mul(32, 32), 512);
        assert_eq!(mul(64, 64), 1536);
        assert_eq!(mul(128, 128), 4608);
        assert!(mul(64, 64) < 64 * 64 / 2);
        assert_eq!(mul(64, 640), 10 * 1536);
        assert!(mul(u64::MAX, u64::MAX) == u64::MAX);
    }

    #[test]
    fn extreme_sizes_saturate_instead_of_overflowing() {
        for n in [u64::MAX, u64::MAX / 2, 1 << 40] {
            assert!(pow(n) >= n);
            assert!(div(n, 1) >= n / 8);
            assert!(modpow(n, n, n) >= modpow(1, 1, 1));
            assert!(euclid(n, n) >= n / 8);
            assert!(from_decimal(n) > 0 && to_decimal(n) > 0);
            assert!(collect(n, n) >= n / 16);
            assert!(hash(HashAlgorithm::Sha512, n) > 0);
            assert!(sign(SignatureAlgorithm::Ed25519, n) > 0);
        }
    }

    #[test]
    fn the_docs_carry_the_current_table() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/crypto.md"))
                .unwrap_or_default();
        assert!(
            doc.contains(&markdown_table()),
            "docs/crypto.md does not contain the current fuel table:\n{}",
            markdown_table()
        );
    }
}
