//! Inspection as the person choosing a file meets it: every format recognised, every kind of broken file
//! explained, and the file never touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lifeboat_archive::testgen::{self, TestArchive, TestVersion};
use lifeboat_archive::{
    inspect, ArchiveFormat, CheckId, ContentCheck, InspectError, InspectOptions, Inspection, ProblemCode,
};

/// The file's content and modification time, to prove inspection changed neither.
struct Untouched {
    path: PathBuf,
    bytes: Vec<u8>,
    modified: SystemTime,
}

impl Untouched {
    fn note(path: &Path) -> Self {
        let bytes = fs::read(path).expect("read before");
        let modified = fs::metadata(path).and_then(|m| m.modified()).expect("mtime before");
        Self { path: path.to_path_buf(), bytes, modified }
    }

    fn check(self) {
        let after = fs::read(&self.path).expect("read after");
        assert!(after == self.bytes, "inspection changed the bytes of {}", self.path.display());
        let modified = fs::metadata(&self.path).and_then(|m| m.modified()).expect("mtime after");
        assert_eq!(modified, self.modified, "inspection changed the mtime of {}", self.path.display());
    }
}

fn run(path: &Path, options: &InspectOptions) -> Inspection {
    let guard = Untouched::note(path);
    let found = inspect(path, options).unwrap_or_else(|e| panic!("inspect {}: {e}", path.display()));
    guard.check();
    found
}

fn run_default(path: &Path) -> Inspection {
    run(path, &InspectOptions::default())
}

fn run_err(path: &Path) -> InspectError {
    match inspect(path, &InspectOptions::default()) {
        Ok(i) => panic!("expected an error for {}, got {i:#?}", path.display()),
        Err(e) => e,
    }
}

/// Asserts the file was rejected for exactly this reason, and that the message says it.
fn assert_problem(found: &Inspection, code: ProblemCode, words: &str) {
    assert!(!found.can_upload, "{found:#?}");
    let problem = found.problems.iter().find(|p| p.code == code).unwrap_or_else(|| panic!("no {code:?} in {found:#?}"));
    assert!(problem.message.contains(words), "{:?} doesn't say {words:?}", problem.message);
    assert_eq!(found.problems.len(), 1, "one reason, the right one: {found:#?}");
    // The same words are in the checklist, where the UI shows them.
    assert!(found.checks.iter().any(|c| c.ok == Some(false) && c.message == problem.message), "{found:#?}");
}

fn small(format: ArchiveFormat) -> TestArchive {
    TestArchive {
        database: "movies".into(),
        nodes: 171,
        relationships: 253,
        approx_size: 300 * 1024,
        format: Some(format),
        ..TestArchive::default()
    }
}

