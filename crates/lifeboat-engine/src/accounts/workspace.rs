//! The accounts of Lifeboat on this computer, in one place: the profiles file, each account's API secret (in the OS
//! keyring through `lifeboat-secrets`, or in memory when the user chose "this session only"), which keys Aura
//! refused, and — in the desktop app — the accounts open in this process with their clients, jobs and caches.
//!
//! The shell holds one [`Workspace`] for the window; the CLI opens one to use an account connected in the window
//! (`lifeboat --account NAME …`). Both therefore read the same profiles, the same keyring entries and the same
//! [`DataLayout`].
//!
//! Keyring calls block (D-Bus, perhaps an unlock prompt). Methods that make them say so; on a multi-threaded tokio
//! runtime they tell the runtime first (`block_in_place`), so callers need not.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lifeboat_secrets::{SecretError, SecretStore};
use serde::Serialize;
use thiserror::Error;

use super::layout::{DataLayout, SANDBOX_ID};
use super::registry::{AccountProfile, AccountRegistry};
use super::{client_for, verify_api_key};
use crate::api::{ApiError, AuraClient};
use crate::config::Endpoints;
use crate::jobs::{FinishHook, JobManager, JobSettings, LoginStore, MemoryLogins};
use crate::logins::{KeyringLogins, LoginPersistence};
use crate::snapshots::SnapshotCache;
use crate::verify::{DbLogin, QueryClient, VerifyError};
use crate::Sensitive;

/// The label of the session-only account made from `AURA_CLIENT_ID`/`AURA_CLIENT_SECRET` at start-up.
pub const FROM_ENVIRONMENT_LABEL: &str = "Aura account (from the environment)";

/// Whether an account is practice data or a real Aura account.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "Mode")]
pub enum AccountKind {
    /// The embedded emulator with demo data.
    Sandbox,
    /// A real Aura account.
    #[serde(rename = "account")]
    Aura,
}

/// Why an account operation failed. Messages are written for the user and never hold a secret.
#[derive(Debug, Error)]
pub enum WorkspaceError {
    /// The account is not (or no longer) in the profiles.
    #[error("This account is no longer connected.")]
    NotFound,
    /// `--account NAME` named no connected account.
    #[error("No account named “{name}” is connected in Lifeboat. {}", known_accounts(.known))]
    UnknownAccount {
        /// What was asked for.
        name: String,
        /// The labels that exist.
        known: Vec<String>,
    },
    /// `--account NAME` matched several accounts by label.
    #[error("Several connected accounts are called “{name}”. Name one by its id instead: {}.", .ids.join(", "))]
    Ambiguous {
        /// What was asked for.
        name: String,
        /// The ids that match.
        ids: Vec<String>,
    },
    /// The sandbox is always there.
    #[error("The sandbox cannot be disconnected.")]
    SandboxIsFixed,
    /// The window has not finished starting.
    #[error("Lifeboat is still starting. Try again in a moment.")]
    Starting,
    /// The profiles file could not be written.
    #[error("Lifeboat could not save the account list ({0}).")]
    ConfigWrite(#[source] std::io::Error),
    /// The keyring refused or failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The profile is there but its key is not in the keyring.
    #[error(
        "The API key of this account is no longer in your keyring. Reconnect the account with its client id and secret."
    )]
    SecretMissing,
    /// Aura refused or failed (checking a key, making a client).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A database login did not work (checked before it is saved).
    #[error(transparent)]
    Login(#[from] VerifyError),
}

fn known_accounts(known: &[String]) -> String {
    if known.is_empty() {
        "None is: connect one in the Lifeboat window first, or set AURA_CLIENT_ID and AURA_CLIENT_SECRET.".to_owned()
    } else {
        format!("Connected: {}. List them with: lifeboat accounts list", known.join(", "))
    }
}

