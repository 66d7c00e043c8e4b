//! Commands for the data export and import (the logical copy of nodes and relationships through the Query API).
//! Glue only: the native dialogs here, the jobs in `lifeboat_engine::jobs`, the format in
//! `lifeboat_engine::graph_export`.

use lifeboat_engine::graph_export;
use lifeboat_engine::jobs::GraphImportPlan;
use lifeboat_engine::JobEvent;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State, WebviewWindow};

use crate::error::CommandError;
use crate::files::save_dialog;
use crate::jobs::{forward, required, JobStarted};
use crate::state::AppState;

/// Asks where to save an export of the instance (proposing `<instance>_<UTC time>.graph.jsonl.zst`), then starts
/// it. `None` when the dialog was cancelled: nothing started.
#[tauri::command]
pub async fn export_graph<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    instance_id: String,
    on_event: Channel<JobEvent>,
) -> Result<Option<JobStarted>, CommandError> {
    required(&instance_id, "instance")?;
    let backend = state.backend()?;
    let instance = backend.client.get_instance(&instance_id).await?;
    let name = graph_export::file_name_now(&instance.name);
    let filter = ("Lifeboat data export", "zst");
    let Some(path) = save_dialog(&app, window, "Save the data export", name, filter).await? else {
        return Ok(None);
    };
    let rx = backend.jobs.start_graph_export(&instance_id, path).await?;
    Ok(Some(forward(rx, on_event)))
}

/// Opens the native "choose a file" dialog for a data export (created on the main thread with the window as
/// parent, as `choose_backup_file` does). `None` when the user cancelled.
#[tauri::command]
pub async fn choose_graph_file<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
) -> Result<Option<String>, CommandError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Choose a data export")
            .add_filter("Lifeboat data export", &["zst"])
            .add_filter("All files", &["*"])
            .set_parent(&window);
        let picked = dialog.pick_file();
        tauri::async_runtime::spawn(async move {
            let _ = tx.send(picked.await.map(|f| f.path().to_string_lossy().into_owned()));
        });
    })
    .map_err(|e| CommandError::new("dialog", format!("The file dialog could not open ({e}). Try again."), true))?;
    rx.await.map_err(|_| CommandError::new("dialog", "The file dialog closed unexpectedly. Try again.", true))
}

/// Reads the export's header and issues the one-time token its import needs; call when the confirmation opens.
#[tauri::command]
pub async fn prepare_graph_import(
    state: State<'_, AppState>,
    instance_id: String,
    path: String,
) -> Result<GraphImportPlan, CommandError> {
    required(&instance_id, "instance")?;
    required(&path, "file")?;
    Ok(state.backend()?.jobs.plan_graph_import(&instance_id, std::path::Path::new(&path)).await?)
}

/// Replaces the instance's data with the export's nodes and relationships (needs the token).
#[tauri::command]
pub async fn import_graph(
    state: State<'_, AppState>,
    token: String,
    safety_snapshot: bool,
    reason: Option<String>,
    on_event: Channel<JobEvent>,
) -> Result<JobStarted, CommandError> {
    let backend = state.backend()?;
    let rx = backend.jobs.start_graph_import(&token, safety_snapshot, reason).await?;
    Ok(crate::jobs::forward_overwrite(&backend, rx, on_event).await)
}
