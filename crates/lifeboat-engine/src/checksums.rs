//! The checksums of files the user chose, remembered so that a restore does not read a large file a second time.
//!
//! When a file is dropped (or picked) and inspected, [`ChecksumCache::start`] computes its CRC-32 in the
//! background while the user reads the checklist and confirms; the upload then asks [`ChecksumCache::known`]
//! and passes what it gets as `UploadRequest::known_checksum`. Each checksum is remembered with the
//! [`FileKey`] — canonical path, size, modification time, inode — of the file it was computed from, and is
//! handed out only while the file still has that key: a file touched, rewritten or replaced is read again.
//! The upload re-checks the key itself at its checksum step, so a change between the two is caught too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use lifeboat_archive::{FileChecksum, FileKey};
use tokio::sync::watch;

/// How many files' checksums are remembered; the oldest is forgotten first (a user restores one file at a time).
const REMEMBERED: usize = 16;

/// Where one file's checksum stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pass {
    /// Being computed from the file with this key.
    Running(FileKey),
    /// Computed.
    Done(FileChecksum),
    /// The pass failed (unreadable, changed while read): nothing to remember.
    Failed,
}

struct Entry {
    pass: watch::Receiver<Pass>,
    started: u64,
}

/// Checksums of chosen files, keyed by canonical path and handed out only for an unchanged file.
#[derive(Default)]
pub struct ChecksumCache {
    entries: Mutex<(u64, HashMap<PathBuf, Entry>)>,
}

impl ChecksumCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process's cache: files are the same files whichever account is open.
    pub fn shared() -> &'static ChecksumCache {
        static SHARED: OnceLock<ChecksumCache> = OnceLock::new();
        SHARED.get_or_init(ChecksumCache::new)
    }

    /// Starts computing the checksum of the file at `path` on a blocking thread, unless it is known or being
    /// computed for the file as it is now. Returns at once; needs a Tokio runtime.
    pub fn start(&self, path: &Path) {
        let Ok(key) = FileKey::of(path) else { return };
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (counter, entries) = &mut *guard;
        if let Some(entry) = entries.get(&key.path) {
            let same = match &*entry.pass.borrow() {
                Pass::Running(k) => *k == key,
                Pass::Done(sum) => sum.key == key,
                Pass::Failed => false,
            };
            if same {
                return;
            }
        }
        let (tx, rx) = watch::channel(Pass::Running(key.clone()));
        *counter += 1;
        entries.insert(key.path.clone(), Entry { pass: rx, started: *counter });
        if entries.len() > REMEMBERED {
            if let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.started).map(|(p, _)| p.clone()) {
                entries.remove(&oldest);
            }
        }
        drop(guard);
        let file = key.path.clone();
        tokio::task::spawn_blocking(move || {
            let pass = match lifeboat_archive::checksum_file(&file, |_| {}) {
                Ok(sum) if sum.key == key => Pass::Done(sum),
                // Changed between the key and the pass: computing again is for whoever needs it next.
                Ok(_) => Pass::Failed,
                Err(e) => {
                    tracing::debug!(path = %file.display(), error = %e, "background checksum failed");
                    Pass::Failed
                }
            };
            let _ = tx.send(pass);
        });
    }

    /// The checksum of the file at `path` as it is now: the remembered one if the file's key is unchanged, after
    /// waiting for a pass that is computing it; `None` when there is none for the file as it is (the upload then
    /// reads it itself).
    pub async fn known(&self, path: &Path) -> Option<FileChecksum> {
        let key = FileKey::of(path).ok()?;
        let mut rx = {
            let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            guard.1.get(&key.path)?.pass.clone()
        };
        let pass = rx.wait_for(|p| !matches!(p, Pass::Running(_))).await.map(|p| p.clone()).ok();
        match pass {
            Some(Pass::Done(sum)) if sum.key == key => Some(sum),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[tokio::test]
    async fn a_remembered_checksum_is_handed_out_only_for_the_unchanged_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("movies.dump");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let cache = ChecksumCache::new();
        assert_eq!(cache.known(&path).await, None, "nothing before a pass");

        cache.start(&path);
        let sum = cache.known(&path).await.expect("waits for the pass");
        assert_eq!(sum.crc32, crc32fast::hash(&bytes));
        assert_eq!(sum.key, FileKey::of(&path).expect("key"));
        // Another name for the same file finds it.
        assert_eq!(cache.known(&dir.path().join(".").join("movies.dump")).await, Some(sum.clone()));

        // Touched: the key changed, so nothing is handed out until a new pass.
        let later = SystemTime::now() + Duration::from_secs(3);
        std::fs::File::options().write(true).open(&path).expect("open").set_modified(later).expect("mtime");
        assert_eq!(cache.known(&path).await, None);
        cache.start(&path);
        let again = cache.known(&path).await.expect("recomputed");
        assert_eq!(again.crc32, sum.crc32);
        assert_ne!(again.key, sum.key);

        // Rewritten with other bytes: recomputed, and correct.
        std::fs::write(&path, b"123456789").expect("rewrite");
        assert_eq!(cache.known(&path).await, None);
        cache.start(&path);
        assert_eq!(cache.known(&path).await.map(|s| s.crc32), Some(3_421_780_262));
        assert_eq!(cache.known(&dir.path().join("missing")).await, None);
    }
}
