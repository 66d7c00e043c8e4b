//! `lifeboat objectives`, `status`, `drill` and `schedule` as a script or a monitoring system would use them,
//! against a sandbox on the fast clock: status exit codes (0 met, 5 not met), three scheduled runs keeping two
//! verified copies beside an untouched foreign file, a run failing on a Query API fault (recorded, and notified
//! on the desktop when the test runs in the harness's private desktop), and the unattended path — a schedule
//! installed as a systemd user timer, run by `run-due` with nothing but the keyring to sign in with, the unit files
//! free of any secret.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aura_emulator::test_kit::{Control, Fault};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lifeboat-cli");

fn random_token() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

struct Sandbox {
    child: Child,
    info: Value,
    data: tempfile::TempDir,
    config: tempfile::TempDir,
    service: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // What the test put in the keyring goes again (a test service of its own, never the app's).
        let _ = Command::new("secret-tool").args(["clear", "service", &self.service]).output();
    }
}

fn sandbox() -> Sandbox {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--json", "--clock", "fast", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lifeboat-cli sandbox starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    Sandbox {
        child,
        info,
        data: tempfile::tempdir().unwrap(),
        config: tempfile::tempdir().unwrap(),
        service: format!("dev.lifeboat.desktop.test-{}", random_token()),
    }
}

impl Sandbox {
    fn instance(&self, name: &str) -> &Value {
        self.info["instances"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()
    }

    fn id(&self, name: &str) -> String {
        self.instance(name)["id"].as_str().unwrap().to_owned()
    }

    /// The command with the account, the endpoints, `instance`'s database login and private folders.
    fn command(&self, args: &[&str], login_of: Option<&str>) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("AURA_CLIENT_ID", self.info["client_id"].as_str().unwrap())
            .env("AURA_CLIENT_SECRET", self.info["client_secret"].as_str().unwrap())
            .env("LIFEBOAT_API_URL", self.info["api_url"].as_str().unwrap())
            .env("LIFEBOAT_AUTH_URL", self.info["auth_url"].as_str().unwrap())
            .env("LIFEBOAT_QUERY_URL", self.info["query_url"].as_str().unwrap())
            .env("LIFEBOAT_DATA_DIR", self.data.path())
            .env("LIFEBOAT_KEYRING_SERVICE", &self.service)
            .env("XDG_CONFIG_HOME", self.config.path())
            .env("LIFEBOAT_POLL_MS", "50")
            .env_remove("NEO4J_PASSWORD")
            .env_remove("NEO4J_USERNAME")
            .stdin(Stdio::null());
        if let Some(name) = login_of {
            c.env("NEO4J_PASSWORD", self.instance(name)["db_password"].as_str().unwrap());
        }
        c
    }

    fn run(&self, args: &[&str], login_of: Option<&str>) -> Output {
        self.command(args, login_of).output().expect("lifeboat-cli runs")
    }