impl WorkspaceError {
    /// A stable code.
    pub fn code(&self) -> &str {
        match self {
            Self::NotFound => "not-found",
            Self::UnknownAccount { .. } => "unknown-account",
            Self::Ambiguous { .. } => "ambiguous-account",
            Self::SandboxIsFixed => "invalid-input",
            Self::Starting => "starting",
            Self::ConfigWrite(_) => "config-write",
            Self::Secret(e) => e.code(),
            Self::SecretMissing => "secret-missing",
            Self::Api(e) => e.code(),
            Self::Login(e) => e.code(),
        }
    }

    /// Whether trying again makes sense. For a keyring failure: whether keeping the secret for this session only
    /// would get past it (the connect dialog offers that).
    pub fn retryable(&self) -> bool {
        match self {
            Self::Starting | Self::ConfigWrite(_) => true,
            Self::Secret(e) => e.suggests_session_only(),
            Self::Api(e) => e.retryable(),
            _ => false,
        }
    }

    /// The sentence for the user (Aura's errors carry their request id for support).
    pub fn user_message(&self) -> String {
        match self {
            Self::Api(e) => e.user_message(),
            other => other.to_string(),
        }
    }
}

/// Where an account's database logins are kept.
#[derive(Clone)]
pub enum AccountLogins {
    /// The sandbox's practice logins, in memory only (practice data never reaches the keyring).
    Practice(Arc<MemoryLogins>),
    /// The OS keyring, plus session-only ones in memory.
    Keyring(KeyringLogins),
}

impl AccountLogins {
    fn store(&self) -> Arc<dyn LoginStore> {
        match self {
            Self::Practice(m) => m.clone(),
            Self::Keyring(k) => Arc::new(k.clone()),
        }
    }

    /// The user of an instance's saved login and where it is kept. Blocks on the keyring.
    pub fn status(&self, instance_id: &str) -> Result<Option<(String, LoginPersistence)>, WorkspaceError> {
        match self {
            Self::Practice(m) => Ok(m.login(instance_id).map(|l| (l.user, LoginPersistence::Sandbox))),
            Self::Keyring(k) => Ok(keyring_call(|| k.status(instance_id))?),
        }
    }

    /// Saves a login (in the keyring unless `session_only`). Blocks on the keyring.
    pub fn save(
        &self,
        instance_id: &str,
        login: DbLogin,
        session_only: bool,
    ) -> Result<LoginPersistence, WorkspaceError> {
        match self {
            Self::Practice(m) => {
                // A memory store cannot fail.
                let _ = m.remember(instance_id, login);
                Ok(LoginPersistence::Sandbox)
            }
            Self::Keyring(k) => Ok(keyring_call(|| k.save(instance_id, login, session_only))?),
        }
    }

    /// Forgets an instance's login everywhere. Blocks on the keyring.
    pub fn forget(&self, instance_id: &str) -> Result<(), WorkspaceError> {
        match self {
            Self::Practice(m) => {
                m.forget(instance_id);
                Ok(())
            }
            Self::Keyring(k) => Ok(keyring_call(|| k.forget(instance_id))?),
        }
    }
}

/// An account open in this process: its client (with its own request budget), jobs, snapshot cache and logins.
pub struct OpenAccount {
    /// The profile id, or [`SANDBOX_ID`].
    pub id: String,
    /// Practice or real.
    pub kind: AccountKind,
    /// The user's name for it (it may be renamed while open).
    label: Mutex<String>,
    /// Its API client.
    pub client: AuraClient,
    /// Its jobs, journaled in its own folder of the [`DataLayout`].
    pub jobs: Arc<JobManager>,
    /// Its snapshot lists.
    pub snapshots: SnapshotCache,
    /// Its database logins.
    pub logins: AccountLogins,
}

impl OpenAccount {
    /// The user's name for it.
    pub fn label(&self) -> String {
        lock(&self.label).clone()
    }

    /// Checks a database login with a query and only then saves it, so a typo never ends up in the keyring.
    pub async fn check_and_save_login(
        &self,
        instance_id: &str,
        login: DbLogin,
        session_only: bool,
    ) -> Result<LoginPersistence, WorkspaceError> {
        QueryClient::new(self.client.endpoints())?.check_login(instance_id, &login).await?;
        let logins = self.logins.clone();
        let id = instance_id.to_owned();
        run_blocking(move || logins.save(&id, login, session_only)).await?
    }
}

