//! Fault injection and the control API under `/_emulator/…`, for tests that must prove recovery.
//!
//! The control API needs no authentication (the emulator only listens on 127.0.0.1), is never faulted or
//! rate-limited, and does not appear in the request log. Every answer is `{"data": …}` with an `X-Request-Id`.
//!
//! # Fault rules
//!
//! `POST /_emulator/faults` arms a rule for the next `count` (default 1) requests matching `route`:
//!
//! - `route`: `"METHOD /path/template"` with axum-style templates as the emulator registers them, e.g.
//!   `"GET /v1/instances/{id}"`, `"POST /v1/instances/{id}/snapshots/{sid}/restore"`, `"POST /oauth/token"`,
//!   `"POST /query/{dbid}/db/{database}/query/v2"`. Parameter names do not matter (`{instanceId}` matches `{id}`),
//!   and a concrete path (`"GET /v1/instances/1a2b3c4d"`) matches only that instance. `"*"` matches every request,
//!   `"POST *"` every POST.
//! - `status` (+ optional `retry_after` seconds, optional `body` JSON): answer with that status instead; the
//!   request is **not** processed. The default body is `{"errors":[{"message","reason":"injected-fault"}]}`.
//! - `drop: true`: the request **is processed** (a dropped `POST` has taken effect: a snapshot was started, a
//!   restore begun), then the connection is closed before any byte of the response is written. A client sees a
//!   connection reset / "connection closed before message completed" and cannot know whether the call worked,
//!   which is exactly the case that proves it must not retry a POST blindly.
//! - `delay_ms`: wait that long before processing. It combines with `status` or `drop`.
//!
//! Rules are consumed first-armed, first-used; each matching request uses one unit of `count`.
//!
//! ```text
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"GET /v1/instances/{id}","count":3,"status":503,"retry_after":2}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"POST /v1/instances/{id}/snapshots","drop":true}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"*","count":5,"delay_ms":1500}'
//! curl localhost:PORT/_emulator/faults                 # the armed rules and what is left of them
//! curl -X DELETE localhost:PORT/_emulator/faults       # disarm everything
//! ```
//!
//! # Other controls
//!
//! ```text
//! curl -X POST localhost:PORT/_emulator/tokens/expire            # every issued token now answers 403
//! curl -X POST localhost:PORT/_emulator/transitions/fail-next    # the next API-started transition fails
//! curl localhost:PORT/_emulator/state                            # the whole emulated account, with live counts
//! curl localhost:PORT/_emulator/requests                         # recent requests: method, path, status, id
//! curl -X DELETE localhost:PORT/_emulator/requests               # forget them
//! ```
//!
//! `transitions/fail-next` (optional body `{"count":N}`) dooms the next N operations started through the API:
//! a snapshot ends `Failed`; a restore or overwrite ends with the instance in `loading failed` and its data
//! unchanged; a create ends in `loading failed` (with an empty graph). From `loading failed` an instance can be
//! restored, overwritten, renamed or deleted again, but not paused or snapshotted, and the Query API answers 503.
//! Pause, resume and delete never fail, and scheduled snapshots never consume the fault (they would make tests
//! flaky at the hour boundary).
//!
//! The request log keeps the last 1,000 non-control requests: `seq`, `at`, `method`, `path` (with query),
//! `route` (the matched template), `status` (the status the emulator produced; for a dropped request, the one
//! the client never received), `request_id` (absent from the client's view when dropped), `dropped`, and
//! `fault` (`"status"`, `"drop"`, `"delay"` or null).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::model::fmt_ts;
use crate::server::{lock, AppState};

/// Every control route starts with this.
pub(crate) const CONTROL_PREFIX: &str = "/_emulator";

const LOG_CAPACITY: usize = 1000;

/// The body of `POST /_emulator/faults`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    route: String,
    count: Option<u32>,
    status: Option<u16>,
    retry_after: Option<u64>,
    body: Option<Value>,
    #[serde(default)]
    drop: bool,
    delay_ms: Option<u64>,
}

/// An armed fault.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct FaultRule {
    pub id: u64,
    pub route: String,
    pub remaining: u32,
    pub status: Option<u16>,
    pub retry_after: Option<u64>,
    pub body: Option<Value>,
    pub drop: bool,
    pub delay_ms: Option<u64>,
}

