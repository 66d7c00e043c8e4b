//! How Lifeboat says a time, a duration, a count and a size: one wording for the window, the command line, the
//! reports and the error messages.
//!
//! - **Times** are said in UTC wherever a text may be read elsewhere (a report, a log, a terminal on a server):
//!   [`utc_label`] "21 Nov 2026 15:12 UTC" for sentences, [`utc_minute`] "2026-11-21 15:12" for table cells under a
//!   "(UTC)" heading, [`utc_rfc3339`] for machines, [`utc_file_stamp`] "2026-11-21T1512Z" inside file names. (The
//!   window also says local times; those are the UI's, in `ui/src/lib/time.ts`.)
//! - **Durations**: [`span`] at minute precision for what a restore loses or how old a snapshot is
//!   ("4 h 12 min", "2 days 3 h"); [`elapsed`] to the second while short, for how long something took
//!   ("3 min 25 s").
//! - **Counts**: [`grouped`] "1,234,567".
//! - **Sizes**: [`size`] in **binary units, labelled as such** — KiB, MiB, GiB, TiB (1 GiB = 1024³ bytes). Aura's
//!   storage and memory figures ("16GB") are binary, so a file that "needs 15.2 GiB" and an instance with "16 GiB"
//!   compare at a glance; [`parse_size`] reads Aura's figures.
//!
//! The UI mirrors [`span`], [`elapsed`], [`grouped`], [`size`] and [`utc_label`] (`ui/src/lib/time.ts`,
//! `files.ts`, `format.ts`); `ui/src/lib/words.fixture.json`, written and checked by this module's tests and read
//! by the UI's, keeps the two in step.

use std::time::Duration;

use time::{Date, OffsetDateTime, UtcOffset};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

/// "21 Nov 2026 15:12 UTC": a moment in a sentence.
pub fn utc_label(t: OffsetDateTime) -> String {
    let t = utc(t);
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    format!("{} {month} {} {:02}:{:02} UTC", t.day(), t.year(), t.hour(), t.minute())
}

/// "2026-11-21 15:12": a moment in a table whose heading says UTC (sorts as text).
pub fn utc_minute(t: OffsetDateTime) -> String {
    let t = utc(t);
    format!("{} {:02}:{:02}", utc_date(t.date()), t.hour(), t.minute())
}

/// "2026-11-21": a UTC day.
pub fn utc_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// "2026-11-21T15:12:00Z": RFC 3339 in UTC, for machines (CSV, JSON).
pub fn utc_rfc3339(t: OffsetDateTime) -> String {
    let t = utc(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| utc_minute(t))
}

/// "2026-11-21T1512Z": a moment inside a file name (no colon, which some systems refuse).
pub fn utc_file_stamp(t: OffsetDateTime) -> String {
    let t = utc(t);
    format!("{}T{:02}{:02}Z", utc_date(t.date()), t.hour(), t.minute())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A span at minute precision: "less than a minute", "12 min", "4 h", "4 h 12 min", "1 day", "2 days 3 h".
pub fn span(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    let (days, hours, minutes) = (mins / (24 * 60), (mins / 60) % 24, mins % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "less than a minute".into(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => plural(d, "day", "days"),
        (d, h, _) => format!("{} {h} h", plural(d, "day", "days")),
    }
}

/// How long something took, to the second while short: "less than a second", "45 s", "3 min", "3 min 25 s";
/// from an hour on as [`span`] says it: "1 h 5 min", "2 days 3 h".
pub fn elapsed(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, 0) => "less than a second".into(),
        (0, s) => format!("{s} s"),
        (m, 0) if m < 60 => format!("{m} min"),
        (m, s) if m < 60 => format!("{m} min {s} s"),
        _ => span(Duration::from_secs(secs)),
    }
}

/// "1,234,567".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/// A size in binary units, labelled as such: "1 byte", "512 bytes", "4.0 MiB", "537 MiB", "17 GiB". One decimal
/// below 10, none from 10 up (rounded first: 9.96 GiB reads "10 GiB", 1023.6 MiB reads "1.0 GiB").
pub fn size(bytes: u64) -> String {
    if bytes < 1024 {
        return if bytes == 1 { "1 byte".into() } else { format!("{bytes} bytes") };
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let mut text = if value < 9.95 { format!("{value:.1}") } else { format!("{value:.0}") };
    if text.parse::<f64>().unwrap_or(0.0) >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
        text = format!("{value:.1}");
    }
    format!("{text} {}", UNITS[unit])
}

/// A transfer rate: "48 MiB/s".
pub fn rate(bytes_per_sec: u64) -> String {
    format!("{}/s", size(bytes_per_sec))
}

