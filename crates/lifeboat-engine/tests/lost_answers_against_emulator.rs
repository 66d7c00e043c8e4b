//! Lost answers and refusals, against the emulator: an answer Aura never delivered is checked, never guessed — the
//! job watches the operation to its end when Aura took it on, says plainly that nothing started (and offers a
//! retry) when it did not, and never sends the request twice on its own. A second overwrite is refused while the
//! instance is busy.

use aura_emulator::test_kit::Fault;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aura_emulator::ClockSpeed;
use lifeboat_engine::jobs::{JobKind, Outcome, StepId, StepState, WaitKind, NOT_STARTED};
use lifeboat_engine::{JobState, SnapshotCache};
use serde_json::Value;
use tokio::sync::watch;

mod common;

use common::World;

const RESTORE_ROUTE: &str = "POST /v1/instances/{id}/snapshots/{sid}/restore";

async fn finished(mut rx: watch::Receiver<JobState>) -> JobState {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = rx.borrow_and_update().clone();
        if state.outcome.is_some() {
            return state;
        }
        assert!(Instant::now() < deadline, "job did not finish: {state:?}");
        let _ = tokio::time::timeout(Duration::from_millis(500), rx.changed()).await;
    }
}

/// Every state a job went through, in order (the job channel keeps only the latest).
fn record(mut rx: watch::Receiver<JobState>) -> Arc<Mutex<Vec<JobState>>> {
    let seen = Arc::new(Mutex::new(vec![rx.borrow().clone()]));
    let out = seen.clone();
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let s = rx.borrow_and_update().clone();
            let end = s.outcome.is_some();
            out.lock().unwrap().push(s);
            if end {
                break;
            }
        }
    });
    seen
}

fn posts<'a>(log: &'a [Value], suffix: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["method"] == "POST" && e["path"].as_str().is_some_and(|p| p.ends_with(suffix))).collect()
}

async fn restorable(w: &World, instance: &str) -> String {
    let timeline = SnapshotCache::new().timeline(&w.client, instance, false).await.unwrap();
    timeline.latest_restorable().expect("a completed snapshot").id.clone()
}

