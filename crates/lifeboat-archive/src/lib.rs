//! # lifeboat-archive
//!
//! Looks at a Neo4j backup file *before* anything touches the network: what it is, whether it is whole,
//! and whether it can be restored to a given Aura instance — and computes the CRC-32 the upload needs.
//!
//! - [`inspect`] takes a `.backup`, `.dump` or AuraDS `.tar` (or a folder holding exactly one, as
//!   `neo4j-admin database upload --from-path` does) and returns an [`Inspection`]: the format decided from the
//!   file's magic bytes, never its name ([`ArchiveFormat`], with a stable id and a label in words), the
//!   database name and backup time where the format records them, the Neo4j version that wrote it as precisely
//!   as its store tells ("Neo4j 4.3 dump", see below), `FullSize` and `DumpSize` for the import protocol, and a
//!   checklist — readable, complete, compatible, fits — whose every item is written for people. Broken files get
//!   a specific reason and what to do ("This file ends early — it was probably cut off while copying; copy it
//!   again."); a Git LFS pointer in place of a dump is named as one, with how to fetch the real file.
//! - [`read_store`] reads an archive as a stream and says what its store holds: the Neo4j version and, for the
//!   standard and aligned record formats, the node and relationship counts (the emulator loads uploads with
//!   it). [`aura_loads`] is the rule of which dumps an Aura instance of a given version can load.
//! - [`crc32_file`] reads the file once, split across cores in 16 MiB blocks whose CRCs are joined in order, and
//!   refuses to return a checksum of a file that changed while it was read; [`checksum_file`] also returns the
//!   [`FileKey`] (path, size, time, inode) the checksum belongs to, so it can be remembered and reused.
//! - [`testgen`] writes valid and deliberately broken archives of every format, for tests, benchmarks and the
//!   sandbox demo.
//!
//! ```
//! use lifeboat_archive::{inspect, CheckId, InspectOptions};
//! use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("movies.dump");
//! write_backup(&path, &TestArchive::new(TestVersion::Neo4j4Dump))?;
//!
//! let target = InspectOptions { target_version: Some("5".into()), ..Default::default() };
//! let report = inspect(&path, &target)?;
//! assert_eq!(report.format_label, "Neo4j 4.4 dump");
//! assert_eq!(report.ok(CheckId::Complete), Some(true));
//! assert!(report.can_upload);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Which Neo4j version made a dump
//!
//! Neo4j 3.5 and every 4.x write the same container (a bare zstd stream), yet Aura 5 loads only dumps from
//! 4.4 and 5, and no Aura instance loads a 3.x dump. So the store inside is read: the format version and
//! kernel version in the metadata store `neostore`, which store files are present, and the transaction log's
//! first entry. The facts, each with its public source, are written up in `docs/dump-format.md` at the top of
//! this repository; the `store` module applies them. What can't be told
//! is named as a range ("Neo4j 4.0 or 4.1 dump") or as unknown ("Neo4j 3.x or 4.x dump", with a note), and an
//! unknown version never blocks an upload. Small dumps are read in the content check's single pass; larger
//! ones are unpacked only until the metadata store has been read (at most 2 GiB of the store).
//!
//! ## How cheap is "cheap"
//!
//! Completeness is checked by walking structure, not by decompressing: zstd frame and block headers are
//! hopped over to the last frame's checksum, tar headers are checksummed and hopped over to the
//! end-of-archive marker. That reads a few bytes per 128 KiB block, so a cut-off multi-GiB backup is caught
//! in moments. Two things need more:
//! - **gzip** has no structure to hop along: the only proof that a gzip file is whole is its trailer (CRC-32
//!   and length), reached by inflating everything. Gzip formats (old 3.x dumps, `DGV1` dumps, `.tar.gz`
//!   AuraDS archives) are therefore inflated to a sink — linear in the file's size.
//! - **zstd content checksums** cover the decompressed bytes; verifying them means decompressing. That is
//!   done when cheap (compressed data up to [`AUTO_CONTENT_CHECK_LIMIT`], unpacking to at most
//!   [`AUTO_CONTENT_CHECK_UNPACKED_LIMIT`]) or when asked
//!   ([`ContentCheck::Always`]). Corruption inside a large file is otherwise caught by Aura's CRC-32 check of the
//!   upload only if it happened in transit — a file damaged on disk uploads faithfully, damage and all.
//!
//! ## Why our own readers
//!
//! Neo4j's formats wrap standard pieces (zstd, gzip, tar) in small Neo4j headers (§4 of
//! `docs/import-protocol.md`). Off-the-shelf readers decompress or extract; we need to *validate* while
//! skipping, report the exact kind of damage, and never write anything. So the zstd and tar walkers here read
//! headers only, and the `zstd`/`flate2` crates are used just where decompression is the point.
//!
//! ## Never touches the file
//!
//! Files are opened read-only (on Unix with `O_NONBLOCK`, after checking they are regular files, so a FIFO
//! can't hang the app), read with positioned reads, and never written: bytes and modification time stay as
//! they were. Everything is synchronous; async callers use `spawn_blocking`.

#![warn(missing_docs)]

mod analyse;
mod crc;
mod error;
mod fault;
mod format;
mod inspect;
mod meta;
mod open;
mod source;
mod store;
mod tar;
pub mod testgen;
mod teststore;
mod zstdwalk;

pub use crc::{checksum_file, crc32_file, FileChecksum, FileKey, CRC_BLOCK_SIZE, CRC_BUFFER_SIZE, CRC_MAX_THREADS};
pub use error::InspectError;
pub use format::ArchiveFormat;
pub use inspect::{
    inspect, Check, CheckId, ContentCheck, InspectOptions, Inspection, Problem, ProblemCode, AUTO_CONTENT_CHECK_LIMIT,
    AUTO_CONTENT_CHECK_UNPACKED_LIMIT,
};
pub use store::{aura_loads, read_store, Loadable, Refusal, Release, Releases, StoreCounts, StoreReport};
