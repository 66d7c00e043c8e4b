//! Backup files reach the window three ways: dropped on it (Tauri's drag-drop events carry the real OS paths),
//! chosen in a native dialog (rfd), or opened with Lifeboat from the desktop (`crate::open_with`). All end in
//! `inspect_file`.
//!
//! Drops are forwarded through channels the window registers (`subscribe_file_drops`), so the webview needs no
//! event permission at all. The window never navigates to a dropped file: wry intercepts the drop.

use std::path::PathBuf;
use std::sync::Mutex;

use lifeboat_archive::Inspection;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, DragDropEvent, Manager, Runtime, State, WebviewWindow, Window, WindowEvent};
use ts_rs::TS;

use crate::error::CommandError;
use crate::state::AppState;

/// A drag over, a drop on, or a drag leaving the window.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum FileDropEvent {
    /// Files are dragged over the window.
    Hover { paths: Vec<String> },
    /// Files were dropped.
    Drop { paths: Vec<String> },
    /// The drag left without dropping.
    Cancel { paths: Vec<String> },
    /// Files were opened with Lifeboat (`lifeboat FILE`, "Open with"): the window keeps them for the instance it
    /// shows, even when none is shown yet.
    Open { paths: Vec<String> },
}

/// The windows' drop channels, and the files opened before any window subscribed.
#[derive(Default)]
pub struct DropSubscribers(Mutex<Subscribers>);

#[derive(Default)]
struct Subscribers {
    channels: Vec<Channel<FileDropEvent>>,
    waiting: Vec<FileDropEvent>,
}

impl Subscribers {
    /// Sends an event to every live channel; dead ones (a reloaded window leaves one behind) are dropped.
    fn send(&mut self, event: &FileDropEvent) -> bool {
        self.channels.retain(|c| c.send(event.clone()).is_ok());
        !self.channels.is_empty()
    }
}

impl DropSubscribers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Subscribers> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends an event, or keeps it for the first window to subscribe (files opened at start-up arrive before the
    /// window has loaded). One lock throughout, so a window subscribing meanwhile cannot miss it.
    pub fn send_or_keep(&self, event: FileDropEvent) {
        let mut subscribers = self.lock();
        if !subscribers.send(&event) {
            subscribers.waiting.push(event);
        }
    }

    /// Adds a window's channel; the files opened before any window subscribed go to this one, once.
    pub(crate) fn subscribe(&self, channel: Channel<FileDropEvent>) {
        let mut subscribers = self.lock();
        for event in std::mem::take(&mut subscribers.waiting) {
            let _ = channel.send(event);
        }
        subscribers.channels.push(channel);
    }
}

fn strings(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.to_string_lossy().into_owned()).collect()
}

/// Forwards the window's drag-and-drop events to every subscribed channel.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::DragDrop(drag) = event else { return };
    let forwarded = match drag {
        DragDropEvent::Enter { paths, .. } => FileDropEvent::Hover { paths: strings(paths) },
        DragDropEvent::Drop { paths, .. } => FileDropEvent::Drop { paths: strings(paths) },
        DragDropEvent::Leave => FileDropEvent::Cancel { paths: Vec::new() },
        _ => return,
    };
    window.state::<DropSubscribers>().lock().send(&forwarded);
}

#[tauri::command]
pub fn subscribe_file_drops(subscribers: State<'_, DropSubscribers>, on_event: Channel<FileDropEvent>) {
    subscribers.subscribe(on_event);
}

/// Opens the native "choose a file" dialog for a backup.
#[tauri::command]
pub async fn choose_backup_file<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
) -> Result<Option<String>, CommandError> {
    open_dialog(&app, window, "Choose a backup file", ("Neo4j backups and dumps", &["backup", "dump", "tar"])).await
}

/// Opens a native "choose a file" dialog with one filter (and "All files"). rfd's async dialog is created on the
/// main thread (GTK requires it) with the window as parent, and awaited here, so no thread blocks on a dialog.
/// `None` when the user cancelled.
pub async fn open_dialog<R: Runtime>(
    app: &AppHandle<R>,
    window: WebviewWindow<R>,
    title: &'static str,
    filter: (&'static str, &'static [&'static str]),
) -> Result<Option<String>, CommandError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter(filter.0, filter.1)
            .add_filter("All files", &["*"])
            .set_parent(&window);
        let picked = dialog.pick_file();
        tauri::async_runtime::spawn(async move {
            let _ = tx.send(picked.await.map(|f| f.path().to_string_lossy().into_owned()));
        });
    })
    .map_err(|e| {
        CommandError::new(
            "dialog",
            format!("The file dialog could not open ({e}). Drop the file on the window instead."),
            true,
        )
    })?;
    rx.await.map_err(|_| {
        CommandError::new(
            "dialog",
            "The file dialog closed unexpectedly. Try again, or drop the file on the window.",
            true,
        )
    })
}

/// Debug builds started with `--automation-save-dir DIR` (the end-to-end tests): WebDriver cannot reach a native
/// dialog, so every save dialog answers `DIR/<proposed name>` at once, as a user accepting the proposed name in
/// that folder would. Only the dialog is skipped; everything after it runs as usual. Release builds ignore the flag.
pub(crate) fn automation_save_dir() -> Option<PathBuf> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "--automation-save-dir")?;
    args.get(i + 1).filter(|d| !d.is_empty()).map(PathBuf::from)
}

