//! The history in words: a Markdown table and a CSV file for the whole history (or a filtered part), the restore
//! report of one operation, and two messages to send colleagues (before and after a restore), ready to copy.
//!
//! Everything here is pure (entries in, text out) and in UTC, so the window, the CLI and a saved file say the same
//! thing wherever they are read. Wording is for a stressed non-expert: what happened, what was lost, in plain words.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};
use ts_rs::TS;

use super::HistoryEntry;
use crate::cost::age_words;
use crate::jobs::{JobKind, Outcome};
use crate::snapshots::human_duration;
use crate::verify::GraphCounts;
// The shared wording, under the names this module has always used.
use crate::words::{
    elapsed as measured, grouped as count, utc_label as when, utc_minute as short_when, utc_rfc3339 as iso,
};

/// The two file formats the history can be saved as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// A Markdown table (for a ticket, a wiki page or an e-mail).
    Markdown,
    /// Comma-separated values (RFC 4180, for a spreadsheet).
    Csv,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Csv => "csv",
        }
    }

    /// The name proposed for a history saved today (UTC date): see [`history_file_name`].
    pub fn file_name_today(self) -> String {
        history_file_name(self, OffsetDateTime::now_utc().date())
    }

    /// The file's text.
    pub fn render(self, entries: &[HistoryEntry]) -> String {
        match self {
            Self::Markdown => to_markdown(entries),
            Self::Csv => to_csv(entries),
        }
    }
}

/// A message to colleagues before a restore and one after it, ready to copy into an e-mail or chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Messages {
    /// Announces the restore: when, how long, the impact, what will be lost.
    pub before: String,
    /// Says how it went: running again, how long it took, the last data point, what was checked.
    pub after: String,
}

fn counts_words(c: GraphCounts) -> String {
    format!("{} nodes and {} relationships", count(c.nodes), count(c.relationships))
}

fn change(before: u64, after: u64) -> String {
    match after.cmp(&before) {
        std::cmp::Ordering::Equal => "same as before".into(),
        std::cmp::Ordering::Less => format!("{} fewer", count(before - after)),
        std::cmp::Ordering::Greater => format!("{} more", count(after - before)),
    }
}

/// What the kind of operation is called in the history.
fn kind_label(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Snapshot => "Snapshot",
        JobKind::Restore => "Restore",
        JobKind::Clone => "New instance from a snapshot",
        JobKind::Upload => "Restore from a file",
        JobKind::Drill => "Restore test",
        JobKind::SnapshotExport => "Snapshot export",
        JobKind::GraphExport => "Data export",
        JobKind::GraphImport => "Data import",
        JobKind::ScheduledCopy => "Scheduled copy",
        JobKind::Objectives => "Objectives",
    }
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Succeeded => "Succeeded",
        Outcome::Failed => "Failed",
    }
}

/// The time that best answers "how long did it take?": the measured operation, else start to end.
fn took(e: &HistoryEntry) -> u64 {
    e.duration_secs.unwrap_or(e.total_secs)
}

fn is_overwrite(e: &HistoryEntry) -> bool {
    matches!(e.kind, JobKind::Restore | JobKind::Upload | JobKind::GraphImport)
}

/// Data lost, short, for a table cell.
fn data_lost_short(e: &HistoryEntry) -> String {
    if !is_overwrite(e) || e.overwritten == Some(false) {
        return "None".into();
    }
    match (e.kind, e.data_loss_secs) {
        (JobKind::Restore, Some(secs)) => human_duration(Duration::from_secs(secs)),
        (JobKind::Upload, Some(secs)) => format!("{} (since the backup)", age_words(Duration::from_secs(secs))),
        (JobKind::Upload, None) => "Unknown: the file carries no date".into(),
        (JobKind::GraphImport, _) => "Replaced by the data export".into(),
        _ => "Not known".into(),
    }
}

