//! One upload of the soak, in three stages: [`arm`] writes the file and arms its faults, [`drive`] runs the
//! upload with its triggers and reads back which faults fired, [`check`] holds what happened to what must hold
//! (see the module docs of [`super`]) — a fatal fault's error, message and instance state (then the resume, when
//! the kind is resumable), a success's bytes, budget and instance, and always the file unchanged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aura_emulator::test_kit::Live;
use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion, WrittenArchive};
use lifeboat_upload::{CancellationToken, Provider, UploadError, UploadOutcome};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::bench::{acknowledged, Bench, Seen, SessionTrigger};
use super::plan::{plan, store_sequence, Fault, Inject, Kind};
use super::summary::UploadReport;
use super::{close, GCS_ROUTE, S3_ROUTE};
use crate::guard::Fingerprint;

/// One upload: arm, drive, check.
pub(super) async fn one_upload(bench: &Bench, index: u32, expected: &mut Live) -> UploadReport {
    let config = &bench.config;
    let mut rng = StdRng::seed_from_u64(config.seed ^ u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let provider = if rng.random_range(0..100) < config.aws_percent { Provider::Aws } else { Provider::Gcp };
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
    let mut armed = match arm(bench, index, provider, &mut rng).await {
        Ok(armed) => armed,
        Err((why, faults)) => {
            report.failures.push(why);
            report.faults = faults;
            return report;
        }
    };
    report.file_size = armed.written.file_size;
    let driven = drive(bench, &mut armed).await;
    check(bench, &mut armed, driven, expected, &mut report).await;
    let _ = std::fs::remove_file(&armed.file);
    let _ = std::fs::remove_dir_all(&armed.journal_dir);
    report.faults = armed.faults;
    report
}

/// An upload ready to run: its file, what the file holds, and its faults armed in the emulator.
struct Armed {
    provider: Provider,
    file: PathBuf,
    journal_dir: PathBuf,
    written: WrittenArchive,
    /// The file's CRC-32 as read back from disk (the outcome's must equal it and the writer's).
    content_crc: u32,
    before: Fingerprint,
    nodes: u64,
    relationships: u64,
    faults: Vec<Fault>,
}

/// Writes upload `index`'s file, plans its faults and arms them. On failure: why, and the faults planned so far.
async fn arm(bench: &Bench, index: u32, provider: Provider, rng: &mut StdRng) -> Result<Armed, (String, Vec<Fault>)> {
    let config = &bench.config;
    let chunk = bench.chunk;
    let nodes = 1_000 + u64::from(index) * 7;
    let relationships = 5_000 + u64::from(index) * 11;
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
        other => return Err((format!("could not write the test file: {other:?}"), Vec::new())),
    };
    let units = u32::try_from(written.file_size.div_ceil(chunk)).unwrap_or(u32::MAX);
    let before = Fingerprint::of(&file);
    let content_crc = std::fs::read(&file).map(|b| crc32fast::hash(&b)).unwrap_or(0);
    let journal_dir = bench.dir.join(format!("journal-{index}"));

    let mut faults = plan(config, provider, units, chunk, rng);
    let store_route = if provider == Provider::Gcp { GCS_ROUTE } else { S3_ROUTE };
    let pace_ms = if provider == Provider::Gcp { 8 } else { 20 };
    let sequence = store_sequence(&mut faults, store_route, pace_ms, units, rng);
    let ctl = &bench.ctl;
    let setup = async {
        ctl.clear_faults().await?;
        ctl.clear_requests().await?;
        ctl.provider(if provider == Provider::Gcp { "gcp" } else { "aws" }, chunk).await?;
        for (rule, owner) in &sequence {
            let id = ctl.arm(rule).await?;
            if let Some(i) = owner {
                faults[*i].rule_id = Some(id);
                faults[*i].count = rule.count();
            }
        }
        for f in faults.iter_mut() {
            match &f.inject {
                Inject::Console { rule } => {
                    f.rule_id = Some(ctl.arm(rule).await?);
                    f.count = rule.count();
                }
                Inject::Stale => f.fired = ctl.stale_failure(&bench.instance.id).await.is_ok(),
                Inject::NeverStarts => {
                    ctl.import_never_starts(1).await?;
                    f.fired = true;
                }
                Inject::FailNext => {
                    ctl.fail_next(1).await?;
                    f.fired = true;
                }
                _ => {}
            }
        }
        Ok::<(), aura_emulator::test_kit::ControlError>(())
    };
    if let Err(e) = setup.await {
        return Err((format!("could not arm the faults: {e}"), faults));
    }
    Ok(Armed { provider, file, journal_dir, written, content_crc, before, nodes, relationships, faults })
}

