//! Guided snapshot export on the job manager: the session that watches for the download (so the window can only
//! export files Lifeboat found, never a path it makes up), and the export job that copies the file atomically,
//! verifies it, names it, and records it in the history. The pieces without an account (console link, name,
//! watcher, copy) are in [`crate::exports`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeboat_archive::{inspect, CheckId, InspectOptions};
use lifeboat_upload::CancellationToken;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::harness::{job_error, skip, Job};
use super::state::{JobError, JobKind, JobState, StepId, StepState, TransferProgress};
use super::JobManager;
use crate::api::SnapshotStatus;
use crate::exports::copy::{self, Copied, Fingerprint};
use crate::exports::{
    console_link, crc_hex, default_download_dir, proposed_file_name, size_words, utc_words, DownloadWatcher,
    ExportCandidate, ExportError, ExportEvent, ExportFile, ExportPlan, WatchEvent, WatchedFolder, DEFAULT_SETTLE,
};

pub(crate) const EXPORT_STEPS: &[(StepId, &str)] = &[
    (StepId::Inspect, "Check the downloaded file"),
    (StepId::Copy, "Copy it to the folder you chose"),
    (StepId::Verify, "Compare the copy with the download (size and CRC-32)"),
    (StepId::Save, "Give the copy its name"),
    (StepId::RemoveDownload, "Remove the download"),
];

/// Sessions are forgotten after this long, or when more than [`MAX_SESSIONS`] are open.
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
const MAX_SESSIONS: usize = 8;
/// A backup time further than this from the snapshot's is worth a word.
const TIME_TOLERANCE: time::Duration = time::Duration::hours(1);

/// Where the watch sends what it finds; `false` means nobody listens any more, and the watch stops.
pub type ExportSink = Arc<dyn Fn(ExportEvent) -> bool + Send + Sync>;

/// A file the watch found, with what the job needs to copy it.
#[derive(Clone)]
struct Found {
    candidate: ExportCandidate,
    path: PathBuf,
    print: Fingerprint,
    extension: String,
}

struct Session {
    instance_id: String,
    instance_name: String,
    snapshot_id: String,
    snapshot_time: OffsetDateTime,
    console_url: String,
    opened: Instant,
    watcher: Mutex<DownloadWatcher>,
    found: Mutex<HashMap<String, Found>>,
    stop: Mutex<Option<CancellationToken>>,
}

impl Session {
    fn close(&self) {
        if let Some(token) = lock(&self.stop).take() {
            token.cancel();
        }
    }

    fn folders(&self) -> Vec<WatchedFolder> {
        lock(&self.watcher).folders().iter().map(|f| WatchedFolder::of(f)).collect()
    }
}

