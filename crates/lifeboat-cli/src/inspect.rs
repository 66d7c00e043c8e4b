//! `lifeboat inspect FILE`: what is this backup file, and would it restore? Nothing touches the network and the
//! file is opened read-only.

use std::path::PathBuf;

use lifeboat_archive::{inspect, InspectOptions};

use crate::output::{print_json, Failure};

pub(crate) async fn run(path: PathBuf, json: bool) -> Result<(), Failure> {
    let inspection = tokio::task::spawn_blocking(move || inspect(&path, &InspectOptions::default()))
        .await
        .map_err(|e| Failure::local("internal", format!("Inspection stopped unexpectedly: {e}")))?
        .map_err(|e| Failure::local(e.code(), e.to_string()))?;
    if json {
        print_json(&inspection)?;
    } else {
        say!("{}  ({})", inspection.file_name, lifeboat_engine::words::size(inspection.file_size));
        say!("Format:    {}", inspection.format_label);
        if let Some(db) = &inspection.database_name {
            say!("Database:  {db}");
        }
        if let Some(t) = inspection.backup_time {
            say!("Taken at:  {}", lifeboat_engine::words::utc_label(t));
        }
        if let Some(full) = inspection.full_size {
            say!("Unpacked:  {}", lifeboat_engine::words::size(full));
        }
        for check in &inspection.checks {
            let mark = match check.ok {
                Some(true) => "✓",
                Some(false) => "✗",
                None => "·",
            };
            say!("  {mark} {}", check.message);
        }
        for note in &inspection.notes {
            say!("Note: {note}");
        }
    }
    match inspection.problems.first() {
        None if inspection.can_upload => Ok(()),
        Some(problem) => Err(Failure::local("unusable-file", problem.message.clone()).json_printed(json)),
        None => Err(Failure::local("unusable-file", "This file cannot be restored as it is.").json_printed(json)),
    }
}
