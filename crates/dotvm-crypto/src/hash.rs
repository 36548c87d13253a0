//! `HASH`: SHA-256, SHA-512, SHA3-256, Keccak-256 and BLAKE3 over a byte slice.

use sha2::Digest as _;

/// A hash function `HASH` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-512 (FIPS 180-4).
    Sha512,
    /// SHA3-256 (FIPS 202).
    Sha3_256,
    /// Keccak-256 with the original (pre-FIPS) padding, as Ethereum uses it.
    Keccak256,
    /// BLAKE3 with its default 32-byte output.
    Blake3,
}

/// The widest digest (SHA-512).
pub const MAX_DIGEST: usize = 64;

/// A digest of up to [`MAX_DIGEST`] bytes, kept inline (no allocation per hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    bytes: [u8; MAX_DIGEST],
    len: usize,
}

impl Digest {
    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn from_slice(slice: &[u8]) -> Digest {
        let mut bytes = [0; MAX_DIGEST];
        bytes[..slice.len()].copy_from_slice(slice);
        Digest {
            bytes,
            len: slice.len(),
        }
    }
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha512 => 64,
            _ => 32,
        }
    }

    /// The digest of `input`.
    pub fn digest(self, input: &[u8]) -> Digest {
        match self {
            HashAlgorithm::Sha256 => Digest::from_slice(&sha2::Sha256::digest(input)),
            HashAlgorithm::Sha512 => Digest::from_slice(&sha2::Sha512::digest(input)),
            HashAlgorithm::Sha3_256 => Digest::from_slice(&sha3::Sha3_256::digest(input)),
            HashAlgorithm::Keccak256 => Digest::from_slice(&sha3::Keccak256::digest(input)),
            HashAlgorithm::Blake3 => Digest::from_slice(blake3::hash(input).as_bytes()),
        }
    }
}
