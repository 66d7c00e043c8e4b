//! Why an upload stopped, in words for the person who started it.
//!
//! Every variant has a stable [`UploadError::code`] (kebab-case, never renamed: the UI and the CLI's `--json`
//! branch on it) and a `Display` that says what happened, that nothing was lost (Lifeboat only ever reads the
//! user's file, and an import that didn't start leaves the instance as it was), and what to do next. Server
//! texts are quoted where they help; secrets and signed URLs never appear.

use std::path::{Path, PathBuf};

/// Said by every message about the file: the one thing a worried user needs to hear first.
const FILE_SAFE: &str = "Your file was not changed.";

/// Why an upload stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The connection URI is not one Aura hands out.
    #[error("\u{201c}{uri}\u{201d} is not an Aura connection URI Lifeboat understands (expected e.g. neo4j+s://<id>.databases.neo4j.io, without a port or path). Nothing was uploaded. Copy the connection URI from the instance's page in the Aura console and try again.")]
    InvalidBoltUri {
        /// The URI as given.
        uri: String,
    },
    /// An `*.instances.neo4j.io` URI does not contain the database id.
    #[error("The connection URI \u{201c}{uri}\u{201d} does not say which database to restore into. Nothing was uploaded. Give the database (instance) id as well.")]
    DbidRequired {
        /// The URI as given.
        uri: String,
    },
    /// The database id given disagrees with the one in the URI.
    #[error("The connection URI names database {in_uri}, but database {given} was chosen. Nothing was uploaded. Check which instance you mean and try again.")]
    DbidMismatch {
        /// The URI as given.
        uri: String,
        /// The id in the URI.
        in_uri: String,
        /// The id given separately.
        given: String,
    },
    /// A console or storage URL is not `https` (plain `http` is only accepted to this machine).
    #[error("Lifeboat refused to send data to the {what} address {url} because it is not a secure (https) address. Nothing was sent. Check the address; plain http is only allowed to this computer.")]
    InsecureUrl {
        /// Which URL ("console", "upload").
        what: &'static str,
        /// The URL, without its query string (signed URLs carry credentials there).
        url: String,
    },
    /// The file could not be opened or read.
    #[error("{detail} Nothing was uploaded. {FILE_SAFE}")]
    FileUnreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong, in words (from the archive inspector, or the operating system).
        detail: String,
    },
    /// The file's size, modification time or content differ from when the upload started.
    #[error("The file \u{201c}{}\u{201d} changed since the upload started{}, so the bytes already sent no longer match it and the upload can't continue. Nothing on the instance was changed, and Lifeboat never writes to your file. If the file is still being copied, wait until it is complete, then start a new upload.", show(.path), since_text(.since))]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// When the upload started (RFC 3339), when known.
        since: Option<String>,
    },
    /// The journal has no unfinished upload with this id.
    #[error("There is no unfinished upload with id {id} to resume (it may have finished, been cancelled, or its journal was removed). Nothing was lost. {FILE_SAFE} Start a new upload.")]
    ResumeNotFound {
        /// The id asked for.
        id: String,
    },
    /// The resume journal could not be read or written.
    #[error("Lifeboat couldn't {action} its resume journal at \u{201c}{}\u{201d}: {detail}. The upload was stopped so that it can't get lost track of. {FILE_SAFE} Check that the folder exists and is writable (and the disk not full), then try again.", show(.path))]
    Journal {
        /// "read" or "write".
        action: &'static str,
        /// The journal file or folder.
        path: PathBuf,
        /// The operating system's reason.
        detail: String,
    },
    /// The console rejected the database credentials (401 at auth).
    #[error("Aura did not accept the database user name and password. Nothing was uploaded. {FILE_SAFE} Check the credentials of this instance's database (not your Aura account login) and try again.")]
    InvalidCredentials,
    /// The credentials are valid but not administrative (403 at auth).
    #[error("These database credentials don't give administrative access to the instance, which restoring requires. Nothing was uploaded. {FILE_SAFE} Use the instance's admin user (usually neo4j).")]
    NotAdmin,
    /// The console does not know the database (404).
    #[error("Aura doesn't know database {dbid} (during {step}). Nothing was uploaded. {FILE_SAFE} Check the connection URI: the instance may have been deleted, or the URI belongs to another instance.")]
    DatabaseNotFound {
        /// The database id.
        dbid: String,
        /// The step ("sign-in", "size check", …).
        step: &'static str,
    },
    /// The instance holds data and the user did not confirm overwriting it (409 at auth).
    #[error("The instance already holds data, and restoring replaces all of it, so Aura asks for your explicit consent. Nothing was uploaded and the instance is unchanged. {FILE_SAFE} Confirm that the instance's current data may be overwritten, then start again.")]
    ConsentRequired,
    /// Upload-complete answered 409: the data is there but consent was missing.
    #[error("The file was uploaded completely, but Aura refused to start the import: the instance holds data and consent to overwrite it was not given (HTTP 409). The instance is unchanged and {}. Confirm the overwrite and resume the upload; the file does not need to be sent again.", lower_first(FILE_SAFE))]
    ConsentRequiredAtComplete,
    /// The store does not fit the instance (422 `ImportExceedsMaxSize`).
    #[error("The database in this file is too big for the instance: it needs at least {needed_gb:.1} GiB of storage.{} Nothing was uploaded and the instance is unchanged. {FILE_SAFE} Increase the instance's storage in the Aura console{}, or restore to a larger instance.", server_says(.message), see(.url))]
    TooBig {
        /// The storage needed (FullSize), in GiB (the protocol's "GB").
        needed_gb: f64,
        /// Aura's message, if it sent one.
        message: Option<String>,
        /// Where Aura says to go, if it said.
        url: Option<String>,
    },
    /// The console answered in a way the protocol doesn't allow for this step.
    #[error("Aura answered the {step} request unexpectedly (HTTP {status}{}). Nothing on the instance was changed. {FILE_SAFE} Try again later; if it keeps happening, Aura's import service may have changed — check for a Lifeboat update.", server_detail(.detail))]
    ConsoleRejected {
        /// The step.
        step: &'static str,
        /// The HTTP status.
        status: u16,
        /// Aura's message, if any.
        detail: Option<String>,
    },
    /// The instance is in no state to take an import (400 `InvalidDatabaseState`): typically an earlier import
    /// still loads, or the instance is paused or busy with another operation.
    #[error("The instance can't take a new import right now; Aura says: \u{201c}{detail}\u{201d}. Nothing was uploaded and the instance is unchanged. {FILE_SAFE} Wait until the instance shows \u{201c}running\u{201d} again (an earlier import may still be loading), then try again.")]
    InstanceBusy {
        /// Aura's words on the instance's state.
        detail: String,
    },
    /// The console kept failing with transient errors (or could not be reached) for every retry.
    #[error("Aura's import service could not be reached for the {step} step after {attempts} attempts ({last}). Nothing on the instance was changed. {FILE_SAFE} Check your internet connection and Aura's status page, then try again{}.", resume_hint(*.resumable))]
    ConsoleUnavailable {
        /// The step.
        step: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure, in words.
        last: String,
        /// Whether a journal was kept, so the upload can be resumed.
        resumable: bool,
    },
    /// The console's answer could not be understood.
    #[error("Aura's answer to the {step} request could not be understood ({detail}). Nothing on the instance was changed. {FILE_SAFE} Try again; if it keeps happening, check for a Lifeboat update.")]
    Protocol {
        /// The step.
        step: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The storage service refused the data in a way retrying won't fix.
    #[error("The cloud storage refused the upload (HTTP {status}{}). The instance is unchanged. {FILE_SAFE} Try again{}; if it keeps happening, start a new upload.", server_detail(.detail), resume_hint(*.resumable))]
    StorageRejected {
        /// The HTTP status.
        status: u16,
        /// The storage's error code or message.
        detail: Option<String>,
        /// Whether a journal was kept.
        resumable: bool,
    },
    /// The transfer made no progress through every retry.
    #[error("The upload stopped making progress: {attempts} attempts in a row failed ({last}) with {acknowledged_mib:.1} of {total_mib:.1} MiB safely stored. The instance is unchanged. {FILE_SAFE} Check your connection and try again{}.", resume_hint(*.resumable))]
    UploadStalled {
        /// Attempts without progress.
        attempts: u32,
        /// The last failure, in words.
        last: String,
        /// MiB acknowledged by the store.
        acknowledged_mib: f64,
        /// MiB in the file.
        total_mib: f64,
        /// Whether a journal was kept.
        resumable: bool,
    },
    /// The upload session (or multipart upload) expired again after one fresh start.
    #[error("The upload session expired twice in a row, even after starting again from the beginning. The instance is unchanged. {FILE_SAFE} Start a new upload; if it happens again, check that your computer's clock is right.")]
    SessionExpired,
    /// upload-complete was refused (other than 409).
    #[error("The file was uploaded, but Aura refused to start the import (HTTP {status}{}). The instance is unchanged. {FILE_SAFE} Try again{}.", server_detail(.detail), resume_hint(*.resumable))]
    CompleteRejected {
        /// The HTTP status.
        status: u16,
        /// Aura's message.
        detail: Option<String>,
        /// Whether a journal was kept.
        resumable: bool,
    },
    /// Aura accepted the file but the import never started loading.
    #[error("Aura accepted the file but did not start loading it within {waited_secs} seconds. The instance keeps its previous data. {FILE_SAFE} Look at the instance's status in the Aura console; if nothing is happening there, upload again.")]
    ImportNeverStarted {
        /// Seconds waited.
        waited_secs: u64,
    },
    /// Aura reported `loading failed` for this import.
    #[error("Aura could not load the uploaded file: {}. {FILE_SAFE} The instance shows \u{201c}loading failed\u{201d}; restore a snapshot or upload another backup.", failure_text(.message, .url))]
    ImportFailed {
        /// Aura's message.
        message: String,
        /// Where Aura says to look.
        url: Option<String>,
    },
    /// Aura reported a status the protocol doesn't know during the import.
    #[error("While loading the file, the instance went into the state \u{201c}{status}\u{201d}, which is not part of an import. {FILE_SAFE} Check the instance in the Aura console; if it is not running, restore a snapshot or upload again.")]
    ImportUnexpectedStatus {
        /// The status string.
        status: String,
    },
    /// The user cancelled.
    #[error(
        "The upload was cancelled. {FILE_SAFE} If the import had not been started yet, the instance is unchanged."
    )]
    Cancelled,
    /// A failure inside Lifeboat itself.
    #[error(
        "Lifeboat hit an internal problem ({detail}). {FILE_SAFE} Try again; if it keeps happening, please report it."
    )]
    Internal {
        /// What failed.
        detail: String,
    },
}

