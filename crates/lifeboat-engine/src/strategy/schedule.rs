//! Copy schedules: "copy Production's data to this folder every day at 02:00, keep 14". This module owns what a
//! schedule is, where it is kept (`schedules.json` in the account's folder, each schedule's last run in
//! `schedules/<id>.json`), when its runs fall, and which runs are due or were missed.
//!
//! Times are wall-clock times in the time zone of the computer that set the schedule (recorded with it, so a run
//! from an OS scheduler with another `TZ` still means the same moment); [jiff] turns them into instants across
//! daylight-saving changes. A run's file is named in UTC.
//!
//! Missed runs: when the computer was off at a run's time, the next look (the OS scheduler catches up at start,
//! the window every minute) finds every slot since the last one handled. The newest is run now, late; older ones
//! are recorded as skipped, once, so the history says plainly that those copies were never made.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use super::lock::FileLock;
use crate::atomic::write_atomically;
use crate::config::Endpoints;
use crate::jobs::Outcome;

/// The schedules file's name inside an account's folder.
pub const FILE_NAME: &str = "schedules.json";
/// The folder of the schedules' run records.
const STATE_DIR: &str = "schedules";
/// The most copies a schedule keeps.
pub const MAX_KEEP: u32 = 1000;
/// The most slots looked at in one go (a schedule whose computer was off for years).
const MAX_SLOTS: usize = 800;

/// How often a schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "every")]
pub enum Cadence {
    /// Every day.
    Daily,
    /// Once a week, on this day.
    Weekly {
        /// The day of the week.
        on: Weekday,
    },
}

/// A day of the week (ordered Monday first, as ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The day's name in English ("Monday").
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }

    /// Monday = 1 … Sunday = 7 (ISO 8601).
    pub fn number(self) -> u8 {
        Self::ALL.iter().position(|d| *d == self).unwrap_or(0) as u8 + 1
    }

    /// Parses `mon`, `Monday`, `1` (ISO: Monday is 1, Sunday 7).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let t = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|d| {
                let name = d.name().to_ascii_lowercase();
                t == name || (t.len() >= 3 && name.starts_with(&t)) || t == d.number().to_string()
            })
            .ok_or_else(|| ScheduleError::BadWeekday(text.trim().to_owned()))
    }

    fn of(day: jiff::civil::Weekday) -> Self {
        Self::ALL[usize::from(day.to_monday_one_offset() as u8 - 1)]
    }
}

impl Cadence {
    /// Parses `--every`: `1d`/`daily`/`24h` or `1w`/`weekly`/`7d`, with the weekday for a weekly one.
    pub fn parse(every: &str, on: Option<Weekday>) -> Result<Self, ScheduleError> {
        match every.trim().to_ascii_lowercase().as_str() {
            "1d" | "d" | "day" | "daily" | "24h" => match on {
                None => Ok(Cadence::Daily),
                Some(_) => Err(ScheduleError::WeekdayForDaily),
            },
            "1w" | "w" | "week" | "weekly" | "7d" => Ok(Cadence::Weekly { on: on.unwrap_or(Weekday::Monday) }),
            _ => Err(ScheduleError::BadEvery(every.trim().to_owned())),
        }
    }

    /// The time between two runs.
    pub fn interval(self) -> Duration {
        match self {
            Cadence::Daily => Duration::from_secs(24 * 3600),
            Cadence::Weekly { .. } => Duration::from_secs(7 * 24 * 3600),
        }
    }

    /// `daily` or `weekly`, for names.
    pub fn word(self) -> &'static str {
        match self {
            Cadence::Daily => "daily",
            Cadence::Weekly { .. } => "weekly",
        }
    }
}

