//! Shared helpers: a fast-clock emulator with its control API, generated archives, and requests tuned for tests
//! (256 KiB chunks, millisecond backoff, 20 ms status polls).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aura_emulator::test_kit::{Control, Fault};
use aura_emulator::{start, ClockSpeed, EmulatorConfig, RunningEmulator, SandboxInstance};
use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion, WrittenArchive};
use lifeboat_upload::{RetryPolicy, Step, Timeouts, UploadProgress, UploadRequest, CHUNK_QUANTUM};
use serde_json::Value;
use tokio::sync::watch;

pub const MIB: u64 = 1024 * 1024;
/// Chunks of 256 KiB: many chunks from a few MiB, so faults land inside an upload.
pub const CHUNK: u64 = CHUNK_QUANTUM;

pub struct Sandbox {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let emu = start(EmulatorConfig { clock: ClockSpeed::Fast, ..EmulatorConfig::default() })
            .await
            .expect("the emulator starts");
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();
        Sandbox { emu, http }
    }

    pub fn instance(&self, name: &str) -> SandboxInstance {
        self.emu.info().instances.iter().find(|i| i.name == name).cloned().expect("demo instance")
    }

    /// The emulator's control API, through its test kit.
    pub fn ctl(&self) -> Control {
        Control::new(&self.emu.base_url())
    }

    pub async fn fault(&self, rule: Fault) {
        self.ctl().arm(&rule).await.expect("the emulator arms the rule");
    }

    pub async fn clear_faults(&self) {
        self.ctl().clear_faults().await.expect("the rules are cleared");
    }

    pub async fn provider(&self, settings: Value) {
        self.ctl().console_settings(settings).await.expect("the provider is set");
    }

    pub async fn expire_sessions(&self, status: u16) {
        self.ctl().expire_sessions(status).await.expect("the sessions expire");
    }

    pub async fn stale_failure(&self, instance: &str) {
        self.ctl().stale_failure(instance).await.expect("the stale failure is set");
    }

    pub async fn import_never_starts(&self) {
        self.ctl().import_never_starts(1).await.expect("the next load never starts");
    }

    pub async fn fail_next(&self) {
        self.ctl().fail_next(1).await.expect("the next transition fails");
    }

    pub async fn add_user(&self, instance: &str, user: &str, password: &str) {
        self.ctl().add_db_user(instance, user, password).await.expect("the user is added");
    }

    pub async fn requests(&self) -> Vec<Value> {
        self.ctl().requests().await.expect("the request log")
    }

    /// The instance as the emulator's state shows it now: `(status, nodes, relationships)`.
    pub async fn live(&self, id: &str) -> (String, u64, u64) {
        let live = self.ctl().live(id).await.expect("instance in state");
        (live.status, live.nodes, live.relationships)
    }

    /// A request for `instance` tuned for tests.
    pub fn request(&self, instance: &SandboxInstance, file: &Path) -> UploadRequest {
        let mut req = UploadRequest::new(
            file,
            instance.connection_url.clone(),
            instance.db_user.clone(),
            instance.db_password.clone().into(),
        );
        req.console_url = Some(self.emu.info().console_url.clone());
        req.overwrite_confirmed = true;
        req.chunk_size = CHUNK;
        req.poll_interval = Duration::from_millis(20);
        req.import_start_timeout = Duration::from_secs(5);
        req.retry = fast_retry();
        req.timeouts = Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
            stall_window: Duration::from_secs(10),
            stall_min_bytes: 1,
            response: Duration::from_secs(20),
        };
        req
    }
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy { base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(50), max_attempts: 10 }
}

/// A Neo4j 5 backup of about `size` bytes (random filler, so the file is as big as the store) whose marker
/// gives the restored instance `nodes` and `relationships`.
pub fn archive(dir: &Path, size: u64, nodes: u64, relationships: u64) -> WrittenArchive {
    let spec = TestArchive {
        nodes,
        relationships,
        approx_size: size,
        incompressible: true,
        seed: nodes ^ relationships,
        ..TestArchive::new(TestVersion::Neo4j5)
    };
    let path: PathBuf = dir.join(spec.file_name());
    write_backup(&path, &spec).expect("a test archive")
}

/// Collects progress events with the time each arrived.
#[derive(Clone, Default)]
pub struct Recorder {
    pub events: Arc<Mutex<Vec<(Instant, UploadProgress)>>>,
}

impl Recorder {
    pub fn sink(&self) -> impl Fn(UploadProgress) + Send + Sync + 'static {
        let events = self.events.clone();
        move |p| events.lock().unwrap().push((Instant::now(), p))
    }

    pub fn all(&self) -> Vec<UploadProgress> {
        self.events.lock().unwrap().iter().map(|(_, p)| p.clone()).collect()
    }

    pub fn messages(&self) -> Vec<String> {
        self.all().into_iter().filter_map(|p| p.message).collect()
    }

    /// The pauses before a retry, in seconds: the window shows them as "Waiting for Aura… retrying in N s" (the
    /// technical reason goes to the log, never to a message).
    pub fn waits(&self) -> Vec<u64> {
        self.all().into_iter().filter_map(|p| p.retry_in_secs).collect()
    }

    /// Asserts that the upload paused to retry at least once, and that no message carries protocol words.
    pub fn assert_waited_in_plain_words(&self) {
        assert!(!self.waits().is_empty(), "no wait before a retry was reported: {:?}", self.all());
        for m in self.messages() {
            assert!(!m.contains("HTTP") && !m.contains("503"), "protocol words in a message: {m}");
        }
    }

    pub fn timed(&self) -> Vec<(Instant, UploadProgress)> {
        self.events.lock().unwrap().clone()
    }
}

/// Waits (politely) until `check` holds, for at most `limit`.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    check()
}

/// A progress sink that also publishes the bytes done of the Upload step, so a test can act mid-upload.
pub fn watched(rec: &Recorder) -> (impl Fn(UploadProgress) + Send + Sync + 'static, watch::Receiver<u64>) {
    let (tx, rx) = watch::channel(0u64);
    let inner = rec.sink();
    let sink = move |p: UploadProgress| {
        if p.step == Step::Upload {
            tx.send_replace(p.bytes_done);
        }
        inner(p);
    };
    (sink, rx)
}

pub async fn wait_bytes(rx: &mut watch::Receiver<u64>, at_least: u64) {
    // The `Ref` `wait_for` returns holds the channel's lock: drop it before the sender needs it again.
    let reached =
        tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|b| *b >= at_least)).await.map(|r| r.is_ok());
    assert_eq!(reached, Ok(true), "the upload never reached {at_least} bytes");
}
