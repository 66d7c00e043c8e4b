//! The CRC-32 of a whole file, as the import protocol sends it (`Crc32`, §4.3): CRC-32/ISO-HDLC, the zlib /
//! `java.util.zip.CRC32` one, computed with `crc32fast` (SIMD where the CPU has it). This is the one home of
//! "the CRC of a file" (the emulator, standing for Aura, keeps its own).
//!
//! ## Why it is split across cores
//!
//! From the page cache a single thread spends about as long copying the bytes out of the kernel as hashing
//! them, so one read-then-hash loop takes ~1.5× a plain `dd`. The file is therefore cut into
//! [`CRC_BLOCK_SIZE`] blocks that up to [`CRC_MAX_THREADS`] threads claim in turn, each hashing its block with
//! positioned reads of [`CRC_BUFFER_SIZE`] (small enough that the bytes just copied are still in the core's
//! cache when they are hashed). The per-block CRCs are then joined in file order with
//! `crc32fast::Hasher::combine`, which is exact: the result is the CRC of the bytes in order.
//!
//! A memory map would skip the copy, but a map of a file that another program truncates kills the process
//! (`SIGBUS`); this is the user's file and may be changing under us, so it is read, never mapped.
//!
//! ## Which file was read
//!
//! [`checksum_file`] returns a [`FileKey`] — canonical path, size, modification time and inode — taken from
//! the open file itself, so a caller can remember the checksum and reuse it later only if
//! `FileKey::of(path)` still gives the same key.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use crate::error::InspectError;
use crate::open;
use crate::source::read_at;

/// One positioned read of the checksum pass: 1 MiB. Large enough that the syscalls cost nothing (they are
/// what made the 4.x client slow: it read byte by byte), small enough to still be in the core's cache when
/// `crc32fast` hashes it.
pub const CRC_BUFFER_SIZE: usize = 1024 * 1024;

/// The unit of work a thread claims: 16 MiB. Many per file, so threads finish together and progress moves
/// evenly; few enough that combining them costs nothing.
pub const CRC_BLOCK_SIZE: u64 = 16 * 1024 * 1024;

/// At most this many threads read at once: past the number of cores nothing is gained, and a disk (not the
/// page cache) is saturated by two readers already.
pub const CRC_MAX_THREADS: usize = 4;

/// What identifies "the same file, unchanged": its canonical path, size, modification time (ns since the
/// epoch) and, on Unix, device and inode. A file rewritten in place changes its time; one replaced (saved
/// anew, renamed over) changes its inode even when the time was preserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// The canonical path (links resolved).
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in ns since the epoch, when the system gives one.
    pub modified_ns: Option<u128>,
    /// Device and inode (Unix), `None` elsewhere.
    pub inode: Option<(u64, u64)>,
}

impl FileKey {
    /// The key of the file at `path` now (one `stat`, plus resolving the path).
    pub fn of(path: &Path) -> io::Result<FileKey> {
        let canonical = std::fs::canonicalize(path)?;
        let meta = std::fs::metadata(&canonical)?;
        Ok(FileKey::from_meta(canonical, &meta))
    }

    fn from_meta(path: PathBuf, meta: &Metadata) -> FileKey {
        let modified_ns = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos());
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            Some((meta.dev(), meta.ino()))
        };
        #[cfg(not(unix))]
        let inode = None;
        FileKey { path, size: meta.len(), modified_ns, inode }
    }
}

/// A file's CRC-32 and the key of the file it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChecksum {
    /// The CRC-32 of the whole file.
    pub crc32: u32,
    /// The file it describes, as it was during the whole pass.
    pub key: FileKey,
}

