//! Generates valid (and deliberately broken) Neo4j archives — for tests, benchmarks and the sandbox demo.
//!
//! [`write_backup`] streams an archive of any [`ArchiveFormat`] to disk, from kilobytes to many GiB. Its store
//! carries the markers of a Neo4j version ([`TestStore`]: the metadata store's version records, the files that
//! version has, the transaction log's entry version — what [`crate::inspect`] reads to name the version), node
//! and relationship stores with `nodes` and `relationships` records in use (when they fit in `approx_size`), and
//! filler files (highly compressible, or random when `incompressible`) up to the size asked for. Unless
//! `counts_marker` is off, the decompressed content also holds the ASCII marker
//! `lifeboat-test-counts: nodes=<N> relationships=<M>` (as the first file of the store, and of an AuraDS
//! archive's outer tar), which the emulator reads with [`read_test_counts`] to give the restored instance those
//! counts.
//!
//! The breakers ([`cut_off`], [`corrupt_zstd_checksum`], [`corrupt_first_tar_header`], …) turn a good file into
//! the broken variants people actually meet, so tests can check each gets its specific message.
//!
//! These files only *look* like Neo4j stores to the archive layer: apart from the markers, the store files are
//! filler, not a database.
//!
//! ```
//! use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion};
//! use lifeboat_archive::{inspect, InspectOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("neo4j.backup");
//! let spec = TestArchive { nodes: 1000, relationships: 2500, ..TestArchive::new(TestVersion::Neo4j5) };
//! let written = write_backup(&path, &spec)?;
//! let found = inspect(&path, &InspectOptions::default())?;
//! assert_eq!(found.format_label, "Neo4j 5 backup, compressed");
//! assert_eq!(found.full_size, Some(written.full_size));
//! let counts = lifeboat_archive::testgen::read_test_counts(&path)?.expect("marker");
//! assert_eq!((counts.nodes, counts.relationships), (1000, 2500));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use time::OffsetDateTime;

use crate::format::{self, ArchiveFormat, Sniffed};
use crate::meta::{self, ArchiveMeta, BackupMeta, Counting};
use crate::source::{self, FileRange, RangeReader};
use crate::tar::TarWriter;
pub use crate::teststore::TestStore;
use crate::teststore::{self, Content, PlannedFile};
use crate::zstdwalk;

/// The text that starts the counts marker.
pub const COUNTS_MARKER_PREFIX: &str = "lifeboat-test-counts:";
/// Tar entries are kept below this size so plain ustar headers suffice (and real stores split files too).
const MAX_STORE_FILE: u64 = 1 << 30;
/// A new zstd frame is started after this much input, as Neo4j's multi-threaded writer produces several.
const FRAME_INPUT: u64 = 32 * 1024 * 1024;
/// Write buffer and filler chunk size.
const CHUNK: usize = 1024 * 1024;
/// The modification time written into tar headers (fixed, so output is reproducible).
const TAR_MTIME: u64 = 1_717_243_200;

/// Which kind of file to generate (the short form; [`TestArchive::format`] picks any exact format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestVersion {
    /// A Neo4j 5 backup, compressed (`BZV3`, the newest format).
    Neo4j5,
    /// A Neo4j 4.4 dump (bare zstd stream); [`TestArchive::dump`] makes the other 3.5 and 4.x ones.
    Neo4j4Dump,
    /// An AuraDS archive: a tar holding `<database>.dump` (a Neo4j 5 dump) and the counts marker.
    AuraDs,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct TestArchive {
    /// The database name recorded in a backup, and the name of the dump inside an AuraDS archive
    /// (at most 255 bytes).
    pub database: String,
    /// Node count written into the marker and the node store.
    pub nodes: u64,
    /// Relationship count written into the marker and the relationship store.
    pub relationships: u64,
    /// The store's uncompressed size in bytes (= the `full_size` inspection reports; at least the size of the
    /// marker and the version's store files, some 50 KiB). With `incompressible` filler the file is about this
    /// big; otherwise much smaller.
    pub approx_size: u64,
    /// The kind of file.
    pub version: TestVersion,
    /// Random filler (the file is as big as the store) instead of a repeating pattern (a tiny file).
    pub incompressible: bool,
    /// An exact format, overriding `version`.
    pub format: Option<ArchiveFormat>,
    /// The backup time recorded in backups.
    pub backup_time: OffsetDateTime,
    /// `false` writes a differential backup (backups only), which can't be restored on its own.
    pub full_backup: bool,
    /// Seed for random filler, so runs are reproducible.
    pub seed: u64,
    /// The Neo4j version the store inside claims; `None` picks the usual one for the format (see
    /// [`TestArchive::store`]).
    pub store: Option<TestStore>,
    /// Whether to write the counts marker (without it, only the store's records tell the counts).
    pub counts_marker: bool,
}

