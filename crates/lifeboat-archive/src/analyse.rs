//! Works out what a file is and whether it is whole: the format-specific half of [`crate::inspect`].
//!
//! Everything here reads through positioned reads on a shared `&File` opened read-only; nothing seeks a
//! shared cursor, nothing writes. The result is a [`Facts`] record that `inspect.rs` turns into the checklist.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;

use crate::fault::Fault;
use crate::format::{self, ArchiveFormat, Sniffed};
use crate::meta::{self, ArchiveMeta, BackupMeta, Counting};
use crate::source::{self, FileRange, RangeReader, Source, SourceError, SourceReader, StreamSource};
use crate::store::{StoreProbe, StoreReport};
use crate::tar;
use crate::zstdwalk;
use crate::{ContentCheck, ProblemCode};

/// Decompressed reads go through buffers this big: large enough to keep the decoders busy.
const STREAM_BUFFER: usize = 256 * 1024;
/// How much of a dump nested in a compressed tar is kept to read its header from (the header is tiny, and
/// zstd's first block is at most 128 KiB compressed).
const NESTED_PREFIX: u64 = 1024 * 1024;
/// When the contents aren't decompressed in full, a bare zstd dump is still unpacked this far to read which
/// Neo4j version wrote it (the walk usually stops much earlier, once the metadata store has been read).
const VERSION_PROBE_LIMIT: u64 = 2 * 1024 * 1024 * 1024;
/// [`ContentCheck::Auto`] decompresses zstd data fully only up to this many compressed bytes…
pub(crate) const AUTO_CONTENT_CHECK_LIMIT: u64 = 64 * 1024 * 1024;
/// …and only when the store it unpacks to is at most this big (about a quarter second of work).
pub(crate) const AUTO_CONTENT_CHECK_UNPACKED_LIMIT: u64 = 512 * 1024 * 1024;

/// A failed check item: a stable code and the sentence shown to the person.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub code: ProblemCode,
    pub message: String,
}

/// Everything the analysis learned.
#[derive(Debug)]
pub(crate) struct Facts {
    pub format: ArchiveFormat,
    /// For AuraDS archives: the format of the dump inside.
    pub inner_format: Option<ArchiveFormat>,
    /// Why the format or its details couldn't be read (the "readable" check).
    pub unreadable: Option<Finding>,
    /// Why the file isn't whole (the "complete" check).
    pub incomplete: Option<Finding>,
    /// Whether the completeness walk ran at all.
    pub complete_checked: bool,
    /// Whether the contents were decompressed and checked against their checksums.
    pub contents_verified: bool,
    pub backup: Option<BackupMeta>,
    pub archive: Option<ArchiveMeta>,
    /// Regular files and their total size, when the tar was walked.
    pub store: Option<(u64, u64)>,
    pub database_name: Option<String>,
    /// What the store files inside said about their version, when they were looked at.
    pub store_report: Option<StoreReport>,
    pub notes: Vec<String>,
}

impl Facts {
    pub(crate) fn new(format: ArchiveFormat) -> Self {
        Self {
            format,
            inner_format: None,
            unreadable: None,
            incomplete: None,
            complete_checked: false,
            contents_verified: false,
            backup: None,
            archive: None,
            store: None,
            database_name: None,
            store_report: None,
            notes: Vec::new(),
        }
    }

    fn set_unreadable(&mut self, finding: Finding) {
        self.unreadable.get_or_insert(finding);
    }

    fn set_incomplete(&mut self, finding: Finding) {
        self.incomplete.get_or_insert(finding);
    }
}

/// State shared by one inspection.
pub(crate) struct Ctx<'a> {
    pub content_check: ContentCheck,
    /// The file name, lower-cased, to word notes and to tell a 3.x dump from a compressed AuraDS tar.
    pub name_lower: &'a str,
    /// The first operating-system read error, which turns the inspection into a hard failure.
    pub io_error: Option<io::Error>,
}

