//! Restores from a file, end to end against the emulator on the fast clock: dumps Aura can't load are refused
//! before anything is uploaded, with the way out; counts the database doesn't give are "not known", never a
//! number.

use std::time::{Duration, Instant};

use lifeboat_archive::testgen::{write_backup, TestArchive, TestStore};
use lifeboat_engine::jobs::{Outcome, StartError, StepId, StepState};
use lifeboat_engine::JobState;
use tokio::sync::watch;

mod common;

use common::World;

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
