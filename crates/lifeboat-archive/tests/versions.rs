//! Dumps named by the Neo4j version their store records, and refused where Aura can't load them: generated
//! stores of every version, a store whose version can't be read, a Git LFS pointer in place of a dump, and —
//! when `LIFEBOAT_REAL_DUMPS` names a folder holding them — the public example dumps of neo4j-graph-examples.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use lifeboat_archive::testgen::{self, TestArchive, TestStore, TestVersion};
use lifeboat_archive::{
    inspect, read_store, ArchiveFormat, CheckId, ContentCheck, InspectOptions, Inspection, ProblemCode, StoreCounts,
};

fn for_version(version: &str) -> InspectOptions {
    InspectOptions { target_version: Some(version.into()), target_is_ds: Some(false), ..Default::default() }
}

fn run(path: &Path, options: &InspectOptions) -> Inspection {
    inspect(path, options).unwrap_or_else(|e| panic!("inspect {}: {e}", path.display()))
}

fn compatible_message(found: &Inspection) -> &str {
    found.check(CheckId::Compatible).map(|c| c.message.as_str()).unwrap_or_default()
}

/// What an Aura instance of each version makes of a dump of each store version.
#[test]
fn every_store_version_is_named_and_refused_where_aura_cannot_load_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for store in TestStore::MARKED {
        let spec = TestArchive { nodes: 171, relationships: 253, ..TestArchive::dump(store) };
        let path = dir.path().join(format!("{store:?}.dump"));
        testgen::write_backup(&path, &spec).expect("write");
        let name = store.version_name().expect("marked");
        let ctx = |found: &Inspection| format!("{store:?}: {found:#?}");

        let found = run(&path, &InspectOptions::default());
        assert_eq!(found.neo4j_version.as_deref(), Some(name), "{}", ctx(&found));
        let label = if store == TestStore::Neo4j5 {
            "Neo4j 5 dump, compressed".to_string()
        } else {
            format!("Neo4j {name} dump")
        };
        assert_eq!(found.format_label, label, "{}", ctx(&found));
        // Without a target only a 3.x dump is refused (no Aura instance loads one); 4.0–4.3 ones are told
        // which instances take them.
        assert_eq!(found.can_upload, store != TestStore::Neo4j3_5, "{}", ctx(&found));
        if matches!(store, TestStore::Neo4j4_0 | TestStore::Neo4j4_1 | TestStore::Neo4j4_2 | TestStore::Neo4j4_3) {
            assert!(compatible_message(&found).contains("only be restored to an instance running Neo4j 4"));
        }

        // Aura 5: 4.4 and 5 load; 3.5 needs migrating through 4.4; 4.0–4.3 need a new dump from 4.4.
        let five = run(&path, &for_version("5"));
        match store {
            TestStore::Neo4j4_4 | TestStore::Neo4j5 => {
                assert_eq!(five.ok(CheckId::Compatible), Some(true), "{}", ctx(&five));
                assert!(five.can_upload, "{}", ctx(&five));
            }
            TestStore::Neo4j3_5 => {
                assert!(!five.can_upload, "{}", ctx(&five));
                assert!(five.has_problem(ProblemCode::Incompatible), "{}", ctx(&five));
                let m = compatible_message(&five);
                assert!(m.contains("Neo4j 3.5 dump") && m.contains("load it into Neo4j 4.4"), "{m}");
            }
            _ => {
                assert!(!five.can_upload, "{}", ctx(&five));
                let m = compatible_message(&five);
                assert!(m.contains(&format!("Neo4j {name} dump")), "{m}");
                assert!(m.contains("Load it into Neo4j 4.4, dump it again"), "{m}");
            }
        }
        // Aura 4 (Neo4j 4.4): every 4.x dump, never 3.x, never 5.
        let four = run(&path, &for_version("4"));
        let expected = matches!(
            store,
            TestStore::Neo4j4_0 | TestStore::Neo4j4_1 | TestStore::Neo4j4_2 | TestStore::Neo4j4_3 | TestStore::Neo4j4_4
        );
        assert_eq!(four.can_upload, expected, "{}", ctx(&four));
        if store == TestStore::Neo4j3_5 {
            assert!(compatible_message(&four).contains("no Aura instance can load a dump from Neo4j 3.x"));
        }
    }
}

