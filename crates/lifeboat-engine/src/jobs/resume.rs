//! Resume dispatch: what happens to a job an earlier run of Lifeboat left open. Each kind goes back to the module
//! whose body it ran — keep watching what Aura is doing, or say plainly that it stopped and what that means.

use time::OffsetDateTime;

use super::harness::{job_error, Job};
use super::operations::{verify_after, watch_running, watch_snapshot};
use super::state::{JobKind, StepId};
use super::{copy, export, graph};

/// Picks up a job an earlier run left open: keep watching what Aura is doing, or say plainly that it stopped.
pub(crate) async fn resume(job: Job) {
    let state = job.state();
    let active = state.active_step().map(|s| s.id);
    let instance = state.instance_id.clone();
    match (state.kind, active, state.result.snapshot_id.clone()) {
        (JobKind::Snapshot, Some(StepId::Snapshot), Some(sid)) => {
            match watch_snapshot(&job, &instance, &sid, StepId::Snapshot).await {
                Ok(()) => job.succeed(),
                Err(e) => job.fail(StepId::Snapshot, e),
            }
        }
        (JobKind::Restore, Some(StepId::Restoring | StepId::Verify), _) => {
            // Watching the restore or checking its data: Aura accepted it before Lifeboat stopped.
            job.update(|s| s.data_overwritten = Some(true));
            if active == Some(StepId::Verify) {
                verify_after(&job, &instance).await;
                return job.succeed();
            }
            let started = state.step(StepId::Restoring).and_then(|s| s.started_at).unwrap_or(state.started_at);
            if let Err(e) = watch_running(&job, &instance, StepId::Restoring, true).await {
                return job.fail(StepId::Restoring, e);
            }
            let secs = (OffsetDateTime::now_utc() - started).whole_seconds().max(0) as u64;
            job.update(|s| s.result.duration_secs = Some(secs));
            job.done(StepId::Restoring, Some("Running again (watched across a restart of Lifeboat)".into()));
            verify_after(&job, &instance).await;
            job.succeed();
        }
        (JobKind::Clone | JobKind::Drill, Some(StepId::Creating | StepId::Verify), _) => {
            let Some(new_id) = state.result.new_instance_id.clone() else {
                return job.fail(
                    StepId::Creating,
                    job_error(
                        "interrupted",
                        "Lifeboat was closed while creating the instance. Check the instance list.",
                        false,
                    ),
                );
            };
            let started = state.step(StepId::Creating).and_then(|s| s.started_at).unwrap_or(state.started_at);
            if let Err(e) = watch_running(&job, &new_id, StepId::Creating, true).await {
                return job.fail(StepId::Creating, e);
            }
            if state.result.duration_secs.is_none() {
                let secs = (OffsetDateTime::now_utc() - started).whole_seconds().max(0) as u64;
                job.update(|s| s.result.duration_secs = Some(secs));
            }
            job.done(StepId::Creating, Some("Running (watched across a restart of Lifeboat)".into()));
            verify_after(&job, &new_id).await;
            job.succeed();
        }
        (JobKind::SnapshotExport, _, _) => export::resume(job).await,
        (JobKind::ScheduledCopy, _, _) => copy::interrupted(&job),
        (JobKind::GraphExport | JobKind::GraphImport, _, _) => graph::interrupted(&job),
        (JobKind::Upload, step, _) => {
            let step = step.unwrap_or(StepId::Upload);
            job.fail(
                step,
                job_error(
                    "interrupted",
                    "Lifeboat was closed during this restore. If the upload had started, choose “Resume upload” to continue where it stopped; your file was not changed.",
                    true,
                ),
            );
        }
        (_, step, _) => {
            let step = step.unwrap_or(StepId::Request);
            let reached_aura =
                !(state.request_ids.is_empty() || step == StepId::SafetySnapshot || step == StepId::CountsBefore);
            let message = if reached_aura {
                // Whether Aura received it is not known, so neither is whether the data was replaced.
                if state.kind.overwrites() {
                    job.update(|s| s.data_overwritten = None);
                }
                "Lifeboat was closed while this operation was being sent, so it cannot tell whether Aura received it. Check the instance before trying again."
            } else {
                "Lifeboat was closed before this operation reached Aura, so nothing was changed. Start it again."
            };
            job.fail(step, job_error("interrupted", message, true));
        }
    }
}
