//! Tests of [`super`] (report).
use super::super::tests::entry;
use super::*;
use crate::jobs::JobError;
use time::macros::{date, datetime};

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, line breaks inside quotes) to check what we write.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_quotes_commas_quotes_and_line_breaks_in_reasons() {
    let mut tricky = entry("j1", JobKind::Restore, Outcome::Succeeded);
    tricky.reason = Some("Bad migration, \"v2\" script\nrolled back".into());
    tricky.instance_name = "Prod, EU".into();
    let mut formula = entry("j2", JobKind::Restore, Outcome::Failed);
    formula.reason = Some("=HYPERLINK(\"http://evil\")".into());
    formula.error = Some(JobError { code: "busy".into(), message: "Aura is busy.".into(), retryable: true });
    let text = to_csv(&[tricky, formula]);
    assert!(text.contains("\"Bad migration, \"\"v2\"\" script\nrolled back\""), "{text}");
    assert!(text.ends_with("\r\n"));
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 3, "header + 2 rows, the line break stays inside its field");
    assert_eq!(rows[0], CSV_HEADER);
    let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
    assert_eq!(rows[1][col("reason")], "Bad migration, \"v2\" script\nrolled back");
    assert_eq!(rows[1][col("instance_name")], "Prod, EU");
    assert_eq!(rows[1][col("started_at_utc")], "2026-11-21T15:12:00Z");
    assert_eq!(rows[1][col("data_loss_secs")], "15120");
    assert_eq!(rows[1][col("duration_secs")], "205");
    assert_eq!(rows[1][col("nodes_before")], "1200");
    assert_eq!(rows[1][col("relationships_after")], "3500");
    assert_eq!(rows[1][col("request_ids")], "req-safety req-restore");
    assert_eq!(rows[2][col("reason")], "'=HYPERLINK(\"http://evil\")", "no formula runs in a spreadsheet");
    assert_eq!(rows[2][col("outcome")], "failed");
    assert_eq!(rows[2][col("error_message")], "Aura is busy.");
    assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
}

#[test]
fn markdown_is_one_row_per_entry_with_cells_kept_whole() {
    let mut e = entry("j1", JobKind::Restore, Outcome::Succeeded);
    e.reason = Some("Rollback | bad\nmigration".into());
    let mut drill = entry("j2", JobKind::Drill, Outcome::Succeeded);
    drill.overwritten = None;
    drill.duration_secs = Some(42);
    let text = to_markdown(&[e, drill]);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| 2026")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(
            rows[0],
            "| 2026-11-21 15:12 | Restore: Restore Production to the snapshot of 21 Nov 2026 11:00 UTC | Production | Rollback \\| bad migration | 4 h 12 min | 3 min 25 s | Succeeded |"
        );
    assert!(rows[1].contains("| Restore test: ") && rows[1].contains("| None | 42 s | Succeeded |"), "{}", rows[1]);
    assert!(text.contains("| When (UTC) | What | Instance | Reason | Data lost | Duration | Outcome |"));
    assert!(text.contains("2 operations"));
}

#[test]
fn the_restore_report_says_what_was_lost_how_long_it_took_and_what_was_counted() {
    let r = report(&entry("20261121T151200-ab12", JobKind::Restore, Outcome::Succeeded));
    assert!(r.starts_with("# Restore report: Production\n"), "{r}");
    assert!(
        r.contains("Succeeded. Production is running again with the data of its snapshot from 21 Nov 2026 11:00 UTC.")
    );
    assert!(r.contains("| Reason | Bad migration |"));
    assert!(r.contains(
            "| Data lost | All changes made to Production in the 4 h 12 min before the restore (after 21 Nov 2026 11:00 UTC) were lost. |"
        ));
    assert!(r.contains(
        "| Measured restore time | 3 min 25 s (from the restore request until Production was running again). |"
    ));
    assert!(r.contains("| Before | 1,200 | 3,400 |"));
    assert!(r.contains("| After | 1,000 | 3,500 |"));
    assert!(r.contains("| Change | 200 fewer | 100 more |"));
    assert!(r.contains("`req-safety`, `req-restore`"));
    assert!(r.contains("`s-safety`, taken just before"));
    assert!(r.contains("`20261121T151200-ab12`"));
}

#[test]
fn counts_the_database_did_not_give_are_not_known_never_a_number() {
    let mut e = entry("j1", JobKind::Upload, Outcome::Succeeded);
    e.counts_after = None;
    e.counts_after_unknown = true;
    let r = report(&e);
    assert!(r.contains("| After | not known | not known |"), "{r}");
    assert!(r.contains("did not say how many nodes and relationships it holds"), "{r}");
    e.counts_before = None;
    e.counts_before_unknown = true;
    let r = report(&e);
    assert!(r.contains("| Before | not known | not known |"), "{r}");
    assert!(!r.contains("| Change |"), "{r}");
}

#[test]
fn a_failed_restore_that_changed_nothing_says_so() {
    let mut e = entry("j1", JobKind::Restore, Outcome::Failed);
    e.overwritten = Some(false);
    e.duration_secs = None;
    e.counts_after = None;
    e.error = Some(JobError {
        code: "snapshot-failed".into(),
        message: "The safety snapshot failed.".into(),
        retryable: true,
    });
    let r = report(&e);
    assert!(r.contains("Failed. The safety snapshot failed. Nothing in Production was changed."), "{r}");
    assert!(r.contains("| Data lost | None. The restore stopped before anything in Production was replaced. |"));
    assert!(r.contains("code `snapshot-failed`"));
    assert!(to_markdown(&[e.clone()]).contains("| None |"));
    assert!(messages(&e).after.contains("Nothing in Production was changed"));
}

