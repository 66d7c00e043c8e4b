//! The backup strategy against the emulator over loopback, on its fast clock: readiness for every tier against
//! set objectives (and what a snapshot or a restore test changes), the restore report's verdict on the
//! objectives, scheduled copies that keep exactly "keep" verified copies without touching anything else in the
//! folder, a run that fails on a Query API fault (notified and recorded), and runs missed while the computer was off.

use aura_emulator::test_kit::Fault;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lifeboat_engine::api::CreateInstanceRequest;
use lifeboat_engine::graph_export::{self, GraphClient};
use lifeboat_engine::history::{self, HistoryFilter};
use lifeboat_engine::jobs::{JobKind, Outcome};
use lifeboat_engine::strategy::copies::{self, RunOutcome};
use lifeboat_engine::strategy::manifest::Manifest;
use lifeboat_engine::strategy::readiness::{self, CheckId, Fix, Level, Readiness};
use lifeboat_engine::strategy::schedule::{self, AccountRef, Cadence, Schedule, TimeOfDay};
use lifeboat_engine::strategy::{Home, Notifier, ObjectivesChange, Scope, Setting};
use lifeboat_engine::{DbLogin, InstanceView, JobState, LoginStore, SnapshotCache};
use time::OffsetDateTime;
use tokio::sync::watch;

mod common;

/// The emulator, with one snapshot cache for the whole test as the window keeps one.
struct W {
    base: common::World,
    snapshots: SnapshotCache,
}

impl std::ops::Deref for W {
    type Target = common::World;

    fn deref(&self) -> &common::World {
        &self.base
    }
}

async fn world() -> W {
    W { base: common::World::start().await, snapshots: SnapshotCache::new() }
}

async fn finished(mut rx: watch::Receiver<JobState>) -> JobState {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = rx.borrow_and_update().clone();
        if state.outcome.is_some() {
            return state;
        }
        assert!(Instant::now() < deadline, "job did not finish: {state:?}");
        let _ = tokio::time::timeout(Duration::from_millis(500), rx.changed()).await;
    }
}

/// Remembers every notification.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String)>>);

impl Notifier for Recorder {
    fn notify(&self, summary: &str, body: &str) {
        self.0.lock().unwrap().push((summary.into(), body.into()));
    }
}

