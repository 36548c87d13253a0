//! Signed bytecode: Ed25519 key files and signing a module (`dotvm keygen`, `sign`); the
//! checks of a module's signature against trusted keys (`verify --trusted-key`, `run
//! --require-signed`, `inspect`) are the `dotvm` crate's, re-exported here.
//!
//! Key files are one line of text. A secret key file (`NAME.key`, mode 0600) holds
//! `dotvm-ed25519-secret-key HEX` (the 32-byte seed); a public key file (`NAME.pub`) holds
//! `dotvm-ed25519-public-key HEX NAME`. A signature covers the file's canonical bytes up to
//! its signature section (`docs/bytecode-format.md`).

use anyhow::{Context, Result, anyhow, bail};
pub use dotvm::{SignatureError, TrustedKey, check_signature, check_trusted, signer_id};
use dotvm_core::Module;
use dotvm_core::format::signed_message;
use dotvm_core::module::Signature;
use dotvm_crypto::signature::{KeyAlgorithm, SignatureAlgorithm};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The first word of a secret key file.
const SECRET_TAG: &str = "dotvm-ed25519-secret-key";
/// The first word of a public key file.
const PUBLIC_TAG: &str = "dotvm-ed25519-public-key";
/// The environment variable listing trusted public key files (separated by `:`).
pub const TRUSTED_KEYS_VAR: &str = "DOTVM_TRUSTED_KEYS";

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The bytes of a hex string of exactly `N` bytes.
fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Creates `NAME.key` (mode 0600) and `NAME.pub` for a new key pair; refuses to overwrite
/// either. Returns the two paths.
pub fn keygen(name: &Path) -> Result<(PathBuf, PathBuf)> {
    let secret_path = with_suffix(name, "key");
    let public_path = with_suffix(name, "pub");
    for path in [&secret_path, &public_path] {
        if path.exists() {
            bail!(
                "{} already exists; remove it or choose another name",
                path.display()
            );
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow!("the OS random generator failed: {e}"))?;
    let public = public_key_of(&seed)?;
    let label = name
        .file_name()
        .map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
    write_secret(&secret_path, &format!("{SECRET_TAG} {}\n", hex(&seed)))?;
    std::fs::write(
        &public_path,
        format!("{PUBLIC_TAG} {} {label}\n", hex(&public)),
    )
    .with_context(|| format!("cannot write {}", public_path.display()))?;
    Ok((secret_path, public_path))
}

/// `name` with `.suffix` appended (`alice` → `alice.key`).
fn with_suffix(name: &Path, suffix: &str) -> PathBuf {
    let mut text = name.as_os_str().to_owned();
    text.push(".");
    text.push(suffix);
    PathBuf::from(text)
}

/// Writes a new file readable only by its owner.
fn write_secret(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The Ed25519 public key of a secret seed.
fn public_key_of(seed: &[u8; 32]) -> Result<[u8; 32]> {
    let public = KeyAlgorithm::Ed25519
        .public_key(seed)
        .map_err(|e| anyhow!("cannot derive the public key: {e}"))?;
    public
        .try_into()
        .map_err(|_| anyhow!("an Ed25519 public key has 32 bytes"))
}

/// Reads a secret key file: `PATH`, or `PATH.key` when `PATH` does not exist. Refuses a
/// file others can read or write.
pub fn read_secret_key(path: &Path) -> Result<[u8; 32]> {
    let path = if path.exists() {
        path.to_path_buf()
    } else {
        with_suffix(path, "key")
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read secret key {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "{}: permissions {mode:04o} are too open; a secret key must be readable only \
                 by its owner (chmod 600 {})",
                path.display(),
                path.display()
            );
        }
    }
    let bad = |what: &str| {
        anyhow!(
            "{}: not a DotVM secret key file ({what}; expected one line `{SECRET_TAG} \
             <64 hex digits>`, as written by `dotvm keygen`)",
            path.display()
        )
    };
    let mut words = text.split_whitespace();
    match words.next() {
        Some(SECRET_TAG) => {}
        Some(PUBLIC_TAG) => return Err(bad("this is a public key")),
        _ => return Err(bad("wrong first word")),
    }
    let seed = words
        .next()
        .and_then(unhex::<32>)
        .ok_or_else(|| bad("the key is not 64 hex digits"))?;
    if words.next().is_some() {
        return Err(bad("extra text after the key"));
    }
    Ok(seed)
}

/// Reads a public key file.
pub fn read_public_key(path: &Path) -> Result<TrustedKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read public key {}", path.display()))?;
    let bad = |what: &str| {
        anyhow!(
            "{}: not a DotVM public key file ({what}; expected one line `{PUBLIC_TAG} \
             <64 hex digits> NAME`, as written by `dotvm keygen`)",
            path.display()
        )
    };
    let mut words = text.split_whitespace();
    match words.next() {
        Some(PUBLIC_TAG) => {}
        Some(SECRET_TAG) => return Err(bad("this is a secret key; pass the .pub file")),
        _ => return Err(bad("wrong first word")),
    }
    let key = words
        .next()
        .and_then(unhex::<32>)
        .ok_or_else(|| bad("the key is not 64 hex digits"))?;
    let name = match words.next() {
        Some(name) => name.to_string(),
        None => path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
    };
    if words.next().is_some() {
        return Err(bad("extra text after the name"));
    }
    Ok(TrustedKey::new(key, name))
}

/// The trusted keys: the files given, else those listed in `DOTVM_TRUSTED_KEYS`.
pub fn trusted_keys(files: &[PathBuf]) -> Result<Vec<TrustedKey>> {
    if !files.is_empty() {
        return files.iter().map(|path| read_public_key(path)).collect();
    }
    let from_env: Vec<PathBuf> = std::env::var_os(TRUSTED_KEYS_VAR)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    from_env.iter().map(|path| read_public_key(path)).collect()
}

/// `module` signed with the secret `seed` (any previous signature is replaced).
pub fn sign(module: &Module, seed: &[u8; 32]) -> Result<Module> {
    let public_key = public_key_of(seed)?;
    let message = signed_message(module, public_key);
    let signature: [u8; 64] = SignatureAlgorithm::Ed25519
        .sign(seed, &message)
        .map_err(|e| anyhow!("cannot sign: {e}"))?
        .try_into()
        .map_err(|_| anyhow!("an Ed25519 signature has 64 bytes"))?;
    Ok(Module {
        signature: Some(Signature {
            public_key,
            signature,
        }),
        ..module.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex(&bytes), "0001abff");
        assert_eq!(unhex::<4>("0001abff"), Some(bytes));
        assert_eq!(unhex::<4>("0001abf"), None);
        assert_eq!(unhex::<4>("0001abfg"), None);
        assert_eq!(unhex::<2>("é1"), None);
    }
}
