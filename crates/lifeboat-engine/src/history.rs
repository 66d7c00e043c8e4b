//! The operation history: one permanent record of every snapshot, restore, restore from a file, new instance,
//! restore test, snapshot export and data export or import, kept on this computer so the admin can show afterwards
//! what was done, when, why, what it cost and how long it took.
//!
//! # Storage: an append-only JSON Lines file
//!
//! Each account has one file, `history.jsonl`, in its job journal directory ([`path_in`]). When a job finishes, the
//! job manager appends **one line** (one [`HistoryEntry`] as JSON) with `O_APPEND` and fsyncs it. Nothing ever
//! rewrites the file.
//!
//! Why not keep the job journals for ever instead: a journal is a job's whole working state (every step and its
//! detail), rewritten atomically on every change and read in full at startup so unfinished jobs can be resumed. The
//! manager keeps only the newest 100 so startup stays quick. The history has the opposite needs — small, written
//! once per job, never changed, read only when the user opens it — and an append-only file serves them with one
//! `write` + `fsync` per job, however long the history grows (rewriting a growing file atomically would cost more
//! with every job).
//!
//! Why it survives crashes:
//! - a crash during an append can leave at most a **torn last line**; [`read`] skips any line that does not parse
//!   (logging how many, never their contents), and the next append first ends such a line, so the new entry is
//!   whole;
//! - a crash after a job's journal says "finished" but before its line was appended is repaired at the next start:
//!   the manager appends every finished journal job the history lacks ([`missing`]);
//! - a later fact about a job (a restore test's instance deleted) is a **new line with the same job id**; reading
//!   keeps the last line per job, so an interrupted update leaves the earlier, still-true record.
//!
//! The history never holds a secret: entries are built from [`JobState`], which has none (a new instance's one-time
//! password lives only in memory and the keyring). A test checks the file for the password.
//!
//! This module owns the file and the record. The words (Markdown, CSV, the restore report and the messages to
//! colleagues) are in [`report`].

mod report;

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;
use ts_rs::TS;

pub use report::{
    history_file_name, message_before, messages, report, report_file_name, to_csv, to_markdown, BeforeFacts,
    ExportFormat, Messages,
};

use crate::jobs::{JobError, JobKind, JobState, Outcome, StepId, StepState};
use crate::verify::GraphCounts;

/// The history file's name inside an account's journal directory.
pub const FILE_NAME: &str = "history.jsonl";

/// The record format written today. Readers accept lines without it (none exist yet) and newer fields are ignored.
const FORMAT: u32 = 1;

/// Appends from different jobs of one process go one at a time, so two lines never interleave.
static APPEND: Mutex<()> = Mutex::new(());

/// The history file of the account whose journals live in `journal_dir`.
pub fn path_in(journal_dir: &Path) -> PathBuf {
    journal_dir.join(FILE_NAME)
}

