//! The bad-file corpus: files and folders people really pick, broken in the ways they really break, generated
//! into a temporary folder (never committed) and put through the real `lifeboat` binary.
//!
//! Every case must:
//! - end on its own (a guard kills a command after 60 s and fails the case: a FIFO must not block);
//! - never panic (no "panicked" in its output, exit code not 101, no signal);
//! - exit non-zero with **one plain line** on stderr naming the specific reason (`lifeboat: …`), or exit 0 for the
//!   files that are fine (a valid file under the wrong name: the format comes from the magic bytes);
//! - leave every file it was given exactly as it was: SHA-256, size, modification time and mode, compared before
//!   and after (for the two cases that change the file *during* an upload, the content must be exactly what the
//!   test itself wrote — Lifeboat wrote nothing).
//!
//! How each case runs is in the `via` column: `inspect` (`lifeboat inspect FILE`), `inspect as nobody` (the
//! unreadable file: as root, mode 000 would still be readable, so it runs under `setpriv` as `nobody`), `app check`
//! (the library inspection with a target instance's version and kind, exactly what the app does before a restore:
//! the CLI has no flag for the target) and `upload` (`lifeboat upload` against a fast sandbox).
//!
//! This module owns running the cases (the guard, the sandbox, the before/after fingerprints, the verdicts);
//! [`cases`] owns the table of cases and the files it writes.

mod cases;

use cases::build;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lifeboat_archive::testgen::{self, TestArchive, TestVersion};
use lifeboat_archive::{inspect, ArchiveFormat, InspectOptions};
use serde_json::Value;

use crate::guard;
use crate::report::{clip, Table};
use aura_emulator::test_kit::{Control, Fault};

/// How long one command may take before it counts as hung.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// Chunk size of the corpus uploads.
const CHUNK: &str = "256KiB";

/// What to run.
#[derive(Debug, Clone)]
pub struct CorpusConfig {
    /// The `lifeboat` binary.
    pub lifeboat: PathBuf,
    /// Only the quick cases (every inspect case and a few uploads).
    pub short: bool,
    /// Skip the cases that need a sandbox.
    pub no_upload: bool,
    /// Keep the generated folder (its path is printed).
    pub keep: bool,
}

/// How a case is run.
#[derive(Debug, Clone)]
enum Via {
    Inspect,
    /// As `nobody` (root reads mode-000 files); `None` when not root.
    InspectAs(Option<Vec<String>>),
    /// The app's check against a target instance: library inspection with these options.
    AppCheck(InspectOptions, &'static str),
    /// The checksum pass every upload starts with (`lifeboat_archive::crc32_file`) while the test changes the file.
    Checksum(Mutation),
    Upload(Option<Mutation>),
}

/// Something the test itself does to the file while `lifeboat upload` runs.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    /// Append bytes once the first chunk is acknowledged.
    Grow,
    /// Cut 1 MiB off the end once the first chunk is acknowledged.
    Shrink,
}

/// What must happen.
#[derive(Debug, Clone)]
enum Expect {
    /// Exit 1 (or the code given), one plain line on stderr containing every word (case-insensitive).
    Refused(&'static [&'static str]),
    /// Exit 0; stdout contains every word.
    Accepted(&'static [&'static str]),
    /// Should be refused; if it is accepted instead, that is a known gap of the product (reported, not failed).
    RefusedOrGap(&'static [&'static str], &'static str),
    /// Should be accepted; if it is refused instead (with one plain line, nothing touched), that is a known gap.
    AcceptedOrGap(&'static [&'static str], &'static str),
}

struct Case {
    name: String,
    path: PathBuf,
    via: Via,
    expect: Expect,
    short: bool,
    /// Why the case can't run here (reported as skipped).
    skip: Option<String>,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case.
    pub name: String,
    /// How it ran.
    pub via: String,
    /// Exit code, or what else happened.
    pub exit: String,
    /// The reason given (first line).
    pub reason: String,
    /// `ok`, `FAIL`, `GAP` or `SKIP`.
    pub verdict: &'static str,
    /// Why it failed, or what the gap or skip is.
    pub notes: Vec<String>,
}

/// The corpus run.
#[derive(Debug, Clone)]
pub struct CorpusReport {
    /// Every case.
    pub outcomes: Vec<Outcome>,
    /// Where the files were (removed unless kept).
    pub dir: PathBuf,
}

