//! The Aura API v1 client: token handling, the shared request budget, retries and error mapping.
//!
//! Rules it enforces (from the public API docs):
//! - the token is cached and refreshed 60 s before it expires; a 403 gets one fresh token and one more try, because
//!   Aura answers 403 (not 401) to an expired token;
//! - only GETs are retried on network errors and 5xx; a POST is re-sent only when Aura provably did not act on it
//!   (429, the token 403, or a connection that never opened) — a re-sent `POST /instances` could double the bill;
//! - `Retry-After` is honoured, and it pauses the whole shared budget, not only the caller.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use time::Date;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::error::ApiError;
use super::types::{
    CreateInstanceRequest, CreatedInstance, Instance, InstanceSummary, OperationAck, Snapshot, Tenant, TenantDetails,
};
use crate::budget::RequestBudget;
use crate::config::Endpoints;
use crate::Sensitive;
use lifeboat_basics::backoff::{parse_retry_after, RetryPolicy};

/// Refresh the token this long before Aura says it expires (as aura-cli, terraform and the go-sdk do).
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// API replies are small JSON documents; uploads use their own client without a whole-request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// An Aura API key: client id and secret.
#[derive(Debug, Clone)]
pub struct ApiCredentials {
    /// Client id (not secret, but not shown needlessly either).
    pub client_id: String,
    /// Client secret.
    pub client_secret: Sensitive<String>,
}

/// A successful reply to a state-changing request, with the request id for the history.
#[derive(Debug, Clone)]
pub struct Accepted<T> {
    /// What Aura answered.
    pub value: T,
    /// `X-Request-Id`.
    pub request_id: Option<String>,
}

/// The Aura API client. Cheap to clone; clones share the token cache and the request budget.
#[derive(Debug, Clone)]
pub struct AuraClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    endpoints: Endpoints,
    api_base: Url,
    credentials: ApiCredentials,
    budget: Arc<RequestBudget>,
    retry: RetryPolicy,
    token: Mutex<Option<CachedToken>>,
}

#[derive(Debug)]
struct CachedToken {
    value: Sensitive<String>,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorItem {
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    field: Option<String>,
}

impl AuraClient {
    /// A client for these endpoints and this API key, drawing on a shared request budget.
    pub fn new(
        endpoints: Endpoints,
        credentials: ApiCredentials,
        budget: Arc<RequestBudget>,
    ) -> Result<Self, ApiError> {
        Self::with_retry_policy(endpoints, credentials, budget, RetryPolicy::api())
    }

    /// As [`AuraClient::new`], with an explicit retry policy (tests use short delays).
    pub fn with_retry_policy(
        endpoints: Endpoints,
        credentials: ApiCredentials,
        budget: Arc<RequestBudget>,
        retry: RetryPolicy,
    ) -> Result<Self, ApiError> {
        endpoints.validate()?;
        let api_base = Url::parse(endpoints.api_url.trim_end_matches('/'))
            .map_err(|e| ApiError::Network { detail: format!("bad API address: {e}") })?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("Lifeboat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .https_only(!endpoints.is_loopback())
            .build()
            .map_err(|e| ApiError::Network { detail: format!("could not set up HTTPS: {e}") })?;
        Ok(Self {
            inner: Arc::new(Inner { http, endpoints, api_base, credentials, budget, retry, token: Mutex::new(None) }),
        })
    }

    /// The endpoints this client talks to.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The shared request budget.
    pub fn budget(&self) -> &Arc<RequestBudget> {
        &self.inner.budget
    }

    /// Fetches a token now (if none is cached), proving the API key works.
    pub async fn check_credentials(&self) -> Result<(), ApiError> {
        self.token().await.map(|_| ())
    }

    /// `GET /tenants`.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, ApiError> {
        self.get(&["tenants"], &[]).await
    }

    /// `GET /tenants/{id}`.
    pub async fn get_tenant(&self, tenant_id: &str) -> Result<TenantDetails, ApiError> {
        self.get(&["tenants", tenant_id], &[]).await
    }

    /// `GET /instances`, optionally of one tenant.
    pub async fn list_instances(&self, tenant_id: Option<&str>) -> Result<Vec<InstanceSummary>, ApiError> {
        match tenant_id {
            Some(t) => self.get(&["instances"], &[("tenantId", t)]).await,
            None => self.get(&["instances"], &[]).await,
        }
    }

