//! The resume journal: one small JSON file per unfinished upload, so that an upload interrupted by a crash, a
//! closed laptop or an app restart continues from the last acknowledged chunk instead of byte 0.
//!
//! # Format (version 1)
//!
//! `<journal_dir>/upload-<uuid>.json`, mode 0600, written atomically (a temporary file in the same folder,
//! fsync, rename, fsync of the folder) after every acknowledged chunk or part:
//!
//! ```json
//! { "version": 1, "id": "…uuid…", "dbid": "abcd1234", "consoleUrl": "https://console.neo4j.io",
//!   "boltUri": "neo4j+s://abcd1234.databases.neo4j.io", "file": "/backups/neo4j.backup",
//!   "fingerprint": { "size": 123, "modifiedNs": 1717243200000000000, "headCrc32": 1, "tailCrc32": 2 },
//!   "crc32": 3421780262, "fullSize": 734003200, "chunkSize": 67108864,
//!   "remote": { "provider": "GCP", "signedUrl": "https://…", "sessionUrl": "https://…" },
//!   "acknowledged": 67108864, "sessionsStarted": 1, "restartedFromZero": false,
//!   "createdAt": "2025-03-10T12:30:00Z", "updatedAt": "2025-03-10T12:31:00Z" }
//! ```
//!
//! Once the whole file is stored, `completeBody` (the upload-complete request, e.g. `{ "Crc32": 3421780262 }`)
//! is added just before it is sent and `completedAt` when Aura accepted it; both are absent before. Readers of
//! version 1 without these fields see an upload still in progress, which is what it was.
//!
//! For S3 `remote` is `{ "provider": "AWS", "uploadId", "totalParts", "firstPartIndex", "links": […],
//! "partsDone": [{ "partNumber", "etag", "size" }] }`.
//!
//! **No secrets**: neither the database password nor the console token is ever written. The signed URL, the
//! GCS session URL and the S3 part links *are* capabilities (whoever holds one can write that one object), and
//! they are needed to resume, so they are stored — in a file only the user can read. They are time-limited:
//! GCS sessions live a week, signed URLs and part links until their expiry (a week in the reference); a
//! resume after that starts a fresh upload, saying so.
//!
//! The fingerprint (size, modification time, CRC-32 of the first and last MiB) tells a changed file from the
//! one whose bytes were sent, without re-reading all of it.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::UploadError;
use crate::request::{Provider, UploadRequest};

/// The journal format this code writes and reads.
pub(crate) const JOURNAL_VERSION: u32 = 1;
/// The fingerprint hashes this much at each end of the file.
const FINGERPRINT_SPAN: u64 = 1024 * 1024;
const PREFIX: &str = "upload-";
const SUFFIX: &str = ".json";

/// A cheap identity of the file's content.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Fingerprint {
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch, when the system reports one.
    pub modified_ns: Option<u64>,
    pub head_crc32: u32,
    pub tail_crc32: u32,
}

impl Fingerprint {
    /// Reads the file's size, time and both ends (blocking).
    pub fn of(path: &Path) -> io::Result<Fingerprint> {
        let mut file = fs::File::open(path)?;
        let (size, modified_ns) = stat_of(&file.metadata()?);
        let head = crc_of_range(&mut file, 0, FINGERPRINT_SPAN.min(size))?;
        let tail_len = FINGERPRINT_SPAN.min(size);
        let tail = crc_of_range(&mut file, size - tail_len, tail_len)?;
        let after = stat_of(&file.metadata()?);
        if after != (size, modified_ns) {
            return Err(io::Error::other("the file changed while it was being read"));
        }
        Ok(Fingerprint { size, modified_ns, head_crc32: head, tail_crc32: tail })
    }

    /// Whether size and modification time still match (the per-chunk check: one `stat`).
    pub fn same_stat(&self, path: &Path) -> io::Result<bool> {
        Ok(stat_of(&fs::metadata(path)?) == (self.size, self.modified_ns))
    }
}

/// Size and modification time (ns since the epoch).
pub(crate) fn stat_of(meta: &fs::Metadata) -> (u64, Option<u64>) {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok());
    (meta.len(), modified)
}

fn crc_of_range(file: &mut fs::File, offset: u64, len: u64) -> io::Result<u32> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than it was"));
    }
    Ok(crc32fast::hash(&buf))
}

/// One S3 part the store acknowledged.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PartDone {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
}

