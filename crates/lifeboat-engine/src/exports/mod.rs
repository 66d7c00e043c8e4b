//! Guided snapshot export: keeping a copy of an Aura snapshot on this computer.
//!
//! Aura's public API has **no** snapshot download (reference A.6: no endpoint, no signed URL; the maintainers have
//! "no plans"). Only the web console exports, in the browser. So Lifeboat guides the hand-off instead of pretending:
//!
//! 1. it opens the instance's page in the console ([`console_link`]) with two or three short steps;
//! 2. it watches the user's Downloads folder, and any folder they add, for a **new** `.backup`, `.dump` or `.tar`
//!    ([`DownloadWatcher`]: partial downloads are ignored, a file is reported once its size has stopped changing);
//! 3. it inspects the file with the same inspector as a restore from a file (format from the bytes, completeness),
//!    and refuses a cut-off or unrecognised file with the inspector's own reason;
//! 4. it proposes a clear name, `<instance>_<snapshot UTC time>.<ext>` ([`proposed_file_name`]), for a native save
//!    dialog (the shell's), and copies the file there **atomically** ([`copy`]): a hidden temporary file in the
//!    chosen folder, streamed, fsynced, read back and compared with the download (size and CRC-32), and only then
//!    renamed to its name (and the folder fsynced). A half-written or unverified file never carries the final
//!    name; on any failure the temporary file is removed. The download itself is only ever read — and removed,
//!    when the user asked to move it, only after the copy was verified and if it is still exactly as inspected.
//!
//! The copy is a job ([`JobKind::SnapshotExport`](crate::jobs::JobKind::SnapshotExport)), so it shows progress,
//! survives a window reload, is recorded in the [history](crate::history) with the destination, size and CRC-32,
//! and an app closed mid-copy is tidied up at the next start (the temporary file removed, the entry marked
//! interrupted).
//!
//! This module owns the pieces that need no account: the console link, the name, the watcher and the atomic copy.
//! The session (which folders, which files were found) and the job live on the [`JobManager`](crate::JobManager)
//! (`plan_snapshot_export` and friends), so the window can only export files the watcher found.
//!
//! Why polling rather than OS file notifications (`notify`): a Downloads folder changes a few times a minute at
//! most; a listing every half second of one or two folders costs nothing, behaves the same on every OS and file
//! system (network shares and some FUSE mounts send no events), and needs the "has its size settled?" timer
//! anyway, because browsers write for a long time and a notification says only that something changed.

pub mod copy;
mod watch;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{OffsetDateTime, UtcOffset};
use ts_rs::TS;
use url::Url;

pub use watch::{is_backup_name, partial_download_target, DownloadWatcher, WatchEvent, DEFAULT_SETTLE};

use crate::api::{ApiError, Instance, Snapshot};
use crate::config::Endpoints;

/// Where to export a snapshot in the console, and what to do there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLink {
    /// The page to open in the browser.
    pub url: String,
    /// The page is the sandbox's stand-in console (on this computer), not Aura's.
    pub sandbox: bool,
    /// Short steps, in order, in plain words.
    pub steps: Vec<String>,
}

/// "20 Nov 2026 03:00 UTC".
pub(crate) fn utc_words(t: OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let t = t.to_offset(UtcOffset::UTC);
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    format!("{} {month} {} {:02}:{:02} UTC", t.day(), t.year(), t.hour(), t.minute())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The console page to export `snapshot` from, and the steps to take there.
///
/// Real Aura documents no deep link to an instance's Snapshots tab. The console's project page,
/// `https://console.neo4j.io/projects/<project id>/instances`, is the closest stable address seen in public
/// material (the project id is the API's tenant id); without a tenant id, the console's home. The steps say how
/// to go on from there (the instance's ⋯ menu → Snapshots → the snapshot's ⋯ → Export, as in Neo4j's own runbook).
/// A console on this computer is the sandbox's stand-in, whose page lists the instance's snapshots with the chosen
/// one marked.
pub fn console_link(endpoints: &Endpoints, instance: &Instance, snapshot: &Snapshot) -> ConsoleLink {
    let when = utc_words(snapshot.timestamp);
    let parsed = Url::parse(endpoints.console_url.trim_end_matches('/')).ok();
    if let Some(mut url) = parsed.clone().filter(is_loopback) {
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["instances", instance.id.as_str(), "snapshots"]);
        }
        url.query_pairs_mut().append_pair("snapshot", &snapshot.snapshot_id);
        return ConsoleLink {
            url: url.to_string(),
            sandbox: true,
            steps: vec![
                "Open the sandbox's console in your browser.".into(),
                format!("Find the snapshot of {when} (it is highlighted) and choose Export."),
                "Your browser downloads the file; Lifeboat notices it by itself.".into(),
            ],
        };
    }
    let base = parsed.unwrap_or_else(|| Url::parse(crate::config::AURA_CONSOLE_URL).expect("a valid constant"));
    let mut url = base.clone();
    if !instance.tenant_id.is_empty() {
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["projects", instance.tenant_id.as_str(), "instances"]);
        }
    }
    ConsoleLink {
        url: url.to_string(),
        sandbox: false,
        steps: vec![
            "Open the Aura console in your browser and sign in if it asks.".into(),
            format!(
                "Open the menu (⋯) of {}, choose Snapshots, find the snapshot of {when}, and choose Export in its menu (⋯).",
                instance.name
            ),
            "Your browser downloads the file; Lifeboat notices it by itself.".into(),
        ],
    }
}

