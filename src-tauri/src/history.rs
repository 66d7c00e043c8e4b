//! Commands for the operation history, restore reports and restore tests. Glue only: the record and its words live
//! in `lifeboat_engine::history`, the restore test in the job manager. Saved files go through the native save
//! dialog and are written atomically (temporary file in the chosen folder, fsync, rename), so a crash never leaves
//! half a report where the user expects a whole one.

use std::path::Path;

use lifeboat_engine::history::{self, ExportFormat, HistoryEntry, HistoryError, HistoryFilter, Messages};
use lifeboat_engine::jobs::{DeletedInstance, DrillError};
use lifeboat_engine::JobEvent;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::error::CommandError;
use crate::files::save_dialog;
use crate::jobs::{forward, required, JobStarted};
use crate::state::AppState;

/// One operation's report and the two messages to colleagues.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryReport {
    markdown: String,
    messages: Messages,
}

impl From<HistoryError> for CommandError {
    fn from(e: HistoryError) -> Self {
        CommandError::new(e.code(), e.to_string(), matches!(e, HistoryError::Read(_)))
    }
}

impl From<DrillError> for CommandError {
    fn from(e: DrillError) -> Self {
        match e {
            DrillError::Api(api) => api.into(),
            other => CommandError::new(other.code(), other.to_string(), other.retryable()),
        }
    }
}

/// Writes the chosen file atomically and says so plainly when it cannot.
fn write(path: &Path, text: &str) -> Result<Option<String>, CommandError> {
    lifeboat_engine::journal::write_atomically(path, text.as_bytes()).map_err(|e| {
        CommandError::new(
            "write-file",
            format!("Lifeboat could not save the file there ({e}). Nothing was written. Choose another folder and try again."),
            true,
        )
    })?;
    Ok(Some(path.to_string_lossy().into_owned()))
}

#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    filter: Option<HistoryFilter>,
) -> Result<Vec<HistoryEntry>, CommandError> {
    Ok(state.backend()?.jobs.history(&filter.unwrap_or_default())?)
}

#[tauri::command]
pub async fn history_report(state: State<'_, AppState>, job_id: String) -> Result<HistoryReport, CommandError> {
    let entry = state.backend()?.jobs.history_entry(&job_id)?;
    Ok(HistoryReport { markdown: history::report(&entry), messages: history::messages(&entry) })
}

/// Saves the (filtered) history as Markdown or CSV where the user chooses. `None` when the dialog was cancelled.
#[tauri::command]
pub async fn export_history<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    format: ExportFormat,
    filter: Option<HistoryFilter>,
) -> Result<Option<String>, CommandError> {
    let entries = state.backend()?.jobs.history(&filter.unwrap_or_default())?;
    let text = format.render(&entries);
    let name = format.file_name_today();
    let kind = match format {
        ExportFormat::Markdown => ("Markdown", "md"),
        ExportFormat::Csv => ("CSV (spreadsheet)", "csv"),
    };
    match save_dialog(&app, window, "Save the operation history", name, kind).await? {
        Some(path) => write(&path, &text),
        None => Ok(None),
    }
}

/// Saves one operation's report as Markdown where the user chooses. `None` when the dialog was cancelled.
#[tauri::command]
pub async fn save_report<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    job_id: String,
) -> Result<Option<String>, CommandError> {
    let entry = state.backend()?.jobs.history_entry(&job_id)?;
    let text = history::report(&entry);
    let name = history::report_file_name(&entry);
    match save_dialog(&app, window, "Save the report", name, ("Markdown", "md")).await? {
        Some(path) => write(&path, &text),
        None => Ok(None),
    }
}

/// Starts a restore test: a temporary new instance from the snapshot, timed and checked. The instance is untouched.
#[tauri::command]
pub async fn start_drill(
    state: State<'_, AppState>,
    instance_id: String,
    snapshot_id: String,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    required(&instance_id, "instance")?;
    required(&snapshot_id, "snapshot")?;
    let rx = state.backend()?.jobs.start_drill(&instance_id, &snapshot_id).await?;
    Ok(forward(rx, on_event))
}

/// Deletes the temporary instance of a finished restore test: the one that test created, never another.
#[tauri::command]
pub async fn delete_drill_instance(
    state: State<'_, AppState>,
    job_id: String,
) -> Result<DeletedInstance, CommandError> {
    required(&job_id, "restore test")?;
    Ok(state.backend()?.jobs.delete_drill_instance(&job_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drill_refusals_keep_their_code_and_aura_errors_their_wire_shape() {
        let e: CommandError = DrillError::AlreadyDeleted.into();
        assert_eq!((e.code.as_str(), e.retryable), ("already-deleted", false));
        let busy: CommandError = DrillError::Api(lifeboat_engine::ApiError::Busy {
            reason: "ongoing-database-operation".into(),
            message: "busy".into(),
            request_id: Some("r-1".into()),
        })
        .into();
        assert_eq!(busy.code, "busy");
        assert!(busy.message.contains("r-1"), "the request id is kept for support");
        let missing: CommandError = HistoryError::NotFound.into();
        assert_eq!(missing.code, "not-found");
    }
}
