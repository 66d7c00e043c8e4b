//! Restores from a backup file, against the emulator: the plan states the cost like a snapshot restore does (what
//! the instance holds now, how old the file's data is, what is lost — also in the history and the report), and a
//! broken instance (its last load failed) is restored with the defaults the dialog offers.

use std::time::{Duration, Instant};

use lifeboat_archive::testgen::{write_backup, TestArchive};
use lifeboat_engine::cost::age_words;
use lifeboat_engine::jobs::{Outcome, StepId, StepState};
use lifeboat_engine::{JobState, SnapshotCache};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::watch;

mod common;

use common::World;

async fn finished(mut rx: watch::Receiver<JobState>) -> JobState {
    let deadline = Instant::now() + Duration::from_secs(90);
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
async fn a_file_restore_states_what_the_instance_holds_how_old_the_file_is_and_what_is_lost() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staging export.backup");
    let spec = TestArchive { nodes: 100, relationships: 20, ..TestArchive::default() };
    write_backup(&file, &spec).unwrap();

    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let held = plan.cost.counts_now.expect("Staging was counted");
    assert!(held.nodes > 1000, "{held:?}");
    assert!(plan.cost.holds_now.starts_with("Staging holds "), "{}", plan.cost.holds_now);
    assert!(plan.cost.holds_now.contains(','), "grouped digits: {}", plan.cost.holds_now);
    let age = age_words(Duration::from_secs((OffsetDateTime::now_utc() - spec.backup_time).whole_seconds() as u64));
    assert_eq!(plan.cost.data_age, format!("The file's data is from a backup made {age} ago."));
    assert!(plan.cost.loss.contains(&format!("in the last {age}")), "{}", plan.cost.loss);
    assert_eq!(plan.cost.data_time, Some(spec.backup_time));
    assert!(plan.safety_snapshot.possible);

    let card = jobs.file_restore_cost(&staging, None).await.unwrap();
    assert!(card.data_age.contains("unknown"), "a file without a date: {}", card.data_age);
    assert!(card.loss.contains("however recent"), "{}", card.loss);

    let done = finished(jobs.start_file_restore(&plan.token, false, Some("Back to June".into())).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.backup_time, Some(spec.backup_time));
    assert!(done.data_loss_secs.unwrap() > 365 * 24 * 3600);
    assert_eq!(done.result.counts_after.map(|c| c.nodes), Some(100));

    let entry = jobs.history_entry(&done.id).unwrap();
    assert_eq!(entry.backup_time, Some(spec.backup_time));
    let report = lifeboat_engine::history::report(&entry);
    assert!(report.contains("| Last data point kept | 1 Jun 2024 12:00 UTC (when the backup was made) |"), "{report}");
    assert!(report.contains("a backup made 1 Jun 2024 12:00 UTC"), "{report}");
    assert!(report.contains("everything in Staging that the file did not have"), "{report}");
    let messages = lifeboat_engine::history::messages(&entry);
    assert!(messages.before.contains("changes made after 1 Jun 2024 12:00 UTC"), "{}", messages.before);
    w.emu.shutdown().await;
}

#[tokio::test]
async fn an_instance_whose_last_load_failed_is_restored_from_a_file_with_the_dialog_s_defaults() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    // Break Staging: a restore that fails leaves it in `loading failed`.
    let sid = SnapshotCache::new()
        .timeline(&w.client, &staging, false)
        .await
        .unwrap()
        .latest_restorable()
        .unwrap()
        .id
        .clone();
    w.control("/_emulator/transitions/fail-next", json!({})).await;
    w.client.restore_snapshot(&staging, &sid).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.client.get_instance(&staging).await.unwrap().status.as_str() != "loading failed" {
        assert!(Instant::now() < deadline, "Staging never broke");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("neo4j.backup");
    write_backup(&file, &TestArchive::default()).unwrap();

    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    assert!(!plan.safety_snapshot.possible);
    let why = plan.safety_snapshot.reason.clone().unwrap();
    assert!(why.contains("Loading failed") && why.contains("without one"), "{why}");
    assert!(plan.cost.holds_now.contains("its last load failed"), "{}", plan.cost.holds_now);

    let started = Instant::now();
    // The dialog's default is a safety snapshot; the engine skips it with the reason rather than failing on it.
    let done = finished(jobs.start_file_restore(&plan.token, true, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let safety = done.step(StepId::SafetySnapshot).unwrap();
    assert_eq!(safety.state, StepState::Skipped);
    assert_eq!(safety.detail.as_deref(), Some(why.as_str()));
    let counts = done.step(StepId::CountsBefore).unwrap();
    assert_eq!(counts.state, StepState::Skipped);
    let counted = counts.detail.clone().unwrap();
    assert!(!counted.contains("HTTP") && !counted.contains("may be fine"), "{counted}");
    assert!(started.elapsed() < Duration::from_secs(15), "no long wait for a database that cannot answer");
    assert_eq!(w.client.get_instance(&staging).await.unwrap().status.as_str(), "running");
    let log = w.request_log().await;
    let snapshots = log
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"].as_str().is_some_and(|p| p.ends_with("/snapshots")))
        .count();
    assert_eq!(snapshots, 0, "no snapshot was asked of a broken instance");
    w.emu.shutdown().await;
}
