//! Lost answers. When the connection breaks after a request that changes something was sent (a restore, a new
//! instance, a snapshot), Aura may or may not have acted on it. A job never calls that a failure: it enters
//! "Checking with Aura…", reads back what the request would have changed, and carries on from what is true —
//! watching the operation to its end when it started, or saying plainly that nothing started (and offering to try
//! again) when it did not. The request itself is never sent a second time without the user asking.
//!
//! What counts as evidence, per request:
//! - restore / overwrite: the instance shows an operation under way, or a status other than the one it had before
//!   the request (it went through `restoring` and out again), or its data no longer has the counts taken just
//!   before;
//! - on-demand snapshot: an on-demand snapshot of the instance taken since the request;
//! - new instance: an instance with the requested name created since the request.
//!
//! The check lasts a few status polls (at least a second, at most half a minute): Aura marks an accepted operation
//! at once, so a request that shows no trace by then did not take effect.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::harness::{api_error, job_error, Job};
use super::state::{JobError, StepId, WaitKind, Waiting};
use crate::api::{ApiError, CreateInstanceRequest, InstanceStatus, SnapshotProfile};

/// Error code of a job whose request Aura was found not to have acted on. The job can be tried again.
pub const NOT_STARTED: &str = "not-started";

/// Allowed clock difference between this computer and Aura when matching a snapshot or an instance by its time.
const CLOCK_SKEW: time::Duration = time::Duration::seconds(120);

/// Whether a failed request may nevertheless have taken effect: the answer was lost, or it arrived (a success)
/// but could not be read.
pub(crate) fn is_unknown(e: &ApiError) -> bool {
    matches!(e, ApiError::OutcomeUnknown { .. } | ApiError::Decode { .. })
}

/// What reading back found.
pub(crate) enum Found<T> {
    /// The request took effect; here is what it made.
    Started(T),
    /// No trace of it after the whole check; says what was seen.
    NotStarted(String),
}

