//! Hard failures: the cases where there is no file to inspect at all.
//!
//! A file that exists but is empty, unknown, cut off or damaged is *not* an error here: [`crate::inspect`]
//! returns an [`crate::Inspection`] whose checklist says what is wrong, because the UI shows it the same way
//! as a good file. Only "there is nothing Lifeboat can open" ends up in [`InspectError`].

use std::io;
use std::path::{Path, PathBuf};

/// Why Lifeboat could not open the chosen path (or could not finish checksumming it).
///
/// Every variant has a stable [`code`](InspectError::code) for the UI to branch on, and a `Display` written
/// for the person who chose the file: what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// Nothing exists at the path, or it is a link to something that no longer exists.
    #[error("Lifeboat can't find \u{201c}{}\u{201d}. Check that the file still exists and that the path is right.", display(.path))]
    NotFound {
        /// The path that was chosen.
        path: PathBuf,
    },
    /// The operating system refused to let Lifeboat read the file (or list the folder).
    #[error("Lifeboat can't read this file. Check its permissions. (\u{201c}{}\u{201d})", display(.path))]
    NotReadable {
        /// The path that was chosen.
        path: PathBuf,
    },
    /// The path names something other than a file or a folder: a named pipe, a socket or a device.
    #[error("This is not a regular file (it is {kind}). Choose the backup file itself. (\u{201c}{}\u{201d})", display(.path))]
    NotRegularFile {
        /// The path that was chosen.
        path: PathBuf,
        /// What it is instead, in words ("a named pipe (FIFO)").
        kind: &'static str,
    },
    /// The path is a symbolic link that, through other links, points back to itself.
    #[error("This path is a link that leads back to itself (a symlink loop), so there is no file to read. Choose the real file. (\u{201c}{}\u{201d})", display(.path))]
    SymlinkLoop {
        /// The path that was chosen.
        path: PathBuf,
    },
    /// A folder was chosen, and it holds no backup, dump or AuraDS archive.
    #[error("This folder has no Neo4j backup or dump in it (Lifeboat looked for .backup, .dump and .tar files{}). Choose the file itself, or the folder that holds it.", others(*.other_files))]
    NoArchiveInFolder {
        /// The folder that was chosen.
        dir: PathBuf,
        /// How many other (non-archive) files it holds, to tell "empty" from "wrong folder".
        other_files: usize,
    },
    /// A folder was chosen, and it holds more than one archive, so Lifeboat can't tell which one is meant.
    #[error("This folder holds {} backup files ({}). Choose the one you want to restore.", .names.len(), list(.names))]
    SeveralArchivesInFolder {
        /// The folder that was chosen.
        dir: PathBuf,
        /// The archives' file names, sorted.
        names: Vec<String>,
    },
    /// The file's size or modification time changed while Lifeboat was reading it (still being copied?).
    #[error("The file changed while Lifeboat was reading it. Wait until it has finished copying or downloading, then try again. (\u{201c}{}\u{201d})", display(.path))]
    ChangedWhileReading {
        /// The file that changed.
        path: PathBuf,
    },
    /// Any other input/output error while opening or reading.
    #[error("Lifeboat couldn't read \u{201c}{}\u{201d}: {source}. Try again; if it keeps happening, copy the file to a local disk first.", display(.path))]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl InspectError {
    /// A stable, machine-readable identifier for the kind of failure (kebab-case; never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not-found",
            Self::NotReadable { .. } => "not-readable",
            Self::NotRegularFile { .. } => "not-regular-file",
            Self::SymlinkLoop { .. } => "symlink-loop",
            Self::NoArchiveInFolder { .. } => "no-archive-in-folder",
            Self::SeveralArchivesInFolder { .. } => "several-archives-in-folder",
            Self::ChangedWhileReading { .. } => "file-changed",
            Self::Io { .. } => "io",
        }
    }

    /// Whether trying the same thing again may help (the file was still changing, or a transient I/O error).
    pub fn retryable(&self) -> bool {
        matches!(self, Self::ChangedWhileReading { .. } | Self::Io { .. })
    }

    /// Classifies an error from opening or statting `path` into the variant a person can act on.
    pub(crate) fn from_io(path: &Path, err: io::Error) -> Self {
        let path = path.to_path_buf();
        #[cfg(unix)]
        if err.raw_os_error() == Some(libc::ELOOP) {
            return Self::SymlinkLoop { path };
        }
        match err.kind() {
            io::ErrorKind::NotFound => Self::NotFound { path },
            io::ErrorKind::PermissionDenied => Self::NotReadable { path },
            _ => Self::Io { path, source: err },
        }
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn others(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; it holds 1 other file".to_string(),
        n => format!("; it holds {n} other files"),
    }
}

fn list(names: &[String]) -> String {
    // Long lists would swamp the message; the UI can show `names` in full.
    const SHOWN: usize = 5;
    let mut out = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    out
}
