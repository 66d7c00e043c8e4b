//! Running schedules: which runs are due, one run at a time per schedule (a lock shared by the window and the OS
//! scheduler's `lifeboat-cli schedule run-due`), the run record, and telling the user when a copy failed or was
//! skipped. The copy itself is a job ([`JobManager::start_scheduled_copy`]), recorded in the history like any.
//!
//! Nothing here needs an OS scheduler: [`run_due`] is called with "now", and tests call it directly.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::lock::FileLock;
use super::schedule::{self, RunRecord, Schedule};
use super::Scope;
use crate::history::{self, HistoryEntry};
use crate::jobs::{JobError, JobKind, JobManager, JobState, Outcome};

/// What a scheduled-copy job (and its history entry) records about the schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CopyFacts {
    /// The schedule's id.
    pub schedule_id: String,
    /// Its name.
    pub schedule_name: String,
    /// The copies folder.
    #[ts(as = "String")]
    pub folder: PathBuf,
    /// How many copies it keeps.
    pub keep: u32,
    /// The scheduled time this run stands for (`None`: started by hand).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub slot: Option<OffsetDateTime>,
    /// The copy was saved under its name.
    #[serde(default)]
    pub saved: bool,
    /// It was read back and its counts and digest matched what was written.
    #[serde(default)]
    pub verified: bool,
    /// Older copies deleted after it.
    #[serde(default)]
    pub pruned: Vec<String>,
    /// For a skipped-runs record: how many runs were missed.
    #[serde(default)]
    pub skipped: u32,
}

#[cfg(test)]
impl CopyFacts {
    pub(crate) fn for_test() -> Self {
        Self { schedule_id: "s1".into(), schedule_name: "production-daily".into(), keep: 14, ..Self::default() }
    }
}

/// Who hears about failed and skipped copies: the desktop notification in the app and from `lifeboat-cli`, a
/// recorder in tests.
pub trait Notifier: Send + Sync {
    /// Shows one notification.
    fn notify(&self, summary: &str, body: &str);
}

/// Tells nobody.
pub struct Silent;

impl Notifier for Silent {
    fn notify(&self, _summary: &str, _body: &str) {}
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunOutcome {
    /// A verified copy was saved.
    Copied,
    /// No copy was made.
    Failed,
    /// Runs were missed (the computer was off).
    Skipped,
    /// Another run of this schedule was under way; nothing was done.
    Busy,
}

/// One run, or one set of missed runs, as the command line and the window report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// The schedule.
    pub schedule: String,
    /// Its instance.
    pub instance_name: String,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The history entry.
    pub job_id: Option<String>,
    /// The copy made.
    pub file: Option<PathBuf>,
    /// What happened, in words.
    pub message: String,
}

/// A run under way: its job, and the schedule's lock, held until [`Running::finish`].
pub struct Running {
    rx: watch::Receiver<JobState>,
    /// `None` only when no lock file could be made: the run still happens (better two copies than none).
    _lock: Option<FileLock>,
    scope: Scope,
    schedule: Schedule,
    slot: Option<OffsetDateTime>,
}

impl Running {
    /// The job, to watch its progress.
    pub fn receiver(&self) -> watch::Receiver<JobState> {
        self.rx.clone()
    }

    /// Waits for the job to end, records the run and tells the user if no copy was made.
    pub async fn finish(mut self, notifier: &dyn Notifier) -> RunReport {
        let state = loop {
            let state = self.rx.borrow_and_update().clone();
            if state.outcome.is_some() {
                break state;
            }
            if self.rx.changed().await.is_err() {
                break self.rx.borrow().clone();
            }
        };
        let copied = state.outcome == Some(Outcome::Succeeded);
        let record = RunRecord {
            at: state.started_at,
            slot: self.slot,
            outcome: state.outcome.unwrap_or(Outcome::Failed),
            job_id: Some(state.id.clone()),
            file: state.copy.as_ref().filter(|c| c.saved).and(state.file.clone()),
            message: state.error.as_ref().map(|e| e.message.clone()),
        };
        let mut run = schedule::run_state(&self.scope.dir, &self.schedule.id);
        if let Some(slot) = self.slot {
            run.last_slot = Some(run.last_slot.map_or(slot, |s| s.max(slot)));
        }
        if copied {
            run.last_success = Some(record.clone());
        }
        run.last_run = Some(record);
        if let Err(e) = schedule::save_run_state(&self.scope.dir, &self.schedule.id, &run) {
            tracing::warn!(schedule = %self.schedule.name, "could not save the schedule's run record: {e}");
        }
        if !copied {
            if let Some((summary, body)) = state.notification() {
                notifier.notify(&summary, &body);
            }
        }
        RunReport {
            schedule: self.schedule.name.clone(),
            instance_name: self.schedule.instance_name.clone(),
            outcome: if copied { RunOutcome::Copied } else { RunOutcome::Failed },
            job_id: Some(state.id.clone()),
            file: if copied { state.file.clone() } else { None },
            message: match &state.error {
                Some(e) => e.message.clone(),
                None => state.steps.iter().rev().find_map(|s| s.detail.clone()).unwrap_or_default(),
            },
        }
    }
}

