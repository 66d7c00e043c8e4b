//! The jobs that ask Aura to do something to an instance, step by step: take a snapshot, restore one over its
//! instance, and make a new instance from one (a clone, or the temporary instance of a restore test). Also the
//! steps every overwriting job shares: count the data before, take the safety snapshot, count again after.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::harness::{api_error, job_error, utc_label, Job};
use super::settle;
use super::state::{InstanceSeen, JobError, JobKind, StepId, StepState};
use super::JobManager;
use crate::api::{CreateInstanceRequest, InstanceStatus, OperationAck, SnapshotStatus};
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

pub(crate) async fn snapshot(job: Job) {
    let instance_id = job.state().instance_id;
    job.begin(StepId::Request);
    let sid = match request_snapshot(&job, &instance_id, StepId::Request).await {
        Ok(sid) => sid,
        Err(e) => return job.fail(StepId::Request, e),
    };
    job.update(|s| s.result.snapshot_id = Some(sid.clone()));
    let detail = job.state().step(StepId::Request).and_then(|s| s.detail.clone());
    job.done(StepId::Request, detail);
    watch_snapshot(&job, &instance_id, &sid, StepId::Snapshot)
        .await
        .map_or_else(|e| job.fail(StepId::Snapshot, e), |_| job.succeed());
}

/// Asks Aura for an on-demand snapshot; after a lost answer, checks whether it started (see [`settle`]).
async fn request_snapshot(job: &Job, instance_id: &str, step: StepId) -> Result<String, JobError> {
    let asked_at = OffsetDateTime::now_utc();
    match job.manager.client.create_snapshot(instance_id).await {
        Ok(a) => {
            job.note_request(a.request_id);
            Ok(a.value)
        }
        Err(e) if settle::is_unknown(&e) => match settle::snapshot(job, instance_id, step, asked_at).await? {
            settle::Found::Started(sid) => Ok(sid),
            settle::Found::NotStarted(seen) => Err(settle::not_started("take a snapshot", &seen)),
        },
        Err(e) => Err(api_error(&e)),
    }
}

/// Watches a snapshot to its end. `Ok` only when it completed.
pub(super) async fn watch_snapshot(job: &Job, instance_id: &str, sid: &str, step: StepId) -> Result<(), JobError> {
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
        tokio::time::sleep(job.manager.settings.pause_after(started.elapsed())).await;
    }
}

/// Watches an instance until it runs again. `seen_busy` says Aura already reported the operation under way.
pub(super) async fn watch_running(
    job: &Job,
    instance_id: &str,
    step: StepId,
    mut seen_busy: bool,
) -> Result<(), JobError> {
    let started = Instant::now();
    let mut failures = 0;
    loop {
        let read = job.manager.client.get_instance(instance_id).await;
        if let Ok(i) = &read {
            job.update(|s| s.instance_seen = Some(InstanceSeen::of(i)));
        }
        match read {
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
        tokio::time::sleep(job.manager.settings.pause_after(started.elapsed())).await;
    }
}

/// Counts an instance's data: `Ok(None)` when the database answered without numbers (see
/// [`crate::QueryClient::counts`]); the error is why not, in one sentence without protocol words (the detail is logged).
pub(super) async fn count(
    manager: &JobManager,
    instance_id: &str,
    login: Option<DbLogin>,
    patience: Duration,
) -> Result<Option<GraphCounts>, String> {
    let Some(query) = &manager.query else { return Err("Lifeboat has no address to ask its database.".into()) };
    let Some(login) = login else { return Err("No database password is saved for this instance.".into()) };
    query.counts(instance_id, &login, patience).await.map_err(|e| {
        tracing::info!(instance = %instance_id, code = e.code(), "could not count the data: {e:?}");
        match e {
            crate::verify::VerifyError::BadLogin => "The saved database user or password is wrong.".into(),
            other => other.to_string(),
        }
    })
}

fn counts_detail(c: &GraphCounts) -> String {
    format!("{} nodes, {} relationships", crate::words::grouped(c.nodes), crate::words::grouped(c.relationships))
}

/// The step detail when the database answers but doesn't say how much it holds.
pub(crate) const COUNTS_NOT_KNOWN: &str = "The database answers, but its node and relationship counts are not known";

/// Restores a snapshot over its instance, which was `before` when the job started.
pub(crate) async fn restore(job: Job, before: InstanceStatus) {
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
        Err(e) if settle::is_unknown(&e) => match settle::overwrite(&job, &instance_id, StepId::Request, &before).await
        {
            Ok(settle::Found::Started(busy)) => busy,
            Ok(settle::Found::NotStarted(seen)) => {
                let what = format!("restore {}", state.instance_name);
                return job.fail(StepId::Request, settle::not_started(&what, &seen));
            }
            Err(e) => return job.fail(StepId::Request, e),
        },
        Err(e) => return job.fail(StepId::Request, api_error(&e)),
    };
    job.update(|s| {
        // Aura accepted the restore: from now on the instance's data is being replaced.
        s.data_overwritten = Some(true);
        s.data_loss_secs = s.snapshot_time.map(|t| crate::snapshots::data_loss(OffsetDateTime::now_utc(), t).as_secs());
    });
    // Kept: after a lost answer the step says so.
    let detail = job.state().step(StepId::Request).and_then(|s| s.detail.clone());
    job.done(StepId::Request, detail);
    job.begin(StepId::Restoring);
    if let Err(e) = watch_running(&job, &instance_id, StepId::Restoring, seen_busy).await {
        return job.fail(StepId::Restoring, e);
    }
    let secs = requested_at.elapsed().as_secs();
    job.update(|s| s.result.duration_secs = Some(secs));
    job.done(
        StepId::Restoring,
        // The same measurement and the same words as the card's "took", the notification and the report.
        Some(format!("Running again after {}", crate::words::elapsed(secs))),
    );
    verify_after(&job, &instance_id).await;
    job.succeed();
}

