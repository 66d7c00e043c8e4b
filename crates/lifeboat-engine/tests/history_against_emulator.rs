//! The operation history and restore tests, end to end against the emulator on the fast clock: every kind of job
//! lands in `history.jsonl` once, a restore test times a new instance and deletes exactly that one, a crash between
//! the journal and the history is repaired, and no secret reaches the file.

use std::time::{Duration, Instant};

use lifeboat_engine::history::{self, HistoryFilter};
use lifeboat_engine::jobs::{DrillError, JobKind, Outcome, StepState};
use lifeboat_engine::{JobState, LoginStore, SnapshotCache, SnapshotView};
use tokio::sync::watch;

mod common;

use common::World;

async fn world() -> World {
    World::start().await
}

impl World {
    fn history_text(&self) -> String {
        std::fs::read_to_string(history::path_in(self.journal.path())).unwrap_or_default()
    }

    async fn requests(&self, method: &str) -> Vec<String> {
        self.request_log()
            .await
            .iter()
            .filter(|e| e["method"] == method)
            .filter_map(|e| e["path"].as_str().map(str::to_owned))
            .filter(|p| p.starts_with("/v1/"))
            .collect()
    }

    async fn exportable(&self, instance_id: &str) -> SnapshotView {
        let timeline = SnapshotCache::new().timeline(&self.client, instance_id, false).await.unwrap();
        timeline.snapshots.iter().find(|s| s.restorable && s.exportable).expect("an exportable snapshot").clone()
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

#[tokio::test]
async fn every_kind_of_finished_job_is_recorded_once_and_no_secret_reaches_the_file() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let staging = w.id_of("Staging");

    let snapshot = finished(jobs.start_snapshot(&staging).await.unwrap()).await;

    let timeline = SnapshotCache::new().timeline(&w.client, &production, false).await.unwrap();
    let target = timeline.snapshots.iter().filter(|s| s.restorable).nth(3).unwrap().clone();
    let token = jobs.prepare_restore(&production, &target.id);
    let reason = "Bad migration, \"v2\" script\nrolled back";
    let restore = finished(jobs.start_restore(&token, true, Some(reason.into())).await.unwrap()).await;
    assert_eq!(restore.outcome, Some(Outcome::Succeeded), "{restore:?}");

    let daily = w.exportable(&production).await;
    let rx = jobs.start_clone(&production, &daily.id, "Inspect copy", "business-critical", "8GB").await.unwrap();
    let clone_id = rx.borrow().id.clone();
    let clone = finished(rx).await;
    let clone_password = jobs.reveal_clone_login(&clone_id).unwrap().password.expose().clone();

    let drill = finished(jobs.start_drill(&production, &daily.id).await.unwrap()).await;
    let drill_instance = drill.result.new_instance_id.clone().unwrap();
    let drill_password = w.logins.login(&drill_instance).expect("kept to verify").password.expose().clone();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("neo4j.backup");
    lifeboat_archive::testgen::write_backup(&file, &lifeboat_archive::testgen::TestArchive::default()).unwrap();
    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let upload = finished(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(upload.outcome, Some(Outcome::Succeeded), "{upload:?}");

    let text = w.history_text();
    assert_eq!(text.lines().count(), 5, "one line per finished job:\n{text}");
    let all = jobs.history(&HistoryFilter::default()).unwrap();
    let kinds: Vec<JobKind> = all.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [JobKind::Upload, JobKind::Drill, JobKind::Clone, JobKind::Restore, JobKind::Snapshot]);
    for (entry, job) in all.iter().rev().zip([&snapshot, &restore, &clone, &drill, &upload]) {
        assert_eq!(entry.job_id, job.id);
        assert_eq!(entry.outcome, Outcome::Succeeded);
        assert_eq!(Some(entry.finished_at), job.finished_at);
    }

    let r = jobs.history_entry(&restore.id).unwrap();
    assert_eq!(r.reason.as_deref(), Some(reason));
    assert_eq!(r.data_loss_secs, restore.data_loss_secs);
    assert!(r.data_loss_secs.unwrap() > 3600);
    assert_eq!(r.duration_secs, restore.result.duration_secs);
    assert_eq!(r.counts_before, restore.result.counts_before);
    assert_eq!(r.counts_after, restore.result.counts_after);
    assert_eq!(r.request_ids, restore.request_ids);
    assert_eq!(r.request_ids.len(), 2);
    assert_eq!(r.snapshot_time, Some(target.timestamp));
    assert_eq!(r.overwritten, Some(true));
    assert!(r.safety_snapshot_id.is_some());

    let report = history::report(&r);
    assert!(report.contains("Restore report: Production"));
    assert!(report.contains("before the restore (after"), "{report}");
    let after = r.counts_after.unwrap();
    assert!(report.contains(&format!("| After | {} |", group(after.nodes))), "{report}");
    let csv = history::to_csv(&all);
    assert!(csv.contains("\"Bad migration, \"\"v2\"\" script\nrolled back\""), "{csv}");
    let md = history::to_markdown(&all);
    assert!(md.contains("Bad migration, \"v2\" script rolled back"), "{md}");

    let restores = jobs.history(&HistoryFilter { kind: Some(JobKind::Restore), ..Default::default() }).unwrap();
    assert_eq!(restores.len(), 1);
    let on_staging = jobs.history(&HistoryFilter { instance_id: Some(staging.clone()), ..Default::default() }).unwrap();
    assert_eq!(on_staging.iter().map(|e| e.kind).collect::<Vec<_>>(), [JobKind::Upload, JobKind::Snapshot]);
    assert!(jobs.history(&HistoryFilter { outcome: Some(Outcome::Failed), ..Default::default() }).unwrap().is_empty());

    for (what, secret) in [("clone password", &clone_password), ("test instance password", &drill_password)] {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret.as_str()), "the {what} reached the history");
    }
    for i in &w.emu.info().instances {
        assert!(!text.contains(&i.db_password), "a database password reached the history");
    }
    assert!(!text.contains(&w.emu.info().client_secret), "the API secret reached the history");
    w.emu.shutdown().await;
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn a_restore_test_times_a_new_instance_then_deletes_exactly_that_one() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let before: Vec<String> = w.client.list_instances(None).await.unwrap().into_iter().map(|i| i.id).collect();

    let timeline = SnapshotCache::new().timeline(&w.client, &production, false).await.unwrap();
    let hourly = timeline.snapshots.iter().find(|s| s.restorable && !s.exportable).unwrap();
    let refused = jobs.start_drill(&production, &hourly.id).await.unwrap_err();
    assert!(refused.to_string().contains("exported"), "{refused}");

    let daily = w.exportable(&production).await;
    let rx = jobs.start_drill(&production, &daily.id).await.unwrap();
    let job_id = rx.borrow().id.clone();
    assert!(matches!(jobs.delete_drill_instance(&job_id).await, Err(DrillError::Running)), "not while it runs");
    let done = finished(rx).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.kind, JobKind::Drill);
    assert!(done.steps.iter().all(|s| s.state == StepState::Done), "{:?}", done.steps);
    let test_instance = done.result.new_instance_id.clone().unwrap();
    assert!(!before.contains(&test_instance), "a new instance was made");
    let running = w.client.get_instance(&test_instance).await.unwrap();
    assert_eq!(running.status.as_str(), "running");
    assert!(running.name.ends_with("restore test"), "{}", running.name);
    assert!(done.result.counts_after.is_some(), "the copy was counted");
    assert!(done.result.duration_secs.is_some(), "the restore was timed");
    assert!(jobs.reveal_clone_login(&job_id).is_err(), "a test instance's password is never shown");
    let (summary, body) = done.notification().unwrap();
    assert_eq!(summary, "Restore test of Production finished");
    assert!(body.contains("Production was not changed") && body.contains("Delete the test instance"), "{body}");

    let recorded = jobs.history_entry(&job_id).unwrap();
    assert_eq!(recorded.kind, JobKind::Drill);
    assert_eq!(recorded.duration_secs, done.result.duration_secs);
    assert_eq!(recorded.new_instance_id.as_deref(), Some(test_instance.as_str()));
    assert_eq!(recorded.instance_deleted_at, None);
    assert!(history::report(&recorded).contains("Measured restore time"));

    // Only the test's own instance may be deleted through it; a restore test id is needed.
    let snap = finished(jobs.start_snapshot(&production).await.unwrap()).await;
    assert!(matches!(jobs.delete_drill_instance(&snap.id).await, Err(DrillError::NotADrill)));
    assert!(matches!(jobs.delete_drill_instance("20200101T000000-0000").await, Err(DrillError::NotFound)));
    assert!(w.requests("DELETE").await.is_empty(), "nothing deleted so far");

    let deleted = jobs.delete_drill_instance(&job_id).await.unwrap();
    assert_eq!(deleted.instance_id, test_instance);
    assert_eq!(w.requests("DELETE").await, [format!("/v1/instances/{test_instance}")], "exactly that instance");
    for id in &before {
        let still = w.client.get_instance(id).await.expect("the other instances are untouched");
        assert_ne!(still.status.as_str(), "destroying");
    }
    assert!(w.logins.login(&test_instance).is_none(), "its login is forgotten");
    assert!(matches!(jobs.delete_drill_instance(&job_id).await, Err(DrillError::AlreadyDeleted)));
    assert_eq!(w.requests("DELETE").await.len(), 1);

    let recorded = jobs.history_entry(&job_id).unwrap();
    assert!(recorded.instance_deleted_at.is_some(), "the deletion is recorded");
    assert_eq!(jobs.history(&HistoryFilter { kind: Some(JobKind::Drill), ..Default::default() }).unwrap().len(), 1);
    assert!(jobs.watch(&job_id).unwrap().borrow().result.instance_deleted_at.is_some());

    // After a restart the deletion is still known: nothing is deleted twice.
    let again = w.manager();
    assert!(matches!(again.delete_drill_instance(&job_id).await, Err(DrillError::AlreadyDeleted)));
    w.emu.shutdown().await;
}

#[tokio::test]
async fn a_job_that_finished_just_before_a_crash_reaches_the_history_at_the_next_start() {
    let w = world().await;
    let done = finished(w.manager().start_snapshot(&w.id_of("Staging")).await.unwrap()).await;
    // The crash came after the journal said "finished" but before the history line was written.
    std::fs::remove_file(history::path_in(w.journal.path())).unwrap();
    let restarted = w.manager();
    let entries = restarted.history(&HistoryFilter::default()).unwrap();
    assert_eq!(entries.iter().map(|e| e.job_id.as_str()).collect::<Vec<_>>(), [done.id.as_str()]);
    // And it is not added twice by a later start.
    let _ = w.manager();
    assert_eq!(w.history_text().lines().count(), 1);
    w.emu.shutdown().await;
}
