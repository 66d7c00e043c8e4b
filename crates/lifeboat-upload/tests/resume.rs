//! Resuming from the journal: across processes (a child uploading is killed with SIGKILL mid-upload and the
//! upload continues here), after an upload gave up, and refusing a file that changed in between.

mod common;

use aura_emulator::test_kit::Fault;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{archive, Sandbox, CHUNK, MIB};
use lifeboat_upload::{resumable, run, CancellationToken, ResumableUpload, UploadError, UploadRequest};
use serde_json::{json, Value};

/// Set (to a JSON spec) when this test binary is re-executed as the child that uploads and gets killed.
const CHILD_SPEC: &str = "LIFEBOAT_UPLOAD_TEST_CHILD";
/// The child's database password travels in its own variable, not in the spec on the command line.
const CHILD_PASSWORD: &str = "LIFEBOAT_UPLOAD_TEST_CHILD_PASSWORD";

/// The child process's entry point: a no-op in a normal test run; with [`CHILD_SPEC`] set it uploads (slowly,
/// through the emulator's delay fault) until the parent kills it.
#[tokio::test]
async fn child_upload_process() {
    let Ok(spec) = std::env::var(CHILD_SPEC) else { return };
    let spec: Value = serde_json::from_str(&spec).expect("child spec");
    let text = |k: &str| spec[k].as_str().expect("spec field").to_string();
    let password = std::env::var(CHILD_PASSWORD).expect("child password");
    let mut req = UploadRequest::new(text("file"), text("bolt_uri"), text("user"), password.into());
    req.console_url = Some(text("console_url"));
    req.journal_dir = Some(PathBuf::from(text("journal")));
    req.overwrite_confirmed = true;
    req.chunk_size = CHUNK;
    req.retry = common::fast_retry();
    let result = run(req, |_| {}, CancellationToken::new()).await;
    // Reaching here means the parent did not kill us in time; it will notice the finished upload.
    eprintln!("child upload ended: {:?}", result.map(|o| o.bytes_sent_total));
}

/// Kills the child if the test fails before it does.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tuned(sb: &Sandbox, found: &ResumableUpload, journal: &Path, user: &str, password: &str) -> UploadRequest {
    let mut req = found.request(journal, user.to_string(), password.to_string().into());
    let base = sb.request(&sb.instance("Staging"), &found.file);
    (req.poll_interval, req.retry, req.timeouts) = (base.poll_interval, base.retry, base.timeouts);
    req.overwrite_confirmed = true;
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_mid_way_resumes_from_its_journal_in_another_process() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 4 * MIB, 301, 302);
    let staging = sb.instance("Staging");
    // Every chunk waits a little, so the child is mid-upload when it is killed.
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(10_000).delay_ms(40)).await;

    let spec = json!({
        "console_url": sb.emu.info().console_url,
        "bolt_uri": staging.connection_url,
        "user": staging.db_user,
        "file": written.path,
        "journal": journal,
    });
    let exe = std::env::current_exe().expect("the test binary");
    let child = Command::new(exe)
        .args(["--exact", "child_upload_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_SPEC, spec.to_string())
        .env(CHILD_PASSWORD, &staging.db_password)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("the child starts");
    let mut child = Killed(child);

    // Wait until the child's journal shows a few acknowledged chunks, then kill it without warning.
    let started = Instant::now();
    let at_kill = loop {
        if let Some(found) = resumable(&journal).first() {
            if found.bytes_acknowledged >= 4 * CHUNK {
                break found.bytes_acknowledged;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the child never got going");
        assert!(child.0.try_wait().unwrap().is_none(), "the child ended before it could be killed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    child.0.kill().expect("SIGKILL");
    child.0.wait().expect("reaped");
    assert!(at_kill < written.file_size, "the child must not have finished");

    // The journal survived the kill; it may be one chunk further than when we looked.
    let found = resumable(&journal);
    assert_eq!(found.len(), 1);
    let journalled = found[0].bytes_acknowledged;
    assert!(journalled >= at_kill);
    assert!(found[0].percent_done > 0.0 && found[0].percent_done < 100.0);

    sb.clear_faults().await;
    let req = tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password);
    let outcome = run(req, |_| {}, CancellationToken::new()).await.expect("the resumed upload succeeds");

    // It continued where the storage stood, which is at or past the journal's point and at most the one
    // chunk the child had acknowledged but not yet journalled beyond it…
    assert!(outcome.resumed_from >= journalled, "resumed at {} < journal {journalled}", outcome.resumed_from);
    assert!(outcome.resumed_from - journalled <= CHUNK);
    // …and sent nothing twice itself: so of the child's bytes, only its unacknowledged chunk in flight (at most
    // one chunk) went again.
    assert_eq!(outcome.bytes_resent, 0);
    assert_eq!(outcome.bytes_sent_total, written.file_size - outcome.resumed_from);
    assert_eq!(outcome.crc32, written.crc32);
    assert!(!outcome.restarted_from_zero);
    // The emulator compares the CRC-32 of the assembled object with the one sent; a mismatch would have ended
    // in `loading failed`. Running with the file's counts means the object is exactly the file.
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 301, 302));
    assert!(resumable(&journal).is_empty());
}

/// An upload that gives up after its retries (the store keeps failing) leaves a journal behind.
async fn give_up_half_way(sb: &Sandbox, journal: &std::path::Path, file: &std::path::Path) -> UploadError {
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, file);
    req.journal_dir = Some(journal.to_path_buf());
    req.retry.max_attempts = 3;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(4).delay_ms(1)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1000).status(503)).await;
    let err = run(req, |_| {}, CancellationToken::new()).await.expect_err("the store keeps failing");
    sb.clear_faults().await;
    err
}