/// One finished operation, as the history keeps it. Serialised in camelCase, one JSON object per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Record format (1).
    #[serde(default)]
    pub format: u32,
    /// The job's id (sorts by start time).
    pub job_id: String,
    /// What was done.
    pub kind: JobKind,
    /// The instance it was done to (for a new instance or a restore test: the source).
    pub instance_id: String,
    /// That instance's name at the time.
    pub instance_name: String,
    /// One line saying what was done.
    pub title: String,
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub started_at: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub finished_at: OffsetDateTime,
    /// Start to end, in seconds (everything: safety snapshot, counts, the operation, verification).
    pub total_secs: u64,
    /// Measured time of the operation itself (request → running), in seconds: the time to restore.
    pub duration_secs: Option<u64>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed.
    pub error: Option<JobError>,
    /// The reason the user typed.
    pub reason: Option<String>,
    /// The snapshot restored, cloned, tested or taken.
    pub snapshot_id: Option<String>,
    /// That snapshot's time: the last data point a restore keeps.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub snapshot_time: Option<OffsetDateTime>,
    /// Changes lost by a restore, in seconds (snapshot time → the restore request; for a backup file, the time the
    /// backup was made → the start, when the file records it).
    pub data_loss_secs: Option<u64>,
    /// Restore from a file: when the backup's data is from (`None`: the file carries no date, as dumps do).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub backup_time: Option<OffsetDateTime>,
    /// Restores: whether Aura began replacing the data (`false`: it stopped before, nothing was changed).
    pub overwritten: Option<bool>,
    /// Restores: the safety snapshot taken just before.
    pub safety_snapshot_id: Option<String>,
    /// New instance or restore test: the instance created.
    pub new_instance_id: Option<String>,
    /// Restore test: when its temporary instance was deleted through Lifeboat.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub instance_deleted_at: Option<OffsetDateTime>,
    /// Node and relationship counts before.
    pub counts_before: Option<GraphCounts>,
    /// And after.
    pub counts_after: Option<GraphCounts>,
    /// The database answered the count before, but its counts are not known (see `JobResult`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counts_before_unknown: bool,
    /// The same after.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counts_after_unknown: bool,
    /// Why the data could not be counted afterwards, when it could not.
    pub verification_note: Option<String>,
    /// Restore from a file: the file's name (not its folder).
    pub file_name: Option<String>,
    /// Upload jobs: the file was unchanged afterwards.
    pub file_unchanged: Option<bool>,
    /// `X-Request-Id`s of the requests that changed something, for Neo4j support.
    pub request_ids: Vec<String>,
    /// Snapshot exports: where the verified copy was saved (the whole path).
    #[serde(default)]
    pub saved_path: Option<String>,
    /// Snapshot exports: its size in bytes.
    #[serde(default)]
    pub saved_bytes: Option<u64>,
    /// Snapshot exports: its CRC-32, 8 hex digits, the same as the download's.
    #[serde(default)]
    pub saved_crc32: Option<String>,
    /// File restores: the file's size in bytes.
    #[serde(default)]
    pub file_bytes: Option<u64>,
    /// File restores: how long Aura took to load the file, measured (the next file restore's estimate).
    #[serde(default)]
    pub import_secs: Option<u64>,
    /// Data exports and imports: the file's whole path (the file written, or the file read).
    #[serde(default)]
    pub file_path: Option<String>,
    /// Data exports and imports: the nodes and relationships in the file.
    #[serde(default)]
    pub file_counts: Option<GraphCounts>,
    /// Data exports, imports and scheduled copies: the file's content digest.
    #[serde(default)]
    pub file_digest: Option<String>,
    /// Restores, restore tests and objective changes: the recovery objectives that applied (or were set).
    #[serde(default)]
    pub objectives: Option<crate::strategy::Objectives>,
    /// Scheduled copies (and records of missed ones): the schedule and what the run did.
    #[serde(default)]
    pub copy: Option<crate::strategy::CopyFacts>,
}

impl HistoryEntry {
    /// The record of a finished job; `None` while it runs.
    pub fn from_job(state: &JobState) -> Option<Self> {
        let outcome = state.outcome?;
        let finished_at = state.finished_at.unwrap_or(state.started_at);
        // Stated by the job when it happened; not known for journals older than the fact.
        let overwritten = if state.kind.overwrites() { state.data_overwritten } else { None };
        let verify_skipped = state.step(StepId::Verify).filter(|s| s.state == StepState::Skipped);
        let snapshot_id = match state.kind {
            JobKind::Snapshot => state.result.snapshot_id.clone(),
            _ => state.snapshot_id.clone(),
        };
        // An export counts as saved only once the copy was verified and named.
        let saved = state
            .export
            .as_ref()
            .filter(|x| x.crc32.is_some() && state.step(StepId::Save).is_some_and(|s| s.state == StepState::Done));
        Some(Self {
            format: FORMAT,
            job_id: state.id.clone(),
            kind: state.kind,
            instance_id: state.instance_id.clone(),
            instance_name: state.instance_name.clone(),
            title: state.title.clone(),
            started_at: state.started_at,
            finished_at,
            total_secs: (finished_at - state.started_at).whole_seconds().max(0) as u64,
            duration_secs: state.result.duration_secs,
            outcome,
            error: state.error.clone(),
            reason: state.reason.clone(),
            snapshot_id,
            snapshot_time: state.snapshot_time,
            data_loss_secs: state.data_loss_secs,
            backup_time: state.backup_time,
            overwritten,
            // A job that replaces data took its safety snapshot first (or none); others record theirs elsewhere.
            safety_snapshot_id: state.kind.overwrites().then(|| state.result.snapshot_id.clone()).flatten(),
            new_instance_id: state.result.new_instance_id.clone(),
            instance_deleted_at: state.result.instance_deleted_at,
            counts_before: state.result.counts_before,
            counts_after: state.result.counts_after,
            counts_before_unknown: state.result.counts_before_unknown,
            counts_after_unknown: state.result.counts_after_unknown,
            verification_note: verify_skipped.and_then(|s| s.detail.clone()),
            file_name: state.file.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
            file_unchanged: state.result.file_unchanged,
            request_ids: state.request_ids.clone(),
            saved_path: saved.map(|x| x.destination.to_string_lossy().into_owned()),
            saved_bytes: saved.and_then(|x| x.bytes),
            saved_crc32: saved.and_then(|x| x.crc32.clone()),
            file_bytes: (state.kind == JobKind::Upload).then_some(state.result.file_bytes).flatten(),
            import_secs: state.result.import_secs,
            file_path: match state.kind {
                JobKind::GraphExport | JobKind::GraphImport => state.file.as_ref(),
                // A copy's path is worth recording only once the copy has it.
                JobKind::ScheduledCopy => state.file.as_ref().filter(|_| state.copy.as_ref().is_some_and(|c| c.saved)),
                _ => None,
            }
            .map(|p| p.to_string_lossy().into_owned()),
            file_counts: state.result.file_counts,
            file_digest: state.result.file_digest.clone(),
            objectives: None,
            copy: state.copy.clone(),
        })
    }

