//! Errors of the Aura API client. Each carries what support needs (status, Aura's `reason`, the `X-Request-Id`)
//! and displays as a plain-language sentence for someone who is not a database expert: what happened, whether
//! anything was lost, what to do next.

use std::time::Duration;

use thiserror::Error;

use crate::config::ConfigError;

/// Aura's `reason` for "another operation is running on this instance".
pub const REASON_ONGOING_OPERATION: &str = "ongoing-database-operation";

/// An Aura API failure.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The endpoints are not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The token endpoint refused the client id / secret.
    #[error("Aura did not accept this API key (client id and secret). It may have been deleted or mistyped: create a new key in the Aura console under Account → API keys and connect again.")]
    InvalidCredentials {
        /// `X-Request-Id`, when the server sent one.
        request_id: Option<String>,
    },

    /// Authenticated, but not allowed (still 403 after a fresh token).
    #[error("Aura says this API key may not do that ({message}). Ask a project admin to give your user the Member or Admin role.")]
    Forbidden {
        /// Server message.
        message: String,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// The instance, tenant or snapshot does not exist (any more).
    #[error("{what} was not found. It may have been deleted; refresh the list.")]
    NotFound {
        /// Aura's reason, e.g. `db-not-found`.
        reason: String,
        /// A plain name of what is missing.
        what: String,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// 409: the instance is busy with another operation.
    #[error("The instance is busy with another operation right now ({message}). Nothing was changed. Wait until it shows Running, then try again.")]
    Busy {
        /// Aura's reason (normally `ongoing-database-operation`).
        reason: String,
        /// Server message.
        message: String,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// 429 that did not clear within our retries.
    #[error("Aura is limiting how many requests this account can make (125 per minute). Nothing was changed. Wait a minute and try again.")]
    RateLimited {
        /// What the server asked for.
        retry_after: Option<Duration>,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// Another 4xx: the request was refused as invalid.
    #[error("Aura refused the request: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Aura's reason.
        reason: String,
        /// Server message.
        message: String,
        /// The field it complains about.
        field: Option<String>,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// 5xx that did not clear within our retries.
    #[error("Aura had a problem on its side (HTTP {status}). Nothing was changed by Lifeboat. Try again in a few minutes; if it persists, check status.neo4j.io.")]
    Server {
        /// HTTP status.
        status: u16,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },

    /// No connection could be made (the request was not sent).
    #[error(
        "Lifeboat could not reach Aura ({detail}). Nothing was changed. Check your internet connection and try again."
    )]
    Network {
        /// What failed, without secrets.
        detail: String,
    },

    /// The connection broke after a non-idempotent request was sent: it may or may not have taken effect.
    #[error("The connection to Aura broke before it answered, so Lifeboat cannot tell whether the request went through. Refresh the instance to see its status before trying again.")]
    OutcomeUnknown {
        /// What failed, without secrets.
        detail: String,
    },

    /// Aura answered something Lifeboat cannot read.
    #[error("Aura sent a reply Lifeboat did not understand ({detail}). Nothing was changed. Try again; if it persists, report it with the request id.")]
    Decode {
        /// What was wrong with it.
        detail: String,
        /// `X-Request-Id`.
        request_id: Option<String>,
    },
}

impl ApiError {
    /// A stable code for the UI and scripts to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::InvalidCredentials { .. } => "invalid-credentials",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not-found",
            Self::Busy { .. } => "busy",
            Self::RateLimited { .. } => "rate-limited",
            Self::Rejected { .. } => "rejected",
            Self::Server { .. } => "server",
            Self::Network { .. } => "network",
            Self::OutcomeUnknown { .. } => "outcome-unknown",
            Self::Decode { .. } => "decode",
        }
    }

    /// Whether trying the same thing again later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::Busy { .. }
                | Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Network { .. }
                | Self::OutcomeUnknown { .. }
        )
    }

    /// The `X-Request-Id` of the failing response, to quote in a support ticket.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::InvalidCredentials { request_id }
            | Self::Forbidden { request_id, .. }
            | Self::NotFound { request_id, .. }
            | Self::Busy { request_id, .. }
            | Self::RateLimited { request_id, .. }
            | Self::Rejected { request_id, .. }
            | Self::Server { request_id, .. }
            | Self::Decode { request_id, .. } => request_id.as_deref(),
            Self::Config(_) | Self::Network { .. } | Self::OutcomeUnknown { .. } => None,
        }
    }

    /// The message for a person, with the request id appended when there is one (for support tickets).
    pub fn user_message(&self) -> String {
        match self.request_id() {
            Some(id) => format!("{self} (Request id: {id})"),
            None => self.to_string(),
        }
    }

    /// Aura's `reason` string, when the server gave one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::NotFound { reason, .. } | Self::Busy { reason, .. } | Self::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_stable_code_and_a_sentence_that_says_what_to_do() {
        let busy = ApiError::Busy {
            reason: REASON_ONGOING_OPERATION.into(),
            message: "The database is current undergoing an operation: restoring".into(),
            request_id: Some("req-1".into()),
        };
        assert_eq!(busy.code(), "busy");
        assert!(busy.retryable());
        assert_eq!(busy.request_id(), Some("req-1"));
        assert!(busy.to_string().contains("Nothing was changed"));
        assert!(busy.to_string().contains("try again"));

        let gone = ApiError::NotFound { reason: "db-not-found".into(), what: "The instance".into(), request_id: None };
        assert_eq!(gone.to_string(), "The instance was not found. It may have been deleted; refresh the list.");
        assert!(!gone.retryable());
    }
}
