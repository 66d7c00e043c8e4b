//! What a caller hands [`crate::run`] and what it gets back: the request with its tunables, the progress events,
//! and the outcome. This module owns the defaults (chunk size, parallelism, timeouts, retry policy) and nothing
//! else: no I/O happens here.

use std::path::PathBuf;
use std::time::Duration;

use lifeboat_secrets::Sensitive;
use serde::{Deserialize, Serialize};

/// GCS accepts intermediate chunks only in multiples of this (256 KiB).
pub const CHUNK_QUANTUM: u64 = 256 * 1024;

/// Default GCS chunk: 64 MiB. Large enough that the idle round trip at each chunk boundary costs little on a
/// real uplink (`docs/object-upload.md` §1.7), small enough that a dropped connection re-sends at most this.
pub const DEFAULT_CHUNK_SIZE: u64 = 64 * 1024 * 1024;

/// Default number of S3 parts uploaded at once.
pub const DEFAULT_PARALLEL_PARTS: usize = 4;

/// Every read of the file uses buffers of this size: 1 MiB. Measured on this machine kind, a 4 KiB stream
/// buffer caps reqwest at ~170 MB/s while ≥ 256 KiB reaches the loopback limit (~3 GB/s).
pub const READ_BUFFER: usize = 1024 * 1024;

/// Everything [`crate::run`] needs for one upload.
///
/// Build it with [`UploadRequest::new`] and adjust the public fields; the defaults are what the app uses.
/// `Debug` never shows the password (it is a [`Sensitive`]).
#[derive(Debug, Clone)]
pub struct UploadRequest {
    /// The archive file itself (`.backup`, `.dump` or AuraDS `.tar`; resolve a folder with
    /// `lifeboat_archive::inspect` first). It is only ever opened for reading.
    pub file: PathBuf,
    /// The instance's connection URI (`neo4j+s://<dbid>.databases.neo4j.io`). The console URL and the database id
    /// are derived from it exactly as `neo4j-admin database upload` does (`docs/import-protocol.md` §2).
    pub bolt_uri: String,
    /// The database id, required for `*.instances.neo4j.io` URIs (which don't contain it), like `--to-dbid`.
    /// When given with a `*.databases.neo4j.io` URI it must agree with the URI.
    pub dbid: Option<String>,
    /// Overrides the derived console base URL (`https://console.neo4j.io`, or the emulator's
    /// `http://127.0.0.1:PORT/console`). Plain `http` is accepted only for loopback hosts.
    pub console_url: Option<String>,
    /// Database user (the console authenticates with the database credentials).
    pub username: String,
    /// Database password. Sent only in the `Authorization: Basic` header of the console's auth call; never
    /// logged, never written to the journal.
    pub password: Sensitive<String>,
    /// The user confirmed that the instance's current data may be overwritten (header `Confirmed: true`).
    pub overwrite_confirmed: bool,
    /// `FullSize` for the size check: the store's uncompressed size from the archive's metadata. `None`: read
    /// it with `lifeboat_archive::inspect` (structure walk only), falling back to the file size as
    /// `neo4j-admin` does for formats that don't record it.
    pub full_size: Option<u64>,
    /// GCS chunk size in bytes. Rounded up to a multiple of 256 KiB ([`CHUNK_QUANTUM`]); default 64 MiB. A
    /// dropped connection re-sends at most one chunk; memory use does not depend on it (chunks stream from disk).
    pub chunk_size: u64,
    /// How many S3 parts are uploaded at once (at least 1; default 4).
    pub parallel_parts: usize,
    /// Where the resume journal lives (one small JSON file per unfinished upload). `None`: no journal, so an
    /// upload interrupted by a crash or restart starts over.
    pub journal_dir: Option<PathBuf>,
    /// Resume this unfinished upload (an id from [`crate::resumable`]) instead of starting a new one. The file,
    /// database and console URL then come from the journal; `file`, `bolt_uri`, `dbid` and `console_url` of the
    /// request are ignored.
    pub resume_id: Option<String>,
    /// Network timeouts.
    pub timeouts: Timeouts,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// The file's checksum, if it was computed already (the app does so when the file is dropped,
    /// `lifeboat_archive::checksum_file`). Used only if the file's key (canonical path, size, modification time,
    /// inode) is still the one it was computed from when the checksum step comes; otherwise the file is read
    /// again, as without it.
    pub known_checksum: Option<lifeboat_archive::FileChecksum>,
    /// How long Aura's load of this file is expected to take, from a measured earlier load (the caller's history);
    /// `None`: the protocol's rule of thumb (5 min + 3 min per GiB). Either way it is shown as an estimate.
    pub expected_import: Option<Duration>,
    /// How often the import status is polled (the protocol's client uses 2 s).
    pub poll_interval: Duration,
    /// How long the import may take to *start* loading after upload-complete before we give up (the protocol's
    /// client uses 90 s).
    pub import_start_timeout: Duration,
}

impl UploadRequest {
    /// A request with the default settings: 64 MiB chunks, 4 parallel parts, no journal, no overwrite consent.
    pub fn new(
        file: impl Into<PathBuf>,
        bolt_uri: impl Into<String>,
        username: impl Into<String>,
        password: Sensitive<String>,
    ) -> Self {
        UploadRequest {
            file: file.into(),
            bolt_uri: bolt_uri.into(),
            dbid: None,
            console_url: None,
            username: username.into(),
            password,
            overwrite_confirmed: false,
            full_size: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            parallel_parts: DEFAULT_PARALLEL_PARTS,
            journal_dir: None,
            resume_id: None,
            known_checksum: None,
            expected_import: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::transfer(),
            poll_interval: Duration::from_secs(2),
            import_start_timeout: Duration::from_secs(90),
        }
    }

