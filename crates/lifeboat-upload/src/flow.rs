//! The whole upload, step by step: auth → size check → checksum → initiate → upload → upload-complete →
//! import status, with the journal kept along the way and the cancel handling around it.
//!
//! This module decides *when* things happen; the console client, the two uploaders and the journal decide
//! *how*.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeboat_archive::{ContentCheck, InspectOptions};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::console::{Completed, Console, ImportStatus, Initiated};
use crate::error::UploadError;
use crate::gcs::{self, GcsEnd};
use crate::http;
use crate::journal::{stat_of, Fingerprint, Journal, Record, Remote, JOURNAL_VERSION};
use crate::progress::{import_estimate, Meter, Reporter};
use crate::request::{round_chunk, Step, UploadOutcome, UploadRequest};
use crate::s3::{self, S3End, S3Plan};
use crate::target::{self, check_url, ConsoleTarget};
use crate::transfer::Transfer;

/// What a cancel must clean up: the journal (and through it the GCS session), once there is one.
#[derive(Default)]
pub(crate) struct CancelSlot {
    journal: Mutex<Option<Arc<Journal>>>,
    http: Mutex<Option<reqwest::Client>>,
}

impl CancelSlot {
    fn set(&self, journal: &Arc<Journal>, http: &reqwest::Client) {
        *self.journal.lock().unwrap_or_else(|p| p.into_inner()) = Some(journal.clone());
        *self.http.lock().unwrap_or_else(|p| p.into_inner()) = Some(http.clone());
    }

    fn clear(&self) {
        self.journal.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// After a cancel: cancel the GCS session (best effort, a few seconds at most) and remove the journal, so
    /// nothing half-done is left that a later attempt would trip over.
    pub async fn clean_up(&self) {
        let journal = self.journal.lock().unwrap_or_else(|p| p.into_inner()).take();
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(journal) = journal else { return };
        if journal.is_closed() {
            // Abandoned already: nothing of it is left to clean up.
            return;
        }
        if journal.snapshot().completed_at.is_some() {
            // The file is with Aura and its import runs there: only the watching stops. The session must not be
            // touched, and the journal goes so that the next attempt is a fresh one.
            journal.remove().await;
            return;
        }
        if let (Some(Remote::Gcp { session_url: Some(session), .. }), Some(http)) = (journal.snapshot().remote, http) {
            // GCS answers 499 to a cancelled session; anything else is fine too, the session expires anyway.
            let cancel = http.delete(&session).timeout(Duration::from_secs(5)).send();
            if let Err(e) = cancel.await {
                tracing::debug!(error = %http::describe(&e), "cancelling the upload session failed");
            }
        }
        journal.remove().await;
    }
}

fn internal(what: &str) -> impl FnOnce(tokio::task::JoinError) -> UploadError + '_ {
    move |e| UploadError::Internal { detail: format!("{what}: {e}") }
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&Rfc3339).ok()
}

/// The file, target and checksum state an upload starts from.
struct Prepared {
    journal: Arc<Journal>,
    target: ConsoleTarget,
    resumed: bool,
}