#[tokio::test]
async fn an_upload_that_gave_up_says_it_can_resume_and_does() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 303, 304);
    let staging = sb.instance("Staging");

    let err = give_up_half_way(&sb, &journal, &written.path).await;
    assert_eq!(err.code(), "upload-stalled");
    assert!(err.retryable());
    assert!(err.to_string().contains("resuming continues where the upload stopped"), "{err}");
    let found = resumable(&journal);
    assert_eq!(found[0].bytes_acknowledged, 4 * CHUNK);

    let outcome =
        run(tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password), |_| {}, CancellationToken::new())
            .await
            .expect("the resume finishes");
    assert_eq!(outcome.resumed_from, 4 * CHUNK);
    assert_eq!(outcome.bytes_sent_total, written.file_size - 4 * CHUNK);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 303, 304));
}

#[tokio::test]
async fn a_file_that_changed_since_refuses_to_resume_in_plain_words() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 305, 306);
    let staging = sb.instance("Staging");
    give_up_half_way(&sb, &journal, &written.path).await;
    let found = resumable(&journal);
    assert_eq!(found.len(), 1);

    // The file is replaced by another one of the same size (a new backup with the same name).
    let other_dir = dir.path().join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = archive(&other_dir, 2 * MIB, 1, 2);
    std::fs::copy(&other.path, &written.path).unwrap();

    let log_before = sb.requests().await.len();
    let err =
        run(tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password), |_| {}, CancellationToken::new())
            .await
            .expect_err("a changed file is refused");
    assert!(matches!(err, UploadError::FileChanged { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("changed since the upload started (on "), "{text}");
    assert!(text.contains("never writes to your file"), "{text}");
    assert!(resumable(&journal).is_empty(), "a journal that can never resume is removed");
    assert_eq!(sb.requests().await.len(), log_before, "refused before any network traffic");
}

#[tokio::test]
async fn a_resume_whose_session_expired_starts_over_cleanly_and_says_so() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 307, 308);
    let staging = sb.instance("Staging");
    give_up_half_way(&sb, &journal, &written.path).await;
    let found = resumable(&journal);
    assert_eq!(found[0].bytes_acknowledged, 4 * CHUNK);
    sb.expire_sessions(410).await;
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = messages.clone();

    let outcome = run(
        tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password),
        move |p| seen.lock().unwrap().extend(p.message),
        CancellationToken::new(),
    )
    .await
    .expect("a fresh session finishes the upload");

    assert!(outcome.restarted_from_zero);
    assert_eq!((outcome.resumed_from, outcome.bytes_sent_total), (0, written.file_size));
    let messages = messages.lock().unwrap().clone();
    assert!(messages.iter().any(|m| m.contains("from last time has expired")), "{messages:?}");
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 307, 308));
}

