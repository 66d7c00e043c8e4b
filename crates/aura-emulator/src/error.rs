//! Errors: the crate's public [`EmulatorError`] and the Aura-shaped HTTP error bodies.
//!
//! Reasons marked *inferred* below are not documented by Neo4j; they are our choice and may differ from real Aura.
//! Clients must branch on the HTTP status, not on these strings.

use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why the emulator could not start (or save its state).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The data directory (or the temporary one) could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The state file exists but could not be read.
    #[error("cannot read the emulator state {path}: {source}")]
    ReadState {
        /// The state file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The state file is not valid emulator state (hand-edited, or from an incompatible version).
    #[error("the emulator state {path} is not valid: {source}")]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The state could not be written.
    #[error("cannot save the emulator state to {path}: {source}")]
    SaveState {
        /// The state file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port (0 = any).
        port: u16,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// An Aura API v1 error: `{"errors":[{"message","reason","field"?}]}` with a status and an optional `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub reason: String,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, reason: &str, message: impl Into<String>) -> Self {
        ApiError { status, reason: reason.to_string(), message: message.into(), field: None, retry_after: None }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    pub fn db_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "db-not-found", format!("DB not found: {id}"))
    }

    pub fn tenant_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "tenant-not-found", format!("Tenant not found: {id}"))
    }

    pub fn snapshot_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "snapshot-not-found", format!("Snapshot not found: {id}"))
    }

    pub fn ongoing_operation(status: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ongoing-database-operation",
            format!("The database is current undergoing an operation: {status}"),
        )
    }

    /// The message is Aura's; the reason string is inferred.
    pub fn not_exportable(snapshot_id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "snapshot-not-exportable",
            format!("Source snapshot {snapshot_id} is not exportable"),
        )
    }

    /// Inferred: a snapshot that is not `Completed` cannot be restored or copied.
    pub fn snapshot_not_completed(snapshot_id: &str, status: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "snapshot-not-completed",
            format!("Snapshot {snapshot_id} is not completed (status: {status})"),
        )
    }

    /// Inferred: a settled instance in the wrong state for the request (e.g. pausing a paused instance).
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-instance-state", message)
    }

    /// Inferred: a malformed request, naming the offending field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-request", message).with_field(field)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut item = json!({ "message": self.message, "reason": self.reason });
        if let (Some(field), Some(obj)) = (&self.field, item.as_object_mut()) {
            obj.insert("field".into(), json!(field));
        }
        let mut response = (self.status, axum::Json(json!({ "errors": [item] }))).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A console import error: `{"Message","Reason","Url"}` (PascalCase, as `neo4j-admin` parses it) and a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConsoleError {
    pub status: StatusCode,
    pub message: String,
    pub reason: String,
    pub url: Option<String>,
}

impl ConsoleError {
    pub fn new(status: StatusCode, reason: &str, message: impl Into<String>) -> Self {
        ConsoleError { status, message: message.into(), reason: reason.to_string(), url: None }
    }

    pub fn with_url(mut self, url: &str) -> Self {
        self.url = Some(url.to_string());
        self
    }

    pub fn not_found(dbid: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "DatabaseNotFound", format!("Database {dbid} was not found"))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// Inferred: a malformed request body.
    pub fn bad_request(reason: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, reason, message)
    }
}

/// The emulator's own failures (never expected) keep their status and message.
impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> Self {
        ConsoleError::new(e.status, &e.reason, e.message)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let mut body = json!({ "Message": self.message, "Reason": self.reason });
        if let (Some(url), Some(obj)) = (&self.url, body.as_object_mut()) {
            obj.insert("Url".into(), json!(url));
        }
        (self.status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn error_body_has_aura_shape() {
        let response = ApiError::invalid_field("date", "bad date").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, json!({"errors":[{"message":"bad date","reason":"invalid-request","field":"date"}]}));
    }

    #[test]
    fn retry_after_header_is_set() {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limit-exceeded", "slow down");
        e.retry_after = Some(7);
        let response = e.into_response();
        assert_eq!(response.headers()["retry-after"], "7");
    }
}
