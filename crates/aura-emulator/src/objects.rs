//! The two object stores a console import uploads to: a GCS-style resumable upload and S3-style pre-signed
//! multipart parts, both on the emulator's own port, persisted under `<data dir>/imports/`.
//!
//! # GCS (`Provider: "GCP"`)
//!
//! The initiate call hands out a signed start URL, `POST /objects/gcs/start/{upload}?X-Goog-Signature=…`.
//! With `x-goog-resumable: start` it answers **201** and `Location: …/objects/gcs/{session}` (a new session each
//! time). `PUT /objects/gcs/{session}` then follows the resumable protocol:
//!
//! - no `Content-Range`: the body is the whole object; `Content-Range: bytes A-B/N` or `bytes A-B/*`: a chunk;
//!   every chunk but the last must be a multiple of 256 KiB (else **400**, as GCS answers);
//! - a chunk that does not finish the object: **308** with `Range: bytes=0-K` (K+1 bytes persisted), or **no
//!   `Range` at all** while nothing is persisted; the last byte: **200** with a JSON object resource;
//! - a status query (`Content-Length: 0`, `Content-Range: bytes */N` or `bytes */*`): 308 as above, or 200 when
//!   complete (and `bytes */N` with N equal to what is persisted completes the object, as GCS does);
//! - bytes resent below the persisted offset are ignored; a chunk starting beyond it is a 400;
//! - a body cut short (a dropped connection, or the `cut_after_bytes` fault) persists what arrived **in whole
//!   256 KiB units**; the rest is discarded, so a status query may report less than was sent;
//! - a session whose object was completed by *another* session answers **403 AccessDenied** with the
//!   `storage.objects.delete` details, which `neo4j-admin` reads as "already uploaded";
//! - an unknown or cancelled session: **404**; a session older than a week, or expired through
//!   `POST /_emulator/console/expire-sessions`: **410** (or the status that call chose);
//! - `DELETE /objects/gcs/{session}` cancels it: **499**, and the session is gone.
//!
//! # S3 (`Provider: "AWS"`)
//!
//! The initiate call hands out one pre-signed URL per part, `PUT /objects/s3/{upload}/{part}?partNumber=…&
//! uploadId=…&X-Amz-Signature=…`. A complete body is stored atomically as that part (a re-upload replaces it) and
//! answered **200** with an `ETag`; a cut body stores nothing. An expired or finished upload answers **404
//! NoSuchUpload**. Parts are listed by the console's `multipart-upload-status` and assembled, in part order, at
//! `upload-complete`.
//!
//! Request bodies are streamed to disk, never held in memory. Error bodies are XML, as both stores answer.
//! Rejections drain a body of up to 256 MiB first, so the client reads the answer instead of a broken pipe.

use std::collections::{BTreeMap, HashMap};
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, LOCATION, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};

use crate::error::EmulatorError;
use crate::model::{fmt_ts, Provider};
use crate::server::{lock, AppState};

/// GCS accepts intermediate chunks in multiples of this, and persists a cut body in whole units of it.
pub(crate) const CHUNK_QUANTUM: u64 = 256 * 1024;
/// The default size of an S3 part (the part count is the dump size divided by it, rounded up).
pub(crate) const DEFAULT_PART_SIZE: u64 = 64 << 20;
/// S3's limit on the number of parts.
const MAX_PARTS: u64 = 10_000;
/// A GCS resumable session must complete within a week.
const SESSION_LIFETIME: time::Duration = time::Duration::days(7);
/// Rejections read (and discard) this much of a request body before answering.
const DRAIN_LIMIT: u64 = 256 << 20;
const WRITE_BUFFER: usize = 1 << 20;
const INDEX_FILE: &str = "index.json";
/// The bucket name shown in object resources.
const BUCKET: &str = "aura-emulator-imports";
/// The service account GCS names in its "no delete access" 403.
const SERVICE_ACCOUNT: &str = "aura-import@aura-emulator.iam.gserviceaccount.com";

/// Whether an upload may still take data.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UploadState {
    /// Initiated; data may be uploaded.
    Open,
    /// Handed to an import by upload-complete; its files go once the import has its verdict.
    Consumed,
}

/// One S3 part as stored.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    pub size: u64,
    pub etag: String,
}

