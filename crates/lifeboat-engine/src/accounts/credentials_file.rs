//! The credentials file the Aura console offers when an API key is created: a small text file with
//! `CLIENT_ID=…`, `CLIENT_SECRET=…` and `CLIENT_NAME=…` lines (the format Neo4j's own CLI imports with
//! `credential aura-client add --env FILE`).
//!
//! This module owns reading that file, and deleting it again once its key is safely in the keyring. It reads the
//! file once into memory and never writes, copies or logs what it read: the secret goes straight into a
//! [`Sensitive`], so neither `Debug` nor an error message can show it.
//!
//! The reader is forgiving about what editors and shells do to such a file (CRLF line ends, a byte-order mark,
//! blank lines, `#` comments, quotes around a value, an `export ` prefix, spaces around `=`) and strict about what
//! would mean the wrong file: no client id or secret, a file far larger than a key file, or one that is not text.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::Sensitive;

/// The largest file taken as a credentials file. The console's file is about 200 bytes; anything over this is the
/// wrong file (a backup, a log), and reading it whole into memory would be pointless.
pub const MAX_CREDENTIALS_FILE_BYTES: u64 = 16 * 1024;

/// What a credentials file holds. The secret is kept [`Sensitive`]; the rest is not secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuraCredentials {
    /// `CLIENT_ID`.
    pub client_id: String,
    /// `CLIENT_SECRET`.
    pub client_secret: Sensitive<String>,
    /// `CLIENT_NAME`: the name the key was given in the console, a good default name for the account.
    pub client_name: Option<String>,
}

/// Why a credentials file was not taken. Each message says what happened, that nothing was changed, and what to
/// do; none holds a secret or the file's contents.
#[derive(Debug, Error)]
pub enum CredentialsFileError {
    /// The file could not be opened or read.
    #[error("Lifeboat could not read {name}: {reason}. Nothing was changed. Check the file, or choose it again.")]
    Unreadable {
        /// The file's name, for the message.
        name: String,
        /// Why, in words.
        reason: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Far larger than a credentials file.
    #[error("{name} is too large to be an Aura credentials file (those are a few lines). Nothing was changed. Choose the text file the Aura console downloaded when you created the API key.")]
    TooLarge {
        /// The file's name.
        name: String,
    },
    /// Not text (a backup, an image, …).
    #[error("{name} is not a text file, so it is not an Aura credentials file. Nothing was changed. Choose the text file the Aura console downloaded when you created the API key.")]
    NotText {
        /// The file's name.
        name: String,
    },
    /// The file of a database (its password), not of an API key.
    #[error("{name} holds the login of a database, not an API key. Nothing was changed. Create an API key in the Aura console under Account → API keys and choose the file it offers you then.")]
    DatabaseFile {
        /// The file's name.
        name: String,
    },
    /// `CLIENT_ID` or `CLIENT_SECRET` is missing or empty.
    #[error("{name} has no {missing} line, so Lifeboat cannot connect with it. Nothing was changed. Choose the file the Aura console downloaded when you created the API key: it has both a CLIENT_ID and a CLIENT_SECRET line.")]
    Incomplete {
        /// The file's name.
        name: String,
        /// What is missing, as written in the file (`CLIENT_ID`, `CLIENT_SECRET`).
        missing: &'static str,
    },
    /// Deleting after the import: the file now holds something else, so it is not the file that was imported.
    #[error("{name} has changed since Lifeboat read it, so Lifeboat did not delete it. Your account is connected; delete the file yourself if it is no longer needed.")]
    Changed {
        /// The file's name.
        name: String,
    },
    /// Deleting after the import failed.
    #[error("Lifeboat could not delete {name}: {reason}. Your account is connected; delete the file yourself, because it holds the secret in plain text.")]
    DeleteFailed {
        /// The file's name.
        name: String,
        /// Why, in words.
        reason: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl CredentialsFileError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "credentials-file-unreadable",
            Self::TooLarge { .. } => "credentials-file-too-large",
            Self::NotText { .. } => "credentials-file-not-text",
            Self::DatabaseFile { .. } => "credentials-file-database",
            Self::Incomplete { .. } => "credentials-file-incomplete",
            Self::Changed { .. } => "credentials-file-changed",
            Self::DeleteFailed { .. } => "credentials-file-delete-failed",
        }
    }

    /// Whether trying again could help (the file was busy or moved, the disk full).
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unreadable { .. } | Self::DeleteFailed { .. })
    }
}

/// A credentials file that was read: where it is, and what it holds.
#[derive(Debug, Clone)]
pub struct CredentialsFile {
    path: PathBuf,
    credentials: AuraCredentials,
}

impl CredentialsFile {
    /// Reads and parses the file at `path`. Symbolic links are followed once, here, and the real file remembered,
    /// so [`CredentialsFile::delete`] removes the file whose secret was read rather than a link to it.
    pub fn read(path: &Path) -> Result<Self, CredentialsFileError> {
        let name = display_name(path);
        let unreadable =
            |source| CredentialsFileError::Unreadable { name: name.clone(), reason: io_reason(&source), source };
        let real = std::fs::canonicalize(path).map_err(unreadable)?;
        let bytes = read_capped(&real).map_err(unreadable)?;
        let credentials = parse_bytes(&bytes, &name)?;
        Ok(Self { path: real, credentials })
    }