impl Default for TestArchive {
    fn default() -> Self {
        Self::new(TestVersion::Neo4j5)
    }
}

impl TestArchive {
    /// A small (1 MiB store) archive of database `neo4j` with 100 nodes and 50 relationships.
    pub fn new(version: TestVersion) -> Self {
        Self {
            database: "neo4j".into(),
            nodes: 100,
            relationships: 50,
            approx_size: 1024 * 1024,
            version,
            incompressible: false,
            format: None,
            backup_time: OffsetDateTime::from_unix_timestamp(1_717_243_200).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            full_backup: true,
            seed: 1,
            store: None,
            counts_marker: true,
        }
    }

    /// A dump whose store claims `store`'s version: a bare zstd dump (as 3.5 and 4.x write them), or a `DZV1`
    /// dump for Neo4j 5.
    pub fn dump(store: TestStore) -> Self {
        let format = if store == TestStore::Neo4j5 { ArchiveFormat::DumpZstd } else { ArchiveFormat::DumpLegacyZstd };
        Self { format: Some(format), store: Some(store), ..Self::new(TestVersion::Neo4j4Dump) }
    }

    /// The store that will be written: the one asked for, else Neo4j 4.4 in a bare zstd dump, no version markers
    /// in a gzip dump (3.0–3.3 stores aren't modelled), Neo4j 5 in every other format.
    pub fn store(&self) -> TestStore {
        self.store.unwrap_or(match self.format() {
            ArchiveFormat::DumpLegacyZstd => TestStore::Neo4j4_4,
            ArchiveFormat::DumpLegacyGzip => TestStore::Unmarked,
            _ => TestStore::Neo4j5,
        })
    }

    /// The exact format that will be written.
    pub fn format(&self) -> ArchiveFormat {
        self.format.unwrap_or(match self.version {
            TestVersion::Neo4j5 => ArchiveFormat::BackupZstdV3,
            TestVersion::Neo4j4Dump => ArchiveFormat::DumpLegacyZstd,
            TestVersion::AuraDs => ArchiveFormat::AuradsTar,
        })
    }

    /// The usual file name for this archive ("neo4j.backup", "neo4j.dump", "neo4j.tar").
    pub fn file_name(&self) -> String {
        format!("{}{}", self.database, self.format().extensions().first().copied().unwrap_or(".bin"))
    }
}

/// What [`write_backup`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenArchive {
    /// Where.
    pub path: PathBuf,
    /// The exact format.
    pub format: ArchiveFormat,
    /// The file's size.
    pub file_size: u64,
    /// The store's uncompressed size (sum of the store files' sizes).
    pub full_size: u64,
    /// How many store files.
    pub store_files: u64,
    /// The CRC-32 of the whole file, computed while writing.
    pub crc32: u32,
}

/// Node and relationship counts read back from the marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCounts {
    /// Nodes.
    pub nodes: u64,
    /// Relationships.
    pub relationships: u64,
}

/// The marker line for these counts (without a newline).
pub fn counts_marker(nodes: u64, relationships: u64) -> String {
    format!("{COUNTS_MARKER_PREFIX} nodes={nodes} relationships={relationships}")
}

/// Finds and parses the first counts marker in `data`.
pub fn parse_counts_marker(data: &[u8]) -> Option<TestCounts> {
    let prefix = COUNTS_MARKER_PREFIX.as_bytes();
    let start = data.windows(prefix.len()).position(|w| w == prefix)? + prefix.len();
    let line = &data[start..];
    let line = &line[..line.iter().position(|&b| b == b'\n' || b == 0).unwrap_or(line.len()).min(200)];
    let text = std::str::from_utf8(line).ok()?;
    let mut nodes = None;
    let mut relationships = None;
    for part in text.split_whitespace() {
        if let Some(v) = part.strip_prefix("nodes=") {
            nodes = v.parse().ok();
        } else if let Some(v) = part.strip_prefix("relationships=") {
            relationships = v.parse().ok();
        }
    }
    Some(TestCounts { nodes: nodes?, relationships: relationships? })
}

