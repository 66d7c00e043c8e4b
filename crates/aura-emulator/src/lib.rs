//! A local emulator of the Neo4j Aura API, for the Lifeboat sandbox and for tests over real HTTP.
//!
//! It serves, on `127.0.0.1` only:
//!
//! - the OAuth client-credentials token endpoint (`POST /oauth/token`);
//! - the Aura API v1 subset Lifeboat uses (`/v1/tenants…`, `/v1/instances…`, snapshots, restore, overwrite,
//!   create-from-snapshot, pause/resume, rename, delete), with Aura's envelopes, error reasons, `X-Request-Id` on
//!   every response and a per-account rate limit answering 429 with `Retry-After`;
//! - a minimal Query API v2 (`POST /query/{dbid}/db/neo4j/query/v2`) that answers `RETURN 1` and node and
//!   relationship counts, enough to verify a restore, plus the paged reads and batched writes of Lifeboat's logical
//!   export and import against a real graph per instance (generated from the counts, or stored once a client
//!   writes; see the `graph` module);
//! - the console import API of `neo4j-admin database upload` under `/console` (auth, size check, initiate,
//!   multipart status, upload-complete, status; see [`console`]), and the two object stores it hands signed URLs
//!   for, a GCS-style resumable upload and S3-style multipart parts under `/objects` (see [`objects`]), which
//!   stream to disk and survive a restart;
//! - the console's snapshot export as a browser sees it: a Snapshots page per instance with an Export link on
//!   exportable snapshots, and the download itself, a generated backup holding the snapshot's counts (see
//!   [`export`]);
//! - a control API under `/_emulator/…` to inject faults and inspect what clients did (see [`faults`]).
//!
//! Instances and snapshots move through Aura's state machines on a configurable clock ([`ClockSpeed`]);
//! scheduled snapshots appear as real time passes, by tier, and expire by tier. The account is kept as JSON in a
//! data directory, written atomically after every change, so a sandbox survives a restart; uploads live in
//! `imports/` beside it.
//!
//! A fresh sandbox holds a demo project: a Business Critical "Production" with a week of daily and hourly
//! snapshots (one Failed) and two on-demand ones, a Professional "Staging" with a week of dailies, and a Free
//! "Playground" with one on-demand snapshot. Graphs grow slowly while running, so a restore visibly turns the
//! counts back. All three are on `gcp`, so they import through GCS; an instance created on `aws` imports through
//! S3, and `POST /_emulator/console/provider` forces either for tests.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), aura_emulator::EmulatorError> {
//! use aura_emulator::{start, ClockSpeed, EmulatorConfig};
//!
//! let emulator = start(EmulatorConfig { clock: ClockSpeed::Fast, ..EmulatorConfig::default() }).await?;
//! let info = emulator.info();
//! println!("{}", serde_json::to_string(info).unwrap_or_default());
//! // Point a client at info.api_url / info.auth_url with info.client_id / info.client_secret…
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # A console import, end to end
//!
//! 1. `POST {console_url}/v1/databases/{dbid}/import/auth` with the instance's database credentials (Basic)
//!    and `Confirmed: true` → `{"Token"}`; every later console call sends `Authorization: Bearer <Token>`.
//! 2. `POST …/import/size` `{"FullSize"}` → 200, or 422 `ImportExceedsMaxSize` beyond the instance's storage.
//! 3. `POST {console_url}/v2/databases/{dbid}/import` `{"Crc32","DumpSize","FullSize"}` → 202 with
//!    `SignedURI` (GCP) or `SignedLinks`/`UploadID`/`TotalParts` (AWS), and `Provider`.
//! 4. GCP: `POST` the signed URL with `x-goog-resumable: start` → 201 `Location`; `PUT` the file there (whole or
//!    in chunks), resuming from the status query's `Range`. AWS: `PUT` each part link; `POST
//!    …/import/multipart-upload-status` lists them.
//! 5. `POST …/import/upload-complete` `{"Crc32"}` (AWS: plus `Parts`, `UploadID`, `Provider`) → 200.
//! 6. `GET …/import/status`: `running` (the load is queued), `loading`, then `running` with the counts of the
//!    archive, or `loading failed` with `Error{Message,Reason,Url}`.
//!
//! # Deviations from real Aura, and assumptions
//!
//! Marked *inferred* where the public sources say nothing; clients should not depend on them.
//!
//! - `GET /v1/instances/{id}` includes `version` (`"5"`/`"4"`): an emulator assumption. `graph_nodes` and
//!   `graph_relationships` (free-db only) are JSON strings (inferred); a client should accept numbers too.
//! - Error reasons beyond Aura's known ones are inferred: `snapshot-not-exportable` (400, with Aura's message
//!   `Source snapshot <id> is not exportable`), `snapshot-not-completed`, `snapshot-not-restorable`,
//!   `invalid-instance-state` (400: e.g. pausing a paused instance, snapshotting a paused one; 409
//!   `ongoing-database-operation` is kept for instances in a transition), `invalid-request` (400 validation, with
//!   `field`), `unauthorized` (401), `token-expired`/`invalid-token` (403), `rate-limit-exceeded` (429).
//! - The token endpoint answers errors with the same `{"errors":[…]}` body and follows Aura's documented status
//!   table: 401 bad credentials, 400 not a form body, 403 no `grant_type=client_credentials`, 404 empty body.
//!   Tokens are opaque strings kept in memory; a restart invalidates them (403, like an expired token).
//! - Token lifetime (3600 s) and the rate-limit minute run on real time whatever the clock speed; only
//!   transition durations are scaled. The limit counts authenticated `/v1` requests per account.
//! - `GET …/snapshots` lists one UTC day (default today UTC), oldest first; `snapshot-not-found` is used for
//!   a snapshot of another instance too.
//! - Restores are allowed from any completed snapshot within the tier's restore window, hourly ones included;
//!   create-from-snapshot and overwrite need a completed, exportable snapshot. `PATCH` changes only `name`; any
//!   other field is a 400 `invalid-request` naming it. Upgrade, sizing, customer-managed keys and Graph Analytics
//!   sessions are not emulated (404 `not-found`).
//! - The Query API lives under `/query/{dbid}/…` on the emulator's port instead of on `<dbid>.databases.neo4j.io`;
//!   an unknown `dbid` answers 404 where real Aura would not resolve the host. Only database `neo4j` exists.
//! - Graphs: an instance's data is a generated graph derived from its counts (labels `Person`, `Company`, `Product`,
//!   `Order`, some `Archived`; typed properties; relationships that end at most 63 nodes after they start) until a
//!   client empties it or writes into it (small graphs only); from then on the Query API serves a stored graph and
//!   the simulated growth of a demo instance stops. Snapshots record counts only, so restoring one gives a generated
//!   graph of its size. Query API answers are instant, and `id()` is the emulator's own numbering.
//! - Scheduled snapshots: daily at a fixed hour and hourly (Business Critical, VDC) at a fixed minute per
//!   instance; slots that pass while an instance is not running are skipped.
//!
//! Console import (nothing of it was observed on the wire against real Aura; the shapes follow what
//! `neo4j-admin` sends and accepts):
//!
//! - The console lives under `/console` and the object stores under `/objects` on the emulator's port, over
//!   plain http; real Aura uses `https://console…neo4j.io` and Google/AWS storage hosts. `neo4j-admin` itself has
//!   no console URL override; a client built for the emulator needs one.
//! - Auth: 401 for wrong credentials, 403 only for non-admin users added through the control API, 404 for an
//!   unknown instance, 409 when the database holds any node or relationship and `Confirmed` is not `true`.
//!   Console tokens are opaque, held in memory (a restart invalidates them: 401), bound to one instance, and live
//!   an hour of real time (inferred). upload-complete answers 409 too if the token carried no consent and the
//!   database holds data.
//! - Storage sizes such as `"16GB"` are read in binary units (16 GiB); `FullSize` (or `DumpSize` when it is the
//!   only size given) is checked at size and at initiate. Inferred 4xx reasons: `InvalidDatabaseState` (400: not
//!   `running`/`loading failed`, or an operation under way), `UnknownUpload` (400: no open upload with that
//!   `Crc32`), `UploadIncomplete` (400: object or a part missing), `InvalidPart` (400: a listed `ETag` or
//!   `UploadID` is not the stored one), `UploadNotFound` (404), `ConsentRequired` (409), `InvalidRequest` (400).
//! - Provider: `"AWS"` when the instance's `cloud_provider` is `aws`, GCP otherwise, unless the control
//!   API forces one; the v1 initiate (older clients read only `SignedURI`) always answers GCP. Uploads are keyed
//!   by instance, CRC32 and sizes (inferred): initiating the same file again returns the same upload (the same
//!   start URL; for S3 the links from the first missing part on), any other open upload of the instance is
//!   discarded, and an initiate after upload-complete starts afresh.
//! - upload-complete answers 200 before the file is checked; the CRC32 (IEEE) of the assembled object is then
//!   compared with initiate's `Crc32` in the background, and a mismatch makes the load end in `loading failed`
//!   with reason `ChecksumMismatch` (the real server's reaction is unknown). Other inferred reasons:
//!   `ImportFailed` (fail-next), `UploadMissing`, `InternalError`; a `loading failed` without a recorded import
//!   error (e.g. a failed restore) shows `UnknownError`.
//! - Timing: a load is queued for 2 s (the status keeps showing the previous state, e.g. a stale `loading
//!   failed`), then shows `loading` for 30 s + 10 s per GiB of `FullSize`, scaled by the clock, and never ends
//!   before the file check has. The status endpoint adds `Progress` (0–99, an estimate) while loading, and
//!   reports any other instance state verbatim (e.g. `paused`, `restoring`). The Aura API shows the instance as
//!   `loading` meanwhile.
//! - Which dumps load, as Aura's Neo4j does (`lifeboat_archive::aura_loads`, facts in `docs/dump-format.md`):
//!   the store's version is read from the archive, and a 3.x dump on any instance, a 4.0–4.3 dump on a Neo4j 5
//!   instance and a Neo4j 5 dump on a 4 instance end in `loading failed` with reason `UnsupportedStoreVersion`
//!   and a message that names the version and the way out (load it into Neo4j 4.4, dump it again). The reason
//!   and wording are the emulator's own (real Aura's are not public; a 4.x dump refused by Aura 5 is seen
//!   publicly only as "Loading failed"). A dump whose version can't be read is loaded.
//! - The loaded counts come from the `lifeboat-test-counts: nodes=<N> relationships=<M>` marker of an archive
//!   the project generated (raw, or inside gzip/zstd streams and tar entries); without it (a real dump) from the
//!   in-use records of the node and relationship stores (standard and aligned record formats); failing both,
//!   they are **not known**: the Query API's count statements answer `null`, its graph reads and writes fail
//!   with `ExecutionFailed`, and a snapshot of such an instance exports without counts. The emulator never makes
//!   counts up. The uploaded files are deleted once the load has its verdict.
//! - GCS: 201 on start; 308 with `Range` (none while nothing is persisted); a cut body persists in whole 256 KiB
//!   units; 200 with a JSON object resource on completion (the XML API's body is empty); a second session on a
//!   completed object answers 403 `AccessDenied` on every request; sessions expire after 7 days (410); `DELETE`
//!   answers 499. `x-goog-hash` is not checked and no CRC32C is computed.
//! - S3: the signature is a random token per upload; parts have no minimum size; the default part size is
//!   64 MiB (at most 10,000 parts); the `ETag` has MD5's shape but is the part's CRC32 and size.
//!
//! # Where an independent client and our reading of Aura disagree
//!
//! `aura-python-sdk` (PyPI, modelled on the Go SDK `aura-go-sdk`) drives the sandbox in the test command
//! (`tests/interop/test_aura_sdk.py`). Where its code or documentation and the public sources we read
//! (`aura-api.md`: Aura's docs, aura-cli, Terraform, the Go SDK) differ, this is what the emulator does, and why:
//!
//! - **Overwrite from a snapshot alone.** Both SDKs send `{"source_snapshot_id"}` without `source_instance_id` for
//!   `overwrite_from_snapshot`; aura-cli always sends `source_instance_id` (the target's own id when restoring its
//!   own snapshot). Both are accepted: a snapshot id alone names a snapshot of the instance being overwritten,
//!   which must be completed and exportable (a snapshot of another instance is 404 `snapshot-not-found`, field
//!   `source_snapshot_id`); one of the two fields is required (400 `invalid-request`).
//! - **What an overwrite answers.** The Go SDK's test mock answers `{"data":"<job id>"}`; aura-cli's mock and the
//!   Python SDK (which parses the answer as an instance) expect the instance with status `overwriting`. The
//!   emulator answers the instance, as for restore, pause and resume; the engine's client accepts both shapes.
//! - **An expired or unknown token is a 403**, as Aura's documentation says; the Python SDK fetches a new token
//!   only after a 401 ("revoked"), so it reports `PermissionDeniedError` instead. It refreshes 60 s before
//!   `expires_in` runs out, so it only meets this after `/_emulator/tokens/expire` or an emulator restart. We keep
//!   the documented 403 (Lifeboat's engine refreshes on it) rather than the SDK's inference.
//! - **Tier-specific instance fields** follow the SDK's documentation of the live API, which the reference leaves
//!   open: no `storage` for Free, `graph_nodes`/`graph_relationships` only for Free, `secondaries_count` only for
//!   Virtual Dedicated Cloud, `cdc_enrichment_mode` only for Virtual Dedicated Cloud and Business Critical.
//! - **Metrics.** `GET /v1/tenants/{id}/metrics-integration` answers 400 `tenant-incapable-of-action` (a reason
//!   the reference lists for this endpoint) and instances carry no `metrics_integration_url`: the sandbox has no
//!   Prometheus endpoint, and an address on a real metrics host would send a client's token off this machine.
//! - Snapshots are never `Cancelled` (a status only the SDK lists), and instances never `suspended`, `updating`,
//!   `stopped` or `available`: nothing in the sandbox leads there.

