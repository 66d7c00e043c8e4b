//! `lifeboat schedule …`: copies of an instance's data to the user's own storage on a schedule. `add` saves a
//! schedule (and, with `--install`, the operating system's scheduler entry that runs `schedule run-due` with
//! Lifeboat closed), `list` shows every schedule on this computer (the desktop app's too), `remove` takes one
//! away, `run` makes a copy now, and `run-due` makes every copy that is due — what the system scheduler runs.
//!
//! An unattended run has no terminal and no environment: it signs in with the API key and reads the database
//! with the login kept in the OS keyring. `add` saves them there from `AURA_CLIENT_SECRET` and `NEO4J_PASSWORD`
//! (saying so); nothing secret is ever written to a schedule, a unit file, a crontab or a log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use lifeboat_engine::accounts::client_for;
use lifeboat_engine::jobs::JobSettings;
use lifeboat_engine::logins::KeyringLogins;
use lifeboat_engine::strategy::copies::{self, RunOutcome, RunReport};
use lifeboat_engine::strategy::os_scheduler::{self, Installed, Invocation, OsScheduler};
use lifeboat_engine::strategy::schedule::{self, AccountRef, Cadence, Schedule, TimeOfDay, Weekday};
use lifeboat_engine::strategy::{Home, Notifier, Scope, CLI};
use lifeboat_engine::SecretStore;
use lifeboat_engine::{DbLogin, JobManager, Sensitive};
use serde::Serialize;
use time::OffsetDateTime;

