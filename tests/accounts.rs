//! An account connected the way the window connects one (the engine's `Workspace::connect`, which the shell's
//! `connect_account` command calls, into the app's folders and the real OS keyring) is listed and used by the
//! `lifeboat` command line — `accounts list`, `--account NAME`, and `history list` finding the window's history.
//!
//! It needs the Secret Service: `scripts/test.sh` runs it inside `scripts/with-desktop.sh` (a private D-Bus session
//! with an unlocked gnome-keyring) with `LIFEBOAT_REQUIRE_KEYRING=1`, where a missing keyring is a failure; a plain
//! `cargo test` elsewhere prints "skipped" and passes. It uses its own keyring service name and its own data and
//! config folders (`XDG_DATA_HOME`, `XDG_CONFIG_HOME`), so it never meets the developer's accounts.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use aura_emulator::{ClockSpeed, EmulatorConfig};
use lifeboat_engine::accounts::{DataLayout, Workspace, APP_IDENTIFIER};
use lifeboat_engine::jobs::Outcome;
use lifeboat_engine::{Endpoints, Sensitive};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lifeboat");

fn keyring_required() -> bool {
    std::env::var("LIFEBOAT_REQUIRE_KEYRING").is_ok_and(|v| v == "1")
}

/// Runs the command line as a user would in the same desktop session: same HOME folders, same keyring service.
fn lifeboat(xdg: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_DATA_HOME", xdg.join("data"))
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env_remove("AURA_CLIENT_ID")
        .env_remove("AURA_CLIENT_SECRET")
        .env_remove("LIFEBOAT_DATA_DIR")
        .env_remove("LIFEBOAT_API_URL")
        .env_remove("LIFEBOAT_AUTH_URL")
        .env_remove("LIFEBOAT_ACCOUNT")
        .stdin(Stdio::null())
        .output()
        .expect("lifeboat runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_lists_and_uses_an_account_connected_in_the_window() {
    // One process-wide setting, set before anything reads it (this file holds this one test).
    let service = format!("dev.lifeboat.desktop.test-accounts-{}", std::process::id());
    std::env::set_var("LIFEBOAT_KEYRING_SERVICE", &service);
    let xdg = tempfile::tempdir().unwrap();

    // "Aura": an emulator of its own, as in the end-to-end account test.
    let aura = aura_emulator::start(EmulatorConfig { port: 0, clock: ClockSpeed::Fast, ..Default::default() })
        .await
        .expect("the stand-in Aura starts");
    let info = aura.info().clone();
    let endpoints = Endpoints {
        api_url: info.api_url.clone(),
        auth_url: info.auth_url.clone(),
        console_url: info.console_url.clone(),
        query_url: info.query_url.clone(),
    };

    // The window's folders, as Tauri names them on Linux, under this test's XDG folders.
    let layout =
        DataLayout::new(xdg.path().join("data").join(APP_IDENTIFIER), xdg.path().join("config").join(APP_IDENTIFIER));
    let workspace = Workspace::with_os_keyring(layout.clone());
    let secret = Sensitive::new(info.client_secret.clone());
    let profile = match workspace.connect("Canary org", &info.client_id, endpoints, secret, false).await {
        Ok(profile) => profile,
        Err(e) if e.code().starts_with("keyring") && !keyring_required() => {
            eprintln!("skipped: no usable Secret Service ({}); run it through scripts/with-desktop.sh", e.code());
            return;
        }
        Err(e) => panic!("connecting failed: {} ({})", e.user_message(), e.code()),
    };
    assert!(
        !std::fs::read_to_string(layout.accounts_file()).unwrap().contains(&info.client_secret),
        "the profiles file holds no secret"
    );

    // Something the window did, so its history has an entry: a snapshot of Production.
    let production = info.instances.iter().find(|i| i.name == "Production").unwrap().id.clone();
    let account = workspace.switch(&profile.id).expect("the account opens with its key from the keyring");
    let mut job = account.jobs.start_snapshot(&production).await.expect("snapshot starts");
    let finished = job.wait_for(|s| s.outcome.is_some()).await.expect("the job ends").clone();
    assert_eq!(finished.outcome, Some(Outcome::Succeeded), "{:?}", finished.error);

    // The command line lists it…
    let listed = json(&lifeboat(xdg.path(), &["accounts", "list", "--json"]));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0]["label"].as_str(), listed[0]["id"].as_str()), (Some("Canary org"), Some(&*profile.id)));
    assert_eq!(listed[0]["apiUrl"], info.api_url, "with the endpoints it was connected with");
    assert_eq!(listed[0]["lastUsed"], true);
    assert!(!String::from_utf8_lossy(&lifeboat(xdg.path(), &["accounts", "list"]).stdout).contains(&info.client_secret));

    // …uses it by name (any case) and by id, with the key from the keyring and its own endpoints…
    for name in ["Canary org", "canary ORG", profile.id.as_str()] {
        let instances = json(&lifeboat(xdg.path(), &["--account", name, "instances", "list", "--json"]));
        let mut ids: Vec<&str> = instances.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        let mut expected: Vec<&str> = info.instances.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        expected.sort_unstable();
        assert_eq!(ids, expected, "--account {name}");
    }
    let snapshots = json(&lifeboat(
        xdg.path(),
        &["--account", "Canary org", "snapshots", "list", "--instance", &production, "--json"],
    ));
    assert!(snapshots["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == finished.result.snapshot_id.clone().unwrap()));

    // …finds the window's history, named for the account…
    let history = json(&lifeboat(xdg.path(), &["history", "list", "--format", "json"]));
    let entry = history.as_array().unwrap().iter().find(|e| e["jobId"] == finished.id).expect("the window's snapshot");
    assert_eq!(entry["recordedBy"], "app, Canary org");

    // …makes a copy schedule for it that signs in with the window's key (named, never copied)…
    let copies = tempfile::tempdir().unwrap();
    let added = json(&lifeboat(
        xdg.path(),
        &[
            "--account",
            "Canary org",
            "schedule",
            "add",
            "--instance",
            &production,
            "--every",
            "1d",
            "--keep",
            "2",
            "--to",
            copies.path().to_str().unwrap(),
            "--json",
        ],
    ));
    let account_ref = &added["schedule"]["account"];
    assert_eq!(account_ref["keyringAccount"], profile.id.as_str(), "{added}");
    assert_eq!(account_ref["clientId"], info.client_id.as_str());
    assert_eq!(account_ref["label"], "Canary org");
    assert!(account_ref["endpoints"].to_string().contains(&info.api_url), "its own endpoints: {account_ref}");
    let listed = json(&lifeboat(xdg.path(), &["schedule", "list", "--json"]));
    assert!(listed.as_array().unwrap().iter().any(|s| s["name"] == added["schedule"]["name"]), "{listed}");
    let schedules = std::fs::read_to_string(layout.cli_dir().join("jobs/schedules.json")).unwrap();
    assert!(!schedules.contains(&info.client_secret), "no secret in the schedules file");

    // …and says plainly when a name matches no account.
    let unknown = lifeboat(xdg.path(), &["--account", "Staging org", "instances", "list"]);
    assert_eq!(unknown.status.code(), Some(3));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("No account named “Staging org”") && said.contains("Canary org"), "{said}");

    // Disconnected in the window: its key leaves the keyring and the command line no longer finds it.
    workspace.disconnect(&profile.id).expect("disconnect");
    let gone = lifeboat(xdg.path(), &["--account", "Canary org", "instances", "list"]);
    assert_eq!(gone.status.code(), Some(3), "{}", String::from_utf8_lossy(&gone.stderr));
    aura.shutdown().await;
}