#![warn(missing_docs)]

mod api;
mod auth;
mod clock;
pub mod console;
mod error;
pub mod export;
pub mod faults;
mod graph;
mod graph_query;
mod import;
mod model;
pub mod objects;
mod query;
mod scan;
mod seed;
mod server;
mod store;
#[cfg(feature = "test-kit")]
pub mod test_kit;
mod world;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use clock::{ClockSpeed, ParseClockSpeedError, FAST_FACTOR};
pub use error::EmulatorError;

use clock::Timing;
use model::World;
use objects::ObjectStore;
use server::Shared;
use store::Store;

/// Aura's documented global limit.
const DEFAULT_RATE_LIMIT: u32 = 125;

/// How to run an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where the state lives. `None`: a fresh temporary directory, deleted on shutdown. `Some`: state is saved
    /// there and reloaded by the next start.
    pub data_dir: Option<PathBuf>,
    /// How fast transitions run.
    pub clock: ClockSpeed,
    /// Requests per rolling minute per account on `/v1` routes before 429.
    pub rate_limit_per_minute: u32,
    /// Seed the demo project when the data directory has no state yet (otherwise: one empty tenant).
    pub demo_project: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            data_dir: None,
            clock: ClockSpeed::Real,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT,
            demo_project: true,
        }
    }
}

