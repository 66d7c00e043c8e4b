//! The guided snapshot export end to end against the emulator's console: the download a browser would make (in
//! chunks, under a partial name) is noticed once whole, inspected, copied atomically to the chosen place, verified,
//! recorded in the history — and the download removed only when asked, only after the copy was verified. Broken
//! downloads are refused with the inspector's reason, and an export interrupted by a crash is tidied up or finished
//! at the next start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeboat_engine::exports::{ExportCandidate, ExportError, ExportEvent};
use lifeboat_engine::history::{self, HistoryFilter};
use lifeboat_engine::jobs::{JobKind, Outcome, StepId, StepState};
use lifeboat_engine::{JobManager, JobState, SnapshotCache, SnapshotView};
use tokio::sync::{mpsc, watch};

mod common;

use common::World;

async fn world() -> World {
    World::start().await
}

impl World {
    async fn snapshots(&self, instance_id: &str) -> Vec<SnapshotView> {
        SnapshotCache::new().timeline(&self.client, instance_id, false).await.unwrap().snapshots
    }

    /// What a browser does on the console page: follow the snapshot's Export link.
    async fn download(&self, console_url: &str, snapshot_id: &str) -> Vec<u8> {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let page = http.get(console_url).send().await.unwrap().text().await.unwrap();
        let row = page.find(&format!("data-snapshot-id=\"{snapshot_id}\"")).expect("the snapshot is listed");
        let href_at = row + page[row..].find("href=\"").expect("an Export link") + 6;
        let href = &page[href_at..href_at + page[href_at..].find('"').unwrap()];
        let url = format!("{}{href}", self.emu.base_url());
        let resp = http.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.bytes().await.unwrap().to_vec()
    }
}

/// Writes a file as a browser does: under `<name>.crdownload` in chunks, then renamed.
async fn browser_saves(folder: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let partial = folder.join(format!("{name}.crdownload"));
    let mut file = std::fs::File::create(&partial).unwrap();
    for chunk in bytes.chunks(bytes.len() / 4 + 1) {
        std::io::Write::write_all(&mut file, chunk).unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    drop(file);
    let done = folder.join(name);
    std::fs::rename(&partial, &done).unwrap();
    done
}

/// Collects the watch's events.
fn listen(jobs: &JobManager, session: &str) -> mpsc::UnboundedReceiver<ExportEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    jobs.watch_snapshot_export(session, Arc::new(move |e| tx.send(e).is_ok())).unwrap();
    rx
}

async fn next_found(
    events: &mut mpsc::UnboundedReceiver<ExportEvent>,
    seen: &Mutex<Vec<ExportEvent>>,
) -> ExportCandidate {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv()).await.expect("a file is found in time").expect("open");
        seen.lock().unwrap().push(event.clone());
        if let ExportEvent::Found(c) = event {
            return *c;
        }
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

fn exportable(snapshots: &[SnapshotView]) -> SnapshotView {
    snapshots.iter().find(|s| s.restorable && s.exportable).expect("an exportable snapshot").clone()
}

