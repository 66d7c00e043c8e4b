//! # lifeboat-upload
//!
//! Restores a Neo4j backup file into an Aura instance through the console import protocol of
//! `neo4j-admin database upload` (`docs/import-protocol.md`), closing that tool's known gaps:
//!
//! - **Resumes instead of starting over.** GCS uploads go in chunks (default 64 MiB, multiples of 256 KiB);
//!   after any failure the session is asked where it stands and the upload continues from the last byte the
//!   storage acknowledged — also after the app or the machine restarts, through a small journal file per
//!   upload ([`resumable`] lists them; [`UploadRequest::resume_id`] continues one).
//! - **Never hangs.** Connect timeouts everywhere, whole-request timeouts on small requests, and a stall
//!   watchdog (not a whole-request timeout) on data requests: too few bytes in a window aborts the request and
//!   resumes it.
//! - **Retries with backoff and full jitter**, counting attempts *without progress*, so a long upload over a
//!   flaky link keeps going as long as it advances.
//! - **Streams.** The file is read with 1 MiB buffers and never held in memory: memory stays flat whatever the
//!   file size (S3 parts in flight are bounded by a semaphore, default 4).
//! - **Says what is going on** through [`UploadProgress`] events (about ten a second, with a measured rate and
//!   ETA), and every [`UploadError`] says what happened, that the file was not touched, and what to do.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lifeboat_upload::UploadError> {
//! use lifeboat_upload::{run, UploadRequest};
//! use tokio_util::sync::CancellationToken;
//!
//! let mut request = UploadRequest::new(
//!     "/backups/neo4j.backup",
//!     "neo4j+s://abcd1234.databases.neo4j.io",
//!     "neo4j",
//!     "secret".to_string().into(),
//! );
//! request.overwrite_confirmed = true; // the user typed RESTORE
//! request.journal_dir = Some("/home/me/.local/share/lifeboat/uploads".into());
//! let outcome = run(request, |p| println!("{:?} {}/{}", p.step, p.bytes_done, p.bytes_total), CancellationToken::new())
//!     .await?;
//! println!("uploaded {} bytes, {} of them again", outcome.bytes_sent_total, outcome.bytes_resent);
//! # Ok(())
//! # }
//! ```
//!
//! ## The resume journal
//!
//! With [`UploadRequest::journal_dir`], each unfinished upload has a file `upload-<uuid>.json` there (mode 0600,
//! written atomically — temporary file, fsync, rename — after every acknowledged chunk or part). It holds the
//! upload id, database id, console URL, connection URI, the file's path and fingerprint (size, modification
//! time, CRC-32 of its first and last MiB), the whole file's CRC-32, `FullSize`, the chunk size, the provider
//! with the GCS signed URL and session URL or the S3 `UploadID`, part links and parts done, the acknowledged
//! byte count, and timestamps. It never holds the password or the console token. The signed URL, session URL
//! and part links are capabilities needed to resume; they are time-limited (a GCS session lives a week), and a
//! resume after they expired starts a fresh upload, saying so.
//!
//! The journal outlives the upload itself: the upload-complete body is written to it just before it is sent, and
//! the time Aura accepted it just after. A process that dies from then on has nothing left to send, and a second
//! upload would be refused while the import loads (`instance-busy`), so a resume asks Aura again if the answer
//! was never heard (a second start of an import already started is refused, which tells that the first one
//! arrived) and then watches the import to its end ([`ResumableUpload::uploaded`]). The journal is removed when
//! the import ends (running or failed), on cancel, and when the file changed (such an upload can never be
//! resumed).
//!
//! ## What cancel leaves behind
//!
//! Cancelling (the [`CancellationToken`]) stops at once: requests in flight are dropped, the GCS session is
//! cancelled (`DELETE`, best effort) and the journal is removed, so the next attempt starts cleanly. The user's
//! file is never modified. S3 parts already stored stay with that multipart upload until Aura replaces it; a new
//! upload of the same file may be handed only the missing parts, which this client handles. A checksum pass in
//! progress finishes reading in the background (it is a blocking read) but its result is dropped. Cancelling
//! after upload-complete stops *watching* the import; the import itself continues on Aura.
//!
//! ## Why not the obvious alternatives
//!
//! - *One PUT of the whole file* (what `neo4j-admin` does) is fastest on a perfect link, but its only recovery
//!   is a status query after a 5xx; a dropped connection restarts from byte 0. Chunks cost one round trip each
//!   (negligible at 64 MiB) and bound what a failure can lose.
//! - *Parallel GCS uploads* need several objects (composite uploads); Aura hands out one signed URL for one
//!   object, so a GCS upload is one stream. S3 multipart parts are independent, so those go in parallel.
//! - *`reqwest`'s total timeout* would kill a legitimate multi-hour upload; a rate watchdog catches a dead
//!   connection without limiting a slow one.

#![warn(missing_docs)]

mod console;
mod error;
mod flow;
mod gcs;
mod http;
mod journal;
mod progress;
mod request;
mod s3;
mod target;
mod transfer;

use std::path::Path;
use std::sync::Arc;

pub use error::UploadError;
pub use journal::{discard_resumable, resumable, ResumableUpload};
pub use request::{
    Provider, RetryPolicy, Step, Timeouts, UploadOutcome, UploadProgress, UploadRequest, CHUNK_QUANTUM,
    DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL_PARTS, READ_BUFFER,
};
pub use target::{derive_console, ConsoleTarget};
pub use tokio_util::sync::CancellationToken;

