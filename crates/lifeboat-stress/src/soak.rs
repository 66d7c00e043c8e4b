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

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aura_emulator::{ClockSpeed, EmulatorConfig, SandboxInstance};
use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion};
use lifeboat_upload::{
    CancellationToken, Provider, RetryPolicy, Step, Timeouts, UploadError, UploadOutcome, UploadProgress, UploadRequest,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::control::{Control, Live};
use crate::guard::Fingerprint;
use crate::report::{bytes, clip, Table};

/// Attempts without progress before the client gives up (the fatal "give up" fault needs more failures).
const MAX_ATTEMPTS: u32 = 6;
/// The instance every upload goes to.
const INSTANCE: &str = "Staging";
const GCS_ROUTE: &str = "PUT /objects/gcs/{session}";
const S3_ROUTE: &str = "PUT /objects/s3/{upload}/{part}";
const COMPLETE_ROUTE: &str = "POST /console/v1/databases/{dbid}/import/upload-complete";
const STATUS_ROUTE: &str = "GET /console/v1/databases/{dbid}/import/status";
const CONSOLE_ROUTES: [&str; 5] = [
    "POST /console/v1/databases/{dbid}/import/auth",
    "POST /console/v1/databases/{dbid}/import/size",
    "POST /console/v2/databases/{dbid}/import",
    COMPLETE_ROUTE,
    STATUS_ROUTE,
];
const MULTIPART_STATUS_ROUTE: &str = "POST /console/v1/databases/{dbid}/import/multipart-upload-status";

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

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The connection dies after a random byte count inside a chunk (sometimes answered 503 instead).
    Cut,
    /// One to three 5xx answers in a row, on the store or a console call.
    Burst5xx,
    /// The store stops reading the body for longer than the client's stall watchdog allows.
    Stall,
    /// A chunk's 308 loses its `Range` header ("nothing persisted").
    NoRange308,
    /// 429 with `Retry-After: 1`, on the store or a console call.
    RateLimited429,
    /// The request is processed but its answer is lost (the connection closes before the response).
    LostAnswer,
    /// Every console token expires mid-upload.
    TokenExpiry,
    /// The upload session (GCS) or multipart upload (S3) expires mid-upload (404 or 410).
    SessionExpiry,
    /// The instance still shows `loading failed` from an earlier attempt.
    StaleLoadingFailed,
    /// Fatal by design: 5xx on every attempt until the client gives up (then resumed from the journal).
    GiveUp5xx,
    /// Fatal by design: the session expires, and the fresh one expires too.
    SessionExpiredTwice,
    /// Fatal by design: Aura accepts upload-complete but never starts loading.
    ImportNeverStarts,
    /// Fatal by design: the load fails (`loading failed` after `loading`).
    ImportFails,
    /// Fatal by design: upload-complete answers 500, which may have started the import, so the client does not
    /// repeat it on its own (then resumed from the journal: nothing is sent again).
    CompleteRejected500,
}

impl Kind {
    const RECOVERABLE: [(Kind, u32); 9] = [
        (Kind::Cut, 20),
        (Kind::Burst5xx, 18),
        (Kind::Stall, 9),
        (Kind::NoRange308, 9),
        (Kind::RateLimited429, 9),
        (Kind::LostAnswer, 9),
        (Kind::TokenExpiry, 8),
        (Kind::SessionExpiry, 9),
        (Kind::StaleLoadingFailed, 9),
    ];
    const FATAL: [Kind; 5] = [
        Kind::GiveUp5xx,
        Kind::SessionExpiredTwice,
        Kind::ImportNeverStarts,
        Kind::ImportFails,
        Kind::CompleteRejected500,
    ];

