//! The store files of a generated archive ([`crate::testgen`]): a metadata store, record stores and the files
//! that mark a Neo4j version, shaped as real stores shape them, so the version a test asks for is the version
//! [`crate::store`] reads back — and the node and relationship stores count what the test asked for.
//!
//! Only the markers are real: the other files are filler, and no Neo4j could open the result.

use crate::store::encode_version;

/// Which Neo4j version a generated store claims, through the markers real stores of that version carry
/// (`docs/dump-format.md`): the metadata store's records, the files present, the transaction log's first entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestStore {
    /// Neo4j 3.5: format `v0.A.9`, counts in `neostore.counts.db.a`/`.b`, a `native-btree-1.0` index, log entry
    /// version -10.
    Neo4j3_5,
    /// Neo4j 4.0 (or 4.1, which writes the same standard store): `SF4.0.0`, `neostore.counts.db` and
    /// `neostore.indexstats.db`, log entry version 1.
    Neo4j4_0,
    /// Neo4j 4.1: the aligned format `AF4.1.a`, log entry version 1.
    Neo4j4_1,
    /// Neo4j 4.2: `AF4.1.a`, a `checkpoint.0` file and the checkpoint record, log entry version 2.
    Neo4j4_2,
    /// Neo4j 4.3: `AF4.3.0`, kernel version 3, the relationship group degrees store.
    Neo4j4_3,
    /// Neo4j 4.4: `AF4.3.0`, kernel version 4.
    Neo4j4_4,
    /// Neo4j 5: the 5.x metadata store with store id `record-aligned-1.1`.
    Neo4j5,
    /// No version markers: filler files under store names (a store whose version can't be read).
    Unmarked,
}

impl TestStore {
    /// Every marked store, oldest first.
    pub const MARKED: [TestStore; 7] = [
        TestStore::Neo4j3_5,
        TestStore::Neo4j4_0,
        TestStore::Neo4j4_1,
        TestStore::Neo4j4_2,
        TestStore::Neo4j4_3,
        TestStore::Neo4j4_4,
        TestStore::Neo4j5,
    ];

    /// What the inspection names this store's version ("4.3"; "4.0 or 4.1" for a standard 4.0 store).
    pub fn version_name(self) -> Option<&'static str> {
        Some(match self {
            TestStore::Neo4j3_5 => "3.5",
            TestStore::Neo4j4_0 => "4.0 or 4.1",
            TestStore::Neo4j4_1 => "4.1",
            TestStore::Neo4j4_2 => "4.2",
            TestStore::Neo4j4_3 => "4.3",
            TestStore::Neo4j4_4 => "4.4",
            TestStore::Neo4j5 => "5",
            TestStore::Unmarked => return None,
        })
    }

    fn legacy_version(self) -> Option<&'static str> {
        match self {
            TestStore::Neo4j3_5 => Some("v0.A.9"),
            TestStore::Neo4j4_0 => Some("SF4.0.0"),
            TestStore::Neo4j4_1 | TestStore::Neo4j4_2 => Some("AF4.1.a"),
            TestStore::Neo4j4_3 | TestStore::Neo4j4_4 => Some("AF4.3.0"),
            TestStore::Neo4j5 | TestStore::Unmarked => None,
        }
    }

    fn aligned(self) -> bool {
        !matches!(self, TestStore::Neo4j3_5 | TestStore::Neo4j4_0)
    }

    /// The version byte of the transaction log's entries (the kernel version).
    fn log_entry_version(self) -> i8 {
        match self {
            TestStore::Neo4j3_5 => -10,
            TestStore::Neo4j4_0 | TestStore::Neo4j4_1 => 1,
            TestStore::Neo4j4_2 => 2,
            TestStore::Neo4j4_3 => 3,
            TestStore::Neo4j4_4 => 4,
            TestStore::Neo4j5 | TestStore::Unmarked => 5,
        }
    }
}

/// What a generated store file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// These bytes.
    Bytes(Vec<u8>),
    /// `count` in-use records of `size` bytes, back to back or page-aligned, nothing else in use.
    Records { size: u64, count: u64, aligned: bool },
    /// Filler bytes.
    Filler,
}