/// Reads a size as Aura writes storage and memory ("16GB", also "4 GiB", "512MB", "2TB", "8G"), in binary units as
/// Aura means them; `None` when unreadable.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return None,
    };
    (number.is_finite() && number >= 0.0).then(|| (number * (1u64 << shift) as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_said_in_utc_whatever_the_offset() {
        let t = datetime!(2026-11-21 16:12:09 +01:00);
        assert_eq!(utc_label(t), "21 Nov 2026 15:12 UTC");
        assert_eq!(utc_minute(t), "2026-11-21 15:12");
        assert_eq!(utc_rfc3339(t), "2026-11-21T15:12:09Z");
        assert_eq!(utc_file_stamp(t), "2026-11-21T1512Z");
        assert_eq!(utc_label(datetime!(2026-09-03 04:05 UTC)), "3 Sep 2026 04:05 UTC");
    }

    #[test]
    fn spans_and_elapsed_times_read_naturally() {
        let m = |mins: u64| Duration::from_secs(mins * 60);
        assert_eq!(span(Duration::from_secs(59)), "less than a minute");
        assert_eq!(span(m(4 * 60 + 12)), "4 h 12 min");
        assert_eq!(span(m(24 * 60)), "1 day");
        assert_eq!(span(m(51 * 60)), "2 days 3 h");
        assert_eq!(elapsed(0), "less than a second");
        assert_eq!(elapsed(45), "45 s");
        assert_eq!(elapsed(120), "2 min");
        assert_eq!(elapsed(205), "3 min 25 s");
        assert_eq!(elapsed(3600), "1 h");
        assert_eq!(elapsed(3900), "1 h 5 min");
        assert_eq!(elapsed(25 * 3600), "1 day 1 h");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn sizes_are_binary_and_say_so() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(1023), "1023 bytes");
        assert_eq!(size(1024), "1.0 KiB");
        assert_eq!(size(4 << 20), "4.0 MiB");
        assert_eq!(size(537 << 20), "537 MiB");
        assert_eq!(size(512 << 20), "512 MiB");
        assert_eq!(size((1 << 30) - (1 << 19)), "1.0 GiB", "1023.5 MiB rounds up into the next unit");
        assert_eq!(size(2_469_606_195), "2.3 GiB");
        assert_eq!(rate(48 << 20), "48 MiB/s");
    }

    #[test]
    fn aura_sizes_are_read_in_binary_units() {
        assert_eq!(parse_size("16GB"), Some(16 << 30));
        assert_eq!(parse_size("4 GiB"), Some(4 << 30));
        assert_eq!(parse_size("512MB"), Some(512 << 20));
        assert_eq!(parse_size("1.5G"), Some(3 << 29));
        assert_eq!(parse_size("2TB"), Some(2 << 40));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("8 parsecs"), None);
    }

    /// The UI's formatting functions are tested against this file, so both sides say the same words. It is
    /// written when `LIFEBOAT_WRITE_FIXTURES=1`; otherwise a difference fails here, with how to update it.
    #[test]
    fn the_ui_fixture_is_what_the_engine_says() {
        let sizes: Vec<u64> = vec![
            0,
            1,
            512,
            1023,
            1024,
            1536,
            10_239,
            10_240,
            (1 << 20) - 1,
            4 << 20,
            (537 << 20) + 12_345,
            (1 << 30) - (1 << 19),
            2_469_606_195,
            16 << 30,
            (1 << 40) * 3 / 2,
        ];
        let spans: Vec<u64> = vec![0, 59, 60, 61, 720, 3600, 4 * 3600 + 12 * 60, 86_400, 90_000, 2 * 86_400 + 3 * 3600];
        let elapsed_secs: Vec<u64> = vec![0, 1, 45, 59, 60, 120, 205, 3599, 3600, 3900, 25 * 3600];
        let counts: Vec<u64> = vec![0, 7, 999, 1_000, 12_345, 1_234_567, 9_876_543_210];
        let moments = [
            datetime!(2026-11-21 15:12:09 UTC),
            datetime!(2026-09-03 04:05 UTC),
            datetime!(2025-01-01 00:00 UTC),
            datetime!(2026-05-31 23:59:59 -02:00),
        ];
        let pairs = |xs: &[u64], f: &dyn Fn(u64) -> String| -> serde_json::Value {
            xs.iter().map(|&x| serde_json::json!([x, f(x)])).collect()
        };
        let fixture = serde_json::json!({
            "about": "Written by crates/lifeboat-basics/src/words.rs (LIFEBOAT_WRITE_FIXTURES=1 cargo test -p lifeboat-basics); read by ui/src/lib/words.test.ts.",
            "size": pairs(&sizes, &size),
            "span": pairs(&spans, &|s| span(Duration::from_secs(s))),
            "elapsed": pairs(&elapsed_secs, &elapsed),
            "grouped": pairs(&counts, &grouped),
            "utcLabel": moments.iter().map(|t| serde_json::json!([utc_rfc3339(*t), utc_label(*t)])).collect::<Vec<_>>(),
        });
        let text = format!("{}\n", serde_json::to_string_pretty(&fixture).unwrap());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/words.fixture.json");
        if std::env::var("LIFEBOAT_WRITE_FIXTURES").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &text).unwrap();
        }
        // Compared as JSON, so the UI's formatter may lay the file out as it likes.
        let on_disk: Option<serde_json::Value> =
            std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
        assert!(
            on_disk.as_ref() == Some(&fixture),
            "{} is not what the engine says now. Run `LIFEBOAT_WRITE_FIXTURES=1 cargo test -p lifeboat-basics` \
             and make the UI's tests pass with it.",
            path.display()
        );
    }
}