#[test]
fn every_format_is_recognised_with_its_details() {
    let dir = tempfile::tempdir().expect("tempdir");
    for incompressible in [false, true] {
        for format in ArchiveFormat::ALL {
            let spec = TestArchive { incompressible, ..small(format) };
            let path = dir.path().join(format!("{}-{incompressible}{}", format.id(), format.extensions()[0]));
            let written = testgen::write_backup(&path, &spec).expect("write");
            let found = run_default(&path);
            let ctx = format!("{format:?} incompressible={incompressible}: {found:#?}");

            assert_eq!(found.format, format, "{ctx}");
            // A bare zstd dump is named by the version its store records (4.4 unless asked otherwise).
            let label = if format == ArchiveFormat::DumpLegacyZstd { "Neo4j 4.4 dump" } else { format.label() };
            assert_eq!(found.format_label, label, "{ctx}");
            assert_eq!(found.ok(CheckId::Readable), Some(true), "{ctx}");
            assert_eq!(found.ok(CheckId::Complete), Some(true), "{ctx}");
            if format == ArchiveFormat::DumpLegacyGzip {
                // A 3.x dump needs no target to be refused: no Aura instance loads one.
                assert!(!found.can_upload, "{ctx}");
                assert_eq!(found.ok(CheckId::Compatible), Some(false), "{ctx}");
                assert!(found.has_problem(ProblemCode::Incompatible) && found.problems.len() == 1, "{ctx}");
            } else {
                assert!(found.can_upload, "{ctx}");
                assert!(found.problems.is_empty(), "{ctx}");
                assert_eq!(found.ok(CheckId::Compatible), None, "no target given: {ctx}");
            }
            assert_eq!(found.ok(CheckId::Fits), None, "no target given: {ctx}");
            assert_eq!(found.file_size, written.file_size, "{ctx}");
            assert_eq!(found.dump_size, written.file_size, "{ctx}");
            assert!(found.notes.iter().all(|n| !n.contains("name ends")), "usual extension: {ctx}");

            // FullSize: from metadata where the format has it, else the file size (§4.5).
            let metadata_size = format.records_full_size()
                || format == ArchiveFormat::AuradsTar
                || format == ArchiveFormat::AuradsTarGzip;
            let expected_full = if metadata_size { written.full_size } else { written.file_size };
            assert_eq!(found.full_size, Some(expected_full), "{ctx}");
            assert_eq!(found.full_size_from_metadata, metadata_size, "{ctx}");
            assert_eq!(found.store_bytes, Some(written.full_size), "{ctx}");
            assert_eq!(found.store_files, Some(written.store_files), "{ctx}");

            if format.is_backup() {
                assert_eq!(found.database_name.as_deref(), Some("movies"), "{ctx}");
                assert_eq!(found.backup_time, Some(spec.backup_time), "{ctx}");
                assert_eq!(found.store_format.as_deref(), Some("record/aligned 1.1"), "{ctx}");
                assert_eq!(found.neo4j_version.as_deref(), Some("5"), "{ctx}");
            } else if matches!(format, ArchiveFormat::AuradsTar | ArchiveFormat::AuradsTarGzip) {
                assert_eq!(found.database_name.as_deref(), Some("movies"), "{ctx}");
                assert_eq!(found.inner_format, Some(ArchiveFormat::DumpZstd), "{ctx}");
                assert_eq!(found.neo4j_version.as_deref(), Some("5"), "{ctx}");
                assert!(found.compressed, "{ctx}");
            } else {
                assert_eq!(found.database_name, None, "dumps don't record it: {ctx}");
                assert_eq!(found.backup_time, None, "{ctx}");
                let version = match format {
                    ArchiveFormat::DumpLegacyZstd => "4.4",
                    ArchiveFormat::DumpLegacyGzip => "3.x",
                    _ => "5",
                };
                assert_eq!(found.neo4j_version.as_deref(), Some(version), "{ctx}");
            }

            let counts = testgen::read_test_counts(&path).expect("read counts").expect("marker present");
            assert_eq!((counts.nodes, counts.relationships), (171, 253), "{ctx}");
            let crc = lifeboat_archive::crc32_file(&path, |_| {}).expect("crc");
            assert_eq!(crc, written.crc32, "{ctx}");
        }
    }
}

#[test]
fn labels_are_words() {
    assert_eq!(ArchiveFormat::BackupZstdV3.label(), "Neo4j 5 backup, compressed");
    // Without reading the store inside, a bare zstd dump could be from 3.5 or any 4.x.
    assert_eq!(ArchiveFormat::DumpLegacyZstd.label(), "Neo4j 3.x or 4.x dump");
    assert_eq!(ArchiveFormat::AuradsTar.label(), "AuraDS archive");
    assert_eq!(ArchiveFormat::BackupTarV2.label(), "Neo4j 5 backup, uncompressed");
    assert_eq!(ArchiveFormat::DumpZstd.label(), "Neo4j 5 dump, compressed");
}