/// Runs the upload to the end (or the first error). Cancel is handled by the caller dropping this future.
pub(crate) async fn run(
    req: UploadRequest,
    reporter: Arc<Reporter>,
    slot: Arc<CancelSlot>,
) -> Result<UploadOutcome, UploadError> {
    // A resume is refused before any network traffic if the file is no longer the one whose bytes were sent.
    let resumed = match &req.resume_id {
        Some(id) => Some(load_for_resume(&req, id).await?),
        None => None,
    };
    let target = match &resumed {
        Some(p) => p.target.clone(),
        None => target::resolve(&req.bolt_uri, req.dbid.as_deref(), req.console_url.as_deref())?,
    };
    let loopback = url::Url::parse(&target.base_url).map(|u| target::is_loopback(&u)).unwrap_or(false);
    let client = http::client(&req.timeouts, loopback)?;
    let mut console = Console::new(
        client.clone(),
        target.clone(),
        req.username.clone(),
        req.password.clone(),
        req.overwrite_confirmed,
        req.timeouts,
        req.retry,
    );

    // For a new upload: look at the file first (size, FullSize), as neo4j-admin does before signing in.
    let (file, size, full_size) = match &resumed {
        Some(p) => {
            let r = p.journal.snapshot();
            (r.file.clone(), r.fingerprint.size, r.full_size)
        }
        None => {
            let (size, full) = file_sizes(&req.file, req.full_size).await?;
            (req.file.clone(), size, full)
        }
    };

    reporter.step(Step::Auth, 0, 0, Some("Signing in to the Aura console.".into()));
    console.authenticate(&reporter).await?;
    let uploaded = resumed.as_ref().is_some_and(|p| {
        let r = p.journal.snapshot();
        r.completed_at.is_some() || r.complete_body.is_some()
    });
    if !uploaded {
        reporter.step(Step::SizeCheck, 0, full_size, None);
        console.size_check(full_size, &reporter).await?;
    }

    let prepared = match resumed {
        Some(p) => {
            reporter.step(
                Step::Checksum,
                size,
                size,
                Some("Using the checksum computed when this upload started.".into()),
            );
            p
        }
        None => {
            let journal = checksum_and_journal(&req, &target, &file, size, full_size, &reporter).await?;
            Prepared { journal, target: target.clone(), resumed: false }
        }
    };
    let journal = prepared.journal;
    slot.set(&journal, &client);
    let result = upload_and_import(&req, &mut console, &client, &journal, &reporter, prepared.resumed).await;
    match &result {
        Ok(_) => {}
        Err(UploadError::FileChanged { .. }) => {
            // The bytes stored belong to the old file: this upload can never be resumed.
            slot.clear();
            journal.remove().await;
        }
        Err(_) => slot.clear(),
    }
    result.map_err(|e| e.with_resumable(journal.persistent() && !journal.is_closed()))
}

async fn file_sizes(file: &Path, full_size: Option<u64>) -> Result<(u64, u64), UploadError> {
    let path = file.to_path_buf();
    let meta = tokio::fs::metadata(&path).await.map_err(|e| UploadError::file_io(&path, &e))?;
    if !meta.is_file() {
        return Err(UploadError::FileUnreadable {
            detail: format!("\u{201c}{}\u{201d} is not a regular file; choose the backup file itself.", path.display()),
            path,
        });
    }
    let size = meta.len();
    let full = match full_size {
        Some(full) => full,
        None => {
            // The structure walk only: cheap, and what neo4j-admin sends (the file size when the format has
            // no size metadata).
            let options = InspectOptions { content_check: ContentCheck::Never, ..InspectOptions::default() };
            let inspected = tokio::task::spawn_blocking(move || lifeboat_archive::inspect(&path, &options))
                .await
                .map_err(internal("inspection task"))??;
            inspected.full_size.unwrap_or(size)
        }
    };
    Ok((size, full))
}

async fn load_for_resume(req: &UploadRequest, id: &str) -> Result<Prepared, UploadError> {
    let dir = req.journal_dir.clone().ok_or_else(|| UploadError::ResumeNotFound { id: id.to_string() })?;
    let id_owned = id.to_string();
    let journal = tokio::task::spawn_blocking(move || Journal::load(&dir, &id_owned))
        .await
        .map_err(internal("journal task"))??;
    let journal = Arc::new(journal);
    let record = journal.snapshot();
    let path = record.file.clone();
    let now = tokio::task::spawn_blocking(move || Fingerprint::of(&path)).await.map_err(internal("file check"))?;
    let changed = match now {
        Ok(fp) => fp != record.fingerprint,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(UploadError::file_io(&record.file, &e));
        }
        Err(_) => true,
    };
    if changed {
        // The journal can never be used again; keeping it would only offer a resume that must fail.
        journal.remove().await;
        return Err(UploadError::FileChanged { path: record.file, since: rfc3339(record.created_at) });
    }
    check_url(&record.console_url, "console")?;
    let target = ConsoleTarget { base_url: record.console_url.clone(), dbid: record.dbid.clone() };
    Ok(Prepared { journal, target, resumed: true })
}

