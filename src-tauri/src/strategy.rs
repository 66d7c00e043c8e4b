//! Commands for the backup strategy: recovery objectives, readiness, copy schedules and the OS scheduler's entry.
//! Glue only: every rule, word and file lives in `lifeboat_engine::strategy`, so the window says what
//! `lifeboat status` and `lifeboat schedule` say. While the window is open, [`start_runner`] makes the copies that
//! fall due for every open account (the sandbox's run only this way; real accounts' may also run from the OS
//! scheduler, and a schedule's run lock keeps the two from copying the same slot twice).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lifeboat_engine::accounts::{AccountKind, OpenAccount};
use lifeboat_engine::logins::LoginPersistence;
use lifeboat_engine::strategy::objectives::ObjectivesSaved;
use lifeboat_engine::strategy::os_scheduler::{self, Installed, Invocation, OsScheduler};
use lifeboat_engine::strategy::readiness::{self, Readiness};
use lifeboat_engine::strategy::schedule::{self, AccountRef, Cadence, RunRecord, Schedule, TimeOfDay, Weekday};
use lifeboat_engine::strategy::{
    copies, Home, Notifier, Objectives, ObjectivesChange, ObjectivesError, ScheduleError, Scope,
};
use lifeboat_engine::JobEvent;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State, WebviewWindow};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::error::CommandError;
use crate::jobs::{forward, required, JobStarted};
use crate::state::AppState;

impl From<ObjectivesError> for CommandError {
    fn from(e: ObjectivesError) -> Self {
        let retryable = !matches!(e.code(), "invalid-input" | "nothing-to-change");
        CommandError::new(e.code(), e.to_string(), retryable)
    }
}

impl From<ScheduleError> for CommandError {
    fn from(e: ScheduleError) -> Self {
        let retryable = matches!(e.code(), "schedules-read" | "schedules-write" | "folder-unusable");
        CommandError::new(e.code(), e.to_string(), retryable)
    }
}

impl From<os_scheduler::SchedulerError> for CommandError {
    fn from(e: os_scheduler::SchedulerError) -> Self {
        CommandError::new(
            e.code(),
            format!("{e} The schedule itself is saved; until this works, copies are made only while Lifeboat is open."),
            true,
        )
    }
}

/// One schedule as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    /// Its name (unique on this computer).
    name: String,
    instance_id: String,
    instance_name: String,
    /// "every day at 02:00".
    description: String,
    /// `daily` or `weekly`.
    every: String,
    /// The weekday of a weekly schedule (`mon` … `sun`).
    on: Option<String>,
    /// `HH:MM` in this computer's time zone.
    at: String,
    keep: u32,
    folder: String,
    /// The OS scheduler runs it with the window closed.
    unattended: bool,
    /// It belongs to the practice sandbox, which exists only while the app is open.
    practice: bool,
    last_run: Option<RunRecord>,
    last_success: Option<RunRecord>,
    next_run_at: String,
    /// The next run on the schedule's wall clock ("Wed 2 Dec 02:00").
    next_run: String,
}

impl ScheduleView {
    fn of(scope: &Scope, s: &Schedule, now: OffsetDateTime) -> Self {
        let state = schedule::run_state(&scope.dir, &s.id);
        let next = s.next_after(now);
        let (every, on) = match s.cadence {
            Cadence::Daily => ("daily", None),
            Cadence::Weekly { on } => ("weekly", Some(on.name()[..3].to_lowercase())),
        };
        Self {
            name: s.name.clone(),
            instance_id: s.instance_id.clone(),
            instance_name: s.instance_name.clone(),
            description: s.describe(),
            every: every.into(),
            on,
            at: s.at.to_string(),
            keep: s.keep,
            folder: s.folder.to_string_lossy().into_owned(),
            unattended: s.unattended,
            practice: scope.is_sandbox(),
            last_run: state.last_run,
            last_success: state.last_success,
            next_run_at: next.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            next_run: s.wall_clock(next),
        }
    }
}

