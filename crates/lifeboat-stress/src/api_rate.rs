//! How many Aura API requests the engine makes while it watches three jobs at once, against the emulator on the
//! real clock (so every job lasts as long as on Aura) with the app's own settings: a 2-second status poll and the
//! shared request budget. Aura allows 125 requests a minute per account; the figure says how much of that three
//! watched jobs use, and the budget's share of the limit says what happens with more.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::budget::DEFAULT_REQUESTS_PER_MINUTE;
use lifeboat_engine::jobs::Outcome;
use lifeboat_engine::{
    ApiCredentials, AuraClient, DbLogin, Endpoints, JobManager, JobSettings, JobState, LoginStore, MemoryLogins,
    RequestBudget, Sensitive, SnapshotCache,
};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

/// The desktop app's status poll on the real clock (`src-tauri/src/state.rs`).
pub const APP_POLL: Duration = Duration::from_secs(2);

/// What one measurement saw.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRate {
    /// Length of the window, seconds.
    pub window_secs: f64,
    /// Requests to the Aura API (`/v1/…`) in the window.
    pub api_requests: usize,
    /// Of those, the ones that changed something (POST, PATCH, DELETE).
    pub api_writes: usize,
    /// Token requests (`/oauth/token`) in the window.
    pub token_requests: usize,
    /// Query API requests (the before/after counts; they go to each instance, not to the rate-limited API).
    pub query_requests: usize,
    /// API and token requests per minute: what counts against Aura's limit.
    pub per_minute: f64,
    /// Aura's limit.
    pub aura_limit_per_minute: u32,
    /// The engine's shared budget (it spaces requests out beyond this).
    pub budget_per_minute: u32,
    /// 429 answers seen in the window.
    pub rate_limited: usize,
    /// The jobs watched, as `kind: outcome` (or `running`) at the end of the window.
    pub jobs: Vec<String>,
}

fn api_client(emu: &RunningEmulator) -> Result<AuraClient, String> {
    let info = emu.info().clone();
    let endpoints = Endpoints {
        api_url: info.api_url.clone(),
        auth_url: info.auth_url.clone(),
        console_url: info.console_url.clone(),
        query_url: info.query_url.clone(),
    };
    let credentials = ApiCredentials { client_id: info.client_id, client_secret: Sensitive::new(info.client_secret) };
    AuraClient::new(endpoints, credentials, Arc::new(RequestBudget::default())).map_err(|e| e.to_string())
}

async fn request_log(emu: &RunningEmulator) -> Result<Vec<Value>, String> {
    let url = format!("{}/_emulator/requests", emu.base_url());
    let log: Value = reqwest::get(url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
    Ok(log.get("data").unwrap_or(&log).as_array().cloned().unwrap_or_default())
}

fn seq(entry: &Value) -> u64 {
    entry["seq"].as_u64().unwrap_or(0)
}

/// Starts a restore (Production), a new instance (from a Staging snapshot) and a restore drill (Production) in a
/// real-clock sandbox, then counts the requests of the next `window`.
pub async fn measure(window: Duration) -> Result<ApiRate, String> {
    let emu = aura_emulator::start(EmulatorConfig { clock: ClockSpeed::Real, ..EmulatorConfig::default() })
        .await
        .map_err(|e| e.to_string())?;
    let client = api_client(&emu)?;
    let logins = Arc::new(MemoryLogins::default());
    for i in &emu.info().instances {
        let login = DbLogin { user: i.db_user.clone(), password: Sensitive::new(i.db_password.clone()) };
        logins.remember(&i.id, login).map_err(|e| e.to_string())?;
    }
    let journal = tempfile::tempdir().map_err(|e| e.to_string())?;
    let jobs = JobManager::new(
        client.clone(),
        logins,
        JobSettings {
            journal_dir: journal.path().to_path_buf(),
            poll_interval: APP_POLL,
            watch_limit: Duration::from_secs(3600),
        },
    );
    let id_of = |name: &str| emu.info().instances.iter().find(|i| i.name == name).map(|i| i.id.clone());
    let (production, staging) = match (id_of("Production"), id_of("Staging")) {
        (Some(p), Some(s)) => (p, s),
        _ => return Err("the demo instances are missing".into()),
    };
    let cache = SnapshotCache::new();
    let exportable = |id: String| {
        let (client, cache) = (&client, &cache);
        async move {
            let timeline = cache.timeline(client, &id, false).await.map_err(|e| e.to_string())?;
            timeline
                .snapshots
                .iter()
                .find(|s| s.restorable && s.exportable)
                .map(|s| s.id.clone())
                .ok_or_else(|| format!("no exportable snapshot of {id}"))
        }
    };
    let production_snapshot = exportable(production.clone()).await?;
    let staging_snapshot = exportable(staging.clone()).await?;

    // The setup's own requests (token, snapshot lists) are not part of the window.
    let before = request_log(&emu).await?.iter().map(seq).max().unwrap_or(0);
    let started = Instant::now();
    let token = jobs.prepare_restore(&production, &production_snapshot);
    let mut watched: Vec<watch::Receiver<JobState>> = vec![
        jobs.start_restore(&token, true, None).await.map_err(|e| e.to_string())?,
        jobs.start_clone(&staging, &staging_snapshot, "API rate probe", "professional-db", "4GB")
            .await
            .map_err(|e| e.to_string())?,
        jobs.start_drill(&production, &production_snapshot).await.map_err(|e| e.to_string())?,
    ];
    tokio::time::sleep(window.saturating_sub(started.elapsed())).await;
    let window_secs = started.elapsed().as_secs_f64();
    let log: Vec<Value> = request_log(&emu).await?.into_iter().filter(|e| seq(e) > before).collect();
    emu.shutdown().await;

    let path = |e: &Value| e["path"].as_str().unwrap_or_default().to_string();
    let api: Vec<&Value> = log.iter().filter(|e| path(e).starts_with("/v1/")).collect();
    let token_requests = log.iter().filter(|e| path(e).starts_with("/oauth/")).count();
    let api_writes = api.iter().filter(|e| matches!(e["method"].as_str(), Some("POST" | "PATCH" | "DELETE"))).count();
    let jobs = watched
        .iter_mut()
        .map(|rx| {
            let s = rx.borrow_and_update();
            let kind =
                serde_json::to_value(s.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let state = match s.outcome {
                None => "running",
                Some(Outcome::Succeeded) => "succeeded",
                Some(Outcome::Failed) => "failed",
            };
            format!("{kind}: {state}")
        })
        .collect();
    Ok(ApiRate {
        window_secs,
        api_requests: api.len(),
        api_writes,
        token_requests,
        query_requests: log.iter().filter(|e| path(e).starts_with("/query/")).count(),
        per_minute: (api.len() + token_requests) as f64 * 60.0 / window_secs.max(1e-9),
        aura_limit_per_minute: 125,
        budget_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
        rate_limited: log.iter().filter(|e| e["status"] == 429).count(),
        jobs,
    })
}
