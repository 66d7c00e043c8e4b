//! "The user's file was not touched": a file's SHA-256, size and modification time, taken before and compared
//! after. Special files (FIFOs, sockets, devices) are never opened — only their type and times are recorded — so
//! taking the fingerprint can't block or change anything.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a path looked like at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The path (not followed if it is a symlink).
    pub path: PathBuf,
    /// "file", "dir", "symlink", "fifo", "socket", "device", or "missing".
    pub kind: &'static str,
    /// Size in bytes (regular files).
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Permission bits.
    pub mode: u32,
    /// SHA-256 of the content (regular files that can be read), in hex.
    pub sha256: Option<String>,
}

impl Fingerprint {
    /// Takes the fingerprint of `path` (without following a final symlink).
    pub fn of(path: &Path) -> Fingerprint {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return Fingerprint {
                path: path.to_path_buf(),
                kind: "missing",
                size: 0,
                mtime_ns: 0,
                mode: 0,
                sha256: None,
            };
        };
        let t = meta.file_type();
        let kind = if t.is_file() {
            "file"
        } else if t.is_dir() {
            "dir"
        } else if t.is_symlink() {
            "symlink"
        } else if t.is_fifo() {
            "fifo"
        } else if t.is_socket() {
            "socket"
        } else {
            "device"
        };
        let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        let sha256 = if t.is_file() { sha256_file(path).ok() } else { None };
        Fingerprint { path: path.to_path_buf(), kind, size: meta.len(), mtime_ns, mode: meta.mode() & 0o7777, sha256 }
    }

    /// What differs from `before`, in words (`None`: nothing).
    pub fn changes_since(&self, before: &Fingerprint) -> Option<String> {
        let mut what = Vec::new();
        if self.kind != before.kind {
            what.push(format!("kind {} → {}", before.kind, self.kind));
        }
        if self.size != before.size {
            what.push(format!("size {} → {}", before.size, self.size));
        }
        if self.sha256 != before.sha256 {
            what.push("content (SHA-256)".to_string());
        }
        if self.mtime_ns != before.mtime_ns {
            what.push("modification time".to_string());
        }
        if self.mode != before.mode {
            what.push(format!("mode {:o} → {:o}", before.mode, self.mode));
        }
        (!what.is_empty()).then(|| format!("{}: {}", self.path.to_string_lossy(), what.join(", ")))
    }
}

/// The fingerprints of `path` and, for a folder, of everything in it (one level; that is all inspection reads).
pub fn snapshot(path: &Path) -> Vec<Fingerprint> {
    let mut all = vec![Fingerprint::of(path)];
    if all[0].kind == "dir" {
        if let Ok(entries) = fs::read_dir(path) {
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            all.extend(paths.iter().map(|p| Fingerprint::of(p)));
        }
    }
    all
}

/// What changed between two snapshots of the same paths.
pub fn compare(before: &[Fingerprint], after: &[Fingerprint]) -> Vec<String> {
    let mut changes: Vec<String> = before.iter().zip(after).filter_map(|(b, a)| a.changes_since(b)).collect();
    if before.len() != after.len() {
        changes.push(format!("{} entries before, {} after", before.len(), after.len()));
    }
    changes
}

/// SHA-256 of a file's content, in hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// SHA-256 of bytes, in hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_content_or_time_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, b"hello").unwrap();
        let before = snapshot(dir.path());
        assert!(compare(&before, &snapshot(dir.path())).is_empty());
        assert_eq!(before[1].sha256.as_deref(), Some(sha256_bytes(b"hello").as_str()));
        fs::write(&p, b"hellO").unwrap();
        let changes = compare(&before, &snapshot(dir.path()));
        assert!(changes.iter().any(|c| c.contains("SHA-256")), "{changes:?}");
    }
}
