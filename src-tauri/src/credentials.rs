//! The connect dialog's credentials file (the text file the Aura console downloads with a new API key), read here
//! in Rust, never in the webview.
//!
//! The secret never crosses IPC: `read_credentials_file` keeps the parsed file in [`CredentialImports`] and answers
//! with a reference (a token) plus what the form shows (file name, client id, the key's name). The dialog connects
//! with `connect_account_from_file(token)`, and afterwards may ask `delete_credentials_file(token)`, which deletes
//! only the file that was read under that token, only after its key was stored, and only while it still holds that
//! key (the engine's [`CredentialsFile::delete`]). The window cannot name another file to delete.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use lifeboat_engine::accounts::{AuraCredentials, CredentialsFile, CredentialsFileError};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State, WebviewWindow};
use ts_rs::TS;

use crate::accounts::{account_view, AccountView};
use crate::error::CommandError;
use crate::state::AppState;

/// What the connect form shows of a credentials file. No secret.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsFileView {
    /// The reference the dialog connects and deletes with.
    token: String,
    /// The file's name ("Neo4j-API-key.txt").
    file_name: String,
    /// `CLIENT_ID`, shown in the form (it is not secret).
    client_id: String,
    /// `CLIENT_NAME`: the key's name in the console, the default name of the account.
    client_name: Option<String>,
}

/// One file read for the dialog, and whether its key was stored (only then may it be deleted).
struct Import {
    file: CredentialsFile,
    stored: bool,
}

/// The credentials files read in this run, by token, until the dialog is done with them.
#[derive(Default)]
pub struct CredentialImports {
    next: AtomicU64,
    held: Mutex<HashMap<String, Import>>,
}

