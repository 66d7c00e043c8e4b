//! Verification through the Query API v2: does the instance answer, and how many nodes and relationships does it
//! hold? Used before and after a restore so the user sees both counts side by side.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::config::Endpoints;

/// The counting statement. `CALL {}` twice, not `MATCH … WITH … MATCH`, which returns no row on a graph without
/// relationships; both counts come from Neo4j's count store, so this is quick on any size.
const COUNTS: &str =
    "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels";

/// A database login for one instance (the keyring's credential type, so there is one shape everywhere).
pub use lifeboat_secrets::DbCredentials as DbLogin;

/// Node and relationship counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GraphCounts {
    /// Nodes.
    pub nodes: u64,
    /// Relationships.
    pub relationships: u64,
}

/// Why verification could not run.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// 401: the database user or password is wrong.
    #[error("The database user or password for this instance is wrong, so Lifeboat could not count the data. Enter them again.")]
    BadLogin,
    /// The database did not answer in time (still starting, or unreachable).
    #[error("The database did not answer ({detail}). The restore itself may be fine; check the instance in a minute.")]
    Unavailable {
        /// What failed.
        detail: String,
    },
    /// It answered something unexpected.
    #[error("The database answered something Lifeboat did not expect ({detail}).")]
    Unexpected {
        /// What was wrong.
        detail: String,
    },
}

impl VerifyError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadLogin => "bad-db-login",
            Self::Unavailable { .. } => "db-unavailable",
            Self::Unexpected { .. } => "db-unexpected",
        }
    }
}

#[derive(Deserialize)]
struct QueryReply {
    data: QueryData,
}

#[derive(Deserialize)]
struct QueryData {
    values: Vec<Vec<serde_json::Value>>,
}

/// A Query API client for the instances of one account.
#[derive(Debug, Clone)]
pub struct QueryClient {
    http: reqwest::Client,
    template: String,
}

impl QueryClient {
    /// A client for the Query API URL template (`{dbid}` is replaced by the instance id).
    pub fn new(endpoints: &Endpoints) -> Result<Self, VerifyError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Lifeboat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .https_only(!endpoints.is_loopback())
            .build()
            .map_err(|e| VerifyError::Unexpected { detail: e.to_string() })?;
        Ok(Self { http, template: endpoints.query_url.clone() })
    }

    /// Checks a login with `RETURN 1` before it is saved.
    pub async fn check_login(&self, instance_id: &str, login: &DbLogin) -> Result<(), VerifyError> {
        let url = self.template.replace("{dbid}", instance_id);
        let reply = self
            .http
            .post(&url)
            .basic_auth(&login.user, Some(login.password.expose()))
            .json(&serde_json::json!({ "statement": "RETURN 1 AS ok" }))
            .send()
            .await
            .map_err(|e| VerifyError::Unavailable {
                detail: if e.is_connect() { "could not connect" } else { "connection failed" }.into(),
            })?;
        match reply.status() {
            s if s.is_success() => Ok(()),
            reqwest::StatusCode::UNAUTHORIZED => Err(VerifyError::BadLogin),
            s if s.is_server_error() => Err(VerifyError::Unavailable { detail: format!("HTTP {}", s.as_u16()) }),
            s => Err(VerifyError::Unexpected { detail: format!("HTTP {}", s.as_u16()) }),
        }
    }

    /// Counts nodes and relationships. Retries 503 and connection errors for up to `patience` (a database that has
    /// just come back may need a moment), never a wrong password.
    pub async fn counts(
        &self,
        instance_id: &str,
        login: &DbLogin,
        patience: Duration,
    ) -> Result<GraphCounts, VerifyError> {
        let url = self.template.replace("{dbid}", instance_id);
        let deadline = tokio::time::Instant::now() + patience;
        let mut delay = Duration::from_millis(250);
        loop {
            let attempt = self
                .http
                .post(&url)
                .basic_auth(&login.user, Some(login.password.expose()))
                .json(&serde_json::json!({ "statement": COUNTS }))
                .send()
                .await;
            let failure = match attempt {
                Ok(r) if r.status().is_success() => {
                    let reply: QueryReply =
                        r.json().await.map_err(|e| VerifyError::Unexpected { detail: e.to_string() })?;
                    return parse_counts(&reply);
                }
                Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED => return Err(VerifyError::BadLogin),
                Ok(r) if r.status().is_server_error() => format!("HTTP {}", r.status().as_u16()),
                Ok(r) => return Err(VerifyError::Unexpected { detail: format!("HTTP {}", r.status().as_u16()) }),
                Err(e) => if e.is_connect() { "could not connect" } else { "connection failed" }.to_owned(),
            };
            if tokio::time::Instant::now() + delay > deadline {
                return Err(VerifyError::Unavailable { detail: failure });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

fn parse_counts(reply: &QueryReply) -> Result<GraphCounts, VerifyError> {
    let row = reply.data.values.first().ok_or_else(|| VerifyError::Unexpected { detail: "no rows".into() })?;
    let number = |i: usize| {
        row.get(i)
            .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            .ok_or_else(|| VerifyError::Unexpected { detail: "the counts were not numbers".into() })
    };
    Ok(GraphCounts { nodes: number(0)?, relationships: number(1)? })
}
