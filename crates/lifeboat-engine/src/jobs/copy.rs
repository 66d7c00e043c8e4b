//! A scheduled copy as a job: a logical export of the instance into the schedule's folder, read back and checked
//! (counts and content digest) before it gets its name, saved without ever replacing a file, added to the
//! schedule's manifest, and then older copies beyond "keep" pruned — only those the manifest lists and that are
//! untouched (see [`crate::strategy::manifest`]).
//!
//! The job never fails to start: a missing login or folder is a failed first step, so every run, good or bad, ends
//! up in the history. When runs are due and who is told is [`crate::strategy::copies`].

use crate::jobs::StepId;
use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::watch;

use super::graph::read_graph;
use super::harness::{job_error, Job};
use super::state::{JobKind, JobState};
use super::JobManager;
use crate::graph_export;
use crate::strategy::manifest::{self, CopyRecord, Manifest};
use crate::strategy::schedule::{self, Schedule};
use crate::strategy::CopyFacts;
use crate::verify::DbLogin;
use lifeboat_upload::CancellationToken;

pub(crate) const COPY_STEPS: &[(StepId, &str)] = &[
    (StepId::Prepare, "Check the copies folder and the database login"),
    (StepId::CountsBefore, "Count the data"),
    (StepId::Nodes, "Read the nodes"),
    (StepId::Relationships, "Read the relationships"),
    (StepId::Verify, "Check the counts against the database"),
    (StepId::CheckCopy, "Read the copy back and check it"),
    (StepId::Save, "Save the copy under its name"),
    (StepId::Prune, "Remove older copies beyond the number to keep"),
];

const NO_COPY: &str = "No copy was saved this time.";

impl JobManager {
    /// Runs a schedule's copy now (`slot`: the scheduled time it stands for; `None` when started by hand).
    pub fn start_scheduled_copy(
        self: &Arc<Self>,
        schedule: &Schedule,
        slot: Option<OffsetDateTime>,
    ) -> watch::Receiver<JobState> {
        let now = OffsetDateTime::now_utc();
        let name = graph_export::file_name_to_the_second(&schedule.instance_name, now);
        let mut state = JobState::new(
            JobKind::ScheduledCopy,
            &schedule.instance_id,
            &schedule.instance_name,
            format!("Scheduled copy of {} to {}", schedule.instance_name, schedule.folder.display()),
            COPY_STEPS,
        );
        state.file = Some(schedule.folder.join(name));
        state.copy = Some(CopyFacts {
            schedule_id: schedule.id.clone(),
            schedule_name: schedule.name.clone(),
            folder: schedule.folder.clone(),
            keep: schedule.keep,
            slot,
            ..CopyFacts::default()
        });
        let login = self.logins.login(&schedule.instance_id);
        let schedule = schedule.clone();
        self.spawn_cancellable(state, move |job, cancel| copy_job(job, schedule, login, cancel))
    }
}

fn update_copy(job: &Job, change: impl FnOnce(&mut CopyFacts)) {
    job.update(|s| {
        if let Some(c) = s.copy.as_mut() {
            change(c);
        }
    });
}

