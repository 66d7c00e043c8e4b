//! The `lifeboat` binary as a script would use it: start the sandbox, read its JSON line, drive the API commands.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use aura_emulator::test_kit::{self, Control, Fault};
use serde_json::Value;

/// The route of a snapshot restore, as the emulator's fault rules name it.
const SNAPSHOT_RESTORE: &str = "POST /v1/instances/{id}/snapshots/{sid}/restore";

const BIN: &str = env!("CARGO_BIN_EXE_lifeboat");

struct Sandbox {
    child: Child,
    info: Value,
    data: tempfile::TempDir,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox() -> Sandbox {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--json", "--clock", "fast", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lifeboat sandbox starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
    let info: Value = serde_json::from_str(&line).expect("the first stdout line is one JSON object");
    Sandbox { child, info, data: tempfile::tempdir().unwrap() }
}

impl Sandbox {
    fn lifeboat(&self, args: &[&str]) -> std::process::Output {
        let production = self.instance("Production");
        Command::new(BIN)
            .args(args)
            .env("AURA_CLIENT_ID", self.info["client_id"].as_str().unwrap())
            .env("AURA_CLIENT_SECRET", self.info["client_secret"].as_str().unwrap())
            .env("LIFEBOAT_API_URL", self.info["api_url"].as_str().unwrap())
            .env("LIFEBOAT_AUTH_URL", self.info["auth_url"].as_str().unwrap())
            .env("LIFEBOAT_QUERY_URL", self.info["query_url"].as_str().unwrap())
            .env("NEO4J_PASSWORD", production["db_password"].as_str().unwrap())
            .env("LIFEBOAT_DATA_DIR", self.data.path())
            .env("LIFEBOAT_POLL_MS", "50")
            .stdin(Stdio::null())
            .output()
            .expect("lifeboat runs")
    }