/// Computes the CRC-32 of the file at `path`, reading it once, read-only (see the module docs for how).
///
/// `progress` is called on the calling thread with the number of bytes done so far, growing with every call
/// (about every [`CRC_BUFFER_SIZE`] × threads; throttle further in the UI if needed), and last with the size.
///
/// The checksum must describe exactly the bytes that will be uploaded, so a file that grows, shrinks or is
/// rewritten during the pass (still being copied or downloaded) fails with
/// [`InspectError::ChangedWhileReading`] instead of returning a checksum of a mixture. Opening fails like
/// [`crate::inspect`] does (not found, not readable, not a regular file, symlink loop); a folder is refused as
/// "not a regular file" (resolve it with `inspect` first).
pub fn crc32_file(path: &Path, progress: impl FnMut(u64)) -> Result<u32, InspectError> {
    checksum_file(path, progress).map(|c| c.crc32)
}

/// [`crc32_file`], returning with the CRC the [`FileKey`] of the file read, for remembering it.
pub fn checksum_file(path: &Path, progress: impl FnMut(u64)) -> Result<FileChecksum, InspectError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, CRC_MAX_THREADS);
    checksum_with(path, threads, progress)
}

fn checksum_with(path: &Path, threads: usize, mut progress: impl FnMut(u64)) -> Result<FileChecksum, InspectError> {
    let (file, before) = open::open_regular(path)?;
    let canonical = std::fs::canonicalize(path).map_err(|e| InspectError::from_io(path, e))?;
    let key = FileKey::from_meta(canonical.clone(), &before);
    let changed = || InspectError::ChangedWhileReading { path: path.to_path_buf() };
    let crc32 = match crc_of_file(&file, key.size, threads, &mut progress) {
        Ok(crc) => crc,
        Err(Failure::Short) => return Err(changed()),
        Err(Failure::Io(e)) => return Err(InspectError::Io { path: path.to_path_buf(), source: e }),
    };
    let after = file.metadata().map_err(|e| InspectError::from_io(path, e))?;
    if FileKey::from_meta(canonical, &after) != key {
        return Err(changed());
    }
    Ok(FileChecksum { crc32, key })
}

enum Failure {
    /// The file ended before its size: it shrank while it was read.
    Short,
    Io(io::Error),
}

/// The blocks one thread hashed: (block index, its CRC state).
type Hashed = Vec<(u64, crc32fast::Hasher)>;

/// Hashes the first `len` bytes of `file` on `threads` threads (the calling one included, which also reports
/// progress), and joins the blocks' CRCs in order.
fn crc_of_file(file: &File, len: u64, threads: usize, progress: &mut dyn FnMut(u64)) -> Result<u32, Failure> {
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<Failure>> = Mutex::new(None);
    let blocks = len.div_ceil(CRC_BLOCK_SIZE);
    let helpers = (threads.saturating_sub(1) as u64).min(blocks.saturating_sub(1)) as usize;
    let work = || -> Hashed {
        let mut hashed = Vec::new();
        if let Err(f) = hash_blocks(file, len, &next, &done, &stop, &mut hashed, &mut || {}) {
            stop.store(true, Ordering::Relaxed);
            failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(f);
        }
        hashed
    };
    let mut all: Hashed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..helpers).map(|_| s.spawn(work)).collect();
        let mut reported = 0;
        let mut report = || {
            let now = done.load(Ordering::Relaxed);
            if now > reported {
                reported = now;
                progress(now);
            }
        };
        let mut mine = Vec::new();
        if let Err(f) = hash_blocks(file, len, &next, &done, &stop, &mut mine, &mut report) {
            stop.store(true, Ordering::Relaxed);
            failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(f);
        }
        for h in handles {
            // A helper only panics if crc32fast does; then the pass is not to be trusted either way.
            mine.extend(h.join().unwrap_or_default());
        }
        report();
        mine
    });
    if let Some(f) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(f);
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    if all.len() as u64 != blocks {
        return Err(Failure::Io(io::Error::other("a block of the file was not read")));
    }
    let mut total = crc32fast::Hasher::new();
    for (_, h) in &all {
        total.combine(h);
    }
    Ok(total.finalize())
}