impl Ctx<'_> {
    /// Turns a fault into a finding, keeping I/O errors aside (they say nothing about the file).
    fn finding(&mut self, fault: Fault, context: Option<&str>) -> Finding {
        match fault {
            Fault::Truncated => truncated(),
            Fault::Damaged(detail) => damaged(&detail, context),
            Fault::NotNeo4j(what) => not_a_backup(&what, self.name_lower),
            Fault::Io(e) => {
                let message = format!("Lifeboat couldn't read the whole file ({e}).");
                self.io_error.get_or_insert(e);
                Finding { code: ProblemCode::ReadError, message }
            }
        }
    }

    /// Whether to decompress everything. For `Auto`, both sizes count: a tiny file of repetitive data can
    /// unpack to many GiB.
    fn deep(&self, compressed_len: u64, unpacked_len: Option<u64>) -> bool {
        match self.content_check {
            ContentCheck::Always => true,
            ContentCheck::Never => false,
            ContentCheck::Auto => {
                compressed_len <= AUTO_CONTENT_CHECK_LIMIT
                    && unpacked_len.unwrap_or(0) <= AUTO_CONTENT_CHECK_UNPACKED_LIMIT
            }
        }
    }
}

pub(crate) fn truncated() -> Finding {
    Finding {
        code: ProblemCode::Truncated,
        message: "This file ends early \u{2014} it was probably cut off while copying; copy it again.".into(),
    }
}

fn damaged(detail: &str, context: Option<&str>) -> Finding {
    let detail = match context {
        Some(c) => format!("{c}, {detail}"),
        None => detail.to_string(),
    };
    Finding {
        code: ProblemCode::Damaged,
        message: format!(
            "The file is damaged: {detail}. Copy it again from the original; if the original is damaged too, \
             take a new backup."
        ),
    }
}

/// "This is not a Neo4j backup or dump (it looks like …)", with what to do.
pub(crate) fn not_a_backup(what: &str, name_lower: &str) -> Finding {
    let claimed = [".backup", ".dump", ".tar.gz", ".tgz", ".tar"].into_iter().find(|e| name_lower.ends_with(e));
    let even = claimed.map(|e| format!(", even though its name ends in \u{201c}{e}\u{201d}")).unwrap_or_default();
    let unzip = if what.contains("ZIP") || what.contains("7-Zip") || what.contains("RAR") {
        " If the backup was packed into this archive, unpack it first and choose the file inside."
    } else {
        ""
    };
    Finding {
        code: ProblemCode::NotABackup,
        message: format!(
            "This is not a Neo4j backup or dump ({what}){even}. Choose a .backup, .dump or AuraDS .tar file \
             made by Neo4j or Aura.{unzip}"
        ),
    }
}

/// "This is a Git LFS pointer", with how big the real file is and how to get it.
fn lfs_finding(pointer: &format::LfsPointer) -> Finding {
    let real = match pointer.size {
        Some(size) => format!("a file of {}", crate::inspect::human_size(size)),
        None => "a large file".to_string(),
    };
    Finding {
        code: ProblemCode::LfsPointer,
        message: format!(
            "This is not the backup itself but a Git LFS pointer: a small text file that stands in for {real} \
             kept with Git LFS. You get one when a repository is cloned or downloaded without Git LFS. Fetch the \
             real file \u{2014} in the repository's folder run \u{201c}git lfs pull\u{201d}, or download the \
             file from the repository's web page \u{2014} then choose it again."
        ),
    }
}

/// Analyses a whole file of `len` bytes (`len` > 0).
pub(crate) fn analyse_file(ctx: &mut Ctx<'_>, file: &File, len: u64) -> Facts {
    analyse_range(ctx, file, 0, len, false)
}

