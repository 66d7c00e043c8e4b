//! What the store files inside a dump say about themselves: the Neo4j version that wrote them and, where the
//! record layout is public and fixed, how many nodes and relationships they hold.
//!
//! A Neo4j 3.5 dump and every 4.x dump have the same outer shape (a zstd stream, Neo4j's `zstd` header, a tar
//! of the database folder), so the container cannot tell them apart — and that decides whether Aura can load
//! the file. The store inside can:
//!
//! - the metadata store `neostore` is a row of 9-byte records (an in-use byte, then a big-endian long).
//!   Before Neo4j 5, record 4 holds the store format version as a short string packed into the long
//!   (`v0.A.9` for 3.4/3.5, `SF4.0.0`, `AF4.1.a`, `SF4.3.0`/`AF4.3.0` …) and, from 4.3 on, record 19 the
//!   kernel version (3 = 4.3, 4 = 4.4). Neo4j 5 stores put a fixed marker in record 4 and their store id
//!   (`record`, `aligned`, 1.1) in the records after it;
//! - which files are there: `neostore.counts.db.a`/`.b` (3.x), `neostore.counts.db` and
//!   `neostore.indexstats.db` (4.0+), `checkpoint.N` (4.2+), `neostore.relationshipgroupstore.degrees.db`
//!   (4.3+), and the `native-btree-1.0` index folder (new in 3.5);
//! - the version byte of the first transaction log entry (-10 up to 3.5, 1 for 4.0/4.1, 2 for 4.2, 3 for 4.3,
//!   4 for 4.4).
//!
//! The facts, with their public sources, are written up in `docs/dump-format.md`.
//!
//! [`StoreProbe`] is shown a dump's tar entry by entry (by the inspection's walks over a file, or by
//! [`read_store`] over a stream) and collects this evidence; [`StoreProbe::report`] weighs it into a
//! [`StoreReport`]. Where nothing tells, the report says so (`releases: None`) instead of guessing.
//! [`aura_loads`] is the one home of the rule which dumps an Aura instance of a given version can load.

use std::io::{self, BufReader, Cursor, Read};

use crate::fault::Fault;
use crate::format::{self, Sniffed};
use crate::meta::{self, Counting};
use crate::source::{Source, SourceError, SourceReader, StreamSource};
use crate::tar::{self, Entry, Step};

/// The metadata store's record size: an in-use byte and a long (`MetaDataRecordFormat.RECORD_SIZE`).
const META_RECORD: usize = 9;
/// How much of `neostore` is read: records 0–21 of a pre-5 store, slots 0–13 of a Neo4j 5 one.
const META_PREFIX: usize = 22 * META_RECORD;
/// Record 4 of a Neo4j 5 metadata store holds this instead of a version string (`LEGACY_STORE_VERSION_VALUE`).
const NEO4J5_MARKER: u64 = 0xcf1b_bcdc_b7a5_6463;
/// Record sizes of the node and relationship stores in the standard and aligned record formats.
const NODE_RECORD: u64 = 15;
const RELATIONSHIP_RECORD: u64 = 34;
/// The page size aligned stores pad their records to (the page cache's 8 KiB pages).
const PAGE: u64 = 8192;
/// Transaction log headers: format 6 (3.5) is 16 bytes, format 7 (4.x) 64 bytes (`LogVersions`).
const LOG_FORMAT_3_5: u8 = 6;
const LOG_FORMAT_4_0: u8 = 7;
const LOG_HEADER_3_5: usize = 16;
const LOG_HEADER_4_0: usize = 64;
/// Reading buffer for the record stores.
const CHUNK: usize = 256 * 1024;

/// One Neo4j release line ("4.3"). Neo4j 5 and the calendar versions after it (2025.01, …) count as one line
/// here, shown as "5": their dumps and Aura's rules don't differ by minor version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    /// 3, 4 or 5.
    pub major: u8,
    /// The minor version (0 for the Neo4j 5 line).
    pub minor: u8,
}

impl Release {
    /// Neo4j 3.0.
    pub const V3_0: Release = Release { major: 3, minor: 0 };
    /// Neo4j 3.3.
    pub const V3_3: Release = Release { major: 3, minor: 3 };
    /// Neo4j 3.4.
    pub const V3_4: Release = Release { major: 3, minor: 4 };
    /// Neo4j 3.5.
    pub const V3_5: Release = Release { major: 3, minor: 5 };
    /// Neo4j 4.0.
    pub const V4_0: Release = Release { major: 4, minor: 0 };
    /// Neo4j 4.1.
    pub const V4_1: Release = Release { major: 4, minor: 1 };
    /// Neo4j 4.2.
    pub const V4_2: Release = Release { major: 4, minor: 2 };
    /// Neo4j 4.3.
    pub const V4_3: Release = Release { major: 4, minor: 3 };
    /// Neo4j 4.4.
    pub const V4_4: Release = Release { major: 4, minor: 4 };
    /// Neo4j 5 and later.
    pub const V5: Release = Release { major: 5, minor: 0 };

