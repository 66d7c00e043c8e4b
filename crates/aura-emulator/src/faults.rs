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
//!   `"POST /query/{dbid}/db/{database}/query/v2"`, the console's
//!   `"POST /console/v1/databases/{dbid}/import/upload-complete"` (and the other routes listed in
//!   [`crate::console`]), and the object stores' `"POST /objects/gcs/start/{upload}"`,
//!   `"PUT /objects/gcs/{session}"`, `"DELETE /objects/gcs/{session}"` and `"PUT /objects/s3/{upload}/{part}"`.
//!   Parameter names do not matter (`{instanceId}` matches `{id}`), and a concrete path
//!   (`"GET /v1/instances/1a2b3c4d"`) matches only that instance. `"*"` matches every request, `"POST *"` every
//!   POST.
//! - `status` (+ optional `retry_after` seconds, optional `body` JSON): answer with that status instead; the
//!   request is **not** processed (its body is read and discarded first, so an uploading client reads the answer
//!   rather than a broken pipe). The default body is `{"errors":[{"message","reason":"injected-fault"}]}`.
//! - `drop: true`: the request **is processed** (a dropped `POST` has taken effect: a snapshot was started, a
//!   restore begun), then the connection is closed before any byte of the response is written. A client sees a
//!   connection reset / "connection closed before message completed" and cannot know whether the call worked,
//!   which is exactly the case that proves it must not retry a POST blindly.
//! - `drop_unprocessed: true`: the connection is closed before the request is processed, so nothing happened —
//!   the client sees exactly what `drop` shows it. Together the two prove that a client reads the state back
//!   rather than guessing either way.
//! - `delay_ms`: wait that long before processing. It combines with everything else.
//! - `cut_after_bytes: N`: the handler sees the first N bytes of the request body and then a broken body, as
//!   when the connection dies mid-upload; it reacts as it would to a real cut (the GCS store keeps what arrived
//!   in whole 256 KiB units, an S3 part keeps nothing), and then the connection is closed without a response. A
//!   body of at most N bytes is processed whole before the connection is closed. With `status` as well, the rest
//!   of the body is read and discarded instead and the client gets that status: "a 503 after N bytes, with
//!   partial persistence".
//! - `stall_ms` (+ optional `stall_after_bytes`, default 0): stop reading the request body for that long after
//!   that many bytes (the client's writes block once the socket buffers fill), then go on normally. It combines
//!   with `cut_after_bytes` (stall, then cut).
//! - `omit_range: true`: the request is processed normally, but a `308` answer loses its `Range` header, which
//!   tells a GCS client that nothing is persisted (it must start over from byte 0; the store ignores the bytes it
//!   already has).
//!
//! Rules are consumed first-armed, first-used; each matching request uses one unit of `count`.
//!
//! ```text
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"GET /v1/instances/{id}","count":3,"status":503,"retry_after":2}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"POST /v1/instances/{id}/snapshots","drop":true}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"*","count":5,"delay_ms":1500}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"POST /console/v1/databases/{dbid}/import/size","count":4,"status":502}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"POST /console/v1/databases/{dbid}/import/upload-complete","status":409}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"PUT /objects/gcs/{session}","count":1,"cut_after_bytes":1048576}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"PUT /objects/gcs/{session}","cut_after_bytes":1048576,"status":503}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"PUT /objects/gcs/{session}","stall_ms":5000,"stall_after_bytes":262144}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"PUT /objects/gcs/{session}","omit_range":true}'
//! curl -X POST localhost:PORT/_emulator/faults -d '{"route":"PUT /objects/s3/{upload}/{part}","count":2,"status":500}'
//! curl localhost:PORT/_emulator/faults                 # the armed rules and what is left of them
//! curl -X DELETE localhost:PORT/_emulator/faults       # disarm everything
//! ```
//!
//! # Other controls
//!
//! ```text
//! curl -X POST localhost:PORT/_emulator/tokens/expire            # every issued token (API and console) expires
//! curl -X POST localhost:PORT/_emulator/transitions/fail-next    # the next API-started transition fails
//! curl -X POST localhost:PORT/_emulator/transitions/hold         # transitions and snapshots stop short of their end
//! curl -X POST localhost:PORT/_emulator/transitions/release      # … and finish (those overdue at once)
//! curl localhost:PORT/_emulator/state                            # the whole emulated account, with live counts
//! curl localhost:PORT/_emulator/requests                         # recent requests: method, path, status, id
//! curl -X DELETE localhost:PORT/_emulator/requests               # forget them
//! ```
//!
//! `transitions/fail-next` (optional body `{"count":N}`) dooms the next N operations started through the API:
//! a snapshot ends `Failed`; a restore or overwrite ends with the instance in `loading failed` and its data
//! unchanged; a create ends in `loading failed` (with an empty graph); a console import goes `loading`, then
//! `loading failed` (reason `ImportFailed`) with its data unchanged. From `loading failed` an instance can be
//! restored, overwritten, imported into, renamed or deleted again, but not paused or snapshotted, and the Query
//! API answers 503. Pause, resume and delete never fail, and scheduled snapshots never consume the fault (they
//! would make tests flaky at the hour boundary). `tokens/expire` answers `{"expired": API tokens, "console":
//! console tokens}`; an expired console token is a 401.
//!
//! `transitions/hold` keeps every instance operation (create, restore, overwrite, pause, resume, delete, a
//! console load) in its transition state, and every snapshot in its `Pending`/`InProgress` state, until
//! `transitions/release`, so a test can meet `restoring`, `pausing` or a snapshot under way (and the 409 they
//! cause) without racing the fast clock. Scheduled slots still materialise (as `Pending`). Both answer
//! `{"held": bool}`; the setting is saved with the account.
//!
//! # Console import controls
//!
//! ```text
//! # Upload provider of every new v2 initiate: "aws" (S3 multipart), "gcp" (GCS resumable) or null (by the
//! # instance's cloud_provider: aws → AWS, anything else → GCP); part_size (bytes, null = 64 MiB) sets the S3
//! # part count, ceil(DumpSize / part_size). Persisted with the account.
//! curl -X POST localhost:PORT/_emulator/console/provider -d '{"provider":"aws","part_size":1048576}'
//! curl localhost:PORT/_emulator/console/provider
//! # Every unfinished GCS session answers 410 (or {"status":404}) from now on; open S3 uploads answer 404.
//! curl -X POST localhost:PORT/_emulator/console/expire-sessions -d '{"status":410}'
//! # The instance is left in `loading failed` by an earlier attempt; the status endpoint reports it (message,
//! # reason and url default to the reference's LegacyIndexes example) until a new import starts loading.
//! curl -X POST localhost:PORT/_emulator/console/stale-failure -d '{"instance":"1a2b3c4d","reason":"LegacyIndexes"}'
//! # The next N upload-completes answer 200 but the load never starts: the instance keeps its status
//! # (`running`, or a stale `loading failed`), which is what a client's 90 s start watchdog must catch.
//! curl -X POST localhost:PORT/_emulator/console/import-never-starts -d '{"count":1}'
//! # A database user without administrative access: the console's auth answers 403 for it (the Query API
//! # accepts it).
//! curl -X POST localhost:PORT/_emulator/console/users -d '{"instance":"1a2b3c4d","user":"reader","password":"pw"}'
//! # The uploads and GCS sessions the object stores hold (ids, persisted bytes, parts and ETags).
//! curl localhost:PORT/_emulator/console/uploads
//! ```
//!
//! The request log keeps the last 1,000 non-control requests: `seq`, `at`, `method`, `path` (with query),
//! `route` (the matched template), `status` (the status the emulator produced; for a dropped request, the one
//! the client never received), `request_id` (absent from the client's view when dropped), `dropped`, and
//! `fault` (`"status"`, `"drop"`, `"drop_unprocessed"`, `"delay"`, `"cut"`, `"stall"`, `"omit_range"` or null).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::model::{fmt_ts, ConsoleSettings, DbUser, ImportError, Provider};
use crate::server::{lock, AppState};