/// One initiated import upload: the target of one `SignedURI` or one set of `SignedLinks`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Upload {
    pub id: String,
    pub instance_id: String,
    pub provider: Provider,
    pub crc32: u32,
    pub dump_size: Option<u64>,
    pub full_size: u64,
    /// What the signed URLs carry; a request without it is refused (403 `SignatureDoesNotMatch`).
    pub signature: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub state: UploadState,
    /// S3: `expire-sessions` ended this multipart upload (404 `NoSuchUpload`).
    #[serde(default)]
    pub expired: bool,
    /// GCS: the session whose last request created the object.
    #[serde(default)]
    pub object_session: Option<String>,
    /// GCS: the object's size once complete.
    #[serde(default)]
    pub object_size: Option<u64>,
    /// S3: how many parts the upload is split into.
    #[serde(default)]
    pub total_parts: u32,
    /// S3: the parts received, by part number.
    #[serde(default)]
    pub parts: BTreeMap<u32, Part>,
}

impl Upload {
    /// S3: the lowest part not yet received.
    pub fn first_missing_part(&self) -> Option<u32> {
        (1..=self.total_parts).find(|p| !self.parts.contains_key(p))
    }
}

/// A GCS resumable session.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Session {
    pub id: String,
    pub upload_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The object size, once a request declared it.
    pub total: Option<u64>,
    /// Bytes persisted from offset 0.
    pub persisted: u64,
    pub complete: bool,
    /// Set by `expire-sessions`: the status every later request gets (404 or 410).
    #[serde(default)]
    pub expired: Option<u16>,
}

#[derive(Serialize, Deserialize, Default, Debug)]
struct Index {
    uploads: Vec<Upload>,
    sessions: Vec<Session>,
}

/// What the console asks for at initiate.
pub(crate) struct NewUpload {
    pub instance_id: String,
    pub provider: Provider,
    pub crc32: u32,
    pub dump_size: Option<u64>,
    pub full_size: u64,
    pub part_size: u64,
}

/// The uploads and sessions, and their files.
pub(crate) struct ObjectStore {
    root: PathBuf,
    index: tokio::sync::Mutex<Index>,
    /// Serialises requests on one session or part, as a store would.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> EmulatorError + '_ {
    move |source| EmulatorError::ReadState { path: path.to_path_buf(), source }
}

