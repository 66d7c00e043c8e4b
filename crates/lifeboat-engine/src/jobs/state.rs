//! The state of a job as the window, the CLI and the journal see it. A job sends its whole state on every change:
//! the UI never has to merge partial events, and a reloaded window is up to date from the first message.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::verify::GraphCounts;

/// What kind of operation a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// An on-demand snapshot.
    Snapshot,
    /// A snapshot restored over its instance.
    Restore,
    /// A new instance created from a snapshot.
    Clone,
    /// An instance overwritten with a backup file uploaded from this computer.
    Upload,
    /// A restore drill ("Test a restore"): a temporary new instance from a snapshot, checked and timed, then left
    /// for the user to delete. The source instance is never touched.
    Drill,
    /// A snapshot exported through the console, its download copied atomically to a place the user chose and
    /// verified (see [`crate::exports`]). Nothing in Aura changes.
    #[serde(rename = "snapshot-export")]
    SnapshotExport,
    /// A logical export of the live graph (every node and relationship, through the Query API) to a file on this
    /// computer (see [`crate::graph_export`]). Nothing in the instance changes.
    #[serde(rename = "graph-export")]
    GraphExport,
    /// A logical import of such a file: the instance's data is deleted and replaced by the file's nodes and
    /// relationships.
    #[serde(rename = "graph-import")]
    GraphImport,
    /// A scheduled copy: a logical export into a schedule's folder, read back and checked, then older copies
    /// pruned (see [`crate::strategy`]). A record of runs missed while the computer was off has this kind too.
    #[serde(rename = "scheduled-copy")]
    ScheduledCopy,
    /// A change of an instance's recovery objectives (a history record only, never a running job).
    Objectives,
}

impl JobKind {
    /// Whether jobs of this kind replace an instance's data (and so carry [`JobState::data_overwritten`]).
    pub fn overwrites(self) -> bool {
        matches!(self, Self::Restore | Self::Upload | Self::GraphImport)
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    /// Not started.
    Pending,
    /// Under way.
    Active,
    /// Finished well.
    Done,
    /// Failed; the job stops here.
    Failed,
    /// Not needed this time.
    Skipped,
}

/// The steps jobs are made of. Serialised as the stable kebab-case ids the window, the journals and the history
/// have always used (`counts-before`, `safety-snapshot`, …), so journals written before this type existed still load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    /// A request to Aura that starts the operation (a snapshot, a restore, a new instance).
    Request,
    /// Aura takes an on-demand snapshot.
    Snapshot,
    /// The nodes and relationships are counted before anything changes.
    CountsBefore,
    /// A snapshot taken just before the instance is overwritten.
    SafetySnapshot,
    /// Aura restores a snapshot over the instance.
    Restoring,
    /// The data is counted afterwards (or a copy compared with its source).
    Verify,
    /// Aura creates an instance from a snapshot.
    Creating,
    /// Restore from a file: Aura checks the file's size and Lifeboat computes its checksum.
    Checksum,
    /// Restore from a file: the upload.
    Upload,
    /// Restore from a file: Aura loads the uploaded file, replacing the instance's data.
    Import,
    /// Data import: the export file is checked.
    CheckFile,
    /// Data import: the instance's data is deleted.
    Delete,
    /// Data export or import: the nodes are read or written.
    Nodes,
    /// Data export or import: the relationships are read or written.
    Relationships,
    /// Data import: the import markers are removed.
    Finish,
    /// Snapshot export: the download is inspected.
    Inspect,
    /// Snapshot export: the download is copied to the chosen folder.
    Copy,
    /// Snapshot export or data export: the file gets its name.
    Save,
    /// Snapshot export: the download is removed after a verified copy.
    RemoveDownload,
    /// Scheduled copy: the copies folder and the database login are checked.
    Prepare,
    /// Scheduled copy: the copy is read back and checked.
    CheckCopy,
    /// Scheduled copy: older copies beyond the number to keep are removed.
    Prune,
}