/// What the "Set up copies" dialog sends.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    instance_id: String,
    /// `1d` or `1w`.
    every: String,
    /// For a weekly schedule: `mon` … `sun` (default Monday).
    on: Option<String>,
    /// `HH:MM`, this computer's time zone.
    at: String,
    keep: u32,
    folder: String,
    /// Also write the OS scheduler's entry, so copies are made with the window closed.
    install: bool,
}

/// A schedule saved, and what became of the OS scheduler's entry when it was asked for.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleSaved {
    schedule: ScheduleView,
    os_entry: Option<Installed>,
    /// Why the entry was not written although asked for (the sandbox, a session-only key or login).
    not_installed: Option<String>,
}

/// This computer's account folders, with the shown account's.
fn home(state: &AppState, account: &OpenAccount) -> Result<Home, CommandError> {
    Ok(Home::for_app(state.workspace()?.layout(), Some(&account.id)))
}

fn scope_of(state: &AppState, account: &OpenAccount) -> Result<Scope, CommandError> {
    Ok(Scope { id: account.id.clone(), dir: state.workspace()?.layout().account_journals(&account.id) })
}

/// The OS scheduler's entry for every unattended schedule on this computer, written (or removed) again.
fn sync_os_entry(state: &AppState, home: &Home) -> Result<Installed, CommandError> {
    let layout = state.workspace()?.layout();
    let invocation = Invocation::run_due(os_scheduler::cli_program(), &layout.cli_dir(), Some(layout.data_dir()));
    Ok(os_scheduler::sync(home, &OsScheduler::for_this_computer(), &invocation)?)
}

/// Why copies of this account's instance cannot run with the window closed, if they cannot.
fn unattended_refusal(state: &AppState, account: &OpenAccount, instance_id: &str) -> Option<String> {
    if account.kind == AccountKind::Sandbox {
        return Some(
            "The practice sandbox exists only while Lifeboat is open, so its copies are made while the app runs."
                .into(),
        );
    }
    let profile = state.workspace().ok()?.profile(&account.id)?;
    if profile.session_only {
        return Some(format!(
            "The API key of {} is kept for this session only, so the system scheduler could not sign in. Copies are made while Lifeboat is open; reconnect the account and keep its key to run them with Lifeboat closed.",
            profile.label
        ));
    }
    match account.logins.status(instance_id) {
        Ok(Some((_, LoginPersistence::Keyring))) => None,
        Ok(Some(_)) => Some("The database login of this instance is kept for this session only, so a copy made with Lifeboat closed could not read the data. Save the login in the keyring to run copies with Lifeboat closed.".into()),
        Ok(None) => Some("Copies read the data with the instance's database login, and none is saved. Save the login first (Database login), then turn this on.".into()),
        Err(e) => Some(format!("The system keyring did not answer ({}), so copies are made while Lifeboat is open.", e.user_message())),
    }
}