/// What a client needs to talk to a running emulator; printed by `lifeboat sandbox --json`.
#[derive(Serialize, Clone, Debug)]
pub struct SandboxInfo {
    /// Aura API base, `http://127.0.0.1:PORT/v1`.
    pub api_url: String,
    /// Token endpoint, `http://127.0.0.1:PORT/oauth/token`.
    pub auth_url: String,
    /// Console base of the import API, `http://127.0.0.1:PORT/console`.
    pub console_url: String,
    /// Query API URL template containing the literal `{dbid}`.
    pub query_url: String,
    /// API client id of this sandbox's account.
    pub client_id: String,
    /// API client secret of this sandbox's account.
    pub client_secret: String,
    /// The instances present at start, with their database credentials.
    pub instances: Vec<SandboxInstance>,
}

/// One instance of the sandbox and how to reach its database.
#[derive(Serialize, Clone, Debug)]
pub struct SandboxInstance {
    /// The 8-hex-character instance id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `neo4j+s://<id>.databases.neo4j.io`, as Aura reports it.
    pub connection_url: String,
    /// Database user.
    pub db_user: String,
    /// Database password.
    pub db_password: String,
}

/// A running emulator. Call [`RunningEmulator::shutdown`] to stop it cleanly; dropping it stops serving too, but
/// without the final save and before a temporary data directory is removed.
pub struct RunningEmulator {
    info: SandboxInfo,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    data_dir: PathBuf,
    temp_dir: Option<tempfile::TempDir>,
}

