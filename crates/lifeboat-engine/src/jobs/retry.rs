//! "Try again" for an operation Aura was found not to have started (see the `settle` module): one click, no new
//! confirmation, because what the user confirmed never happened. Only a job that failed with
//! [`NOT_STARTED`](super::NOT_STARTED) qualifies, and only once. The new job keeps what the first one finished —
//! the counts before and the safety snapshot — and starts again at the request Aura did not act on.

use std::sync::Arc;

use tokio::sync::watch;

use super::settle::NOT_STARTED;
use super::state::{JobKind, JobResult, JobState, Outcome, StepId, StepState};
use super::{operations, JobManager, StartError};

impl JobManager {
    /// Starts again a job that Aura was found not to have started.
    pub async fn retry(self: &Arc<Self>, job_id: &str) -> Result<watch::Receiver<JobState>, StartError> {
        let old = self
            .watch(job_id)
            .map(|rx| rx.borrow().clone())
            .ok_or_else(|| StartError::Invalid("Lifeboat no longer knows this operation. Start it again.".into()))?;
        let not_started =
            old.outcome == Some(Outcome::Failed) && old.error.as_ref().is_some_and(|e| e.code == NOT_STARTED);
        if !not_started {
            return Err(StartError::Invalid(
                "Only an operation that Aura did not start can be tried again this way. Start it again from its button."
                    .into(),
            ));
        }
        if self.list().iter().any(|j| j.retry_of.as_deref() == Some(job_id)) {
            return Err(StartError::Invalid("This operation was tried again already; see the newer one.".into()));
        }
        let instance = self.client.get_instance(&old.instance_id).await?;
        match old.kind {
            JobKind::Snapshot => {
                self.refuse_snapshot_if_busy(&instance)?;
                let mut state = JobState::new(
                    JobKind::Snapshot,
                    &instance.id,
                    &instance.name,
                    old.title.clone(),
                    operations::SNAPSHOT_STEPS,
                );
                state.retry_of = Some(old.id.clone());
                Ok(self.spawn(state, |job| async move { operations::snapshot(job).await }))
            }
            JobKind::Restore => {
                self.refuse_overwrite_if_busy(&instance)?;
                let mut state = again(&old, &instance.name, operations::RESTORE_STEPS);
                super::precheck::apply(&mut state, &instance);
                state.snapshot_id = old.snapshot_id.clone();
                state.snapshot_time = old.snapshot_time;
                state.data_loss_secs = old
                    .snapshot_time
                    .map(|t| crate::snapshots::data_loss(time::OffsetDateTime::now_utc(), t).as_secs());
                let before = instance.status.clone();
                Ok(self.spawn(state, |job| async move { operations::restore(job, before).await }))
            }
            JobKind::Upload => {
                self.refuse_overwrite_if_busy(&instance)?;
                let login = self.login_for_upload(&instance.id)?;
                let mut state = again(&old, &instance.name, super::upload::UPLOAD_STEPS);
                super::precheck::apply(&mut state, &instance);
                state.file = old.file.clone();
                state.backup_time = old.backup_time;
                state.data_loss_secs =
                    old.backup_time.map(|t| crate::snapshots::data_loss(time::OffsetDateTime::now_utc(), t).as_secs());
                Ok(self.spawn_upload(state, login, None))
            }
            _ => Err(StartError::Invalid("This kind of operation is started again from its own button.".into())),
        }
    }
}

/// A new job for the same operation: same title, reason and snapshot; the steps before the request that the first
/// job finished are kept as they were, the rest start afresh.
fn again(old: &JobState, instance_name: &str, steps: &[(StepId, &str)]) -> JobState {
    let mut state = JobState::new(old.kind, &old.instance_id, instance_name, old.title.clone(), steps);
    state.reason = old.reason.clone();
    state.retry_of = Some(old.id.clone());
    for step in state.steps.iter_mut() {
        let kept = matches!(step.id, StepId::CountsBefore | StepId::SafetySnapshot);
        if let Some(first) =
            old.step(step.id).filter(|s| kept && matches!(s.state, StepState::Done | StepState::Skipped))
        {
            *step = first.clone();
        }
    }
    let safety_done = state.step(StepId::SafetySnapshot).is_some_and(|s| s.state == StepState::Done);
    state.result = JobResult {
        counts_before: old.result.counts_before,
        snapshot_id: old.result.snapshot_id.clone().filter(|_| safety_done),
        ..JobResult::default()
    };
    state
}
