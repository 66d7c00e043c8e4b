//! The corpus's cases: which files and folders are generated, how each is broken, how it runs and what it must
//! show. Building the table writes the files into the run's folder; [`super`] runs them.

use super::*;

pub(super) fn small(format: ArchiveFormat) -> TestArchive {
    TestArchive {
        nodes: 12,
        relationships: 34,
        approx_size: 300 * 1024,
        format: Some(format),
        incompressible: true,
        ..TestArchive::default()
    }
}

pub(super) fn write(path: &Path, spec: &TestArchive) -> PathBuf {
    if let Err(e) = testgen::write_backup(path, spec) {
        panic!("cannot generate {}: {e}", path.display());
    }
    path.to_path_buf()
}

pub(super) fn raw(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path.to_path_buf()
}

pub(super) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The command prefix that runs something as `nobody`, if this machine has one.
pub(super) fn as_nobody() -> Option<Vec<String>> {
    let found = |p: &str| Path::new(p).exists().then(|| p.to_string());
    if let Some(setpriv) = found("/usr/bin/setpriv").or_else(|| found("/bin/setpriv")) {
        return Some(vec![
            setpriv,
            "--reuid=65534".into(),
            "--regid=65534".into(),
            "--clear-groups".into(),
            "--".into(),
        ]);
    }
    let runuser = found("/usr/sbin/runuser").or_else(|| found("/sbin/runuser"))?;
    Some(vec![runuser, "-u".into(), "nobody".into(), "--".into()])
}