#[test]
fn json_shape_is_camel_case_with_stable_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("neo4j.backup");
    testgen::write_backup(&path, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
    let options = InspectOptions {
        target_version: Some("5".into()),
        target_is_ds: Some(false),
        target_storage_bytes: Some(8 << 30),
        ..Default::default()
    };
    let found = run(&path, &options);
    let json = serde_json::to_value(&found).expect("serialise");
    assert_eq!(json["format"], "backup-zstd-v3");
    assert_eq!(json["formatLabel"], "Neo4j 5 backup, compressed");
    assert_eq!(json["fileName"], "neo4j.backup");
    assert_eq!(json["databaseName"], "neo4j");
    assert_eq!(json["backupTime"], "2024-06-01T12:00:00Z");
    assert_eq!(json["neo4jVersion"], "5");
    assert_eq!(json["fullSize"], 1024 * 1024);
    assert_eq!(json["fileSize"], found.file_size);
    assert_eq!(json["canUpload"], true);
    assert_eq!(json["compressed"], true);
    assert_eq!(json["problems"], serde_json::json!([]));
    let ids: Vec<_> = json["checks"].as_array().expect("checks").iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids, ["readable", "complete", "compatible", "fits"]);
    for check in json["checks"].as_array().expect("checks") {
        assert_eq!(check["ok"], true, "{check}");
        assert!(check["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // What the UI gets back parses into the same value.
    let back: Inspection = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back.format, found.format);
    assert_eq!(back.checks, found.checks);
}

#[test]
fn a_valid_file_with_the_wrong_extension_is_accepted_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("actually-a-dump.backup");
    testgen::write_backup(&path, &TestArchive::new(TestVersion::Neo4j4Dump)).expect("write");
    let found = run_default(&path);
    assert_eq!(found.format, ArchiveFormat::DumpLegacyZstd);
    assert!(found.can_upload, "{found:#?}");
    assert!(found.notes.iter().any(|n| n.contains(".backup") && n.contains("Neo4j 4.4 dump")), "{:?}", found.notes);

    let no_ext = dir.path().join("backup-file");
    testgen::write_backup(&no_ext, &TestArchive::new(TestVersion::AuraDs)).expect("write");
    let found = run_default(&no_ext);
    assert_eq!(found.format, ArchiveFormat::AuradsTar);
    assert!(found.notes.iter().any(|n| n.contains("no extension")), "{:?}", found.notes);
}

#[test]
fn an_empty_file_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["empty", "empty.backup"] {
        let path = dir.path().join(name);
        fs::write(&path, b"").expect("write");
        let found = run_default(&path);
        assert_eq!(found.format, ArchiveFormat::Unknown);
        assert_eq!(found.format_label, "Unknown file");
        assert_problem(&found, ProblemCode::Empty, "The file is empty.");
        assert_eq!(found.ok(CheckId::Complete), None);
        assert_eq!(found.full_size, None);
    }
}

#[test]
fn a_one_byte_file_is_too_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("one.dump");
    fs::write(&path, b"D").expect("write");
    assert_problem(&run_default(&path), ProblemCode::TooShort, "only 1 byte long");
}

#[test]
fn each_magic_with_nothing_after_it_ends_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    let magics: [&[u8]; 9] =
        [b"DZV1", b"DGV1", &[0x28, 0xB5, 0x2F, 0xFD], &[0x1F, 0x8B], b"BZV1", b"BZV2", b"BZV3", b"BTV1", b"BTV2"];
    for magic in magics {
        let path = dir.path().join("cut.backup");
        fs::write(&path, magic).expect("write");
        let found = run_default(&path);
        assert_problem(&found, ProblemCode::Truncated, "This file ends early");
        assert_eq!(found.ok(CheckId::Complete), Some(false), "{magic:?}: {found:#?}");
        assert!(found.format != ArchiveFormat::Unknown, "the magic is known: {magic:?}");
    }
}

#[test]
fn a_cut_off_zstd_file_ends_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in [ArchiveFormat::BackupZstdV3, ArchiveFormat::DumpLegacyZstd, ArchiveFormat::BackupZstdV1] {
        let spec = TestArchive { incompressible: true, approx_size: 2 << 20, ..small(format) };
        let path = dir.path().join("cut.backup");
        let written = testgen::write_backup(&path, &spec).expect("write");
        // Mid-way (inside a block), just the last byte, and just after the header.
        for len in [written.file_size / 2, written.file_size - 1, 60] {
            testgen::write_backup(&path, &spec).expect("rewrite");
            testgen::truncate(&path, len).expect("truncate");
            let found = run_default(&path);
            assert_problem(&found, ProblemCode::Truncated, "it was probably cut off while copying; copy it again.");
            assert_eq!(found.format, format, "format still recognised at {len}");
        }
    }
}

#[test]
fn a_corrupted_frame_checksum_is_found_when_contents_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in [ArchiveFormat::DumpZstd, ArchiveFormat::BackupZstdV3, ArchiveFormat::AuradsTar] {
        let path = dir.path().join("flipped.dump");
        testgen::write_backup(&path, &small(format)).expect("write");
        testgen::corrupt_zstd_checksum(&path).expect("corrupt");
        // Small files are decompressed (ContentCheck::Auto), which verifies the checksum.
        let found = run_default(&path);
        assert_problem(&found, ProblemCode::Damaged, "don't match the checksum");
        // The structure walk alone can't see it — documented in ContentCheck.
        let quick = run(&path, &InspectOptions { content_check: ContentCheck::Never, ..Default::default() });
        assert_eq!(quick.ok(CheckId::Complete), Some(true), "{format:?}: {quick:#?}");
    }
}

