//! Hashes, signatures, authenticated encryption, sealed boxes and secure randomness
//! (`docs/crypto.md`). Output buffers are checked against the sizes the instruction writes
//! before it runs, so a short buffer is an error, never a write past its end.

use crate::sys::{self, addr, len};

/// Why a crypto operation failed (the instructions' status codes, and buffers too short).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// Decryption or opening found a wrong key, nonce, associated data or tampered bytes.
    AuthFailed,
    /// An invalid secret key, or a low-order X25519 recipient key.
    InvalidKey,
    /// An input of the wrong length (a prehash that is not 32 bytes, a too-short ciphertext).
    BadLength,
    /// An input above 2^32 - 1 bytes.
    TooLarge,
    /// The run has no randomness (`dotvm run --deny random`).
    Denied,
    /// A recoverable signature that is malformed or recovers no key.
    BadSignature,
    /// The output buffer is shorter than this many bytes.
    BufferTooSmall(usize),
    /// A status this SDK does not know.
    Other(u32),
}

/// `Ok` for status 0, else the error.
fn check(status: i32) -> Result<(), CryptoError> {
    match status {
        0 => Ok(()),
        1 => Err(CryptoError::AuthFailed),
        2 => Err(CryptoError::InvalidKey),
        3 => Err(CryptoError::BadLength),
        4 => Err(CryptoError::TooLarge),
        5 => Err(CryptoError::Denied),
        6 => Err(CryptoError::BadSignature),
        other => Err(CryptoError::Other(other as u32)),
    }
}

/// `Err(BufferTooSmall(need))` when `out` is shorter than `need`.
fn room(out: &[u8], need: usize) -> Result<(), CryptoError> {
    if out.len() < need {
        Err(CryptoError::BufferTooSmall(need))
    } else {
        Ok(())
    }
}

/// Hash functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-512 (64-byte digest).
    Sha512,
    /// SHA3-256.
    Sha3_256,
    /// Keccak-256 (Ethereum's).
    Keccak256,
    /// BLAKE3.
    Blake3,
}

impl HashAlg {
    /// The digest's length in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlg::Sha512 => 64,
            _ => 32,
        }
    }
}

/// Writes the digest of `data` to the start of `out`; returns its length.
pub fn hash(alg: HashAlg, data: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
    room(out, alg.digest_len())?;
    let f = match alg {
        HashAlg::Sha256 => sys::hash_sha256,
        HashAlg::Sha512 => sys::hash_sha512,
        HashAlg::Sha3_256 => sys::hash_sha3_256,
        HashAlg::Keccak256 => sys::hash_keccak256,
        HashAlg::Blake3 => sys::hash_blake3,
    };
    // SAFETY: reads `data`, writes `alg.digest_len()` bytes to `out`, which has room.
    unsafe { f(addr(data.as_ptr()), len(data.len()), addr(out.as_mut_ptr())) };
    Ok(alg.digest_len())
}

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    // SAFETY: reads `data`, writes 32 bytes to `out`.
    unsafe { sys::hash_sha256(addr(data.as_ptr()), len(data.len()), addr(out.as_mut_ptr())) };
    out
}

/// Signature schemes (`_prehash`: the message is a 32-byte digest the caller computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    /// Ed25519: 32-byte public keys, 64-byte signatures.
    Ed25519,
    /// ECDSA secp256k1 over SHA-256: 65-byte keys and recoverable signatures.
    Secp256k1,
    /// ECDSA P-256 over SHA-256: 65-byte keys, 64-byte signatures.
    P256,
    /// ECDSA secp256k1 of a 32-byte digest.
    Secp256k1Prehash,
    /// ECDSA P-256 of a 32-byte digest.
    P256Prehash,
}

impl SigAlg {
    /// The length of the public key `keygen` writes.
    pub const fn public_key_len(self) -> usize {
        match self {
            SigAlg::Ed25519 => 32,
            _ => 65,
        }
    }

