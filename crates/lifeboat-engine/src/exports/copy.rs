//! The atomic copy of an export: the file under its final name is whole and verified, or not there at all.
//!
//! 1. [`copy_to_temp`] streams the download into a hidden temporary file **in the destination's folder** (so the
//!    rename below cannot cross file systems), computing the CRC-32 of every byte read, then fsyncs it. The
//!    download is opened read-only and checked before and after: if its size or modification time changed, the
//!    copy is refused ([`ExportError::SourceChanged`]).
//! 2. [`verify`] reads the temporary file back and compares its size and CRC-32 with the download's.
//! 3. [`publish`] renames it to the chosen name (atomic on the same file system: a reader sees the old file or the
//!    new one, never half of one) and fsyncs the folder so the new name survives a power cut.
//!
//! On any failure the caller removes the temporary file ([`discard`]); [`copy_atomically`] does all of it. A crash
//! or `kill -9` in the middle can leave only the hidden temporary file, never a file under the final name; the job
//! removes it when Lifeboat starts again (its name is kept in the job's journal).
//!
//! The copy is written readable by its owner only: it holds a whole database.
//!
//! A rename of the download itself (same disk) would be faster, but the copy lets the download stay untouched
//! until the copy has been verified against it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{crc_hex, ExportError};

/// Read and write size: large reads keep the copy at disk speed.
const BUFFER: usize = 1024 * 1024;

/// What was copied: the bytes and their CRC-32 (IEEE, as the import protocol and `crc32fast` compute it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Bytes copied.
    pub bytes: u64,
    /// Their CRC-32.
    pub crc32: u32,
}

/// A file's size and modification time: what "unchanged" is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Size in bytes.
    pub bytes: u64,
    /// Modification time, where the system has one.
    pub modified: Option<SystemTime>,
}

/// The fingerprint of a regular file (links are followed; a folder or device is refused).
pub fn fingerprint(path: &Path) -> io::Result<Fingerprint> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(Fingerprint { bytes: meta.len(), modified: meta.modified().ok() })
}

