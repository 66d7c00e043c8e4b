//! The OS keyring backend: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows (via the
//! `keyring` crate, 3.x).
//!
//! This module owns the mapping from `keyring` errors to [`SecretError`]. It builds each platform's credential type
//! itself instead of calling `keyring::Entry::new`, because `Entry::new` quietly uses keyring's in-memory mock store
//! when the platform feature is missing: here a missing feature is a compile error instead of a keyring that
//! "saves" nothing.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::backend::{Persistence, SecretBackend};
use crate::{SecretError, SecretKey, Sensitive, ServiceName};

/// Stores secrets in the operating system's keyring under one [`ServiceName`].
///
/// Each entry's user/account field is [`SecretKey::entry_user`] (`api-client:<id>`, `database:<id>`), so a person
/// can recognise Lifeboat's entries in their keyring app. Every call is a blocking round trip to the OS (and may wait
/// on an unlock prompt): from async code use `tokio::task::spawn_blocking`.
///
/// A locked Secret Service keyring shows an unlock prompt and the `keyring` crate waits for its answer with no time
/// limit, so a prompt nobody can see (an SSH session, a desktop without a prompter) would hang the caller forever.
/// Each call therefore runs on a short-lived helper thread and gives up after [`KeyringBackend::deadline`] with
/// [`SecretError::Locked`]; the abandoned thread finishes whenever the prompt is answered.
#[derive(Debug, Clone)]
pub struct KeyringBackend {
    service: ServiceName,
    deadline: Duration,
}

/// The entry the probe writes and removes again; never a real secret.
const PROBE_USER: &str = "lifeboat-probe";

/// Probes within one process take turns: they share [`PROBE_USER`], and one probe's delete must not land between
/// another's write and read-back.
static PROBE_LOCK: Mutex<()> = Mutex::new(());

impl KeyringBackend {
    /// How long a call may wait by default: long enough for a person to find and answer an unlock prompt.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

    /// A backend for the given service; see [`ServiceName::for_this_build`] for the one the app should use.
    pub fn new(service: ServiceName) -> Self {
        Self { service, deadline: Self::DEFAULT_DEADLINE }
    }

    /// A backend for [`ServiceName::for_this_build`].
    pub fn for_this_build() -> Self {
        Self::new(ServiceName::for_this_build())
    }

    /// The same backend with a different limit on how long one call may wait (for an unlock prompt, mostly).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The service every entry is stored under.
    pub fn service(&self) -> &ServiceName {
        &self.service
    }

    /// How long one call may wait before it fails with [`SecretError::Locked`].
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Runs one keyring operation on a helper thread and waits at most [`Self::deadline`] for it.
    fn bounded<T: Send + 'static>(
        &self,
        op: &'static str,
        user: &str,
        call: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("lifeboat-keyring".into()).spawn(move || {
            // The receiver is gone only when the caller stopped waiting; nobody needs the result then.
            let _ = sender.send(call());
        });
        let result = match spawned {
            Err(err) => Err(SecretError::Other { detail: format!("could not start a keyring thread: {err}") }),
            Ok(_) => match receiver.recv_timeout(self.deadline) {
                Ok(result) => result,
                Err(RecvTimeoutError::Timeout) => Err(SecretError::Locked {
                    detail: format!(
                        "no answer from the keyring within {} s; it is probably waiting for an unlock prompt",
                        self.deadline.as_secs()
                    ),
                }),
                Err(RecvTimeoutError::Disconnected) => {
                    Err(SecretError::Other { detail: "the keyring call failed unexpectedly (panicked)".into() })
                }
            },
        };
        // Only the service, the key and the error class are logged: never a value.
        match &result {
            Ok(_) => tracing::debug!(service = %self.service, key = user, op, "keyring ok"),
            Err(err) => tracing::warn!(
                service = %self.service, key = user, op, code = err.code(), detail = err.detail(), "keyring failed"
            ),
        }
        result
    }
}

