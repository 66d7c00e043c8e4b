//! Tests of [`super`] (readiness).
use super::*;
use crate::history::tests::entry;
use crate::strategy::schedule::{AccountRef, Cadence, RunRecord, TimeOfDay};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-21 15:00 UTC);

fn objectives(rpo: Option<u64>, rto: Option<u64>) -> Objectives {
    Objectives { rpo_secs: rpo, rto_secs: rto, drill_every_secs: DEFAULT_DRILL_EVERY.as_secs(), updated_at: NOW }
}

fn snap(mins_ago: i64) -> SnapshotFact {
    SnapshotFact { id: format!("s-{mins_ago}"), at: NOW - time::Duration::minutes(mins_ago) }
}

fn drill_entry(days_ago: i64, took_secs: u64, outcome: Outcome) -> HistoryEntry {
    let mut e = entry("d", JobKind::Drill, outcome);
    e.instance_id = "i1".into();
    e.finished_at = NOW - time::Duration::days(days_ago);
    e.started_at = e.finished_at - time::Duration::seconds(took_secs as i64);
    e.duration_secs = Some(took_secs);
    e
}

fn daily(instance: &str) -> Schedule {
    Schedule {
        id: "s1".into(),
        name: "production-daily".into(),
        instance_id: instance.into(),
        instance_name: "Production".into(),
        cadence: Cadence::Daily,
        at: TimeOfDay { hour: 2, minute: 0 },
        time_zone: "UTC".into(),
        keep: 14,
        folder: "/copies".into(),
        unattended: true,
        account: AccountRef {
            label: "Ops".into(),
            client_id: "c".into(),
            endpoints: Default::default(),
            keyring_account: Some("a".into()),
        },
        created_at: NOW - time::Duration::days(30),
    }
}

struct Case<'a> {
    tier: &'a str,
    newest: Option<SnapshotFact>,
    objectives: Option<Objectives>,
    history: Vec<HistoryEntry>,
    schedules: Vec<(Schedule, RunState)>,
}

fn run(c: &Case) -> Readiness {
    let exists = |_: &Path| true;
    assess(&Facts {
        instance_id: "i1",
        instance_name: "Production",
        tier: c.tier,
        newest: c.newest.clone(),
        newest_exportable: c.newest.clone(),
        objectives: c.objectives.as_ref(),
        history: &c.history,
        schedules: &c.schedules,
        now: NOW,
        file_exists: &exists,
    })
}