    /// Every release line, oldest first.
    pub const ALL: [Release; 12] = [
        Release { major: 3, minor: 0 },
        Release { major: 3, minor: 1 },
        Release { major: 3, minor: 2 },
        Release::V3_3,
        Release::V3_4,
        Release::V3_5,
        Release::V4_0,
        Release::V4_1,
        Release::V4_2,
        Release::V4_3,
        Release::V4_4,
        Release::V5,
    ];

    /// "4.3", or "5" for the Neo4j 5 line.
    pub fn name(self) -> String {
        if self.major >= 5 {
            self.major.to_string()
        } else {
            format!("{}.{}", self.major, self.minor)
        }
    }
}

/// The releases a store may come from: `oldest` to `newest`, equal when the version is known exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Releases {
    /// The oldest release that fits the evidence.
    pub oldest: Release,
    /// The newest release that fits the evidence.
    pub newest: Release,
}

impl Releases {
    /// From `oldest` to `newest` (swapped if given the wrong way round).
    pub fn new(oldest: Release, newest: Release) -> Self {
        Releases { oldest: oldest.min(newest), newest: oldest.max(newest) }
    }

    /// Exactly one release.
    pub fn exactly(release: Release) -> Self {
        Releases { oldest: release, newest: release }
    }

    /// The release, when only one fits.
    pub fn exact(self) -> Option<Release> {
        (self.oldest == self.newest).then_some(self.oldest)
    }

    /// Whether every release in the range is at least `release`.
    pub fn all_at_least(self, release: Release) -> bool {
        self.oldest >= release
    }

    /// Whether every release in the range is older than `release`.
    pub fn all_before(self, release: Release) -> bool {
        self.newest < release
    }

    fn intersect(self, other: Releases) -> Option<Releases> {
        let oldest = self.oldest.max(other.oldest);
        let newest = self.newest.min(other.newest);
        (oldest <= newest).then_some(Releases { oldest, newest })
    }

    /// The range in words: "4.3", "4.3 or 4.4", "4.0 to 4.2", "3.x" (a whole major line), "3.x or 4.x".
    pub fn name(self) -> String {
        let lines: Vec<Release> =
            Release::ALL.iter().copied().filter(|r| *r >= self.oldest && *r <= self.newest).collect();
        let Some(first) = lines.first() else { return self.oldest.name() };
        let last = lines[lines.len() - 1];
        // One part per major line: the whole line ("3.x"), a run of three or more ("4.0 to 4.2"), or each.
        let mut parts: Vec<String> = Vec::new();
        for major in first.major..=last.major {
            let mine: Vec<Release> = lines.iter().copied().filter(|r| r.major == major).collect();
            let whole = Release::ALL.iter().filter(|r| r.major == major).count();
            match mine.as_slice() {
                [] => {}
                [one] => parts.push(one.name()),
                _ if mine.len() == whole && whole > 1 => parts.push(format!("{major}.x")),
                [a, b] => parts.extend([a.name(), b.name()]),
                [a, .., z] => parts.push(format!("{} to {}", a.name(), z.name())),
            }
        }
        match parts.as_slice() {
            [one] => one.clone(),
            [init @ .., tail] => format!("{} or {tail}", init.join(", ")),
            [] => self.oldest.name(),
        }
    }
}

/// Whether an Aura instance can load a dump: the answer of [`aura_loads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loadable {
    /// It loads (a 4.4 dump into a Neo4j 5 instance is upgraded while loading).
    Yes,
    /// It fails to load, for this reason.
    No(Refusal),
    /// The releases the dump may come from straddle the line, so it can't be told.
    NotKnown,
}

/// Why an Aura instance can't load a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A Neo4j 3.x dump: no Aura instance loads one; it must be migrated through Neo4j 4.4 first.
    Neo4j3,
    /// A Neo4j 4.0–4.3 dump for a Neo4j 5 instance: Neo4j 5 migrates only from 4.4, so it must be loaded into
    /// 4.4 and dumped again.
    Before4_4,
    /// A dump from a newer Neo4j than the instance runs (a Neo4j 5 dump for a 4.x instance).
    Newer,
}

