//! Restores from a backup file, end to end against the emulator on the fast clock:
//! - the plan states the cost like a snapshot restore does (what the instance holds now, how old the file's data
//!   is, what is lost — also in the history and the report);
//! - a broken instance (its last load failed) is restored with the defaults the dialog offers;
//! - dumps Aura can't load are refused before anything is uploaded, with the way out;
//! - counts the database doesn't give are "not known", never a number.

use std::time::{Duration, Instant};

use lifeboat_archive::testgen::{write_backup, TestArchive, TestStore};
use lifeboat_engine::cost::age_words;
use lifeboat_engine::jobs::{Outcome, StartError, StepId, StepState};
use lifeboat_engine::{JobState, SnapshotCache};
use time::OffsetDateTime;
use tokio::sync::watch;

mod common;

use common::World;

async fn finished(rx: watch::Receiver<JobState>) -> JobState {
    import_estimates(rx).await.0
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
    w.ctl().fail_next(1).await.unwrap();
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

#[tokio::test]
async fn dumps_the_instance_cannot_load_are_refused_before_the_upload() {
    let w = World::start().await;
    let jobs = w.manager();
    let playground = w.id_of("Playground");
    let dir = tempfile::tempdir().unwrap();
    for (store, words) in [
        (TestStore::Neo4j3_5, "This Neo4j 3.5 dump can't be restored to Aura"),
        (TestStore::Neo4j4_3, "This Neo4j 4.3 dump can't be restored to a Neo4j 5 instance"),
        (TestStore::Neo4j4_2, "Load it into Neo4j 4.4, dump it again"),
    ] {
        let file = dir.path().join(format!("{store:?}.dump"));
        write_backup(&file, &TestArchive::dump(store)).unwrap();
        match jobs.plan_file_restore(&playground, &file).await {
            Err(StartError::Invalid(why)) => assert!(why.contains(words), "{store:?}: {why}"),
            other => panic!("{store:?}: expected a refusal, got {other:?}"),
        }
    }
    // Nothing reached the console: no import was initiated.
    let log = w.request_log().await;
    assert!(!log.iter().any(|e| e["path"].as_str().is_some_and(|p| p.contains("/import"))), "{log:?}");
    // A 4.4 dump is fine.
    let file = dir.path().join("v44.dump");
    write_backup(&file, &TestArchive::dump(TestStore::Neo4j4_4)).unwrap();
    let plan = jobs.plan_file_restore(&playground, &file).await.unwrap();
    assert_eq!(plan.format_label, "Neo4j 4.4 dump");
}

#[tokio::test]
async fn counts_the_database_does_not_give_are_not_known() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let dir = tempfile::tempdir().unwrap();

    // A dump the sandbox can't count (no marker, no store it can read): after the restore, the counts are not
    // known — the job says so instead of showing a number.
    let opaque = dir.path().join("opaque.dump");
    let spec =
        TestArchive { counts_marker: false, store: Some(TestStore::Unmarked), ..TestArchive::dump(TestStore::Neo4j5) };
    write_backup(&opaque, &spec).unwrap();
    let plan = jobs.plan_file_restore(&staging, &opaque).await.unwrap();
    let done = finished(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert!(done.result.counts_before.is_some(), "Staging's demo data was counted first: {done:?}");
    assert_eq!(done.result.counts_after, None);
    assert!(done.result.counts_after_unknown, "{done:?}");
    let verify = done.step(StepId::Verify).expect("verify step");
    assert_eq!(verify.state, StepState::Done);
    assert!(verify.detail.as_deref().is_some_and(|d| d.contains("not known")), "{verify:?}");
    let json = serde_json::to_value(&done.result).unwrap();
    assert_eq!(json["countsAfter"], serde_json::Value::Null);
    assert_eq!(json["countsAfterUnknown"], true);
    let report = lifeboat_engine::history::report(&jobs.history_entry(&done.id).unwrap());
    assert!(report.contains("| After | not known | not known |"), "{report}");

    // The next restore counts "before" as not known, and "after" from the new dump's store: 171 and 253.
    let counted = dir.path().join("movies.dump");
    let spec =
        TestArchive { nodes: 171, relationships: 253, counts_marker: false, ..TestArchive::dump(TestStore::Neo4j4_4) };
    write_backup(&counted, &spec).unwrap();
    let plan = jobs.plan_file_restore(&staging, &counted).await.unwrap();
    let done = finished(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(done.result.counts_before, None);
    assert!(done.result.counts_before_unknown, "{done:?}");
    let after = done.result.counts_after.expect("counted after");
    assert_eq!((after.nodes, after.relationships), (171, 253));
    assert!(!done.result.counts_after_unknown);
}

#[tokio::test]
async fn the_restore_uses_the_checksum_computed_at_inspection_unless_the_file_changed_since() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("june.backup");
    write_backup(&file, &TestArchive { nodes: 12, relationships: 3, ..TestArchive::default() }).unwrap();
    let checksum_detail = |state: &JobState| state.step(StepId::Checksum).and_then(|s| s.detail.clone());

    // Inspecting (as the plan does) computes the checksum; the upload then does not read the file for it.
    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let done = finished(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let detail = checksum_detail(&done).unwrap_or_default();
    assert!(detail.starts_with("Using the checksum computed when the file was checked"), "{detail}");

    // Touched after it was inspected: the remembered checksum is not used, the file is read again.
    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let remembered = lifeboat_engine::checksums::ChecksumCache::shared().known(&file).await.expect("computed");
    let later = std::time::SystemTime::now() + Duration::from_secs(3);
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(later).unwrap();
    let done = finished(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    assert_eq!(checksum_detail(&done).as_deref(), Some("Computing the file's checksum (CRC-32)."));
    assert_eq!(done.result.counts_after.map(|c| c.nodes), Some(12));
    assert_ne!(remembered.key, lifeboat_archive::FileKey::of(&file).unwrap());
    w.emu.shutdown().await;
}

/// Follows a job to its end, noting every estimated time left of Aura's load it showed.
async fn import_estimates(mut rx: watch::Receiver<JobState>) -> (JobState, Vec<u64>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen = Vec::new();
    loop {
        let state = rx.borrow_and_update().clone();
        if let Some(p) = state.progress.as_ref().filter(|p| p.estimate) {
            seen.extend(p.eta_secs);
        }
        if state.outcome.is_some() {
            return (state, seen);
        }
        assert!(Instant::now() < deadline, "job did not finish: {state:?}");
        let _ = tokio::time::timeout(Duration::from_millis(500), rx.changed()).await;
    }
}

/// The first load of a file into an instance is estimated by the rule of thumb (5 min and more); once one has been
/// measured, the next estimate comes from it (seconds on the fast clock), and says it is still an estimate.
#[tokio::test]
async fn the_load_estimate_comes_from_the_last_measured_load_once_there_is_one() {
    let w = World::start().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("june.backup");
    write_backup(&file, &TestArchive { nodes: 12, relationships: 3, ..TestArchive::default() }).unwrap();

    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let (first, guessed) = import_estimates(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(first.outcome, Some(Outcome::Succeeded), "{first:?}");
    assert!(!guessed.is_empty() && guessed.iter().all(|s| *s >= 200), "the rule of thumb says minutes: {guessed:?}");
    let measured = first.result.import_secs.expect("the load was timed");
    assert!(first.result.file_bytes.is_some_and(|b| b > 0));

    let plan = jobs.plan_file_restore(&staging, &file).await.unwrap();
    let (second, estimated) = import_estimates(jobs.start_file_restore(&plan.token, false, None).await.unwrap()).await;
    assert_eq!(second.outcome, Some(Outcome::Succeeded), "{second:?}");
    assert!(!estimated.is_empty(), "the load was shown as an estimate");
    assert!(estimated.iter().all(|s| *s <= measured.max(1) + 1), "from the measured {measured} s: {estimated:?}");
    w.emu.shutdown().await;
}
