//! The one error shape the UI receives from every command: `{code, message, retryable}`.
//! `message` is already written for the user; `code` is stable for the UI to branch on.

use lifeboat_engine::ApiError;
use serde::Serialize;
use ts_rs::TS;

/// An error as the frontend sees it. Never carries a secret: engine errors are built without them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct CommandError {
    /// Stable machine-readable code.
    pub code: String,
    /// Plain-language sentence: what happened, what to do.
    pub message: String,
    /// Whether "Try again" makes sense.
    pub retryable: bool,
}

impl CommandError {
    /// An error raised by the shell itself.
    pub fn new(code: &str, message: impl Into<String>, retryable: bool) -> Self {
        Self { code: code.into(), message: message.into(), retryable }
    }
}

impl From<ApiError> for CommandError {
    fn from(e: ApiError) -> Self {
        Self { code: e.code().into(), message: e.user_message(), retryable: e.retryable() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shape_is_code_message_retryable() {
        let e: CommandError = ApiError::Busy {
            reason: "ongoing-database-operation".into(),
            message: "The database is current undergoing an operation: restoring".into(),
            request_id: Some("abc-123".into()),
        }
        .into();
        let json = serde_json::to_value(&e).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["code", "message", "retryable"]);
        assert_eq!(json["code"], "busy");
        assert_eq!(json["retryable"], true);
        assert!(json["message"].as_str().unwrap().ends_with("(Request id: abc-123)"));
    }
}