    /// `GET /instances/{id}`: the full record with live status.
    pub async fn get_instance(&self, instance_id: &str) -> Result<Instance, ApiError> {
        self.get(&["instances", instance_id], &[]).await
    }

    /// `GET /instances/{id}/snapshots?date=…`: the snapshots of one UTC day (today when `date` is `None`).
    pub async fn list_snapshots(&self, instance_id: &str, date: Option<Date>) -> Result<Vec<Snapshot>, ApiError> {
        let path = ["instances", instance_id, "snapshots"];
        match date {
            Some(d) => {
                let text = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
                self.get(&path, &[("date", &text)]).await
            }
            None => self.get(&path, &[]).await,
        }
    }

    /// `GET /instances/{id}/snapshots/{sid}`.
    pub async fn get_snapshot(&self, instance_id: &str, snapshot_id: &str) -> Result<Snapshot, ApiError> {
        self.get(&["instances", instance_id, "snapshots", snapshot_id], &[]).await
    }

    /// `POST /instances/{id}/snapshots`: starts an on-demand snapshot; returns its id.
    pub async fn create_snapshot(&self, instance_id: &str) -> Result<Accepted<String>, ApiError> {
        #[derive(Deserialize)]
        struct Created {
            snapshot_id: String,
        }
        let a: Accepted<Created> = self.post(&["instances", instance_id, "snapshots"], None).await?;
        Ok(Accepted { value: a.value.snapshot_id, request_id: a.request_id })
    }

    /// `POST /instances/{id}/snapshots/{sid}/restore`: overwrites the instance with one of its own snapshots.
    pub async fn restore_snapshot(
        &self,
        instance_id: &str,
        snapshot_id: &str,
    ) -> Result<Accepted<OperationAck>, ApiError> {
        self.post(&["instances", instance_id, "snapshots", snapshot_id, "restore"], None).await
    }

    /// `POST /instances/{id}/overwrite` from another (or the same) instance, optionally a given exportable snapshot.
    pub async fn overwrite(
        &self,
        instance_id: &str,
        source_instance_id: &str,
        source_snapshot_id: Option<&str>,
    ) -> Result<Accepted<OperationAck>, ApiError> {
        let mut body = serde_json::json!({ "source_instance_id": source_instance_id });
        if let Some(s) = source_snapshot_id {
            body["source_snapshot_id"] = Value::String(s.to_owned());
        }
        self.post(&["instances", instance_id, "overwrite"], Some(body)).await
    }

    /// `POST /instances`: creates an instance (also from a snapshot). Never retried: a duplicate would be billed.
    pub async fn create_instance(
        &self,
        request: &CreateInstanceRequest,
    ) -> Result<Accepted<CreatedInstance>, ApiError> {
        let body =
            serde_json::to_value(request).map_err(|e| ApiError::Decode { detail: e.to_string(), request_id: None })?;
        self.post(&["instances"], Some(body)).await
    }

    /// `POST /instances/{id}/pause`.
    pub async fn pause_instance(&self, instance_id: &str) -> Result<Accepted<Instance>, ApiError> {
        self.post(&["instances", instance_id, "pause"], None).await
    }

    /// `POST /instances/{id}/resume`.
    pub async fn resume_instance(&self, instance_id: &str) -> Result<Accepted<Instance>, ApiError> {
        self.post(&["instances", instance_id, "resume"], None).await
    }

    /// `DELETE /instances/{id}`.
    pub async fn delete_instance(&self, instance_id: &str) -> Result<Accepted<Value>, ApiError> {
        self.send(Method::DELETE, &["instances", instance_id], &[], None).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &[&str], query: &[(&str, &str)]) -> Result<T, ApiError> {
        self.send(Method::GET, path, query, None).await.map(|a| a.value)
    }

    async fn post<T: DeserializeOwned>(&self, path: &[&str], body: Option<Value>) -> Result<Accepted<T>, ApiError> {
        self.send(Method::POST, path, &[], body).await
    }

