//! Long operations (snapshot, restore, new instance from snapshot, restore from a file, restore test) as jobs: each
//! a tokio task that reports its whole [`JobState`] through a `watch` channel and journals it atomically after every
//! change.
//!
//! Why `watch`: a window that reloads, or a second window, subscribes and gets the latest state at once, without
//! replaying history. Why a journal: an app restart finds unfinished jobs and resumes watching them (the work
//! itself runs in Aura; only the watching was interrupted). When a job ends, it is recorded for good in the
//! account's [history](crate::history).

mod copy;
mod export;
mod graph;
mod guard;
mod harness;
mod operations;
mod plans;
mod precheck;
mod resume;
mod retry;
mod settle;
mod state;
mod upload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;
use time::OffsetDateTime;
use tokio::sync::watch;
use ts_rs::TS;

pub use export::ExportSink;
pub use graph::GraphImportPlan;
pub use harness::utc_label;
pub use lifeboat_upload::ResumableUpload;
pub use plans::{Choice, CloneOptions, FileRestorePlan, RestorePlan};
pub use precheck::{safety_offer, SafetyOffer};
pub use settle::NOT_STARTED;
pub(crate) use state::new_job_id;
pub use state::{
    InstanceSeen, ItemProgress, JobError, JobEvent, JobKind, JobResult, JobState, Outcome, Step, StepId, StepState,
    TransferProgress, WaitKind, Waiting,
};

use crate::api::{ApiError, AuraClient};
use crate::atomic::write_atomically;
use crate::confirm::{ConfirmError, Confirmations, ConfirmedAction};
use crate::history::{self, HistoryEntry, HistoryError, HistoryFilter};
use crate::verify::{DbLogin, QueryClient};

/// Jobs kept in the journal directory (older ones are pruned; the history keeps the long record).
const KEEP_JOBS: usize = 100;

/// Where database logins come from and go to (the OS keyring in the app; memory in the sandbox and tests).
pub trait LoginStore: Send + Sync {
    /// The login for an instance, if one is saved.
    fn login(&self, instance_id: &str) -> Option<DbLogin>;
    /// Saves a login (a new instance's one-time password).
    fn remember(&self, instance_id: &str, login: DbLogin) -> Result<(), String>;
    /// Forgets the login of an instance that no longer exists (a deleted restore-test instance). Best effort: a
    /// store that cannot forget keeps a login nobody can use.
    fn discard(&self, _instance_id: &str) {}
}

/// Logins held in memory only.
#[derive(Default)]
pub struct MemoryLogins(Mutex<HashMap<String, DbLogin>>);

impl MemoryLogins {
    /// Forgets a login.
    pub fn forget(&self, instance_id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(instance_id);
    }
}

impl LoginStore for MemoryLogins {
    fn login(&self, instance_id: &str) -> Option<DbLogin> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(instance_id).cloned()
    }

    fn remember(&self, instance_id: &str, login: DbLogin) -> Result<(), String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(instance_id.to_owned(), login);
        Ok(())
    }

    fn discard(&self, instance_id: &str) {
        self.forget(instance_id);
    }
}

/// How a job failed to start.
#[derive(Debug, Error)]
pub enum StartError {
    /// The confirmation token was missing, used or lapsed.
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    /// Aura refused before anything started.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request makes no sense (e.g. cloning a snapshot that is not exportable).
    #[error("{0}")]
    Invalid(String),
    /// The one-time password was shown already (or never existed).
    #[error("The password was shown once already and is saved in your system keyring.")]
    AlreadyShown,
    /// The data export file to import cannot be used.
    #[error(transparent)]
    GraphFile(#[from] crate::graph_export::GraphFileError),
    /// The instance is in the middle of another operation (or cannot take this one now); says which and what to do.
    #[error("{0}")]
    Busy(String),
}

impl StartError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Confirm(e) => e.code(),
            Self::Api(e) => e.code(),
            Self::Invalid(_) => "invalid-input",
            Self::AlreadyShown => "already-shown",
            Self::GraphFile(e) => e.code(),
            Self::Busy(_) => "instance-busy",
        }
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Api(e) => e.retryable(),
            Self::GraphFile(e) => matches!(e, crate::graph_export::GraphFileError::Unreadable(_)),
            Self::Busy(_) => true,
            _ => false,
        }
    }
}