async fn checksum_and_journal(
    req: &UploadRequest,
    target: &ConsoleTarget,
    file: &Path,
    size: u64,
    full_size: u64,
    reporter: &Arc<Reporter>,
) -> Result<Arc<Journal>, UploadError> {
    let before = {
        let meta = tokio::fs::metadata(file).await.map_err(|e| UploadError::file_io(file, &e))?;
        stat_of(&meta)
    };
    let crc32 = match known_crc(req, file).await {
        Some(crc32) => {
            reporter.step(Step::Checksum, size, size, Some(KNOWN_CHECKSUM_MESSAGE.into()));
            crc32
        }
        None => {
            reporter.step(Step::Checksum, 0, size, Some(COMPUTING_CHECKSUM_MESSAGE.into()));
            let (path, rep) = (file.to_path_buf(), reporter.clone());
            // Read-only, split across cores, refuses a file that changes while it is read (lifeboat-archive's
            // crc32_file).
            let crc32 =
                tokio::task::spawn_blocking(move || lifeboat_archive::crc32_file(&path, |done| rep.bytes(done, size)))
                    .await
                    .map_err(internal("checksum task"))??;
            reporter.bytes(size, size);
            crc32
        }
    };
    let path = file.to_path_buf();
    let fingerprint = tokio::task::spawn_blocking(move || Fingerprint::of(&path))
        .await
        .map_err(internal("file check"))?
        .map_err(|e| UploadError::file_io(file, &e))?;
    if (fingerprint.size, fingerprint.modified_ns) != before || fingerprint.size != size {
        return Err(UploadError::FileChanged { path: file.to_path_buf(), since: None });
    }
    let now = OffsetDateTime::now_utc();
    let record = Record {
        version: JOURNAL_VERSION,
        id: uuid::Uuid::new_v4().to_string(),
        dbid: target.dbid.clone(),
        console_url: target.base_url.clone(),
        bolt_uri: req.bolt_uri.clone(),
        file: absolute(file),
        fingerprint,
        crc32,
        full_size,
        chunk_size: round_chunk(req.chunk_size),
        remote: None,
        acknowledged: 0,
        sessions_started: 0,
        restarted_from_zero: false,
        created_at: now,
        updated_at: now,
        completed_at: None,
        complete_body: None,
    };
    let dir = req.journal_dir.clone();
    let journal = tokio::task::spawn_blocking(move || Journal::create(dir.as_deref(), record))
        .await
        .map_err(internal("journal task"))??;
    Ok(Arc::new(journal))
}

/// What the checksum step says when it reads the file.
pub(crate) const COMPUTING_CHECKSUM_MESSAGE: &str = "Computing the file's checksum (CRC-32).";
/// What the checksum step says when it uses the checksum computed when the file was checked.
pub(crate) const KNOWN_CHECKSUM_MESSAGE: &str =
    "Using the checksum computed when the file was checked: the file has not changed since.";

/// The request's known checksum, if the file is still exactly the one it was computed from (re-stat now: any
/// difference in path, size, time or inode means reading it again).
async fn known_crc(req: &UploadRequest, file: &Path) -> Option<u32> {
    let known = req.known_checksum.clone()?;
    let path = file.to_path_buf();
    let now = tokio::task::spawn_blocking(move || lifeboat_archive::FileKey::of(&path)).await.ok()?.ok()?;
    (now == known.key).then_some(known.crc32)
}

/// The journal names the file absolutely, so a resume from another working directory finds it.
fn absolute(file: &Path) -> PathBuf {
    std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf())
}