impl ObjectStore {
    /// Loads the index under `<dir>/imports`, and trims every partial session file back to what was persisted
    /// (bytes written after the last acknowledged state are not persisted, as after a crash of a real store).
    pub fn open(dir: &Path) -> Result<ObjectStore, EmulatorError> {
        let root = dir.join("imports");
        for sub in ["gcs", "objects", "s3"] {
            let path = root.join(sub);
            std::fs::create_dir_all(&path).map_err(|source| EmulatorError::DataDir { path, source })?;
        }
        let index_path = root.join(INDEX_FILE);
        let mut index: Index = match std::fs::read(&index_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| EmulatorError::CorruptState { path: index_path.clone(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Index::default(),
            Err(source) => return Err(EmulatorError::ReadState { path: index_path, source }),
        };
        for session in index.sessions.iter_mut().filter(|s| !s.complete) {
            let path = root.join("gcs").join(format!("{}.bin", session.id));
            let on_disk = match std::fs::metadata(&path) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(source) => return Err(EmulatorError::ReadState { path, source }),
            };
            if on_disk < session.persisted {
                session.persisted = align_down(on_disk);
            }
            if on_disk > session.persisted {
                let file = std::fs::OpenOptions::new().write(true).open(&path).map_err(io_error(&path))?;
                file.set_len(session.persisted).map_err(io_error(&path))?;
            }
        }
        // Unfinished S3 parts never count.
        if let Ok(uploads) = std::fs::read_dir(root.join("s3")) {
            for dir in uploads.flatten() {
                for entry in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                    if entry.file_name().to_string_lossy().ends_with(".tmp") {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
        Ok(ObjectStore { root, index: tokio::sync::Mutex::new(index), locks: Mutex::new(HashMap::new()) })
    }

    fn session_path(&self, session: &str) -> PathBuf {
        self.root.join("gcs").join(format!("{session}.bin"))
    }

    fn object_path(&self, upload: &str) -> PathBuf {
        self.root.join("objects").join(format!("{upload}.bin"))
    }

    fn parts_dir(&self, upload: &str) -> PathBuf {
        self.root.join("s3").join(upload)
    }

    fn part_path(&self, upload: &str, part: u32) -> PathBuf {
        self.parts_dir(upload).join(format!("{part}.bin"))
    }

    fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(key.to_string()).or_default().clone()
    }

    async fn save(&self, index: &Index) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(index).map_err(std::io::Error::other)?;
        let path = self.root.join(INDEX_FILE);
        let written = tokio::task::spawn_blocking(move || crate::store::write_atomic(&path, &bytes)).await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(std::io::Error::other(e)),
            Err(join) => Err(std::io::Error::other(join)),
        }
    }

    /// Saves, logging a failure: the change is live either way and only lost across a restart.
    async fn save_logged(&self, index: &Index) {
        if let Err(e) = self.save(index).await {
            tracing::error!(error = %e, "cannot save the import index");
        }
    }

    /// Creates an upload, or returns the open one of the same instance with the same file (same provider, CRC
    /// and size), so a re-run resumes: GCS gets the same start URL, S3 the links from the first missing part on.
    /// Any other open upload of the instance is discarded.
    pub async fn initiate(&self, req: NewUpload) -> Upload {
        let mut index = self.index.lock().await;
        let same = |u: &Upload| {
            u.instance_id == req.instance_id
                && u.state == UploadState::Open
                && !u.expired
                && u.provider == req.provider
                && u.crc32 == req.crc32
                && u.dump_size == req.dump_size
                && u.full_size == req.full_size
        };
        if let Some(existing) = index.uploads.iter().find(|u| same(u)).cloned() {
            return existing;
        }
        let stale: Vec<String> = index
            .uploads
            .iter()
            .filter(|u| u.instance_id == req.instance_id && u.state == UploadState::Open)
            .map(|u| u.id.clone())
            .collect();
        for id in &stale {
            self.remove_upload(&mut index, id).await;
        }
        let size = req.dump_size.unwrap_or(req.full_size);
        let part_size = req.part_size.max(1).max(size.div_ceil(MAX_PARTS));
        let upload = Upload {
            id: Alphanumeric.sample_string(&mut rand::rng(), 24),
            instance_id: req.instance_id,
            provider: req.provider,
            crc32: req.crc32,
            dump_size: req.dump_size,
            full_size: req.full_size,
            signature: Alphanumeric.sample_string(&mut rand::rng(), 40).to_lowercase(),
            created_at: OffsetDateTime::now_utc(),
            state: UploadState::Open,
            expired: false,
            object_session: None,
            object_size: None,
            total_parts: match req.provider {
                Provider::Aws => u32::try_from(size.div_ceil(part_size).max(1)).unwrap_or(u32::MAX),
                Provider::Gcp => 0,
            },
            parts: BTreeMap::new(),
        };
        index.uploads.push(upload.clone());
        self.save_logged(&index).await;
        upload
    }

    /// Forgets an upload, its sessions and every file of it.
    async fn remove_upload(&self, index: &mut Index, id: &str) {
        let sessions: Vec<String> = index.sessions.iter().filter(|s| s.upload_id == id).map(|s| s.id.clone()).collect();
        for s in &sessions {
            remove_quietly(&self.session_path(s)).await;
        }
        index.sessions.retain(|s| s.upload_id != id);
        index.uploads.retain(|u| u.id != id);
        remove_quietly(&self.object_path(id)).await;
        if let Err(e) = tokio::fs::remove_dir_all(self.parts_dir(id)).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, "cannot remove the parts of an upload");
            }
        }
    }

    /// Deletes an upload once its import no longer needs it.
    pub async fn discard(&self, upload_id: &str) {
        let mut index = self.index.lock().await;
        self.remove_upload(&mut index, upload_id).await;
        self.save_logged(&index).await;
    }

    /// An upload by id.
    pub async fn upload(&self, upload_id: &str) -> Option<Upload> {
        self.index.lock().await.uploads.iter().find(|u| u.id == upload_id).cloned()
    }

    /// The open upload of `instance_id` with this CRC.
    pub async fn open_upload(&self, instance_id: &str, crc32: u32) -> Option<Upload> {
        let index = self.index.lock().await;
        index
            .uploads
            .iter()
            .find(|u| u.instance_id == instance_id && u.state == UploadState::Open && u.crc32 == crc32)
            .cloned()
    }

    /// The files that make up the finished object, in order; or why it is not finished.
    pub fn object_files(&self, upload: &Upload) -> Result<Vec<PathBuf>, String> {
        match upload.provider {
            Provider::Gcp => match upload.object_session {
                Some(_) => Ok(vec![self.object_path(&upload.id)]),
                None => Err("The upload of the file has not completed".into()),
            },
            Provider::Aws => match upload.first_missing_part() {
                None => Ok((1..=upload.total_parts).map(|p| self.part_path(&upload.id, p)).collect()),
                Some(p) => Err(format!("Part {p} of {} has not been uploaded", upload.total_parts)),
            },
        }
    }

    /// Hands an upload to its import: it takes no more data, and its unfinished sessions go.
    pub async fn consume(&self, upload_id: &str) {
        let mut index = self.index.lock().await;
        let sessions: Vec<String> =
            index.sessions.iter().filter(|s| s.upload_id == upload_id && !s.complete).map(|s| s.id.clone()).collect();
        for s in &sessions {
            remove_quietly(&self.session_path(s)).await;
        }
        index.sessions.retain(|s| s.upload_id != upload_id || s.complete);
        if let Some(u) = index.uploads.iter_mut().find(|u| u.id == upload_id) {
            u.state = UploadState::Consumed;
        }
        self.save_logged(&index).await;
    }

    /// Expires every unfinished GCS session (they answer `status`) and every open S3 upload.
    pub async fn expire_all(&self, status: u16) -> (usize, usize) {
        let mut index = self.index.lock().await;
        let mut sessions = 0;
        for s in index.sessions.iter_mut().filter(|s| !s.complete && s.expired.is_none()) {
            s.expired = Some(status);
            sessions += 1;
        }
        let mut uploads = 0;
        for u in index.uploads.iter_mut() {
            if u.provider == Provider::Aws && u.state == UploadState::Open && !u.expired {
                u.expired = true;
                uploads += 1;
            }
        }
        self.save_logged(&index).await;
        (sessions, uploads)
    }

    /// Everything the store holds, for `GET /_emulator/console/uploads`.
    pub async fn describe(&self) -> Value {
        let index = self.index.lock().await;
        json!({ "uploads": index.uploads, "sessions": index.sessions })
    }

    async fn start_session(&self, upload_id: &str) -> Session {
        let mut index = self.index.lock().await;
        let session = Session {
            id: Alphanumeric.sample_string(&mut rand::rng(), 32),
            upload_id: upload_id.to_string(),
            created_at: OffsetDateTime::now_utc(),
            total: None,
            persisted: 0,
            complete: false,
            expired: None,
        };
        index.sessions.push(session.clone());
        self.save_logged(&index).await;
        session
    }

    /// A live session and its upload, or the error GCS answers.
    async fn live_session(&self, id: &str) -> Result<(Session, Upload), StoreError> {
        let index = self.index.lock().await;
        let session = index.sessions.iter().find(|s| s.id == id).ok_or_else(StoreError::no_such_session)?;
        if let Some(status) = session.expired {
            return Err(StoreError::session_expired(status));
        }
        if OffsetDateTime::now_utc() - session.created_at > SESSION_LIFETIME {
            return Err(StoreError::session_expired(410));
        }
        let upload = index
            .uploads
            .iter()
            .find(|u| u.id == session.upload_id && u.state == UploadState::Open)
            .ok_or_else(StoreError::no_such_session)?;
        Ok((session.clone(), upload.clone()))
    }

    /// Records a session's new persisted length (and total, when now known).
    async fn record_progress(&self, id: &str, persisted: u64, total: Option<u64>) {
        let mut index = self.index.lock().await;
        if let Some(s) = index.sessions.iter_mut().find(|s| s.id == id) {
            s.persisted = persisted;
            s.total = total.or(s.total);
        }
        self.save_logged(&index).await;
    }

    /// Turns a session's file into the upload's object.
    async fn finalize(&self, session: &Session, size: u64) -> std::io::Result<()> {
        let from = self.session_path(&session.id);
        if tokio::fs::metadata(&from).await.is_err() {
            // A zero-byte object: no data request ever created the file.
            tokio::fs::File::create(&from).await?;
        }
        tokio::fs::rename(&from, self.object_path(&session.upload_id)).await?;
        let mut index = self.index.lock().await;
        if let Some(s) = index.sessions.iter_mut().find(|s| s.id == session.id) {
            s.complete = true;
            s.persisted = size;
            s.total = Some(size);
        }
        if let Some(u) = index.uploads.iter_mut().find(|u| u.id == session.upload_id) {
            u.object_session = Some(session.id.clone());
            u.object_size = Some(size);
        }
        self.save_logged(&index).await;
        Ok(())
    }

    async fn cancel_session(&self, id: &str) -> bool {
        let mut index = self.index.lock().await;
        let before = index.sessions.len();
        index.sessions.retain(|s| s.id != id || s.complete);
        let removed = index.sessions.len() != before;
        if removed {
            remove_quietly(&self.session_path(id)).await;
            self.save_logged(&index).await;
        }
        removed
    }

    async fn record_part(&self, upload_id: &str, number: u32, part: Part) -> bool {
        let mut index = self.index.lock().await;
        let Some(upload) = index.uploads.iter_mut().find(|u| u.id == upload_id && u.state == UploadState::Open) else {
            return false;
        };
        upload.parts.insert(number, part);
        self.save_logged(&index).await;
        true
    }
}

