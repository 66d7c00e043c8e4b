//! Accounts: which Aura API keys the user connected, where their secrets are kept, and where each account's files
//! live on this computer — one home for the desktop app and the command line.
//!
//! - [`AccountRegistry`] / [`AccountProfile`]: the profiles file, `accounts.json` (no secret in it).
//! - [`DataLayout`]: the app's data and config folders as the OS names them (the same ones Tauri uses), and the
//!   layout inside them (job journals and history per account, the sandbox, the command line's own jobs).
//! - [`CredentialsFile`]: the credentials file the Aura console downloads with a new API key, read for its key and
//!   deleted again once the key is in the keyring.
//! - [`Workspace`]: the profiles, the secrets (OS keyring through `lifeboat-secrets`, or memory for "this session
//!   only"), refused keys, and the accounts open in this process with their clients and jobs. The shell holds one;
//!   `lifeboat --account NAME` opens one to use an account connected in the window.
//!
//! This module must not know about windows or terminals: it returns [`WorkspaceError`]s, which the shell and the
//! CLI turn into their own shapes.

use std::sync::Arc;

use crate::api::{ApiCredentials, ApiError, AuraClient, Tenant};
use crate::budget::RequestBudget;
use crate::config::Endpoints;
use crate::Sensitive;

mod credentials_file;
mod layout;
mod registry;
mod workspace;

pub use credentials_file::{
    parse_bytes as parse_credentials, AuraCredentials, CredentialsFile, CredentialsFileError,
    MAX_CREDENTIALS_FILE_BYTES,
};
pub use layout::{DataLayout, APP_IDENTIFIER, SANDBOX_ID};
pub use registry::{AccountProfile, AccountRegistry};
pub use workspace::{AccountKind, AccountLogins, OpenAccount, Workspace, WorkspaceError, FROM_ENVIRONMENT_LABEL};

/// A client for an API key, on its own request budget.
pub fn client_for(endpoints: Endpoints, client_id: &str, secret: Sensitive<String>) -> Result<AuraClient, ApiError> {
    AuraClient::new(
        endpoints,
        ApiCredentials { client_id: client_id.trim().to_owned(), client_secret: secret },
        Arc::new(RequestBudget::default()),
    )
}

/// Checks an API key before saving it: a token is fetched and the tenants listed.
pub async fn verify_api_key(client: &AuraClient) -> Result<Vec<Tenant>, ApiError> {
    client.check_credentials().await?;
    client.list_tenants().await
}