/// Analyses `[start, end)` of `file`: the whole file, or a dump inside a plain AuraDS tar (`nested`).
fn analyse_range(ctx: &mut Ctx<'_>, file: &File, start: u64, end: u64, nested: bool) -> Facts {
    let mut head = vec![0u8; (end - start).min(4096) as usize];
    let got = match source::read_full_at(file, &mut head, start) {
        Ok(n) => n,
        Err(e) => {
            let mut facts = Facts::new(ArchiveFormat::Unknown);
            let finding = ctx.finding(Fault::Io(e), None);
            facts.set_unreadable(finding);
            return facts;
        }
    };
    head.truncate(got);
    let sniffed = format::sniff(&head);
    if nested && !matches!(sniffed, Sniffed::Known(f) if f.is_dump()) && sniffed != Sniffed::Gzip {
        let mut facts = Facts::new(ArchiveFormat::Unknown);
        facts.set_unreadable(damaged("the file named \u{201c}.dump\u{201d} inside it isn't a Neo4j dump", None));
        return facts;
    }
    match sniffed {
        Sniffed::Known(f @ ArchiveFormat::DumpZstd) => zstd_range(ctx, file, f, start + 4, end, Preamble::None),
        Sniffed::Known(f @ ArchiveFormat::DumpLegacyZstd) => zstd_range(ctx, file, f, start, end, Preamble::None),
        Sniffed::Known(ArchiveFormat::DumpGzip) => gzip_range(ctx, file, start + 4, end, GzKind::Dump5),
        Sniffed::Known(f @ ArchiveFormat::BackupZstdV1) => zstd_range(ctx, file, f, start + 4, end, Preamble::MetaV1),
        Sniffed::Known(f @ ArchiveFormat::BackupZstdV2) => zstd_range(ctx, file, f, start + 4, end, Preamble::MetaV2),
        Sniffed::Known(f @ (ArchiveFormat::BackupZstdV3 | ArchiveFormat::BackupTarV1 | ArchiveFormat::BackupTarV2)) => {
            plain_meta_backup(ctx, file, f, start + 4, end)
        }
        Sniffed::Known(_) => Facts::new(ArchiveFormat::Unknown), // every magic is covered above
        Sniffed::Gzip => gzip_range(ctx, file, start, end, if nested { GzKind::NestedLegacy } else { GzKind::Legacy }),
        Sniffed::Tar => tar_range(ctx, file, start, end),
        Sniffed::SplitPart => {
            let mut facts = Facts::new(ArchiveFormat::Unknown);
            facts.set_unreadable(Finding {
                code: ProblemCode::SplitArchive,
                message: "This looks like one part of a split Neo4j archive. Lifeboat can only restore a backup \
                          or dump that is a single file: make the dump again without splitting it."
                    .into(),
            });
            facts
        }
        Sniffed::Other => {
            let mut facts = Facts::new(ArchiveFormat::Unknown);
            let len = end - start;
            let finding = if len < 4 {
                Finding {
                    code: ProblemCode::TooShort,
                    message: format!(
                        "This file is only {len} byte{} long, far too short to be a Neo4j backup or dump. It was \
                         probably cut off while copying; copy it again.",
                        if len == 1 { "" } else { "s" }
                    ),
                }
            } else if let Some(pointer) = format::lfs_pointer(&head, len) {
                lfs_finding(&pointer)
            } else {
                let what = match format::lookalike(&head) {
                    Some(w) => format!("it looks like {w}"),
                    None => "its contents don't match any format Lifeboat knows".to_string(),
                };
                not_a_backup(&what, ctx.name_lower)
            };
            facts.set_unreadable(finding);
            facts
        }
    }
}

/// What comes between the `zstd` marker and the archive size summary inside a zstd stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preamble {
    None,
    MetaV1,
    MetaV2,
}

/// The header fields at the start of a Neo4j zstd stream, and whether a valid tar follows them.
struct Details {
    backup: Option<BackupMeta>,
    archive: ArchiveMeta,
    tar_fault: Option<Fault>,
}

