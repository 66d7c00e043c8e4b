//! [`inspect`]: what a backup file is, whether it is whole, and whether it can go to a given instance —
//! answered locally, before anything touches the network.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::analyse::{self, Ctx, Facts, Finding};
use crate::error::InspectError;
use crate::format::{ArchiveFormat, Family};
use crate::open;

/// What the inspection should compare the file with. Every field is optional: what isn't known isn't checked
/// (its check item reports `ok: null`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InspectOptions {
    /// The target instance's Neo4j version as Aura reports it ("5", "4", "5.26", "2025.01").
    pub target_version: Option<String>,
    /// Whether the target is an AuraDS (Graph Data Science) instance; AuraDS archives restore only there.
    pub target_is_ds: Option<bool>,
    /// The target instance's storage, in bytes, to check that the database fits.
    pub target_storage_bytes: Option<u64>,
    /// How hard to look at zstd-compressed contents (see [`ContentCheck`]).
    pub content_check: ContentCheck,
}

/// Whether to decompress zstd data fully to verify its content checksums.
///
/// The structure walk (frame and block headers, to the end) always runs and finds cut-off files; a flipped
/// bit *inside* the compressed data is only found by decompressing, which costs about a second per GiB.
/// Gzip files are always inflated to the end, because nothing else tells whether they are whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentCheck {
    /// Verify contents when cheap: compressed data of at most [`AUTO_CONTENT_CHECK_LIMIT`] bytes that unpacks
    /// to at most [`AUTO_CONTENT_CHECK_UNPACKED_LIMIT`] bytes.
    #[default]
    Auto,
    /// Always verify contents (a full decompression pass).
    Always,
    /// Only walk the structure.
    Never,
}

/// The compressed size up to which [`ContentCheck::Auto`] decompresses zstd data to verify it (64 MiB).
pub const AUTO_CONTENT_CHECK_LIMIT: u64 = analyse::AUTO_CONTENT_CHECK_LIMIT;
/// The unpacked size up to which [`ContentCheck::Auto`] decompresses zstd data to verify it (512 MiB).
pub const AUTO_CONTENT_CHECK_UNPACKED_LIMIT: u64 = analyse::AUTO_CONTENT_CHECK_UNPACKED_LIMIT;

/// The four questions the checklist answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// Lifeboat recognised the format and could read the file's details.
    Readable,
    /// The file is whole: not cut off, its structure intact to the end (and a full backup, not a differential).
    Complete,
    /// The file can be restored to the target instance (version; AuraDS archives only to AuraDS).
    Compatible,
    /// The database fits in the target instance's storage.
    Fits,
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Check {
    /// Which question this answers.
    pub id: CheckId,
    /// `Some(true)` passed, `Some(false)` failed, `None` not checked (missing information; never blocks).
    pub ok: Option<bool>,
    /// The answer in plain words.
    pub message: String,
}

/// Stable identifiers of the reasons a file can't be uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// The file has no bytes.
    Empty,
    /// The file is shorter than any format's magic.
    TooShort,
    /// The file is something else (ZIP, text, random bytes, a zstd/gzip file of something else).
    NotABackup,
    /// One part of a split archive.
    SplitArchive,
    /// The file ends early (cut off while copying).
    Truncated,
    /// The structure or contents are corrupt.
    Damaged,
    /// A tar archive without a `.dump` inside.
    NoDumpInside,
    /// A differential backup, which can't be restored on its own.
    DifferentialBackup,
    /// The file can't be restored to the target instance.
    Incompatible,
    /// The database doesn't fit in the target's storage.
    TooBig,
    /// Reading the file failed part-way.
    ReadError,
}

impl ProblemCode {
    /// The stable identifier (same as the serialised form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooShort => "too-short",
            Self::NotABackup => "not-a-backup",
            Self::SplitArchive => "split-archive",
            Self::Truncated => "truncated",
            Self::Damaged => "damaged",
            Self::NoDumpInside => "no-dump-inside",
            Self::DifferentialBackup => "differential-backup",
            Self::Incompatible => "incompatible",
            Self::TooBig => "too-big",
            Self::ReadError => "read-error",
        }
    }
}

/// A reason the file can't be uploaded: a stable code and a sentence that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Problem {
    /// What kind of problem (for the UI to branch on).
    pub code: ProblemCode,
    /// What happened and what to do, in plain words.
    pub message: String,
}

