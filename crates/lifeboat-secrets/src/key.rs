//! What a secret is stored under: the keyring *service* (one per kind of build) and the *key* (which secret).

use std::fmt;

/// The keyring service name every Lifeboat secret is stored under.
///
/// It is namespaced by build so a debug build, a test run and the released app never read, overwrite or delete each
/// other's secrets: a developer running `cargo run` cannot clobber the credentials their installed Lifeboat uses,
/// and a test can never touch either.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceName(String);

impl ServiceName {
    /// The service of release builds: the installed app's real secrets.
    pub const RELEASE: &'static str = "dev.lifeboat.desktop";
    /// The service of debug builds (`cargo run`, `cargo test` without an override).
    pub const DEBUG: &'static str = "dev.lifeboat.desktop.dev";
    /// Environment variable that overrides the build's default; tests set it to a fresh
    /// `dev.lifeboat.desktop.test-<random>` so each run starts empty and leaves nothing behind in shared keyrings.
    pub const OVERRIDE_ENV: &'static str = "LIFEBOAT_KEYRING_SERVICE";

    /// A service with an explicit name (tests, tools). Prefer [`ServiceName::for_this_build`] in the app.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The service this process should use: [`Self::OVERRIDE_ENV`] when set and not blank, otherwise the build's
    /// default ([`Self::build_default`]).
    pub fn for_this_build() -> Self {
        Self::resolve(std::env::var(Self::OVERRIDE_ENV).ok().as_deref(), cfg!(debug_assertions))
    }

    /// The default for this kind of build, ignoring the environment: [`Self::DEBUG`] when this crate was compiled
    /// with debug assertions (a dev or test build), [`Self::RELEASE`] otherwise.
    pub fn build_default() -> Self {
        Self::resolve(None, cfg!(debug_assertions))
    }

    /// The selection rule, without reading the environment, so it can be tested without mutating process-wide
    /// state: a non-blank override wins (trimmed), else the debug or release name.
    pub fn resolve(override_value: Option<&str>, debug_build: bool) -> Self {
        match override_value.map(str::trim).filter(|name| !name.is_empty()) {
            Some(name) => Self(name.to_owned()),
            None if debug_build => Self(Self::DEBUG.to_owned()),
            None => Self(Self::RELEASE.to_owned()),
        }
    }

    /// The name as stored in the keyring.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which secret: the keyring entry's user/account field is derived from it.
///
/// The ids are not secret (they appear in the Aura console and in logs); only the stored value is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretKey {
    /// The Aura API client secret of an account profile.
    ApiClient {
        /// The id of the account profile the secret belongs to.
        account_id: String,
    },
    /// The database user and password of an Aura instance, stored together as one JSON value.
    Database {
        /// The Aura instance id.
        instance_id: String,
    },
}

impl SecretKey {
    /// The key of an account profile's API client secret.
    pub fn api_client(account_id: impl Into<String>) -> Self {
        SecretKey::ApiClient { account_id: account_id.into() }
    }

    /// The key of an instance's database credentials.
    pub fn database(instance_id: impl Into<String>) -> Self {
        SecretKey::Database { instance_id: instance_id.into() }
    }

    /// The keyring entry's user/account field: `api-client:<account_id>` or `database:<instance_id>`, readable so
    /// a person looking in their keyring app (or `secret-tool`) can tell what each entry is.
    pub fn entry_user(&self) -> String {
        self.to_string()
    }

    /// A human description for the entry's label where the platform shows one (Seahorse, KWallet).
    pub fn description(&self) -> String {
        match self {
            SecretKey::ApiClient { account_id } => format!("Lifeboat: Aura API client secret ({account_id})"),
            SecretKey::Database { instance_id } => format!("Lifeboat: database password ({instance_id})"),
        }
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretKey::ApiClient { account_id } => write!(f, "api-client:{account_id}"),
            SecretKey::Database { instance_id } => write!(f, "database:{instance_id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_or_missing_override_falls_back_to_the_build_default() {
        assert_eq!(ServiceName::resolve(None, true).as_str(), "dev.lifeboat.desktop.dev");
        assert_eq!(ServiceName::resolve(None, false).as_str(), "dev.lifeboat.desktop");
        assert_eq!(ServiceName::resolve(Some(""), false).as_str(), "dev.lifeboat.desktop");
        assert_eq!(ServiceName::resolve(Some("  "), true).as_str(), "dev.lifeboat.desktop.dev");
    }

    #[test]
    fn the_override_wins_in_every_build() {
        for debug in [true, false] {
            let name = ServiceName::resolve(Some(" dev.lifeboat.desktop.test-42 "), debug);
            assert_eq!(name.as_str(), "dev.lifeboat.desktop.test-42");
        }
    }

    #[test]
    fn tests_run_as_a_debug_build_and_never_on_the_release_service() {
        // `cargo test` compiles with debug assertions, so without an override a test would use the dev service.
        if cfg!(debug_assertions) {
            assert_eq!(ServiceName::build_default().as_str(), ServiceName::DEBUG);
            assert_ne!(ServiceName::for_this_build().as_str(), ServiceName::RELEASE);
        }
    }

    #[test]
    fn entry_users_are_readable_and_distinct_per_kind() {
        assert_eq!(SecretKey::api_client("acc-1").entry_user(), "api-client:acc-1");
        assert_eq!(SecretKey::database("a1b2c3d4").entry_user(), "database:a1b2c3d4");
        assert_ne!(SecretKey::api_client("x").entry_user(), SecretKey::database("x").entry_user());
    }
}
