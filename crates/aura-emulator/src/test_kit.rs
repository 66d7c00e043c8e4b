//! The emulator's test kit (cargo feature `test-kit`): a typed builder of fault rules ([`Fault`]) and a client of
//! the control API ([`Control`]). It owns the one place outside the server where the control API's paths and
//! the shape of a fault rule are written down, so a test says *what* goes wrong (`Fault::on(GCS_PUT).times(3)
//! .status(503)`) and never spells the JSON by hand. The rule's fields and what they do are documented in
//! [`crate::faults`]; the builder serialises to exactly the body `POST /_emulator/faults` reads, which refuses
//! unknown fields, so a misspelt rule fails at once instead of arming nothing.

use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

/// `PUT` of a chunk to a GCS resumable session.
pub const GCS_PUT: &str = "PUT /objects/gcs/{session}";
/// The start of a GCS resumable session (the signed URL).
pub const GCS_START: &str = "POST /objects/gcs/start/{upload}";
/// `PUT` of one S3 multipart part.
pub const S3_PART: &str = "PUT /objects/s3/{upload}/{part}";
/// The console's sign-in for an import.
pub const IMPORT_AUTH: &str = "POST /console/v1/databases/{dbid}/import/auth";
/// The console's size check.
pub const IMPORT_SIZE: &str = "POST /console/v1/databases/{dbid}/import/size";
/// The console's initiate (v2).
pub const IMPORT_INITIATE: &str = "POST /console/v2/databases/{dbid}/import";
/// The console's upload-complete, which starts the load.
pub const IMPORT_COMPLETE: &str = "POST /console/v1/databases/{dbid}/import/upload-complete";
/// The console's import status.
pub const IMPORT_STATUS: &str = "GET /console/v1/databases/{dbid}/import/status";
/// Every request.
pub const EVERY_ROUTE: &str = "*";

/// One fault rule, built up from what should go wrong. Unset fields are left out of the JSON, so the server's
/// defaults apply (one matching request; processed normally).
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct Fault {
    route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    drop: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    drop_unprocessed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cut_after_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stall_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stall_after_bytes: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    omit_range: bool,
}

impl Fault {
    /// A rule for requests matching `route` (`"METHOD /path/{template}"`, a concrete path, `"POST *"` or `"*"`).
    pub fn on(route: impl Into<String>) -> Fault {
        Fault { route: route.into(), ..Fault::default() }
    }

    /// For the next `n` matching requests (default 1).
    pub fn times(mut self, n: u32) -> Fault {
        self.count = Some(n);
        self
    }

    /// Answer with this status instead; the request is not processed.
    pub fn status(mut self, status: u16) -> Fault {
        self.status = Some(status);
        self
    }

    /// With [`Fault::status`]: a `Retry-After` of this many seconds.
    pub fn retry_after(mut self, secs: u64) -> Fault {
        self.retry_after = Some(secs);
        self
    }

    /// With [`Fault::status`]: this JSON body instead of the default error body.
    pub fn body(mut self, body: Value) -> Fault {
        self.body = Some(body);
        self
    }

    /// The request is processed, then the connection closes before any byte of the answer.
    pub fn dropped(mut self) -> Fault {
        self.drop = true;
        self
    }

    /// The connection closes before the request is processed (nothing happened; the client can't tell).
    pub fn dropped_unprocessed(mut self) -> Fault {
        self.drop_unprocessed = true;
        self
    }

    /// Wait this long before processing.
    pub fn delay_ms(mut self, ms: u64) -> Fault {
        self.delay_ms = Some(ms);
        self
    }

    /// The handler sees the first `bytes` of the body, then a broken body (with a status: that status instead).
    pub fn cut_after_bytes(mut self, bytes: u64) -> Fault {
        self.cut_after_bytes = Some(bytes);
        self
    }

    /// Stop reading the body for this long (after [`Fault::stall_after_bytes`], default 0).
    pub fn stall_ms(mut self, ms: u64) -> Fault {
        self.stall_ms = Some(ms);
        self
    }

    /// With [`Fault::stall_ms`]: stall after this many bytes.
    pub fn stall_after_bytes(mut self, bytes: u64) -> Fault {
        self.stall_after_bytes = Some(bytes);
        self
    }

    /// A `308` answer loses its `Range` header (the GCS client must start over).
    pub fn omit_range(mut self) -> Fault {
        self.omit_range = true;
        self
    }

