//! The `SecretBackend` trait and the in-memory backend.
//!
//! This module owns *where* values live; it knows nothing about what they mean (JSON encoding of database
//! credentials lives in the store). The memory backend never writes anywhere: it exists for unit tests and for the
//! user's explicit "keep it for this session only" choice, and is never used as a silent fallback.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::{SecretError, SecretKey, Sensitive};

/// How long a backend keeps what it stores, so the UI can say so ("saved in your keyring" vs "for this session
/// only").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Saved in the operating system's keyring; survives restarts.
    OsKeyring,
    /// Held in this process's memory only; gone when Lifeboat quits.
    SessionOnly,
}

/// A place that stores string secrets by [`SecretKey`].
///
/// Calls may block (D-Bus round trips, or an OS unlock prompt waiting for the user), so async code must call them
/// through `tokio::task::spawn_blocking`. Implementations must never put a value in an error, a log line or `Debug`.
pub trait SecretBackend: fmt::Debug + Send + Sync + 'static {
    /// The stored value, or `None` when nothing is stored under `key`.
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError>;
    /// Removes the value under `key`; removing a value that isn't there succeeds.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
    /// Checks that the backend can store and read back a value right now.
    fn probe(&self) -> Result<(), SecretError>;
    /// How long stored values last.
    fn persistence(&self) -> Persistence;
}

/// Keeps secrets in this process's memory only.
///
/// For unit tests, and for the explicit "use it for this session only" choice when no keyring is available.
/// Nothing ever reaches a file.
#[derive(Default)]
pub struct MemoryBackend {
    values: Mutex<HashMap<SecretKey, Sensitive<String>>>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, Sensitive<String>>> {
        // A panic while holding the lock cannot leave the map half-updated (every operation is a single map call),
        // so a poisoned lock is still safe to use; refusing would lose the user's session secrets for nothing.
        self.values.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBackend").field("entries", &self.values().len()).finish()
    }
}

impl SecretBackend for MemoryBackend {
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        Ok(self.values().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        self.values().insert(key.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.values().remove(key);
        Ok(())
    }

    fn probe(&self) -> Result<(), SecretError> {
        Ok(())
    }

    fn persistence(&self) -> Persistence {
        Persistence::SessionOnly
    }
}
