//! # lifeboat-secrets
//!
//! Where Lifeboat keeps secrets, and the type that keeps them out of everything else.
//!
//! - [`Sensitive<T>`] wraps a secret so it never prints, logs or serialises.
//! - [`SecretStore`] keeps API client secrets and database credentials in the OS keyring ([`KeyringBackend`]:
//!   Secret Service on Linux, Keychain on macOS, Credential Manager on Windows), or — only when the user chooses
//!   "for this session only" — in memory ([`MemoryBackend`]). Nothing is ever written to a file.
//! - Entries live under a [`ServiceName`] namespaced by build (`dev.lifeboat.desktop` for release,
//!   `dev.lifeboat.desktop.dev` for debug, or `LIFEBOAT_KEYRING_SERVICE`), so dev and test runs never touch the
//!   installed app's secrets.
//! - Every failure is a [`SecretError`] with a stable code and one plain message per class, never the secret.
//!
//! ```
//! use lifeboat_secrets::{DbCredentials, SecretStore};
//!
//! let store = SecretStore::session_only(); // the app uses SecretStore::os_keyring()
//! store.set_db_credentials("a1b2c3d4", &DbCredentials::new("neo4j", "s3cret"))?;
//! let creds = store.db_credentials("a1b2c3d4")?.expect("just stored");
//! assert_eq!(format!("{creds:?}"), r#"DbCredentials { user: "neo4j", password: <redacted> }"#);
//! # Ok::<(), lifeboat_secrets::SecretError>(())
//! ```
//!
//! **Blocking:** keyring calls are synchronous D-Bus / OS calls that can wait on an unlock prompt. Async callers must
//! run them with `tokio::task::spawn_blocking` (see [`SecretStore`]).
//!
//! **Why not a silent fallback:** when the keyring is unreachable, [`SecretStore::probe`] says so and the UI asks
//! the user; quietly keeping a secret in memory (or, worse, in a file) would lose it on restart without telling
//! anyone. For the same reason the `keyring` crate's own mock store is made impossible: see [`KeyringBackend`].

#![warn(missing_docs)]

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
compile_error!("lifeboat-secrets has a keyring backend for Linux, macOS and Windows only");

mod backend;
mod error;
mod key;
mod keyring_backend;
mod sensitive;
mod store;

pub use backend::{MemoryBackend, Persistence, SecretBackend};
pub use error::SecretError;
pub use key::{SecretKey, ServiceName};
pub use keyring_backend::KeyringBackend;
pub use sensitive::Sensitive;
pub use store::{DbCredentials, SecretStore};