/// Reads the counts marker from an archive written by [`write_backup`] (any format), decompressing only the
/// beginning. Returns `None` when there is no marker (a real backup).
pub fn read_test_counts(path: &Path) -> io::Result<Option<TestCounts>> {
    const RAW_HEAD: usize = 1024 * 1024;
    const DECODED_HEAD: usize = 4 * 1024 * 1024;
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = vec![0u8; (len as usize).min(RAW_HEAD)];
    let n = source::read_full_at(&file, &mut head, 0)?;
    head.truncate(n);
    if let Some(c) = parse_counts_marker(&head) {
        return Ok(Some(c));
    }
    // The marker sits at the start of the first compressed stream: try where a zstd or gzip stream starts.
    let starts = (0..head.len().saturating_sub(3))
        .filter(|&i| head[i..].starts_with(format::MAGIC_ZSTD) || head[i..].starts_with(&[0x1F, 0x8B, 0x08]))
        .take(16);
    for start in starts {
        let raw = BufReader::new(RangeReader::new(&file, start as u64, len));
        let mut decoded = Vec::new();
        let result = if head[start] == 0x1F {
            flate2::read::MultiGzDecoder::new(raw).take(DECODED_HEAD as u64).read_to_end(&mut decoded)
        } else {
            match zstd::stream::read::Decoder::new(raw) {
                Ok(d) => d.take(DECODED_HEAD as u64).read_to_end(&mut decoded),
                Err(e) => Err(e),
            }
        };
        // A false start (magic bytes inside other data) just fails to decode; keep what decoded.
        let _ = result;
        if let Some(c) = parse_counts_marker(&decoded) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Writes a valid archive described by `spec` to `path` (replacing it), streaming: memory use is constant
/// whatever the size. AuraDS archives also use a temporary file next to `path` for the dump inside.
pub fn write_backup(path: &Path, spec: &TestArchive) -> io::Result<WrittenArchive> {
    if spec.database.len() > 255 || spec.database.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "database name must be 1 to 255 bytes"));
    }
    let format = spec.format();
    if format == ArchiveFormat::Unknown {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "can't generate the Unknown format"));
    }
    let plan = plan_store(spec);
    let out = HashingWriter::new(BufWriter::with_capacity(CHUNK, File::create(path)?));
    let out = write_format(out, format, spec, &plan, path)?;
    let (inner, crc32, file_size) = out.finish();
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(WrittenArchive {
        path: path.to_path_buf(),
        format,
        file_size,
        full_size: plan.iter().map(|f| f.size).sum(),
        store_files: plan.len() as u64,
        crc32,
    })
}