/// Every control route starts with this.
pub(crate) const CONTROL_PREFIX: &str = "/_emulator";

const LOG_CAPACITY: usize = 1000;

/// The body of `POST /_emulator/faults`.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    route: String,
    count: Option<u32>,
    status: Option<u16>,
    retry_after: Option<u64>,
    body: Option<Value>,
    #[serde(default)]
    drop: bool,
    #[serde(default)]
    drop_unprocessed: bool,
    delay_ms: Option<u64>,
    cut_after_bytes: Option<u64>,
    stall_ms: Option<u64>,
    stall_after_bytes: Option<u64>,
    #[serde(default)]
    omit_range: bool,
}

/// Reads a rule body as `POST /_emulator/faults` does (the test kit's check that its builder agrees).
#[cfg(all(test, feature = "test-kit"))]
pub(crate) fn parse_rule_body(body: Value) -> Result<(), serde_json::Error> {
    serde_json::from_value::<FaultSpec>(body).map(|_| ())
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
    pub drop_unprocessed: bool,
    pub delay_ms: Option<u64>,
    pub cut_after_bytes: Option<u64>,
    pub stall_ms: Option<u64>,
    pub stall_after_bytes: Option<u64>,
    pub omit_range: bool,
}

impl FaultRule {
    /// Whether the rule acts on the request body as it streams in.
    pub fn shapes_body(&self) -> bool {
        self.cut_after_bytes.is_some() || self.stall_ms.is_some()
    }

