//! What restoring from a backup file costs, in words: what the instance holds now, how old the file's data is, and
//! what is lost — the same three sentences on the file card, in the confirmation dialog and on the command line,
//! computed here so they never disagree. (A snapshot restore's cost is [`crate::snapshots::data_loss_sentence`].)
//!
//! A backup (`.backup`) records when it was made; a dump (`.dump`) and an AuraDS archive record no date, so the age
//! of their data is "unknown" rather than guessed from the file's modification time, which changes with every copy.
//! The screen shows the backup's time itself next to these sentences, in local time; reports say it in UTC.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::snapshots::{data_loss, human_duration};
use crate::verify::GraphCounts;
use crate::words::grouped;

/// The cost of restoring an instance from a backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileRestoreCost {
    /// What the instance holds now, when it could be counted.
    pub counts_now: Option<GraphCounts>,
    /// When the file's data is from (the backup's time); `None` when the file carries no date.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub data_time: Option<OffsetDateTime>,
    /// How old the file's data is, in seconds, when known.
    pub data_age_secs: Option<u64>,
    /// "Staging holds 50,212 nodes and 80,100 relationships now."
    pub holds_now: String,
    /// "The file's data is from a backup made 2 years 6 months ago." / "… unknown: …"
    pub data_age: String,
    /// "Restoring it loses everything written to Staging in the last 2 years 6 months, and …"
    pub loss: String,
}

/// An RFC 3339 time as the window sends it back (the inspection's `backupTime`).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// How old something is, coarsely once it is old: "4 h 12 min", "12 days", "5 months", "2 years 6 months".
pub fn age_words(d: Duration) -> String {
    const DAY: u64 = 24 * 3600;
    let secs = d.as_secs();
    let days = secs / DAY;
    // Months of a 365-day year, so that twelve of them make one.
    let months = |days: u64| (days as f64 / (365.0 / 12.0)).floor() as u64;
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if days < 2 {
        human_duration(d)
    } else if days < 60 {
        plural(days, "day", "days")
    } else if days < 365 {
        plural(months(days), "month", "months")
    } else {
        let (years, rest) = (days / 365, months(days % 365));
        match rest {
            0 => plural(years, "year", "years"),
            m => format!("{} {}", plural(years, "year", "years"), plural(m, "month", "months")),
        }
    }
}

/// The cost of overwriting `instance_name` with a file whose data is from `data_time` (`None`: unknown), given what
/// the instance holds now (or why it could not be counted).
pub fn file_restore_cost(
    instance_name: &str,
    counts_now: Result<GraphCounts, String>,
    data_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> FileRestoreCost {
    let name = instance_name;
    let holds_now = match &counts_now {
        Ok(c) => format!(
            "{name} holds {} {} and {} {} now.",
            grouped(c.nodes),
            if c.nodes == 1 { "node" } else { "nodes" },
            grouped(c.relationships),
            if c.relationships == 1 { "relationship" } else { "relationships" }
        ),
        Err(why) => format!("Lifeboat could not count what {name} holds now: {why}"),
    };
    let age = data_time.map(|t| data_loss(now, t));
    let data_age = match age {
        Some(a) => format!("The file's data is from a backup made {} ago.", age_words(a)),
        None => "How old the file's data is is unknown: this kind of file carries no date.".into(),
    };
    let loss = match age {
        Some(a) => format!(
            "Restoring it loses everything written to {name} in the last {}, and everything now in {name} that the file does not have.",
            age_words(a)
        ),
        None => format!("Restoring it loses everything now in {name} that the file does not have, however recent."),
    };
    FileRestoreCost {
        counts_now: counts_now.ok(),
        data_time,
        data_age_secs: age.map(|a| a.as_secs()),
        holds_now,
        data_age,
        loss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ages_read_coarsely_once_they_are_old() {
        let day = 24 * 3600;
        assert_eq!(age_words(Duration::from_secs(4 * 3600 + 12 * 60)), "4 h 12 min");
        assert_eq!(age_words(Duration::from_secs(12 * day)), "12 days");
        assert_eq!(age_words(Duration::from_secs(150 * day)), "4 months");
        assert_eq!(age_words(Duration::from_secs(365 * day)), "1 year");
        assert_eq!(age_words(Duration::from_secs(913 * day)), "2 years 6 months");
    }

    #[test]
    fn a_dated_backup_says_what_the_instance_holds_how_old_the_data_is_and_what_is_lost() {
        let now = datetime!(2026-12-01 17:17 UTC);
        let cost = file_restore_cost(
            "Staging",
            Ok(GraphCounts { nodes: 50_212, relationships: 80_100 }),
            Some(datetime!(2024-06-01 00:00 UTC)),
            now,
        );
        assert_eq!(cost.holds_now, "Staging holds 50,212 nodes and 80,100 relationships now.");
        assert_eq!(cost.data_age, "The file's data is from a backup made 2 years 6 months ago.");
        assert!(cost.loss.contains("everything written to Staging in the last 2 years 6 months"), "{}", cost.loss);
        assert!(cost.loss.contains("that the file does not have"), "{}", cost.loss);
        assert_eq!(cost.data_age_secs, Some((now - datetime!(2024-06-01 00:00 UTC)).whole_seconds() as u64));
    }

    #[test]
    fn a_dump_has_no_date_so_its_age_is_unknown() {
        let cost =
            file_restore_cost("Staging", Err("its database does not answer.".into()), None, OffsetDateTime::now_utc());
        assert!(cost.data_age.contains("unknown"), "{}", cost.data_age);
        assert_eq!(cost.data_age_secs, None);
        assert!(cost.holds_now.starts_with("Lifeboat could not count what Staging holds now"));
        assert!(cost.loss.contains("however recent"));
    }
}
