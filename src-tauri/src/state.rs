//! What the running app holds: the embedded sandbox, the connected accounts (each with its own client, request
//! budget, jobs and snapshot cache), and which one the window shows.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::accounts::{client_for, AccountProfile, AccountRegistry};
use lifeboat_engine::jobs::FinishHook;
use lifeboat_engine::logins::KeyringLogins;
use lifeboat_engine::{
    AuraClient, DbLogin, Endpoints, JobManager, JobSettings, LoginStore, MemoryLogins, Sensitive, SnapshotCache,
};
use lifeboat_secrets::SecretStore;
use serde::Serialize;
use ts_rs::TS;

use crate::error::CommandError;

/// Where accounts connected in this run live: `--api-url`, `--auth-url`, `--console-url`, `--query-url` on the
/// command line, else `LIFEBOAT_*_URL` in the environment, else the real Aura hosts.
pub fn connect_endpoints() -> Endpoints {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, var: &str, default: String| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
            .or_else(|| args.iter().find_map(|a| a.strip_prefix(&format!("{name}=")).map(str::to_owned)))
            .or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
            .unwrap_or(default)
    };
    let d = Endpoints::default();
    Endpoints {
        api_url: flag("--api-url", "LIFEBOAT_API_URL", d.api_url),
        auth_url: flag("--auth-url", "LIFEBOAT_AUTH_URL", d.auth_url),
        console_url: flag("--console-url", "LIFEBOAT_CONSOLE_URL", d.console_url),
        query_url: flag("--query-url", "LIFEBOAT_QUERY_URL", d.query_url),
    }
}

/// The sandbox's account id.
pub const SANDBOX_ID: &str = "sandbox";

/// Whether the window shows a real account or practice data.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The embedded emulator with demo data.
    Sandbox,
    /// A real Aura account.
    Account,
}

/// Where an account's database logins are kept.
pub enum Logins {
    /// The sandbox's practice logins, in memory.
    Sandbox(Arc<MemoryLogins>),
    /// The OS keyring (plus session-only ones).
    Keyring(KeyringLogins),
}

/// One account the window can show.
pub struct Backend {
    pub id: String,
    pub mode: Mode,
    pub label: String,
    pub client: AuraClient,
    pub jobs: Arc<JobManager>,
    pub snapshots: SnapshotCache,
    pub logins: Logins,
}

struct Shared {
    data_dir: PathBuf,
    secrets: SecretStore,
    registry: Mutex<AccountRegistry>,
    /// API secrets the user chose to keep for this session only.
    session_secrets: Mutex<HashMap<String, Sensitive<String>>>,
    /// Accounts whose key Aura refused.
    revoked: Mutex<Vec<String>>,
    on_finish: Mutex<Option<FinishHook>>,
    poll: Duration,
}

/// Managed Tauri state.
#[derive(Default)]
pub struct AppState {
    shared: OnceLock<Shared>,
    backends: Mutex<HashMap<String, Arc<Backend>>>,
    active: Mutex<Option<Arc<Backend>>>,
    sandbox: tokio::sync::Mutex<Option<RunningEmulator>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn starting() -> CommandError {
    CommandError::new("starting", "Lifeboat is still starting. Try again in a moment.", true)
}

impl AppState {
    /// The account the window shows.
    pub fn backend(&self) -> Result<Arc<Backend>, CommandError> {
        lock(&self.active).clone().ok_or_else(starting)
    }

    fn shared(&self) -> Result<&Shared, CommandError> {
        self.shared.get().ok_or_else(starting)
    }

    /// Starts the sandbox, loads the connected accounts and opens the last one used (the sandbox when none is
    /// configured). `AURA_CLIENT_ID`/`AURA_CLIENT_SECRET` in the environment add a session-only account.
    pub async fn start(&self, data_dir: PathBuf, config_dir: PathBuf) -> Result<(), String> {
        // Tests run the sandbox on the fast clock so a restore takes a fraction of a second.
        let (clock, poll) = match std::env::var("LIFEBOAT_SANDBOX_CLOCK").as_deref() {
            Ok("fast") => (ClockSpeed::Fast, Duration::from_millis(200)),
            _ => (ClockSpeed::Real, Duration::from_secs(2)),
        };
        let shared = Shared {
            data_dir: data_dir.clone(),
            secrets: SecretStore::os_keyring(),
            registry: Mutex::new(AccountRegistry::load(&config_dir.join("accounts.json"))),
            session_secrets: Mutex::new(HashMap::new()),
            revoked: Mutex::new(Vec::new()),
            on_finish: Mutex::new(None),
            poll,
        };
        if self.shared.set(shared).is_err() {
            return Err("Lifeboat was started twice.".into());
        }
        let sandbox = self.start_sandbox(&data_dir, clock, poll).await?;
        lock(&self.backends).insert(SANDBOX_ID.into(), sandbox.clone());
        *lock(&self.active) = Some(sandbox);

        let env = std::env::var("AURA_CLIENT_ID").ok().zip(std::env::var("AURA_CLIENT_SECRET").ok());
        if let Some((id, secret)) = env.filter(|(id, s)| !id.is_empty() && !s.is_empty()) {
            let endpoints = connect_endpoints();
            let profile = self
                .add_profile("Aura account (from the environment)", &id, endpoints, Sensitive::new(secret), true)
                .map_err(|e| e.message)?;
            self.switch(&profile.id).map_err(|e| e.message)?;
        } else if let Some(last) = self.shared().map_err(|e| e.message)?.registry_active() {
            if let Err(e) = self.switch(&last) {
                tracing::warn!(code = %e.code, "could not open the last account; showing the sandbox");
            }
        }
        Ok(())
    }