/// The open export sessions of one account.
#[derive(Default)]
pub(crate) struct Sessions(Mutex<HashMap<String, Arc<Session>>>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn new_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

impl Sessions {
    fn get(&self, id: &str) -> Result<Arc<Session>, ExportError> {
        lock(&self.0).get(id).cloned().ok_or(ExportError::SessionGone)
    }

    fn insert(&self, id: String, session: Session) {
        let mut open = lock(&self.0);
        open.retain(|_, s| {
            let keep = s.opened.elapsed() < SESSION_LIFETIME;
            if !keep {
                s.close();
            }
            keep
        });
        while open.len() >= MAX_SESSIONS {
            let Some(oldest) = open.iter().min_by_key(|(_, s)| s.opened).map(|(k, _)| k.clone()) else { break };
            if let Some(s) = open.remove(&oldest) {
                s.close();
            }
        }
        open.insert(id, Arc::new(session));
    }
}

/// Inspects a file the watch found: recognised and whole, or why not.
async fn inspect_found(session: &Session, path: PathBuf, print: Fingerprint) -> Found {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let folder = path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let own_extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let target = path.clone();
    let inspected = tokio::task::spawn_blocking(move || inspect(&target, &InspectOptions::default())).await;
    let mut candidate = ExportCandidate {
        id: new_id(),
        path: path.to_string_lossy().into_owned(),
        file_name,
        folder,
        size: print.bytes,
        format_label: "Not recognised".into(),
        backup_time: None,
        checks: Vec::new(),
        usable: false,
        problem: None,
        notes: Vec::new(),
        proposed_name: proposed_file_name(&session.instance_name, session.snapshot_time, &own_extension),
    };
    let mut extension = own_extension;
    match inspected {
        Ok(Ok(found)) => {
            candidate.format_label = found.format_label.clone();
            candidate.backup_time = found.backup_time;
            candidate.checks = found
                .checks
                .iter()
                .filter(|c| matches!(c.id, CheckId::Readable | CheckId::Complete))
                .cloned()
                .collect();
            candidate.usable = found.ok(CheckId::Readable) == Some(true) && found.ok(CheckId::Complete) == Some(true);
            if !candidate.usable {
                candidate.problem = Some(found.problems.first().map(|p| p.message.clone()).unwrap_or_else(|| {
                    "Lifeboat could not confirm that this is a whole Neo4j backup. Download it again.".into()
                }));
            }
            if let Some(ext) = found.format.extensions().first() {
                extension = ext.trim_start_matches('.').to_owned();
                candidate.proposed_name = proposed_file_name(&session.instance_name, session.snapshot_time, &extension);
            }
            if let Some(t) = found.backup_time.filter(|t| (*t - session.snapshot_time).abs() > TIME_TOLERANCE) {
                candidate.notes.push(format!(
                    "This backup was taken at {}, but you are exporting the snapshot of {}. Check that it is the right file.",
                    utc_words(t),
                    utc_words(session.snapshot_time)
                ));
            }
        }
        Ok(Err(e)) => candidate.problem = Some(e.to_string()),
        Err(e) => candidate.problem = Some(format!("The check of this file stopped unexpectedly ({e}). Try again.")),
    }
    Found { candidate, path, print, extension }
}

/// Lists the folders every half second (or faster in tests) until stopped or nobody listens.
async fn watch_loop(session: Arc<Session>, sink: ExportSink, stop: CancellationToken, every: Duration) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        // A window that went away without closing the export (a reload) is not watched for ever.
        if session.opened.elapsed() > SESSION_LIFETIME {
            return;
        }
        let polled = {
            let session = session.clone();
            tokio::task::spawn_blocking(move || lock(&session.watcher).poll(Instant::now())).await
        };
        let Ok(events) = polled else { return };
        for event in events {
            let out = match event {
                WatchEvent::Downloading { folder, file_name, bytes } => {
                    ExportEvent::Downloading { file_name, folder: folder.to_string_lossy().into_owned(), bytes }
                }
                WatchEvent::Unreadable { folder, error } => ExportEvent::FolderUnreadable {
                    folder: folder.to_string_lossy().into_owned(),
                    message: format!(
                        "Lifeboat cannot read this folder ({error}). Check its permissions, or watch another folder."
                    ),
                },
                WatchEvent::Ready { path, bytes, modified } => {
                    let found = inspect_found(&session, path, Fingerprint { bytes, modified }).await;
                    let candidate = found.candidate.clone();
                    lock(&session.found).insert(candidate.id.clone(), found);
                    ExportEvent::Found(Box::new(candidate))
                }
            };
            if stop.is_cancelled() || !sink(out) {
                return;
            }
        }
    }
}

impl JobManager {
    /// Starts guiding the export of a snapshot: checks that Aura exports it, and opens a session that watches the
    /// Downloads folder from now on. Returns the console page to open, the steps, and the folders watched.
    pub async fn plan_snapshot_export(&self, instance_id: &str, snapshot_id: &str) -> Result<ExportPlan, ExportError> {
        let instance = self.client.get_instance(instance_id).await?;
        let snapshot = self.client.get_snapshot(instance_id, snapshot_id).await?;
        if snapshot.status != SnapshotStatus::Completed {
            return Err(ExportError::NotCompleted);
        }
        if !snapshot.exportable {
            return Err(ExportError::NotExportable);
        }
        let console = console_link(self.client.endpoints(), &instance, &snapshot);
        let mut watcher = DownloadWatcher::new(DEFAULT_SETTLE);
        if let Some(downloads) = default_download_dir() {
            watcher.add_folder(&downloads);
        }
        let session = Session {
            instance_id: instance.id.clone(),
            instance_name: instance.name.clone(),
            snapshot_id: snapshot.snapshot_id.clone(),
            snapshot_time: snapshot.timestamp,
            console_url: console.url.clone(),
            opened: Instant::now(),
            watcher: Mutex::new(watcher),
            found: Mutex::new(HashMap::new()),
            stop: Mutex::new(None),
        };
        let folders = session.folders();
        let session_id = new_id();
        self.exports.insert(session_id.clone(), session);
        Ok(ExportPlan {
            session_id,
            instance_id: instance.id,
            instance_name: instance.name,
            snapshot_id: snapshot.snapshot_id,
            snapshot_time: snapshot.timestamp,
            console,
            folders,
        })
    }