fn write_format<W: Write>(
    mut out: W,
    format: ArchiveFormat,
    spec: &TestArchive,
    plan: &[PlannedFile],
    path: &Path,
) -> io::Result<W> {
    let archive = ArchiveMeta { files: plan.len() as u64, bytes: plan.iter().map(|f| f.size).sum() };
    let backup = backup_meta(spec, format.is_compressed());
    match format {
        ArchiveFormat::DumpZstd | ArchiveFormat::DumpLegacyZstd => {
            if format == ArchiveFormat::DumpZstd {
                out.write_all(b"DZV1")?;
            }
            let mut z = ZstdFrames::new(out, spec.incompressible);
            z.write_all(meta::ZSTD_PAYLOAD_HEADER)?;
            meta::write_archive_meta(&mut z, archive)?;
            let z = write_store_tar(z, plan, spec)?;
            z.finish()
        }
        ArchiveFormat::DumpGzip | ArchiveFormat::DumpLegacyGzip => {
            if format == ArchiveFormat::DumpGzip {
                out.write_all(b"DGV1")?;
            }
            let gz = GzEncoder::new(out, gzip_level(spec));
            write_store_tar(gz, plan, spec)?.finish()
        }
        ArchiveFormat::BackupZstdV1 | ArchiveFormat::BackupZstdV2 => {
            let v2 = format == ArchiveFormat::BackupZstdV2;
            out.write_all(if v2 { b"BZV2" } else { b"BZV1" })?;
            let mut z = ZstdFrames::new(out, spec.incompressible);
            z.write_all(meta::ZSTD_PAYLOAD_HEADER)?;
            if v2 {
                z.write_all(&[meta::BACKUP_META_V2])?;
            }
            meta::write_backup_meta(&mut z, &backup, v2)?;
            meta::write_archive_meta(&mut z, archive)?;
            write_store_tar(z, plan, spec)?.finish()
        }
        ArchiveFormat::BackupZstdV3 => {
            out.write_all(b"BZV3")?;
            out.write_all(&[meta::BACKUP_META_V2])?;
            meta::write_backup_meta(&mut out, &backup, true)?;
            let mut z = ZstdFrames::new(out, spec.incompressible);
            z.write_all(meta::ZSTD_PAYLOAD_HEADER)?;
            meta::write_archive_meta(&mut z, archive)?;
            write_store_tar(z, plan, spec)?.finish()
        }
        ArchiveFormat::BackupTarV1 | ArchiveFormat::BackupTarV2 => {
            let v2 = format == ArchiveFormat::BackupTarV2;
            out.write_all(if v2 { b"BTV2" } else { b"BTV1" })?;
            if v2 {
                out.write_all(&[meta::BACKUP_META_V2])?;
            }
            meta::write_backup_meta(&mut out, &backup, v2)?;
            write_store_tar(out, plan, spec)
        }
        ArchiveFormat::AuradsTar | ArchiveFormat::AuradsTarGzip => {
            // The tar header needs the dump's size first, so the dump goes to a temporary file beside the target.
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let mut dump = tempfile::tempfile_in(dir)?;
            {
                let w = BufWriter::with_capacity(CHUNK, &mut dump);
                let w = write_format(w, ArchiveFormat::DumpZstd, spec, plan, path)?;
                w.into_inner().map_err(|e| e.into_error())?;
            }
            let dump_len = dump.seek(SeekFrom::End(0))?;
            dump.seek(SeekFrom::Start(0))?;
            let marker = format!("{}\n", counts_marker(spec.nodes, spec.relationships));
            let write_tar = |w: &mut dyn Write, dump: &mut File| -> io::Result<()> {
                let mut t = TarWriter::new(w);
                if spec.counts_marker {
                    t.file("lifeboat-test-counts.txt", marker.as_bytes(), TAR_MTIME)?;
                }
                t.begin_file(&format!("{}.dump", spec.database), dump_len, TAR_MTIME)?;
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = dump.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    t.data(&buf[..n])?;
                }
                t.end_entry()?;
                t.file(
                    "graph-data-science/README.txt",
                    b"Generated by Lifeboat's test archive generator.\n",
                    TAR_MTIME,
                )?;
                t.finish()?;
                Ok(())
            };
            if format == ArchiveFormat::AuradsTarGzip {
                let mut gz = GzEncoder::new(out, gzip_level(spec));
                write_tar(&mut gz, &mut dump)?;
                gz.finish()
            } else {
                write_tar(&mut out, &mut dump)?;
                Ok(out)
            }
        }
        ArchiveFormat::Unknown => Err(io::Error::new(io::ErrorKind::InvalidInput, "can't generate the Unknown format")),
    }
}

fn gzip_level(spec: &TestArchive) -> Compression {
    // Random data doesn't compress; stored blocks keep generation at disk speed.
    if spec.incompressible {
        Compression::none()
    } else {
        Compression::fast()
    }
}

fn backup_meta(spec: &TestArchive, compressed: bool) -> BackupMeta {
    BackupMeta {
        store_engine: "record".into(),
        store_format: "aligned".into(),
        store_major: 1,
        store_minor: 1,
        database_name: spec.database.clone(),
        backup_time: spec.backup_time.unix_timestamp(),
        lowest_tx: 1,
        highest_tx: 1 + (spec.nodes + spec.relationships) as i64,
        recovered: true,
        compressed,
        full: spec.full_backup,
    }
}