/// Which dumps an Aura instance of Neo4j `target_major` (4, or 5 for 5 and the calendar versions) can load.
///
/// Neo4j 5 reads only the 4.3-generation legacy store formats and migrates from 4.4 only, so Aura 5 takes dumps
/// from 4.4 and 5; Aura 4 instances (Neo4j 4.4) take any 4.x dump; nothing on Aura takes a 3.x dump.
pub fn aura_loads(dump: Releases, target_major: u8) -> Loadable {
    let verdict = |r: Release| -> Result<(), Refusal> {
        if r.major <= 3 {
            Err(Refusal::Neo4j3)
        } else if r.major > target_major.min(5) {
            Err(Refusal::Newer)
        } else if target_major >= 5 && r < Release::V4_4 {
            Err(Refusal::Before4_4)
        } else {
            Ok(())
        }
    };
    let all: Vec<Result<(), Refusal>> =
        Release::ALL.iter().copied().filter(|r| *r >= dump.oldest && *r <= dump.newest).map(verdict).collect();
    match all.first() {
        None => Loadable::NotKnown,
        Some(first) if all.iter().all(|v| v == first) => match first {
            Ok(()) => Loadable::Yes,
            Err(refusal) => Loadable::No(*refusal),
        },
        // All refused, for different reasons (3.x or 4.0–4.3 into Neo4j 5): the older reason decides the advice.
        Some(_) if all.iter().all(Result::is_err) => Loadable::No(Refusal::Neo4j3),
        Some(_) => Loadable::NotKnown,
    }
}

/// Nodes and relationships, as the node and relationship stores' in-use records count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreCounts {
    /// Nodes.
    pub nodes: u64,
    /// Relationships.
    pub relationships: u64,
}

/// What the store inside an archive says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreReport {
    /// The Neo4j releases the store may come from; `None` when nothing in the archive told.
    pub releases: Option<Releases>,
    /// The store format as the metadata store records it: "AF4.3.0", "v0.A.9", "record-aligned-1.1".
    pub store_format: Option<String>,
    /// The counts, when the node and relationship stores were read and their format's layout is known
    /// (standard and aligned record formats; not high_limit or block).
    pub counts: Option<StoreCounts>,
    /// Whether a metadata store (`neostore`) was found and read.
    pub metadata_read: bool,
}

/// A Neo4j 5 store id as the metadata store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoreId5 {
    engine: String,
    family: String,
    major: i8,
    minor: i8,
}

/// In-use records of a record store, counted for both layouts (which one applies is known only once the
/// metadata store has been read, and the tar may list the record store first).
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    standard: u64,
    aligned: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Standard,
    Aligned,
}

/// Everything the probe has seen.
#[derive(Debug, Clone, Default)]
struct Evidence {
    legacy_version: Option<String>,
    store_id: Option<StoreId5>,
    kernel_version: Option<i8>,
    /// Record 18 (the checkpoint log version, from 4.2) is in use.
    checkpoint_record: bool,
    metadata_read: bool,
    counts_ab: bool,
    counts_gbptree: bool,
    index_stats: bool,
    degrees: bool,
    checkpoint: bool,
    native_btree: bool,
    log_entry_version: Option<i8>,
    nodes: Option<Tally>,
    relationships: Option<Tally>,
}

/// Collects evidence from a dump's tar, entry by entry. See the module documentation.
#[derive(Debug)]
pub(crate) struct StoreProbe {
    evidence: Evidence,
    count_records: bool,
    stop_after: Option<u64>,
}

impl StoreProbe {
    /// A probe that reads everything it needs, including the record stores (for the counts), and stops the walk
    /// once it has them and the version is settled.
    pub(crate) fn thorough() -> Self {
        Self { evidence: Evidence::default(), count_records: true, stop_after: Some(u64::MAX) }
    }

    /// A probe for the version only, that stops the walk as soon as the version is settled or `limit` bytes of
    /// the tar have gone by (whichever comes first).
    pub(crate) fn quick(limit: u64) -> Self {
        Self { evidence: Evidence::default(), count_records: false, stop_after: Some(limit) }
    }

    /// A probe for the version only that never stops the walk (for walks that must reach the end anyway).
    pub(crate) fn alongside() -> Self {
        Self { evidence: Evidence::default(), count_records: false, stop_after: None }
    }

    /// Looks at one tar entry; reads what it needs of the entry's data and says how much it read.
    pub(crate) fn on_entry<S: Source>(&mut self, entry: &Entry, src: &mut S) -> Result<Step, Fault> {
        let consumed = if entry.is_regular_file() { self.look(entry, src)? } else { 0 };
        if let Some(limit) = self.stop_after {
            let counted =
                !self.count_records || (self.evidence.nodes.is_some() && self.evidence.relationships.is_some());
            if src.pos() >= limit || (self.settled() && counted) {
                return Ok(Step::Stop);
            }
        }
        Ok(Step::Next(consumed))
    }