impl SecretBackend for KeyringBackend {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        let (service, user, label) = (self.service.as_str().to_owned(), key.entry_user(), key.description());
        self.bounded("get", &key.entry_user(), move || get(&service, &user, &label))
    }

    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        let (service, user, label) = (self.service.as_str().to_owned(), key.entry_user(), key.description());
        let value = value.clone();
        self.bounded("set", &key.entry_user(), move || set(&service, &user, &label, value.expose()))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        let (service, user, label) = (self.service.as_str().to_owned(), key.entry_user(), key.description());
        self.bounded("delete", &key.entry_user(), move || delete(&service, &user, &label))
    }

    /// Writes a throwaway entry, reads it back and removes it. Only a write shows that the keyring is unlocked (a
    /// read of a missing entry succeeds on a locked keyring), so this may bring up the OS unlock prompt, which is
    /// the moment the user should see it: just before Lifeboat needs the keyring.
    fn probe(&self) -> Result<(), SecretError> {
        let service = self.service.as_str().to_owned();
        self.bounded("probe", PROBE_USER, move || {
            let _turn = PROBE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
            let label = "Lifeboat: keyring check (safe to delete)";
            let marker = format!("probe-{}", std::process::id());
            set(&service, PROBE_USER, label, &marker)?;
            let read = get(&service, PROBE_USER, label);
            // Clean up even when the read failed, so a failed probe leaves nothing behind.
            let removed = delete(&service, PROBE_USER, label);
            match read? {
                Some(value) if *value.expose() == marker => removed,
                Some(_) => {
                    Err(SecretError::Other { detail: "the keyring returned a different value than stored".into() })
                }
                None => Err(SecretError::Other { detail: "the keyring did not keep a value it accepted".into() }),
            }
        })
    }

    fn persistence(&self) -> Persistence {
        Persistence::OsKeyring
    }
}