impl RunningEmulator {
    /// Endpoints and credentials of this sandbox.
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// The bound address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where the state is kept (a temporary directory when none was configured).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops accepting requests, lets open ones finish (a few seconds at most), saves the state, and removes a
    /// temporary data directory.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Err(e) = self.shared.flush().await {
            tracing::error!(error = %e, "final save of the emulator state failed");
        }
        if let Some(dir) = self.temp_dir.take() {
            if let Err(e) = dir.close() {
                tracing::warn!(error = %e, "cannot remove the emulator's temporary directory");
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts an emulator: loads (or seeds) the state, binds 127.0.0.1, and serves until shutdown.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let (dir, temp_dir) = match &config.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("aura-emulator-")
                .tempdir()
                .map_err(|source| EmulatorError::DataDir { path: std::env::temp_dir(), source })?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
    };
    std::fs::create_dir_all(&dir).map_err(|source| EmulatorError::DataDir { path: dir.clone(), source })?;

    let timing = Timing::new(config.clock);
    let now = time::OffsetDateTime::now_utc();
    let (mut world, fresh) = match store::load(&dir)? {
        Some(world) => (world, false),
        None if config.demo_project => (seed::demo_world(now, timing), true),
        None => (World::empty(), true),
    };
    world.tick(now, timing);
    if fresh {
        let bytes = serde_json::to_vec_pretty(&world).map_err(|e| EmulatorError::SaveState {
            path: dir.join(store::STATE_FILE),
            source: std::io::Error::other(e),
        })?;
        store::write_atomic(&dir.join(store::STATE_FILE), &bytes)?;
    }

    let objects = ObjectStore::open(&dir)?;
    let graphs = graph::GraphStore::open(&dir, &mut world)?;

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .map_err(|source| EmulatorError::Bind { port: config.port, source })?;
    let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { port: config.port, source })?;
    let info = sandbox_info(addr, &world);
    let pending = world.pending_verifications();

    let stop = CancellationToken::new();
    let setup = server::Setup {
        store: Store::new(&dir),
        objects,
        graphs,
        timing,
        rate_limit_per_minute: config.rate_limit_per_minute,
        base_url: format!("http://{addr}"),
        stop: stop.clone(),
    };
    let shared = Arc::new(Shared::new(world, setup));
    // Imports whose uploaded file was still being checked when the emulator stopped.
    for (dbid, upload_id) in pending {
        console::spawn_verification(shared.clone(), dbid, upload_id);
    }
    let router = server::router(shared.clone());
    let serve = tokio::spawn(server::serve(listener, router, stop.clone()));
    let tick = tokio::spawn(ticker(shared.clone(), config.clock, stop.clone()));
    tracing::info!(%addr, dir = %dir.display(), clock = %config.clock, "aura emulator listening");
    Ok(RunningEmulator { info, addr, shared, stop, tasks: vec![serve, tick], data_dir: dir, temp_dir })
}

