//! Endpoints: where the engine talks to. Real Aura by default; the sandbox and tests point them at the emulator.
//!
//! This module owns the rule that secrets only travel over HTTPS: plain `http://` is accepted for loopback hosts
//! only (the sandbox), never for a remote host.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use url::Url;

/// The real Aura API base (version path included).
pub const AURA_API_URL: &str = "https://api.neo4j.io/v1";
/// The real Aura OAuth token endpoint.
pub const AURA_AUTH_URL: &str = "https://api.neo4j.io/oauth/token";
/// The real Aura console, which serves the import protocol used for file restores.
pub const AURA_CONSOLE_URL: &str = "https://console.neo4j.io";
/// The real Query API URL template; `{dbid}` is replaced by the instance id.
pub const AURA_QUERY_URL: &str = "https://{dbid}.databases.neo4j.io/db/neo4j/query/v2";

/// The four service endpoints the engine needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// Aura API v1 base, e.g. `https://api.neo4j.io/v1`.
    pub api_url: String,
    /// OAuth client-credentials token endpoint.
    pub auth_url: String,
    /// Console base URL (import protocol).
    pub console_url: String,
    /// Query API URL template containing `{dbid}`.
    pub query_url: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            api_url: AURA_API_URL.into(),
            auth_url: AURA_AUTH_URL.into(),
            console_url: AURA_CONSOLE_URL.into(),
            query_url: AURA_QUERY_URL.into(),
        }
    }
}

/// Why an endpoint was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not a URL at all.
    #[error("“{url}” is not a valid web address. Check the {what} setting.")]
    InvalidUrl {
        /// Which setting.
        what: &'static str,
        /// The offending text.
        url: String,
    },
    /// `http://` to a non-loopback host, or another scheme.
    #[error("The {what} “{url}” is not secure. Use an https:// address; plain http:// is only allowed on this computer (127.0.0.1 or localhost).")]
    Insecure {
        /// Which setting.
        what: &'static str,
        /// The offending text.
        url: String,
    },
    /// The Query API template lacks `{dbid}`.
    #[error("The Query API address must contain {{dbid}} where the instance id goes.")]
    QueryTemplate,
}

impl Endpoints {
    /// Endpoints whose URLs all start from one base (as the emulator serves them).
    pub fn from_base(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self {
            api_url: format!("{base}/v1"),
            auth_url: format!("{base}/oauth/token"),
            console_url: format!("{base}/console"),
            query_url: format!("{base}/query/{{dbid}}/db/neo4j/query/v2"),
        }
    }

    /// Checks every URL: parseable, and `https`, or `http` to a loopback host.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_url("API address", &self.api_url)?;
        check_url("sign-in address", &self.auth_url)?;
        check_url("console address", &self.console_url)?;
        if !self.query_url.contains("{dbid}") {
            return Err(ConfigError::QueryTemplate);
        }
        check_url("Query API address", &self.query_url.replace("{dbid}", "dbid"))
    }

    /// True when every endpoint is on this machine (the sandbox).
    pub fn is_loopback(&self) -> bool {
        [&self.api_url, &self.auth_url].iter().all(|u| Url::parse(u).map(|u| is_loopback(&u)).unwrap_or(false))
    }
}

/// Endpoints named on a command line or in the environment (`--api-url` / `LIFEBOAT_API_URL` and so on), each one
/// optional. The CLI's flags and the window's start-up flags are the same clap arguments (in `lifeboat-cli`); this
/// type is what both hand to the engine, and [`EndpointOverrides::over`] is the one rule for combining them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// Aura API base.
    pub api_url: Option<String>,
    /// OAuth token endpoint.
    pub auth_url: Option<String>,
    /// Console base URL.
    pub console_url: Option<String>,
    /// Query API URL template.
    pub query_url: Option<String>,
}

impl EndpointOverrides {
    /// The base endpoints with every named one replaced; an empty value counts as not named.
    pub fn over(&self, base: Endpoints) -> Endpoints {
        let pick =
            |named: &Option<String>, base: String| named.clone().filter(|v| !v.trim().is_empty()).unwrap_or(base);
        Endpoints {
            api_url: pick(&self.api_url, base.api_url),
            auth_url: pick(&self.auth_url, base.auth_url),
            console_url: pick(&self.console_url, base.console_url),
            query_url: pick(&self.query_url, base.query_url),
        }
    }

    /// The named endpoints over the real Aura hosts.
    pub fn resolve(&self) -> Endpoints {
        self.over(Endpoints::default())
    }

    /// Whether any endpoint is named.
    pub fn is_empty(&self) -> bool {
        [&self.api_url, &self.auth_url, &self.console_url, &self.query_url]
            .iter()
            .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn check_url(what: &'static str, text: &str) -> Result<(), ConfigError> {
    let url = Url::parse(text).map_err(|_| ConfigError::InvalidUrl { what, url: text.into() })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(ConfigError::Insecure { what, url: text.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_aura_hosts_are_the_default_and_valid() {
        let e = Endpoints::default();
        assert_eq!(e.api_url, "https://api.neo4j.io/v1");
        assert!(e.validate().is_ok());
        assert!(!e.is_loopback());
    }

    #[test]
    fn plain_http_is_accepted_only_for_loopback() {
        assert!(Endpoints::from_base("http://127.0.0.1:8080").validate().is_ok());
        assert!(Endpoints::from_base("http://localhost:8080").validate().is_ok());
        assert!(Endpoints::from_base("http://[::1]:8080").validate().is_ok());
        let remote = Endpoints::from_base("http://api.example.com");
        assert!(matches!(remote.validate(), Err(ConfigError::Insecure { .. })));
        let ftp = Endpoints { api_url: "ftp://127.0.0.1/v1".into(), ..Endpoints::default() };
        assert!(matches!(ftp.validate(), Err(ConfigError::Insecure { .. })));
    }

    #[test]
    fn query_template_needs_the_dbid_placeholder() {
        let e =
            Endpoints { query_url: "https://x.databases.neo4j.io/db/neo4j/query/v2".into(), ..Endpoints::default() };
        assert_eq!(e.validate(), Err(ConfigError::QueryTemplate));
    }

    #[test]
    fn named_endpoints_replace_the_defaults_one_by_one() {
        let named = EndpointOverrides {
            api_url: Some("http://127.0.0.1:9/v1".into()),
            console_url: Some("  ".into()),
            ..EndpointOverrides::default()
        };
        let e = named.resolve();
        assert_eq!(e.api_url, "http://127.0.0.1:9/v1");
        assert_eq!(e.console_url, AURA_CONSOLE_URL, "an empty value names nothing");
        assert_eq!(e.auth_url, AURA_AUTH_URL);
        assert!(!named.is_empty());
        assert!(EndpointOverrides { console_url: Some(String::new()), ..Default::default() }.is_empty());
    }

    #[test]
    fn garbage_is_explained() {
        let e = Endpoints { api_url: "not a url".into(), ..Endpoints::default() };
        let err = e.validate().unwrap_err();
        assert!(err.to_string().contains("not a valid web address"), "{err}");
    }
}