/// The hidden temporary file for `destination`: `.<name>.<tag>.lifeboat-tmp` beside it. `tag` (the job id) makes
/// it unique and lets a later start find and remove it.
pub fn temp_path(destination: &Path, tag: &str) -> PathBuf {
    let name = destination.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let tag: String = tag.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    destination.with_file_name(format!(".{name}.{tag}.lifeboat-tmp"))
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Checks the place chosen for the copy: a full path to a file name in an existing folder, and not the download
/// itself. A name without an extension gets `extension` (the dialog does not always add one).
pub fn check_destination(source: &Path, destination: &Path, extension: &str) -> Result<PathBuf, ExportError> {
    let bad = |why| ExportError::BadDestination { path: destination.to_path_buf(), why };
    if !destination.is_absolute() {
        return Err(bad("it is not a full path"));
    }
    if destination.is_dir() {
        return Err(bad("it is a folder"));
    }
    let name = destination.file_name().ok_or_else(|| bad("it has no file name"))?;
    let mut destination = destination.to_path_buf();
    if Path::new(name).extension().is_none() && !extension.is_empty() {
        destination.set_file_name(format!("{}.{extension}", name.to_string_lossy()));
    }
    match destination.parent() {
        Some(dir) if dir.is_dir() => {}
        _ => return Err(bad("its folder does not exist")),
    }
    if destination.is_dir() {
        return Err(bad("it is a folder"));
    }
    if destination.exists() && same_file(source, &destination) {
        return Err(ExportError::SameFile);
    }
    Ok(destination)
}

/// Streams `source` into a new file at `temp` (which must not exist), fsyncs it, and returns what was copied.
///
/// `expected` is the download as it was inspected: a different size or modification time refuses the copy, as
/// does any change while copying. `progress(done, total)` is called after every chunk; returning `false` stops
/// the copy ([`ExportError::Cancelled`]). On error the temporary file may remain: [`discard`] it.
pub fn copy_to_temp(
    source: &Path,
    temp: &Path,
    expected: Option<Fingerprint>,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Copied, ExportError> {
    let read_error = |source| ExportError::Io { what: "read the downloaded file", source };
    let write_error = |source| ExportError::Io { what: "write the copy", source };
    let mut input = File::open(source).map_err(read_error)?;
    let meta = input.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(read_error(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")));
    }
    let before = Fingerprint { bytes: meta.len(), modified: meta.modified().ok() };
    if expected.is_some_and(|e| e != before) {
        return Err(ExportError::SourceChanged);
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut output = options.open(temp).map_err(write_error)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; BUFFER];
    let mut done: u64 = 0;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        done += n as u64;
        if done > before.bytes {
            return Err(ExportError::SourceChanged);
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(write_error)?;
        if !progress(done, before.bytes) {
            return Err(ExportError::Cancelled);
        }
    }
    let after = input.metadata().map_err(read_error)?;
    let after = Fingerprint { bytes: after.len(), modified: after.modified().ok() };
    if done != before.bytes || after != before {
        return Err(ExportError::SourceChanged);
    }
    output.sync_all().map_err(write_error)?;
    Ok(Copied { bytes: done, crc32: hasher.finalize() })
}

/// Reads the copy back and compares its size and CRC-32 with what was copied.
///
/// The read may come from the operating system's cache rather than the disk; it proves what the file system holds
/// under the temporary name, which is what the rename publishes.
pub fn verify(temp: &Path, copied: &Copied) -> Result<(), ExportError> {
    let crc = lifeboat_archive::crc32_file(temp, |_| {}).map_err(|e| ExportError::Io {
        what: "read the copy back to check it",
        source: io::Error::other(e.to_string()),
    })?;
    let bytes =
        fs::metadata(temp).map_err(|source| ExportError::Io { what: "read the copy back to check it", source })?.len();
    if bytes != copied.bytes || crc != copied.crc32 {
        return Err(ExportError::Mismatch {
            expected_bytes: copied.bytes,
            found_bytes: bytes,
            expected_crc: crc_hex(copied.crc32),
            found_crc: crc_hex(crc),
        });
    }
    Ok(())
}

/// Gives the verified copy its name (replacing a file the user chose to replace), and makes the rename durable.
pub fn publish(temp: &Path, destination: &Path) -> Result<(), ExportError> {
    fs::rename(temp, destination).map_err(|source| ExportError::Io { what: "give the copy its name", source })?;
    if let Some(dir) = destination.parent() {
        // The new name is durable only once its folder is synced; not every system lets a folder be opened.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Removes a temporary copy, if there is one.
pub fn discard(temp: &Path) {
    match fs::remove_file(temp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(file = %temp.display(), "could not remove an unfinished copy: {e}"),
    }
}

/// The whole atomic copy: check the destination, copy to a temporary file beside it, verify, rename. On any
/// failure the temporary file is removed and nothing exists under the final name (unless it existed before, in
/// which case it is unchanged). Returns the final path (an extension added if it had none) and what was copied.
pub fn copy_atomically(
    source: &Path,
    destination: &Path,
    tag: &str,
    expected: Option<Fingerprint>,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<(PathBuf, Copied), ExportError> {
    let extension = source.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    let destination = check_destination(source, destination, &extension)?;
    let temp = temp_path(&destination, tag);
    let result = copy_to_temp(source, &temp, expected, progress)
        .and_then(|copied| verify(&temp, &copied).map(|()| copied))
        .and_then(|copied| publish(&temp, &destination).map(|()| copied));
    match result {
        Ok(copied) => Ok((destination, copied)),
        Err(e) => {
            discard(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_going(_: u64, _: u64) -> bool {
        true
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        n.sort();
        n
    }

    #[test]
    fn a_copy_is_whole_verified_named_and_private_and_the_source_is_untouched() {
        let src_dir = tempfile::tempdir().unwrap();
        let dst_dir = tempfile::tempdir().unwrap();
        let source = src_dir.path().join("neo4j-2026.backup");
        let bytes = data(3 * BUFFER + 123);
        fs::write(&source, &bytes).unwrap();
        let before = fingerprint(&source).unwrap();
        let mut calls = Vec::new();
        let (path, copied) = copy_atomically(
            &source,
            &dst_dir.path().join("Production_2026-11-20T0300Z.backup"),
            "job-1",
            Some(before),
            &mut |done, total| {
                calls.push((done, total));
                true
            },
        )
        .unwrap();
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(copied, Copied { bytes: bytes.len() as u64, crc32: crc32fast::hash(&bytes) });
        assert_eq!(names(dst_dir.path()), ["Production_2026-11-20T0300Z.backup"], "no temporary file left");
        assert_eq!(fingerprint(&source).unwrap(), before, "the source was only read");
        assert_eq!(calls.len(), 4, "progress after every 1 MiB chunk");
        assert_eq!(calls.last(), Some(&(bytes.len() as u64, bytes.len() as u64)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_copy_that_differs_when_read_back_never_gets_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("download.backup");
        fs::write(&source, data(200_000)).unwrap();
        let destination = dir.path().join("kept.backup");
        let temp = temp_path(&destination, "job-2");
        let copied = copy_to_temp(&source, &temp, None, &mut keep_going).unwrap();
        // The disk (or anything else) changes one byte between the copy and the check.
        let mut bad = fs::read(&temp).unwrap();
        bad[100_000] ^= 0x01;
        fs::write(&temp, &bad).unwrap();
        let err = verify(&temp, &copied).unwrap_err();
        match &err {
            ExportError::Mismatch { expected_bytes, found_bytes, expected_crc, found_crc } => {
                assert_eq!((expected_bytes, found_bytes), (&200_000, &200_000));
                assert_eq!(expected_crc, &crc_hex(copied.crc32));
                assert_eq!(found_crc, &crc_hex(crc32fast::hash(&bad)));
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        let shorter = &bad[..150_000];
        fs::write(&temp, shorter).unwrap();
        assert!(matches!(verify(&temp, &copied), Err(ExportError::Mismatch { found_bytes: 150_000, .. })));
        discard(&temp);
        assert!(!destination.exists() && !temp.exists());
        assert_eq!(names(dir.path()), ["download.backup"]);
    }

    #[test]
    fn a_download_that_changes_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("download.backup");
        fs::write(&source, data(5 * BUFFER)).unwrap();
        let inspected = fingerprint(&source).unwrap();
        let mut grew = fs::OpenOptions::new().append(true).open(&source).unwrap();
        grew.write_all(b"more").unwrap();
        drop(grew);
        let err = copy_atomically(&source, &dir.path().join("kept.backup"), "j", Some(inspected), &mut keep_going)
            .unwrap_err();
        assert_eq!(err.code(), "file-changed");

        // Growing while being copied.
        let mut chunks = 0;
        let err = copy_atomically(&source, &dir.path().join("kept.backup"), "j", None, &mut |_, _| {
            chunks += 1;
            if chunks == 2 {
                let mut f = fs::OpenOptions::new().append(true).open(&source).unwrap();
                f.write_all(&[0; 10]).unwrap();
            }
            true
        })
        .unwrap_err();
        assert_eq!(err.code(), "file-changed");
        assert_eq!(names(dir.path()), ["download.backup"]);
    }

    #[test]
    fn a_cancelled_copy_leaves_nothing_and_an_existing_file_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("download.backup");
        fs::write(&source, data(4 * BUFFER)).unwrap();
        let destination = dir.path().join("kept.backup");
        fs::write(&destination, b"last month's export").unwrap();
        let err =
            copy_atomically(&source, &destination, "j", None, &mut |done, _| done < 2 * BUFFER as u64).unwrap_err();
        assert_eq!(err.code(), "cancelled");
        assert_eq!(fs::read(&destination).unwrap(), b"last month's export");
        assert_eq!(names(dir.path()), ["download.backup", "kept.backup"]);
    }

    #[test]
    fn the_destination_must_be_a_new_name_in_an_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("download.backup");
        fs::write(&source, b"x").unwrap();
        assert_eq!(check_destination(&source, &source, "backup").unwrap_err().code(), "same-file");
        assert_eq!(check_destination(&source, dir.path(), "backup").unwrap_err().code(), "bad-destination");
        assert_eq!(
            check_destination(&source, &dir.path().join("missing/x.backup"), "backup").unwrap_err().code(),
            "bad-destination"
        );
        assert_eq!(check_destination(&source, Path::new("x.backup"), "backup").unwrap_err().code(), "bad-destination");
        assert_eq!(
            check_destination(&source, &dir.path().join("kept"), "backup").unwrap(),
            dir.path().join("kept.backup")
        );
        assert_eq!(
            temp_path(&dir.path().join("kept.backup"), "2026-ab/12"),
            dir.path().join(".kept.backup.2026-ab12.lifeboat-tmp")
        );
    }
}