impl StepId {
    /// The stable id, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Snapshot => "snapshot",
            Self::CountsBefore => "counts-before",
            Self::SafetySnapshot => "safety-snapshot",
            Self::Restoring => "restoring",
            Self::Verify => "verify",
            Self::Creating => "creating",
            Self::Checksum => "checksum",
            Self::Upload => "upload",
            Self::Import => "import",
            Self::CheckFile => "check-file",
            Self::Delete => "delete",
            Self::Nodes => "nodes",
            Self::Relationships => "relationships",
            Self::Finish => "finish",
            Self::Inspect => "inspect",
            Self::Copy => "copy",
            Self::Save => "save",
            Self::RemoveDownload => "remove-download",
            Self::Prepare => "prepare",
            Self::CheckCopy => "check-copy",
            Self::Prune => "prune",
        }
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Which step this is.
    pub id: StepId,
    /// What it does, in words.
    pub label: String,
    /// Where it stands.
    pub state: StepState,
    /// When it started.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub finished_at: Option<OffsetDateTime>,
    /// Extra words (why skipped, what failed, a count).
    pub detail: Option<String>,
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Everything worked.
    Succeeded,
    /// A step failed.
    Failed,
}

/// A failure as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JobError {
    /// Stable code.
    pub code: String,
    /// What happened and what to do, in words.
    pub message: String,
    /// Whether trying again may help.
    pub retryable: bool,
}

/// What a job produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JobResult {
    /// The snapshot taken (snapshot job, or the safety snapshot of a restore).
    pub snapshot_id: Option<String>,
    /// The instance created (clone job).
    pub new_instance_id: Option<String>,
    /// Counts before a restore.
    pub counts_before: Option<GraphCounts>,
    /// Counts after.
    pub counts_after: Option<GraphCounts>,
    /// The database answered the count before, but its counts are not known (`counts_before` is then `None`).
    /// Only the sandbox does this, for data it loaded from a file it can't read; real Aura always counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counts_before_unknown: bool,
    /// The same for the count after.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counts_after_unknown: bool,
    /// Measured time of the operation itself (request → running), in seconds.
    pub duration_secs: Option<u64>,
    /// Upload jobs: the file's size and modification time are the same after the job as before.
    pub file_unchanged: Option<bool>,
    /// Upload jobs: the upload's journal id (to resume it).
    pub upload_id: Option<String>,
    /// Upload jobs: bytes sent again after an interruption (at most one chunk per interruption).
    pub bytes_resent: Option<u64>,
    /// Drill jobs: when the user had Lifeboat delete the temporary instance (`None` while it still exists).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub instance_deleted_at: Option<OffsetDateTime>,
    /// Data exports and imports: the nodes and relationships in the file.
    #[serde(default)]
    pub file_counts: Option<GraphCounts>,
    /// Data exports and imports: the file's content digest (see [`crate::graph_export`]).
    #[serde(default)]
    pub file_digest: Option<String>,
    /// Data exports and imports, file restores: the file's size in bytes.
    #[serde(default)]
    pub file_bytes: Option<u64>,
    /// File restores: how long Aura took to load the file, measured.
    #[serde(default)]
    pub import_secs: Option<u64>,
}

/// Byte progress of the active step (checksum, upload, import estimate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferProgress {
    /// Bytes done.
    pub bytes_done: u64,
    /// Bytes in all.
    pub bytes_total: u64,
    /// Measured speed.
    pub bytes_per_sec: Option<f64>,
    /// Time left.
    pub eta_secs: Option<u64>,
    /// The time left is an estimate (Aura's import: 5 min + 3 min per GiB), not a measurement.
    pub estimate: bool,
}

/// Why a job is waiting rather than moving on. While it lasts the window shows this instead of an ETA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// What is being waited for.
    pub kind: WaitKind,
    /// In words, for the step ("Checking with Aura…").
    pub message: String,
    /// When the next try starts, if one is scheduled (the window counts down to it).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub retry_at: Option<OffsetDateTime>,
}

/// What a job waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum WaitKind {
    /// Aura's answer to a request that changes something was lost: Lifeboat reads back what is true before it
    /// says anything about the outcome (see the `settle` module).
    Checking,
    /// Aura or the storage stopped answering; Lifeboat tries again.
    Stalled,
}

/// Item progress of the active step of a data export or import: nodes or relationships done so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemProgress {
    /// Items done.
    pub done: u64,
    /// Items in all, when known (from a count or the file's footer).
    pub total: Option<u64>,
    /// What is counted: `nodes` or `relationships`.
    pub unit: String,
    /// Items per second (smoothed, rounded), once measured.
    #[serde(default)]
    pub per_sec: Option<u64>,
    /// Seconds left, once the rate has been steady for a while (`None`: "estimating…").
    #[serde(default)]
    pub eta_secs: Option<u64>,
}