/// See the module documentation.
pub struct Workspace {
    layout: DataLayout,
    secrets: SecretStore,
    registry: Mutex<AccountRegistry>,
    /// API secrets the user chose to keep for this session only.
    session_secrets: Mutex<HashMap<String, Sensitive<String>>>,
    /// Accounts whose key Aura refused.
    revoked: Mutex<BTreeSet<String>>,
    open: Mutex<HashMap<String, Arc<OpenAccount>>>,
    shown: Mutex<Option<Arc<OpenAccount>>>,
    on_finish: Mutex<Option<FinishHook>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs a keyring call, telling a multi-threaded runtime that this worker is busy.
fn keyring_call<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, WorkspaceError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| WorkspaceError::ConfigWrite(std::io::Error::other(e)))
}

impl Workspace {
    /// The accounts in `layout`, with their secrets in `secrets`.
    pub fn new(layout: DataLayout, secrets: SecretStore) -> Self {
        let registry = AccountRegistry::load(&layout.accounts_file());
        Self {
            layout,
            secrets,
            registry: Mutex::new(registry),
            session_secrets: Mutex::new(HashMap::new()),
            revoked: Mutex::new(BTreeSet::new()),
            open: Mutex::new(HashMap::new()),
            shown: Mutex::new(None),
            on_finish: Mutex::new(None),
        }
    }

    /// The accounts in `layout`, with their secrets in the OS keyring (the build's service name).
    pub fn with_os_keyring(layout: DataLayout) -> Self {
        Self::new(layout, SecretStore::os_keyring())
    }

    /// Where the files are.
    pub fn layout(&self) -> &DataLayout {
        &self.layout
    }

    /// Every connected account, in the order connected (session-only ones of this process included).
    pub fn profiles(&self) -> Vec<AccountProfile> {
        lock(&self.registry).accounts().to_vec()
    }

    /// One account's profile.
    pub fn profile(&self, id: &str) -> Option<AccountProfile> {
        lock(&self.registry).get(id).cloned()
    }

