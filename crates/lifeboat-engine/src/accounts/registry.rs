//! The profiles file: which Aura API keys the user connected, under which label, against which endpoints.
//!
//! The file holds no secret — only the label, the client id and the endpoints. Each client secret lives in the OS
//! keyring under the profile's id (or, when the user chose "this session only", in memory); the
//! [`Workspace`](super::Workspace) keeps the two together.

use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomically;
use crate::config::Endpoints;

/// A connected Aura account (an API key), without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProfile {
    /// Local id (keyring entries are keyed by it).
    pub id: String,
    /// The user's name for it.
    pub label: String,
    /// The API client id.
    pub client_id: String,
    /// Where its API lives.
    pub endpoints: Endpoints,
    /// The secret is kept in memory for this session only (it is gone after a restart).
    #[serde(default)]
    pub session_only: bool,
}

impl AccountProfile {
    /// The last four characters of the client id, enough to tell keys apart.
    pub fn client_id_hint(&self) -> String {
        let tail: String = self.client_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        format!("…{tail}")
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountsFile {
    #[serde(default)]
    accounts: Vec<AccountProfile>,
    #[serde(default)]
    active: Option<String>,
}

/// The profiles file (`accounts.json` in the app's config directory), written atomically.
#[derive(Debug)]
pub struct AccountRegistry {
    path: PathBuf,
    file: AccountsFile,
}

impl AccountRegistry {
    /// Loads the registry (an absent or unreadable file is an empty registry; it is rewritten on the next change).
    pub fn load(path: &Path) -> Self {
        let file = std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        Self { path: path.to_path_buf(), file }
    }

    /// Every profile, in the order connected.
    pub fn accounts(&self) -> &[AccountProfile] {
        &self.file.accounts
    }

    /// One profile.
    pub fn get(&self, id: &str) -> Option<&AccountProfile> {
        self.file.accounts.iter().find(|a| a.id == id)
    }

    /// The account last made active, if it still exists.
    pub fn active(&self) -> Option<&str> {
        self.file.active.as_deref().filter(|id| self.get(id).is_some())
    }

    /// Adds a profile with a fresh id (session-only profiles are not written to disk).
    pub fn add(
        &mut self,
        label: &str,
        client_id: &str,
        endpoints: Endpoints,
        session_only: bool,
    ) -> std::io::Result<AccountProfile> {
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let profile = AccountProfile {
            id,
            label: clean_label(label, client_id),
            client_id: client_id.trim().to_owned(),
            endpoints,
            session_only,
        };
        self.file.accounts.push(profile.clone());
        self.save()?;
        Ok(profile)
    }

    /// Renames a profile.
    pub fn rename(&mut self, id: &str, label: &str) -> std::io::Result<Option<AccountProfile>> {
        let Some(p) = self.file.accounts.iter_mut().find(|a| a.id == id) else { return Ok(None) };
        p.label = clean_label(label, &p.client_id);
        let updated = p.clone();
        self.save()?;
        Ok(Some(updated))
    }

    /// Removes a profile (the caller forgets its secret).
    pub fn remove(&mut self, id: &str) -> std::io::Result<Option<AccountProfile>> {
        let Some(index) = self.file.accounts.iter().position(|a| a.id == id) else { return Ok(None) };
        let removed = self.file.accounts.remove(index);
        if self.file.active.as_deref() == Some(id) {
            self.file.active = None;
        }
        self.save()?;
        Ok(Some(removed))
    }

    /// Remembers which account is active (`None` = the sandbox).
    pub fn set_active(&mut self, id: Option<&str>) -> std::io::Result<()> {
        self.file.active = id.map(str::to_owned);
        self.save()
    }

    fn save(&self) -> std::io::Result<()> {
        let persistent = AccountsFile {
            accounts: self.file.accounts.iter().filter(|a| !a.session_only).cloned().collect(),
            active: self.file.active.clone().filter(|id| self.get(id).is_some_and(|a| !a.session_only)),
        };
        let bytes = serde_json::to_vec_pretty(&persistent).map_err(std::io::Error::other)?;
        write_atomically(&self.path, &bytes)
    }
}

fn clean_label(label: &str, client_id: &str) -> String {
    let label: String = label.trim().chars().take(60).collect();
    if label.is_empty() {
        format!(
            "Aura account {}",
            client_id.chars().rev().take(4).collect::<String>().chars().rev().collect::<String>()
        )
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_survive_a_reload_and_never_hold_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        let mut reg = AccountRegistry::load(&path);
        let a = reg.add("Production org", "abcdefgh1234", Endpoints::default(), false).unwrap();
        reg.add("Temporary", "zzzz9999", Endpoints::default(), true).unwrap();
        reg.set_active(Some(&a.id)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("zzzz9999"), "session-only accounts are not written");
        let reloaded = AccountRegistry::load(&path);
        assert_eq!(reloaded.accounts(), std::slice::from_ref(&a));
        assert_eq!(reloaded.active(), Some(a.id.as_str()));
        assert_eq!(a.client_id_hint(), "…1234");
    }

    #[test]
    fn renaming_and_removing_update_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        let mut reg = AccountRegistry::load(&path);
        let a = reg.add("  ", "abcdefgh1234", Endpoints::default(), false).unwrap();
        assert_eq!(a.label, "Aura account 1234", "a blank label gets a useful default");
        reg.rename(&a.id, "Ops").unwrap();
        assert_eq!(AccountRegistry::load(&path).accounts()[0].label, "Ops");
        reg.set_active(Some(&a.id)).unwrap();
        reg.remove(&a.id).unwrap();
        let reloaded = AccountRegistry::load(&path);
        assert!(reloaded.accounts().is_empty());
        assert_eq!(reloaded.active(), None);
    }
}