/// Reads `zstd` + (backup metadata) + size summary + the first tar header from decompressed data.
fn read_details(r: &mut impl Read, preamble: Preamble) -> Result<Details, Fault> {
    meta::read_payload_header(r)?;
    let backup = match preamble {
        Preamble::None => None,
        Preamble::MetaV1 => Some(meta::read_backup_meta(r, false)?),
        Preamble::MetaV2 => {
            let mut version = [0u8; 1];
            r.read_exact(&mut version).map_err(SourceError::from_read)?;
            check_meta_version(version[0])?;
            Some(meta::read_backup_meta(r, true)?)
        }
    };
    let archive = meta::read_archive_meta(r)?;
    let mut record = [0u8; tar::RECORD];
    let got = read_up_to(r, &mut record).map_err(Fault::from)?;
    let tar_fault = if got < tar::RECORD {
        Some(Fault::Damaged("the compressed data ends before the archive inside it begins".into()))
    } else if record.iter().all(|&b| b == 0) {
        Some(Fault::Damaged("the archive inside holds no files".into()))
    } else if !tar::header_valid(&record) {
        Some(Fault::Damaged(
            "the compressed data is intact, but the archive inside it isn't valid (its first tar header is corrupt)"
                .into(),
        ))
    } else {
        None
    };
    Ok(Details { backup, archive, tar_fault })
}

fn check_meta_version(version: u8) -> Result<(), Fault> {
    if version != meta::BACKUP_META_V2 {
        return Err(Fault::Damaged(format!(
            "the backup's description has a version Lifeboat doesn't know ({version}); it may come from a newer Neo4j"
        )));
    }
    Ok(())
}

/// Reads until `buf` is full or the data ends cleanly; a decoder's "unexpected end" is an error (cut off).
fn read_up_to(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> Result<usize, SourceError> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SourceError::from_read(e)),
        }
    }
    Ok(done)
}

fn apply_details(ctx: &mut Ctx<'_>, facts: &mut Facts, details: Result<Details, Fault>, walk_ok: bool) {
    match details {
        Ok(d) => {
            facts.backup = d.backup;
            facts.archive = Some(d.archive);
            if let Some(fault) = d.tar_fault {
                let finding = ctx.finding(fault, None);
                facts.set_incomplete(finding);
            }
        }
        // The frames are whole but the content stops short: the content itself is wrong, not the copy.
        Err(Fault::Truncated) if walk_ok => {
            facts.set_unreadable(damaged("the compressed data inside is too short to hold a Neo4j archive", None))
        }
        Err(fault) => {
            let finding = ctx.finding(fault, None);
            facts.set_unreadable(finding);
        }
    }
}

/// A zstd-based format whose zstd stream occupies `[zstd_start, end)`.
fn zstd_range(
    ctx: &mut Ctx<'_>,
    file: &File,
    format: ArchiveFormat,
    zstd_start: u64,
    end: u64,
    preamble: Preamble,
) -> Facts {
    let mut facts = Facts::new(format);
    facts.complete_checked = true;
    let walk = zstdwalk::walk(&mut FileRange::new(file, zstd_start, end));
    let walk_ok = walk.is_ok();
    if let Err(fault) = walk {
        let finding = ctx.finding(fault, None);
        facts.set_incomplete(finding);
    }
    let details = zstd::stream::read::Decoder::new(RangeReader::new(file, zstd_start, end))
        .map_err(|e| Fault::Damaged(format!("Lifeboat couldn't start decompressing it ({e})")))
        .and_then(|mut d| read_details(&mut d, preamble));
    // A bare zstd stream without Neo4j's marker is just some zstd file, not a damaged dump.
    let details = match details {
        Err(Fault::Damaged(_)) if format == ArchiveFormat::DumpLegacyZstd && !header_present(file, zstd_start, end) => {
            Err(Fault::NotNeo4j("it is zstd-compressed, but doesn't hold a Neo4j dump".into()))
        }
        other => other,
    };
    apply_details(ctx, &mut facts, details, walk_ok);
    if facts.unreadable.is_none()
        && facts.incomplete.is_none()
        && ctx.deep(end - zstd_start, facts.archive.map(|a| a.bytes))
    {
        let mut probe = StoreProbe::alongside();
        let verified = verify_zstd_contents(file, zstd_start, end, preamble, &mut probe);
        facts.store_report = Some(probe.report());
        match verified {
            Ok(summary) => {
                facts.contents_verified = true;
                facts.store = Some((summary.files, summary.bytes));
                if let Some(a) = facts.archive.filter(|a| a.bytes != summary.bytes) {
                    facts.notes.push(format!(
                        "The archive's size summary says {} bytes, but its files add up to {} bytes.",
                        a.bytes, summary.bytes
                    ));
                }
            }
            Err(fault) => {
                let finding = ctx.finding(fault, None);
                facts.set_incomplete(finding);
            }
        }
    }
    // A bare zstd stream is a 3.5 or a 4.x dump; only the store inside tells which, and that decides where it
    // can go. Cut-off or damaged files are read as far as they go.
    if facts.store_report.is_none() && format == ArchiveFormat::DumpLegacyZstd && facts.unreadable.is_none() {
        facts.store_report = Some(probe_zstd(file, zstd_start, end));
    }
    facts
}