async fn remove_quietly(path: &Path) {
    if let Err(e) = tokio::fs::remove_file(path).await {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(error = %e, path = %path.display(), "cannot remove an upload file");
        }
    }
}

fn align_down(n: u64) -> u64 {
    n - n % CHUNK_QUANTUM
}

/// The signed start URL of a GCS upload.
pub(crate) fn gcs_start_url(base: &str, upload: &Upload) -> String {
    format!(
        "{base}/objects/gcs/start/{}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=604800&\
         X-Goog-SignedHeaders=content-type%3Bhost%3Bx-goog-resumable&X-Goog-Signature={}",
        upload.id, upload.signature
    )
}

/// The pre-signed URL of one S3 part.
pub(crate) fn s3_part_url(base: &str, upload: &Upload, part: u32) -> String {
    format!(
        "{base}/objects/s3/{id}/{part}?partNumber={part}&uploadId={id}&X-Amz-Algorithm=AWS4-HMAC-SHA256&\
         X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}",
        id = upload.id,
        sig = upload.signature
    )
}

/// Reads and discards up to [`DRAIN_LIMIT`] bytes of a body.
pub(crate) async fn drain(body: Body) {
    let mut stream = body.into_data_stream();
    let mut seen = 0u64;
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len() as u64;
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

async fn reject(body: Body, error: StoreError) -> Response {
    drain(body).await;
    error.into_response()
}

/// An XML error, as GCS's XML API and S3 answer.
#[derive(Debug, Clone)]
pub(crate) struct StoreError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<String>,
}

