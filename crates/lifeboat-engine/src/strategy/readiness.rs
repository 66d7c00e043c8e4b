//! Readiness: could this instance be recovered within its objectives, right now? Four checks, each in words with a
//! level (met, needs attention, not met, or no objective to judge by) and the one fix that would help:
//!
//! 1. **Worst-case data loss now** — the age of the newest snapshot that can be restored, against the RPO.
//! 2. **Worst-case loss on this schedule** — the longest gap the plan's snapshots (Free: none; Professional: a day;
//!    Business Critical and Virtual Dedicated Cloud: an hour) and any scheduled copies allow, against the RPO, and
//!    what would meet it when it cannot.
//! 3. **Last restore test** — when it ran and its measured time against the RTO, and whether the next is due
//!    (quarterly unless the objectives say otherwise).
//! 4. **Last copy outside Aura** — when, where, whether it was verified, and whether copies keep coming.
//!
//! [`assess`] is a pure function of [`Facts`], so every rule is tested without a network; [`gather`] collects the
//! facts (instance, snapshots, objectives, history, schedules). The window and `lifeboat status` both show its
//! result, so they say the same thing. Sentences use ages ("23 min ago"), never clock times, so they read the same
//! in every time zone; the times themselves are fields for the window to show in local time.
//!
//! The drill interval and the copy checks judge an instance only once objectives are set for it (or, for copies,
//! once a schedule exists): before that they give advice ("needs attention") but never "not met", so a fresh
//! account does not fail `lifeboat status`.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::objectives::{Objectives, DEFAULT_DRILL_EVERY};
use super::schedule::{RunState, Schedule};
use super::Home;
use crate::api::{ApiError, AuraClient};
use crate::history::HistoryEntry;
use crate::instances::{tier_label, InstanceView};
use crate::jobs::{JobKind, Outcome};
use crate::snapshots::{human_duration, retention_for, SnapshotCache};

/// A restore test due within this long is flagged ahead of time.
const DRILL_WARNING: Duration = Duration::from_secs(14 * 24 * 3600);
/// Without an RPO, a newest snapshot older than this earns advice.
const STALE_SNAPSHOT: Duration = Duration::from_secs(24 * 3600);
/// Without a schedule, a copy older than this earns advice.
const STALE_COPY: Duration = Duration::from_secs(7 * 24 * 3600);

/// How a check stands. Ordered from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[ts(rename = "ReadinessLevel")]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// No objective to judge by (the facts are still given).
    NoObjective,
    /// The objective is met.
    Met,
    /// Met for now, or advice without an objective: worth a look.
    AtRisk,
    /// The objective is not met.
    NotMet,
}

impl Level {
    /// The level in words (shown beside its colour, never instead of it).
    pub fn label(self) -> &'static str {
        match self {
            Level::NoObjective => "No objective set",
            Level::Met => "Met",
            Level::AtRisk => "Needs attention",
            Level::NotMet => "Not met",
        }
    }

    /// A mark for plain text (the command line).
    pub fn mark(self) -> &'static str {
        match self {
            Level::NoObjective => "-",
            Level::Met => "✓",
            Level::AtRisk => "!",
            Level::NotMet => "✗",
        }
    }
}

/// Which check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "ReadinessCheckId")]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// Worst-case data loss now.
    LossNow,
    /// Worst-case loss on this schedule.
    ScheduleLoss,
    /// Last restore test.
    Drill,
    /// Last copy outside Aura.
    Copy,
}

/// The one action that would help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "ReadinessFix")]
#[serde(rename_all = "kebab-case")]
pub enum Fix {
    /// Take an on-demand snapshot.
    TakeSnapshot,
    /// Test a restore.
    RunDrill,
    /// Schedule copies to the user's own storage (or look at the failing schedule).
    SetUpCopies,
}

impl Fix {
    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Fix::TakeSnapshot => "Take a snapshot now",
            Fix::RunDrill => "Run a drill",
            Fix::SetUpCopies => "Set up copies",
        }
    }

    /// The same fix on the command line.
    pub fn command(self, instance_id: &str) -> String {
        match self {
            Fix::TakeSnapshot => format!("lifeboat snapshots create --instance {instance_id} --wait"),
            Fix::RunDrill => format!("lifeboat drill --instance {instance_id}"),
            Fix::SetUpCopies => format!(
                "lifeboat schedule add --instance {instance_id} --every 1d --at 02:00 --keep 14 --to DIR --install"
            ),
        }
    }
}