impl FaultRule {
    /// The injected error response.
    pub fn response(&self, status: u16) -> Response {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.body.clone().unwrap_or_else(|| {
            json!({ "errors": [{ "message": format!("Injected fault: HTTP {status}"), "reason": "injected-fault" }] })
        });
        let mut response = (code, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The armed fault rules.
#[derive(Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    next_id: AtomicU64,
}

impl Faults {
    fn add(&self, spec: FaultSpec) -> Result<FaultRule, ApiError> {
        if spec.route.trim().is_empty() {
            return Err(ApiError::invalid_field("route", "route is required, e.g. \"GET /v1/instances/{id}\""));
        }
        if let Some(status) = spec.status {
            if !(100..=599).contains(&status) {
                return Err(ApiError::invalid_field("status", "status must be an HTTP status code"));
            }
            if spec.drop {
                return Err(ApiError::invalid_field("drop", "a rule either answers with a status or drops"));
            }
        }
        if spec.status.is_none() && !spec.drop && spec.delay_ms.is_none() {
            return Err(ApiError::invalid_request("a fault needs status, drop or delay_ms"));
        }
        let rule = FaultRule {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            route: spec.route.trim().to_string(),
            remaining: spec.count.unwrap_or(1),
            status: spec.status,
            retry_after: spec.retry_after,
            body: spec.body,
            drop: spec.drop,
            delay_ms: spec.delay_ms,
        };
        lock(&self.rules).push(rule.clone());
        Ok(rule)
    }

    /// Consumes one use of the first rule matching the request.
    pub fn take(&self, method: &str, template: Option<&str>, path: &str) -> Option<FaultRule> {
        let mut rules = lock(&self.rules);
        let index = rules.iter().position(|r| r.remaining > 0 && route_matches(&r.route, method, template, path))?;
        let rule = &mut rules[index];
        rule.remaining -= 1;
        let taken = rule.clone();
        if rule.remaining == 0 {
            rules.remove(index);
        }
        Some(taken)
    }

    fn clear(&self) -> usize {
        std::mem::take(&mut *lock(&self.rules)).len()
    }

    fn list(&self) -> Vec<FaultRule> {
        lock(&self.rules).clone()
    }
}

/// `{anything}` → `{}`, so parameter names need not agree.
fn normalise_template(t: &str) -> String {
    t.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn route_matches(route: &str, method: &str, template: Option<&str>, path: &str) -> bool {
    if route == "*" {
        return true;
    }
    let (rule_method, rule_path) = route.split_once(' ').unwrap_or(("*", route));
    let rule_path = rule_path.trim();
    if rule_method != "*" && !rule_method.eq_ignore_ascii_case(method) {
        return false;
    }
    rule_path == "*"
        || rule_path == path
        || template.is_some_and(|t| normalise_template(t) == normalise_template(rule_path))
}

/// One logged request.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct LogEntry {
    seq: u64,
    at: String,
    method: String,
    path: String,
    route: Option<String>,
    status: Option<u16>,
    request_id: String,
    dropped: bool,
    fault: Option<&'static str>,
}

impl LogEntry {
    pub fn new(
        method: &Method,
        path: &str,
        route: Option<String>,
        status: Option<u16>,
        request_id: String,
        dropped: bool,
        fault: Option<&'static str>,
    ) -> LogEntry {
        LogEntry {
            seq: 0,
            at: fmt_ts(time::OffsetDateTime::now_utc()),
            method: method.to_string(),
            path: path.to_string(),
            route,
            status,
            request_id,
            dropped,
            fault,
        }
    }
}

/// The last [`LOG_CAPACITY`] requests.
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
    seq: AtomicU64,
}

impl RequestLog {
    pub fn record(&self, mut entry: LogEntry) {
        entry.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let mut entries = lock(&self.entries);
        if entries.len() == LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }
}

pub(crate) fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/_emulator/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/_emulator/tokens/expire", post(expire_tokens))
        .route("/_emulator/transitions/fail-next", post(fail_next))
        .route("/_emulator/state", get(dump_state))
        .route("/_emulator/requests", get(list_requests).delete(clear_requests))
}

fn data(status: StatusCode, value: Value) -> Response {
    (status, Json(json!({ "data": value }))).into_response()
}