#[tokio::test]
async fn a_downloaded_snapshot_is_found_checked_copied_verified_and_recorded() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let snapshot = exportable(&w.snapshots(&production).await);
    let downloads = tempfile::tempdir().unwrap();
    let kept = tempfile::tempdir().unwrap();
    std::fs::write(downloads.path().join("older.backup"), b"there before the export started").unwrap();

    let plan = jobs.plan_snapshot_export(&production, &snapshot.id).await.unwrap();
    assert!(plan.console.sandbox);
    assert!(plan.console.url.contains(&format!("/console/instances/{production}/snapshots?snapshot={}", snapshot.id)));
    let folders = jobs.add_export_folder(&plan.session_id, downloads.path()).unwrap();
    assert!(folders.iter().any(|f| Path::new(&f.path) == downloads.path() && f.exists));
    let mut events = listen(&jobs, &plan.session_id);

    let bytes = w.download(&plan.console.url, &snapshot.id).await;
    let source = browser_saves(downloads.path(), "neo4j-export.backup", &bytes).await;
    let seen = Mutex::new(Vec::new());
    let found = next_found(&mut events, &seen).await;
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, ExportEvent::Downloading { file_name, .. } if file_name == "neo4j-export.backup")),
        "the partial download was reported as downloading"
    );
    assert_eq!(Path::new(&found.path), source, "the new file, not the older one");
    assert!(found.usable, "{found:?}");
    assert_eq!(found.format_label, "Neo4j 5 backup, compressed");
    assert_eq!(found.size, bytes.len() as u64);
    assert!(found.notes.is_empty(), "the backup's time is the snapshot's: {:?}", found.notes);
    let t = snapshot.timestamp;
    assert_eq!(
        found.proposed_name,
        format!(
            "Production_{:04}-{:02}-{:02}T{:02}{:02}Z.backup",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    );

    let destination = kept.path().join(&found.proposed_name);
    let job = finished(jobs.start_snapshot_export(&plan.session_id, &found.id, &destination, true).unwrap()).await;
    assert_eq!(job.outcome, Some(Outcome::Succeeded), "{job:?}");
    assert_eq!(job.kind, JobKind::SnapshotExport);
    let states: Vec<(StepId, StepState)> = job.steps.iter().map(|s| (s.id, s.state)).collect();
    assert!(states.iter().all(|(_, s)| *s == StepState::Done), "{states:?}");
    assert!(std::fs::read(&destination).unwrap() == bytes, "the kept file is the download, byte for byte");
    assert!(!source.exists(), "moved: the download was removed after the copy was verified");
    assert!(downloads.path().join("older.backup").exists(), "other files are never touched");
    let names: Vec<_> = std::fs::read_dir(kept.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    let counts = lifeboat_archive::testgen::read_test_counts(&destination).unwrap().expect("the snapshot's counts");
    assert!(counts.nodes > 0 && counts.relationships > 0);

    let crc = format!("{:08x}", crc32fast::hash(&bytes));
    let entry = jobs.history(&HistoryFilter { kind: Some(JobKind::SnapshotExport), ..Default::default() }).unwrap();
    assert_eq!(entry.len(), 1);
    let entry = &entry[0];
    assert_eq!(entry.job_id, job.id);
    assert_eq!(entry.instance_name, "Production");
    assert_eq!(entry.snapshot_id.as_deref(), Some(snapshot.id.as_str()));
    assert_eq!(entry.snapshot_time, Some(t));
    assert_eq!(entry.saved_path.as_deref(), Some(destination.to_string_lossy().as_ref()));
    assert_eq!(entry.saved_bytes, Some(bytes.len() as u64));
    assert_eq!(entry.saved_crc32.as_deref(), Some(crc.as_str()));
    let report = history::report(entry);
    assert!(report.starts_with("# Snapshot export report: Production"), "{report}");
    assert!(report.contains(&crc) && report.contains("the same as the download"), "{report}");
    let (summary, body) = job.notification().unwrap();
    assert_eq!(summary, "Snapshot of Production exported");
    assert!(body.contains(&found.proposed_name), "{body}");

    // The same file is not offered twice, and the session closes.
    jobs.close_snapshot_export(&plan.session_id);
    let again = jobs.start_snapshot_export(&plan.session_id, &found.id, &destination, false);
    assert!(matches!(again, Err(ExportError::SessionGone)));
}

#[tokio::test]
async fn a_cut_off_download_is_refused_with_the_inspectors_reason_and_a_kept_download_stays() {
    let w = world().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    let snapshot = exportable(&w.snapshots(&staging).await);
    let downloads = tempfile::tempdir().unwrap();
    let kept = tempfile::tempdir().unwrap();
    let plan = jobs.plan_snapshot_export(&staging, &snapshot.id).await.unwrap();
    jobs.add_export_folder(&plan.session_id, downloads.path()).unwrap();
    let mut events = listen(&jobs, &plan.session_id);
    let bytes = w.download(&plan.console.url, &snapshot.id).await;
    let seen = Mutex::new(Vec::new());

    browser_saves(downloads.path(), "cut.backup", &bytes[..bytes.len() / 2]).await;
    let cut = next_found(&mut events, &seen).await;
    assert!(!cut.usable);
    assert!(cut.problem.as_deref().unwrap_or_default().contains("cut off"), "{:?}", cut.problem);
    let refused = jobs.start_snapshot_export(&plan.session_id, &cut.id, &kept.path().join("x.backup"), false);
    assert!(matches!(refused, Err(ExportError::Unusable(_))));

    let whole = browser_saves(downloads.path(), "whole.backup", &bytes).await;
    let good = next_found(&mut events, &seen).await;
    assert!(good.usable && good.proposed_name.starts_with("Staging_"), "{good:?}");
    // A name without an extension gets the file's.
    let job =
        finished(jobs.start_snapshot_export(&plan.session_id, &good.id, &kept.path().join("staging"), false).unwrap())
            .await;
    assert_eq!(job.outcome, Some(Outcome::Succeeded), "{job:?}");
    assert_eq!(job.step(StepId::RemoveDownload).unwrap().state, StepState::Skipped);
    assert!(whole.exists(), "kept: the download stays");
    assert!(std::fs::read(kept.path().join("staging.backup")).unwrap() == bytes);

    // A download that changes after it was inspected is not copied.
    let later = browser_saves(downloads.path(), "later.backup", &bytes).await;
    let found = next_found(&mut events, &seen).await;
    assert_eq!(Path::new(&found.path), later);
    std::fs::write(&later, b"rewritten").unwrap();
    let changed = jobs.start_snapshot_export(&plan.session_id, &found.id, &kept.path().join("later.backup"), false);
    assert!(matches!(changed, Err(ExportError::SourceChanged)));
    assert!(!kept.path().join("later.backup").exists());
}

#[tokio::test]
async fn hourly_snapshots_cannot_be_exported() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let hourly = w.snapshots(&production).await.into_iter().find(|s| s.restorable && !s.exportable).unwrap();
    let refused = jobs.plan_snapshot_export(&production, &hourly.id).await.unwrap_err();
    assert_eq!(refused.code(), "not-exportable");
    assert!(refused.to_string().contains("daily or on-demand"));
}

