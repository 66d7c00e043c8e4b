//! The two object stores a console import uploads to, both on the emulator's own port and persisted under
//! `<data dir>/imports/`: a GCS-style resumable upload ([`gcs`]) and S3-style pre-signed multipart parts ([`s3`]).
//! This module owns what they share: the upload and session records and their index on disk, and the XML errors.
//!
//! Request bodies are streamed to disk, never held in memory. Error bodies are XML, as both stores answer.
//! Rejections drain a body of up to 256 MiB first, so the client reads the answer instead of a broken pipe.

mod gcs;
mod s3;

pub(crate) use gcs::{gcs_cancel, gcs_put, gcs_start, gcs_start_url};
pub(crate) use s3::{s3_part_url, s3_put};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::EmulatorError;
use crate::model::Provider;
use crate::server::lock;

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

#[cfg(test)]
mod tests {
    use super::*;

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
