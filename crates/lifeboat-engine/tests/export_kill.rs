//! The export copy killed in the middle (`kill -9`, as a crash or a power cut would stop it): nothing appears under
//! the final name, the download is exactly as it was, and the only trace — the hidden temporary file — is what the
//! next start removes, after which the export works.
//!
//! The test runs itself again as a child process (with `LIFEBOAT_EXPORT_KILL_CHILD` set) that copies a 64 MiB file
//! and stops after 8 MiB to wait; the parent kills it there.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lifeboat_engine::exports::copy::{self, fingerprint};

const CHILD: &str = "LIFEBOAT_EXPORT_KILL_CHILD";
const SIZE: usize = 64 * 1024 * 1024;
const STOP_AFTER: u64 = 8 * 1024 * 1024;
const TAG: &str = "20261120T030000-dead";

fn child(spec: &str) {
    let (source, destination) = spec.split_once('\n').expect("source and destination");
    let result = copy::copy_atomically(Path::new(source), Path::new(destination), TAG, None, &mut |done, _| {
        if done >= STOP_AFTER {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "\ncopying {done}");
            let _ = out.flush();
            // Wait here, mid-copy, to be killed.
            std::thread::sleep(Duration::from_secs(120));
        }
        true
    });
    panic!("the child was meant to be killed mid-copy, but the copy ended: {result:?}");
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    n.sort();
    n
}

#[test]
fn a_copy_killed_midway_leaves_nothing_under_the_final_name_and_the_download_untouched() {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let downloads = tempfile::tempdir().unwrap();
    let kept = tempfile::tempdir().unwrap();
    let source: PathBuf = downloads.path().join("neo4j-2026-11-20T03-00-00-a1b2c3d4.backup");
    let content: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8 ^ (i >> 20) as u8).collect();
    std::fs::write(&source, &content).unwrap();
    let before = fingerprint(&source).unwrap();
    let destination = kept.path().join("Production_2026-11-20T0300Z.backup");

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_copy_killed_midway_leaves_nothing_under_the_final_name_and_the_download_untouched",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, format!("{}\n{}", source.display(), destination.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut copied = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // The harness may print the test's name on the same line first.
        if let Some(n) = line.split("copying ").nth(1) {
            copied = n.trim().parse::<u64>().ok();
            break;
        }
        assert!(Instant::now() < deadline, "the child never started copying");
    }
    let copied = copied.expect("the child reported its progress");
    child.kill().unwrap(); // SIGKILL: no destructor, no clean-up runs
    let status = child.wait().unwrap();
    assert!(!status.success());

    assert!(!destination.exists(), "nothing under the final name");
    assert_eq!(fingerprint(&source).unwrap(), before, "the download's size and time are unchanged");
    assert!(std::fs::read(&source).unwrap() == content, "the download's bytes are unchanged");
    let temp = copy::temp_path(&destination, TAG);
    assert_eq!(
        names(kept.path()),
        [temp.file_name().unwrap().to_string_lossy().into_owned()],
        "only the hidden temporary file"
    );
    let partial = std::fs::metadata(&temp).unwrap().len();
    assert!(partial >= copied.min(STOP_AFTER) && partial < SIZE as u64, "killed mid-copy: {partial} bytes");

    // What the next start does for an interrupted export, then the export again.
    copy::discard(&temp);
    let (path, done) = copy::copy_atomically(&source, &destination, "again", Some(before), &mut |_, _| true).unwrap();
    assert_eq!(path, destination);
    assert_eq!(done.crc32, crc32fast::hash(&content));
    assert_eq!(names(kept.path()), ["Production_2026-11-20T0300Z.backup"]);
    assert!(std::fs::read(&destination).unwrap() == content);
}