/// Moves transitions along (and saves them) even when no client is asking.
async fn ticker(shared: Arc<Shared>, clock: ClockSpeed, stop: CancellationToken) {
    let period = match clock {
        ClockSpeed::Fast => std::time::Duration::from_millis(20),
        ClockSpeed::Real => std::time::Duration::from_millis(500),
    };
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(period) => shared.tick().await,
        }
    }
}

fn sandbox_info(addr: SocketAddr, world: &World) -> SandboxInfo {
    let base = format!("http://{addr}");
    SandboxInfo {
        api_url: format!("{base}/v1"),
        auth_url: format!("{base}/oauth/token"),
        console_url: format!("{base}/console"),
        query_url: format!("{base}/query/{{dbid}}/db/neo4j/query/v2"),
        client_id: world.account.client_id.clone(),
        client_secret: world.account.client_secret.clone(),
        instances: world
            .instances
            .iter()
            .map(|i| SandboxInstance {
                id: i.id.clone(),
                name: i.name.clone(),
                connection_url: i.connection_url(),
                db_user: i.db_user.clone(),
                db_password: i.db_password.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_move_between_tasks() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<RunningEmulator>();
        send_sync::<SandboxInfo>();
        send_sync::<EmulatorError>();
    }

    #[test]
    fn sandbox_info_has_the_cli_json_shape() {
        let world = seed::demo_world(time::OffsetDateTime::now_utc(), Timing::new(ClockSpeed::Real));
        let info = sandbox_info("127.0.0.1:4567".parse().unwrap(), &world);
        let v = serde_json::to_value(&info).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["api_url", "auth_url", "client_id", "client_secret", "console_url", "instances", "query_url"]
        );
        let mut ikeys: Vec<_> = v["instances"][0].as_object().unwrap().keys().cloned().collect();
        ikeys.sort();
        assert_eq!(ikeys, ["connection_url", "db_password", "db_user", "id", "name"]);
        assert_eq!(v["query_url"], "http://127.0.0.1:4567/query/{dbid}/db/neo4j/query/v2");
        assert_eq!(v["api_url"], "http://127.0.0.1:4567/v1");
    }
}