    /// How many matching requests the rule answers (1 unless [`Fault::times`] said otherwise).
    pub fn count(&self) -> u32 {
        self.count.unwrap_or(1)
    }

    /// The route the rule matches.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The body `POST /_emulator/faults` takes.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The emulator could not be reached.
    #[error("{call}: the emulator could not be reached: {source}")]
    Unreachable {
        /// `METHOD /path`.
        call: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The emulator refused the call (a malformed rule, an unknown instance).
    #[error("{call}: the emulator refused it ({status}): {body}")]
    Refused {
        /// `METHOD /path`.
        call: String,
        /// The HTTP status.
        status: u16,
        /// The answer's body.
        body: Value,
    },
    /// The answer lacked what the call returns.
    #[error("{call}: unexpected answer {body}")]
    Unexpected {
        /// `METHOD /path`.
        call: String,
        /// The answer's `data`.
        body: Value,
    },
}

impl ControlError {
    /// A stable code for logs.
    pub fn code(&self) -> &'static str {
        match self {
            ControlError::Unreachable { .. } => "control-unreachable",
            ControlError::Refused { .. } => "control-refused",
            ControlError::Unexpected { .. } => "control-unexpected",
        }
    }
}

/// For tools whose errors are sentences (the stress runs): `?` turns a control error into its message.
impl From<ControlError> for String {
    fn from(e: ControlError) -> String {
        e.to_string()
    }
}

/// An instance as the emulator sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// `running`, `loading`, `loading failed`, …
    pub status: String,
    /// Node count (`u64::MAX` when the state has none).
    pub nodes: u64,
    /// Relationship count (`u64::MAX` when the state has none).
    pub relationships: u64,
}