impl UploadError {
    /// A stable, machine-readable identifier (kebab-case; never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidBoltUri { .. } => "invalid-bolt-uri",
            Self::DbidRequired { .. } => "dbid-required",
            Self::DbidMismatch { .. } => "dbid-mismatch",
            Self::InsecureUrl { .. } => "insecure-url",
            Self::FileUnreadable { .. } => "file-unreadable",
            Self::FileChanged { .. } => "file-changed",
            Self::ResumeNotFound { .. } => "resume-not-found",
            Self::Journal { .. } => "journal-io",
            Self::InvalidCredentials => "invalid-credentials",
            Self::NotAdmin => "not-admin",
            Self::DatabaseNotFound { .. } => "database-not-found",
            Self::ConsentRequired => "consent-required",
            Self::ConsentRequiredAtComplete => "consent-required-at-complete",
            Self::TooBig { .. } => "too-big",
            Self::ConsoleRejected { .. } => "console-rejected",
            Self::InstanceBusy { .. } => "instance-busy",
            Self::ConsoleUnavailable { .. } => "console-unavailable",
            Self::Protocol { .. } => "protocol",
            Self::StorageRejected { .. } => "storage-rejected",
            Self::UploadStalled { .. } => "upload-stalled",
            Self::SessionExpired => "session-expired",
            Self::CompleteRejected { .. } => "complete-rejected",
            Self::ImportNeverStarted { .. } => "import-never-started",
            Self::ImportFailed { .. } => "import-failed",
            Self::ImportUnexpectedStatus { .. } => "import-unexpected-status",
            Self::Cancelled => "cancelled",
            Self::Internal { .. } => "internal",
        }
    }

    /// Whether trying again (or resuming) may succeed without the user changing anything.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::ConsoleUnavailable { .. }
                | Self::InstanceBusy { .. }
                | Self::UploadStalled { .. }
                | Self::StorageRejected { .. }
                | Self::CompleteRejected { .. }
                | Self::SessionExpired
                | Self::ImportNeverStarted { .. }
                | Self::Journal { .. }
                | Self::Internal { .. }
        )
    }

    /// Marks a transfer error as resumable (a journal was kept), so its message says so.
    pub(crate) fn with_resumable(mut self, kept: bool) -> Self {
        match &mut self {
            Self::ConsoleUnavailable { resumable, .. }
            | Self::StorageRejected { resumable, .. }
            | Self::UploadStalled { resumable, .. }
            | Self::CompleteRejected { resumable, .. } => *resumable = kept,
            _ => {}
        }
        self
    }

    /// An I/O error on the user's file.
    pub(crate) fn file_io(path: &Path, e: &std::io::Error) -> Self {
        let detail = match e.kind() {
            std::io::ErrorKind::NotFound => format!("Lifeboat can't find \u{201c}{}\u{201d}.", show(path)),
            std::io::ErrorKind::PermissionDenied => {
                format!("Lifeboat isn't allowed to read \u{201c}{}\u{201d}; check its permissions.", show(path))
            }
            _ => format!("Lifeboat couldn't read \u{201c}{}\u{201d}: {e}.", show(path)),
        };
        Self::FileUnreadable { path: path.to_path_buf(), detail }
    }

    /// A journal I/O error.
    pub(crate) fn journal(action: &'static str, path: &Path, e: impl std::fmt::Display) -> Self {
        Self::Journal { action, path: path.to_path_buf(), detail: e.to_string() }
    }
}