/// A job's whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JobState {
    /// Job id (sorts by start time).
    pub id: String,
    /// Kind.
    pub kind: JobKind,
    /// The instance it works on.
    pub instance_id: String,
    /// Its name, for messages.
    pub instance_name: String,
    /// One line saying what the job does.
    pub title: String,
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub started_at: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub finished_at: Option<OffsetDateTime>,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// `None` while running.
    pub outcome: Option<Outcome>,
    /// Why it failed.
    pub error: Option<JobError>,
    /// What it produced.
    pub result: JobResult,
    /// The snapshot restored or cloned.
    pub snapshot_id: Option<String>,
    /// That snapshot's time.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub snapshot_time: Option<OffsetDateTime>,
    /// Data lost by the restore, in seconds (now − snapshot time when it was requested; for a backup file, now −
    /// the time the backup was made, when the file records it).
    pub data_loss_secs: Option<u64>,
    /// Upload jobs: when the backup file's data is from, as the file records it (`None` for dumps: no date).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub backup_time: Option<OffsetDateTime>,
    /// The reason the user typed.
    pub reason: Option<String>,
    /// `X-Request-Id`s of the state-changing requests, for support and the history.
    pub request_ids: Vec<String>,
    /// Upload jobs: the file restored.
    #[serde(default)]
    pub file: Option<std::path::PathBuf>,
    /// Byte progress of the active step, when it has one.
    #[serde(default)]
    pub progress: Option<TransferProgress>,
    /// Item progress of the active step of a data export or import.
    #[serde(default)]
    pub item_progress: Option<ItemProgress>,
    /// Snapshot exports: the download, where it goes, and what the copy was checked against.
    #[serde(default)]
    pub export: Option<crate::exports::ExportFile>,
    /// Jobs that overwrite an instance (restore, restore from a file, data import): whether they began replacing its
    /// data — set by the job at that moment (Aura accepted the restore; the file's import started; the import began
    /// deleting). `Some(false)`: the instance's data was not touched. `None` for jobs that never overwrite, and for
    /// journals written before Lifeboat recorded it (not known).
    #[serde(default)]
    pub data_overwritten: Option<bool>,
    /// Set while the job waits (a lost answer being checked, a stall being retried).
    #[serde(default)]
    pub waiting: Option<Waiting>,
    /// The job this one tries again (after Aura was found not to have started it).
    #[serde(default)]
    pub retry_of: Option<String>,
    /// Scheduled copies: the schedule and what the run did.
    #[serde(default)]
    pub copy: Option<crate::strategy::CopyFacts>,
    /// The instance's status as this job last read it from Aura: fresher than the instance list while the job
    /// watches, so the window shows one truth (the list, the header and the card agree).
    #[serde(default)]
    pub instance_seen: Option<InstanceSeen>,
}

/// What a job last read of its instance's status, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSeen {
    /// Raw status (`running`, `restoring`, …).
    pub status: String,
    /// Status in words, as the instance list says it.
    pub status_label: String,
    /// Its feeling, as the instance list shows it.
    pub status_tone: crate::instances::StatusTone,
    /// When Aura said so.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub at: OffsetDateTime,
}

impl InstanceSeen {
    /// What an instance read says, as of now.
    pub fn of(instance: &crate::api::Instance) -> Self {
        let (status_label, status_tone) = crate::instances::status_label(&instance.status);
        Self { status: instance.status.as_str().to_owned(), status_label, status_tone, at: OffsetDateTime::now_utc() }
    }
}

/// A new job id: the UTC start time to the second and a random suffix, so ids sort by start time.
pub(crate) fn new_job_id(now: OffsetDateTime) -> String {
    let suffix: u16 = rand::random();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}-{suffix:04x}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