#[test]
fn the_messages_say_when_how_long_the_impact_and_the_last_data_point() {
    let m = messages(&entry("j1", JobKind::Restore, Outcome::Succeeded));
    assert!(m.before.starts_with("Subject: Planned restore of Production on 21 Nov 2026 15:12 UTC\n"), "{}", m.before);
    assert!(m.before.contains("When: starting 21 Nov 2026 15:12 UTC."));
    assert!(m.before.contains("Expected duration: about 3 min 25 s."));
    assert!(m.before.contains("Impact: Production is unavailable during the restore"));
    assert!(m.before.contains("the last 4 h 12 min) will be lost. The last data point kept is 21 Nov 2026 11:00 UTC."));
    assert!(m.before.contains("Reason: Bad migration."));
    assert!(m.before.contains("Safety net:"));
    assert!(m.after.contains("finished at 21 Nov 2026 15:20 UTC, and Production is running again"), "{}", m.after);
    assert!(m.after.contains("its data as of 21 Nov 2026 11:00 UTC (the last data point)"));
    assert!(m.after.contains("Time it took: 3 min 25 s"));
    assert!(m.after.contains(
        "holds 1,000 nodes and 3,500 relationships (before the restore: 1,200 nodes and 3,400 relationships)"
    ));

    let mut drill = entry("j2", JobKind::Drill, Outcome::Succeeded);
    drill.duration_secs = Some(95);
    let d = messages(&drill);
    assert!(d.before.contains("Impact: none."), "{}", d.before);
    assert!(d.after.contains("a restore takes about 1 min 35 s"), "{}", d.after);
}

#[test]
fn file_names_are_dated_and_safe() {
    assert_eq!(history_file_name(ExportFormat::Csv, date!(2026 - 03 - 04)), "lifeboat-history-2026-03-04.csv");
    assert_eq!(history_file_name(ExportFormat::Markdown, date!(2026 - 03 - 04)), "lifeboat-history-2026-03-04.md");
    let mut e = entry("j1", JobKind::Restore, Outcome::Succeeded);
    e.instance_name = "Prod / EU: main".into();
    e.started_at = datetime!(2026-11-21 16:12 +01:00);
    assert_eq!(report_file_name(&e), "Prod-EU-main_2026-11-21T1512Z_restore-report.md");
}

#[test]
fn a_snapshot_export_says_where_the_verified_copy_is_and_that_nothing_changed() {
    let mut e = entry("20261121T151200-ee01", JobKind::SnapshotExport, Outcome::Succeeded);
    (e.overwritten, e.safety_snapshot_id, e.data_loss_secs, e.reason) = (None, None, None, None);
    (e.counts_before, e.counts_after, e.duration_secs) = (None, None, None);
    e.title = "Export Production’s snapshot of 21 Nov 2026 11:00 UTC to a file".into();
    e.file_name = Some("Production_2026-11-21T1100Z.backup".into());
    e.saved_path = Some("/home/ada/Backups/Production_2026-11-21T1100Z.backup".into());
    (e.saved_bytes, e.saved_crc32) = (Some(4_194_794), Some("9b23a731".into()));
    let r = report(&e);
    assert!(r.starts_with("# Snapshot export report: Production\n"), "{r}");
    assert!(r.contains(
            "Succeeded. The snapshot of 21 Nov 2026 11:00 UTC is saved as /home/ada/Backups/Production_2026-11-21T1100Z.backup (4,194,794 bytes, CRC-32 9b23a731, the same as the download). Production was not changed."
        ), "{r}");
    assert!(r.contains("| Saved as | /home/ada/Backups/Production_2026-11-21T1100Z.backup |"));
    assert!(r.contains("| Size and CRC-32 | 4,194,794 bytes, CRC-32 9b23a731 |"));
    assert!(r.contains("read back and compared with the download"));
    assert!(!r.contains("Data lost"), "an export loses nothing, so the report does not talk about it");
    assert_eq!(report_file_name(&e), "Production_2026-11-21T1512Z_snapshot-export-report.md");
    assert!(messages(&e)
        .before
        .contains("keep a copy of the snapshot of Production from 21 Nov 2026 11:00 UTC as a file"));

    let rows = parse_csv(&to_csv(&[e]));
    let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
    assert_eq!(rows[1][col("kind")], "snapshot-export");
    assert_eq!(rows[1][col("saved_path")], "/home/ada/Backups/Production_2026-11-21T1100Z.backup");
    assert_eq!((rows[1][col("saved_bytes")].as_str(), rows[1][col("saved_crc32")].as_str()), ("4194794", "9b23a731"));
    assert_eq!(rows[1][col("data_lost")], "None");
}

#[test]
fn measured_times_read_naturally() {
    assert_eq!(measured(0), "less than a second");
    assert_eq!(measured(45), "45 s");
    assert_eq!(measured(120), "2 min");
    assert_eq!(measured(205), "3 min 25 s");
    assert_eq!(measured(3600), "1 h");
    assert_eq!(measured(3900), "1 h 5 min");
    assert_eq!(count(1_234_567), "1,234,567");
    assert_eq!(count(12), "12");
}