impl From<lifeboat_archive::InspectError> for UploadError {
    fn from(e: lifeboat_archive::InspectError) -> Self {
        match e {
            lifeboat_archive::InspectError::ChangedWhileReading { path } => {
                UploadError::FileChanged { path, since: None }
            }
            other => {
                let path = match &other {
                    lifeboat_archive::InspectError::NotFound { path }
                    | lifeboat_archive::InspectError::NotReadable { path }
                    | lifeboat_archive::InspectError::NotRegularFile { path, .. }
                    | lifeboat_archive::InspectError::SymlinkLoop { path }
                    | lifeboat_archive::InspectError::Io { path, .. } => path.clone(),
                    lifeboat_archive::InspectError::NoArchiveInFolder { dir, .. }
                    | lifeboat_archive::InspectError::SeveralArchivesInFolder { dir, .. } => dir.clone(),
                    _ => PathBuf::new(),
                };
                UploadError::FileUnreadable { path, detail: other.to_string() }
            }
        }
    }
}

fn show(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn since_text(since: &Option<String>) -> String {
    since.as_ref().map(|s| format!(" (on {s})")).unwrap_or_default()
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn server_says(message: &Option<String>) -> String {
    match message.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!(" Aura says: \u{201c}{}\u{201d}", m.trim_end_matches('.')),
        None => String::new(),
    }
}

fn see(url: &Option<String>) -> String {
    match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => format!(" ({u})"),
        None => String::new(),
    }
}