    /// The request body as the rule lets the handler see it.
    pub fn wrap_body(&self, body: Body) -> Body {
        let shaping = Shaping {
            cut_after: self.cut_after_bytes,
            // With a status, the rest of the body is read and thrown away, so the client reads the answer.
            swallow_rest: self.status.is_some(),
            stall_ms: self.stall_ms,
            stall_after: self.stall_after_bytes.unwrap_or(0),
        };
        shape_body(body, shaping)
    }

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
            if spec.drop || spec.drop_unprocessed {
                return Err(ApiError::invalid_field("drop", "a rule either answers with a status or drops"));
            }
        }
        if spec.drop && spec.drop_unprocessed {
            return Err(ApiError::invalid_field("drop_unprocessed", "a dropped request is either processed or not"));
        }
        if spec.cut_after_bytes.is_some() && (spec.drop || spec.drop_unprocessed) {
            return Err(ApiError::invalid_field(
                "drop",
                "cut_after_bytes already drops the connection (add status to answer with one instead)",
            ));
        }
        if spec.stall_after_bytes.is_some() && spec.stall_ms.is_none() {
            return Err(ApiError::invalid_field("stall_after_bytes", "stall_after_bytes needs stall_ms"));
        }
        let effects = [
            spec.status.is_some(),
            spec.drop,
            spec.drop_unprocessed,
            spec.delay_ms.is_some(),
            spec.cut_after_bytes.is_some(),
            spec.stall_ms.is_some(),
            spec.omit_range,
        ];
        if !effects.contains(&true) {
            return Err(ApiError::invalid_request(
                "a fault needs status, drop, drop_unprocessed, delay_ms, cut_after_bytes, stall_ms or omit_range",
            ));
        }
        let rule = FaultRule {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            route: spec.route.trim().to_string(),
            remaining: spec.count.unwrap_or(1),
            status: spec.status,
            retry_after: spec.retry_after,
            body: spec.body,
            drop: spec.drop,
            drop_unprocessed: spec.drop_unprocessed,
            delay_ms: spec.delay_ms,
            cut_after_bytes: spec.cut_after_bytes,
            stall_ms: spec.stall_ms,
            stall_after_bytes: spec.stall_after_bytes,
            omit_range: spec.omit_range,
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
        .route("/_emulator/transitions/hold", post(hold_transitions))
        .route("/_emulator/transitions/release", post(release_transitions))
        .route("/_emulator/state", get(dump_state))
        .route("/_emulator/requests", get(list_requests).delete(clear_requests))
        .route("/_emulator/console/provider", get(console_settings).post(set_provider))
        .route("/_emulator/console/expire-sessions", post(expire_sessions))
        .route("/_emulator/console/stale-failure", post(stale_failure))
        .route("/_emulator/console/import-never-starts", post(import_never_starts))
        .route("/_emulator/console/users", post(add_db_user))
        .route("/_emulator/console/uploads", get(list_uploads))
}

/// How a rule shapes a request body as it streams in.
#[derive(Clone, Copy, Debug)]
struct Shaping {
    cut_after: Option<u64>,
    /// After the cut, read the rest and discard it, then fail (instead of failing at once).
    swallow_rest: bool,
    stall_ms: Option<u64>,
    stall_after: u64,
}

struct Shaped {
    inner: BodyDataStream,
    how: Shaping,
    passed: u64,
    stalled: bool,
    cut: bool,
    done: bool,
    pending: Option<Bytes>,
}