/// The name proposed for the kept file: `Production_2026-11-20T0300Z.backup` — the instance's name and the
/// snapshot's time in UTC, so files sort by time and say what they hold. Characters that some file systems refuse
/// (and spaces) become `-`; `extension` is taken without its dot (`backup`, `dump`, `tar`).
pub fn proposed_file_name(instance_name: &str, snapshot_time: OffsetDateTime, extension: &str) -> String {
    let mut name: String =
        instance_name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches(|c| c == '-' || c == '_');
    let name = if name.is_empty() { "instance" } else { name };
    let t = snapshot_time.to_offset(UtcOffset::UTC);
    let ext: String = extension.trim_start_matches('.').chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let ext = if ext.is_empty() { "backup".to_owned() } else { ext.to_ascii_lowercase() };
    format!("{name}_{:04}-{:02}-{:02}T{:02}{:02}Z.{ext}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// The user's Downloads folder: the OS's own setting (XDG user dirs on Linux), else `~/Downloads`.
pub fn default_download_dir() -> Option<PathBuf> {
    dirs::download_dir().or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
}

/// A folder being watched, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WatchedFolder {
    /// The folder.
    pub path: String,
    /// Its name ("Downloads").
    pub label: String,
    /// Whether it exists now (a missing folder is watched for when it appears).
    pub exists: bool,
}

impl WatchedFolder {
    /// Describes a folder.
    pub fn of(path: &Path) -> Self {
        Self {
            path: path.to_string_lossy().into_owned(),
            label: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path_text(path)),
            exists: path.is_dir(),
        }
    }
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A new backup file found in a watched folder, inspected, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportCandidate {
    /// Refers to this file in later calls (the window never sends a path back).
    pub id: String,
    /// The file.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// The folder it is in.
    pub folder: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its format in words, from its bytes ("Neo4j 5 backup, compressed").
    pub format_label: String,
    /// When the backup was taken, where the format records it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub backup_time: Option<OffsetDateTime>,
    /// The inspector's answers to "readable?" and "complete?".
    pub checks: Vec<lifeboat_archive::Check>,
    /// Whether it can be kept: recognised and whole.
    pub usable: bool,
    /// Why not, and what to do, when it cannot.
    pub problem: Option<String>,
    /// Things worth knowing that do not block (a backup time far from the snapshot's).
    pub notes: Vec<String>,
    /// The name proposed in the save dialog.
    pub proposed_name: String,
}

/// What the watch reports to the window while an export is being guided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum ExportEvent {
    /// A backup is being downloaded: under a partial name (`.crdownload`, `.part`), or still growing.
    #[serde(rename_all = "camelCase")]
    Downloading {
        /// The file's name as it will be once complete.
        file_name: String,
        /// The folder.
        folder: String,
        /// Bytes so far.
        bytes: u64,
    },
    /// A new backup file has stopped growing and was inspected.
    Found(Box<ExportCandidate>),
    /// A watched folder cannot be read.
    #[serde(rename_all = "camelCase")]
    FolderUnreadable {
        /// The folder.
        folder: String,
        /// Why, in words.
        message: String,
    },
}

/// Everything the export dialog needs, and the session that remembers which files the watch found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportPlan {
    /// The session; later calls name it.
    pub session_id: String,
    /// The instance.
    pub instance_id: String,
    /// Its name.
    pub instance_name: String,
    /// The snapshot to export.
    pub snapshot_id: String,
    /// Its time.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub snapshot_time: OffsetDateTime,
    /// Where and how to export it in the console.
    pub console: ConsoleLink,
    /// The folders watched for the download.
    pub folders: Vec<WatchedFolder>,
}

