//! Commands for snapshots and jobs. Each job gets its own `ipc::Channel`: the whole job state is pushed on every
//! change, so the window never merges partial events and a reloaded window re-attaches with `watch_job`.

use lifeboat_engine::jobs::{CloneOptions, RestorePlan, StartError};
use lifeboat_engine::{JobEvent, JobState, SnapshotTimeline};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::watch;
use ts_rs::TS;

use crate::error::CommandError;
use crate::state::AppState;

/// A started job.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JobStarted {
    /// The job's id.
    job_id: String,
}

/// The one-time login of a new instance.
#[derive(Serialize, TS)]
pub struct RevealedLogin {
    username: String,
    password: String,
}

impl From<StartError> for CommandError {
    fn from(e: StartError) -> Self {
        CommandError::new(e.code(), e.to_string(), e.retryable())
    }
}

/// [`forward`] for a job that overwrites an instance (snapshot restore, file restore, data import): the safety
/// snapshot it may take changes the instance's snapshot list, so the cached list is read again.
pub async fn forward_overwrite(
    backend: &lifeboat_engine::accounts::OpenAccount,
    rx: watch::Receiver<JobState>,
    channel: Channel<JobEvent>,
) -> JobStarted {
    let instance_id = rx.borrow().instance_id.clone();
    backend.snapshots.forget_instance(&instance_id).await;
    forward(rx, channel)
}

/// Pushes every state of a job into the channel until the job ends or the window goes away.
pub fn forward(mut rx: watch::Receiver<JobState>, channel: Channel<JobEvent>) -> JobStarted {
    let job_id = rx.borrow().id.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let state = rx.borrow_and_update().clone();
            let finished = state.outcome.is_some();
            if channel.send(JobEvent::Update(Box::new(state))).is_err() || finished {
                break;
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
    JobStarted { job_id }
}

/// Refuses an empty id with a plain message (the UI should never send one).
pub fn required(value: &str, what: &str) -> Result<(), CommandError> {
    if value.trim().is_empty() {
        return Err(CommandError::new("invalid-input", format!("No {what} was chosen."), false));
    }
    Ok(())
}

#[tauri::command]
pub async fn list_snapshots(
    state: State<'_, AppState>,
    instance_id: String,
    refresh: bool,
) -> Result<SnapshotTimeline, CommandError> {
    required(&instance_id, "instance")?;
    let b = state.backend()?;
    let mut timeline = b.snapshots.timeline(&b.client, &instance_id, refresh).await?;
    timeline.mark_safety_snapshots(&b.jobs.safety_snapshot_ids(&instance_id));
    Ok(timeline)
}

#[tauri::command]
pub async fn take_snapshot(
    state: State<'_, AppState>,
    instance_id: String,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    required(&instance_id, "instance")?;
    let rx = state.backend()?.jobs.start_snapshot(&instance_id).await?;
    Ok(forward(rx, on_event))
}

#[tauri::command]
pub async fn prepare_restore(
    state: State<'_, AppState>,
    instance_id: String,
    snapshot_id: String,
) -> Result<RestorePlan, CommandError> {
    required(&instance_id, "instance")?;
    required(&snapshot_id, "snapshot")?;
    Ok(state.backend()?.jobs.plan_restore(&instance_id, &snapshot_id).await?)
}

#[tauri::command]
pub async fn restore_snapshot(
    state: State<'_, AppState>,
    token: String,
    safety_snapshot: bool,
    reason: Option<String>,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    let b = state.backend()?;
    let rx = b.jobs.start_restore(&token, safety_snapshot, reason).await?;
    Ok(forward_overwrite(&b, rx, on_event).await)
}

#[tauri::command]
pub async fn clone_options(state: State<'_, AppState>, instance_id: String) -> Result<CloneOptions, CommandError> {
    required(&instance_id, "instance")?;
    Ok(state.backend()?.jobs.clone_options(&instance_id).await?)
}

#[tauri::command]
#[allow(clippy::too_many_arguments)] // one per dialog field, as the UI sends them
pub async fn clone_snapshot(
    state: State<'_, AppState>,
    instance_id: String,
    snapshot_id: String,
    name: String,
    tier: String,
    memory: String,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    required(&instance_id, "instance")?;
    required(&snapshot_id, "snapshot")?;
    let rx = state.backend()?.jobs.start_clone(&instance_id, &snapshot_id, &name, &tier, &memory).await?;
    Ok(forward(rx, on_event))
}

/// The one place a secret crosses to the window: a new instance's password, shown once as Aura does.
#[tauri::command]
pub async fn reveal_clone_password(state: State<'_, AppState>, job_id: String) -> Result<RevealedLogin, CommandError> {
    let login = state.backend()?.jobs.reveal_clone_login(&job_id)?;
    Ok(RevealedLogin { username: login.user, password: login.password.expose().clone() })
}

#[tauri::command]
pub async fn list_jobs(state: State<'_, AppState>) -> Result<Vec<JobState>, CommandError> {
    Ok(state.backend()?.jobs.list())
}

#[tauri::command]
pub async fn watch_job(
    state: State<'_, AppState>,
    job_id: String,
    on_event: Channel<JobEvent>,
) -> Result<JobState, CommandError> {
    let rx = state
        .backend()?
        .jobs
        .watch(&job_id)
        .ok_or_else(|| CommandError::new("not-found", "This operation is no longer known to Lifeboat.", false))?;
    let current = rx.borrow().clone();
    forward(rx, on_event);
    Ok(current)
}

/// "Try again" for an operation Aura was found not to have started (its error code is `not-started`); the first
/// confirmation still stands because nothing happened.
#[tauri::command]
pub async fn retry_job(
    state: State<'_, AppState>,
    job_id: String,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    required(&job_id, "operation")?;
    let b = state.backend()?;
    let rx = b.jobs.retry(&job_id).await?;
    Ok(forward_overwrite(&b, rx, on_event).await)
}