    /// The account named by its id, or else by its label (ignoring case and surrounding spaces).
    pub fn find(&self, name: &str) -> Result<AccountProfile, WorkspaceError> {
        let profiles = self.profiles();
        let wanted = name.trim();
        if let Some(p) = profiles.iter().find(|p| p.id == wanted) {
            return Ok(p.clone());
        }
        let by_label: Vec<&AccountProfile> =
            profiles.iter().filter(|p| p.label.trim().to_lowercase() == wanted.to_lowercase()).collect();
        match by_label.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(WorkspaceError::UnknownAccount {
                name: wanted.to_owned(),
                known: profiles.iter().map(|p| p.label.clone()).collect(),
            }),
            many => Err(WorkspaceError::Ambiguous {
                name: wanted.to_owned(),
                ids: many.iter().map(|p| p.id.clone()).collect(),
            }),
        }
    }

    /// The account the window showed last (`None`: the sandbox).
    pub fn last_used(&self) -> Option<String> {
        lock(&self.registry).active().map(str::to_owned)
    }

    /// Whether Aura refused this account's key (as last seen by this process).
    pub fn is_revoked(&self, id: &str) -> bool {
        lock(&self.revoked).contains(id)
    }

    /// Marks an account's key as refused by Aura, or as working again.
    pub fn set_revoked(&self, id: &str, revoked: bool) {
        let mut list = lock(&self.revoked);
        if revoked {
            list.insert(id.to_owned());
        } else {
            list.remove(id);
        }
    }

    /// Saves a new account: its profile, and its secret in the keyring (or in memory when `session_only`). When the
    /// keyring refuses, the profile is taken back, so no account is left without its key. Blocks on the keyring;
    /// the key should have been checked first ([`Workspace::connect`] does both).
    pub fn save(
        &self,
        label: &str,
        client_id: &str,
        endpoints: Endpoints,
        secret: Sensitive<String>,
        session_only: bool,
    ) -> Result<AccountProfile, WorkspaceError> {
        let profile =
            lock(&self.registry).add(label, client_id, endpoints, session_only).map_err(WorkspaceError::ConfigWrite)?;
        if session_only {
            lock(&self.session_secrets).insert(profile.id.clone(), secret);
        } else if let Err(e) = keyring_call(|| self.secrets.set_api_secret(&profile.id, &secret)) {
            let _ = lock(&self.registry).remove(&profile.id);
            return Err(e.into());
        }
        Ok(profile)
    }

    /// Checks an API key with Aura (a token, then the tenants), then saves it as [`Workspace::save`] does.
    pub async fn connect(
        &self,
        label: &str,
        client_id: &str,
        endpoints: Endpoints,
        secret: Sensitive<String>,
        session_only: bool,
    ) -> Result<AccountProfile, WorkspaceError> {
        let client = client_for(endpoints.clone(), client_id, secret.clone())?;
        verify_api_key(&client).await?;
        self.save(label, client_id, endpoints, secret, session_only)
    }

    /// Renames an account.
    pub fn rename(&self, id: &str, label: &str) -> Result<AccountProfile, WorkspaceError> {
        let renamed = lock(&self.registry)
            .rename(id, label)
            .map_err(WorkspaceError::ConfigWrite)?
            .ok_or(WorkspaceError::NotFound)?;
        if let Some(open) = lock(&self.open).get(id) {
            *lock(&open.label) = renamed.label.clone();
        }
        Ok(renamed)
    }

    /// An account's API secret: the session's, else the keyring's. Blocks on the keyring.
    pub fn secret(&self, id: &str) -> Result<Sensitive<String>, WorkspaceError> {
        if let Some(secret) = lock(&self.session_secrets).get(id).cloned() {
            return Ok(secret);
        }
        keyring_call(|| self.secrets.api_secret(id))?.ok_or(WorkspaceError::SecretMissing)
    }

    /// A client for a connected account, at the endpoints saved with it. Blocks on the keyring.
    pub fn client(&self, id: &str) -> Result<AuraClient, WorkspaceError> {
        let profile = self.profile(id).ok_or(WorkspaceError::NotFound)?;
        let secret = self.secret(id)?;
        Ok(client_for(profile.endpoints, &profile.client_id, secret)?)
    }

    /// The database logins of real accounts: the OS keyring, plus session-only ones.
    pub fn keyring_logins(&self) -> KeyringLogins {
        KeyringLogins::new(self.secrets.clone())
    }

    fn open_account(
        &self,
        id: &str,
        kind: AccountKind,
        label: &str,
        client: AuraClient,
        logins: AccountLogins,
        poll: Duration,
    ) -> Arc<OpenAccount> {
        let settings = JobSettings::new(self.layout.account_journals(id)).polling_every(poll);
        let jobs = JobManager::new(client.clone(), logins.store(), settings);
        if let Some(hook) = lock(&self.on_finish).clone() {
            jobs.on_finish(hook);
        }
        // A restore's report states the objectives that applied, wherever on this computer they are kept.
        let layout = self.layout.clone();
        jobs.objectives_from(Arc::new(move |instance_id: &str| {
            crate::strategy::Home::for_app(&layout, None).objectives_of(instance_id).map(|(_, o)| o)
        }));
        jobs.resume_unfinished();
        let account = Arc::new(OpenAccount {
            id: id.to_owned(),
            kind,
            label: Mutex::new(label.to_owned()),
            client,
            jobs,
            snapshots: SnapshotCache::new(),
            logins,
        });
        lock(&self.open).insert(id.to_owned(), account.clone());
        account
    }

    /// Opens the sandbox (the embedded emulator at `endpoints`, with its practice key and instance logins) and shows
    /// it. Its unfinished jobs resume.
    pub fn open_sandbox(
        &self,
        endpoints: Endpoints,
        client_id: &str,
        client_secret: Sensitive<String>,
        logins: impl IntoIterator<Item = (String, DbLogin)>,
        poll: Duration,
    ) -> Result<Arc<OpenAccount>, WorkspaceError> {
        let client = client_for(endpoints, client_id, client_secret)?;
        // The practice instances' logins are practice data too: memory only, never the keyring.
        let practice = Arc::new(MemoryLogins::default());
        for (instance_id, login) in logins {
            let _ = practice.remember(&instance_id, login);
        }
        let sandbox = self.open_account(
            SANDBOX_ID,
            AccountKind::Sandbox,
            "Sandbox",
            client,
            AccountLogins::Practice(practice),
            poll,
        );
        *lock(&self.shown) = Some(sandbox.clone());
        Ok(sandbox)
    }

    /// The account the window shows.
    pub fn shown(&self) -> Result<Arc<OpenAccount>, WorkspaceError> {
        lock(&self.shown).clone().ok_or(WorkspaceError::Starting)
    }

    /// Shows another account, opening it on first use (its unfinished jobs then resume), and remembers it for the
    /// next start. Blocks on the keyring when it opens the account.
    pub fn switch(&self, id: &str) -> Result<Arc<OpenAccount>, WorkspaceError> {
        let existing = lock(&self.open).get(id).cloned();
        let account = match existing {
            Some(a) => a,
            None if id == SANDBOX_ID => return Err(WorkspaceError::Starting),
            None => {
                let profile = self.profile(id).ok_or(WorkspaceError::NotFound)?;
                let client = self.client(id)?;
                let logins = AccountLogins::Keyring(self.keyring_logins());
                self.open_account(id, AccountKind::Aura, &profile.label, client, logins, JobSettings::AURA_POLL)
            }
        };
        let _ = lock(&self.registry).set_active(if id == SANDBOX_ID { None } else { Some(id) });
        *lock(&self.shown) = Some(account.clone());
        Ok(account)
    }

    /// At start-up, after [`Workspace::open_sandbox`]: an API key from the environment becomes a session-only
    /// account and is shown; otherwise the account shown last time is opened again (the sandbox stays when it
    /// cannot be).
    pub fn open_last(&self, from_environment: Option<(String, Sensitive<String>)>, endpoints: Endpoints) {
        if let Some((client_id, secret)) = from_environment {
            let opened =
                self.save(FROM_ENVIRONMENT_LABEL, &client_id, endpoints, secret, true).and_then(|p| self.switch(&p.id));
            if let Err(e) = opened {
                tracing::warn!(code = %e.code(), "could not open the account from the environment");
            }
        } else if let Some(last) = self.last_used() {
            if let Err(e) = self.switch(&last) {
                tracing::warn!(code = %e.code(), "could not open the last account; showing the sandbox");
            }
        }
    }

    /// Disconnects an account: its key leaves the keyring, its profile the list, its jobs stop being watched; the
    /// window falls back to the sandbox if it was showing it. Blocks on the keyring.
    pub fn disconnect(&self, id: &str) -> Result<(), WorkspaceError> {
        if id == SANDBOX_ID {
            return Err(WorkspaceError::SandboxIsFixed);
        }
        keyring_call(|| self.secrets.forget_api_secret(id))?;
        lock(&self.session_secrets).remove(id);
        let _ = lock(&self.registry).remove(id);
        lock(&self.open).remove(id);
        self.set_revoked(id, false);
        let mut shown = lock(&self.shown);
        if shown.as_ref().is_some_and(|s| s.id == id) {
            *shown = lock(&self.open).get(SANDBOX_ID).cloned();
        }
        Ok(())
    }

    /// Sets what happens when any job of any account ends (the app sends a desktop notification).
    pub fn on_job_finished(&self, hook: FinishHook) {
        *lock(&self.on_finish) = Some(hook.clone());
        for account in lock(&self.open).values() {
            account.jobs.on_finish(hook.clone());
        }
    }

    /// The accounts open in this process (the sandbox among them), in no particular order.
    pub fn open_accounts(&self) -> Vec<Arc<OpenAccount>> {
        lock(&self.open).values().cloned().collect()
    }

    /// Jobs still running, over every open account.
    pub fn running_jobs(&self) -> usize {
        lock(&self.open).values().map(|a| a.jobs.list().iter().filter(|j| j.outcome.is_none()).count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifeboat_secrets::{MemoryBackend, SecretError};

    fn workspace(dir: &std::path::Path) -> Workspace {
        Workspace::new(DataLayout::new(dir.join("data"), dir.join("config")), SecretStore::session_only())
    }

    #[test]
    fn a_saved_account_is_found_by_label_or_id_and_its_secret_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        let p =
            ws.save("Production org", "client-1234", Endpoints::default(), Sensitive::new("s3".into()), false).unwrap();
        assert_eq!(ws.find("  production ORG ").unwrap().id, p.id);
        assert_eq!(ws.find(&p.id).unwrap().label, "Production org");
        assert_eq!(ws.secret(&p.id).unwrap().expose(), "s3");
        let text = std::fs::read_to_string(ws.layout().accounts_file()).unwrap();
        assert!(!text.contains("s3\""), "{text}");
        let unknown = ws.find("Staging").unwrap_err();
        assert_eq!(unknown.code(), "unknown-account");
        assert!(unknown.to_string().contains("Production org"), "{unknown}");
    }

    #[test]
    fn two_accounts_with_one_label_must_be_named_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        let a = ws.save("Ops", "aaaa1111", Endpoints::default(), Sensitive::new("a".into()), false).unwrap();
        let b = ws.save("ops", "bbbb2222", Endpoints::default(), Sensitive::new("b".into()), false).unwrap();
        let e = ws.find("OPS").unwrap_err();
        assert_eq!(e.code(), "ambiguous-account");
        assert!(e.to_string().contains(&a.id) && e.to_string().contains(&b.id), "{e}");
    }

    /// A keyring that refuses every write, as one without a Secret Service does.
    #[derive(Debug)]
    struct Refusing;
    impl lifeboat_secrets::SecretBackend for Refusing {
        fn get(&self, _: &lifeboat_secrets::SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
            Ok(None)
        }
        fn set(&self, _: &lifeboat_secrets::SecretKey, _: &Sensitive<String>) -> Result<(), SecretError> {
            Err(SecretError::Unavailable { detail: "no Secret Service".into() })
        }
        fn delete(&self, _: &lifeboat_secrets::SecretKey) -> Result<(), SecretError> {
            Ok(())
        }
        fn probe(&self) -> Result<(), SecretError> {
            Err(SecretError::Unavailable { detail: "no Secret Service".into() })
        }
        fn persistence(&self) -> lifeboat_secrets::Persistence {
            lifeboat_secrets::Persistence::OsKeyring
        }
    }

    #[test]
    fn when_the_keyring_refuses_the_profile_is_taken_back() {
        let dir = tempfile::tempdir().unwrap();
        let layout = DataLayout::new(dir.path().join("data"), dir.path().join("config"));
        let ws = Workspace::new(layout.clone(), SecretStore::new(Refusing));
        let e = ws.save("Prod", "client-1", Endpoints::default(), Sensitive::new("s".into()), false).unwrap_err();
        assert!(e.retryable(), "the dialog offers to keep it for this session only");
        assert!(ws.profiles().is_empty());
        assert!(Workspace::new(layout, SecretStore::new(MemoryBackend::default())).profiles().is_empty());
        let kept = ws.save("Prod", "client-1", Endpoints::default(), Sensitive::new("s".into()), true).unwrap();
        assert_eq!(ws.secret(&kept.id).unwrap().expose(), "s", "a session-only secret lives in memory");
    }

    #[test]
    fn a_profile_whose_key_left_the_keyring_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        let p = ws.save("Prod", "client-1", Endpoints::default(), Sensitive::new("s".into()), false).unwrap();
        ws.secrets.forget_api_secret(&p.id).unwrap();
        assert_eq!(ws.client(&p.id).unwrap_err().code(), "secret-missing");
        assert_eq!(ws.client("nope").unwrap_err().code(), "not-found");
    }

    #[test]
    fn revoked_keys_are_tracked_until_they_work_again() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        ws.set_revoked("a", true);
        assert!(ws.is_revoked("a"));
        ws.set_revoked("a", false);
        assert!(!ws.is_revoked("a"));
    }
}