impl CorpusReport {
    /// Cases that failed.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| o.verdict == "FAIL").count()
    }

    /// The table and the notes.
    pub fn render(&self) -> String {
        let mut t = Table::new(&[">#", "case", "via", ">exit", "reason given", "verdict"]);
        for (i, o) in self.outcomes.iter().enumerate() {
            t.row(vec![
                (i + 1).to_string(),
                o.name.clone(),
                o.via.clone(),
                o.exit.clone(),
                clip(&o.reason, 96),
                o.verdict.into(),
            ]);
        }
        let mut out = t.render();
        let count = |v: &str| self.outcomes.iter().filter(|o| o.verdict == v).count();
        out.push_str(&format!(
            "\n{} cases: {} ok, {} failed, {} known gaps, {} skipped\n",
            self.outcomes.len(),
            count("ok"),
            count("FAIL"),
            count("GAP"),
            count("SKIP")
        ));
        for o in self.outcomes.iter().filter(|o| o.verdict != "ok") {
            for n in &o.notes {
                out.push_str(&format!("  {} {}: {n}\n", o.verdict, o.name));
            }
        }
        out
    }
}

/// What a finished command gave.
struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    hung: bool,
}

fn run_guarded(mut cmd: Command) -> Ran {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Ran {
                code: None,
                signal: None,
                stdout: String::new(),
                stderr: format!("cannot start: {e}"),
                hung: false,
            }
        }
    };
    wait_guarded(&mut child, HANG_GUARD)
}

fn wait_guarded(child: &mut Child, limit: Duration) -> Ran {
    use std::os::unix::process::ExitStatusExt;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        String::from_utf8_lossy(&s).into_owned()
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        String::from_utf8_lossy(&s).into_owned()
    });
    let start = Instant::now();
    let mut hung = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > limit => {
                hung = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    Ran {
        code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        hung,
    }
}