/// Data lost, as a sentence for the report.
fn data_lost_sentence(e: &HistoryEntry) -> String {
    let name = &e.instance_name;
    if !is_overwrite(e) {
        return format!("None. {name} was not changed.");
    }
    if e.overwritten == Some(false) {
        return format!("None. The restore stopped before anything in {name} was replaced.");
    }
    match (e.kind, e.data_loss_secs, e.snapshot_time) {
        (JobKind::Restore, Some(secs), Some(t)) => format!(
            "All changes made to {name} in the {} before the restore (after {}) were lost.",
            human_duration(Duration::from_secs(secs)),
            when(t)
        ),
        (JobKind::Upload, _, _) => {
            let file = e.file_name.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
            let held = e
                .counts_before
                .map(|c| format!(" (before the restore it held {})", counts_words(c)))
                .unwrap_or_default();
            match (e.backup_time, e.data_loss_secs) {
                (Some(t), Some(secs)) => format!(
                    "Everything in {name} was replaced by the contents of the file{file}, a backup made {}. Everything written to {name} in the {} before the restore was lost, and so was everything in {name} that the file did not have{held}.",
                    when(t),
                    age_words(Duration::from_secs(secs))
                ),
                _ => format!(
                    "Everything in {name} was replaced by the contents of the file{file}, and everything in {name} that the file did not have was lost{held}. The file carries no date, so how old its data was is unknown."
                ),
            }
        }
        (JobKind::GraphImport, _, _) => format!(
            "Every node and relationship in {name} was replaced by those of the data export{}. Changes made after that export were lost.",
            e.file_name.as_deref().map(|f| format!(" {f}")).unwrap_or_default()
        ),
        _ => "Not known: Lifeboat did not record the snapshot's time.".into(),
    }
}

/// A Markdown table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    let one_line: String = text.split(['\r', '\n']).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ");
    one_line.replace('\\', "\\\\").replace('|', "\\|")
}

/// The history as a Markdown table, in the order given: when (UTC), what, instance, reason, data lost, duration,
/// outcome.
pub fn to_markdown(entries: &[HistoryEntry]) -> String {
    let mut out = String::from("# Lifeboat operation history\n\n");
    out.push_str(&format!(
        "{} {}, newest first. Times are UTC. Duration is the measured time of the operation itself where Lifeboat measured it.\n\n",
        entries.len(),
        if entries.len() == 1 { "operation" } else { "operations" }
    ));
    out.push_str("| When (UTC) | What | Instance | Reason | Data lost | Duration | Outcome |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for e in entries {
        let outcome = match (&e.outcome, &e.error) {
            (Outcome::Failed, Some(err)) => format!("Failed: {}", err.message),
            (o, _) => outcome_label(*o).to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            short_when(e.started_at),
            cell(&format!("{}: {}", kind_label(e.kind), e.title)),
            cell(&e.instance_name),
            cell(e.reason.as_deref().unwrap_or("")),
            cell(&data_lost_short(e)),
            measured(took(e)),
            cell(&outcome),
        ));
    }
    out
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or outer spaces; quotes doubled.
/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

const CSV_HEADER: &[&str] = &[
    "job_id",
    "kind",
    "instance_id",
    "instance_name",
    "started_at_utc",
    "finished_at_utc",
    "outcome",
    "reason",
    "snapshot_id",
    "snapshot_time_utc",
    "data_loss_secs",
    "data_lost",
    "duration_secs",
    "total_secs",
    "nodes_before",
    "relationships_before",
    "nodes_after",
    "relationships_after",
    "new_instance_id",
    "safety_snapshot_id",
    "error_code",
    "error_message",
    "request_ids",
    "saved_path",
    "saved_bytes",
    "saved_crc32",
];

