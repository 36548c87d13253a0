//! `SEAL` / `OPEN`: anonymous public-key encryption to an X25519 key.
//!
//! Construction (version 1):
//!
//! 1. The sender draws a fresh 32-byte ephemeral X25519 secret `e` from the run's randomness
//!    and computes `E = X25519(e, 9)`.
//! 2. `shared = X25519(e, R)` for the recipient's public key `R`; a non-contributory result
//!    (a low-order `R`) is refused.
//! 3. `key = BLAKE3-derive_key(CONTEXT, shared ‖ E ‖ R)` with [`CONTEXT`] as the context.
//! 4. The box is `E ‖ ChaCha20-Poly1305(key, nonce = 12 zero bytes, ad = empty, message)`,
//!    48 bytes longer than the message. The all-zero nonce is safe because every box has its
//!    own key (a fresh `e`).
//!
//! Opening recomputes `shared = X25519(r, E)`, `R = X25519(r, 9)` and the key, and checks the
//! tag; any mismatch is [`Error::AuthFailed`].

use crate::Error;
use crate::aead::{AeadAlgorithm, NONCE_LEN, TAG_LEN};
use x25519_dalek::{PublicKey, StaticSecret};

/// The BLAKE3 key-derivation context of version 1 of the construction.
pub const CONTEXT: &str = "DotVM 2026 sealed box v1: X25519 + BLAKE3 + ChaCha20-Poly1305";

/// Length of an X25519 key.
pub const KEY_LEN: usize = 32;

/// Bytes a box adds to its message: the ephemeral public key and the tag.
pub const OVERHEAD: usize = KEY_LEN + TAG_LEN;

/// Seals `message` to `recipient` using `ephemeral` as the sender's one-time secret.
///
/// Fails with [`Error::InvalidKey`] when `recipient` is a low-order point and
/// [`Error::TooLarge`] past [`crate::aead::MAX_MESSAGE`].
pub fn seal(
    recipient: &[u8; KEY_LEN],
    ephemeral: [u8; KEY_LEN],
    message: &[u8],
) -> Result<Vec<u8>, Error> {
    let secret = StaticSecret::from(ephemeral);
    let ephemeral_public = PublicKey::from(&secret);
    let shared = secret.diffie_hellman(&PublicKey::from(*recipient));
    if !shared.was_contributory() {
        return Err(Error::InvalidKey);
    }
    let key = box_key(shared.as_bytes(), ephemeral_public.as_bytes(), recipient);
    let sealed = AeadAlgorithm::ChaCha20Poly1305.encrypt(&key, &[0; NONCE_LEN], &[], message)?;
    let mut out = Vec::with_capacity(KEY_LEN + sealed.len());
    out.extend_from_slice(ephemeral_public.as_bytes());
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a box sealed to the public key of `secret`.
///
/// Fails with [`Error::BadLength`] when the box is shorter than [`OVERHEAD`] and with
/// [`Error::AuthFailed`] when it is not authentic for this key.
pub fn open(secret: &[u8; KEY_LEN], sealed: &[u8]) -> Result<Vec<u8>, Error> {
    if sealed.len() < OVERHEAD {
        return Err(Error::BadLength);
    }
    let (ephemeral_public, ciphertext) = sealed.split_at(KEY_LEN);
    let ephemeral_public: [u8; KEY_LEN] = ephemeral_public.try_into().expect("split at KEY_LEN");
    let secret = StaticSecret::from(*secret);
    let recipient = PublicKey::from(&secret);
    let shared = secret.diffie_hellman(&PublicKey::from(ephemeral_public));
    if !shared.was_contributory() {
        return Err(Error::AuthFailed);
    }
    let key = box_key(shared.as_bytes(), &ephemeral_public, recipient.as_bytes());
    AeadAlgorithm::ChaCha20Poly1305.decrypt(&key, &[0; NONCE_LEN], &[], ciphertext)
}

/// The box's ChaCha20-Poly1305 key.
fn box_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut material = [0u8; 96];
    material[..32].copy_from_slice(shared);
    material[32..64].copy_from_slice(ephemeral);
    material[64..].copy_from_slice(recipient);
    blake3::derive_key(CONTEXT, &material)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(secret: [u8; 32]) -> [u8; 32] {
        PublicKey::from(&StaticSecret::from(secret)).to_bytes()
    }

    #[test]
    fn a_box_opens_only_with_the_recipient_key_and_intact_bytes() {
        let recipient = [3u8; 32];
        let sealed = seal(&public(recipient), [9; 32], b"attack at dawn").unwrap();
        assert_eq!(sealed.len(), 14 + OVERHEAD);
        assert_eq!(open(&recipient, &sealed).unwrap(), b"attack at dawn");
        assert_eq!(open(&[4; 32], &sealed), Err(Error::AuthFailed));
        for i in [0, 31, 32, sealed.len() - 1] {
            let mut tampered = sealed.clone();
            tampered[i] ^= 1;
            assert_eq!(
                open(&recipient, &tampered),
                Err(Error::AuthFailed),
                "byte {i}"
            );
        }
        assert_eq!(open(&recipient, &sealed[..47]), Err(Error::BadLength));
    }

    #[test]
    fn boxes_to_low_order_points_are_refused() {
        assert_eq!(seal(&[0; 32], [9; 32], b"x"), Err(Error::InvalidKey));
    }

    #[test]
    fn fresh_ephemeral_keys_give_different_boxes() {
        let to = public([5; 32]);
        assert_ne!(
            seal(&to, [1; 32], b"m").unwrap(),
            seal(&to, [2; 32], b"m").unwrap()
        );
    }
}