/// A time of day, `HH:MM`, 24-hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl TimeOfDay {
    /// Parses `02:00`, `2:00`, `14:30`.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::BadTime(text.trim().to_owned());
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        let (hour, minute): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if hour > 23 || minute > 59 || m.len() != 2 {
            return Err(bad());
        }
        Ok(Self { hour, minute })
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The account a schedule copies from, and how an unattended run signs in to it. Nothing here is secret: the API
/// client secret lives in the OS keyring under `keyring_account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    /// The account's name as the user knows it.
    pub label: String,
    /// The API client id.
    pub client_id: String,
    /// Where the account's API lives.
    pub endpoints: Endpoints,
    /// The keyring entry holding the API client secret (an app account's id, or `cli-<client id>`). `None` for
    /// the sandbox, which runs only inside the app.
    pub keyring_account: Option<String>,
}

/// One copy schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// Stable id (names the run record and the manifest in the copies folder).
    pub id: String,
    /// The name the user and the command line use (`production-daily`), unique on this computer.
    pub name: String,
    /// The instance copied.
    pub instance_id: String,
    /// Its name when the schedule was made (copies are named after it).
    pub instance_name: String,
    /// Daily or weekly.
    pub cadence: Cadence,
    /// The time of day of each run, in `time_zone`.
    pub at: TimeOfDay,
    /// The IANA time zone `at` is in (`Europe/Berlin`, `UTC`).
    pub time_zone: String,
    /// How many copies to keep; older ones this schedule made are deleted.
    pub keep: u32,
    /// The folder the copies go to.
    pub folder: PathBuf,
    /// The OS scheduler runs it with the window closed.
    pub unattended: bool,
    /// The account.
    pub account: AccountRef,
    /// When it was made (slots before this are not missed runs).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub at: OffsetDateTime,
    /// The slot it was for (`None`: started by hand).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub slot: Option<OffsetDateTime>,
    /// How it ended (a skipped slot is recorded as failed: no copy was made).
    pub outcome: Outcome,
    /// The history entry.
    pub job_id: Option<String>,
    /// The copy made.
    #[ts(as = "Option<String>")]
    pub file: Option<PathBuf>,
    /// What went wrong, in words.
    pub message: Option<String>,
}

/// What is known about a schedule's runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunState {
    /// The newest slot handled (run or recorded as skipped).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_slot: Option<OffsetDateTime>,
    /// The last run, by hand or on schedule.
    #[serde(default)]
    pub last_run: Option<RunRecord>,
    /// The last run that made a copy.
    #[serde(default)]
    pub last_success: Option<RunRecord>,
}

/// What to do now for a schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Due {
    /// The slot to run now (the newest that passed unhandled).
    pub run: Option<OffsetDateTime>,
    /// Older slots that passed unhandled: their copies were never made.
    pub skipped: Vec<OffsetDateTime>,
}

/// Why a schedule could not be made, read or changed.
#[derive(Debug, Error)]
pub enum ScheduleError {
    /// `--every` is not daily or weekly.
    #[error("“{0}” is not a schedule Lifeboat offers: use 1d (every day) or 1w (every week). Nothing was changed.")]
    BadEvery(String),
    /// A weekday for a daily schedule.
    #[error("A day of the week only applies to a weekly schedule (--every 1w). Nothing was changed.")]
    WeekdayForDaily,
    /// Not a weekday.
    #[error("“{0}” is not a day of the week. Use mon, tue, wed, thu, fri, sat or sun. Nothing was changed.")]
    BadWeekday(String),
    /// Not a time of day.
    #[error("“{0}” is not a time of day. Use 24-hour HH:MM, like 02:00 or 14:30. Nothing was changed.")]
    BadTime(String),
    /// Keep out of range.
    #[error("Keep between 1 and {MAX_KEEP} copies. Nothing was changed.")]
    BadKeep,
    /// The folder is not there.
    #[error("The folder {0} does not exist. Create it (or connect its drive) and try again. Nothing was changed.")]
    FolderMissing(PathBuf),
    /// Not a folder, or not writable.
    #[error("Lifeboat cannot write to {path} ({why}). Choose a folder you can write to. Nothing was changed.")]
    FolderUnusable {
        /// The folder.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The time zone is unknown.
    #[error("Lifeboat does not know the time zone “{0}”. Nothing was changed.")]
    UnknownTimeZone(String),
    /// A schedule of this name exists.
    #[error(
        "A schedule named “{0}” exists already. Choose another name, or remove that one first. Nothing was changed."
    )]
    NameTaken(String),
    /// No schedule of this name.
    #[error("There is no schedule named “{0}”. See them with: lifeboat schedule list")]
    NotFound(String),
    /// The file cannot be read.
    #[error("Lifeboat could not read the schedules file {path} ({source}). Nothing was changed.")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file cannot be written.
    #[error("Lifeboat could not save the schedules ({0}). Nothing was changed; check that the disk is not full.")]
    Write(#[source] io::Error),
}