async fn upload_and_import(
    req: &UploadRequest,
    console: &mut Console,
    client: &reqwest::Client,
    journal: &Arc<Journal>,
    reporter: &Arc<Reporter>,
    resumed: bool,
) -> Result<UploadOutcome, UploadError> {
    let record = journal.snapshot();
    if record.completed_at.is_some() || record.complete_body.is_some() {
        return import_after_restart(req, console, journal, reporter, &record).await;
    }
    let (crc32, total, full_size) = (record.crc32, record.fingerprint.size, record.full_size);
    // A resume keeps the chunk size it started with: the journal's offsets were acknowledged in those units.
    let chunk = if resumed { round_chunk(record.chunk_size) } else { round_chunk(req.chunk_size) };
    let meter = Arc::new(Meter::default());
    let transfer = Transfer {
        http: client.clone(),
        file: record.file.clone(),
        total,
        fingerprint: record.fingerprint,
        since: rfc3339(record.created_at),
        timeouts: req.timeouts,
        retry: req.retry,
        meter: meter.clone(),
        reporter: reporter.clone(),
        journal: journal.clone(),
    };

    let mut sessions_started = 0u32;
    let mut restarted_from_zero = false;
    let mut reinitiated = false;
    let mut resumed_from: Option<u64> = None;
    let upload_started = Instant::now();
    let mut entered_upload = false;

    let (complete_body, provider) = loop {
        let remote = match journal.snapshot().remote {
            Some(remote) => remote,
            None => {
                reporter.step(Step::Initiate, 0, 0, None);
                let initiated = console.initiate(crc32, total, full_size, reporter).await?;
                let remote = match initiated {
                    Initiated::Gcp { signed_url } => Remote::Gcp { signed_url, session_url: None },
                    Initiated::Aws { upload_id, total_parts, links } => {
                        let first_part_index = total_parts - u32::try_from(links.len()).unwrap_or(total_parts);
                        sessions_started += 1;
                        Remote::Aws { upload_id, total_parts, first_part_index, links, parts_done: Vec::new() }
                    }
                };
                let stored = remote.clone();
                journal
                    .update(move |r| {
                        r.remote = Some(stored);
                        r.acknowledged = 0;
                    })
                    .await?;
                remote
            }
        };
        let provider = remote.provider();
        if !entered_upload {
            entered_upload = true;
            let acknowledged = journal.snapshot().acknowledged;
            let message = (resumed && acknowledged > 0)
                .then(|| format!("Resuming the upload: {} were already stored.", Transfer::mib(acknowledged)));
            reporter.step(Step::Upload, acknowledged, total, message);
        }
        match remote {
            Remote::Gcp { signed_url, session_url } => {
                let end = transfer
                    .with_ticker(gcs::upload(&transfer, &signed_url, session_url, chunk, !restarted_from_zero))
                    .await?;
                let run = match &end {
                    GcsEnd::Done(run) | GcsEnd::NeedNewSignedUrl(run) => run.clone(),
                };
                sessions_started += run.sessions_started;
                restarted_from_zero |= run.restarted_from_zero;
                resumed_from.get_or_insert(run.resumed_from);
                match end {
                    GcsEnd::Done(_) => break (json!({ "Crc32": crc32 }), provider),
                    GcsEnd::NeedNewSignedUrl(_) => {
                        if reinitiated {
                            // A fresh address from Aura was refused too: say what the storage said.
                            return Err(match run.refused {
                                Some((status, detail)) => {
                                    UploadError::StorageRejected { status, detail, resumable: false }
                                }
                                None => UploadError::SessionExpired,
                            });
                        }
                        reinitiated = true;
                        restarted_from_zero |= meter.acknowledged() > 0 || run.resumed_from > 0;
                        reporter.note("The upload address from Aura has expired; asking Aura for a new one and starting again from the beginning.");
                        journal
                            .update(|r| {
                                r.remote = None;
                                r.acknowledged = 0;
                            })
                            .await?;
                    }
                }
            }
            Remote::Aws { upload_id, total_parts, first_part_index, links, parts_done } => {
                let plan = S3Plan { upload_id: upload_id.clone(), total_parts, first_index: first_part_index, links };
                let end = transfer
                    .with_ticker(s3::upload(&transfer, console, crc32, &plan, &parts_done, req.parallel_parts))
                    .await?;
                match end {
                    S3End::Done { parts, resumed_from: from } => {
                        resumed_from.get_or_insert(from);
                        let parts: Vec<_> =
                            parts.iter().map(|p| json!({ "PartNumber": p.number, "ETag": p.etag })).collect();
                        let body = json!({ "Parts": parts, "UploadID": upload_id, "Provider": "AWS", "Crc32": crc32 });
                        break (body, provider);
                    }
                    S3End::Expired => {
                        if reinitiated {
                            return Err(UploadError::SessionExpired);
                        }
                        reinitiated = true;
                        resumed_from.get_or_insert(meter.acknowledged());
                        restarted_from_zero = true;
                        reporter.note("The multipart upload expired, so the upload starts again from the beginning.");
                        journal
                            .update(|r| {
                                r.remote = None;
                                r.acknowledged = 0;
                            })
                            .await?;
                    }
                }
            }
        }
    };
    reporter.bytes(total, total);

    reporter.step(Step::Complete, total, total, Some("Asking Aura to import the uploaded file.".into()));
    // Journalled before it is sent: from this moment a restart must not start a second upload, which Aura
    // would refuse while the import it may have started loads.
    let sent = complete_body.clone();
    journal
        .update(move |r| {
            r.complete_body = Some(sent);
            r.acknowledged = r.fingerprint.size;
        })
        .await?;
    let completed = complete(console, journal, complete_body, reporter, false).await?;
    let upload_secs = upload_started.elapsed().as_secs_f64();
    if completed == Completed::ProbablyTriggered {
        reporter.note("Aura's answer was lost on the way, but the import appears to have started.");
    }

    let watched = watch_import(req, console, reporter, full_size, ImportWatch::new(req.import_start_timeout)).await;
    let import_secs = end_watch(journal, watched).await?;
    let sent = meter.sent_total();
    let resumed_from = resumed_from.unwrap_or(0);
    Ok(UploadOutcome {
        upload_id: journal.snapshot().id,
        crc32,
        bytes_sent_total: sent,
        bytes_resent: sent.saturating_sub(total.saturating_sub(resumed_from)),
        resumed_from,
        sessions_started,
        restarted_from_zero,
        max_parts_in_flight: meter.max_requests_in_flight(),
        upload_secs,
        import_secs,
        provider,
    })
}

