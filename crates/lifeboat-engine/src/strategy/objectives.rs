//! Recovery objectives per instance: the RPO (how much recent data the admin can afford to lose, as a time), the
//! RTO (how long a restore may take) and how often a restore should be tested (quarterly unless changed).
//!
//! They are kept with the account, in `objectives.json` next to its `history.jsonl`, written atomically under a
//! lock (the window and the command line may both change them). Every change is also recorded in the history, so
//! the record shows which objectives applied when.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use super::lock::FileLock;
use crate::atomic::write_atomically;
use crate::history::{self, HistoryEntry};
use crate::jobs::{JobKind, Outcome};
use crate::snapshots::human_duration;

/// The file's name inside an account's folder.
pub const FILE_NAME: &str = "objectives.json";
/// How often a restore should be tested unless the admin says otherwise: quarterly.
pub const DEFAULT_DRILL_EVERY: Duration = Duration::from_secs(90 * 24 * 3600);

const MIN_RPO: Duration = Duration::from_secs(60);
const MIN_RTO: Duration = Duration::from_secs(60);
const MAX_OBJECTIVE: Duration = Duration::from_secs(365 * 24 * 3600);
const MIN_DRILL_EVERY: Duration = Duration::from_secs(24 * 3600);

/// The objectives of one instance. Serialised in camelCase (the window reads them as they are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Objectives {
    /// Recovery point objective in seconds: the most recent data that may be lost. `None`: not set.
    pub rpo_secs: Option<u64>,
    /// Recovery time objective in seconds: the longest a restore may take. `None`: not set.
    pub rto_secs: Option<u64>,
    /// How often a restore should be tested, in seconds.
    pub drill_every_secs: u64,
    /// When they were last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub updated_at: OffsetDateTime,
}

impl Objectives {
    /// The RPO as a duration.
    pub fn rpo(&self) -> Option<Duration> {
        self.rpo_secs.map(Duration::from_secs)
    }

    /// The RTO as a duration.
    pub fn rto(&self) -> Option<Duration> {
        self.rto_secs.map(Duration::from_secs)
    }

    /// The restore-test interval.
    pub fn drill_every(&self) -> Duration {
        Duration::from_secs(self.drill_every_secs)
    }

    /// The objectives in one line: "RPO 1 h, RTO 30 min, a restore test every 90 days".
    pub fn describe(&self) -> String {
        let rpo = self.rpo().map(human_duration).map(|d| format!("RPO {d}")).unwrap_or_else(|| "no RPO".into());
        let rto = self.rto().map(human_duration).map(|d| format!("RTO {d}")).unwrap_or_else(|| "no RTO".into());
        format!("{rpo}, {rto}, a restore test every {}", human_duration(self.drill_every()))
    }
}

/// What to do with one objective when changing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ObjectiveSetting")]
#[serde(rename_all = "camelCase", tag = "action", content = "secs")]
pub enum Setting {
    /// Leave it as it is.
    #[default]
    Keep,
    /// Set it (seconds).
    Set(u64),
    /// Remove it (the drill interval goes back to quarterly).
    Clear,
}

/// A change of an instance's objectives: each one kept, set or cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectivesChange {
    /// The RPO.
    pub rpo: Setting,
    /// The RTO.
    pub rto: Setting,
    /// The restore-test interval.
    pub drill_every: Setting,
}

/// Why objectives could not be read, understood or saved.
#[derive(Debug, Error)]
pub enum ObjectivesError {
    /// A duration that is not one.
    #[error("“{text}” is not a duration for the {what}. Write it like 1h, 30m, 90d or 1w. Nothing was changed.")]
    BadDuration {
        /// Which objective.
        what: &'static str,
        /// What was given.
        text: String,
    },
    /// A duration outside the sensible range.
    #[error("The {what} must be between {min} and {max}. Nothing was changed.")]
    OutOfRange {
        /// Which objective.
        what: &'static str,
        /// The least.
        min: String,
        /// The most.
        max: String,
    },
    /// Nothing to change.
    #[error(
        "Give at least one objective to set (an RPO, an RTO or how often to test a restore). Nothing was changed."
    )]
    Nothing,
    /// The file exists but cannot be read.
    #[error("Lifeboat could not read the objectives file {path} ({source}). Nothing was changed.")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file could not be written.
    #[error("Lifeboat could not save the objectives ({0}). Nothing was changed; check that the disk is not full.")]
    Write(#[source] io::Error),
}

impl ObjectivesError {
    /// Stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadDuration { .. } | Self::OutOfRange { .. } | Self::Nothing => "invalid-input",
            Self::Read { .. } => "objectives-read",
            Self::Write(_) => "objectives-write",
        }
    }
}

