//! What the running app holds: the account it talks to (a real one, or the embedded sandbox) and its client.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use std::time::Duration;

use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::{
    ApiCredentials, AuraClient, DbLogin, Endpoints, JobManager, JobSettings, LoginStore, MemoryLogins, RequestBudget,
    Sensitive, SnapshotCache,
};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::error::CommandError;

/// Whether the app shows a real account or practice data.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The embedded emulator with demo data.
    Sandbox,
    /// A real Aura account.
    Account,
}

/// The account the window works with.
pub struct Backend {
    pub mode: Mode,
    pub account_label: String,
    pub client: AuraClient,
    pub jobs: Arc<JobManager>,
    pub snapshots: SnapshotCache,
}

fn job_settings(data_dir: &std::path::Path, mode: &str, poll_interval: Duration) -> JobSettings {
    JobSettings {
        journal_dir: data_dir.join("jobs").join(mode),
        poll_interval,
        // Restores of large databases can take hours; stop watching only after a working day.
        watch_limit: Duration::from_secs(8 * 3600),
    }
}

/// Managed Tauri state.
#[derive(Default)]
pub struct AppState {
    backend: OnceLock<Backend>,
    sandbox: Mutex<Option<RunningEmulator>>,
}

impl AppState {
    /// The backend, once set-up has chosen one.
    pub fn backend(&self) -> Result<&Backend, CommandError> {
        self.backend
            .get()
            .ok_or_else(|| CommandError::new("starting", "Lifeboat is still starting. Try again in a moment.", true))
    }

    /// Chooses the account: `AURA_CLIENT_ID`/`AURA_CLIENT_SECRET` when set, else the sandbox in `data_dir/sandbox`.
    /// Jobs are journaled under `data_dir/jobs/<mode>`; unfinished ones are watched again.
    pub async fn start(&self, data_dir: PathBuf) -> Result<&Backend, String> {
        let sandbox_dir = data_dir.join("sandbox");
        let logins = Arc::new(MemoryLogins::default());
        let budget = Arc::new(RequestBudget::default());
        let from_env = std::env::var("AURA_CLIENT_ID").ok().zip(std::env::var("AURA_CLIENT_SECRET").ok());
        let backend = match from_env.filter(|(id, secret)| !id.is_empty() && !secret.is_empty()) {
            Some((client_id, secret)) => {
                let defaults = Endpoints::default();
                let endpoints = Endpoints {
                    api_url: std::env::var("LIFEBOAT_API_URL").unwrap_or(defaults.api_url),
                    auth_url: std::env::var("LIFEBOAT_AUTH_URL").unwrap_or(defaults.auth_url),
                    console_url: std::env::var("LIFEBOAT_CONSOLE_URL").unwrap_or(defaults.console_url),
                    query_url: std::env::var("LIFEBOAT_QUERY_URL").unwrap_or(defaults.query_url),
                };
                let credentials = ApiCredentials { client_id, client_secret: Sensitive::new(secret) };
                let client = AuraClient::new(endpoints, credentials, budget).map_err(|e| e.to_string())?;
                let jobs = JobManager::new(
                    client.clone(),
                    logins,
                    job_settings(&data_dir, "account", Duration::from_secs(10)),
                );
                Backend {
                    mode: Mode::Account,
                    account_label: "Aura account".into(),
                    client,
                    jobs,
                    snapshots: SnapshotCache::new(),
                }
            }
            None => {
                // Tests run the sandbox on the fast clock so a restore takes a fraction of a second.
                let (clock, poll) = match std::env::var("LIFEBOAT_SANDBOX_CLOCK").as_deref() {
                    Ok("fast") => (ClockSpeed::Fast, Duration::from_millis(200)),
                    _ => (ClockSpeed::Real, Duration::from_secs(2)),
                };
                let config = EmulatorConfig { port: 0, data_dir: Some(sandbox_dir), clock, ..Default::default() };
                let emulator =
                    aura_emulator::start(config).await.map_err(|e| format!("The sandbox could not start: {e}"))?;
                let info = emulator.info();
                let credentials = ApiCredentials {
                    client_id: info.client_id.clone(),
                    client_secret: Sensitive::new(info.client_secret.clone()),
                };
                let endpoints = Endpoints {
                    api_url: info.api_url.clone(),
                    auth_url: info.auth_url.clone(),
                    console_url: info.console_url.clone(),
                    query_url: info.query_url.clone(),
                };
                let client = AuraClient::new(endpoints, credentials, budget).map_err(|e| e.to_string())?;
                // The practice instances' database logins are practice data too: memory only, never the keyring.
                for i in &info.instances {
                    logins.remember(
                        &i.id,
                        DbLogin { user: i.db_user.clone(), password: Sensitive::new(i.db_password.clone()) },
                    )?;
                }
                tracing::info!(api = %info.api_url, "sandbox started");
                *self.sandbox.lock().await = Some(emulator);
                let jobs = JobManager::new(client.clone(), logins, job_settings(&data_dir, "sandbox", poll));
                Backend {
                    mode: Mode::Sandbox,
                    account_label: "Sandbox".into(),
                    client,
                    jobs,
                    snapshots: SnapshotCache::new(),
                }
            }
        };
        backend.jobs.resume_unfinished();
        self.backend.set(backend).map_err(|_| "Lifeboat was started twice.".to_string())?;
        self.backend().map_err(|e| e.message)
    }

    /// Stops the sandbox cleanly, so its state is flushed to disk.
    pub async fn shutdown(&self) {
        if let Some(emulator) = self.sandbox.lock().await.take() {
            emulator.shutdown().await;
        }
    }
}