/// Where the bytes go, once the console said.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "provider")]
pub(crate) enum Remote {
    /// A GCS resumable upload.
    #[serde(rename = "GCP", rename_all = "camelCase")]
    Gcp {
        /// The console's signed start URL (a capability; time-limited).
        signed_url: String,
        /// The resumable session (a capability; lives a week).
        session_url: Option<String>,
    },
    /// An S3 multipart upload through pre-signed part URLs.
    #[serde(rename = "AWS", rename_all = "camelCase")]
    Aws {
        upload_id: String,
        total_parts: u32,
        /// Index (0-based) of the part `links[0]` is for: `total_parts - links.len()`.
        first_part_index: u32,
        /// Pre-signed part URLs (capabilities; time-limited).
        links: Vec<String>,
        parts_done: Vec<PartDone>,
    },
}

impl Remote {
    pub fn provider(&self) -> Provider {
        match self {
            Remote::Gcp { .. } => Provider::Gcp,
            Remote::Aws { .. } => Provider::Aws,
        }
    }
}

/// Paths are stored as text when they are valid UTF-8 and as their raw bytes otherwise: a Unix file name may be any
/// bytes, and a resume must find exactly the same file.
mod path_serde {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Bytes { bytes: Vec<u8> },
    }

    pub fn serialize<S: Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
        match path.to_str() {
            Some(text) => Stored::Text(text.to_owned()),
            None => Stored::Bytes { bytes: raw(path) },
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(match Stored::deserialize(d)? {
            Stored::Text(text) => PathBuf::from(text),
            Stored::Bytes { bytes } => from_raw(bytes),
        })
    }

    #[cfg(unix)]
    fn raw(path: &std::path::Path) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }

    #[cfg(not(unix))]
    fn raw(path: &std::path::Path) -> Vec<u8> {
        path.to_string_lossy().into_owned().into_bytes()
    }

    #[cfg(unix)]
    fn from_raw(bytes: Vec<u8>) -> PathBuf {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }

    #[cfg(not(unix))]
    fn from_raw(bytes: Vec<u8>) -> PathBuf {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The journal's content.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record {
    pub version: u32,
    pub id: String,
    pub dbid: String,
    pub console_url: String,
    pub bolt_uri: String,
    #[serde(with = "path_serde")]
    pub file: PathBuf,
    pub fingerprint: Fingerprint,
    pub crc32: u32,
    pub full_size: u64,
    pub chunk_size: u64,
    pub remote: Option<Remote>,
    /// Bytes the store acknowledged (GCS: the persisted prefix; S3: the sum of the parts done).
    pub acknowledged: u64,
    pub sessions_started: u32,
    pub restarted_from_zero: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When Aura accepted upload-complete: from then on only the import is left to watch, and a resume goes
    /// straight to watching it (a second upload would be refused while the import runs).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<OffsetDateTime>,
    /// The upload-complete body, written just before it is sent: a process killed before it heard the answer
    /// cannot know whether Aura started the import, so a resume asks again with the same body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_body: Option<serde_json::Value>,
}

struct Inner {
    record: Record,
    /// Removed: later writes (e.g. one finishing after a cancel) must not bring the file back.
    closed: bool,
}

/// The journal of one upload: the record in memory, persisted to a file when a journal folder was given.
pub(crate) struct Journal {
    path: Option<PathBuf>,
    inner: Mutex<Inner>,
}

impl Journal {
    /// Starts a journal for a new upload and writes it (blocking).
    pub fn create(dir: Option<&Path>, record: Record) -> Result<Journal, UploadError> {
        let path = match dir {
            Some(dir) => {
                ensure_dir(dir).map_err(|e| UploadError::journal("write", dir, e))?;
                Some(file_path(dir, &record.id))
            }
            None => None,
        };
        let journal = Journal { path, inner: Mutex::new(Inner { record, closed: false }) };
        journal.write_locked(&journal.lock())?;
        Ok(journal)
    }

