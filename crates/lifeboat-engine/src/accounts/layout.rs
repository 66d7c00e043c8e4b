//! Where Lifeboat keeps its files on this computer: one definition for the desktop app and the command line.
//!
//! The app's folders are the ones Tauri's `app_data_dir()` and `app_config_dir()` return for the app's identifier:
//! `dirs::data_dir()` and `dirs::config_dir()` joined with [`APP_IDENTIFIER`] (Tauri calls the same `dirs` crate).
//!
//! | | data | config |
//! |---|---|---|
//! | Linux | `$XDG_DATA_HOME/dev.lifeboat.desktop` (`~/.local/share/…`) | `$XDG_CONFIG_HOME/dev.lifeboat.desktop` (`~/.config/…`) |
//! | macOS | `~/Library/Application Support/dev.lifeboat.desktop` | the same folder |
//! | Windows | `%APPDATA%\dev.lifeboat.desktop` | the same folder |
//!
//! Inside them:
//!
//! ```text
//! <config>/accounts.json          the account profiles (no secret)
//! <data>/jobs/<account id>/       one account's job journals, history.jsonl and unfinished uploads
//! <data>/jobs/sandbox/            the same for the sandbox
//! <data>/sandbox/                 the embedded emulator's state and its port
//! <data>/cli/jobs/                the command line's own jobs and history
//! <data>/cli/uploads/             the command line's upload journals
//! ```
//!
//! This module only names paths; it creates nothing.

use std::path::{Path, PathBuf};

/// The app's identifier, as in `tauri.conf.json` (a test of the shell checks they agree).
pub const APP_IDENTIFIER: &str = "dev.lifeboat.desktop";

/// The sandbox's account id (and the name of its journal folder).
pub const SANDBOX_ID: &str = "sandbox";

/// The app's data and config folders, and the layout inside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLayout {
    data: PathBuf,
    config: PathBuf,
}

impl DataLayout {
    /// A layout over these two folders (tests use temporary ones).
    pub fn new(data_dir: impl Into<PathBuf>, config_dir: impl Into<PathBuf>) -> Self {
        Self { data: data_dir.into(), config: config_dir.into() }
    }

    /// The desktop app's folders on this computer, as Tauri names them; `None` when the OS names no data folder
    /// (no home directory).
    pub fn for_app() -> Option<Self> {
        Some(Self::new(dirs::data_dir()?.join(APP_IDENTIFIER), dirs::config_dir()?.join(APP_IDENTIFIER)))
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The config folder.
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// The account profiles file.
    pub fn accounts_file(&self) -> PathBuf {
        self.config.join("accounts.json")
    }

    /// Where the embedded sandbox keeps its state.
    pub fn sandbox_dir(&self) -> PathBuf {
        self.data.join("sandbox")
    }

    /// The journal folder of one account of the app (its history is `history.jsonl` in it).
    pub fn account_journals(&self, account_id: &str) -> PathBuf {
        self.data.join("jobs").join(account_id)
    }

    /// The command line's own data folder (journals and uploads).
    pub fn cli_dir(&self) -> PathBuf {
        self.data.join("cli")
    }

    /// Every account journal folder the app has written, sorted by account id: `(account id, folder)`.
    pub fn app_journal_dirs(&self) -> Vec<(String, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(self.data.join("jobs")) else { return Vec::new() };
        let mut found: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        found.sort();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_folders_are_the_os_data_and_config_folders_named_for_the_app() {
        let layout = DataLayout::for_app().expect("this machine has a home directory");
        assert_eq!(layout.data_dir(), dirs::data_dir().unwrap().join("dev.lifeboat.desktop"));
        assert_eq!(layout.config_dir(), dirs::config_dir().unwrap().join("dev.lifeboat.desktop"));
        assert_eq!(layout.accounts_file(), layout.config_dir().join("accounts.json"));
    }

    #[test]
    fn journal_folders_are_listed_per_account_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let layout = DataLayout::new(dir.path().join("data"), dir.path().join("config"));
        assert!(layout.app_journal_dirs().is_empty(), "nothing yet, and nothing created");
        for id in ["sandbox", "0a1b2c", "ffee00"] {
            std::fs::create_dir_all(layout.account_journals(id)).unwrap();
        }
        std::fs::write(layout.data_dir().join("jobs").join("stray-file"), b"x").unwrap();
        let ids: Vec<String> = layout.app_journal_dirs().into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["0a1b2c", "ffee00", "sandbox"]);
        assert_eq!(layout.cli_dir(), dir.path().join("data").join("cli"));
    }
}
