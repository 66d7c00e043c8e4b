//! # lifeboat-engine
//!
//! Everything Lifeboat does, without a window: the Aura API v1 client, the shared request budget, and the
//! plain-language view of instances that the desktop app and the `lifeboat` CLI both show.
//!
//! Highlights:
//! - **Safe by construction**: secrets live in [`Sensitive`], which never prints or serialises; plain `http://` is
//!   refused except to loopback ([`Endpoints::validate`]).
//! - **Polite**: one [`RequestBudget`] per account keeps every caller together under Aura's 125 requests/minute,
//!   and a `Retry-After` pauses them all.
//! - **Honest about exports**: Aura's API has no snapshot download, so [`exports`] guides the console's export,
//!   watches for the downloaded file, checks it, and keeps it where the user chooses with an atomic, verified copy.
//! - **A record that lasts**: every finished operation is appended to an account's [`history`], from which the
//!   restore report, the messages to colleagues and CSV/Markdown exports are written.
//! - **Honest errors**: [`ApiError`] says what happened, whether anything changed and what to do next, with a
//!   stable [`ApiError::code`] and the request id for support.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lifeboat_engine::ApiError> {
//! use std::sync::Arc;
//! use lifeboat_engine::{ApiCredentials, AuraClient, Endpoints, RequestBudget, Sensitive};
//!
//! let client = AuraClient::new(
//!     Endpoints::default(),
//!     ApiCredentials { client_id: "id".into(), client_secret: Sensitive::new("secret".into()) },
//!     Arc::new(RequestBudget::default()),
//! )?;
//! for instance in lifeboat_engine::list_instance_views(&client).await? {
//!     println!("{}: {}", instance.name, instance.status_label);
//! }
//! # Ok(()) }
//! ```
//!
//! Why not an existing Aura SDK? There is none for Rust, and the Go SDK rejects the documented lowercase
//! `token_type`; this client is written from the public API reference.
//!
//! This crate must never depend on Tauri, wry or WebKit: the test command checks `cargo tree`.

pub mod accounts;
pub mod api;
pub mod budget;
pub mod checksums;
pub mod config;
pub mod confirm;
pub mod cost;
pub mod exports;
pub mod files;
pub mod graph_export;
pub mod history;
pub mod instances;
pub mod jobs;
pub mod logins;
pub mod snapshots;
pub mod strategy;
pub mod verify;

pub use accounts::{DataLayout, Workspace};
pub use api::{ApiCredentials, ApiError, AuraClient};
pub use budget::RequestBudget;
pub use config::{ConfigError, EndpointOverrides, Endpoints};
pub use instances::{list_instance_views, InstanceView, StatusTone};
pub use jobs::{JobEvent, JobManager, JobSettings, JobState, LoginStore, MemoryLogins};
pub use lifeboat_basics::backoff::RetryPolicy;
/// The shared basics, re-exported: [`atomic`] files, the [`backoff`] and the [`words`] Lifeboat says things in.
pub use lifeboat_basics::{atomic, backoff, words};
pub use lifeboat_secrets::Sensitive;
/// The OS keyring store and its errors, for callers that keep secrets outside an account (unattended schedules).
pub use lifeboat_secrets::{SecretError, SecretStore};
pub use snapshots::{SnapshotCache, SnapshotTimeline, SnapshotView};
pub use verify::{DbLogin, GraphCounts, QueryClient};