/// Uploads `written` to Staging and drops the upload (what a kill does: no cancel, no clean-up) once Aura has
/// accepted upload-complete and while the import loads.
async fn interrupted_during_the_import(sb: &Sandbox, journal: &Path, file: &Path, nodes_in_file: u64) {
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, file);
    req.journal_dir = Some(journal.to_path_buf());
    let task = tokio::spawn(run(req, |_| {}, CancellationToken::new()));
    let started = Instant::now();
    loop {
        let accepted = sb.requests().await.iter().any(|r| {
            r["route"].as_str().is_some_and(|route| route.ends_with("/upload-complete")) && r["status"] == 200
        });
        if accepted {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "upload-complete was never accepted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
    let (_, nodes, _) = sb.live(&staging.id).await;
    assert_ne!(nodes, nodes_in_file, "the kill must land before the import ends");
}

fn upload_completes(requests: &[Value]) -> Vec<u64> {
    requests
        .iter()
        .filter(|r| r["route"].as_str().is_some_and(|route| route.ends_with("/upload-complete")))
        .map(|r| r["status"].as_u64().unwrap_or_default())
        .collect()
}

/// The process dies after Aura accepted the whole file, while the import loads: the journal says so, a second
/// upload would be refused (the instance is busy), and resuming only watches the import to its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_interrupted_during_the_import_resumes_by_watching_it_and_sends_nothing_again() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 311, 312);
    let staging = sb.instance("Staging");
    interrupted_during_the_import(&sb, &journal, &written.path, 311).await;

    let found = resumable(&journal);
    assert_eq!(found.len(), 1);
    assert!(found[0].uploaded);
    assert_eq!(found[0].percent_done, 100.0);

    // A fresh upload of the same file now is refused in plain words, and changes nothing.
    let mut fresh = sb.request(&staging, &written.path);
    fresh.journal_dir = Some(dir.path().join("elsewhere"));
    let err = run(fresh, |_| {}, CancellationToken::new()).await.expect_err("the instance is busy importing");
    assert_eq!(err.code(), "instance-busy");
    assert!(err.retryable());
    assert!(err.to_string().contains("an import is already under way"), "{err}");

    let req = tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password);
    let outcome = run(req, |_| {}, CancellationToken::new()).await.expect("the resumed watch sees the import end");
    assert_eq!(outcome.bytes_sent_total, 0);
    assert_eq!(outcome.resumed_from, written.file_size);
    assert_eq!(outcome.crc32, written.crc32);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 311, 312));
    assert_eq!(upload_completes(&sb.requests().await), [200], "Aura was asked to import once");
    assert!(resumable(&journal).is_empty(), "the journal goes once the import ended");
}

/// Killed after sending upload-complete but before hearing the answer: the journal holds the request, not the
/// answer. The resume asks again; Aura's refusal of a second start shows the first one arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_died_waiting_for_upload_complete_asks_again_and_watches_the_import() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 313, 314);
    let staging = sb.instance("Staging");
    interrupted_during_the_import(&sb, &journal, &written.path, 313).await;
    // Exactly the file such a crash leaves: the body journalled, the answer not.
    let found = resumable(&journal);
    let path = journal.join(format!("upload-{}.json", found[0].id));
    let mut record: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(record["completeBody"].is_object(), "{record}");
    record.as_object_mut().unwrap().remove("completedAt").expect("the answer was journalled");
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    assert!(resumable(&journal)[0].uploaded);

    let req = tuned(&sb, &found[0], &journal, &staging.db_user, &staging.db_password);
    let outcome = run(req, |_| {}, CancellationToken::new()).await.expect("the resume finds the import under way");
    assert_eq!(outcome.bytes_sent_total, 0);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 313, 314));
    assert_eq!(upload_completes(&sb.requests().await), [200, 400], "asked again, and refused as already started");
    assert!(resumable(&journal).is_empty());
}