#[test]
fn the_store_format_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (store, format) in [
        (TestStore::Neo4j3_5, "v0.A.9"),
        (TestStore::Neo4j4_0, "SF4.0.0"),
        (TestStore::Neo4j4_2, "AF4.1.a"),
        (TestStore::Neo4j4_4, "AF4.3.0"),
        (TestStore::Neo4j5, "record-aligned-1.1"),
    ] {
        let path = dir.path().join("x.dump");
        testgen::write_backup(&path, &TestArchive::dump(store)).expect("write");
        assert_eq!(run(&path, &InspectOptions::default()).store_format.as_deref(), Some(format), "{store:?}");
    }
}

/// A bare zstd dump whose store doesn't say its version is named as such, and not refused on a guess.
#[test]
fn an_unreadable_version_is_said_not_guessed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mystery.dump");
    testgen::write_backup(&path, &TestArchive::dump(TestStore::Unmarked)).expect("write");
    let found = run(&path, &for_version("5"));
    assert_eq!(found.format_label, "Neo4j 3.x or 4.x dump");
    assert_eq!(found.neo4j_version, None);
    assert_eq!(found.ok(CheckId::Compatible), None, "{found:#?}");
    assert!(compatible_message(&found).contains("couldn't tell which Neo4j version"), "{found:#?}");
    assert!(found.can_upload, "not knowing never blocks: {found:#?}");
    assert!(found.notes.iter().any(|n| n.contains("couldn't tell which Neo4j version made this dump")), "{found:#?}");
}

/// Big dumps aren't decompressed in full, but the store's version is still read (it is near the start).
#[test]
fn the_version_is_read_without_a_full_content_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.dump");
    let spec = TestArchive { approx_size: 64 << 20, ..TestArchive::dump(TestStore::Neo4j4_3) };
    testgen::write_backup(&path, &spec).expect("write");
    let options = InspectOptions { content_check: ContentCheck::Never, ..for_version("5") };
    let found = run(&path, &options);
    assert_eq!(found.neo4j_version.as_deref(), Some("4.3"), "{found:#?}");
    assert!(found.has_problem(ProblemCode::Incompatible), "{found:#?}");
    // Cut off, it is still named — and refused for being cut off.
    testgen::cut_off(&path, 1000).expect("cut");
    let found = run(&path, &options);
    assert_eq!(found.neo4j_version.as_deref(), Some("4.3"), "{found:#?}");
    assert!(found.has_problem(ProblemCode::Truncated), "{found:#?}");
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The pointer file ICIJ/offshoreleaks-data-packages keeps in place of its 4.4 dump (see tests/fixtures/README.md).
#[test]
fn a_git_lfs_pointer_is_named_as_one() {
    let found = run(&fixture("icij-offshoreleaks-44.dump"), &for_version("5"));
    assert!(!found.can_upload);
    assert_eq!(found.problems.len(), 1, "{found:#?}");
    let problem = &found.problems[0];
    assert_eq!(problem.code, ProblemCode::LfsPointer);
    assert_eq!(serde_json::to_value(problem.code).expect("json"), "lfs-pointer");
    for words in ["Git LFS pointer", "a file of 452 MiB", "git lfs pull", "choose it again"] {
        assert!(problem.message.contains(words), "{:?} lacks {words:?}", problem.message);
    }
    // Whatever the file is called.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("neo4j.backup");
    fs::copy(fixture("icij-offshoreleaks-44.dump"), &copy).expect("copy");
    assert!(run(&copy, &InspectOptions::default()).has_problem(ProblemCode::LfsPointer));
}

/// The emulator's reading: every format, counted from the node and relationship stores (no marker needed).
#[test]
fn read_store_counts_the_records_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ArchiveFormat::ALL {
        let spec = TestArchive {
            nodes: 1234,
            relationships: 5678,
            counts_marker: false,
            format: Some(format),
            ..TestArchive::new(TestVersion::Neo4j5)
        };
        let path = dir.path().join(format!("x{}", format.extensions()[0]));
        testgen::write_backup(&path, &spec).expect("write");
        let report = read_store(File::open(&path).expect("open"), true).expect("read").expect("an archive");
        if format == ArchiveFormat::DumpLegacyGzip {
            // Generated gzip dumps carry no version markers (3.0–3.3 stores aren't modelled).
            assert_eq!(report.counts, None, "{format:?}");
            continue;
        }
        assert_eq!(report.counts, Some(StoreCounts { nodes: 1234, relationships: 5678 }), "{format:?}");
        assert_eq!(report.releases.map(|r| r.name()).as_deref(), spec.store().version_name(), "{format:?}");
    }
    for store in TestStore::MARKED {
        let spec = TestArchive { nodes: 700, relationships: 1100, counts_marker: false, ..TestArchive::dump(store) };
        let path = dir.path().join("x.dump");
        testgen::write_backup(&path, &spec).expect("write");
        let report = read_store(File::open(&path).expect("open"), true).expect("read").expect("an archive");
        assert_eq!(report.counts, Some(StoreCounts { nodes: 700, relationships: 1100 }), "{store:?}");
        assert_eq!(report.releases.map(|r| r.name()).as_deref(), store.version_name(), "{store:?}");
    }
    // Record stores too big for the size asked for are left out: the counts are then not known.
    let spec = TestArchive {
        nodes: 10_000_000,
        relationships: 1,
        approx_size: 1 << 20,
        counts_marker: false,
        ..TestArchive::dump(TestStore::Neo4j4_4)
    };
    let path = dir.path().join("huge.dump");
    testgen::write_backup(&path, &spec).expect("write");
    let report = read_store(File::open(&path).expect("open"), true).expect("read").expect("an archive");
    assert_eq!(report.counts, None);
    assert_eq!(report.releases.map(|r| r.name()).as_deref(), Some("4.4"));
    // Not an archive at all.
    assert_eq!(read_store(&b"hello, this is text"[..], true).expect("read"), None);
}