/// Parses a duration as people write them: `90s`, `30m`, `1h`, `1h30m`, `1 day`, `90d`, `2w`. Days are 24 hours
/// and weeks 7 days (objectives are about elapsed time, not the calendar).
pub fn parse_duration(text: &str, what: &'static str) -> Result<Duration, ObjectivesError> {
    let bad = || ObjectivesError::BadDuration { what, text: text.trim().to_owned() };
    let span: jiff::Span = text.trim().parse().map_err(|_| bad())?;
    let secs = span.total(jiff::SpanTotal::from(jiff::Unit::Second).days_are_24_hours()).map_err(|_| bad())?;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(secs.round() as u64))
}

/// Parses one objective's value for a change: a duration, or `none`/`off` to remove it.
pub fn parse_setting(text: &str, what: &'static str) -> Result<Setting, ObjectivesError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "none" | "off" | "clear" => Ok(Setting::Clear),
        _ => Ok(Setting::Set(parse_duration(text, what)?.as_secs())),
    }
}

fn check_range(what: &'static str, value: u64, min: Duration, max: Duration) -> Result<u64, ObjectivesError> {
    if Duration::from_secs(value) < min || Duration::from_secs(value) > max {
        return Err(ObjectivesError::OutOfRange { what, min: human_duration(min), max: human_duration(max) });
    }
    Ok(value)
}

impl ObjectivesChange {
    /// Applies the change to the current objectives (none yet: nothing set, quarterly tests), checking ranges.
    pub fn apply(&self, current: Option<&Objectives>, now: OffsetDateTime) -> Result<Objectives, ObjectivesError> {
        if *self == Self::default() {
            return Err(ObjectivesError::Nothing);
        }
        let optional = |setting: Setting, now: Option<u64>, what, min| -> Result<Option<u64>, ObjectivesError> {
            Ok(match setting {
                Setting::Keep => now,
                Setting::Clear => None,
                Setting::Set(v) => Some(check_range(what, v, min, MAX_OBJECTIVE)?),
            })
        };
        let drill_every = match self.drill_every {
            Setting::Keep => current.map(|c| c.drill_every_secs).unwrap_or(DEFAULT_DRILL_EVERY.as_secs()),
            Setting::Clear => DEFAULT_DRILL_EVERY.as_secs(),
            Setting::Set(v) => check_range("restore-test interval", v, MIN_DRILL_EVERY, MAX_OBJECTIVE)?,
        };
        Ok(Objectives {
            rpo_secs: optional(self.rpo, current.and_then(|c| c.rpo_secs), "RPO", MIN_RPO)?,
            rto_secs: optional(self.rto, current.and_then(|c| c.rto_secs), "RTO", MIN_RTO)?,
            drill_every_secs: drill_every,
            updated_at: now,
        })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectivesFile {
    #[serde(default)]
    instances: BTreeMap<String, Objectives>,
}

/// The objectives file in an account's folder.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

fn read_file(dir: &Path) -> Result<ObjectivesFile, ObjectivesError> {
    let path = path_in(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ObjectivesError::Read { path, source: io::Error::new(io::ErrorKind::InvalidData, e) }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(ObjectivesFile::default()),
        Err(source) => Err(ObjectivesError::Read { path, source }),
    }
}

/// Every instance's objectives in an account's folder (none when the file does not exist).
pub fn load(dir: &Path) -> Result<BTreeMap<String, Objectives>, ObjectivesError> {
    Ok(read_file(dir)?.instances)
}

/// The objectives of one instance, if set.
pub fn get(dir: &Path, instance_id: &str) -> Result<Option<Objectives>, ObjectivesError> {
    Ok(load(dir)?.remove(instance_id))
}

/// What a change did: the objectives now, and before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ObjectivesSaved {
    /// The objectives now.
    pub objectives: Objectives,
    /// Before the change (`None`: there were none).
    pub previous: Option<Objectives>,
    /// The history entry that records it.
    pub job_id: String,
}

/// Changes an instance's objectives in an account's folder and records the change in its history.
pub fn set(
    dir: &Path,
    instance_id: &str,
    instance_name: &str,
    change: &ObjectivesChange,
    now: OffsetDateTime,
) -> Result<ObjectivesSaved, ObjectivesError> {
    let _lock = FileLock::acquire(&dir.join(super::LOCK_FILE)).map_err(ObjectivesError::Write)?;
    let mut file = read_file(dir)?;
    let previous = file.instances.get(instance_id).cloned();
    let objectives = change.apply(previous.as_ref(), now)?;
    file.instances.insert(instance_id.to_owned(), objectives.clone());
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| ObjectivesError::Write(io::Error::other(e)))?;
    write_atomically(&path_in(dir), &bytes).map_err(ObjectivesError::Write)?;

