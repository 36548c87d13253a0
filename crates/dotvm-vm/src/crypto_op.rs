//! The crypto instructions in executable form: each `HASH` … `RANDOM` opcode with its
//! algorithm selector resolved at load time (semantics in `exec::crypto`).

use dotvm_core::{Instruction, Opcode, Operand, Selector};
use dotvm_crypto::aead::AeadAlgorithm;
use dotvm_crypto::hash::HashAlgorithm;
use dotvm_crypto::signature::{KeyAlgorithm, SignatureAlgorithm};

/// A crypto instruction with its algorithm resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CryptoOp {
    /// `HASH`.
    Hash(HashAlgorithm),
    /// `KEYGEN`.
    Keygen(KeyAlgorithm),
    /// `SIGN`.
    Sign(SignatureAlgorithm),
    /// `VERIFY`.
    Verify(SignatureAlgorithm),
    /// `RECOVER`.
    Recover(SignatureAlgorithm),
    /// `ENCRYPT`.
    Encrypt(AeadAlgorithm),
    /// `DECRYPT`.
    Decrypt(AeadAlgorithm),
    /// `SEAL`.
    Seal,
    /// `OPEN`.
    Open,
    /// `RANDOM`.
    Random,
}

/// The op for a crypto instruction, or `None` when `inst` is not one or its selector does
/// not belong to the opcode (which the decoder rules out).
pub(crate) fn resolve(inst: &Instruction) -> Option<CryptoOp> {
    let selector = match inst.operand {
        Operand::Selector(s) => Some(s),
        _ => None,
    };
    Some(match inst.opcode {
        Opcode::Hash => CryptoOp::Hash(hash_algorithm(selector?)?),
        Opcode::Keygen => CryptoOp::Keygen(key_algorithm(selector?)?),
        Opcode::Sign => CryptoOp::Sign(signature_algorithm(selector?)?),
        Opcode::Verify => CryptoOp::Verify(signature_algorithm(selector?)?),
        Opcode::Recover => match signature_algorithm(selector?)? {
            s @ (SignatureAlgorithm::Secp256k1 | SignatureAlgorithm::Secp256k1Prehash) => {
                CryptoOp::Recover(s)
            }
            _ => return None,
        },
        Opcode::Encrypt => CryptoOp::Encrypt(aead_algorithm(selector?)?),
        Opcode::Decrypt => CryptoOp::Decrypt(aead_algorithm(selector?)?),
        Opcode::Seal => CryptoOp::Seal,
        Opcode::Open => CryptoOp::Open,
        Opcode::Random => CryptoOp::Random,
        _ => return None,
    })
}

fn hash_algorithm(selector: Selector) -> Option<HashAlgorithm> {
    Some(match selector {
        Selector::Sha256 => HashAlgorithm::Sha256,
        Selector::Sha512 => HashAlgorithm::Sha512,
        Selector::Sha3_256 => HashAlgorithm::Sha3_256,
        Selector::Keccak256 => HashAlgorithm::Keccak256,
        Selector::Blake3 => HashAlgorithm::Blake3,
        _ => return None,
    })
}

fn key_algorithm(selector: Selector) -> Option<KeyAlgorithm> {
    Some(match selector {
        Selector::Ed25519 => KeyAlgorithm::Ed25519,
        Selector::Secp256k1 => KeyAlgorithm::Secp256k1,
        Selector::P256 => KeyAlgorithm::P256,
        Selector::X25519 => KeyAlgorithm::X25519,
        _ => return None,
    })
}

fn signature_algorithm(selector: Selector) -> Option<SignatureAlgorithm> {
    Some(match selector {
        Selector::Ed25519 => SignatureAlgorithm::Ed25519,
        Selector::Secp256k1 => SignatureAlgorithm::Secp256k1,
        Selector::P256 => SignatureAlgorithm::P256,
        Selector::Secp256k1Prehash => SignatureAlgorithm::Secp256k1Prehash,
        Selector::P256Prehash => SignatureAlgorithm::P256Prehash,
        _ => return None,
    })
}

fn aead_algorithm(selector: Selector) -> Option<AeadAlgorithm> {
    Some(match selector {
        Selector::Aes256Gcm => AeadAlgorithm::Aes256Gcm,
        Selector::ChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
        _ => return None,
    })
}
