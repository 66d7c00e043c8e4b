//! What the tests against the emulator share: a fast-clock emulator, an API client for its practice account, the
//! practice instances' database logins, and job managers journalling into a temporary folder.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aura_emulator::test_kit::{Control, Fault};
use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::{
    ApiCredentials, AuraClient, DbLogin, Endpoints, JobManager, JobSettings, LoginStore, MemoryLogins, RequestBudget,
    Sensitive,
};
use serde_json::Value;

/// A running emulator and a client signed in to its practice account.
pub struct World {
    pub emu: RunningEmulator,
    pub endpoints: Endpoints,
    pub client: AuraClient,
    /// The practice instances' database logins.
    pub logins: Arc<MemoryLogins>,
    /// Where [`World::manager`] journals.
    pub journal: tempfile::TempDir,
}

impl World {
    /// Starts an emulator on the fast clock.
    pub async fn start() -> World {
        Self::start_on(ClockSpeed::Fast).await
    }

    /// Starts an emulator on the given clock (the real one when an operation must stay under way for a while).
    pub async fn start_on(clock: ClockSpeed) -> World {
        let emu =
            aura_emulator::start(EmulatorConfig { clock, ..EmulatorConfig::default() }).await.expect("emulator starts");
        let info = emu.info().clone();
        let endpoints = Endpoints {
            api_url: info.api_url.clone(),
            auth_url: info.auth_url.clone(),
            console_url: info.console_url.clone(),
            query_url: info.query_url.clone(),
        };
        let credentials =
            ApiCredentials { client_id: info.client_id, client_secret: Sensitive::new(info.client_secret) };
        // Jobs polling every 40 ms need far more than Aura's 125 requests a minute; the budget has its own tests.
        let budget = Arc::new(RequestBudget::per_minute(100_000));
        let client = AuraClient::new(endpoints.clone(), credentials, budget).expect("client");
        let logins = Arc::new(MemoryLogins::default());
        for i in &info.instances {
            logins
                .remember(&i.id, DbLogin { user: i.db_user.clone(), password: Sensitive::new(i.db_password.clone()) })
                .expect("a login in memory");
        }
        World { emu, endpoints, client, logins, journal: tempfile::tempdir().expect("a temporary folder") }
    }

    /// A job manager journalling into [`World::journal`].
    pub fn manager(&self) -> Arc<JobManager> {
        self.manager_in(self.journal.path())
    }

    /// A job manager journalling into `journal_dir` (a "restarted" app reads what another one left there).
    pub fn manager_in(&self, journal_dir: &Path) -> Arc<JobManager> {
        JobManager::new(
            self.client.clone(),
            self.logins.clone(),
            JobSettings {
                journal_dir: journal_dir.to_path_buf(),
                poll_interval: Duration::from_millis(40),
                watch_limit: Duration::from_secs(60),
            },
        )
    }

    /// The id of the demo instance called `name`.
    pub fn id_of(&self, name: &str) -> String {
        self.emu.info().instances.iter().find(|i| i.name == name).expect("a demo instance").id.clone()
    }

    /// The emulator's control API, through its test kit.
    pub fn ctl(&self) -> Control {
        Control::new(&self.emu.base_url())
    }

    /// Arms a fault rule.
    pub async fn arm(&self, rule: Fault) {
        self.ctl().arm(&rule).await.expect("the emulator arms the rule");
    }

    /// A POST to the emulator's control API, for the controls the kit has no method for.
    pub async fn control(&self, path: &str, body: Value) {
        self.ctl().post(path, body).await.expect("the control call succeeds");
    }

    /// Every request the emulator logged, oldest first.
    pub async fn request_log(&self) -> Vec<Value> {
        self.ctl().requests().await.expect("the request log")
    }
}