/// A fast sandbox started through `lifeboat sandbox`.
struct Sandbox {
    child: Child,
    info: Value,
    data: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    fn start(lifeboat: &Path) -> Result<Sandbox, String> {
        let data = tempfile::Builder::new().prefix("lifeboat-corpus-sandbox-").tempdir().map_err(|e| e.to_string())?;
        let mut child = Command::new(lifeboat)
            .args(["sandbox", "--json", "--clock", "fast", "--port", "0", "--data-dir"])
            .arg(data.path().join("sandbox"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("lifeboat sandbox: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let info: Value = serde_json::from_str(&line).map_err(|e| format!("sandbox line {line:?}: {e}"))?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        Ok(Sandbox { child, info, data, rt })
    }

    fn instance(&self, name: &str) -> Value {
        self.info["instances"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn control(&self) -> Control {
        Control::new(self.info["api_url"].as_str().unwrap_or_default().trim_end_matches("/v1"))
    }

    fn upload_command(&self, lifeboat: &Path, file: &Path, json: bool) -> Command {
        let staging = self.instance("Staging");
        let uri = format!("neo4j+s://{}.databases.neo4j.io", staging["id"].as_str().unwrap_or_default());
        let mut c = Command::new(lifeboat);
        c.arg("upload")
            .arg("neo4j")
            .arg("--from-path")
            .arg(file)
            .args(["--to-uri", &uri, "--console-url", self.info["console_url"].as_str().unwrap_or_default()])
            .args(["--chunk-size", CHUNK, "--overwrite-destination"])
            .env("NEO4J_PASSWORD", staging["db_password"].as_str().unwrap_or_default())
            .env("LIFEBOAT_DATA_DIR", self.data.path().join("cli"))
            .env("LIFEBOAT_POLL_MS", "50");
        if json {
            c.arg("--json");
        }
        c
    }
}

/// Runs the corpus.
pub fn run(config: &CorpusConfig, mut line: impl FnMut(&str)) -> Result<CorpusReport, String> {
    if !config.lifeboat.exists() {
        return Err(format!("no lifeboat binary at {} (cargo build --bin lifeboat)", config.lifeboat.display()));
    }
    let tmp = tempfile::Builder::new().prefix("lifeboat-corpus-").tempdir().map_err(|e| e.to_string())?;
    // `nobody` must be able to reach the files of the permission cases.
    let _ = fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755));
    let dir = tmp.path().to_path_buf();
    let cases: Vec<Case> = build(&dir).into_iter().filter(|c| c.short || !config.short).collect();
    let needs_sandbox = cases.iter().any(|c| matches!(c.via, Via::Upload(_))) && !config.no_upload;
    let sandbox = if needs_sandbox { Some(Sandbox::start(&config.lifeboat)?) } else { None };
    let mut outcomes = Vec::new();
    for case in &cases {
        let o = run_case(config, case, sandbox.as_ref());
        line(&format!("{:<5} {}", o.verdict, o.name));
        outcomes.push(o);
    }
    drop(sandbox);
    // Restore write access so the folder can be removed.
    let _ = fs::set_permissions(dir.join("locked.backup"), fs::Permissions::from_mode(0o644));
    if config.keep {
        let kept = tmp.keep();
        line(&format!("kept {}", kept.display()));
    }
    Ok(CorpusReport { outcomes, dir })
}

fn run_case(config: &CorpusConfig, case: &Case, sandbox: Option<&Sandbox>) -> Outcome {
    let via = match &case.via {
        Via::Inspect => "inspect".to_string(),
        Via::InspectAs(Some(_)) => "inspect as nobody".to_string(),
        Via::InspectAs(None) => "inspect".to_string(),
        Via::AppCheck(_, target) => format!("app check ({target})"),
        Via::Checksum(_) => "checksum pass".to_string(),
        Via::Upload(_) => "upload (sandbox)".to_string(),
    };
    let mut o = Outcome {
        name: case.name.clone(),
        via,
        exit: String::new(),
        reason: String::new(),
        verdict: "ok",
        notes: Vec::new(),
    };
    if let Some(why) = &case.skip {
        o.verdict = "SKIP";
        o.exit = "-".into();
        o.notes.push(why.clone());
        return o;
    }
    if matches!(case.via, Via::Upload(_)) && (config.no_upload || sandbox.is_none()) {
        o.verdict = "SKIP";
        o.exit = "-".into();
        o.notes.push("uploads were not asked for (--no-upload)".into());
        return o;
    }
    let before = guard::snapshot(&case.path);
    let mut expected_content: Option<String> = None;
    let ran = match &case.via {
        Via::Inspect => {
            let mut c = Command::new(&config.lifeboat);
            c.arg("inspect").arg(&case.path);
            run_guarded(c)
        }
        Via::InspectAs(prefix) => {
            let mut c = match prefix {
                Some(p) => {
                    let mut c = Command::new(&p[0]);
                    c.args(&p[1..]).arg(&config.lifeboat);
                    c
                }
                None => Command::new(&config.lifeboat),
            };
            c.arg("inspect").arg(&case.path);
            run_guarded(c)
        }
        Via::AppCheck(options, _) => app_check(&case.path, options),
        Via::Checksum(m) => {
            let (ran, sha) = checksum_while_changing(&case.path, *m);
            expected_content = Some(sha);
            ran
        }
        Via::Upload(mutation) => {
            let Some(sb) = sandbox else { unreachable!("checked above") };
            let accepted = matches!(case.expect, Expect::Accepted(_) | Expect::AcceptedOrGap(..));
            let mut cmd = sb.upload_command(&config.lifeboat, &case.path, accepted);
            match mutation {
                None => run_guarded(cmd),
                Some(m) => {
                    let (ran, content) = upload_while_changing(sb, &mut cmd, &case.path, *m);
                    expected_content = content;
                    ran
                }
            }
        }
    };

    // Never a panic, never a hang: these fail a case whatever else it expects.
    let mut hard = Vec::new();
    let all = format!("{}\n{}", ran.stdout, ran.stderr);
    if ran.hung {
        hard.push(format!("still running after {} s: killed", HANG_GUARD.as_secs()));
    }
    if all.contains("panicked") || ran.code == Some(101) {
        hard.push("panicked".into());
    }
    if let Some(sig) = ran.signal {
        if !ran.hung {
            hard.push(format!("killed by signal {sig}"));
        }
    }
    o.exit = match (ran.hung, ran.code) {
        (true, _) => "hung".into(),
        (false, Some(c)) => c.to_string(),
        (false, None) => "signal".into(),
    };
    let error_lines: Vec<&str> = ran.stderr.lines().filter(|l| l.starts_with("lifeboat:")).collect();
    let code = ran.code.unwrap_or(-1);
    let contains_all = |text: &str, words: &[&str]| {
        let lower = text.to_lowercase();
        words.iter().filter(|w| !lower.contains(&w.to_lowercase())).map(|w| w.to_string()).collect::<Vec<_>>()
    };
    match &case.expect {
        Expect::Refused(words) | Expect::RefusedOrGap(words, _) => {
            let reason = error_lines.last().map(|l| l.trim_start_matches("lifeboat:").trim()).unwrap_or("");
            o.reason = if reason.is_empty() { first_line(&ran.stderr) } else { reason.to_string() };
            if let Expect::RefusedOrGap(_, gap) = &case.expect {
                if code == 0 {
                    o.verdict = "GAP";
                    o.reason = format!("accepted: {}", first_line(&ran.stdout));
                    o.notes.push(gap.to_string());
                }
            }
            if o.verdict != "GAP" {
                if code != 1 {
                    o.notes.push(format!("exit {code}, expected 1"));
                }
                if error_lines.len() != 1 {
                    o.notes.push(format!(
                        "{} error lines on stderr, expected one: {:?}",
                        error_lines.len(),
                        ran.stderr
                    ));
                }
                if let Some(l) = error_lines.last() {
                    if l.lines().count() != 1 || l.contains("Error {") || l.contains("Os {") {
                        o.notes.push(format!("not a plain line: {l}"));
                    }
                }
                let missing = contains_all(reason, words);
                if !missing.is_empty() {
                    o.notes.push(format!("the reason doesn't say {missing:?}: {reason:?}"));
                }
            }
        }
        Expect::AcceptedOrGap(_, gap) if code != 0 => {
            o.reason = error_lines.last().map(|l| l.trim_start_matches("lifeboat:").trim()).unwrap_or("").to_string();
            o.verdict = "GAP";
            o.notes.push(format!("{gap} (said: {})", clip(&o.reason, 160)));
            if error_lines.len() != 1 || code != 1 {
                hard.push(format!("exit {code} with {} error lines: {:?}", error_lines.len(), ran.stderr));
            }
        }
        Expect::Accepted(words) | Expect::AcceptedOrGap(words, _) => {
            o.reason = summary(&ran.stdout);
            if code != 0 {
                o.notes.push(format!("exit {code}, expected 0: {}", first_line(&ran.stderr)));
            }
            let missing = contains_all(&ran.stdout, words);
            if !missing.is_empty() {
                o.notes.push(format!("stdout doesn't say {missing:?}"));
            }
            if !error_lines.is_empty() {
                o.notes.push(format!("error output for an accepted file: {}", error_lines.join(" | ")));
            }
        }
    }

    // The file as it was (or exactly as the test itself changed it).
    let after = guard::snapshot(&case.path);
    match expected_content {
        Some(sha) => {
            if after[0].sha256.as_deref() != Some(sha.as_str()) {
                hard.push("the file's content is not what the test wrote: Lifeboat changed it".into());
            }
        }
        None => {
            for change in guard::compare(&before, &after) {
                hard.push(format!("changed: {change}"));
            }
        }
    }
    if !hard.is_empty() || (o.verdict != "GAP" && !o.notes.is_empty()) {
        o.verdict = "FAIL";
    }
    o.notes.extend(hard);
    o
}

/// The app's check: the library inspection with a target, reported like the CLI would.
fn app_check(path: &Path, options: &InspectOptions) -> Ran {
    match inspect(path, options) {
        Ok(found) => match found.problems.first() {
            Some(p) => Ran {
                code: Some(1),
                signal: None,
                stdout: String::new(),
                stderr: format!("lifeboat: {}\n", p.message),
                hung: false,
            },
            None => {
                let ok: Vec<String> =
                    found.checks.iter().filter(|c| c.ok == Some(true)).map(|c| c.message.clone()).collect();
                Ran {
                    code: Some(if found.can_upload { 0 } else { 1 }),
                    signal: None,
                    stdout: format!("Format:    {}\n{}\n", found.format_label, ok.join("\n")),
                    stderr: String::new(),
                    hung: false,
                }
            }
        },
        Err(e) => {
            Ran { code: Some(1), signal: None, stdout: String::new(), stderr: format!("lifeboat: {e}\n"), hung: false }
        }
    }
}

/// Computes the CRC-32 as the upload does while another thread appends to (or cuts) the file every few hundred
/// microseconds. Returns what happened and the SHA-256 the file must have afterwards.
fn checksum_while_changing(path: &Path, m: Mutation) -> (Ran, String) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let original = fs::read(path).unwrap_or_default();
    let stop = Arc::new(AtomicBool::new(false));
    let changes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (flag, file, counted) = (stop.clone(), path.to_path_buf(), changes.clone());
    let (first_change, landed) = std::sync::mpsc::channel::<()>();
    let changer = std::thread::spawn(move || {
        let mut n = 0usize;
        while !flag.load(Ordering::SeqCst) {
            let done = match m {
                Mutation::Grow => fs::OpenOptions::new()
                    .append(true)
                    .open(&file)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, b"x")),
                Mutation::Shrink => fs::OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .and_then(|f| f.set_len((original_len(&file) as u64).saturating_sub(1))),
            };
            if done.is_ok() {
                n += 1;
                counted.store(n, Ordering::SeqCst);
                if n == 1 {
                    let _ = first_change.send(());
                }
            }
            std::thread::sleep(Duration::from_micros(300));
        }
        n
    });
    // The pass starts once the first change has landed, so it surely overlaps changes (a changer that cannot
    // change the file at all ends only when told to stop; the pass then runs on the unchanged file).
    let _ = landed.recv_timeout(Duration::from_secs(10));
    // The pass is faster than the changer on a small file, so its first progress report waits for one more change:
    // the change then surely lands while the file is being read (the pass must notice it).
    let mut waited = false;
    let result = lifeboat_archive::crc32_file(path, |_| {
        if waited {
            return;
        }
        waited = true;
        let (seen, since) = (changes.load(Ordering::SeqCst), std::time::Instant::now());
        while changes.load(Ordering::SeqCst) == seen && since.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_micros(100));
        }
    });
    stop.store(true, Ordering::SeqCst);
    let n = changer.join().unwrap_or(0);
    let expected = match m {
        Mutation::Grow => {
            let mut b = original.clone();
            b.extend(std::iter::repeat_n(b'x', n));
            b
        }
        Mutation::Shrink => original[..original.len().saturating_sub(n)].to_vec(),
    };
    let ran = match result {
        Ok(crc) => Ran {
            code: Some(0),
            signal: None,
            stdout: format!("checksum {crc:08x} of a file that was changing ({n} changes)\n"),
            stderr: String::new(),
            hung: false,
        },
        Err(e) => {
            Ran { code: Some(1), signal: None, stdout: String::new(), stderr: format!("lifeboat: {e}\n"), hung: false }
        }
    };
    (ran, guard::sha256_bytes(&expected))
}