/// A value against its limit, for the small bar beside a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "ReadinessMeasure")]
#[serde(rename_all = "camelCase")]
pub struct Measure {
    /// The value in seconds; `None`: no limit at all (it grows until something is done).
    pub value_secs: Option<u64>,
    /// The objective in seconds.
    pub limit_secs: u64,
}

/// One check of an instance's readiness.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "ReadinessCheck")]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its title ("Worst-case data loss now").
    pub title: String,
    /// How it stands.
    pub level: Level,
    /// That in words.
    pub level_label: String,
    /// The fact in a few words ("23 min", "No limit", "Never").
    pub value: String,
    /// What it means, in sentences.
    pub detail: String,
    /// What would help.
    pub fix: Option<Fix>,
    /// The fix's button words.
    pub fix_label: Option<String>,
    /// The value against the objective, when there is one.
    pub measure: Option<Measure>,
    /// When the fact happened (the snapshot, test or copy), for the window to show in local time.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub at: Option<OffsetDateTime>,
    /// When the next thing is due (the next restore test, the next copy).
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub due_at: Option<OffsetDateTime>,
}

/// An instance's readiness.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// Instance id.
    pub instance_id: String,
    /// Its name.
    pub instance_name: String,
    /// Raw tier.
    pub tier: String,
    /// Tier in words.
    pub tier_label: String,
    /// The objectives that applied (`None`: none set).
    pub objectives: Option<Objectives>,
    /// The restore-test interval in force (the objectives', or quarterly).
    pub drill_every_secs: u64,
    /// The most serious level of its checks.
    pub level: Level,
    /// That in words.
    pub level_label: String,
    /// One sentence.
    pub summary: String,
    /// No objective is unmet (what `lifeboat status` exits 0 on).
    pub all_met: bool,
    /// The four checks, in order.
    pub checks: Vec<Check>,
    /// The snapshot "Run a drill" should test (the newest exportable one).
    pub drill_snapshot_id: Option<String>,
    /// When this was worked out.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub checked_at: OffsetDateTime,
}

/// A snapshot as readiness needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFact {
    /// Its id.
    pub id: String,
    /// When it was taken.
    pub at: OffsetDateTime,
}

/// Everything readiness is worked out from.
pub struct Facts<'a> {
    /// Instance id.
    pub instance_id: &'a str,
    /// Its name.
    pub instance_name: &'a str,
    /// Its tier.
    pub tier: &'a str,
    /// The newest snapshot that can be restored.
    pub newest: Option<SnapshotFact>,
    /// The newest that can also be exported (a restore test needs one).
    pub newest_exportable: Option<SnapshotFact>,
    /// Its objectives.
    pub objectives: Option<&'a Objectives>,
    /// Its history entries (any order; entries of other instances are ignored).
    pub history: &'a [HistoryEntry],
    /// Its copy schedules with their run records.
    pub schedules: &'a [(Schedule, RunState)],
    /// Now.
    pub now: OffsetDateTime,
    /// Whether a file still exists (a test can pretend).
    pub file_exists: &'a dyn Fn(&Path) -> bool,
}

/// How often a tier's schedule takes snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierSchedule {
    /// It takes none (Free): only the snapshots the user takes.
    None,
    /// One at least this often.
    Every(Duration),
    /// Lifeboat does not know this tier.
    Unknown,
}

/// The snapshot schedule of a tier: Free none, Professional (and Graph Data Science) daily, Business Critical and
/// Virtual Dedicated Cloud hourly.
pub fn tier_schedule(tier: &str) -> TierSchedule {
    match tier {
        "free-db" => TierSchedule::None,
        "professional-db" | "professional-ds" | "enterprise-ds" => TierSchedule::Every(Duration::from_secs(24 * 3600)),
        "business-critical" | "enterprise-db" => TierSchedule::Every(Duration::from_secs(3600)),
        _ => TierSchedule::Unknown,
    }
}

fn tier_schedule_words(tier: &str) -> &'static str {
    match tier {
        "free-db" => "Free instances get no scheduled snapshots: only the ones you take yourself.",
        "business-critical" | "enterprise-db" => "Aura takes a snapshot every hour.",
        "professional-db" | "professional-ds" | "enterprise-ds" => "Aura takes a snapshot once a day.",
        _ => "Lifeboat does not know this plan's snapshot schedule.",
    }
}