fn by(r: &Readiness, id: CheckId) -> &Check {
    r.checks.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn the_tier_schedule_decides_whether_an_rpo_can_be_met() {
    let rpo_1h = Some(objectives(Some(3600), None));
    for (tier, met) in
        [("business-critical", true), ("enterprise-db", true), ("professional-db", false), ("free-db", false)]
    {
        let r =
            run(&Case { tier, newest: Some(snap(10)), objectives: rpo_1h.clone(), history: vec![], schedules: vec![] });
        let s = by(&r, CheckId::ScheduleLoss);
        assert_eq!(s.level == Level::Met, met, "{tier}: {}", s.detail);
        assert_eq!(by(&r, CheckId::LossNow).level, Level::Met, "a 10-minute-old snapshot is within 1 h");
    }
    let pro = run(&Case {
        tier: "professional-db",
        newest: Some(snap(10)),
        objectives: rpo_1h.clone(),
        history: vec![],
        schedules: vec![],
    });
    let s = by(&pro, CheckId::ScheduleLoss);
    assert_eq!(s.value, "1 day");
    assert!(s.detail.contains("cannot meet your RPO of 1 h"), "{}", s.detail);
    assert!(s.detail.contains("on-demand snapshot before risky work"), "{}", s.detail);
    assert!(s.detail.contains("Business Critical takes a snapshot every hour"), "{}", s.detail);
    assert_eq!(s.fix, Some(Fix::TakeSnapshot));

    let free = run(&Case {
        tier: "free-db",
        newest: Some(snap(3000)),
        objectives: Some(objectives(Some(2 * 86_400), None)),
        history: vec![],
        schedules: vec![],
    });
    let s = by(&free, CheckId::ScheduleLoss);
    assert_eq!(s.value, "No limit");
    assert!(s.detail.contains("copies every day"), "{}", s.detail);
    assert_eq!(s.fix, Some(Fix::SetUpCopies), "daily copies would meet a 2-day RPO on Free");
    assert_eq!(s.measure, Some(Measure { value_secs: None, limit_secs: 2 * 86_400 }));
    // With daily copies scheduled, Free's worst case is a day.
    let free_copies = run(&Case {
        tier: "free-db",
        newest: Some(snap(30)),
        objectives: Some(objectives(Some(2 * 86_400), None)),
        history: vec![],
        schedules: vec![(daily("i1"), RunState::default())],
    });
    let s = by(&free_copies, CheckId::ScheduleLoss);
    assert_eq!((s.level, s.value.as_str()), (Level::Met, "1 day"), "{}", s.detail);
}

#[test]
fn the_newest_snapshot_is_the_loss_now_and_a_snapshot_fixes_it() {
    let o = Some(objectives(Some(3600), None));
    let stale = run(&Case {
        tier: "free-db",
        newest: Some(snap(3 * 60)),
        objectives: o.clone(),
        history: vec![],
        schedules: vec![],
    });
    let c = by(&stale, CheckId::LossNow);
    assert_eq!((c.level, c.value.as_str(), c.fix), (Level::NotMet, "3 h", Some(Fix::TakeSnapshot)));
    assert!(!stale.all_met);
    assert!(stale.summary.contains("Not met: worst-case data loss now"), "{}", stale.summary);
    let fresh = run(&Case {
        tier: "free-db",
        newest: Some(snap(0)),
        objectives: o.clone(),
        history: vec![],
        schedules: vec![],
    });
    assert_eq!(by(&fresh, CheckId::LossNow).level, Level::Met);
    let none = run(&Case { tier: "free-db", newest: None, objectives: o, history: vec![], schedules: vec![] });
    assert_eq!(by(&none, CheckId::LossNow).value, "No snapshot");
}

#[test]
fn drills_are_judged_by_the_rto_and_the_interval() {
    let o = Some(objectives(None, Some(120)));
    let never = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![],
        schedules: vec![],
    });
    let d = by(&never, CheckId::Drill);
    assert_eq!((d.level, d.value.as_str(), d.fix), (Level::NotMet, "Never", Some(Fix::RunDrill)));

    let fast = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![drill_entry(10, 90, Outcome::Succeeded)],
        schedules: vec![],
    });
    let d = by(&fast, CheckId::Drill);
    assert_eq!(d.level, Level::Met, "{}", d.detail);
    assert!(d.detail.contains("took 1 min") && d.detail.contains("within your RTO of 2 min"), "{}", d.detail);
    assert_eq!(d.due_at, Some(NOW - time::Duration::days(10) + time::Duration::days(90)));

    let slow = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![drill_entry(10, 600, Outcome::Succeeded)],
        schedules: vec![],
    });
    let d = by(&slow, CheckId::Drill);
    assert_eq!(d.level, Level::NotMet);
    assert!(d.detail.contains("more than your RTO of 2 min"), "{}", d.detail);
    assert_eq!(d.measure, Some(Measure { value_secs: Some(600), limit_secs: 120 }));

    let soon = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![drill_entry(80, 60, Outcome::Succeeded)],
        schedules: vec![],
    });
    assert_eq!(by(&soon, CheckId::Drill).level, Level::AtRisk, "due within two weeks");
    let overdue = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: o,
        history: vec![drill_entry(100, 60, Outcome::Succeeded), drill_entry(1, 60, Outcome::Failed)],
        schedules: vec![],
    });
    let d = by(&overdue, CheckId::Drill);
    assert_eq!(d.level, Level::NotMet);
    assert!(d.detail.contains("was due 10 days ago") && d.detail.contains("failed"), "{}", d.detail);

    // Without objectives, never tested is advice, not a failure.
    let fresh = run(&Case {
        tier: "business-critical",
        newest: Some(snap(5)),
        objectives: None,
        history: vec![],
        schedules: vec![],
    });
    assert_eq!(by(&fresh, CheckId::Drill).level, Level::AtRisk);
    assert!(fresh.all_met);
    assert!(fresh.summary.starts_with("No objectives are set for Production"), "{}", fresh.summary);
}

