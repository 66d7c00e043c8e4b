//! Where the console is: the console base URL and database id derived from a bolt URI exactly as
//! `neo4j-admin database upload` derives them (`docs/import-protocol.md` §2), and the rule
//! that every URL we send data to is `https`, or plain `http` only to this machine.
//!
//! Only the non-dev matchers are implemented (Prod, Priv, Instance, tried in that order): Lifeboat reaches a
//! non-production console through an explicit console URL instead of `P2C_DEV_MODE`.

use std::net::IpAddr;
use std::sync::OnceLock;

use regex::Regex;
use url::Url;

use crate::error::UploadError;

/// The console to talk to and the database to import into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleTarget {
    /// Console base URL without a trailing slash (`https://console.neo4j.io`); endpoints are
    /// `{base}/v1/databases/{dbid}/import/...` and `{base}/v2/databases/{dbid}/import`.
    pub base_url: String,
    /// The database (instance) id.
    pub dbid: String,
}

impl ConsoleTarget {
    /// `{base}/{version}/databases/{dbid}/import{tail}`.
    pub fn endpoint(&self, version: &str, tail: &str) -> String {
        format!("{}/{version}/databases/{}/import{tail}", self.base_url, self.dbid)
    }
}

// The regexes are the reference's, verbatim, including its unescaped dots (they match any character there too).
const SCHEME: &str = r"^(?:bolt(?:\+routing)?|neo4j(?:\+s|\+ssc)?)://";

fn prod() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| compile(&format!(r"{SCHEME}([^-]+)(-(.+))?.databases.neo4j.io$"))).as_ref()
}

fn privatelink() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| compile(&format!(r"{SCHEME}([a-zA-Z0-9]+)\.(\S+)-orch-(\d+).neo4j(-\S+)?.io$"))).as_ref()
}

fn instance() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| compile(&format!(r"{SCHEME}[^-]+(-[^.]+)?\.instances\.neo4j\.io$"))).as_ref()
}

fn compile(pattern: &str) -> Option<Regex> {
    // The patterns are constants (a unit test checks they compile); should one ever fail, it simply matches
    // nothing, which ends in "invalid bolt URI" instead of a crash.
    Regex::new(pattern).ok()
}

fn console(env: &str, domain: &str) -> String {
    format!("https://console{env}.neo4j{domain}.io")
}

/// Derives the console base URL and database id from a bolt URI (`docs/import-protocol.md` §2).
///
/// `dbid` is required for `*.instances.neo4j.io` URIs (they don't carry it, like `--to-dbid`); for the other
/// forms the id comes from the URI, and a `dbid` that disagrees is refused rather than silently ignored.
pub fn derive_console(bolt_uri: &str, dbid: Option<&str>) -> Result<ConsoleTarget, UploadError> {
    let uri = bolt_uri.trim();
    let invalid = || UploadError::InvalidBoltUri { uri: uri.to_string() };
    let dbid = dbid.map(str::trim).filter(|d| !d.is_empty());
    let from_uri = |id: &str, base: String| -> Result<ConsoleTarget, UploadError> {
        match dbid {
            Some(given) if given != id => Err(UploadError::DbidMismatch {
                uri: uri.to_string(),
                in_uri: id.to_string(),
                given: given.to_string(),
            }),
            _ => Ok(ConsoleTarget { base_url: base, dbid: id.to_string() }),
        }
    };
    if let Some(c) = prod().and_then(|re| re.captures(uri)) {
        let id = c.get(1).map_or("", |m| m.as_str());
        let env = c.get(2).map_or("", |m| m.as_str());
        return from_uri(id, console(env, ""));
    }
    if let Some(c) = privatelink().and_then(|re| re.captures(uri)) {
        let id = c.get(1).map_or("", |m| m.as_str());
        let env = c.get(2).map_or("", |m| m.as_str());
        let domain = c.get(4).map_or("", |m| m.as_str());
        let env = match env {
            "production" => String::new(),
            "staging" => "-staging".to_string(),
            // Any other environment lives on its own domain; without one the URI is malformed.
            other if !domain.is_empty() => format!("-{other}"),
            _ => return Err(invalid()),
        };
        return from_uri(id, console(&env, domain));
    }
    if let Some(c) = instance().and_then(|re| re.captures(uri)) {
        let env = c.get(1).map_or("", |m| m.as_str());
        let id = dbid.ok_or_else(|| UploadError::DbidRequired { uri: uri.to_string() })?;
        return Ok(ConsoleTarget { base_url: console(env, ""), dbid: id.to_string() });
    }
    Err(invalid())
}

/// Resolves the target of a request: an explicit console URL (checked by [`check_url`]) plus a database id from
/// `dbid` or the URI, or the derivation of [`derive_console`].
pub(crate) fn resolve(
    bolt_uri: &str,
    dbid: Option<&str>,
    console_url: Option<&str>,
) -> Result<ConsoleTarget, UploadError> {
    let Some(console_url) = console_url.map(str::trim).filter(|u| !u.is_empty()) else {
        return derive_console(bolt_uri, dbid);
    };
    check_url(console_url, "console")?;
    let base_url = console_url.trim_end_matches('/').to_string();
    let dbid = match dbid.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d.to_string(),
        None => derive_console(bolt_uri, None)?.dbid,
    };
    if !dbid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(UploadError::InvalidBoltUri { uri: bolt_uri.to_string() });
    }
    Ok(ConsoleTarget { base_url, dbid })
}

