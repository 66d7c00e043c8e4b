//! An upload given the checksum computed when the file was checked (`UploadRequest::known_checksum`) uses it
//! without reading the file again while the file is unchanged, and reads it again as soon as anything about
//! it differs — shown by the checksum step's own progress events, over real HTTP to the emulator.

mod common;

use std::time::{Duration, SystemTime};

use common::{archive, Recorder, Sandbox, MIB};
use lifeboat_upload::{run, CancellationToken, Step, UploadProgress};

const KNOWN: &str = "Using the checksum computed when the file was checked";
const COMPUTING: &str = "Computing the file's checksum (CRC-32).";

fn checksum_events(rec: &Recorder) -> Vec<UploadProgress> {
    rec.all().into_iter().filter(|p| p.step == Step::Checksum).collect()
}

#[tokio::test]
async fn an_unchanged_file_is_not_read_again_for_its_checksum() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 3 * MIB, 11, 22);
    let sum = lifeboat_archive::checksum_file(&written.path, |_| {}).expect("the drop-time checksum");
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.known_checksum = Some(sum);
    let rec = Recorder::default();

    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");

    assert_eq!(outcome.crc32, crc32fast::hash(&std::fs::read(&written.path).unwrap()));
    let events = checksum_events(&rec);
    assert!(!events.is_empty(), "the checksum step is announced");
    // A read would start at 0 and report its bytes; the known checksum is done at once.
    assert!(
        events.iter().all(|p| p.bytes_done == written.file_size && p.bytes_total == written.file_size),
        "{events:?}"
    );
    assert!(events[0].message.as_deref().is_some_and(|m| m.starts_with(KNOWN)), "{events:?}");
    assert!(rec.messages().iter().all(|m| m != COMPUTING));
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 11, 22));
}

#[tokio::test]
async fn a_touched_or_rewritten_file_is_read_again_and_its_own_checksum_sent() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let written = archive(dir.path(), 3 * MIB, 11, 22);
    let sum = lifeboat_archive::checksum_file(&written.path, |_| {}).expect("the drop-time checksum");

    // Touched: same bytes, a new modification time.
    let later = SystemTime::now() + Duration::from_secs(3);
    std::fs::File::options().write(true).open(&written.path).unwrap().set_modified(later).unwrap();
    let staging = sb.instance("Staging");
    let mut req = sb.request(&staging, &written.path);
    req.known_checksum = Some(sum.clone());
    let rec = Recorder::default();
    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");
    assert_eq!(outcome.crc32, sum.crc32, "same bytes, same checksum, but computed again");
    let events = checksum_events(&rec);
    assert_eq!(events[0].message.as_deref(), Some(COMPUTING), "{events:?}");
    assert_eq!(events[0].bytes_done, 0, "the pass starts at the first byte");

    // Rewritten: other content at the same path (another export saved over it).
    let other = archive(dir.path(), 3 * MIB, 33, 44);
    assert_eq!(other.path, written.path);
    assert_ne!(other.crc32, sum.crc32);
    let mut req = sb.request(&staging, &other.path);
    req.known_checksum = Some(sum);
    let rec = Recorder::default();
    let outcome = run(req, rec.sink(), CancellationToken::new()).await.expect("the upload succeeds");
    assert_eq!(outcome.crc32, crc32fast::hash(&std::fs::read(&other.path).unwrap()));
    assert!(rec.messages().iter().any(|m| m == COMPUTING));
    assert_eq!(sb.live(&staging.id).await, ("running".to_string(), 33, 44));
}