    /// The file's real path (links resolved).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's name, for messages ("Neo4j-API-key.txt").
    pub fn name(&self) -> String {
        display_name(&self.path)
    }

    /// What the file holds.
    pub fn credentials(&self) -> &AuraCredentials {
        &self.credentials
    }

    /// Deletes the file, once its key is in the keyring. Only when it still holds the same key: a file that was
    /// replaced since it was read is not the one the user was offered to delete, and is left alone.
    pub fn delete(&self) -> Result<(), CredentialsFileError> {
        let name = self.name();
        match Self::read(&self.path) {
            Ok(now) if now.path == self.path && now.credentials == self.credentials => {}
            // Already gone: what the user asked for is true.
            Err(CredentialsFileError::Unreadable { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(())
            }
            _ => return Err(CredentialsFileError::Changed { name }),
        }
        std::fs::remove_file(&self.path).map_err(|source| CredentialsFileError::DeleteFailed {
            name,
            reason: io_reason(&source),
            source,
        })
    }
}

/// What went wrong with a file, in words (no error numbers on screen).
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "it is not there any more",
        std::io::ErrorKind::PermissionDenied => "this computer does not allow Lifeboat to open it",
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file",
        _ => "the computer could not read it",
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// The file's bytes, at most one more than the limit (so a larger file is recognised without reading it whole).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIALS_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Parses a credentials file's bytes; `name` is only for messages.
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<AuraCredentials, CredentialsFileError> {
    let name = name.to_owned();
    if bytes.len() as u64 > MAX_CREDENTIALS_FILE_BYTES {
        return Err(CredentialsFileError::TooLarge { name });
    }
    // A NUL byte never occurs in text; invalid UTF-8 is not what the console writes either.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => text,
        _ => return Err(CredentialsFileError::NotText { name }),
    };
    parse_text(text, &name)
}

/// Parses a credentials file's text; `name` is only for messages.
pub fn parse_text(text: &str, name: &str) -> Result<AuraCredentials, CredentialsFileError> {
    let mut client_id = None;
    let mut client_secret = None;
    let mut client_name = None;
    let mut database_keys = false;
    for line in text.trim_start_matches('\u{feff}').lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = unquote(value.trim());
        match key.trim().to_ascii_uppercase().as_str() {
            "CLIENT_ID" => client_id = Some(value.to_owned()),
            "CLIENT_SECRET" => client_secret = Some(Sensitive::new(value.to_owned())),
            "CLIENT_NAME" => client_name = Some(value.to_owned()),
            "NEO4J_URI" | "NEO4J_PASSWORD" | "AURA_INSTANCEID" => database_keys = true,
            _ => {}
        }
    }
    let name = name.to_owned();
    let client_id = client_id.filter(|v| !v.is_empty());
    let client_secret = client_secret.filter(|v| !v.expose().is_empty());
    match (client_id, client_secret) {
        (Some(client_id), Some(client_secret)) => {
            Ok(AuraCredentials { client_id, client_secret, client_name: client_name.filter(|v| !v.is_empty()) })
        }
        (None, None) if database_keys => Err(CredentialsFileError::DatabaseFile { name }),
        (None, _) => Err(CredentialsFileError::Incomplete { name, missing: "CLIENT_ID" }),
        (Some(_), None) => Err(CredentialsFileError::Incomplete { name, missing: "CLIENT_SECRET" }),
    }
}

