//! Restoring an instance from a backup file: the upload job. The console protocol itself (auth, CRC32, chunked
//! resumable upload, import watch) is `lifeboat-upload`; this adds what every overwrite gets (counts before, the
//! safety snapshot, verification after), maps its progress onto the job's steps, and proves the file unchanged.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lifeboat_upload::{CancellationToken, Step as UploadStep, UploadError, UploadProgress, UploadRequest};
use time::OffsetDateTime;

use super::harness::{api_error, job_error, Job};
use super::operations::{before_overwrite, verify_after};
use super::state::{StepId, StepState, TransferProgress, WaitKind, Waiting};
use crate::checksums::ChecksumCache;
use crate::config::AURA_CONSOLE_URL;
use crate::verify::DbLogin;

pub(crate) const UPLOAD_STEPS: &[(StepId, &str)] = &[
    (StepId::CountsBefore, "Count the data as it is now"),
    (StepId::SafetySnapshot, "Take a safety snapshot"),
    (StepId::Checksum, "Check the file with Aura and compute its checksum"),
    (StepId::Upload, "Upload the file"),
    (StepId::Import, "Aura loads the file (the instance is unavailable)"),
    (StepId::Verify, "Check the restored data"),
];

/// The job step an upload step belongs to.
fn job_step(step: UploadStep) -> StepId {
    match step {
        UploadStep::Auth | UploadStep::SizeCheck | UploadStep::Checksum | UploadStep::Initiate => StepId::Checksum,
        UploadStep::Upload | UploadStep::Complete => StepId::Upload,
        UploadStep::Import | UploadStep::Running => StepId::Import,
    }
}

