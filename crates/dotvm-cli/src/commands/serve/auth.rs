//! Bearer-token checks: `Authorization: Bearer TOKEN` against the token file's scopes.

use super::error::ApiError;
use super::tokens::{Scope, Tokens};
use axum::http::{HeaderMap, StatusCode, header};

/// Checks that the request's token allows one of `needed` (admin allows everything);
/// `None` tokens (no `--tokens`) let every request through. Missing or unknown tokens are
/// 401, a token without the scope 403.
pub(super) fn authorize(
    tokens: Option<&Tokens>,
    headers: &HeaderMap,
    needed: &[Scope],
) -> Result<(), ApiError> {
    let Some(tokens) = tokens else {
        return Ok(());
    };
    let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, message);
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("missing `Authorization: Bearer TOKEN` header"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    let scopes = tokens
        .scopes(token)
        .ok_or_else(|| unauthorized("unknown token"))?;
    if scopes.contains(&Scope::Admin) || needed.iter().any(|scope| scopes.contains(scope)) {
        return Ok(());
    }
    let names: Vec<&str> = needed.iter().map(|scope| scope.name()).collect();
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        format!("the token lacks the scope {}", names.join(" or ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn tokens_and_scopes_decide() {
        let tokens = Tokens::parse("runner-token run\nboss-token-1 admin\n").unwrap();
        let tokens = Some(&tokens);
        let status = |headers: &HeaderMap, scope| {
            authorize(tokens, headers, &[scope]).map_err(|e| e.status.as_u16())
        };
        assert_eq!(status(&HeaderMap::new(), Scope::Run), Err(401));
        assert_eq!(status(&with("Bearer nope-nope"), Scope::Run), Err(401));
        assert_eq!(status(&with("Basic abc"), Scope::Run), Err(401));
        assert_eq!(status(&with("Bearer runner-token"), Scope::Run), Ok(()));
        assert_eq!(
            status(&with("Bearer runner-token"), Scope::Deploy),
            Err(403)
        );
        assert_eq!(status(&with("Bearer boss-token-1"), Scope::Deploy), Ok(()));
        assert!(authorize(None, &HeaderMap::new(), &[Scope::Admin]).is_ok());
    }
}