/// Reads a bare zstd dump just far enough to learn its store's version (see [`VERSION_PROBE_LIMIT`]).
fn probe_zstd(file: &File, start: u64, end: u64) -> StoreReport {
    let mut probe = StoreProbe::quick(VERSION_PROBE_LIMIT);
    let walked =
        zstd::stream::read::Decoder::new(RangeReader::new(file, start, end)).map_err(Fault::Io).and_then(|d| {
            let mut src = StreamSource::new(BufReader::with_capacity(STREAM_BUFFER, d));
            {
                let mut r = SourceReader::new(&mut src, u64::MAX);
                meta::read_payload_header(&mut r)?;
                meta::read_archive_meta(&mut r)?;
            }
            tar::walk_steps(&mut src, |entry, src| probe.on_entry(entry, src))
        });
    if let Err(fault) = walked {
        tracing::debug!(?fault, "stopped reading a dump's store early");
    }
    probe.report()
}

/// Whether the decompressed stream starts with Neo4j's `zstd` marker (to tell "not ours" from "damaged").
fn header_present(file: &File, start: u64, end: u64) -> bool {
    let Ok(mut d) = zstd::stream::read::Decoder::new(RangeReader::new(file, start, end)) else { return false };
    let mut buf = [0u8; 4];
    matches!(read_up_to(&mut d, &mut buf), Ok(4)) && &buf == meta::ZSTD_PAYLOAD_HEADER
}

/// Decompresses the whole stream (which makes libzstd verify every frame's content checksum) and walks the
/// tar inside it.
fn verify_zstd_contents(
    file: &File,
    start: u64,
    end: u64,
    preamble: Preamble,
    probe: &mut StoreProbe,
) -> Result<tar::TarSummary, Fault> {
    let decoder = zstd::stream::read::Decoder::new(RangeReader::new(file, start, end)).map_err(Fault::Io)?;
    let mut src = StreamSource::new(BufReader::with_capacity(STREAM_BUFFER, decoder));
    {
        let mut r = SourceReader::new(&mut src, u64::MAX);
        meta::read_payload_header(&mut r)?;
        match preamble {
            Preamble::None => {}
            Preamble::MetaV1 => {
                meta::read_backup_meta(&mut r, false)?;
            }
            Preamble::MetaV2 => {
                let mut v = [0u8; 1];
                r.read_exact(&mut v).map_err(SourceError::from_read)?;
                meta::read_backup_meta(&mut r, true)?;
            }
        }
        meta::read_archive_meta(&mut r)?;
    }
    let (summary, _) = tar::walk_steps(&mut src, |entry, src| probe.on_entry(entry, src))?;
    drain(&mut src)?;
    Ok(summary)
}

/// Reads a source to its end (so decoders check their trailers and checksums).
fn drain<S: Source>(src: &mut S) -> Result<(), Fault> {
    let mut buf = vec![0u8; STREAM_BUFFER];
    while src.read_some(&mut buf)? > 0 {}
    Ok(())
}