    fn look<S: Source>(&mut self, entry: &Entry, src: &mut S) -> Result<u64, Fault> {
        let path = entry.name.trim_start_matches("./").trim_end_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        // Page-cache warm-up profiles mirror the store's file names; they say nothing.
        if parts.contains(&"profiles") {
            return Ok(0);
        }
        if parts.windows(3).any(|w| w[0] == "schema" && w[1] == "index" && w[2] == "native-btree-1.0") {
            self.evidence.native_btree = true;
        }
        let Some(&base) = parts.last() else { return Ok(0) };
        let top_level = parts.len() == 1;
        let e = &mut self.evidence;
        match base {
            "neostore" if top_level => {
                let head = read_prefix(src, entry.size, META_PREFIX)?;
                e.metadata_read = true;
                read_metadata(&head, e);
                return Ok(head.len() as u64);
            }
            "neostore.counts.db.a" | "neostore.counts.db.b" => e.counts_ab = true,
            "neostore.counts.db" => e.counts_gbptree = true,
            "neostore.indexstats.db" => e.index_stats = true,
            "neostore.relationshipgroupstore.degrees.db" => e.degrees = true,
            "neostore.nodestore.db" if top_level && self.count_records => {
                let tally = tally_records(src, entry.size, NODE_RECORD)?;
                self.evidence.nodes = Some(tally);
                return Ok(entry.size);
            }
            "neostore.relationshipstore.db" if top_level && self.count_records => {
                let tally = tally_records(src, entry.size, RELATIONSHIP_RECORD)?;
                self.evidence.relationships = Some(tally);
                return Ok(entry.size);
            }
            _ => {
                let log = base.strip_prefix("neostore.transaction.db.");
                let checkpoint = base.strip_prefix("checkpoint.");
                let numbered =
                    |s: Option<&str>| s.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if numbered(checkpoint) {
                    e.checkpoint = true;
                }
                if (numbered(log) || numbered(checkpoint)) && e.log_entry_version.is_none() {
                    let head = read_prefix(src, entry.size, LOG_HEADER_4_0 + 1)?;
                    e.log_entry_version = first_entry_version(&head);
                    return Ok(head.len() as u64);
                }
            }
        }
        Ok(0)
    }

    /// Whether more entries could still change the version (the counts aside).
    fn settled(&self) -> bool {
        let e = &self.evidence;
        if e.store_id.is_some() {
            return true;
        }
        match e.legacy_version.as_deref() {
            // 4.3 or 4.4: the kernel version record decides.
            Some("SF4.3.0" | "AF4.3.0" | "HL4.3.0") => e.kernel_version.is_some(),
            // 4.0, 4.1 or 4.2: the transaction log (or a checkpoint file) decides.
            Some("SF4.0.0" | "HL4.0.0" | "AF4.1.a") => {
                e.log_entry_version.is_some() || e.checkpoint || e.checkpoint_record
            }
            // 3.4 or 3.5: only a 3.5 index folder tells, so read on until the limit.
            _ => false,
        }
    }

    /// Weighs the evidence.
    pub(crate) fn report(&self) -> StoreReport {
        let e = &self.evidence;
        let store_format = match (&e.store_id, &e.legacy_version) {
            (Some(id), _) => Some(format!("{}-{}-{}.{}", id.engine, id.family, id.major, id.minor)),
            (None, Some(v)) => Some(v.clone()),
            (None, None) => None,
        };
        StoreReport { releases: releases(e), store_format, counts: counts(e), metadata_read: e.metadata_read }
    }
}

/// Reads up to `max` bytes of an entry of `size` bytes.
fn read_prefix<S: Source>(src: &mut S, size: u64, max: usize) -> Result<Vec<u8>, Fault> {
    let mut buf = vec![0u8; size.min(max as u64) as usize];
    src.read_exact(&mut buf)?;
    Ok(buf)
}

/// Counts the records of a store file whose first byte has the in-use bit set, for both layouts.
fn tally_records<S: Source>(src: &mut S, size: u64, record: u64) -> Result<Tally, Fault> {
    let mut tally = Tally::default();
    let per_page = PAGE / record;
    let mut buf = vec![0u8; CHUNK];
    let mut at: u64 = 0;
    while at < size {
        let want = (size - at).min(CHUNK as u64) as usize;
        src.read_exact(&mut buf[..want])?;
        let chunk = &buf[..want];
        let end = at + want as u64;
        // Standard: records back to back from offset 0; a record counts if it lies wholly in the file.
        let mut r = at.div_ceil(record) * record;
        while r < end && r + record <= size {
            if chunk[(r - at) as usize] & 1 != 0 {
                tally.standard += 1;
            }
            r += record;
        }
        // Aligned: `per_page` records at the start of every page, the rest of the page padding.
        let mut page = at / PAGE * PAGE;
        while page < end {
            for i in 0..per_page {
                let o = page + i * record;
                if o >= at && o < end && o + record <= size && chunk[(o - at) as usize] & 1 != 0 {
                    tally.aligned += 1;
                }
            }
            page += PAGE;
        }
        at = end;
    }
    Ok(tally)
}