/// One file of a generated store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedFile {
    pub name: String,
    pub size: u64,
    pub content: Content,
}

impl PlannedFile {
    fn bytes(name: &str, bytes: Vec<u8>) -> Self {
        PlannedFile { name: name.into(), size: bytes.len() as u64, content: Content::Bytes(bytes) }
    }

    fn filler(name: &str, size: u64) -> Self {
        PlannedFile { name: name.into(), size, content: Content::Filler }
    }

    /// The byte at `offset` of a records file (the caller streams it in chunks).
    pub(crate) fn record_byte(size: u64, count: u64, aligned: bool, offset: u64) -> u8 {
        let index = if aligned {
            let per_page = PAGE / size;
            let (page, within) = (offset / PAGE, offset % PAGE);
            if !within.is_multiple_of(size) || within / size >= per_page {
                return 0;
            }
            page * per_page + within / size
        } else {
            if !offset.is_multiple_of(size) {
                return 0;
            }
            offset / size
        };
        u8::from(index < count)
    }
}

const PAGE: u64 = 8192;
const NODE_RECORD: u64 = 15;
const RELATIONSHIP_RECORD: u64 = 34;
const META_RECORD: usize = 9;
const NEO4J5_MARKER: u64 = 0xcf1b_bcdc_b7a5_6463;
/// A fixed store creation time (2024-06-01), so output is reproducible.
const CREATED_MS: u64 = 1_717_243_200_000;

/// Bytes needed for `count` records of `size` bytes (whole pages, at least one).
fn records_len(size: u64, count: u64, aligned: bool) -> u64 {
    let raw = if aligned { count.div_ceil(PAGE / size) * PAGE } else { count * size };
    raw.div_ceil(PAGE).max(1) * PAGE
}

/// The marker files of `store` and, when `with_records` and they fit in `budget` bytes, the node and
/// relationship stores holding `nodes` and `relationships` in-use records.
pub(crate) fn marked_files(store: TestStore, nodes: u64, relationships: u64, budget: u64) -> Vec<PlannedFile> {
    let mut files = vec![PlannedFile::bytes("./neostore", metadata(store, nodes + relationships))];
    let aligned = store.aligned();
    let node_len = records_len(NODE_RECORD, nodes, aligned);
    let rel_len = records_len(RELATIONSHIP_RECORD, relationships, aligned);
    let markers = version_files(store);
    let fixed: u64 = files.iter().chain(&markers).map(|f| f.size).sum();
    // Record stores too big for the store size asked for are left out (the store's counts are then unknown).
    if fixed + node_len + rel_len <= budget.max(fixed + 2 * PAGE) {
        files.push(PlannedFile {
            name: "./neostore.nodestore.db".into(),
            size: node_len,
            content: Content::Records { size: NODE_RECORD, count: nodes, aligned },
        });
        files.push(PlannedFile {
            name: "./neostore.relationshipstore.db".into(),
            size: rel_len,
            content: Content::Records { size: RELATIONSHIP_RECORD, count: relationships, aligned },
        });
    }
    files.extend(markers);
    files
}

/// The files whose presence marks a version, and the transaction log.
fn version_files(store: TestStore) -> Vec<PlannedFile> {
    let mut files = Vec::new();
    match store {
        TestStore::Neo4j3_5 => {
            files.push(PlannedFile::filler("./neostore.counts.db.a", 96));
            files.push(PlannedFile::filler("./neostore.counts.db.b", 1056));
            files.push(PlannedFile::filler("./schema/index/native-btree-1.0/1/index-1", PAGE));
        }
        TestStore::Unmarked => {}
        _ => {
            files.push(PlannedFile::filler("./neostore.counts.db", PAGE));
            files.push(PlannedFile::filler("./neostore.indexstats.db", PAGE));
        }
    }
    if matches!(store, TestStore::Neo4j4_3 | TestStore::Neo4j4_4 | TestStore::Neo4j5) {
        files.push(PlannedFile::filler("./neostore.relationshipgroupstore.degrees.db", PAGE));
    }
    if matches!(store, TestStore::Neo4j4_2 | TestStore::Neo4j4_3 | TestStore::Neo4j4_4) {
        files.push(PlannedFile::bytes("./checkpoint.0", log_file(store, 3)));
    }
    files.push(PlannedFile::bytes("./neostore.transaction.db.0", log_file(store, 1)));
    files
}