#[test]
fn copies_say_where_when_and_whether_they_keep_coming() {
    let o = Some(objectives(Some(86_400), None));
    let none = run(&Case {
        tier: "professional-db",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![],
        schedules: vec![],
    });
    let c = by(&none, CheckId::Copy);
    assert_eq!((c.level, c.fix), (Level::AtRisk, Some(Fix::SetUpCopies)));
    assert!(c.detail.contains("Aura keeps snapshots for 7 days"), "{}", c.detail);

    let mut made = entry("c1", JobKind::ScheduledCopy, Outcome::Succeeded);
    made.instance_id = "i1".into();
    made.finished_at = NOW - time::Duration::hours(13);
    made.file_path = Some("/copies/Production_2026-11-21T0200Z.graph.jsonl.zst".into());
    made.copy = Some(crate::strategy::CopyFacts { saved: true, ..crate::strategy::CopyFacts::for_test() });
    let ok_state = RunState {
        last_slot: Some(NOW - time::Duration::hours(13)),
        last_run: Some(RunRecord {
            at: NOW - time::Duration::hours(13),
            slot: None,
            outcome: Outcome::Succeeded,
            job_id: None,
            file: None,
            message: None,
        }),
        last_success: Some(RunRecord {
            at: NOW - time::Duration::hours(13),
            slot: None,
            outcome: Outcome::Succeeded,
            job_id: None,
            file: None,
            message: None,
        }),
    };
    let healthy = run(&Case {
        tier: "professional-db",
        newest: Some(snap(5)),
        objectives: o.clone(),
        history: vec![made.clone()],
        schedules: vec![(daily("i1"), ok_state.clone())],
    });
    let c = by(&healthy, CheckId::Copy);
    assert_eq!(c.level, Level::Met, "{}", c.detail);
    assert_eq!(c.value, "13 h ago");
    assert!(c.detail.contains("/copies/Production_") && c.detail.contains("digest"), "{}", c.detail);
    assert_eq!(c.due_at, Some(datetime!(2026-11-22 02:00 UTC)));

    let mut failing = ok_state;
    failing.last_run = Some(RunRecord {
        at: NOW - time::Duration::hours(1),
        slot: None,
        outcome: Outcome::Failed,
        job_id: None,
        file: None,
        message: Some("The database did not answer.".into()),
    });
    let broken = run(&Case {
        tier: "professional-db",
        newest: Some(snap(5)),
        objectives: o,
        history: vec![made],
        schedules: vec![(daily("i1"), failing)],
    });
    let c = by(&broken, CheckId::Copy);
    assert_eq!(c.level, Level::NotMet);
    assert!(c.detail.contains("made no copy: The database did not answer."), "{}", c.detail);
    assert!(!broken.all_met);
}

#[test]
fn readiness_serialises_for_the_window_with_words_beside_each_level() {
    let r = run(&Case {
        tier: "free-db",
        newest: Some(snap(5)),
        objectives: Some(objectives(Some(3600), Some(1800))),
        history: vec![],
        schedules: vec![],
    });
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["checks"][0]["id"], "loss-now");
    assert_eq!(json["checks"][0]["levelLabel"], "Met");
    assert_eq!(json["checks"][1]["level"], "not-met");
    assert_eq!(json["checks"][1]["levelLabel"], "Not met");
    assert_eq!(json["checks"][2]["fix"], "run-drill");
    assert_eq!(json["checks"][2]["fixLabel"], "Run a drill");
    assert_eq!(json["allMet"], false);
}