#[tauri::command]
pub async fn get_objectives(
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<Option<Objectives>, CommandError> {
    required(&instance_id, "instance")?;
    let account = state.backend()?;
    Ok(home(&state, &account)?.objectives_of(&instance_id).map(|(_, o)| o))
}

/// Changes an instance's objectives (each kept, set or cleared); the change is recorded in the history.
#[tauri::command]
pub async fn set_objectives(
    state: State<'_, AppState>,
    instance_id: String,
    change: ObjectivesChange,
) -> Result<ObjectivesSaved, CommandError> {
    required(&instance_id, "instance")?;
    if change == ObjectivesChange::default() {
        return Err(ObjectivesError::Nothing.into());
    }
    let account = state.backend()?;
    let instance = account.client.get_instance(&instance_id).await?;
    let scope = scope_of(&state, &account)?;
    Ok(home(&state, &account)?.set_objectives(
        &scope,
        &instance.id,
        &instance.name,
        &change,
        OffsetDateTime::now_utc(),
    )?)
}

/// Could the instance be recovered within its objectives, now? Four checks, each with its fix.
#[tauri::command]
pub async fn get_readiness(state: State<'_, AppState>, instance_id: String) -> Result<Readiness, CommandError> {
    required(&instance_id, "instance")?;
    let account = state.backend()?;
    let instance = account.client.get_instance(&instance_id).await?.into();
    let home = home(&state, &account)?;
    Ok(readiness::gather(&account.client, &account.snapshots, &home, &instance, OffsetDateTime::now_utc()).await?)
}

#[tauri::command]
pub async fn list_schedules(
    state: State<'_, AppState>,
    instance_id: Option<String>,
) -> Result<Vec<ScheduleView>, CommandError> {
    let account = state.backend()?;
    let now = OffsetDateTime::now_utc();
    Ok(home(&state, &account)?
        .schedules()
        .into_iter()
        .filter(|(_, s)| instance_id.as_deref().is_none_or(|id| s.instance_id == id))
        .map(|(scope, s)| ScheduleView::of(&scope, &s, now))
        .collect())
}

/// Saves a copy schedule for an instance of the shown account (and, when asked and possible, the OS scheduler's
/// entry). Nothing is saved when any part of the request is wrong.
#[tauri::command]
pub async fn add_schedule(state: State<'_, AppState>, request: ScheduleRequest) -> Result<ScheduleSaved, CommandError> {
    required(&request.instance_id, "instance")?;
    let on = request.on.as_deref().filter(|d| !d.is_empty()).map(Weekday::parse).transpose()?;
    let cadence = Cadence::parse(&request.every, on)?;
    let at = TimeOfDay::parse(&request.at)?;
    if request.keep == 0 || request.keep > schedule::MAX_KEEP {
        return Err(ScheduleError::BadKeep.into());
    }
    if request.folder.trim().is_empty() {
        return Err(CommandError::new("invalid-input", "Choose a folder for the copies. Nothing was changed.", false));
    }
    let folder = PathBuf::from(request.folder.trim());
    schedule::check_folder(&folder)?;
    let account = state.backend()?;
    let instance = account.client.get_instance(&request.instance_id).await?;
    let refusal = if request.install { unattended_refusal(&state, &account, &instance.id) } else { None };
    let home = home(&state, &account)?;
    let name = schedule::unique_name(&schedule::default_name(&instance.name, cadence), &home.schedule_names());
    let profile = state.workspace()?.profile(&account.id);
    let account_ref = AccountRef {
        label: account.label(),
        client_id: profile.as_ref().map(|p| p.client_id.clone()).unwrap_or_default(),
        endpoints: account.client.endpoints().clone(),
        keyring_account: (account.kind == AccountKind::Aura).then(|| account.id.clone()),
    };
    let s = Schedule {
        id: schedule::new_id(),
        name,
        instance_id: instance.id.clone(),
        instance_name: instance.name.clone(),
        cadence,
        at,
        time_zone: schedule::system_time_zone(),
        keep: request.keep,
        folder,
        unattended: request.install && refusal.is_none(),
        account: account_ref,
        created_at: OffsetDateTime::now_utc(),
    };
    let scope = scope_of(&state, &account)?;
    schedule::add(&scope.dir, &s)?;
    let os_entry = if s.unattended { Some(sync_os_entry(&state, &home)?) } else { None };
    Ok(ScheduleSaved {
        schedule: ScheduleView::of(&scope, &s, OffsetDateTime::now_utc()),
        os_entry,
        not_installed: refusal,
    })
}

/// Turns "run with Lifeboat closed" on or off for a schedule, and writes the OS scheduler's entry again.
#[tauri::command]
pub async fn set_schedule_unattended(
    state: State<'_, AppState>,
    name: String,
    unattended: bool,
) -> Result<ScheduleSaved, CommandError> {
    required(&name, "schedule")?;
    let account = state.backend()?;
    let home = home(&state, &account)?;
    let (scope, current) = home.schedule_named(&name)?;
    if unattended {
        if let Some(why) = unattended_refusal(&state, &account, &current.instance_id) {
            return Err(CommandError::new("cannot-run-unattended", format!("{why} Nothing was changed."), false));
        }
    }
    let changed = schedule::set_unattended(&scope.dir, &name, unattended)?;
    let os_entry = sync_os_entry(&state, &home)?;
    Ok(ScheduleSaved {
        schedule: ScheduleView::of(&scope, &changed, OffsetDateTime::now_utc()),
        os_entry: Some(os_entry),
        not_installed: None,
    })
}

/// Removes a schedule; the copies it made stay where they are.
#[tauri::command]
pub async fn remove_schedule(state: State<'_, AppState>, name: String) -> Result<Option<Installed>, CommandError> {
    required(&name, "schedule")?;
    let account = state.backend()?;
    let home = home(&state, &account)?;
    let (scope, _) = home.schedule_named(&name)?;
    let removed = schedule::remove(&scope.dir, &name)?;
    if removed.unattended {
        return Ok(Some(sync_os_entry(&state, &home)?));
    }
    Ok(None)
}

/// Makes a schedule's copy now, as a job (verified, then older copies beyond "keep" pruned).
#[tauri::command]
pub async fn run_schedule<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    required(&name, "schedule")?;
    let account = state.backend()?;
    let (scope, s) = home(&state, &account)?.schedule_named(&name)?;
    if scope.id != account.id {
        return Err(CommandError::new(
            "other-account",
            format!("The schedule {name} copies an instance of another account. Switch to that account to run it now."),
            false,
        ));
    }
    let running = copies::begin(&account.jobs, &scope, &s, None)
        .map_err(|report| CommandError::new("busy", report.message, true))?;
    let started = forward(running.receiver(), on_event);
    tauri::async_runtime::spawn(async move {
        running.finish(&crate::notify::Desktop::new(app)).await;
    });
    Ok(started)
}

