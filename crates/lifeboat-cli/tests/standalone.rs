//! `lifeboat-cli`, the command line without the desktop app's libraries, does what `lifeboat <subcommand>` does:
//! here it runs its own sandbox and a script lists the instances and the (empty) history through it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lifeboat-cli");

#[test]
fn the_standalone_cli_serves_a_sandbox_and_lists_its_instances() {
    let mut sandbox = Command::new(BIN)
        .args(["sandbox", "--json", "--clock", "fast", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lifeboat-cli sandbox starts");
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap()).read_line(&mut line).expect("the first line");
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("AURA_CLIENT_ID", info["client_id"].as_str().unwrap())
            .env("AURA_CLIENT_SECRET", info["client_secret"].as_str().unwrap())
            .env("LIFEBOAT_API_URL", info["api_url"].as_str().unwrap())
            .env("LIFEBOAT_AUTH_URL", info["auth_url"].as_str().unwrap())
            .env("LIFEBOAT_DATA_DIR", data.path())
            .stdin(Stdio::null())
            .output()
            .expect("lifeboat-cli runs")
    };

    let listed = run(&["instances", "list", "--json"]);
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let instances: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let names: Vec<&str> = instances.as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(names.contains(&"Production") && names.contains(&"Staging"), "{names:?}");

    let history = run(&["history", "list", "--format", "json"]);
    assert!(history.status.success(), "{}", String::from_utf8_lossy(&history.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&history.stdout).unwrap(), serde_json::json!([]));

    let version = run(&["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("lifeboat "));
}