    /// A record of something that is not a job (an objectives change, runs missed while the computer was off),
    /// started and finished at `at`.
    pub fn note(
        kind: JobKind,
        instance_id: &str,
        instance_name: &str,
        title: String,
        outcome: Outcome,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            format: FORMAT,
            job_id: crate::jobs::new_job_id(at),
            kind,
            instance_id: instance_id.into(),
            instance_name: instance_name.into(),
            title,
            started_at: at,
            finished_at: at,
            total_secs: 0,
            duration_secs: None,
            outcome,
            error: None,
            reason: None,
            snapshot_id: None,
            snapshot_time: None,
            data_loss_secs: None,
            overwritten: None,
            safety_snapshot_id: None,
            new_instance_id: None,
            instance_deleted_at: None,
            counts_before: None,
            counts_after: None,
            counts_before_unknown: false,
            counts_after_unknown: false,
            backup_time: None,
            verification_note: None,
            file_name: None,
            file_unchanged: None,
            request_ids: Vec::new(),
            saved_path: None,
            saved_bytes: None,
            saved_crc32: None,
            file_bytes: None,
            import_secs: None,
            file_path: None,
            file_counts: None,
            file_digest: None,
            objectives: None,
            copy: None,
        }
    }
}

/// Which entries to list. Every field is optional; an empty filter lists everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields = nullable)]
pub struct HistoryFilter {
    /// Only this kind of operation.
    pub kind: Option<JobKind>,
    /// Only operations on this instance.
    pub instance_id: Option<String>,
    /// Only operations that ended this way.
    pub outcome: Option<Outcome>,
    /// Only operations started at or after this time.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub since: Option<OffsetDateTime>,
}

impl HistoryFilter {
    /// Whether an entry passes the filter.
    pub fn matches(&self, e: &HistoryEntry) -> bool {
        self.kind.is_none_or(|k| k == e.kind)
            && self.instance_id.as_deref().is_none_or(|i| i.is_empty() || i == e.instance_id)
            && self.outcome.is_none_or(|o| o == e.outcome)
            && self.since.is_none_or(|t| e.started_at >= t)
    }
}

/// Why the history could not be read or written.
#[derive(Debug, Error)]
pub enum HistoryError {
    /// The file exists but could not be read.
    #[error("Lifeboat could not read its history file ({0}). Your instances are not affected.")]
    Read(#[source] io::Error),
    /// An entry could not be added.
    #[error("Lifeboat could not add this operation to its history file ({0}). The operation itself is not affected.")]
    Write(#[source] io::Error),
    /// No entry for this job.
    #[error("This operation is not in the history. It may have been recorded on another computer or account.")]
    NotFound,
}

impl HistoryError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read(_) => "history-read",
            Self::Write(_) => "history-write",
            Self::NotFound => "not-found",
        }
    }
}