/// A record of the metadata store: `Some(value)` when it is in use.
fn meta_record(head: &[u8], index: usize) -> Option<u64> {
    let at = index * META_RECORD;
    let rec = head.get(at..at + META_RECORD)?;
    (rec[0] == 1).then(|| u64::from_be_bytes(rec[1..].try_into().unwrap_or([0; 8])))
}

fn read_metadata(head: &[u8], e: &mut Evidence) {
    let Some(version) = meta_record(head, 4) else { return };
    if version == NEO4J5_MARKER {
        // The store id spans the 8-byte values of the records after the marker.
        let mut bytes = Vec::new();
        for i in 5..13 {
            bytes.extend_from_slice(&meta_record(head, i).unwrap_or(0).to_be_bytes());
        }
        e.store_id = parse_store_id(&bytes);
        return;
    }
    e.legacy_version = decode_version(version);
    e.checkpoint_record = meta_record(head, 18).is_some();
    e.kernel_version = meta_record(head, 19).and_then(|v| i8::try_from(v as i64).ok());
}

/// A pre-5 store format version: the low byte is the length, then one character per byte upwards.
pub(crate) fn decode_version(value: u64) -> Option<String> {
    let len = (value & 0xFF) as usize;
    if !(1..=7).contains(&len) {
        return None;
    }
    let text: String = (0..len).map(|i| char::from(((value >> (8 * (i + 1))) & 0xFF) as u8)).collect();
    text.chars().all(|c| c.is_ascii_graphic()).then_some(text)
}

/// The inverse of [`decode_version`], for the test generator.
pub(crate) fn encode_version(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut value = bytes.len().min(7) as u64;
    for (i, b) in bytes.iter().take(7).enumerate() {
        value |= u64::from(*b) << (8 * (i + 1));
    }
    value
}

fn parse_store_id(bytes: &[u8]) -> Option<StoreId5> {
    let mut r = bytes;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, rest) = (r.get(..n)?, r.get(n..)?);
        r = rest;
        Some(head)
    };
    if take(1)? != [1] {
        return None;
    }
    take(16)?; // creation time and random number
    let engine_len = usize::from(take(1)?[0]);
    let engine = String::from_utf8(take(engine_len)?.to_vec()).ok()?;
    let family_len = usize::from(take(1)?[0]);
    let family = String::from_utf8(take(family_len)?.to_vec()).ok()?;
    let major = take(1)?[0] as i8;
    let minor = take(1)?[0] as i8;
    Some(StoreId5 { engine, family, major, minor })
}

/// The version byte of the first entry after a transaction log's (or checkpoint file's) header.
fn first_entry_version(head: &[u8]) -> Option<i8> {
    let header = match *head.first()? {
        LOG_FORMAT_3_5 => LOG_HEADER_3_5,
        LOG_FORMAT_4_0 => LOG_HEADER_4_0,
        _ => return None,
    };
    head.get(header).map(|&b| b as i8).filter(|&v| v != 0)
}

/// The releases that wrote a store format version (`StoreVersion`'s introduction versions; a format is
/// written until the next generation replaces it).
fn format_releases(version: &str) -> Option<Releases> {
    Some(match version {
        "v0.A.9" | "vE.H.4" => Releases::new(Release::V3_4, Release::V3_5),
        v if v.starts_with('v') => Releases::new(Release::V3_0, Release::V3_3),
        "SF4.0.0" | "HL4.0.0" => Releases::new(Release::V4_0, Release::V4_2),
        "AF4.1.a" => Releases::new(Release::V4_1, Release::V4_2),
        "SF4.3.0" | "AF4.3.0" | "HL4.3.0" => Releases::new(Release::V4_3, Release::V4_4),
        _ => return None,
    })
}

/// The releases a kernel version (`KernelVersion`) belongs to, as found in the metadata store or a log entry.
fn kernel_releases(version: i8) -> Option<Releases> {
    Some(match version {
        -10 => Releases::new(Release::V3_0, Release::V3_5),
        1 => Releases::new(Release::V4_0, Release::V4_1),
        // 4.2, and the first 4.3 drops.
        2 => Releases::new(Release::V4_2, Release::V4_3),
        3 => Releases::exactly(Release::V4_3),
        4 => Releases::exactly(Release::V4_4),
        v if v >= 5 => Releases::exactly(Release::V5),
        _ => return None,
    })
}