fn original_len(path: &Path) -> usize {
    fs::metadata(path).map(|m| m.len() as usize).unwrap_or(0)
}

/// Starts the upload slowly (every chunk delayed), changes the file once a chunk is acknowledged, and waits. Returns
/// what the command did and the SHA-256 the file must have afterwards (what the test wrote).
fn upload_while_changing(sb: &Sandbox, cmd: &mut Command, path: &Path, m: Mutation) -> (Ran, Option<String>) {
    let ctl = sb.control();
    let slow = Fault::on("PUT /objects/gcs/{session}").times(100_000).delay_ms(60);
    if let Err(e) = sb.rt.block_on(ctl.arm(&slow)) {
        return (Ran { code: None, signal: None, stdout: String::new(), stderr: e.to_string(), hung: false }, None);
    }
    let original = fs::read(path).unwrap_or_default();
    let journal = sb.data.path().join("cli").join("uploads");
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return (Ran { code: None, signal: None, stdout: String::new(), stderr: e.to_string(), hung: false }, None)
        }
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let acked = lifeboat_upload::resumable(&journal).iter().map(|u| u.bytes_acknowledged).max().unwrap_or(0);
        if acked > 0 || matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let expected = match m {
        Mutation::Grow => {
            let mut f = fs::OpenOptions::new().append(true).open(path);
            if let Ok(f) = f.as_mut() {
                let _ = std::io::Write::write_all(f, b"more bytes from a copy still in progress");
            }
            let mut bytes = original.clone();
            bytes.extend_from_slice(b"more bytes from a copy still in progress");
            bytes
        }
        Mutation::Shrink => {
            let keep = original.len().saturating_sub(1 << 20);
            let _ = fs::OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(keep as u64));
            original[..keep].to_vec()
        }
    };
    let ran = wait_guarded(&mut child, HANG_GUARD);
    let _ = sb.rt.block_on(ctl.clear_faults());
    // The journal of a changed file must be gone (it can never be resumed).
    let left = lifeboat_upload::resumable(&journal);
    let mut ran = ran;
    if !left.is_empty() {
        ran.stderr.push_str("\nlifeboat: (corpus) a journal was left for a file that changed\n");
    }
    (ran, Some(guard::sha256_bytes(&expected)))
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string()
}

/// For accepted files: "Format: …" from inspect, or the JSON outcome of an upload.
fn summary(stdout: &str) -> String {
    if let Some(l) = stdout.lines().find(|l| l.starts_with("Format:")) {
        return l.trim_start_matches("Format:").trim().to_string();
    }
    if let Ok(v) = serde_json::from_str::<Value>(stdout.trim()) {
        return format!(
            "outcome {} (crc32 {}, fileUnchanged {})",
            v["outcome"].as_str().unwrap_or("?"),
            v["crc32"],
            v["fileUnchanged"]
        );
    }
    first_line(stdout)
}
