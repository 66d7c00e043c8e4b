//! The whole upload against the emulator's console and GCS store over real loopback HTTP (fast clock): the
//! happy path and every fault the emulator can inject, each asserting what the user would see.

mod common;

use aura_emulator::test_kit::Fault;
use std::sync::Arc;
use std::time::Duration;

use common::{archive, eventually, wait_bytes, watched, Recorder, Sandbox, CHUNK, MIB};
use lifeboat_upload::{resumable, run, CancellationToken, Provider, Step, UploadError};

fn uploads_of(log: &[serde_json::Value], method: &str, route: &str) -> usize {
    log.iter().filter(|e| e["method"] == method && e["route"] == route).count()
}

#[tokio::test]
async fn a_gcp_upload_runs_the_whole_protocol_and_the_instance_gets_the_files_counts() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 3 * MIB, 4242, 171_717);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(dir.path().join("journal"));
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");

    // The CRC sent is the file's (CRC-32/ISO-HDLC as crc32fast computes it), and the emulator verified the
    // assembled object against it (a mismatch would have ended in `loading failed`).
    let bytes = std::fs::read(&written.path).unwrap();
    assert_eq!(outcome.crc32, crc32fast::hash(&bytes));
    assert_eq!(outcome.crc32, written.crc32);
    assert_eq!(outcome.provider, Provider::Gcp);
    assert_eq!(outcome.bytes_sent_total, written.file_size);
    assert_eq!((outcome.bytes_resent, outcome.resumed_from, outcome.sessions_started), (0, 0, 1));
    assert!(!outcome.restarted_from_zero);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 4242, 171_717));

    // Steps in protocol order, each announced.
    let mut steps: Vec<Step> = rec.all().iter().map(|p| p.step).collect();
    steps.dedup();
    let expected = [
        Step::Auth,
        Step::SizeCheck,
        Step::Checksum,
        Step::Initiate,
        Step::Upload,
        Step::Complete,
        Step::Import,
        Step::Running,
    ];
    assert_eq!(steps, expected);
    // Byte updates are throttled to about ten a second.
    let timed = rec.timed();
    let updates: Vec<_> = timed.iter().filter(|(_, p)| p.step == Step::Upload && p.message.is_none()).collect();
    for pair in updates.windows(2) {
        assert!(pair[1].0.duration_since(pair[0].0) >= Duration::from_millis(95), "events closer than the throttle");
    }
    // Every chunk went as its own PUT with a Content-Range; nothing else touched the session.
    let log = sb.requests().await;
    let chunks = written.file_size.div_ceil(CHUNK) as usize;
    assert_eq!(uploads_of(&log, "PUT", "/objects/gcs/{session}"), chunks);
    assert_eq!(uploads_of(&log, "POST", "/console/v2/databases/{dbid}/import"), 1);
    // The journal is gone once the upload is complete.
    assert!(resumable(&dir.path().join("journal")).is_empty());
}

#[tokio::test]
async fn a_burst_of_5xx_is_retried_through_status_queries_without_losing_progress() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 3 * MIB, 5, 6);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.chunk_size = MIB;
    // First a 503 after 600 KiB of a chunk (the store keeps two whole 256 KiB units), then a plain burst that
    // also hits the status queries.
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).delay_ms(1)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).cut_after_bytes(600 * 1024).status(503)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(3).status(503)).await;
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload recovers");

    assert!(outcome.bytes_resent <= MIB, "re-sent {} bytes", outcome.bytes_resent);
    assert_eq!(outcome.sessions_started, 1);
    assert!(!outcome.restarted_from_zero);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 5, 6));
    rec.assert_waited_in_plain_words();
}

