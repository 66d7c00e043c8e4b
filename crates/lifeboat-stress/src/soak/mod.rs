//! The soak: many uploads through [`lifeboat_upload::run`] against an in-process fast-clock emulator, each with
//! faults drawn from a seeded random mix, each checked to the byte.
//!
//! # How faults are placed
//!
//! The emulator's fault rules are consumed first-armed, first-used by the requests they match. Every data request
//! of an upload (a GCS chunk `PUT`, which is also how status queries go, or an S3 part `PUT`) therefore meets a
//! *sequence*: pacing rules (`delay_ms`, a few milliseconds, which also keeps the upload long enough for the
//! mid-upload triggers) with the faults between them, and a final pacing rule for the rest. After every fault at
//! least two pacing rules follow, so the status query a failure causes meets a pacing rule, not the next fault.
//! Console faults are rules on one console route each. Token expiry, session expiry and a stale `loading failed`
//! are control calls: the stale failure before the upload, token expiry when the upload step starts, session
//! expiry once the journal shows a random number of chunks acknowledged. Whether a rule fired is read back from
//! the emulator (a rule still armed did not), whether a session expiry hit from the outcome.
//!
//! # What every upload must show
//!
//! - success: the outcome's CRC-32 is the file's (`crc32fast` over its bytes), and the emulator — which verifies
//!   the assembled object's CRC-32 before loading — shows the instance `running` with exactly the counts written
//!   into the file; every byte was sent; bytes re-sent ≤ one chunk per fault that can cost one; no restart from
//!   byte 0 and no second session unless a session expired; an expired console token was renewed;
//! - a fault that is fatal by design ends the run with its own error code and plain-language message, and the
//!   instance in the state that error promises (see [`Kind::expected_error`]); a stalled upload is then resumed
//!   from its journal and must finish without a restart and with at most one chunk re-sent;
//! - always: the file's bytes and modification time unchanged.
//!
//! # Where each part lives
//!
//! This module owns the run (its configuration, the emulator, the loop over uploads). [`plan`] owns the fault
//! kinds and where each lands, [`bench`] what every upload shares (control API, tuned request, hang guard,
//! triggers), [`upload`] one upload as arm → drive → check, and [`summary`] the reports and their tables. Fault
//! rules are built with the emulator's test kit (`aura_emulator::test_kit`).

mod bench;
mod plan;
mod summary;
mod upload;

use bench::Bench;
#[cfg(test)]
use plan::{plan, store_sequence, Inject};
pub use plan::{Fault, Kind};
pub use summary::{upload_line, SoakReport, UploadReport};
use upload::one_upload;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aura_emulator::{ClockSpeed, EmulatorConfig, SandboxInstance};
use lifeboat_upload::{
    CancellationToken, Provider, RetryPolicy, Step, Timeouts, UploadError, UploadOutcome, UploadProgress, UploadRequest,
};
use rand::rngs::StdRng;
use rand::Rng;
#[cfg(test)]
use rand::SeedableRng;

use crate::report::{bytes, clip, Table};
use aura_emulator::test_kit::{Control, Fault as Rule};

/// Attempts without progress before the client gives up (the fatal "give up" fault needs more failures).
pub(super) const MAX_ATTEMPTS: u32 = 6;
/// The instance every upload goes to.
pub(super) const INSTANCE: &str = "Staging";
pub(super) const GCS_ROUTE: &str = "PUT /objects/gcs/{session}";
pub(super) const S3_ROUTE: &str = "PUT /objects/s3/{upload}/{part}";
pub(super) const COMPLETE_ROUTE: &str = "POST /console/v1/databases/{dbid}/import/upload-complete";
pub(super) const STATUS_ROUTE: &str = "GET /console/v1/databases/{dbid}/import/status";
pub(super) const CONSOLE_ROUTES: [&str; 5] = [
    "POST /console/v1/databases/{dbid}/import/auth",
    "POST /console/v1/databases/{dbid}/import/size",
    "POST /console/v2/databases/{dbid}/import",
    COMPLETE_ROUTE,
    STATUS_ROUTE,
];
pub(super) const MULTIPART_STATUS_ROUTE: &str = "POST /console/v1/databases/{dbid}/import/multipart-upload-status";

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// How many uploads.
    pub uploads: u32,
    /// Seed of every random choice (files, providers, faults, their places).
    pub seed: u64,
    /// Store size of each generated backup (random filler, so the file is about this big).
    pub file_size: u64,
    /// Chunk size of the uploads (rounded up to 256 KiB by the engine); also the S3 part size.
    pub chunk_size: u64,
    /// Share of uploads that go to S3 (multipart, parts in parallel) instead of GCS, in percent.
    pub aws_percent: u32,
    /// Share of uploads that get one fault that is fatal by design, in percent.
    pub fatal_percent: u32,
    /// At most this many faults in one upload (at least one each).
    pub max_faults: u32,
    /// Run only this upload (1-based) of the sequence, to reproduce it.
    pub only: Option<u32>,
    /// A run that takes longer than this is cancelled and counted as hung (a guard, not a measurement).
    pub hang_guard: Duration,
}