impl StoreError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError { status, code, message: message.into(), details: None }
    }

    fn invalid(message: impl Into<String>) -> StoreError {
        StoreError::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
    }

    fn no_such_session() -> StoreError {
        StoreError::new(StatusCode::NOT_FOUND, "NoSuchUpload", "No such upload session.")
    }

    fn session_expired(status: u16) -> StoreError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::GONE);
        StoreError::new(status, "NoSuchUpload", "The upload session has expired or was cancelled.")
    }

    fn already_uploaded() -> StoreError {
        StoreError {
            details: Some(format!(
                "{SERVICE_ACCOUNT} does not have storage.objects.delete access to the Google Cloud Storage object."
            )),
            ..StoreError::new(StatusCode::FORBIDDEN, "AccessDenied", "Access denied.")
        }
    }

    fn bad_signature() -> StoreError {
        StoreError::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    }

    fn internal(e: std::io::Error) -> StoreError {
        tracing::error!(error = %e, "object store I/O failed");
        StoreError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "We encountered an internal error.")
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;").replace('"', "&quot;")
}

impl IntoResponse for StoreError {
    fn into_response(self) -> Response {
        let details = self.details.map(|d| format!("<Details>{}</Details>", xml_escape(&d))).unwrap_or_default();
        let body = format!(
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{}</Code><Message>{}</Message>{details}</Error>",
            self.code,
            xml_escape(&self.message)
        );
        (self.status, [(CONTENT_TYPE, "application/xml; charset=UTF-8")], body).into_response()
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `POST /objects/gcs/start/{upload}`: starts a resumable session.
pub(crate) async fn gcs_start(
    State(app): State<AppState>,
    UrlPath(upload_id): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let upload = match app.objects.upload(&upload_id).await {
        Some(u) if u.provider == Provider::Gcp && u.state == UploadState::Open => u,
        _ => {
            let e = StoreError::new(StatusCode::NOT_FOUND, "NoSuchUpload", "The signed URL is not valid.");
            return reject(body, e).await;
        }
    };
    let resumable = headers.get("x-goog-resumable").and_then(|v| v.to_str().ok());
    let signed = query_param(query.as_deref(), "X-Goog-Signature").is_some_and(|s| s == upload.signature);
    if !signed || !resumable.is_some_and(|v| v.trim().eq_ignore_ascii_case("start")) {
        // `x-goog-resumable` is one of the signed headers, so without it the signature does not match either.
        return reject(body, StoreError::bad_signature()).await;
    }
    drain(body).await;
    let session = app.objects.start_session(&upload.id).await;
    let location = format!("{}/objects/gcs/{}", app.base_url, session.id);
    let mut response = (StatusCode::CREATED, [(CONTENT_LENGTH, "0")]).into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            response.headers_mut().insert(LOCATION, v);
            response
        }
        Err(_) => StoreError::internal(std::io::Error::other("unrepresentable session URL")).into_response(),
    }
}

/// `DELETE /objects/gcs/{session}`: cancels a session (499, as GCS answers).
pub(crate) async fn gcs_cancel(State(app): State<AppState>, UrlPath(session_id): UrlPath<String>) -> Response {
    let guard = app.objects.lock_for(&format!("gcs:{session_id}"));
    let _held = guard.lock().await;
    if app.objects.cancel_session(&session_id).await {
        StatusCode::from_u16(499).unwrap_or(StatusCode::GONE).into_response()
    } else {
        StoreError::no_such_session().into_response()
    }
}

