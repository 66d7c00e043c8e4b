//! The commands the UI may invoke. Each parses its input, calls the engine and maps the error — nothing more.

use lifeboat_engine::accounts::{AccountKind, OpenAccount};
use lifeboat_engine::InstanceView;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::CommandError;
use crate::state::AppState;

/// What the window shows in its header and About dialog.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    mode: AccountKind,
    account_label: String,
    api_url: String,
    app_version: &'static str,
    // Where the log files are; none when no log file is written (plain comment: ts-rs renders doc comments).
    log_folder: Option<String>,
}

/// The header's facts for an account.
pub fn app_info_of(backend: &OpenAccount) -> AppInfo {
    AppInfo {
        mode: backend.kind,
        account_label: backend.label(),
        api_url: backend.client.endpoints().api_url.clone(),
        app_version: env!("CARGO_PKG_VERSION"),
        log_folder: crate::logging::folder().map(|p| p.to_string_lossy().into_owned()),
    }
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    let backend = state.backend()?;
    Ok(app_info_of(&backend))
}

#[tauri::command]
pub async fn list_instances(state: State<'_, AppState>) -> Result<Vec<InstanceView>, CommandError> {
    let backend = state.backend()?;
    Ok(lifeboat_engine::list_instance_views(&backend.client).await?)
}

#[tauri::command]
pub async fn get_instance(state: State<'_, AppState>, id: String) -> Result<InstanceView, CommandError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(CommandError::new("invalid-input", "No instance was chosen.", false));
    }
    let backend = state.backend()?;
    Ok(backend.client.get_instance(id).await?.into())
}