    async fn start_sandbox(
        &self,
        data_dir: &std::path::Path,
        clock: ClockSpeed,
        poll: Duration,
    ) -> Result<Arc<Backend>, String> {
        let dir = data_dir.join("sandbox");
        let last_port = remembered_port(&dir);
        let config = EmulatorConfig { port: last_port, data_dir: Some(dir.clone()), clock, ..Default::default() };
        let emulator = match aura_emulator::start(config.clone()).await {
            Ok(emulator) => Ok(emulator),
            // The port was taken in the meantime: any port will do, only unfinished uploads lose their session.
            Err(e) if last_port != 0 => {
                tracing::info!(error = %e, port = last_port, "the sandbox's previous port is taken; using another");
                aura_emulator::start(EmulatorConfig { port: 0, ..config }).await
            }
            Err(e) => Err(e),
        }
        .map_err(|e| format!("The sandbox could not start: {e}"))?;
        remember_port(&dir, emulator.addr().port());
        let info = emulator.info().clone();
        let endpoints = Endpoints {
            api_url: info.api_url.clone(),
            auth_url: info.auth_url.clone(),
            console_url: info.console_url.clone(),
            query_url: info.query_url.clone(),
        };
        let client = client_for(endpoints, &info.client_id, Sensitive::new(info.client_secret.clone()))
            .map_err(|e| e.to_string())?;
        // The practice instances' logins are practice data too: memory only, never the keyring.
        let logins = Arc::new(MemoryLogins::default());
        for i in &info.instances {
            logins.remember(&i.id, DbLogin::new(i.db_user.clone(), i.db_password.clone()))?;
        }
        *self.sandbox.lock().await = Some(emulator);
        Ok(self.make_backend(SANDBOX_ID, Mode::Sandbox, "Sandbox", client, Logins::Sandbox(logins), poll))
    }

    fn make_backend(
        &self,
        id: &str,
        mode: Mode,
        label: &str,
        client: AuraClient,
        logins: Logins,
        poll: Duration,
    ) -> Arc<Backend> {
        let store: Arc<dyn LoginStore> = match &logins {
            Logins::Sandbox(m) => m.clone(),
            Logins::Keyring(k) => Arc::new(k.clone()),
        };
        let data_dir = self.shared.get().map(|s| s.data_dir.clone()).unwrap_or_default();
        let jobs = JobManager::new(
            client.clone(),
            store,
            JobSettings {
                journal_dir: data_dir.join("jobs").join(id),
                poll_interval: poll,
                // Restores of large databases can take hours; stop watching only after a working day.
                watch_limit: Duration::from_secs(8 * 3600),
            },
        );
        if let Some(hook) = self.shared.get().and_then(|s| lock(&s.on_finish).clone()) {
            jobs.on_finish(hook);
        }
        jobs.resume_unfinished();
        Arc::new(Backend {
            id: id.into(),
            mode,
            label: label.into(),
            client,
            jobs,
            snapshots: SnapshotCache::new(),
            logins,
        })
    }

    /// Sets what happens when any job of any account ends.
    pub fn on_job_finished(&self, hook: FinishHook) {
        if let Some(s) = self.shared.get() {
            *lock(&s.on_finish) = Some(hook.clone());
        }
        for b in lock(&self.backends).values() {
            b.jobs.on_finish(hook.clone());
        }
    }

    /// Profiles of the connected accounts, whether each key was refused, and which account is shown.
    pub fn accounts(&self) -> Result<(Vec<AccountProfile>, Vec<String>, String), CommandError> {
        let s = self.shared()?;
        let profiles = lock(&s.registry).accounts().to_vec();
        let active = self.backend()?.id.clone();
        Ok((profiles, lock(&s.revoked).clone(), active))
    }

    /// Saves a new profile (its secret in the keyring unless `session_only`). The key must have been verified.
    pub fn add_profile(
        &self,
        label: &str,
        client_id: &str,
        endpoints: Endpoints,
        secret: Sensitive<String>,
        session_only: bool,
    ) -> Result<AccountProfile, CommandError> {
        let s = self.shared()?;
        let profile = lock(&s.registry).add(label, client_id, endpoints, session_only).map_err(|e| {
            CommandError::new("config-write", format!("Lifeboat could not save the account list ({e})."), true)
        })?;
        if session_only {
            lock(&s.session_secrets).insert(profile.id.clone(), secret);
        } else if let Err(e) = s.secrets.set_api_secret(&profile.id, &secret) {
            let _ = lock(&s.registry).remove(&profile.id);
            return Err(CommandError::new(e.code(), e.to_string(), e.suggests_session_only()));
        }
        Ok(profile)
    }

