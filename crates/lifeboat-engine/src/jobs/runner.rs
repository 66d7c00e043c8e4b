//! What each job does, step by step. Every state change goes through [`Job::update`], which journals it and
//! tells every watcher.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;

use super::state::{JobError, JobKind, JobState, Outcome, StepId, StepState};
use super::JobManager;
use crate::api::{ApiError, CreateInstanceRequest, InstanceStatus, OperationAck, SnapshotStatus};
use crate::verify::{DbLogin, GraphCounts};

pub(crate) const SNAPSHOT_STEPS: &[(StepId, &str)] =
    &[(StepId::Request, "Ask Aura for a snapshot"), (StepId::Snapshot, "Aura takes the snapshot")];
pub(crate) const RESTORE_STEPS: &[(StepId, &str)] = &[
    (StepId::CountsBefore, "Count the data as it is now"),
    (StepId::SafetySnapshot, "Take a safety snapshot"),
    (StepId::Request, "Ask Aura to restore the snapshot"),
    (StepId::Restoring, "Restore (the instance is unavailable)"),
    (StepId::Verify, "Check the restored data"),
];
pub(crate) const CLONE_STEPS: &[(StepId, &str)] = &[
    (StepId::Request, "Ask Aura for a new instance"),
    (StepId::Creating, "Aura creates the instance from the snapshot"),
    (StepId::Verify, "Check the new instance's data"),
];
pub(crate) const DRILL_STEPS: &[(StepId, &str)] = &[
    (StepId::Request, "Ask Aura for a temporary test instance"),
    (StepId::Creating, "Aura restores the snapshot into the test instance (timed)"),
    (StepId::Verify, "Check the test instance's data"),
];

/// Consecutive failed polls tolerated before giving up watching (the operation itself continues in Aura).
const MAX_POLL_FAILURES: u32 = 12;
/// A restore that Aura accepted but that never shows as under way is taken as finished after this long.
const START_GRACE: Duration = Duration::from_secs(90);
const COUNT_PATIENCE_BEFORE: Duration = Duration::from_secs(20);
const COUNT_PATIENCE_AFTER: Duration = Duration::from_secs(120);

/// A running job: its state channel and the manager that journals it.
pub(crate) struct Job {
    pub(crate) manager: Arc<JobManager>,
    pub(crate) tx: watch::Sender<JobState>,
}

impl Job {
    pub(super) fn update(&self, change: impl FnOnce(&mut JobState)) -> JobState {
        self.tx.send_modify(change);
        let state = self.tx.borrow().clone();
        self.manager.persist(&state);
        state
    }

    pub(super) fn state(&self) -> JobState {
        self.tx.borrow().clone()
    }

    pub(super) fn begin(&self, step: StepId) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = StepState::Active;
                st.started_at = Some(OffsetDateTime::now_utc());
            }
        });
    }

    pub(super) fn done(&self, step: StepId, detail: Option<String>) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = StepState::Done;
                st.finished_at = Some(OffsetDateTime::now_utc());
                st.detail = detail;
            }
        });
    }

    pub(super) fn set_step(&self, step: StepId, state: StepState, detail: String) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = state;
                st.finished_at = Some(OffsetDateTime::now_utc());
                st.detail = Some(detail);
            }
        });
    }

    pub(super) fn note_request(&self, request_id: Option<String>) {
        if let Some(id) = request_id {
            self.update(|s| s.request_ids.push(id));
        }
    }

    pub(super) fn succeed(&self) {
        let state = self.update(|s| {
            s.outcome = Some(Outcome::Succeeded);
            s.finished_at = Some(OffsetDateTime::now_utc());
        });
        self.manager.finished(&state);
    }

    pub(super) fn fail(&self, step: StepId, error: JobError) {
        let state = self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = StepState::Failed;
                st.finished_at = Some(OffsetDateTime::now_utc());
            }
            s.outcome = Some(Outcome::Failed);
            s.finished_at = Some(OffsetDateTime::now_utc());
            s.error = Some(error);
        });
        self.manager.finished(&state);
    }
}

pub(crate) fn skip(state: &mut JobState, step: StepId, why: &str) {
    if let Some(st) = state.step_mut(step) {
        st.state = StepState::Skipped;
        st.detail = Some(why.to_owned());
    }
}

pub(crate) fn utc_label(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {} {} {:02}:{:02} UTC", t.day(), month_abbrev(t.month()), t.year(), t.hour(), t.minute())
}

fn month_abbrev(m: time::Month) -> &'static str {
    use time::Month::*;
    match m {
        January => "Jan",
        February => "Feb",
        March => "Mar",
        April => "Apr",
        May => "May",
        June => "Jun",
        July => "Jul",
        August => "Aug",
        September => "Sep",
        October => "Oct",
        November => "Nov",
        December => "Dec",
    }
}