fn ago(now: OffsetDateTime, t: OffsetDateTime) -> Duration {
    (now - t).try_into().unwrap_or(Duration::ZERO)
}

fn words(d: Duration) -> String {
    human_duration(d)
}

fn check(id: CheckId, title: &str, level: Level, value: String, detail: String, fix: Option<Fix>) -> Check {
    Check {
        id,
        title: title.into(),
        level,
        level_label: level.label().into(),
        value,
        detail,
        fix,
        fix_label: fix.map(|f| f.label().into()),
        measure: None,
        at: None,
        due_at: None,
    }
}

fn loss_now(f: &Facts) -> Check {
    const TITLE: &str = "Worst-case data loss now";
    let rpo = f.objectives.and_then(Objectives::rpo);
    let Some(newest) = &f.newest else {
        let level = if rpo.is_some() { Level::NotMet } else { Level::AtRisk };
        return check(
            CheckId::LossNow,
            TITLE,
            level,
            "No snapshot".into(),
            "There is no snapshot to go back to: if the data were lost now, all of it would be lost.".into(),
            Some(Fix::TakeSnapshot),
        );
    };
    let age = ago(f.now, newest.at);
    let mut detail = format!(
        "The newest snapshot you could restore was taken {} ago, so that is the most you could lose right now.",
        words(age)
    );
    let (level, fix) = match rpo {
        Some(rpo) if age <= rpo => {
            detail.push_str(&format!(" That is within your RPO of {}.", words(rpo)));
            (Level::Met, None)
        }
        Some(rpo) => {
            detail.push_str(&format!(
                " That is more than your RPO of {}: take a snapshot now to bring it back within.",
                words(rpo)
            ));
            (Level::NotMet, Some(Fix::TakeSnapshot))
        }
        None if age > STALE_SNAPSHOT => {
            detail.push_str(" Take a snapshot before risky work, and set an RPO to judge this by.");
            (Level::AtRisk, Some(Fix::TakeSnapshot))
        }
        None => {
            detail.push_str(" Set an RPO to judge this by.");
            (Level::NoObjective, None)
        }
    };
    let mut c = check(CheckId::LossNow, TITLE, level, words(age), detail, fix);
    c.measure = rpo.map(|r| Measure { value_secs: Some(age.as_secs()), limit_secs: r.as_secs() });
    c.at = Some(newest.at);
    c
}

fn schedule_loss(f: &Facts) -> Check {
    const TITLE: &str = "Worst-case loss on this schedule";
    let rpo = f.objectives.and_then(Objectives::rpo);
    let copy_gap = f.schedules.iter().map(|(s, _)| s.cadence.interval()).min();
    let tier_gap = match tier_schedule(f.tier) {
        TierSchedule::None => None,
        TierSchedule::Every(gap) => Some(gap),
        TierSchedule::Unknown => {
            return check(
                CheckId::ScheduleLoss,
                TITLE,
                Level::AtRisk,
                "Not known".into(),
                format!("{} Take a snapshot before risky work.", tier_schedule_words(f.tier)),
                Some(Fix::TakeSnapshot),
            )
        }
    };
    let gap = match (tier_gap, copy_gap) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    };
    let mut detail = tier_schedule_words(f.tier).to_owned();
    if let Some(c) = copy_gap.filter(|c| tier_gap.is_none_or(|t| *c < t)) {
        detail.push_str(&format!(" Your scheduled copies add one every {}.", words(c)));
    }
    let value = match gap {
        Some(g) => {
            detail.push_str(&format!(" So a failure can cost up to {} of changes.", words(g)));
            words(g)
        }
        None => {
            let since = f
                .newest
                .as_ref()
                .map(|s| format!(" (now {}, since the last one)", words(ago(f.now, s.at))))
                .unwrap_or_default();
            detail.push_str(&format!(
                " So the possible loss keeps growing until you take a snapshot{since}: there is no limit."
            ));
            "No limit".into()
        }
    };
    let (level, fix) = match rpo {
        None => {
            detail.push_str(" Set an RPO to judge this by.");
            (
                if gap.is_none() { Level::AtRisk } else { Level::NoObjective },
                if gap.is_none() { Some(Fix::SetUpCopies) } else { None },
            )
        }
        Some(rpo) if gap.is_some_and(|g| g <= rpo) => {
            detail.push_str(&format!(" That meets your RPO of {}.", words(rpo)));
            (Level::Met, None)
        }
        Some(rpo) => {
            let day = Duration::from_secs(24 * 3600);
            let hour = Duration::from_secs(3600);
            let daily_copies = copy_gap.is_some_and(|c| c <= day);
            let mut would = vec!["an on-demand snapshot before risky work".to_owned()];
            let mut fix = Some(Fix::TakeSnapshot);
            if rpo >= day && !daily_copies {
                would.push("copies every day to your own storage".into());
                fix = Some(Fix::SetUpCopies);
            }
            if rpo >= hour && tier_gap.is_none_or(|t| t > hour) {
                would.push("a higher plan (Business Critical takes a snapshot every hour)".into());
            }
            let limit = if rpo < hour { " No Aura plan takes snapshots more often than every hour." } else { "" };
            detail.push_str(&format!(
                " That cannot meet your RPO of {}. What would: {}.{limit}",
                words(rpo),
                join_or(&would)
            ));
            (Level::NotMet, fix)
        }
    };
    let mut c = check(CheckId::ScheduleLoss, TITLE, level, value, detail, fix);
    c.measure = rpo.map(|r| Measure { value_secs: gap.map(|g| g.as_secs()), limit_secs: r.as_secs() });
    c
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
    }
}

