//! The token file of `dotvm serve --tokens`: one `TOKEN SCOPE[,SCOPE]` per line, `#`
//! comments, blank lines ignored. Tokens are kept only as SHA-256 digests.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Shortest token accepted.
const MIN_TOKEN_LEN: usize = 8;

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Scope {
    /// Deploying modules (`POST /v1/dots`) and reading deployments.
    Deploy,
    /// Running deployed modules (`POST /v1/dots/{id}/run`) and reading deployments.
    Run,
    /// Everything: also deleting deployments and reading `/metrics`.
    Admin,
}

impl Scope {
    /// The scope named `name` in a token file.
    fn parse(name: &str) -> Option<Scope> {
        match name {
            "deploy" => Some(Scope::Deploy),
            "run" => Some(Scope::Run),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    /// The name used in token files and error messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Scope::Deploy => "deploy",
            Scope::Run => "run",
            Scope::Admin => "admin",
        }
    }
}

/// The tokens a server accepts, by the SHA-256 digest of the token.
#[derive(Debug, Default, Clone)]
pub(super) struct Tokens {
    scopes: HashMap<[u8; 32], Vec<Scope>>,
}

impl Tokens {
    /// Reads and parses the token file at `path`.
    pub(super) fn load(path: &Path) -> Result<Tokens> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file {}", path.display()))?;
        Tokens::parse(&text).with_context(|| format!("token file {}", path.display()))
    }

    /// Parses token-file text; the first bad line is an error naming it.
    pub(super) fn parse(text: &str) -> Result<Tokens> {
        let mut tokens = Tokens::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(token), Some(scopes), None) = (fields.next(), fields.next(), fields.next())
            else {
                bail!("line {number}: expected `TOKEN SCOPE[,SCOPE]`");
            };
            if token.len() < MIN_TOKEN_LEN {
                bail!("line {number}: a token must have at least {MIN_TOKEN_LEN} characters");
            }
            let scopes = scopes
                .split(',')
                .map(|name| {
                    Scope::parse(name).with_context(|| {
                        format!("line {number}: unknown scope `{name}` (deploy, run, admin)")
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            if tokens.scopes.insert(digest(token), scopes).is_some() {
                bail!("line {number}: the token is listed twice");
            }
        }
        Ok(tokens)
    }

    /// The scopes of `token`, or `None` for an unknown token.
    pub(super) fn scopes(&self, token: &str) -> Option<&[Scope]> {
        self.scopes.get(&digest(token)).map(Vec::as_slice)
    }

    /// Number of tokens.
    pub(super) fn len(&self) -> usize {
        self.scopes.len()
    }
}

/// SHA-256 of a token.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_parse() {
        let tokens =
            Tokens::parse("# deployers\nalpha-token-1 deploy,run\n\n  beta-token-2 admin  # ops\n")
                .unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(
            tokens.scopes("alpha-token-1"),
            Some(&[Scope::Deploy, Scope::Run][..])
        );
        assert_eq!(tokens.scopes("beta-token-2"), Some(&[Scope::Admin][..]));
        assert_eq!(tokens.scopes("gamma"), None);
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, message) in [
            ("alpha-token-1\n", "line 1: expected"),
            (
                "ok-token-0 run\nalpha-token-1 run write\n",
                "line 2: expected",
            ),
            ("alpha-token-1 root\n", "line 1: unknown scope `root`"),
            ("short run\n", "at least 8"),
            (
                "alpha-token-1 run\nalpha-token-1 admin\n",
                "line 2: the token is listed twice",
            ),
            ("alpha-token-1 run,\n", "unknown scope ``"),
        ] {
            let error = Tokens::parse(text).unwrap_err().to_string();
            assert!(error.contains(message), "{text:?}: {error}");
        }
    }
}
