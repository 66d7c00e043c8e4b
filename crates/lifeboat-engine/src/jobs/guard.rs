//! Refusals before a start: one operation at a time per instance. A restore, a restore from a file or a data import
//! is refused while the instance is in the middle of another operation — whether Lifeboat started it (a job still
//! under way, even one checking a lost answer) or Aura reports one — and while it is paused. The refusal says why
//! and what to do, and nothing is sent to Aura.

use super::state::{JobKind, JobState};
use super::{JobManager, StartError};
use crate::api::{Instance, InstanceStatus};

/// Job kinds that replace an instance's data.
fn overwrites(kind: JobKind) -> bool {
    matches!(kind, JobKind::Restore | JobKind::Upload | JobKind::GraphImport)
}

/// "a restore", "a restore from a file", … for a sentence.
fn job_words(job: &JobState) -> &'static str {
    match job.kind {
        JobKind::Restore => "a restore",
        JobKind::Upload => "a restore from a file",
        JobKind::GraphImport => "a data import",
        JobKind::Snapshot => "a snapshot",
        _ => "an operation",
    }
}

impl JobManager {
    /// The unfinished job of this manager that changes `instance_id`, if any.
    fn changing(&self, instance_id: &str, also: impl Fn(JobKind) -> bool) -> Option<JobState> {
        self.list()
            .into_iter()
            .find(|j| j.outcome.is_none() && j.instance_id == instance_id && (overwrites(j.kind) || also(j.kind)))
    }

    /// Refuses to overwrite `instance` while another operation runs on it or while it is paused.
    pub(crate) fn refuse_overwrite_if_busy(&self, instance: &Instance) -> Result<(), StartError> {
        let name = &instance.name;
        if let Some(job) = self.changing(&instance.id, |k| k == JobKind::Snapshot) {
            let step = job.active_step().map(|s| format!(" (now: {})", s.label.to_lowercase())).unwrap_or_default();
            return Err(StartError::Busy(format!(
                "{} of {name} is still under way in Lifeboat{step}. Only one operation can run on an instance at a time, so nothing was started. Wait until it has finished, then try again.",
                capitalised(job_words(&job))
            )));
        }
        if instance.status.is_transitional() {
            return Err(busy_in_aura(instance));
        }
        if matches!(instance.status, InstanceStatus::Paused | InstanceStatus::Suspended) {
            let (label, _) = crate::instances::status_label(&instance.status);
            return Err(StartError::Busy(format!(
                "{name} is {}, so its data cannot be replaced now. Resume it in the Aura console first, then try again. Nothing was changed.",
                label.to_lowercase()
            )));
        }
        Ok(())
    }

    /// Refuses an on-demand snapshot while the instance's data is being replaced or another operation runs on it.
    pub(crate) fn refuse_snapshot_if_busy(&self, instance: &Instance) -> Result<(), StartError> {
        if let Some(job) = self.changing(&instance.id, |_| false) {
            return Err(StartError::Busy(format!(
                "{} of {} is under way in Lifeboat. A snapshot can be taken once it has finished. Nothing was changed.",
                capitalised(job_words(&job)),
                instance.name
            )));
        }
        if instance.status.is_transitional() {
            return Err(busy_in_aura(instance));
        }
        Ok(())
    }
}

fn busy_in_aura(instance: &Instance) -> StartError {
    let (label, _) = crate::instances::status_label(&instance.status);
    StartError::Busy(format!(
        "{} is busy: Aura says “{label}”. Only one operation can run on an instance at a time, so nothing was started. Wait until it shows Running, then try again.",
        instance.name
    ))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jobs_that_replace_data_block_a_restore() {
        assert!(overwrites(JobKind::Restore));
        assert!(overwrites(JobKind::Upload));
        assert!(overwrites(JobKind::GraphImport));
        assert!(!overwrites(JobKind::Clone));
        assert!(!overwrites(JobKind::GraphExport));
        assert_eq!(capitalised("a restore"), "A restore");
    }
}