/// Opens the native "save as" dialog, the same way as [`choose_backup_file`] (created on the main thread with the
/// window as parent, awaited here). `None` when the user cancelled.
pub async fn save_dialog<R: Runtime>(
    app: &AppHandle<R>,
    window: WebviewWindow<R>,
    title: &'static str,
    file_name: String,
    filter: (&'static str, &'static str),
) -> Result<Option<PathBuf>, CommandError> {
    if let Some(dir) = automation_save_dir() {
        return Ok(Some(dir.join(file_name)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .set_file_name(file_name)
            .add_filter(filter.0, &[filter.1])
            .set_parent(&window);
        let picked = dialog.save_file();
        tauri::async_runtime::spawn(async move {
            let _ = tx.send(picked.await.map(|f| f.path().to_path_buf()));
        });
    })
    .map_err(|e| CommandError::new("dialog", format!("The save dialog could not open ({e}). Try again."), true))?;
    rx.await.map_err(|_| CommandError::new("dialog", "The save dialog closed unexpectedly. Try again.", true))
}

#[tauri::command]
pub async fn inspect_file(
    state: State<'_, AppState>,
    path: String,
    instance_id: String,
) -> Result<Inspection, CommandError> {
    if path.trim().is_empty() {
        return Err(CommandError::new("invalid-input", "No file was chosen.", false));
    }
    let backend = state.backend()?;
    Ok(lifeboat_engine::files::inspect_for(&backend.client, &instance_id, std::path::Path::new(&path)).await?)
}

/// What restoring the instance from an inspected file costs, for the file card: what it holds now, how old the
/// file's data is (`backup_time`, RFC 3339, from the inspection; none for files without a date), what is lost.
#[tauri::command]
pub async fn file_restore_cost(
    state: State<'_, AppState>,
    instance_id: String,
    backup_time: Option<String>,
) -> Result<lifeboat_engine::cost::FileRestoreCost, CommandError> {
    crate::jobs::required(&instance_id, "instance")?;
    let data_time = match backup_time.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(
            lifeboat_engine::cost::parse_time(t)
                .ok_or_else(|| CommandError::new("invalid-input", "The backup's time could not be read.", false))?,
        ),
        None => None,
    };
    Ok(state.backend()?.jobs.file_restore_cost(&instance_id, data_time).await?)
}

/// An unfinished upload, as the resume banner shows it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResumableView {
    upload_id: String,
    file_name: String,
    path: String,
    instance_id: String,
    instance_name: String,
    percent: f64,
    /// The whole file is with Aura; only its import was left to watch.
    uploaded: bool,
}

#[tauri::command]
pub async fn prepare_file_restore(
    state: State<'_, AppState>,
    instance_id: String,
    path: String,
) -> Result<lifeboat_engine::jobs::FileRestorePlan, CommandError> {
    let backend = state.backend()?;
    Ok(backend.jobs.plan_file_restore(&instance_id, std::path::Path::new(&path)).await?)
}

#[tauri::command]
pub async fn restore_from_file(
    state: State<'_, AppState>,
    token: String,
    safety_snapshot: bool,
    reason: Option<String>,
    on_event: Channel<lifeboat_engine::JobEvent>,
) -> Result<crate::jobs::JobStarted, CommandError> {
    let backend = state.backend()?;
    let rx = backend.jobs.start_file_restore(&token, safety_snapshot, reason).await?;
    Ok(crate::jobs::forward_overwrite(&backend, rx, on_event).await)
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, job_id: String) -> Result<(), CommandError> {
    if state.backend()?.jobs.cancel(&job_id) {
        Ok(())
    } else {
        Err(CommandError::new("not-running", "This operation is not running any more.", false))
    }
}

#[tauri::command]
pub async fn list_resumable_uploads(state: State<'_, AppState>) -> Result<Vec<ResumableView>, CommandError> {
    let backend = state.backend()?;
    let mut views = Vec::new();
    for u in backend.jobs.resumable_uploads() {
        // An upload to an instance that no longer exists cannot be resumed; it is not offered.
        let Ok(instance) = backend.client.get_instance(&u.dbid).await else { continue };
        views.push(ResumableView {
            upload_id: u.id,
            file_name: u.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            path: u.file.to_string_lossy().into_owned(),
            instance_id: instance.id,
            instance_name: instance.name,
            percent: u.percent_done,
            uploaded: u.uploaded,
        });
    }
    Ok(views)
}

#[tauri::command]
pub async fn resume_upload(
    state: State<'_, AppState>,
    upload_id: String,
    on_event: Channel<lifeboat_engine::JobEvent>,
) -> Result<crate::jobs::JobStarted, CommandError> {
    let rx = state.backend()?.jobs.resume_upload(&upload_id).await?;
    Ok(crate::jobs::forward(rx, on_event))
}

#[tauri::command]
pub async fn discard_upload(state: State<'_, AppState>, upload_id: String) -> Result<(), CommandError> {
    Ok(state.backend()?.jobs.discard_upload(&upload_id)?)
}