/// What the first run did, and what the emulator says about it.
struct Driven {
    first: Result<Result<UploadOutcome, UploadError>, String>,
    started: Instant,
    seen: Arc<Seen>,
    token_fired: bool,
    session_hits: u32,
    /// Console sign-ins the emulator logged.
    auths: usize,
    /// Bytes the journal had acknowledged when the first run ended.
    acked_at_failure: u64,
}

/// Runs the upload once with its token and session triggers, then reads back which faults fired (a rule still
/// armed with its whole count did not) and marks them.
async fn drive(bench: &Bench, armed: &mut Armed) -> Driven {
    let ctl = &bench.ctl;
    let seen = Arc::new(Seen::default());
    let done = CancellationToken::new();
    let mut token_task = None;
    let mut session_task = None;
    for f in &armed.faults {
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
                    journal_dir: armed.journal_dir.clone(),
                    status,
                    after,
                    twice,
                    chunk: bench.chunk,
                    seen: seen.clone(),
                    done: done.clone(),
                };
                session_task = Some(tokio::spawn(trigger.run()));
            }
            _ => {}
        }
    }

    let started = Instant::now();
    let first = bench.guarded(bench.request(&armed.file, &armed.journal_dir), &seen).await;
    done.cancel();
    let token_fired = match token_task {
        Some(t) => t.await.unwrap_or(false),
        None => false,
    };
    let session_hits = match session_task {
        Some(t) => t.await.unwrap_or(0),
        None => 0,
    };
    let remaining: HashMap<u64, u32> = ctl.remaining_faults().await.unwrap_or_default().into_iter().collect();
    let _ = ctl.clear_faults().await;
    let log = ctl.requests().await.unwrap_or_default();
    let auths = log.iter().filter(|e| e["route"] == "/console/v1/databases/{dbid}/import/auth").count();
    let acked_at_failure = acknowledged(&armed.journal_dir);
    for f in armed.faults.iter_mut() {
        if let Some(id) = f.rule_id {
            f.fired = remaining.get(&id).is_none_or(|left| *left < f.count);
        }
        match f.inject {
            Inject::TokenExpiry => f.fired = token_fired,
            Inject::SessionExpiry { twice, .. } => f.fired = if twice { session_hits >= 2 } else { session_hits >= 1 },
            _ => {}
        }
    }
    Driven { first, started, seen, token_fired, session_hits, auths, acked_at_failure }
}

/// What the run showed that the success checks need.
struct Signals {
    token_fired: bool,
    session_hits: u32,
    auths: usize,
}

/// Holds the upload to what must hold, into `report.failures`; `expected` follows the instance.
async fn check(bench: &Bench, armed: &mut Armed, driven: Driven, expected: &mut Live, report: &mut UploadReport) {
    let Driven { first, started, seen, token_fired, session_hits, auths, acked_at_failure } = driven;
    let fatal = armed.faults.iter().find(|f| f.fired && f.kind.fatal()).map(|f| f.kind);
    // The outcome to hold to a success's checks, and (after a resume) what the journal had acknowledged.
    let mut succeeded: Option<(UploadOutcome, Option<u64>)> = None;
    match first {
        Err(hung) => report.failures.push(hung),
        Ok(Ok(outcome)) => {
            if let Some(kind) = fatal {
                report.failures.push(format!("{} was injected but the upload succeeded", kind.label()));
            }
            succeeded = Some((outcome, None));
        }
        Ok(Err(e)) => match fatal.and_then(|k| k.expected_error().map(|x| (k, x))) {
            None => {
                report.result = e.code().to_string();
                report.failures.push(format!("unexpected error {}: {e}", e.code()));
            }
            Some((kind, (code, words, status))) => {
                check_fatal(bench, &e, kind, code, words, status, expected, report).await;
                if kind.resumed_after() {
                    if let Some(outcome) = resume(bench, armed, &e, report).await {
                        succeeded = Some((outcome, Some(acked_at_failure)));
                    }
                } else {
                    for r in lifeboat_upload::resumable(&armed.journal_dir) {
                        let _ = lifeboat_upload::discard_resumable(&armed.journal_dir, &r.id);
                    }
                }
            }
        },
    }
    report.wall = started.elapsed();

    if let Some((outcome, resumed_after)) = succeeded {
        let signals = Signals { token_fired, session_hits, auths };
        check_success(bench, armed, &signals, outcome, resumed_after, expected, report).await;
    }
    if seen.said("earlier attempt") {
        for f in armed.faults.iter_mut().filter(|f| f.kind == Kind::StaleLoadingFailed) {
            f.detail.push_str(" (seen)");
        }
    }
    if let Some(change) = Fingerprint::of(&armed.file).changes_since(&armed.before) {
        report.failures.push(format!("the file changed: {change}"));
    }
}