/// Whether the URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Accepts `https://…`, or `http://…` to a loopback host; anything else is refused, because credentials, the
/// console token and the signed upload URLs must never cross a network in the clear.
pub(crate) fn check_url(text: &str, what: &'static str) -> Result<Url, UploadError> {
    let url = Url::parse(text).map_err(|_| UploadError::InsecureUrl { what, url: redact_query(text) })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(UploadError::InsecureUrl { what, url: redact_query(text) }),
    }
}

/// A URL without its query string: signed URLs carry their signature there, and it is a credential.
pub(crate) fn redact_query(text: &str) -> String {
    match text.split_once('?') {
        Some((head, _)) => format!("{head}?…"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_url(uri: &str, dbid: Option<&str>) -> Result<String, String> {
        derive_console(uri, dbid).map(|t| t.endpoint("v2", "")).map_err(|e| e.code().to_string())
    }

    #[test]
    fn the_built_in_patterns_compile() {
        assert!(prod().is_some() && privatelink().is_some() && instance().is_some());
    }

    #[test]
    fn the_references_non_dev_examples_derive_as_documented() {
        let ok = |uri, dbid, want: &str| assert_eq!(import_url(uri, dbid).as_deref(), Ok(want), "{uri}");
        ok("neo4j+s://rogue.databases.neo4j.io", None, "https://console.neo4j.io/v2/databases/rogue/import");
        ok(
            "bolt+routing://mydbid-testenvironment.databases.neo4j.io",
            None,
            "https://console-testenvironment.neo4j.io/v2/databases/mydbid/import",
        );
        ok("neo4j+s://rogue.production-orch-0001.neo4j.io", None, "https://console.neo4j.io/v2/databases/rogue/import");
        ok(
            "neo4j+s://rogue.staging-orch-0001.neo4j.io",
            None,
            "https://console-staging.neo4j.io/v2/databases/rogue/import",
        );
        ok(
            "neo4j+s://rogue.env-orch-0001.neo4j-abc.io",
            None,
            "https://console-env.neo4j-abc.io/v2/databases/rogue/import",
        );
        ok(
            "neo4j+s://myinstance.instances.neo4j.io",
            Some("9daac4b4"),
            "https://console.neo4j.io/v2/databases/9daac4b4/import",
        );
        ok(
            "neo4j+s://4f378a7c-staging.instances.neo4j.io",
            Some("9daac4b4"),
            "https://console-staging.neo4j.io/v2/databases/9daac4b4/import",
        );
    }

    #[test]
    fn the_references_invalid_uris_are_refused() {
        // Dev-mode URIs are invalid without dev mode, as in the reference.
        assert_eq!(import_url("neo4j+s://rogue-env.databases.neo4j-abc.io", None), Err("invalid-bolt-uri".into()));
        assert_eq!(import_url("neo4j+s://rogue.env-orch-0001.neo4j.io", None), Err("invalid-bolt-uri".into()));
        assert_eq!(import_url("neo4j+s://myinstance.instances.neo4j.io", None), Err("dbid-required".into()));
        for bad in [
            "bolt+s://rogue.databases.neo4j.io",
            "neo4j+s://rogue.databases.neo4j.io:7687",
            "neo4j+s://rogue.databases.neo4j.io/",
            "https://rogue.databases.neo4j.io",
            "",
        ] {
            assert_eq!(import_url(bad, None), Err("invalid-bolt-uri".into()), "{bad}");
        }
    }

    #[test]
    fn every_accepted_scheme_prefix_works() {
        for scheme in ["bolt", "bolt+routing", "neo4j", "neo4j+s", "neo4j+ssc"] {
            let uri = format!("{scheme}://abcd1234.databases.neo4j.io");
            assert_eq!(derive_console(&uri, None).unwrap().dbid, "abcd1234");
        }
    }

    #[test]
    fn a_dbid_that_contradicts_the_uri_is_refused() {
        let err = derive_console("neo4j+s://abcd1234.databases.neo4j.io", Some("ffff0000")).unwrap_err();
        assert_eq!(err.code(), "dbid-mismatch");
        assert!(derive_console("neo4j+s://abcd1234.databases.neo4j.io", Some("abcd1234")).is_ok());
    }

    #[test]
    fn an_explicit_console_url_must_be_https_or_loopback() {
        let uri = "neo4j+s://abcd1234.databases.neo4j.io";
        let t = resolve(uri, None, Some("http://127.0.0.1:5000/console/")).unwrap();
        assert_eq!(t.endpoint("v1", "/auth"), "http://127.0.0.1:5000/console/v1/databases/abcd1234/import/auth");
        assert!(resolve(uri, None, Some("https://console.example.com")).is_ok());
        assert_eq!(resolve(uri, None, Some("http://console.example.com")).unwrap_err().code(), "insecure-url");
        assert_eq!(resolve(uri, None, Some("ftp://127.0.0.1/")).unwrap_err().code(), "insecure-url");
        // The id may come from the request when the URI is the emulator's or an instance URI.
        let t = resolve("neo4j+s://x.instances.neo4j.io", Some("9daac4b4"), Some("http://localhost:1/c")).unwrap();
        assert_eq!(t.dbid, "9daac4b4");
    }

    #[test]
    fn redaction_hides_signatures() {
        assert_eq!(redact_query("https://h/o?X-Goog-Signature=abc"), "https://h/o?…");
        assert_eq!(redact_query("https://h/o"), "https://h/o");
    }
}
