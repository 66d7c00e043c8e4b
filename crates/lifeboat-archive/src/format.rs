//! The archive formats Neo4j and Aura write, told apart by their first bytes (never by the file name).
//!
//! Facts from `reference/import-protocol.md` §10.1 (magic prefixes), §10.3 (dump layout), §10.4 (backup layout)
//! and §10.7 (AuraDS `.tar`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `DZV1`: Neo4j 5 dump, zstd stream follows.
pub(crate) const MAGIC_DZV1: &[u8; 4] = b"DZV1";
/// `DGV1`: Neo4j 5 dump, gzip stream follows (written when the zstd native library was unavailable).
pub(crate) const MAGIC_DGV1: &[u8; 4] = b"DGV1";
/// The zstd frame magic number as it appears on disk (little-endian 0xFD2FB528); a 4.x dump starts with it.
pub(crate) const MAGIC_ZSTD: &[u8; 4] = &[0x28, 0xB5, 0x2F, 0xFD];
/// The gzip member magic; a 3.x dump (or a gzip-compressed AuraDS tar) starts with it.
pub(crate) const MAGIC_GZIP: &[u8; 2] = &[0x1F, 0x8B];
pub(crate) const MAGIC_BZV1: &[u8; 4] = b"BZV1";
pub(crate) const MAGIC_BZV2: &[u8; 4] = b"BZV2";
pub(crate) const MAGIC_BZV3: &[u8; 4] = b"BZV3";
pub(crate) const MAGIC_BTV1: &[u8; 4] = b"BTV1";
pub(crate) const MAGIC_BTV2: &[u8; 4] = b"BTV2";

/// Which kind of archive a file is, decided from its content.
///
/// The serialised form (kebab-case, e.g. `"backup-zstd-v3"`) is a stable identifier for the UI and for
/// `lifeboat inspect --json`; [`label`](ArchiveFormat::label) is the wording for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveFormat {
    /// `DZV1` + zstd: the `neo4j-admin database dump` format of Neo4j 5.
    DumpZstd,
    /// `DGV1` + gzip: a Neo4j 5 dump written without the zstd library.
    DumpGzip,
    /// A bare zstd stream: the Neo4j 4.x dump format.
    DumpLegacyZstd,
    /// A bare gzip stream of a tar: the Neo4j 3.x dump format.
    DumpLegacyGzip,
    /// `BZV1`: Neo4j 5 backup, metadata and store inside one zstd stream.
    BackupZstdV1,
    /// `BZV2`: as `BZV1`, with metadata version 2 (adds key/value entries).
    BackupZstdV2,
    /// `BZV3`: Neo4j 5 backup, readable metadata first, then the zstd-compressed store (newest).
    BackupZstdV3,
    /// `BTV1`: Neo4j 5 backup, metadata then an uncompressed tar.
    BackupTarV1,
    /// `BTV2`: as `BTV1`, with metadata version 2.
    BackupTarV2,
    /// A plain tar holding `<database>.dump` and other files: an AuraDS (Graph Data Science) archive.
    AuradsTar,
    /// A gzip-compressed AuraDS tar.
    AuradsTarGzip,
    /// Not a format Lifeboat knows.
    Unknown,
}

/// The broad family a format belongs to, which decides where it can be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Neo4j5,
    Neo4j4,
    Neo4j3,
    AuraDs,
    Unknown,
}

impl ArchiveFormat {
    /// Every known format, for tests and generators that want to cover them all.
    pub const ALL: [ArchiveFormat; 11] = [
        Self::DumpZstd,
        Self::DumpGzip,
        Self::DumpLegacyZstd,
        Self::DumpLegacyGzip,
        Self::BackupZstdV1,
        Self::BackupZstdV2,
        Self::BackupZstdV3,
        Self::BackupTarV1,
        Self::BackupTarV2,
        Self::AuradsTar,
        Self::AuradsTarGzip,
    ];

