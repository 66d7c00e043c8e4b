//! What the GCS and S3 uploaders share: the file and its fingerprint, the HTTP client and limits, the meter,
//! the reporter and the journal. Cheap to clone (everything inside is shared), so S3 part tasks own a copy.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::UploadError;
use crate::journal::{Fingerprint, Journal};
use crate::progress::{Meter, Reporter, MIN_INTERVAL};
use crate::request::{RetryPolicy, Timeouts};

/// One file's transfer to one object store.
#[derive(Clone)]
pub(crate) struct Transfer {
    pub http: reqwest::Client,
    pub file: PathBuf,
    pub total: u64,
    pub fingerprint: Fingerprint,
    /// When the upload started (RFC 3339), for the "file changed since …" message.
    pub since: Option<String>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub meter: Arc<Meter>,
    pub reporter: Arc<Reporter>,
    pub journal: Arc<Journal>,
}

impl Transfer {
    /// Refuses to send more of a file whose size or modification time changed: the bytes already stored
    /// belong to the old version, and the CRC sent to Aura describes it.
    pub async fn check_file(&self) -> Result<(), UploadError> {
        let path = self.file.clone();
        let fp = self.fingerprint;
        let same = tokio::task::spawn_blocking(move || fp.same_stat(&path))
            .await
            .map_err(|e| UploadError::Internal { detail: format!("file check task: {e}") })?;
        match same {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.changed()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(self.changed()),
            Err(e) => Err(UploadError::file_io(&self.file, &e)),
        }
    }

    /// The "file changed" error for this transfer.
    pub fn changed(&self) -> UploadError {
        UploadError::FileChanged { path: self.file.clone(), since: self.since.clone() }
    }

    /// "12.0 MiB" of a byte count, for messages.
    pub fn mib(bytes: u64) -> String {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }

    /// Runs `work` while a ticker reports the meter's bytes about ten times a second.
    pub async fn with_ticker<T>(&self, work: impl Future<Output = T>) -> T {
        tokio::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                _ = tokio::time::sleep(MIN_INTERVAL) => {
                    self.reporter.bytes(self.meter.shown().min(self.total), self.total);
                }
            }
        }
    }

    /// Sleeps before a retry, saying why in the progress.
    pub async fn pause(&self, wait: Duration, why: String) {
        self.reporter.waiting(wait, &why);
        tokio::time::sleep(wait).await;
    }
}