/// Appends one entry as one line: `O_APPEND`, then fsync. A torn last line left by a crash is ended first.
pub fn append(path: &Path, entry: &HistoryEntry) -> Result<(), HistoryError> {
    let mut line = serde_json::to_vec(entry).map_err(|e| HistoryError::Write(io::Error::other(e)))?;
    line.push(b'\n');
    let _one_at_a_time = APPEND.lock().unwrap_or_else(|p| p.into_inner());
    let write = || -> io::Result<()> {
        let dir = path.parent().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no parent directory"))?;
        fs::create_dir_all(dir)?;
        let created = !path.exists();
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Reasons and instance names deserve no wider audience than the journals.
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        let mut bytes = Vec::with_capacity(line.len() + 1);
        if ends_mid_line(&mut file)? {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&line);
        // One write of the whole line: with O_APPEND it lands at the end even if another process appends too.
        file.write_all(&bytes)?;
        file.sync_all()?;
        if created {
            // The new file's name is durable only once its directory is synced.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    };
    write().map_err(HistoryError::Write)
}

/// True when the file is not empty and its last byte is not a newline (a torn line).
fn ends_mid_line(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Every entry in the file, oldest line first, with later lines for the same job replacing earlier ones. A missing
/// file is an empty history; lines that do not parse (a torn last line) are skipped.
pub fn read(path: &Path) -> Result<Vec<HistoryEntry>, HistoryError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(HistoryError::Read(e)),
    };
    let mut entries: Vec<HistoryEntry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0usize;
    for line in bytes.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<HistoryEntry>(line) {
            Ok(entry) => match index.get(&entry.job_id) {
                Some(&i) => entries[i] = entry,
                None => {
                    index.insert(entry.job_id.clone(), entries.len());
                    entries.push(entry);
                }
            },
            Err(_) => skipped += 1,
        }
    }
    if skipped > 0 {
        tracing::warn!(skipped, "skipped unreadable lines in the history (a write cut short by a crash)");
    }
    Ok(entries)
}

/// The entries that pass `filter`, newest first.
pub fn list(path: &Path, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>, HistoryError> {
    let mut entries: Vec<HistoryEntry> = read(path)?.into_iter().filter(|e| filter.matches(e)).collect();
    entries.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| b.job_id.cmp(&a.job_id)));
    Ok(entries)
}

/// The entry of one job.
pub fn find(path: &Path, job_id: &str) -> Result<HistoryEntry, HistoryError> {
    read(path)?.into_iter().find(|e| e.job_id == job_id).ok_or(HistoryError::NotFound)
}

