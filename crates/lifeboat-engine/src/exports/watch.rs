//! [`DownloadWatcher`]: notices a new backup file in the folders it watches, once the browser has finished with it.
//!
//! Each call to [`DownloadWatcher::poll`] lists the folders (not their subfolders) and compares with what it saw.
//! A file is **new** when it was not in the folder when the folder was added, or has changed since (its size or
//! modification time differ) — wall-clock times are never compared, so a clock change or a file system with coarse
//! timestamps cannot hide a download or revive an old one. A new backup file is reported once, after its size and
//! modification time have stayed the same for the settle time: browsers that write under the final name (or copy
//! tools) are waited for. Files under a partial name (`.crdownload`, `.part`, `.download`, `.partial`,
//! `.opdownload`) are only reported as "downloading", hidden files (a dot first, like our own temporary copies) and
//! symbolic links not at all.
//!
//! The caller passes the time to [`DownloadWatcher::poll`], so tests drive the settle time without sleeping.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How long a new file's size must stay the same before it is reported.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(1500);

/// Suffixes browsers give a file while they download it.
const PARTIAL_SUFFIXES: &[&str] = &[".crdownload", ".part", ".download", ".partial", ".opdownload"];
/// What backups, dumps and AuraDS archives are called.
const BACKUP_EXTENSIONS: &[&str] = &[".backup", ".dump", ".tar"];

/// Whether `name` ends with `suffix` (ASCII), ignoring ASCII case.
fn ends_with_ignoring_case(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len() && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Whether a file name looks like a Neo4j backup, dump or AuraDS archive (case does not matter). Hidden files
/// (a dot first) never do.
pub fn is_backup_name(name: &str) -> bool {
    !name.starts_with('.')
        && BACKUP_EXTENSIONS.iter().any(|ext| name.len() > ext.len() && ends_with_ignoring_case(name, ext))
}

/// The name a partial download will have once complete, when it is a backup (`x.backup.crdownload` → `x.backup`).
pub fn partial_download_target(name: &str) -> Option<&str> {
    PARTIAL_SUFFIXES.iter().find_map(|suffix| {
        // The suffix is ASCII, so cutting it off lands on a character boundary.
        let inner = ends_with_ignoring_case(name, suffix).then(|| &name[..name.len() - suffix.len()])?;
        is_backup_name(inner).then_some(inner)
    })
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A backup is being downloaded: under a partial name, or still changing under its own. Reported when its
    /// size changes.
    Downloading {
        /// The folder.
        folder: PathBuf,
        /// The name it has (or will have) once complete.
        file_name: String,
        /// Bytes so far.
        bytes: u64,
    },
    /// A new backup file whose size has settled.
    Ready {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// Its modification time.
        modified: Option<SystemTime>,
    },
    /// A folder could not be listed (reported once until that changes).
    Unreadable {
        /// The folder.
        folder: PathBuf,
        /// The operating system's words.
        error: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    bytes: u64,
    modified: Option<SystemTime>,
}

#[derive(Debug)]
struct Folder {
    path: PathBuf,
    /// What was there when the folder was added: never reported unless it changes.
    baseline: HashMap<OsString, Fingerprint>,
    /// New files not settled yet: their fingerprint and since when it has not changed.
    settling: HashMap<OsString, (Fingerprint, Instant)>,
    /// Last size reported as downloading, per name.
    downloading: HashMap<OsString, u64>,
    /// The listing error last reported, to report each once.
    unreadable: Option<String>,
}

/// Watches folders for new backup files. Synchronous: call [`DownloadWatcher::poll`] from a blocking thread.
#[derive(Debug)]
pub struct DownloadWatcher {
    folders: Vec<Folder>,
    settle: Duration,
    /// Files already reported, with what they were then (a file rewritten afterwards is new again).
    reported: HashMap<PathBuf, Fingerprint>,
}

/// Regular files (not links, not folders) directly in `dir`, with their fingerprints.
fn list(dir: &Path) -> std::io::Result<Vec<(OsString, Fingerprint)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        // DirEntry::metadata does not follow links: a link is skipped, never read through.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        found.push((entry.file_name(), Fingerprint { bytes: meta.len(), modified: meta.modified().ok() }));
    }
    Ok(found)
}

impl DownloadWatcher {
    /// A watcher of no folder yet; a new file is reported once unchanged for `settle`.
    pub fn new(settle: Duration) -> Self {
        Self { folders: Vec::new(), settle, reported: HashMap::new() }
    }

