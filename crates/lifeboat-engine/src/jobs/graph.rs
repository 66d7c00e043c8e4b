//! Data export and import as jobs: the steps, the confirmation, the safety snapshot and what a failure means for
//! the instance at the step it happened in. The transfers themselves are [`crate::graph_export`].
//!
//! An export changes nothing in Aura and is confirmed by the save dialog alone. An import replaces every node and
//! relationship, so it goes through the same prepare → confirm → execute path as a restore: the confirmation dialog
//! gets a one-time token for exactly this file and instance, and the job starts only with it.

use crate::words::grouped;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::watch;
use ts_rs::TS;

use super::harness::{job_error, skip, Job};
use super::operations::before_overwrite;
use super::state::{ItemProgress, JobError, JobKind, JobState, StepId, StepState, TransferProgress};
use super::{JobManager, StartError};
use crate::confirm::{ConfirmError, ConfirmedAction, TOKEN_LIFETIME};
use crate::graph_export::{self, GraphClient, GraphError, Half, ImportEvent, ImportPhase, PAGE_SIZE};
use crate::verify::{DbLogin, GraphCounts};
use lifeboat_basics::rate::SteadyRate;
use lifeboat_upload::CancellationToken;

pub(crate) const EXPORT_STEPS: &[(StepId, &str)] = &[
    (StepId::CountsBefore, "Count the data"),
    (StepId::Nodes, "Read the nodes"),
    (StepId::Relationships, "Read the relationships"),
    (StepId::Verify, "Check the counts against the database"),
    (StepId::Save, "Save the file"),
];

pub(crate) const IMPORT_STEPS: &[(StepId, &str)] = &[
    (StepId::CheckFile, "Check the file"),
    (StepId::CountsBefore, "Count the data as it is now"),
    (StepId::SafetySnapshot, "Take a safety snapshot"),
    (StepId::Delete, "Delete the current data"),
    (StepId::Nodes, "Write the nodes"),
    (StepId::Relationships, "Write the relationships"),
    (StepId::Finish, "Remove the import markers"),
    (StepId::Verify, "Check the imported data"),
];

/// How often item progress is sent to watchers at most (the journal gets only step changes).
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Everything the import confirmation dialog shows, and the token its confirm button must send back.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GraphImportPlan {
    /// One-time confirmation token.
    pub token: String,
    /// Instance whose data is replaced.
    pub instance_id: String,
    /// Its name.
    pub instance_name: String,
    /// The export file, as chosen.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// Its size.
    pub file_size: u64,
    /// The instance the file was exported from.
    pub source_instance_name: String,
    /// When it was exported.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub exported_at: OffsetDateTime,
    /// When the token lapses.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub expires_at: OffsetDateTime,
}