    /// Sends what the session's watch finds to `sink` until the session closes or `sink` returns `false`. A second
    /// call replaces the first listener (a reloaded window).
    pub fn watch_snapshot_export(&self, session_id: &str, sink: ExportSink) -> Result<(), ExportError> {
        let session = self.exports.get(session_id)?;
        let stop = CancellationToken::new();
        if let Some(old) = lock(&session.stop).replace(stop.clone()) {
            old.cancel();
        }
        let every = self.settings.poll_interval.min(Duration::from_millis(500));
        tokio::spawn(watch_loop(session, sink, stop, every));
        Ok(())
    }

    /// Also watches `folder` (only files that appear or change there from now on count).
    pub fn add_export_folder(&self, session_id: &str, folder: &Path) -> Result<Vec<WatchedFolder>, ExportError> {
        let session = self.exports.get(session_id)?;
        if !folder.is_dir() {
            return Err(ExportError::NotAFolder(folder.to_path_buf()));
        }
        lock(&session.watcher).add_folder(folder);
        Ok(session.folders())
    }

    /// The console page of an open export (the shell opens it in the browser).
    pub fn export_console_url(&self, session_id: &str) -> Result<String, ExportError> {
        Ok(self.exports.get(session_id)?.console_url.clone())
    }

    /// A file the session's watch found.
    pub fn export_candidate(&self, session_id: &str, candidate_id: &str) -> Result<ExportCandidate, ExportError> {
        let session = self.exports.get(session_id)?;
        let found = lock(&session.found).get(candidate_id).map(|f| f.candidate.clone());
        found.ok_or(ExportError::UnknownFile)
    }

    /// Stops watching and forgets the session (the dialog closed). A job it started goes on.
    pub fn close_snapshot_export(&self, session_id: &str) {
        if let Some(session) = lock(&self.exports.0).remove(session_id) {
            session.close();
        }
    }

    /// Keeps a file the watch found at `destination` (chosen in the save dialog): checks it is still exactly as
    /// inspected, then copies, verifies, names it — and removes the download afterwards if `remove_download`.
    pub fn start_snapshot_export(
        self: &Arc<Self>,
        session_id: &str,
        candidate_id: &str,
        destination: &Path,
        remove_download: bool,
    ) -> Result<watch::Receiver<JobState>, ExportError> {
        let session = self.exports.get(session_id)?;
        let found = lock(&session.found).get(candidate_id).cloned().ok_or(ExportError::UnknownFile)?;
        if !found.candidate.usable {
            return Err(ExportError::Unusable(found.candidate.problem.clone().unwrap_or_default()));
        }
        if copy::fingerprint(&found.path).ok() != Some(found.print) {
            return Err(ExportError::SourceChanged);
        }
        let destination = copy::check_destination(&found.path, destination, &found.extension)?;
        let mut state = JobState::new(
            JobKind::SnapshotExport,
            &session.instance_id,
            &session.instance_name,
            format!("Export {}’s snapshot of {} to a file", session.instance_name, utc_words(session.snapshot_time)),
            EXPORT_STEPS,
        );
        let folder_of = |p: &Path| p.parent().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        let name_of = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for (step, label) in [
            (StepId::Copy, format!("Copy it to {}", folder_of(&destination))),
            (StepId::Save, format!("Save it as {}", name_of(&destination))),
            (StepId::RemoveDownload, format!("Remove the download from {}", folder_of(&found.path))),
        ] {
            if let Some(s) = state.step_mut(step) {
                s.label = label;
            }
        }
        state.snapshot_id = Some(session.snapshot_id.clone());
        state.snapshot_time = Some(session.snapshot_time);
        state.file = Some(destination.clone());
        state.export = Some(ExportFile {
            source: found.path.clone(),
            temp: copy::temp_path(&destination, &state.id),
            destination,
            remove_download,
            source_bytes: found.print.bytes,
            source_modified: found.print.modified.map(OffsetDateTime::from),
            format_label: found.candidate.format_label.clone(),
            bytes: None,
            crc32: None,
            download_removed: None,
        });
        if !remove_download {
            skip(&mut state, StepId::RemoveDownload, "You chose to keep the download.");
        }
        let cancel = CancellationToken::new();
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).insert(state.id.clone(), cancel.clone());
        let id = state.id.clone();
        let manager = Arc::clone(self);
        Ok(self.spawn(state, move |job| async move {
            run(job, cancel).await;
            manager.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        }))
    }
}