/// A parsed `Content-Range` of a session request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentRange {
    /// `bytes */N` or `bytes */*`.
    Query { total: Option<u64> },
    /// `bytes A-B/N` or `bytes A-B/*`, B inclusive.
    Chunk { first: u64, last: u64, total: Option<u64> },
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim();
    let rest = rest.get(..6).filter(|p| p.eq_ignore_ascii_case("bytes ")).map(|_| rest[6..].trim())?;
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse::<u64>().ok()?),
    };
    match range.trim() {
        "*" => Some(ContentRange::Query { total }),
        r => {
            let (a, b) = r.split_once('-')?;
            let (first, last) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
            if first > last || total.is_some_and(|t| last >= t) {
                return None;
            }
            Some(ContentRange::Chunk { first, last, total })
        }
    }
}

/// Where a data request's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    start: u64,
    /// Exclusive end, when declared.
    end: Option<u64>,
    total: Option<u64>,
}

impl Plan {
    fn finishes(&self) -> bool {
        match (self.end, self.total) {
            (Some(end), Some(total)) => end == total,
            // A whole-object body of unknown length finishes wherever it ends.
            (None, None) => true,
            _ => false,
        }
    }
}

/// `PUT /objects/gcs/{session}`: data, or a status query.
pub(crate) async fn gcs_put(
    State(app): State<AppState>,
    UrlPath(session_id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let guard = app.objects.lock_for(&format!("gcs:{session_id}"));
    let _held = guard.lock().await;
    let (session, upload) = match app.objects.live_session(&session_id).await {
        Ok(found) => found,
        Err(e) => return reject(body, e).await,
    };
    if upload.object_session.as_ref().is_some_and(|owner| *owner != session.id) {
        return reject(body, StoreError::already_uploaded()).await;
    }
    if session.complete {
        drain(body).await;
        return object_resource(&upload, session.persisted);
    }
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let range = match headers.get("content-range").map(|v| v.to_str().ok().and_then(parse_content_range)) {
        None => None,
        Some(Some(r)) => Some(r),
        Some(None) => return reject(body, StoreError::invalid("Invalid Content-Range header.")).await,
    };
    let plan = match range {
        Some(ContentRange::Query { total }) => {
            drain(body).await;
            return status_query(&app, &session, &upload, total).await;
        }
        Some(ContentRange::Chunk { first, last, total }) => {
            if declared.is_some_and(|len| len != last - first + 1) {
                let e = StoreError::invalid("The Content-Length does not match the Content-Range.");
                return reject(body, e).await;
            }
            Plan { start: first, end: Some(last + 1), total }
        }
        None => Plan { start: 0, end: declared, total: declared },
    };
    if let (Some(known), Some(declared_total)) = (session.total, plan.total) {
        if known != declared_total {
            let e = StoreError::invalid(format!(
                "The total size {declared_total} differs from the {known} declared earlier in this upload."
            ));
            return reject(body, e).await;
        }
    }
    if plan.start > session.persisted {
        let e = StoreError::invalid(format!(
            "Invalid Content-Range: the upload has {} bytes persisted and cannot continue at byte {}.",
            session.persisted, plan.start
        ));
        return reject(body, e).await;
    }
    if let (false, Some(end)) = (plan.finishes(), plan.end) {
        let len = end - plan.start;
        if len % CHUNK_QUANTUM != 0 {
            let e = StoreError::invalid(format!(
                "Invalid request. The number of bytes uploaded is required to be equal or greater than \
                 {CHUNK_QUANTUM}, except for the final request (it's recommended to be the exact multiple of \
                 {CHUNK_QUANTUM}). The received request contained {len} bytes, which does not meet this \
                 requirement."
            ));
            return reject(body, e).await;
        }
    }
    match write_chunk(&app, &session, &upload, plan, body).await {
        Ok(response) => response,
        Err(e) => StoreError::internal(e).into_response(),
    }
}

/// The answer to `bytes */N`: where to resume, or the finished object.
async fn status_query(app: &AppState, session: &Session, upload: &Upload, total: Option<u64>) -> Response {
    if let Some(total) = total {
        if session.total.is_some_and(|known| known != total) || total < session.persisted {
            return StoreError::invalid(format!(
                "The total size {total} does not match the {} bytes of this upload.",
                session.total.unwrap_or(session.persisted)
            ))
            .into_response();
        }
        if total == session.persisted {
            return match app.objects.finalize(session, total).await {
                Ok(()) => object_resource(upload, total),
                Err(e) => StoreError::internal(e).into_response(),
            };
        }
    }
    resume_incomplete(session.persisted)
}

/// 308 Resume Incomplete, with `Range` only when something is persisted.
fn resume_incomplete(persisted: u64) -> Response {
    let mut response = (StatusCode::PERMANENT_REDIRECT, [(CONTENT_LENGTH, "0")]).into_response();
    if persisted > 0 {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", persisted - 1)) {
            response.headers_mut().insert(RANGE, v);
        }
    }
    response
}