/// `BZV3`, `BTV1`, `BTV2`: uncompressed metadata right after the magic, then zstd or tar.
fn plain_meta_backup(ctx: &mut Ctx<'_>, file: &File, format: ArchiveFormat, meta_start: u64, end: u64) -> Facts {
    let mut facts = Facts::new(format);
    let mut r = Counting { inner: BufReader::new(RangeReader::new(file, meta_start, end)), count: 0 };
    let v2 = format != ArchiveFormat::BackupTarV1;
    let parsed = (|| {
        if v2 {
            let mut v = [0u8; 1];
            r.read_exact(&mut v).map_err(SourceError::from_read)?;
            check_meta_version(v[0])?;
        }
        meta::read_backup_meta(&mut r, v2)
    })();
    let backup = match parsed {
        Ok(b) => b,
        Err(fault) => {
            facts.complete_checked = true;
            let finding = ctx.finding(fault, None);
            if finding.code == ProblemCode::Truncated {
                facts.set_incomplete(finding.clone());
            }
            facts.set_unreadable(finding);
            return facts;
        }
    };
    let body_start = meta_start + r.count;
    if format == ArchiveFormat::BackupZstdV3 {
        let mut inner = zstd_range(ctx, file, format, body_start, end, Preamble::None);
        inner.backup = Some(backup);
        return inner;
    }
    facts.backup = Some(backup);
    facts.complete_checked = true;
    match tar::walk(&mut FileRange::new(file, body_start, end), |_, _| Ok(0)) {
        Ok(summary) => facts.store = Some((summary.files, summary.bytes)),
        Err(fault) => {
            let finding = ctx.finding(fault, None);
            facts.set_incomplete(finding);
        }
    }
    facts
}

/// Where a gzip stream sits, which decides what its tar may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GzKind {
    /// After `DGV1`: a Neo4j 5 dump.
    Dump5,
    /// At the start of the file: a 3.x dump or a compressed AuraDS tar.
    Legacy,
    /// A gzip dump inside an AuraDS tar: a dump, never another AuraDS tar.
    NestedLegacy,
}

fn gzip_range(ctx: &mut Ctx<'_>, file: &File, start: u64, end: u64, kind: GzKind) -> Facts {
    let mut reader = BufReader::with_capacity(STREAM_BUFFER, RangeReader::new(file, start, end));
    gzip_stream(ctx, &mut reader, kind)
}

/// Inflates a gzip stream to its end (the only way to find a cut-off gzip file: its trailer holds the CRC-32
/// and length, and there is nothing to seek by), walking the tar inside on the way.
fn gzip_stream(ctx: &mut Ctx<'_>, reader: &mut dyn Read, kind: GzKind) -> Facts {
    let dump_format = match kind {
        GzKind::Dump5 => ArchiveFormat::DumpGzip,
        GzKind::Legacy | GzKind::NestedLegacy => ArchiveFormat::DumpLegacyGzip,
    };
    let mut facts = Facts::new(dump_format);
    facts.complete_checked = true;
    let mut gz = MultiGzDecoder::new(reader);
    let mut first = [0u8; tar::RECORD];
    let got = match read_up_to(&mut gz, &mut first) {
        Ok(n) => n,
        Err(e) => {
            let finding = ctx.finding(Fault::from(e), None);
            facts.set_incomplete(finding.clone());
            facts.set_unreadable(finding);
            return facts;
        }
    };
    if got < tar::RECORD || !tar::header_valid(&first) {
        let fault = if kind == GzKind::Legacy {
            Fault::NotNeo4j("it is gzip-compressed, but what's inside isn't an archive Neo4j writes".into())
        } else {
            Fault::Damaged("the compressed data inside isn't a valid archive".into())
        };
        let finding = ctx.finding(fault, None);
        facts.set_unreadable(finding);
        facts.complete_checked = false;
        return facts;
    }
    let chained = Cursor::new(first).chain(gz);
    let mut src = StreamSource::new(BufReader::with_capacity(STREAM_BUFFER, chained));
    let mut dump: Option<(String, Facts)> = None;
    let look_for_dump = kind == GzKind::Legacy;
    let mut probe = StoreProbe::alongside();
    let walk = tar::walk_steps(&mut src, |entry, src| {
        if look_for_dump && dump.is_none() && entry.is_regular_file() && entry.base_name().ends_with(".dump") {
            let name = entry.base_name().to_string();
            return match nested_dump_stream(ctx, src, entry.size) {
                Ok((inner, consumed)) => {
                    dump = Some((name, inner));
                    Ok(tar::Step::Next(consumed))
                }
                Err(fault) => {
                    // The archive was cut (or broken) inside the dump: still an AuraDS archive, named after it.
                    dump = Some((name, Facts::new(ArchiveFormat::Unknown)));
                    Err(fault)
                }
            };
        }
        probe.on_entry(entry, src)
    })
    .and_then(|(summary, _)| {
        drain(&mut src)?;
        Ok(summary)
    });
    facts.store_report = Some(probe.report());
    match walk {
        Ok(summary) => {
            facts.store = Some((summary.files, summary.bytes));
            facts.contents_verified = true;
        }
        Err(fault) => {
            let finding = ctx.finding(fault, None);
            facts.set_incomplete(finding);
        }
    }
    if kind == GzKind::Legacy {
        if let Some((name, inner)) = dump {
            return merge_aurads(ArchiveFormat::AuradsTarGzip, facts, &name, inner);
        }
        if is_tar_name(ctx.name_lower) {
            facts.format = ArchiveFormat::AuradsTarGzip;
            // Only a tar read to its end can be said to hold no dump.
            if facts.incomplete.is_none() {
                facts.set_unreadable(no_dump_inside());
            }
        }
    }
    facts
}