/// How long to look for a trace of the request: five status polls, between one and thirty seconds.
fn check_window(poll: Duration) -> Duration {
    (poll * 5).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// "Checking with Aura…" on the job and its step.
fn enter(job: &Job, step: StepId, what: &str) {
    job.update(|s| {
        s.waiting = Some(Waiting { kind: WaitKind::Checking, message: "Checking with Aura…".into(), retry_at: None });
        if let Some(st) = s.step_mut(step) {
            st.detail = Some(format!("Aura's answer was lost on the way. Checking with Aura whether {what}…"));
        }
    });
}

fn leave(job: &Job, step: StepId, detail: Option<String>) {
    job.update(|s| {
        s.waiting = None;
        if let Some(st) = s.step_mut(step) {
            st.detail = detail;
        }
    });
}

/// The error of a request Aura did not act on: what was checked, that nothing changed, and that it can be retried.
pub(crate) fn not_started(what: &str, seen: &str) -> JobError {
    job_error(
        NOT_STARTED,
        format!(
            "Aura's answer to the request to {what} was lost on the way, and Aura shows no sign of it: {seen} Nothing was changed. Choose “Try again” to ask once more."
        ),
        true,
    )
}

fn secs_words(d: Duration) -> String {
    crate::snapshots::human_duration(d).replace("less than a minute", &format!("{} s", d.as_secs().max(1)))
}

/// After a lost answer to a restore or an overwrite of `instance_id`, which was `before` when it was asked:
/// `Started(seen_busy)` when Aura took it on (`seen_busy`: an operation was seen under way).
pub(crate) async fn overwrite(
    job: &Job,
    instance_id: &str,
    step: StepId,
    before: &InstanceStatus,
) -> Result<Found<bool>, JobError> {
    enter(job, step, "the restore started");
    let window = check_window(job.manager.settings.poll_interval);
    let started = Instant::now();
    let mut failures = 0;
    let mut last = before.clone();
    loop {
        let read = job.manager.client.get_instance(instance_id).await;
        if let Ok(i) = &read {
            job.update(|s| s.instance_seen = Some(super::state::InstanceSeen::of(i)));
        }
        match read {
            Ok(i) if i.status.is_transitional() => {
                leave(job, step, Some("Aura's answer was lost on the way, but the restore had started.".into()));
                return Ok(Found::Started(true));
            }
            Ok(i) if &i.status != before => {
                // It went through the operation and out again (or straight to `loading failed`) between two looks.
                leave(job, step, Some("Aura's answer was lost on the way, but the restore had run.".into()));
                return Ok(Found::Started(true));
            }
            Ok(i) => {
                failures = 0;
                last = i.status;
            }
            Err(e) if e.retryable() && failures < 12 => failures += 1,
            Err(e) => {
                leave(job, step, None);
                return Err(api_error(&e));
            }
        }
        if started.elapsed() >= window {
            break;
        }
        tokio::time::sleep(job.manager.settings.poll_interval).await;
    }
    // Still as before. If the data changed since it was counted, the restore ran and finished between two looks.
    let counted = job.state().result.counts_before;
    if let (Some(before_counts), Some(query), Some(login)) =
        (counted, job.manager.query.as_ref(), job.manager.logins.login(instance_id))
    {
        if let Ok(now) = query.counts(instance_id, &login, Duration::from_secs(5)).await {
            if now.is_some_and(|now| now != before_counts) {
                leave(job, step, Some("Aura's answer was lost on the way, but the restore had run.".into()));
                return Ok(Found::Started(true));
            }
        }
    }
    leave(job, step, None);
    let (label, _) = crate::instances::status_label(&last);
    Ok(Found::NotStarted(format!(
        "the instance stayed “{label}” with the same data while Lifeboat checked for {}.",
        secs_words(started.elapsed())
    )))
}

/// After a lost answer to an on-demand snapshot of `instance_id` asked for at `asked_at`: the snapshot's id.
pub(crate) async fn snapshot(
    job: &Job,
    instance_id: &str,
    step: StepId,
    asked_at: OffsetDateTime,
) -> Result<Found<String>, JobError> {
    enter(job, step, "the snapshot was started");
    let window = check_window(job.manager.settings.poll_interval);
    let started = Instant::now();
    let mut failures = 0;
    loop {
        let today = OffsetDateTime::now_utc().date();
        let mut days = vec![asked_at.date()];
        if today != asked_at.date() {
            days.push(today);
        }
        let mut found = None;
        let mut error = None;
        for day in days {
            match job.manager.client.list_snapshots(instance_id, Some(day)).await {
                Ok(list) => {
                    found = found.or(list
                        .into_iter()
                        .filter(|s| s.profile == SnapshotProfile::AdHoc && s.timestamp >= asked_at - CLOCK_SKEW)
                        .max_by_key(|s| s.timestamp));
                }
                Err(e) => error = Some(e),
            }
        }
        if let Some(s) = found {
            leave(job, step, Some("Aura's answer was lost on the way, but the snapshot had started.".into()));
            return Ok(Found::Started(s.snapshot_id));
        }
        match error {
            Some(e) if e.retryable() && failures < 12 => failures += 1,
            Some(e) => {
                leave(job, step, None);
                return Err(api_error(&e));
            }
            None => failures = 0,
        }
        if started.elapsed() >= window {
            break;
        }
        tokio::time::sleep(job.manager.settings.poll_interval).await;
    }
    leave(job, step, None);
    Ok(Found::NotStarted(format!(
        "no new on-demand snapshot appeared while Lifeboat checked for {}.",
        secs_words(started.elapsed())
    )))
}

/// After a lost answer to `POST /instances` sent at `asked_at`: the new instance's id.
pub(crate) async fn created(
    job: &Job,
    request: &CreateInstanceRequest,
    step: StepId,
    asked_at: OffsetDateTime,
) -> Result<Found<String>, JobError> {
    enter(job, step, "the new instance is being made");
    let window = check_window(job.manager.settings.poll_interval);
    let started = Instant::now();
    let mut failures = 0;
    loop {
        match job.manager.client.list_instances(Some(&request.tenant_id)).await {
            Ok(list) => {
                failures = 0;
                let made = list
                    .into_iter()
                    .find(|i| i.name == request.name && i.created_at.is_none_or(|t| t >= asked_at - CLOCK_SKEW));
                if let Some(i) = made {
                    leave(job, step, Some(format!(
                        "Aura's answer was lost on the way, but instance {} is being made. Its password was in that answer: reset it in the Aura console to sign in to it.",
                        i.id
                    )));
                    return Ok(Found::Started(i.id));
                }
            }
            Err(e) if e.retryable() && failures < 12 => failures += 1,
            Err(e) => {
                leave(job, step, None);
                return Err(api_error(&e));
            }
        }
        if started.elapsed() >= window {
            break;
        }
        tokio::time::sleep(job.manager.settings.poll_interval).await;
    }
    leave(job, step, None);
    Ok(Found::NotStarted(format!(
        "no instance called “{}” appeared while Lifeboat checked for {}.",
        request.name,
        secs_words(started.elapsed())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_lasts_five_polls_within_bounds() {
        assert_eq!(check_window(Duration::from_millis(40)), Duration::from_secs(1));
        assert_eq!(check_window(Duration::from_secs(2)), Duration::from_secs(10));
        assert_eq!(check_window(Duration::from_secs(10)), Duration::from_secs(30));
    }

    #[test]
    fn only_lost_or_unreadable_answers_are_unknown() {
        assert!(is_unknown(&ApiError::OutcomeUnknown { detail: "reset".into() }));
        assert!(is_unknown(&ApiError::Decode { detail: "eof".into(), request_id: None }));
        assert!(!is_unknown(&ApiError::Network { detail: "could not connect".into() }));
        assert!(!is_unknown(&ApiError::Server { status: 503, request_id: None }));
    }

    #[test]
    fn not_started_says_nothing_changed_and_offers_a_retry() {
        let e = not_started("restore Staging", "the instance stayed “Running”.");
        assert_eq!(e.code, NOT_STARTED);
        assert!(e.retryable);
        assert!(e.message.contains("Nothing was changed"), "{}", e.message);
        assert!(e.message.contains("“Try again”"), "{}", e.message);
    }
}
