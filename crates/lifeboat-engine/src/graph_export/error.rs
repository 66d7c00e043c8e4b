//! What can go wrong with a graph file or a transfer, in words for the user, with stable codes.

use std::io;

use thiserror::Error;

use crate::verify::GraphCounts;

/// Why a graph export file cannot be used. Reading never changes the file or any instance.
#[derive(Debug, Error)]
pub enum GraphFileError {
    /// The file could not be opened or read.
    #[error("Lifeboat could not read the file ({0}). Nothing was changed. Check that the file is still there and that you may read it.")]
    Unreadable(#[source] io::Error),
    /// Not a Lifeboat graph export at all (another format, or not compressed as one).
    #[error("This file is not a Lifeboat data export. Nothing was changed. Choose a file saved with “Export data…” (its name ends in .graph.jsonl.zst).")]
    NotAGraphExport,
    /// A newer format version than this Lifeboat reads.
    #[error("This data export was made by a newer Lifeboat (file format version {found}); this version reads version 1. Nothing was changed. Update Lifeboat, then import it again.")]
    UnsupportedVersion {
        /// The version the file declares.
        found: u64,
    },
    /// The file ends before its footer: an interrupted copy or download.
    #[error("The file ends too early: it was cut short, perhaps by an interrupted copy or download. Nothing was changed. Use the original file, or export the data again.")]
    Truncated,
    /// A line is not what the format allows there.
    #[error("The file is damaged (line {line}: {detail}). Nothing was changed. Use the original file, or export the data again.")]
    Corrupt {
        /// The line (1 = the header).
        line: u64,
        /// What is wrong.
        detail: String,
    },
    /// The checksums in the footer do not match the contents.
    #[error("The file's checksum does not match its contents, so it was changed or damaged after it was saved. Nothing was changed. Use the original file, or export the data again.")]
    ChecksumMismatch,
}

impl GraphFileError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "graph-file-unreadable",
            Self::NotAGraphExport => "graph-file-not-export",
            Self::UnsupportedVersion { .. } => "graph-file-version",
            Self::Truncated => "graph-file-truncated",
            Self::Corrupt { .. } => "graph-file-corrupt",
            Self::ChecksumMismatch => "graph-file-checksum",
        }
    }
}

/// Why an export or an import stopped. The job adds what it means for the instance at the step it stopped in.
#[derive(Debug, Error)]
pub enum GraphError {
    /// The file to import is not usable.
    #[error(transparent)]
    File(#[from] GraphFileError),
    /// The export file could not be written.
    #[error("Lifeboat could not write the export file ({0}). No file was left under the chosen name. Choose another folder (with enough free space) and try again.")]
    Write(#[source] io::Error),
    /// 401: the database user or password is wrong.
    #[error("The database user or password for this instance is wrong. Enter them again, then try again.")]
    BadLogin,
    /// The database did not answer (still starting, overloaded, or unreachable).
    #[error("The database did not answer ({detail}). Check that the instance is running, then try again.")]
    Unavailable {
        /// What failed.
        detail: String,
    },
    /// The database refused a statement.
    #[error("The database refused a request ({code}: {message}).")]
    Refused {
        /// Neo4j's status code.
        code: String,
        /// Neo4j's message.
        message: String,
    },
    /// The database answered something Lifeboat did not expect.
    #[error("The database answered something Lifeboat did not expect ({detail}).")]
    Unexpected {
        /// What was wrong.
        detail: String,
    },
    /// The counts do not agree with what was transferred.
    #[error("The counts do not match: {found_nodes} nodes and {found_rels} relationships where {expected_nodes} and {expected_rels} were expected.")]
    CountMismatch {
        /// Nodes expected.
        expected_nodes: u64,
        /// Relationships expected.
        expected_rels: u64,
        /// Nodes found.
        found_nodes: u64,
        /// Relationships found.
        found_rels: u64,
    },
    /// Relationships of the file whose start or end node is not in the file.
    #[error("{missing} relationships in the file point to nodes that are not in it, so they could not be created. The file is inconsistent.")]
    MissingEnds {
        /// How many relationships could not be created.
        missing: u64,
    },
    /// The user cancelled.
    #[error("Cancelled.")]
    Cancelled,
}

impl GraphError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::File(e) => e.code(),
            Self::Write(_) => "graph-write-failed",
            Self::BadLogin => "bad-db-login",
            Self::Unavailable { .. } => "db-unavailable",
            Self::Refused { .. } => "db-refused",
            Self::Unexpected { .. } => "db-unexpected",
            Self::CountMismatch { .. } => "count-mismatch",
            Self::MissingEnds { .. } => "graph-missing-endpoints",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Write(_) | Self::Cancelled | Self::CountMismatch { .. })
    }

    pub(crate) fn mismatch(expected: GraphCounts, found: GraphCounts) -> Self {
        Self::CountMismatch {
            expected_nodes: expected.nodes,
            expected_rels: expected.relationships,
            found_nodes: found.nodes,
            found_rels: found.relationships,
        }
    }
}