/// Why a restore test's instance was not deleted.
#[derive(Debug, Error)]
pub enum DrillError {
    /// No restore test with this id is known (in the journal or the history).
    #[error("Lifeboat does not know this restore test any more, so it deletes nothing. Delete the test instance in the Aura console if it still exists.")]
    NotFound,
    /// The job is not a restore test: Lifeboat deletes only instances its own restore tests created.
    #[error(
        "This operation is not a restore test. Lifeboat deletes only the temporary instances of its restore tests."
    )]
    NotADrill,
    /// The test is still running.
    #[error("The restore test is still running. Wait until it has finished, then delete its instance.")]
    Running,
    /// The test failed before Aura made an instance.
    #[error("This restore test did not create an instance, so there is nothing to delete.")]
    NoInstance,
    /// It was deleted already.
    #[error("The test instance was deleted already.")]
    AlreadyDeleted,
    /// Aura refused the deletion.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The history could not be read.
    #[error(transparent)]
    History(#[from] HistoryError),
}

impl DrillError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not-found",
            Self::NotADrill => "not-a-drill",
            Self::Running => "drill-running",
            Self::NoInstance => "no-instance",
            Self::AlreadyDeleted => "already-deleted",
            Self::Api(e) => e.code(),
            Self::History(e) => e.code(),
        }
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Api(e) => e.retryable(),
            Self::Running | Self::History(_) => true,
            _ => false,
        }
    }
}

/// The instance a restore test created, now deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeletedInstance {
    /// Its id.
    pub instance_id: String,
    /// Aura's `X-Request-Id` for the deletion, for support.
    pub request_id: Option<String>,
}

/// Called when a job ends (the app sends a desktop notification).
pub type FinishHook = Arc<dyn Fn(&JobState) + Send + Sync>;

/// Finds the recovery objectives of an instance, wherever on this computer they are kept (see
/// [`crate::strategy::Home`]); without one, the manager looks in its own journal directory.
pub type ObjectivesLookup = Arc<dyn Fn(&str) -> Option<crate::strategy::Objectives> + Send + Sync>;

/// Knobs for the job manager.
#[derive(Clone)]
pub struct JobSettings {
    /// Where job journals live.
    pub journal_dir: PathBuf,
    /// Time between status polls. Aura allows 125 requests/min per account: 10 s per job is polite.
    pub poll_interval: Duration,
    /// How long a restore or creation may take before Lifeboat stops watching.
    pub watch_limit: Duration,
}

impl JobSettings {
    /// How often a job asks Aura how it is going. Aura allows 125 requests a minute for a whole account; one
    /// status poll per job every 10 s leaves room for a dozen jobs and the window's own reads.
    pub const AURA_POLL: Duration = Duration::from_secs(10);
    /// The sandbox answers from this computer: it is polled more often, so practice feels like the real thing.
    pub const SANDBOX_POLL: Duration = Duration::from_secs(2);
    /// The sandbox on its fast clock (the tests'): a restore takes a fraction of a second.
    pub const FAST_SANDBOX_POLL: Duration = Duration::from_millis(200);
    /// Restores of large databases can take hours; Lifeboat stops watching only after a working day (the job
    /// then says so and Aura carries on).
    pub const WATCH_LIMIT: Duration = Duration::from_secs(8 * 3600);

    /// The policy for an Aura account whose journals live in `journal_dir`.
    pub fn new(journal_dir: impl Into<PathBuf>) -> Self {
        Self { journal_dir: journal_dir.into(), poll_interval: Self::AURA_POLL, watch_limit: Self::WATCH_LIMIT }
    }

    /// The same, polling at another interval (the sandbox, or a test's `LIFEBOAT_POLL_MS`).
    pub fn polling_every(self, poll_interval: Duration) -> Self {
        Self { poll_interval, ..self }
    }