/// Splits `approx_size` bytes into the marker file, the store files of the version asked for, and filler files
/// named like a record store.
fn plan_store(spec: &TestArchive) -> Vec<PlannedFile> {
    let mut files = Vec::new();
    if spec.counts_marker {
        let marker = format!("{}\n", counts_marker(spec.nodes, spec.relationships)).into_bytes();
        files.push(PlannedFile {
            name: "./lifeboat-test-counts.txt".into(),
            size: marker.len() as u64,
            content: Content::Bytes(marker),
        });
    }
    let used: u64 = files.iter().map(|f| f.size).sum();
    let named: &[(&str, u64)] = match spec.store() {
        TestStore::Unmarked => &[
            ("./neostore", 8 * 1024),
            ("./neostore.nodestore.db", MAX_STORE_FILE),
            ("./neostore.relationshipstore.db", MAX_STORE_FILE),
            ("./neostore.propertystore.db", MAX_STORE_FILE),
            ("./neostore.labeltokenstore.db", 8 * 1024),
            ("./neostore.transaction.db.0", MAX_STORE_FILE),
        ],
        store => {
            let budget = spec.approx_size.saturating_sub(used);
            files.extend(teststore::marked_files(store, spec.nodes, spec.relationships, budget));
            &[("./neostore.propertystore.db", MAX_STORE_FILE), ("./neostore.labeltokenstore.db", 8 * 1024)]
        }
    };
    let mut remaining = spec.approx_size.saturating_sub(files.iter().map(|f| f.size).sum());
    for (name, cap) in named {
        if remaining == 0 {
            break;
        }
        let size = remaining.min(*cap);
        files.push(PlannedFile { name: (*name).into(), size, content: Content::Filler });
        remaining -= size;
    }
    let mut n = 0;
    while remaining > 0 {
        let size = remaining.min(MAX_STORE_FILE);
        files.push(PlannedFile { name: format!("./neostore.filler.{n}.db"), size, content: Content::Filler });
        remaining -= size;
        n += 1;
    }
    files
}

fn write_store_tar<W: Write>(out: W, plan: &[PlannedFile], spec: &TestArchive) -> io::Result<W> {
    let mut t = TarWriter::new(out);
    // Older Neo4j dumpers list the database directory itself first.
    t.dir("./", TAR_MTIME)?;
    let mut filler = Filler::new(spec.incompressible, spec.seed);
    let mut records = Vec::new();
    for f in plan {
        match f.content {
            Content::Bytes(ref bytes) => t.file(&f.name, bytes, TAR_MTIME)?,
            Content::Filler => {
                t.begin_file(&f.name, f.size, TAR_MTIME)?;
                let mut left = f.size;
                while left > 0 {
                    let chunk = filler.next((left as usize).min(CHUNK));
                    t.data(chunk)?;
                    left -= chunk.len() as u64;
                }
                t.end_entry()?;
            }
            Content::Records { size, count, aligned } => {
                t.begin_file(&f.name, f.size, TAR_MTIME)?;
                let mut at = 0;
                while at < f.size {
                    let n = (f.size - at).min(CHUNK as u64);
                    records.clear();
                    records.extend((at..at + n).map(|o| PlannedFile::record_byte(size, count, aligned, o)));
                    t.data(&records)?;
                    at += n;
                }
                t.end_entry()?;
            }
        }
    }
    t.finish()
}

/// Filler bytes: a repeating text pattern, or xorshift random bytes.
struct Filler {
    random: bool,
    state: u64,
    buf: Vec<u8>,
}

impl Filler {
    fn new(random: bool, seed: u64) -> Self {
        let mut buf = Vec::with_capacity(CHUNK);
        if !random {
            let line = b"Lifeboat test store filler: highly compressible by design.\n";
            while buf.len() < CHUNK {
                let take = (CHUNK - buf.len()).min(line.len());
                buf.extend_from_slice(&line[..take]);
            }
        } else {
            buf.resize(CHUNK, 0);
        }
        Self { random, state: seed | 1, buf }
    }