fn export_error(e: &ExportError) -> JobError {
    job_error(e.code(), e.to_string(), e.retryable())
}

fn expected_print(file: &ExportFile) -> Fingerprint {
    Fingerprint { bytes: file.source_bytes, modified: file.source_modified.map(std::time::SystemTime::from) }
}

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ExportError> + Send + 'static,
) -> Result<T, ExportError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(ExportError::Io { what: "finish the copy", source: std::io::Error::other(e.to_string()) })
    })
}

async fn run(job: Job, cancel: CancellationToken) {
    let Some(file) = job.state().export.clone() else {
        return job.fail(StepId::Inspect, job_error("invalid-input", "No file was chosen.", false));
    };
    let expected = expected_print(&file);

    job.begin(StepId::Inspect);
    let source = file.source.clone();
    match blocking(move || {
        copy::fingerprint(&source).map_err(|source| ExportError::Io { what: "read the downloaded file", source })
    })
    .await
    {
        Ok(now) if now == expected => {
            job.done(StepId::Inspect, Some(format!("{}, {}", file.format_label, size_words(file.source_bytes))))
        }
        Ok(_) => return job.fail(StepId::Inspect, export_error(&ExportError::SourceChanged)),
        Err(e) => return job.fail(StepId::Inspect, export_error(&e)),
    }

    job.begin(StepId::Copy);
    let tx = job.tx.clone();
    let (source, temp) = (file.source.clone(), file.temp.clone());
    let copied = blocking(move || {
        let started = Instant::now();
        let mut last: Option<Instant> = None;
        let mut progress = |done: u64, total: u64| {
            // About ten updates a second, and always the last one.
            if last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)) || done == total {
                last = Some(Instant::now());
                let secs = started.elapsed().as_secs_f64();
                let speed = (secs > 0.2).then(|| done as f64 / secs);
                tx.send_modify(|s| {
                    s.progress = Some(TransferProgress {
                        bytes_done: done,
                        bytes_total: total,
                        bytes_per_sec: speed,
                        eta_secs: speed.filter(|v| *v > 0.0).map(|v| ((total - done) as f64 / v).ceil() as u64),
                        estimate: false,
                    })
                });
            }
            !cancel.is_cancelled()
        };
        copy::copy_to_temp(&source, &temp, Some(expected), &mut progress)
    })
    .await;
    job.update(|s| s.progress = None);
    let copied = match copied {
        Ok(c) => c,
        Err(e) => return fail_and_discard(&job, &file, StepId::Copy, &e),
    };
    job.done(StepId::Copy, Some(format!("{} copied", size_words(copied.bytes))));

    job.begin(StepId::Verify);
    let temp = file.temp.clone();
    if let Err(e) = blocking(move || copy::verify(&temp, &copied)).await {
        return fail_and_discard(&job, &file, StepId::Verify, &e);
    }
    record_verified(&job, &copied);
    save_and_finish(&job, &file).await;
}