impl Default for SoakConfig {
    fn default() -> Self {
        SoakConfig {
            uploads: 100,
            seed: 1,
            file_size: 4 << 20,
            chunk_size: lifeboat_upload::CHUNK_QUANTUM,
            aws_percent: 25,
            fatal_percent: 10,
            max_faults: 4,
            only: None,
            hang_guard: Duration::from_secs(300),
        }
    }
}

impl SoakConfig {
    /// The command line that reproduces this run.
    pub fn command_line(&self) -> String {
        let mut s = format!(
            "lifeboat-soak --uploads {} --seed {} --file-size {} --chunk-size {} --aws-percent {} --fatal-percent {} --max-faults {}",
            self.uploads, self.seed, self.file_size, self.chunk_size, self.aws_percent, self.fatal_percent, self.max_faults
        );
        if let Some(only) = self.only {
            s.push_str(&format!(" --only {only}"));
        }
        s
    }
}

/// Runs the soak. `line` receives one line per upload as it finishes.
pub async fn run(config: SoakConfig, mut line: impl FnMut(&str)) -> Result<SoakReport, String> {
    let started = Instant::now();
    let emulator = aura_emulator::start(EmulatorConfig { clock: ClockSpeed::Fast, ..EmulatorConfig::default() })
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let info = emulator.info().clone();
    let instance = info
        .instances
        .iter()
        .find(|i| i.name == INSTANCE)
        .cloned()
        .ok_or_else(|| format!("the sandbox has no {INSTANCE} instance"))?;
    let dir = tempfile::Builder::new().prefix("lifeboat-soak-").tempdir().map_err(|e| e.to_string())?;
    let bench = Bench {
        ctl: Control::new(&emulator.base_url()),
        console_url: info.console_url.clone(),
        instance,
        chunk: effective_chunk(config.chunk_size),
        dir: dir.path().to_path_buf(),
        config: config.clone(),
    };
    let mut expected = bench.ctl.live(&bench.instance.id).await?;
    let mut uploads = Vec::new();
    let range = match config.only {
        Some(i) => i..=i,
        None => 1..=config.uploads,
    };
    for index in range {
        let report = one_upload(&bench, index, &mut expected).await;
        line(&upload_line(&report));
        uploads.push(report);
    }
    emulator.shutdown().await;
    let chunk = bench.chunk;
    drop(dir);
    Ok(SoakReport { config, chunk, uploads, wall: started.elapsed() })
}

/// The chunk size the engine uses for `size`: rounded up to whole 256 KiB units.
pub fn effective_chunk(size: u64) -> u64 {
    let q = lifeboat_upload::CHUNK_QUANTUM;
    size.max(1).div_ceil(q).saturating_mul(q)
}

/// Counts right after an import equal the file's; the emulator grows demo graphs slowly while they run.
pub(super) fn close(live: u64, want: u64) -> bool {
    live >= want && live - want <= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_reproducible_and_store_faults_fit_before_the_last_chunk() {
        let config = SoakConfig::default();
        for index in 1..200 {
            let mut a = StdRng::seed_from_u64(index);
            let mut b = StdRng::seed_from_u64(index);
            let pa = plan(&config, Provider::Gcp, 16, 262_144, &mut a);
            let pb = plan(&config, Provider::Gcp, 16, 262_144, &mut b);
            assert_eq!(
                pa.iter().map(|f| f.detail.clone()).collect::<Vec<_>>(),
                pb.iter().map(|f| f.detail.clone()).collect::<Vec<_>>()
            );
            let mut faults = pa;
            let rules = store_sequence(&mut faults, GCS_ROUTE, 8, 16, &mut a);
            // Pacing rules count their chunks; a fault takes one chunk however many requests it answers.
            let used: u64 = rules[..rules.len() - 1]
                .iter()
                .map(|(r, owner)| if owner.is_some() { 1 } else { u64::from(r.count()) })
                .sum();
            let stores = faults.iter().filter(|f| matches!(f.inject, Inject::Store { .. })).count();
            assert!(stores == 0 || used < 16, "{used} slots for 16 chunks");
            assert_eq!(rules.iter().filter(|(_, o)| o.is_some()).count(), stores);
            assert!(!faults.is_empty() || stores == 0);
        }
    }
}
