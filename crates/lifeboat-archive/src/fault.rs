//! What a structure walk can find wrong with a file.

use std::io;

use crate::source::SourceError;

/// A problem found while walking a file's structure.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The data ends before the structure does: the file was cut off.
    Truncated,
    /// The structure is wrong somewhere; the text says where and how, in words ("a block header … is invalid").
    Damaged(String),
    /// The data is intact but isn't Neo4j's (a zstd or gzip file of something else); the text says what it is.
    NotNeo4j(String),
    /// Reading failed (the disk, the network share); not a property of the file.
    Io(io::Error),
}

impl From<SourceError> for Fault {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Eof => Fault::Truncated,
            SourceError::Corrupt(m) => Fault::Damaged(describe_decoder_error(&m)),
            SourceError::Io(e) => Fault::Io(e),
        }
    }
}

/// Turns a decompressor's message into words; checksum failures get their own wording because they mean the
/// bytes themselves changed, not just the layout.
fn describe_decoder_error(msg: &str) -> String {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("checksum") || lower.contains("crc") {
        "its contents don't match the checksum stored inside it".to_string()
    } else {
        format!("the compressed data inside is corrupt ({msg})")
    }
}
