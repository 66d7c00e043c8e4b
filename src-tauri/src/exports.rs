//! Commands for the guided snapshot export. Glue only: the session, the watcher, the inspection, the atomic copy and
//! the history live in `lifeboat_engine::exports` and the job manager.
//!
//! The window never sends a path: it names the session and a file the watch found, and the destination comes from
//! the native save dialog here. So a page cannot make Lifeboat copy or delete a file of its choosing. The console
//! page opened in the browser is the one the engine planned for the snapshot, never a URL from the window.

use lifeboat_engine::exports::{ExportError, ExportEvent, ExportPlan, WatchedFolder};
use lifeboat_engine::JobEvent;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State, WebviewWindow};

use crate::error::CommandError;
use crate::files::save_dialog;
use crate::jobs::{forward, required, JobStarted};
use crate::state::AppState;

impl From<ExportError> for CommandError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Api(api) => api.into(),
            other => CommandError::new(other.code(), other.to_string(), other.retryable()),
        }
    }
}

/// Opens an export of a snapshot: checks Aura exports it and starts watching the Downloads folder from now on.
#[tauri::command]
pub async fn plan_snapshot_export(
    state: State<'_, AppState>,
    instance_id: String,
    snapshot_id: String,
) -> Result<ExportPlan, CommandError> {
    required(&instance_id, "instance")?;
    required(&snapshot_id, "snapshot")?;
    Ok(state.backend()?.jobs.plan_snapshot_export(&instance_id, &snapshot_id).await?)
}

/// Streams what the watch finds (downloads under way, new files with their inspection) into the channel, until the
/// export is closed or the window goes away.
#[tauri::command]
pub async fn watch_snapshot_export(
    state: State<'_, AppState>,
    session_id: String,
    on_event: Channel<ExportEvent>,
) -> Result<(), CommandError> {
    let sink = std::sync::Arc::new(move |event: ExportEvent| on_event.send(event).is_ok());
    Ok(state.backend()?.jobs.watch_snapshot_export(&session_id, sink)?)
}

/// Opens the console page of the export in the default browser.
#[tauri::command]
pub async fn open_export_console(state: State<'_, AppState>, session_id: String) -> Result<(), CommandError> {
    let url = state.backend()?.jobs.export_console_url(&session_id)?;
    // Only the web address the engine built from the account's console endpoint: https, or the sandbox on loopback.
    let allowed = tauri::Url::parse(&url).is_ok_and(|u| match u.scheme() {
        "https" => true,
        "http" => matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    });
    if !allowed {
        return Err(CommandError::new("invalid-input", "Lifeboat opens only the Aura console's web address.", false));
    }
    // `open` hands the address to the desktop's default browser (xdg-open, `open`, ShellExecute) and does not wait.
    tauri::async_runtime::spawn_blocking(move || open::that_detached(&url))
        .await
        .map_err(|e| CommandError::new("browser", format!("Lifeboat could not open your browser ({e})."), true))?
        .map_err(|e| {
            CommandError::new(
                "browser",
                format!(
                    "Lifeboat could not open your browser ({e}). Copy the address shown and open it in your browser."
                ),
                true,
            )
        })
}

/// Asks for another folder to watch (the browser may save elsewhere). `None` when the dialog was cancelled.
#[tauri::command]
pub async fn add_export_folder<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    session_id: String,
) -> Result<Option<Vec<WatchedFolder>>, CommandError> {
    let jobs = state.backend()?.jobs.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let picked = rfd::AsyncFileDialog::new()
            .set_title("Watch another folder for the download")
            .set_parent(&window)
            .pick_folder();
        tauri::async_runtime::spawn(async move {
            let _ = tx.send(picked.await.map(|f| f.path().to_path_buf()));
        });
    })
    .map_err(|e| CommandError::new("dialog", format!("The folder dialog could not open ({e}). Try again."), true))?;
    let picked =
        rx.await.map_err(|_| CommandError::new("dialog", "The folder dialog closed unexpectedly. Try again.", true))?;
    match picked {
        Some(folder) => Ok(Some(jobs.add_export_folder(&session_id, &folder)?)),
        None => Ok(None),
    }
}

/// Asks where to keep a file the watch found (a native save dialog proposing `<instance>_<snapshot time>.<ext>`),
/// then starts the export job: atomic copy, verification, and — when `remove_download` — removal of the download
/// once the copy is verified. `None` when the dialog was cancelled.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn save_snapshot_export<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    session_id: String,
    candidate_id: String,
    remove_download: bool,
    on_event: Channel<JobEvent>,
) -> Result<Option<JobStarted>, CommandError> {
    let jobs = state.backend()?.jobs.clone();
    let candidate = jobs.export_candidate(&session_id, &candidate_id)?;
    if !candidate.usable {
        return Err(ExportError::Unusable(candidate.problem.unwrap_or_default()).into());
    }
    let filter = match candidate.proposed_name.rsplit('.').next() {
        Some("dump") => ("Neo4j dump", "dump"),
        Some("tar") => ("AuraDS archive", "tar"),
        _ => ("Neo4j backup", "backup"),
    };
    let Some(destination) =
        save_dialog(&app, window, "Keep the exported snapshot", candidate.proposed_name.clone(), filter).await?
    else {
        return Ok(None);
    };
    let rx = jobs.start_snapshot_export(&session_id, &candidate_id, &destination, remove_download)?;
    Ok(Some(forward(rx, on_event)))
}

/// Stops watching and forgets the export (the dialog closed). A copy already started goes on.
#[tauri::command]
pub async fn close_snapshot_export(state: State<'_, AppState>, session_id: String) -> Result<(), CommandError> {
    state.backend()?.jobs.close_snapshot_export(&session_id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_refusals_keep_their_code_and_aura_errors_their_wire_shape() {
        let e: CommandError = ExportError::SameFile.into();
        assert_eq!((e.code.as_str(), e.retryable), ("same-file", false));
        let busy: CommandError = ExportError::Api(lifeboat_engine::ApiError::Busy {
            reason: "ongoing-database-operation".into(),
            message: "busy".into(),
            request_id: Some("r-2".into()),
        })
        .into();
        assert_eq!(busy.code, "busy");
        assert!(busy.message.contains("r-2"));
    }
}