fn busy(schedule: &Schedule) -> RunReport {
    RunReport {
        schedule: schedule.name.clone(),
        instance_name: schedule.instance_name.clone(),
        outcome: RunOutcome::Busy,
        job_id: None,
        file: None,
        message: format!("A copy of {} by this schedule is already under way.", schedule.instance_name),
    }
}

/// Starts a run of a schedule, unless one is under way (then the report says so).
pub fn begin(
    manager: &Arc<JobManager>,
    scope: &Scope,
    schedule: &Schedule,
    slot: Option<OffsetDateTime>,
) -> Result<Running, Box<RunReport>> {
    let lock = match FileLock::try_acquire(&schedule::run_lock_path(&scope.dir, &schedule.id)) {
        Ok(Some(lock)) => lock,
        Ok(None) => return Err(Box::new(busy(schedule))),
        Err(e) => {
            tracing::warn!(schedule = %schedule.name, "could not take the schedule's lock ({e}); running anyway");
            return Ok(start(manager, scope, schedule, slot, None));
        }
    };
    Ok(start(manager, scope, schedule, slot, Some(lock)))
}

fn start(
    manager: &Arc<JobManager>,
    scope: &Scope,
    schedule: &Schedule,
    slot: Option<OffsetDateTime>,
    lock: Option<FileLock>,
) -> Running {
    let rx = manager.start_scheduled_copy(schedule, slot);
    Running { rx, _lock: lock, scope: scope.clone(), schedule: schedule.clone(), slot }
}

/// Runs a schedule now, by hand, to the end.
pub async fn run_now(
    manager: &Arc<JobManager>,
    scope: &Scope,
    schedule: &Schedule,
    notifier: &dyn Notifier,
) -> RunReport {
    match begin(manager, scope, schedule, None) {
        Ok(running) => running.finish(notifier).await,
        Err(report) => *report,
    }
}

fn slot_words(slots: &[OffsetDateTime]) -> String {
    let labels: Vec<String> = slots.iter().map(|s| crate::jobs::utc_label(*s)).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, .., last] if labels.len() > 3 => format!("{} runs from {first} to {last}", labels.len()),
        _ => labels.join(", "),
    }
}

/// Records runs that were missed (one history entry and one notification for all of them) and marks them
/// handled.
fn record_skipped(
    scope: &Scope,
    schedule: &Schedule,
    skipped: &[OffsetDateTime],
    notifier: &dyn Notifier,
) -> RunReport {
    let now = OffsetDateTime::now_utc();
    let n = skipped.len();
    let copies = if n == 1 { "copy" } else { "copies" };
    let message = format!(
        "The scheduled {copies} of {} due {} {} not made: this computer was off or asleep, or Lifeboat could not run then. The newest run is made now instead.",
        schedule.instance_name,
        slot_words(skipped),
        if n == 1 { "was" } else { "were" }
    );
    let mut entry = HistoryEntry::note(
        JobKind::ScheduledCopy,
        &schedule.instance_id,
        &schedule.instance_name,
        format!("Scheduled {copies} of {} skipped ({n})", schedule.instance_name),
        Outcome::Failed,
        now,
    );
    entry.error = Some(JobError { code: "copy-skipped".into(), message: message.clone(), retryable: true });
    entry.copy = Some(CopyFacts {
        schedule_id: schedule.id.clone(),
        schedule_name: schedule.name.clone(),
        folder: schedule.folder.clone(),
        keep: schedule.keep,
        slot: skipped.last().copied(),
        skipped: n as u32,
        ..CopyFacts::default()
    });
    if let Err(e) = history::append(&history::path_in(&scope.dir), &entry) {
        tracing::warn!(code = e.code(), "could not record skipped copies in the history");
    }
    let mut run = schedule::run_state(&scope.dir, &schedule.id);
    if let Some(last) = skipped.last() {
        run.last_slot = Some(run.last_slot.map_or(*last, |s| s.max(*last)));
    }
    if let Err(e) = schedule::save_run_state(&scope.dir, &schedule.id, &run) {
        tracing::warn!(schedule = %schedule.name, "could not save the schedule's run record: {e}");
    }
    notifier.notify(&format!("Scheduled {copies} of {} skipped", schedule.instance_name), &message);
    RunReport {
        schedule: schedule.name.clone(),
        instance_name: schedule.instance_name.clone(),
        outcome: RunOutcome::Skipped,
        job_id: Some(entry.job_id),
        file: None,
        message,
    }
}