fn cut_error() -> BoxError {
    Box::new(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "connection cut by an injected fault"))
}

impl Shaped {
    async fn next_item(&mut self) -> Option<Result<Bytes, BoxError>> {
        loop {
            if self.done {
                return None;
            }
            if !self.stalled && self.passed >= self.how.stall_after {
                self.stalled = true;
                if let Some(ms) = self.how.stall_ms {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                }
            }
            let chunk = match self.pending.take() {
                Some(chunk) => chunk,
                None => match self.inner.next().await {
                    None => {
                        self.done = true;
                        return self.cut.then(|| Err(cut_error()));
                    }
                    Some(Err(e)) => {
                        self.done = true;
                        return Some(Err(Box::new(e)));
                    }
                    Some(Ok(chunk)) => chunk,
                },
            };
            if self.cut || chunk.is_empty() {
                continue;
            }
            let mut take = chunk.len() as u64;
            if let Some(cut) = self.how.cut_after {
                take = take.min(cut.saturating_sub(self.passed));
            }
            if !self.stalled {
                // Stop at the stall point; the stall happens before the next piece.
                take = take.min(self.how.stall_after - self.passed);
            }
            if take == 0 {
                self.cut = true;
                if self.how.swallow_rest {
                    continue;
                }
                self.done = true;
                return Some(Err(cut_error()));
            }
            let take = usize::try_from(take).unwrap_or(chunk.len());
            if take < chunk.len() {
                self.pending = Some(chunk.slice(take..));
            }
            self.passed += take as u64;
            return Some(Ok(chunk.slice(..take)));
        }
    }
}

fn shape_body(body: Body, how: Shaping) -> Body {
    let state = Shaped {
        inner: body.into_data_stream(),
        how,
        passed: 0,
        stalled: how.stall_ms.is_none(),
        cut: false,
        done: false,
        pending: None,
    };
    Body::from_stream(futures_util::stream::unfold(state, |mut st| async move {
        let item = st.next_item().await?;
        Some((item, st))
    }))
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
    data(StatusCode::OK, json!({ "expired": app.tokens.expire_all(), "console": app.console_tokens.expire_all() }))
}

/// A JSON object body; an empty body is `{}`.
fn control_body(body: &Bytes) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(ApiError::invalid_request("The body must be a JSON object")),
        Err(e) => Err(ApiError::invalid_request(format!("Invalid body: {e}"))),
    }
}

fn control_str(obj: &serde_json::Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(_) => Err(ApiError::invalid_field(field, format!("{field} must be a non-empty string"))),
    }
}

fn control_count(obj: &serde_json::Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field(field, format!("{field} must be a non-negative integer"))),
    }
}

async fn console_settings(State(app): State<AppState>) -> Result<Response, ApiError> {
    let settings = app.read(|w, _| Ok(json!(w.console))).await?;
    Ok(data(StatusCode::OK, settings))
}

/// `{"provider": "aws"|"gcp"|null, "part_size": N|null}`: null (or absent) goes back to the default.
async fn set_provider(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let obj = control_body(&body)?;
    let provider = match control_str(&obj, "provider")?.map(|p| p.to_ascii_lowercase()).as_deref() {
        None | Some("auto") => None,
        Some("aws") => Some(Provider::Aws),
        Some("gcp") => Some(Provider::Gcp),
        Some(_) => return Err(ApiError::invalid_field("provider", "provider must be \"aws\", \"gcp\" or null")),
    };
    let part_size = control_count(&obj, "part_size")?;
    if part_size == Some(0) {
        return Err(ApiError::invalid_field("part_size", "part_size must be positive"));
    }
    let settings = app
        .mutate(|w, _| {
            w.console = ConsoleSettings { provider, part_size };
            Ok(json!(w.console))
        })
        .await?;
    Ok(data(StatusCode::OK, settings))
}

/// `{"status": 404|410}` (default 410).
async fn expire_sessions(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let obj = control_body(&body)?;
    let status = control_count(&obj, "status")?.unwrap_or(410);
    let status = match status {
        404 | 410 => status as u16,
        _ => return Err(ApiError::invalid_field("status", "status must be 404 or 410")),
    };
    let (sessions, uploads) = app.objects.expire_all(status).await;
    Ok(data(StatusCode::OK, json!({ "sessions": sessions, "uploads": uploads, "status": status })))
}