    let title = match &previous {
        Some(p) if p.describe() != objectives.describe() => {
            format!("Objectives for {instance_name}: {} (were: {})", objectives.describe(), p.describe())
        }
        _ => format!("Objectives for {instance_name}: {}", objectives.describe()),
    };
    let mut entry = HistoryEntry::note(JobKind::Objectives, instance_id, instance_name, title, Outcome::Succeeded, now);
    entry.objectives = Some(objectives.clone());
    // The objectives are saved; a history that cannot be written is logged, as for any job.
    if let Err(e) = history::append(&history::path_in(dir), &entry) {
        tracing::warn!(code = e.code(), "could not record the change of objectives in the history");
    }
    Ok(ObjectivesSaved { objectives, previous, job_id: entry.job_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 15:00 UTC);

    #[test]
    fn durations_read_as_people_write_them() {
        let secs = |t| parse_duration(t, "RPO").unwrap().as_secs();
        assert_eq!(secs("1h"), 3600);
        assert_eq!(secs("30m"), 1800);
        assert_eq!(secs("90d"), 90 * 86_400);
        assert_eq!(secs("1w"), 7 * 86_400);
        assert_eq!(secs("1h 30m"), 5400);
        assert_eq!(secs("2 days"), 2 * 86_400);
        for bad in ["", "soon", "-1h", "0m", "1 fortnight"] {
            let err = parse_duration(bad, "RPO").unwrap_err();
            assert_eq!(err.code(), "invalid-input", "{bad}");
            assert!(err.to_string().contains("1h, 30m, 90d"), "{err}");
        }
        assert_eq!(parse_setting("none", "RPO").unwrap(), Setting::Clear);
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_checks_ranges() {
        let first = ObjectivesChange { rpo: Setting::Set(3600), ..Default::default() }.apply(None, NOW).unwrap();
        assert_eq!(first.rpo_secs, Some(3600));
        assert_eq!(first.rto_secs, None);
        assert_eq!(first.drill_every(), DEFAULT_DRILL_EVERY, "quarterly unless told otherwise");
        assert_eq!(first.describe(), "RPO 1 h, no RTO, a restore test every 90 days");

        let second =
            ObjectivesChange { rto: Setting::Set(1800), ..Default::default() }.apply(Some(&first), NOW).unwrap();
        assert_eq!((second.rpo_secs, second.rto_secs), (Some(3600), Some(1800)));
        let cleared = ObjectivesChange { rpo: Setting::Clear, ..Default::default() }.apply(Some(&second), NOW).unwrap();
        assert_eq!(cleared.rpo_secs, None);

        let tiny = ObjectivesChange { rpo: Setting::Set(5), ..Default::default() }.apply(None, NOW).unwrap_err();
        assert!(tiny.to_string().contains("between 1 min and 365 days"), "{tiny}");
        let daily = ObjectivesChange { drill_every: Setting::Set(3600), ..Default::default() }.apply(None, NOW);
        assert!(daily.is_err(), "testing a restore every hour is not a plan");
        assert!(matches!(ObjectivesChange::default().apply(None, NOW), Err(ObjectivesError::Nothing)));
    }

    #[test]
    fn objectives_are_saved_next_to_the_history_and_each_change_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let change = ObjectivesChange { rpo: Setting::Set(3600), rto: Setting::Set(1800), ..Default::default() };
        let saved = set(dir.path(), "i1", "Production", &change, NOW).unwrap();
        assert_eq!(saved.previous, None);
        let again = ObjectivesChange { rpo: Setting::Set(7200), ..Default::default() };
        let saved = set(dir.path(), "i1", "Production", &again, NOW + time::Duration::minutes(5)).unwrap();
        assert_eq!(saved.previous.as_ref().and_then(|p| p.rpo_secs), Some(3600));
        assert_eq!(get(dir.path(), "i1").unwrap().unwrap().rpo_secs, Some(7200));
        assert_eq!(get(dir.path(), "other").unwrap(), None);

        let entries = history::read(&history::path_in(dir.path())).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.kind == JobKind::Objectives && e.instance_id == "i1"));
        assert_eq!(
            entries[1].title,
            "Objectives for Production: RPO 2 h, RTO 30 min, a restore test every 90 days (were: RPO 1 h, RTO 30 min, a restore test every 90 days)"
        );
        assert_eq!(entries[1].objectives.as_ref().and_then(|o| o.rpo_secs), Some(7200));
    }

    #[test]
    fn an_unreadable_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path_in(dir.path()), b"{ not json").unwrap();
        let change = ObjectivesChange { rpo: Setting::Set(3600), ..Default::default() };
        let err = set(dir.path(), "i1", "Production", &change, NOW).unwrap_err();
        assert_eq!(err.code(), "objectives-read");
        assert_eq!(std::fs::read(path_in(dir.path())).unwrap(), b"{ not json", "the file is not replaced");
    }
}
