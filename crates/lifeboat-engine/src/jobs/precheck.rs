//! What the state of an instance means for the steps before an overwrite. Aura takes a snapshot only of a running
//! instance, and a database whose last load failed does not answer queries: restoring such a broken instance must
//! still work with the defaults the dialog offers. So the plan says up front that no safety snapshot can be taken
//! (and why), and the job skips the counts and the snapshot with that reason instead of failing on them after a
//! long wait — in the window and on the command line alike.

use serde::Serialize;
use ts_rs::TS;

use super::harness::skip;
use super::state::{JobState, StepId};
use crate::api::{Instance, InstanceStatus};

/// Whether a safety snapshot can be taken before this overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SafetyOffer {
    /// Aura can take one now.
    pub possible: bool,
    /// Why not, in words, when it cannot.
    pub reason: Option<String>,
}

/// The safety snapshot Aura can (or cannot) take of `instance` now.
pub fn safety_offer(instance: &Instance) -> SafetyOffer {
    let name = &instance.name;
    let reason = match &instance.status {
        InstanceStatus::Running => return SafetyOffer { possible: true, reason: None },
        InstanceStatus::LoadingFailed => format!(
            "Aura cannot take a snapshot of {name} while its last load has failed (it shows “Loading failed”), so the restore goes ahead without one. Its database does not answer now, so there is little to keep."
        ),
        other => {
            let (label, _) = crate::instances::status_label(other);
            format!("Aura takes snapshots only of running instances, and {name} shows “{label}”, so the restore goes ahead without one.")
        }
    };
    SafetyOffer { possible: false, reason: Some(reason) }
}

/// Why the data cannot be counted before the overwrite, if it cannot.
fn cannot_count(instance: &Instance) -> Option<String> {
    (instance.status == InstanceStatus::LoadingFailed).then(|| {
        format!(
            "{}'s last load failed, so its database does not answer: there is nothing to count before the restore.",
            instance.name
        )
    })
}

/// Skips, with their reasons, the steps before an overwrite that the instance's state rules out.
pub(crate) fn apply(state: &mut JobState, instance: &Instance) {
    let offer = safety_offer(instance);
    if let (false, Some(why)) = (offer.possible, offer.reason.as_deref()) {
        skip(state, StepId::SafetySnapshot, why);
    }
    if let Some(why) = cannot_count(instance) {
        skip(state, StepId::CountsBefore, &why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(status: &str) -> Instance {
        serde_json::from_value(serde_json::json!({"id": "a1", "name": "Staging", "status": status})).unwrap()
    }

    #[test]
    fn only_a_running_instance_can_be_snapshotted() {
        assert_eq!(safety_offer(&instance("running")), SafetyOffer { possible: true, reason: None });
        let broken = safety_offer(&instance("loading failed"));
        assert!(!broken.possible);
        assert!(broken.reason.unwrap().contains("last load has failed"));
        let odd = safety_offer(&instance("hibernating"));
        assert!(odd.reason.unwrap().contains("“Hibernating”"));
    }

    #[test]
    fn a_broken_instance_skips_the_snapshot_and_the_count_with_reasons() {
        let mut state = JobState::new(
            super::super::JobKind::Restore,
            "a1",
            "Staging",
            "Restore".into(),
            super::super::operations::RESTORE_STEPS,
        );
        apply(&mut state, &instance("loading failed"));
        let safety = state.step(StepId::SafetySnapshot).unwrap();
        assert_eq!(safety.state, super::super::StepState::Skipped);
        assert!(safety.detail.as_deref().unwrap().contains("goes ahead without one"));
        let counts = state.step(StepId::CountsBefore).unwrap();
        assert_eq!(counts.state, super::super::StepState::Skipped);
        assert!(!counts.detail.as_deref().unwrap().contains("HTTP"));
    }
}