use journal::{Fingerprint, Journal, Record, JOURNAL_VERSION};
use progress::{Meter, Reporter};

/// Uploads a backup file to an Aura instance and waits until the instance runs with it.
///
/// Steps: auth (Basic database credentials, `Confirmed: true` only when `overwrite_confirmed`) → size check
/// (`FullSize`) → CRC-32 of the whole file (skipped on resume) → initiate → upload (GCS resumable chunks, or S3
/// parts in parallel) → upload-complete → import status every `poll_interval` until `running`.
///
/// `progress` receives [`UploadProgress`] events (about ten a second at most; step changes and messages
/// always). `cancel` stops everything at once (see the crate docs for what cancel leaves behind) and returns
/// [`UploadError::Cancelled`].
///
/// On failure, a journalled upload (with `journal_dir`) stays resumable unless the error says otherwise
/// (its message then mentions that resuming continues where it stopped); [`resumable`] lists it.
pub async fn run(
    request: UploadRequest,
    progress: impl Fn(UploadProgress) + Send + Sync + 'static,
    cancel: CancellationToken,
) -> Result<UploadOutcome, UploadError> {
    let reporter = Arc::new(Reporter::new(Arc::new(progress)));
    let slot = Arc::new(flow::CancelSlot::default());
    tokio::select! {
        biased;
        _ = cancel.cancelled() => {
            slot.clean_up().await;
            Err(UploadError::Cancelled)
        }
        result = flow::run(request, reporter, slot.clone()) => result,
    }
}

/// Options of [`upload_to_signed_url`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedUrlOptions {
    /// Chunk size (rounded up to a multiple of 256 KiB).
    pub chunk_size: u64,
    /// Network timeouts.
    pub timeouts: Timeouts,
    /// Retries.
    pub retry: RetryPolicy,
}

impl Default for SignedUrlOptions {
    fn default() -> Self {
        SignedUrlOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::transfer(),
        }
    }
}

/// What [`upload_to_signed_url`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedUrlReport {
    /// Bytes put on the wire, re-sent ones included.
    pub bytes_sent_total: u64,
    /// Bytes sent more than once.
    pub bytes_resent: u64,
    /// Resumable sessions started.
    pub sessions_started: u32,
    /// A session expired and the upload started again from byte 0.
    pub restarted_from_zero: bool,
    /// The object already existed complete (GCS's "no delete access" 403).
    pub already_uploaded: bool,
}

/// Uploads a file through a GCS resumable session started on `signed_url` — the GCS half of [`run`] on its
/// own, without the console: for interoperability tests against independent GCS implementations and for
/// benchmarks. Nothing is journalled. `progress` sees the Upload step only.
pub async fn upload_to_signed_url(
    file: &Path,
    signed_url: &str,
    options: SignedUrlOptions,
    progress: impl Fn(UploadProgress) + Send + Sync + 'static,
    cancel: CancellationToken,
) -> Result<SignedUrlReport, UploadError> {
    let work = async {
        target::check_url(signed_url, "upload")?;
        let path = file.to_path_buf();
        let fingerprint = tokio::task::spawn_blocking(move || Fingerprint::of(&path))
            .await
            .map_err(|e| UploadError::Internal { detail: format!("file check: {e}") })?
            .map_err(|e| UploadError::file_io(file, &e))?;
        let now = time::OffsetDateTime::now_utc();
        let record = Record {
            version: JOURNAL_VERSION,
            id: uuid::Uuid::new_v4().to_string(),
            dbid: String::new(),
            console_url: String::new(),
            bolt_uri: String::new(),
            file: file.to_path_buf(),
            fingerprint,
            crc32: 0,
            full_size: fingerprint.size,
            chunk_size: request::round_chunk(options.chunk_size),
            remote: None,
            acknowledged: 0,
            sessions_started: 0,
            restarted_from_zero: false,
            created_at: now,
            updated_at: now,
            completed_at: None,
            complete_body: None,
        };
        let loopback = url::Url::parse(signed_url).map(|u| target::is_loopback(&u)).unwrap_or(false);
        let reporter = Arc::new(Reporter::new(Arc::new(progress)));
        let meter = Arc::new(Meter::default());
        let transfer = transfer::Transfer {
            http: http::client(&options.timeouts, loopback)?,
            file: file.to_path_buf(),
            total: fingerprint.size,
            fingerprint,
            since: None,
            timeouts: options.timeouts,
            retry: options.retry,
            meter: meter.clone(),
            reporter: reporter.clone(),
            journal: Arc::new(Journal::create(None, record)?),
        };
        reporter.step(Step::Upload, 0, fingerprint.size, None);
        let chunk = request::round_chunk(options.chunk_size);
        let end = transfer.with_ticker(gcs::upload(&transfer, signed_url, None, chunk, true)).await?;
        let run = match end {
            gcs::GcsEnd::Done(run) => run,
            gcs::GcsEnd::NeedNewSignedUrl(run) => {
                let (status, detail) = run.refused.unwrap_or((403, None));
                let detail = Some(detail.unwrap_or_else(|| "the signed URL no longer starts upload sessions".into()));
                return Err(UploadError::StorageRejected { status, detail, resumable: false });
            }
        };
        let sent = meter.sent_total();
        Ok(SignedUrlReport {
            bytes_sent_total: sent,
            bytes_resent: sent.saturating_sub(fingerprint.size),
            sessions_started: run.sessions_started,
            restarted_from_zero: run.restarted_from_zero,
            already_uploaded: run.already_uploaded,
        })
    };
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(UploadError::Cancelled),
        result = work => result,
    }
}