#[test]
fn valid_zstd_with_a_bad_tar_inside_is_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad-inside.dump");
    testgen::write_zstd_with_bad_tar(&path).expect("write");
    for check in [ContentCheck::Auto, ContentCheck::Never] {
        let found = run(&path, &InspectOptions { content_check: check, ..Default::default() });
        assert_eq!(found.format, ArchiveFormat::DumpZstd);
        assert_problem(&found, ProblemCode::Damaged, "tar header is corrupt");
    }
}

#[test]
fn a_cut_off_gzip_file_ends_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in [ArchiveFormat::DumpLegacyGzip, ArchiveFormat::DumpGzip, ArchiveFormat::AuradsTarGzip] {
        for incompressible in [false, true] {
            let path = dir.path().join("cut.tar.gz");
            let spec = TestArchive { incompressible, ..small(format) };
            let written = testgen::write_backup(&path, &spec).expect("write");
            for len in [written.file_size / 2, written.file_size - 4, 12] {
                testgen::write_backup(&path, &spec).expect("rewrite");
                testgen::truncate(&path, len).expect("truncate");
                let found = run_default(&path);
                assert_problem(&found, ProblemCode::Truncated, "This file ends early");
                assert_eq!(found.problems.len(), 1, "one reason, the right one: {found:#?}");
            }
        }
    }
}

#[test]
fn a_gzip_file_with_a_damaged_trailer_is_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crc.dump");
    let written = testgen::write_backup(&path, &small(ArchiveFormat::DumpGzip)).expect("write");
    // The trailer's CRC-32 is the last 8..4 bytes.
    testgen::flip_byte(&path, written.file_size - 6).expect("flip");
    assert_problem(&run_default(&path), ProblemCode::Damaged, "The file is damaged");
    // A 3.x dump (bare gzip) is found damaged the same way — and no Aura instance would load it anyway.
    let written = testgen::write_backup(&path, &small(ArchiveFormat::DumpLegacyGzip)).expect("write");
    testgen::flip_byte(&path, written.file_size - 6).expect("flip");
    let found = run_default(&path);
    assert!(found.has_problem(ProblemCode::Damaged) && found.has_problem(ProblemCode::Incompatible), "{found:#?}");
}

#[test]
fn a_tar_header_with_a_bad_checksum_is_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in [ArchiveFormat::AuradsTar, ArchiveFormat::BackupTarV1, ArchiveFormat::BackupTarV2] {
        let path = dir.path().join(format!("x{}", format.extensions()[0]));
        testgen::write_backup(&path, &small(format)).expect("write");
        testgen::corrupt_first_tar_header(&path).expect("corrupt");
        let found = run_default(&path);
        assert_eq!(found.format, format);
        assert_problem(&found, ProblemCode::Damaged, "a header in the tar archive is corrupt");
    }
}

#[test]
fn a_cut_off_tar_ends_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in [ArchiveFormat::AuradsTar, ArchiveFormat::BackupTarV2] {
        let path = dir.path().join(format!("x{}", format.extensions()[0]));
        let spec = TestArchive { incompressible: true, ..small(format) };
        let written = testgen::write_backup(&path, &spec).expect("write");
        // Inside the data, well before the end-of-archive marker, and exactly at a header boundary (the
        // first entry is a 512-byte header plus one record of data). Only the zero padding after the end
        // marker may go missing without harm.
        for len in [written.file_size / 2, written.file_size - 20_480, 1024] {
            testgen::write_backup(&path, &spec).expect("rewrite");
            testgen::truncate(&path, len).expect("truncate");
            assert_problem(&run_default(&path), ProblemCode::Truncated, "This file ends early");
        }
    }
}

#[test]
fn a_tar_without_a_dump_inside_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("photos.tar");
    testgen::write_tar_without_dump(&path).expect("write");
    assert_problem(&run_default(&path), ProblemCode::NoDumpInside, "no Neo4j dump (.dump file) inside");
}

