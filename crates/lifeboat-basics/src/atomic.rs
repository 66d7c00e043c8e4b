//! Files replaced whole or not at all: journals, the profiles file, the emulator's state, exports.
//!
//! **The one fsync policy.**
//! 1. The new content goes into a temporary file in the destination's own folder (so the rename stays on one file
//!    system), created readable by its owner only on Unix.
//! 2. The file's data is fsynced before it gets its name. If that fails, nothing is renamed and the temporary file
//!    is removed: the old file stays as it was.
//! 3. The rename replaces the destination in one step (`rename(2)`; `MoveFileEx` with replace on Windows).
//! 4. The folder is fsynced so the new name itself survives a power cut. This step is best effort: Windows cannot
//!    open a folder (NTFS journals the rename itself), and some file systems refuse. A failure here is ignored:
//!    the destination is whole either way (the old content or the new), and only which of the two a power cut
//!    would keep is at stake.
//!
//! Small files use [`write_atomically`]; streamed ones (a snapshot copy, a graph export) fill an [`AtomicFile`]
//! and [`AtomicFile::commit`] it.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (creating its folder if needed), readable by the owner only.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = folder_of(path)?;
    fs::create_dir_all(dir)?;
    let mut file = AtomicFile::new(path)?;
    file.as_file_mut().write_all(bytes)?;
    file.commit()
}

/// A file being written under a temporary name next to its destination. Dropping it removes it;
/// [`AtomicFile::commit`] gives it its name.
#[derive(Debug)]
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    destination: PathBuf,
}

impl AtomicFile {
    /// A new, empty temporary file in `destination`'s folder (which must exist).
    pub fn new(destination: &Path) -> io::Result<Self> {
        let dir = folder_of(destination)?;
        let name = destination.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let temp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
        Ok(Self { temp, destination: destination.to_path_buf() })
    }

    /// The open file, to write to.
    pub fn as_file_mut(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// The open file.
    pub fn as_file(&self) -> &File {
        self.temp.as_file()
    }

    /// The temporary file's path (for reading it back before it is committed).
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Where it goes.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Syncs the data, renames the file over its destination and syncs the folder (the module's policy).
    pub fn commit(self) -> io::Result<()> {
        self.temp.as_file().sync_all()?;
        let dir = folder_of(&self.destination)?.to_path_buf();
        self.temp.persist(&self.destination).map_err(|e| e.error)?;
        sync_folder(&dir);
        Ok(())
    }
}

/// Renames a file the caller has written and fsynced (step 2 of the policy) over `destination`, then syncs the
/// folder. For temporary files not made by [`AtomicFile`].
pub fn rename_into_place(from: &Path, destination: &Path) -> io::Result<()> {
    fs::rename(from, destination)?;
    sync_folder(folder_of(destination)?);
    Ok(())
}

/// Step 4 of the policy: makes a new or renamed name in `dir` durable, where the platform allows it.
pub fn sync_folder(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The folder a path is in; a bare file name is in the current folder.
fn folder_of(path: &Path) -> io::Result<&Path> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Ok(Path::new(".")),
        Some(p) => Ok(p),
        None => Err(io::Error::new(io::ErrorKind::InvalidInput, "the path names no file")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut names: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_whole_file_owner_only_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("job.json");
        write_atomically(&path, b"first version, quite long").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names(&dir.path().join("nested")), ["job.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_alone_and_disappears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.bin");
        fs::write(&path, b"old").unwrap();
        let mut file = AtomicFile::new(&path).unwrap();
        file.as_file_mut().write_all(b"half of the new").unwrap();
        assert!(file.temp_path().exists());
        drop(file);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["export.bin"]);
    }

    #[test]
    fn a_streamed_file_gets_its_name_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.bin");
        let mut file = AtomicFile::new(&path).unwrap();
        for _ in 0..3 {
            file.as_file_mut().write_all(b"chunk ").unwrap();
        }
        assert!(!path.exists(), "no name before the commit");
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"chunk chunk chunk ");
        assert_eq!(names(dir.path()), ["export.bin"]);
    }

    #[test]
    fn a_missing_folder_for_a_streamed_file_is_an_error_not_a_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(AtomicFile::new(&dir.path().join("missing").join("x")).is_err());
        assert!(!dir.path().join("missing").exists());
    }
}