fn of_instance<'a>(f: &'a Facts, kind: JobKind) -> impl Iterator<Item = &'a HistoryEntry> {
    let id = f.instance_id;
    f.history.iter().filter(move |e| e.kind == kind && e.instance_id == id)
}

fn drill(f: &Facts) -> Check {
    const TITLE: &str = "Last restore test";
    let judged = f.objectives.is_some();
    let interval = f.objectives.map(Objectives::drill_every).unwrap_or(DEFAULT_DRILL_EVERY);
    let rto = f.objectives.and_then(Objectives::rto);
    let can_test = f.newest_exportable.is_some();
    let (fix_test, no_snapshot) = if can_test {
        (Fix::RunDrill, "")
    } else {
        (Fix::TakeSnapshot, " A test needs a snapshot that can be exported: take one first.")
    };
    let last = of_instance(f, JobKind::Drill).filter(|e| e.outcome == Outcome::Succeeded).max_by_key(|e| e.finished_at);
    let failed_after = of_instance(f, JobKind::Drill)
        .filter(|e| e.outcome == Outcome::Failed && last.is_none_or(|l| e.started_at > l.finished_at))
        .max_by_key(|e| e.finished_at);
    let failure = failed_after
        .map(|e| {
            format!(
                " The test {} ago failed: {}",
                words(ago(f.now, e.finished_at)),
                e.error.as_ref().map(|x| x.message.as_str()).unwrap_or("Lifeboat did not record why.")
            )
        })
        .unwrap_or_default();
    let Some(last) = last else {
        let level = if judged { Level::NotMet } else { Level::AtRisk };
        let mut c = check(
            CheckId::Drill,
            TITLE,
            level,
            "Never".into(),
            format!(
                "No restore has been tested{} yet. A test makes a temporary copy of {} from a snapshot, checks it and times it, so you know how long a real restore takes; {} itself is not touched. Test one every {}.{failure}{no_snapshot}",
                if failed_after.is_some() { " successfully" } else { "" },
                f.instance_name,
                f.instance_name,
                words(interval)
            ),
            Some(fix_test),
        );
        c.due_at = Some(f.now);
        return c;
    };
    let age = ago(f.now, last.finished_at);
    let due_at = last.finished_at + interval;
    let measured = last.duration_secs.map(Duration::from_secs);
    let mut detail = match measured {
        Some(m) => format!("The last restore test, {} ago, took {}.", words(age), words(m)),
        None => format!("The last restore test ran {} ago; its time was not measured.", words(age)),
    };
    let mut level = if judged { Level::Met } else { Level::NoObjective };
    match (rto, measured) {
        (Some(rto), Some(m)) if m > rto => {
            detail.push_str(&format!(
                " That is more than your RTO of {}: a real restore would likely take too long.",
                words(rto)
            ));
            level = Level::NotMet;
        }
        (Some(rto), Some(_)) => detail.push_str(&format!(" That is within your RTO of {}.", words(rto))),
        (Some(rto), None) => detail.push_str(&format!(" Test again to compare it with your RTO of {}.", words(rto))),
        (None, _) => detail.push_str(" Set an RTO to judge this by."),
    }
    let mut fix = None;
    if f.now >= due_at {
        detail.push_str(&format!(
            " A new test was due {} ago (one every {}).",
            words(ago(f.now, due_at)),
            words(interval)
        ));
        level = level.max(if judged { Level::NotMet } else { Level::AtRisk });
        fix = Some(fix_test);
    } else {
        let left = ago(due_at, f.now);
        detail.push_str(&format!(" The next is due in {} (one every {}).", words(left), words(interval)));
        if left <= DRILL_WARNING {
            level = level.max(Level::AtRisk);
            fix = Some(fix_test);
        }
    }
    if level == Level::NotMet && fix.is_none() {
        fix = Some(fix_test);
    }
    if fix.is_some() {
        detail.push_str(no_snapshot);
    }
    detail.push_str(&failure);
    let mut c = check(CheckId::Drill, TITLE, level, format!("{} ago", words(age)), detail, fix);
    c.measure = rto.map(|r| Measure { value_secs: measured.map(|m| m.as_secs()), limit_secs: r.as_secs() });
    c.at = Some(last.finished_at);
    c.due_at = Some(due_at);
    c
}

