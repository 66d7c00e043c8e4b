//! `lifeboat history`: the operation history for scripts and incident write-ups — the same records, filters,
//! Markdown/CSV and restore reports as the desktop app's History view.
//!
//! It reads the command line's own history and, unless `LIFEBOAT_DATA_DIR` points elsewhere, the desktop app's
//! (one file per account, in the app's data folder as the engine's `DataLayout` names it on every OS), so a restore
//! started in the window shows up here too. Nothing is ever written to a
//! history file; `--out` writes a new file atomically and never leaves a half-written one under its name.

use std::path::{Path, PathBuf};

use lifeboat_engine::accounts::{AccountRegistry, DataLayout, SANDBOX_ID};
use lifeboat_engine::history::{self, ExportFormat, HistoryEntry, HistoryFilter};
use lifeboat_engine::jobs::{JobKind, Outcome};
use serde::Serialize;
use time::OffsetDateTime;

use crate::account::data_dir;
use crate::output::{print_json, print_table, Failure};

/// How the list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A table for people.
    Table,
    /// A JSON array, one object per operation (the history's own record).
    Json,
    /// A Markdown table (for a ticket or a wiki page).
    Markdown,
    /// Comma-separated values (for a spreadsheet).
    Csv,
}

/// One history file and where it comes from.
struct Source {
    label: String,
    path: PathBuf,
}

/// The desktop app's data folder (as the engine's `DataLayout` names it on every OS), when the CLI's is the default
/// one.
pub(crate) fn app_data_dir() -> Option<PathBuf> {
    if std::env::var_os("LIFEBOAT_DATA_DIR").is_some() {
        return None;
    }
    DataLayout::for_app().map(|layout| layout.data_dir().to_path_buf())
}

/// Every history file there is: the command line's, then one per account of the desktop app (named by the
/// account's label where its profile is still there).
fn sources() -> Vec<Source> {
    let mut found = vec![Source { label: "command line".into(), path: history::path_in(&data_dir().join("jobs")) }];
    // With LIFEBOAT_DATA_DIR the command line keeps to itself (scripts and tests isolate a run that way).
    if std::env::var_os("LIFEBOAT_DATA_DIR").is_some() {
        return found;
    }
    let Some(layout) = DataLayout::for_app() else { return found };
    let profiles = AccountRegistry::load(&layout.accounts_file());
    for (id, dir) in layout.app_journal_dirs() {
        let label = if id == SANDBOX_ID {
            "app, sandbox".to_string()
        } else {
            match profiles.get(&id) {
                Some(p) => format!("app, {}", p.label),
                None => format!("app, account {id}"),
            }
        };
        found.push(Source { label, path: history::path_in(&dir) });
    }
    found
}

/// An entry with where it was recorded.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sourced {
    #[serde(flatten)]
    entry: HistoryEntry,
    recorded_by: String,
}

fn read_all(filter: &HistoryFilter) -> Result<Vec<Sourced>, Failure> {
    let mut all = Vec::new();
    for source in sources() {
        let entries = history::list(&source.path, filter).map_err(|e| Failure::local(e.code(), e.to_string()))?;
        all.extend(entries.into_iter().map(|entry| Sourced { entry, recorded_by: source.label.clone() }));
    }
    all.sort_by_key(|s| s.entry.started_at);
    Ok(all)
}

fn parse_kind(kind: &str) -> Result<JobKind, Failure> {
    serde_json::from_value(serde_json::Value::String(kind.to_ascii_lowercase())).map_err(|_| {
        Failure::local(
            "invalid-argument",
            format!(
                "\u{201c}{kind}\u{201d} is not a kind of operation. Use snapshot, restore, clone, upload or drill."
            ),
        )
    })
}

fn parse_outcome(outcome: &str) -> Result<Outcome, Failure> {
    serde_json::from_value(serde_json::Value::String(outcome.to_ascii_lowercase())).map_err(|_| {
        Failure::local(
            "invalid-argument",
            format!("\u{201c}{outcome}\u{201d} is not an outcome. Use succeeded or failed."),
        )
    })
}