    /// In words, for the table.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Cut => "connection cut inside a chunk",
            Kind::Burst5xx => "5xx burst",
            Kind::Stall => "stall past the watchdog",
            Kind::NoRange308 => "308 without Range",
            Kind::RateLimited429 => "429 with Retry-After",
            Kind::LostAnswer => "answer lost (processed, dropped)",
            Kind::TokenExpiry => "console token expiry",
            Kind::SessionExpiry => "session expiry (404/410)",
            Kind::StaleLoadingFailed => "stale `loading failed`",
            Kind::GiveUp5xx => "FATAL 5xx until the client gives up",
            Kind::SessionExpiredTwice => "FATAL session expires twice",
            Kind::ImportNeverStarts => "FATAL import never starts",
            Kind::ImportFails => "FATAL load fails",
            Kind::CompleteRejected500 => "FATAL 500 at upload-complete",
        }
    }

    /// Whether the run is resumed from its journal after this designed failure.
    fn resumed_after(self) -> bool {
        matches!(self, Kind::GiveUp5xx | Kind::CompleteRejected500)
    }

    /// Whether the fault is fatal by design.
    pub fn fatal(self) -> bool {
        Kind::FATAL.contains(&self)
    }

    /// The error code a fatal fault must end with, the words its message must contain, and the instance status it
    /// leaves (`None`: the status it had).
    pub fn expected_error(self) -> Option<(&'static str, &'static [&'static str], Option<&'static str>)> {
        match self {
            Kind::GiveUp5xx => Some(("upload-stalled", &["stopped making progress", "resuming continues"], None)),
            Kind::SessionExpiredTwice => Some(("session-expired", &["expired twice"], None)),
            Kind::ImportNeverStarts => Some(("import-never-started", &["did not start loading"], None)),
            Kind::ImportFails => Some(("import-failed", &["Aura could not load"], Some("loading failed"))),
            Kind::CompleteRejected500 => {
                Some(("complete-rejected", &["refused to start the import", "resuming continues"], None))
            }
            _ => None,
        }
    }

    /// What happens by design, for the table.
    fn design(self) -> &'static str {
        match self {
            Kind::GiveUp5xx => "upload-stalled, then resumed from the journal → running",
            Kind::SessionExpiredTwice => "session-expired, instance unchanged",
            Kind::ImportNeverStarts => "import-never-started, instance unchanged",
            Kind::ImportFails => "import-failed with Aura's message, instance `loading failed`",
            Kind::CompleteRejected500 => "complete-rejected, then resumed: nothing re-sent → running",
            Kind::SessionExpiry => "recovers: one restart from byte 0",
            _ => "recovers",
        }
    }
}

/// How one planned fault is injected.
#[derive(Debug, Clone)]
enum Inject {
    /// A rule in the store sequence; `units`: how many chunks it may cost when it fires.
    Store {
        rule: Value,
        units: u32,
    },
    /// A rule on a console route.
    Console {
        rule: Value,
    },
    TokenExpiry,
    /// `after`: bytes acknowledged before the sessions expire.
    SessionExpiry {
        status: u16,
        after: u64,
        twice: bool,
    },
    Stale,
    NeverStarts,
    FailNext,
}

/// One fault of one upload.
#[derive(Debug, Clone)]
pub struct Fault {
    /// The kind.
    pub kind: Kind,
    /// Where and how, in words.
    pub detail: String,
    inject: Inject,
    rule_id: Option<u64>,
    count: u32,
    /// Whether it actually happened.
    pub fired: bool,
}

/// What one upload did.
#[derive(Debug, Clone)]
pub struct UploadReport {
    /// 1-based position in the run.
    pub index: u32,
    /// GCS or S3.
    pub provider: Provider,
    /// The file's size.
    pub file_size: u64,
    /// The faults planned (see `fired`).
    pub faults: Vec<Fault>,
    /// `running`, or the error code of a designed failure, or what went wrong.
    pub result: String,
    /// Bytes re-sent (including a resumed run's).
    pub resent: u64,
    /// Chunks the fired faults may cost.
    pub budget_units: u32,
    /// Whether the upload restarted from byte 0.
    pub restarted_from_zero: bool,
    /// Wall time of the upload (and its resume).
    pub wall: Duration,
    /// Checks that failed (empty: all good).
    pub failures: Vec<String>,
}

