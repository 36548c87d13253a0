//! The status codes crypto instructions push for conditions caused by guest data.

/// The status word for success.
pub const STATUS_OK: u64 = 0;

/// Why a crypto operation produced no result. Each maps to the status word the instruction
/// pushes ([`Error::status`]); none of them is a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Error {
    /// The ciphertext or sealed box failed authentication (wrong key, nonce, associated data
    /// or tampered bytes). Status 1.
    #[error("authentication failed")]
    AuthFailed,
    /// The key bytes are not a valid key for the algorithm (an ECDSA scalar of zero or not
    /// below the group order, a public key off the curve, an X25519 key that yields a
    /// non-contributory shared secret). Status 2.
    #[error("invalid key")]
    InvalidKey,
    /// A length the algorithm does not allow (a prehash that is not 32 bytes, a ciphertext
    /// shorter than its tag, a sealed box shorter than its overhead). Status 3.
    #[error("invalid length")]
    BadLength,
    /// An input longer than DotVM allows for the operation ([`crate::aead::MAX_MESSAGE`]).
    /// Status 4.
    #[error("input too large")]
    TooLarge,
    /// The embedder grants the run no randomness. Status 5.
    #[error("randomness not granted")]
    Denied,
    /// A signature that is malformed or from which no public key can be recovered. Status 6.
    #[error("invalid signature")]
    BadSignature,
}

impl Error {
    /// The status word pushed for this error.
    pub const fn status(self) -> u64 {
        match self {
            Error::AuthFailed => 1,
            Error::InvalidKey => 2,
            Error::BadLength => 3,
            Error::TooLarge => 4,
            Error::Denied => 5,
            Error::BadSignature => 6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_distinct_and_not_ok() {
        let all = [
            Error::AuthFailed,
            Error::InvalidKey,
            Error::BadLength,
            Error::TooLarge,
            Error::Denied,
            Error::BadSignature,
        ];
        let mut codes: Vec<u64> = all.iter().map(|e| e.status()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(!codes.contains(&STATUS_OK));
    }
}
