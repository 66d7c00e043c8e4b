//! Against the real OS keyring (the Secret Service, i.e. gnome-keyring in the test harness).
//!
//! `scripts/test.sh` runs `cargo test` inside `scripts/with-desktop.sh` (a private D-Bus session with an unlocked
//! gnome-keyring) and sets `LIFEBOAT_REQUIRE_KEYRING=1`, so there a missing keyring is a failure. A plain
//! `cargo test` elsewhere prints "skipped" and passes, so it works on any machine.
//!
//! What proves this is the real store and not keyring's mock (which keeps nothing): a secret written by one process
//! is read by another (`lifeboat-secret-probe`, this crate's test helper), and `secret-tool`, a separate libsecret
//! client, sees it. Each run uses its own service name, `dev.lifeboat.desktop.test-<random>`, and removes what it
//! wrote, so nothing touches or leaks into other keyring entries.
#![cfg(target_os = "linux")]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lifeboat_secrets::{DbCredentials, KeyringBackend, SecretBackend, SecretKey, SecretStore, Sensitive, ServiceName};

const PROBE: &str = env!("CARGO_BIN_EXE_lifeboat-secret-probe");

/// A random token, without a dependency: std's `RandomState` is seeded randomly per process.
fn random_token() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// This run's service name, shared by every test in the binary and by the helper processes it starts.
fn service() -> &'static str {
    static SERVICE: OnceLock<String> = OnceLock::new();
    SERVICE.get_or_init(|| format!("dev.lifeboat.desktop.test-{}", random_token()))
}

fn store() -> SecretStore {
    SecretStore::new(backend())
}

fn backend() -> KeyringBackend {
    KeyringBackend::new(ServiceName::new(service())).with_deadline(Duration::from_secs(30))
}

fn keyring_required() -> bool {
    std::env::var("LIFEBOAT_REQUIRE_KEYRING").is_ok_and(|v| v == "1")
}

/// Whether this test can use the real keyring; panics instead when `LIFEBOAT_REQUIRE_KEYRING=1`.
fn real_keyring_or_skip(test: &str) -> bool {
    let missing = match (backend().probe(), which("secret-tool")) {
        (Ok(()), true) => return true,
        (Err(err), _) => format!("the Secret Service is not usable: {}: {}", err.code(), err.detail()),
        (Ok(()), false) => "secret-tool (libsecret-tools) is not installed".to_owned(),
    };
    if keyring_required() {
        panic!(
            "{test}: LIFEBOAT_REQUIRE_KEYRING=1 but {missing}. Run the tests through scripts/with-desktop.sh, which \
             starts a private D-Bus session with an unlocked gnome-keyring."
        );
    }
    eprintln!("{test} skipped: no Secret Service on this machine ({missing}); run it through scripts/with-desktop.sh");
    false
}

fn which(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

/// Runs the helper in a new process against this run's service; the value goes through stdin, never argv.
fn probe(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(PROBE)
        .args(args)
        .env("LIFEBOAT_KEYRING_SERVICE", service())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lifeboat-secret-probe");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("lifeboat-secret-probe ran")
}

/// The helper's one-word answer (`ok`, `match`, `differs`, `absent`), failing the test on any error.
fn probe_answer(args: &[&str], stdin: &str) -> String {
    let out = probe(args, stdin);
    assert!(out.status.success(), "lifeboat-secret-probe {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// What `secret-tool` (libsecret, not our code) finds for the entry, or `None`.
fn secret_tool_lookup(user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service(), "username", user])
        .output()
        .expect("run secret-tool");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// How many items `secret-tool` finds for the entry (to show a second `set` replaces rather than duplicates).
fn secret_tool_count(user: &str) -> usize {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", service(), "username", user])
        .output()
        .expect("run secret-tool");
    // Each item is listed under a "[/org/freedesktop/secrets/…]" header (on stdout or stderr by version).
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    text.lines().filter(|line| line.starts_with("[/")).count()
}

/// Removes the test's entries even when an assertion fails half-way.
struct Cleanup(Vec<SecretKey>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for key in &self.0 {
            let _ = backend().delete(key);
        }
    }
}

#[test]
fn api_secret_survives_into_a_new_process_and_is_forgotten_everywhere() {
    if !real_keyring_or_skip("api_secret_survives_into_a_new_process_and_is_forgotten_everywhere") {
        return;
    }
    let account = format!("acc-{}", random_token());
    let key = SecretKey::api_client(&account);
    let _cleanup = Cleanup(vec![key.clone()]);
    let store = store();
    let secret = format!("api-secret-{} ✓ \"quoted\"", random_token());

    store.set_api_secret(&account, &Sensitive::new(secret.clone())).expect("store in the keyring");
    assert_eq!(secret_tool_lookup(&key.entry_user()).as_deref(), Some(secret.as_str()), "libsecret sees the value");
    assert_eq!(probe_answer(&["check", "api-client", &account], &secret), "match", "a new process reads it back");
    assert_eq!(probe_answer(&["check", "api-client", &account], "wrong"), "differs");

    // Another process replaces it: one entry, new value, seen here too.
    let replaced = format!("replaced-{}", random_token());
    assert_eq!(probe_answer(&["set", "api-client", &account], &replaced), "ok");
    assert_eq!(store.api_secret(&account).expect("read").expect("present").expose(), &replaced);
    assert_eq!(secret_tool_count(&key.entry_user()), 1, "set replaces the entry instead of adding one");

    assert_eq!(probe_answer(&["forget", "api-client", &account], ""), "ok");
    assert_eq!(store.api_secret(&account).expect("read after forget"), None);
    assert_eq!(secret_tool_lookup(&key.entry_user()), None, "gone from the keyring");
    assert_eq!(probe_answer(&["check", "api-client", &account], &replaced), "absent");
    store.forget_api_secret(&account).expect("forgetting what is gone succeeds");
}

#[test]
fn db_credentials_are_one_json_entry_shared_across_processes() {
    if !real_keyring_or_skip("db_credentials_are_one_json_entry_shared_across_processes") {
        return;
    }
    let instance = format!("inst-{}", random_token());
    let key = SecretKey::database(&instance);
    let _cleanup = Cleanup(vec![key.clone()]);
    let store = store();
    let password = format!("db-password-{}", random_token());

    assert_eq!(probe_answer(&["set", "database", &instance], &format!("neo4j\n{password}")), "ok");
    let read = store.db_credentials(&instance).expect("read").expect("stored by the other process");
    assert_eq!(read, DbCredentials::new("neo4j", password.clone()));
    let raw = secret_tool_lookup(&key.entry_user()).expect("libsecret sees the entry");
    let json: serde_json::Value = serde_json::from_str(&raw).expect("stored as JSON");
    assert_eq!(json, serde_json::json!({"user": "neo4j", "password": password}));

    store.forget_db_credentials(&instance).expect("forget");
    assert_eq!(probe_answer(&["check", "database", &instance], &format!("neo4j\n{password}")), "absent");
    assert_eq!(secret_tool_lookup(&key.entry_user()), None);
}

#[test]
fn probe_succeeds_and_leaves_nothing_behind() {
    if !real_keyring_or_skip("probe_succeeds_and_leaves_nothing_behind") {
        return;
    }
    store().probe().expect("the harness keyring is usable");
    assert_eq!(probe_answer(&["probe"], ""), "ok");
    assert_eq!(secret_tool_count("lifeboat-probe"), 0, "the probe removes its throwaway entry");
}

/// The user-facing line the helper prints for an error: `error <code>: <message>`.
fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr.lines().find(|line| line.starts_with("error ")).unwrap_or_default().to_owned()
}