    /// The pause before the next status poll of an operation watched for `elapsed`: the poll interval at first,
    /// then one more interval for every 5 s it has lasted, up to [`Self::AURA_POLL`] (never beyond the interval
    /// itself). A quick operation is seen to end at once; a long one is not asked about every two seconds for
    /// minutes — three jobs watched in the practice sandbox stay within the app's budget of 30 requests a minute.
    pub fn pause_after(&self, elapsed: Duration) -> Duration {
        let slowest = self.poll_interval.max(Self::AURA_POLL);
        let steps = u32::try_from(elapsed.as_secs() / 5).unwrap_or(u32::MAX).saturating_add(1);
        self.poll_interval.saturating_mul(steps).min(slowest)
    }
}

/// Starts, tracks and journals jobs. Shared behind an `Arc`.
pub struct JobManager {
    pub(crate) client: AuraClient,
    pub(crate) query: Option<QueryClient>,
    pub(crate) logins: Arc<dyn LoginStore>,
    pub(crate) settings: JobSettings,
    confirmations: Confirmations,
    jobs: Mutex<HashMap<String, watch::Sender<JobState>>>,
    reveals: Mutex<HashMap<String, DbLogin>>,
    on_finish: Mutex<Option<FinishHook>>,
    objectives: Mutex<Option<ObjectivesLookup>>,
    cancels: Mutex<HashMap<String, lifeboat_upload::CancellationToken>>,
    journal_writer: std::sync::mpsc::Sender<JournalWrite>,
    /// Open guided snapshot exports (see [`crate::exports`]).
    exports: export::Sessions,
}

/// One journal file to write, and whom to tell when it is on disk.
struct JournalWrite {
    path: PathBuf,
    bytes: Vec<u8>,
    ack: Option<std::sync::mpsc::SyncSender<()>>,
}