    /// Starts watching a folder. What it holds now is the baseline: only files added or changed from now on are
    /// reported. A folder that does not exist yet is watched for when it appears. `false` when already watched.
    pub fn add_folder(&mut self, path: &Path) -> bool {
        if self.folders.iter().any(|f| f.path == path) {
            return false;
        }
        let baseline = list(path).map(|files| files.into_iter().collect()).unwrap_or_default();
        self.folders.push(Folder {
            path: path.to_path_buf(),
            baseline,
            settling: HashMap::new(),
            downloading: HashMap::new(),
            unreadable: None,
        });
        true
    }

    /// The folders watched, in the order added.
    pub fn folders(&self) -> Vec<PathBuf> {
        self.folders.iter().map(|f| f.path.clone()).collect()
    }

    /// Lists every folder once and returns what happened since the last poll. `now` measures the settle time.
    pub fn poll(&mut self, now: Instant) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        for folder in &mut self.folders {
            let files = match list(&folder.path) {
                Ok(files) => {
                    folder.unreadable = None;
                    files
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    // Not there (yet): once it appears, everything in it is new.
                    folder.settling.clear();
                    Vec::new()
                }
                Err(e) => {
                    let error = e.to_string();
                    if folder.unreadable.as_deref() != Some(error.as_str()) {
                        events.push(WatchEvent::Unreadable { folder: folder.path.clone(), error: error.clone() });
                        folder.unreadable = Some(error);
                    }
                    continue;
                }
            };
            let mut present: HashSet<OsString> = HashSet::new();
            for (name, print) in files {
                present.insert(name.clone());
                let Some(text) = name.to_str() else { continue };
                if let Some(target) = partial_download_target(text) {
                    if folder.downloading.get(&name) != Some(&print.bytes) {
                        folder.downloading.insert(name.clone(), print.bytes);
                        events.push(WatchEvent::Downloading {
                            folder: folder.path.clone(),
                            file_name: target.to_owned(),
                            bytes: print.bytes,
                        });
                    }
                    continue;
                }
                if !is_backup_name(text) || folder.baseline.get(&name) == Some(&print) {
                    continue;
                }
                let path = folder.path.join(&name);
                if self.reported.get(&path) == Some(&print) {
                    continue;
                }
                match folder.settling.get(&name) {
                    Some((seen, since)) if *seen == print => {
                        if print.bytes > 0 && now.saturating_duration_since(*since) >= self.settle {
                            folder.settling.remove(&name);
                            folder.downloading.remove(&name);
                            self.reported.insert(path.clone(), print);
                            events.push(WatchEvent::Ready { path, bytes: print.bytes, modified: print.modified });
                        }
                    }
                    earlier => {
                        // First seen, or changed since the last poll: wait for it to settle.
                        if earlier.is_some() && folder.downloading.get(&name) != Some(&print.bytes) {
                            folder.downloading.insert(name.clone(), print.bytes);
                            events.push(WatchEvent::Downloading {
                                folder: folder.path.clone(),
                                file_name: text.to_owned(),
                                bytes: print.bytes,
                            });
                        }
                        folder.settling.insert(name.clone(), (print, now));
                    }
                }
            }
            folder.settling.retain(|name, _| present.contains(name));
            folder.downloading.retain(|name, _| present.contains(name));
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;
    use std::io::Write;

    const SETTLE: Duration = Duration::from_secs(1);

    fn append(path: &Path, bytes: &[u8]) {
        OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(bytes).unwrap();
    }

    fn ready(events: &[WatchEvent]) -> Vec<PathBuf> {
        events
            .iter()
            .filter_map(|e| match e {
                WatchEvent::Ready { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn names_are_recognised_case_blind_and_partials_point_at_their_target() {
        assert!(is_backup_name("Prod.BACKUP") && is_backup_name("x.dump") && is_backup_name("ds.tar"));
        assert!(!is_backup_name(".hidden.backup") && !is_backup_name(".backup") && !is_backup_name("notes.txt"));
        assert_eq!(partial_download_target("neo4j.backup.crdownload"), Some("neo4j.backup"));
        assert_eq!(partial_download_target("neo4j.dump.PART"), Some("neo4j.dump"));
        assert_eq!(partial_download_target("Unconfirmed 123.crdownload"), None);
        assert_eq!(partial_download_target("neo4j.backup"), None);
    }

    #[test]
    fn a_file_written_in_chunks_is_reported_once_only_after_its_size_settles() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = DownloadWatcher::new(SETTLE);
        w.add_folder(dir.path());
        let t0 = Instant::now();
        let file = dir.path().join("neo4j.backup");

        append(&file, &[1; 1000]);
        assert!(ready(&w.poll(t0)).is_empty(), "just appeared");
        append(&file, &[2; 1000]);
        let events = w.poll(t0 + Duration::from_millis(900));
        assert!(ready(&events).is_empty());
        assert!(
            events.contains(&WatchEvent::Downloading {
                folder: dir.path().to_path_buf(),
                file_name: "neo4j.backup".into(),
                bytes: 2000
            }),
            "{events:?}"
        );
        append(&file, &[3; 1000]);
        assert!(ready(&w.poll(t0 + Duration::from_millis(1800))).is_empty(), "grew again: the clock restarts");
        assert!(ready(&w.poll(t0 + Duration::from_millis(2500))).is_empty(), "settling, 0.7 s");
        let events = w.poll(t0 + Duration::from_millis(2900));
        assert_eq!(ready(&events), [file], "unchanged for a second");
        assert!(matches!(events.last(), Some(WatchEvent::Ready { bytes: 3000, .. })));
        assert!(ready(&w.poll(t0 + Duration::from_secs(10))).is_empty(), "reported once");
    }

    #[test]
    fn partial_downloads_are_only_reported_as_downloading_until_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = DownloadWatcher::new(SETTLE);
        w.add_folder(dir.path());
        let t0 = Instant::now();
        let partial = dir.path().join("export.backup.crdownload");
        append(&partial, &[7; 4096]);
        append(&dir.path().join(".export.backup.lifeboat-tmp"), &[7; 10]);
        append(&dir.path().join("notes.txt"), b"hello");
        let events = w.poll(t0);
        assert_eq!(
            events,
            [WatchEvent::Downloading {
                folder: dir.path().to_path_buf(),
                file_name: "export.backup".into(),
                bytes: 4096
            }]
        );
        assert!(w.poll(t0 + Duration::from_secs(5)).is_empty(), "nothing changed, nothing said");
        let done = dir.path().join("export.backup");
        std::fs::rename(&partial, &done).unwrap();
        assert!(ready(&w.poll(t0 + Duration::from_secs(6))).is_empty());
        assert_eq!(ready(&w.poll(t0 + Duration::from_secs(7))), [done]);
    }

    #[test]
    fn files_there_before_the_watch_are_ignored_unless_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("last-week.backup");
        append(&old, &[1; 100]);
        let mut w = DownloadWatcher::new(SETTLE);
        w.add_folder(dir.path());
        let t0 = Instant::now();
        assert!(w.poll(t0).is_empty());
        assert!(w.poll(t0 + Duration::from_secs(5)).is_empty(), "an old file is never reported");
        // The browser saves the new export over the old name: that is a new file.
        append(&old, &[2; 100]);
        w.poll(t0 + Duration::from_secs(6));
        assert_eq!(ready(&w.poll(t0 + Duration::from_secs(8))), [old]);
    }

    #[test]
    fn a_folder_that_appears_later_is_watched_and_added_folders_count_from_when_they_were_added() {
        let root = tempfile::tempdir().unwrap();
        let downloads = root.path().join("Downloads");
        let other = root.path().join("Exports");
        std::fs::create_dir(&other).unwrap();
        append(&other.join("before.dump"), &[1; 10]);
        let mut w = DownloadWatcher::new(SETTLE);
        assert!(w.add_folder(&downloads));
        assert!(w.add_folder(&other));
        assert!(!w.add_folder(&other), "each folder once");
        assert_eq!(w.folders(), [downloads.clone(), other.clone()]);
        let t0 = Instant::now();
        assert!(w.poll(t0).is_empty(), "a missing folder is not an error");
        std::fs::create_dir(&downloads).unwrap();
        append(&downloads.join("new.tar"), &[1; 10]);
        append(&other.join("after.dump"), &[1; 10]);
        w.poll(t0 + Duration::from_secs(1));
        let mut found = ready(&w.poll(t0 + Duration::from_secs(3)));
        found.sort();
        assert_eq!(found, [downloads.join("new.tar"), other.join("after.dump")]);
    }

    #[test]
    fn an_empty_file_is_not_reported_until_it_has_content() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = DownloadWatcher::new(SETTLE);
        w.add_folder(dir.path());
        let t0 = Instant::now();
        // Firefox first creates the final name empty, then renames its .part over it.
        let file = dir.path().join("neo4j.backup");
        append(&file, b"");
        w.poll(t0);
        assert!(ready(&w.poll(t0 + Duration::from_secs(5))).is_empty());
        append(&file, &[1; 10]);
        w.poll(t0 + Duration::from_secs(6));
        assert_eq!(ready(&w.poll(t0 + Duration::from_secs(8))), [file]);
    }
}
