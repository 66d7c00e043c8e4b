//! `lifeboat upload`: `neo4j-admin database upload` with the same flags, but resumable (re-run the same command
//! after an interruption and it continues from the last acknowledged chunk), with network timeouts and a progress
//! bar. The file is checked first and never modified.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use indicatif::{ProgressBar, ProgressStyle};
use lifeboat_archive::{inspect, CheckId, InspectOptions};
use lifeboat_engine::Sensitive;
use lifeboat_upload::{CancellationToken, Step, UploadProgress, UploadRequest};

use crate::output::{print_json, Failure};

/// The upload's arguments, as `neo4j-admin database upload` names them.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// Name of the database to upload (Aura has one: neo4j).
    database: String,
    /// The archive (.backup, .dump or .tar), or a folder holding exactly one.
    #[arg(long)]
    from_path: PathBuf,
    /// The instance's connection URI, e.g. neo4j+s://abcd1234.databases.neo4j.io
    #[arg(long)]
    to_uri: String,
    /// Database user.
    #[arg(long, env = "NEO4J_USERNAME", default_value = "neo4j")]
    to_user: String,
    /// Database password. Prefer the NEO4J_PASSWORD environment variable: a flag ends up in shell history.
    #[arg(long, env = "NEO4J_PASSWORD", hide_env_values = true)]
    to_password: Option<String>,
    /// Replace the data in the instance (required when it is not empty).
    #[arg(long)]
    overwrite_destination: bool,
    /// Chunk size for the upload, e.g. 64MiB (a multiple of 256KiB is used).
    #[arg(long, value_parser = parse_size)]
    chunk_size: Option<u64>,
    /// Print one JSON object with the outcome instead of progress.
    #[arg(long)]
    json: bool,
}

impl UploadArgs {
    /// Whether output is JSON.
    pub fn json(&self) -> bool {
        self.json
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("“{text}” is not a size; write e.g. 64MiB"))?;
    let factor = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return Err(format!("“{text}” has an unknown unit; use KiB, MiB or GiB")),
    };
    Ok(n * factor)
}