impl ScheduleError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadEvery(_)
            | Self::WeekdayForDaily
            | Self::BadWeekday(_)
            | Self::BadTime(_)
            | Self::BadKeep
            | Self::UnknownTimeZone(_) => "invalid-input",
            Self::FolderMissing(_) | Self::FolderUnusable { .. } => "folder-unusable",
            Self::NameTaken(_) => "name-taken",
            Self::NotFound(_) => "not-found",
            Self::Read { .. } => "schedules-read",
            Self::Write(_) => "schedules-write",
        }
    }
}

/// The computer's time zone, as an IANA name (`UTC` when it cannot be told).
pub fn system_time_zone() -> String {
    jiff::tz::TimeZone::system().iana_name().unwrap_or("UTC").to_owned()
}

fn to_jiff(t: OffsetDateTime) -> jiff::Timestamp {
    jiff::Timestamp::from_second(t.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn from_jiff(t: jiff::Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.as_second()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Schedule {
    fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    fn slot_on(&self, date: jiff::civil::Date, tz: &jiff::tz::TimeZone) -> Option<OffsetDateTime> {
        if let Cadence::Weekly { on } = self.cadence {
            if Weekday::of(date.weekday()) != on {
                return None;
            }
        }
        let wall = date.at(self.at.hour as i8, self.at.minute as i8, 0, 0);
        // A time that does not exist on a spring-forward day moves on by the gap, as the OS schedulers do.
        wall.to_zoned(tz.clone()).ok().map(|z| from_jiff(z.timestamp()))
    }

    /// The slots after `after` up to and including `until`, oldest first (at most a few hundred).
    pub fn slots_between(&self, after: OffsetDateTime, until: OffsetDateTime) -> Vec<OffsetDateTime> {
        let tz = self.zone();
        let mut out = Vec::new();
        if until <= after {
            return out;
        }
        let Ok(mut date) = to_jiff(after).to_zoned(tz.clone()).date().yesterday() else { return out };
        let last = to_jiff(until).to_zoned(tz.clone()).date();
        while date <= last && out.len() < MAX_SLOTS {
            if let Some(slot) = self.slot_on(date, &tz).filter(|s| *s > after && *s <= until) {
                out.push(slot);
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        // Keep the newest ones if the window was huge.
        let excess = out.len().saturating_sub(MAX_SLOTS);
        out.drain(..excess);
        out
    }

    /// The first slot after `t`.
    pub fn next_after(&self, t: OffsetDateTime) -> OffsetDateTime {
        let horizon = t + time::Duration::days(9);
        self.slots_between(t, horizon).into_iter().next().unwrap_or(horizon)
    }

    /// What is due at `now`, given what was handled. Slots before the schedule existed do not count.
    pub fn due(&self, state: &RunState, now: OffsetDateTime) -> Due {
        let since = state.last_slot.map_or(self.created_at, |s| s.max(self.created_at));
        let mut slots = self.slots_between(since, now);
        let run = slots.pop();
        Due { run, skipped: slots }
    }

    /// A moment as the schedule's wall clock shows it: "Wed 2 Dec 02:00".
    pub fn wall_clock(&self, t: OffsetDateTime) -> String {
        let z = to_jiff(t).to_zoned(self.zone());
        let day = Weekday::of(z.date().weekday()).name();
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            [(z.month() as usize).clamp(1, 12) - 1];
        format!("{} {} {month} {:02}:{:02}", &day[..3], z.day(), z.hour(), z.minute())
    }

    /// "every day at 02:00" / "every Monday at 02:00", with the zone when it is not the computer's.
    pub fn describe(&self) -> String {
        let when = match self.cadence {
            Cadence::Daily => format!("every day at {}", self.at),
            Cadence::Weekly { on } => format!("every {} at {}", on.name(), self.at),
        };
        if self.time_zone == system_time_zone() {
            when
        } else {
            format!("{when} ({})", self.time_zone)
        }
    }
}

/// Checks a copies folder: it exists, is a folder, and a file can be made in it (and removed again).
pub fn check_folder(folder: &Path) -> Result<(), ScheduleError> {
    if !folder.exists() {
        return Err(ScheduleError::FolderMissing(folder.to_path_buf()));
    }
    if !folder.is_dir() {
        return Err(ScheduleError::FolderUnusable { path: folder.to_path_buf(), why: "it is not a folder".into() });
    }
    tempfile::Builder::new()
        .prefix(".lifeboat-write-check-")
        .tempfile_in(folder)
        .map(drop)
        .map_err(|e| ScheduleError::FolderUnusable { path: folder.to_path_buf(), why: e.to_string() })
}

/// A fresh schedule id (12 hex digits).
pub fn new_id() -> String {
    let bytes: [u8; 6] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A schedule's name from its instance and cadence: `production-daily`.
pub fn default_name(instance_name: &str, cadence: Cadence) -> String {
    let mut slug: String =
        instance_name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() { "instance" } else { slug };
    format!("{slug}-{}", cadence.word())
}

/// `name`, or `name-2`, `name-3`… : the first not in `taken`.
pub fn unique_name(name: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == name) {
        return name.to_owned();
    }
    (2..).map(|n| format!("{name}-{n}")).find(|n| !taken.contains(n)).unwrap_or_else(|| name.to_owned())
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchedulesFile {
    #[serde(default)]
    schedules: Vec<Schedule>,
}

fn file_path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

fn read_file(dir: &Path) -> Result<SchedulesFile, ScheduleError> {
    let path = file_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ScheduleError::Read { path, source: io::Error::new(io::ErrorKind::InvalidData, e) }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SchedulesFile::default()),
        Err(source) => Err(ScheduleError::Read { path, source }),
    }
}

fn write_file(dir: &Path, file: &SchedulesFile) -> Result<(), ScheduleError> {
    let bytes = serde_json::to_vec_pretty(file).map_err(|e| ScheduleError::Write(io::Error::other(e)))?;
    write_atomically(&file_path(dir), &bytes).map_err(ScheduleError::Write)
}

/// The schedules kept in an account's folder.
pub fn load(dir: &Path) -> Result<Vec<Schedule>, ScheduleError> {
    Ok(read_file(dir)?.schedules)
}

/// Adds a schedule to an account's folder. The caller checked that its name is free on this computer.
pub fn add(dir: &Path, schedule: &Schedule) -> Result<(), ScheduleError> {
    let _lock = FileLock::acquire(&dir.join(super::LOCK_FILE)).map_err(ScheduleError::Write)?;
    let mut file = read_file(dir)?;
    if file.schedules.iter().any(|s| s.name == schedule.name) {
        return Err(ScheduleError::NameTaken(schedule.name.clone()));
    }
    file.schedules.push(schedule.clone());
    write_file(dir, &file)
}

/// Removes a schedule (by name) from an account's folder, with its run record; the copies it made stay.
pub fn remove(dir: &Path, name: &str) -> Result<Schedule, ScheduleError> {
    let _lock = FileLock::acquire(&dir.join(super::LOCK_FILE)).map_err(ScheduleError::Write)?;
    let mut file = read_file(dir)?;
    let index = file.schedules.iter().position(|s| s.name == name).ok_or(ScheduleError::NotFound(name.into()))?;
    let removed = file.schedules.remove(index);
    write_file(dir, &file)?;
    let _ = std::fs::remove_file(state_path(dir, &removed.id));
    Ok(removed)
}

/// Sets whether the OS scheduler runs a schedule with the window closed; the schedule as it now is. The caller
/// writes the scheduler's entry afterwards ([`super::os_scheduler::sync`]).
pub fn set_unattended(dir: &Path, name: &str, unattended: bool) -> Result<Schedule, ScheduleError> {
    let _lock = FileLock::acquire(&dir.join(super::LOCK_FILE)).map_err(ScheduleError::Write)?;
    let mut file = read_file(dir)?;
    let s = file.schedules.iter_mut().find(|s| s.name == name).ok_or(ScheduleError::NotFound(name.into()))?;
    s.unattended = unattended;
    let changed = s.clone();
    write_file(dir, &file)?;
    Ok(changed)
}

fn state_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(STATE_DIR).join(format!("{id}.json"))
}

/// The lock a run of this schedule holds.
pub(crate) fn run_lock_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(STATE_DIR).join(format!("{id}.lock"))
}

/// A schedule's run record (empty when it never ran, or the record cannot be read).
pub fn run_state(dir: &Path, id: &str) -> RunState {
    std::fs::read(state_path(dir, id)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Saves a schedule's run record (the caller holds the schedule's run lock).
pub(crate) fn save_run_state(dir: &Path, id: &str, state: &RunState) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
    write_atomically(&state_path(dir, id), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn schedule(cadence: Cadence, at: &str, zone: &str) -> Schedule {
        Schedule {
            id: "s1".into(),
            name: "production-daily".into(),
            instance_id: "i1".into(),
            instance_name: "Production".into(),
            cadence,
            at: TimeOfDay::parse(at).unwrap(),
            time_zone: zone.into(),
            keep: 2,
            folder: PathBuf::from("/copies"),
            unattended: false,
            account: AccountRef {
                label: "Sandbox".into(),
                client_id: "c".into(),
                endpoints: Endpoints::default(),
                keyring_account: None,
            },
            created_at: datetime!(2026-11-01 00:00 UTC),
        }
    }

    #[test]
    fn cadences_times_and_weekdays_are_read_from_plain_text() {
        assert_eq!(Cadence::parse("1d", None).unwrap(), Cadence::Daily);
        assert_eq!(Cadence::parse("weekly", None).unwrap(), Cadence::Weekly { on: Weekday::Monday });
        assert_eq!(
            Cadence::parse("1w", Some(Weekday::parse("fri").unwrap())).unwrap(),
            Cadence::Weekly { on: Weekday::Friday }
        );
        assert!(matches!(Cadence::parse("1h", None), Err(ScheduleError::BadEvery(_))));
        assert!(matches!(Cadence::parse("1d", Some(Weekday::Friday)), Err(ScheduleError::WeekdayForDaily)));
        assert_eq!(TimeOfDay::parse("2:05").unwrap().to_string(), "02:05");
        for bad in ["24:00", "12:60", "noon", "12:5", "1230"] {
            assert!(TimeOfDay::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Weekday::parse("Sunday").unwrap(), Weekday::Sunday);
        assert_eq!(Weekday::parse("7").unwrap(), Weekday::Sunday);
        assert!(Weekday::parse("mo").is_err(), "two letters are ambiguous enough to refuse");
    }

    #[test]
    fn daily_slots_follow_the_wall_clock_of_their_zone_across_daylight_saving() {
        let s = schedule(Cadence::Daily, "02:30", "Europe/Berlin");
        // Berlin leaves summer time on 25 Oct 2026: 02:30 is 00:30 UTC before and 01:30 UTC after.
        let slots = s.slots_between(datetime!(2026-10-23 12:00 UTC), datetime!(2026-10-27 12:00 UTC));
        assert_eq!(
            slots,
            [
                datetime!(2026-10-24 00:30 UTC),
                datetime!(2026-10-25 00:30 UTC),
                datetime!(2026-10-26 01:30 UTC),
                datetime!(2026-10-27 01:30 UTC)
            ]
        );
        // 29 Mar 2026 has no 02:30 in Berlin: the run moves on by the gap, to 03:30 summer time (01:30 UTC).
        let spring = s.slots_between(datetime!(2026-03-28 12:00 UTC), datetime!(2026-03-29 12:00 UTC));
        assert_eq!(spring, [datetime!(2026-03-29 01:30 UTC)]);
    }

    #[test]
    fn weekly_slots_fall_on_their_day() {
        let s = schedule(Cadence::Weekly { on: Weekday::Friday }, "23:15", "UTC");
        let slots = s.slots_between(datetime!(2026-11-01 00:00 UTC), datetime!(2026-11-30 00:00 UTC));
        assert_eq!(slots.len(), 4);
        assert!(slots.iter().all(|t| t.weekday() == time::Weekday::Friday && t.hour() == 23 && t.minute() == 15));
        assert_eq!(s.next_after(datetime!(2026-11-27 23:15 UTC)), datetime!(2026-12-04 23:15 UTC));
        assert_eq!(
            s.describe(),
            if system_time_zone() == "UTC" {
                "every Friday at 23:15".to_owned()
            } else {
                "every Friday at 23:15 (UTC)".to_owned()
            }
        );
    }

    #[test]
    fn the_newest_missed_slot_runs_and_older_ones_are_skipped() {
        let s = schedule(Cadence::Daily, "02:00", "UTC");
        let never = RunState::default();
        // Made on 1 Nov at midnight; looked at for the first time on 4 Nov at 09:00: four slots passed.
        let due = s.due(&never, datetime!(2026-11-04 09:00 UTC));
        assert_eq!(due.run, Some(datetime!(2026-11-04 02:00 UTC)));
        assert_eq!(
            due.skipped,
            [datetime!(2026-11-01 02:00 UTC), datetime!(2026-11-02 02:00 UTC), datetime!(2026-11-03 02:00 UTC)]
        );
        // Made at midnight: that day's 02:00 is the first slot, not a missed one.
        let due = s.due(&never, datetime!(2026-11-01 03:00 UTC));
        assert_eq!((due.run, due.skipped.len()), (Some(datetime!(2026-11-01 02:00 UTC)), 0));
        let handled = RunState { last_slot: Some(datetime!(2026-11-04 02:00 UTC)), ..Default::default() };
        assert_eq!(s.due(&handled, datetime!(2026-11-04 23:59 UTC)), Due::default(), "nothing until the next slot");
        assert_eq!(s.due(&handled, datetime!(2026-11-05 02:00 UTC)).run, Some(datetime!(2026-11-05 02:00 UTC)));
    }

    #[test]
    fn names_come_from_the_instance_and_stay_unique() {
        assert_eq!(default_name("Production (EU)", Cadence::Daily), "production-eu-daily");
        assert_eq!(default_name("!!!", Cadence::Weekly { on: Weekday::Monday }), "instance-weekly");
        let taken = vec!["production-daily".to_owned(), "production-daily-2".to_owned()];
        assert_eq!(unique_name("production-daily", &taken), "production-daily-3");
        assert_eq!(unique_name("staging-daily", &taken), "staging-daily");
    }

    #[test]
    fn schedules_are_kept_in_the_account_folder_and_removed_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let s = schedule(Cadence::Daily, "02:00", "UTC");
        add(dir.path(), &s).unwrap();
        assert!(matches!(add(dir.path(), &s), Err(ScheduleError::NameTaken(_))));
        assert_eq!(load(dir.path()).unwrap(), std::slice::from_ref(&s));
        let state = RunState { last_slot: Some(datetime!(2026-11-02 02:00 UTC)), ..Default::default() };
        save_run_state(dir.path(), &s.id, &state).unwrap();
        assert_eq!(run_state(dir.path(), &s.id), state);
        assert!(matches!(remove(dir.path(), "nope"), Err(ScheduleError::NotFound(_))));
        assert_eq!(remove(dir.path(), &s.name).unwrap().id, "s1");
        assert!(load(dir.path()).unwrap().is_empty());
        assert_eq!(run_state(dir.path(), &s.id), RunState::default(), "its run record went with it");
    }

    #[test]
    fn a_missing_or_read_only_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_folder(dir.path()).is_ok());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "the write check leaves nothing behind");
        assert!(matches!(check_folder(&dir.path().join("gone")), Err(ScheduleError::FolderMissing(_))));
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(check_folder(&file), Err(ScheduleError::FolderUnusable { .. })));
    }
}
