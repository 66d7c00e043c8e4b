//! Commands for accounts and database logins. Secrets only ever travel from the window to the engine (set, test,
//! forget); no command returns one, except `reveal_clone_password` (see `jobs.rs`). Connecting from the Aura
//! console's credentials file is in `credentials.rs`.

use lifeboat_engine::accounts::{AccountKind, AccountProfile, SANDBOX_ID};
use lifeboat_engine::logins::LoginPersistence;
use lifeboat_engine::{DbLogin, Sensitive};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::{app_info_of, AppInfo};
use crate::error::CommandError;
use crate::state::AppState;

/// An account as the switcher shows it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    id: String,
    label: String,
    #[ts(type = "'sandbox' | 'aura'")]
    kind: &'static str,
    /// The end of the client id ("…7f3a"); `None` for the sandbox.
    client_id_hint: Option<String>,
    /// `revoked`: Aura no longer accepts the key (deleted or rotated in the console).
    #[ts(type = "'ok' | 'revoked'")]
    status: &'static str,
    /// Where the secret is kept: the OS keyring, memory until the app closes, or built in.
    #[ts(type = "'keyring' | 'session' | 'sandbox'")]
    persistence: &'static str,
}

/// All accounts and the one shown.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountList {
    accounts: Vec<AccountView>,
    active_id: String,
}

/// Where an instance's database login is kept.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoginStatus {
    saved: bool,
    user: Option<String>,
    #[ts(type = "'keyring' | 'session' | 'sandbox' | null")]
    persistence: Option<&'static str>,
}

fn sandbox_view() -> AccountView {
    AccountView {
        id: SANDBOX_ID.into(),
        label: "Sandbox (practice data)".into(),
        kind: "sandbox",
        client_id_hint: None,
        status: "ok",
        persistence: "sandbox",
    }
}

pub(crate) fn account_view(p: AccountProfile, revoked: bool) -> AccountView {
    AccountView {
        status: if revoked { "revoked" } else { "ok" },
        persistence: if p.session_only { "session" } else { "keyring" },
        client_id_hint: Some(p.client_id_hint()),
        id: p.id,
        label: p.label,
        kind: "aura",
    }
}

fn persistence(p: LoginPersistence) -> &'static str {
    match p {
        LoginPersistence::Keyring => "keyring",
        LoginPersistence::Session => "session",
        LoginPersistence::Sandbox => "sandbox",
    }
}

/// Keyring calls block on D-Bus (and may wait for an unlock prompt): never on the async runtime's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|_| CommandError::new("internal", "Lifeboat could not finish that. Try again.", true))
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<AccountList, CommandError> {
    let workspace = state.workspace()?;
    let mut accounts = vec![sandbox_view()];
    accounts.extend(workspace.profiles().into_iter().map(|p| {
        let revoked = workspace.is_revoked(&p.id);
        account_view(p, revoked)
    }));
    Ok(AccountList { accounts, active_id: workspace.shown()?.id.clone() })
}

#[tauri::command]
pub async fn connect_account(
    state: State<'_, AppState>,
    label: String,
    client_id: String,
    client_secret: String,
    session_only: bool,
) -> Result<AccountView, CommandError> {
    if client_id.trim().is_empty() || client_secret.trim().is_empty() {
        return Err(CommandError::new("invalid-input", "Enter both the client id and the client secret.", false));
    }
    let secret = Sensitive::new(client_secret.trim().to_owned());
    let workspace = state.workspace()?;
    let profile = workspace.connect(&label, &client_id, state.connect_endpoints(), secret, session_only).await?;
    workspace.switch(&profile.id)?;
    Ok(account_view(profile, false))
}

#[tauri::command]
pub async fn switch_account(state: State<'_, AppState>, id: String) -> Result<AppInfo, CommandError> {
    let workspace = state.workspace()?;
    let account = workspace.switch(&id)?;
    if account.kind == AccountKind::Aura {
        let refused = matches!(
            account.client.check_credentials().await,
            Err(lifeboat_engine::ApiError::InvalidCredentials { .. })
        );
        workspace.set_revoked(&id, refused);
    }
    Ok(app_info_of(&account))
}

#[tauri::command]
pub async fn rename_account(
    state: State<'_, AppState>,
    id: String,
    label: String,
) -> Result<AccountView, CommandError> {
    let workspace = state.workspace()?;
    let profile = workspace.rename(&id, &label)?;
    let revoked = workspace.is_revoked(&id);
    Ok(account_view(profile, revoked))
}

#[tauri::command]
pub async fn disconnect_account(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.workspace()?.disconnect(&id)?)
}

#[tauri::command]
pub async fn db_login_status(state: State<'_, AppState>, instance_id: String) -> Result<LoginStatus, CommandError> {
    let logins = state.backend()?.logins.clone();
    let found = blocking(move || logins.status(&instance_id)).await??;
    Ok(match found {
        Some((user, p)) => LoginStatus { saved: true, user: Some(user), persistence: Some(persistence(p)) },
        None => LoginStatus { saved: false, user: None, persistence: None },
    })
}

#[tauri::command]
pub async fn save_db_login(
    state: State<'_, AppState>,
    instance_id: String,
    user: String,
    password: String,
    session_only: bool,
) -> Result<LoginStatus, CommandError> {
    let user = if user.trim().is_empty() { "neo4j".to_owned() } else { user.trim().to_owned() };
    let login = DbLogin::new(user.clone(), password);
    let kept = state.backend()?.check_and_save_login(&instance_id, login, session_only).await?;
    Ok(LoginStatus { saved: true, user: Some(user), persistence: Some(persistence(kept)) })
}

#[tauri::command]
pub async fn forget_db_login(state: State<'_, AppState>, instance_id: String) -> Result<(), CommandError> {
    let logins = state.backend()?.logins.clone();
    Ok(blocking(move || logins.forget(&instance_id)).await??)
}