pub(super) fn api_error(e: &ApiError) -> JobError {
    JobError { code: e.code().to_owned(), message: e.user_message(), retryable: e.retryable() }
}

pub(super) fn job_error(code: &str, message: impl Into<String>, retryable: bool) -> JobError {
    JobError { code: code.to_owned(), message: message.into(), retryable }
}

pub(crate) async fn snapshot(job: Job) {
    let instance_id = job.state().instance_id;
    job.begin(StepId::Request);
    let sid = match job.manager.client.create_snapshot(&instance_id).await {
        Ok(a) => {
            job.note_request(a.request_id);
            a.value
        }
        Err(e) => return job.fail(StepId::Request, api_error(&e)),
    };
    job.update(|s| s.result.snapshot_id = Some(sid.clone()));
    job.done(StepId::Request, None);
    watch_snapshot(&job, &instance_id, &sid, StepId::Snapshot)
        .await
        .map_or_else(|e| job.fail(StepId::Snapshot, e), |_| job.succeed());
}

/// Watches a snapshot to its end. `Ok` only when it completed.
async fn watch_snapshot(job: &Job, instance_id: &str, sid: &str, step: StepId) -> Result<(), JobError> {
    job.begin(step);
    let started = Instant::now();
    let mut failures = 0;
    loop {
        match job.manager.client.get_snapshot(instance_id, sid).await {
            Ok(s) if s.status == SnapshotStatus::Completed => {
                job.done(step, Some(format!("Snapshot taken at {}", utc_label(s.timestamp))));
                return Ok(());
            }
            Ok(s) if s.status.is_final() => {
                return Err(job_error(
                    "snapshot-failed",
                    format!("Aura could not take the snapshot (status {}). Nothing was changed on the instance. Try again; if it fails again, contact Neo4j support and quote snapshot {sid}.", s.status.as_str()),
                    true,
                ));
            }
            Ok(_) => failures = 0,
            Err(e) if e.retryable() && failures < MAX_POLL_FAILURES => failures += 1,
            Err(e) => return Err(api_error(&e)),
        }
        if started.elapsed() > job.manager.settings.watch_limit {
            return Err(job_error("watch-timeout", "The snapshot is taking much longer than usual. Lifeboat stopped watching; check it in the Aura console.", true));
        }
        tokio::time::sleep(job.manager.settings.poll_interval).await;
    }
}

/// Watches an instance until it runs again. `seen_busy` says Aura already reported the operation under way.
async fn watch_running(job: &Job, instance_id: &str, step: StepId, mut seen_busy: bool) -> Result<(), JobError> {
    let started = Instant::now();
    let mut failures = 0;
    loop {
        match job.manager.client.get_instance(instance_id).await {
            Ok(i) if i.status == InstanceStatus::Running && (seen_busy || started.elapsed() > START_GRACE) => {
                return Ok(());
            }
            Ok(i) if i.status == InstanceStatus::LoadingFailed => {
                return Err(job_error(
                    "operation-failed",
                    "Aura reports that the operation failed (status “loading failed”). The instance may not hold the data you expect: restore another snapshot, or contact Neo4j support.",
                    false,
                ));
            }
            Ok(i) => {
                failures = 0;
                if i.status.is_transitional() {
                    seen_busy = true;
                    let (label, _) = crate::instances::status_label(&i.status);
                    job.update(|s| {
                        if let Some(st) = s.step_mut(step) {
                            st.detail = Some(format!("Aura says: {label}"));
                        }
                    });
                }
            }
            Err(e) if e.retryable() && failures < MAX_POLL_FAILURES => failures += 1,
            Err(e) => return Err(api_error(&e)),
        }
        if started.elapsed() > job.manager.settings.watch_limit {
            return Err(job_error("watch-timeout", "This is taking much longer than usual. Lifeboat stopped watching; the operation may still finish — check the instance in the Aura console.", true));
        }
        tokio::time::sleep(job.manager.settings.poll_interval).await;
    }
}

async fn count(
    job: &Job,
    instance_id: &str,
    login: Option<DbLogin>,
    patience: Duration,
) -> Result<GraphCounts, String> {
    let Some(query) = &job.manager.query else { return Err("The Query API address is not usable.".into()) };
    let Some(login) = login else {
        return Err("No database password is saved for this instance, so Lifeboat could not count the data.".into());
    };
    query.counts(instance_id, &login, patience).await.map_err(|e| e.to_string())
}

fn counts_detail(c: &GraphCounts) -> String {
    format!("{} nodes, {} relationships", c.nodes, c.relationships)
}

