//! Database logins backed by the OS keyring, with a per-session overlay for logins the user chose not to save.

use std::sync::Arc;

use lifeboat_secrets::{SecretError, SecretStore};

use crate::jobs::{LoginStore, MemoryLogins};
use crate::verify::DbLogin;

/// Where a login is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginPersistence {
    /// The OS keyring.
    Keyring,
    /// Memory, until Lifeboat quits.
    Session,
    /// The sandbox's practice logins (memory; they are practice data).
    Sandbox,
}

/// Logins in the keyring, plus session-only ones in memory (looked up first).
#[derive(Clone)]
pub struct KeyringLogins {
    store: SecretStore,
    session: Arc<MemoryLogins>,
}

impl KeyringLogins {
    /// Logins over this secret store.
    pub fn new(store: SecretStore) -> Self {
        Self { store, session: Arc::new(MemoryLogins::default()) }
    }

    /// Logins in the OS keyring under this build's service name (the desktop app's).
    pub fn os_keyring() -> Self {
        Self::new(SecretStore::os_keyring())
    }

    /// The saved login of an instance: this session's, else the keyring's. Blocks on the keyring.
    pub fn saved(&self, instance_id: &str) -> Result<Option<DbLogin>, SecretError> {
        if let Some(login) = self.session.login(instance_id) {
            return Ok(Some(login));
        }
        self.store.db_credentials(instance_id)
    }

    /// Saves a login in the keyring, or for this session only.
    pub fn save(&self, instance_id: &str, login: DbLogin, session_only: bool) -> Result<LoginPersistence, SecretError> {
        if session_only {
            let _ = self.session.remember(instance_id, login);
            return Ok(LoginPersistence::Session);
        }
        self.store.set_db_credentials(instance_id, &login)?;
        Ok(LoginPersistence::Keyring)
    }

    /// Where the login of an instance is kept, and its user.
    pub fn status(&self, instance_id: &str) -> Result<Option<(String, LoginPersistence)>, SecretError> {
        if let Some(l) = self.session.login(instance_id) {
            return Ok(Some((l.user, LoginPersistence::Session)));
        }
        Ok(self.store.db_credentials(instance_id)?.map(|l| (l.user, LoginPersistence::Keyring)))
    }

    /// Forgets the login everywhere.
    pub fn forget(&self, instance_id: &str) -> Result<(), SecretError> {
        self.session.forget(instance_id);
        self.store.forget_db_credentials(instance_id)
    }
}

impl LoginStore for KeyringLogins {
    fn login(&self, instance_id: &str) -> Option<DbLogin> {
        self.session.login(instance_id).or_else(|| match self.store.db_credentials(instance_id) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(code = e.code(), "could not read a database login from the keyring");
                None
            }
        })
    }

    fn remember(&self, instance_id: &str, login: DbLogin) -> Result<(), String> {
        match self.store.set_db_credentials(instance_id, &login) {
            Ok(()) => Ok(()),
            Err(e) => {
                // Keep it for this session so the job can still verify; say that it was not saved.
                let _ = self.session.remember(instance_id, login);
                Err(e.to_string())
            }
        }
    }

    fn discard(&self, instance_id: &str) {
        if let Err(e) = self.forget(instance_id) {
            tracing::warn!(code = e.code(), "could not remove a deleted instance's login from the keyring");
        }
    }
}
