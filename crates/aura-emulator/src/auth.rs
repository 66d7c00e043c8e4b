//! The OAuth client-credentials token endpoint, bearer-token checks and the per-account rate limit.
//!
//! Tokens live in memory only: after a restart every old token answers 403, as an expired one does, which is what
//! a client must handle anyway. Token lifetime and the rate-limit window run on real time whatever the clock speed,
//! because `expires_in` and `Retry-After` are promises about real seconds.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::json;

use crate::error::ApiError;
use crate::server::{lock, AppState};

/// Lifetime of an access token, as Aura reports it in `expires_in`.
pub(crate) const TOKEN_LIFETIME_SECS: u64 = 3600;

struct TokenEntry {
    client_id: String,
    expires_at: Instant,
}

/// Issued access tokens.
#[derive(Default)]
pub(crate) struct Tokens {
    issued: Mutex<HashMap<String, TokenEntry>>,
}

impl Tokens {
    fn issue(&self, client_id: &str) -> String {
        let token = Alphanumeric.sample_string(&mut rand::rng(), 48);
        let now = Instant::now();
        let mut issued = lock(&self.issued);
        // Forget tokens long expired so a long-running sandbox does not grow without bound.
        issued.retain(|_, t| t.expires_at + Duration::from_secs(TOKEN_LIFETIME_SECS) > now);
        let expires_at = now + Duration::from_secs(TOKEN_LIFETIME_SECS);
        issued.insert(token.clone(), TokenEntry { client_id: client_id.to_string(), expires_at });
        token
    }

    /// The account a live token belongs to; 403 for an expired or unknown token, as Aura answers.
    fn check(&self, token: &str) -> Result<String, ApiError> {
        let issued = lock(&self.issued);
        match issued.get(token) {
            Some(t) if t.expires_at > Instant::now() => Ok(t.client_id.clone()),
            Some(_) => Err(ApiError::new(StatusCode::FORBIDDEN, "token-expired", "The access token has expired")),
            None => Err(ApiError::new(StatusCode::FORBIDDEN, "invalid-token", "The access token is not valid")),
        }
    }

    /// Expires every issued token now; returns how many were live.
    pub fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut issued = lock(&self.issued);
        let mut live = 0;
        for t in issued.values_mut().filter(|t| t.expires_at > now) {
            t.expires_at = now;
            live += 1;
        }
        live
    }
}

/// A rolling one-minute request budget per account.
pub(crate) struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Admits one request, or answers 429 with the seconds until the oldest counted request leaves the window.
    fn admit(&self, client_id: &str, now: Instant) -> Result<(), ApiError> {
        let window = Duration::from_secs(60);
        let mut windows = lock(&self.windows);
        let seen = windows.entry(client_id.to_string()).or_default();
        while seen.front().is_some_and(|t| now.duration_since(*t) >= window) {
            seen.pop_front();
        }
        if seen.len() >= self.per_minute as usize {
            let wait = seen.front().map_or(window, |oldest| window.saturating_sub(now.duration_since(*oldest)));
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limit-exceeded",
                format!("Too many requests: the limit is {} requests per minute", self.per_minute),
            );
            e.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
            return Err(e);
        }
        seen.push_back(now);
        Ok(())
    }
}

/// An authenticated, rate-limited `/v1` caller. Extracting it is what enforces auth and the limit.
pub(crate) struct Caller;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized =
            || ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Missing or malformed Authorization header");
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(unauthorized)?;
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim(),
            _ => return Err(unauthorized()),
        };
        let client_id = app.tokens.check(token)?;
        app.limiter.admit(&client_id, Instant::now())?;
        Ok(Caller)
    }
}

/// Decodes `Authorization: Basic base64(user:password)`.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// `POST /oauth/token`. Error statuses follow Aura's documented table: 400 request invalid (here: not a form
/// body), 401 credentials invalid, 403 body invalid (no `grant_type=client_credentials`), 404 body missing.
pub(crate) async fn token(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let account = app.account();
    let creds_ok = basic_credentials(&headers)
        .is_some_and(|(id, secret)| id == account.client_id && secret == account.client_secret);
    if !creds_ok {
        return ApiError::new(StatusCode::UNAUTHORIZED, "invalid-credentials", "The client credentials are invalid")
            .into_response();
    }
    if body.is_empty() {
        return ApiError::new(StatusCode::NOT_FOUND, "missing-body", "The request body is missing").into_response();
    }
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return ApiError::invalid_request("Content-Type must be application/x-www-form-urlencoded").into_response();
    }
    let grant = url::form_urlencoded::parse(&body).find(|(k, _)| k == "grant_type").map(|(_, v)| v.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid-body",
            "The request body must be grant_type=client_credentials",
        )
        .into_response();
    }
    let access_token = app.tokens.issue(&account.client_id);
    let mut response = Json(json!({
        "access_token": access_token,
        "expires_in": TOKEN_LIFETIME_SECS,
        "token_type": "bearer",
    }))
    .into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_counts_a_rolling_minute() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        limiter.admit("a", t0).unwrap();
        limiter.admit("a", t0 + Duration::from_secs(10)).unwrap();
        let err = limiter.admit("a", t0 + Duration::from_secs(20)).unwrap_err();
        assert_eq!(err.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(err.retry_after, Some(40));
        // Another account has its own budget.
        limiter.admit("b", t0 + Duration::from_secs(20)).unwrap();
        // Once the oldest request leaves the window there is room again.
        limiter.admit("a", t0 + Duration::from_secs(61)).unwrap();
    }

    #[test]
    fn tokens_expire_on_demand() {
        let tokens = Tokens::default();
        let t = tokens.issue("acct");
        assert_eq!(tokens.check(&t).unwrap(), "acct");
        assert_eq!(tokens.expire_all(), 1);
        assert_eq!(tokens.check(&t).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(tokens.check("nope").unwrap_err().reason, "invalid-token");
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let mut h = HeaderMap::new();
        let enc = base64::engine::general_purpose::STANDARD.encode("neo4j:pa:ss");
        h.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Basic {enc}")).unwrap());
        assert_eq!(basic_credentials(&h), Some(("neo4j".into(), "pa:ss".into())));
    }
}