/// The history as CSV (RFC 4180: CRLF line ends, a header row, quoting where needed), in the order given.
pub fn to_csv(entries: &[HistoryEntry]) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    let num = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    for e in entries {
        let row = [
            e.job_id.clone(),
            serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            e.instance_id.clone(),
            e.instance_name.clone(),
            iso(e.started_at),
            iso(e.finished_at),
            outcome_label(e.outcome).to_lowercase(),
            e.reason.clone().unwrap_or_default(),
            e.snapshot_id.clone().unwrap_or_default(),
            e.snapshot_time.map(iso).unwrap_or_default(),
            num(if e.overwritten == Some(false) { Some(0) } else { e.data_loss_secs }),
            data_lost_short(e),
            num(e.duration_secs),
            e.total_secs.to_string(),
            num(e.counts_before.map(|c| c.nodes)),
            num(e.counts_before.map(|c| c.relationships)),
            num(e.counts_after.map(|c| c.nodes)),
            num(e.counts_after.map(|c| c.relationships)),
            e.new_instance_id.clone().unwrap_or_default(),
            e.safety_snapshot_id.clone().unwrap_or_default(),
            e.error.as_ref().map(|x| x.code.clone()).unwrap_or_default(),
            e.error.as_ref().map(|x| x.message.clone()).unwrap_or_default(),
            e.request_ids.join(" "),
            e.saved_path.clone().unwrap_or_default(),
            num(e.saved_bytes),
            e.saved_crc32.clone().unwrap_or_default(),
        ];
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn report_title(e: &HistoryEntry) -> String {
    match e.kind {
        JobKind::Restore | JobKind::Upload => format!("Restore report: {}", e.instance_name),
        JobKind::Drill => format!("Restore test report: {}", e.instance_name),
        JobKind::Snapshot => format!("Snapshot report: {}", e.instance_name),
        JobKind::Clone => format!("New instance report: from {}", e.instance_name),
        JobKind::SnapshotExport => format!("Snapshot export report: {}", e.instance_name),
        JobKind::GraphExport => format!("Data export report: {}", e.instance_name),
        JobKind::GraphImport => format!("Data import report: {}", e.instance_name),
        JobKind::ScheduledCopy => format!("Scheduled copy report: {}", e.instance_name),
        JobKind::Objectives => format!("Objectives: {}", e.instance_name),
    }
}

/// The outcome in one or two sentences.
fn outcome_sentence(e: &HistoryEntry) -> String {
    let name = &e.instance_name;
    match (e.outcome, e.kind) {
        (Outcome::Succeeded, JobKind::Restore) => format!(
            "Succeeded. {name} is running again with the data of its snapshot from {}.",
            e.snapshot_time.map(when).unwrap_or_else(|| "the chosen time".into())
        ),
        (Outcome::Succeeded, JobKind::Upload) => format!("Succeeded. {name} is running again with the data of the file."),
        (Outcome::Succeeded, JobKind::Drill) => format!(
            "Succeeded. A temporary copy of {name} was made from the snapshot, answered queries, and was timed. {name} itself was not changed."
        ),
        (Outcome::Succeeded, JobKind::Clone) => "Succeeded. The new instance is running.".into(),
        (Outcome::Succeeded, JobKind::Snapshot) => format!("Succeeded. {name} can be restored to this point."),
        (Outcome::Succeeded, JobKind::SnapshotExport) => format!(
            "Succeeded. The snapshot{} is saved as {}{}. {name} was not changed.",
            e.snapshot_time.map(|t| format!(" of {}", when(t))).unwrap_or_default(),
            e.saved_path.as_deref().unwrap_or("the file you chose"),
            match (e.saved_bytes, &e.saved_crc32) {
                (Some(b), Some(c)) => format!(" ({} bytes, CRC-32 {c}, the same as the download)", count(b)),
                _ => String::new(),
            }
        ),
        (Outcome::Succeeded, JobKind::GraphExport) => format!(
            "Succeeded. The nodes and relationships of {name}{} are saved as {}. {name} was not changed.",
            e.file_counts.map(|c| format!(" ({})", counts_words(c))).unwrap_or_default(),
            e.file_path.as_deref().or(e.file_name.as_deref()).unwrap_or("the file you chose"),
        ),
        (Outcome::Succeeded, JobKind::GraphImport) => format!(
            "Succeeded. {name} now holds the nodes and relationships of the data export{}.",
            e.file_name.as_deref().map(|f| format!(" {f}")).unwrap_or_default()
        ),
        (Outcome::Succeeded, JobKind::ScheduledCopy) => format!(
            "Succeeded. The nodes and relationships of {name}{} are saved as {}, read back and checked (counts and content digest).{} {name} was not changed.",
            e.file_counts.map(|c| format!(" ({})", counts_words(c))).unwrap_or_default(),
            e.file_path.as_deref().unwrap_or("a file in the schedule's folder"),
            match e.copy.as_ref().map(|c| c.pruned.len()) {
                Some(0) | None => String::new(),
                Some(1) => " One older copy was removed, as the schedule keeps only the newest.".into(),
                Some(n) => format!(" {n} older copies were removed, as the schedule keeps only the newest."),
            }
        ),
        (Outcome::Succeeded, JobKind::Objectives) => format!("Recorded. {}", e.title),
        (Outcome::Failed, _) => {
            let why = e.error.as_ref().map(|x| x.message.as_str()).unwrap_or("Lifeboat did not record why.");
            let changed = match e.overwritten {
                Some(false) => format!(" Nothing in {name} was changed."),
                Some(true) => format!(" {name} may be unavailable or hold incomplete data: check it before anything else."),
                None => String::new(),
            };
            format!("Failed. {why}{changed}")
        }
    }
}

fn duration_sentence(e: &HistoryEntry) -> String {
    let name = &e.instance_name;
    match (e.kind, e.duration_secs) {
        (JobKind::Restore, Some(s)) => {
            format!("{} (from the restore request until {name} was running again).", measured(s))
        }
        (JobKind::Upload, Some(s)) => {
            format!("{} (from the start of the upload until {name} was running again).", measured(s))
        }
        (JobKind::Drill, Some(s)) => format!(
            "{} (from the request until the test copy was running). Expect about this long for a real restore of {name} from this snapshot.",
            measured(s)
        ),
        (JobKind::Clone, Some(s)) => format!("{} (from the request until the new instance was running).", measured(s)),
        (_, Some(s)) => format!("{}.", measured(s)),
        (_, None) => format!("Not measured (the operation did not finish). Start to end: {}.", measured(e.total_secs)),
    }
}

/// What the report says for a count the database didn't give.
const NOT_KNOWN: &str = "not known";

fn verification_section(e: &HistoryEntry) -> String {
    let mut out = String::from("## Verification\n\n");
    let unknown = e.counts_before_unknown || e.counts_after_unknown;
    match (e.counts_before, e.counts_after) {
        (None, None) if !unknown => {
            out.push_str(match e.verification_note.as_deref() {
                Some(note) => note,
                None if e.kind == JobKind::Snapshot => "Not needed: a snapshot does not change the data.",
                None if e.kind == JobKind::SnapshotExport && e.saved_crc32.is_some() => {
                    "The saved copy was read back and compared with the download: the same size and CRC-32."
                }
                None => "The data was not counted.",
            });
            out.push('\n');
        }
        (before, after) => {
            let (before_label, after_label) = match e.kind {
                JobKind::GraphExport => ("Database at the start", "Database at the end"),
                _ => ("Before", "After"),
            };
            out.push_str("| | Nodes | Relationships |\n|---|---|---|\n");
            if let Some(b) = before {
                out.push_str(&format!("| {before_label} | {} | {} |\n", count(b.nodes), count(b.relationships)));
            } else if e.counts_before_unknown {
                out.push_str(&format!("| {before_label} | {NOT_KNOWN} | {NOT_KNOWN} |\n"));
            }
            if let Some(a) = after {
                out.push_str(&format!("| {after_label} | {} | {} |\n", count(a.nodes), count(a.relationships)));
            } else if e.counts_after_unknown {
                out.push_str(&format!("| {after_label} | {NOT_KNOWN} | {NOT_KNOWN} |\n"));
            }
            if let Some(f) = e.file_counts {
                out.push_str(&format!("| In the file | {} | {} |\n", count(f.nodes), count(f.relationships)));
            }
            if let (Some(b), Some(a)) = (before, after) {
                out.push_str(&format!(
                    "| Change | {} | {} |\n",
                    change(b.nodes, a.nodes),
                    change(b.relationships, a.relationships)
                ));
            }
            if unknown {
                out.push_str(
                    "\nThe database answered, but did not say how many nodes and relationships it holds where the \
                     table says not known.\n",
                );
            } else if after.is_none() {
                let note = e.verification_note.as_deref().unwrap_or("The data was not counted afterwards.");
                out.push_str(&format!("\nAfterwards: {note}\n"));
            }
        }
    }
    out
}

/// The report of one operation, in Markdown: what, when, why, the data lost in plain words, the measured time,
/// the counts before and after, the outcome, and the request ids for Neo4j support.
pub fn report(e: &HistoryEntry) -> String {
    let mut facts: Vec<(&str, String)> = vec![
        ("What", e.title.clone()),
        ("Instance", format!("{} (`{}`)", e.instance_name, e.instance_id)),
        ("Started", when(e.started_at)),
        ("Finished", when(e.finished_at)),
        ("Reason", e.reason.clone().unwrap_or_else(|| "None given".into())),
    ];
    if let Some(t) = e.snapshot_time {
        let id = e.snapshot_id.as_deref().map(|s| format!(" (`{s}`)")).unwrap_or_default();
        facts.push(("Snapshot", format!("taken {}{id}", when(t))));
    }
    if let Some(f) = &e.file_name {
        facts.push(("File", f.clone()));
    }
    if let Some(path) = &e.saved_path {
        facts.push(("Saved as", path.clone()));
    }
    if let (Some(bytes), Some(crc)) = (e.saved_bytes, &e.saved_crc32) {
        facts.push(("Size and CRC-32", format!("{} bytes, CRC-32 {crc}", count(bytes))));
    }
    if is_overwrite(e) {
        facts.push(("Data lost", data_lost_sentence(e)));
        if e.overwritten != Some(false) {
            facts.push(("Last data point kept", last_data_point(e)));
        }
    }
    let time_label = match e.kind {
        JobKind::Restore | JobKind::Upload | JobKind::Drill => "Measured restore time",
        _ => "Measured time",
    };
    facts.push((time_label, duration_sentence(e)));
    facts.push(("Start to end", format!("{} (including counting and any safety snapshot)", measured(e.total_secs))));
    if is_overwrite(e) {
        facts.push((
            "Safety snapshot",
            match &e.safety_snapshot_id {
                Some(s) => format!("`{s}`, taken just before: {} can go back to it.", e.instance_name),
                None => "None was taken.".into(),
            },
        ));
    }
    if let Some(id) = &e.new_instance_id {
        let label = if e.kind == JobKind::Drill { "Test instance" } else { "New instance" };
        let state = match (e.kind, e.instance_deleted_at) {
            (JobKind::Drill, Some(t)) => format!(", deleted {}", when(t)),
            (JobKind::Drill, None) => ", not deleted yet (it is billed until it is)".into(),
            _ => String::new(),
        };
        facts.push((label, format!("`{id}`{state}")));
    }
    if e.file_unchanged == Some(true) {
        facts.push(("Your file", "Not changed by Lifeboat (checked afterwards).".into()));
    }
    facts.extend(objective_facts(e));

    let mut out = format!("# {}\n\n", report_title(e));
    out.push_str(&format!("**Outcome:** {}\n\n", outcome_sentence(e)));
    out.push_str("| | |\n|---|---|\n");
    for (label, value) in &facts {
        out.push_str(&format!("| {label} | {} |\n", cell(value)));
    }
    out.push('\n');
    out.push_str(&verification_section(e));
    if let (Outcome::Failed, Some(err)) = (e.outcome, &e.error) {
        out.push_str(&format!("\n## What went wrong\n\n{} (code `{}`)\n", err.message, err.code));
    }
    out.push_str("\n## For Neo4j support\n\n");
    if e.request_ids.is_empty() {
        out.push_str("- Request ids: none (nothing was sent that changed anything)\n");
    } else {
        out.push_str(&format!(
            "- Request ids: {}\n",
            e.request_ids.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    out.push_str(&format!("- Lifeboat job: `{}`\n", e.job_id));
    out
}

/// For restores and restore tests: the recovery objectives that applied, and whether this one met them (its data
/// loss against the RPO, its measured time against the RTO).
fn objective_facts(e: &HistoryEntry) -> Vec<(&'static str, String)> {
    let applies = matches!(e.kind, JobKind::Restore | JobKind::Upload | JobKind::GraphImport | JobKind::Drill);
    if !applies {
        return Vec::new();
    }
    let Some(o) = &e.objectives else {
        return vec![("Objectives", "None were set for this instance at the time.".into())];
    };
    let mut out = Vec::new();
    let verdict = |met: bool| if met { "met" } else { "not met" };
    match (o.rpo_secs, e.data_loss_secs) {
        (Some(rpo), Some(lost)) if e.kind != JobKind::Drill && e.overwritten != Some(false) => out.push((
            "RPO",
            format!(
                "{}: {} — this restore lost {} of changes.",
                human_duration(Duration::from_secs(rpo)),
                verdict(lost <= rpo),
                human_duration(Duration::from_secs(lost))
            ),
        )),
        (Some(rpo), _) => out.push((
            "RPO",
            format!(
                "{} (not judged: {})",
                human_duration(Duration::from_secs(rpo)),
                match e.kind {
                    JobKind::Drill => "a test loses no data",
                    _ if e.overwritten == Some(false) => "nothing was changed",
                    _ => "the data lost is not known",
                }
            ),
        )),
        (None, _) => out.push(("RPO", "Not set.".into())),
    }
    match (o.rto_secs, e.duration_secs) {
        (Some(rto), Some(took)) => out.push((
            "RTO",
            format!(
                "{}: {} — {} took {}.",
                human_duration(Duration::from_secs(rto)),
                verdict(took <= rto),
                if e.kind == JobKind::Drill { "the test restore" } else { "the restore" },
                measured(took)
            ),
        )),
        (Some(rto), None) => out.push((
            "RTO",
            format!("{} (not judged: the time was not measured)", human_duration(Duration::from_secs(rto))),
        )),
        (None, _) => out.push(("RTO", "Not set.".into())),
    }
    out
}

/// The moment a restore goes back to, in words.
fn last_data_point(e: &HistoryEntry) -> String {
    match (e.kind, e.snapshot_time) {
        (_, Some(t)) => when(t),
        (JobKind::Upload, None) => match e.backup_time {
            Some(t) => format!("{} (when the backup was made)", when(t)),
            None => "Unknown: the file carries no date (dumps record none).".into(),
        },
        (JobKind::GraphImport, None) => "The moment the data export was made.".into(),
        _ => "Not known.".into(),
    }
}

/// The facts a "message before a restore" is written from: a restore about to start (its plan, in the confirmation
/// dialog) or one that ran (its history entry, in the report). One function writes both, so the message offered
/// before the restore is the message the report keeps.
#[derive(Debug, Clone)]
pub struct BeforeFacts<'a> {
    /// A snapshot restore, a file restore or a data import.
    pub kind: JobKind,
    /// The instance whose data is replaced.
    pub instance_name: &'a str,
    /// When it starts (or started).
    pub starting: OffsetDateTime,
    /// The snapshot restored, when it is one.
    pub snapshot_time: Option<OffsetDateTime>,
    /// The file restored or imported, when it is one.
    pub file_name: Option<&'a str>,
    /// When the file's backup was made, when the file says.
    pub backup_time: Option<OffsetDateTime>,
    /// How much time of changes is lost (the snapshot's or the backup's age), when known.
    pub data_loss_secs: Option<u64>,
    /// A safety snapshot is taken first.
    pub safety_snapshot: bool,
    /// Why, as the user gave it.
    pub reason: Option<&'a str>,
    /// How long it takes (or took), measured; `None`: not known yet.
    pub expected_secs: Option<u64>,
}

impl<'a> BeforeFacts<'a> {
    fn of(e: &'a HistoryEntry) -> Self {
        BeforeFacts {
            kind: e.kind,
            instance_name: &e.instance_name,
            starting: e.started_at,
            snapshot_time: e.snapshot_time,
            file_name: e.file_name.as_deref(),
            backup_time: e.backup_time,
            data_loss_secs: e.data_loss_secs,
            safety_snapshot: e.safety_snapshot_id.is_some(),
            reason: e.reason.as_deref(),
            expected_secs: e.duration_secs,
        }
    }

    /// What the data is replaced with: "its snapshot from …", "the backup file …".
    fn source(&self) -> String {
        match (self.snapshot_time, self.file_name) {
            (Some(t), _) => format!("its snapshot from {}", when(t)),
            (None, Some(f)) if self.kind == JobKind::GraphImport => format!("the data export {f}"),
            (None, Some(f)) => format!("the backup file {f}"),
            (None, None) => "an earlier copy of its data".into(),
        }
    }
}

/// The message to send colleagues before a restore: when, how long, the impact, what will be lost.
pub fn message_before(f: &BeforeFacts) -> String {
    let name = f.instance_name;
    let snapshot = f.snapshot_time.map(when);
    let loss = match (f.data_loss_secs, &snapshot, f.backup_time) {
        (Some(secs), Some(t), _) => format!(
            "changes made after {t} (the last {}) will be lost. The last data point kept is {t}.",
            human_duration(Duration::from_secs(secs))
        ),
        (_, None, Some(t)) if f.kind == JobKind::Upload => format!(
            "changes made after {} (when the backup was made, {} before the restore) will be lost, and so will everything in {name} that the file does not have.",
            when(t),
            age_words(Duration::from_secs(f.data_loss_secs.unwrap_or_default()))
        ),
        _ if f.kind == JobKind::Upload => format!(
            "everything in {name} that the file does not have will be lost. The file carries no date, so how old its data is is unknown."
        ),
        _ => "changes made after the backup was made will be lost.".into(),
    };
    let safety = if f.safety_snapshot {
        format!("\nSafety net: a snapshot of {name} as it is now is taken first, so we can go back if needed.")
    } else {
        String::new()
    };
    let reason = f.reason.map(|r| format!(" Reason: {}.", r.trim_end_matches('.'))).unwrap_or_default();
    let expected = match f.expected_secs {
        Some(s) => format!("about {}", measured(s)),
        None => "a few minutes to a few hours, depending on the size of the data".into(),
    };
    format!(
        "Subject: Planned restore of {name} on {start}\n\n\
         Hello,\n\n\
         We are restoring the database {name} to {source}.{reason}\n\n\
         When: starting {start}.\n\
         Expected duration: {expected}.\n\
         Impact: {name} is unavailable during the restore; applications and people using it cannot read or write data until it is running again.\n\
         Data loss: {loss}{safety}\n\n\
         We will write again when {name} is running again.\n",
        start = when(f.starting),
        source = f.source(),
    )
}

/// Two messages to colleagues for this operation: one to send before a restore, one after. For a restore test they
/// announce the test and report what a real restore would cost.
pub fn messages(e: &HistoryEntry) -> Messages {
    let name = &e.instance_name;
    let snapshot = e.snapshot_time.map(when);
    match e.kind {
        JobKind::Restore | JobKind::Upload | JobKind::GraphImport => {
            let facts = BeforeFacts::of(e);
            let source = facts.source();
            let before = message_before(&facts);
            let after = match e.outcome {
                Outcome::Succeeded => {
                    let data = match &snapshot {
                        Some(t) => format!(
                            "{name} now holds its data as of {t} (the last data point). Changes made between {t} and {} were lost; please make them again if you need them.",
                            when(e.started_at)
                        ),
                        None => format!("{name} now holds the data of {source}. Changes made after that were lost; please make them again if you need them."),
                    };
                    let took = e
                        .duration_secs
                        .map(|s| format!("\nTime it took: {} until {name} was running again.", measured(s)))
                        .unwrap_or_default();
                    let check = match (e.counts_before, e.counts_after) {
                        (Some(b), Some(a)) => {
                            format!(
                                "\nCheck: {name} answers queries and holds {} (before the restore: {}).",
                                counts_words(a),
                                counts_words(b)
                            )
                        }
                        (None, Some(a)) => format!("\nCheck: {name} answers queries and holds {}.", counts_words(a)),
                        _ => String::new(),
                    };
                    format!(
                        "Subject: {name} is running again after the restore\n\n\
                         Hello,\n\n\
                         The restore of {name} finished at {end}, and {name} is running again.\n\n\
                         {data}{took}{check}\n\n\
                         Thank you for your patience.\n",
                        end = when(e.finished_at),
                    )
                }
                Outcome::Failed => {
                    let why = e.error.as_ref().map(|x| x.message.as_str()).unwrap_or("The reason was not recorded.");
                    let state = if e.overwritten == Some(false) {
                        format!("Nothing in {name} was changed, and it is available as before.")
                    } else {
                        format!("{name} may be unavailable or hold incomplete data until this is fixed.")
                    };
                    format!(
                        "Subject: The restore of {name} did not finish\n\n\
                         Hello,\n\n\
                         The restore of {name} that started at {start} did not finish: {why}\n\n\
                         {state} We are working on it and will write again when we know more.\n",
                        start = when(e.started_at),
                    )
                }
            };
            Messages { before, after }
        }
        JobKind::Drill => {
            let t = snapshot.clone().unwrap_or_else(|| "a recent snapshot".into());
            let before = format!(
                "Subject: Restore test of {name} on {start} (no impact)\n\n\
                 Hello,\n\n\
                 We are testing how long a restore of {name} takes, using a temporary copy made from its snapshot from {t}.\n\n\
                 When: starting {start}.\n\
                 Impact: none. {name} is not changed and stays available.\n\
                 Data loss: none.\n",
                start = when(e.started_at),
            );
            let after = match e.outcome {
                Outcome::Succeeded => {
                    let took = e.duration_secs.map(measured).unwrap_or_else(|| "an unmeasured time".into());
                    let check = e
                        .counts_after
                        .map(|c| format!(" The copy answered queries and held {}.", counts_words(c)))
                        .unwrap_or_default();
                    format!(
                        "Subject: Restore test of {name}: a restore takes about {took}\n\n\
                         Hello,\n\n\
                         Our restore test of {name} succeeded. Making a copy from its snapshot from {t} took {took}.{check}\n\n\
                         If we had to restore {name} from a snapshot, expect it to be unavailable for about {took}, and changes made after that snapshot would be lost.\n"
                    )
                }
                Outcome::Failed => {
                    let why = e.error.as_ref().map(|x| x.message.as_str()).unwrap_or("The reason was not recorded.");
                    format!(
                        "Subject: Restore test of {name} did not finish\n\n\
                         Hello,\n\n\
                         Our restore test of {name} did not finish: {why}\n\n\
                         {name} itself was not changed. We will look into it and test again.\n"
                    )
                }
            };
            Messages { before, after }
        }
        JobKind::Snapshot
        | JobKind::Clone
        | JobKind::SnapshotExport
        | JobKind::GraphExport
        | JobKind::ScheduledCopy
        | JobKind::Objectives => {
            let what = match e.kind {
                JobKind::ScheduledCopy => format!("copy the nodes and relationships of {name} to our own storage"),
                JobKind::Objectives => format!("set recovery objectives for {name}"),
                JobKind::Snapshot => format!("take a snapshot of {name}"),
                JobKind::GraphExport => format!("export the nodes and relationships of {name} to a file"),
                JobKind::SnapshotExport => format!(
                    "keep a copy of the snapshot of {name}{} as a file",
                    snapshot.as_deref().map(|t| format!(" from {t}")).unwrap_or_default()
                ),
                _ => format!("create a new instance from a snapshot of {name}"),
            };
            let before = format!(
                "Subject: {kind} of {name} on {start} (no impact)\n\n\
                 Hello,\n\n\
                 We will {what} at {start}. {name} stays available and is not changed.\n",
                kind = kind_label(e.kind),
                start = when(e.started_at),
            );
            let after = match e.outcome {
                Outcome::Succeeded => format!(
                    "Subject: {kind} of {name} completed\n\nHello,\n\nDone at {end}: we did {what_done}. {name} was not changed.\n",
                    kind = kind_label(e.kind),
                    end = when(e.finished_at),
                    what_done = e.title,
                ),
                Outcome::Failed => format!(
                    "Subject: {kind} of {name} did not finish\n\nHello,\n\nThis did not work: {why}\n\n{name} was not changed.\n",
                    kind = kind_label(e.kind),
                    why = e.error.as_ref().map(|x| x.message.as_str()).unwrap_or("The reason was not recorded."),
                ),
            };
            Messages { before, after }
        }
    }
}

/// The name proposed for a saved history: `lifeboat-history-2026-11-21.md` (or `.csv`).
pub fn history_file_name(format: ExportFormat, today: Date) -> String {
    format!(
        "lifeboat-history-{:04}-{:02}-{:02}.{}",
        today.year(),
        u8::from(today.month()),
        today.day(),
        format.extension()
    )
}

/// The name proposed for a saved report: `Production_2026-11-21T1512Z_restore-report.md` (instance, start in UTC,
/// kind). Characters that some file systems refuse become `-`.
pub fn report_file_name(e: &HistoryEntry) -> String {
    let mut instance: String =
        e.instance_name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    while instance.contains("--") {
        instance = instance.replace("--", "-");
    }
    let instance = instance.trim_matches('-');
    let instance = if instance.is_empty() { "instance" } else { instance };
    let t = e.started_at.to_offset(UtcOffset::UTC);
    let kind = match e.kind {
        JobKind::Restore | JobKind::Upload => "restore-report",
        JobKind::Drill => "restore-test-report",
        JobKind::Snapshot => "snapshot-report",
        JobKind::Clone => "new-instance-report",
        JobKind::SnapshotExport => "snapshot-export-report",
        JobKind::GraphExport => "data-export-report",
        JobKind::GraphImport => "data-import-report",
        JobKind::ScheduledCopy => "scheduled-copy-report",
        JobKind::Objectives => "objectives",
    };
    format!(
        "{instance}_{:04}-{:02}-{:02}T{:02}{:02}Z_{kind}.md",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests;