impl Recorder {
    fn taken(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn scope(w: &W) -> Scope {
    Scope { id: "acc".into(), dir: w.journal.path().to_path_buf() }
}

async fn view(w: &W, id: &str) -> InstanceView {
    w.client.get_instance(id).await.unwrap().into()
}

async fn readiness_of(w: &W, id: &str) -> Readiness {
    let home = Home::new(vec![scope(w)]);
    // One cache for the whole test, as the window keeps one: today's snapshots are always fetched again.
    readiness::gather(&w.client, &w.snapshots, &home, &view(w, id).await, OffsetDateTime::now_utc()).await.unwrap()
}

fn check(r: &Readiness, id: CheckId) -> &readiness::Check {
    r.checks.iter().find(|c| c.id == id).unwrap()
}

fn set_objectives(w: &W, id: &str, name: &str, rpo: u64, rto: u64) {
    let change = ObjectivesChange { rpo: Setting::Set(rpo), rto: Setting::Set(rto), ..Default::default() };
    Home::new(vec![scope(w)]).set_objectives(&scope(w), id, name, &change, OffsetDateTime::now_utc()).unwrap();
}

/// A Virtual Dedicated Cloud instance, created through the API and running.
async fn new_vdc(w: &W) -> String {
    let production = w.client.get_instance(&w.id_of("Production")).await.unwrap();
    let request = CreateInstanceRequest {
        version: "5".into(),
        region: "europe-west1".into(),
        memory: "8GB".into(),
        name: "Ledger".into(),
        tier: "enterprise-db".into(),
        tenant_id: production.tenant_id.clone(),
        cloud_provider: "gcp".into(),
        storage: None,
        source_instance_id: None,
        source_snapshot_id: None,
    };
    let created = w.client.create_instance(&request).await.unwrap().value;
    let deadline = Instant::now() + Duration::from_secs(30);
    while w.client.get_instance(&created.id).await.unwrap().status.as_str() != "running" {
        assert!(Instant::now() < deadline, "the new instance never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    created.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_each_tiers_schedule_against_the_objectives() {
    let w = world().await;
    let jobs = w.manager();
    let vdc = new_vdc(&w).await;
    let tiers = [
        (w.id_of("Production"), "business-critical", true),
        (vdc.clone(), "enterprise-db", true),
        (w.id_of("Staging"), "professional-db", false),
        (w.id_of("Playground"), "free-db", false),
    ];
    for (id, tier, hourly) in &tiers {
        let v = view(&w, id).await;
        assert_eq!(&v.tier, tier);
        set_objectives(&w, id, &v.name, 3600, 1800);
        let r = readiness_of(&w, id).await;
        assert_eq!(r.objectives.as_ref().and_then(|o| o.rpo_secs), Some(3600));
        let schedule = check(&r, CheckId::ScheduleLoss);
        assert_eq!(schedule.level == Level::Met, *hourly, "{tier}: {}", schedule.detail);
        match *tier {
            "free-db" => assert_eq!(schedule.value, "No limit"),
            "professional-db" => {
                assert_eq!(schedule.value, "1 day");
                assert!(schedule.detail.contains("cannot meet your RPO of 1 h"), "{}", schedule.detail);
                assert!(schedule.detail.contains("Business Critical"), "{}", schedule.detail);
            }
            _ => assert_eq!(schedule.value, "1 h"),
        }
        // The loss now is the age of the newest completed snapshot the API lists, judged against the RPO.
        let now = check(&r, CheckId::LossNow);
        if id != &vdc {
            // (The new instance's timeline would walk its tier's 60 days for nothing.)
            let timeline = w.snapshots.timeline(&w.client, id, false).await.unwrap();
            assert_eq!(now.at, timeline.latest_restorable().map(|s| s.timestamp), "{tier}");
        }
        match now.measure.and_then(|m| m.value_secs.map(|v| (v, m.limit_secs))) {
            Some((age, limit)) => assert_eq!(now.level == Level::Met, age <= limit, "{tier}: {}", now.detail),
            None => assert_eq!((now.level, now.value.as_str()), (Level::NotMet, "No snapshot"), "{tier}"),
        }
        assert!(!r.all_met, "{tier}: never tested, so not every objective is met");
        assert_eq!(check(&r, CheckId::Drill).value, "Never");
    }

    // Free: its only snapshot is two days old. "Take a snapshot now" brings the loss now within the RPO; the
    // schedule still cannot meet it.
    let playground = w.id_of("Playground");
    let before = readiness_of(&w, &playground).await;
    assert_eq!(check(&before, CheckId::LossNow).level, Level::NotMet);
    assert_eq!(check(&before, CheckId::LossNow).fix, Some(Fix::TakeSnapshot));
    let snap = finished(jobs.start_snapshot(&playground).await.unwrap()).await;
    assert_eq!(snap.outcome, Some(Outcome::Succeeded));
    let after = readiness_of(&w, &playground).await;
    let now = check(&after, CheckId::LossNow);
    assert_eq!(now.level, Level::Met, "{}", now.detail);
    assert_eq!(check(&after, CheckId::ScheduleLoss).level, Level::NotMet);

    // A VDC instance created a moment ago has no snapshot until its first hourly one; a snapshot fixes that.
    let fresh = readiness_of(&w, &vdc).await;
    if check(&fresh, CheckId::LossNow).value == "No snapshot" {
        assert_eq!(check(&fresh, CheckId::LossNow).level, Level::NotMet);
        finished(jobs.start_snapshot(&vdc).await.unwrap()).await;
        assert_eq!(check(&readiness_of(&w, &vdc).await, CheckId::LossNow).level, Level::Met);
    }

    // Business Critical: a restore test measured against the RTO, then the drill is met and not due.
    let production = w.id_of("Production");
    let r = readiness_of(&w, &production).await;
    let drill_snapshot = r.drill_snapshot_id.clone().expect("an exportable snapshot to test");
    let drill = finished(jobs.start_drill(&production, &drill_snapshot).await.unwrap()).await;
    assert_eq!(drill.outcome, Some(Outcome::Succeeded), "{drill:?}");
    let r = readiness_of(&w, &production).await;
    let d = check(&r, CheckId::Drill);
    assert_eq!(d.level, Level::Met, "{}", d.detail);
    assert!(d.detail.contains("within your RTO of 30 min"), "{}", d.detail);
    assert!(d.due_at.is_some_and(|due| due > OffsetDateTime::now_utc() + time::Duration::days(89)));
    // The drill's record carries the objectives that applied, and its report judges them.
    let entry = history::find(&history::path_in(w.journal.path()), &drill.id).unwrap();
    assert_eq!(entry.objectives.as_ref().and_then(|o| o.rto_secs), Some(1800));
    let report = history::report(&entry);
    assert!(report.contains("| RTO | 30 min: met — the test restore took"), "{report}");
    assert!(report.contains("| RPO | 1 h (not judged: a test loses no data) |"), "{report}");
    let _ = jobs.delete_drill_instance(&drill.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_report_states_the_objectives_that_applied_and_whether_they_were_met() {
    let w = world().await;
    let jobs = w.manager();
    let staging = w.id_of("Staging");
    set_objectives(&w, &staging, "Staging", 3600, 1800);
    let timeline = w.snapshots.timeline(&w.client, &staging, false).await.unwrap();
    let snapshot = timeline.latest_restorable().unwrap().clone();
    let plan = jobs.plan_restore(&staging, &snapshot.id).await.unwrap();
    let done =
        finished(jobs.start_restore(&plan.token, false, Some("Drill for the report".into())).await.unwrap()).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded), "{done:?}");
    let entry = history::find(&history::path_in(w.journal.path()), &done.id).unwrap();
    let lost = entry.data_loss_secs.unwrap();
    let report = history::report(&entry);
    let verdict = if lost <= 3600 { "met" } else { "not met" };
    assert!(report.contains(&format!("| RPO | 1 h: {verdict} — this restore lost")), "{report}");
    assert!(report.contains("| RTO | 30 min: met — the restore took"), "{report}");
}

/// A schedule for the small Free instance, into `folder`.
fn playground_schedule(w: &W, folder: &Path, keep: u32) -> Schedule {
    Schedule {
        id: "sched1".into(),
        name: "playground-daily".into(),
        instance_id: w.id_of("Playground"),
        instance_name: "Playground".into(),
        cadence: Cadence::Daily,
        at: TimeOfDay { hour: 2, minute: 0 },
        time_zone: "UTC".into(),
        keep,
        folder: folder.to_path_buf(),
        unattended: false,
        account: AccountRef {
            label: "Practice".into(),
            client_id: "c".into(),
            endpoints: w.endpoints.clone(),
            keyring_account: None,
        },
        created_at: OffsetDateTime::now_utc(),
    }
}

fn copies_in(folder: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("Playground_2"))
        .filter(|p| !p.ends_with("Playground_2020-01-01T000000Z.graph.jsonl.zst"))
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_runs_with_keep_two_leave_two_verified_copies_and_never_touch_a_foreign_file() {
    let w = world().await;
    let jobs = w.manager();
    let folder = tempfile::tempdir().unwrap();
    // Files that are not the schedule's: one named exactly like a copy, one plainly not.
    let lookalike = folder.path().join("Playground_2020-01-01T000000Z.graph.jsonl.zst");
    std::fs::write(&lookalike, b"my own file, not Lifeboat's").unwrap();
    std::fs::write(folder.path().join("notes.txt"), b"keep me").unwrap();
    let s = playground_schedule(&w, folder.path(), 2);
    schedule::add(w.journal.path(), &s).unwrap();
    let scope = scope(&w);
    let notes = Recorder::default();
    let mut made = Vec::new();
    for run in 1..=3 {
        let report = copies::run_now(&jobs, &scope, &s, &notes).await;
        assert_eq!(report.outcome, RunOutcome::Copied, "run {run}: {}", report.message);
        made.push(report.file.clone().unwrap());
    }
    assert!(notes.taken().is_empty(), "good copies are not worth a notification");

    // Names sort by time only to the second (a same-second copy gets a `-2` suffix that sorts first), so the
    // folder is compared as a set, and the manifest, which keeps the order the copies were made in, with `made`.
    let left = copies_in(folder.path());
    let mut newest_two = made[1..].to_vec();
    newest_two.sort();
    assert_eq!(left, newest_two, "exactly the two newest copies remain");
    let graph = GraphClient::new(&w.endpoints).unwrap();
    let playground = w.id_of("Playground");
    let login: DbLogin = w.logins.login(&playground).unwrap();
    let counts = graph.counts(&playground, &login).await.unwrap();
    let manifest = Manifest::load(folder.path(), &s.id, &s.name, &playground).unwrap();
    assert_eq!(manifest.copies.len(), 2);
    for (copy, record) in made[1..].iter().zip(&manifest.copies) {
        assert_eq!(copy.file_name().unwrap().to_string_lossy(), record.file, "the manifest lists the copies in order");
        let checked = graph_export::check_file(copy, |_, _| {}).unwrap();
        assert_eq!(checked.counts, counts, "{}", copy.display());
        assert_eq!(checked.digest, record.digest);
        assert_eq!(checked.header.instance_name, "Playground");
    }
    assert_eq!(std::fs::read(&lookalike).unwrap(), b"my own file, not Lifeboat's");
    assert_eq!(std::fs::read(folder.path().join("notes.txt")).unwrap(), b"keep me");
    let stray: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "no temporary file is left: {stray:?}");

    let filter = HistoryFilter { kind: Some(JobKind::ScheduledCopy), ..Default::default() };
    let entries = history::list(&history::path_in(w.journal.path()), &filter).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.outcome == Outcome::Succeeded && e.copy.as_ref().is_some_and(|c| c.verified)));
    let newest = &entries[0];
    assert_eq!(newest.copy.as_ref().unwrap().pruned, [made[0].file_name().unwrap().to_string_lossy()]);
    assert!(history::report(newest).contains("One older copy was removed"), "{}", history::report(newest));

    // Readiness sees the copy: where, verified, and the schedule that keeps them coming.
    let r = readiness_of(&w, &playground).await;
    let c = check(&r, CheckId::Copy);
    assert_eq!(c.level, Level::Met, "{}", c.detail);
    assert!(c.detail.contains(&made[2].display().to_string()) && c.detail.contains("digest"), "{}", c.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_fails_on_a_query_api_fault_is_notified_and_recorded() {
    let w = world().await;
    let jobs = w.manager();
    let folder = tempfile::tempdir().unwrap();
    let s = playground_schedule(&w, folder.path(), 3);
    schedule::add(w.journal.path(), &s).unwrap();
    w.arm(Fault::on("POST /query/{dbid}/db/{database}/query/v2").status(500).times(1000)).await;
    let notes = Recorder::default();
    let report = copies::run_now(&jobs, &scope(&w), &s, &notes).await;
    w.ctl().clear_faults().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Failed);
    let told = notes.taken();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "Scheduled copy of Playground failed");
    assert!(told[0].1.contains("No copy was saved this time."), "{}", told[0].1);

    let entry = history::find(&history::path_in(w.journal.path()), report.job_id.as_deref().unwrap()).unwrap();
    assert_eq!((entry.kind, entry.outcome), (JobKind::ScheduledCopy, Outcome::Failed));
    assert!(entry.error.is_some());
    assert!(std::fs::read_dir(folder.path()).unwrap().next().is_none(), "the folder is as it was: empty");
    let state = schedule::run_state(w.journal.path(), &s.id);
    assert_eq!(state.last_run.as_ref().map(|r| r.outcome), Some(Outcome::Failed));
    assert!(state.last_success.is_none());
    let r = readiness_of(&w, &w.id_of("Playground")).await;
    let c = check(&r, CheckId::Copy);
    assert_eq!(c.level, Level::NotMet, "{}", c.detail);
    assert!(c.detail.contains("made no copy"), "{}", c.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_missed_while_the_computer_was_off_are_recorded_as_skipped_and_the_newest_runs_late() {
    let w = world().await;
    let jobs = w.manager();
    let folder = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let mut s = playground_schedule(&w, folder.path(), 5);
    // Made two and a half days ago, never run since: the computer was off.
    s.created_at = now - time::Duration::hours(60);
    s.at = TimeOfDay { hour: now.hour(), minute: now.minute() };
    schedule::add(w.journal.path(), &s).unwrap();
    let notes = Recorder::default();
    let reports = copies::run_due(&scope(&w), now + time::Duration::minutes(1), &notes, |_| Ok(jobs.clone())).await;
    let outcomes: Vec<RunOutcome> = reports.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [RunOutcome::Skipped, RunOutcome::Copied], "{reports:?}");
    assert!(reports[0].message.contains("were not made: this computer was off"), "{}", reports[0].message);
    let told = notes.taken();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, "Scheduled copies of Playground skipped");

    let skipped = history::find(&history::path_in(w.journal.path()), reports[0].job_id.as_deref().unwrap()).unwrap();
    assert_eq!(skipped.outcome, Outcome::Failed);
    assert_eq!(skipped.error.as_ref().unwrap().code, "copy-skipped");
    assert_eq!(skipped.copy.as_ref().unwrap().skipped, 2);
    assert_eq!(copies_in(folder.path()).len(), 1, "the newest missed run made its copy");

    // Nothing more is due until the next slot.
    assert!(copies::run_due(&scope(&w), now + time::Duration::minutes(2), &notes, |_| Ok(jobs.clone()))
        .await
        .is_empty());
    assert!(notes.taken().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_runs_once_at_a_time_and_without_a_login_it_says_so() {
    let w = world().await;
    let jobs = w.manager();
    let folder = tempfile::tempdir().unwrap();
    let s = playground_schedule(&w, folder.path(), 2);
    let first = copies::begin(&jobs, &scope(&w), &s, None).unwrap();
    let second = copies::begin(&jobs, &scope(&w), &s, None).err().expect("the second run waits for the first");
    assert_eq!(second.outcome, RunOutcome::Busy);
    assert_eq!(first.finish(&copies::Silent).await.outcome, RunOutcome::Copied);

    // A run with no database login in the store fails at once, in words, and is still recorded.
    let playground = w.id_of("Playground");
    w.logins.forget(&playground);
    let report = copies::run_now(&jobs, &scope(&w), &s, &copies::Silent).await;
    assert_eq!(report.outcome, RunOutcome::Failed);
    assert!(report.message.contains("no database login for Playground in the keyring"), "{}", report.message);
    let entry = history::find(&history::path_in(w.journal.path()), report.job_id.as_deref().unwrap()).unwrap();
    assert_eq!(entry.error.unwrap().code, "no-db-login");
}