#[test]
fn a_differential_backup_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("diff.backup");
    let spec = TestArchive { full_backup: false, ..TestArchive::new(TestVersion::Neo4j5) };
    testgen::write_backup(&path, &spec).expect("write");
    assert_problem(&run_default(&path), ProblemCode::DifferentialBackup, "Choose a full backup");
}

#[test]
fn compatibility_follows_the_instance_version_and_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = |v: &str, ds: bool| InspectOptions {
        target_version: Some(v.into()),
        target_is_ds: Some(ds),
        ..Default::default()
    };
    let v5 = dir.path().join("v5.backup");
    testgen::write_backup(&v5, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
    let v4 = dir.path().join("v4.dump");
    testgen::write_backup(&v4, &TestArchive::new(TestVersion::Neo4j4Dump)).expect("write");
    let ds = dir.path().join("ds.tar");
    testgen::write_backup(&ds, &TestArchive::new(TestVersion::AuraDs)).expect("write");

    // 5.x files only to version-5 instances.
    assert_eq!(run(&v5, &opts("5", false)).ok(CheckId::Compatible), Some(true));
    assert_eq!(run(&v5, &opts("2025.01", false)).ok(CheckId::Compatible), Some(true));
    let found = run(&v5, &opts("4", false));
    assert_problem(&found, ProblemCode::Incompatible, "can only be restored to a Neo4j 5");
    // 4.x dumps to 4 or 5.
    assert_eq!(run(&v4, &opts("4", false)).ok(CheckId::Compatible), Some(true));
    let found = run(&v4, &opts("5", false));
    assert_eq!(found.ok(CheckId::Compatible), Some(true), "{found:#?}");
    assert!(found.can_upload);
    // .tar only to DS instances.
    let found = run(&ds, &opts("5", false));
    assert_problem(&found, ProblemCode::Incompatible, "can only be restored to an AuraDS instance");
    assert_eq!(run(&ds, &opts("5", true)).ok(CheckId::Compatible), Some(true));
    let unknown_kind = InspectOptions { target_version: Some("5".into()), ..Default::default() };
    assert_eq!(run(&ds, &unknown_kind).ok(CheckId::Compatible), None);
    // Not knowing the target never blocks.
    assert!(run_default(&ds).can_upload);
}

#[test]
fn the_size_check_compares_full_size_with_storage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.backup");
    let spec = TestArchive { approx_size: 300 << 20, ..TestArchive::new(TestVersion::Neo4j5) };
    let written = testgen::write_backup(&path, &spec).expect("write");
    assert!(written.file_size < 10 << 20, "compressible filler keeps the file small");
    let with = |bytes| InspectOptions { target_storage_bytes: Some(bytes), ..Default::default() };
    let found = run(&path, &with(1 << 30));
    assert_eq!(found.full_size, Some(300 << 20));
    assert_eq!(found.ok(CheckId::Fits), Some(true));
    let found = run(&path, &with(100 << 20));
    assert_problem(&found, ProblemCode::TooBig, "needs about 300 MiB, but the instance has only 100 MiB");
}

#[test]
fn random_bytes_named_backup_are_not_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("random.backup");
    testgen::write_random(&path, 100_000, 7).expect("write");
    let found = run_default(&path);
    assert_eq!(found.format, ArchiveFormat::Unknown);
    assert_problem(&found, ProblemCode::NotABackup, "This is not a Neo4j backup or dump");
    assert_problem(&found, ProblemCode::NotABackup, "even though its name ends in \u{201c}.backup\u{201d}");
}

#[test]
fn other_kinds_of_file_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8], &str); 4] = [
        ("backup.zip", b"PK\x03\x04\x14\x00\x00\x00rest of a zip", "(it looks like a ZIP archive)"),
        ("export.cypher", b"CREATE (n:Person {name: 'Ann'});\n", "a text file, perhaps a Cypher script"),
        ("part.dump", b"XMV1\x00\x00\x00\x02rest", "one part of a split Neo4j archive"),
        ("some.zst", &[0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x05, 0x29, 0x00, 0x00, b'h', b'e', b'l', b'l', b'o'], "zstd"),
    ];
    for (name, bytes, words) in cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write");
        let found = run_default(&path);
        assert!(!found.can_upload);
        assert!(found.problems.iter().any(|p| p.message.contains(words)), "{name}: {found:#?}");
    }
    // A real zstd file of something else is "not a backup", not "damaged".
    let zst = dir.path().join("notes.zst");
    fs::write(&zst, zstd::encode_all(&b"just some notes, compressed"[..], 3).expect("zstd")).expect("write");
    assert_problem(&run_default(&zst), ProblemCode::NotABackup, "zstd-compressed, but doesn't hold a Neo4j dump");
    // …and a gzip file of something else likewise.
    let gz = dir.path().join("notes.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, b"just some notes, gzipped").expect("gzip");
    fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    assert_problem(&run_default(&gz), ProblemCode::NotABackup, "gzip-compressed");
}

