//! What every upload of a soak shares: the emulator's control API, the instance, the tuned request, the hang
//! guard, what the progress callback saw, and the session-expiry trigger.

use super::*;

/// What the progress callback saw.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) upload_step: AtomicBool,
    pub(super) restarted: AtomicBool,
    pub(super) messages: Mutex<Vec<String>>,
}

impl Seen {
    pub(super) fn sink(self: &Arc<Self>) -> impl Fn(UploadProgress) + Send + Sync + 'static {
        let seen = self.clone();
        move |p: UploadProgress| {
            if p.step == Step::Upload {
                seen.upload_step.store(true, Ordering::SeqCst);
            }
            if let Some(m) = p.message {
                if m.contains("from the beginning") {
                    seen.restarted.store(true, Ordering::SeqCst);
                }
                seen.messages.lock().unwrap_or_else(|e| e.into_inner()).push(m);
            }
        }
    }

    pub(super) fn said(&self, words: &str) -> bool {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|m| m.contains(words))
    }
}

pub(super) fn acknowledged(journal_dir: &Path) -> u64 {
    lifeboat_upload::resumable(journal_dir).iter().map(|u| u.bytes_acknowledged).max().unwrap_or(0)
}

/// A session-expiry trigger: expires the sessions once `after` bytes are acknowledged (and, with `twice`, again
/// once the fresh session has a chunk).
pub(super) struct SessionTrigger {
    pub(super) ctl: Control,
    pub(super) journal_dir: PathBuf,
    pub(super) status: u16,
    pub(super) after: u64,
    pub(super) twice: bool,
    pub(super) chunk: u64,
    pub(super) seen: Arc<Seen>,
    pub(super) done: CancellationToken,
}

impl SessionTrigger {
    /// Runs until the upload ends; returns how many expiries hit something.
    pub(super) async fn run(self) -> u32 {
        let mut hits = 0;
        loop {
            if self.done.is_cancelled() {
                return hits;
            }
            if acknowledged(&self.journal_dir) >= self.after {
                if let Ok((s, u)) = self.ctl.expire_sessions(self.status).await {
                    if s + u > 0 {
                        hits += 1;
                    }
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if !self.twice || hits == 0 {
            return hits;
        }
        loop {
            if self.done.is_cancelled() {
                return hits;
            }
            if self.seen.restarted.load(Ordering::SeqCst) && acknowledged(&self.journal_dir) >= self.chunk {
                if let Ok((s, u)) = self.ctl.expire_sessions(self.status).await {
                    if s + u > 0 {
                        return hits + 1;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The emulator, the instance and the settings every upload shares.
pub(super) struct Bench {
    pub(super) ctl: Control,
    pub(super) console_url: String,
    pub(super) instance: SandboxInstance,
    pub(super) chunk: u64,
    pub(super) dir: PathBuf,
    pub(super) config: SoakConfig,
}

impl Bench {
    pub(super) fn request(&self, file: &Path, journal_dir: &Path) -> UploadRequest {
        let mut req = UploadRequest::new(
            file,
            self.instance.connection_url.clone(),
            self.instance.db_user.clone(),
            self.instance.db_password.clone().into(),
        );
        self.tune(&mut req, journal_dir);
        req
    }

    pub(super) fn tune(&self, req: &mut UploadRequest, journal_dir: &Path) {
        req.console_url = Some(self.console_url.clone());
        req.overwrite_confirmed = true;
        req.chunk_size = self.config.chunk_size;
        req.journal_dir = Some(journal_dir.to_path_buf());
        req.poll_interval = Duration::from_millis(20);
        req.import_start_timeout = Duration::from_secs(3);
        req.retry = RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
            max_attempts: MAX_ATTEMPTS,
        };
        req.timeouts = Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
            stall_window: Duration::from_millis(500),
            stall_min_bytes: 1,
            response: Duration::from_secs(1),
        };
    }

    pub(super) async fn guarded(
        &self,
        req: UploadRequest,
        seen: &Arc<Seen>,
    ) -> Result<Result<UploadOutcome, UploadError>, String> {
        let cancel = CancellationToken::new();
        let run = lifeboat_upload::run(req, seen.sink(), cancel.clone());
        match tokio::time::timeout(self.config.hang_guard, run).await {
            Ok(result) => Ok(result),
            Err(_) => {
                cancel.cancel();
                Err(format!("the upload hung for more than {} s and was cancelled", self.config.hang_guard.as_secs()))
            }
        }
    }
}
