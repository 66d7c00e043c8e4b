//! The S3 path (the emulator forced to hand out pre-signed multipart parts): parts in parallel, retried one by
//! one, expiry, and resuming from the journal.

mod common;

use aura_emulator::test_kit::Fault;
use std::sync::Arc;

use common::{archive, wait_bytes, watched, Recorder, Sandbox, MIB};
use lifeboat_upload::{resumable, run, CancellationToken, Provider, UploadError};
use serde_json::json;

const PART: u64 = MIB;

async fn aws_sandbox() -> Sandbox {
    let sb = Sandbox::start().await;
    sb.provider(json!({ "provider": "aws", "part_size": PART })).await;
    sb
}

#[tokio::test]
async fn an_aws_upload_sends_parts_in_parallel_and_the_instance_gets_the_counts() {
    let sb = aws_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 5 * MIB + 300_000, 101, 202);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.parallel_parts = 4;
    // Slow parts down so that parallelism is visible (each waits before being read).
    sb.fault(Fault::on("PUT /objects/s3/{upload}/{part}").times(100).delay_ms(150)).await;
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");

    assert_eq!(outcome.provider, Provider::Aws);
    assert_eq!(outcome.crc32, written.crc32);
    assert_eq!((outcome.bytes_sent_total, outcome.bytes_resent), (written.file_size, 0));
    assert!(outcome.max_parts_in_flight >= 2, "parts went one at a time: {}", outcome.max_parts_in_flight);
    assert!(outcome.max_parts_in_flight <= 4, "more parts than allowed: {}", outcome.max_parts_in_flight);
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 101, 202));
    let log = sb.requests().await;
    let parts = log.iter().filter(|e| e["route"] == "/objects/s3/{upload}/{part}").count() as u64;
    assert_eq!(parts, written.file_size.div_ceil(PART));
    assert!(log.iter().any(|e| e["route"] == "/console/v1/databases/{dbid}/import/multipart-upload-status"));
}

#[tokio::test]
async fn failed_parts_are_retried_alone() {
    let sb = aws_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 4 * MIB, 103, 204);
    let staging = sb.instance("Staging");
    let req = sb.request(&staging, &written.path);
    sb.fault(Fault::on("PUT /objects/s3/{upload}/{part}").times(2).status(500)).await;
    sb.fault(Fault::on("PUT /objects/s3/{upload}/{part}").times(1).cut_after_bytes(300_000)).await;
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the parts are retried");

    // Only the broken parts are sent again: at most three parts' worth.
    assert!(outcome.bytes_resent <= 3 * PART, "re-sent {}", outcome.bytes_resent);
    assert!(!outcome.restarted_from_zero);
    rec.assert_waited_in_plain_words();
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 103, 204));
}

#[tokio::test]
async fn an_expired_multipart_upload_starts_again_once_and_says_so() {
    let sb = Arc::new(aws_sandbox().await);
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 6 * MIB, 105, 206);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.parallel_parts = 1;
    sb.fault(Fault::on("PUT /objects/s3/{upload}/{part}").times(100).delay_ms(30)).await;
    let rec = Recorder::default();
    let (sink, mut rx) = watched(&rec);

    let upload = tokio::spawn(run(req, sink, CancellationToken::new()));
    wait_bytes(&mut rx, 2 * MIB).await;
    sb.expire_sessions(410).await;
    let outcome = upload.await.unwrap().expect("a new multipart upload finishes the job");

    assert!(outcome.restarted_from_zero);
    assert_eq!(outcome.sessions_started, 2);
    assert!(rec.messages().iter().any(|m| m.contains("expired") && m.contains("from the beginning")));
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 105, 206));
}

#[tokio::test]
async fn a_journalled_aws_upload_resumes_with_the_parts_it_has() {
    let sb = aws_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let written = archive(dir.path(), 3 * MIB, 107, 208);
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.journal_dir = Some(journal.clone());
    sb.fault(Fault::on("POST /console/v1/databases/{dbid}/import/upload-complete").status(409)).await;

    let err = run(req, |_| {}, CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, UploadError::ConsentRequiredAtComplete), "{err:?}");
    let found = resumable(&journal);
    assert_eq!((found.len(), found[0].provider), (1, Some(Provider::Aws)));
    assert_eq!(found[0].percent_done, 100.0);

    let mut again = found[0].request(&journal, staging.db_user.clone(), staging.db_password.clone().into());
    let tuned = sb.request(&staging, &written.path);
    (again.poll_interval, again.retry, again.timeouts) = (tuned.poll_interval, tuned.retry, tuned.timeouts);
    again.overwrite_confirmed = true;
    let outcome = run(again, |_| {}, CancellationToken::new()).await.expect("the resume completes");
    assert_eq!(outcome.bytes_sent_total, 0, "every part was already stored");
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 107, 208));
}