impl UploadReport {
    /// Fired faults.
    pub fn fired(&self) -> impl Iterator<Item = &Fault> {
        self.faults.iter().filter(|f| f.fired)
    }
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// The configuration.
    pub config: SoakConfig,
    /// Chunk size actually used (rounded).
    pub chunk: u64,
    /// Every upload.
    pub uploads: Vec<UploadReport>,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl SoakReport {
    /// Uploads with at least one failed check.
    pub fn failures(&self) -> usize {
        self.uploads.iter().filter(|u| !u.failures.is_empty()).count()
    }

    /// Faults that happened.
    pub fn injected(&self) -> usize {
        self.uploads.iter().map(|u| u.fired().count()).sum()
    }

    /// The summary tables.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let c = &self.config;
        let gcs = self.uploads.iter().filter(|u| u.provider == Provider::Gcp).count();
        out.push_str(&format!(
            "Soak: {} uploads ({} GCS, {} S3), seed {}, files of {}, chunks of {}\n\n",
            self.uploads.len(),
            gcs,
            self.uploads.len() - gcs,
            c.seed,
            bytes(c.file_size),
            bytes(self.chunk)
        ));

        #[derive(Default)]
        struct Row {
            planned: u32,
            fired: u32,
            uploads: u32,
            running: u32,
            designed: u32,
            failed: u32,
            resent: u64,
            wall: Duration,
        }
        let mut rows: BTreeMap<Kind, Row> = BTreeMap::new();
        for u in &self.uploads {
            let mut kinds: Vec<Kind> = u.fired().map(|f| f.kind).collect();
            for f in &u.faults {
                let row = rows.entry(f.kind).or_default();
                row.planned += 1;
                if f.fired {
                    row.fired += 1;
                }
            }
            kinds.sort();
            kinds.dedup();
            for k in kinds {
                let row = rows.entry(k).or_default();
                row.uploads += 1;
                row.resent += u.resent;
                row.wall += u.wall;
                if !u.failures.is_empty() {
                    row.failed += 1;
                } else if u.result == "running" {
                    row.running += 1;
                } else {
                    row.designed += 1;
                }
            }
        }
        let mut t = Table::new(&[
            "fault kind",
            ">planned",
            ">injected",
            ">uploads",
            ">ok→running",
            ">designed error",
            ">check failed",
            ">re-sent (those uploads)",
            ">mean wall",
            "by design",
        ]);
        for (kind, r) in &rows {
            let mean = if r.uploads > 0 { r.wall.as_secs_f64() / f64::from(r.uploads) } else { 0.0 };
            t.row(vec![
                kind.label().into(),
                r.planned.to_string(),
                r.fired.to_string(),
                r.uploads.to_string(),
                r.running.to_string(),
                r.designed.to_string(),
                r.failed.to_string(),
                bytes(r.resent),
                format!("{mean:.2} s"),
                kind.design().into(),
            ]);
        }
        out.push_str(&t.render());

        let ok = self.uploads.iter().filter(|u| u.failures.is_empty() && u.result == "running").count();
        let designed = self.uploads.iter().filter(|u| u.failures.is_empty() && u.result != "running").count();
        let resent: u64 = self.uploads.iter().map(|u| u.resent).sum();
        let restarts = self.uploads.iter().filter(|u| u.restarted_from_zero).count();
        let restarts_after_expiry = self
            .uploads
            .iter()
            .filter(|u| {
                u.restarted_from_zero
                    && u.fired().any(|f| matches!(f.kind, Kind::SessionExpiry | Kind::SessionExpiredTwice))
            })
            .count();
        // Re-sent bytes per fault that may cost a chunk, over uploads without a session expiry.
        let per_fault = self
            .uploads
            .iter()
            .filter(|u| u.budget_units > 0 && !u.restarted_from_zero)
            .map(|u| u.resent / u64::from(u.budget_units))
            .max()
            .unwrap_or(0);
        let mut walls: Vec<f64> = self.uploads.iter().map(|u| u.wall.as_secs_f64()).collect();
        walls.sort_by(f64::total_cmp);
        let pct = |p: f64| walls.get(((walls.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
        let mut s = Table::new(&["", ""]);
        s.row(vec!["faults injected".into(), format!("{} (of {} planned)", self.injected(), self.planned())]);
        s.row(vec![
            "uploads".into(),
            format!(
                "{}: {ok} ended running, {designed} ended with the designed error, {} failed a check",
                self.uploads.len(),
                self.failures()
            ),
        ]);
        s.row(vec![
            "bytes re-sent".into(),
            format!(
                "{} in all; worst per fault {} (limit one chunk, {})",
                bytes(resent),
                bytes(per_fault),
                bytes(self.chunk)
            ),
        ]);
        s.row(vec![
            "restarts from byte 0".into(),
            format!(
                "{restarts} ({restarts_after_expiry} after a session expiry, {} otherwise)",
                restarts - restarts_after_expiry
            ),
        ]);
        s.row(vec![
            "wall time".into(),
            format!(
                "{:.1} s in all; per upload median {:.2} s, p90 {:.2} s, max {:.2} s",
                self.wall.as_secs_f64(),
                pct(0.5),
                pct(0.9),
                pct(1.0)
            ),
        ]);
        s.row(vec!["reproduce".into(), self.config.command_line()]);
        out.push('\n');
        out.push_str(&s.render().lines().skip(2).collect::<Vec<_>>().join("\n"));
        out.push('\n');
        let failed: Vec<&UploadReport> = self.uploads.iter().filter(|u| !u.failures.is_empty()).collect();
        if !failed.is_empty() {
            out.push_str("\nFAILED CHECKS\n");
            for u in failed {
                for f in &u.failures {
                    out.push_str(&format!("  upload #{}: {f}\n", u.index));
                }
                out.push_str(&format!("    reproduce: {} --only {}\n", self.config.command_line(), u.index));
            }
        }
        out
    }

    fn planned(&self) -> usize {
        self.uploads.iter().map(|u| u.faults.len()).sum()
    }
}

/// One line per upload, printed as the run goes.
pub fn upload_line(u: &UploadReport) -> String {
    let faults: Vec<String> =
        u.faults.iter().map(|f| if f.fired { f.detail.clone() } else { format!("({} — missed)", f.detail) }).collect();
    let status = if u.failures.is_empty() { "ok" } else { "FAILED" };
    format!(
        "#{:<4} {} {:>8}  {:<60} → {:<22} re-sent {:>8} ({} unit{})  {:>6.2} s  {status}",
        u.index,
        if u.provider == Provider::Gcp { "GCS" } else { "S3 " },
        bytes(u.file_size),
        clip(&faults.join("; "), 60),
        u.result,
        bytes(u.resent),
        u.budget_units,
        if u.budget_units == 1 { "" } else { "s" },
        u.wall.as_secs_f64(),
    )
}

/// Plans the faults of upload `index`: deterministic in (seed, index, config).
fn plan(config: &SoakConfig, provider: Provider, units: u32, chunk: u64, rng: &mut StdRng) -> Vec<Fault> {
    let store_route = if provider == Provider::Gcp { GCS_ROUTE } else { S3_ROUTE };
    let mut faults = Vec::new();
    let fault = |kind: Kind, detail: String, inject: Inject| Fault {
        kind,
        detail,
        inject,
        rule_id: None,
        count: 0,
        fired: false,
    };
    let fatal = rng.random_range(0..100) < config.fatal_percent;
    if fatal {
        let kind = Kind::FATAL[rng.random_range(0..Kind::FATAL.len())];
        let f = match kind {
            Kind::GiveUp5xx => {
                let count = if provider == Provider::Gcp { MAX_ATTEMPTS + 6 } else { 80 };
                fault(
                    kind,
                    format!("503 ×{count} on the store"),
                    Inject::Store { rule: json!({"route": store_route, "count": count, "status": 503}), units: 0 },
                )
            }
            Kind::SessionExpiredTwice => {
                let status = if rng.random_bool(0.5) { 410 } else { 404 };
                let after = chunk * u64::from(rng.random_range(1..=(units / 3).max(1)));
                fault(
                    kind,
                    format!("sessions expire ({status}) after {}, and again", bytes(after)),
                    Inject::SessionExpiry { status, after, twice: true },
                )
            }
            Kind::ImportNeverStarts => fault(kind, "import never starts".into(), Inject::NeverStarts),
            Kind::CompleteRejected500 => fault(
                kind,
                "500 upload-complete".into(),
                Inject::Console { rule: json!({"route": COMPLETE_ROUTE, "status": 500}) },
            ),
            _ => fault(kind, "load fails".into(), Inject::FailNext),
        };
        faults.push(f);
        return faults;
    }
    let n = rng.random_range(1..=config.max_faults.max(1));
    let total_weight: u32 = Kind::RECOVERABLE.iter().map(|(_, w)| w).sum();
    let mut once: Vec<Kind> = Vec::new();
    while faults.len() < n as usize {
        let mut pick = rng.random_range(0..total_weight);
        let mut kind = Kind::Cut;
        for (k, w) in Kind::RECOVERABLE {
            if pick < w {
                kind = k;
                break;
            }
            pick -= w;
        }
        if kind == Kind::NoRange308 && provider == Provider::Aws {
            kind = Kind::Cut;
        }
        if matches!(kind, Kind::TokenExpiry | Kind::SessionExpiry | Kind::StaleLoadingFailed) {
            if once.contains(&kind) {
                continue;
            }
            once.push(kind);
        }
        let on_store = rng.random_bool(0.6);
        let console_route = |rng: &mut StdRng| {
            if provider == Provider::Aws && rng.random_bool(0.2) {
                MULTIPART_STATUS_ROUTE
            } else {
                CONSOLE_ROUTES[rng.random_range(0..CONSOLE_ROUTES.len())]
            }
        };
        let short = |route: &str| route.rsplit('/').next().unwrap_or(route).to_string();
        let f = match kind {
            Kind::Cut => {
                let at = rng.random_range(1..chunk);
                if rng.random_bool(0.5) {
                    fault(
                        kind,
                        format!("cut after {}", bytes(at)),
                        Inject::Store { rule: json!({"route": store_route, "cut_after_bytes": at}), units: 1 },
                    )
                } else {
                    fault(
                        kind,
                        format!("503 after {}", bytes(at)),
                        Inject::Store {
                            rule: json!({"route": store_route, "cut_after_bytes": at, "status": 503}),
                            units: 1,
                        },
                    )
                }
            }
            Kind::Burst5xx => {
                let status = [500, 502, 503, 504][rng.random_range(0..4)];
                let count = rng.random_range(1..=3u32);
                if on_store {
                    // On S3 each failed attempt may be a different part in flight.
                    let units = if provider == Provider::Gcp { 1 } else { count };
                    fault(
                        kind,
                        format!("{status} ×{count} store"),
                        Inject::Store { rule: json!({"route": store_route, "count": count, "status": status}), units },
                    )
                } else {
                    let route = console_route(rng);
                    // A 500 at upload-complete may have started the import: that is the fatal kind above.
                    let status = if route == COMPLETE_ROUTE && status == 500 { 503 } else { status };
                    fault(
                        kind,
                        format!("{status} ×{count} {}", short(route)),
                        Inject::Console { rule: json!({"route": route, "count": count, "status": status}) },
                    )
                }
            }
            Kind::Stall => {
                let ms = rng.random_range(1500..=2500u64);
                let after = rng.random_range(0..chunk / 2);
                fault(
                    kind,
                    format!("stall {ms} ms after {}", bytes(after)),
                    Inject::Store {
                        rule: json!({"route": store_route, "stall_ms": ms, "stall_after_bytes": after}),
                        units: 1,
                    },
                )
            }
            Kind::NoRange308 => fault(
                kind,
                "308 without Range".into(),
                Inject::Store { rule: json!({"route": store_route, "omit_range": true}), units: 1 },
            ),
            Kind::RateLimited429 => {
                if on_store {
                    fault(
                        kind,
                        "429 store".into(),
                        Inject::Store {
                            rule: json!({"route": store_route, "status": 429, "retry_after": 1}),
                            units: 1,
                        },
                    )
                } else {
                    // On the status poll too: the emulator's loads last at least 2.5 s whatever the clock, so a
                    // 1 s gap can't swallow a whole load (which the watcher would read as "never started").
                    let route = console_route(rng);
                    fault(
                        kind,
                        format!("429 {}", short(route)),
                        Inject::Console { rule: json!({"route": route, "status": 429, "retry_after": 1}) },
                    )
                }
            }
            Kind::LostAnswer => {
                if on_store {
                    fault(
                        kind,
                        "lost answer store".into(),
                        Inject::Store { rule: json!({"route": store_route, "drop": true}), units: 1 },
                    )
                } else {
                    let route = if rng.random_bool(0.5) { COMPLETE_ROUTE } else { STATUS_ROUTE };
                    fault(
                        kind,
                        format!("lost answer {}", short(route)),
                        Inject::Console { rule: json!({"route": route, "drop": true}) },
                    )
                }
            }
            Kind::TokenExpiry => fault(kind, "token expiry".into(), Inject::TokenExpiry),
            Kind::SessionExpiry => {
                let status = if rng.random_bool(0.5) { 410 } else { 404 };
                let after = chunk * u64::from(rng.random_range(1..=(units / 2).max(1)));
                fault(
                    kind,
                    format!("session expiry {status} after {}", bytes(after)),
                    Inject::SessionExpiry { status, after, twice: false },
                )
            }
            Kind::StaleLoadingFailed => fault(kind, "stale loading failed".into(), Inject::Stale),
            _ => continue,
        };
        faults.push(f);
    }
    faults
}

/// Builds the store rule sequence (pacing, fault, pacing, …, pacing for the rest) and drops store faults that
/// don't fit before the last chunk. Returns the rules with the index of the fault each belongs to.
fn store_sequence(
    faults: &mut Vec<Fault>,
    store_route: &str,
    pace_ms: u64,
    units: u32,
    rng: &mut StdRng,
) -> Vec<(Value, Option<usize>)> {
    let pace = |count: u32| json!({"route": store_route, "count": count, "delay_ms": pace_ms});
    let mut rules = Vec::new();
    let mut used = 0u32;
    let mut keep = vec![true; faults.len()];
    let mut first = true;
    for (i, f) in faults.iter().enumerate() {
        let Inject::Store { rule, .. } = &f.inject else { continue };
        // A fatal "give up" goes after at least one chunk, so the resume has something to resume from.
        let gap = if first {
            let lo = u32::from(f.kind == Kind::GiveUp5xx);
            rng.random_range(lo..=(units / 3).max(lo))
        } else {
            rng.random_range(2..=4)
        };
        first = false;
        if used + gap + 1 >= units {
            keep[i] = false;
            continue;
        }
        if gap > 0 {
            rules.push((pace(gap), None));
        }
        rules.push((rule.clone(), Some(i)));
        used += gap + 1;
    }
    rules.push((pace(1_000_000), None));
    // Faults that didn't fit are not planned at all.
    let mut index_map = HashMap::new();
    let mut kept = Vec::new();
    for (i, f) in faults.drain(..).enumerate() {
        if keep[i] {
            index_map.insert(i, kept.len());
            kept.push(f);
        }
    }
    *faults = kept;
    rules.into_iter().map(|(r, i)| (r, i.and_then(|i| index_map.get(&i).copied()))).collect()
}

/// What the progress callback saw.
#[derive(Default)]
struct Seen {
    upload_step: AtomicBool,
    restarted: AtomicBool,
    messages: Mutex<Vec<String>>,
}

impl Seen {
    fn sink(self: &Arc<Self>) -> impl Fn(UploadProgress) + Send + Sync + 'static {
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

    fn said(&self, words: &str) -> bool {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|m| m.contains(words))
    }
}

fn acknowledged(journal_dir: &Path) -> u64 {
    lifeboat_upload::resumable(journal_dir).iter().map(|u| u.bytes_acknowledged).max().unwrap_or(0)
}

/// A session-expiry trigger: expires the sessions once `after` bytes are acknowledged (and, with `twice`, again
/// once the fresh session has a chunk).
struct SessionTrigger {
    ctl: Control,
    journal_dir: PathBuf,
    status: u16,
    after: u64,
    twice: bool,
    chunk: u64,
    seen: Arc<Seen>,
    done: CancellationToken,
}

impl SessionTrigger {
    /// Runs until the upload ends; returns how many expiries hit something.
    async fn run(self) -> u32 {
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
struct Bench {
    ctl: Control,
    console_url: String,
    instance: SandboxInstance,
    chunk: u64,
    dir: PathBuf,
    config: SoakConfig,
}

impl Bench {
    fn request(&self, file: &Path, journal_dir: &Path) -> UploadRequest {
        let mut req = UploadRequest::new(
            file,
            self.instance.connection_url.clone(),
            self.instance.db_user.clone(),
            self.instance.db_password.clone().into(),
        );
        self.tune(&mut req, journal_dir);
        req
    }

    fn tune(&self, req: &mut UploadRequest, journal_dir: &Path) {
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

    async fn guarded(
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

async fn one_upload(bench: &Bench, index: u32, expected: &mut Live) -> UploadReport {
    let config = &bench.config;
    let chunk = bench.chunk;
    let mut rng = StdRng::seed_from_u64(config.seed ^ u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let provider = if rng.random_range(0..100) < config.aws_percent { Provider::Aws } else { Provider::Gcp };
    let nodes = 1_000 + u64::from(index) * 7;
    let relationships = 5_000 + u64::from(index) * 11;
    let mut report = UploadReport {
        index,
        provider,
        file_size: 0,
        faults: Vec::new(),
        result: String::new(),
        resent: 0,
        budget_units: 0,
        restarted_from_zero: false,
        wall: Duration::ZERO,
        failures: Vec::new(),
    };

    // The file.
    let file = bench.dir.join(format!("upload-{index}.backup"));
    let spec = TestArchive {
        nodes,
        relationships,
        approx_size: config.file_size,
        incompressible: true,
        seed: config.seed.wrapping_add(u64::from(index)),
        ..TestArchive::new(TestVersion::Neo4j5)
    };
    let (path, s) = (file.clone(), spec.clone());
    let written = match tokio::task::spawn_blocking(move || write_backup(&path, &s)).await {
        Ok(Ok(w)) => w,
        other => {
            report.failures.push(format!("could not write the test file: {other:?}"));
            return report;
        }
    };
    report.file_size = written.file_size;
    let units = u32::try_from(written.file_size.div_ceil(chunk)).unwrap_or(u32::MAX);
    let before = Fingerprint::of(&file);
    let content_crc = std::fs::read(&file).map(|b| crc32fast::hash(&b)).unwrap_or(0);
    let journal_dir = bench.dir.join(format!("journal-{index}"));

    // The faults.
    let mut faults = plan(config, provider, units, chunk, &mut rng);
    let store_route = if provider == Provider::Gcp { GCS_ROUTE } else { S3_ROUTE };
    let pace_ms = if provider == Provider::Gcp { 8 } else { 20 };
    let sequence = store_sequence(&mut faults, store_route, pace_ms, units, &mut rng);
    let ctl = &bench.ctl;
    let setup = async {
        ctl.clear_faults().await?;
        ctl.clear_requests().await?;
        ctl.provider(if provider == Provider::Gcp { "gcp" } else { "aws" }, chunk).await?;
        for (rule, owner) in &sequence {
            let id = ctl.arm(rule.clone()).await?;
            if let Some(i) = owner {
                faults[*i].rule_id = Some(id);
                faults[*i].count = rule["count"].as_u64().unwrap_or(1) as u32;
            }
        }
        for f in faults.iter_mut() {
            match &f.inject {
                Inject::Console { rule } => {
                    f.rule_id = Some(ctl.arm(rule.clone()).await?);
                    f.count = rule["count"].as_u64().unwrap_or(1) as u32;
                }
                Inject::Stale => {
                    f.fired = ctl
                        .post("/_emulator/console/stale-failure", json!({ "instance": bench.instance.id }))
                        .await
                        .is_ok();
                }
                Inject::NeverStarts => {
                    ctl.post("/_emulator/console/import-never-starts", json!({ "count": 1 })).await?;
                    f.fired = true;
                }
                Inject::FailNext => {
                    ctl.post("/_emulator/transitions/fail-next", json!({ "count": 1 })).await?;
                    f.fired = true;
                }
                _ => {}
            }
        }
        Ok::<(), String>(())
    };
    if let Err(e) = setup.await {
        report.failures.push(format!("could not arm the faults: {e}"));
        report.faults = faults;
        return report;
    }

    // The triggers.
    let seen = Arc::new(Seen::default());
    let done = CancellationToken::new();
    let mut token_task = None;
    let mut session_task = None;
    for f in &faults {
        match f.inject {
            Inject::TokenExpiry => {
                let (ctl, seen, done) = (ctl.clone(), seen.clone(), done.clone());
                token_task = Some(tokio::spawn(async move {
                    while !seen.upload_step.load(Ordering::SeqCst) {
                        if done.is_cancelled() {
                            return false;
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    ctl.expire_tokens().await.map(|n| n > 0).unwrap_or(false)
                }));
            }
            Inject::SessionExpiry { status, after, twice } => {
                let trigger = SessionTrigger {
                    ctl: ctl.clone(),
                    journal_dir: journal_dir.clone(),
                    status,
                    after,
                    twice,
                    chunk,
                    seen: seen.clone(),
                    done: done.clone(),
                };
                session_task = Some(tokio::spawn(trigger.run()));
            }
            _ => {}
        }
    }

    let started = Instant::now();
    let first = bench.guarded(bench.request(&file, &journal_dir), &seen).await;
    done.cancel();
    let token_fired = match token_task {
        Some(t) => t.await.unwrap_or(false),
        None => false,
    };
    let session_hits = match session_task {
        Some(t) => t.await.unwrap_or(0),
        None => 0,
    };
    // Which rules fired: a rule still armed with its whole count did not.
    let remaining: HashMap<u64, u32> = ctl.remaining_faults().await.unwrap_or_default().into_iter().collect();
    let _ = ctl.clear_faults().await;
    let log = ctl.requests().await.unwrap_or_default();
    let auths = log.iter().filter(|e| e["route"] == "/console/v1/databases/{dbid}/import/auth").count();
    let acked_at_failure = acknowledged(&journal_dir);
    for f in faults.iter_mut() {
        if let Some(id) = f.rule_id {
            f.fired = remaining.get(&id).is_none_or(|left| *left < f.count);
        }
        match f.inject {
            Inject::TokenExpiry => f.fired = token_fired,
            Inject::SessionExpiry { twice, .. } => f.fired = if twice { session_hits >= 2 } else { session_hits >= 1 },
            _ => {}
        }
    }

    let fatal = faults.iter().find(|f| f.fired && f.kind.fatal()).map(|f| f.kind);
    let mut outcome_to_check: Option<UploadOutcome> = None;
    let mut resume_from_check: Option<u64> = None;
    match first {
        Err(hung) => report.failures.push(hung),
        Ok(Ok(outcome)) => {
            if let Some(kind) = fatal {
                report.failures.push(format!("{} was injected but the upload succeeded", kind.label()));
            }
            outcome_to_check = Some(outcome);
        }
        Ok(Err(e)) => match fatal.and_then(|k| k.expected_error().map(|x| (k, x))) {
            None => {
                report.result = e.code().to_string();
                report.failures.push(format!("unexpected error {}: {e}", e.code()));
            }
            Some((kind, (code, words, status))) => {
                report.result = e.code().to_string();
                let text = e.to_string();
                if e.code() != code {
                    report.failures.push(format!("{}: expected {code}, got {}: {text}", kind.label(), e.code()));
                }
                for w in words {
                    if !text.contains(w) {
                        report.failures.push(format!("{}: the message doesn't say {w:?}: {text}", kind.label()));
                    }
                }
                if !text.contains("Your file was not changed") {
                    report.failures.push(format!("the message doesn't say the file is safe: {text}"));
                }
                // The instance is as the error says.
                match ctl.live(&bench.instance.id).await {
                    Ok(live) => {
                        let want_status = status.map(str::to_string).unwrap_or_else(|| expected.status.clone());
                        if live.status != want_status
                            || !close(live.nodes, expected.nodes)
                            || !close(live.relationships, expected.relationships)
                        {
                            report.failures.push(format!(
                                "after {}: instance {} with {}/{} (expected {want_status} with {}/{})",
                                e.code(),
                                live.status,
                                live.nodes,
                                live.relationships,
                                expected.nodes,
                                expected.relationships
                            ));
                        }
                        expected.status = live.status;
                    }
                    Err(err) => report.failures.push(err),
                }
                if kind.resumed_after() {
                    // Resume from the journal, as the app's "Resume" button does.
                    let found = lifeboat_upload::resumable(&journal_dir);
                    match found.first() {
                        None => report.failures.push(format!("no resumable upload was left after {}", e.code())),
                        Some(r) => {
                            let mut req = r.request(
                                &journal_dir,
                                bench.instance.db_user.clone(),
                                bench.instance.db_password.clone().into(),
                            );
                            bench.tune(&mut req, &journal_dir);
                            let again = bench.guarded(req, &Arc::new(Seen::default())).await;
                            match again {
                                Ok(Ok(outcome)) => {
                                    report.result = format!("{}→resumed→running", e.code());
                                    resume_from_check = Some(acked_at_failure);
                                    outcome_to_check = Some(outcome);
                                }
                                Ok(Err(e)) => {
                                    report.failures.push(format!("the resumed upload failed: {}: {e}", e.code()))
                                }
                                Err(hung) => report.failures.push(format!("the resumed upload: {hung}")),
                            }
                        }
                    }
                } else {
                    for r in lifeboat_upload::resumable(&journal_dir) {
                        let _ = lifeboat_upload::discard_resumable(&journal_dir, &r.id);
                    }
                }
            }
        },
    }
    report.wall = started.elapsed();

    if let Some(outcome) = outcome_to_check {
        let session_expired = outcome.sessions_started >= 2 || outcome.restarted_from_zero;
        for f in faults.iter_mut() {
            if f.kind == Kind::SessionExpiry && resume_from_check.is_none() {
                f.fired = session_expired;
            }
        }
        // A session expiry (planned on its own, or the first half of a "twice" whose second half missed) hit.
        let expiry_fired = session_hits >= 1 && session_expired;
        if report.result.is_empty() {
            report.result = "running".into();
        }
        report.restarted_from_zero = outcome.restarted_from_zero;
        report.resent += outcome.bytes_resent;
        if outcome.crc32 != content_crc || outcome.crc32 != written.crc32 {
            report.failures.push(format!(
                "CRC-32 {:08x} sent, the file's is {content_crc:08x} (written {:08x})",
                outcome.crc32, written.crc32
            ));
        }
        if outcome.provider != provider {
            report.failures.push(format!("went to {:?}, planned {provider:?}", outcome.provider));
        }
        let needed = written.file_size - outcome.resumed_from.min(written.file_size);
        if outcome.bytes_sent_total < needed {
            report.failures.push(format!(
                "sent {} but {} were needed after resuming from {}",
                outcome.bytes_sent_total, needed, outcome.resumed_from
            ));
        }
        if (outcome.restarted_from_zero || outcome.sessions_started > 1) && !expiry_fired {
            report.failures.push(format!(
                "restarted from zero ({}) / {} sessions without a session expiry",
                outcome.restarted_from_zero, outcome.sessions_started
            ));
        }
        if let Some(acked) = resume_from_check {
            if outcome.resumed_from < acked || (acked > 0 && outcome.resumed_from == 0) {
                report.failures.push(format!(
                    "the resume started from {} though {} were acknowledged",
                    outcome.resumed_from, acked
                ));
            }
        }
        let units: u32 = if resume_from_check.is_some() {
            1
        } else {
            faults
                .iter()
                .filter(|f| f.fired)
                .map(|f| match f.inject {
                    Inject::Store { units, .. } => units,
                    _ => 0,
                })
                .sum()
        };
        report.budget_units = units;
        if !expiry_fired && outcome.bytes_resent > u64::from(units) * chunk {
            report.failures.push(format!(
                "re-sent {} for {units} fault(s) that may cost a chunk of {} each",
                outcome.bytes_resent, chunk
            ));
        }
        if token_fired && auths < 2 {
            report.failures.push(format!("the console token expired but the client signed in {auths} time(s)"));
        }
        match ctl.live(&bench.instance.id).await {
            Ok(live) => {
                if live.status != "running" || !close(live.nodes, nodes) || !close(live.relationships, relationships) {
                    report.failures.push(format!(
                        "instance {} with {}/{} nodes/relationships, the file has {nodes}/{relationships}",
                        live.status, live.nodes, live.relationships
                    ));
                }
                *expected = live;
            }
            Err(e) => report.failures.push(e),
        }
        if !lifeboat_upload::resumable(&journal_dir).is_empty() {
            report.failures.push("a journal was left behind after success".into());
        }
    }
    if seen.said("earlier attempt") {
        for f in faults.iter_mut().filter(|f| f.kind == Kind::StaleLoadingFailed) {
            f.detail.push_str(" (seen)");
        }
    }
    if let Some(change) = Fingerprint::of(&file).changes_since(&before) {
        report.failures.push(format!("the file changed: {change}"));
    }
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&journal_dir);
    report.faults = faults;
    report
}

/// Counts right after an import equal the file's; the emulator grows demo graphs slowly while they run.
fn close(live: u64, want: u64) -> bool {
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
                .map(|(r, owner)| if owner.is_some() { 1 } else { r["count"].as_u64().unwrap_or(1) })
                .sum();
            let stores = faults.iter().filter(|f| matches!(f.inject, Inject::Store { .. })).count();
            assert!(stores == 0 || used < 16, "{used} slots for 16 chunks");
            assert_eq!(rules.iter().filter(|(_, o)| o.is_some()).count(), stores);
            assert!(!faults.is_empty() || stores == 0);
        }
    }
}