/// The file of a snapshot export job: where it comes from, where it goes, and what the copy was checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    /// The downloaded file. Only read; removed after a verified copy if `remove_download`.
    pub source: PathBuf,
    /// Where the user chose to keep it.
    pub destination: PathBuf,
    /// The hidden temporary file in the destination's folder that becomes `destination` once verified.
    pub temp: PathBuf,
    /// Remove the download once the copy is verified (a move rather than a copy).
    pub remove_download: bool,
    /// The download's size when it was inspected.
    pub source_bytes: u64,
    /// Its modification time then: a download that changed since is neither copied nor removed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub source_modified: Option<OffsetDateTime>,
    /// Its format in words.
    pub format_label: String,
    /// Bytes in the verified copy.
    #[serde(default)]
    pub bytes: Option<u64>,
    /// The verified copy's CRC-32 (IEEE), as 8 hex digits.
    #[serde(default)]
    pub crc32: Option<String>,
    /// Whether the download was removed afterwards.
    #[serde(default)]
    pub download_removed: Option<bool>,
}

/// Why an export could not go on. Nothing is ever lost: the download is only read, and the chosen name is only
/// ever given to a complete, verified copy.
#[derive(Debug, Error)]
pub enum ExportError {
    /// Aura refused, or could not be reached.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The snapshot cannot be exported.
    #[error("Aura does not export this snapshot (hourly snapshots, and snapshots older than the plan allows, cannot be exported). Choose a daily or on-demand snapshot.")]
    NotExportable,
    /// The snapshot did not complete.
    #[error("This snapshot is not complete, so it cannot be exported. Choose a snapshot marked Completed.")]
    NotCompleted,
    /// The export was closed (or Lifeboat restarted) in between.
    #[error("This export is no longer open. Start it again from the snapshot; nothing was saved.")]
    SessionGone,
    /// The file is not one the watch found.
    #[error("Lifeboat does not know this file any more. Wait until it is found again, or download it again.")]
    UnknownFile,
    /// The file is not a whole backup.
    #[error("{0}")]
    Unusable(String),
    /// The chosen place is the download itself.
    #[error("That is the downloaded file itself. Choose another name or folder to keep the export; the download was not changed.")]
    SameFile,
    /// The chosen place is not a file path in an existing folder.
    #[error("Lifeboat cannot save to “{}”: {why}. Choose another place; nothing was saved.", .path.display())]
    BadDestination {
        /// The place chosen.
        path: PathBuf,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The download changed (grew, shrank, was rewritten) since it was inspected or while it was copied.
    #[error("The downloaded file changed while Lifeboat was working with it (is the download still running?). Nothing was saved under the name you chose. Wait until the download has finished, then try again.")]
    SourceChanged,
    /// Reading the download or writing the copy failed.
    #[error("Lifeboat could not {what} ({source}). Nothing was saved under the name you chose, and the download was not changed. Check the folder (free space, permissions) or choose another one, then try again.")]
    Io {
        /// What it was doing, in words.
        what: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The copy read back differs from the download.
    #[error("The copy does not match the download (size {found_bytes} instead of {expected_bytes} bytes, CRC-32 {found_crc} instead of {expected_crc}). Lifeboat removed it, so nothing was saved under the name you chose; the download was not changed. Try again; if it happens again, the disk may be failing.")]
    Mismatch {
        /// Bytes read from the download.
        expected_bytes: u64,
        /// Bytes in the copy.
        found_bytes: u64,
        /// The download's CRC-32.
        expected_crc: String,
        /// The copy's CRC-32.
        found_crc: String,
    },
    /// The user stopped the copy.
    #[error("The export was cancelled. Nothing was saved under the name you chose; the download was not changed.")]
    Cancelled,
    /// A folder to watch is not a folder.
    #[error("“{}” is not a folder Lifeboat can watch. Choose a folder.", .0.display())]
    NotAFolder(PathBuf),
}

impl ExportError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Api(e) => e.code(),
            Self::NotExportable => "not-exportable",
            Self::NotCompleted => "snapshot-not-completed",
            Self::SessionGone => "export-closed",
            Self::UnknownFile => "unknown-file",
            Self::Unusable(_) => "file-unusable",
            Self::SameFile => "same-file",
            Self::BadDestination { .. } => "bad-destination",
            Self::SourceChanged => "file-changed",
            Self::Io { .. } => "io",
            Self::Mismatch { .. } => "copy-mismatch",
            Self::Cancelled => "cancelled",
            Self::NotAFolder(_) => "not-a-folder",
        }
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Api(e) => e.retryable(),
            Self::SourceChanged | Self::Io { .. } | Self::Mismatch { .. } | Self::Cancelled => true,
            _ => false,
        }
    }
}