    fn next(&mut self, len: usize) -> &[u8] {
        if self.random {
            for chunk in self.buf[..len].chunks_mut(8) {
                // xorshift64*: fast, and plenty random for "doesn't compress".
                self.state ^= self.state >> 12;
                self.state ^= self.state << 25;
                self.state ^= self.state >> 27;
                let v = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
        &self.buf[..len]
    }
}

/// A writer that compresses into a series of zstd frames (content checksums on), like Neo4j's writer.
struct ZstdFrames<W: Write> {
    encoder: Option<zstd::stream::write::Encoder<'static, W>>,
    idle: Option<W>,
    in_frame: u64,
    level: i32,
}

impl<W: Write> ZstdFrames<W> {
    fn new(out: W, incompressible: bool) -> Self {
        // Random data can't be compressed; a fast negative level spends little time trying.
        Self { encoder: None, idle: Some(out), in_frame: 0, level: if incompressible { -5 } else { 1 } }
    }

    fn encoder(&mut self) -> io::Result<&mut zstd::stream::write::Encoder<'static, W>> {
        if self.encoder.is_none() {
            let out = self.idle.take().ok_or_else(|| io::Error::other("zstd writer already finished"))?;
            let mut enc = zstd::stream::write::Encoder::new(out, self.level)?;
            enc.include_checksum(true)?;
            self.encoder = Some(enc);
            self.in_frame = 0;
        }
        self.encoder.as_mut().ok_or_else(|| io::Error::other("zstd encoder missing"))
    }

    fn end_frame(&mut self) -> io::Result<()> {
        if let Some(enc) = self.encoder.take() {
            self.idle = Some(enc.finish()?);
        }
        self.in_frame = 0;
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.end_frame()?;
        self.idle.take().ok_or_else(|| io::Error::other("zstd writer lost its output"))
    }
}

impl<W: Write> Write for ZstdFrames<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = (FRAME_INPUT - self.in_frame).min(buf.len() as u64) as usize;
        let n = self.encoder()?.write(&buf[..room])?;
        self.in_frame += n as u64;
        if self.in_frame >= FRAME_INPUT {
            self.end_frame()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.encoder.as_mut() {
            Some(e) => e.flush(),
            None => self.idle.as_mut().map_or(Ok(()), |w| w.flush()),
        }
    }
}

/// Counts and checksums what passes through, so the generator can report the file's CRC-32 for free.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        Self { inner, hasher: crc32fast::Hasher::new(), len: 0 }
    }

    fn finish(self) -> (W, u32, u64) {
        (self.inner, self.hasher.finalize(), self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Breakers: good file in, the broken variants people meet out.

/// Shortens the file to `len` bytes (a copy cut off at `len`).
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    OpenOptions::new().write(true).open(path)?.set_len(len)
}

/// Removes the last `bytes` bytes (a copy cut off just before the end); returns the new length.
pub fn cut_off(path: &Path, bytes: u64) -> io::Result<u64> {
    let len = fs::metadata(path)?.len().saturating_sub(bytes);
    truncate(path, len)?;
    Ok(len)
}

/// Inverts the byte at `offset`.
pub fn flip_byte(path: &Path, offset: u64) -> io::Result<()> {
    let mut f = OpenOptions::new().read(true).write(true).open(path)?;
    let mut b = [0u8; 1];
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(&mut b)?;
    b[0] ^= 0xFF;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(&b)
}

/// Writes `len` random bytes (reproducible from `seed`).
pub fn write_random(path: &Path, len: u64, seed: u64) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(CHUNK, File::create(path)?);
    let mut filler = Filler::new(true, seed);
    let mut left = len;
    while left > 0 {
        let chunk = filler.next((left as usize).min(CHUNK));
        out.write_all(chunk)?;
        left -= chunk.len() as u64;
    }
    out.flush()
}

/// Where the (first) zstd stream of a generated archive lies: `[start, end)`.
fn zstd_stream_range(file: &File) -> io::Result<(u64, u64)> {
    let len = file.metadata()?.len();
    let mut head = [0u8; 512];
    let n = source::read_full_at(file, &mut head, 0)?;
    let not_zstd = || io::Error::new(io::ErrorKind::InvalidInput, "this archive has no zstd stream");
    match format::sniff(&head[..n]) {
        Sniffed::Known(ArchiveFormat::DumpLegacyZstd) => Ok((0, len)),
        Sniffed::Known(ArchiveFormat::DumpZstd | ArchiveFormat::BackupZstdV1 | ArchiveFormat::BackupZstdV2) => {
            Ok((4, len))
        }
        Sniffed::Known(ArchiveFormat::BackupZstdV3) => {
            let mut r = Counting { inner: BufReader::new(RangeReader::new(file, 5, len)), count: 0 };
            meta::read_backup_meta(&mut r, true).map_err(|_| io::Error::other("unreadable backup metadata"))?;
            Ok((5 + r.count, len))
        }
        Sniffed::Tar => {
            let (start, size) = dump_entry(file, len)?.ok_or_else(not_zstd)?;
            Ok((start + 4, start + size))
        }
        _ => Err(not_zstd()),
    }
}

/// The data offset and size of the first `.dump` entry of a plain tar.
fn dump_entry(file: &File, len: u64) -> io::Result<Option<(u64, u64)>> {
    let mut found = None;
    crate::tar::walk(&mut FileRange::new(file, 0, len), |e, src| {
        if found.is_none() && e.base_name().ends_with(".dump") {
            found = Some((src.abs_pos(), e.size));
        }
        Ok(0)
    })
    .map_err(|_| io::Error::other("the tar archive is unreadable"))?;
    Ok(found)
}