#[tokio::test]
async fn a_restore_whose_answer_was_lost_is_checked_then_watched_to_the_end_and_sent_once() {
    let w = World::start().await;
    let jobs = w.manager();
    let finishes = Arc::new(Mutex::new(Vec::new()));
    let hook = finishes.clone();
    jobs.on_finish(Arc::new(move |s: &JobState| hook.lock().unwrap().push(s.notification())));
    let staging = w.id_of("Staging");
    let sid = restorable(&w, &staging).await;
    w.arm(Fault::on(RESTORE_ROUTE).dropped()).await;

    let token = jobs.prepare_restore(&staging, &sid);
    let rx = jobs.start_restore(&token, false, Some("Lost answer drill".into())).await.unwrap();
    let states = record(rx.clone());
    let done = finished(rx).await;

    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.step(StepId::Restoring).unwrap().state, StepState::Done);
    assert_eq!(done.step(StepId::Verify).unwrap().state, StepState::Done, "verified like any restore");
    assert!(done.result.counts_after.is_some());
    assert!(done.result.duration_secs.is_some());
    assert!(done.waiting.is_none());
    let request = done.step(StepId::Request).unwrap();
    assert!(request.detail.as_deref().is_some_and(|d| d.contains("lost")), "{request:?}");
    assert!(
        states.lock().unwrap().iter().any(|s| s
            .waiting
            .as_ref()
            .is_some_and(|w| w.kind == WaitKind::Checking && w.message == "Checking with Aura…")),
        "the job said it was checking"
    );

    let log = w.request_log().await;
    let restores = posts(&log, "/restore");
    assert_eq!(restores.len(), 1, "exactly one restore request: {restores:?}");
    assert_eq!(restores[0]["dropped"], true);

    let entry = jobs.history_entry(&done.id).expect("in the history");
    assert_eq!(entry.outcome, Outcome::Succeeded);
    let notes = finishes.lock().unwrap().clone();
    assert_eq!(notes.len(), 1);
    let (summary, _) = notes[0].clone().expect("a notification");
    assert_eq!(summary, "Staging is running again");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_restore_aura_never_received_says_nothing_started_and_can_be_tried_again_once() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let sid = restorable(&w, &staging).await;
    w.arm(Fault::on(RESTORE_ROUTE).dropped_unprocessed()).await;

    let token = jobs.prepare_restore(&staging, &sid);
    let done = finished(jobs.start_restore(&token, true, Some("Retry drill".into())).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Failed));
    let error = done.error.clone().unwrap();
    assert_eq!(error.code, NOT_STARTED);
    assert!(error.retryable);
    assert!(error.message.contains("Nothing was changed"), "{}", error.message);
    assert_eq!(done.step(StepId::Request).unwrap().state, StepState::Failed);
    assert_eq!(done.step(StepId::SafetySnapshot).unwrap().state, StepState::Done);
    let status = w.client.get_instance(&staging).await.unwrap().status;
    assert_eq!(status.as_str(), "running", "Aura did nothing");

    let again = finished(jobs.retry(&done.id).await.expect("a retry is offered")).await;
    assert_eq!(again.outcome, Some(Outcome::Succeeded), "{again:?}");
    assert_eq!(again.retry_of.as_deref(), Some(done.id.as_str()));
    assert_eq!(again.reason.as_deref(), Some("Retry drill"));
    assert_eq!(again.result.snapshot_id, done.result.snapshot_id, "the first safety snapshot is kept");
    assert_eq!(again.step(StepId::SafetySnapshot).unwrap().state, StepState::Done);

    let log = w.request_log().await;
    assert_eq!(posts(&log, "/restore").len(), 2, "the lost one and the retry");
    assert_eq!(posts(&log, "/snapshots").len(), 1, "one safety snapshot for both");
    let twice = jobs.retry(&done.id).await.unwrap_err();
    assert_eq!(twice.code(), "invalid-input", "{twice}");
    let not_lost = jobs.retry(&again.id).await.unwrap_err();
    assert_eq!(not_lost.code(), "invalid-input", "{not_lost}");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_to_the_safety_snapshot_finds_the_snapshot_and_goes_on() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let sid = restorable(&w, &staging).await;
    w.arm(Fault::on("POST /v1/instances/{id}/snapshots").dropped()).await;

    let token = jobs.prepare_restore(&staging, &sid);
    let done = finished(jobs.start_restore(&token, true, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let safety = done.result.snapshot_id.clone().expect("the safety snapshot was found");
    let snapshot = w.client.get_snapshot(&staging, &safety).await.unwrap();
    assert_eq!(snapshot.status.as_str(), "Completed");
    let log = w.request_log().await;
    assert_eq!(posts(&log, "/snapshots").len(), 1, "the snapshot was asked for once");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_to_a_new_instance_finds_it_and_never_creates_a_second() {
    let w = World::start().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let timeline = SnapshotCache::new().timeline(&w.client, &production, false).await.unwrap();
    let daily = timeline.snapshots.iter().find(|s| s.restorable && s.exportable).unwrap().id.clone();
    w.arm(Fault::on("POST /v1/instances").dropped()).await;

    let rx = jobs.start_clone(&production, &daily, "Lost answer copy", "business-critical", "8GB").await.unwrap();
    let job_id = rx.borrow().id.clone();
    let done = finished(rx).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.kind, JobKind::Clone);
    let new_id = done.result.new_instance_id.clone().expect("found by its name");
    assert_eq!(w.client.get_instance(&new_id).await.unwrap().name, "Lost answer copy");
    let request = done.step(StepId::Request).unwrap().detail.clone().unwrap_or_default();
    assert!(request.contains("password"), "says the password was in the lost answer: {request}");
    assert_eq!(done.step(StepId::Verify).unwrap().state, StepState::Skipped, "no password, no count");
    assert!(jobs.reveal_clone_login(&job_id).is_err(), "there is no password to show");
    let log = w.request_log().await;
    let creates: Vec<_> = log.iter().filter(|e| e["method"] == "POST" && e["path"] == "/v1/instances").collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_second_restore_is_refused_while_the_first_is_under_way_in_lifeboat() {
    let w = World::start().await;
    let staging = w.id_of("Staging");
    let sid = restorable(&w, &staging).await;
    let jobs = w.manager();
    let token = jobs.prepare_restore(&staging, &sid);
    let first = jobs.start_restore(&token, true, None).await.unwrap();

    let refused = jobs.plan_restore(&staging, &sid).await.unwrap_err();
    assert_eq!(refused.code(), "instance-busy", "{refused}");
    assert!(refused.to_string().contains("still under way in Lifeboat"), "{refused}");
    assert!(refused.to_string().contains("nothing was started"), "{refused}");
    let snapshot = jobs.start_snapshot(&staging).await.unwrap_err();
    assert_eq!(snapshot.code(), "instance-busy", "{snapshot}");

    assert_eq!(finished(first).await.outcome, Some(Outcome::Succeeded));
    let log = w.request_log().await;
    assert_eq!(posts(&log, "/restore").len(), 1, "the refused starts sent nothing");
    assert_eq!(posts(&log, "/snapshots").len(), 1, "only the safety snapshot");
    // Once it has finished, the next one may start.
    assert!(jobs.plan_restore(&staging, &sid).await.is_ok());
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_restore_is_refused_with_aura_s_reason_while_the_instance_is_busy_or_paused() {
    // The real clock: a restore started elsewhere (another computer, the Aura console) lasts a minute.
    let w = World::start_on(ClockSpeed::Real).await;
    let staging = w.id_of("Staging");
    let sid = restorable(&w, &staging).await;
    w.client.restore_snapshot(&staging, &sid).await.expect("restore started elsewhere");
    let jobs = w.manager();
    let refused = jobs.plan_restore(&staging, &sid).await.unwrap_err();
    assert_eq!(refused.code(), "instance-busy");
    assert!(refused.to_string().contains("Aura says “Restoring from a snapshot…”"), "{refused}");
    let snapshot = jobs.start_snapshot(&staging).await.unwrap_err();
    assert_eq!(snapshot.code(), "instance-busy");

    let playground = w.id_of("Playground");
    w.client.pause_instance(&playground).await.unwrap();
    let free_sid = restorable(&w, &playground).await;
    let refused = jobs.plan_restore(&playground, &free_sid).await.unwrap_err();
    assert_eq!(refused.code(), "instance-busy", "{refused}");
    assert!(refused.to_string().contains("Pausing") || refused.to_string().contains("paused"), "{refused}");
    let log = w.request_log().await;
    assert_eq!(posts(&log, "/restore").len(), 1, "only the one started elsewhere");
    w.emu.shutdown().await;
}