    /// The stable identifier (same as the serialised form).
    pub fn id(self) -> &'static str {
        match self {
            Self::DumpZstd => "dump-zstd",
            Self::DumpGzip => "dump-gzip",
            Self::DumpLegacyZstd => "dump-legacy-zstd",
            Self::DumpLegacyGzip => "dump-legacy-gzip",
            Self::BackupZstdV1 => "backup-zstd-v1",
            Self::BackupZstdV2 => "backup-zstd-v2",
            Self::BackupZstdV3 => "backup-zstd-v3",
            Self::BackupTarV1 => "backup-tar-v1",
            Self::BackupTarV2 => "backup-tar-v2",
            Self::AuradsTar => "aurads-tar",
            Self::AuradsTarGzip => "aurads-tar-gzip",
            Self::Unknown => "unknown",
        }
    }

    /// The format in words, for people ("Neo4j 5 backup, compressed").
    pub fn label(self) -> &'static str {
        match self {
            Self::DumpZstd => "Neo4j 5 dump, compressed",
            Self::DumpGzip => "Neo4j 5 dump, compressed with gzip",
            Self::DumpLegacyZstd => "Neo4j 4.x dump",
            Self::DumpLegacyGzip => "Neo4j 3.x dump",
            Self::BackupZstdV1 | Self::BackupZstdV2 | Self::BackupZstdV3 => "Neo4j 5 backup, compressed",
            Self::BackupTarV1 | Self::BackupTarV2 => "Neo4j 5 backup, uncompressed",
            Self::AuradsTar => "AuraDS archive",
            Self::AuradsTarGzip => "AuraDS archive, compressed",
            Self::Unknown => "Unknown file",
        }
    }

    /// The kind of file as a noun for sentences ("Neo4j 5 backup", "AuraDS archive").
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::DumpZstd | Self::DumpGzip => "Neo4j 5 dump",
            Self::DumpLegacyZstd => "Neo4j 4.x dump",
            Self::DumpLegacyGzip => "Neo4j 3.x dump",
            Self::BackupZstdV1 | Self::BackupZstdV2 | Self::BackupZstdV3 | Self::BackupTarV1 | Self::BackupTarV2 => {
                "Neo4j 5 backup"
            }
            Self::AuradsTar | Self::AuradsTarGzip => "AuraDS archive",
            Self::Unknown => "unknown file",
        }
    }

    /// The format with its article, for sentences ("an uncompressed Neo4j 5 backup").
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Self::DumpZstd => "a compressed Neo4j 5 dump",
            Self::DumpGzip => "a gzip-compressed Neo4j 5 dump",
            Self::DumpLegacyZstd => "a Neo4j 4.x dump",
            Self::DumpLegacyGzip => "a Neo4j 3.x dump",
            Self::BackupZstdV1 | Self::BackupZstdV2 | Self::BackupZstdV3 => "a compressed Neo4j 5 backup",
            Self::BackupTarV1 | Self::BackupTarV2 => "an uncompressed Neo4j 5 backup",
            Self::AuradsTar => "an AuraDS archive",
            Self::AuradsTarGzip => "a compressed AuraDS archive",
            Self::Unknown => "an unknown file",
        }
    }

    /// The Neo4j version line that writes this format, as shown to people ("5", "4.x").
    pub(crate) fn neo4j_version(self) -> Option<&'static str> {
        match self.family() {
            Family::Neo4j5 => Some("5"),
            Family::Neo4j4 => Some("4.x"),
            Family::Neo4j3 => Some("3.x"),
            // An AuraDS archive's version is that of the dump inside it.
            Family::AuraDs | Family::Unknown => None,
        }
    }

    pub(crate) fn family(self) -> Family {
        match self {
            Self::DumpZstd
            | Self::DumpGzip
            | Self::BackupZstdV1
            | Self::BackupZstdV2
            | Self::BackupZstdV3
            | Self::BackupTarV1
            | Self::BackupTarV2 => Family::Neo4j5,
            Self::DumpLegacyZstd => Family::Neo4j4,
            Self::DumpLegacyGzip => Family::Neo4j3,
            Self::AuradsTar | Self::AuradsTarGzip => Family::AuraDs,
            Self::Unknown => Family::Unknown,
        }
    }

    /// Whether the outer file is compressed (zstd or gzip).
    pub fn is_compressed(self) -> bool {
        !matches!(self, Self::BackupTarV1 | Self::BackupTarV2 | Self::AuradsTar | Self::Unknown)
    }

    /// Whether the format records the store's uncompressed size (`FullSize`) in its metadata (§10.5): the
    /// zstd-based ones do; for the others `neo4j-admin` sends the file size instead.
    pub fn records_full_size(self) -> bool {
        matches!(
            self,
            Self::DumpZstd | Self::DumpLegacyZstd | Self::BackupZstdV1 | Self::BackupZstdV2 | Self::BackupZstdV3
        )
    }

    /// Whether this is a Neo4j backup (`.backup`), which carries a database name and backup time.
    pub fn is_backup(self) -> bool {
        matches!(
            self,
            Self::BackupZstdV1 | Self::BackupZstdV2 | Self::BackupZstdV3 | Self::BackupTarV1 | Self::BackupTarV2
        )
    }

    /// Whether this is a dump (`.dump`).
    pub fn is_dump(self) -> bool {
        matches!(self, Self::DumpZstd | Self::DumpGzip | Self::DumpLegacyZstd | Self::DumpLegacyGzip)
    }

    /// The file name endings Neo4j and Aura give this format, first the usual one.
    pub fn extensions(self) -> &'static [&'static str] {
        if self.is_dump() {
            &[".dump"]
        } else if self.is_backup() {
            &[".backup"]
        } else if self == Self::AuradsTarGzip {
            &[".tar.gz", ".tgz", ".tar"]
        } else if self == Self::AuradsTar {
            &[".tar"]
        } else {
            &[]
        }
    }
}