/// Builds every case in `dir`.
pub(super) fn build(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &str, path: PathBuf, via: Via, expect: Expect, short: bool| {
        cases.push(Case { name: name.to_string(), path, via, expect, short, skip: None });
    };
    use Expect::{Accepted, AcceptedOrGap, Refused, RefusedOrGap};
    use Via::Inspect;
    let d = |name: &str| dir.join(name);

    // Nothing, or almost nothing.
    add("empty file, no extension", raw(&d("empty"), b""), Inspect, Refused(&["file is empty"]), true);
    add("0-length .backup", raw(&d("empty.backup"), b""), Inspect, Refused(&["file is empty"]), true);
    add("0-length .dump", raw(&d("empty.dump"), b""), Inspect, Refused(&["file is empty"]), true);
    add("0-length .tar", raw(&d("empty.tar"), b""), Inspect, Refused(&["file is empty"]), true);
    add("1 byte", raw(&d("one.dump"), b"D"), Inspect, Refused(&["only 1 byte long"]), true);
    add("3 bytes of a magic", raw(&d("three.backup"), b"BZV"), Inspect, Refused(&["only 3 bytes long"]), true);

    // Each magic with nothing after it.
    let magics: [(&str, &[u8]); 9] = [
        ("DZV1", b"DZV1"),
        ("DGV1", b"DGV1"),
        ("zstd frame magic", &[0x28, 0xB5, 0x2F, 0xFD]),
        ("gzip magic", &[0x1F, 0x8B]),
        ("BZV1", b"BZV1"),
        ("BZV2", b"BZV2"),
        ("BZV3", b"BZV3"),
        ("BTV1", b"BTV1"),
        ("BTV2", b"BTV2"),
    ];
    for (label, magic) in magics {
        let file = d(&format!("magic-{}.backup", label.replace(' ', "-")));
        add(&format!("{label} and nothing after it"), raw(&file, magic), Inspect, Refused(&["ends early"]), true);
    }

    // Cut off.
    let p = write(&d("cut-half.backup"), &small(ArchiveFormat::BackupZstdV3));
    let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    let _ = testgen::truncate(&p, len / 2);
    add("zstd backup cut in the middle of a frame", p, Inspect, Refused(&["ends early", "copy it again"]), true);
    let p = write(&d("cut-last-byte.dump"), &small(ArchiveFormat::DumpLegacyZstd));
    let _ = testgen::cut_off(&p, 1);
    add("4.4 dump missing its last byte", p, Inspect, Refused(&["ends early"]), true);
    let p = write(&d("cut-after-header.backup"), &small(ArchiveFormat::BackupZstdV1));
    let _ = testgen::truncate(&p, 60);
    add("BZV1 backup cut after 60 bytes", p, Inspect, Refused(&["ends early"]), true);
    let p = write(&d("cut.dump"), &small(ArchiveFormat::DumpGzip));
    let _ = testgen::cut_off(&p, 1000);
    add("gzip (DGV1) dump cut short", p, Inspect, Refused(&["ends early"]), true);
    let p = write(&d("cut-3x.dump"), &small(ArchiveFormat::DumpLegacyGzip));
    let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    let _ = testgen::truncate(&p, len * 2 / 3);
    add("3.x gzip dump cut short", p, Inspect, Refused(&["ends early"]), true);
    let p = write(&d("cut-ds.tar.gz"), &small(ArchiveFormat::AuradsTarGzip));
    let _ = testgen::cut_off(&p, 7);
    add("gzipped AuraDS .tar.gz cut short", p, Inspect, Refused(&["ends early"]), true);
    let p = write(&d("cut-plain.backup"), &small(ArchiveFormat::BackupTarV2));
    let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    let _ = testgen::truncate(&p, len * 3 / 5);
    add("uncompressed (BTV2) backup cut inside its data", p, Inspect, Refused(&["ends early"]), true);
    // Only end-of-archive zeros missing: every entry is whole, and tar readers (commons-compress too) accept a
    // lone zero record, so this one is fine.
    let p = write(&d("cut-padding.backup"), &small(ArchiveFormat::BackupTarV2));
    let _ = testgen::cut_off(&p, 700);
    add("uncompressed backup missing only end padding", p, Inspect, Accepted(&["Neo4j 5 backup"]), true);

    // Damaged inside.
    let p = write(&d("bad-checksum.backup"), &small(ArchiveFormat::BackupZstdV3));
    let _ = testgen::corrupt_zstd_checksum(&p);
    add("corrupted zstd frame checksum (backup)", p, Inspect, Refused(&["damaged", "checksum"]), true);
    let p = write(&d("bad-checksum.dump"), &small(ArchiveFormat::DumpZstd));
    let _ = testgen::corrupt_zstd_checksum(&p);
    add("corrupted zstd frame checksum (dump)", p, Inspect, Refused(&["damaged", "checksum"]), true);
    let p = d("bad-tar-inside.dump");
    let _ = testgen::write_zstd_with_bad_tar(&p);
    add("valid zstd with a bad tar inside", p, Inspect, Refused(&["damaged"]), true);
    let p = write(&d("bad-header.backup"), &small(ArchiveFormat::BackupTarV1));
    let _ = testgen::corrupt_first_tar_header(&p);
    add("tar (BTV1) with a bad header checksum", p, Inspect, Refused(&["damaged"]), true);
    let p = write(&d("bad-header-ds.tar"), &small(ArchiveFormat::AuradsTar));
    let _ = testgen::corrupt_first_tar_header(&p);
    add("AuraDS .tar with a bad header checksum", p, Inspect, Refused(&["damaged"]), true);
    let p = write(&d("flipped-middle.backup"), &small(ArchiveFormat::BackupZstdV3));
    let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    let _ = testgen::flip_byte(&p, len / 2);
    add("one flipped byte inside a compressed block", p, Inspect, Refused(&["damaged"]), true);
    let p = d("no-dump-inside.tar");
    let _ = testgen::write_tar_without_dump(&p);
    add(".tar without a dump inside", p, Inspect, Refused(&["no Neo4j dump"]), true);
    let p = write(&d("differential.backup"), &TestArchive { full_backup: false, ..small(ArchiveFormat::BackupZstdV3) });
    add("differential backup", p, Inspect, Refused(&["full backup"]), true);
    add(
        "one part of a split archive",
        raw(&d("split.backup"), b"xMV1 part one of a split archive"),
        Inspect,
        Refused(&["split"]),
        true,
    );

    // Not a backup at all.
    let p = d("random.backup");
    let _ = testgen::write_random(&p, 1 << 20, 99);
    add("valid .backup extension, random bytes", p, Inspect, Refused(&["not a Neo4j backup", ".backup"]), true);
    let p = d("random.dump");
    let _ = testgen::write_random(&p, 4096, 98);
    add("valid .dump extension, random bytes", p, Inspect, Refused(&["not a Neo4j backup", ".dump"]), true);
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0u8; 200]);
    add("a ZIP named .backup", raw(&d("zipped.backup"), &zip), Inspect, Refused(&["ZIP", "unpack it first"]), true);
    add(
        "a Git LFS pointer named .dump (a clone without Git LFS)",
        raw(
            &d("from-a-clone.dump"),
            b"version https://git-lfs.github.com/spec/v1\noid sha256:9ae32bfe5b3d34fb8b6c56574d63dfe1e495dfc5de5d4852c1d035fd4663f36a\nsize 474104753\n",
        ),
        Inspect,
        Refused(&["Git LFS pointer", "git lfs pull"]),
        true,
    );
    add(
        "a text file",
        raw(&d("notes.txt"), b"Remember to take a backup.\n"),
        Inspect,
        Refused(&["not a Neo4j backup"]),
        true,
    );

    // Fine files under odd names: accepted, the format from the magic bytes.
    let p = write(&d("actually-a-dump.backup"), &small(ArchiveFormat::DumpLegacyZstd));
    add("4.4 dump named .backup (wrong extension)", p, Inspect, Accepted(&["Neo4j 4.4 dump"]), true);
    let p = write(&d("actually-a-backup.dump"), &small(ArchiveFormat::BackupZstdV3));
    add("5 backup named .dump (wrong extension)", p, Inspect, Accepted(&["Neo4j 5 backup"]), true);
    let p = write(&d("no-extension"), &small(ArchiveFormat::AuradsTar));
    add("AuraDS archive without an extension", p, Inspect, Accepted(&["AuraDS archive"]), true);
    let p = write(&d("my backup (copy 2).backup"), &small(ArchiveFormat::BackupZstdV3));
    add("path with spaces and brackets", p, Inspect, Accepted(&["Neo4j 5 backup"]), true);
    let name = OsString::from_vec(b"caf\xe9 na\xefve \xff.backup".to_vec());
    let p = write(&dir.join(&name), &small(ArchiveFormat::BackupZstdV3));
    add("path with spaces and non-UTF-8 bytes", p, Inspect, Accepted(&["Neo4j 5 backup"]), true);
    let name = OsString::from_vec(b"broken \xe9\xff.backup".to_vec());
    let p = write(&dir.join(&name), &small(ArchiveFormat::BackupZstdV3));
    let _ = testgen::cut_off(&p, 10);
    add("non-UTF-8 path, file cut off", p, Inspect, Refused(&["ends early"]), true);

    // For a target instance: what the app checks before a restore.
    let target = |v: &str, ds: bool| InspectOptions {
        target_version: Some(v.into()),
        target_is_ds: Some(ds),
        ..InspectOptions::default()
    };
    let v4 = write(&d("for-v5.dump"), &TestArchive::new(TestVersion::Neo4j4Dump));
    add(
        "4.4 dump for a 5 instance",
        v4,
        Via::AppCheck(target("5", false), "instance 5"),
        Accepted(&["can be restored"]),
        true,
    );
    let v43 = write(&d("v43-for-v5.dump"), &TestArchive::dump(testgen::TestStore::Neo4j4_3));
    add(
        "4.3 dump for a 5 instance",
        v43,
        Via::AppCheck(target("5", false), "instance 5"),
        Refused(&["Neo4j 4.3 dump", "Load it into Neo4j 4.4, dump it again"]),
        true,
    );
    let v35 = write(&d("v35-for-v4.dump"), &TestArchive::dump(testgen::TestStore::Neo4j3_5));
    add(
        "3.5 dump for a 4 instance",
        v35,
        Via::AppCheck(target("4", false), "instance 4"),
        Refused(&["Neo4j 3.5 dump", "load it into Neo4j 4.4"]),
        true,
    );
    let v5 = write(&d("for-v4.backup"), &TestArchive::new(TestVersion::Neo4j5));
    add(
        "5.x backup for a 4 instance",
        v5,
        Via::AppCheck(target("4", false), "instance 4"),
        Refused(&["can only be restored to a Neo4j 5"]),
        true,
    );
    let ds = write(&d("for-db.tar"), &TestArchive::new(TestVersion::AuraDs));
    add(
        ".tar for a DB (not DS) instance",
        ds,
        Via::AppCheck(target("5", false), "DB instance 5"),
        Refused(&["can only be restored to an AuraDS instance"]),
        true,
    );
    let big =
        write(&d("too-big.backup"), &TestArchive { approx_size: 300 << 20, ..TestArchive::new(TestVersion::Neo4j5) });
    add(
        "store bigger than the instance",
        big,
        Via::AppCheck(
            InspectOptions { target_storage_bytes: Some(100 << 20), ..InspectOptions::default() },
            "100 MB instance",
        ),
        Refused(&["300 MiB", "100 MiB"]),
        true,
    );

    // Folders.
    let two = d("two-archives");
    let _ = fs::create_dir(&two);
    write(&two.join("monday.backup"), &small(ArchiveFormat::BackupZstdV3));
    write(&two.join("tuesday.backup"), &small(ArchiveFormat::BackupZstdV3));
    add("folder with two archives", two.clone(), Inspect, Refused(&["holds 2 backup files", "Choose the one"]), true);
    let none = d("empty-folder");
    let _ = fs::create_dir(&none);
    add("folder with no archive (empty)", none, Inspect, Refused(&["no Neo4j backup or dump"]), true);
    let others = d("folder-of-photos");
    let _ = fs::create_dir(&others);
    raw(&others.join("beach.jpg"), b"\xFF\xD8\xFF not really");
    raw(&others.join("notes.txt"), b"hello");
    add(
        "folder with no archive (2 other files)",
        others,
        Inspect,
        Refused(&["no Neo4j backup", "2 other files"]),
        true,
    );
    let one = d("one-archive");
    let _ = fs::create_dir(&one);
    write(&one.join("neo4j.backup"), &small(ArchiveFormat::BackupZstdV3));
    raw(&one.join("README.txt"), b"the backup of Monday");
    add("folder with exactly one archive", one, Inspect, Accepted(&["Neo4j 5 backup"]), true);

    // Not regular files.
    let a = d("loop-a");
    let b = d("loop-b");
    let _ = std::os::unix::fs::symlink(&b, &a);
    let _ = std::os::unix::fs::symlink(&a, &b);
    add("symlink loop", a, Inspect, Refused(&["symlink loop"]), true);
    let dangling = d("dangling.backup");
    let _ = std::os::unix::fs::symlink(d("gone.backup"), &dangling);
    add("dangling symlink", dangling, Inspect, Refused(&["can't find"]), true);
    add("path that doesn't exist", d("no-such-file.backup"), Inspect, Refused(&["can't find"]), true);
    let fifo = d("pipe.backup");
    make_fifo(&fifo);
    add("FIFO named .backup (must not block)", fifo, Inspect, Refused(&["not a regular file", "named pipe"]), true);
    let sock = d("socket.backup");
    let listener = std::os::unix::net::UnixListener::bind(&sock);
    std::mem::forget(listener);
    add("unix socket", sock, Inspect, Refused(&["not a regular file", "socket"]), true);
    let dev = d("device.backup");
    let _ = std::os::unix::fs::symlink("/dev/zero", &dev);
    add("symlink to /dev/zero (a device)", dev, Inspect, Refused(&["not a regular file"]), true);

    // A file still being copied (or cut) while Lifeboat computes its checksum.
    let p = d("crc-grows.backup");
    let _ = testgen::write_random(&p, 64 << 20, 11);
    add(
        "file grows during the checksum pass",
        p,
        Via::Checksum(Mutation::Grow),
        Refused(&["changed while Lifeboat was reading"]),
        true,
    );
    let p = d("crc-shrinks.backup");
    let _ = testgen::write_random(&p, 64 << 20, 12);
    add(
        "file shrinks during the checksum pass",
        p,
        Via::Checksum(Mutation::Shrink),
        Refused(&["changed while Lifeboat was reading"]),
        true,
    );

    // Permissions.
    let locked = write(&d("locked.backup"), &small(ArchiveFormat::BackupZstdV3));
    let _ = fs::set_permissions(&locked, fs::Permissions::from_mode(0o000));
    let open = write(&d("open.backup"), &small(ArchiveFormat::BackupZstdV3));
    let _ = fs::set_permissions(&open, fs::Permissions::from_mode(0o644));
    let runner = if is_root() { as_nobody().map(Some) } else { Some(None) };
    let mut unreadable = Case {
        name: "unreadable file (mode 000)".into(),
        path: locked,
        via: Via::InspectAs(runner.clone().flatten()),
        expect: Refused(&["can't read this file", "permissions"]),
        short: true,
        skip: None,
    };
    let mut control = Case {
        name: "…the same file with mode 644 (control)".into(),
        path: open,
        via: Via::InspectAs(runner.clone().flatten()),
        expect: Accepted(&["Neo4j 5 backup"]),
        short: true,
        skip: None,
    };
    if runner.is_none() {
        let why = "running as root without setpriv or runuser: root can read a mode-000 file".to_string();
        unreadable.skip = Some(why.clone());
        control.skip = Some(why);
    }
    cases.push(unreadable);
    cases.push(control);

    // Uploads against the sandbox.
    let up = |mutation| Via::Upload(mutation);
    cases.push(Case {
        name: "upload: 0-length .backup".into(),
        path: raw(&d("up-empty.backup"), b""),
        via: up(None),
        expect: Refused(&["file is empty", "Nothing was uploaded"]),
        short: true,
        skip: None,
    });
    let p = write(&d("up-cut.backup"), &small(ArchiveFormat::BackupZstdV3));
    let _ = testgen::cut_off(&p, 100);
    cases.push(Case {
        name: "upload: cut-off backup".into(),
        path: p,
        via: up(None),
        expect: Refused(&["ends early", "Nothing was uploaded"]),
        short: false,
        skip: None,
    });
    cases.push(Case {
        name: "upload: folder with two archives".into(),
        path: two,
        via: up(None),
        expect: Refused(&["holds 2 backup files"]),
        short: false,
        skip: None,
    });
    let fifo = d("up-pipe.backup");
    make_fifo(&fifo);
    cases.push(Case {
        name: "upload: FIFO (must not block)".into(),
        path: fifo,
        via: up(None),
        expect: Refused(&["not a regular file"]),
        short: false,
        skip: None,
    });
    let p = d("up-random.backup");
    let _ = testgen::write_random(&p, 1 << 20, 7);
    cases.push(Case {
        name: "upload: random bytes named .backup".into(),
        path: p,
        via: up(None),
        expect: Refused(&["not a Neo4j backup"]),
        short: false,
        skip: None,
    });
    let p = write(
        &d("up my backup (copy 2).backup"),
        &TestArchive { approx_size: 2 << 20, ..small(ArchiveFormat::BackupZstdV3) },
    );
    cases.push(Case {
        name: "upload: path with spaces (restores)".into(),
        path: p,
        via: up(None),
        expect: Accepted(&["\"outcome\":\"running\"", "\"fileUnchanged\":true"]),
        short: true,
        skip: None,
    });
    let name = OsString::from_vec(b"up caf\xe9 (copy) \xff.backup".to_vec());
    let p = write(&dir.join(&name), &TestArchive { approx_size: 2 << 20, ..small(ArchiveFormat::BackupZstdV3) });
    cases.push(Case {
        name: "upload: non-UTF-8 path (should restore)".into(),
        path: p,
        via: up(None),
        expect: AcceptedOrGap(
            &["\"outcome\":\"running\""],
            "the upload journal records the file's path as a JSON string, which can't hold non-UTF-8 bytes, so \
             `lifeboat upload` stops with journal-io before sending anything (inspect accepts the same file)",
        ),
        short: true,
        skip: None,
    });
    let p = write(&d("up-grows.backup"), &TestArchive { approx_size: 6 << 20, ..small(ArchiveFormat::BackupZstdV3) });
    cases.push(Case {
        name: "upload: file grows during the upload".into(),
        path: p,
        via: up(Some(Mutation::Grow)),
        expect: Refused(&["changed since the upload started"]),
        short: false,
        skip: None,
    });
    let p = write(&d("up-shrinks.backup"), &TestArchive { approx_size: 6 << 20, ..small(ArchiveFormat::BackupZstdV3) });
    cases.push(Case {
        name: "upload: file shrinks during the upload".into(),
        path: p,
        via: up(Some(Mutation::Shrink)),
        expect: Refused(&["changed since the upload started"]),
        short: false,
        skip: None,
    });
    let p = write(&d("up-ds.tar"), &TestArchive::new(TestVersion::AuraDs));
    cases.push(Case {
        name: "upload: AuraDS .tar to a DB instance".into(),
        path: p,
        via: up(None),
        expect: RefusedOrGap(
            &["AuraDS"],
            "`lifeboat upload` inspects the file without the target instance (the CLI has no API account on this \
             path), so an AuraDS archive is sent to a DB instance; the app checks this before a restore",
        ),
        short: false,
        skip: None,
    });
    cases
}

pub(super) fn make_fifo(path: &Path) {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else { return };
    // SAFETY: `c` is a valid NUL-terminated path; mkfifo only creates a file system entry.
    unsafe {
        libc::mkfifo(c.as_ptr(), 0o644);
    }
}