/// Claims blocks until none are left (or another thread failed), hashing each with positioned reads.
fn hash_blocks(
    file: &File,
    len: u64,
    next: &AtomicU64,
    done: &AtomicU64,
    stop: &AtomicBool,
    hashed: &mut Hashed,
    report: &mut dyn FnMut(),
) -> Result<(), Failure> {
    let mut buf = vec![0u8; len.min(CRC_BUFFER_SIZE as u64) as usize];
    while !stop.load(Ordering::Relaxed) {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let start = index.saturating_mul(CRC_BLOCK_SIZE);
        if start >= len {
            break;
        }
        let end = (start + CRC_BLOCK_SIZE).min(len);
        let mut hasher = crc32fast::Hasher::new();
        let mut pos = start;
        while pos < end {
            let want = (end - pos).min(buf.len() as u64) as usize;
            let n = match read_at(file, &mut buf[..want], pos) {
                Ok(0) => return Err(Failure::Short),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Failure::Io(e)),
            };
            hasher.update(&buf[..n]);
            pos += n as u64;
            done.fetch_add(n as u64, Ordering::Relaxed);
            report();
        }
        hashed.push((index, hasher));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
    }

    /// Sizes around every boundary the pass has: a read, a block, several blocks, each ±1.
    #[test]
    fn the_same_crc_as_one_shot_crc32fast_around_every_boundary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let buf = CRC_BUFFER_SIZE;
        let block = CRC_BLOCK_SIZE as usize;
        let sizes = [0, 1, buf - 1, buf, buf + 1, block - 1, block, block + 1, 3 * block + buf + 7];
        let data = bytes(*sizes.iter().max().expect("sizes"));
        for size in sizes {
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, &data[..size]).expect("write");
            for threads in [1, 2, 3, CRC_MAX_THREADS] {
                let mut last = 0;
                let got = checksum_with(&path, threads, |d| {
                    assert!(d > last, "progress grows");
                    last = d;
                })
                .expect("crc");
                assert_eq!(got.crc32, crc32fast::hash(&data[..size]), "size {size}, {threads} threads");
                assert_eq!(got.key.size, size as u64);
                assert_eq!(last, size as u64, "progress ends at the size ({size}, {threads} threads)");
            }
        }
    }

    #[test]
    fn a_file_that_shrinks_during_the_pass_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("shrinking.backup");
        std::fs::write(&path, bytes(3 * CRC_BLOCK_SIZE as usize)).expect("write");
        let mut cut = false;
        let result = checksum_with(&path, 2, |_| {
            if !cut {
                std::fs::OpenOptions::new().write(true).open(&path).expect("open").set_len(10).expect("truncate");
                cut = true;
            }
        });
        assert!(matches!(result, Err(InspectError::ChangedWhileReading { .. })), "{result:?}");
    }

    #[test]
    fn the_key_names_the_canonical_file_and_changes_when_it_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.dump");
        std::fs::write(&path, b"123456789").expect("write");
        let via = dir.path().join(".").join("a.dump");
        let sum = checksum_file(&via, |_| {}).expect("crc");
        assert_eq!(sum.crc32, 3_421_780_262);
        assert_eq!(sum.key, FileKey::of(&path).expect("key"));
        assert_eq!(sum.key.path, std::fs::canonicalize(&path).expect("canonical"));

        // Same bytes and time, new file: another inode (Unix).
        let modified = std::fs::metadata(&path).expect("meta").modified().expect("mtime");
        let other = dir.path().join("b.dump");
        std::fs::write(&other, b"123456789").expect("write");
        std::fs::File::options().write(true).open(&other).expect("open").set_modified(modified).expect("mtime");
        std::fs::rename(&other, &path).expect("rename");
        let now = FileKey::of(&path).expect("key");
        assert_eq!((now.size, now.modified_ns), (sum.key.size, sum.key.modified_ns));
        if cfg!(unix) {
            assert_ne!(now, sum.key, "a replaced file is another file");
        }
    }
}