/// Everything Lifeboat found out about a backup file, for the UI and `lifeboat inspect --json`.
///
/// Serialised in camelCase; optional fields are left out when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// The file inspected (the archive found inside, when a folder was given). Serialised lossily when the
    /// path isn't valid UTF-8; use this field, not the JSON, to open the file again.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// The file's name, for display.
    pub file_name: String,
    /// The file's size in bytes.
    pub file_size: u64,
    /// What `DumpSize` is in the import protocol: the size of the file as uploaded (= `file_size`).
    pub dump_size: u64,
    /// When the file was last modified, if the system says (to notice later changes before uploading).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub modified_at: Option<OffsetDateTime>,
    /// The format, from the file's content.
    pub format: ArchiveFormat,
    /// The format in words ("Neo4j 5 backup, compressed").
    pub format_label: String,
    /// For an AuraDS archive, the format of the dump inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_format: Option<ArchiveFormat>,
    /// The database the backup was taken of (backups record it; for AuraDS archives it is the dump's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    /// When the backup was taken (backups only).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub backup_time: Option<OffsetDateTime>,
    /// The Neo4j version line that wrote the file ("5", "4.x", "3.x").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neo4j_version: Option<String>,
    /// The store format recorded in a backup ("record/aligned 1.1", "block/block 1.0").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_format: Option<String>,
    /// What to send as `FullSize`: the uncompressed store size from the archive's metadata, or the file size
    /// for formats that don't record it (what `neo4j-admin` does, §10.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_size: Option<u64>,
    /// Whether `full_size` came from the file's metadata (else it is the file size).
    pub full_size_from_metadata: bool,
    /// How many files the store holds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_files: Option<u64>,
    /// The store's uncompressed size, when known (from metadata, or by walking the archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_bytes: Option<u64>,
    /// Whether the database inside is stored compressed (so the restored database is larger than the file).
    pub compressed: bool,
    /// The checklist: readable, complete, compatible, fits — in that order.
    pub checks: Vec<Check>,
    /// Whether nothing stands in the way of uploading (no check failed; unchecked items don't block).
    pub can_upload: bool,
    /// Why the file can't be uploaded, if it can't; each says what to do.
    pub problems: Vec<Problem>,
    /// Things worth knowing that don't block (a surprising file name, an estimated size).
    pub notes: Vec<String>,
}

impl Inspection {
    /// The checklist item with this id.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The result of one check item (`None` when not checked).
    pub fn ok(&self, id: CheckId) -> Option<bool> {
        self.check(id).and_then(|c| c.ok)
    }

    /// Whether a problem with this code was found.
    pub fn has_problem(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }

    /// The size of the space check's comparison: the larger of `full_size` and the walked store size.
    pub fn required_storage(&self) -> Option<u64> {
        match (self.full_size, self.store_bytes) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

fn lossy_path<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// Inspects a backup file (or a folder holding exactly one) and returns the checklist.
///
/// Synchronous and possibly long (gzip files are inflated to the end; small zstd files are decompressed):
/// async callers use `spawn_blocking`. The file is opened read-only and never written, so its bytes and
/// modification time are unchanged.
///
/// Files that exist but are empty, unknown, cut off or damaged are *not* errors: the [`Inspection`] says what
/// is wrong. Errors are for when there is nothing to inspect: see [`InspectError`].
pub fn inspect(path: &Path, options: &InspectOptions) -> Result<Inspection, InspectError> {
    let (file_path, from_folder) = open::resolve(path)?;
    let (file, meta) = open::open_regular(&file_path)?;
    let len = meta.len();
    let modified = meta.modified().ok();
    let file_name = file_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name_lower = file_name.to_lowercase();
    let mut ctx = Ctx { content_check: options.content_check, name_lower: &name_lower, io_error: None };
    let facts = if len == 0 {
        let mut f = Facts::new(ArchiveFormat::Unknown);
        f.unreadable = Some(Finding {
            code: ProblemCode::Empty,
            message: "The file is empty. Choose the backup file again; if it was copied or downloaded, that \
                      probably failed \u{2014} copy it again."
                .into(),
        });
        f
    } else {
        analyse::analyse_file(&mut ctx, &file, len)
    };
    if let Some(source) = ctx.io_error.take() {
        return Err(InspectError::Io { path: file_path, source });
    }
    // A file still being copied gives answers that are already stale: say so instead.
    let after = file.metadata().map_err(|e| InspectError::from_io(&file_path, e))?;
    if after.len() != len || after.modified().ok() != modified {
        return Err(InspectError::ChangedWhileReading { path: file_path });
    }
    tracing::debug!(path = %file_path.display(), format = facts.format.id(), "inspected archive");
    Ok(build(file_path, file_name, len, modified, facts, options, from_folder))
}

fn build(
    path: PathBuf,
    file_name: String,
    len: u64,
    modified: Option<SystemTime>,
    mut facts: Facts,
    options: &InspectOptions,
    from_folder: bool,
) -> Inspection {
    let format = facts.format;
    let mut notes = Vec::new();
    if from_folder {
        notes.push(format!("Lifeboat found \u{201c}{file_name}\u{201d} in the folder you chose."));
    }
    let readable = facts.unreadable.is_none() && format != ArchiveFormat::Unknown;

    // Sizes: FullSize as neo4j-admin computes it (§10.5), and the best knowledge of the store's real size.
    let full_from_meta = facts.archive.is_some() && (format.records_full_size() || facts.inner_format.is_some());
    let full_size = match facts.archive {
        Some(a) if full_from_meta => Some(a.bytes),
        _ if readable => Some(len),
        _ => None,
    };
    let (store_files, store_bytes) = match (facts.store, facts.archive) {
        (Some((files, bytes)), _) if facts.inner_format.is_none() => (Some(files), Some(bytes)),
        (_, Some(a)) => (Some(a.files), Some(a.bytes)),
        _ => (None, None),
    };

    if let Some(b) = &facts.backup {
        if !b.full && facts.incomplete.is_none() {
            facts.incomplete = Some(Finding {
                code: ProblemCode::DifferentialBackup,
                message: "This is a differential backup: it only holds the changes since an earlier backup, so it \
                          can't be restored on its own. Choose a full backup."
                    .into(),
            });
        }
        if !b.recovered {
            notes.push("This backup is marked as not recovered; Aura recovers it while loading.".into());
        }
    }

    let backup_time = facts.backup.as_ref().and_then(|b| OffsetDateTime::from_unix_timestamp(b.backup_time).ok());
    let database_name = facts.backup.as_ref().map(|b| b.database_name.clone()).or(facts.database_name.take());
    let version_format = facts.inner_format.unwrap_or(format);
    let neo4j_version = version_format.neo4j_version().map(str::to_string);
    let store_format = facts
        .backup
        .as_ref()
        .map(|b| format!("{}/{} {}.{}", b.store_engine, b.store_format, b.store_major, b.store_minor));

    // 1. readable
    let readable_check = match &facts.unreadable {
        Some(f) => Check { id: CheckId::Readable, ok: Some(false), message: f.message.clone() },
        None => Check { id: CheckId::Readable, ok: Some(true), message: describe(format, &database_name, backup_time) },
    };

    // 2. complete
    let complete_check = match (&facts.incomplete, readable) {
        (Some(f), _) => Check { id: CheckId::Complete, ok: Some(false), message: f.message.clone() },
        (None, true) if facts.complete_checked => Check {
            id: CheckId::Complete,
            ok: Some(true),
            message: if facts.contents_verified {
                "The file is whole: its structure checks out from start to end, and its contents match their \
                 checksums."
                    .into()
            } else {
                "The file is whole: its structure checks out from start to end. (Lifeboat didn't decompress it all \
                 to compare checksums; the upload's own checksum protects the copy to Aura.)"
                    .into()
            },
        },
        _ => Check {
            id: CheckId::Complete,
            ok: None,
            message: "Not checked, because Lifeboat couldn't read the file.".into(),
        },
    };

    // 3. compatible, 4. fits — only meaningful for a readable file.
    let (compatible_check, fits_check) = if readable {
        (compatibility(version_format, format, options), fits(full_size, store_bytes, full_from_meta, options))
    } else {
        let not = |id| Check { id, ok: None, message: "Not checked, because Lifeboat couldn't read the file.".into() };
        ((not(CheckId::Compatible), None), (not(CheckId::Fits), None))
    };

    let mut problems: Vec<Problem> = Vec::new();
    let mut push = |code: ProblemCode, message: &str| {
        if !problems.iter().any(|p| p.code == code) {
            problems.push(Problem { code, message: message.to_string() });
        }
    };
    if let Some(f) = &facts.unreadable {
        push(f.code, &f.message);
    } else if format == ArchiveFormat::Unknown {
        push(ProblemCode::NotABackup, &readable_check.message);
    }
    if let Some(f) = &facts.incomplete {
        push(f.code, &f.message);
    }
    if let (Check { ok: Some(false), message, .. }, Some(code)) = &compatible_check {
        push(*code, message);
    }
    if let (Check { ok: Some(false), message, .. }, Some(code)) = &fits_check {
        push(*code, message);
    }

    if !readable {
        // Nothing more to say about an unreadable file.
    } else {
        note_extension(&mut notes, format, &file_name);
        if !full_from_meta {
            notes.push(
                "This format doesn't record the database's size, so Lifeboat reports the file size as the \
                 database size, as neo4j-admin does; the space check uses the unpacked size where Lifeboat could \
                 measure it."
                    .into(),
            );
        }
    }
    notes.append(&mut facts.notes);

    let checks = vec![readable_check, complete_check, compatible_check.0, fits_check.0];
    let can_upload = checks[0].ok == Some(true)
        && checks[1].ok == Some(true)
        && checks[2].ok != Some(false)
        && checks[3].ok != Some(false);
    Inspection {
        path,
        file_size: len,
        dump_size: len,
        modified_at: modified.map(OffsetDateTime::from),
        format,
        format_label: format.label().to_string(),
        inner_format: facts.inner_format,
        database_name,
        backup_time,
        neo4j_version,
        store_format,
        full_size,
        full_size_from_metadata: full_from_meta,
        store_files,
        store_bytes,
        compressed: format.is_compressed() || facts.inner_format.is_some_and(|f| f.is_compressed()),
        checks,
        can_upload,
        problems,
        notes,
        file_name,
    }
}

fn describe(format: ArchiveFormat, database: &Option<String>, time: Option<OffsetDateTime>) -> String {
    let mut s = format!("This is {}", format.phrase());
    if let Some(db) = database.as_deref().filter(|d| !d.is_empty()) {
        s.push_str(&format!(" of the database \u{201c}{db}\u{201d}"));
    }
    if let Some(t) = time {
        s.push_str(&format!(", taken {}", human_time(t)));
    }
    s.push('.');
    s
}

fn human_time(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Notes a file name whose ending doesn't match the content (accepted: the content decides).
fn note_extension(notes: &mut Vec<String>, format: ArchiveFormat, file_name: &str) {
    let lower = file_name.to_lowercase();
    if format.extensions().iter().any(|e| lower.ends_with(e)) {
        return;
    }
    // Index the original name: lower-casing can change byte lengths.
    let ending = match file_name.rfind('.') {
        Some(i) if i > 0 => format!("ends in \u{201c}{}\u{201d}", &file_name[i..]),
        _ => "has no extension".to_string(),
    };
    let usual = format.extensions().first().copied().unwrap_or("");
    notes.push(format!(
        "This file's name {ending}, but it is {} (usually named \u{201c}*{usual}\u{201d}). Lifeboat goes by \
         what is inside the file, so that is fine.",
        format.phrase()
    ));
}

/// The Neo4j version line of the target instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Old(u32),
    V4,
    V5Plus,
}

fn parse_line(version: &str) -> Option<Line> {
    let digits: String =
        version.trim().trim_start_matches(['v', 'V']).chars().take_while(char::is_ascii_digit).collect();
    let major: u32 = digits.parse().ok()?;
    Some(match major {
        4 => Line::V4,
        // Calendar versions (2025.01, …) succeed Neo4j 5.
        5..=99 | 2025.. => Line::V5Plus,
        m => Line::Old(m),
    })
}

fn compatibility(
    version_format: ArchiveFormat,
    format: ArchiveFormat,
    o: &InspectOptions,
) -> (Check, Option<ProblemCode>) {
    let check = |ok: Option<bool>, message: String| Check { id: CheckId::Compatible, ok, message };
    let label = format!("This {}", format.noun());
    // AuraDS archives go only to AuraDS instances.
    if format.family() == Family::AuraDs && o.target_is_ds == Some(false) {
        return (
            check(
                Some(false),
                "This is an AuraDS archive: it can only be restored to an AuraDS instance. Choose an AuraDS \
                 instance, or restore the .dump file inside the archive instead."
                    .into(),
            ),
            Some(ProblemCode::Incompatible),
        );
    }
    let Some(version) = o.target_version.as_deref() else {
        let message = if format.family() == Family::AuraDs && o.target_is_ds == Some(true) {
            "This AuraDS archive can go to this AuraDS instance; its Neo4j version isn't known yet.".to_string()
        } else {
            "Not checked yet: choose an instance to see whether this file can be restored to it.".to_string()
        };
        return (check(None, message), None);
    };
    let Some(line) = parse_line(version) else {
        return (
            check(None, format!("Lifeboat doesn't recognise the instance's version \u{201c}{version}\u{201d}.")),
            None,
        );
    };
    let family = match version_format.family() {
        Family::AuraDs | Family::Unknown => Family::Neo4j5,
        f => f,
    };
    let incompatible = |message: String| (check(Some(false), message), Some(ProblemCode::Incompatible));
    let result = match (family, line) {
        (Family::Neo4j5, Line::V5Plus) => {
            check(Some(true), format!("{label} can be restored to this Neo4j {version} instance."))
        }
        (Family::Neo4j5, _) => {
            return incompatible(format!(
                "{label} can only be restored to a Neo4j 5 (or newer) instance, and this instance runs Neo4j \
                 {version}. Choose a Neo4j 5 instance, or make a dump with the Neo4j version this instance runs."
            ))
        }
        (Family::Neo4j4, Line::V4) => {
            check(Some(true), format!("{label} can be restored to this Neo4j {version} instance."))
        }
        (Family::Neo4j4, Line::V5Plus) => check(
            Some(true),
            format!(
                "{label} can be restored to this Neo4j {version} instance; Aura upgrades it while loading (dumps \
                 from Neo4j 4.4 work best)."
            ),
        ),
        (Family::Neo4j3, Line::V4) => {
            check(Some(true), format!("{label} can be restored to this Neo4j {version} instance."))
        }
        (Family::Neo4j3, Line::V5Plus) => {
            return incompatible(format!(
                "{label} can't be restored to a Neo4j {version} instance. Load it into Neo4j 4.4, dump it again, \
                 and restore that dump."
            ))
        }
        _ => {
            return incompatible(format!(
                "{label} can't be restored to a Neo4j {version} instance. Choose a Neo4j 5 instance."
            ))
        }
    };
    if format.family() == Family::AuraDs && o.target_is_ds.is_none() {
        return (check(None, format!("{} It can only go to an AuraDS instance.", result.message)), None);
    }
    (result, None)
}

fn fits(
    full_size: Option<u64>,
    store_bytes: Option<u64>,
    from_meta: bool,
    o: &InspectOptions,
) -> (Check, Option<ProblemCode>) {
    let check = |ok: Option<bool>, message: String| Check { id: CheckId::Fits, ok, message };
    let need = match (full_size, store_bytes) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let Some(need) = need else {
        return (check(None, "Lifeboat couldn't tell how large the database is.".into()), None);
    };
    // Only a size that was neither recorded nor measured is a guess worth flagging.
    let estimate = if from_meta || store_bytes.is_some() {
        ""
    } else {
        " (an estimate: this format doesn't record the database's size)"
    };
    let Some(storage) = o.target_storage_bytes else {
        return (
            check(
                None,
                format!(
                    "Not checked yet: the database needs about {}{estimate}; choose an instance to compare with its \
                     storage.",
                    human_size(need)
                ),
            ),
            None,
        );
    };
    if need <= storage {
        (
            check(
                Some(true),
                format!(
                    "The database needs about {}{estimate}; the instance has {}.",
                    human_size(need),
                    human_size(storage)
                ),
            ),
            None,
        )
    } else {
        (
            check(
                Some(false),
                format!(
                    "The database needs about {}{estimate}, but the instance has only {}. Choose a bigger instance, \
                     or resize this one first.",
                    human_size(need),
                    human_size(storage)
                ),
            ),
            Some(ProblemCode::TooBig),
        )
    }
}

/// Sizes in binary units labelled as Aura labels them ("2.3 GB" = 2.3 × 1024³ bytes).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_sizes_in_words() {
        assert_eq!(parse_line("5"), Some(Line::V5Plus));
        assert_eq!(parse_line("5.26.1"), Some(Line::V5Plus));
        assert_eq!(parse_line("2025.01"), Some(Line::V5Plus));
        assert_eq!(parse_line("4.4"), Some(Line::V4));
        assert_eq!(parse_line("latest"), None);
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(2_469_606_195), "2.3 GB");
    }
}