/// The finished jobs among `states` that the history does not hold yet (a crash came between the journal and the
/// history, or the jobs finished before the history existed).
pub fn missing<'a>(path: &Path, states: &'a [JobState]) -> Result<Vec<&'a JobState>, HistoryError> {
    let known: HashSet<String> = read(path)?.into_iter().map(|e| e.job_id).collect();
    Ok(states.iter().filter(|s| s.outcome.is_some() && !known.contains(&s.id)).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::jobs::JobResult;
    use time::macros::datetime;

    /// A restore entry to start tests from.
    pub(crate) fn entry(job_id: &str, kind: JobKind, outcome: Outcome) -> HistoryEntry {
        HistoryEntry {
            format: FORMAT,
            job_id: job_id.into(),
            kind,
            instance_id: "a1b2c3d4".into(),
            instance_name: "Production".into(),
            title: "Restore Production to the snapshot of 21 Nov 2026 11:00 UTC".into(),
            started_at: datetime!(2026-11-21 15:12 UTC),
            finished_at: datetime!(2026-11-21 15:20 UTC),
            total_secs: 480,
            duration_secs: Some(205),
            outcome,
            error: None,
            reason: Some("Bad migration".into()),
            snapshot_id: Some("s-1100".into()),
            snapshot_time: Some(datetime!(2026-11-21 11:00 UTC)),
            data_loss_secs: Some(4 * 3600 + 12 * 60),
            backup_time: None,
            overwritten: Some(true),
            safety_snapshot_id: Some("s-safety".into()),
            new_instance_id: None,
            instance_deleted_at: None,
            counts_before: Some(GraphCounts { nodes: 1200, relationships: 3400 }),
            counts_after: Some(GraphCounts { nodes: 1000, relationships: 3500 }),
            counts_before_unknown: false,
            counts_after_unknown: false,
            verification_note: None,
            file_name: None,
            file_unchanged: None,
            request_ids: vec!["req-safety".into(), "req-restore".into()],
            saved_path: None,
            saved_bytes: None,
            saved_crc32: None,
            file_bytes: None,
            import_secs: None,
            file_path: None,
            file_counts: None,
            file_digest: None,
            objectives: None,
            copy: None,
        }
    }

    #[test]
    fn appends_one_line_per_entry_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        assert!(read(&path).unwrap().is_empty(), "no file yet is an empty history");
        append(&path, &entry("j1", JobKind::Restore, Outcome::Succeeded)).unwrap();
        append(&path, &entry("j2", JobKind::Snapshot, Outcome::Failed)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        let ids: Vec<_> = read(&path).unwrap().into_iter().map(|e| e.job_id).collect();
        assert_eq!(ids, ["j1", "j2"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_entry_stays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        append(&path, &entry("j1", JobKind::Restore, Outcome::Succeeded)).unwrap();
        // A crash in the middle of the second append.
        let whole = serde_json::to_string(&entry("j2", JobKind::Restore, Outcome::Succeeded)).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(f);
        let ids: Vec<_> = read(&path).unwrap().into_iter().map(|e| e.job_id).collect();
        assert_eq!(ids, ["j1"], "the torn line is skipped, the rest is read");

        append(&path, &entry("j3", JobKind::Drill, Outcome::Succeeded)).unwrap();
        let ids: Vec<_> = read(&path).unwrap().into_iter().map(|e| e.job_id).collect();
        assert_eq!(ids, ["j1", "j3"], "the entry after the torn line is not glued to it");
    }

    #[test]
    fn a_later_line_for_the_same_job_replaces_the_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let mut drill = entry("j1", JobKind::Drill, Outcome::Succeeded);
        append(&path, &drill).unwrap();
        append(&path, &entry("j2", JobKind::Snapshot, Outcome::Succeeded)).unwrap();
        drill.instance_deleted_at = Some(datetime!(2026-11-21 16:00 UTC));
        append(&path, &drill).unwrap();
        let all = read(&path).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].instance_deleted_at, Some(datetime!(2026-11-21 16:00 UTC)));
    }

    #[test]
    fn filters_by_kind_instance_outcome_and_time_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let mut old = entry("20261120T100000-0001", JobKind::Restore, Outcome::Failed);
        old.started_at = datetime!(2026-11-20 10:00 UTC);
        let mut staging = entry("20261121T090000-0002", JobKind::Snapshot, Outcome::Succeeded);
        staging.instance_id = "e5f6a7b8".into();
        staging.started_at = datetime!(2026-11-21 09:00 UTC);
        let newest = entry("20261121T151200-0003", JobKind::Restore, Outcome::Succeeded);
        for e in [&old, &newest, &staging] {
            append(&path, e).unwrap();
        }
        let ids =
            |f: HistoryFilter| -> Vec<String> { list(&path, &f).unwrap().into_iter().map(|e| e.job_id).collect() };
        let (old, staging, newest) = (old.job_id, staging.job_id, newest.job_id);
        assert_eq!(ids(HistoryFilter::default()), [newest.as_str(), staging.as_str(), old.as_str()]);
        assert_eq!(
            ids(HistoryFilter { kind: Some(JobKind::Restore), ..Default::default() }),
            [newest.as_str(), old.as_str()]
        );
        assert_eq!(
            ids(HistoryFilter { instance_id: Some("e5f6a7b8".into()), ..Default::default() }),
            [staging.as_str()]
        );
        assert_eq!(ids(HistoryFilter { outcome: Some(Outcome::Failed), ..Default::default() }), [old.as_str()]);
        assert_eq!(
            ids(HistoryFilter { since: Some(datetime!(2026-11-21 00:00 UTC)), ..Default::default() }),
            [newest.as_str(), staging.as_str()]
        );
        let from_ui: HistoryFilter =
            serde_json::from_str(r#"{"kind":"restore","instanceId":null,"outcome":"succeeded"}"#).unwrap();
        assert_eq!(ids(from_ui), [newest.as_str()]);
    }

    #[test]
    fn a_finished_job_becomes_an_entry_and_a_running_one_does_not() {
        let mut state = JobState::new(
            JobKind::Restore,
            "i1",
            "Production",
            "Restore".into(),
            &[
                (StepId::CountsBefore, "Count"),
                (StepId::SafetySnapshot, "Safety"),
                (StepId::Request, "Ask"),
                (StepId::Restoring, "Restore"),
                (StepId::Verify, "Check"),
            ],
        );
        assert!(HistoryEntry::from_job(&state).is_none());
        state.outcome = Some(Outcome::Failed);
        state.finished_at = Some(state.started_at + time::Duration::seconds(30));
        state.step_mut(StepId::SafetySnapshot).unwrap().state = StepState::Failed;
        state.result = JobResult { snapshot_id: Some("s-safety".into()), ..Default::default() };
        let e = HistoryEntry::from_job(&state).unwrap();
        assert_eq!(e.overwritten, Some(false), "it stopped before the restore was asked for");
        assert_eq!(e.total_secs, 30);
        assert_eq!(e.safety_snapshot_id.as_deref(), Some("s-safety"));
    }
}