/// What the first bytes say, before the rest of the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// A format decided by its 4-byte magic.
    Known(ArchiveFormat),
    /// A gzip stream: a 3.x dump or a compressed AuraDS tar; only the tar inside tells which.
    Gzip,
    /// A tar with no prefix: an AuraDS archive (if it holds a dump).
    Tar,
    /// One part of a split archive (`?MV1` / `?DV1`, §10.6), which cannot be uploaded as it is.
    SplitPart,
    /// Something else.
    Other,
}

/// Decides the format from the first bytes of a file (`head` holds up to the first 512 bytes or more).
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let magic4 = head.get(..4);
    let known = [
        (MAGIC_DZV1, ArchiveFormat::DumpZstd),
        (MAGIC_DGV1, ArchiveFormat::DumpGzip),
        (MAGIC_ZSTD, ArchiveFormat::DumpLegacyZstd),
        (MAGIC_BZV3, ArchiveFormat::BackupZstdV3),
        (MAGIC_BZV2, ArchiveFormat::BackupZstdV2),
        (MAGIC_BZV1, ArchiveFormat::BackupZstdV1),
        (MAGIC_BTV2, ArchiveFormat::BackupTarV2),
        (MAGIC_BTV1, ArchiveFormat::BackupTarV1),
    ];
    for (magic, format) in known {
        if magic4 == Some(magic.as_slice()) {
            return Sniffed::Known(format);
        }
    }
    if head.starts_with(MAGIC_GZIP) {
        return Sniffed::Gzip;
    }
    if crate::tar::looks_like_tar_header(head) {
        return Sniffed::Tar;
    }
    // The split-archive prefix character isn't known (§10.6), so match on the three letters after it.
    if matches!(head.get(1..4), Some(b"MV1") | Some(b"DV1")) {
        return Sniffed::SplitPart;
    }
    Sniffed::Other
}

/// Names common file types that people pick by mistake, so the message can say what the file *is*.
pub(crate) fn lookalike(head: &[u8]) -> Option<&'static str> {
    let table: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "a ZIP archive"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"PK\x07\x08", "a ZIP archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\xFD7zXZ\x00", "an xz-compressed file"),
        (b"BZh", "a bzip2-compressed file"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"PGDMP", "a PostgreSQL dump"),
        (b"\x7FELF", "a program"),
        (b"MZ", "a Windows program"),
        (b"\xCF\xFA\xED\xFE", "a program"),
    ];
    for (magic, what) in table {
        if head.starts_with(magic) {
            return Some(what);
        }
    }
    looks_like_text(head)
}

fn looks_like_text(head: &[u8]) -> Option<&'static str> {
    if head.is_empty() || head.contains(&0) {
        return None;
    }
    // A multi-byte character may be cut at the end of the sample; only judge the complete part.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let controls = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    if controls > text.len() / 100 {
        return None;
    }
    let start = text.trim_start();
    let upper = start.get(..start.len().min(2000)).unwrap_or(start).to_ascii_uppercase();
    if start.starts_with('{') || start.starts_with('[') {
        Some("a JSON text file")
    } else if ["CREATE ", "MERGE ", "MATCH ", ":BEGIN", "UNWIND ", "CALL "].iter().any(|k| upper.contains(k)) {
        Some("a text file, perhaps a Cypher script")
    } else {
        Some("a text file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_serde() {
        for f in ArchiveFormat::ALL.iter().copied().chain([ArchiveFormat::Unknown]) {
            let json = serde_json::to_string(&f).expect("serialises");
            assert_eq!(json, format!("\"{}\"", f.id()));
        }
    }

    #[test]
    fn sniffs_magic() {
        assert_eq!(sniff(b"BZV3\x02"), Sniffed::Known(ArchiveFormat::BackupZstdV3));
        assert_eq!(sniff(&[0x28, 0xB5, 0x2F, 0xFD, 0]), Sniffed::Known(ArchiveFormat::DumpLegacyZstd));
        assert_eq!(sniff(&[0x1F, 0x8B]), Sniffed::Gzip);
        assert_eq!(sniff(b"XMV1...."), Sniffed::SplitPart);
        assert_eq!(sniff(b"hello"), Sniffed::Other);
        assert_eq!(lookalike(b"PK\x03\x04rest"), Some("a ZIP archive"));
        assert_eq!(lookalike(b"MATCH (n) RETURN n"), Some("a text file, perhaps a Cypher script"));
        assert_eq!(lookalike(&[0x00, 0xFF, 0x13]), None);
    }
}