    /// Loads the journal of an unfinished upload (blocking).
    pub fn load(dir: &Path, id: &str) -> Result<Journal, UploadError> {
        let not_found = || UploadError::ResumeNotFound { id: id.to_string() };
        // Only our own ids: a name from outside must not reach the file system as a path.
        let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| not_found())?.to_string();
        let path = file_path(dir, &id);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_found()),
            Err(e) => return Err(UploadError::journal("read", &path, e)),
        };
        let record: Record = serde_json::from_slice(&bytes).map_err(|e| UploadError::journal("read", &path, e))?;
        if record.version != JOURNAL_VERSION || record.id != id {
            return Err(UploadError::journal("read", &path, "it was written by another version of Lifeboat"));
        }
        Ok(Journal { path: Some(path), inner: Mutex::new(Inner { record, closed: false }) })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the journal is on disk (so an interrupted upload can be resumed).
    pub fn persistent(&self) -> bool {
        self.path.is_some()
    }

    /// Whether the journal was removed (the upload finished, was cancelled or can't be resumed).
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// A copy of the record.
    pub fn snapshot(&self) -> Record {
        self.lock().record.clone()
    }

    /// Changes the record and writes it (in a blocking task; the write completes even if the caller is dropped).
    pub async fn update(
        self: &Arc<Self>,
        change: impl FnOnce(&mut Record) + Send + 'static,
    ) -> Result<(), UploadError> {
        let me = self.clone();
        let job = tokio::task::spawn_blocking(move || {
            let mut inner = me.lock();
            if inner.closed {
                return Ok(());
            }
            change(&mut inner.record);
            inner.record.updated_at = OffsetDateTime::now_utc();
            me.write_locked(&inner)
        });
        job.await.map_err(|e| UploadError::Internal { detail: format!("journal task: {e}") })?
    }

    /// Removes the journal: the upload finished, was cancelled, or can never be resumed.
    pub async fn remove(self: &Arc<Self>) {
        let me = self.clone();
        let job = tokio::task::spawn_blocking(move || {
            let mut inner = me.lock();
            inner.closed = true;
            if let Some(path) = &me.path {
                if let Err(e) = fs::remove_file(path) {
                    if e.kind() != io::ErrorKind::NotFound {
                        tracing::warn!(error = %e, path = %path.display(), "cannot remove an upload journal");
                    }
                }
            }
        });
        if let Err(e) = job.await {
            tracing::warn!(error = %e, "journal removal task failed");
        }
    }

    fn write_locked(&self, inner: &Inner) -> Result<(), UploadError> {
        let Some(path) = &self.path else { return Ok(()) };
        if inner.closed {
            return Ok(());
        }
        let bytes = serde_json::to_vec_pretty(&inner.record).map_err(|e| UploadError::journal("write", path, e))?;
        lifeboat_basics::atomic::write_atomically(path, &bytes).map_err(|e| UploadError::journal("write", path, e))
    }
}

fn file_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{PREFIX}{id}{SUFFIX}"))
}

fn ensure_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// An unfinished upload that [`crate::run`] can resume (from [`crate::resumable`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumableUpload {
    /// Pass as [`UploadRequest::resume_id`].
    pub id: String,
    /// The file being uploaded.
    pub file: PathBuf,
    /// The target database id.
    pub dbid: String,
    /// The console base URL.
    pub console_url: String,
    /// The connection URI the upload was started with.
    pub bolt_uri: String,
    /// Where the bytes go, once Aura said (`None`: nothing was sent yet).
    pub provider: Option<Provider>,
    /// The file's size.
    pub bytes_total: u64,
    /// Bytes the storage acknowledged.
    pub bytes_acknowledged: u64,
    /// `bytes_acknowledged` as a percentage of `bytes_total` (100 for an empty file).
    pub percent_done: f64,
    /// When the upload started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the journal was last written (the last acknowledged chunk).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The whole file is with Aura and only the import was left to watch: resuming watches it to the end.
    pub uploaded: bool,
}

impl ResumableUpload {
    /// A request that resumes this upload with the given credentials (they are never stored).
    pub fn request(
        &self,
        journal_dir: impl Into<PathBuf>,
        username: impl Into<String>,
        password: lifeboat_secrets::Sensitive<String>,
    ) -> UploadRequest {
        let mut req = UploadRequest::new(self.file.clone(), self.bolt_uri.clone(), username, password);
        req.journal_dir = Some(journal_dir.into());
        req.resume_id = Some(self.id.clone());
        req
    }
}

impl From<&Record> for ResumableUpload {
    fn from(r: &Record) -> Self {
        let total = r.fingerprint.size;
        let percent = if total == 0 { 100.0 } else { (r.acknowledged.min(total) as f64 / total as f64) * 100.0 };
        ResumableUpload {
            id: r.id.clone(),
            file: r.file.clone(),
            dbid: r.dbid.clone(),
            console_url: r.console_url.clone(),
            bolt_uri: r.bolt_uri.clone(),
            provider: r.remote.as_ref().map(Remote::provider),
            bytes_total: total,
            bytes_acknowledged: r.acknowledged,
            percent_done: percent,
            started_at: r.created_at,
            updated_at: r.updated_at,
            uploaded: r.completed_at.is_some() || r.complete_body.is_some(),
        }
    }
}