fn releases(e: &Evidence) -> Option<Releases> {
    if e.store_id.is_some() {
        return Some(Releases::exactly(Release::V5));
    }
    // What the files present say; used alone when the metadata store can't be read, else to narrow it.
    let mut hints: Vec<Releases> = Vec::new();
    if e.counts_ab {
        hints.push(Releases::new(Release::V3_0, Release::V3_5));
    }
    if e.counts_gbptree || e.index_stats {
        hints.push(Releases::new(Release::V4_0, Release::V5));
    }
    if e.checkpoint || e.checkpoint_record {
        hints.push(Releases::new(Release::V4_2, Release::V5));
    }
    if e.degrees {
        hints.push(Releases::new(Release::V4_3, Release::V5));
    }
    if let Some(r) = e.log_entry_version.and_then(kernel_releases) {
        hints.push(r);
    }
    let narrow = |mut range: Releases, hints: &[Releases]| {
        for hint in hints {
            if let Some(r) = range.intersect(*hint) {
                range = r;
            }
        }
        range
    };
    match e.legacy_version.as_deref().and_then(format_releases) {
        Some(format) => {
            let mut range = format;
            // The 4.3-generation formats record the kernel version; below 4.4 it is a 4.3 store (one that was
            // migrated to the 4.3 format keeps kernel version 4.2 until it is upgraded).
            if let Some(k) = e.kernel_version.filter(|_| format.oldest == Release::V4_3) {
                range = Releases::exactly(if k >= 4 { Release::V4_4 } else { Release::V4_3 });
            }
            if e.native_btree && range == Releases::new(Release::V3_4, Release::V3_5) {
                range = Releases::exactly(Release::V3_5);
            }
            Some(narrow(range, &hints))
        }
        // A metadata store whose version we can't read: the files may still tell.
        None => {
            let mut it = hints.iter();
            let first = *it.next()?;
            Some(narrow(first, &hints))
        }
    }
}

fn counts(e: &Evidence) -> Option<StoreCounts> {
    let layout = match (&e.store_id, e.legacy_version.as_deref()) {
        (Some(id), _) if id.engine == "record" && id.family == "standard" => Layout::Standard,
        (Some(id), _) if id.engine == "record" && id.family == "aligned" => Layout::Aligned,
        (None, Some("v0.A.9" | "SF4.0.0" | "SF4.3.0")) => Layout::Standard,
        (None, Some("AF4.1.a" | "AF4.3.0")) => Layout::Aligned,
        _ => return None,
    };
    let pick = |t: Tally| match layout {
        Layout::Standard => t.standard,
        Layout::Aligned => t.aligned,
    };
    Some(StoreCounts { nodes: pick(e.nodes?), relationships: pick(e.relationships?) })
}

/// Reads an archive of any format Lifeboat knows as one stream (the parts of an upload, in order) and returns
/// what its store says — and, when `count`, reads the node and relationship stores to count them. It stops as
/// soon as it knows what was asked. `Ok(None)` when the stream isn't a Neo4j archive; damage part-way ends the
/// reading and the report holds what was learned until then. Only errors of the underlying reader are errors.
///
/// Used by the emulator to load an uploaded file as Aura would: the version decides whether it loads, the
/// counts what the restored database holds.
pub fn read_store<R: Read>(reader: R, count: bool) -> io::Result<Option<StoreReport>> {
    read_stream(Box::new(reader), 0, count)
}

/// A dump inside an AuraDS archive inside … is followed this deep.
const MAX_NESTING: u8 = 2;

fn read_stream<'a>(reader: Box<dyn Read + 'a>, depth: u8, count: bool) -> io::Result<Option<StoreReport>> {
    let mut reader = BufReader::with_capacity(CHUNK, reader);
    let mut head = Vec::with_capacity(512);
    (&mut reader).take(512).read_to_end(&mut head)?;
    let rest = Cursor::new(head.clone()).chain(reader);
    let outcome = match format::sniff(&head) {
        Sniffed::Known(f) => {
            use crate::format::ArchiveFormat as F;
            match f {
                F::DumpZstd => zstd_store(skip(rest, 4)?, Preamble::None, count),
                F::DumpLegacyZstd => zstd_store(Box::new(rest), Preamble::None, count),
                F::BackupZstdV1 => zstd_store(skip(rest, 4)?, Preamble::MetaV1, count),
                F::BackupZstdV2 => zstd_store(skip(rest, 4)?, Preamble::MetaV2, count),
                F::BackupZstdV3 | F::BackupTarV1 | F::BackupTarV2 => {
                    let mut rest = skip(rest, 4)?;
                    let v2 = f != F::BackupTarV1;
                    let meta = (|| {
                        if v2 {
                            let mut v = [0u8; 1];
                            rest.read_exact(&mut v).map_err(SourceError::from_read)?;
                        }
                        meta::read_backup_meta(&mut Counting { inner: &mut rest, count: 0 }, v2)
                    })();
                    match meta {
                        Err(fault) => Err(fault),
                        Ok(_) if f == F::BackupZstdV3 => zstd_store(rest, Preamble::None, count),
                        Ok(_) => tar_store(rest, depth, count),
                    }
                }
                F::DumpGzip => tar_store(Box::new(flate2::read::MultiGzDecoder::new(skip(rest, 4)?)), depth, count),
                _ => return Ok(None),
            }
        }
        Sniffed::Gzip => tar_store(Box::new(flate2::read::MultiGzDecoder::new(rest)), depth, count),
        Sniffed::Tar => tar_store(Box::new(rest), depth, count),
        Sniffed::SplitPart | Sniffed::Other => return Ok(None),
    };
    match outcome {
        Ok(report) => Ok(Some(report)),
        Err(Fault::Io(e)) => Err(e),
        // Damaged or cut off before the store could be read: nothing learned.
        Err(_) => Ok(Some(StoreReport::default())),
    }
}