/// Damages the content checksum of the last zstd frame (zstd-based formats, and AuraDS `.tar`s holding a
/// zstd dump). The structure stays intact, so only a content check (decompression) notices. Returns the
/// offset changed.
pub fn corrupt_zstd_checksum(path: &Path) -> io::Result<u64> {
    let offset = {
        let file = File::open(path)?;
        let (start, end) = zstd_stream_range(&file)?;
        let summary = zstdwalk::walk(&mut FileRange::new(&file, start, end))
            .map_err(|_| io::Error::other("the zstd stream is already broken"))?;
        start + summary.last_checksum_pos.ok_or_else(|| io::Error::other("no frame carries a checksum"))?
    };
    flip_byte(path, offset)?;
    Ok(offset)
}

/// Corrupts the first tar header of a plain-tar format (`BTV1`/`BTV2` backups, AuraDS `.tar`) by changing a
/// byte of its name without fixing its checksum. Returns the offset changed.
pub fn corrupt_first_tar_header(path: &Path) -> io::Result<u64> {
    let offset = {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut head = [0u8; 512];
        let n = source::read_full_at(&file, &mut head, 0)?;
        let tar_start = match format::sniff(&head[..n]) {
            Sniffed::Tar => 0,
            Sniffed::Known(f @ (ArchiveFormat::BackupTarV1 | ArchiveFormat::BackupTarV2)) => {
                let v2 = f == ArchiveFormat::BackupTarV2;
                let start = if v2 { 5 } else { 4 };
                let mut r = Counting { inner: BufReader::new(RangeReader::new(&file, start, len)), count: 0 };
                meta::read_backup_meta(&mut r, v2).map_err(|_| io::Error::other("unreadable backup metadata"))?;
                start + r.count
            }
            _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a plain-tar archive")),
        };
        tar_start + 2
    };
    flip_byte(path, offset)?;
    Ok(offset)
}

/// Writes a Neo4j 5 dump (`DZV1`) whose zstd stream is valid but holds no tar after the size summary.
pub fn write_zstd_with_bad_tar(path: &Path) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"DZV1")?;
    let mut z = ZstdFrames::new(out, false);
    z.write_all(meta::ZSTD_PAYLOAD_HEADER)?;
    meta::write_archive_meta(&mut z, ArchiveMeta { files: 1, bytes: 4096 })?;
    for _ in 0..64 {
        z.write_all(b"This is not a tar header. Lifeboat must notice that the archive inside is broken.\n")?;
    }
    z.finish()?.flush()
}

/// Writes a plain tar with a few files but no `.dump` inside (not a restorable AuraDS archive).
pub fn write_tar_without_dump(path: &Path) -> io::Result<()> {
    let mut t = TarWriter::new(BufWriter::new(File::create(path)?));
    t.file("README.txt", b"Holiday photos, not a database.\n", TAR_MTIME)?;
    t.file("photos/beach.txt", &[b'x'; 3000], TAR_MTIME)?;
    t.finish()?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trips() {
        let m = counts_marker(12, 34);
        assert_eq!(m, "lifeboat-test-counts: nodes=12 relationships=34");
        let data = format!("junk\0{m}\nmore");
        assert_eq!(parse_counts_marker(data.as_bytes()), Some(TestCounts { nodes: 12, relationships: 34 }));
        assert_eq!(parse_counts_marker(b"nothing here"), None);
    }

    #[test]
    fn plan_adds_up() {
        for store in TestStore::MARKED.into_iter().chain([TestStore::Unmarked]) {
            // The smallest store: the marker and the version's files, whatever size was asked for.
            let least: u64 = plan_store(&TestArchive { approx_size: 0, store: Some(store), ..TestArchive::default() })
                .iter()
                .map(|f| f.size)
                .sum();
            for size in [0, 10, 100_000, 5 * MAX_STORE_FILE + 17] {
                let spec = TestArchive { approx_size: size, store: Some(store), ..TestArchive::default() };
                let plan = plan_store(&spec);
                let total: u64 = plan.iter().map(|f| f.size).sum();
                assert_eq!(total, size.max(least), "{store:?} {size}");
                assert!(plan.iter().all(|f| f.size <= MAX_STORE_FILE));
            }
        }
    }
}
