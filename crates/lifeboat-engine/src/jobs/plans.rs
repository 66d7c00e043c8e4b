//! What the dialogs need before a job starts: the restore plan (with its one-time token) and the choices for a
//! new instance. Also the words of the desktop notification when a job ends.

use crate::words::grouped;
use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use super::precheck::{safety_offer, SafetyOffer};
use super::state::{JobKind, JobState, Outcome};
use super::{JobManager, StartError};
use crate::api::SnapshotStatus;
use crate::confirm::TOKEN_LIFETIME;
use crate::cost::FileRestoreCost;
use crate::history::{message_before, BeforeFacts, HistoryFilter};

/// Everything the restore confirmation dialog shows, and the token its confirm button must send back.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RestorePlan {
    /// One-time confirmation token.
    pub token: String,
    /// Instance to overwrite.
    pub instance_id: String,
    /// Its name.
    pub instance_name: String,
    /// Snapshot to restore.
    pub snapshot_id: String,
    /// Its time.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub snapshot_time: OffsetDateTime,
    /// Whether a safety snapshot can be taken first (the dialog turns it off, saying why, when it cannot).
    pub safety_snapshot: SafetyOffer,
    /// The message to send colleagues before starting, with and without the safety snapshot.
    pub message_before: MessageBefore,
    /// When the token lapses.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub expires_at: OffsetDateTime,
}

/// The message to send colleagues before a restore starts, as the report will keep it: one text for each choice
/// of the dialog's safety-snapshot box (the reason, typed last, is for the history).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageBefore {
    /// With "Take a safety snapshot first" ticked.
    pub with_safety_snapshot: String,
    /// With it unticked (or when none can be taken).
    pub without_safety_snapshot: String,
}

/// What the file-restore confirmation dialog shows, and its one-time token.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileRestorePlan {
    /// One-time confirmation token.
    pub token: String,
    /// Instance to overwrite.
    pub instance_id: String,
    /// Its name.
    pub instance_name: String,
    /// The file, as chosen.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// Its size.
    pub file_size: u64,
    /// Its format in words.
    pub format_label: String,
    /// Whether a safety snapshot can be taken first (the dialog turns it off, saying why, when it cannot).
    pub safety_snapshot: SafetyOffer,
    /// What the restore costs: what the instance holds now, how old the file's data is, what is lost.
    pub cost: FileRestoreCost,
    /// The message to send colleagues before starting, with and without the safety snapshot.
    pub message_before: MessageBefore,
    /// When the token lapses.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub expires_at: OffsetDateTime,
}

/// One choice in a select.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Choice {
    /// What is sent.
    pub value: String,
    /// What is shown.
    pub label: String,
}

/// The choices for a new instance from a snapshot, defaulting to the source's.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloneOptions {
    /// Tiers the copy may have.
    pub tiers: Vec<Choice>,
    /// Memory sizes.
    pub memories: Vec<String>,
    /// The source's tier.
    pub default_tier: String,
    /// The source's memory.
    pub default_memory: String,
    /// A name that says what the copy is.
    pub default_name: String,
}

/// How long the dialog waits for the count of what the instance holds now.
const COUNT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const MEMORIES: &[&str] =
    &["1GB", "2GB", "4GB", "8GB", "16GB", "24GB", "32GB", "48GB", "64GB", "128GB", "192GB", "256GB", "384GB", "512GB"];

