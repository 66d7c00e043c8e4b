//! The streaming CRC-32: the same number as `crc32fast`/zlib/Java's CRC32, and never a checksum of a file
//! that changed while it was read.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::time::{Duration, SystemTime};

use lifeboat_archive::{crc32_file, InspectError, CRC_BUFFER_SIZE};

#[test]
fn matches_crc32fast_and_the_protocol_check_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The check value from §4.3: CRC-32 of "123456789" is 3421780262.
    let small = dir.path().join("check.bin");
    fs::write(&small, b"123456789").expect("write");
    assert_eq!(crc32_file(&small, |_| {}).expect("crc"), 3_421_780_262);

    // A buffer spanning several reads, with a ragged end.
    let data: Vec<u8> = (0..(2 * CRC_BUFFER_SIZE + 12_345)).map(|i| (i.wrapping_mul(31) ^ (i >> 7)) as u8).collect();
    let big = dir.path().join("big.bin");
    fs::write(&big, &data).expect("write");
    let mut seen = Vec::new();
    let crc = crc32_file(&big, |done| seen.push(done)).expect("crc");
    assert_eq!(crc, crc32fast::hash(&data));
    assert_eq!(seen.last().copied(), Some(data.len() as u64), "progress reaches the end");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress only grows: {seen:?}");
    assert!(seen.len() >= 3, "reported per chunk: {seen:?}");

    let empty = dir.path().join("empty.bin");
    fs::write(&empty, b"").expect("write");
    assert_eq!(crc32_file(&empty, |_| {}).expect("crc"), 0);
}

#[test]
fn a_file_that_grows_during_the_pass_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("growing.backup");
    fs::write(&path, vec![7u8; 3 * CRC_BUFFER_SIZE]).expect("write");
    let mut appended = false;
    let result = crc32_file(&path, |_| {
        if !appended {
            // Another program (a download, a copy) keeps writing while we read.
            let mut f = OpenOptions::new().append(true).open(&path).expect("open for append");
            f.write_all(b"more bytes arriving").expect("append");
            appended = true;
        }
    });
    match result {
        Err(e @ InspectError::ChangedWhileReading { .. }) => {
            assert_eq!(e.code(), "file-changed");
            assert!(e.retryable());
            assert!(e.to_string().starts_with("The file changed while Lifeboat was reading it"), "{e}");
        }
        other => panic!("expected ChangedWhileReading, got {other:?}"),
    }
}

#[test]
fn a_file_rewritten_in_place_during_the_pass_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rewritten.backup");
    fs::write(&path, vec![1u8; 2 * CRC_BUFFER_SIZE]).expect("write");
    let mut touched = false;
    let result = crc32_file(&path, |_| {
        if !touched {
            // Same size, new content and modification time.
            let f = OpenOptions::new().write(true).open(&path).expect("open for write");
            (&f).write_all(&[2u8; 16]).expect("overwrite");
            f.set_modified(SystemTime::now() + Duration::from_secs(5)).expect("set mtime");
            touched = true;
        }
    });
    assert!(matches!(result, Err(InspectError::ChangedWhileReading { .. })), "{result:?}");
}

#[test]
fn a_folder_or_missing_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(crc32_file(dir.path(), |_| {}).expect_err("folder").code(), "not-regular-file");
    assert_eq!(crc32_file(&dir.path().join("missing"), |_| {}).expect_err("missing").code(), "not-found");
}