fn file_label(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn counts_words(c: GraphCounts) -> String {
    format!("{} nodes, {} relationships", grouped(c.nodes), grouped(c.relationships))
}

impl JobManager {
    fn graph_login(&self, instance_id: &str) -> Result<DbLogin, StartError> {
        self.logins.login(instance_id).ok_or_else(|| {
            StartError::Invalid(
                "Lifeboat needs this instance's database user and password to read or write its data. Add them, then try again."
                    .into(),
            )
        })
    }

    /// Starts a job that can be cancelled with [`JobManager::cancel`].
    pub(super) fn spawn_cancellable<F, Fut>(self: &Arc<Self>, state: JobState, run: F) -> watch::Receiver<JobState>
    where
        F: FnOnce(Job, CancellationToken) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let cancel = CancellationToken::new();
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).insert(state.id.clone(), cancel.clone());
        let id = state.id.clone();
        let manager = Arc::clone(self);
        self.spawn(state, move |job| async move {
            run(job, cancel).await;
            manager.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        })
    }

    /// Exports every node and relationship of an instance to `path` (chosen in a save dialog, which confirmed any
    /// replacement). Needs a saved database login. Nothing in the instance changes.
    pub async fn start_graph_export(
        self: &Arc<Self>,
        instance_id: &str,
        path: PathBuf,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        let login = self.graph_login(instance_id)?;
        let folder = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(StartError::Invalid(format!(
                "The folder {} does not exist. Choose another place to save the export.",
                folder.display()
            )));
        }
        let instance = self.client.get_instance(instance_id).await?;
        let mut state = JobState::new(
            JobKind::GraphExport,
            &instance.id,
            &instance.name,
            format!("Export the data of {} to {}", instance.name, file_label(&path)),
            EXPORT_STEPS,
        );
        state.file = Some(path);
        Ok(self.spawn_cancellable(state, move |job, cancel| export_job(job, login, cancel)))
    }

    /// Prepares an import: reads the file's header (a full check is the job's first step) and issues the
    /// confirmation token for exactly this file and instance.
    pub async fn plan_graph_import(&self, instance_id: &str, path: &Path) -> Result<GraphImportPlan, StartError> {
        self.graph_login(instance_id)?;
        let file = path.to_path_buf();
        let (header, size) = tokio::task::spawn_blocking(move || graph_export::read_header(&file))
            .await
            .map_err(|e| StartError::Invalid(format!("The file could not be read ({e}). Try again.")))??;
        let instance = self.client.get_instance(instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let token = self
            .confirmations
            .issue(ConfirmedAction::ImportGraph { instance_id: instance.id.clone(), path: path.to_path_buf() });
        Ok(GraphImportPlan {
            token,
            instance_id: instance.id,
            instance_name: instance.name,
            path: path.to_string_lossy().into_owned(),
            file_name: file_label(path),
            file_size: size,
            source_instance_name: header.instance_name,
            exported_at: header.exported_at,
            expires_at: OffsetDateTime::now_utc() + TOKEN_LIFETIME,
        })
    }

    /// Replaces all data in an instance with a data export. Needs the token from
    /// [`JobManager::plan_graph_import`] and a saved database login.
    pub async fn start_graph_import(
        self: &Arc<Self>,
        token: &str,
        safety_snapshot: bool,
        reason: Option<String>,
    ) -> Result<watch::Receiver<JobState>, StartError> {
        let ConfirmedAction::ImportGraph { instance_id, path } = self.confirmations.redeem(token)? else {
            return Err(ConfirmError::NotConfirmed.into());
        };
        let login = self.graph_login(&instance_id)?;
        let instance = self.client.get_instance(&instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let mut state = JobState::new(
            JobKind::GraphImport,
            &instance.id,
            &instance.name,
            format!("Replace the data of {} with {}", instance.name, file_label(&path)),
            IMPORT_STEPS,
        );
        state.file = Some(path);
        state.set_reason(reason);
        if !safety_snapshot {
            skip(&mut state, StepId::SafetySnapshot, "You chose not to take one.");
        }
        Ok(self.spawn_cancellable(state, move |job, cancel| import_job(job, login, cancel)))
    }
}

/// A transfer error as the job shows it, with what it means for the file or the instance.
fn graph_error(e: &GraphError, consequence: &str) -> JobError {
    let mut message = e.to_string();
    if !consequence.is_empty() {
        message.push(' ');
        message.push_str(consequence);
    }
    if matches!(e, GraphError::Cancelled) {
        message = format!("You cancelled. {consequence}");
    }
    JobError { code: e.code().to_owned(), message: message.trim_end().to_owned(), retryable: e.retryable() }
}

/// Item progress, sent to watchers at most every [`PROGRESS_EVERY`] (and always for the first and last report).
struct Throttle {
    last: Option<Instant>,
}

impl Throttle {
    fn due(&mut self, force: bool) -> bool {
        let due = force || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

/// The item counts of an export's or import's steps as the card shows them: at most every [`PROGRESS_EVERY`], with a
/// rate and — once that rate is steady ([`lifeboat_basics::rate`], the rule uploads follow) — the time left.
struct ItemMeter {
    throttle: Throttle,
    rate: SteadyRate,
    step: Option<StepId>,
}

impl ItemMeter {
    fn new() -> Self {
        ItemMeter { throttle: Throttle { last: None }, rate: SteadyRate::new(), step: None }
    }

    fn show(&mut self, job: &Job, step: StepId, done: u64, total: Option<u64>, unit: &str) {
        let now = Instant::now();
        if self.step != Some(step) {
            // A new step counts from its own start: the last step's pace says nothing about this one's.
            self.step = Some(step);
            self.rate.start_at(now, done);
        } else {
            self.rate.sample(now, done);
        }
        if !self.throttle.due(false) {
            return;
        }
        let eta_secs = total.and_then(|t| self.rate.eta_secs(now, done, t));
        let per_sec = self.rate.per_sec().map(|r| r.round() as u64);
        let detail = match total {
            Some(t) => format!("{} of {} {unit}", grouped(done), grouped(t)),
            None => format!("{} {unit}", grouped(done)),
        };
        job.tx.send_modify(|s| {
            s.item_progress = Some(ItemProgress { done, total, unit: unit.to_owned(), per_sec, eta_secs });
            if let Some(st) = s.step_mut(step) {
                st.detail = Some(detail);
            }
        });
    }
}

fn clear_progress(job: &Job) {
    job.tx.send_modify(|s| {
        s.item_progress = None;
        s.progress = None;
    });
}

fn client_for(job: &Job) -> Result<GraphClient, GraphError> {
    GraphClient::new(job.manager.client.endpoints())
}

const NO_FILE: &str = "No file was saved.";

pub(crate) async fn export_job(job: Job, login: DbLogin, cancel: CancellationToken) {
    let Some(path) = job.state().file.clone() else {
        return job.fail(StepId::CountsBefore, job_error("invalid-input", "No file was chosen.", false));
    };
    let Some(pending) = read_graph(&job, &login, &cancel, &path, NO_FILE).await else { return };

    job.begin(StepId::Save);
    if cancel.is_cancelled() {
        return job.fail(StepId::Save, graph_error(&GraphError::Cancelled, NO_FILE));
    }
    match pending.save().await {
        Ok(summary) => {
            job.done(
                StepId::Save,
                Some(format!(
                    "Saved as {} ({}, digest {})",
                    path.display(),
                    crate::words::size(summary.bytes),
                    summary.digest
                )),
            );
            job.succeed();
        }
        Err(e) => job.fail(StepId::Save, graph_error(&e, "")),
    }
}

/// The reading half of an export, shared with scheduled copies: the steps `counts-before`, `nodes`,
/// `relationships` and `verify` (the file's counts against the database's). The file is left complete and
/// fsynced under its temporary name beside `path`. On any failure the job fails (`consequence` says what that
/// means for the file) and `None` is returned.
pub(crate) async fn read_graph(
    job: &Job,
    login: &DbLogin,
    cancel: &CancellationToken,
    path: &Path,
    consequence: &str,
) -> Option<graph_export::PendingExport> {
    let state = job.state();
    let (instance_id, instance_name) = (state.instance_id.clone(), state.instance_name.clone());
    let job_fail = |step: StepId, e: &GraphError, consequence: &str| -> Option<graph_export::PendingExport> {
        job.fail(step, graph_error(e, consequence));
        None
    };
    let client = match client_for(job) {
        Ok(c) => c,
        Err(e) => return job_fail(StepId::CountsBefore, &e, consequence),
    };

    job.begin(StepId::CountsBefore);
    let before = match client.counts(&instance_id, login).await {
        Ok(c) => c,
        Err(e) => return job_fail(StepId::CountsBefore, &e, consequence),
    };
    job.update(|s| s.result.counts_before = Some(before));
    job.done(StepId::CountsBefore, Some(counts_words(before)));

    job.begin(StepId::Nodes);
    let mut meter = ItemMeter::new();
    let mut half_now = Half::Nodes;
    let mut nodes_read = 0;
    let progress = |half: Half, done: u64| {
        if half != half_now {
            half_now = half;
            clear_progress(job);
            job.done(StepId::Nodes, Some(format!("{} nodes", grouped(nodes_read))));
            job.begin(StepId::Relationships);
        }
        if half == Half::Nodes {
            nodes_read = done;
        }
        let (step, total, unit) = match half {
            Half::Nodes => (StepId::Nodes, before.nodes, "nodes"),
            Half::Relationships => (StepId::Relationships, before.relationships, "relationships"),
        };
        meter.show(job, step, done, Some(total.max(done)), unit);
    };
    let pending =
        graph_export::export(&client, login, &instance_id, &instance_name, path, PAGE_SIZE, progress, cancel).await;
    clear_progress(job);
    let pending = match pending {
        Ok(p) => p,
        Err(e) => {
            let step = job.state().active_step().map(|s| s.id).unwrap_or(StepId::Nodes);
            return job_fail(step, &e, consequence);
        }
    };
    let file = pending.summary.counts;
    pending.summary.timings.log("export", file.nodes + file.relationships);
    if job.state().step(StepId::Nodes).is_some_and(|s| s.state == StepState::Active) {
        // A graph without relationships never reported the second half.
        job.done(StepId::Nodes, Some(format!("{} nodes", grouped(file.nodes))));
        job.begin(StepId::Relationships);
    }
    job.done(StepId::Relationships, Some(format!("{} relationships", grouped(file.relationships))));
    job.update(|s| {
        s.result.file_counts = Some(file);
        s.result.file_digest = Some(pending.summary.digest.clone());
        s.result.file_bytes = Some(pending.summary.bytes);
    });

    job.begin(StepId::Verify);
    let after = match client.counts(&instance_id, login).await {
        Ok(c) => c,
        Err(e) => return job_fail(StepId::Verify, &e, consequence),
    };
    job.update(|s| s.result.counts_after = Some(after));
    let within = |x: u64, a: u64, b: u64| (a.min(b)..=a.max(b)).contains(&x);
    // What was read, the relationships left out included (they were read, and are not in the file on purpose).
    let read =
        GraphCounts { nodes: file.nodes, relationships: file.relationships + pending.summary.left_out_relationships };
    let note = if file == after {
        format!("The file holds all {}, as the database counts them.", counts_words(file))
    } else if before != after
        && within(read.nodes, before.nodes, after.nodes)
        && within(read.relationships, before.relationships, after.relationships)
    {
        format!(
            "The database changed while it was read ({} before, {} after); the file holds {}.",
            counts_words(before),
            counts_words(after),
            counts_words(file)
        )
    } else {
        let e = GraphError::CountMismatch {
            expected_nodes: after.nodes,
            expected_rels: after.relationships,
            found_nodes: file.nodes,
            found_rels: file.relationships,
        };
        return job_fail(StepId::Verify, &e, "The export is incomplete, so it was not saved. Try again.");
    };
    let left_out = pending.summary.left_out_relationships;
    let note = if left_out > 0 {
        format!(
            "{note} {} relationships added during the export to nodes added after the nodes were read were left out, so every relationship in the file connects nodes in it.",
            grouped(left_out)
        )
    } else {
        note
    };
    job.done(StepId::Verify, Some(note));
    Some(pending)
}

fn import_step(phase: ImportPhase) -> StepId {
    match phase {
        ImportPhase::Delete => StepId::Delete,
        ImportPhase::Nodes => StepId::Nodes,
        ImportPhase::Relationships => StepId::Relationships,
        ImportPhase::Finish => StepId::Finish,
    }
}

pub(crate) async fn import_job(job: Job, login: DbLogin, cancel: CancellationToken) {
    let state = job.state();
    let (instance_id, name) = (state.instance_id.clone(), state.instance_name.clone());
    let untouched = format!("Nothing was changed in {name}.");
    let partial =
        format!("{name} may now hold only part of the data: import the file again, or restore the safety snapshot.");
    let Some(path) = state.file.clone() else {
        return job.fail(StepId::CheckFile, job_error("invalid-input", "No file was chosen.", false));
    };
    let client = match client_for(&job) {
        Ok(c) => c,
        Err(e) => return job.fail(StepId::CheckFile, graph_error(&e, &untouched)),
    };

    job.begin(StepId::CheckFile);
    let tx = job.tx.clone();
    let file = path.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let mut throttle = Throttle { last: None };
        graph_export::check_file(&file, |done, total| {
            if throttle.due(done == total) {
                tx.send_modify(|s| {
                    s.progress = Some(TransferProgress {
                        bytes_done: done,
                        bytes_total: total,
                        bytes_per_sec: None,
                        eta_secs: None,
                        estimate: false,
                    })
                });
            }
        })
    })
    .await;
    clear_progress(&job);
    let summary = match checked {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return job.fail(StepId::CheckFile, graph_error(&GraphError::File(e), "")),
        Err(e) => {
            return job.fail(
                StepId::CheckFile,
                job_error("graph-file-unreadable", format!("The file could not be read ({e}). {untouched}"), true),
            )
        }
    };
    let expected = summary.counts;
    job.update(|s| {
        s.result.file_counts = Some(expected);
        s.result.file_digest = Some(summary.digest.clone());
        s.result.file_bytes = Some(summary.bytes);
    });
    let exported = crate::words::utc_label(summary.header.exported_at);
    job.done(
        StepId::CheckFile,
        Some(format!("{} from {}, exported {exported}", counts_words(expected), summary.header.instance_name)),
    );

    if cancel.is_cancelled() {
        return job.fail(StepId::CountsBefore, graph_error(&GraphError::Cancelled, &untouched));
    }
    if !before_overwrite(&job, &instance_id).await {
        return;
    }

    let before = job.state().result.counts_before;
    let mut meter = ItemMeter::new();
    let on_event = |event: ImportEvent| match event {
        ImportEvent::Started(phase) => {
            clear_progress(&job);
            // Every phase of the import (the delete first) changes the instance's data.
            job.update(|s| s.data_overwritten = Some(true));
            job.begin(import_step(phase));
        }
        ImportEvent::Progress(phase, done) => {
            let (total, unit) = match phase {
                ImportPhase::Delete => (before.map(|c| c.nodes.max(done)), "nodes deleted"),
                ImportPhase::Nodes => (Some(expected.nodes), "nodes"),
                ImportPhase::Relationships => (Some(expected.relationships), "relationships"),
                ImportPhase::Finish => (Some(expected.nodes), "nodes"),
            };
            meter.show(&job, import_step(phase), done, total, unit);
        }
        ImportEvent::Finished(phase) => {
            clear_progress(&job);
            let detail = match phase {
                ImportPhase::Delete => None,
                ImportPhase::Nodes => Some(format!("{} nodes", grouped(expected.nodes))),
                ImportPhase::Relationships => Some(format!("{} relationships", grouped(expected.relationships))),
                ImportPhase::Finish => None,
            };
            job.done(import_step(phase), detail);
        }
    };
    let imported = graph_export::import(&client, &login, &instance_id, &path, on_event, &cancel).await;
    clear_progress(&job);
    match imported {
        Ok(summary) => summary.timings.log("import", summary.created.nodes + summary.created.relationships),
        Err(e) => {
            let step = job.state().active_step().map(|s| s.id).unwrap_or(StepId::Delete);
            return job.fail(step, graph_error(&e, &partial));
        }
    }

    job.begin(StepId::Verify);
    match client.counts(&instance_id, &login).await {
        Ok(after) if after == expected => {
            job.update(|s| s.result.counts_after = Some(after));
            job.done(StepId::Verify, Some(format!("{}, as in the file", counts_words(after))));
        }
        Ok(after) => {
            job.update(|s| s.result.counts_after = Some(after));
            return job.fail(StepId::Verify, graph_error(&GraphError::mismatch(expected, after), &partial));
        }
        // Everything was written and acknowledged; only the final count could not be taken.
        Err(e) => job.set_step(StepId::Verify, StepState::Skipped, format!("The data could not be counted: {e}")),
    }
    job.succeed();
}

/// A data export or import that an earlier run of Lifeboat left open: the work ran in this process, so it stopped.
pub(crate) fn interrupted(job: &Job) {
    let state = job.state();
    let step = state.active_step().map(|s| s.id).unwrap_or(state.steps[0].id);
    let message = match state.kind {
        JobKind::GraphImport if state.data_overwritten == Some(false) => {
            format!("Lifeboat was closed before the import changed anything, so nothing was changed in {}. Import the file again.", state.instance_name)
        }
        JobKind::GraphImport => format!(
            "Lifeboat was closed during the import, so {} may hold only part of the data. Import the file again, or restore the safety snapshot.",
            state.instance_name
        ),
        _ => format!(
            "Lifeboat was closed during the export, so no file was saved{}. Export again.",
            state.file.as_ref().map(|p| format!(" as {}", file_label(p))).unwrap_or_default()
        ),
    };
    job.fail(step, job_error("interrupted", message, true));
}