    /// The chunk size actually used: rounded up to a multiple of 256 KiB, at least 256 KiB.
    pub fn effective_chunk_size(&self) -> u64 {
        round_chunk(self.chunk_size)
    }
}

/// Rounds a chunk size up to a whole number of 256 KiB units (at least one).
pub(crate) fn round_chunk(size: u64) -> u64 {
    size.max(1).div_ceil(CHUNK_QUANTUM).saturating_mul(CHUNK_QUANTUM)
}

/// Network timeouts. There is deliberately no whole-request timeout on data uploads: a multi-GiB PUT on a slow
/// uplink legitimately takes hours, so a stalled transfer is detected by its rate instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP (and TLS) connection establishment.
    pub connect: Duration,
    /// Whole-request limit for small requests: console calls, GCS session start and status queries.
    pub request: Duration,
    /// The stall watchdog's window: a data request that moves fewer than `stall_min_bytes` in this long is
    /// aborted and resumed from the last acknowledged byte.
    pub stall_window: Duration,
    /// See `stall_window`.
    pub stall_min_bytes: u64,
    /// How long to wait for the answer once the whole body of a data request is sent (GCS may take a while to
    /// commit a large final chunk).
    pub response: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(20),
            request: Duration::from_secs(60),
            stall_window: Duration::from_secs(60),
            stall_min_bytes: 1024 * 1024,
            response: Duration::from_secs(120),
        }
    }
}

/// How transfers retry: the shared policy type of `lifeboat_basics::backoff` (its `Retry-After` rule included);
/// requests default to [`RetryPolicy::transfer`]. Attempts are counted *without progress*: the count starts again
/// whenever the store acknowledges more bytes, so a long upload over a flaky link keeps going as long as it advances.
pub use lifeboat_basics::backoff::RetryPolicy;

/// The steps of an upload, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Signing in to the Aura console with the database credentials.
    Auth,
    /// Asking Aura whether the database fits the instance.
    SizeCheck,
    /// Computing the CRC-32 of the whole file.
    Checksum,
    /// Asking Aura where to upload.
    Initiate,
    /// Sending the file.
    Upload,
    /// Telling Aura the file is complete, which starts the import.
    Complete,
    /// Aura is loading the file into the instance.
    Import,
    /// The instance runs with the uploaded data.
    Running,
}

/// One progress event. Events are throttled to about ten a second; step changes and messages always come
/// through.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    /// The current step.
    pub step: Step,
    /// Bytes done in this step (checksum: read; upload: sent, counting from the resume point; import: an
    /// estimate scaled to the store size).
    pub bytes_done: u64,
    /// Bytes in this step (the file size; for the import, `FullSize`).
    pub bytes_total: u64,
    /// Measured throughput, smoothed over a few seconds (0 when not measured yet or not applicable).
    pub bytes_per_sec: f64,
    /// Seconds left in this step, when known.
    pub eta_secs: Option<u64>,
    /// Whether `eta_secs` (and `bytes_done`) is an estimate rather than a measurement (the import: Aura reports
    /// no progress, so it is the rule of thumb 5 min + 3 min per GiB).
    pub estimate: bool,
    /// Something worth telling the user, in plain words (a restart, a stale status).
    pub message: Option<String>,
    /// The transfer stopped and is tried again in this many seconds (the ETA is `None` while it waits).
    pub retry_in_secs: Option<u64>,
}

/// Where the file was uploaded to, as the console chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// Google Cloud Storage, resumable upload session.
    #[serde(rename = "GCP")]
    Gcp,
    /// Amazon S3, pre-signed multipart parts.
    #[serde(rename = "AWS")]
    Aws,
}

impl Provider {
    /// The protocol's spelling (`GCP`, `AWS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Gcp => "GCP",
            Provider::Aws => "AWS",
        }
    }
}

/// What a successful upload did, for the UI's summary and for the soak tests and benchmarks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadOutcome {
    /// The id of this upload (its journal name while it was unfinished).
    pub upload_id: String,
    /// CRC-32 of the file as sent to Aura.
    pub crc32: u32,
    /// Bytes put on the wire in this run (a resumed run counts only its own).
    pub bytes_sent_total: u64,
    /// Bytes this run sent more than once (re-sent after a failure or a session restart).
    pub bytes_resent: u64,
    /// The store had acknowledged this many bytes when this run started sending (non-zero on a resume).
    pub resumed_from: u64,
    /// Upload sessions (GCS) or multipart uploads (S3) this run started.
    pub sessions_started: u32,
    /// An expired session forced the upload to start again from byte 0.
    pub restarted_from_zero: bool,
    /// The most S3 parts that were in flight at once (1 for GCS).
    pub max_parts_in_flight: u32,
    /// Seconds from the first data byte to Aura accepting upload-complete.
    pub upload_secs: f64,
    /// Seconds from upload-complete until the instance ran with the new data.
    pub import_secs: f64,
    /// Where the file went.
    pub provider: Provider,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_round_up_to_whole_quanta() {
        assert_eq!(round_chunk(0), CHUNK_QUANTUM);
        assert_eq!(round_chunk(1), CHUNK_QUANTUM);
        assert_eq!(round_chunk(CHUNK_QUANTUM), CHUNK_QUANTUM);
        assert_eq!(round_chunk(10_000_000), 39 * CHUNK_QUANTUM);
        assert_eq!(round_chunk(DEFAULT_CHUNK_SIZE), DEFAULT_CHUNK_SIZE);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let req = UploadRequest::new(
            "/x.dump",
            "neo4j+s://a.databases.neo4j.io",
            "neo4j",
            "hunter2-canary".to_string().into(),
        );
        assert!(!format!("{req:?}").contains("hunter2"));
    }
}