/// Lists the unfinished uploads journalled in `journal_dir`, most recently active first.
///
/// A missing folder means none. Files that can't be read or parsed (another version's, a damaged one) are
/// skipped with a warning in the log rather than failing the whole list.
pub fn resumable(journal_dir: &Path) -> Vec<ResumableUpload> {
    let entries = match fs::read_dir(journal_dir) {
        Ok(entries) => entries,
        Err(e) => {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(error = %e, dir = %journal_dir.display(), "cannot list upload journals");
            }
            return Vec::new();
        }
    };
    let mut found: Vec<ResumableUpload> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let id = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?.to_string();
            match Journal::load(journal_dir, &id) {
                Ok(j) => Some(ResumableUpload::from(&j.snapshot())),
                Err(e) => {
                    tracing::warn!(file = %name, error = %e, "skipping an unreadable upload journal");
                    None
                }
            }
        })
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    found
}

/// Forgets an unfinished upload: removes its journal, so it is no longer offered for resuming. The storage
/// session is left to expire on its own (it holds no data anyone can import). Unknown ids are not an error.
pub fn discard_resumable(journal_dir: &Path, id: &str) -> Result<(), UploadError> {
    let Ok(id) = uuid::Uuid::parse_str(id.trim()) else { return Ok(()) };
    let path = file_path(journal_dir, &id.to_string());
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UploadError::journal("write", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_utf8_survives_the_journal_byte_for_byte() {
        use std::os::unix::ffi::OsStringExt;
        let odd = PathBuf::from(std::ffi::OsString::from_vec(b"/tmp/caf\xe9 backup.backup".to_vec()));
        let text = serde_json::to_string(&record("r", &odd)).unwrap();
        let back: Record = serde_json::from_str(&text).unwrap();
        assert_eq!(back.file, odd);
        let plain: Record =
            serde_json::from_str(&serde_json::to_string(&record("r", Path::new("/tmp/a b.backup"))).unwrap()).unwrap();
        assert_eq!(plain.file, Path::new("/tmp/a b.backup"), "valid UTF-8 stays readable text");
    }

    fn record(id: &str, file: &Path) -> Record {
        let now = OffsetDateTime::now_utc();
        Record {
            version: JOURNAL_VERSION,
            id: id.into(),
            dbid: "abcd1234".into(),
            console_url: "http://127.0.0.1:1/console".into(),
            bolt_uri: "neo4j+s://abcd1234.databases.neo4j.io".into(),
            file: file.into(),
            fingerprint: Fingerprint { size: 1000, modified_ns: Some(1), head_crc32: 1, tail_crc32: 2 },
            crc32: 7,
            full_size: 1000,
            chunk_size: 262_144,
            remote: Some(Remote::Gcp { signed_url: "http://s".into(), session_url: Some("http://x".into()) }),
            acknowledged: 250,
            sessions_started: 1,
            restarted_from_zero: false,
            created_at: now,
            updated_at: now,
            completed_at: None,
            complete_body: None,
        }
    }

    #[tokio::test]
    async fn journals_are_written_atomically_private_and_listed_with_their_progress() {
        let dir = tempfile::tempdir().unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        let j = Arc::new(Journal::create(Some(dir.path()), record(&id, Path::new("/f.dump"))).unwrap());
        j.update(|r| r.acknowledged = 500).await.unwrap();
        let listed = resumable(dir.path());
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id.as_str(), listed[0].percent_done), (id.as_str(), 50.0));
        assert_eq!(listed[0].provider, Some(Provider::Gcp));
        let path = dir.path().join(format!("upload-{id}.json"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let loaded = Journal::load(dir.path(), &id).unwrap().snapshot();
        assert_eq!(loaded.acknowledged, 500);
        j.remove().await;
        // A write after removal must not resurrect the file.
        j.update(|r| r.acknowledged = 900).await.unwrap();
        assert!(resumable(dir.path()).is_empty());
    }

    #[test]
    fn foreign_names_and_damaged_files_are_not_resumable() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("upload-nonsense.json"), b"{").unwrap();
        fs::write(dir.path().join(format!("upload-{}.json", uuid::Uuid::new_v4())), b"{not json").unwrap();
        assert!(resumable(dir.path()).is_empty());
        assert_eq!(Journal::load(dir.path(), "../../etc/passwd").err().map(|e| e.code()), Some("resume-not-found"));
        assert!(resumable(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn the_fingerprint_notices_changes_at_either_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, vec![5u8; 3 * 1024 * 1024]).unwrap();
        let a = Fingerprint::of(&path).unwrap();
        assert!(a.same_stat(&path).unwrap());
        let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::End(-1)).unwrap();
        f.write_all(&[6]).unwrap();
        drop(f);
        // Even if the time were restored, the tail's checksum differs.
        let b = Fingerprint::of(&path).unwrap();
        assert_ne!(a.tail_crc32, b.tail_crc32);
        assert_eq!(a.head_crc32, b.head_crc32);
        let empty = dir.path().join("empty");
        fs::write(&empty, b"").unwrap();
        assert_eq!(Fingerprint::of(&empty).unwrap().size, 0);
    }
}