/// 200 with the object resource, as the JSON API shows it (the XML API's body is empty; clients ignore it).
fn object_resource(upload: &Upload, size: u64) -> Response {
    let body = json!({
        "kind": "storage#object",
        "bucket": BUCKET,
        "name": format!("imports/{}", upload.id),
        "size": size.to_string(),
        "contentType": "application/octet-stream",
        "timeCreated": fmt_ts(OffsetDateTime::now_utc()),
    });
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response.headers_mut().insert("x-goog-stored-content-length", HeaderValue::from(size));
    response
}

/// Streams a data request to the session's file and answers as GCS does.
async fn write_chunk(
    app: &AppState,
    session: &Session,
    upload: &Upload,
    plan: Plan,
    body: Body,
) -> std::io::Result<Response> {
    let path = app.objects.session_path(&session.id);
    let persisted = session.persisted;
    let mut file = tokio::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).await?;
    file.set_len(persisted).await?;
    file.seek(SeekFrom::Start(persisted)).await?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut stream = body.into_data_stream();
    // `pos` is the absolute offset of the next body byte; bytes below `persisted` are resent ones, ignored.
    let mut pos = plan.start;
    let mut broken = false;
    let mut too_long = false;
    while let Some(frame) = stream.next().await {
        let Ok(bytes) = frame else {
            broken = true;
            break;
        };
        let mut data = &bytes[..];
        if let Some(end) = plan.end {
            let room = usize::try_from(end - pos).unwrap_or(usize::MAX);
            if data.len() > room {
                too_long = true;
                data = &data[..room];
            }
        }
        let skip = usize::try_from(persisted.saturating_sub(pos)).unwrap_or(usize::MAX).min(data.len());
        pos += skip as u64;
        data = &data[skip..];
        if !data.is_empty() {
            out.write_all(data).await?;
            pos += data.len() as u64;
        }
        if too_long {
            break;
        }
    }
    out.flush().await?;
    let file = out.into_inner();
    let reached = pos.max(persisted);
    let whole = !broken && !too_long && plan.end.is_none_or(|end| pos == end);
    let total = plan.total.or(if plan.end.is_none() && whole { Some(reached) } else { None });
    if whole && plan.finishes() && total == Some(reached) {
        file.sync_all().await?;
        drop(file);
        app.objects.finalize(session, reached).await?;
        return Ok(object_resource(upload, reached));
    }
    // Not finished: only whole 256 KiB units count as persisted.
    let kept = align_down(reached).max(persisted);
    file.set_len(kept).await?;
    file.sync_all().await?;
    drop(file);
    app.objects.record_progress(&session.id, kept, plan.total).await;
    if whole {
        return Ok(resume_incomplete(kept));
    }
    let why = if too_long {
        "The request carried more data than its Content-Range."
    } else {
        "The request body ended before the declared length."
    };
    Ok(StoreError::invalid(why).into_response())
}

/// `PUT /objects/s3/{upload}/{part}`: stores one part.
pub(crate) async fn s3_put(
    State(app): State<AppState>,
    UrlPath((upload_id, part)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let no_such_upload = || {
        StoreError::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been \
             aborted or completed.",
        )
    };
    let upload = match app.objects.upload(&upload_id).await {
        Some(u) if u.provider == Provider::Aws && u.state == UploadState::Open && !u.expired => u,
        _ => return reject(body, no_such_upload()).await,
    };
    let signed = query_param(query.as_deref(), "X-Amz-Signature").is_some_and(|s| s == upload.signature);
    let same_id = query_param(query.as_deref(), "uploadId").is_none_or(|id| id == upload.id);
    if !signed || !same_id {
        return reject(body, StoreError::bad_signature()).await;
    }
    let number = match part.parse::<u32>() {
        Ok(n) if (1..=upload.total_parts).contains(&n) => n,
        _ => {
            let e = StoreError::invalid(format!(
                "Part number must be an integer between 1 and {}, inclusive",
                upload.total_parts
            ));
            return reject(body, e).await;
        }
    };
    if query_param(query.as_deref(), "partNumber").is_some_and(|p| p != number.to_string()) {
        return reject(body, StoreError::bad_signature()).await;
    }
    let guard = app.objects.lock_for(&format!("s3:{upload_id}:{number}"));
    let _held = guard.lock().await;
    let dir = app.objects.parts_dir(&upload_id);
    let tmp = dir.join(format!(".{number}-{}.tmp", Alphanumeric.sample_string(&mut rand::rng(), 8)));
    let stored = store_part(&dir, &tmp, body).await;
    let (size, crc) = match stored {
        Ok(Some(done)) => done,
        Ok(None) => {
            remove_quietly(&tmp).await;
            let e = StoreError::new(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header.",
            );
            return e.into_response();
        }
        Err(e) => {
            remove_quietly(&tmp).await;
            return StoreError::internal(e).into_response();
        }
    };
    if let Err(e) = tokio::fs::rename(&tmp, app.objects.part_path(&upload_id, number)).await {
        remove_quietly(&tmp).await;
        return StoreError::internal(e).into_response();
    }
    // S3's ETag is the part's MD5; this one has the same shape (32 hex digits, quoted) but is CRC32 and size.
    let etag = format!("\"{crc:08x}{size:024x}\"");
    if !app.objects.record_part(&upload_id, number, Part { size, etag: etag.clone() }).await {
        return no_such_upload().into_response();
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(ETAG, v);
    }
    response
}