/// The control API (`/_emulator/…`) of one emulator.
#[derive(Clone, Debug)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    /// A client for the emulator at `base_url` (`http://127.0.0.1:PORT`, with or without a trailing `/`).
    pub fn new(base_url: &str) -> Control {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Control { http, base: base_url.trim_end_matches('/').to_string() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, ControlError> {
        let call = format!("{method} {path}");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|source| ControlError::Unreachable { call: call.clone(), source })?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(ControlError::Refused { call, status: status.as_u16(), body });
        }
        Ok(body["data"].clone())
    }

    /// `POST path` with a JSON body; the answer's `data`.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value, ControlError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `GET path`; the answer's `data`.
    pub async fn get(&self, path: &str) -> Result<Value, ControlError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `DELETE path`; the answer's `data`.
    pub async fn delete(&self, path: &str) -> Result<Value, ControlError> {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    /// Arms a fault rule; returns its id.
    pub async fn arm(&self, rule: &Fault) -> Result<u64, ControlError> {
        let armed = self.post("/_emulator/faults", rule.to_json()).await?;
        armed["id"]
            .as_u64()
            .ok_or_else(|| ControlError::Unexpected { call: "POST /_emulator/faults".into(), body: armed })
    }

    /// Disarms every rule.
    pub async fn clear_faults(&self) -> Result<(), ControlError> {
        self.delete("/_emulator/faults").await.map(|_| ())
    }

    /// The armed rules as the emulator lists them (each with its `id` and `remaining`).
    pub async fn faults(&self) -> Result<Vec<Value>, ControlError> {
        Ok(self.get("/_emulator/faults").await?.as_array().cloned().unwrap_or_default())
    }

    /// The armed rules: `(id, remaining)`.
    pub async fn remaining_faults(&self) -> Result<Vec<(u64, u32)>, ControlError> {
        Ok(self
            .faults()
            .await?
            .iter()
            .filter_map(|r| Some((r["id"].as_u64()?, u32::try_from(r["remaining"].as_u64()?).ok()?)))
            .collect())
    }

    /// Every issued token expires; returns how many console tokens did.
    pub async fn expire_tokens(&self) -> Result<u64, ControlError> {
        let v = self.post("/_emulator/tokens/expire", json!({})).await?;
        Ok(v["console"].as_u64().unwrap_or(0))
    }

    /// The next `count` operations started through the API fail.
    pub async fn fail_next(&self, count: u32) -> Result<(), ControlError> {
        self.post("/_emulator/transitions/fail-next", json!({ "count": count })).await.map(|_| ())
    }

    /// Transitions and snapshots stop short of their end until [`Control::release_transitions`].
    pub async fn hold_transitions(&self) -> Result<(), ControlError> {
        self.post("/_emulator/transitions/hold", json!({})).await.map(|_| ())
    }

    /// Held transitions and snapshots finish.
    pub async fn release_transitions(&self) -> Result<(), ControlError> {
        self.post("/_emulator/transitions/release", json!({})).await.map(|_| ())
    }

    /// Every unfinished GCS session answers `status` (404/410), open S3 uploads 404; returns how many of each.
    pub async fn expire_sessions(&self, status: u16) -> Result<(u64, u64), ControlError> {
        let v = self.post("/_emulator/console/expire-sessions", json!({ "status": status })).await?;
        Ok((v["sessions"].as_u64().unwrap_or(0), v["uploads"].as_u64().unwrap_or(0)))
    }

    /// The instance is left in `loading failed` by an earlier attempt (the reference's example reason).
    pub async fn stale_failure(&self, instance: &str) -> Result<(), ControlError> {
        self.post("/_emulator/console/stale-failure", json!({ "instance": instance })).await.map(|_| ())
    }

    /// The next `count` upload-completes answer 200 but the load never starts.
    pub async fn import_never_starts(&self, count: u32) -> Result<(), ControlError> {
        self.post("/_emulator/console/import-never-starts", json!({ "count": count })).await.map(|_| ())
    }

    /// A database user without administrative access on `instance`.
    pub async fn add_db_user(&self, instance: &str, user: &str, password: &str) -> Result<(), ControlError> {
        let body = json!({ "instance": instance, "user": user, "password": password });
        self.post("/_emulator/console/users", body).await.map(|_| ())
    }

    /// Sets the upload provider of new initiates; `settings` is `{"provider": "gcp"|"aws"|null, "part_size": …}`.
    pub async fn console_settings(&self, settings: Value) -> Result<(), ControlError> {
        self.post("/_emulator/console/provider", settings).await.map(|_| ())
    }

    /// Forces the upload provider (`"gcp"`/`"aws"`) and the S3 part size of new initiates.
    pub async fn provider(&self, provider: &str, part_size: u64) -> Result<(), ControlError> {
        self.console_settings(json!({ "provider": provider, "part_size": part_size })).await
    }

    /// The request log (the last 1,000 client requests).
    pub async fn requests(&self) -> Result<Vec<Value>, ControlError> {
        Ok(self.get("/_emulator/requests").await?.as_array().cloned().unwrap_or_default())
    }

    /// Forgets the request log.
    pub async fn clear_requests(&self) -> Result<(), ControlError> {
        self.delete("/_emulator/requests").await.map(|_| ())
    }

    /// The whole emulated account, with live counts.
    pub async fn state(&self) -> Result<Value, ControlError> {
        self.get("/_emulator/state").await
    }

    /// An instance's status and counts now.
    pub async fn live(&self, id: &str) -> Result<Live, ControlError> {
        let state = self.state().await?;
        let live = state["live"].as_array().cloned().unwrap_or_default();
        let inst = live
            .iter()
            .find(|i| i["id"] == id)
            .ok_or_else(|| ControlError::Unexpected { call: "GET /_emulator/state".into(), body: state.clone() })?;
        Ok(Live {
            status: inst["status"].as_str().unwrap_or_default().to_string(),
            nodes: inst["counts"]["nodes"].as_u64().unwrap_or(u64::MAX),
            relationships: inst["counts"]["relationships"].as_u64().unwrap_or(u64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_serialises_only_what_was_set() {
        let rule = Fault::on(GCS_PUT).times(3).status(503).retry_after(2);
        assert_eq!(rule.to_json(), json!({ "route": GCS_PUT, "count": 3, "status": 503, "retry_after": 2 }));
        assert_eq!(Fault::on("*").dropped().to_json(), json!({ "route": "*", "drop": true }));
    }

    /// Every field the builder can set is one the server's rule body accepts (it refuses unknown fields).
    #[test]
    fn every_field_is_one_the_server_reads() {
        let all = Fault::on(GCS_PUT)
            .times(2)
            .status(503)
            .retry_after(1)
            .body(json!({ "x": 1 }))
            .dropped()
            .dropped_unprocessed()
            .delay_ms(5)
            .cut_after_bytes(10)
            .stall_ms(7)
            .stall_after_bytes(3)
            .omit_range();
        crate::faults::parse_rule_body(all.to_json()).expect("the server reads every field");
    }
}