/// Writes journal files one after another on a thread of its own, until the manager is dropped.
fn spawn_journal_writer() -> std::sync::mpsc::Sender<JournalWrite> {
    let (tx, rx) = std::sync::mpsc::channel::<JournalWrite>();
    let spawned = std::thread::Builder::new().name("lifeboat-journal".into()).spawn(move || {
        for write in rx {
            if let Err(e) = write_atomically(&write.path, &write.bytes) {
                tracing::warn!(path = %write.path.display(), "could not write the job journal: {e}");
            }
            if let Some(ack) = write.ack {
                let _ = ack.send(());
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("could not start the journal writer: {e}");
    }
    tx
}

impl JobManager {
    /// A manager for one account. Loads earlier jobs from the journal; call [`JobManager::resume_unfinished`]
    /// to pick up the ones an earlier run left open.
    pub fn new(client: AuraClient, logins: Arc<dyn LoginStore>, settings: JobSettings) -> Arc<Self> {
        let query = QueryClient::new(client.endpoints()).ok();
        let manager = Arc::new(Self {
            client,
            query,
            logins,
            settings,
            confirmations: Confirmations::new(),
            jobs: Mutex::new(HashMap::new()),
            reveals: Mutex::new(HashMap::new()),
            on_finish: Mutex::new(None),
            objectives: Mutex::new(None),
            cancels: Mutex::new(HashMap::new()),
            journal_writer: spawn_journal_writer(),
            exports: export::Sessions::default(),
        });
        manager.load_journal();
        manager
    }

    /// Sets what happens when any job ends.
    pub fn on_finish(&self, hook: FinishHook) {
        *self.on_finish.lock().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// Sets where the objectives recorded with a finished restore or restore test come from.
    pub fn objectives_from(&self, lookup: ObjectivesLookup) {
        *self.objectives.lock().unwrap_or_else(|p| p.into_inner()) = Some(lookup);
    }

    /// The API client jobs use.
    pub fn client(&self) -> &AuraClient {
        &self.client
    }

    /// The saved database login of an instance.
    pub fn login(&self, instance_id: &str) -> Option<DbLogin> {
        self.logins.login(instance_id)
    }

    /// Every known job, newest first.
    pub fn list(&self) -> Vec<JobState> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<JobState> = jobs.values().map(|tx| tx.borrow().clone()).collect();
        all.sort_by(|a, b| b.id.cmp(&a.id));
        all
    }

    /// Subscribes to a job: the receiver holds its current state at once, then every change.
    pub fn watch(&self, job_id: &str) -> Option<watch::Receiver<JobState>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(job_id).map(|tx| tx.subscribe())
    }

    /// Step one of a restore: the confirmation dialog opened. Returns the one-time token.
    pub fn prepare_restore(&self, instance_id: &str, snapshot_id: &str) -> String {
        self.confirmations.issue(ConfirmedAction::RestoreSnapshot {
            instance_id: instance_id.to_owned(),
            snapshot_id: snapshot_id.to_owned(),
        })
    }

    /// Takes an on-demand snapshot and watches it to the end.
    pub async fn start_snapshot(self: &Arc<Self>, instance_id: &str) -> Result<watch::Receiver<JobState>, StartError> {
        let instance = self.client.get_instance(instance_id).await?;
        self.refuse_snapshot_if_busy(&instance)?;
        let state = JobState::new(
            JobKind::Snapshot,
            &instance.id,
            &instance.name,
            format!("Snapshot of {}", instance.name),
            operations::SNAPSHOT_STEPS,
        );
        Ok(self.spawn(state, |job| async move { operations::snapshot(job).await }))
    }

    /// Restores a snapshot over its instance. Needs the token from [`JobManager::prepare_restore`].
    pub async fn start_restore(
        self: &Arc<Self>,
        token: &str,
        safety_snapshot: bool,
        reason: Option<String>,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        // A token confirms one kind of action only: a file-restore token cannot start a snapshot restore.
        let ConfirmedAction::RestoreSnapshot { instance_id, snapshot_id } = self.confirmations.redeem(token)? else {
            return Err(ConfirmError::NotConfirmed.into());
        };
        let instance = self.client.get_instance(&instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let snapshot = self.client.get_snapshot(&instance_id, &snapshot_id).await?;
        if snapshot.status != crate::api::SnapshotStatus::Completed {
            return Err(StartError::Invalid(
                "This snapshot did not complete, so it cannot be restored. Choose a snapshot marked Completed.".into(),
            ));
        }
        let mut state = JobState::new(
            JobKind::Restore,
            &instance.id,
            &instance.name,
            format!("Restore {} to the snapshot of {}", instance.name, harness::utc_label(snapshot.timestamp)),
            operations::RESTORE_STEPS,
        );
        state.set_snapshot(&snapshot);
        state.data_loss_secs =
            Some(crate::snapshots::data_loss(time::OffsetDateTime::now_utc(), snapshot.timestamp).as_secs());
        state.set_reason(reason);
        if !safety_snapshot {
            harness::skip(&mut state, StepId::SafetySnapshot, "You chose not to take one.");
        }
        precheck::apply(&mut state, &instance);
        let before = instance.status.clone();
        Ok(self.spawn(state, |job| async move { operations::restore(job, before).await }))
    }

    /// Creates a new instance from an exportable snapshot.
    pub async fn start_clone(
        self: &Arc<Self>,
        instance_id: &str,
        snapshot_id: &str,
        name: &str,
        tier: &str,
        memory: &str,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(StartError::Invalid("Give the new instance a name of 1 to 30 characters.".into()));
        }
        let source = self.client.get_instance(instance_id).await?;
        let snapshot = self.client.get_snapshot(instance_id, snapshot_id).await?;
        if !snapshot.exportable {
            return Err(StartError::Invalid(
                "This snapshot cannot be used for a new instance (Aura marks hourly snapshots as not exportable). Choose a daily or on-demand snapshot.".into(),
            ));
        }
        let mut state = JobState::new(
            JobKind::Clone,
            &source.id,
            &source.name,
            format!(
                "New instance “{name}” from {}’s snapshot of {}",
                source.name,
                harness::utc_label(snapshot.timestamp)
            ),
            operations::CLONE_STEPS,
        );
        state.set_snapshot(&snapshot);
        let request = crate::api::CreateInstanceRequest {
            version: source.version.clone().unwrap_or_else(|| "5".into()),
            region: source.region.clone().unwrap_or_default(),
            memory: memory.to_owned(),
            name: name.to_owned(),
            tier: tier.to_owned(),
            tenant_id: source.tenant_id.clone(),
            cloud_provider: source.cloud_provider.clone(),
            storage: None,
            source_instance_id: Some(source.id.clone()),
            source_snapshot_id: Some(snapshot.snapshot_id.clone()),
        };
        Ok(self.spawn(state, move |job| async move { operations::create_from_snapshot(job, request).await }))
    }

    /// Tests a restore without touching the instance: makes a temporary new instance from an exportable snapshot,
    /// times it until it runs, counts its data, and records the measured time to restore in the history. The test
    /// instance stays for the user to look at and delete ([`JobManager::delete_drill_instance`]).
    pub async fn start_drill(
        self: &Arc<Self>,
        instance_id: &str,
        snapshot_id: &str,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        let source = self.client.get_instance(instance_id).await?;
        let snapshot = self.client.get_snapshot(instance_id, snapshot_id).await?;
        if snapshot.status != crate::api::SnapshotStatus::Completed {
            return Err(StartError::Invalid(
                "This snapshot did not complete, so it cannot be tested. Choose a snapshot marked Completed.".into(),
            ));
        }
        if !snapshot.exportable {
            return Err(StartError::Invalid(
                "A restore can be tested only with a snapshot that can be exported (Aura marks hourly snapshots as not exportable). Choose a daily or on-demand snapshot.".into(),
            ));
        }
        let mut state = JobState::new(
            JobKind::Drill,
            &source.id,
            &source.name,
            format!(
                "Test a restore of {} from the snapshot of {}",
                source.name,
                harness::utc_label(snapshot.timestamp)
            ),
            operations::DRILL_STEPS,
        );
        state.set_snapshot(&snapshot);
        const SUFFIX: &str = " restore test";
        let base: String = source.name.chars().take(30 - SUFFIX.len()).collect();
        let request = crate::api::CreateInstanceRequest {
            version: source.version.clone().unwrap_or_else(|| "5".into()),
            region: source.region.clone().unwrap_or_default(),
            // Same size and plan as the source: the point is to measure how long its restore would take.
            memory: source.memory.clone().unwrap_or_else(|| "8GB".into()),
            name: format!("{}{SUFFIX}", base.trim_end()),
            tier: source.tier.clone(),
            tenant_id: source.tenant_id.clone(),
            cloud_provider: source.cloud_provider.clone(),
            storage: None,
            source_instance_id: Some(source.id.clone()),
            source_snapshot_id: Some(snapshot.snapshot_id.clone()),
        };
        Ok(self.spawn(state, move |job| async move { operations::create_from_snapshot(job, request).await }))
    }

    /// Deletes the temporary instance of a finished restore test — exactly the instance that test created, as
    /// recorded in its journal or history, never one the caller names. The deletion is recorded in the history.
    pub async fn delete_drill_instance(&self, job_id: &str) -> Result<DeletedInstance, DrillError> {
        let live = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(job_id).cloned();
        let state = live.as_ref().map(|tx| tx.borrow().clone());
        // The recorded entry first (it carries what only the record adds, such as the objectives that applied).
        let entry = match (&state, history::find(&self.history_path(), job_id)) {
            (_, Ok(e)) => Some(e),
            (Some(s), Err(_)) => HistoryEntry::from_job(s),
            (None, Err(HistoryError::NotFound)) => return Err(DrillError::NotFound),
            (None, Err(e)) => return Err(e.into()),
        };
        if state.as_ref().is_some_and(|s| s.kind != JobKind::Drill) {
            return Err(DrillError::NotADrill);
        }
        let Some(mut entry) = entry else { return Err(DrillError::Running) };
        if entry.kind != JobKind::Drill {
            return Err(DrillError::NotADrill);
        }
        if entry.instance_deleted_at.is_some() {
            return Err(DrillError::AlreadyDeleted);
        }
        let instance_id = match entry.new_instance_id.clone() {
            // Never the source: a test creates a new instance and deletes only that one.
            Some(id) if id != entry.instance_id => id,
            _ => return Err(DrillError::NoInstance),
        };
        let request_id = match self.client.delete_instance(&instance_id).await {
            Ok(a) => a.request_id,
            // Deleted already (in the Aura console): what the user asked for is true.
            Err(ApiError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let now = OffsetDateTime::now_utc();
        if let Some(tx) = live {
            tx.send_modify(|s| {
                s.result.instance_deleted_at = Some(now);
                s.request_ids.extend(request_id.clone());
            });
            self.persist(&tx.borrow());
        }
        entry.instance_deleted_at = Some(now);
        entry.request_ids.extend(request_id.clone());
        // A second line for the same job supersedes the first when read.
        if let Err(e) = history::append(&self.history_path(), &entry) {
            tracing::warn!(job = %job_id, code = e.code(), "could not record the deletion in the history");
        }
        self.logins.discard(&instance_id);
        Ok(DeletedInstance { instance_id, request_id })
    }

    /// This account's history file.
    pub fn history_path(&self) -> std::path::PathBuf {
        history::path_in(&self.settings.journal_dir)
    }

    /// Finished operations of this account that pass `filter`, newest first.
    pub fn history(&self, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>, HistoryError> {
        history::list(&self.history_path(), filter)
    }

    /// The safety snapshots Lifeboat took of an instance before replacing its data: from the history of finished
    /// restores and from the restores under way (whose safety snapshot is in the list before they end).
    pub fn safety_snapshot_ids(&self, instance_id: &str) -> std::collections::HashSet<String> {
        let filter = HistoryFilter { instance_id: Some(instance_id.to_owned()), ..Default::default() };
        let finished = self.history(&filter).unwrap_or_else(|e| {
            tracing::warn!(code = e.code(), "could not read the history to label safety snapshots");
            Vec::new()
        });
        let live = self.list().into_iter().filter(|j| j.instance_id == instance_id && j.kind.overwrites());
        finished
            .into_iter()
            .filter_map(|e| e.safety_snapshot_id)
            .chain(live.filter_map(|j| j.result.snapshot_id))
            .collect()
    }

    /// The history entry of one finished job.
    pub fn history_entry(&self, job_id: &str) -> Result<HistoryEntry, HistoryError> {
        history::find(&self.history_path(), job_id)
    }

    /// Restores an instance from a backup file. Needs the token from [`JobManager::plan_file_restore`] and a saved
    /// database login for the instance (the console protocol signs in with it).
    pub async fn start_file_restore(
        self: &Arc<Self>,
        token: &str,
        safety_snapshot: bool,
        reason: Option<String>,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        let ConfirmedAction::RestoreFile { instance_id, path, backup_time } = self.confirmations.redeem(token)? else {
            return Err(ConfirmError::NotConfirmed.into());
        };
        let login = self.login_for_upload(&instance_id)?;
        let instance = self.client.get_instance(&instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let mut state = self.upload_state(&instance_id, path, "").await?;
        state.set_reason(reason);
        state.backup_time = backup_time;
        state.data_loss_secs = backup_time.map(|t| crate::snapshots::data_loss(OffsetDateTime::now_utc(), t).as_secs());
        if !safety_snapshot {
            harness::skip(&mut state, StepId::SafetySnapshot, "You chose not to take one.");
        }
        precheck::apply(&mut state, &instance);
        Ok(self.spawn_upload(state, login, None))
    }

    /// Uploads that an earlier run left unfinished, newest first.
    pub fn resumable_uploads(&self) -> Vec<ResumableUpload> {
        lifeboat_upload::resumable(&upload::uploads_dir(&self.settings.journal_dir))
    }

    /// Continues an unfinished upload from where Aura acknowledged it (the overwrite was confirmed when it started).
    pub async fn resume_upload(self: &Arc<Self>, upload_id: &str) -> Result<watch::Receiver<JobState>, StartError> {
        let record = self.resumable_uploads().into_iter().find(|u| u.id == upload_id).ok_or_else(|| {
            StartError::Invalid("This upload can no longer be resumed. Start the restore again.".into())
        })?;
        let login = self.login_for_upload(&record.dbid)?;
        let mut state = self.upload_state(&record.dbid, record.file.clone(), " (resumed)").await?;
        harness::skip(&mut state, StepId::CountsBefore, "Counted when the upload started.");
        harness::skip(&mut state, StepId::SafetySnapshot, "Taken (or declined) when the upload started.");
        Ok(self.spawn_upload(state, login, Some(record.id)))
    }

    /// Forgets an unfinished upload (its journal); the file itself is untouched.
    pub fn discard_upload(&self, upload_id: &str) -> Result<(), StartError> {
        lifeboat_upload::discard_resumable(&upload::uploads_dir(&self.settings.journal_dir), upload_id)
            .map_err(|e| StartError::Invalid(e.to_string()))
    }

    /// Cancels a running upload. `false` when there is nothing to cancel.
    pub fn cancel(&self, job_id: &str) -> bool {
        match self.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    async fn upload_state(&self, instance_id: &str, file: PathBuf, note: &str) -> Result<JobState, StartError> {
        let instance = self.client.get_instance(instance_id).await?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut state = JobState::new(
            JobKind::Upload,
            &instance.id,
            &instance.name,
            format!("Restore {} from the file {name}{note}", instance.name),
            upload::UPLOAD_STEPS,
        );
        state.file = Some(file);
        Ok(state)
    }

    fn login_for_upload(&self, instance_id: &str) -> Result<DbLogin, StartError> {
        self.logins.login(instance_id).ok_or_else(|| {
            StartError::Invalid(
                "Lifeboat needs this instance's database user and password to upload a file. Add them, then try again."
                    .into(),
            )
        })
    }

    fn spawn_upload(
        self: &Arc<Self>,
        state: JobState,
        login: DbLogin,
        resume_id: Option<String>,
    ) -> watch::Receiver<JobState> {
        let cancel = lifeboat_upload::CancellationToken::new();
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).insert(state.id.clone(), cancel.clone());
        let id = state.id.clone();
        let manager = Arc::clone(self);
        self.spawn(state, move |job| async move {
            upload::upload(job, login, resume_id, cancel).await;
            manager.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        })
    }

    /// The new instance's password of a finished clone job — once. Later calls are refused.
    pub fn reveal_clone_login(&self, job_id: &str) -> Result<DbLogin, StartError> {
        self.reveals.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id).ok_or(StartError::AlreadyShown)
    }

    pub(crate) fn keep_for_reveal(&self, job_id: &str, login: DbLogin) {
        self.reveals.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.to_owned(), login);
    }

    /// Resumes watching jobs an earlier run left unfinished.
    pub fn resume_unfinished(self: &Arc<Self>) {
        let unfinished: Vec<JobState> = self.list().into_iter().filter(|j| j.outcome.is_none()).collect();
        for state in unfinished {
            let sender = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(&state.id).cloned();
            if let Some(tx) = sender {
                let job = harness::Job { manager: Arc::clone(self), tx };
                tokio::spawn(async move { resume::resume(job).await });
            }
        }
    }

    fn spawn<F, Fut>(self: &Arc<Self>, state: JobState, run: F) -> watch::Receiver<JobState>
    where
        F: FnOnce(harness::Job) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = watch::channel(state.clone());
        self.persist(&state);
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(state.id.clone(), tx.clone());
        tokio::spawn(run(harness::Job { manager: Arc::clone(self), tx }));
        rx
    }

    /// Journals a state. The write (with its fsync, which takes seconds while a large upload fills the disk) runs
    /// on the journal writer thread, never on an async worker: with two workers, one slow fsync stalled every IPC
    /// command of the window. Writes stay in order; a job's final state is waited for, so it is on disk before
    /// anyone hears that the job ended.
    pub(crate) fn persist(&self, state: &JobState) {
        let path = self.settings.journal_dir.join(format!("{}.json", state.id));
        let bytes = match serde_json::to_vec_pretty(state) {
            Ok(bytes) => bytes,
            Err(e) => return tracing::warn!(job = %state.id, "could not encode the job journal: {e}"),
        };
        let (ack, wait) = if state.outcome.is_some() {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        if self.journal_writer.send(JournalWrite { path, bytes, ack }).is_err() {
            return tracing::warn!(job = %state.id, "the job journal writer has stopped");
        }
        if let Some(rx) = wait {
            let _ = rx.recv();
        }
    }

    /// Tells the finish hook (the job is in the journal and the history already).
    pub(crate) fn finished(&self, state: &JobState) {
        let hook = self.on_finish.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(hook) = hook {
            hook(state);
        }
    }

    /// Adds a finished job to the history. A failure is logged, never fatal: the job itself is done, and the next
    /// start adds what is missing from the journal.
    pub(crate) fn record(&self, state: &JobState) {
        let Some(mut entry) = HistoryEntry::from_job(state) else { return };
        // The objectives that applied, so the report can say whether this restore or test met them.
        if matches!(entry.kind, JobKind::Restore | JobKind::Upload | JobKind::GraphImport | JobKind::Drill) {
            let lookup = self.objectives.lock().unwrap_or_else(|p| p.into_inner()).clone();
            entry.objectives = match lookup {
                Some(find) => find(&entry.instance_id),
                None => crate::strategy::objectives::get(&self.settings.journal_dir, &entry.instance_id)
                    .unwrap_or_else(|e| {
                        tracing::warn!(code = e.code(), "could not read the objectives for the history");
                        None
                    }),
            };
        }
        if let Err(e) = history::append(&self.history_path(), &entry) {
            tracing::warn!(job = %state.id, code = e.code(), "could not add the job to the history: {e}");
        }
    }

    fn load_journal(&self) {
        let Ok(entries) = std::fs::read_dir(&self.settings.journal_dir) else { return };
        let mut states: Vec<JobState> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        states.sort_by(|a: &JobState, b| b.id.cmp(&a.id));
        // Before pruning: finished jobs the history lacks (a crash between journal and history) are added now.
        match history::missing(&self.history_path(), &states) {
            Ok(missing) => missing.into_iter().rev().for_each(|s| self.record(s)),
            Err(e) => tracing::warn!(code = e.code(), "could not check the history against the journal"),
        }
        for old in states.iter().skip(KEEP_JOBS) {
            let _ = std::fs::remove_file(self.settings.journal_dir.join(format!("{}.json", old.id)));
        }
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        for state in states.into_iter().take(KEEP_JOBS) {
            let (tx, _) = watch::channel(state.clone());
            jobs.insert(state.id, tx);
        }
    }
}

#[cfg(test)]
mod pace_tests {
    use super::*;

    #[test]
    fn a_long_operation_is_polled_less_often_up_to_auras_pace() {
        let s = |ms| JobSettings::new("/tmp").polling_every(Duration::from_millis(ms));
        let secs = |x| Duration::from_secs(x);
        // The practice sandbox: every 2 s at first, every 10 s once it has lasted 20 s.
        assert_eq!(s(2000).pause_after(secs(0)), secs(2));
        assert_eq!(s(2000).pause_after(secs(7)), secs(4));
        assert_eq!(s(2000).pause_after(secs(20)), secs(10));
        assert_eq!(s(2000).pause_after(secs(3600)), secs(10));
        // Aura itself: every 10 s throughout; the tests' fast clock: fast while it matters.
        assert_eq!(JobSettings::new("/tmp").pause_after(secs(3600)), secs(10));
        assert_eq!(s(200).pause_after(secs(2)), Duration::from_millis(200));
        assert_eq!(s(200).pause_after(secs(10)), Duration::from_millis(600));
    }
}