/// The journal of a finished export, rewound to look like a crash during `step`.
fn crashed_during(state: &JobState, step: StepId, verified: bool, destination: &Path) -> JobState {
    let mut s = state.clone();
    s.outcome = None;
    s.finished_at = None;
    let mut reached = false;
    for st in s.steps.iter_mut() {
        if st.id == step {
            st.state = StepState::Active;
            st.finished_at = None;
            reached = true;
        } else if reached {
            st.state = StepState::Pending;
            st.started_at = None;
            st.finished_at = None;
        }
    }
    s.id = format!("{}-crash-{step}", s.id);
    let export = s.export.as_mut().unwrap();
    export.destination = destination.to_path_buf();
    export.temp = lifeboat_engine::exports::copy::temp_path(destination, &s.id);
    if !verified {
        export.bytes = None;
        export.crc32 = None;
    }
    export.download_removed = None;
    s.file = Some(destination.to_path_buf());
    s
}

#[tokio::test]
async fn an_export_interrupted_by_a_crash_is_tidied_up_or_finished_at_the_next_start() {
    let w = world().await;
    let jobs = w.manager();
    let production = w.id_of("Production");
    let snapshot = exportable(&w.snapshots(&production).await);
    let downloads = tempfile::tempdir().unwrap();
    let kept = tempfile::tempdir().unwrap();
    let plan = jobs.plan_snapshot_export(&production, &snapshot.id).await.unwrap();
    jobs.add_export_folder(&plan.session_id, downloads.path()).unwrap();
    let mut events = listen(&jobs, &plan.session_id);
    let bytes = w.download(&plan.console.url, &snapshot.id).await;
    let source = browser_saves(downloads.path(), "export.backup", &bytes).await;
    let found = next_found(&mut events, &Mutex::new(Vec::new())).await;
    let done = finished(
        jobs.start_snapshot_export(&plan.session_id, &found.id, &kept.path().join("first.backup"), false).unwrap(),
    )
    .await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded));

    // Crash 1: during the copy. A half-written temporary file is left; nothing under the name.
    let mid_copy = crashed_during(&done, StepId::Copy, false, &kept.path().join("second.backup"));
    let temp1 = mid_copy.export.as_ref().unwrap().temp.clone();
    std::fs::write(&temp1, &bytes[..bytes.len() / 3]).unwrap();
    // Crash 2: after the copy was verified, before it got its name.
    let mid_save = crashed_during(&done, StepId::Save, true, &kept.path().join("third.backup"));
    let temp2 = mid_save.export.as_ref().unwrap().temp.clone();
    std::fs::write(&temp2, &bytes).unwrap();

    let restarted = tempfile::tempdir().unwrap();
    for s in [&mid_copy, &mid_save] {
        std::fs::write(restarted.path().join(format!("{}.json", s.id)), serde_json::to_vec(s).unwrap()).unwrap();
    }
    let after = w.manager_in(restarted.path());
    after.resume_unfinished();
    let first = finished(after.watch(&mid_copy.id).unwrap()).await;
    let second = finished(after.watch(&mid_save.id).unwrap()).await;

    assert_eq!(first.outcome, Some(Outcome::Failed));
    let error = first.error.unwrap();
    assert_eq!(error.code, "interrupted");
    assert!(error.message.contains("nothing was saved as second.backup"), "{}", error.message);
    assert!(!temp1.exists() && !kept.path().join("second.backup").exists(), "tidied up");

    assert_eq!(second.outcome, Some(Outcome::Succeeded), "{second:?}");
    assert!(!temp2.exists());
    assert!(std::fs::read(kept.path().join("third.backup")).unwrap() == bytes);
    assert!(source.exists(), "the download was never touched");

    let recorded = after.history(&HistoryFilter::default()).unwrap();
    assert_eq!(recorded.len(), 2, "both are in the history");
    let failed = recorded.iter().find(|e| e.job_id == mid_copy.id).unwrap();
    assert_eq!((failed.outcome, failed.saved_path.as_deref()), (Outcome::Failed, None));
    assert_eq!(failed.file_name.as_deref(), Some("second.backup"), "the history says which export it was");
    let saved = recorded.iter().find(|e| e.job_id == mid_save.id).unwrap();
    assert!(saved.saved_path.as_deref().is_some_and(|p| p.ends_with("third.backup")));
}