fn skip<'a>(mut r: impl Read + 'a, n: u64) -> io::Result<Box<dyn Read + 'a>> {
    io::copy(&mut (&mut r).take(n), &mut io::sink())?;
    Ok(Box::new(r))
}

#[derive(Clone, Copy)]
enum Preamble {
    None,
    MetaV1,
    MetaV2,
}

fn zstd_store<'a>(reader: Box<dyn Read + 'a>, preamble: Preamble, count: bool) -> Result<StoreReport, Fault> {
    let mut d = zstd::stream::read::Decoder::new(reader).map_err(Fault::Io)?;
    meta::read_payload_header(&mut d)?;
    match preamble {
        Preamble::None => {}
        Preamble::MetaV1 => {
            meta::read_backup_meta(&mut d, false)?;
        }
        Preamble::MetaV2 => {
            let mut v = [0u8; 1];
            d.read_exact(&mut v).map_err(SourceError::from_read)?;
            meta::read_backup_meta(&mut d, true)?;
        }
    }
    meta::read_archive_meta(&mut d)?;
    tar_store(Box::new(d), MAX_NESTING, count)
}

/// Walks a tar with a probe; a `.dump` entry (an AuraDS archive) is read as an archive of its own.
fn tar_store<'a>(reader: Box<dyn Read + 'a>, depth: u8, count: bool) -> Result<StoreReport, Fault> {
    let mut src = StreamSource::new(BufReader::with_capacity(CHUNK, reader));
    let mut probe = if count { StoreProbe::thorough() } else { StoreProbe::quick(u64::MAX) };
    let mut nested: Option<StoreReport> = None;
    let walked = tar::walk_steps(&mut src, |entry, src| {
        if depth < MAX_NESTING && nested.is_none() && entry.is_regular_file() && entry.base_name().ends_with(".dump") {
            let mut inner = SourceReader::new(src, entry.size);
            let report = read_stream(Box::new(&mut inner), depth + 1, count).map_err(Fault::Io)?;
            let left = inner.remaining();
            nested = report;
            return Ok(Step::Next(entry.size - left));
        }
        probe.on_entry(entry, src)
    });
    let own = probe.report();
    let report = match nested {
        Some(inner) if !own.metadata_read => inner,
        _ => own,
    };
    match walked {
        Ok(_) => Ok(report),
        Err(Fault::Io(e)) => Err(Fault::Io(e)),
        // Cut off or damaged part-way: keep what was learned before.
        Err(_) => Ok(report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(oldest: Release, newest: Release) -> Releases {
        Releases::new(oldest, newest)
    }

    #[test]
    fn version_strings_decode_as_neo4j_packs_them() {
        // Record 4 of the Movies 3.5 and 4.3 example dumps.
        assert_eq!(decode_version(0x0039_2e41_2e30_7606).as_deref(), Some("v0.A.9"));
        assert_eq!(decode_version(0x302e_332e_3446_4107).as_deref(), Some("AF4.3.0"));
        for v in ["v0.A.9", "SF4.0.0", "AF4.1.a", "SF4.3.0", "HL4.3.0"] {
            assert_eq!(decode_version(encode_version(v)).as_deref(), Some(v));
        }
        assert_eq!(decode_version(0), None);
        assert_eq!(decode_version(u64::MAX), None);
    }

    #[test]
    fn ranges_have_names() {
        assert_eq!(Releases::exactly(Release::V4_3).name(), "4.3");
        assert_eq!(Releases::exactly(Release::V5).name(), "5");
        assert_eq!(r(Release::V4_3, Release::V4_4).name(), "4.3 or 4.4");
        assert_eq!(r(Release::V4_0, Release::V4_2).name(), "4.0 to 4.2");
        assert_eq!(r(Release::V3_0, Release::V3_5).name(), "3.x");
        assert_eq!(r(Release::V3_4, Release::V4_4).name(), "3.4, 3.5 or 4.x");
        assert_eq!(r(Release::V4_3, Release::V5).name(), "4.3, 4.4 or 5");
        assert_eq!(r(Release::V3_0, Release::V4_4).name(), "3.x or 4.x");
        assert_eq!(r(Release::V4_4, Release::V5).name(), "4.4 or 5");
    }

    #[test]
    fn aura_rules() {
        let five = |a, b| aura_loads(r(a, b), 5);
        assert_eq!(five(Release::V5, Release::V5), Loadable::Yes);
        assert_eq!(five(Release::V4_4, Release::V4_4), Loadable::Yes);
        assert_eq!(five(Release::V4_3, Release::V4_3), Loadable::No(Refusal::Before4_4));
        assert_eq!(five(Release::V4_0, Release::V4_2), Loadable::No(Refusal::Before4_4));
        assert_eq!(five(Release::V3_5, Release::V3_5), Loadable::No(Refusal::Neo4j3));
        assert_eq!(five(Release::V3_4, Release::V4_2), Loadable::No(Refusal::Neo4j3));
        assert_eq!(five(Release::V4_3, Release::V4_4), Loadable::NotKnown);
        let four = |a, b| aura_loads(r(a, b), 4);
        assert_eq!(four(Release::V4_0, Release::V4_1), Loadable::Yes);
        assert_eq!(four(Release::V3_5, Release::V3_5), Loadable::No(Refusal::Neo4j3));
        assert_eq!(four(Release::V5, Release::V5), Loadable::No(Refusal::Newer));
        assert_eq!(four(Release::V3_4, Release::V4_4), Loadable::NotKnown);
    }

    fn evidence(version: &str) -> Evidence {
        Evidence { legacy_version: Some(version.into()), metadata_read: true, ..Evidence::default() }
    }

    #[test]
    fn evidence_narrows_the_releases() {
        assert_eq!(releases(&evidence("v0.A.9")), Some(r(Release::V3_4, Release::V3_5)));
        assert_eq!(
            releases(&Evidence { native_btree: true, ..evidence("v0.A.9") }),
            Some(Releases::exactly(Release::V3_5))
        );
        assert_eq!(
            releases(&Evidence { log_entry_version: Some(1), ..evidence("SF4.0.0") }),
            Some(r(Release::V4_0, Release::V4_1))
        );
        assert_eq!(
            releases(&Evidence { log_entry_version: Some(1), ..evidence("AF4.1.a") }),
            Some(Releases::exactly(Release::V4_1))
        );
        assert_eq!(
            releases(&Evidence { checkpoint: true, log_entry_version: Some(2), ..evidence("AF4.1.a") }),
            Some(Releases::exactly(Release::V4_2))
        );
        assert_eq!(
            releases(&Evidence { checkpoint_record: true, ..evidence("SF4.0.0") }),
            Some(Releases::exactly(Release::V4_2))
        );
        assert_eq!(
            releases(&Evidence { kernel_version: Some(2), ..evidence("AF4.3.0") }),
            Some(Releases::exactly(Release::V4_3))
        );
        assert_eq!(
            releases(&Evidence { kernel_version: Some(4), ..evidence("SF4.3.0") }),
            Some(Releases::exactly(Release::V4_4))
        );
        assert_eq!(releases(&evidence("SF4.3.0")), Some(r(Release::V4_3, Release::V4_4)));
        // Files alone, without a readable metadata store.
        assert_eq!(
            releases(&Evidence { counts_ab: true, ..Evidence::default() }),
            Some(r(Release::V3_0, Release::V3_5))
        );
        assert_eq!(
            releases(&Evidence { counts_gbptree: true, degrees: true, ..Evidence::default() }),
            Some(r(Release::V4_3, Release::V5))
        );
        assert_eq!(releases(&Evidence::default()), None);
        assert_eq!(releases(&evidence("XX9.9.9")), None);
    }

    #[test]
    fn record_tallies_follow_both_layouts() {
        // Two pages of aligned node records: 546 per page, the first 3 and the last in use on page 0, 1 on page 1.
        let mut data = vec![0u8; 2 * PAGE as usize];
        for i in [0u64, 1, 2, 545] {
            data[(i * NODE_RECORD) as usize] = 1;
        }
        data[PAGE as usize] = 1;
        let mut src = StreamSource::new(Cursor::new(&data));
        let tally = tally_records(&mut src, data.len() as u64, NODE_RECORD).expect("tally");
        assert_eq!(tally.aligned, 5);
        // Read back to back, page 1's first record is at offset 8192, which is not a multiple of 15.
        assert_eq!(tally.standard, 4);
    }
}