#[test]
fn a_folder_must_hold_exactly_one_archive() {
    let dir = tempfile::tempdir().expect("tempdir");
    // None: an empty folder, then one with unrelated files.
    match run_err(dir.path()) {
        e @ InspectError::NoArchiveInFolder { other_files: 0, .. } => {
            assert_eq!(e.code(), "no-archive-in-folder");
            assert!(e.to_string().contains("This folder has no Neo4j backup or dump in it"), "{e}");
        }
        e => panic!("{e:?}"),
    }
    fs::write(dir.path().join("notes.txt"), b"hello").expect("write");
    fs::write(dir.path().join(".DS_Store"), b"junk").expect("write");
    assert!(matches!(run_err(dir.path()), InspectError::NoArchiveInFolder { other_files: 1, .. }));

    // One (found by content, whatever its name), which is then inspected.
    let only = dir.path().join("export-2024");
    testgen::write_backup(&only, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
    let guard = Untouched::note(&only);
    let found = inspect(dir.path(), &InspectOptions::default()).expect("inspect folder");
    guard.check();
    assert_eq!(found.path, only);
    assert!(found.can_upload);
    assert!(found.notes.iter().any(|n| n.contains("in the folder you chose")), "{:?}", found.notes);

    // Two.
    fs::write(dir.path().join("other.dump"), b"").expect("write");
    match run_err(dir.path()) {
        e @ InspectError::SeveralArchivesInFolder { .. } => {
            assert_eq!(e.code(), "several-archives-in-folder");
            let text = e.to_string();
            assert!(
                text.contains("holds 2 backup files") && text.contains("export-2024") && text.contains("other.dump"),
                "{text}"
            );
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_missing_file_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = run_err(&dir.path().join("nope.backup"));
    assert_eq!(e.code(), "not-found");
    assert!(e.to_string().contains("can't find"), "{e}");
}

#[test]
fn crc_of_every_inspection_case_is_unaffected() {
    // The checksum helper reads the same files; it must not change them either.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.backup");
    testgen::write_backup(&path, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
    let guard = Untouched::note(&path);
    lifeboat_archive::crc32_file(&path, |_| {}).expect("crc");
    guard.check();
}

#[test]
fn a_multi_frame_archive_is_walked_to_its_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("frames.dump");
    // More than two 32 MiB frames of input; compressible, so the file stays small.
    let spec = TestArchive { approx_size: 80 << 20, ..small(ArchiveFormat::DumpZstd) };
    let written = testgen::write_backup(&path, &spec).expect("write");
    let options = InspectOptions { content_check: ContentCheck::Always, ..Default::default() };
    let found = run(&path, &options);
    assert!(found.can_upload, "{found:#?}");
    assert_eq!(found.store_bytes, Some(written.full_size));
    testgen::truncate(&path, written.file_size * 2 / 3).expect("truncate");
    assert_problem(&run_default(&path), ProblemCode::Truncated, "This file ends early");
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::ffi::{CString, OsStr};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_symlink_loop_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.backup");
        let b = dir.path().join("b.backup");
        std::os::unix::fs::symlink(&b, &a).expect("link a");
        std::os::unix::fs::symlink(&a, &b).expect("link b");
        let e = run_err(&a);
        assert_eq!(e.code(), "symlink-loop", "{e:?}");
        assert!(e.to_string().contains("symlink loop"), "{e}");
    }

    #[test]
    fn a_dangling_symlink_is_not_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("gone.backup");
        std::os::unix::fs::symlink(dir.path().join("missing"), &link).expect("link");
        assert_eq!(run_err(&link).code(), "not-found");
    }

    #[test]
    fn an_unreadable_file_says_check_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("locked.backup");
        testgen::write_backup(&path, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
        let modified = fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let result = inspect(&path, &InspectOptions::default());
        if root {
            // Root reads mode-000 files; the inspection simply works.
            assert!(result.expect("root can read").can_upload);
        } else {
            let e = result.expect_err("unreadable");
            assert_eq!(e.code(), "not-readable");
            assert!(e.to_string().contains("Lifeboat can't read this file. Check its permissions."), "{e}");
            let e = lifeboat_archive::crc32_file(&path, |_| {}).expect_err("unreadable");
            assert_eq!(e.code(), "not-readable");
        }
        assert_eq!(fs::metadata(&path).and_then(|m| m.modified()).expect("mtime"), modified);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod back");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pipe.backup");
        let c = CString::new(path.as_os_str().as_bytes()).expect("c path");
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let r = inspect(&p, &InspectOptions::default()).map(|_| ());
            let c = lifeboat_archive::crc32_file(&p, |_| {}).map(|_| ());
            let _ = tx.send((r, c));
        });
        let outcome = rx.recv_timeout(Duration::from_secs(20));
        if outcome.is_err() {
            // Unblock the stuck reader before failing, so the test binary can exit.
            let _ = fs::OpenOptions::new().write(true).open(&path);
        }
        let (r, c) = outcome.expect("inspecting a FIFO must not block");
        let e = r.expect_err("a FIFO is no backup");
        assert_eq!(e.code(), "not-regular-file");
        assert!(e.to_string().contains("This is not a regular file (it is a named pipe (FIFO))"), "{e}");
        assert_eq!(c.expect_err("no checksum of a FIFO").code(), "not-regular-file");

        // A FIFO in a folder is skipped, not opened.
        let e = run_err(dir.path());
        assert_eq!(e.code(), "no-archive-in-folder");
    }

    #[test]
    fn a_path_with_spaces_and_non_utf8_bytes_works() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = OsStr::from_bytes(b"my backup \xff\xfe from Monday.backup");
        let path = dir.path().join(name);
        testgen::write_backup(&path, &TestArchive::new(TestVersion::Neo4j5)).expect("write");
        let found = run_default(&path);
        assert!(found.can_upload, "{found:#?}");
        assert_eq!(found.path, path, "the real path is kept for opening the file again");
        assert!(found.file_name.starts_with("my backup "), "{}", found.file_name);
        let json = serde_json::to_value(&found).expect("non-UTF-8 paths serialise lossily");
        assert!(json["path"].as_str().is_some_and(|p| p.contains('\u{FFFD}')), "{json}");
        let crc = lifeboat_archive::crc32_file(&path, |_| {}).expect("crc");
        assert_eq!(crc, crc32fast::hash(&fs::read(&path).expect("read")));
    }

    #[test]
    fn a_device_is_not_a_regular_file() {
        let e = run_err(Path::new("/dev/null"));
        assert_eq!(e.code(), "not-regular-file");
    }
}

