//! The manifest of a schedule's copies, kept in the copies folder beside them (`.lifeboat-copies-<schedule>.json`):
//! which files this schedule made, with their size, modification time, counts and digest.
//!
//! Pruning deletes only files the manifest lists **and** that are still exactly as the schedule left them (same
//! size and modification time). A file the user replaced, renamed or edited is no longer this schedule's: it is
//! dropped from the manifest and never touched. Files that merely look like copies (by name) are never looked at,
//! so a folder shared with other files, or with another schedule, is safe.
//!
//! Crash safety: a copy is added after it has its final name, and deleted before it leaves the manifest. A crash
//! in between leaves a copy the manifest does not know (kept for good: safe) or a manifest line without its file
//! (dropped at the next prune).

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::atomic::write_atomically;
use crate::verify::GraphCounts;

const FORMAT: &str = "lifeboat-copies";

/// One copy a schedule made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyRecord {
    /// The file's name in the folder.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its modification time after it was saved, in nanoseconds since 1970.
    pub modified_ns: u128,
    /// Its content digest.
    pub digest: String,
    /// The nodes and relationships in it.
    pub counts: GraphCounts,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
}

/// A schedule's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// `lifeboat-copies`.
    pub format: String,
    /// Version 1.
    pub version: u32,
    /// The schedule that made the copies.
    pub schedule_id: String,
    /// Its name when it last wrote here.
    pub schedule_name: String,
    /// The instance copied.
    pub instance_id: String,
    /// The copies, oldest first.
    pub copies: Vec<CopyRecord>,
}

/// The manifest's path in a folder.
pub fn path(folder: &Path, schedule_id: &str) -> PathBuf {
    folder.join(format!(".lifeboat-copies-{schedule_id}.json"))
}

/// A file's size and modification time as the manifest keeps them.
pub fn stamp(file: &Path) -> io::Result<(u64, u128)> {
    let meta = std::fs::metadata(file)?;
    let modified = meta.modified()?.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    Ok((meta.len(), modified))
}

impl Manifest {
    /// The manifest in `folder` for a schedule; a new, empty one when there is none (or it is not this schedule's).
    pub fn load(folder: &Path, schedule_id: &str, schedule_name: &str, instance_id: &str) -> io::Result<Self> {
        let fresh = || Manifest {
            format: FORMAT.into(),
            version: 1,
            schedule_id: schedule_id.into(),
            schedule_name: schedule_name.into(),
            instance_id: instance_id.into(),
            copies: Vec::new(),
        };
        match std::fs::read(path(folder, schedule_id)) {
            Ok(bytes) => {
                let mut m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("the copies manifest is damaged: {e}"))
                })?;
                if m.format != FORMAT || m.schedule_id != schedule_id {
                    return Ok(fresh());
                }
                m.schedule_name = schedule_name.into();
                Ok(m)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(fresh()),
            Err(e) => Err(e),
        }
    }

    /// Writes it atomically into `folder`.
    pub fn save(&self, folder: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomically(&path(folder, &self.schedule_id), &bytes)
    }

    /// Whether a listed copy is still exactly the file this schedule saved.
    pub fn is_untouched(folder: &Path, copy: &CopyRecord) -> bool {
        let file = folder.join(&copy.file);
        // Symbolic links are never ours: the schedule writes plain files.
        let plain = std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_file());
        plain && stamp(&file).is_ok_and(|(bytes, modified)| bytes == copy.bytes && modified == copy.modified_ns)
    }

    /// Deletes the copies beyond the newest `keep`, only those still untouched; forgets listed files that are
    /// gone or changed. Saves the manifest after each step. Returns the names deleted.
    pub fn prune(&mut self, folder: &Path, keep: usize) -> io::Result<Vec<String>> {
        self.copies.sort_by_key(|c| c.made_at);
        let before = self.copies.len();
        self.copies.retain(|c| Self::is_untouched(folder, c));
        if self.copies.len() != before {
            self.save(folder)?;
        }
        let mut deleted = Vec::new();
        while self.copies.len() > keep {
            let oldest = self.copies[0].clone();
            match std::fs::remove_file(folder.join(&oldest.file)) {
                Ok(()) => deleted.push(oldest.file.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            self.copies.remove(0);
            self.save(folder)?;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn record(folder: &Path, name: &str, at: OffsetDateTime) -> CopyRecord {
        std::fs::write(folder.join(name), name.as_bytes()).unwrap();
        let (bytes, modified_ns) = stamp(&folder.join(name)).unwrap();
        CopyRecord {
            file: name.into(),
            bytes,
            modified_ns,
            digest: "d".into(),
            counts: GraphCounts { nodes: 1, relationships: 0 },
            made_at: at,
        }
    }

    #[test]
    fn prune_deletes_only_untouched_copies_beyond_keep_and_nothing_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let mut m = Manifest::load(folder, "s1", "production-daily", "i1").unwrap();
        m.copies.push(record(folder, "P_1.graph.jsonl.zst", datetime!(2026-11-01 02:00 UTC)));
        m.copies.push(record(folder, "P_2.graph.jsonl.zst", datetime!(2026-11-02 02:00 UTC)));
        m.copies.push(record(folder, "P_3.graph.jsonl.zst", datetime!(2026-11-03 02:00 UTC)));
        m.copies.push(record(folder, "P_4.graph.jsonl.zst", datetime!(2026-11-04 02:00 UTC)));
        m.save(folder).unwrap();
        // The user replaced the oldest copy with a file of their own under the same name.
        std::fs::write(folder.join("P_1.graph.jsonl.zst"), b"my own notes, much longer than before").unwrap();
        // A file named like a copy that this schedule never made.
        std::fs::write(folder.join("P_0.graph.jsonl.zst"), b"foreign").unwrap();

        let mut m = Manifest::load(folder, "s1", "production-daily", "i1").unwrap();
        let deleted = m.prune(folder, 2).unwrap();
        assert_eq!(deleted, ["P_2.graph.jsonl.zst"]);
        let names: Vec<_> = m.copies.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(names, ["P_3.graph.jsonl.zst", "P_4.graph.jsonl.zst"]);
        assert_eq!(
            std::fs::read(folder.join("P_1.graph.jsonl.zst")).unwrap(),
            b"my own notes, much longer than before"
        );
        assert_eq!(std::fs::read(folder.join("P_0.graph.jsonl.zst")).unwrap(), b"foreign");
        assert_eq!(Manifest::load(folder, "s1", "production-daily", "i1").unwrap(), m, "saved as pruned");
    }

    #[test]
    fn another_schedules_manifest_is_not_this_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut other = Manifest::load(dir.path(), "s2", "staging-daily", "i2").unwrap();
        other.copies.push(record(dir.path(), "S_1", datetime!(2026-11-01 02:00 UTC)));
        other.save(dir.path()).unwrap();
        let mine = Manifest::load(dir.path(), "s1", "production-daily", "i1").unwrap();
        assert!(mine.copies.is_empty());
        assert!(dir.path().join("S_1").exists());
    }
}