/// A transaction log (or checkpoint file) with a header and one entry of type `entry_type`.
fn log_file(store: TestStore, entry_type: u8) -> Vec<u8> {
    let (format, header): (u8, usize) = match store {
        TestStore::Neo4j3_5 => (6, 16),
        TestStore::Neo4j5 | TestStore::Unmarked => (8, 64),
        _ => (7, 64),
    };
    let mut out = vec![0u8; header];
    out[0] = format;
    // Last committed transaction id before this log.
    out[8..16].copy_from_slice(&1u64.to_be_bytes());
    out.push(store.log_entry_version() as u8);
    out.push(entry_type);
    out.extend_from_slice(&[0u8; 62]);
    out
}

/// An 8 KiB metadata store (`neostore`) with the records a store of this version has.
fn metadata(store: TestStore, last_tx: u64) -> Vec<u8> {
    let mut out = vec![0u8; PAGE as usize];
    let mut put = |index: usize, value: u64| {
        let at = index * META_RECORD;
        out[at] = 1;
        out[at + 1..at + META_RECORD].copy_from_slice(&value.to_be_bytes());
    };
    const EXTERNAL_ID: [u64; 2] = [0x5624_3372_abc5_4a90, 0xb6a1_9f46_00c7_c4aa];
    if store == TestStore::Neo4j5 {
        put(0, EXTERNAL_ID[0]);
        put(1, EXTERNAL_ID[1]);
        put(4, NEO4J5_MARKER);
        // The store id: version 1, creation time, random, engine, format family, major, minor; 8 bytes a record.
        let mut id = vec![1u8];
        id.extend_from_slice(&CREATED_MS.to_be_bytes());
        id.extend_from_slice(&0x0123_4567_89ab_cdefu64.to_be_bytes());
        for s in ["record", "aligned"] {
            id.push(s.len() as u8);
            id.extend_from_slice(s.as_bytes());
        }
        id.extend_from_slice(&[1, 1]);
        id.resize(64, 0);
        for (i, chunk) in id.chunks(8).enumerate() {
            put(5 + i, u64::from_be_bytes(chunk.try_into().unwrap_or([0; 8])));
        }
        return out;
    }
    let Some(version) = store.legacy_version() else {
        return out;
    };
    put(0, CREATED_MS);
    put(1, 0x63ad_7f8b_d0b4_00b0);
    put(2, 0);
    put(3, last_tx);
    put(4, encode_version(version));
    put(5, u64::MAX);
    put(6, 0);
    put(7, 1);
    put(8, CREATED_MS);
    for i in 9..=14 {
        put(i, 0);
    }
    if store != TestStore::Neo4j3_5 {
        put(16, EXTERNAL_ID[0]);
        put(17, EXTERNAL_ID[1]);
    }
    if matches!(store, TestStore::Neo4j4_2 | TestStore::Neo4j4_3 | TestStore::Neo4j4_4) {
        put(18, 0);
    }
    if matches!(store, TestStore::Neo4j4_3 | TestStore::Neo4j4_4) {
        put(19, store.log_entry_version() as u64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_bytes_follow_the_layouts() {
        // Standard: every 15th byte, for the first `count` records.
        assert_eq!(PlannedFile::record_byte(15, 2, false, 0), 1);
        assert_eq!(PlannedFile::record_byte(15, 2, false, 15), 1);
        assert_eq!(PlannedFile::record_byte(15, 2, false, 30), 0);
        assert_eq!(PlannedFile::record_byte(15, 2, false, 7), 0);
        // Aligned: 546 records a page, then padding; record 546 starts the second page.
        assert_eq!(PlannedFile::record_byte(15, 600, true, 545 * 15), 1);
        assert_eq!(PlannedFile::record_byte(15, 600, true, 546 * 15), 0);
        assert_eq!(PlannedFile::record_byte(15, 600, true, 8192), 1);
        assert_eq!(PlannedFile::record_byte(15, 546, true, 8192), 0);
        assert_eq!(records_len(15, 0, true), 8192);
        assert_eq!(records_len(15, 547, true), 2 * 8192);
    }
}