pub(crate) async fn restore(job: Job) {
    let state = job.state();
    let instance_id = state.instance_id.clone();
    let Some(snapshot_id) = state.snapshot_id.clone() else {
        return job.fail(StepId::Request, job_error("invalid-input", "No snapshot was chosen.", false));
    };

    if !before_overwrite(&job, &instance_id).await {
        return;
    }

    job.begin(StepId::Request);
    let requested_at = Instant::now();
    let seen_busy = match job.manager.client.restore_snapshot(&instance_id, &snapshot_id).await {
        Ok(a) => {
            job.note_request(a.request_id);
            matches!(&a.value, OperationAck::Instance(i) if i.status.is_transitional())
        }
        Err(e) => return job.fail(StepId::Request, api_error(&e)),
    };
    job.update(|s| {
        // Aura accepted the restore: from now on the instance's data is being replaced.
        s.data_overwritten = Some(true);
        s.data_loss_secs = s.snapshot_time.map(|t| crate::snapshots::data_loss(OffsetDateTime::now_utc(), t).as_secs());
    });
    job.done(StepId::Request, None);
    job.begin(StepId::Restoring);
    if let Err(e) = watch_running(&job, &instance_id, StepId::Restoring, seen_busy).await {
        return job.fail(StepId::Restoring, e);
    }
    let secs = requested_at.elapsed().as_secs();
    job.update(|s| s.result.duration_secs = Some(secs));
    job.done(
        StepId::Restoring,
        Some(format!("Running again after {}", crate::snapshots::human_duration(Duration::from_secs(secs)))),
    );
    verify_after(&job, &instance_id).await;
    job.succeed();
}

/// The steps before anything is overwritten: count the data as it is, and take the safety snapshot unless the
/// user unticked it. `false` when the job already failed (nothing was changed).
pub(super) async fn before_overwrite(job: &Job, instance_id: &str) -> bool {
    job.begin(StepId::CountsBefore);
    match count(job, instance_id, job.manager.logins.login(instance_id), COUNT_PATIENCE_BEFORE).await {
        Ok(c) => {
            job.update(|s| s.result.counts_before = Some(c));
            job.done(StepId::CountsBefore, Some(counts_detail(&c)));
        }
        Err(why) => job.set_step(StepId::CountsBefore, StepState::Skipped, why),
    }
    if job.state().step(StepId::SafetySnapshot).is_some_and(|s| s.state == StepState::Pending) {
        let sid = match job.manager.client.create_snapshot(instance_id).await {
            Ok(a) => {
                job.note_request(a.request_id);
                a.value
            }
            Err(e) => {
                job.fail(StepId::SafetySnapshot, nothing_changed(api_error(&e)));
                return false;
            }
        };
        job.update(|s| s.result.snapshot_id = Some(sid.clone()));
        if let Err(e) = watch_snapshot(job, instance_id, &sid, StepId::SafetySnapshot).await {
            job.fail(StepId::SafetySnapshot, nothing_changed(e));
            return false;
        }
    }
    true
}

/// A failure before the destructive step says so: the instance was not touched.
fn nothing_changed(mut e: JobError) -> JobError {
    if !e.message.contains("Nothing was changed") {
        e.message = format!("{} The restore did not start, so nothing was changed.", e.message);
    }
    e
}

pub(super) async fn verify_after(job: &Job, instance_id: &str) {
    job.begin(StepId::Verify);
    match count(job, instance_id, job.manager.logins.login(instance_id), COUNT_PATIENCE_AFTER).await {
        Ok(c) => {
            job.update(|s| s.result.counts_after = Some(c));
            job.done(StepId::Verify, Some(counts_detail(&c)));
        }
        Err(why) => job.set_step(StepId::Verify, StepState::Skipped, why),
    }
}

/// A new instance from a snapshot (clone), or the temporary instance of a restore test (drill). Both store the
/// new instance's password in the login store (verification needs it); only a clone keeps it to show once, as
/// Aura does — a test instance is checked by Lifeboat and then deleted, so nobody needs its password.
pub(crate) async fn create_from_snapshot(job: Job, request: CreateInstanceRequest) {
    let drill = job.state().kind == JobKind::Drill;
    job.begin(StepId::Request);
    let created = match job.manager.client.create_instance(&request).await {
        Ok(a) => {
            job.note_request(a.request_id);
            a.value
        }
        Err(e) => return job.fail(StepId::Request, api_error(&e)),
    };
    let login = DbLogin { user: created.username.clone(), password: created.password.clone() };
    let stored = job.manager.logins.remember(&created.id, login.clone());
    let id = job.state().id;
    if !drill {
        job.manager.keep_for_reveal(&id, login);
    }
    job.update(|s| s.result.new_instance_id = Some(created.id.clone()));
    job.done(
        StepId::Request,
        Some(match (drill, stored) {
            (true, _) => format!("Test instance {} requested.", created.id),
            (false, Ok(())) => {
                format!("Instance {} requested; its password is saved in your keyring.", created.id)
            }
            (false, Err(e)) => {
                format!("Instance {} requested; its password could not be saved ({e}) — copy it now.", created.id)
            }
        }),
    );
    job.begin(StepId::Creating);
    let started = Instant::now();
    if let Err(e) = watch_running(&job, &created.id, StepId::Creating, false).await {
        return job.fail(StepId::Creating, e);
    }
    let secs = started.elapsed().as_secs();
    job.update(|s| s.result.duration_secs = Some(secs));
    job.done(
        StepId::Creating,
        Some(format!("Running after {}", crate::snapshots::human_duration(Duration::from_secs(secs)))),
    );
    verify_after(&job, &created.id).await;
    job.succeed();
}