    /// The length of the signature `sign` writes.
    pub const fn signature_len(self) -> usize {
        match self {
            SigAlg::Secp256k1 | SigAlg::Secp256k1Prehash => 65,
            _ => 64,
        }
    }
}

/// Key algorithms of [`keygen`]: the signature curves and X25519 (sealed boxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// The key pair of a signature scheme (the prehash variants share their curve's keys).
    Sig(SigAlg),
    /// X25519: 32-byte public keys.
    X25519,
}

/// Writes the public key of the key pair whose secret key is `seed`; returns its length.
pub fn keygen(alg: KeyAlg, seed: &[u8; 32], public: &mut [u8]) -> Result<usize, CryptoError> {
    let (f, n): (unsafe extern "C" fn(i32, i32) -> i32, usize) = match alg {
        KeyAlg::Sig(SigAlg::Ed25519) => (sys::keygen_ed25519, 32),
        KeyAlg::Sig(SigAlg::Secp256k1 | SigAlg::Secp256k1Prehash) => (sys::keygen_secp256k1, 65),
        KeyAlg::Sig(SigAlg::P256 | SigAlg::P256Prehash) => (sys::keygen_p256, 65),
        KeyAlg::X25519 => (sys::keygen_x25519, 32),
    };
    room(public, n)?;
    // SAFETY: reads the seed, writes `n` bytes to `public`, which has room.
    check(unsafe { f(addr(seed.as_ptr()), addr(public.as_mut_ptr())) })?;
    Ok(n)
}

/// Signs `msg` with the secret key `sk`, writing the signature to `sig`; returns its length.
pub fn sign(alg: SigAlg, sk: &[u8; 32], msg: &[u8], sig: &mut [u8]) -> Result<usize, CryptoError> {
    room(sig, alg.signature_len())?;
    let f = match alg {
        SigAlg::Ed25519 => sys::sign_ed25519,
        SigAlg::Secp256k1 => sys::sign_secp256k1,
        SigAlg::P256 => sys::sign_p256,
        SigAlg::Secp256k1Prehash => sys::sign_secp256k1_prehash,
        SigAlg::P256Prehash => sys::sign_p256_prehash,
    };
    // SAFETY: reads `sk` and `msg`, writes the signature to `sig`, which has room.
    check(unsafe {
        f(
            addr(sk.as_ptr()),
            addr(msg.as_ptr()),
            len(msg.len()),
            addr(sig.as_mut_ptr()),
        )
    })?;
    Ok(alg.signature_len())
}

/// True when `sig` is a valid signature of `msg` by the public key `pk`.
pub fn verify(alg: SigAlg, pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let f = match alg {
        SigAlg::Ed25519 => sys::verify_ed25519,
        SigAlg::Secp256k1 => sys::verify_secp256k1,
        SigAlg::P256 => sys::verify_p256,
        SigAlg::Secp256k1Prehash => sys::verify_secp256k1_prehash,
        SigAlg::P256Prehash => sys::verify_p256_prehash,
    };
    // SAFETY: only reads the three slices.
    unsafe {
        f(
            addr(pk.as_ptr()),
            len(pk.len()),
            addr(msg.as_ptr()),
            len(msg.len()),
            addr(sig.as_ptr()),
            len(sig.len()),
        ) == 1
    }
}

/// The 65-byte public key that made the recoverable secp256k1 signature `sig` of `msg`
/// (`prehash`: `msg` is a 32-byte digest).
pub fn recover(prehash: bool, msg: &[u8], sig: &[u8; 65]) -> Result<[u8; 65], CryptoError> {
    let mut pk = [0; 65];
    let f = if prehash {
        sys::recover_secp256k1_prehash
    } else {
        sys::recover_secp256k1
    };
    // SAFETY: reads `msg` and `sig`, writes 65 bytes to `pk`.
    check(unsafe {
        f(
            addr(msg.as_ptr()),
            len(msg.len()),
            addr(sig.as_ptr()),
            addr(pk.as_mut_ptr()),
        )
    })?;
    Ok(pk)
}