impl CredentialImports {
    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Import>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds a file that was read; answers what the form shows.
    fn hold(&self, file: CredentialsFile) -> CredentialsFileView {
        let token = format!("credentials-{}", self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let view = CredentialsFileView {
            token: token.clone(),
            file_name: file.name(),
            client_id: file.credentials().client_id.clone(),
            client_name: file.credentials().client_name.clone(),
        };
        self.held().insert(token, Import { file, stored: false });
        view
    }

    /// The key of a held file, to connect with.
    fn credentials(&self, token: &str) -> Result<AuraCredentials, CommandError> {
        self.held().get(token).map(|i| i.file.credentials().clone()).ok_or_else(gone)
    }

    /// The file's key is in the keyring now (`true`), or only in memory for this session (`false`): kept for
    /// this session only, the file is the one lasting copy of the key, so it is not offered for deletion.
    fn set_stored(&self, token: &str, in_keyring: bool) {
        if let Some(import) = self.held().get_mut(token) {
            import.stored = in_keyring;
        }
    }

    /// The held file, if it may be deleted now.
    fn deletable(&self, token: &str) -> Result<CredentialsFile, CommandError> {
        match self.held().get(token) {
            Some(import) if import.stored => Ok(import.file.clone()),
            Some(_) => Err(CommandError::new(
                "credentials-file-not-stored",
                "The key of this file is not saved in your keyring, so Lifeboat keeps the file: you will need it again. Nothing was changed.",
                false,
            )),
            None => Err(gone()),
        }
    }

    /// Lets go of a file (and of the secret read from it).
    fn forget(&self, token: &str) {
        self.held().remove(token);
    }
}

impl From<CredentialsFileError> for CommandError {
    fn from(e: CredentialsFileError) -> Self {
        CommandError::new(e.code(), e.to_string(), e.retryable())
    }
}

fn gone() -> CommandError {
    CommandError::new(
        "credentials-file-gone",
        "Lifeboat no longer holds that credentials file. Nothing was changed. Choose the file again.",
        false,
    )
}

/// Reads a credentials file (chosen or dropped) and holds it for the dialog.
#[tauri::command]
pub async fn read_credentials_file(
    imports: State<'_, CredentialImports>,
    path: String,
) -> Result<CredentialsFileView, CommandError> {
    if path.trim().is_empty() {
        return Err(CommandError::new("invalid-input", "No file was chosen.", false));
    }
    let file = tauri::async_runtime::spawn_blocking(move || CredentialsFile::read(std::path::Path::new(&path)))
        .await
        .map_err(|_| CommandError::new("internal", "Lifeboat could not finish that. Try again.", true))??;
    Ok(imports.hold(file))
}

/// Connects the account of a file read by `read_credentials_file`: the key is checked with Aura and stored, as
/// `connect_account` does with a typed key.
#[tauri::command]
pub async fn connect_account_from_file(
    state: State<'_, AppState>,
    imports: State<'_, CredentialImports>,
    token: String,
    label: String,
    session_only: bool,
) -> Result<AccountView, CommandError> {
    let credentials = imports.credentials(&token)?;
    let workspace = state.workspace()?;
    let profile = workspace
        .connect(&label, &credentials.client_id, state.connect_endpoints(), credentials.client_secret, session_only)
        .await?;
    imports.set_stored(&token, !session_only);
    workspace.switch(&profile.id)?;
    Ok(account_view(profile, false))
}

/// Deletes the file read under `token`, after its key was stored. Answers the deleted file's name.
#[tauri::command]
pub async fn delete_credentials_file(
    imports: State<'_, CredentialImports>,
    token: String,
) -> Result<String, CommandError> {
    let file = imports.deletable(&token)?;
    let name = file.name();
    tauri::async_runtime::spawn_blocking(move || file.delete())
        .await
        .map_err(|_| CommandError::new("internal", "Lifeboat could not finish that. Try again.", true))??;
    imports.forget(&token);
    Ok(name)
}

/// The dialog is done with the file: Lifeboat lets go of what it read (the secret leaves memory).
#[tauri::command]
pub fn forget_credentials_file(imports: State<'_, CredentialImports>, token: String) {
    imports.forget(&token);
}

/// The native "choose a file" dialog for a credentials file, as `choose_backup_file` opens one. `None` when
/// cancelled. (The end-to-end tests drop the file through the automation hook instead.)
#[tauri::command]
pub async fn choose_credentials_file<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
) -> Result<Option<String>, CommandError> {
    crate::files::open_dialog(&app, window, "Choose the downloaded credentials file", ("Text files", &["txt", "env"]))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "shell-canary-secret-7Hq2LmZpXv";

    fn held_file(dir: &std::path::Path) -> (CredentialImports, CredentialsFileView, std::path::PathBuf) {
        let path = dir.join("Neo4j-API-Key.txt");
        std::fs::write(&path, format!("CLIENT_ID=abc\nCLIENT_SECRET={SECRET}\nCLIENT_NAME=Ops\n")).unwrap();
        let imports = CredentialImports::default();
        let view = imports.hold(CredentialsFile::read(&path).unwrap());
        (imports, view, path)
    }

    #[test]
    fn the_window_gets_a_token_and_the_form_fields_but_never_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let (imports, view, _) = held_file(dir.path());
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains(SECRET), "{json}");
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            serde_json::json!({"token": view.token, "fileName": "Neo4j-API-Key.txt", "clientId": "abc", "clientName": "Ops"})
        );
        assert_eq!(imports.credentials(&view.token).unwrap().client_secret.expose(), SECRET);
    }

    #[test]
    fn only_the_file_read_under_a_token_is_deleted_and_only_once_its_key_is_in_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let (imports, view, path) = held_file(dir.path());
        assert_eq!(imports.deletable(&view.token).unwrap_err().code, "credentials-file-not-stored");
        imports.set_stored(&view.token, false);
        assert_eq!(imports.deletable(&view.token).unwrap_err().code, "credentials-file-not-stored", "session only");
        imports.set_stored(&view.token, true);
        assert_eq!(imports.deletable("credentials-99").unwrap_err().code, "credentials-file-gone");
        let file = imports.deletable(&view.token).unwrap();
        assert_eq!(file.path(), std::fs::canonicalize(&path).unwrap());
        file.delete().unwrap();
        assert!(!path.exists());
        imports.forget(&view.token);
        assert_eq!(imports.credentials(&view.token).unwrap_err().code, "credentials-file-gone");
    }
}