/// `{"instance": id, "message"?, "reason"?, "url"?}`.
async fn stale_failure(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let obj = control_body(&body)?;
    let id =
        control_str(&obj, "instance")?.ok_or_else(|| ApiError::invalid_field("instance", "instance is required"))?;
    let error = ImportError {
        message: control_str(&obj, "message")?.unwrap_or_else(|| {
            "The uploaded dump file contains deprecated indexes, which we are unable to import in the current \
             version of Neo4j Aura. Please upgrade to the recommended index provider."
                .into()
        }),
        reason: control_str(&obj, "reason")?.unwrap_or_else(|| "LegacyIndexes".into()),
        url: control_str(&obj, "url")?.unwrap_or_else(|| crate::import::SUPPORT_URL.into()),
    };
    let view = app
        .mutate(|w, now| {
            w.mark_stale_failure(now, &id, error)
                .map_err(|e| ApiError::new(e.status, "invalid-instance-state", e.message))?;
            w.import_status(&id, now).map_err(|e| ApiError::new(e.status, "db-not-found", e.message))
        })
        .await?;
    Ok(data(StatusCode::OK, view))
}

/// `{"count": N}` (default 1).
async fn import_never_starts(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let obj = control_body(&body)?;
    let count = u32::try_from(control_count(&obj, "count")?.unwrap_or(1))
        .map_err(|_| ApiError::invalid_field("count", "count is too large"))?;
    let armed = app
        .mutate(|w, _| {
            w.import_never_starts = w.import_never_starts.saturating_add(count);
            Ok(w.import_never_starts)
        })
        .await?;
    Ok(data(StatusCode::OK, json!({ "armed": armed })))
}

/// `{"instance", "user", "password"}`: a database user without administrative access.
async fn add_db_user(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let obj = control_body(&body)?;
    let required = |field: &str| -> Result<String, ApiError> {
        control_str(&obj, field)?.ok_or_else(|| ApiError::invalid_field(field, format!("{field} is required")))
    };
    let (id, user, password) = (required("instance")?, required("user")?, required("password")?);
    app.mutate(|w, _| {
        let inst = w.instance_mut(&id)?;
        if inst.db_user == user {
            return Err(ApiError::invalid_field("user", "that is the instance's admin user"));
        }
        inst.extra_users.retain(|u| u.user != user);
        inst.extra_users.push(DbUser { user: user.clone(), password });
        Ok(())
    })
    .await?;
    Ok(data(StatusCode::CREATED, json!({ "instance": id, "user": user })))
}

async fn list_uploads(State(app): State<AppState>) -> Response {
    data(StatusCode::OK, app.objects.describe().await)
}

async fn hold_transitions(State(app): State<AppState>) -> Result<Response, ApiError> {
    set_held(app, true).await
}

async fn release_transitions(State(app): State<AppState>) -> Result<Response, ApiError> {
    set_held(app, false).await
}

async fn set_held(app: AppState, held: bool) -> Result<Response, ApiError> {
    let held = app
        .mutate(|w, _| {
            w.transitions_held = held;
            Ok(held)
        })
        .await?;
    Ok(data(StatusCode::OK, json!({ "held": held })))
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
        let spec = |status| FaultSpec { route: "*".into(), count: Some(1), status: Some(status), ..Default::default() };
        faults.add(spec(503)).unwrap();
        faults.add(spec(500)).unwrap();
        assert_eq!(faults.take("GET", None, "/x").unwrap().status, Some(503));
        assert_eq!(faults.take("GET", None, "/x").unwrap().status, Some(500));
        assert!(faults.take("GET", None, "/x").is_none());
    }

    #[test]
    fn a_rule_needs_an_effect() {
        let faults = Faults::default();
        assert!(faults.add(FaultSpec { route: "*".into(), ..Default::default() }).is_err());
        let cut_and_drop = FaultSpec { route: "*".into(), cut_after_bytes: Some(1), drop: true, ..Default::default() };
        assert!(faults.add(cut_and_drop).is_err());
        let stall_after_alone = FaultSpec { route: "*".into(), stall_after_bytes: Some(1), ..Default::default() };
        assert!(faults.add(stall_after_alone).is_err());
        assert!(faults.add(FaultSpec { route: "*".into(), omit_range: true, ..Default::default() }).is_ok());
    }
}