/// Sends upload-complete and records the outcome in the journal: accepted (only the import is left), or refused
/// for good (the body is forgotten, so a resume asks afresh). A console that could not be reached leaves the
/// journal as it was: whether the import started is unknown until a resume asks again.
async fn complete(
    console: &mut Console,
    journal: &Arc<Journal>,
    body: serde_json::Value,
    reporter: &Reporter,
    sent_before: bool,
) -> Result<Completed, UploadError> {
    let result = console.upload_complete(body, reporter, sent_before).await;
    let change: Box<dyn FnOnce(&mut Record) + Send> = match &result {
        Ok(_) => Box::new(|r: &mut Record| r.completed_at = Some(OffsetDateTime::now_utc())),
        Err(UploadError::ConsoleUnavailable { .. }) => return result,
        Err(_) => Box::new(|r: &mut Record| r.complete_body = None),
    };
    if let Err(e) = journal.update(change).await {
        // Not worth failing an import Aura accepted for: a restart would only ask Aura once more.
        tracing::warn!(error = %e, "cannot record the answer to upload-complete in the journal");
    }
    result
}

/// After a restart past the upload: the whole file is with Aura, so nothing is sent again. If the process died
/// before it heard Aura's answer to upload-complete, it is asked again (harmless: a second request for an import
/// already started is refused), then the import is watched to its end.
async fn import_after_restart(
    req: &UploadRequest,
    console: &mut Console,
    journal: &Arc<Journal>,
    reporter: &Arc<Reporter>,
    record: &Record,
) -> Result<UploadOutcome, UploadError> {
    let Some(provider) = record.remote.as_ref().map(Remote::provider) else {
        return Err(UploadError::Internal { detail: "the journal of an uploaded file names no storage".into() });
    };
    let total = record.fingerprint.size;
    reporter.step(
        Step::Upload,
        total,
        total,
        Some("The whole file had reached Aura before the interruption; nothing needs to be sent again.".into()),
    );
    // Wall-clock time, since the journal outlives the process; a clock set back counts as no time at all.
    let since = |at: OffsetDateTime| Duration::try_from(OffsetDateTime::now_utc() - at).unwrap_or(Duration::ZERO);
    let watch = match (record.completed_at, record.complete_body.clone()) {
        (Some(at), _) => ImportWatch::resumed(req.import_start_timeout, since(at)),
        (None, Some(body)) => {
            reporter.step(Step::Complete, total, total, Some("Making sure Aura started the import.".into()));
            match complete(console, journal, body, reporter, true).await? {
                Completed::Triggered => ImportWatch::new(req.import_start_timeout),
                // It had arrived before the restart: the import started when the journal was last written.
                Completed::ProbablyTriggered => {
                    ImportWatch::resumed(req.import_start_timeout, since(record.updated_at))
                }
            }
        }
        (None, None) => {
            return Err(UploadError::Internal { detail: "the journal says nothing about upload-complete".into() })
        }
    };
    let watched = watch_import(req, console, reporter, record.full_size, watch).await;
    let import_secs = end_watch(journal, watched).await?;
    Ok(UploadOutcome {
        upload_id: record.id.clone(),
        crc32: record.crc32,
        bytes_sent_total: 0,
        bytes_resent: 0,
        resumed_from: total,
        sessions_started: record.sessions_started,
        restarted_from_zero: record.restarted_from_zero,
        max_parts_in_flight: 0,
        upload_secs: 0.0,
        import_secs,
        provider,
    })
}