async fn copy_job(job: Job, schedule: Schedule, login: Option<DbLogin>, cancel: CancellationToken) {
    let name = schedule.instance_name.clone();
    job.begin(StepId::Prepare);
    let folder = schedule.folder.clone();
    let checked = tokio::task::spawn_blocking(move || schedule::check_folder(&folder)).await;
    match checked {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return job.fail(StepId::Prepare, job_error(e.code(), format!("{e} {NO_COPY}"), true)),
        Err(e) => return job.fail(StepId::Prepare, job_error("internal", format!("{e}. {NO_COPY}"), true)),
    }
    let Some(login) = login else {
        return job.fail(
            StepId::Prepare,
            job_error(
                "no-db-login",
                format!(
                    "Lifeboat has no database login for {name} in the keyring, so it cannot read the data. Save the login in Lifeboat (Database login, in the instance's details), then run the copy again. {NO_COPY}"
                ),
                false,
            ),
        );
    };
    job.done(StepId::Prepare, Some(format!("{} is writable; the database login is saved", schedule.folder.display())));

    let Some(path) = job.state().file.clone() else { return };
    let Some(pending) = read_graph(&job, &login, &cancel, &path, NO_COPY).await else { return };

    // Read back what is on the disk before it gets its name: a copy nobody checked is not a copy.
    job.begin(StepId::CheckCopy);
    let temp: PathBuf = pending.temp_path().to_path_buf();
    let read = tokio::task::spawn_blocking(move || graph_export::check_file(&temp, |_, _| {})).await;
    let written = pending.summary.clone();
    match read {
        Ok(Ok(back)) if back.counts == written.counts && back.digest == written.digest => {
            update_copy(&job, |c| c.verified = true);
            job.done(
                StepId::CheckCopy,
                Some(format!(
                    "{} nodes and {} relationships, digest {}, as written",
                    back.counts.nodes, back.counts.relationships, back.digest
                )),
            );
        }
        Ok(Ok(back)) => {
            return job.fail(
                StepId::CheckCopy,
                job_error(
                    "copy-mismatch",
                    format!(
                        "The copy read back from the disk differs from what was written ({} nodes, digest {} instead of {} nodes, digest {}): the disk may be failing. {NO_COPY}",
                        back.counts.nodes, back.digest, written.counts.nodes, written.digest
                    ),
                    true,
                ),
            )
        }
        Ok(Err(e)) => {
            return job.fail(
                StepId::CheckCopy,
                job_error(e.code(), format!("The copy could not be read back ({e}). {NO_COPY}"), true),
            )
        }
        Err(e) => return job.fail(StepId::CheckCopy, job_error("internal", format!("{e}. {NO_COPY}"), true)),
    }

    job.begin(StepId::Save);
    if cancel.is_cancelled() {
        return job.fail(StepId::Save, job_error("cancelled", format!("You cancelled. {NO_COPY}"), false));
    }
    let (saved, summary) = match pending.save_new().await {
        Ok(saved) => saved,
        Err(e) => return job.fail(StepId::Save, job_error(e.code(), format!("{e} {NO_COPY}"), e.retryable())),
    };
    let file_name = saved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    job.update(|s| s.file = Some(saved.clone()));
    let folder = schedule.folder.clone();
    let (id, sname, instance) = (schedule.id.clone(), schedule.name.clone(), schedule.instance_id.clone());
    let record_name = file_name.clone();
    let recorded = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let (bytes, modified_ns) = manifest::stamp(&saved)?;
        let mut m = Manifest::load(&folder, &id, &sname, &instance)?;
        m.copies.push(CopyRecord {
            file: record_name,
            bytes,
            modified_ns,
            digest: summary.digest.clone(),
            counts: summary.counts,
            made_at: OffsetDateTime::now_utc(),
        });
        m.save(&folder)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r);
    update_copy(&job, |c| c.saved = true);
    if let Err(e) = recorded {
        // The copy is saved and checked; without a manifest line it is simply never pruned.
        return job.fail(
            StepId::Save,
            job_error(
                "manifest-write",
                format!(
                    "The copy is saved as {file_name}, but Lifeboat could not note it in the folder's list of copies ({e}), so it will never remove it. Older copies were left alone."
                ),
                true,
            ),
        );
    }
    job.done(StepId::Save, Some(format!("Saved as {file_name} ({})", crate::words::size(summary.bytes))));

    job.begin(StepId::Prune);
    let folder = schedule.folder.clone();
    let (id, sname, instance, keep) =
        (schedule.id.clone(), schedule.name.clone(), schedule.instance_id.clone(), schedule.keep);
    let pruned = tokio::task::spawn_blocking(move || -> std::io::Result<(Vec<String>, usize)> {
        let mut m = Manifest::load(&folder, &id, &sname, &instance)?;
        let deleted = m.prune(&folder, keep as usize)?;
        Ok((deleted, m.copies.len()))
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r);
    match pruned {
        Ok((deleted, kept)) => {
            let detail = match deleted.len() {
                0 => format!("Nothing to remove: {kept} of at most {keep} copies kept"),
                n => format!("Removed {n} older {}: {}; {kept} kept", if n == 1 { "copy" } else { "copies" }, deleted.join(", ")),
            };
            update_copy(&job, |c| c.pruned = deleted);
            job.done(StepId::Prune, Some(detail));
            job.succeed();
        }
        Err(e) => job.fail(
            StepId::Prune,
            job_error(
                "prune-failed",
                format!(
                    "The copy is saved as {file_name}, but older copies could not be removed ({e}). They use disk space until they are removed."
                ),
                true,
            ),
        ),
    }
}

/// A copy an earlier run of Lifeboat left unfinished: the work ran in that process, so it stopped.
pub(crate) fn interrupted(job: &Job) {
    let state = job.state();
    let step = state.active_step().map(|s| s.id).unwrap_or(state.steps[0].id);
    let saved = state.copy.as_ref().is_some_and(|c| c.saved);
    let message = if saved {
        "Lifeboat was closed after the copy was saved but before older copies were removed. They are removed at the next run."
            .to_owned()
    } else {
        format!("Lifeboat was closed during the scheduled copy of {}, so no copy was saved. It runs again at its next time, or run it now.", state.instance_name)
    };
    job.fail(step, job_error("interrupted", message, true));
}
