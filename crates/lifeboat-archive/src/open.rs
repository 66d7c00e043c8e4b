//! Finding and opening the file safely: a folder must hold exactly one archive, and only regular files are
//! ever opened, read-only and without blocking.

use std::fs::{self, File, Metadata, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::InspectError;
use crate::format::{self, Sniffed};

/// File name endings that mark an archive in a folder even when its content can't be read to confirm it.
const ARCHIVE_ENDINGS: [&str; 5] = [".backup", ".dump", ".tar", ".tar.gz", ".tgz"];

/// If `path` is a folder, returns the single archive in it (as `neo4j-admin --from-path` expects);
/// otherwise returns `path` itself. The flag says whether a folder was resolved.
pub(crate) fn resolve(path: &Path) -> Result<(PathBuf, bool), InspectError> {
    let meta = fs::metadata(path).map_err(|e| InspectError::from_io(path, e))?;
    if !meta.is_dir() {
        return Ok((path.to_path_buf(), false));
    }
    let entries = fs::read_dir(path).map_err(|e| InspectError::from_io(path, e))?;
    let mut archives = Vec::new();
    let mut others = 0usize;
    for entry in entries {
        let entry = entry.map_err(|e| InspectError::from_io(path, e))?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        // Hidden files are OS clutter (.DS_Store) or partial downloads, never the archive meant.
        if name_str.starts_with('.') {
            continue;
        }
        let child = entry.path();
        // Follow links, but skip anything that isn't a regular file: opening a FIFO to sniff it could block.
        let Ok(child_meta) = fs::metadata(&child) else { continue };
        if !child_meta.is_file() {
            continue;
        }
        let lower = name_str.to_lowercase();
        if ARCHIVE_ENDINGS.iter().any(|e| lower.ends_with(e)) || sniffs_as_archive(&child) {
            archives.push(name_str.into_owned());
        } else {
            others += 1;
        }
    }
    archives.sort();
    match archives.len() {
        0 => Err(InspectError::NoArchiveInFolder { dir: path.to_path_buf(), other_files: others }),
        1 => Ok((path.join(&archives[0]), true)),
        _ => Err(InspectError::SeveralArchivesInFolder { dir: path.to_path_buf(), names: archives }),
    }
}

fn sniffs_as_archive(path: &Path) -> bool {
    let Ok((file, _)) = open_regular(path) else { return false };
    let mut head = [0u8; 512];
    let Ok(n) = crate::source::read_full_at(&file, &mut head, 0) else { return false };
    !matches!(format::sniff(&head[..n]), Sniffed::Other)
}

/// Opens a regular file read-only. Checks the type before opening (a FIFO would block `open`) and again on the
/// handle (in case the path was swapped in between).
pub(crate) fn open_regular(path: &Path) -> Result<(File, Metadata), InspectError> {
    let meta = fs::metadata(path).map_err(|e| InspectError::from_io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Belt and braces: even if a FIFO is swapped in after the check, open() returns at once.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| InspectError::from_io(path, e))?;
    let meta = file.metadata().map_err(|e| InspectError::from_io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok((file, meta))
}

fn not_regular(path: &Path, meta: &Metadata) -> InspectError {
    let kind = describe_type(meta);
    InspectError::NotRegularFile { path: path.to_path_buf(), kind }
}

fn describe_type(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}