/// Picks up a job an earlier run left open: keep watching what Aura is doing, or say plainly that it stopped.
pub(crate) async fn resume(job: Job) {
    let state = job.state();
    let active = state.active_step().map(|s| s.id);
    let instance = state.instance_id.clone();
    match (state.kind, active, state.result.snapshot_id.clone()) {
        (JobKind::Snapshot, Some(StepId::Snapshot), Some(sid)) => {
            match watch_snapshot(&job, &instance, &sid, StepId::Snapshot).await {
                Ok(()) => job.succeed(),
                Err(e) => job.fail(StepId::Snapshot, e),
            }
        }
        (JobKind::Restore, Some(StepId::Restoring | StepId::Verify), _) => {
            // Watching the restore or checking its data: Aura accepted it before Lifeboat stopped.
            job.update(|s| s.data_overwritten = Some(true));
            if active == Some(StepId::Verify) {
                verify_after(&job, &instance).await;
                return job.succeed();
            }
            let started = state.step(StepId::Restoring).and_then(|s| s.started_at).unwrap_or(state.started_at);
            if let Err(e) = watch_running(&job, &instance, StepId::Restoring, true).await {
                return job.fail(StepId::Restoring, e);
            }
            let secs = (OffsetDateTime::now_utc() - started).whole_seconds().max(0) as u64;
            job.update(|s| s.result.duration_secs = Some(secs));
            job.done(StepId::Restoring, Some("Running again (watched across a restart of Lifeboat)".into()));
            verify_after(&job, &instance).await;
            job.succeed();
        }
        (JobKind::Clone | JobKind::Drill, Some(StepId::Creating | StepId::Verify), _) => {
            let Some(new_id) = state.result.new_instance_id.clone() else {
                return job.fail(
                    StepId::Creating,
                    job_error(
                        "interrupted",
                        "Lifeboat was closed while creating the instance. Check the instance list.",
                        false,
                    ),
                );
            };
            let started = state.step(StepId::Creating).and_then(|s| s.started_at).unwrap_or(state.started_at);
            if let Err(e) = watch_running(&job, &new_id, StepId::Creating, true).await {
                return job.fail(StepId::Creating, e);
            }
            if state.result.duration_secs.is_none() {
                let secs = (OffsetDateTime::now_utc() - started).whole_seconds().max(0) as u64;
                job.update(|s| s.result.duration_secs = Some(secs));
            }
            job.done(StepId::Creating, Some("Running (watched across a restart of Lifeboat)".into()));
            verify_after(&job, &new_id).await;
            job.succeed();
        }
        (JobKind::SnapshotExport, _, _) => super::export::resume(job).await,
        (JobKind::GraphExport | JobKind::GraphImport, _, _) => super::graph::interrupted(&job),
        (JobKind::Upload, step, _) => {
            let step = step.unwrap_or(StepId::Upload);
            job.fail(
                step,
                job_error(
                    "interrupted",
                    "Lifeboat was closed during this restore. If the upload had started, choose “Resume upload” to continue where it stopped; your file was not changed.",
                    true,
                ),
            );
        }
        (_, step, _) => {
            let step = step.unwrap_or(StepId::Request);
            let reached_aura =
                !(state.request_ids.is_empty() || step == StepId::SafetySnapshot || step == StepId::CountsBefore);
            let message = if reached_aura {
                // Whether Aura received it is not known, so neither is whether the data was replaced.
                if state.kind.overwrites() {
                    job.update(|s| s.data_overwritten = None);
                }
                "Lifeboat was closed while this operation was being sent, so it cannot tell whether Aura received it. Check the instance before trying again."
            } else {
                "Lifeboat was closed before this operation reached Aura, so nothing was changed. Start it again."
            };
            job.fail(step, job_error("interrupted", message, true));
        }
    }
}
