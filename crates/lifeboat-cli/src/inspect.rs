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
        say!("{}  ({})", inspection.file_name, human_bytes(inspection.file_size));
        say!("Format:    {}", inspection.format_label);
        if let Some(db) = &inspection.database_name {
            say!("Database:  {db}");
        }
        if let Some(t) = inspection.backup_time {
            let t = t.to_offset(time::UtcOffset::UTC);
            say!(
                "Taken at:  {:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            );
        }
        if let Some(full) = inspection.full_size {
            say!("Unpacked:  {}", human_bytes(full));
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

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
