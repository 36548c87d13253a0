//! Signed bytecode: checking a module's Ed25519 signature against the keys an engine
//! trusts ([`crate::Config::require_signed`]).

use dotvm_core::Module;
use dotvm_core::format::signed_message;
use dotvm_crypto::signature::SignatureAlgorithm;
use std::fmt::Write as _;

/// A public key trusted to sign modules, with a name for messages.
///
/// ```
/// let key = dotvm::TrustedKey::new([7; 32], "alice");
/// assert_eq!(key.name, "alice");
/// assert!(key.id().starts_with("ed25519:0707"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The Ed25519 public key.
    pub key: [u8; 32],
    /// Its name (for example the name in its key file).
    pub name: String,
}

impl TrustedKey {
    /// The key `key` called `name`.
    pub fn new(key: [u8; 32], name: impl Into<String>) -> TrustedKey {
        TrustedKey {
            key,
            name: name.into(),
        }
    }

    /// How the key is shown: `ed25519:` and the key in hex ([`signer_id`]).
    pub fn id(&self) -> String {
        signer_id(&self.key)
    }
}

/// How a signer is shown: `ed25519:` and the public key in lower-case hex.
pub fn signer_id(key: &[u8; 32]) -> String {
    key.iter().fold(String::from("ed25519:"), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Why a module's signature is not accepted ([`crate::Error::Signature`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The module has no signature (bytecode without a signature section, or a module
    /// built from WebAssembly or assembly, which cannot carry one).
    #[error("not signed (a signed file is required)")]
    Unsigned,
    /// The signature does not match the module's bytes.
    #[error(
        "bad signature: the file was changed after it was signed, or the signature is \
         corrupt (it claims signer {signer})"
    )]
    Invalid {
        /// The claimed signer ([`signer_id`]).
        signer: String,
    },
    /// A valid signature by a key that is not trusted.
    #[error("signed by {signer}, which is not a trusted key (trusted: {trusted})")]
    Untrusted {
        /// The signer ([`signer_id`]).
        signer: String,
        /// The trusted keys' names.
        trusted: String,
    },
}

/// Checks that `module` carries a valid signature (over its canonical bytes, see
/// `docs/bytecode-format.md`); returns the signer's public key.
pub fn check_signature(module: &Module) -> Result<[u8; 32], SignatureError> {
    let signature = module.signature.ok_or(SignatureError::Unsigned)?;
    let message = signed_message(module, signature.public_key);
    if SignatureAlgorithm::Ed25519.verify(&signature.public_key, &message, &signature.signature) {
        Ok(signature.public_key)
    } else {
        Err(SignatureError::Invalid {
            signer: signer_id(&signature.public_key),
        })
    }
}

/// Checks that `module` is validly signed by one of `trusted`; returns that key.
pub fn check_trusted<'k>(
    module: &Module,
    trusted: &'k [TrustedKey],
) -> Result<&'k TrustedKey, SignatureError> {
    let signer = check_signature(module)?;
    trusted
        .iter()
        .find(|key| key.key == signer)
        .ok_or_else(|| SignatureError::Untrusted {
            signer: signer_id(&signer),
            trusted: trusted
                .iter()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}
