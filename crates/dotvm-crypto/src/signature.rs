//! `KEYGEN`, `SIGN`, `VERIFY` and `RECOVER`: Ed25519, ECDSA over secp256k1 and over P-256,
//! and X25519 key derivation.
//!
//! Byte layouts (all fixed, so a guest can size its buffers statically):
//!
//! | algorithm | secret key | public key written | signature written |
//! |---|---|---|---|
//! | Ed25519 | 32-byte seed (RFC 8032) | 32 bytes | 64 bytes `R ‖ S` |
//! | secp256k1 (and `_prehash`) | 32-byte big-endian scalar in `[1, n)` | 65 bytes SEC1 uncompressed `04 ‖ X ‖ Y` | 65 bytes `r ‖ s ‖ v`, low-S, `v` the recovery id 0..=3 |
//! | P-256 (and `_prehash`) | 32-byte big-endian scalar in `[1, n)` | 65 bytes SEC1 uncompressed | 64 bytes `r ‖ s` |
//! | X25519 (`KEYGEN` only) | 32 bytes (clamped by X25519) | 32 bytes | – |
//!
//! ECDSA signs the SHA-256 of the message with RFC 6979 deterministic nonces; the `_prehash`
//! variants sign a 32-byte digest the caller computed (for example Keccak-256). `VERIFY`
//! accepts SEC1 public keys in compressed (33-byte) or uncompressed (65-byte) form and, for
//! secp256k1, a 64-byte `r ‖ s` or the 65-byte form (the recovery byte is ignored); it
//! rejects high-S secp256k1 signatures, as Bitcoin and Ethereum do. Ed25519 verification is
//! `verify_strict` (no small-order keys, canonical encodings).

use crate::Error;
use ed25519_dalek::Signer as _;
use k256::ecdsa::signature::Verifier as _;
use k256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};

/// A signature scheme `SIGN` and `VERIFY` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// ECDSA/secp256k1 over the SHA-256 of the message.
    Secp256k1,
    /// ECDSA/P-256 over the SHA-256 of the message.
    P256,
    /// ECDSA/secp256k1 over a caller-supplied 32-byte digest.
    Secp256k1Prehash,
    /// ECDSA/P-256 over a caller-supplied 32-byte digest.
    P256Prehash,
}

/// A key type `KEYGEN` can derive from a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 signing keys.
    Ed25519,
    /// secp256k1 ECDSA keys.
    Secp256k1,
    /// P-256 ECDSA keys.
    P256,
    /// X25519 key-agreement keys (sealed boxes).
    X25519,
}

/// Secret keys and seeds are 32 bytes for every algorithm.
pub const SECRET_KEY_LEN: usize = 32;

/// Length of a digest the `_prehash` variants sign.
pub const PREHASH_LEN: usize = 32;

/// Length of a recoverable secp256k1 signature `r ‖ s ‖ v`.
pub const RECOVERABLE_SIGNATURE_LEN: usize = 65;

/// Length of an uncompressed SEC1 public key.
pub const SEC1_UNCOMPRESSED_LEN: usize = 65;

impl KeyAlgorithm {
    /// Length of the public key `KEYGEN` writes.
    pub const fn public_key_len(self) -> usize {
        match self {
            KeyAlgorithm::Ed25519 | KeyAlgorithm::X25519 => 32,
            KeyAlgorithm::Secp256k1 | KeyAlgorithm::P256 => SEC1_UNCOMPRESSED_LEN,
        }
    }

    /// The public key of the key pair whose secret key is `seed`.
    ///
    /// Fails with [`Error::InvalidKey`] when `seed` is not a valid ECDSA scalar.
    pub fn public_key(self, seed: &[u8; SECRET_KEY_LEN]) -> Result<Vec<u8>, Error> {
        Ok(match self {
            KeyAlgorithm::Ed25519 => ed25519_dalek::SigningKey::from_bytes(seed)
                .verifying_key()
                .to_bytes()
                .to_vec(),
            KeyAlgorithm::Secp256k1 => secp256k1_key(seed)?
                .verifying_key()
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
            KeyAlgorithm::P256 => p256_key(seed)?
                .verifying_key()
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
            KeyAlgorithm::X25519 => {
                let secret = x25519_dalek::StaticSecret::from(*seed);
                x25519_dalek::PublicKey::from(&secret).to_bytes().to_vec()
            }
        })
    }
}

impl SignatureAlgorithm {
    /// Length of the signature `SIGN` writes.
    pub const fn signature_len(self) -> usize {
        match self {
            SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash => {
                RECOVERABLE_SIGNATURE_LEN
            }
            _ => 64,
        }
    }

    /// True for the variants that sign a caller-supplied digest.
    pub const fn is_prehash(self) -> bool {
        matches!(
            self,
            SignatureAlgorithm::Secp256k1Prehash | SignatureAlgorithm::P256Prehash
        )
    }