/// Real dumps from the wild: the public example dumps of github.com/neo4j-graph-examples (no licence is stated
/// there, so they are not committed here). Put them in a folder (`git clone` the repositories; each keeps them
/// in `data/`) and run `LIFEBOAT_REAL_DUMPS=<folder> cargo test -p lifeboat-archive --test versions -- --ignored`.
/// The expectations are what the stores inside say (see docs/dump-format.md): the files named `-40` hold
/// stores written by Neo4j 4.2, and `movies-41` a standard store that 4.0 and 4.1 write alike.
#[test]
#[ignore = "needs LIFEBOAT_REAL_DUMPS: a folder with the neo4j-graph-examples dumps"]
fn real_dumps_from_the_wild() {
    let dir = std::env::var_os("LIFEBOAT_REAL_DUMPS").expect("LIFEBOAT_REAL_DUMPS names the folder of real dumps");
    let dir = PathBuf::from(dir);
    let expected = [
        ("movies-35.dump", "3.5", "v0.A.9", false),
        ("movies-40.dump", "4.2", "AF4.1.a", false),
        ("movies-41.dump", "4.0 or 4.1", "SF4.0.0", false),
        ("movies-43.dump", "4.3", "AF4.3.0", false),
        ("movies-50.dump", "5", "record-aligned-1.1", true),
        ("northwind-35.dump", "3.5", "v0.A.9", false),
        ("northwind-40.dump", "4.2", "SF4.0.0", false),
        ("northwind-43.dump", "4.3", "SF4.3.0", false),
        ("northwind-50.dump", "5", "record-standard-1.1", true),
        ("wwc2019-35.dump", "3.5", "v0.A.9", false),
        ("wwc2019-40.dump", "4.2", "AF4.1.a", false),
        ("wwc2019-43.dump", "4.3", "AF4.3.0", false),
        ("wwc2019-50.dump", "5", "record-aligned-1.1", true),
    ];
    let mut seen = 0;
    for (name, version, format, loads_on_5) in expected {
        let path = dir.join(name);
        if !path.exists() {
            eprintln!("{name}: not in {}, skipped", dir.display());
            continue;
        }
        seen += 1;
        let found = run(&path, &for_version("5"));
        let ctx = format!("{name}: {found:#?}");
        assert_eq!(found.neo4j_version.as_deref(), Some(version), "{ctx}");
        assert_eq!(found.store_format.as_deref(), Some(format), "{ctx}");
        assert_eq!(found.can_upload, loads_on_5, "{ctx}");
        assert_eq!(found.ok(CheckId::Complete), Some(true), "{ctx}");
        if !loads_on_5 {
            assert!(found.has_problem(ProblemCode::Incompatible), "{ctx}");
            assert!(compatible_message(&found).contains("Neo4j 4.4"), "the next step: {ctx}");
        }
        let report = read_store(File::open(&path).expect("open"), true).expect("read").expect("an archive");
        let counts = report.counts.unwrap_or_else(|| panic!("{name}: no counts"));
        if name.starts_with("movies") {
            // The Movies graph: 171 nodes, 253 relationships.
            assert_eq!(counts, StoreCounts { nodes: 171, relationships: 253 }, "{name}");
        }
        eprintln!("{name}: Neo4j {version}, {} nodes, {} relationships", counts.nodes, counts.relationships);
    }
    assert!(seen > 0, "none of the expected dumps is in {}", dir.display());
}