/// The steps before anything is overwritten: count the data as it is, and take the safety snapshot unless the
/// user unticked it. `false` when the job already failed (nothing was changed).
pub(super) async fn before_overwrite(job: &Job, instance_id: &str) -> bool {
    // A second try keeps the counts and the safety snapshot of the first.
    if job.state().step(StepId::CountsBefore).is_some_and(|s| s.state == StepState::Pending) {
        job.begin(StepId::CountsBefore);
        match count(&job.manager, instance_id, job.manager.logins.login(instance_id), COUNT_PATIENCE_BEFORE).await {
            Ok(Some(c)) => {
                job.update(|s| s.result.counts_before = Some(c));
                job.done(StepId::CountsBefore, Some(counts_detail(&c)));
            }
            Ok(None) => {
                job.update(|s| s.result.counts_before_unknown = true);
                job.done(StepId::CountsBefore, Some(COUNTS_NOT_KNOWN.into()));
            }
            Err(why) => job.set_step(
                StepId::CountsBefore,
                StepState::Skipped,
                format!("Not counted: {why} Lifeboat goes on and counts the data afterwards."),
            ),
        }
    }
    if job.state().step(StepId::SafetySnapshot).is_some_and(|s| s.state == StepState::Pending) {
        job.begin(StepId::SafetySnapshot);
        let sid = match request_snapshot(job, instance_id, StepId::SafetySnapshot).await {
            Ok(sid) => sid,
            Err(e) => {
                job.fail(StepId::SafetySnapshot, nothing_changed(e));
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
    match count(&job.manager, instance_id, job.manager.logins.login(instance_id), COUNT_PATIENCE_AFTER).await {
        Ok(Some(c)) => {
            job.update(|s| s.result.counts_after = Some(c));
            job.done(StepId::Verify, Some(counts_detail(&c)));
        }
        Ok(None) => {
            job.update(|s| s.result.counts_after_unknown = true);
            job.done(StepId::Verify, Some(COUNTS_NOT_KNOWN.into()));
        }
        Err(why) => job.set_step(
            StepId::Verify,
            StepState::Skipped,
            format!("Not counted: {why} The restore itself may be fine; check the instance in a minute."),
        ),
    }
}

/// A new instance from a snapshot (clone), or the temporary instance of a restore test (drill). Both store the
/// new instance's password in the login store (verification needs it); only a clone keeps it to show once, as
/// Aura does — a test instance is checked by Lifeboat and then deleted, so nobody needs its password.
pub(crate) async fn create_from_snapshot(job: Job, request: CreateInstanceRequest) {
    let drill = job.state().kind == JobKind::Drill;
    job.begin(StepId::Request);
    let asked_at = OffsetDateTime::now_utc();
    let started = Instant::now();
    let new_id = match job.manager.client.create_instance(&request).await {
        Ok(a) => {
            job.note_request(a.request_id);
            let created = a.value;
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
                        format!(
                            "Instance {} requested; its password could not be saved ({e}) — copy it now.",
                            created.id
                        )
                    }
                }),
            );
            created.id
        }
        // Never sent again blindly: a second POST /instances would make (and bill) a second instance.
        Err(e) if settle::is_unknown(&e) => match settle::created(&job, &request, StepId::Request, asked_at).await {
            Ok(settle::Found::Started(id)) => {
                job.update(|s| s.result.new_instance_id = Some(id.clone()));
                let detail = job.state().step(StepId::Request).and_then(|s| s.detail.clone());
                job.done(StepId::Request, detail);
                id
            }
            Ok(settle::Found::NotStarted(seen)) => {
                let what = if drill { "make the test instance" } else { "make the new instance" };
                return job.fail(StepId::Request, settle::not_started(what, &seen));
            }
            Err(e) => return job.fail(StepId::Request, e),
        },
        Err(e) => return job.fail(StepId::Request, api_error(&e)),
    };
    job.begin(StepId::Creating);
    if let Err(e) = watch_running(&job, &new_id, StepId::Creating, false).await {
        return job.fail(StepId::Creating, e);
    }
    let secs = started.elapsed().as_secs();
    job.update(|s| s.result.duration_secs = Some(secs));
    job.done(StepId::Creating, Some(format!("Running after {}", crate::words::elapsed(secs))));
    verify_after(&job, &new_id).await;
    job.succeed();
}