/// A fault that is fatal by design: its own error code, a message with the promised words that says the file is
/// safe, and the instance in the state the error promises (`status`, or as it was).
#[allow(clippy::too_many_arguments)]
async fn check_fatal(
    bench: &Bench,
    e: &UploadError,
    kind: Kind,
    code: &str,
    words: &[&str],
    status: Option<&str>,
    expected: &mut Live,
    report: &mut UploadReport,
) {
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
    match bench.ctl.live(&bench.instance.id).await {
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
        Err(err) => report.failures.push(err.to_string()),
    }
}

/// Resumes from the journal, as the app's "Resume" button does; the outcome when the resumed upload succeeded.
async fn resume(bench: &Bench, armed: &Armed, e: &UploadError, report: &mut UploadReport) -> Option<UploadOutcome> {
    let found = lifeboat_upload::resumable(&armed.journal_dir);
    let Some(r) = found.first() else {
        report.failures.push(format!("no resumable upload was left after {}", e.code()));
        return None;
    };
    let mut req =
        r.request(&armed.journal_dir, bench.instance.db_user.clone(), bench.instance.db_password.clone().into());
    bench.tune(&mut req, &armed.journal_dir);
    match bench.guarded(req, &Arc::new(Seen::default())).await {
        Ok(Ok(outcome)) => {
            report.result = format!("{}→resumed→running", e.code());
            Some(outcome)
        }
        Ok(Err(e)) => {
            report.failures.push(format!("the resumed upload failed: {}: {e}", e.code()));
            None
        }
        Err(hung) => {
            report.failures.push(format!("the resumed upload: {hung}"));
            None
        }
    }
}

/// A success: the bytes (CRC-32, provider, enough sent, no restart without a session expiry, a resume from
/// where it stopped), the re-send budget, the renewed console token, the instance holding the file's counts, and
/// no journal left behind. `resumed_after`: bytes acknowledged before the resume, when this was one.
async fn check_success(
    bench: &Bench,
    armed: &mut Armed,
    signals: &Signals,
    outcome: UploadOutcome,
    resumed_after: Option<u64>,
    expected: &mut Live,
    report: &mut UploadReport,
) {
    let chunk = bench.chunk;
    let written = &armed.written;
    let session_expired = outcome.sessions_started >= 2 || outcome.restarted_from_zero;
    for f in armed.faults.iter_mut() {
        if f.kind == Kind::SessionExpiry && resumed_after.is_none() {
            f.fired = session_expired;
        }
    }
    // A session expiry (planned on its own, or the first half of a "twice" whose second half missed) hit.
    let expiry_fired = signals.session_hits >= 1 && session_expired;
    if report.result.is_empty() {
        report.result = "running".into();
    }
    report.restarted_from_zero = outcome.restarted_from_zero;
    report.resent += outcome.bytes_resent;
    if outcome.crc32 != armed.content_crc || outcome.crc32 != written.crc32 {
        report.failures.push(format!(
            "CRC-32 {:08x} sent, the file's is {:08x} (written {:08x})",
            outcome.crc32, armed.content_crc, written.crc32
        ));
    }
    if outcome.provider != armed.provider {
        report.failures.push(format!("went to {:?}, planned {:?}", outcome.provider, armed.provider));
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
    if let Some(acked) = resumed_after {
        if outcome.resumed_from < acked || (acked > 0 && outcome.resumed_from == 0) {
            report
                .failures
                .push(format!("the resume started from {} though {} were acknowledged", outcome.resumed_from, acked));
        }
    }
    let units: u32 = if resumed_after.is_some() {
        1
    } else {
        armed
            .faults
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
    if signals.token_fired && signals.auths < 2 {
        report.failures.push(format!("the console token expired but the client signed in {} time(s)", signals.auths));
    }
    let (nodes, relationships) = (armed.nodes, armed.relationships);
    match bench.ctl.live(&bench.instance.id).await {
        Ok(live) => {
            if live.status != "running" || !close(live.nodes, nodes) || !close(live.relationships, relationships) {
                report.failures.push(format!(
                    "instance {} with {}/{} nodes/relationships, the file has {nodes}/{relationships}",
                    live.status, live.nodes, live.relationships
                ));
            }
            *expected = live;
        }
        Err(e) => report.failures.push(e.to_string()),
    }
    if !lifeboat_upload::resumable(&armed.journal_dir).is_empty() {
        report.failures.push("a journal was left behind after success".into());
    }
}
