//! Commands for accounts and database logins. Secrets only ever travel from the window to the engine (set, test,
//! forget); no command returns one, except `reveal_clone_password` (see `jobs.rs`).

use lifeboat_engine::accounts::verify_api_key;
use lifeboat_engine::logins::LoginPersistence;
use lifeboat_engine::{DbLogin, Sensitive};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::commands::{app_info_of, AppInfo};
use crate::error::CommandError;
use crate::state::{AppState, Logins, SANDBOX_ID};

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

fn secret_error(e: lifeboat_secrets::SecretError) -> CommandError {
    CommandError::new(e.code(), e.to_string(), e.suggests_session_only())
}

/// Keyring calls block on D-Bus (and may wait for an unlock prompt): never on the async runtime's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|_| CommandError::new("internal", "Lifeboat could not finish that. Try again.", true))
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<AccountList, CommandError> {
    let (profiles, revoked, active_id) = state.accounts()?;
    let mut accounts = vec![sandbox_view()];
    accounts.extend(profiles.into_iter().map(|p| AccountView {
        status: if revoked.contains(&p.id) { "revoked" } else { "ok" },
        persistence: if p.session_only { "session" } else { "keyring" },
        client_id_hint: Some(p.client_id_hint()),
        id: p.id,
        label: p.label,
        kind: "aura",
    }));
    Ok(AccountList { accounts, active_id })
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
    let endpoints = crate::state::connect_endpoints();
    let client = lifeboat_engine::accounts::client_for(endpoints.clone(), &client_id, secret.clone())?;
    verify_api_key(&client).await?;
    // Saving talks to the keyring (blocking D-Bus): tell the runtime this worker is busy.
    let profile =
        tokio::task::block_in_place(|| state.add_profile(&label, &client_id, endpoints, secret, session_only))?;
    tokio::task::block_in_place(|| state.switch(&profile.id))?;
    Ok(AccountView {
        client_id_hint: Some(profile.client_id_hint()),
        persistence: if profile.session_only { "session" } else { "keyring" },
        id: profile.id,
        label: profile.label,
        kind: "aura",
        status: "ok",
    })
}

#[tauri::command]
pub async fn switch_account(state: State<'_, AppState>, id: String) -> Result<AppInfo, CommandError> {
    let backend = tokio::task::block_in_place(|| state.switch(&id))?;
    if id != SANDBOX_ID {
        match backend.client.check_credentials().await {
            Err(lifeboat_engine::ApiError::InvalidCredentials { .. }) => state.set_revoked(&id, true),
            _ => state.set_revoked(&id, false),
        }
    }
    Ok(app_info_of(&backend))
}

#[tauri::command]
pub async fn rename_account(
    state: State<'_, AppState>,
    id: String,
    label: String,
) -> Result<AccountView, CommandError> {
    let p = state.rename(&id, &label)?;
    Ok(AccountView {
        client_id_hint: Some(p.client_id_hint()),
        persistence: if p.session_only { "session" } else { "keyring" },
        id: p.id,
        label: p.label,
        kind: "aura",
        status: "ok",
    })
}

#[tauri::command]
pub async fn disconnect_account(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    tokio::task::block_in_place(|| state.disconnect(&id))
}

#[tauri::command]
pub async fn db_login_status(state: State<'_, AppState>, instance_id: String) -> Result<LoginStatus, CommandError> {
    let backend = state.backend()?;
    match &backend.logins {
        Logins::Sandbox(m) => {
            use lifeboat_engine::LoginStore;
            let login = m.login(&instance_id);
            Ok(LoginStatus { saved: login.is_some(), user: login.map(|l| l.user), persistence: Some("sandbox") })
        }
        Logins::Keyring(k) => {
            let k = k.clone();
            let found = blocking(move || k.status(&instance_id)).await?.map_err(secret_error)?;
            Ok(match found {
                Some((user, p)) => LoginStatus { saved: true, user: Some(user), persistence: Some(persistence(p)) },
                None => LoginStatus { saved: false, user: None, persistence: None },
            })
        }
    }
}

fn persistence(p: LoginPersistence) -> &'static str {
    match p {
        LoginPersistence::Keyring => "keyring",
        LoginPersistence::Session => "session",
    }
}

#[tauri::command]
pub async fn save_db_login(
    state: State<'_, AppState>,
    instance_id: String,
    user: String,
    password: String,
    session_only: bool,
) -> Result<LoginStatus, CommandError> {
    let backend = state.backend()?;
    let user = if user.trim().is_empty() { "neo4j".to_owned() } else { user.trim().to_owned() };
    let login = DbLogin::new(user.clone(), password);
    // Checked with a query before anything is saved, so a typo never ends up in the keyring.
    let query = lifeboat_engine::QueryClient::new(backend.client.endpoints())
        .map_err(|e| CommandError::new(e.code(), e.to_string(), false))?;
    query.check_login(&instance_id, &login).await.map_err(|e| CommandError::new(e.code(), e.to_string(), false))?;
    let where_kept = match &backend.logins {
        Logins::Sandbox(m) => {
            use lifeboat_engine::LoginStore;
            m.remember(&instance_id, login).map_err(|e| CommandError::new("internal", e, true))?;
            "sandbox"
        }
        Logins::Keyring(k) => {
            let k = k.clone();
            let id = instance_id.clone();
            persistence(blocking(move || k.save(&id, login, session_only)).await?.map_err(secret_error)?)
        }
    };
    Ok(LoginStatus { saved: true, user: Some(user), persistence: Some(where_kept) })
}

#[tauri::command]
pub async fn forget_db_login(state: State<'_, AppState>, instance_id: String) -> Result<(), CommandError> {
    let backend = state.backend()?;
    match &backend.logins {
        Logins::Sandbox(m) => {
            m.forget(&instance_id);
            Ok(())
        }
        Logins::Keyring(k) => {
            let k = k.clone();
            blocking(move || k.forget(&instance_id)).await?.map_err(secret_error)
        }
    }
}