fn is_tar_name(name_lower: &str) -> bool {
    [".tar", ".tar.gz", ".tgz"].iter().any(|e| name_lower.ends_with(e))
}

fn no_dump_inside() -> Finding {
    Finding {
        code: ProblemCode::NoDumpInside,
        message: "This tar archive has no Neo4j dump (.dump file) inside, so it isn't an AuraDS archive Lifeboat \
                  can restore. Choose the .dump or .backup file itself, or an AuraDS export that contains one."
            .into(),
    }
}

/// Analyses a dump that is an entry of a gzip-compressed tar, reading it from the stream once.
/// Returns the facts and how many bytes of the entry it consumed.
fn nested_dump_stream<S: Source>(ctx: &mut Ctx<'_>, src: &mut S, size: u64) -> Result<(Facts, u64), Fault> {
    let mut prefix = vec![0u8; size.min(NESTED_PREFIX) as usize];
    src.read_exact(&mut prefix)?;
    let rest = size - prefix.len() as u64;
    let sniffed = format::sniff(&prefix);
    let (format, offset, preamble) = match sniffed {
        Sniffed::Known(f @ ArchiveFormat::DumpZstd) => (f, 4usize, Preamble::None),
        Sniffed::Known(f @ ArchiveFormat::DumpLegacyZstd) => (f, 0, Preamble::None),
        Sniffed::Known(ArchiveFormat::DumpGzip) | Sniffed::Gzip => {
            let offset = if sniffed == Sniffed::Gzip { 0 } else { 4 };
            let mut reader = Cursor::new(&prefix[offset..]).chain(SourceReader::new(src, rest));
            let kind = if offset == 4 { GzKind::Dump5 } else { GzKind::NestedLegacy };
            let facts = gzip_stream(ctx, &mut reader, kind);
            let (_, outer) = reader.into_inner();
            return Ok((facts, size - outer_remaining(&outer)));
        }
        _ => {
            let mut facts = Facts::new(ArchiveFormat::Unknown);
            facts.set_unreadable(damaged("the file named \u{201c}.dump\u{201d} inside it isn't a Neo4j dump", None));
            return Ok((facts, prefix.len() as u64));
        }
    };
    let mut facts = Facts::new(format);
    facts.complete_checked = true;
    let chained = Cursor::new(&prefix[offset..]).chain(SourceReader::new(src, rest));
    let mut stream = StreamSource::new(BufReader::with_capacity(STREAM_BUFFER, chained));
    let walk = zstdwalk::walk(&mut stream);
    let walk_ok = walk.is_ok();
    if let Err(fault) = walk {
        let finding = ctx.finding(fault, None);
        facts.set_incomplete(finding);
    }
    let consumed = size - outer_remaining(&stream.into_inner().into_inner().into_inner().1);
    let details = zstd::stream::read::Decoder::new(Cursor::new(&prefix[offset..]))
        .map_err(Fault::Io)
        .and_then(|mut d| read_details(&mut d, preamble));
    // Only the prefix was kept, so running out of it says nothing about the file.
    let details = match details {
        Err(Fault::Truncated) if rest > 0 => {
            Err(Fault::Damaged("the dump inside has a header too large to read".into()))
        }
        other => other,
    };
    apply_details(ctx, &mut facts, details, walk_ok);
    Ok((facts, consumed))
}

