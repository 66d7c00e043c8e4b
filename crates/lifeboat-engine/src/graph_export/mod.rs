//! Logical export and import of the live graph through the Query API: every node and relationship of an instance,
//! read in pages with the instance's database login, written to one portable file, and read back into any instance
//! with batched `UNWIND` writes. It works on every tier and needs no console; it is **not** a binary snapshot (no
//! indexes, constraints, users or transaction history, only nodes, relationships and their properties).
//!
//! This module owns the file format ([`format`](mod@format)), the Query API statements ([`client`]) and the two
//! transfers ([`transfer`]). The jobs around them (steps, confirmation, safety snapshot, history) are in
//! [`crate::jobs`].
//!
//! # The file format, `lifeboat-graph` version 1
//!
//! One [zstd](https://facebook.github.io/zstd/) frame (with zstd's content checksum) holding UTF-8 JSON Lines, one
//! JSON object per line, each ended by `\n`, told apart by their `kind`:
//!
//! ```text
//! {"kind":"header","format":"lifeboat-graph","version":1,"instanceId":"a1b2c3d4","instanceName":"Production",
//!  "exportedAt":"2026-11-21T15:12:00Z","generator":"Lifeboat 0.1.0","values":"neo4j-query-api-typed-json"}
//! {"kind":"node","id":0,"labels":["Person"],"properties":{"name":{"$type":"String","_value":"Ada"}}}
//! …every node…
//! {"kind":"relationship","id":0,"type":"KNOWS","start":0,"end":1,"properties":{}}
//! …every relationship…
//! {"kind":"footer","nodes":2,"relationships":1,"crc32":"1c291ca3","digest":"4f0e…"}
//! ```
//!
//! (The header is one line; it is wrapped here to fit.)
//!
//! - **Header** first: the format name, the version (readers refuse a version they do not know, naming it), the
//!   instance the data came from and when it was exported (UTC).
//! - **Nodes**, then **relationships**, each in the order the database numbered them. `id`, `start` and `end` are the
//!   source database's ids (`id()`), meaningful only inside the file: they tie relationships to nodes.
//! - **Property values** keep their Cypher type in the Query API's typed JSON (`{"$type": "Date", "_value":
//!   "2015-03-26"}`), so dates, times, durations, points and byte arrays survive the round trip.
//! - **Footer** last: the counts, the CRC-32 (IEEE, lowercase hex) of every byte before the footer line, and a
//!   content digest. A file without a footer is incomplete; one whose counts or checksums disagree is damaged.
//! - The **content digest** is independent of ids and order: the wrapping sum of a 64-bit hash (FNV-1a, then
//!   splitmix64) of each node's sorted labels and properties and of each relationship's type and properties, with
//!   map keys sorted. Two databases holding the same nodes and relationships give the same digest, which is how a
//!   round trip is proven. It does not cover which nodes a relationship connects (the import checks that every
//!   relationship found both its ends).
//!
//! Files are named `<instance>_<UTC time>.graph.jsonl.zst`; `zstd -dc FILE` shows them as text.
//!
//! # Export and import
//!
//! Export reads keyset pages (`WHERE id(n) > $after … ORDER BY id LIMIT $limit`), so memory stays flat whatever the
//! size, and streams them through a compressor on a blocking thread into a temporary file in the target folder. Only
//! after the counts have been checked against `count()` is the file fsynced and renamed to its final name: a failed
//! or cancelled export leaves no file under that name. `id()` is deprecated in favour of `elementId()`, but it is
//! the identifier with a numeric order, which keyset pagination needs; it is used within one export only.
//!
//! A live database can change while it is read: the counts are taken before and after, and an export whose counts
//! moved with the database is kept with a note; one that disagrees with an unchanged database is refused.
//!
//! Import first reads the whole file (header, order, counts, checksums) before anything is deleted. Then it deletes
//! the instance's data in batches, creates a temporary uniqueness constraint on `__LifeboatImport.__lifeboat_id`,
//! writes nodes (marked with that label and key) and relationships (matched by the keys) in batched `UNWIND`
//! statements with typed parameters (Neo4j 5.26+ for dynamic labels and types), removes the markers in batches,
//! drops the constraint, and checks the counts. Only requests that provably did not run (connection refused, 503,
//! 429) are sent again; a write whose answer was lost is not, because it may have run.

pub mod client;
mod error;
pub mod format;
pub mod transfer;

pub use client::GraphClient;
pub use error::{GraphError, GraphFileError};
pub use format::{Footer, Header, Node, Relationship, FILE_SUFFIX, FORMAT_NAME, FORMAT_VERSION};
pub use transfer::{
    check_file, export, file_name, file_name_now, file_name_to_the_second, import, read_header, ExportSummary,
    FileSummary, Half, ImportEvent, ImportPhase, ImportSummary, PendingExport, TransferTimings, PAGE_SIZE,
};