fn parse_since(since: &str) -> Result<OffsetDateTime, Failure> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(since, &format).map(|d| d.midnight().assume_utc()).map_err(|_| {
        Failure::local("invalid-argument", format!("\u{201c}{since}\u{201d} is not a date. Use YYYY-MM-DD (UTC)."))
    })
}

/// Writes `text` to `out` atomically, or prints it.
fn emit(text: &str, out: Option<&Path>) -> Result<(), Failure> {
    match out {
        None => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        Some(path) => {
            lifeboat_engine::atomic::write_atomically(path, text.as_bytes()).map_err(|e| {
                Failure::local(
                    "write-failed",
                    format!(
                        "Lifeboat could not write {}: {e}. Nothing was written there. Check the folder exists and is writable.",
                        path.display()
                    ),
                )
            })?;
            eprintln!("Saved to {}", path.display());
            Ok(())
        }
    }
}

/// `lifeboat history list`.
pub(crate) fn list(
    kind: Option<&str>,
    instance: Option<String>,
    outcome: Option<&str>,
    since: Option<&str>,
    format: Format,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let filter = HistoryFilter {
        kind: kind.map(parse_kind).transpose()?,
        instance_id: instance,
        outcome: outcome.map(parse_outcome).transpose()?,
        since: since.map(parse_since).transpose()?,
    };
    let found = read_all(&filter)?;
    let entries: Vec<HistoryEntry> = found.iter().map(|s| s.entry.clone()).collect();
    match format {
        Format::Json if out.is_none() => print_json(&found),
        Format::Json => {
            let text = serde_json::to_string_pretty(&found)
                .map_err(|e| Failure::local("internal", format!("The history could not be written as JSON: {e}")))?;
            emit(&text, out)
        }
        Format::Markdown => emit(&ExportFormat::Markdown.render(&entries), out),
        Format::Csv => emit(&ExportFormat::Csv.render(&entries), out),
        Format::Table => {
            if found.is_empty() {
                say!(
                    "No operations recorded yet{}.",
                    if filter == HistoryFilter::default() { "" } else { " that match" }
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|s| {
                    let e = &s.entry;
                    vec![
                        e.started_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                        serde_json::to_value(e.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        e.instance_name.clone(),
                        e.duration_secs.or(Some(e.total_secs)).map(|s| format!("{s} s")).unwrap_or_default(),
                        match e.outcome {
                            Outcome::Succeeded => "succeeded".into(),
                            Outcome::Failed => {
                                format!("failed ({})", e.error.as_ref().map(|x| x.code.as_str()).unwrap_or("?"))
                            }
                        },
                        e.job_id.clone(),
                        s.recorded_by.clone(),
                    ]
                })
                .collect();
            print_table(&["STARTED (UTC)", "KIND", "INSTANCE", "TOOK", "OUTCOME", "JOB", "RECORDED BY"], &rows);
            Ok(())
        }
    }
}

/// `lifeboat history report JOB`: the restore report and the messages to colleagues.
pub(crate) fn report(job_id: &str, json: bool, out: Option<&Path>) -> Result<(), Failure> {
    let found = read_all(&HistoryFilter::default())?.into_iter().rev().find(|s| s.entry.job_id == job_id);
    let Some(found) = found else {
        return Err(Failure::local(
            "not-found",
            format!("No operation with id {job_id} is in the history. List them with: lifeboat history list"),
        ));
    };
    let entry = found.entry;
    if json {
        let messages = history::messages(&entry);
        return print_json(&serde_json::json!({
            "entry": entry,
            "report": history::report(&entry),
            "messages": messages,
        }));
    }
    let messages = history::messages(&entry);
    let text = format!(
        "{}\n\n## Message before\n\n{}\n\n## Message after\n\n{}\n",
        history::report(&entry).trim_end(),
        messages.before,
        messages.after
    );
    emit(&text, out)
}