    /// Signs `msg` with the secret key `sk`.
    ///
    /// Fails with [`Error::InvalidKey`] for an invalid ECDSA scalar and [`Error::BadLength`]
    /// when a `_prehash` message is not [`PREHASH_LEN`] bytes.
    pub fn sign(self, sk: &[u8; SECRET_KEY_LEN], msg: &[u8]) -> Result<Vec<u8>, Error> {
        if self.is_prehash() && msg.len() != PREHASH_LEN {
            return Err(Error::BadLength);
        }
        Ok(match self {
            SignatureAlgorithm::Ed25519 => ed25519_dalek::SigningKey::from_bytes(sk)
                .sign(msg)
                .to_bytes()
                .to_vec(),
            SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash => {
                let key = secp256k1_key(sk)?;
                let (signature, id) = if self.is_prehash() {
                    key.sign_prehash_recoverable(msg)
                } else {
                    key.sign_recoverable(msg)
                };
                let mut out = signature.to_bytes().to_vec();
                out.push(id.to_byte());
                out
            }
            SignatureAlgorithm::P256 => {
                let signature: p256::ecdsa::Signature = p256_key(sk)?.sign(msg);
                signature.to_bytes().to_vec()
            }
            SignatureAlgorithm::P256Prehash => {
                let signature: p256::ecdsa::Signature = p256_key(sk)?
                    .sign_prehash(msg)
                    .map_err(|_| Error::BadLength)?;
                signature.to_bytes().to_vec()
            }
        })
    }

    /// True when `signature` is a valid signature of `msg` under the public key `pk`. Any
    /// malformed key, signature or length is simply `false`.
    pub fn verify(self, pk: &[u8], msg: &[u8], signature: &[u8]) -> bool {
        if self.is_prehash() && msg.len() != PREHASH_LEN {
            return false;
        }
        match self {
            SignatureAlgorithm::Ed25519 => verify_ed25519(pk, msg, signature),
            SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash => {
                let Ok(key) = k256::ecdsa::VerifyingKey::from_sec1_bytes(pk) else {
                    return false;
                };
                let rs = match signature.len() {
                    64 | RECOVERABLE_SIGNATURE_LEN => &signature[..64],
                    _ => return false,
                };
                let Ok(signature) = k256::ecdsa::Signature::from_slice(rs) else {
                    return false;
                };
                if self.is_prehash() {
                    key.verify_prehash(msg, &signature).is_ok()
                } else {
                    key.verify(msg, &signature).is_ok()
                }
            }
            SignatureAlgorithm::P256 | SignatureAlgorithm::P256Prehash => {
                let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(pk) else {
                    return false;
                };
                if signature.len() != 64 {
                    return false;
                }
                let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
                    return false;
                };
                if self.is_prehash() {
                    key.verify_prehash(msg, &signature).is_ok()
                } else {
                    key.verify(msg, &signature).is_ok()
                }
            }
        }
    }

    /// The public key (65-byte uncompressed SEC1) that made the recoverable `signature`
    /// (`r ‖ s ‖ v`) of `msg`. Only the secp256k1 variants recover keys.
    ///
    /// Fails with [`Error::BadLength`] for a `_prehash` message that is not 32 bytes and with
    /// [`Error::BadSignature`] when the signature is malformed, its recovery id is not
    /// 0..=3, no key recovers from it, or the algorithm is not a secp256k1 variant.
    pub fn recover(
        self,
        msg: &[u8],
        signature: &[u8; RECOVERABLE_SIGNATURE_LEN],
    ) -> Result<Vec<u8>, Error> {
        if self.is_prehash() && msg.len() != PREHASH_LEN {
            return Err(Error::BadLength);
        }
        let rs = k256::ecdsa::Signature::from_slice(&signature[..64])
            .map_err(|_| Error::BadSignature)?;
        let id = k256::ecdsa::RecoveryId::from_byte(signature[64]).ok_or(Error::BadSignature)?;
        let key = match self {
            SignatureAlgorithm::Secp256k1 => {
                k256::ecdsa::VerifyingKey::recover_from_msg(msg, &rs, id)
            }
            SignatureAlgorithm::Secp256k1Prehash => {
                k256::ecdsa::VerifyingKey::recover_from_prehash(msg, &rs, id)
            }
            _ => return Err(Error::BadSignature),
        }
        .map_err(|_| Error::BadSignature)?;
        Ok(key.to_sec1_point(false).as_bytes().to_vec())
    }
}

/// Strict Ed25519 verification of byte slices of any length.
fn verify_ed25519(pk: &[u8], msg: &[u8], signature: &[u8]) -> bool {
    let (Ok(pk), Ok(signature)) = (<&[u8; 32]>::try_from(pk), <&[u8; 64]>::try_from(signature))
    else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(pk) else {
        return false;
    };
    key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(signature))
        .is_ok()
}

/// The secp256k1 signing key with secret scalar `sk`.
fn secp256k1_key(sk: &[u8; SECRET_KEY_LEN]) -> Result<k256::ecdsa::SigningKey, Error> {
    k256::ecdsa::SigningKey::from_slice(sk).map_err(|_| Error::InvalidKey)
}

/// The P-256 signing key with secret scalar `sk`.
fn p256_key(sk: &[u8; SECRET_KEY_LEN]) -> Result<p256::ecdsa::SigningKey, Error> {
    p256::ecdsa::SigningKey::from_slice(sk).map_err(|_| Error::InvalidKey)
}