    /// Shows another account (opening it on first use).
    pub fn switch(&self, id: &str) -> Result<Arc<Backend>, CommandError> {
        let existing = lock(&self.backends).get(id).cloned();
        let backend = match existing {
            Some(b) => b,
            None => {
                let b = self.open_account(id)?;
                lock(&self.backends).insert(id.to_owned(), b.clone());
                b
            }
        };
        let s = self.shared()?;
        let _ = lock(&s.registry).set_active(if id == SANDBOX_ID { None } else { Some(id) });
        *lock(&self.active) = Some(backend.clone());
        Ok(backend)
    }

    fn open_account(&self, id: &str) -> Result<Arc<Backend>, CommandError> {
        let s = self.shared()?;
        let profile = lock(&s.registry)
            .get(id)
            .cloned()
            .ok_or_else(|| CommandError::new("not-found", "This account is no longer connected.", false))?;
        let secret = match lock(&s.session_secrets).get(id).cloned() {
            Some(secret) => secret,
            None => s
                .secrets
                .api_secret(id)
                .map_err(|e| CommandError::new(e.code(), e.to_string(), e.suggests_session_only()))?
                .ok_or_else(|| {
                    CommandError::new(
                        "secret-missing",
                        "The API key of this account is no longer in your keyring. Reconnect the account with its client id and secret.",
                        false,
                    )
                })?,
        };
        let client = client_for(profile.endpoints.clone(), &profile.client_id, secret)?;
        let logins = Logins::Keyring(KeyringLogins::new(s.secrets.clone()));
        Ok(self.make_backend(id, Mode::Account, &profile.label, client, logins, Duration::from_secs(10).max(s.poll)))
    }

    /// Marks an account's key as refused by Aura (or as working again).
    pub fn set_revoked(&self, id: &str, revoked: bool) {
        if let Some(s) = self.shared.get() {
            let mut list = lock(&s.revoked);
            list.retain(|r| r != id);
            if revoked {
                list.push(id.to_owned());
            }
        }
    }

    /// Renames an account.
    pub fn rename(&self, id: &str, label: &str) -> Result<AccountProfile, CommandError> {
        let s = self.shared()?;
        lock(&s.registry)
            .rename(id, label)
            .map_err(|e| {
                CommandError::new("config-write", format!("Lifeboat could not save the account list ({e})."), true)
            })?
            .ok_or_else(|| CommandError::new("not-found", "This account is no longer connected.", false))
    }

    /// Disconnects an account: its key leaves the keyring, its profile the list; the window falls back to the
    /// sandbox if it was showing it.
    pub fn disconnect(&self, id: &str) -> Result<(), CommandError> {
        if id == SANDBOX_ID {
            return Err(CommandError::new("invalid-input", "The sandbox cannot be disconnected.", false));
        }
        let s = self.shared()?;
        s.secrets.forget_api_secret(id).map_err(|e| CommandError::new(e.code(), e.to_string(), true))?;
        lock(&s.session_secrets).remove(id);
        let _ = lock(&s.registry).remove(id);
        lock(&self.backends).remove(id);
        self.set_revoked(id, false);
        if self.backend()?.id == id {
            self.switch(SANDBOX_ID)?;
        }
        Ok(())
    }

    /// Jobs still running, over every open account.
    pub fn running_jobs(&self) -> usize {
        lock(&self.backends).values().map(|b| b.jobs.list().iter().filter(|j| j.outcome.is_none()).count()).sum()
    }

    /// Stops the sandbox cleanly, so its state is flushed to disk.
    pub async fn shutdown(&self) {
        if let Some(emulator) = self.sandbox.lock().await.take() {
            emulator.shutdown().await;
        }
    }
}

impl Shared {
    fn registry_active(&self) -> Option<String> {
        lock(&self.registry).active().map(str::to_owned)
    }
}

/// The file that keeps the sandbox's port between runs of the app.
const SANDBOX_PORT_FILE: &str = "port";

/// The port the sandbox listened on last time (0: none yet). The sandbox keeps its address across restarts of the
/// app, as Aura's addresses never change: journals of unfinished uploads hold its console and storage URLs, and a
/// resume must find them again.
fn remembered_port(dir: &std::path::Path) -> u16 {
    std::fs::read_to_string(dir.join(SANDBOX_PORT_FILE)).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

fn remember_port(dir: &std::path::Path, port: u16) {
    if let Err(e) =
        lifeboat_engine::journal::write_atomically(&dir.join(SANDBOX_PORT_FILE), port.to_string().as_bytes())
    {
        tracing::warn!(error = %e, "cannot remember the sandbox's port");
    }
}