fn outer_remaining<S: Source>(reader: &SourceReader<'_, S>) -> u64 {
    reader.remaining()
}

/// A plain tar at `[start, end)`: an AuraDS archive if it holds a `.dump`.
fn tar_range(ctx: &mut Ctx<'_>, file: &File, start: u64, end: u64) -> Facts {
    let mut facts = Facts::new(ArchiveFormat::AuradsTar);
    facts.complete_checked = true;
    let mut dump_entry: Option<(String, u64, u64)> = None;
    let mut range = FileRange::new(file, start, end);
    let walk = tar::walk(&mut range, |entry, src| {
        if dump_entry.is_none() && entry.is_regular_file() && entry.base_name().ends_with(".dump") {
            dump_entry = Some((entry.base_name().to_string(), src.abs_pos(), entry.size));
        }
        Ok(0)
    });
    match walk {
        Ok(summary) => facts.store = Some((summary.files, summary.bytes)),
        Err(fault) => {
            let finding = ctx.finding(fault, None);
            facts.set_incomplete(finding);
        }
    }
    match dump_entry {
        // A tar cut inside the dump still shows the dump's header (name, size); the walk already said "cut off".
        Some((name, offset, size)) if offset < end => {
            let inner = analyse_range(ctx, file, offset, (offset + size).min(end), true);
            merge_aurads(ArchiveFormat::AuradsTar, facts, &name, inner)
        }
        Some(_) => facts,
        None if facts.incomplete.is_some() => facts,
        None => {
            facts.set_unreadable(no_dump_inside());
            facts
        }
    }
}

/// Folds what was learned about the dump inside an AuraDS archive into the archive's facts.
fn merge_aurads(format: ArchiveFormat, mut outer: Facts, dump_name: &str, inner: Facts) -> Facts {
    outer.format = format;
    outer.inner_format = Some(inner.format).filter(|f| *f != ArchiveFormat::Unknown);
    outer.database_name = dump_name.strip_suffix(".dump").map(str::to_string).filter(|s| !s.is_empty());
    let context = |f: Finding| -> Finding {
        if f.code == ProblemCode::Damaged {
            Finding {
                message: f.message.replacen("The file is damaged: ", "The file is damaged: in the dump inside it, ", 1),
                ..f
            }
        } else {
            f
        }
    };
    if let Some(f) = inner.unreadable {
        outer.set_unreadable(context(f));
    }
    if let Some(f) = inner.incomplete {
        outer.set_incomplete(context(f));
    }
    outer.archive = inner.archive;
    outer.store_report = inner.store_report;
    outer.contents_verified = outer.contents_verified || inner.contents_verified;
    outer.notes.extend(inner.notes);
    outer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_backup_mentions_the_claimed_extension() {
        let f = not_a_backup("it looks like a ZIP archive", "x.backup");
        assert!(f
            .message
            .contains("(it looks like a ZIP archive), even though its name ends in \u{201c}.backup\u{201d}"));
        assert!(f.message.contains("unpack it first"));
    }
}