/// Closes the journal once the import has an outcome. Only a console that could not be reached leaves it:
/// the import's fate is unknown then, and a resume finds out by watching again.
async fn end_watch(journal: &Arc<Journal>, watched: Result<f64, UploadError>) -> Result<f64, UploadError> {
    if !matches!(watched, Err(UploadError::ConsoleUnavailable { .. })) {
        journal.remove().await;
    }
    watched
}

/// What the import watch decided about one status answer.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Keep polling; the load is under way (`true`) or has not started yet (`false`).
    Wait { loading: bool, note: Option<&'static str> },
    /// The instance runs with the new data (with a word on how that was concluded, when it needs one).
    Running { note: Option<&'static str> },
    /// The import failed, or never started.
    Failed(UploadError),
}

/// The status rules of `docs/import-protocol.md` §3.9, apart from the polling so they can be tested on their own.
///
/// `running` before the load was seen starting is the *old* state (the import is queued); so is a `loading
/// failed` left by an earlier attempt. Both are waited out until the start timeout; once `loading` or
/// `updating` was seen, `running` is success and `loading failed` is this import's failure. Any other status
/// ends the watch, as in the protocol's own client.
///
/// A watch resumed after a restart counts the time since upload-complete from the journal. If its very first
/// answer comes after the start timeout, the load has had all the time it needed to start: `running` then is
/// its success and `loading failed` its failure, which happened while nobody was watching.
pub(crate) struct ImportWatch {
    started: bool,
    told_stale: bool,
    start_timeout: Duration,
    /// Time between upload-complete and the start of this watch (zero unless resumed).
    offset: Duration,
    /// A resumed watch that has not judged an answer yet.
    first_after_restart: bool,
}

impl ImportWatch {
    pub fn new(start_timeout: Duration) -> Self {
        ImportWatch {
            started: false,
            told_stale: false,
            start_timeout,
            offset: Duration::ZERO,
            first_after_restart: false,
        }
    }

    /// A watch taken up again `since_complete` after Aura accepted upload-complete.
    pub fn resumed(start_timeout: Duration, since_complete: Duration) -> Self {
        ImportWatch { offset: since_complete, first_after_restart: true, ..ImportWatch::new(start_timeout) }
    }

    /// Judges one answer, `waited` after this watch started.
    pub fn observe(&mut self, status: ImportStatus, waited: Duration) -> Verdict {
        let waited = waited + self.offset;
        let settled_unseen = std::mem::take(&mut self.first_after_restart) && waited > self.start_timeout;
        match status {
            ImportStatus::Loading => {
                self.started = true;
                Verdict::Wait { loading: true, note: None }
            }
            ImportStatus::Running if self.started => Verdict::Running { note: None },
            ImportStatus::Running if settled_unseen => Verdict::Running {
                note: Some("The import finished while Lifeboat was not watching; the instance is running."),
            },
            ImportStatus::LoadingFailed { message, url } if settled_unseen => {
                Verdict::Failed(UploadError::ImportFailed { message, url })
            }
            ImportStatus::LoadingFailed { message, url } if self.started => {
                Verdict::Failed(UploadError::ImportFailed { message, url })
            }
            ImportStatus::Running | ImportStatus::LoadingFailed { .. } => {
                if waited > self.start_timeout {
                    return Verdict::Failed(UploadError::ImportNeverStarted {
                        waited_secs: self.start_timeout.as_secs(),
                    });
                }
                let stale = matches!(status, ImportStatus::LoadingFailed { .. }) && !self.told_stale;
                self.told_stale |= stale;
                Verdict::Wait {
                    loading: false,
                    note: stale.then_some(
                        "The instance still shows \u{201c}loading failed\u{201d} from an earlier attempt; waiting for this import to start.",
                    ),
                }
            }
            ImportStatus::Other(status) => Verdict::Failed(UploadError::ImportUnexpectedStatus { status }),
        }
    }
}

/// Polls the import status every `poll_interval` until the instance runs with the new data.
async fn watch_import(
    req: &UploadRequest,
    console: &mut Console,
    reporter: &Reporter,
    full_size: u64,
    mut watch: ImportWatch,
) -> Result<f64, UploadError> {
    let estimate = req.expected_import.unwrap_or_else(|| import_estimate(full_size));
    reporter.step(
        Step::Import,
        0,
        full_size,
        Some("Aura received the file and will load it into the instance; this can take a while.".into()),
    );
    let started_at = Instant::now();
    let mut loading_since: Option<Instant> = None;
    loop {
        let status = console.status(reporter).await?;
        let now = Instant::now();
        match watch.observe(status, now.duration_since(started_at)) {
            Verdict::Running { note } => {
                if let Some(note) = note {
                    reporter.note(note);
                }
                break;
            }
            Verdict::Failed(e) => return Err(e),
            Verdict::Wait { loading, note } => {
                if let Some(note) = note {
                    reporter.note(note);
                }
                if loading {
                    let since = *loading_since.get_or_insert(now);
                    reporter.import_estimate(now.duration_since(since), estimate, full_size, None);
                }
            }
        }
        tokio::time::sleep(req.poll_interval).await;
    }
    let import_secs = started_at.elapsed().as_secs_f64();
    reporter.step(Step::Running, full_size, full_size, Some("The instance is running with the restored data.".into()));
    Ok(import_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(90);

    fn failed(message: &str) -> ImportStatus {
        ImportStatus::LoadingFailed { message: message.into(), url: Some("https://support.neo4j.com".into()) }
    }

    #[test]
    fn a_stale_failure_and_the_old_running_are_waited_out_until_the_load_starts() {
        let mut w = ImportWatch::new(LIMIT);
        let t = Duration::from_secs(1);
        assert!(matches!(w.observe(ImportStatus::Running, t), Verdict::Wait { loading: false, note: None }));
        assert!(matches!(w.observe(failed("old"), t), Verdict::Wait { loading: false, note: Some(_) }));
        // Said once only.
        assert!(matches!(w.observe(failed("old"), t), Verdict::Wait { loading: false, note: None }));
        assert!(matches!(w.observe(ImportStatus::Loading, t), Verdict::Wait { loading: true, .. }));
        assert!(matches!(w.observe(ImportStatus::Running, t), Verdict::Running { note: None }));
    }

    #[test]
    fn after_the_start_a_failure_is_this_imports_with_the_servers_words() {
        let mut w = ImportWatch::new(LIMIT);
        w.observe(ImportStatus::Loading, Duration::ZERO);
        match w.observe(failed("Bad indexes."), Duration::from_secs(500)) {
            Verdict::Failed(UploadError::ImportFailed { message, url }) => {
                assert_eq!((message.as_str(), url.as_deref()), ("Bad indexes.", Some("https://support.neo4j.com")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_start_watchdog_fires_only_before_the_load_started() {
        let mut w = ImportWatch::new(LIMIT);
        let late = LIMIT + Duration::from_secs(1);
        assert!(matches!(w.observe(failed("old"), late), Verdict::Failed(UploadError::ImportNeverStarted { .. })));
        let mut w = ImportWatch::new(LIMIT);
        w.observe(ImportStatus::Loading, Duration::ZERO);
        // A long load is fine: there is no limit once it started.
        assert!(matches!(w.observe(ImportStatus::Loading, late * 100), Verdict::Wait { loading: true, .. }));
    }

    #[test]
    fn a_watch_resumed_soon_after_upload_complete_still_waits_for_the_load_to_start() {
        let mut w = ImportWatch::resumed(LIMIT, Duration::from_secs(10));
        // `running` may still be the old data: the import can be queued.
        assert!(matches!(w.observe(ImportStatus::Running, Duration::ZERO), Verdict::Wait { loading: false, .. }));
        assert!(matches!(
            w.observe(ImportStatus::Loading, Duration::from_secs(5)),
            Verdict::Wait { loading: true, .. }
        ));
        assert!(matches!(w.observe(ImportStatus::Running, Duration::from_secs(6)), Verdict::Running { note: None }));
        // Time before the restart counts towards the start timeout.
        let mut w = ImportWatch::resumed(LIMIT, LIMIT - Duration::from_secs(1));
        w.observe(ImportStatus::Running, Duration::ZERO);
        let later = Duration::from_secs(2);
        assert!(matches!(
            w.observe(ImportStatus::Running, later),
            Verdict::Failed(UploadError::ImportNeverStarted { .. })
        ));
    }

    #[test]
    fn a_watch_resumed_long_after_upload_complete_takes_the_settled_state_as_this_imports_outcome() {
        let long_ago = LIMIT * 3;
        let mut w = ImportWatch::resumed(LIMIT, long_ago);
        match w.observe(ImportStatus::Running, Duration::ZERO) {
            Verdict::Running { note: Some(note) } => assert!(note.contains("while Lifeboat was not watching")),
            other => panic!("{other:?}"),
        }
        let mut w = ImportWatch::resumed(LIMIT, long_ago);
        assert!(matches!(
            w.observe(failed("Bad store."), Duration::ZERO),
            Verdict::Failed(UploadError::ImportFailed { .. })
        ));
    }

    #[test]
    fn unknown_states_end_the_watch() {
        let mut w = ImportWatch::new(LIMIT);
        match w.observe(ImportStatus::Other("paused".into()), Duration::ZERO) {
            Verdict::Failed(e) => assert_eq!(e.code(), "import-unexpected-status"),
            other => panic!("{other:?}"),
        }
    }
}