    fn instance(&self, name: &str) -> &Value {
        self.info["instances"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()
    }
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn sandbox_json_names_its_urls_and_practice_account() {
    let sb = sandbox();
    for key in ["api_url", "auth_url", "console_url", "query_url", "client_id", "client_secret"] {
        assert!(sb.info[key].as_str().is_some_and(|v| !v.is_empty()), "{key} in {}", sb.info);
    }
    assert!(sb.info["api_url"].as_str().unwrap().starts_with("http://127.0.0.1:"), "loopback only");
    assert_eq!(sb.info["instances"].as_array().unwrap().len(), 3);
}

#[test]
fn instances_list_prints_json_for_scripts() {
    let sb = sandbox();
    let out = sb.lifeboat(&["instances", "list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names: Vec<String> =
        json(&out).as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect();
    assert!(names.contains(&"Production".to_owned()), "{names:?}");
}

#[test]
fn without_an_account_the_cli_says_how_to_configure_one() {
    let out = Command::new(BIN).args(["instances", "list"]).env_remove("AURA_CLIENT_ID").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AURA_CLIENT_ID") && err.lines().count() == 1, "{err}");
}

#[test]
fn a_restore_needs_confirm_restore_then_runs_to_the_end_with_counts() {
    let sb = sandbox();
    let production = sb.instance("Production")["id"].as_str().unwrap().to_owned();
    let listed = json(&sb.lifeboat(&["snapshots", "list", "--instance", &production, "--json"]));
    let snapshot = listed["snapshots"].as_array().unwrap().iter().filter(|s| s["restorable"] == true).nth(2).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let refused = sb.lifeboat(&["snapshots", "restore", "--instance", &production, "--snapshot", &snapshot]);
    assert_eq!(refused.status.code(), Some(4), "no --confirm, no terminal: refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loses all changes made in the last"));

    let wrong =
        sb.lifeboat(&["snapshots", "restore", "--instance", &production, "--snapshot", &snapshot, "--confirm", "yes"]);
    assert_eq!(wrong.status.code(), Some(4));

    let out = sb.lifeboat(&[
        "snapshots",
        "restore",
        "--instance",
        &production,
        "--snapshot",
        &snapshot,
        "--confirm",
        "RESTORE",
        "--wait",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out);
    assert_eq!(job["outcome"], "succeeded");
    assert_eq!(job["kind"], "restore");
    assert!(
        job["result"]["countsBefore"]["nodes"].as_u64().unwrap()
            > job["result"]["countsAfter"]["nodes"].as_u64().unwrap()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(sb.instance("Production")["db_password"].as_str().unwrap()), "no secret in --json");

    // The restore is in the history, for scripts and for the incident write-up.
    let job_id = job["id"].as_str().unwrap();
    let listed = json(&sb.lifeboat(&["history", "list", "--kind", "restore", "--format", "json"]));
    let entries = listed.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{listed}");
    assert_eq!(entries[0]["jobId"], job_id);
    assert_eq!(entries[0]["instanceName"], "Production");
    assert_eq!(entries[0]["recordedBy"], "command line");
    assert!(entries[0]["dataLossSecs"].as_u64().is_some());
    let none = json(&sb.lifeboat(&["history", "list", "--kind", "drill", "--format", "json"]));
    assert_eq!(none, serde_json::json!([]));

    let saved = sb.data.path().join("history.md");
    let out = sb.lifeboat(&["history", "list", "--format", "markdown", "--out", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&saved).unwrap().contains("Production"));

    let report = sb.lifeboat(&["history", "report", job_id]);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("Production") && text.contains("Message before") && text.contains("Message after"), "{text}");

    let unknown = sb.lifeboat(&["history", "report", "no-such-job"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("lifeboat history list"));
    let bad = sb.lifeboat(&["history", "list", "--kind", "dance"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a kind of operation"));
}

#[test]
fn an_on_demand_snapshot_can_be_taken_and_waited_for() {
    let sb = sandbox();
    let staging = sb.instance("Staging")["id"].as_str().unwrap().to_owned();
    let out = sb.lifeboat(&["snapshots", "create", "--instance", &staging, "--wait", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out);
    assert_eq!(job["outcome"], "succeeded");
    assert!(job["result"]["snapshotId"].as_str().is_some());
}

#[test]
fn inspect_recognises_a_backup_and_explains_a_broken_file_without_touching_either() {
    use lifeboat_archive::testgen::{write_backup, TestArchive};
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("production.backup");
    write_backup(&good, &TestArchive { approx_size: 2_000_000, incompressible: true, ..TestArchive::default() })
        .unwrap();
    let before = (std::fs::read(&good).unwrap(), std::fs::metadata(&good).unwrap().modified().unwrap());

    let out = Command::new(BIN).args(["inspect", good.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inspection = json(&out);
    assert_eq!(inspection["formatLabel"], "Neo4j 5 backup, compressed");
    assert_eq!(inspection["canUpload"], true);

    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &before.0[..before.0.len() / 2]).unwrap();
    let out = Command::new(BIN).args(["inspect", cut.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(reason.contains("ends early") || reason.contains("cut off"), "{reason}");
    assert_eq!(reason.lines().count(), 1, "one plain line: {reason}");

    let after = (std::fs::read(&good).unwrap(), std::fs::metadata(&good).unwrap().modified().unwrap());
    assert_eq!(before, after, "the user's file is never modified");
}

#[test]
fn inspect_and_upload_name_the_dump_version_and_refuse_what_aura_cannot_load() {
    use lifeboat_archive::testgen::{write_backup, TestArchive, TestStore};
    let dir = tempfile::tempdir().unwrap();
    let inspect = |path: &std::path::Path| {
        Command::new(BIN).args(["inspect", path.to_str().unwrap(), "--json"]).output().unwrap()
    };

    let v43 = dir.path().join("movies-43.dump");
    write_backup(&v43, &TestArchive::dump(TestStore::Neo4j4_3)).unwrap();
    let found = json(&inspect(&v43));
    assert_eq!(found["formatLabel"], "Neo4j 4.3 dump");
    assert_eq!(found["neo4jVersion"], "4.3");
    assert_eq!(found["storeFormat"], "AF4.3.0");

    let v35 = dir.path().join("movies-35.dump");
    write_backup(&v35, &TestArchive::dump(TestStore::Neo4j3_5)).unwrap();
    let out = Command::new(BIN).args(["inspect", v35.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(reason.contains("Neo4j 3.5 dump") && reason.contains("Neo4j 4.4"), "{reason}");

    // A clone without Git LFS leaves a pointer under the dump's name.
    let pointer = dir.path().join("icij-offshoreleaks-44.dump");
    std::fs::write(
        &pointer,
        "version https://git-lfs.github.com/spec/v1\noid sha256:9ae32bfe5b3d34fb8b6c56574d63dfe1e495dfc5de5d4852c1d035fd4663f36a\nsize 474104753\n",
    )
    .unwrap();
    let out = Command::new(BIN).args(["inspect", pointer.to_str().unwrap()]).output().unwrap();
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(reason.contains("Git LFS pointer") && reason.contains("git lfs pull"), "{reason}");

    // The upload refuses the 3.5 dump before anything touches the network: no sandbox is even running.
    let out = Command::new(BIN)
        .args([
            "upload",
            "neo4j",
            "--from-path",
            v35.to_str().unwrap(),
            "--to-uri",
            "neo4j+s://abcd1234.databases.neo4j.io",
        ])
        .args(["--console-url", "http://127.0.0.1:9"])
        .env("NEO4J_PASSWORD", "unused")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(reason.contains("Neo4j 3.5 dump") && reason.contains("Nothing was uploaded"), "{reason}");
}

fn upload_args<'a>(sb: &'a Sandbox, file: &'a str, uri: &'a str) -> Vec<&'a str> {
    vec![
        "upload",
        "neo4j",
        "--from-path",
        file,
        "--to-uri",
        uri,
        "--console-url",
        sb.info["console_url"].as_str().unwrap(),
        "--chunk-size",
        "256KiB",
    ]
}

fn upload_command(sb: &Sandbox, staging: &Value) -> Command {
    let mut c = Command::new(BIN);
    c.env("NEO4J_PASSWORD", staging["db_password"].as_str().unwrap())
        .env("LIFEBOAT_DATA_DIR", sb.data.path())
        .env("LIFEBOAT_POLL_MS", "50")
        .stdin(Stdio::null());
    c
}

#[test]
fn upload_needs_overwrite_consent_then_restores_the_file_and_leaves_it_unchanged() {
    use lifeboat_archive::testgen::{write_backup, TestArchive};
    let sb = sandbox();
    let staging = sb.instance("Staging").clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staging.backup");
    write_backup(&file, &TestArchive { approx_size: 3 << 20, incompressible: true, ..TestArchive::default() }).unwrap();
    let before = std::fs::read(&file).unwrap();
    let uri = format!("neo4j+s://{}.databases.neo4j.io", staging["id"].as_str().unwrap());
    let path = file.to_str().unwrap().to_owned();

    let refused = upload_command(&sb, &staging).args(upload_args(&sb, &path, &uri)).output().unwrap();
    assert_eq!(refused.status.code(), Some(4), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--overwrite-destination"));

    let mut args = upload_args(&sb, &path, &uri);
    args.extend(["--overwrite-destination", "--json"]);
    let out = upload_command(&sb, &staging).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result = json(&out);
    assert_eq!(result["outcome"], "running");
    assert_eq!(result["fileUnchanged"], true);
    assert_eq!(result["bytesResent"], 0);
    assert_eq!(std::fs::read(&file).unwrap(), before, "the file's bytes are unchanged");
}

#[test]
fn an_upload_killed_midway_resumes_from_its_journal_when_run_again() {
    use lifeboat_archive::testgen::{write_backup, TestArchive};
    let sb = sandbox();
    let staging = sb.instance("Staging").clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.backup");
    write_backup(&file, &TestArchive { approx_size: 24 << 20, incompressible: true, ..TestArchive::default() })
        .unwrap();
    let uri = format!("neo4j+s://{}.databases.neo4j.io", staging["id"].as_str().unwrap());
    let path = file.to_str().unwrap().to_owned();
    // Slow every chunk down so the process is surely killed in the middle of the upload.
    sb.arm(&Fault::on(test_kit::GCS_PUT).times(1000).delay_ms(40));

    let mut args = upload_args(&sb, &path, &uri);
    args.push("--overwrite-destination");
    let mut first =
        upload_command(&sb, &staging).args(&args).stderr(Stdio::null()).stdout(Stdio::null()).spawn().unwrap();
    let journal_dir = sb.data.path().join("uploads");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let acknowledged = lifeboat_upload_progress(&journal_dir);
        if acknowledged >= 4 << 20 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the upload never got going");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    first.kill().unwrap(); // SIGKILL: no chance to clean up
    first.wait().unwrap();
    sb.kit(|c| async move { c.clear_faults().await });

    args.push("--json");
    let out = upload_command(&sb, &staging).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result = json(&out);
    assert!(result["resumedFrom"].as_u64().unwrap() >= 4 << 20, "resumed, not restarted: {result}");
    assert_eq!(result["restartedFromZero"], false);
    assert!(result["bytesResent"].as_u64().unwrap() <= 256 << 10, "at most one chunk sent again: {result}");
}

/// Bytes the store acknowledged so far, as the upload journal records them.
fn lifeboat_upload_progress(dir: &std::path::Path) -> u64 {
    lifeboat_upload::resumable(dir).iter().map(|u| u.bytes_acknowledged).max().unwrap_or(0)
}

impl Sandbox {
    /// `lifeboat …` with the database login of the named instance in NEO4J_USERNAME/NEO4J_PASSWORD.
    fn lifeboat_as(&self, name: &str, args: &[&str]) -> std::process::Output {
        let instance = self.instance(name);
        Command::new(BIN)
            .args(args)
            .env("AURA_CLIENT_ID", self.info["client_id"].as_str().unwrap())
            .env("AURA_CLIENT_SECRET", self.info["client_secret"].as_str().unwrap())
            .env("LIFEBOAT_API_URL", self.info["api_url"].as_str().unwrap())
            .env("LIFEBOAT_AUTH_URL", self.info["auth_url"].as_str().unwrap())
            .env("LIFEBOAT_QUERY_URL", self.info["query_url"].as_str().unwrap())
            .env("NEO4J_USERNAME", instance["db_user"].as_str().unwrap())
            .env("NEO4J_PASSWORD", instance["db_password"].as_str().unwrap())
            .env("LIFEBOAT_DATA_DIR", self.data.path())
            .env("LIFEBOAT_POLL_MS", "50")
            .stdin(Stdio::null())
            .output()
            .expect("lifeboat runs")
    }
}

#[test]
fn graph_export_then_import_round_trips_behind_confirm_restore() {
    let sb = sandbox();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("playground.graph.jsonl.zst");
    let path = file.to_str().unwrap();
    let playground = sb.instance("Playground")["id"].as_str().unwrap().to_owned();
    let staging = sb.instance("Staging")["id"].as_str().unwrap().to_owned();

    let out = sb.lifeboat_as("Playground", &["graph", "export", &playground, "--out", path, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out);
    assert_eq!((job["kind"].as_str(), job["outcome"].as_str()), (Some("graph-export"), Some("succeeded")));
    let exported = job["result"]["fileCounts"].clone();
    assert!(exported["nodes"].as_u64().unwrap() > 300, "{job}");
    assert!(file.exists());

    let again = sb.lifeboat_as("Playground", &["graph", "export", &playground, "--out", path]);
    assert_eq!(again.status.code(), Some(4), "an existing file is replaced only with --overwrite");

    let unconfirmed = sb.lifeboat_as("Staging", &["graph", "import", &staging, "--from", path]);
    assert_eq!(unconfirmed.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--confirm RESTORE"));

    let out = sb.lifeboat_as(
        "Staging",
        &["graph", "import", &staging, "--from", path, "--confirm", "RESTORE", "--no-safety-snapshot", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out);
    assert_eq!((job["kind"].as_str(), job["outcome"].as_str()), (Some("graph-import"), Some("succeeded")));
    assert_eq!(job["result"]["countsAfter"], exported, "Staging now holds exactly the file's data");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(sb.instance("Staging")["db_password"].as_str().unwrap()), "no secret in --json");

    let notes = files.path().join("notes.graph.jsonl.zst");
    std::fs::write(&notes, "not an export").unwrap();
    let refused = sb.lifeboat_as(
        "Staging",
        &["graph", "import", &staging, "--from", notes.to_str().unwrap(), "--confirm", "RESTORE"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("not a Lifeboat data export") && reason.lines().count() == 1, "{reason}");

    let history = json(&sb.lifeboat(&["history", "list", "--kind", "graph-import", "--format", "json"]));
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
}

impl Sandbox {
    /// Runs one call of the emulator's test kit against this sandbox's control API, to its end.
    fn kit<T, F>(&self, call: impl FnOnce(Control) -> F) -> T
    where
        F: std::future::Future<Output = Result<T, test_kit::ControlError>>,
    {
        let control = Control::new(self.info["api_url"].as_str().unwrap().trim_end_matches("/v1"));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(call(control)).expect("the sandbox's control API answers")
    }

    /// Arms one fault rule.
    fn arm(&self, rule: &Fault) {
        let rule = rule.clone();
        self.kit(|c| async move { c.arm(&rule).await });
    }

    fn request_log(&self) -> Vec<Value> {
        self.kit(|c| async move { c.requests().await })
    }
}

/// The answer to the restore request is lost after Aura acted on it: the command checks with Aura, watches the
/// restore to its end and exits 0 — and sends the restore exactly once.
#[test]
fn a_restore_whose_answer_is_lost_exits_by_the_real_outcome_after_one_request() {
    let sb = sandbox();
    let staging = sb.instance("Staging")["id"].as_str().unwrap().to_owned();
    let listed = json(&sb.lifeboat_as("Staging", &["snapshots", "list", "--instance", &staging, "--json"]));
    let snapshot = listed["snapshots"].as_array().unwrap().iter().find(|s| s["restorable"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.arm(&Fault::on(SNAPSHOT_RESTORE).dropped());
    let out = sb.lifeboat_as(
        "Staging",
        &[
            "snapshots",
            "restore",
            "--instance",
            &staging,
            "--snapshot",
            &snapshot,
            "--confirm",
            "RESTORE",
            "--no-safety-snapshot",
            "--wait",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("lost"), "says what happened: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Done:"), "{stdout}");
    let restores: Vec<Value> = sb
        .request_log()
        .into_iter()
        .filter(|e| e["method"] == "POST" && e["path"].as_str().is_some_and(|p| p.ends_with("/restore")))
        .collect();
    assert_eq!(restores.len(), 1, "{restores:?}");
    assert_eq!(restores[0]["dropped"], true);
}

/// Aura never received the restore: the command says nothing started and exits 1, retryable.
#[test]
fn a_restore_aura_never_received_exits_1_saying_nothing_changed() {
    let sb = sandbox();
    let staging = sb.instance("Staging")["id"].as_str().unwrap().to_owned();
    let listed = json(&sb.lifeboat_as("Staging", &["snapshots", "list", "--instance", &staging, "--json"]));
    let snapshot = listed["snapshots"].as_array().unwrap().iter().find(|s| s["restorable"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.arm(&Fault::on(SNAPSHOT_RESTORE).dropped_unprocessed());
    let out = sb.lifeboat_as(
        "Staging",
        &[
            "snapshots",
            "restore",
            "--instance",
            &staging,
            "--snapshot",
            &snapshot,
            "--confirm",
            "RESTORE",
            "--no-safety-snapshot",
            "--wait",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out);
    assert_eq!(job["error"]["code"], "not-started");
    assert!(job["error"]["message"].as_str().unwrap().contains("Nothing was changed"));
}