impl JobManager {
    /// Prepares a restore: checks the snapshot can be restored and issues the confirmation token.
    pub async fn plan_restore(&self, instance_id: &str, snapshot_id: &str) -> Result<RestorePlan, StartError> {
        let instance = self.client.get_instance(instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let snapshot = self.client.get_snapshot(instance_id, snapshot_id).await?;
        if snapshot.status != SnapshotStatus::Completed {
            return Err(StartError::Invalid(match snapshot.status {
                SnapshotStatus::Failed => {
                    "This snapshot failed, so it cannot be restored. Choose one marked Completed.".into()
                }
                _ => "This snapshot is not finished yet. Wait until it shows Completed, then try again.".into(),
            }));
        }
        let token = self.prepare_restore(instance_id, snapshot_id);
        let now = OffsetDateTime::now_utc();
        let message_before = self.message_before(BeforeFacts {
            kind: JobKind::Restore,
            instance_name: &instance.name,
            starting: now,
            snapshot_time: Some(snapshot.timestamp),
            file_name: None,
            backup_time: None,
            data_loss_secs: u64::try_from((now - snapshot.timestamp).whole_seconds()).ok(),
            safety_snapshot: false,
            reason: None,
            expected_secs: self.measured_restore_secs(&instance.id, JobKind::Restore),
        });
        Ok(RestorePlan {
            token,
            message_before,
            safety_snapshot: safety_offer(&instance),
            instance_id: instance.id,
            instance_name: instance.name,
            snapshot_id: snapshot.snapshot_id,
            snapshot_time: snapshot.timestamp,
            expires_at: OffsetDateTime::now_utc() + TOKEN_LIFETIME,
        })
    }

    /// Prepares a file restore: inspects the file against the instance and, if it can be restored, issues the
    /// confirmation token for exactly this file and instance.
    pub async fn plan_file_restore(
        &self,
        instance_id: &str,
        path: &std::path::Path,
    ) -> Result<FileRestorePlan, StartError> {
        let inspection = crate::files::inspect_for(&self.client, instance_id, path).await?;
        if !inspection.can_upload {
            let why = inspection.problems.first().map(|p| p.message.clone());
            return Err(StartError::Invalid(
                why.unwrap_or_else(|| "This file cannot be restored to this instance.".into()),
            ));
        }
        let instance = self.client.get_instance(instance_id).await?;
        self.refuse_overwrite_if_busy(&instance)?;
        let token = self.confirmations.issue(crate::confirm::ConfirmedAction::RestoreFile {
            instance_id: instance.id.clone(),
            path: inspection.path.clone(),
            backup_time: inspection.backup_time,
        });
        let cost = self.file_restore_cost_for(&instance, inspection.backup_time).await;
        let message_before = self.message_before(BeforeFacts {
            kind: JobKind::Upload,
            instance_name: &instance.name,
            starting: OffsetDateTime::now_utc(),
            snapshot_time: None,
            file_name: Some(&inspection.file_name),
            backup_time: inspection.backup_time,
            data_loss_secs: cost.data_age_secs,
            safety_snapshot: false,
            reason: None,
            expected_secs: self.measured_restore_secs(&instance.id, JobKind::Upload),
        });
        Ok(FileRestorePlan {
            token,
            message_before,
            safety_snapshot: safety_offer(&instance),
            cost,
            instance_id: instance.id,
            instance_name: instance.name,
            path: inspection.path.to_string_lossy().into_owned(),
            file_name: inspection.file_name,
            file_size: inspection.file_size,
            format_label: inspection.format_label,
            expires_at: OffsetDateTime::now_utc() + TOKEN_LIFETIME,
        })
    }

    /// What restoring `instance_id` from a file whose data is from `data_time` (`None`: unknown) costs: the file
    /// card shows it before the confirmation dialog opens.
    pub async fn file_restore_cost(
        &self,
        instance_id: &str,
        data_time: Option<OffsetDateTime>,
    ) -> Result<FileRestoreCost, StartError> {
        let instance = self.client.get_instance(instance_id).await?;
        Ok(self.file_restore_cost_for(&instance, data_time).await)
    }

    pub(crate) async fn file_restore_cost_for(
        &self,
        instance: &crate::api::Instance,
        data_time: Option<OffsetDateTime>,
    ) -> FileRestoreCost {
        let counts = if instance.status == crate::api::InstanceStatus::LoadingFailed {
            Err("its last load failed, so its database does not answer.".to_owned())
        } else {
            let login = self.logins.login(&instance.id);
            match super::operations::count(self, &instance.id, login, COUNT_PATIENCE).await {
                Ok(Some(c)) => Ok(c),
                Ok(None) => Err("its database answers, but how much it holds is not known.".to_owned()),
                Err(why) => Err(lowercase_first(&why)),
            }
        };
        crate::cost::file_restore_cost(&instance.name, counts, data_time, OffsetDateTime::now_utc())
    }

    /// The message before a restore, for both choices of the safety snapshot.
    fn message_before(&self, facts: BeforeFacts) -> MessageBefore {
        MessageBefore {
            with_safety_snapshot: message_before(&BeforeFacts { safety_snapshot: true, ..facts.clone() }),
            without_safety_snapshot: message_before(&BeforeFacts { safety_snapshot: false, ..facts }),
        }
    }

    /// How long the last successful restore of this kind into this instance took, from the history: the best
    /// guess of how long the next one takes (`None` when there is none).
    fn measured_restore_secs(&self, instance_id: &str, kind: JobKind) -> Option<u64> {
        let filter = HistoryFilter {
            kind: Some(kind),
            instance_id: Some(instance_id.to_owned()),
            outcome: Some(Outcome::Succeeded),
            since: None,
        };
        let entries = self.history(&filter).ok()?;
        entries.iter().max_by_key(|e| e.started_at).and_then(|e| e.duration_secs)
    }

    /// The choices for a new instance made from one of `instance_id`'s snapshots.
    pub async fn clone_options(&self, instance_id: &str) -> Result<CloneOptions, StartError> {
        let source = self.client.get_instance(instance_id).await?;
        let family: &[&str] = if source.tier.ends_with("-ds") {
            &["professional-ds", "enterprise-ds"]
        } else {
            &["professional-db", "business-critical", "enterprise-db"]
        };
        let mut tiers: Vec<Choice> =
            family.iter().map(|t| Choice { value: (*t).to_owned(), label: crate::instances::tier_label(t) }).collect();
        if !family.contains(&source.tier.as_str()) && !source.tier.is_empty() {
            tiers.insert(0, Choice { value: source.tier.clone(), label: crate::instances::tier_label(&source.tier) });
        }
        let date = OffsetDateTime::now_utc().date();
        let suffix = format!(" copy {:02}-{:02}", u8::from(date.month()), date.day());
        let base: String = source.name.chars().take(30 - suffix.chars().count()).collect();
        Ok(CloneOptions {
            tiers,
            memories: MEMORIES.iter().map(|m| (*m).to_owned()).collect(),
            default_tier: source.tier.clone(),
            default_memory: source.memory.clone().unwrap_or_else(|| "8GB".into()),
            default_name: format!("{base}{suffix}"),
        })
    }
}

impl JobState {
    /// The desktop notification for a finished job: summary and body, in plain words.
    pub fn notification(&self) -> Option<(String, String)> {
        let name = &self.instance_name;
        let outcome = self.outcome?;
        let failure = || self.error.as_ref().map(|e| e.message.clone()).unwrap_or_default();
        Some(match (self.kind, outcome) {
            (JobKind::Snapshot, Outcome::Succeeded) => {
                (format!("Snapshot of {name} completed"), "You can restore to this point at any time.".into())
            }
            (JobKind::Snapshot, Outcome::Failed) => (format!("Snapshot of {name} failed"), failure()),
            (JobKind::Restore, Outcome::Succeeded) => {
                let took = self
                    .result
                    .duration_secs
                    .map(|s| {
                        format!(
                            " The restore took {}.",
                            crate::snapshots::human_duration(std::time::Duration::from_secs(s))
                        )
                    })
                    .unwrap_or_default();
                let counts = self
                    .result
                    .counts_after
                    .map(|c| {
                        format!(" It holds {} nodes and {} relationships.", grouped(c.nodes), grouped(c.relationships))
                    })
                    .unwrap_or_default();
                (format!("{name} is running again"), format!("{}.{took}{counts}", self.title))
            }
            (JobKind::Restore, Outcome::Failed) => (format!("Restore of {name} failed"), failure()),
            (JobKind::Clone, Outcome::Succeeded) => {
                ("New instance is running".to_owned(), format!("{} is ready to inspect.", self.title))
            }
            (JobKind::Clone, Outcome::Failed) => ("New instance could not be created".to_owned(), failure()),
            (JobKind::Upload, Outcome::Succeeded) => {
                (format!("{name} is running again"), format!("{}. Your file was not changed.", self.title))
            }
            (JobKind::Upload, Outcome::Failed) => (format!("Restore of {name} from a file failed"), failure()),
            (JobKind::Drill, Outcome::Succeeded) => {
                let took = self
                    .result
                    .duration_secs
                    .map(|s| {
                        format!("A restore of {name} from this snapshot takes about {}.", crate::words::elapsed(s))
                    })
                    .unwrap_or_else(|| "The test instance is running.".into());
                let counts = self
                    .result
                    .counts_after
                    .map(|c| format!(" The test copy holds {} nodes and {} relationships.", c.nodes, c.relationships))
                    .unwrap_or_default();
                (
                    format!("Restore test of {name} finished"),
                    format!(
                        "{took}{counts} {name} was not changed. Delete the test instance in Lifeboat when you are done: it is billed until then."
                    ),
                )
            }
            (JobKind::Drill, Outcome::Failed) => {
                (format!("Restore test of {name} failed"), format!("{} {name} was not changed.", failure()))
            }
            (JobKind::SnapshotExport, Outcome::Succeeded) => {
                let saved = self.export.as_ref();
                let size = saved.and_then(|x| x.bytes).map(|b| format!(" ({})", crate::exports::size_words(b)));
                (
                    format!("Snapshot of {name} exported"),
                    format!(
                        "Saved as {}{}, checked against the download.",
                        saved.map(|x| x.destination.display().to_string()).unwrap_or_default(),
                        size.unwrap_or_default()
                    ),
                )
            }
            (JobKind::SnapshotExport, Outcome::Failed) => (format!("Export of {name}’s snapshot failed"), failure()),
            (JobKind::GraphExport, Outcome::Succeeded) => (
                format!("Data of {name} exported"),
                format!(
                    "Saved as {}{}, checked against the database.",
                    self.file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                    self.result
                        .file_counts
                        .map(|c| format!(": {} nodes and {} relationships", grouped(c.nodes), grouped(c.relationships)))
                        .unwrap_or_default()
                ),
            ),
            (JobKind::GraphExport, Outcome::Failed) => (format!("Export of {name}’s data failed"), failure()),
            (JobKind::GraphImport, Outcome::Succeeded) => (
                format!("Data of {name} replaced"),
                format!(
                    "{name} now holds the {} of the data export.",
                    self.result
                        .counts_after
                        .map(|c| format!("{} nodes and {} relationships", grouped(c.nodes), grouped(c.relationships)))
                        .unwrap_or_else(|| "nodes and relationships".into())
                ),
            ),
            (JobKind::GraphImport, Outcome::Failed) => (format!("Import into {name} failed"), failure()),
            (JobKind::ScheduledCopy, Outcome::Succeeded) => (
                format!("Copy of {name} saved"),
                format!(
                    "Saved as {}, read back and checked.",
                    self.file.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
                ),
            ),
            (JobKind::ScheduledCopy, Outcome::Failed) => (
                format!("Scheduled copy of {name} failed"),
                format!("{} Lifeboat tries again at the next scheduled time.", failure()),
            ),
            (JobKind::Objectives, _) => return None,
        })
    }
}