/// The copy was verified: record what it is (the history keeps it).
fn record_verified(job: &Job, copied: &Copied) {
    job.update(|s| {
        if let Some(e) = s.export.as_mut() {
            e.bytes = Some(copied.bytes);
            e.crc32 = Some(crc_hex(copied.crc32));
        }
    });
    job.done(
        StepId::Verify,
        Some(format!(
            "{} bytes, CRC-32 {}: the same as the download",
            crate::words::grouped(copied.bytes),
            crc_hex(copied.crc32)
        )),
    );
}

fn fail_and_discard(job: &Job, file: &ExportFile, step: StepId, e: &ExportError) {
    copy::discard(&file.temp);
    job.fail(step, export_error(e));
}

/// Renames the verified copy to its name, then removes the download if asked.
async fn save_and_finish(job: &Job, file: &ExportFile) {
    job.begin(StepId::Save);
    let (temp, destination) = (file.temp.clone(), file.destination.clone());
    if let Err(e) = blocking(move || copy::publish(&temp, &destination)).await {
        return fail_and_discard(job, file, StepId::Save, &e);
    }
    job.done(StepId::Save, Some(format!("Saved as {}", file.destination.display())));
    remove_download(job, file).await;
    job.succeed();
}

/// Removes the download after a verified copy — only if it is still exactly the file that was copied.
async fn remove_download(job: &Job, file: &ExportFile) {
    if !file.remove_download {
        job.update(|s| {
            if let Some(step) = s.step_mut(StepId::RemoveDownload).filter(|st| st.state != StepState::Skipped) {
                step.state = StepState::Skipped;
                step.detail = Some("You chose to keep the download.".into());
            }
            if let Some(e) = s.export.as_mut() {
                e.download_removed = Some(false);
            }
        });
        return;
    }
    job.begin(StepId::RemoveDownload);
    let expected = expected_print(file);
    let source = file.source.clone();
    let outcome = tokio::task::spawn_blocking(move || match copy::fingerprint(&source) {
        Ok(now) if now == expected => std::fs::remove_file(&source).map(|()| true).map_err(|e| e.to_string()),
        Ok(_) => Err("The download changed after the copy, so Lifeboat left it where it is.".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.to_string()),
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let name = file.source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let removed = match outcome {
        Ok(true) => {
            job.done(StepId::RemoveDownload, Some(format!("Removed {name}")));
            true
        }
        Ok(false) => {
            job.done(StepId::RemoveDownload, Some(format!("{name} was removed already")));
            false
        }
        Err(why) => {
            let why = if why.starts_with("The download") {
                why
            } else {
                format!("Lifeboat could not remove it ({why}); the export itself is saved. Delete {name} yourself.")
            };
            job.set_step(StepId::RemoveDownload, StepState::Skipped, why);
            false
        }
    };
    job.update(|s| {
        if let Some(e) = s.export.as_mut() {
            e.download_removed = Some(removed);
        }
    });
}

/// An export an earlier run left unfinished: a verified copy is finished (named, the download removed if asked);
/// anything earlier is tidied up — the temporary copy removed — and said plainly.
pub(super) async fn resume(job: Job) {
    let state = job.state();
    let Some(file) = state.export.clone() else {
        return job.fail(
            StepId::Inspect,
            job_error("interrupted", "Lifeboat was closed during this export. Export the snapshot again.", true),
        );
    };
    let step = state.active_step().map(|s| s.id).unwrap_or(StepId::Copy);
    let verified = file.crc32.is_some();
    match step.as_str() {
        "save" if verified => {
            if file.temp.exists() {
                save_and_finish(&job, &file).await;
            } else if file.destination.exists() {
                job.done(StepId::Save, Some(format!("Saved as {}", file.destination.display())));
                remove_download(&job, &file).await;
                job.succeed();
            } else {
                interrupted(&job, &file, step);
            }
        }
        "remove-download" if verified => {
            remove_download(&job, &file).await;
            job.succeed();
        }
        _ => interrupted(&job, &file, step),
    }
}

fn interrupted(job: &Job, file: &ExportFile, step: StepId) {
    copy::discard(&file.temp);
    let name = file.destination.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    job.fail(
        step,
        job_error(
            "interrupted",
            format!(
                "Lifeboat was closed while copying the export. The unfinished copy was removed, so nothing was saved as {name}, and the download was not changed. Export it again."
            ),
            true,
        ),
    );
}
