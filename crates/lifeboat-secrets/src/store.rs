//! `SecretStore`: the one handle the app, the engine and the CLI use to keep and read secrets, and the typed
//! helpers for each kind of secret (including the private JSON encoding of database credentials).

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use crate::backend::{MemoryBackend, Persistence, SecretBackend};
use crate::{KeyringBackend, SecretError, SecretKey, Sensitive};

/// A database user and password for one Aura instance.
///
/// Deliberately not `Serialize`: it is stored only through [`SecretStore::set_db_credentials`], whose JSON encoding
/// is private, so the password cannot be serialised into a UI payload or a log by accident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbCredentials {
    /// The database user (not secret; usually `neo4j`).
    pub user: String,
    /// The database password.
    pub password: Sensitive<String>,
}

impl DbCredentials {
    /// Credentials from a user and password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self { user: user.into(), password: Sensitive::new(password.into()) }
    }

    /// The stored form: one JSON object `{"user": …, "password": …}`, so user and password are always saved and
    /// forgotten together in a single keyring entry.
    fn encode(&self) -> Sensitive<String> {
        // A JSON string is written by hand instead of deriving `Serialize` on a struct holding the password;
        // `serde_json::to_string` on a `&str` cannot fail, and quoting through it gets escaping right.
        let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
        Sensitive::new(format!(r#"{{"user":{},"password":{}}}"#, quote(&self.user), quote(self.password.expose())))
    }

    fn decode(stored: &Sensitive<String>) -> Result<Self, SecretError> {
        #[derive(Deserialize)]
        struct Stored {
            user: String,
            password: String,
        }
        match serde_json::from_str::<Stored>(stored.expose()) {
            Ok(Stored { user, password }) => Ok(Self { user, password: Sensitive::new(password) }),
            // serde_json's messages can quote the input (the password), so keep only its category and position.
            Err(err) => Err(SecretError::Corrupt {
                detail: format!(
                    "stored database credentials are not the expected JSON ({:?} error at line {}, column {})",
                    err.classify(),
                    err.line(),
                    err.column()
                ),
            }),
        }
    }
}

/// Where Lifeboat keeps secrets: a cheap, clonable handle over one [`SecretBackend`] (clones share it).
///
/// Every method blocks on the OS keyring (and possibly on an unlock prompt). From async code, move the call onto
/// the blocking pool:
///
/// ```
/// # use lifeboat_secrets::{SecretStore, Sensitive};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = SecretStore::session_only(); // the app uses SecretStore::os_keyring()
/// let handle = store.clone();
/// tokio::task::spawn_blocking(move || handle.set_api_secret("acc-1", &Sensitive::new("s3cret".into())))
///     .await
///     .expect("the blocking task ran")
///     .expect("stored");
/// assert!(store.api_secret("acc-1").unwrap().is_some());
/// # }
/// ```
#[derive(Clone)]
pub struct SecretStore {
    backend: Arc<dyn SecretBackend>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore").field("backend", &self.backend).finish()
    }
}

impl SecretStore {
    /// A store over any backend.
    pub fn new(backend: impl SecretBackend) -> Self {
        Self { backend: Arc::new(backend) }
    }

    /// The OS keyring under [`ServiceName::for_this_build`](crate::ServiceName::for_this_build): what the app uses.
    /// Nothing is contacted until the first call; use [`SecretStore::probe`] to find out whether it works.
    pub fn os_keyring() -> Self {
        Self::new(KeyringBackend::for_this_build())
    }

    /// A store that keeps secrets in memory until the process exits. Only for the user's explicit "use it for this
    /// session only" choice (and tests); never substitute it silently for an unavailable keyring.
    pub fn session_only() -> Self {
        Self::new(MemoryBackend::new())
    }

    /// Whether secrets survive a restart, so the UI can tell the user.
    pub fn persistence(&self) -> Persistence {
        self.backend.persistence()
    }

    /// Whether the store can be used right now. The UI calls it before asking for a secret and, on an error it
    /// [suggests](SecretError::suggests_session_only), offers "use it for this session only". On the OS keyring this
    /// writes, reads back and removes a throwaway entry, and may bring up the OS unlock prompt.
    pub fn probe(&self) -> Result<(), SecretError> {
        self.backend.probe()
    }