fn get(service: &str, user: &str, label: &str) -> Result<Option<Sensitive<String>>, SecretError> {
    match platform::entry(service, user, label).and_then(|entry| entry.get_password()) {
        Ok(value) => Ok(Some(Sensitive::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(map_error(err)),
    }
}

fn set(service: &str, user: &str, label: &str, value: &str) -> Result<(), SecretError> {
    platform::entry(service, user, label).and_then(|entry| entry.set_password(value)).map_err(map_error)
}

fn delete(service: &str, user: &str, label: &str) -> Result<(), SecretError> {
    match platform::entry(service, user, label).and_then(|entry| entry.delete_credential()) {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(err) => Err(map_error(err)),
    }
}

/// Maps a `keyring` error to its class. Callers handle `NoEntry` themselves (absent is not a failure for get and
/// delete). `BadEncoding` holds the stored bytes and `Ambiguous` lists entries, so neither is ever formatted.
fn map_error(err: keyring::Error) -> SecretError {
    match err {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            platform_error(inner.as_ref())
        }
        keyring::Error::NoEntry => SecretError::Other { detail: "no such entry".into() },
        keyring::Error::BadEncoding(_) => SecretError::Corrupt { detail: "the stored value is not UTF-8 text".into() },
        keyring::Error::Ambiguous(matches) => SecretError::Corrupt {
            detail: format!(
                "{} keyring entries match this key; remove the extra ones in your keyring app",
                matches.len()
            ),
        },
        keyring::Error::TooLong(attribute, limit) => SecretError::Other {
            detail: format!("the entry's {attribute} is longer than the platform's limit of {limit}"),
        },
        keyring::Error::Invalid(attribute, reason) => {
            SecretError::Other { detail: format!("the entry's {attribute} is invalid: {reason}") }
        }
        // keyring's Error is non-exhaustive; a future variant might carry data, so only say that it was new to us.
        _ => SecretError::Other { detail: "an error this version of Lifeboat doesn't recognise".into() },
    }
}

/// Sorts a platform error into locked / denied / unavailable. Only the Secret Service tells these apart in a typed
/// way; on macOS and Windows every platform failure means "the keyring can't be used now".
fn platform_error(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> SecretError {
    let detail = inner.to_string();
    #[cfg(target_os = "linux")]
    if let Some(ss) = inner.downcast_ref::<dbus_secret_service::Error>() {
        return match ss {
            dbus_secret_service::Error::Locked => SecretError::Locked { detail },
            // Also what a prompt that could not be shown at all (no display for the prompter) reports.
            dbus_secret_service::Error::Prompt => SecretError::Denied { detail },
            // keyring swallows a failed unlock when creating an item, so a locked keyring surfaces here on `set`.
            dbus_secret_service::Error::Dbus(err) => match err.name() {
                Some("org.freedesktop.Secret.Error.IsLocked") => SecretError::Locked { detail },
                Some("org.freedesktop.DBus.Error.AccessDenied") => SecretError::Denied { detail },
                _ => SecretError::Unavailable { detail },
            },
            // No D-Bus session, no provider on it, no default collection, or a broken exchange with it.
            _ => SecretError::Unavailable { detail },
        };
    }
    SecretError::Unavailable { detail }
}

/// Builds the platform's credential type directly (see the module docs for why not `keyring::Entry::new`).
mod platform {
    pub(super) use keyring::{Entry, Result};

    #[cfg(target_os = "linux")]
    pub(super) fn entry(service: &str, user: &str, label: &str) -> Result<Entry> {
        // Target `None` is keyring's default collection, the same place `Entry::new` would use.
        let mut credential = keyring::secret_service::SsCredential::new_with_target(None, service, user)?;
        // The label is what keyring apps show; keyring's default is "<user>@<service>:default (keyring v3…)".
        credential.label = label.to_owned();
        Ok(Entry::new_with_credential(Box::new(credential)))
    }

    #[cfg(target_os = "macos")]
    pub(super) fn entry(service: &str, user: &str, _label: &str) -> Result<Entry> {
        let credential = keyring::macos::MacCredential::new_with_target(None, service, user)?;
        Ok(Entry::new_with_credential(Box::new(credential)))
    }

    #[cfg(target_os = "windows")]
    pub(super) fn entry(service: &str, user: &str, label: &str) -> Result<Entry> {
        let mut credential = keyring::windows::WinCredential::new_with_target(None, service, user)?;
        credential.comment = label.to_owned();
        Ok(Entry::new_with_credential(Box::new(credential)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_bytes_never_reach_the_error() {
        let err = map_error(keyring::Error::BadEncoding(b"canary-\xff-secret".to_vec()));
        assert_eq!(err.code(), "secret-corrupt");
        let shown = format!("{err} {err:?} {}", err.detail());
        assert!(!shown.contains("canary"), "{shown}");
    }

    #[test]
    fn platform_failures_mean_the_keyring_is_unavailable() {
        let io = std::io::Error::other("connection refused");
        let err = map_error(keyring::Error::PlatformFailure(Box::new(io)));
        assert_eq!(err.code(), "keyring-unavailable");
        assert_eq!(err.detail(), "connection refused");
        assert!(err.to_string().contains("for this session only"), "{err}");
        let io = std::io::Error::other("no access");
        assert_eq!(map_error(keyring::Error::NoStorageAccess(Box::new(io))).code(), "keyring-unavailable");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn secret_service_tells_locked_from_denied() {
        let locked = map_error(keyring::Error::NoStorageAccess(Box::new(dbus_secret_service::Error::Locked)));
        assert_eq!(locked.code(), "keyring-locked");
        let denied = map_error(keyring::Error::NoStorageAccess(Box::new(dbus_secret_service::Error::Prompt)));
        assert_eq!(denied.code(), "keyring-denied");
        let missing = map_error(keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Unavailable)));
        assert_eq!(missing.code(), "keyring-unavailable");
        let no_default = map_error(keyring::Error::NoStorageAccess(Box::new(dbus_secret_service::Error::NoResult)));
        assert_eq!(no_default.code(), "keyring-unavailable");
        let dbus = |name: &str| {
            let err = dbus_secret_service::Error::Dbus(dbus::Error::new_custom(name, "message"));
            map_error(keyring::Error::PlatformFailure(Box::new(err))).code()
        };
        assert_eq!(dbus("org.freedesktop.Secret.Error.IsLocked"), "keyring-locked");
        assert_eq!(dbus("org.freedesktop.DBus.Error.AccessDenied"), "keyring-denied");
        assert_eq!(dbus("org.freedesktop.DBus.Error.ServiceUnknown"), "keyring-unavailable");
    }

    #[test]
    fn a_call_that_waits_past_the_deadline_fails_as_locked_instead_of_hanging() {
        let backend = KeyringBackend::new(ServiceName::new("unused")).with_deadline(Duration::from_millis(50));
        let started = std::time::Instant::now();
        let result = backend.bounded("get", "user", || {
            // Stands in for a keyring call blocked on an unlock prompt nobody answers.
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        });
        assert_eq!(result.unwrap_err().code(), "keyring-locked");
        assert!(started.elapsed() < Duration::from_secs(1), "gave up at the deadline");
    }

    #[test]
    fn key_problems_are_other_errors() {
        assert_eq!(map_error(keyring::Error::TooLong("user".into(), 255)).code(), "keyring-error");
        assert_eq!(map_error(keyring::Error::Invalid("service".into(), "empty".into())).code(), "keyring-error");
    }
}
