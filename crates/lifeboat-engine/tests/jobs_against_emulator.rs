//! Snapshots, restores and new instances from snapshots, end to end against the emulator on the fast clock.

use std::time::{Duration, Instant};

use lifeboat_engine::jobs::{JobKind, Outcome, StartError, StepId, StepState};
use lifeboat_engine::{JobState, LoginStore, SnapshotCache};
use serde_json::json;
use tokio::sync::watch;

mod common;

use common::World;

async fn world() -> World {
    World::start().await
}

impl World {
    async fn posts_to(&self, suffix: &str) -> usize {
        self.request_log()
            .await
            .iter()
            .filter(|e| e["method"] == "POST" && e["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .count()
    }
}

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

fn steps(state: &JobState) -> Vec<(&str, StepState)> {
    state.steps.iter().map(|s| (s.id.as_str(), s.state)).collect()
}

#[tokio::test]
async fn an_on_demand_snapshot_is_watched_until_completed_and_journaled() {
    let w = world().await;
    let jobs = w.manager();
    let done = finished(jobs.start_snapshot(&w.id_of("Production")).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.kind, JobKind::Snapshot);
    assert!(done.result.snapshot_id.is_some());
    assert_eq!(steps(&done), [("request", StepState::Done), ("snapshot", StepState::Done)]);
    let journal = std::fs::read(w.journal.path().join(format!("{}.json", done.id))).expect("journal written");
    let on_disk: JobState = serde_json::from_slice(&journal).unwrap();
    assert_eq!(on_disk, done);
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_failed_snapshot_is_reported_in_plain_words() {
    let w = world().await;
    w.ctl().fail_next(1).await.unwrap();
    let done = finished(w.manager().start_snapshot(&w.id_of("Staging")).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Failed));
    let error = done.error.unwrap();
    assert_eq!(error.code, "snapshot-failed");
    assert!(error.message.contains("Nothing was changed"), "{}", error.message);
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_restore_needs_the_token_issued_by_the_confirmation_step() {
    let w = world().await;
    let jobs = w.manager();
    let err = jobs.start_restore("not-a-token", true, None).await.unwrap_err();
    assert!(matches!(err, StartError::Confirm(_)));
    assert_eq!(err.code(), "confirmation-required");
    assert_eq!(w.posts_to("/restore").await, 0, "nothing was sent to Aura");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_restore_takes_a_safety_snapshot_then_restores_and_compares_counts() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let timeline = SnapshotCache::new().timeline(&w.client, &production, false).await.unwrap();
    let target =
        timeline.snapshots.iter().filter(|s| s.restorable).nth(3).expect("an older completed snapshot").clone();

    let token = jobs.prepare_restore(&production, &target.id);
    let done = finished(jobs.start_restore(&token, true, Some("Drill: bad migration".into())).await.unwrap()).await;

    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(
        steps(&done),
        [
            ("counts-before", StepState::Done),
            ("safety-snapshot", StepState::Done),
            ("request", StepState::Done),
            ("restoring", StepState::Done),
            ("verify", StepState::Done),
        ]
    );
    let (before, after) = (done.result.counts_before.unwrap(), done.result.counts_after.unwrap());
    assert!(after.nodes < before.nodes, "going back in time removes the newer nodes: {before:?} → {after:?}");
    assert!(done.result.duration_secs.is_some());
    assert!(done.data_loss_secs.unwrap() > 3600, "an older snapshot loses hours of changes");
    assert_eq!(done.reason.as_deref(), Some("Drill: bad migration"));
    assert_eq!(done.request_ids.len(), 2, "safety snapshot + restore");
    assert!(done.result.snapshot_id.is_some(), "the safety snapshot is recorded");

    // The list marks the safety snapshot for what it is (Aura calls it only "AdHoc"), and nothing else.
    let safety = done.result.snapshot_id.clone().unwrap();
    let mut after_restore = SnapshotCache::new().timeline(&w.client, &production, true).await.unwrap();
    after_restore.mark_safety_snapshots(&jobs.safety_snapshot_ids(&production));
    let marked: Vec<_> = after_restore.snapshots.iter().filter(|s| s.purpose.is_some()).map(|s| &s.id).collect();
    assert_eq!(marked, [&safety]);
    let view = after_restore.snapshots.iter().find(|s| s.id == safety).unwrap();
    assert_eq!(
        (view.profile_label.as_str(), view.purpose.as_deref()),
        ("On-demand", Some("Safety snapshot before restore"))
    );

    let reused = jobs.start_restore(&token, true, None).await.unwrap_err();
    assert_eq!(reused.code(), "confirmation-required", "a token works once");
    w.emu.shutdown().await;
}

/// The confirmation offers the message to send colleagues before starting, written by the report's own words: the
/// snapshot's time as the last data point kept, the safety net only when it is ticked, and — once a restore of this
/// instance has been measured — that restore's time as the expected duration.
#[tokio::test]
async fn the_restore_plan_carries_the_message_before_with_the_last_measured_duration() {
    use lifeboat_engine::words::{elapsed, utc_label};
    let w = world().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let timeline = SnapshotCache::new().timeline(&w.client, &staging, false).await.unwrap();
    let target = timeline.snapshots.iter().find(|s| s.restorable).expect("a completed snapshot").clone();

    let plan = jobs.plan_restore(&staging, &target.id).await.unwrap();
    let (with, without) = (&plan.message_before.with_safety_snapshot, &plan.message_before.without_safety_snapshot);
    assert!(with.starts_with("Subject: Planned restore of Staging on "), "{with}");
    assert!(with.contains("Safety net: a snapshot of Staging as it is now is taken first"), "{with}");
    assert!(!without.contains("Safety net"), "{without}");
    assert!(without.contains(&format!("The last data point kept is {}.", utc_label(plan.snapshot_time))), "{without}");
    assert!(without.contains("Expected duration: a few minutes to a few hours"), "no restore measured yet: {without}");

    let done = finished(jobs.start_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let took = done.result.duration_secs.expect("the restore was timed");
    let again = jobs.plan_restore(&staging, &target.id).await.unwrap();
    let expected = format!("Expected duration: about {}.", elapsed(took));
    assert!(
        again.message_before.without_safety_snapshot.contains(&expected),
        "{}",
        again.message_before.without_safety_snapshot
    );
    w.emu.shutdown().await;
}

#[tokio::test]
async fn if_the_safety_snapshot_fails_the_instance_is_never_restored() {
    let w = world().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let timeline = SnapshotCache::new().timeline(&w.client, &staging, false).await.unwrap();
    let target = timeline.latest_restorable().unwrap().clone();
    w.ctl().fail_next(1).await.unwrap();
    let token = jobs.prepare_restore(&staging, &target.id);
    let done = finished(jobs.start_restore(&token, true, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Failed));
    assert_eq!(done.step(StepId::SafetySnapshot).unwrap().state, StepState::Failed);
    assert_eq!(done.step(StepId::Request).unwrap().state, StepState::Pending);
    assert!(done.error.unwrap().message.to_lowercase().contains("nothing was changed"));
    assert_eq!(w.posts_to("/restore").await, 0);
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_new_instance_from_an_exportable_snapshot_runs_and_shows_its_password_once() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let timeline = SnapshotCache::new().timeline(&w.client, &production, false).await.unwrap();
    let hourly = timeline.snapshots.iter().find(|s| s.restorable && !s.exportable).unwrap();
    let refused = jobs.start_clone(&production, &hourly.id, "Inspect", "business-critical", "8GB").await.unwrap_err();
    assert!(refused.to_string().contains("not exportable"), "{refused}");

    let daily = timeline.snapshots.iter().find(|s| s.restorable && s.exportable).unwrap();
    let rx = jobs.start_clone(&production, &daily.id, "Inspect copy", "business-critical", "8GB").await.unwrap();
    let job_id = rx.borrow().id.clone();
    let done = finished(rx).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let new_id = done.result.new_instance_id.clone().unwrap();
    assert!(done.result.counts_after.is_some(), "the copy answers queries with its saved password");
    assert!(w.logins.login(&new_id).is_some(), "the password was stored");
    let shown = jobs.reveal_clone_login(&job_id).expect("shown once");
    assert!(!shown.password.expose().is_empty());
    assert!(matches!(jobs.reveal_clone_login(&job_id), Err(StartError::AlreadyShown)));
    let journal = std::fs::read_to_string(w.journal.path().join(format!("{job_id}.json"))).unwrap();
    assert!(!journal.contains(shown.password.expose().as_str()), "the password never reaches the journal");
    w.emu.shutdown().await;
}

#[tokio::test]
async fn the_timeline_covers_the_retention_window_and_fetches_settled_days_once() {
    let w = world().await;
    let production = w.id_of("Production");
    let cache = SnapshotCache::new();
    let t = cache.timeline(&w.client, &production, false).await.unwrap();
    assert_eq!(t.retention_days, Some(30));
    assert_eq!(t.days_covered, 31);
    assert!(t.snapshots.iter().any(|s| s.profile == "Scheduled" && !s.exportable), "hourly snapshots");
    assert!(t.snapshots.iter().any(|s| s.status == "Failed"), "the failed one is shown");
    assert!(t.snapshots.windows(2).all(|p| p[0].timestamp >= p[1].timestamp), "newest first");

    let count_lists = || async {
        let entries = w.request_log().await;
        entries
            .iter()
            .filter(|e| {
                e["method"] == "GET"
                    && e["path"]
                        .as_str()
                        .is_some_and(|p| p.split('?').next().unwrap_or_default().ends_with("/snapshots"))
            })
            .count()
    };
    let first = count_lists().await;
    cache.timeline(&w.client, &production, false).await.unwrap();
    assert_eq!(count_lists().await - first, 1, "only today is fetched again");

    let free = cache.timeline(&w.client, &w.id_of("Playground"), false).await.unwrap();
    assert!(free.keeps_only_latest);
    assert_eq!(free.snapshots.len(), 1);
    w.emu.shutdown().await;
}

#[tokio::test]
async fn an_unfinished_restore_is_watched_again_after_a_restart() {
    let w = world().await;
    let staging = w.id_of("Staging");
    let timeline = SnapshotCache::new().timeline(&w.client, &staging, false).await.unwrap();
    let target = timeline.latest_restorable().unwrap().clone();
    // A first run asks for the restore, then "crashes" (its watcher is dropped) while Aura is restoring. Aura's
    // transitions are held meanwhile, so the restore stays under way until the crash has been captured, however
    // slow the machine.
    w.control("/_emulator/transitions/hold", json!({})).await;
    let first = w.manager();
    let token = first.prepare_restore(&staging, &target.id);
    let mut rx = first.start_restore(&token, false, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let job_id = loop {
        let s = rx.borrow_and_update().clone();
        if s.step(StepId::Restoring).is_some_and(|st| st.state == StepState::Active) {
            break s.id;
        }
        assert!(Instant::now() < deadline);
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
    };
    // What the crashed run left on disk once the journal shows the restore under way (journal writes happen on
    // their own thread, so the file can trail the live state a little); the new run starts from that alone.
    let path = w.journal.path().join(format!("{job_id}.json"));
    let journaled = loop {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let on_disk: Option<JobState> = serde_json::from_slice(&bytes).ok();
        if on_disk.is_some_and(|j| j.step(StepId::Restoring).is_some_and(|st| st.state == StepState::Active)) {
            break bytes;
        }
        assert!(Instant::now() < deadline, "the journal never showed the restore under way");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    w.control("/_emulator/transitions/release", json!({})).await;
    let after_restart = tempfile::tempdir().unwrap();
    std::fs::write(after_restart.path().join(format!("{job_id}.json")), journaled).unwrap();
    let second = w.manager_in(after_restart.path());
    assert_eq!(second.watch(&job_id).unwrap().borrow().outcome, None, "the journal shows the job unfinished");
    second.resume_unfinished();
    let done = finished(second.watch(&job_id).unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.step(StepId::Restoring).unwrap().state, StepState::Done);
    w.emu.shutdown().await;
}

/// A crash in the middle of an operation that cannot be picked up again (here: while the safety snapshot was being
/// taken, before the restore was asked for) is not lost: the next start records it in the history as interrupted,
/// with what the user typed and what to do next.
#[tokio::test]
async fn an_operation_cut_short_by_a_crash_shows_in_the_history_as_interrupted() {
    let w = world().await;
    let staging = w.id_of("Staging");
    let timeline = SnapshotCache::new().timeline(&w.client, &staging, false).await.unwrap();
    let target = timeline.latest_restorable().unwrap().clone();
    // Snapshots are held short of their end, so the safety snapshot stays under way until the crash is captured.
    w.control("/_emulator/transitions/hold", json!({})).await;
    let first = w.manager();
    let token = first.prepare_restore(&staging, &target.id);
    let rx = first.start_restore(&token, true, Some("Drill: bad import on Friday".into())).await.unwrap();
    let job_id = rx.borrow().id.clone();

    // What a crash leaves once the journal shows the safety snapshot under way.
    let path = w.journal.path().join(format!("{job_id}.json"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let journaled = loop {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let on_disk: Option<JobState> = serde_json::from_slice(&bytes).ok();
        if on_disk.is_some_and(|j| j.step(StepId::SafetySnapshot).is_some_and(|st| st.state == StepState::Active)) {
            break bytes;
        }
        assert!(Instant::now() < deadline, "the journal never showed the safety snapshot under way");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    w.control("/_emulator/transitions/release", json!({})).await;
    let after_restart = tempfile::tempdir().unwrap();
    std::fs::write(after_restart.path().join(format!("{job_id}.json")), journaled).unwrap();
    let second = w.manager_in(after_restart.path());
    assert!(second.history(&Default::default()).unwrap().is_empty(), "nothing is recorded before the restart");

    second.resume_unfinished();
    let done = finished(second.watch(&job_id).unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Failed));
    let entry = second.history_entry(&job_id).expect("the interrupted restore is in the history");
    assert_eq!(entry.kind, JobKind::Restore);
    assert_eq!(entry.outcome, Outcome::Failed);
    let error = entry.error.expect("it says why");
    assert_eq!(error.code, "interrupted");
    assert!(error.message.contains("nothing was changed"), "{}", error.message);
    assert_eq!(entry.reason.as_deref(), Some("Drill: bad import on Friday"));
    assert_eq!(entry.snapshot_id.as_deref(), Some(target.id.as_str()));
    // Once recorded, a further start does not record it twice.
    let third = w.manager_in(after_restart.path());
    third.resume_unfinished();
    assert_eq!(third.history(&Default::default()).unwrap().len(), 1);
    w.emu.shutdown().await;
}