    /// The raw value stored under `key`, or `None`.
    pub fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        self.backend.get(key)
    }

    /// Stores a raw value under `key`, replacing any previous one.
    pub fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        self.backend.set(key, value)
    }

    /// Removes the value under `key`; succeeds when there is none.
    pub fn forget(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.backend.delete(key)
    }

    /// Stores the API client secret of an account profile.
    pub fn set_api_secret(&self, account_id: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.set(&SecretKey::api_client(account_id), secret)
    }

    /// The API client secret of an account profile, or `None` when none is stored.
    pub fn api_secret(&self, account_id: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        self.get(&SecretKey::api_client(account_id))
    }

    /// Forgets the API client secret of an account profile.
    pub fn forget_api_secret(&self, account_id: &str) -> Result<(), SecretError> {
        self.forget(&SecretKey::api_client(account_id))
    }

    /// Stores the database user and password of an instance, as one entry.
    pub fn set_db_credentials(&self, instance_id: &str, credentials: &DbCredentials) -> Result<(), SecretError> {
        self.set(&SecretKey::database(instance_id), &credentials.encode())
    }

    /// The database user and password of an instance, or `None` when none are stored; [`SecretError::Corrupt`] when
    /// the stored value is not what Lifeboat writes.
    pub fn db_credentials(&self, instance_id: &str) -> Result<Option<DbCredentials>, SecretError> {
        self.get(&SecretKey::database(instance_id))?.as_ref().map(DbCredentials::decode).transpose()
    }

    /// Forgets the database user and password of an instance.
    pub fn forget_db_credentials(&self, instance_id: &str) -> Result<(), SecretError> {
        self.forget(&SecretKey::database(instance_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_secrets_set_get_forget() {
        let store = SecretStore::session_only();
        assert_eq!(store.api_secret("acc-1").unwrap(), None);
        store.set_api_secret("acc-1", &Sensitive::new("first".into())).unwrap();
        store.set_api_secret("acc-1", &Sensitive::new("second".into())).unwrap();
        store.set_api_secret("acc-2", &Sensitive::new("other".into())).unwrap();
        assert_eq!(store.api_secret("acc-1").unwrap().unwrap().expose(), "second");
        store.forget_api_secret("acc-1").unwrap();
        assert_eq!(store.api_secret("acc-1").unwrap(), None);
        assert_eq!(store.api_secret("acc-2").unwrap().unwrap().expose(), "other");
        store.forget_api_secret("acc-1").unwrap(); // forgetting twice is fine
    }

    #[test]
    fn db_credentials_set_get_forget() {
        let store = SecretStore::session_only();
        assert_eq!(store.db_credentials("inst-1").unwrap(), None);
        let creds = DbCredentials::new("neo4j", "pa\"ss\\word ✓\n");
        store.set_db_credentials("inst-1", &creds).unwrap();
        assert_eq!(store.db_credentials("inst-1").unwrap(), Some(creds));
        store.forget_db_credentials("inst-1").unwrap();
        assert_eq!(store.db_credentials("inst-1").unwrap(), None);
        store.forget_db_credentials("inst-1").unwrap();
    }

    #[test]
    fn the_two_kinds_never_collide() {
        let store = SecretStore::session_only();
        store.set_api_secret("same-id", &Sensitive::new("api".into())).unwrap();
        store.set_db_credentials("same-id", &DbCredentials::new("neo4j", "db")).unwrap();
        store.forget_api_secret("same-id").unwrap();
        assert_eq!(store.db_credentials("same-id").unwrap().unwrap().password.expose(), "db");
    }

    #[test]
    fn db_credentials_are_stored_as_one_json_object() {
        let creds = DbCredentials::new("neo4j", "pa\"ss\\word ✓\n");
        let stored = creds.encode();
        let value: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
        assert_eq!(value, serde_json::json!({"user": "neo4j", "password": "pa\"ss\\word ✓\n"}));
        assert_eq!(DbCredentials::decode(&stored).unwrap(), creds);
        // Fields added by a later version are ignored rather than making the entry unreadable.
        let newer = Sensitive::new(r#"{"user":"u","password":"p","rotated_at":"2030-01-01"}"#.to_owned());
        assert_eq!(DbCredentials::decode(&newer).unwrap(), DbCredentials::new("u", "p"));
    }

    #[test]
    fn clones_share_one_store() {
        let store = SecretStore::session_only();
        store.clone().set_api_secret("acc", &Sensitive::new("x".into())).unwrap();
        assert!(store.api_secret("acc").unwrap().is_some());
        assert_eq!(store.persistence(), Persistence::SessionOnly);
        store.probe().unwrap();
        fn is_shareable<T: Clone + Send + Sync + 'static>() {}
        is_shareable::<SecretStore>();
    }

    #[test]
    fn an_unreadable_entry_is_corrupt_and_the_error_never_shows_it() {
        let store = SecretStore::session_only();
        for stored in [
            "canary-secret-password",
            r#""canary-secret-password""#,
            r#"{"user":"neo4j","password":["canary-secret-password"]}"#,
        ] {
            store.set(&SecretKey::database("inst"), &Sensitive::new(stored.to_owned())).unwrap();
            let err = store.db_credentials("inst").unwrap_err();
            assert_eq!(err.code(), "secret-corrupt");
            let shown = format!("{err} | {err:?} | {}", err.detail());
            assert!(!shown.contains("canary"), "{shown}");
        }
    }

    #[test]
    fn nothing_that_holds_a_secret_prints_it() {
        let store = SecretStore::session_only();
        let creds = DbCredentials::new("neo4j", "canary-secret-password");
        store.set_db_credentials("inst", &creds).unwrap();
        store.set_api_secret("acc", &Sensitive::new("canary-api-secret".into())).unwrap();
        let shown = format!("{creds:?} {store:?} {:?} {:?}", store.db_credentials("inst"), store.api_secret("acc"));
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("neo4j"), "the user is not secret and helps debugging: {shown}");
    }
}