#[test]
fn without_a_dbus_session_the_keyring_is_unavailable_with_the_friendly_message() {
    // Needs no keyring, so it runs everywhere on Linux. libdbus also finds a session bus at $XDG_RUNTIME_DIR/bus
    // and by X11 autolaunch, so both are taken away too.
    let empty_runtime_dir = tempfile::tempdir().expect("temp dir");
    for bus in [None, Some("unix:path=/nonexistent/lifeboat-test-bus")] {
        let mut command = Command::new(PROBE);
        command
            .arg("probe")
            .env("LIFEBOAT_KEYRING_SERVICE", service())
            .env("XDG_RUNTIME_DIR", empty_runtime_dir.path())
            .env_remove("DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        if let Some(bus) = bus {
            command.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        let out = command.output().expect("run lifeboat-secret-probe");
        assert_eq!(out.status.code(), Some(3), "{bus:?}: {}", String::from_utf8_lossy(&out.stderr));
        let line = error_line(&out);
        assert!(line.starts_with("error keyring-unavailable: "), "{bus:?}: {line}");
        assert!(line.contains("can't reach your system keyring"), "{line}");
        assert!(line.contains("for this session only"), "says what to do: {line}");
    }
}

#[test]
fn a_locked_keyring_is_reported_promptly_instead_of_hanging() {
    // Its own D-Bus session and gnome-keyring (never the shared harness keyring, which other tests use), locked
    // after one entry is stored. No display, so nobody can answer the unlock prompt.
    let tools = ["dbus-run-session", "gnome-keyring-daemon", "dbus-send", "timeout"];
    if let Some(missing) = tools.iter().find(|tool| !which(tool)) {
        if keyring_required() {
            panic!("LIFEBOAT_REQUIRE_KEYRING=1 but {missing} is not installed (see scripts/setup.sh)");
        }
        eprintln!("a_locked_keyring_is_reported_promptly_instead_of_hanging skipped: {missing} is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("temp dir");
    let script = r#"
        printf %s lifeboat-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
        printf %s before-lock | "$PROBE" set api-client locked-acc
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
          org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/aliases/default >/dev/null
        echo "check: $(printf %s before-lock | "$PROBE" check api-client locked-acc 2>&1 | grep '^error ' | cut -d: -f1)"
        echo "set: $(printf %s after-lock | "$PROBE" set api-client locked-acc 2>&1 | grep '^error ' | cut -d: -f1)"
    "#;
    let started = Instant::now();
    let out = Command::new("timeout")
        .args(["120", "dbus-run-session", "--", "bash", "-c", script])
        .env("PROBE", PROBE)
        .env("LIFEBOAT_KEYRING_SERVICE", service())
        .env("LIFEBOAT_SECRET_PROBE_DEADLINE_SECS", "5")
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env_remove("DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("run dbus-run-session");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let diagnostics = format!("stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}: {diagnostics}", started.elapsed());
    assert!(stdout.lines().next() == Some("ok"), "the entry was stored before locking: {diagnostics}");
    for op in ["check", "set"] {
        let line = stdout.lines().find(|line| line.starts_with(&format!("{op}: "))).unwrap_or_default();
        assert!(
            line.ends_with("error keyring-locked") || line.ends_with("error keyring-denied"),
            "{op} on a locked keyring: {diagnostics}"
        );
    }
}