/// Multi-GiB archives are cheap to generate and to inspect. Ignored by default (about a minute in a debug
/// build); run with `cargo test --release -- --ignored`.
#[test]
#[ignore = "slow in debug builds"]
fn a_multi_gib_archive_is_cheap_to_generate_and_inspect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("large.backup");
    // A 9 GiB store: byte counts past 32 bits, and more files than one tar entry may hold.
    let spec = TestArchive { approx_size: 9 << 30, ..TestArchive::new(TestVersion::Neo4j5) };
    let written = testgen::write_backup(&path, &spec).expect("write");
    assert!(written.file_size < 64 << 20, "compressible filler: {} bytes", written.file_size);
    let options = InspectOptions { target_storage_bytes: Some(8 << 30), ..Default::default() };
    let found = run(&path, &options);
    assert_eq!(found.full_size, Some(9 << 30));
    assert_eq!(found.ok(CheckId::Complete), Some(true), "{found:#?}");
    assert_problem(&found, ProblemCode::TooBig, "needs about 9.0 GiB, but the instance has only 8.0 GiB");
    let always = InspectOptions { content_check: ContentCheck::Always, ..Default::default() };
    let found = run(&path, &always);
    assert_eq!(found.store_bytes, Some(9 << 30));
    assert!(found.can_upload, "{found:#?}");
}