/// A size as people read it, in decimal units like a file manager: "512 bytes", "4.2 MB", "17 GB".
pub fn size_words(bytes: u64) -> String {
    if bytes < 1000 {
        return if bytes == 1 { "1 byte".into() } else { format!("{bytes} bytes") };
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{} {}", value.round(), UNITS[unit])
    }
}

/// CRC-32 as the history and the window show it: 8 lowercase hex digits.
pub fn crc_hex(crc: u32) -> String {
    format!("{crc:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{SnapshotProfile, SnapshotStatus};
    use time::macros::datetime;

    fn instance(tenant: &str) -> Instance {
        serde_json::from_value(serde_json::json!({
            "id": "a1b2c3d4", "name": "Production", "status": "running", "tenant_id": tenant,
            "cloud_provider": "gcp", "type": "business-critical"
        }))
        .unwrap()
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            snapshot_id: "6f1e-42".into(),
            instance_id: "a1b2c3d4".into(),
            profile: SnapshotProfile::Scheduled,
            status: SnapshotStatus::Completed,
            timestamp: datetime!(2026-11-20 03:00:12 UTC),
            exportable: true,
        }
    }

    #[test]
    fn the_proposed_name_is_instance_and_snapshot_time_in_utc() {
        assert_eq!(
            proposed_file_name("Production", datetime!(2026-11-20 03:00:59 UTC), "backup"),
            "Production_2026-11-20T0300Z.backup"
        );
        assert_eq!(
            proposed_file_name("Prod / EU: main", datetime!(2026-11-20 04:05 +01:00), ".DUMP"),
            "Prod-EU-main_2026-11-20T0305Z.dump",
            "unsafe characters become dashes, the time is UTC, the extension lowercase"
        );
        assert_eq!(
            proposed_file_name("Café Graph", datetime!(2026-01-02 00:00 UTC), "tar"),
            "Café-Graph_2026-01-02T0000Z.tar"
        );
        assert_eq!(
            proposed_file_name("../..", datetime!(2026-01-02 00:00 UTC), ""),
            "instance_2026-01-02T0000Z.backup"
        );
    }

    #[test]
    fn the_real_console_link_is_the_project_page_with_steps_naming_the_snapshot() {
        let link = console_link(&Endpoints::default(), &instance("9f1a-tenant"), &snapshot());
        assert_eq!(link.url, "https://console.neo4j.io/projects/9f1a-tenant/instances");
        assert!(!link.sandbox);
        assert!(
            link.steps[1].contains("Production") && link.steps[1].contains("20 Nov 2026 03:00 UTC"),
            "{:?}",
            link.steps
        );
        let home = console_link(&Endpoints::default(), &instance(""), &snapshot());
        assert_eq!(home.url, "https://console.neo4j.io/");
    }

    #[test]
    fn a_console_on_this_computer_is_the_sandbox_page_of_the_instance() {
        let endpoints = Endpoints::from_base("http://127.0.0.1:4567");
        let link = console_link(&endpoints, &instance("t"), &snapshot());
        assert_eq!(link.url, "http://127.0.0.1:4567/console/instances/a1b2c3d4/snapshots?snapshot=6f1e-42");
        assert!(link.sandbox);
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(size_words(1), "1 byte");
        assert_eq!(size_words(512), "512 bytes");
        assert_eq!(size_words(4_194_304), "4.2 MB");
        assert_eq!(size_words(17_000_000_000), "17 GB");
        assert_eq!(size_words(999_960), "1.0 MB");
    }

    #[test]
    fn errors_have_stable_codes_and_say_nothing_was_lost() {
        let e = ExportError::Mismatch {
            expected_bytes: 10,
            found_bytes: 10,
            expected_crc: crc_hex(0xdead_beef),
            found_crc: crc_hex(1),
        };
        assert_eq!(e.code(), "copy-mismatch");
        assert!(e.to_string().contains("deadbeef") && e.to_string().contains("00000001"));
        assert!(e.to_string().contains("nothing was saved under the name you chose"));
        assert!(e.retryable());
        assert!(!ExportError::SameFile.retryable());
    }
}
