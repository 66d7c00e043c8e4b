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

/// One step of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable id (`safety-snapshot`, `restoring`, …).
    pub id: String,
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
    /// Data exports and imports: the file's size in bytes.
    #[serde(default)]
    pub file_bytes: Option<u64>,
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
    /// Data lost by the restore, in seconds (now − snapshot time when it was requested).
    pub data_loss_secs: Option<u64>,
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
    /// Scheduled copies: the schedule and what the run did.
    #[serde(default)]
    pub copy: Option<crate::strategy::CopyFacts>,
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
        steps: &[(&str, &str)],
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
                    id: (*id).to_owned(),
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
            reason: None,
            request_ids: Vec::new(),
            file: None,
            progress: None,
            item_progress: None,
            export: None,
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
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub(crate) fn step_mut(&mut self, id: &str) -> Option<&mut Step> {
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
        let state = JobState::new(JobKind::Snapshot, "i1", "Production", "Snapshot".into(), &[("request", "Ask")]);
        let json = serde_json::to_value(JobEvent::Update(Box::new(state))).unwrap();
        assert_eq!(json["event"], "update");
        assert_eq!(json["data"]["kind"], "snapshot");
        assert_eq!(json["data"]["steps"][0]["state"], "pending");
        assert_eq!(json["data"]["outcome"], serde_json::Value::Null);
    }
}