/// Streams a part to `tmp`; `None` when the body broke off.
async fn store_part(dir: &Path, tmp: &Path, body: Body) -> std::io::Result<Option<(u64, u32)>> {
    tokio::fs::create_dir_all(dir).await?;
    let file = tokio::fs::File::create(tmp).await?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut hasher = crc32fast::Hasher::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let Ok(bytes) = frame else { return Ok(None) };
        hasher.update(&bytes);
        out.write_all(&bytes).await?;
        size += bytes.len() as u64;
    }
    out.flush().await?;
    out.into_inner().sync_all().await?;
    Ok(Some((size, hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse_like_gcs_sends_them() {
        assert_eq!(parse_content_range("bytes */100"), Some(ContentRange::Query { total: Some(100) }));
        assert_eq!(parse_content_range("bytes */*"), Some(ContentRange::Query { total: None }));
        assert_eq!(
            parse_content_range("Bytes 0-262143/*"),
            Some(ContentRange::Chunk { first: 0, last: 262_143, total: None })
        );
        assert_eq!(
            parse_content_range(" bytes 10-19/20 "),
            Some(ContentRange::Chunk { first: 10, last: 19, total: Some(20) })
        );
        for bad in ["bytes 5-4/10", "bytes 0-10/10", "items 0-1/2", "bytes 0-1", "bytes x-1/2", ""] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn plans_know_when_they_finish_the_object() {
        assert!(Plan { start: 0, end: Some(10), total: Some(10) }.finishes());
        assert!(!Plan { start: 0, end: Some(10), total: Some(20) }.finishes());
        assert!(!Plan { start: 0, end: Some(10), total: None }.finishes());
        assert!(Plan { start: 0, end: None, total: None }.finishes());
    }

    #[test]
    fn persisted_lengths_round_down_to_whole_quanta() {
        assert_eq!(align_down(CHUNK_QUANTUM * 3 + 5), CHUNK_QUANTUM * 3);
        assert_eq!(align_down(CHUNK_QUANTUM - 1), 0);
    }

    #[tokio::test]
    async fn reopening_trims_unacknowledged_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectStore::open(dir.path()).unwrap();
        let upload = store
            .initiate(NewUpload {
                instance_id: "abcd1234".into(),
                provider: Provider::Gcp,
                crc32: 7,
                dump_size: Some(10 << 20),
                full_size: 10 << 20,
                part_size: DEFAULT_PART_SIZE,
            })
            .await;
        let session = store.start_session(&upload.id).await;
        std::fs::write(store.session_path(&session.id), vec![1u8; (CHUNK_QUANTUM * 2 + 100) as usize]).unwrap();
        store.record_progress(&session.id, CHUNK_QUANTUM, Some(10 << 20)).await;
        drop(store);
        let reopened = ObjectStore::open(dir.path()).unwrap();
        let (s, u) = reopened.live_session(&session.id).await.unwrap();
        assert_eq!((s.persisted, s.total, u.id), (CHUNK_QUANTUM, Some(10 << 20), upload.id.clone()));
        assert_eq!(std::fs::metadata(reopened.session_path(&session.id)).unwrap().len(), CHUNK_QUANTUM);
        // The same file again is the same upload.
        let again = reopened
            .initiate(NewUpload {
                instance_id: "abcd1234".into(),
                provider: Provider::Gcp,
                crc32: 7,
                dump_size: Some(10 << 20),
                full_size: 10 << 20,
                part_size: DEFAULT_PART_SIZE,
            })
            .await;
        assert_eq!(again.id, upload.id);
    }
}