#[tokio::test]
async fn a_connection_cut_inside_a_chunk_resends_at_most_that_chunk() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 4 * MIB, 7, 8);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.chunk_size = MIB;
    // The second chunk's connection dies 700 KiB into its body, without an answer.
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).delay_ms(1)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).cut_after_bytes(700 * 1024)).await;

    let outcome = run(req, |_| {}, CancellationToken::new()).await.expect("the upload recovers");

    assert!(outcome.bytes_resent > 0, "the cut must have cost something");
    assert!(outcome.bytes_resent <= MIB, "re-sent {} bytes, more than one chunk", outcome.bytes_resent);
    assert_eq!(outcome.bytes_sent_total, written.file_size + outcome.bytes_resent);
    assert_eq!(outcome.sessions_started, 1);
    assert!(!outcome.restarted_from_zero);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 7, 8));
    let log = sb.requests().await;
    assert!(log.iter().any(|e| e["fault"] == "cut" && e["dropped"] == true), "the cut happened");
}

#[tokio::test]
async fn a_stalled_transfer_is_aborted_by_the_watchdog_and_resumed() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 2 * MIB, 9, 10);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    // A short watchdog; the store stops reading the first chunk for much longer.
    req.timeouts.stall_window = Duration::from_millis(300);
    req.timeouts.response = Duration::from_millis(300);
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).stall_ms(1500)).await;
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload recovers");

    assert!(outcome.bytes_resent <= CHUNK);
    assert_eq!(outcome.sessions_started, 1);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 9, 10));
    rec.assert_waited_in_plain_words();
}

#[tokio::test]
async fn a_308_without_range_is_double_checked_before_progress_is_thrown_away() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 2 * MIB, 11, 12);
    let staging = sb.instance("Staging");
    let req = sb.request(&staging, &written.path);
    // The second chunk's 308 loses its Range header (which would mean "nothing persisted").
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).delay_ms(1)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(1).omit_range()).await;

    let outcome = run(req, |_| {}, CancellationToken::new()).await.expect("the upload succeeds");

    assert_eq!(outcome.bytes_resent, 0, "a status query confirmed the real offset");
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 11, 12));
}

#[tokio::test]
async fn a_confirmed_308_without_range_starts_over_from_byte_zero_and_still_succeeds() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 2 * MIB, 13, 14);
    let staging = sb.instance("Staging");
    let req = sb.request(&staging, &written.path);
    // The chunk's 308 and the confirming status query both say nothing is persisted: believe them.
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(2).delay_ms(1)).await;
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(2).omit_range()).await;
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");

    assert!(outcome.bytes_resent <= 3 * CHUNK, "re-sent {}", outcome.bytes_resent);
    assert_eq!(outcome.sessions_started, 1);
    assert!(rec.messages().iter().any(|m| m.contains("kept less")), "{:?}", rec.messages());
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 13, 14));
}

async fn expiry_restarts_from_zero(status: u16) {
    let sb = Arc::new(Sandbox::start().await);
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 3 * MIB, 15, 16);
    let staging = sb.instance("Staging");
    let req = sb.request(&staging, &written.path);
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(100).delay_ms(20)).await;
    let rec = Recorder::default();
    let (sink, mut rx) = watched(&rec);

    let upload = tokio::spawn(run(req, sink, CancellationToken::new()));
    wait_bytes(&mut rx, MIB).await;
    sb.expire_sessions(status).await;
    let outcome = upload.await.unwrap().expect("the upload restarts and succeeds");

    assert!(outcome.restarted_from_zero);
    assert_eq!(outcome.sessions_started, 2);
    assert!(outcome.bytes_resent >= MIB - CHUNK, "the first session's bytes were sent again");
    let messages = rec.messages();
    assert!(messages.iter().any(|m| m.contains("expired") && m.contains("from the beginning")), "{messages:?}");
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 15, 16));
}

#[tokio::test]
async fn an_expired_session_410_restarts_from_zero_once_and_says_so() {
    expiry_restarts_from_zero(410).await;
}

#[tokio::test]
async fn an_expired_session_404_restarts_from_zero_once_and_says_so() {
    expiry_restarts_from_zero(404).await;
}