/// Authenticated ciphers: 32-byte keys, 12-byte nonces, 16-byte tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305,
}

/// The length of an AEAD tag (and of what encryption adds).
pub const TAG_LEN: usize = 16;

/// Encrypts `plaintext` to `out` (ciphertext ‖ tag); returns `plaintext.len() + 16`.
/// Never reuse a nonce with the same key.
pub fn encrypt(
    aead: Aead,
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, CryptoError> {
    let n = plaintext.len() + TAG_LEN;
    room(out, n)?;
    let f = match aead {
        Aead::Aes256Gcm => sys::encrypt_aes256gcm,
        Aead::ChaCha20Poly1305 => sys::encrypt_chacha20poly1305,
    };
    // SAFETY: reads the inputs, writes `n` bytes to `out`, which has room.
    check(unsafe {
        f(
            addr(key.as_ptr()),
            addr(nonce.as_ptr()),
            addr(ad.as_ptr()),
            len(ad.len()),
            addr(plaintext.as_ptr()),
            len(plaintext.len()),
            addr(out.as_mut_ptr()),
        )
    })?;
    Ok(n)
}

/// Authenticates and decrypts `ciphertext` (with its tag) to `out`; returns the plaintext's
/// length. Nothing is written unless it is authentic.
pub fn decrypt(
    aead: Aead,
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    ciphertext: &[u8],
    out: &mut [u8],
) -> Result<usize, CryptoError> {
    let n = ciphertext
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(CryptoError::BadLength)?;
    room(out, n)?;
    let f = match aead {
        Aead::Aes256Gcm => sys::decrypt_aes256gcm,
        Aead::ChaCha20Poly1305 => sys::decrypt_chacha20poly1305,
    };
    // SAFETY: reads the inputs, writes at most `n` bytes to `out`, which has room.
    check(unsafe {
        f(
            addr(key.as_ptr()),
            addr(nonce.as_ptr()),
            addr(ad.as_ptr()),
            len(ad.len()),
            addr(ciphertext.as_ptr()),
            len(ciphertext.len()),
            addr(out.as_mut_ptr()),
        )
    })?;
    Ok(n)
}

/// What a sealed box adds to its message.
pub const SEAL_OVERHEAD: usize = 48;

/// Seals `msg` to the X25519 public key `pk` (anonymous public-key encryption; needs
/// randomness); writes `msg.len() + 48` bytes to `out` and returns that length.
pub fn seal(pk: &[u8; 32], msg: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
    let n = msg.len() + SEAL_OVERHEAD;
    room(out, n)?;
    // SAFETY: reads `pk` and `msg`, writes `n` bytes to `out`, which has room.
    check(unsafe {
        sys::seal(
            addr(pk.as_ptr()),
            addr(msg.as_ptr()),
            len(msg.len()),
            addr(out.as_mut_ptr()),
        )
    })?;
    Ok(n)
}

/// Opens a sealed box with the X25519 secret key `sk`; returns the message's length.
pub fn open(sk: &[u8; 32], sealed: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
    let n = sealed
        .len()
        .checked_sub(SEAL_OVERHEAD)
        .ok_or(CryptoError::BadLength)?;
    room(out, n)?;
    // SAFETY: reads `sk` and `sealed`, writes at most `n` bytes to `out`, which has room.
    check(unsafe {
        sys::open(
            addr(sk.as_ptr()),
            addr(sealed.as_ptr()),
            len(sealed.len()),
            addr(out.as_mut_ptr()),
        )
    })?;
    Ok(n)
}

/// Fills `buf` with secure random bytes (or the seeded stream of `--deterministic`).
pub fn random(buf: &mut [u8]) -> Result<(), CryptoError> {
    // SAFETY: writes `buf.len()` bytes to `buf`.
    check(unsafe { sys::random(addr(buf.as_mut_ptr()), len(buf.len())) })
}