    /// Arms a fault through the emulator's test kit (the sandbox runs in another process; this test is sync).
    fn fault(&self, rule: Fault) {
        let base = self.info["api_url"].as_str().unwrap().trim_end_matches("/v1").to_owned();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        rt.block_on(Control::new(&base).arm(&rule)).expect("the fault was armed");
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn status_exits_0_when_objectives_are_met_and_5_when_any_is_not() {
    let sb = sandbox();
    let production = sb.id("Production");

    // No objectives yet: the facts and advice, but nothing to fail.
    let out = sb.run(&["status", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["allMet"], true);
    assert_eq!(doc["instances"].as_array().unwrap().len(), 3);

    let bad = sb.run(&["objectives", "set", "--instance", &production, "--rpo", "soon"], None);
    assert_eq!(bad.status.code(), Some(2), "a value that is not a duration is a usage error");
    assert!(text(&bad.stderr).contains("“soon” is not a duration for the RPO"), "{}", text(&bad.stderr));

    let set = sb.run(&["objectives", "set", "--instance", &production, "--rpo", "1h", "--rto", "30m"], None);
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(text(&set.stdout).contains("Objectives for Production: RPO 1 h, RTO 30 min, a restore test every 90 days."));

    // Never tested: not met, exit 5, a one-line reason on stderr and the fix on stdout.
    let out = sb.run(&["status", "--instance", &production], None);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("✗ Last restore test: Never"), "{stdout}");
    assert!(stdout.contains(&format!("Fix: lifeboat drill --instance {production}")), "{stdout}");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim(), "lifeboat: Not every recovery objective is met: Production (last restore test).");
    let out = sb.run(&["status", "--json"], None);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(json(&out)["allMet"], false, "one JSON document, no error object after it");

    // A restore test, measured within the RTO: every objective is met.
    let drill = sb.run(&["drill", "--instance", &production], Some("Production"));
    assert!(drill.status.success(), "{}", text(&drill.stderr));
    assert!(
        text(&drill.stdout).contains("A restore of Production from this snapshot takes about"),
        "{}",
        text(&drill.stdout)
    );
    assert!(text(&drill.stdout).contains("is being deleted"), "the test instance goes again");
    let out = sb.run(&["status", "--instance", &production, "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let drill_check = &json(&out)["instances"][0]["checks"][2];
    assert_eq!(drill_check["level"], "met", "{drill_check}");

    // The objectives change and the drill are in the history, with the objectives that applied.
    let listed = json(&sb.run(&["history", "list", "--format", "json"], None));
    let kinds: Vec<&str> = listed.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["objectives", "drill"]);
    assert_eq!(listed[1]["objectives"]["rtoSecs"], 1800);
}

fn copies_in(folder: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("Playground_2") && n.ends_with(".graph.jsonl.zst") && !n.starts_with("Playground_2020")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn three_scheduled_runs_with_keep_two_leave_two_copies_and_the_foreign_file_alone() {
    let sb = sandbox();
    let playground = sb.id("Playground");
    let folder = tempfile::tempdir().unwrap();
    let foreign = folder.path().join("Playground_2020-01-01T000000Z.graph.jsonl.zst");
    std::fs::write(&foreign, b"not made by Lifeboat").unwrap();
    let to = folder.path().to_str().unwrap();

    let refused =
        sb.run(&["schedule", "add", "--instance", &playground, "--every", "1h", "--keep", "2", "--to", to], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("use 1d (every day) or 1w (every week)"), "{}", text(&refused.stderr));

    let add = sb.run(
        &[
            "schedule",
            "add",
            "--instance",
            &playground,
            "--every",
            "1d",
            "--at",
            "02:00",
            "--keep",
            "2",
            "--to",
            to,
            "--json",
        ],
        Some("Playground"),
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let added = json(&add);
    assert_eq!(added["schedule"]["name"], "playground-daily");
    assert_eq!(added["schedule"]["unattended"], false);
    let listed = json(&sb.run(&["schedule", "list", "--json"], None));
    assert_eq!(listed[0]["name"], "playground-daily");
    assert_eq!(listed[0]["keep"], 2);

    for n in 1..=3 {
        let out = sb.run(&["schedule", "run", "playground-daily"], Some("Playground"));
        assert!(out.status.success(), "run {n}: {}{}", text(&out.stdout), text(&out.stderr));
        assert!(text(&out.stdout).contains("playground-daily (Playground): copied."), "{}", text(&out.stdout));
    }
    let history = json(&sb.run(&["history", "list", "--kind", "scheduled-copy", "--format", "json"], None));
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["outcome"] == "succeeded" && e["copy"]["verified"] == true), "{history}");
    assert_eq!(entries[2]["copy"]["pruned"].as_array().unwrap().len(), 1);
    let left = copies_in(folder.path());
    let mut recorded: Vec<PathBuf> =
        entries[1..].iter().map(|e| PathBuf::from(e["filePath"].as_str().unwrap())).collect();
    recorded.sort();
    assert_eq!(left, recorded, "exactly the two newest copies remain");
    for copy in &left {
        let entry = entries.iter().find(|e| e["filePath"] == copy.to_str().unwrap()).unwrap();
        // Read back whole by the engine's own checker: complete, and the digest the run recorded.
        let checked = lifeboat_engine::graph_export::check_file(copy, |_, _| {}).unwrap();
        assert_eq!(checked.digest, entry["fileDigest"].as_str().unwrap());
        assert_eq!(checked.counts.nodes, entry["fileCounts"]["nodes"].as_u64().unwrap());
        assert!(checked.counts.nodes > 0);
    }
    assert_eq!(std::fs::read(&foreign).unwrap(), b"not made by Lifeboat");
    let listed = json(&sb.run(&["schedule", "list", "--json"], None));
    assert_eq!(listed[0]["lastRun"]["outcome"], "succeeded");

    // A Query API fault: the run fails, says why in one line, and is recorded.
    sb.fault(Fault::on("POST /query/{dbid}/db/{database}/query/v2").status(500).times(1000));
    let out = sb.run(&["schedule", "run", "playground-daily"], Some("Playground"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.lines().count() == 1 && stderr.contains("No copy was saved this time."), "{stderr}");
    let history = json(
        &sb.run(&["history", "list", "--kind", "scheduled-copy", "--outcome", "failed", "--format", "json"], None),
    );
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(copies_in(folder.path()).len(), 2, "the failed run changed nothing in the folder");
    if let Ok(log) = std::env::var("LIFEBOAT_NOTIFY_LOG") {
        wait_for_notification(&log, "Scheduled copy of Playground failed");
    }

    let removed = sb.run(&["schedule", "remove", "playground-daily"], None);
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    assert!(text(&removed.stdout).contains("The copies it made stay in"));
    assert_eq!(copies_in(folder.path()).len(), 2);
}

/// Waits until the notification daemon's log (dbus-monitor, in the test harness) shows `summary`.
fn wait_for_notification(log: &str, summary: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = std::fs::read_to_string(log).unwrap_or_default();
        if seen.contains(summary) {
            return;
        }
        assert!(Instant::now() < deadline, "no desktop notification “{summary}” in {log}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn keyring_usable(service: &str) -> bool {
    let backend = lifeboat_secrets::KeyringBackend::new(lifeboat_secrets::ServiceName::new(service))
        .with_deadline(Duration::from_secs(10));
    use lifeboat_secrets::SecretBackend;
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

/// A stand-in `systemctl` that records its arguments (the test machine has no user service manager).
fn fake_systemctl(dir: &Path) -> PathBuf {
    let path = dir.join("systemctl");
    std::fs::write(&path, format!("#!/bin/sh\necho \"$*\" >> '{}/systemctl.calls'\n", dir.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

#[cfg(target_os = "linux")]
#[test]
fn an_installed_schedule_runs_unattended_from_the_keyring_and_its_unit_files_hold_no_secret() {
    let sb = sandbox();
    if !keyring_usable(&sb.service) {
        return;
    }
    let playground = sb.id("Playground");
    let folder = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    let systemctl = fake_systemctl(tools.path());
    let with_scheduler = |c: &mut Command| {
        c.env("LIFEBOAT_OS_SCHEDULER", "systemd").env("LIFEBOAT_SYSTEMCTL", &systemctl);
    };

    // Without a login to keep in the keyring, an unattended schedule is refused.
    let mut c = sb.command(
        &[
            "schedule",
            "add",
            "--instance",
            &playground,
            "--every",
            "1d",
            "--keep",
            "3",
            "--to",
            folder.path().to_str().unwrap(),
            "--install",
        ],
        None,
    );
    with_scheduler(&mut c);
    let refused = c.output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("none is in your system keyring"), "{}", text(&refused.stderr));

    let mut c = sb.command(
        &[
            "schedule",
            "add",
            "--instance",
            &playground,
            "--every",
            "1d",
            "--at",
            "03:30",
            "--keep",
            "3",
            "--to",
            folder.path().to_str().unwrap(),
            "--install",
        ],
        Some("Playground"),
    );
    with_scheduler(&mut c);
    let add = c.output().unwrap();
    assert!(add.status.success(), "{}", text(&add.stderr));
    assert!(text(&add.stderr).contains("Saved the database login of Playground in your system keyring"));
    assert!(
        text(&add.stdout).contains("A systemd user timer (lifeboat-copies.timer) makes the copies"),
        "{}",
        text(&add.stdout)
    );
    let calls = std::fs::read_to_string(tools.path().join("systemctl.calls")).unwrap();
    assert_eq!(calls, "--user daemon-reload\n--user enable --now lifeboat-copies.timer\n");
    let units = sb.config.path().join("systemd/user");
    let timer = std::fs::read_to_string(units.join("lifeboat-copies.timer")).unwrap();
    let service = std::fs::read_to_string(units.join("lifeboat-copies.service")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 03:30:00 "), "{timer}");
    // The scheduler is given the program's real path (links resolved, as the running program sees itself), so it
    // still finds it if the link it was started through changes.
    let program = std::fs::canonicalize(BIN).unwrap();
    assert!(
        service.contains(&format!(
            "ExecStart=\"{}\" \"schedule\" \"run-due\" \"--data-dir\" \"{}\"",
            program.display(),
            sb.data.path().display()
        )),
        "{service}"
    );
    // The canary: the API secret and the database password are nowhere in what the system scheduler reads.
    let secrets =
        [sb.info["client_secret"].as_str().unwrap(), sb.instance("Playground")["db_password"].as_str().unwrap()];
    for file in [&timer, &service] {
        for secret in secrets {
            assert!(!file.contains(secret), "a secret in a unit file");
        }
    }
    let journal_texts = scan(sb.data.path());
    for secret in secrets {
        assert!(!journal_texts.contains(secret), "a secret in the data folder");
    }
    if Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let runtime = tempfile::tempdir().unwrap();
        let out = Command::new("systemd-analyze")
            .args(["verify", "--user"])
            .arg(units.join("lifeboat-copies.timer"))
            .arg(units.join("lifeboat-copies.service"))
            .env("XDG_RUNTIME_DIR", runtime.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    // Two days later, as the timer would run it: no account and no login in the environment, only the keyring.
    // (The schedule is backdated in its file: "made two days ago, the computer was off since".)
    let file = sb.data.path().join("jobs/schedules.json");
    let mut stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let two_days_ago = time::OffsetDateTime::now_utc() - time::Duration::days(2) - time::Duration::hours(1);
    stored["schedules"][0]["createdAt"] =
        two_days_ago.format(&time::format_description::well_known::Rfc3339).unwrap().into();
    std::fs::write(&file, serde_json::to_vec_pretty(&stored).unwrap()).unwrap();
    let unattended = Command::new(BIN)
        .args(["schedule", "run-due", "--data-dir"])
        .arg(sb.data.path())
        .env_clear()
        .envs(std::env::vars().filter(|(k, _)| {
            matches!(
                k.as_str(),
                "PATH" | "HOME" | "DBUS_SESSION_BUS_ADDRESS" | "XDG_RUNTIME_DIR" | "LIFEBOAT_NOTIFY_LOG"
            )
        }))
        .env("LIFEBOAT_KEYRING_SERVICE", &sb.service)
        .env("LIFEBOAT_DATA_DIR", sb.data.path())
        .env("LIFEBOAT_POLL_MS", "50")
        .output()
        .unwrap();
    assert!(unattended.status.success(), "{}{}", text(&unattended.stdout), text(&unattended.stderr));
    let said = text(&unattended.stdout);
    assert!(said.contains("skipped") && said.contains("copied"), "{said}");
    assert_eq!(copies_in(folder.path()).len(), 1);
    if let Ok(log) = std::env::var("LIFEBOAT_NOTIFY_LOG") {
        wait_for_notification(&log, "Scheduled copy of Playground skipped");
    }
    let again = sb.run(&["schedule", "run-due"], None);
    assert_eq!(text(&again.stdout).trim(), "No copy is due.");

    // Removing the last unattended schedule takes the timer away again.
    let mut c = sb.command(&["schedule", "remove", "playground-daily"], None);
    with_scheduler(&mut c);
    assert!(c.output().unwrap().status.success());
    assert!(!units.join("lifeboat-copies.timer").exists());
    let calls = std::fs::read_to_string(tools.path().join("systemctl.calls")).unwrap();
    assert!(calls.ends_with("--user disable --now lifeboat-copies.timer\n--user daemon-reload\n"), "{calls}");
}

/// Every file's text under `dir`, joined (for the secrets canary).
fn scan(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all.push_str(&scan(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}
