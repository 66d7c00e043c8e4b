//! `lifeboat accounts add --from-file FILE`: the credentials file the Aura console downloads with a new API key
//! connects an account in one step — the key checked with Aura (a sandbox stands in), saved in the real OS keyring,
//! usable with `--account NAME` — and the file is deleted only with `--delete-file` and only after that worked.
//! The secrets canary: after the import, the secret is in no file under the test's HOME and XDG folders (the file
//! itself aside, until it is deleted), nor in anything the command printed.
//!
//! It needs the Secret Service: run it through `scripts/with-desktop.sh` (with `LIFEBOAT_REQUIRE_KEYRING=1` a
//! missing keyring fails it); elsewhere it prints "skipped" and passes. It uses a keyring service of its own.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lifeboat-cli");

struct Aura {
    child: Child,
    info: Value,
    service: String,
    home: tempfile::TempDir,
}

impl Drop for Aura {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // What the test put in the keyring goes again (a test service of its own, never the app's).
        let _ = Command::new("secret-tool").args(["clear", "service", &self.service]).output();
    }
}

fn aura() -> Aura {
    // The stand-in Aura keeps its own state (and so its own secret) outside the HOME that is scanned.
    let mut child = Command::new(BIN)
        .args(["sandbox", "--json", "--clock", "fast", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lifeboat-cli sandbox starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
    Aura {
        child,
        info: serde_json::from_str(&line).expect("one JSON object"),
        service: format!("dev.lifeboat.desktop.test-file-{}", std::process::id()),
        home: tempfile::tempdir().unwrap(),
    }
}

impl Aura {
    fn secret(&self) -> &str {
        self.info["client_secret"].as_str().unwrap()
    }

    /// Writes a credentials file into the test HOME's Downloads, as the browser would have saved it.
    fn download(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.home.path().join("Downloads");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The file the console writes for this Aura's key.
    fn console_file(&self, secret: &str) -> String {
        format!(
            "CLIENT_ID={}\nCLIENT_SECRET={secret}\nCLIENT_NAME=Lifeboat backups\n",
            self.info["client_id"].as_str().unwrap()
        )
    }

    /// The command line with this HOME, its XDG folders, the keyring service and no key in the environment.
    fn run(&self, args: &[&str]) -> Output {
        let home = self.home.path();
        Command::new(BIN)
            .args(args)
            .args(["--api-url", self.info["api_url"].as_str().unwrap()])
            .args(["--auth-url", self.info["auth_url"].as_str().unwrap()])
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("LIFEBOAT_KEYRING_SERVICE", &self.service)
            .env_remove("AURA_CLIENT_ID")
            .env_remove("AURA_CLIENT_SECRET")
            .env_remove("LIFEBOAT_ACCOUNT")
            .env_remove("LIFEBOAT_DATA_DIR")
            .env_remove("LIFEBOAT_API_URL")
            .env_remove("LIFEBOAT_AUTH_URL")
            .stdin(Stdio::null())
            .output()
            .expect("lifeboat-cli runs")
    }

    fn accounts(&self) -> Vec<Value> {
        let out = self.run(&["accounts", "list", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn keyring_usable(service: &str) -> bool {
    use lifeboat_secrets::SecretBackend;
    let backend = lifeboat_secrets::KeyringBackend::new(lifeboat_secrets::ServiceName::new(service))
        .with_deadline(Duration::from_secs(10));
    match backend.probe() {
        Ok(()) => true,
        Err(e) if std::env::var("LIFEBOAT_REQUIRE_KEYRING").is_ok_and(|v| v == "1") => {
            panic!("LIFEBOAT_REQUIRE_KEYRING=1 but the keyring is not usable: {}", e.detail())
        }
        Err(e) => {
            eprintln!(
                "skipped: the system keyring is not usable here ({}); run through scripts/with-desktop.sh",
                e.detail()
            );
            false
        }
    }
}

/// Every regular file under `root` (but `except`) whose bytes hold `needle`.
fn files_holding(root: &Path, needle: &str, except: &[&Path]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() && !except.contains(&path.as_path()) {
                let bytes = std::fs::read(&path).unwrap_or_default();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(path);
                }
            }
        }
    }
    hits
}

#[test]
fn a_downloaded_credentials_file_connects_an_account_and_is_deleted_only_after_success() {
    let aura = aura();
    if !keyring_usable(&aura.service) {
        return;
    }
    let secret = aura.secret().to_owned();

    // A wrong file is refused with a plain reason, and nothing changes.
    let backup = aura.download("Production.backup", "DZV1\0\0\0\x01 not text");
    let out = aura.run(&["accounts", "add", "--from-file", backup.to_str().unwrap(), "--delete-file"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Production.backup is not a text file"), "{}", text(&out.stderr));
    assert!(backup.exists(), "a refused file is never deleted");
    assert!(aura.accounts().is_empty());

    // A key Aura refuses: nothing saved, and the file kept even with --delete-file.
    let revoked = aura.download("old-key.txt", &aura.console_file("not-the-secret"));
    let out = aura.run(&["accounts", "add", "--from-file", revoked.to_str().unwrap(), "--delete-file", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["error"]["code"], "invalid-credentials");
    assert!(revoked.exists(), "the file of a refused key is kept");
    assert!(aura.accounts().is_empty(), "nothing was saved");

    // The console's file, as downloaded (CRLF, as a Windows browser may save it): connected in one step.
    let file = aura.download("Neo4j-API-Key-Lifeboat backups.txt", &aura.console_file(&secret).replace('\n', "\r\n"));
    let out = aura.run(&["accounts", "add", "--from-file", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (said, warned) = (text(&out.stdout), text(&out.stderr));
    assert!(said.contains("Connected “Lifeboat backups”") && said.contains("keyring"), "{said}");
    assert!(warned.contains("still holds the client secret in plain text"), "{warned}");
    assert!(file.exists(), "without --delete-file the file stays");
    let accounts = aura.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0]["label"], "Lifeboat backups", "named after CLIENT_NAME");
    assert_eq!(accounts[0]["apiUrl"], aura.info["api_url"]);

    // The account works with the key from the keyring: its instances are listed.
    let out = aura.run(&["--account", "Lifeboat backups", "instances", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), aura.info["instances"].as_array().unwrap().len());
    assert!(
        Command::new("secret-tool")
            .args(["search", "--all", "service", &aura.service])
            .output()
            .map(|o| text(&o.stdout).contains(&secret) || text(&o.stderr).contains(&secret))
            .unwrap_or(false),
        "the secret is in the keyring"
    );

    // The canary: the secret is in no file under HOME (data, config, caches, state) but the downloaded one, and in
    // nothing printed.
    assert_eq!(files_holding(aura.home.path(), &secret, &[&file, &revoked]), Vec::<PathBuf>::new());
    assert!(!said.contains(&secret) && !warned.contains(&secret));

    // With --delete-file, after success, the file is gone, and then nothing under HOME holds the secret.
    let again = aura.download("second.txt", &aura.console_file(&secret));
    let out = aura.run(&[
        "accounts",
        "add",
        "--from-file",
        again.to_str().unwrap(),
        "--name",
        "Second",
        "--delete-file",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((added["label"].as_str(), added["fileDeleted"].as_bool()), (Some("Second"), Some(true)), "{added}");
    assert!(!again.exists(), "deleted after success");
    assert!(!text(&out.stdout).contains(&secret) && !text(&out.stderr).contains(&secret));
    std::fs::remove_file(&file).unwrap();
    assert_eq!(files_holding(aura.home.path(), &secret, &[]), Vec::<PathBuf>::new());
}