impl JobState {
    pub(crate) fn new(
        kind: JobKind,
        instance_id: &str,
        instance_name: &str,
        title: String,
        steps: &[(StepId, &str)],
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id: new_job_id(now),
            kind,
            instance_id: instance_id.to_owned(),
            instance_name: instance_name.to_owned(),
            title,
            started_at: now,
            finished_at: None,
            steps: steps
                .iter()
                .map(|(id, label)| Step {
                    id: *id,
                    label: (*label).to_owned(),
                    state: StepState::Pending,
                    started_at: None,
                    finished_at: None,
                    detail: None,
                })
                .collect(),
            outcome: None,
            error: None,
            result: JobResult::default(),
            snapshot_id: None,
            snapshot_time: None,
            data_loss_secs: None,
            backup_time: None,
            reason: None,
            request_ids: Vec::new(),
            file: None,
            progress: None,
            item_progress: None,
            export: None,
            data_overwritten: kind.overwrites().then_some(false),
            waiting: None,
            retry_of: None,
            instance_seen: None,
            copy: None,
        }
    }

    /// Records the snapshot the job works from.
    pub(crate) fn set_snapshot(&mut self, snapshot: &crate::api::Snapshot) {
        self.snapshot_id = Some(snapshot.snapshot_id.clone());
        self.snapshot_time = Some(snapshot.timestamp);
    }

    /// Records the reason the user typed; blank means none.
    pub(crate) fn set_reason(&mut self, reason: Option<String>) {
        self.reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    }

    /// The step with this id.
    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub(crate) fn step_mut(&mut self, id: StepId) -> Option<&mut Step> {
        self.steps.iter_mut().find(|s| s.id == id)
    }

    /// The step under way, if any.
    pub fn active_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.state == StepState::Active)
    }
}

/// What a job's channel carries: its whole state after every change.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum JobEvent {
    /// The job's current state.
    Update(Box<JobState>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_for_the_ui() {
        let state =
            JobState::new(JobKind::Snapshot, "i1", "Production", "Snapshot".into(), &[(StepId::Request, "Ask")]);
        let json = serde_json::to_value(JobEvent::Update(Box::new(state))).unwrap();
        assert_eq!(json["event"], "update");
        assert_eq!(json["data"]["kind"], "snapshot");
        assert_eq!(json["data"]["steps"][0]["state"], "pending");
        assert_eq!(json["data"]["outcome"], serde_json::Value::Null);
    }

    #[test]
    fn step_ids_serialise_as_the_strings_journals_have_always_used() {
        for (id, text) in [
            (StepId::CountsBefore, "counts-before"),
            (StepId::SafetySnapshot, "safety-snapshot"),
            (StepId::CheckFile, "check-file"),
            (StepId::RemoveDownload, "remove-download"),
            (StepId::Import, "import"),
        ] {
            assert_eq!(serde_json::to_value(id).unwrap(), text);
            assert_eq!(id.as_str(), text);
            assert_eq!(serde_json::from_value::<StepId>(text.into()).unwrap(), id);
        }
    }

    #[test]
    fn a_journal_written_before_the_job_stated_its_facts_still_loads() {
        // A restore journaled by an earlier Lifeboat: string step ids, no `dataOverwritten`.
        let old = r#"{"id":"20261121T151200-ab12","kind":"restore","instanceId":"i1","instanceName":"Production",
            "title":"Restore","startedAt":"2026-11-21T15:12:00Z","finishedAt":null,
            "steps":[{"id":"counts-before","label":"Count","state":"done","startedAt":null,"finishedAt":null,"detail":null},
                     {"id":"restoring","label":"Restore","state":"active","startedAt":null,"finishedAt":null,"detail":null}],
            "outcome":null,"error":null,"result":{"snapshotId":null,"newInstanceId":null,"countsBefore":null,
            "countsAfter":null,"durationSecs":null,"fileUnchanged":null,"uploadId":null,"bytesResent":null},
            "snapshotId":"s1","snapshotTime":null,"dataLossSecs":null,"reason":null,"requestIds":[]}"#;
        let state: JobState = serde_json::from_str(old).unwrap();
        assert_eq!(state.active_step().map(|s| s.id), Some(StepId::Restoring));
        assert_eq!(state.data_overwritten, None, "not known for an old journal");
    }

    #[test]
    fn only_overwriting_jobs_carry_the_fact_and_it_starts_false() {
        let restore = JobState::new(JobKind::Restore, "i1", "P", "Restore".into(), &[(StepId::Request, "Ask")]);
        assert_eq!(restore.data_overwritten, Some(false));
        let snapshot = JobState::new(JobKind::Snapshot, "i1", "P", "Snapshot".into(), &[(StepId::Request, "Ask")]);
        assert_eq!(snapshot.data_overwritten, None);
        let json = serde_json::to_value(&restore).unwrap();
        assert_eq!(json["dataOverwritten"], false);
    }
}
