//! Test helper (not part of the app): talks to the OS keyring through `lifeboat-secrets` from a separate process.
//!
//! `tests/real_keyring.rs` runs it to prove a secret stored by one process is read by another, which only a real
//! keyring can do. It never prints a secret: `set` and `check` read the value from stdin (argv is visible to every
//! user in `ps`), and `check` answers only `match`, `differs` or `absent`.
//!
//! ```text
//! lifeboat-secret-probe probe
//! lifeboat-secret-probe set    api-client|database ID   < value        (database: "user\npassword")
//! lifeboat-secret-probe check  api-client|database ID   < expected
//! lifeboat-secret-probe forget api-client|database ID
//! ```
//! The service is `LIFEBOAT_KEYRING_SERVICE` or the build's default; `LIFEBOAT_SECRET_PROBE_DEADLINE_SECS` shortens
//! how long a call may wait for an unlock prompt (tests of a locked keyring). Exit status: 0 done, 2 usage, 3 keyring error
//! (stderr: `error <code>: <message>`).

use std::io::Read;
use std::process::ExitCode;

use std::time::Duration;

use lifeboat_secrets::{DbCredentials, KeyringBackend, SecretError, SecretKey, SecretStore, Sensitive};

const USAGE: &str = "usage: lifeboat-secret-probe probe | (set|check|forget) (api-client|database) ID";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut backend = KeyringBackend::for_this_build();
    if let Some(secs) = std::env::var("LIFEBOAT_SECRET_PROBE_DEADLINE_SECS").ok().and_then(|s| s.parse().ok()) {
        backend = backend.with_deadline(Duration::from_secs(secs));
    }
    let store = SecretStore::new(backend);
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["probe"] => store.probe().map(|()| "ok"),
        [op @ ("set" | "check" | "forget"), kind, id] => {
            let key = match *kind {
                "api-client" => SecretKey::api_client(*id),
                "database" => SecretKey::database(*id),
                _ => return usage(),
            };
            let input = if *op == "forget" { Ok(String::new()) } else { read_stdin() };
            match input {
                Ok(input) => run(&store, op, &key, &input),
                Err(err) => {
                    eprintln!("cannot read stdin: {err}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => return usage(),
    };
    match outcome {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error {}: {err}", err.code());
            eprintln!("detail: {}", err.detail());
            ExitCode::from(3)
        }
    }
}

fn run(store: &SecretStore, op: &str, key: &SecretKey, input: &str) -> Result<&'static str, SecretError> {
    match (op, key) {
        ("forget", key) => store.forget(key).map(|()| "ok"),
        ("set", SecretKey::ApiClient { account_id }) => {
            store.set_api_secret(account_id, &Sensitive::new(input.to_owned())).map(|()| "ok")
        }
        ("set", SecretKey::Database { instance_id }) => {
            store.set_db_credentials(instance_id, &db_credentials(input)).map(|()| "ok")
        }
        (_, SecretKey::ApiClient { account_id }) => {
            Ok(answer(store.api_secret(account_id)?.map(|stored| stored.expose() == input)))
        }
        (_, SecretKey::Database { instance_id }) => {
            Ok(answer(store.db_credentials(instance_id)?.map(|stored| stored == db_credentials(input))))
        }
    }
}

fn answer(found: Option<bool>) -> &'static str {
    match found {
        Some(true) => "match",
        Some(false) => "differs",
        None => "absent",
    }
}

fn db_credentials(input: &str) -> DbCredentials {
    let (user, password) = input.split_once('\n').unwrap_or((input, ""));
    DbCredentials::new(user, password)
}

/// The whole of stdin without one trailing newline (what `echo` adds).
fn read_stdin() -> std::io::Result<String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    if input.ends_with('\n') {
        input.pop();
    }
    Ok(input)
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