/// A copy outside Aura found in the history.
struct CopyMade<'a> {
    entry: &'a HistoryEntry,
    path: &'a str,
    verified: &'static str,
}

fn copies_made<'a>(f: &'a Facts) -> impl Iterator<Item = CopyMade<'a>> {
    let id = f.instance_id;
    f.history.iter().filter(move |e| e.instance_id == id).filter_map(|e| match e.kind {
        JobKind::ScheduledCopy if e.copy.as_ref().is_some_and(|c| c.saved) => Some(CopyMade {
            entry: e,
            path: e.file_path.as_deref()?,
            verified: "verified: its counts and content digest were read back and checked",
        }),
        JobKind::GraphExport if e.outcome == Outcome::Succeeded => Some(CopyMade {
            entry: e,
            path: e.file_path.as_deref()?,
            verified: "checked against the database's counts",
        }),
        JobKind::SnapshotExport if e.outcome == Outcome::Succeeded => Some(CopyMade {
            entry: e,
            path: e.saved_path.as_deref()?,
            verified: "checked against the download (size and CRC-32)",
        }),
        _ => None,
    })
}

fn copy(f: &Facts) -> Check {
    const TITLE: &str = "Last copy outside Aura";
    let retention = retention_for(f.tier);
    let keeps = match retention.days {
        None => "Aura keeps only the latest snapshot of a Free instance".to_owned(),
        Some(d) => format!("Aura keeps snapshots for {d} days"),
    };
    let last = copies_made(f).max_by_key(|c| c.entry.finished_at);
    let mut level;
    let mut fix = None;
    let mut detail;
    let value;
    let mut at = None;
    match &last {
        None => {
            value = "None".to_owned();
            detail = format!(
                "No copy of {} has been kept outside Aura yet. {keeps}; a copy on your own storage lasts as long as you keep it.",
                f.instance_name
            );
            level = Level::AtRisk;
            fix = Some(Fix::SetUpCopies);
        }
        Some(c) => {
            let age = ago(f.now, c.entry.finished_at);
            at = Some(c.entry.finished_at);
            value = format!("{} ago", words(age));
            detail = format!("The last copy was made {} ago, in {}, and {}.", words(age), c.path, c.verified);
            level = if f.schedules.is_empty() && age > STALE_COPY { Level::AtRisk } else { Level::Met };
            if !(f.file_exists)(Path::new(c.path)) {
                detail.push_str(" That file is no longer there.");
                level = Level::AtRisk;
                fix = Some(Fix::SetUpCopies);
            }
        }
    }
    let mut due_at = None;
    if f.schedules.is_empty() {
        detail.push_str(
            " Nothing makes copies on a schedule yet: set up copies so they keep coming without anyone remembering to.",
        );
        level = level.max(Level::AtRisk);
        fix = Some(Fix::SetUpCopies);
    }
    for (schedule, state) in f.schedules {
        let next = schedule.next_after(f.now);
        due_at = Some(due_at.map_or(next, |d: OffsetDateTime| d.min(next)));
        let ran = state.last_run.as_ref();
        let since_success = state.last_success.as_ref().map(|r| r.at).unwrap_or(schedule.created_at);
        let overdue = ago(f.now, since_success) > schedule.cadence.interval() * 2 + Duration::from_secs(3600);
        match ran {
            Some(r) if r.outcome == Outcome::Failed => {
                detail.push_str(&format!(
                    " The last run of “{}” {} ago made no copy: {}",
                    schedule.name,
                    words(ago(f.now, r.at)),
                    r.message.as_deref().unwrap_or("Lifeboat did not record why.")
                ));
                level = Level::NotMet;
                fix = Some(Fix::SetUpCopies);
            }
            _ if overdue => {
                detail.push_str(&format!(
                    " “{}” has made no copy for {}: check that it still runs.",
                    schedule.name,
                    words(ago(f.now, since_success))
                ));
                level = Level::NotMet;
                fix = Some(Fix::SetUpCopies);
            }
            _ => detail.push_str(&format!(
                " “{}” makes one {}, keeping {}; the next is due in {}.",
                schedule.name,
                schedule.describe(),
                schedule.keep,
                words(ago(next, f.now))
            )),
        }
    }
    let mut c = check(CheckId::Copy, TITLE, level, value, detail, fix);
    c.at = at;
    c.due_at = due_at;
    c
}