#[tokio::test]
async fn a_409_at_upload_complete_is_a_plain_error_and_resuming_sends_nothing_again() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 2 * MIB, 17, 18);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(journal.clone());
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/upload-complete").status(409)).await;

    let err = run(req, |_| {}, CancellationToken::new()).await.expect_err("409 stops the upload");
    assert!(matches!(err, UploadError::ConsentRequiredAtComplete), "{err:?}");
    assert_eq!(err.code(), "consent-required-at-complete");
    let text = err.to_string();
    assert!(text.contains("consent") && text.contains("not changed") && text.contains("resume"), "{text}");

    // The journal survived, private and without secrets, at 100 %.
    let found = resumable(&journal);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].percent_done, 100.0);
    assert_eq!(found[0].provider, Some(Provider::Gcp));
    let path = journal.join(format!("upload-{}.json", found[0].id));
    let content = std::fs::read_to_string(&path).unwrap();
    assert!(!content.contains(&staging.db_password), "the journal holds the password");
    assert!(!content.to_lowercase().contains("token"), "the journal holds a token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Resuming asks the session, finds it complete, and only triggers the import.
    let mut again = found[0].request(&journal, staging.db_user.clone(), staging.db_password.clone().into());
    let tuned = sb.request(&staging, &written.path);
    (again.poll_interval, again.retry, again.timeouts) = (tuned.poll_interval, tuned.retry, tuned.timeouts);
    again.overwrite_confirmed = true;
    let outcome = run(again, |_| {}, CancellationToken::new()).await.expect("the resumed upload succeeds");
    assert_eq!((outcome.bytes_sent_total, outcome.resumed_from), (0, written.file_size));
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 17, 18));
    assert!(resumable(&journal).is_empty());
}

#[tokio::test]
async fn a_stale_loading_failed_is_ignored_until_the_import_starts() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 19, 20);
    let staging = sb.instance("Staging");
    sb.stale_failure(&staging.id).await;
    let rec = Recorder::default();

    run(sb.request(&staging, &written.path), rec.sink(), CancellationToken::new())
        .await
        .expect("the stale failure is not this import's");

    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 19, 20));
}

#[tokio::test]
async fn a_stale_loading_failed_that_never_clears_ends_at_the_start_watchdog_not_as_a_failure() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 19, 20);
    let staging = sb.instance("Staging");
    // The instance shows an earlier attempt's failure, and this import never starts: every poll sees the
    // stale `loading failed`, which must not be reported as this import's failure.
    sb.stale_failure(&staging.id).await;
    sb.import_never_starts().await;
    let mut req = sb.request(&staging, &written.path);
    req.import_start_timeout = Duration::from_millis(400);
    let rec = Recorder::default();

    let err = run(req, rec.sink(), CancellationToken::new()).await.unwrap_err();

    assert_eq!(err.code(), "import-never-started", "{err}");
    assert!(rec.messages().iter().any(|m| m.contains("earlier attempt")), "{:?}", rec.messages());
}

#[tokio::test]
async fn an_import_that_never_starts_trips_the_start_watchdog() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 21, 22);
    let staging = sb.instance("Staging");
    sb.import_never_starts().await;
    let mut req = sb.request(&staging, &written.path);
    req.import_start_timeout = Duration::from_millis(500);

    let err = run(req, |_| {}, CancellationToken::new()).await.expect_err("the import never starts");

    assert!(matches!(err, UploadError::ImportNeverStarted { .. }), "{err:?}");
    assert!(err.to_string().contains("did not start loading"), "{err}");
    assert_eq!(sb.live(&staging.id).await.0, "running", "the instance keeps its data");
}

#[tokio::test]
async fn loading_failed_after_the_start_reports_the_servers_message_and_url() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 23, 24);
    let staging = sb.instance("Staging");
    sb.fail_next().await;

    let err =
        run(sb.request(&staging, &written.path), |_| {}, CancellationToken::new()).await.expect_err("the import fails");

    let UploadError::ImportFailed { message, url } = &err else { panic!("{err:?}") };
    assert!(message.contains("something has failed during the loading"), "{message}");
    assert_eq!(url.as_deref(), Some("https://support.neo4j.com"));
    let text = err.to_string();
    assert!(text.contains("something has failed during the loading") && text.contains("https://support.neo4j.com"));
}

