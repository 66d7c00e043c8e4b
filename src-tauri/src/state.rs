//! What the running app holds: the embedded sandbox and the engine's [`Workspace`] (the connected accounts, each
//! with its own client, request budget, jobs and snapshot cache, and which one the window shows).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::accounts::{DataLayout, OpenAccount, Workspace, WorkspaceError};
use lifeboat_engine::{DbLogin, Endpoints, JobSettings, Sensitive};

use crate::error::CommandError;

/// Managed Tauri state.
#[derive(Default)]
pub struct AppState {
    workspace: OnceLock<Workspace>,
    /// Where accounts connected in this run live (the start-up flags, else the environment, else real Aura).
    connect_endpoints: OnceLock<Endpoints>,
    sandbox: tokio::sync::Mutex<Option<RunningEmulator>>,
}

impl AppState {
    /// The accounts.
    pub fn workspace(&self) -> Result<&Workspace, CommandError> {
        self.workspace.get().ok_or_else(|| WorkspaceError::Starting.into())
    }

    /// The account the window shows.
    pub fn backend(&self) -> Result<Arc<OpenAccount>, CommandError> {
        Ok(self.workspace()?.shown()?)
    }

    /// Where a newly connected account's API lives.
    pub fn connect_endpoints(&self) -> Endpoints {
        self.connect_endpoints.get().cloned().unwrap_or_default()
    }

    /// Starts the sandbox, loads the connected accounts and opens the last one used (the sandbox when none is
    /// configured). `AURA_CLIENT_ID`/`AURA_CLIENT_SECRET` in the environment add a session-only account.
    pub async fn start(&self, layout: DataLayout, connect_endpoints: Endpoints) -> Result<(), String> {
        // Tests run the sandbox on the fast clock so a restore takes a fraction of a second.
        let (clock, poll) = match std::env::var("LIFEBOAT_SANDBOX_CLOCK").as_deref() {
            Ok("fast") => (ClockSpeed::Fast, JobSettings::FAST_SANDBOX_POLL),
            _ => (ClockSpeed::Real, JobSettings::SANDBOX_POLL),
        };
        let emulator = start_sandbox(&layout.sandbox_dir(), clock).await?;
        let info = emulator.info().clone();
        *self.sandbox.lock().await = Some(emulator);
        if self.workspace.set(Workspace::with_os_keyring(layout)).is_err() {
            return Err("Lifeboat was started twice.".into());
        }
        let _ = self.connect_endpoints.set(connect_endpoints.clone());
        let workspace = self.workspace().map_err(|e| e.message)?;
        workspace
            .open_sandbox(
                Endpoints {
                    api_url: info.api_url,
                    auth_url: info.auth_url,
                    console_url: info.console_url,
                    query_url: info.query_url,
                },
                &info.client_id,
                Sensitive::new(info.client_secret),
                info.instances.into_iter().map(|i| (i.id, DbLogin::new(i.db_user, i.db_password))),
                poll,
            )
            .map_err(|e| e.user_message())?;
        let from_environment = std::env::var("AURA_CLIENT_ID").ok().zip(std::env::var("AURA_CLIENT_SECRET").ok());
        let from_environment = from_environment
            .filter(|(id, secret)| !id.is_empty() && !secret.is_empty())
            .map(|(id, secret)| (id, Sensitive::new(secret)));
        workspace.open_last(from_environment, connect_endpoints);
        Ok(())
    }

    /// Jobs still running, over every open account.
    pub fn running_jobs(&self) -> usize {
        self.workspace.get().map_or(0, Workspace::running_jobs)
    }

    /// Stops the sandbox cleanly, so its state is flushed to disk.
    pub async fn shutdown(&self) {
        if let Some(emulator) = self.sandbox.lock().await.take() {
            emulator.shutdown().await;
        }
    }
}

/// Starts the embedded emulator on the port it had last time, so its addresses stay put.
async fn start_sandbox(dir: &Path, clock: ClockSpeed) -> Result<RunningEmulator, String> {
    let last_port = remembered_port(dir);
    let config = EmulatorConfig { port: last_port, data_dir: Some(dir.to_path_buf()), clock, ..Default::default() };
    let emulator = match aura_emulator::start(config.clone()).await {
        Ok(emulator) => Ok(emulator),
        // The port was taken in the meantime: any port will do, only unfinished uploads lose their session.
        Err(e) if last_port != 0 => {
            tracing::info!(error = %e, port = last_port, "the sandbox's previous port is taken; using another");
            aura_emulator::start(EmulatorConfig { port: 0, ..config }).await
        }
        Err(e) => Err(e),
    }
    .map_err(|e| format!("The sandbox could not start: {e}"))?;
    remember_port(dir, emulator.addr().port());
    Ok(emulator)
}

/// The file that keeps the sandbox's port between runs of the app.
const SANDBOX_PORT_FILE: &str = "port";

/// The port the sandbox listened on last time (0: none yet). The sandbox keeps its address across restarts of the
/// app, as Aura's addresses never change: journals of unfinished uploads hold its console and storage URLs, and a
/// resume must find them again.
fn remembered_port(dir: &Path) -> u16 {
    std::fs::read_to_string(dir.join(SANDBOX_PORT_FILE)).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

fn remember_port(dir: &Path, port: u16) {
    if let Err(e) = lifeboat_engine::atomic::write_atomically(&dir.join(SANDBOX_PORT_FILE), port.to_string().as_bytes())
    {
        tracing::warn!(error = %e, "cannot remember the sandbox's port");
    }
}

#[cfg(test)]
mod tests {
    /// The engine names the app's folders for the command line (`lifeboat history`, `--account`); they are the
    /// window's only if both use the same identifier.
    #[test]
    fn the_engine_names_the_app_by_the_identifier_in_tauri_conf() {
        let conf: serde_json::Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], lifeboat_engine::accounts::APP_IDENTIFIER);
        assert!(conf["app"].get("appDirectoriesOverride").is_none(), "Tauri would then use other folders");
    }
}
