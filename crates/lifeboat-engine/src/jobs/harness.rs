//! The job harness: a running [`Job`], the one way its state changes ([`Job::update`], which journals the change
//! and tells every watcher), and the errors a job body ends with. It knows no job kind; the bodies live in
//! [`super::operations`], [`super::export`], [`super::graph`], [`super::upload`] and [`super::copy`], and picking up
//! an open job after a restart in [`super::resume`].

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::watch;

use super::state::{JobError, JobState, Outcome, StepId, StepState};
use super::JobManager;
use crate::api::ApiError;

/// A running job: its state channel and the manager that journals it.
pub(crate) struct Job {
    pub(crate) manager: Arc<JobManager>,
    pub(crate) tx: watch::Sender<JobState>,
}

impl Job {
    pub(super) fn update(&self, change: impl FnOnce(&mut JobState)) -> JobState {
        self.tx.send_modify(change);
        let state = self.tx.borrow().clone();
        self.manager.persist(&state);
        state
    }

    pub(super) fn state(&self) -> JobState {
        self.tx.borrow().clone()
    }

    pub(super) fn begin(&self, step: StepId) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                // Entered once: a step that is already under way keeps its start time.
                if st.state != StepState::Active || st.started_at.is_none() {
                    st.started_at = Some(OffsetDateTime::now_utc());
                }
                st.state = StepState::Active;
            }
        });
    }

    pub(super) fn done(&self, step: StepId, detail: Option<String>) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = StepState::Done;
                st.finished_at = Some(OffsetDateTime::now_utc());
                st.detail = detail;
            }
        });
    }

    pub(super) fn set_step(&self, step: StepId, state: StepState, detail: String) {
        self.update(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = state;
                st.finished_at = Some(OffsetDateTime::now_utc());
                st.detail = Some(detail);
            }
        });
    }

    pub(super) fn note_request(&self, request_id: Option<String>) {
        if let Some(id) = request_id {
            self.update(|s| s.request_ids.push(id));
        }
    }

    pub(super) fn succeed(&self) {
        self.end(|s| {
            s.outcome = Some(Outcome::Succeeded);
            s.finished_at = Some(OffsetDateTime::now_utc());
        });
    }

    pub(super) fn fail(&self, step: StepId, error: JobError) {
        self.end(|s| {
            if let Some(st) = s.step_mut(step) {
                st.state = StepState::Failed;
                st.finished_at = Some(OffsetDateTime::now_utc());
            }
            s.outcome = Some(Outcome::Failed);
            s.finished_at = Some(OffsetDateTime::now_utc());
            s.error = Some(error);
        });
    }

    /// The final change: journalled and added to the history *before* any watcher hears that the job ended, so
    /// whoever reacts to the end (the readiness view after a restore test, a script after `--wait`) finds it there.
    fn end(&self, change: impl FnOnce(&mut JobState)) {
        let mut state = self.tx.borrow().clone();
        change(&mut state);
        self.manager.persist(&state);
        self.manager.record(&state);
        self.tx.send_replace(state.clone());
        self.manager.finished(&state);
    }
}

pub(crate) fn skip(state: &mut JobState, step: StepId, why: &str) {
    if let Some(st) = state.step_mut(step) {
        st.state = StepState::Skipped;
        st.detail = Some(why.to_owned());
    }
}

/// A time in UTC as the history and notifications write it: "21 Nov 2026 15:12 UTC".
pub use crate::words::utc_label;

pub(super) fn api_error(e: &ApiError) -> JobError {
    JobError { code: e.code().to_owned(), message: e.user_message(), retryable: e.retryable() }
}

pub(super) fn job_error(code: &str, message: impl Into<String>, retryable: bool) -> JobError {
    JobError { code: code.to_owned(), message: message.into(), retryable }
}