#[tokio::test]
async fn a_file_that_changes_during_the_upload_is_refused_and_never_mixed() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 3 * MIB, 25, 26);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(journal.clone());
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(100).delay_ms(20)).await;
    let rec = Recorder::default();
    let (sink, mut rx) = watched(&rec);

    let upload = tokio::spawn(run(req, sink, CancellationToken::new()));
    wait_bytes(&mut rx, MIB).await;
    // Something (a copy still in progress) appends to the file.
    let mut f = std::fs::OpenOptions::new().append(true).open(&written.path).unwrap();
    std::io::Write::write_all(&mut f, b"more").unwrap();
    drop(f);
    let err = upload.await.unwrap().expect_err("a changed file is refused");

    assert!(matches!(err, UploadError::FileChanged { .. }), "{err:?}");
    assert!(err.to_string().contains("changed since the upload started"), "{err}");
    assert!(resumable(&journal).is_empty(), "a changed file can't be resumed, so its journal goes");
    let (status, ..) = sb.live(&staging.id).await;
    assert_eq!(status, "running", "nothing was imported");
}

#[tokio::test]
async fn cancel_stops_at_once_removes_the_journal_and_cancels_the_session() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 3 * MIB, 27, 28);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(journal.clone());
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(100).delay_ms(20)).await;
    let rec = Recorder::default();
    let (sink, mut rx) = watched(&rec);
    let cancel = CancellationToken::new();

    let upload = tokio::spawn(run(req, sink, cancel.clone()));
    wait_bytes(&mut rx, MIB).await;
    assert_eq!(resumable(&journal).len(), 1);
    cancel.cancel();
    let err = upload.await.unwrap().expect_err("cancelled");

    assert!(matches!(err, UploadError::Cancelled));
    assert!(resumable(&journal).is_empty());
    let log = sb.requests().await;
    assert!(log.iter().any(|e| e["method"] == "DELETE" && e["status"] == 499), "the session was cancelled");
    assert_eq!(sb.live(&staging.id).await.0, "running");
}

#[tokio::test]
async fn a_console_token_that_expires_mid_upload_is_renewed() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 2 * MIB, 29, 30);
    let staging = sb.instance("Staging");
    sb.fault(Fault::on("PUT /objects/gcs/{session}").times(100).delay_ms(10)).await;
    let rec = Recorder::default();
    let (sink, mut rx) = watched(&rec);

    let upload = tokio::spawn(run(sb.request(&staging, &written.path), sink, CancellationToken::new()));
    wait_bytes(&mut rx, MIB).await;
    let expired = sb.http.post(format!("{}/_emulator/tokens/expire", sb.emu.base_url())).send().await.unwrap();
    assert!(expired.status().is_success());
    upload.await.unwrap().expect("upload-complete signs in again");

    let log = sb.requests().await;
    assert_eq!(uploads_of(&log, "POST", "/console/v1/databases/{dbid}/import/auth"), 2);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 29, 30));
}

#[tokio::test]
async fn transient_console_errors_are_retried() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 31, 32);
    let staging = sb.instance("Staging");
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/auth").times(2).status(503)).await;
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/size").times(2).status(502)).await;
    sb.fault(Fault::on("POST /console/v2/databases/{dbid}/import").times(2).status(504)).await;
    sb.fault(Fault::on("GET /console/v1/databases/{dbid}/import/status").times(2).status(500)).await;
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/upload-complete").status(503)).await;

    run(sb.request(&staging, &written.path), |_| {}, CancellationToken::new()).await.expect("retries win");
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 31, 32));
}