fn server_detail(detail: &Option<String>) -> String {
    match detail.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => format!(": {d}"),
        None => String::new(),
    }
}

fn resume_hint(resumable: bool) -> &'static str {
    if resumable {
        " — Lifeboat kept its place, so resuming continues where the upload stopped"
    } else {
        ""
    }
}

/// Aura's error formatting (`docs/import-protocol.md` §3): the message, then "See: <url>" when it gave one.
fn failure_text(message: &str, url: &Option<String>) -> String {
    let message = message.trim();
    let message = if message.is_empty() { "Aura gave no reason" } else { message.trim_end_matches('.') };
    match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => format!("\u{201c}{message}\u{201d} (see {u})"),
        None => format!("\u{201c}{message}\u{201d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_that_nothing_was_lost_and_what_to_do() {
        let too_big = UploadError::TooBig {
            needed_gb: 2.345,
            message: Some("There is insufficient space in your Neo4j Aura instance.".into()),
            url: Some("https://console.neo4j.io/".into()),
        };
        let text = too_big.to_string();
        assert!(text.contains("2.3 GiB"), "{text}");
        assert!(text.contains("insufficient space in your Neo4j Aura instance\u{201d}"), "{text}");
        assert!(text.contains("https://console.neo4j.io/"), "{text}");
        assert!(text.contains("not changed"), "{text}");
        let failed = UploadError::ImportFailed { message: "Bad dump.".into(), url: Some("https://support".into()) };
        assert_eq!(failed.code(), "import-failed");
        assert!(failed.to_string().contains("\u{201c}Bad dump\u{201d} (see https://support)"));
        let stalled = UploadError::UploadStalled {
            attempts: 3,
            last: "timed out".into(),
            acknowledged_mib: 1.0,
            total_mib: 2.0,
            resumable: false,
        }
        .with_resumable(true);
        assert!(stalled.to_string().contains("resuming continues"), "{stalled}");
    }

    #[test]
    fn every_code_is_kebab_case() {
        let samples = [
            UploadError::InvalidCredentials,
            UploadError::ConsentRequired,
            UploadError::ConsentRequiredAtComplete,
            UploadError::SessionExpired,
            UploadError::Cancelled,
            UploadError::FileChanged { path: "/f".into(), since: Some("2025-01-01T00:00:00Z".into()) },
        ];
        for e in samples {
            assert!(e.code().chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", e.code());
            assert!(!e.to_string().is_empty());
        }
    }
}