    fn url(&self, path: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.inner.api_base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            // Segments are escaped, so an id can never change the path it is sent to.
            segments.pop_if_empty().extend(path);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Accepted<T>, ApiError> {
        let url = self.url(path, query);
        let idempotent = method == Method::GET;
        let retry = self.inner.retry;
        let mut attempt = 0u32;
        let mut refreshed_token = false;
        loop {
            attempt += 1;
            let token = self.token().await?;
            self.inner.budget.acquire().await;
            let mut request = self.inner.http.request(method.clone(), url.clone()).bearer_auth(token.expose());
            if let Some(b) = &body {
                request = request.json(b);
            } else if method == Method::POST {
                request = request.json(&serde_json::json!({}));
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    let detail = describe(&e);
                    // A connection that never opened carried nothing, so even a POST is safe to send again.
                    let may_retry = idempotent || e.is_connect();
                    if may_retry && attempt < retry.max_attempts {
                        tracing::debug!(%method, path = url.path(), attempt, "network error, retrying: {detail}");
                        self.pause(jittered(&retry, attempt)).await;
                        continue;
                    }
                    return Err(if e.is_connect() || idempotent {
                        ApiError::Network { detail }
                    } else {
                        ApiError::OutcomeUnknown { detail }
                    });
                }
            };
            let status = response.status();
            let request_id = request_id(response.headers());
            let retry_after = retry_after(response.headers());
            let text = match response.text().await {
                Ok(t) => t,
                Err(e) if idempotent && attempt < retry.max_attempts => {
                    tracing::debug!(path = url.path(), attempt, "reply cut off, retrying: {}", describe(&e));
                    self.pause(jittered(&retry, attempt)).await;
                    continue;
                }
                Err(e) if idempotent || !status.is_success() => return Err(ApiError::Network { detail: describe(&e) }),
                Err(e) => return Err(ApiError::OutcomeUnknown { detail: describe(&e) }),
            };
            if status.is_success() {
                return parse_data(&text, request_id);
            }
            if status == StatusCode::FORBIDDEN && !refreshed_token {
                // Aura answers 403 to an expired token: one fresh token, one more try (it was not acted on).
                refreshed_token = true;
                attempt -= 1;
                *self.inner.token.lock().await = None;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = waited(&retry, attempt, retry_after);
                self.inner.budget.hold_for(wait).await;
                if attempt < retry.max_attempts {
                    tracing::debug!(path = url.path(), ?wait, "429, waiting as asked");
                    continue; // the budget's hold does the waiting, for every caller
                }
                return Err(ApiError::RateLimited { retry_after, request_id });
            }
            if status.is_server_error() && idempotent && attempt < retry.max_attempts {
                let wait = waited(&retry, attempt, retry_after);
                self.pause(wait).await;
                continue;
            }
            return Err(map_error(status, &text, request_id, retry_after));
        }
    }

    async fn pause(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }

    /// The cached token, or a new one. Holding the lock while fetching makes concurrent callers share one fetch.
    async fn token(&self) -> Result<Sensitive<String>, ApiError> {
        let mut cached = self.inner.token.lock().await;
        if let Some(t) = cached.as_ref() {
            if Instant::now() < t.refresh_at {
                return Ok(t.value.clone());
            }
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<CachedToken, ApiError> {
        let retry = self.inner.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.inner.budget.acquire().await;
            let sent = self
                .inner
                .http
                .post(&self.inner.endpoints.auth_url)
                .basic_auth(&self.inner.credentials.client_id, Some(self.inner.credentials.client_secret.expose()))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await;
            // Asking for a token changes nothing on the server, so every failure here may be retried.
            let response = match sent {
                Ok(r) => r,
                Err(e) if attempt < retry.max_attempts => {
                    tracing::debug!(attempt, "token request failed, retrying: {}", describe(&e));
                    self.pause(jittered(&retry, attempt)).await;
                    continue;
                }
                Err(e) => return Err(ApiError::Network { detail: describe(&e) }),
            };
            let status = response.status();
            let request_id = request_id(response.headers());
            let retry_after = retry_after(response.headers());
            let text = response.text().await.map_err(|e| ApiError::Network { detail: describe(&e) })?;
            if status.is_success() {
                let reply: TokenReply = serde_json::from_str(&text).map_err(|e| ApiError::Decode {
                    detail: format!("token reply: {e}"),
                    request_id: request_id.clone(),
                })?;
                if let Some(kind) = reply.token_type.as_deref() {
                    if !kind.eq_ignore_ascii_case("bearer") {
                        return Err(ApiError::Decode { detail: format!("unexpected token type {kind}"), request_id });
                    }
                }
                let lifetime = Duration::from_secs(reply.expires_in.unwrap_or(3600));
                return Ok(CachedToken {
                    value: Sensitive::new(reply.access_token),
                    refresh_at: Instant::now() + lifetime.saturating_sub(TOKEN_REFRESH_MARGIN),
                });
            }
            if (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) && attempt < retry.max_attempts {
                let wait = waited(&retry, attempt, retry_after);
                self.pause(wait).await;
                continue;
            }
            return Err(match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ApiError::InvalidCredentials { request_id },
                _ => map_error(status, &text, request_id, retry_after),
            });
        }
    }
}

/// The backoff delay, computed outside any `.await` (the thread-local RNG must not live across one).
fn jittered(retry: &RetryPolicy, attempt: u32) -> Duration {
    retry.delay(attempt, &mut rand::rng())
}

/// The delay before retrying an answer that may carry `Retry-After` (the one rule of `lifeboat_basics::backoff`).
fn waited(retry: &RetryPolicy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    retry.wait(attempt, retry_after, &mut rand::rng())
}

fn parse_data<T: DeserializeOwned>(text: &str, request_id: Option<String>) -> Result<Accepted<T>, ApiError> {
    match serde_json::from_str::<Envelope<T>>(text) {
        Ok(e) => Ok(Accepted { value: e.data, request_id }),
        Err(e) => Err(ApiError::Decode { detail: e.to_string(), request_id }),
    }
}

fn map_error(status: StatusCode, text: &str, request_id: Option<String>, retry_after: Option<Duration>) -> ApiError {
    let body: ErrorBody = serde_json::from_str(text).unwrap_or_default();
    let first = body.errors.into_iter().next().unwrap_or_default();
    let message = if first.message.is_empty() { body.error.unwrap_or_default() } else { first.message };
    let reason = first.reason;
    match status {
        StatusCode::UNAUTHORIZED => ApiError::InvalidCredentials { request_id },
        StatusCode::FORBIDDEN => ApiError::Forbidden { message: or_status(message, status), request_id },
        StatusCode::NOT_FOUND => {
            let what = match reason.as_str() {
                "db-not-found" => "The instance",
                "tenant-not-found" => "The project",
                "snapshot-not-found" => "The snapshot",
                _ => "What Lifeboat asked for",
            };
            ApiError::NotFound { reason, what: what.into(), request_id }
        }
        StatusCode::CONFLICT => ApiError::Busy { reason, message: or_status(message, status), request_id },
        StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited { retry_after, request_id },
        s if s.is_server_error() => ApiError::Server { status: s.as_u16(), request_id },
        s => ApiError::Rejected {
            status: s.as_u16(),
            reason,
            message: or_status(message, s),
            field: first.field,
            request_id,
        },
    }
}

fn or_status(message: String, status: StatusCode) -> String {
    if message.is_empty() {
        format!("HTTP {status}")
    } else {
        message
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

/// Describes a transport error without its URL: URLs can carry ids users paste into tickets, never secrets, but
/// keeping messages short keeps them readable.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "the reply was cut off"
    } else if e.is_request() {
        "the connection broke"
    } else {
        "network error"
    };
    let mut source = std::error::Error::source(e);
    let mut root = None;
    while let Some(s) = source {
        root = Some(s.to_string());
        source = s.source();
    }
    match root {
        Some(r) => format!("{kind}: {r}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_typed_variants_with_reason_and_request_id() {
        let e = map_error(
            StatusCode::CONFLICT,
            r#"{"errors":[{"message":"The database is current undergoing an operation: resuming","reason":"ongoing-database-operation"}]}"#,
            Some("rid-9".into()),
            None,
        );
        assert_eq!(e.code(), "busy");
        assert_eq!(e.reason(), Some("ongoing-database-operation"));
        assert_eq!(e.request_id(), Some("rid-9"));

        let e = map_error(
            StatusCode::NOT_FOUND,
            r#"{"errors":[{"message":"DB not found: 24d18db5","reason":"db-not-found"}]}"#,
            None,
            None,
        );
        assert!(e.to_string().starts_with("The instance was not found"));

        let e = map_error(StatusCode::FORBIDDEN, r#"{"error":"Access denied"}"#, None, None);
        assert!(e.to_string().contains("Access denied"));

        let e = map_error(StatusCode::BAD_REQUEST, "not json", None, None);
        assert_eq!(e.code(), "rejected");
    }

    #[test]
    fn retry_after_accepts_seconds_only() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