async fn add_fault(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let spec: FaultSpec =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid_request(format!("Invalid fault rule: {e}")))?;
    let rule = app.faults.add(spec)?;
    Ok(data(StatusCode::CREATED, json!(rule)))
}

async fn list_faults(State(app): State<AppState>) -> Response {
    data(StatusCode::OK, json!(app.faults.list()))
}

async fn clear_faults(State(app): State<AppState>) -> Response {
    data(StatusCode::OK, json!({ "cleared": app.faults.clear() }))
}

async fn expire_tokens(State(app): State<AppState>) -> Response {
    data(StatusCode::OK, json!({ "expired": app.tokens.expire_all() }))
}

async fn fail_next(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let count = if body.iter().all(u8::is_ascii_whitespace) {
        1
    } else {
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| ApiError::invalid_request(format!("Invalid body: {e}")))?;
        match v.get("count") {
            None => 1,
            Some(c) => c
                .as_u64()
                .and_then(|c| u32::try_from(c).ok())
                .ok_or_else(|| ApiError::invalid_field("count", "count must be a non-negative integer"))?,
        }
    };
    let armed = app
        .mutate(|w, _| {
            w.fail_next = w.fail_next.saturating_add(count);
            Ok(w.fail_next)
        })
        .await?;
    Ok(data(StatusCode::OK, json!({ "armed": armed })))
}

async fn dump_state(State(app): State<AppState>) -> Result<Response, ApiError> {
    let state = app
        .read(|w, now| {
            let mut v = json!(w);
            let live: Vec<Value> = w
                .instances
                .iter()
                .map(|i| json!({ "id": i.id, "name": i.name, "status": i.status.as_str(), "counts": i.counts_at(now) }))
                .collect();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("now".into(), json!(fmt_ts(now)));
                obj.insert("live".into(), json!(live));
            }
            Ok(v)
        })
        .await?;
    Ok(data(StatusCode::OK, state))
}

async fn list_requests(State(app): State<AppState>) -> Response {
    let entries: Vec<LogEntry> = lock(&app.log.entries).iter().cloned().collect();
    data(StatusCode::OK, json!(entries))
}

async fn clear_requests(State(app): State<AppState>) -> Response {
    let cleared = std::mem::take(&mut *lock(&app.log.entries)).len();
    data(StatusCode::OK, json!({ "cleared": cleared }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_by_template_path_or_wildcard() {
        let t = Some("/v1/instances/{id}");
        assert!(route_matches("GET /v1/instances/{id}", "GET", t, "/v1/instances/abc"));
        assert!(route_matches("get /v1/instances/{instanceId}", "GET", t, "/v1/instances/abc"));
        assert!(route_matches("GET /v1/instances/abc", "GET", t, "/v1/instances/abc"));
        assert!(!route_matches("GET /v1/instances/xyz", "GET", t, "/v1/instances/abc"));
        assert!(!route_matches("POST /v1/instances/{id}", "GET", t, "/v1/instances/abc"));
        assert!(route_matches("*", "DELETE", t, "/v1/instances/abc"));
        assert!(route_matches("POST *", "POST", None, "/oauth/token"));
        assert!(!route_matches("GET /v1/instances", "GET", t, "/v1/instances/abc"));
    }

    #[test]
    fn rules_are_consumed_in_order() {
        let faults = Faults::default();
        let spec = |status| FaultSpec {
            route: "*".into(),
            count: Some(1),
            status: Some(status),
            retry_after: None,
            body: None,
            drop: false,
            delay_ms: None,
        };
        faults.add(spec(503)).unwrap();
        faults.add(spec(500)).unwrap();
        assert_eq!(faults.take("GET", None, "/x").unwrap().status, Some(503));
        assert_eq!(faults.take("GET", None, "/x").unwrap().status, Some(500));
        assert!(faults.take("GET", None, "/x").is_none());
    }

    #[test]
    fn a_rule_needs_an_effect() {
        let faults = Faults::default();
        let spec = FaultSpec {
            route: "*".into(),
            count: None,
            status: None,
            retry_after: None,
            body: None,
            drop: false,
            delay_ms: None,
        };
        assert!(faults.add(spec).is_err());
    }
}