/// The native "choose a folder" dialog for the copies. `None` when cancelled. The end-to-end tests' automation
/// flag answers with its folder, as a user choosing it would.
#[tauri::command]
pub async fn choose_copies_folder<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
) -> Result<Option<String>, CommandError> {
    if let Some(dir) = crate::files::automation_save_dir() {
        return Ok(Some(dir.to_string_lossy().into_owned()));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new().set_title("Choose a folder for the copies").set_parent(&window);
        let picked = dialog.pick_folder();
        tauri::async_runtime::spawn(async move {
            let _ = tx.send(picked.await.map(|f| f.path().to_string_lossy().into_owned()));
        });
    })
    .map_err(|e| CommandError::new("dialog", format!("The folder dialog could not open ({e}). Try again."), true))?;
    rx.await.map_err(|_| CommandError::new("dialog", "The folder dialog closed unexpectedly. Try again.", true))
}

/// How often the open window looks for copies that fall due.
const RUNNER_TICK: Duration = Duration::from_secs(60);

/// While the app runs: every minute, makes the copies that are due for every open account, one after another.
/// Failed and missed runs are recorded in the history and notified by the engine.
pub fn start_runner<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(RUNNER_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let state = app.state::<AppState>();
            let Ok(workspace) = state.workspace() else { continue };
            let notifier = crate::notify::Desktop::new(app.clone());
            for account in workspace.open_accounts() {
                let scope = Scope { id: account.id.clone(), dir: workspace.layout().account_journals(&account.id) };
                let jobs: Arc<lifeboat_engine::JobManager> = account.jobs.clone();
                let notifier: &dyn Notifier = &notifier;
                copies::run_due(&scope, OffsetDateTime::now_utc(), notifier, |_| Ok(jobs.clone())).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_refusals_keep_their_code() {
        let e: CommandError = ScheduleError::BadKeep.into();
        assert_eq!((e.code.as_str(), e.retryable), ("invalid-input", false));
        let e: CommandError = ScheduleError::NotFound("x".into()).into();
        assert_eq!(e.code, "not-found");
        let e: CommandError = ObjectivesError::Nothing.into();
        assert!(!e.retryable, "{e:?}");
    }
}
