//! `ENCRYPT` / `DECRYPT`: AES-256-GCM and ChaCha20-Poly1305 with caller-supplied 12-byte
//! nonces and associated data. Ciphertexts are `encrypted bytes ‖ 16-byte tag`.

use crate::Error;
use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};

/// An authenticated cipher `ENCRYPT` and `DECRYPT` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-256-GCM (NIST SP 800-38D).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

/// Key length of both ciphers.
pub const KEY_LEN: usize = 32;
/// Nonce length of both ciphers.
pub const NONCE_LEN: usize = 12;
/// Authentication tag length of both ciphers.
pub const TAG_LEN: usize = 16;
/// The longest message or associated data DotVM encrypts in one instruction (4 GiB - 1),
/// below both ciphers' own limits; longer inputs give [`Error::TooLarge`].
pub const MAX_MESSAGE: u64 = u32::MAX as u64;

impl AeadAlgorithm {
    /// Encrypts `plaintext` and appends the tag.
    ///
    /// Fails with [`Error::TooLarge`] when the plaintext or associated data is longer than
    /// [`MAX_MESSAGE`].
    pub fn encrypt(
        self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        check_lengths(ad.len() as u64, plaintext.len() as u64)?;
        let payload = Payload {
            msg: plaintext,
            aad: ad,
        };
        match self {
            AeadAlgorithm::Aes256Gcm => {
                aes_gcm::Aes256Gcm::new(key.into()).encrypt(nonce.into(), payload)
            }
            AeadAlgorithm::ChaCha20Poly1305 => {
                chacha20poly1305::ChaCha20Poly1305::new(key.into()).encrypt(nonce.into(), payload)
            }
        }
        .map_err(|_| Error::TooLarge)
    }

    /// Authenticates `ciphertext` (encrypted bytes then tag) and returns the plaintext.
    ///
    /// Fails with [`Error::BadLength`] when the ciphertext is shorter than the tag,
    /// [`Error::TooLarge`] past [`MAX_MESSAGE`], and [`Error::AuthFailed`] when it is not
    /// authentic; no plaintext is released then.
    pub fn decrypt(
        self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        check_lengths(ad.len() as u64, ciphertext.len() as u64)?;
        if ciphertext.len() < TAG_LEN {
            return Err(Error::BadLength);
        }
        let payload = Payload {
            msg: ciphertext,
            aad: ad,
        };
        match self {
            AeadAlgorithm::Aes256Gcm => {
                aes_gcm::Aes256Gcm::new(key.into()).decrypt(nonce.into(), payload)
            }
            AeadAlgorithm::ChaCha20Poly1305 => {
                chacha20poly1305::ChaCha20Poly1305::new(key.into()).decrypt(nonce.into(), payload)
            }
        }
        .map_err(|_| Error::AuthFailed)
    }
}

/// Rejects messages and associated data above [`MAX_MESSAGE`].
pub fn check_lengths(ad_len: u64, msg_len: u64) -> Result<(), Error> {
    if ad_len > MAX_MESSAGE || msg_len > MAX_MESSAGE {
        Err(Error::TooLarge)
    } else {
        Ok(())
    }
}