/// Records a due run that could not even start (the account's key is not in the keyring, say): in the history,
/// on the desktop, and as handled, so it is not tried again until the next slot.
fn record_unstartable(
    scope: &Scope,
    schedule: &Schedule,
    slot: OffsetDateTime,
    why: &str,
    notifier: &dyn Notifier,
) -> RunReport {
    let now = OffsetDateTime::now_utc();
    let message = format!("{why} No copy was saved this time.");
    let mut entry = HistoryEntry::note(
        JobKind::ScheduledCopy,
        &schedule.instance_id,
        &schedule.instance_name,
        format!("Scheduled copy of {} to {}", schedule.instance_name, schedule.folder.display()),
        Outcome::Failed,
        now,
    );
    entry.error = Some(JobError { code: "account-unavailable".into(), message: message.clone(), retryable: true });
    entry.copy = Some(CopyFacts {
        schedule_id: schedule.id.clone(),
        schedule_name: schedule.name.clone(),
        folder: schedule.folder.clone(),
        keep: schedule.keep,
        slot: Some(slot),
        ..CopyFacts::default()
    });
    if let Err(e) = history::append(&history::path_in(&scope.dir), &entry) {
        tracing::warn!(code = e.code(), "could not record a failed copy in the history");
    }
    let mut run = schedule::run_state(&scope.dir, &schedule.id);
    run.last_slot = Some(run.last_slot.map_or(slot, |s| s.max(slot)));
    run.last_run = Some(RunRecord {
        at: now,
        slot: Some(slot),
        outcome: Outcome::Failed,
        job_id: Some(entry.job_id.clone()),
        file: None,
        message: Some(message.clone()),
    });
    if let Err(e) = schedule::save_run_state(&scope.dir, &schedule.id, &run) {
        tracing::warn!(schedule = %schedule.name, "could not save the schedule's run record: {e}");
    }
    notifier.notify(&format!("Scheduled copy of {} failed", schedule.instance_name), &message);
    RunReport {
        schedule: schedule.name.clone(),
        instance_name: schedule.instance_name.clone(),
        outcome: RunOutcome::Failed,
        job_id: Some(entry.job_id),
        file: None,
        message,
    }
}

/// Runs every schedule of an account folder that is due at `now`, one after another, with the job manager
/// `manager_for` gives for each (its account, signed in); records missed runs. A schedule whose run is under way
/// elsewhere is left to that run. `manager_for` is asked only for schedules that are due.
pub async fn run_due<F>(
    scope: &Scope,
    now: OffsetDateTime,
    notifier: &dyn Notifier,
    mut manager_for: F,
) -> Vec<RunReport>
where
    F: FnMut(&Schedule) -> Result<Arc<JobManager>, String>,
{
    let schedules = match schedule::load(&scope.dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(code = e.code(), scope = %scope.id, "could not read the schedules");
            return Vec::new();
        }
    };
    let mut reports = Vec::new();
    for s in schedules {
        let due = s.due(&schedule::run_state(&scope.dir, &s.id), now);
        if due.run.is_none() {
            continue;
        }
        // Take the run's lock first, so a window and an OS run never both record the same missed slots.
        let lock = match FileLock::try_acquire(&schedule::run_lock_path(&scope.dir, &s.id)) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(schedule = %s.name, "could not take the schedule's lock ({e}); running anyway");
                None
            }
        };
        // Another run may have handled it while we waited for the lock.
        let due = s.due(&schedule::run_state(&scope.dir, &s.id), now);
        let Some(slot) = due.run else { continue };
        if !due.skipped.is_empty() {
            reports.push(record_skipped(scope, &s, &due.skipped, notifier));
        }
        match manager_for(&s) {
            Ok(manager) => {
                let running = start(&manager, scope, &s, Some(slot), lock);
                reports.push(running.finish(notifier).await);
            }
            Err(why) => reports.push(record_unstartable(scope, &s, slot, &why, notifier)),
        }
    }
    reports
}