pub(crate) async fn run(
    args: UploadArgs,
    console_url: Option<String>,
    password_from_flag: bool,
) -> Result<(), Failure> {
    let json = args.json;
    if password_from_flag {
        eprintln!("lifeboat: warning: --to-password puts the password in your shell history; prefer NEO4J_PASSWORD.");
    }
    let (user, password) = match args.to_password.clone().filter(|p| !p.is_empty()) {
        Some(p) => (args.to_user.clone(), Sensitive::new(p)),
        None => saved_login(&args.to_uri).await.ok_or_else(|| {
            Failure::not_configured(
                "No database password: set NEO4J_PASSWORD, or save the login for this instance in the Lifeboat app (it keeps it in your keyring). Nothing was uploaded.",
            )
        })?,
    };
    // Check the file before anything touches the network (and find the archive inside a folder).
    let from = args.from_path.clone();
    let inspection = tokio::task::spawn_blocking(move || inspect(&from, &InspectOptions::default()))
        .await
        .map_err(|e| Failure::local("internal", format!("Inspection stopped unexpectedly: {e}")))?
        .map_err(|e| Failure::local(e.code(), e.to_string()))?;
    if let Some(problem) = inspection.problems.first() {
        return Err(Failure::local("unusable-file", format!("{} Nothing was uploaded.", problem.message)));
    }
    let file = inspection.path.clone();
    if !json {
        eprintln!("Detected {} at {}", inspection.format_label, file.display());
        // The upload doesn't know the instance's Neo4j version; say which instances the dump suits when it matters.
        if let Some(c) = inspection.check(CheckId::Compatible).filter(|c| c.ok.is_none()) {
            if !c.message.starts_with("Not checked yet") {
                eprintln!("Note: {}", c.message);
            }
        }
    }

    let journal_dir = crate::account::data_dir().join("uploads");
    let mut request = UploadRequest::new(file.clone(), args.to_uri.clone(), user, password);
    request.console_url = console_url;
    request.overwrite_confirmed = args.overwrite_destination;
    request.full_size = inspection.full_size;
    request.journal_dir = Some(journal_dir.clone());
    if let Some(size) = args.chunk_size {
        request.chunk_size = size;
    }
    // Against the sandbox's fast clock an import takes a fraction of a second; scripts can poll faster.
    if let Some(ms) = std::env::var("LIFEBOAT_POLL_MS").ok().and_then(|v| v.parse().ok()) {
        request.poll_interval = Duration::from_millis(ms);
    }
    // Re-running the same command after an interruption continues the earlier upload of this file.
    let earlier =
        lifeboat_upload::resumable(&journal_dir).into_iter().find(|u| u.file == file && args.to_uri.contains(&u.dbid));
    if let Some(u) = &earlier {
        if !json {
            eprintln!("Resuming the earlier upload of this file ({:.0} % done).", u.percent_done);
        }
        request.resume_id = Some(u.id.clone());
    }

    let bar = if json { ProgressBar::hidden() } else { ProgressBar::new(0) };
    let printer = bar.clone();
    let progress = move |p: UploadProgress| show(&printer, &p);
    let outcome = lifeboat_upload::run(request, progress, CancellationToken::new()).await;
    bar.finish_and_clear();
    let unchanged = std::fs::metadata(&file).map(|m| m.len()).ok() == Some(inspection.file_size);
    match outcome {
        Ok(done) => {
            if json {
                print_json(&serde_json::json!({
                    "outcome": "running",
                    "file": file.to_string_lossy(),
                    "crc32": done.crc32,
                    "provider": done.provider.as_str(),
                    "bytesSent": done.bytes_sent_total,
                    "bytesResent": done.bytes_resent,
                    "resumedFrom": done.resumed_from,
                    "restartedFromZero": done.restarted_from_zero,
                    "uploadSecs": done.upload_secs,
                    "importSecs": done.import_secs,
                    "fileUnchanged": unchanged,
                }))?;
            } else {
                println!("Your data was uploaded to Aura and the instance is running with it.");
                println!("Your file at {} was not changed and can be kept or deleted.", file.display());
            }
            Ok(())
        }
        Err(e) => {
            let exit_code = match e.code() {
                "invalid-credentials" | "not-admin" => Failure::not_configured(&e.to_string()),
                "consent-required" | "consent-required-at-complete" => Failure::needs_confirmation(&format!(
                    "{e} Add --overwrite-destination to replace the data in the instance."
                )),
                code => Failure::local(code, e.to_string()),
            };
            Err(exit_code)
        }
    }
}

/// The database login the app saved in the OS keyring for the instance the URI names, if any.
async fn saved_login(uri: &str) -> Option<(String, Sensitive<String>)> {
    let dbid = lifeboat_upload::derive_console(uri, None).ok()?.dbid;
    let found = tokio::task::spawn_blocking(move || lifeboat_engine::logins::KeyringLogins::os_keyring().saved(&dbid))
        .await
        .ok()?;
    match found {
        Ok(Some(login)) => Some((login.user, login.password)),
        Ok(None) => None,
        Err(e) => {
            eprintln!("lifeboat: {e}");
            None
        }
    }
}

fn show(bar: &ProgressBar, p: &UploadProgress) {
    let (label, bytes) = match p.step {
        Step::Auth => ("Signing in to Aura", false),
        Step::SizeCheck => ("Checking the instance has room", false),
        Step::Checksum => ("Computing the checksum", true),
        Step::Initiate => ("Asking Aura where to upload", false),
        Step::Upload => ("Uploading", true),
        Step::Complete => ("Starting the import", false),
        Step::Import => ("Aura is loading the file (estimated)", false),
        Step::Running => ("Running", false),
    };
    if bar.message() != label {
        bar.set_message(label);
        let style = if bytes {
            "{msg:38} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
        } else {
            "{msg:38} {spinner} {elapsed}"
        };
        if let Ok(s) = ProgressStyle::with_template(style) {
            bar.set_style(s.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    if bytes {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    }
    if let Some(m) = &p.message {
        bar.println(m);
    }
}

/// Whether `--to-password` was given on the command line (rather than by NEO4J_PASSWORD).
pub(crate) fn password_from_flag(matches: &clap::ArgMatches) -> bool {
    matches
        .subcommand_matches("upload")
        .and_then(|m| m.value_source("to_password"))
        .is_some_and(|s| s == ValueSource::CommandLine)
}
