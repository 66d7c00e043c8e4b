//! Persistence of the emulated account in `<data dir>/state.json`.
//!
//! Writes are atomic (`lifeboat_basics::atomic`: temp file in the same directory, fsync, rename) so a crash never
//! leaves half a state behind.
//! Every save carries a generation number taken under the state lock; a save older than one already on disk is
//! skipped, so concurrent requests can never roll the file back.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::EmulatorError;
use crate::model::World;

pub(crate) const STATE_FILE: &str = "state.json";

/// Reads the saved world, or `None` when the directory has no state yet.
pub(crate) fn load(dir: &Path) -> Result<Option<World>, EmulatorError> {
    let path = dir.join(STATE_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(EmulatorError::ReadState { path, source }),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|source| EmulatorError::CorruptState { path, source })
}

/// Writes `bytes` to `path` atomically (the one policy of `lifeboat_basics::atomic`).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EmulatorError> {
    lifeboat_basics::atomic::write_atomically(path, bytes)
        .map_err(|source| EmulatorError::SaveState { path: path.to_path_buf(), source })
}

/// Serialises saves to one file and drops stale ones.
pub(crate) struct Store {
    path: PathBuf,
    written: tokio::sync::Mutex<u64>,
}

impl Store {
    pub fn new(dir: &Path) -> Store {
        Store { path: dir.join(STATE_FILE), written: tokio::sync::Mutex::new(0) }
    }

    /// The data directory the state lives in.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Saves `bytes`, taken at `generation`, unless a newer generation is already on disk.
    pub async fn save(&self, generation: u64, bytes: Vec<u8>) -> Result<(), EmulatorError> {
        let mut written = self.written.lock().await;
        if generation <= *written {
            return Ok(());
        }
        let path = self.path.clone();
        let result = tokio::task::spawn_blocking(move || write_atomic(&path, &bytes)).await;
        match result {
            Ok(Ok(())) => {
                *written = generation;
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(join) => Err(EmulatorError::SaveState { path: self.path.clone(), source: std::io::Error::other(join) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_absence() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_none());
        let w = World::empty();
        write_atomic(&dir.path().join(STATE_FILE), &serde_json::to_vec(&w).unwrap()).unwrap();
        assert_eq!(load(dir.path()).unwrap(), Some(w));
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn corrupt_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(STATE_FILE), b"{not json").unwrap();
        assert!(matches!(load(dir.path()), Err(EmulatorError::CorruptState { .. })));
    }

    #[tokio::test]
    async fn stale_generations_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.save(2, b"\"two\"".to_vec()).await.unwrap();
        store.save(1, b"\"one\"".to_vec()).await.unwrap();
        assert_eq!(fs::read(dir.path().join(STATE_FILE)).unwrap(), b"\"two\"");
    }
}
