//! Named selector operands: the algorithm of a cryptographic instruction (`HASH sha256`) or
//! the byte format of a BigInt conversion (`BIGINT_FROM_BYTES le_signed`).
//!
//! A selector is one byte on disk. Every selector has a unique number and a unique assembly
//! name; each opcode that takes one accepts only the selectors of its [`SelectorFamily`], and
//! the checked decoder rejects any other byte, so a decoded instruction always carries a
//! selector its opcode accepts.

/// Which selectors an opcode accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorFamily {
    /// Hash functions (`HASH`).
    Hash,
    /// Signature schemes (`SIGN`, `VERIFY`).
    Signature,
    /// Schemes whose key pairs `KEYGEN` derives from a seed: the signature curves and X25519.
    KeyGen,
    /// Signature schemes with public-key recovery (`RECOVER`).
    Recovery,
    /// Authenticated ciphers (`ENCRYPT`, `DECRYPT`).
    Aead,
    /// Byte orders and signedness of BigInt byte conversions.
    ByteFormat,
}

impl SelectorFamily {
    /// What the family is, for documentation and error messages.
    pub const fn name(self) -> &'static str {
        match self {
            SelectorFamily::Hash => "hash algorithm",
            SelectorFamily::Signature => "signature algorithm",
            SelectorFamily::KeyGen => "key algorithm",
            SelectorFamily::Recovery => "recoverable signature algorithm",
            SelectorFamily::Aead => "AEAD algorithm",
            SelectorFamily::ByteFormat => "byte format",
        }
    }

    /// True when an opcode of this family accepts `selector`.
    pub const fn accepts(self, selector: Selector) -> bool {
        use Selector::*;
        match self {
            SelectorFamily::Hash => {
                matches!(selector, Sha256 | Sha512 | Sha3_256 | Keccak256 | Blake3)
            }
            SelectorFamily::Signature => matches!(
                selector,
                Ed25519 | Secp256k1 | P256 | Secp256k1Prehash | P256Prehash
            ),
            SelectorFamily::KeyGen => matches!(selector, Ed25519 | Secp256k1 | P256 | X25519),
            SelectorFamily::Recovery => matches!(selector, Secp256k1 | Secp256k1Prehash),
            SelectorFamily::Aead => matches!(selector, Aes256Gcm | ChaCha20Poly1305),
            SelectorFamily::ByteFormat => matches!(selector, Be | Le | BeSigned | LeSigned),
        }
    }

    /// The selectors this family accepts, in number order.
    pub fn members(self) -> impl Iterator<Item = Selector> {
        Selector::ALL
            .iter()
            .copied()
            .filter(move |&s| self.accepts(s))
    }
}

macro_rules! selectors {
    ($( $code:literal $variant:ident $name:literal $doc:literal; )*) => {
        /// A selector operand. The discriminant is its number on disk.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Selector {
            $( #[doc = $doc] $variant = $code, )*
        }

        impl Selector {
            /// Every selector, in number order.
            pub const ALL: &'static [Selector] = &[ $( Selector::$variant, )* ];

            /// The selector with this number, if any.
            pub const fn from_code(code: u8) -> Option<Selector> {
                match code {
                    $( $code => Some(Selector::$variant), )*
                    _ => None,
                }
            }

            /// The assembly name (lower case).
            pub const fn name(self) -> &'static str {
                match self {
                    $( Selector::$variant => $name, )*
                }
            }

            /// One-line description.
            pub const fn doc(self) -> &'static str {
                match self {
                    $( Selector::$variant => $doc, )*
                }
            }
        }
    };
}

selectors! {
    // ---- hash functions ----
    0x01 Sha256           "sha256"            "SHA-256 (FIPS 180-4), 32-byte digest.";
    0x02 Sha512           "sha512"            "SHA-512 (FIPS 180-4), 64-byte digest.";
    0x03 Sha3_256         "sha3_256"          "SHA3-256 (FIPS 202), 32-byte digest.";
    0x04 Keccak256        "keccak256"         "Keccak-256 (the original padding, as in Ethereum), 32-byte digest.";
    0x05 Blake3           "blake3"            "BLAKE3, 32-byte digest.";
    // ---- signatures and key agreement ----
    0x10 Ed25519          "ed25519"           "Ed25519 (RFC 8032), strict verification.";
    0x11 Secp256k1        "secp256k1"         "ECDSA over secp256k1 of the message's SHA-256, low-S, recoverable.";
    0x12 P256             "p256"              "ECDSA over NIST P-256 of the message's SHA-256.";
    0x13 Secp256k1Prehash "secp256k1_prehash" "ECDSA over secp256k1 of a caller-hashed 32-byte digest (e.g. Keccak-256), recoverable.";
    0x14 P256Prehash      "p256_prehash"      "ECDSA over NIST P-256 of a caller-hashed 32-byte digest.";
    0x18 X25519           "x25519"            "X25519 key agreement (RFC 7748), the keys of sealed boxes.";
    // ---- authenticated encryption ----
    0x20 Aes256Gcm        "aes256gcm"         "AES-256-GCM (NIST SP 800-38D), 12-byte nonce, 16-byte tag.";
    0x21 ChaCha20Poly1305 "chacha20poly1305"  "ChaCha20-Poly1305 (RFC 8439), 12-byte nonce, 16-byte tag.";
    // ---- BigInt byte formats ----
    0x30 Be               "be"                "Big-endian magnitude (the sign is dropped on output).";
    0x31 Le               "le"                "Little-endian magnitude (the sign is dropped on output).";
    0x32 BeSigned         "be_signed"         "Big-endian two's complement.";
    0x33 LeSigned         "le_signed"         "Little-endian two's complement.";
}

impl Selector {
    /// The selector number.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Looks up an assembly name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Selector> {
        Selector::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        for &s in Selector::ALL {
            assert_eq!(Selector::from_code(s.code()), Some(s));
            assert_eq!(Selector::from_name(s.name()), Some(s));
            assert_eq!(Selector::from_name(&s.name().to_uppercase()), Some(s));
            assert!(names.insert(s.name()));
            assert!(!s.doc().is_empty());
        }
        assert_eq!(Selector::from_code(0), None);
    }

    #[test]
    fn every_selector_belongs_to_a_family() {
        use SelectorFamily::*;
        for &s in Selector::ALL {
            assert!(
                [Hash, Signature, KeyGen, Recovery, Aead, ByteFormat]
                    .iter()
                    .any(|f| f.accepts(s)),
                "{} is in no family",
                s.name()
            );
        }
        assert_eq!(Hash.members().count(), 5);
        assert!(Recovery.members().all(|s| Signature.accepts(s)));
    }
}