/// Size and modification time: what "the file was not changed" is checked against.
fn fingerprint(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Where upload journals live for this manager.
pub(crate) fn uploads_dir(journal_dir: &Path) -> PathBuf {
    journal_dir.join("uploads")
}

pub(crate) async fn upload(job: Job, login: DbLogin, resume_id: Option<String>, cancel: CancellationToken) {
    let state = job.state();
    let instance_id = state.instance_id.clone();
    let Some(path) = state.file.clone() else {
        return job.fail(StepId::Checksum, job_error("invalid-input", "No file was chosen.", false));
    };
    if resume_id.is_none() && !before_overwrite(&job, &instance_id).await {
        return;
    }
    let instance = match job.manager.client.get_instance(&instance_id).await {
        Ok(i) => i,
        Err(e) => return job.fail(StepId::Checksum, api_error(&e)),
    };
    let Some(bolt_uri) = instance.connection_url.clone() else {
        return job.fail(
            StepId::Checksum,
            job_error(
                "no-connection-url",
                "Aura did not give this instance a connection address yet. Wait until it is running, then try again.",
                true,
            ),
        );
    };
    let before = fingerprint(&path);
    let settings = &job.manager.settings;
    let mut request = UploadRequest::new(path.clone(), bolt_uri, login.user.clone(), login.password.clone());
    request.dbid = Some(instance.id.clone());
    let console = job.manager.client.endpoints().console_url.clone();
    // The real console is derived from the connection URI (as neo4j-admin does); only a redirected one is passed.
    request.console_url = (console != AURA_CONSOLE_URL).then_some(console);
    request.overwrite_confirmed = true; // the user typed RESTORE for exactly this file and instance
    request.journal_dir = Some(uploads_dir(&settings.journal_dir));
    if resume_id.is_none() {
        // Computed when the file was inspected, if it has not changed since (the upload re-checks at its step).
        request.known_checksum = tokio::select! {
            known = ChecksumCache::shared().known(&path) => known,
            _ = cancel.cancelled() => None,
        };
    }
    request.resume_id = resume_id;
    let file_bytes = std::fs::metadata(&path).map(|m| m.len()).ok();
    request.expected_import = file_bytes.and_then(|bytes| measured_import(&job.manager, &instance.id, bytes));
    request.poll_interval = settings.poll_interval.min(Duration::from_secs(2));
    if let Ok(chunk) = std::env::var("LIFEBOAT_CHUNK_SIZE").map(|v| v.parse::<u64>()) {
        request.chunk_size = chunk.unwrap_or(request.chunk_size);
    }

    let tx = job.tx.clone();
    let manager = job.manager.clone();
    let progress = move |p: UploadProgress| {
        let step = job_step(p.step);
        let mut changed_step = false;
        tx.send_modify(|s| {
            let now = Some(OffsetDateTime::now_utc());
            if s.step(step).is_some_and(|st| st.state == StepState::Pending) {
                for st in s.steps.iter_mut() {
                    if st.state == StepState::Active && st.id != step {
                        st.state = StepState::Done;
                        st.finished_at = now;
                    }
                }
                if let Some(st) = s.step_mut(step) {
                    st.state = StepState::Active;
                    st.started_at = now;
                }
                if step == StepId::Import {
                    // Aura is asked to load the file: from now on the instance's data is being replaced.
                    s.data_overwritten = Some(true);
                }
                changed_step = true;
            }
            if let Some(message) = &p.message {
                if let Some(st) = s.step_mut(step) {
                    st.detail = Some(message.clone());
                }
            }
            // A stall is a state of its own ("Waiting for Aura… retrying in 4 s"), and ends when bytes move again.
            match p.retry_in_secs {
                Some(secs) => {
                    s.waiting = Some(Waiting {
                        kind: WaitKind::Stalled,
                        message: format!("Waiting for Aura… retrying in {}", crate::words::elapsed(secs.max(1))),
                        retry_at: Some(OffsetDateTime::now_utc() + time::Duration::seconds(secs as i64)),
                    });
                }
                None if s.waiting.as_ref().is_some_and(|w| w.kind == WaitKind::Stalled) => s.waiting = None,
                None => {}
            }
            s.progress = Some(TransferProgress {
                bytes_done: p.bytes_done,
                bytes_total: p.bytes_total,
                bytes_per_sec: (p.bytes_per_sec > 0.0).then_some(p.bytes_per_sec),
                eta_secs: p.eta_secs,
                estimate: p.estimate,
            });
        });
        if changed_step || p.message.is_some() || p.retry_in_secs.is_some() {
            // Clone first: holding the channel's read guard across the journal write would block every reader.
            let state = tx.borrow().clone();
            manager.persist(&state);
        }
    };

    let outcome = lifeboat_upload::run(request, progress, cancel).await;
    let unchanged = before.is_some() && fingerprint(&path) == before;
    job.update(|s| {
        s.progress = None;
        s.result.file_unchanged = Some(unchanged);
    });
    match outcome {
        Ok(done) => {
            job.update(|s| {
                s.result.upload_id = Some(done.upload_id.clone());
                s.result.bytes_resent = Some(done.bytes_resent);
                s.result.duration_secs = Some((done.upload_secs + done.import_secs).round() as u64);
                s.result.import_secs = Some(done.import_secs.round() as u64);
                s.result.file_bytes = file_bytes;
            });
            for step in [StepId::Checksum, StepId::Upload, StepId::Import] {
                if job.state().step(step).is_some_and(|s| s.state != StepState::Done) {
                    job.done(step, None);
                }
            }
            verify_after(&job, &instance_id).await;
            job.succeed();
        }
        Err(e) => {
            let step = job.state().active_step().map(|s| s.id).unwrap_or(StepId::Checksum);
            job.fail(step, upload_error(&e, unchanged));
        }
    }
}

fn upload_error(e: &UploadError, unchanged: bool) -> super::state::JobError {
    let mut message = e.to_string();
    if unchanged && !message.contains("file was not changed") {
        message.push_str(" Your file was not changed.");
    }
    job_error(e.code(), message, e.retryable())
}

/// How long Aura's load of a file of `bytes` should take, from the last measured load of a file into this
/// instance (scaled by size): a better guess than the rule of thumb once one restore has been timed. `None` when
/// the history has none.
fn measured_import(manager: &super::JobManager, instance_id: &str, bytes: u64) -> Option<Duration> {
    let filter = crate::history::HistoryFilter {
        kind: Some(super::JobKind::Upload),
        instance_id: Some(instance_id.to_owned()),
        outcome: Some(crate::jobs::Outcome::Succeeded),
        since: None,
    };
    let last = manager
        .history(&filter)
        .ok()?
        .into_iter()
        .filter(|e| e.import_secs.is_some() && e.file_bytes.is_some_and(|b| b > 0))
        .max_by_key(|e| e.started_at)?;
    let (secs, measured_bytes) = (last.import_secs? as f64, last.file_bytes? as f64);
    Some(Duration::from_secs_f64((secs * bytes as f64 / measured_bytes).max(1.0)))
}