/// Works out an instance's readiness from the facts.
pub fn assess(f: &Facts) -> Readiness {
    let checks = vec![loss_now(f), schedule_loss(f), drill(f), copy(f)];
    let level = checks.iter().map(|c| c.level).max().unwrap_or(Level::NoObjective);
    let not_met: Vec<String> =
        checks.iter().filter(|c| c.level == Level::NotMet).map(|c| c.title.to_lowercase()).collect();
    let attention = checks.iter().filter(|c| c.level == Level::AtRisk).count();
    let name = f.instance_name;
    let summary = if !not_met.is_empty() {
        format!("{name} could not be recovered within its objectives. Not met: {}.", not_met.join("; "))
    } else if f.objectives.is_none() {
        format!(
            "No objectives are set for {name} yet. Set an RPO and an RTO to see whether it could be recovered in time."
        )
    } else if attention > 0 {
        format!(
            "{name} meets its objectives; {attention} {} attention.",
            if attention == 1 { "thing needs" } else { "things need" }
        )
    } else {
        format!("{name} could be recovered within its objectives.")
    };
    let overall = if f.objectives.is_none() && level <= Level::Met { Level::NoObjective } else { level };
    Readiness {
        instance_id: f.instance_id.into(),
        instance_name: name.into(),
        tier: f.tier.into(),
        tier_label: tier_label(f.tier),
        objectives: f.objectives.cloned(),
        drill_every_secs: f.objectives.map(|o| o.drill_every_secs).unwrap_or(DEFAULT_DRILL_EVERY.as_secs()),
        level: overall,
        level_label: overall.label().into(),
        summary,
        all_met: not_met.is_empty(),
        checks,
        drill_snapshot_id: f.newest_exportable.as_ref().map(|s| s.id.clone()),
        checked_at: f.now,
    }
}

/// Collects the facts of one instance (its newest snapshots from the cache or Aura, its objectives, history and
/// schedules from this computer) and assesses them.
pub async fn gather(
    client: &AuraClient,
    cache: &SnapshotCache,
    home: &Home,
    instance: &InstanceView,
    now: OffsetDateTime,
) -> Result<Readiness, ApiError> {
    let recent = cache.recent(client, &instance.id, &instance.tier, instance.created_at).await?;
    let fact = |s: &crate::snapshots::SnapshotView| SnapshotFact { id: s.id.clone(), at: s.timestamp };
    let objectives = home.objectives_of(&instance.id).map(|(_, o)| o);
    let history = home.history_of(&instance.id);
    let schedules = home.schedules_of(&instance.id);
    let exists = |p: &Path| p.exists();
    Ok(assess(&Facts {
        instance_id: &instance.id,
        instance_name: &instance.name,
        tier: &instance.tier,
        newest: recent.newest_restorable.as_ref().map(fact),
        newest_exportable: recent.newest_exportable.as_ref().map(fact),
        objectives: objectives.as_ref(),
        history: &history,
        schedules: &schedules,
        now,
        file_exists: &exists,
    }))
}

#[cfg(test)]
mod tests;