use crate::account::data_dir;
use crate::commands::EndpointArgs;
use crate::output::{print_json, print_table, Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum ScheduleCommand {
    /// Add a schedule: a verified copy of an instance's data into a folder every day or week, keeping the newest N.
    Add(AddArgs),
    /// Every schedule on this computer (the desktop app's too), with its last and next run.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a schedule. The copies it made stay where they are.
    Remove {
        /// The schedule's name (see `lifeboat schedule list`).
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a schedule's copy now (verified, then older copies beyond "keep" pruned).
    Run {
        /// The schedule's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make every copy that is due and record runs missed while the computer was off. The system scheduler runs
    /// this; it signs in with what the keyring holds.
    RunDue {
        /// The command line's data folder (default: as for every command, `LIFEBOAT_DATA_DIR` or the standard one).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The desktop app's data folder, whose accounts' schedules run too.
        #[arg(long)]
        app_data_dir: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Instance id.
    #[arg(long)]
    instance: String,
    /// How often: 1d (every day) or 1w (every week).
    #[arg(long)]
    every: String,
    /// The time of day, HH:MM in this computer's time zone.
    #[arg(long, default_value = "02:00")]
    at: String,
    /// For a weekly schedule, the day (mon … sun; default Monday).
    #[arg(long)]
    on: Option<String>,
    /// How many copies to keep; older ones this schedule made are deleted.
    #[arg(long)]
    keep: u32,
    /// The folder for the copies (it must exist).
    #[arg(long)]
    to: PathBuf,
    /// The schedule's name (default: the instance's and the cadence, like production-daily).
    #[arg(long)]
    name: Option<String>,
    /// Also run it with Lifeboat closed: write the system scheduler's entry (systemd user timer, cron, launchd or
    /// Task Scheduler).
    #[arg(long)]
    install: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl ScheduleCommand {
    pub(crate) fn json(&self) -> bool {
        match self {
            Self::Add(a) => a.json,
            Self::List { json } | Self::Remove { json, .. } | Self::Run { json, .. } | Self::RunDue { json, .. } => {
                *json
            }
        }
    }
}

/// Desktop notifications from the command line.
struct Desktop;

impl Notifier for Desktop {
    fn notify(&self, summary: &str, body: &str) {
        let (summary, body) = (summary.to_owned(), body.to_owned());
        // D-Bus is spoken on a thread of its own, never on the async runtime's; waited for, so an unattended run
        // does not end before its notification is out.
        let shown = std::thread::spawn(move || {
            notify_rust::Notification::new().appname("Lifeboat").summary(&summary).body(&body).show().map(drop)
        })
        .join();
        match shown {
            Ok(Ok(())) => {}
            // The run's outcome is on stdout and in the history; a desktop that cannot be reached is no failure.
            Ok(Err(e)) => tracing::info!("could not show a desktop notification: {e}"),
            Err(_) => tracing::info!("could not show a desktop notification"),
        }
    }
}

fn home_with(cli_data: &Path, app_data: Option<&Path>) -> (Home, Scope) {
    let cli = Scope { id: CLI.into(), dir: cli_data.join("jobs") };
    (Home::discover(app_data, None).with(cli.clone()), cli)
}

fn invalid(e: schedule::ScheduleError) -> Failure {
    let usage = e.code() == "invalid-input";
    let f = Failure::local(e.code(), e.to_string());
    if usage {
        f.usage()
    } else {
        f
    }
}

fn keyring_failure(what: &str, e: lifeboat_engine::SecretError) -> Failure {
    Failure::local(
        e.code(),
        format!("{what}, but the system keyring is not available ({e}). Nothing was changed. Run it in your desktop session, or leave out --install to copy only while Lifeboat is open."),
    )
}

/// Writes or removes the system scheduler's entry for every unattended schedule on this computer.
fn sync_os_entry(home: &Home) -> Result<Installed, Failure> {
    let invocation =
        Invocation::run_due(os_scheduler::cli_program(), &data_dir(), crate::history::app_data_dir().as_deref());
    os_scheduler::sync(home, &OsScheduler::for_this_computer(), &invocation).map_err(|e| {
        Failure::local(
            e.code(),
            format!("{e} The schedules themselves are saved; until this works, copies are made only while Lifeboat is open."),
        )
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Added<'a> {
    schedule: &'a Schedule,
    next_run: String,
    #[serde(with = "time::serde::rfc3339")]
    next_run_at: OffsetDateTime,
    os_entry: Option<Installed>,
}

async fn add(args: AddArgs, endpoints: &EndpointArgs, account: Option<&str>) -> Result<(), Failure> {
    let on = args.on.as_deref().map(Weekday::parse).transpose().map_err(invalid)?;
    let cadence = Cadence::parse(&args.every, on).map_err(invalid)?;
    let at = TimeOfDay::parse(&args.at).map_err(invalid)?;
    if args.keep == 0 || args.keep > schedule::MAX_KEEP {
        return Err(invalid(schedule::ScheduleError::BadKeep));
    }
    let folder = std::path::absolute(&args.to)
        .map_err(|e| Failure::local("invalid-input", format!("{}: {e}", args.to.display())).usage())?;
    schedule::check_folder(&folder).map_err(invalid)?;

    // `--account NAME`: an account connected in the window, whose API key is in the keyring already (under its
    // id). Otherwise the key from the environment, saved in the keyring for unattended runs.
    let connected = match account.filter(|a| !a.trim().is_empty()) {
        Some(name) => Some(crate::account::workspace()?.find(name)?),
        None => None,
    };
    let client = crate::account::client(endpoints, account)?;
    let instance = client.get_instance(&args.instance).await?;
    let (home, cli) = home_with(&data_dir(), crate::history::app_data_dir().as_deref());
    let taken = home.schedule_names();
    let name = match args.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 60 || n.chars().any(char::is_whitespace) => {
            return Err(Failure::local(
                "invalid-input",
                "Give the schedule a name of 1 to 60 characters without spaces. Nothing was changed.",
            )
            .usage());
        }
        Some(n) if taken.iter().any(|t| t == n) => return Err(invalid(schedule::ScheduleError::NameTaken(n.into()))),
        Some(n) => n.to_owned(),
        None => schedule::unique_name(&schedule::default_name(&instance.name, cadence), &taken),
    };

    // What an unattended run needs from the keyring: the API key and the database login.
    let store = SecretStore::os_keyring();
    let account_ref = match &connected {
        Some(profile) => {
            if profile.session_only && args.install {
                return Err(Failure::local(
                    "session-only",
                    format!("The API key of “{}” is kept for the app's session only, not in your system keyring, so copies with Lifeboat closed could not sign in. Nothing was changed. Reconnect the account in the app and keep its key, or leave out --install.", profile.label),
                ));
            }
            AccountRef {
                label: profile.label.clone(),
                client_id: profile.client_id.clone(),
                endpoints: profile.endpoints.clone(),
                keyring_account: Some(profile.id.clone()),
            }
        }
        None => {
            let client_id = std::env::var("AURA_CLIENT_ID").unwrap_or_default();
            let secret = std::env::var("AURA_CLIENT_SECRET").unwrap_or_default();
            let keyring_account = format!("cli-{}", client_id.trim());
            match store.set_api_secret(&keyring_account, &Sensitive::new(secret)) {
                Ok(()) => {}
                Err(e) if args.install => return Err(keyring_failure("Copies with Lifeboat closed sign in with the API key kept in your system keyring", e)),
                Err(e) => eprintln!("lifeboat: the API key could not be saved in your keyring ({e}); `schedule run` works with AURA_CLIENT_ID/AURA_CLIENT_SECRET set."),
            }
            AccountRef {
                label: format!(
                    "Aura account …{}",
                    client_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<String>()
                ),
                client_id: client_id.trim().to_owned(),
                endpoints: crate::account::endpoints(endpoints),
                keyring_account: Some(keyring_account),
            }
        }
    };
    if let Ok(password) = std::env::var("NEO4J_PASSWORD") {
        let user = std::env::var("NEO4J_USERNAME").unwrap_or_else(|_| "neo4j".into());
        match store.set_db_credentials(&instance.id, &DbLogin { user, password: Sensitive::new(password) }) {
            Ok(()) => {
                eprintln!("Saved the database login of {} in your system keyring, for the copies.", instance.name)
            }
            Err(e) if args.install => {
                return Err(keyring_failure(
                    "Copies read the data with the database login kept in your system keyring",
                    e,
                ))
            }
            Err(e) => eprintln!("lifeboat: the database login could not be saved in your keyring ({e})."),
        }
    } else if !matches!(store.db_credentials(&instance.id), Ok(Some(_))) {
        let need = format!(
            "Copies read the data with the database login of {}, and none is in your system keyring. Run this again with NEO4J_USERNAME and NEO4J_PASSWORD set (Lifeboat saves them in the keyring), or save the login in the Lifeboat app.",
            instance.name
        );
        if args.install {
            return Err(Failure::local("no-db-login", format!("{need} Nothing was changed.")));
        }
        eprintln!("lifeboat: {need}");
    }

    let s = Schedule {
        id: schedule::new_id(),
        name,
        instance_id: instance.id.clone(),
        instance_name: instance.name.clone(),
        cadence,
        at,
        time_zone: schedule::system_time_zone(),
        keep: args.keep,
        folder,
        unattended: args.install,
        account: account_ref,
        created_at: OffsetDateTime::now_utc(),
    };
    schedule::add(&cli.dir, &s).map_err(invalid)?;
    let home = home.with(cli);
    let os_entry = if args.install { Some(sync_os_entry(&home)?) } else { None };
    let next = s.next_after(OffsetDateTime::now_utc());
    if args.json {
        return print_json(&Added { schedule: &s, next_run: s.wall_clock(next), next_run_at: next, os_entry });
    }
    say!(
        "Schedule {}: a verified copy of {} {}, keeping the newest {}, in {}.",
        s.name,
        s.instance_name,
        s.describe(),
        s.keep,
        s.folder.display()
    );
    say!("Next copy: {}.", s.wall_clock(next));
    match os_entry {
        Some(i) => say!("{}", i.detail),
        None => say!(
            "It runs while Lifeboat is open, or with `lifeboat schedule run-due`; add --install to have the system run it with Lifeboat closed."
        ),
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[serde(flatten)]
    schedule: Schedule,
    account_folder: String,
    practice: bool,
    last_run: Option<schedule::RunRecord>,
    #[serde(with = "time::serde::rfc3339")]
    next_run_at: OffsetDateTime,
}

fn list(json: bool) -> Result<(), Failure> {
    let (home, _) = home_with(&data_dir(), crate::history::app_data_dir().as_deref());
    let now = OffsetDateTime::now_utc();
    let listed: Vec<Listed> = home
        .schedules()
        .into_iter()
        .map(|(scope, s)| {
            let state = schedule::run_state(&scope.dir, &s.id);
            Listed {
                next_run_at: s.next_after(now),
                account_folder: scope.id.clone(),
                practice: scope.is_sandbox(),
                last_run: state.last_run,
                schedule: s,
            }
        })
        .collect();
    if json {
        return print_json(&listed);
    }
    if listed.is_empty() {
        say!("No copy schedules yet. Add one with: lifeboat schedule add --instance ID --every 1d --keep 14 --to DIR --install");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|l| {
            let s = &l.schedule;
            let last = match &l.last_run {
                None => "never".into(),
                Some(r) => format!(
                    "{} ({})",
                    s.wall_clock(r.at),
                    if r.outcome == lifeboat_engine::jobs::Outcome::Succeeded { "copied" } else { "failed" }
                ),
            };
            vec![
                s.name.clone(),
                s.instance_name.clone(),
                s.describe(),
                s.keep.to_string(),
                s.folder.display().to_string(),
                if l.practice {
                    "practice: while the app is open".into()
                } else if s.unattended {
                    "yes".into()
                } else {
                    "no".into()
                },
                last,
                s.wall_clock(l.next_run_at),
            ]
        })
        .collect();
    print_table(&["NAME", "INSTANCE", "WHEN", "KEEP", "FOLDER", "WITH LIFEBOAT CLOSED", "LAST RUN", "NEXT RUN"], &rows);
    Ok(())
}

fn remove(name: &str, json: bool) -> Result<(), Failure> {
    let (home, _) = home_with(&data_dir(), crate::history::app_data_dir().as_deref());
    let (scope, _) = home.schedule_named(name).map_err(invalid)?;
    let removed = schedule::remove(&scope.dir, name).map_err(invalid)?;
    let os_entry = if removed.unattended { Some(sync_os_entry(&home)?) } else { None };
    if json {
        return print_json(&serde_json::json!({ "removed": removed, "osEntry": os_entry }));
    }
    say!("Removed the schedule {}. The copies it made stay in {}.", removed.name, removed.folder.display());
    if let Some(i) = os_entry {
        say!("{}", i.detail);
    }
    Ok(())
}

/// The job manager for a schedule's run: its account signed in with `AURA_CLIENT_ID`/`AURA_CLIENT_SECRET` when
/// they are that account's, else with the API key in the keyring; the database login from `NEO4J_PASSWORD` when
/// set (an interactive run), else from the keyring. History goes to the account's folder.
fn manager_for(scope: &Scope, s: &Schedule) -> Result<Arc<JobManager>, String> {
    if scope.is_sandbox() {
        return Err("This schedule belongs to the practice sandbox of the Lifeboat app, which exists only while the app is open; it runs there.".into());
    }
    let store = SecretStore::os_keyring();
    let env_id = std::env::var("AURA_CLIENT_ID").ok().filter(|id| id.trim() == s.account.client_id);
    let env_secret = env_id.and_then(|_| std::env::var("AURA_CLIENT_SECRET").ok()).filter(|v| !v.is_empty());
    let secret = match env_secret {
        Some(secret) => Sensitive::new(secret),
        None => {
            let key = s.account.keyring_account.as_deref().unwrap_or_default();
            match store.api_secret(key) {
                Ok(Some(secret)) => secret,
                Ok(None) => {
                    return Err(format!(
                        "The API key of {} is not in the system keyring any more, so Lifeboat cannot sign in to Aura. Reconnect the account (or add the schedule again from the command line).",
                        s.account.label
                    ))
                }
                Err(e) => return Err(format!("The system keyring did not answer ({e}), so Lifeboat cannot sign in to Aura.")),
            }
        }
    };
    let client = client_for(s.account.endpoints.clone(), &s.account.client_id, secret).map_err(|e| e.user_message())?;
    let logins = KeyringLogins::new(store);
    if let Ok(password) = std::env::var("NEO4J_PASSWORD") {
        let user = std::env::var("NEO4J_USERNAME").unwrap_or_else(|_| "neo4j".into());
        let _ = logins.save(&s.instance_id, DbLogin { user, password: Sensitive::new(password) }, true);
    }
    let poll = std::env::var("LIFEBOAT_POLL_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis);
    let jobs = JobManager::new(
        client,
        Arc::new(logins),
        JobSettings {
            journal_dir: scope.dir.clone(),
            poll_interval: poll.unwrap_or(Duration::from_secs(10)),
            watch_limit: Duration::from_secs(8 * 3600),
        },
    );
    jobs.objectives_from(crate::snapshots::objectives_on_this_computer());
    Ok(jobs)
}

fn say_report(r: &RunReport) {
    let what = match r.outcome {
        RunOutcome::Copied => "copied",
        RunOutcome::Failed => "failed",
        RunOutcome::Skipped => "skipped",
        RunOutcome::Busy => "busy",
    };
    say!("{} ({}): {what}. {}", r.schedule, r.instance_name, r.message);
    if let Some(f) = &r.file {
        say!("  {}", f.display());
    }
}

async fn run_one(name: &str, json: bool) -> Result<(), Failure> {
    let (home, _) = home_with(&data_dir(), crate::history::app_data_dir().as_deref());
    let (scope, s) = home.schedule_named(name).map_err(invalid)?;
    let manager = manager_for(&scope, &s).map_err(|why| Failure::local("account-unavailable", why))?;
    let report = copies::run_now(&manager, &scope, &s, &Desktop).await;
    if json {
        print_json(&report)?;
    } else {
        say_report(&report);
    }
    match report.outcome {
        RunOutcome::Copied => Ok(()),
        _ => Err(Failure::local("copy-failed", report.message).json_printed(json)),
    }
}

async fn run_due(cli_data: Option<PathBuf>, app_data: Option<PathBuf>, json: bool) -> Result<(), Failure> {
    let cli_data = cli_data.unwrap_or_else(data_dir);
    let app_data = app_data.or_else(crate::history::app_data_dir);
    let (home, _) = home_with(&cli_data, app_data.as_deref());
    let now = OffsetDateTime::now_utc();
    let mut reports = Vec::new();
    for scope in home.scopes().iter().filter(|s| !s.is_sandbox()) {
        reports.extend(copies::run_due(scope, now, &Desktop, |s| manager_for(scope, s)).await);
    }
    if json {
        print_json(&reports)?;
    } else if reports.is_empty() {
        say!("No copy is due.");
    } else {
        reports.iter().for_each(say_report);
    }
    let failed: Vec<&RunReport> = reports.iter().filter(|r| r.outcome == RunOutcome::Failed).collect();
    if failed.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = failed.iter().map(|r| r.schedule.as_str()).collect();
    Err(Failure::local("copy-failed", format!("{} made no copy: {}", names.join(", "), failed[0].message))
        .json_printed(json))
}

pub(crate) async fn run(
    command: ScheduleCommand,
    endpoints: &EndpointArgs,
    account: Option<&str>,
) -> Result<(), Failure> {
    match command {
        ScheduleCommand::Add(args) => add(args, endpoints, account).await,
        ScheduleCommand::List { json } => list(json),
        ScheduleCommand::Remove { name, json } => remove(&name, json),
        ScheduleCommand::Run { name, json } => run_one(&name, json).await,
        ScheduleCommand::RunDue { data_dir, app_data_dir, json } => run_due(data_dir, app_data_dir, json).await,
    }
}