#[tokio::test]
async fn wrong_credentials_and_missing_consent_are_refused_in_plain_words() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 1, 1);
    let staging = sb.instance("Staging");

    let mut bad = sb.request(&staging, &written.path);
    bad.password = "not-the-password".to_string().into();
    let err = run(bad, |_| {}, CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "invalid-credentials");
    assert!(err.to_string().contains("did not accept the database user name and password"), "{err}");

    let mut no_consent = sb.request(&staging, &written.path);
    no_consent.overwrite_confirmed = false;
    let err = run(no_consent, |_| {}, CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "consent-required");
    assert!(err.to_string().contains("consent"), "{err}");

    sb.add_user(&staging.id, "reader", "pw").await;
    let mut reader = sb.request(&staging, &written.path);
    (reader.username, reader.password) = ("reader".into(), "pw".to_string().into());
    assert_eq!(run(reader, |_| {}, CancellationToken::new()).await.unwrap_err().code(), "not-admin");

    let mut elsewhere = sb.request(&staging, &written.path);
    elsewhere.bolt_uri = "neo4j+s://ffffffff.databases.neo4j.io".into();
    assert_eq!(run(elsewhere, |_| {}, CancellationToken::new()).await.unwrap_err().code(), "database-not-found");

    // Nothing of it touched the instance.
    assert_eq!(sb.live(&staging.id).await.0, "running");
}

#[tokio::test]
async fn a_store_too_big_for_the_instance_is_explained_in_gb() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 1, 1);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.full_size = Some(1 << 40);
    let rec = Recorder::default();

    let err = run(req, rec.sink(), CancellationToken::new()).await.unwrap_err();

    assert_eq!(err.code(), "too-big");
    let text = err.to_string();
    assert!(text.contains("1024.0 GiB"), "{text}");
    assert!(text.contains("insufficient space"), "Aura's own words are quoted: {text}");
    assert!(!rec.all().iter().any(|p| p.step == Step::Upload), "nothing was uploaded");
}

#[tokio::test]
async fn an_empty_journal_folder_lists_nothing_and_unknown_resumes_are_plain_errors() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 1, 1);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(dir.path().to_path_buf());
    req.resume_id = Some(uuid_like());
    let err = run(req, |_| {}, CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "resume-not-found");
    assert!(eventually(Duration::from_millis(10), || resumable(dir.path()).is_empty()).await);
}

fn uuid_like() -> String {
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301".to_string()
}

#[tokio::test]
async fn an_object_already_uploaded_by_an_earlier_attempt_goes_straight_to_the_import() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 33, 34);
    let staging = sb.instance("Staging");
    // The first attempt uploads everything but the import is refused, and it keeps no journal.
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/upload-complete").status(409)).await;
    let err = run(sb.request(&staging, &written.path), |_| {}, CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "consent-required-at-complete");

    // A fresh attempt gets the same upload; its new session answers GCS's "no delete access" 403.
    let rec = Recorder::default();
    let outcome = run(sb.request(&staging, &written.path), rec.sink(), CancellationToken::new())
        .await
        .expect("the already uploaded object is imported");

    assert!(outcome.bytes_sent_total <= CHUNK, "only the first chunk went before the 403");
    assert!(rec.messages().iter().any(|m| m.contains("already holds the complete file")), "{:?}", rec.messages());
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 33, 34));
}

#[tokio::test]
async fn a_refused_signed_url_is_replaced_once_by_a_new_one_from_aura() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), MIB, 35, 36);
    let staging = sb.instance("Staging");
    sb.fault(Fault::on("POST /objects/gcs/start/{upload}").times(1).status(403)).await;
    let rec = Recorder::default();

    let outcome = run(sb.request(&staging, &written.path), rec.sink(), CancellationToken::new())
        .await
        .expect("a second address works");
    assert!(!outcome.restarted_from_zero, "nothing had been sent");
    assert!(rec.messages().iter().any(|m| m.contains("asking Aura for a new one")), "{:?}", rec.messages());
    let log = sb.requests().await;
    assert_eq!(uploads_of(&log, "POST", "/console/v2/databases/{dbid}/import"), 2);

    // Refused twice: a plain error with the storage's status.
    sb.fault(Fault::on("POST /objects/gcs/start/{upload}").times(2).status(403)).await;
    let err = run(sb.request(&staging, &written.path), |_| {}, CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "storage-rejected");
    assert!(err.to_string().contains("HTTP 403"), "{err}");
}