/// `"value"` or `'value'` without its quotes; anything else as it is.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "kT4c-canary-9Hq2LmZpXv7RwYb3NsEuJdA8fGiO1TlKy6MeWnBoCr5QxSzVhP0UjF";

    /// As the Aura console writes it when an API key is created.
    fn console_file() -> String {
        format!("CLIENT_ID=Xq8fB2mNcR7tVwY1zK4pLs9dHgJ3aE6u\nCLIENT_SECRET={SECRET}\nCLIENT_NAME=Lifeboat backups\n")
    }

    #[test]
    fn the_file_the_console_writes_is_read() {
        let c = parse_text(&console_file(), "f.txt").unwrap();
        assert_eq!(c.client_id, "Xq8fB2mNcR7tVwY1zK4pLs9dHgJ3aE6u");
        assert_eq!(c.client_secret.expose(), SECRET);
        assert_eq!(c.client_name.as_deref(), Some("Lifeboat backups"));
    }

    #[test]
    fn what_editors_and_shells_do_to_the_file_is_tolerated() {
        let edited = format!(
            "\u{feff}# Aura API key, created today\r\n\r\nexport CLIENT_ID = \"abc123\"\r\n  client_secret='{SECRET}'  \r\n# CLIENT_NAME=ignored comment\r\nCLIENT_NAME=  Ops key \r\nOTHER=1\r\nno equals sign here\r\n"
        );
        let c = parse_bytes(edited.as_bytes(), "f.txt").unwrap();
        assert_eq!(c.client_id, "abc123");
        assert_eq!(c.client_secret.expose(), SECRET);
        assert_eq!(c.client_name.as_deref(), Some("Ops key"));
    }

    #[test]
    fn a_secret_with_equals_signs_is_kept_whole() {
        let c = parse_text("CLIENT_ID=a\nCLIENT_SECRET=ab==cd=\n", "f").unwrap();
        assert_eq!(c.client_secret.expose(), "ab==cd=");
        assert_eq!(c.client_name, None);
    }

    #[test]
    fn a_missing_id_or_secret_is_refused_with_what_is_missing() {
        let e = parse_text(&format!("CLIENT_SECRET={SECRET}\n"), "key.txt").unwrap_err();
        assert_eq!(e.code(), "credentials-file-incomplete");
        assert!(e.to_string().contains("no CLIENT_ID line") && e.to_string().contains("Nothing was changed"), "{e}");
        let e = parse_text("CLIENT_ID=abc\nCLIENT_SECRET=\"\"\n", "key.txt").unwrap_err();
        assert!(e.to_string().contains("no CLIENT_SECRET line"), "{e}");
        assert_eq!(parse_text("", "key.txt").unwrap_err().code(), "credentials-file-incomplete");
    }

    #[test]
    fn a_database_credentials_file_is_named_for_what_it_is() {
        let e = parse_text(
            "NEO4J_URI=neo4j+s://x.databases.neo4j.io\nNEO4J_USERNAME=neo4j\nNEO4J_PASSWORD=p\n",
            "Neo4j-x.txt",
        )
        .unwrap_err();
        assert_eq!(e.code(), "credentials-file-database");
        assert!(e.to_string().contains("login of a database"), "{e}");
    }

    #[test]
    fn binary_and_oversized_files_are_refused_without_showing_their_contents() {
        let e = parse_bytes(b"DZV1\0\0\x01CLIENT_ID=a\nCLIENT_SECRET=b\n", "Production.backup").unwrap_err();
        assert_eq!(e.code(), "credentials-file-not-text");
        assert!(e.to_string().starts_with("Production.backup is not a text file"), "{e}");
        let e = parse_bytes(&[0xff, 0xfe, 0x41], "x").unwrap_err();
        assert_eq!(e.code(), "credentials-file-not-text");
        let big = format!("{}\n{}", console_file(), "#".repeat(MAX_CREDENTIALS_FILE_BYTES as usize));
        let e = parse_bytes(big.as_bytes(), "big.txt").unwrap_err();
        assert_eq!(e.code(), "credentials-file-too-large");
    }

    #[test]
    fn neither_debug_nor_any_error_shows_the_secret() {
        let c = parse_text(&console_file(), "f").unwrap();
        assert!(!format!("{c:?}").contains(SECRET), "{c:?}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.txt");
        std::fs::write(&path, console_file()).unwrap();
        let file = CredentialsFile::read(&path).unwrap();
        assert!(!format!("{file:?}").contains(SECRET));
        // An error from a file that holds the secret but lacks the id.
        std::fs::write(&path, format!("CLIENT_SECRET={SECRET}\n")).unwrap();
        let e = CredentialsFile::read(&path).unwrap_err();
        assert!(!format!("{e} {e:?}").contains(SECRET));
    }

    #[test]
    fn a_real_file_is_read_and_then_deleted_only_while_it_holds_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Neo4j-API-key.txt");
        std::fs::write(&path, console_file()).unwrap();
        let file = CredentialsFile::read(&path).unwrap();
        assert_eq!(file.name(), "Neo4j-API-key.txt");
        assert_eq!(file.credentials().client_secret.expose(), SECRET);

        // Replaced by another key's file: left alone.
        std::fs::write(&path, "CLIENT_ID=other\nCLIENT_SECRET=other\n").unwrap();
        assert_eq!(file.delete().unwrap_err().code(), "credentials-file-changed");
        assert!(path.exists());

        std::fs::write(&path, console_file()).unwrap();
        file.delete().unwrap();
        assert!(!path.exists());
        // Deleting again: it is gone, as asked.
        file.delete().unwrap();
    }

    #[test]
    fn a_link_to_the_file_is_followed_and_the_real_file_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        std::fs::write(&real, console_file()).unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let file = CredentialsFile::read(&link).unwrap();
            assert_eq!(file.path(), std::fs::canonicalize(&real).unwrap());
            file.delete().unwrap();
            assert!(!real.exists());
        }
    }

    #[test]
    fn a_missing_file_is_unreadable_and_names_only_the_file() {
        let e = CredentialsFile::read(Path::new("/nonexistent/dir/key.txt")).unwrap_err();
        assert_eq!(e.code(), "credentials-file-unreadable");
        assert!(e.to_string().starts_with("Lifeboat could not read key.txt: it is not there any more."), "{e}");
        assert!(e.retryable());
    }
}
