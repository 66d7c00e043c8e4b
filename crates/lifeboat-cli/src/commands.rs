//! The command tree and what each command does. Each command is glue: parse, call the engine, print.

use std::path::PathBuf;

use aura_emulator::{ClockSpeed, EmulatorConfig};
use clap::{Args, Parser, Subcommand};

use crate::output::{print_json, print_table, Failure};
use crate::{account, accounts, graph, history, inspect, schedule, snapshots, status, upload};

/// Lifeboat: back up and restore Neo4j Aura databases without fear.
///
/// Run without arguments to open the desktop app.
#[derive(Debug, Parser)]
#[command(name = "lifeboat", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    endpoints: EndpointArgs,
    /// Use an Aura account connected in the Lifeboat window (its name or id; see `lifeboat accounts list`).
    #[arg(long, env = "LIFEBOAT_ACCOUNT", global = true, value_name = "NAME")]
    account: Option<String>,
    /// Log what happens on stderr.
    #[arg(long, global = true)]
    pub(crate) verbose: bool,
}

/// Where the API lives: real Aura unless told otherwise (the sandbox prints its own URLs).
#[derive(Debug, Args, Clone, Default)]
pub struct EndpointArgs {
    /// Aura API base URL [default: https://api.neo4j.io/v1]
    #[arg(long, env = "LIFEBOAT_API_URL", global = true)]
    pub api_url: Option<String>,
    /// OAuth token URL [default: https://api.neo4j.io/oauth/token]
    #[arg(long, env = "LIFEBOAT_AUTH_URL", global = true)]
    pub auth_url: Option<String>,
    /// Console URL for file uploads [default: https://console.neo4j.io]
    #[arg(long, env = "LIFEBOAT_CONSOLE_URL", global = true)]
    pub console_url: Option<String>,
    /// Query API URL template with {dbid} [default: https://{dbid}.databases.neo4j.io/db/neo4j/query/v2]
    #[arg(long, env = "LIFEBOAT_QUERY_URL", global = true)]
    pub query_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local Aura emulator with practice data (on 127.0.0.1 only) until interrupted.
    Sandbox(SandboxArgs),
    /// Instances of the account.
    #[command(subcommand)]
    Instances(InstancesCommand),
    /// The Aura accounts connected in the Lifeboat window, usable here with --account NAME.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Check a backup file (.backup, .dump, .tar) before restoring it: format, completeness, size. Read-only.
    Inspect {
        /// The file, or a folder holding exactly one archive.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Snapshots: list, take, restore, or open as a new instance.
    #[command(subcommand)]
    Snapshots(SnapshotsCommand),
    /// Upload a backup file to an instance, replacing its data (the flags of `neo4j-admin database upload`).
    /// Interrupted? Run the same command again: it continues where it stopped.
    Upload(upload::UploadArgs),
    /// The operation history (this computer's, from the command line and the desktop app): list, save, report.
    #[command(subcommand)]
    History(HistoryCommand),
    /// The live graph as a portable file: export every node and relationship through the Query API, or import
    /// such a file into an instance (a logical copy, not a binary snapshot). Needs NEO4J_USERNAME/NEO4J_PASSWORD.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Recovery objectives of an instance: how much recent data it may lose (RPO), how long a restore may take
    /// (RTO), and how often to test a restore. Kept on this computer and shared with the desktop app.
    #[command(subcommand)]
    Objectives(ObjectivesCommand),
    /// Whether each instance could be recovered within its objectives, in words, like a health check for cron or
    /// monitoring: exit 0 when every objective is met, 5 when any is not.
    Status {
        /// Only this instance.
        #[arg(long)]
        instance: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Test a restore without touching the instance: a temporary instance is made from a snapshot (the newest
    /// exportable one unless --snapshot), timed until it runs and its data counted. The measured time to restore
    /// goes into the history and `lifeboat status`. The test instance is deleted afterwards unless --keep.
    Drill {
        /// Instance id.
        #[arg(long)]
        instance: String,
        /// The snapshot to test (must be exportable).
        #[arg(long)]
        snapshot: Option<String>,
        /// Keep the test instance (it is billed until deleted).
        #[arg(long)]
        keep: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Copies of an instance's data to your own storage on a schedule (daily or weekly), verified and pruned, made
    /// by the operating system's scheduler with Lifeboat closed.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
}

#[derive(Debug, Subcommand)]
enum ObjectivesCommand {
    /// Set an instance's objectives; those not named stay as they are (`none` removes one).
    Set {
        /// Instance id.
        #[arg(long)]
        instance: String,
        /// Recovery point objective: the most recent data you can afford to lose (1h, 30m, 1d…).
        #[arg(long)]
        rpo: Option<String>,
        /// Recovery time objective: the longest a restore may take (30m, 2h…).
        #[arg(long)]
        rto: Option<String>,
        /// How often to test a restore (90d by default: quarterly).
        #[arg(long)]
        drill_every: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum GraphCommand {
    /// Export every node and relationship of an instance to a file (zstd-compressed JSON Lines, checked against
    /// count() before it is saved; never a half-written file under that name).
    Export {
        /// Instance id.
        instance: String,
        /// Where to save it (by convention `NAME.graph.jsonl.zst`).
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        overwrite: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace all data in an instance with the nodes and relationships of an export file (checked whole first).
    Import {
        /// Instance id.
        instance: String,
        /// The export file.
        #[arg(long)]
        from: PathBuf,
        /// Must be exactly RESTORE (without it, an interactive terminal is asked).
        #[arg(long)]
        confirm: Option<String>,
        /// Skip the safety snapshot taken first by default.
        #[arg(long)]
        no_safety_snapshot: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// List recorded operations, oldest first, or save them as Markdown or CSV.
    List {
        /// Only this kind: snapshot, restore, clone, upload, drill, …
        #[arg(long)]
        kind: Option<String>,
        /// Only this instance id.
        #[arg(long)]
        instance: Option<String>,
        /// Only succeeded or failed ones.
        #[arg(long)]
        outcome: Option<String>,
        /// Only those started on or after this day (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: Option<String>,
        /// How to print them.
        #[arg(long, value_enum, default_value = "table")]
        format: history::Format,
        /// Write to this file instead of stdout (atomically: never a half-written file).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The report of one operation (what, when, why, data lost, time taken, verification) and the messages to
    /// send to colleagues before and after a restore.
    Report {
        /// The operation's job id (see `lifeboat history list`).
        job: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Write to this file instead of stdout (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum SnapshotsCommand {
    /// List the snapshots within the tier's retention window, newest first, with what restoring each loses.
    List {
        /// Instance id.
        #[arg(long)]
        instance: String,
        /// Only the last N days.
        #[arg(long)]
        days: Option<u32>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Take an on-demand snapshot.
    Create {
        /// Instance id.
        #[arg(long)]
        instance: String,
        /// Watch it until it completes.
        #[arg(long)]
        wait: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot over its instance (overwrites all data in it).
    Restore {
        /// Instance id.
        #[arg(long)]
        instance: String,
        /// Snapshot id.
        #[arg(long)]
        snapshot: String,
        /// Must be exactly RESTORE (without it, an interactive terminal is asked).
        #[arg(long)]
        confirm: Option<String>,
        /// Skip the safety snapshot taken first by default.
        #[arg(long)]
        no_safety_snapshot: bool,
        /// Watch until the instance runs again and show the counts.
        #[arg(long)]
        wait: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a new instance from an exportable snapshot (the safe way to look at old data).
    Clone {
        /// Source instance id.
        #[arg(long)]
        instance: String,
        /// Snapshot id (must be exportable).
        #[arg(long)]
        snapshot: String,
        /// Name of the new instance.
        #[arg(long)]
        name: String,
        /// Watch until it runs.
        #[arg(long)]
        wait: bool,
        /// Print the job as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Keep the sandbox's state here, so it survives a restart (default: a temporary folder).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// How fast operations complete: `real` durations, or `fast` for tests.
    #[arg(long, default_value = "real", value_parser = parse_clock)]
    clock: ClockSpeed,
    /// Print one JSON object with the URLs and practice credentials as the first stdout line.
    #[arg(long)]
    json: bool,
}

fn parse_clock(s: &str) -> Result<ClockSpeed, String> {
    s.parse().map_err(|_| format!("“{s}” is not a clock: use real or fast"))
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// List them (names, ids, where their API is). No key leaves the keyring.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Connect an account from the credentials file the Aura console downloads with a new API key: the key is
    /// checked with Aura, then kept in the system keyring (the same accounts as the window's).
    Add {
        /// The downloaded file (CLIENT_ID=, CLIENT_SECRET=, CLIENT_NAME= lines). It is read, never copied.
        #[arg(long, value_name = "FILE")]
        from_file: PathBuf,
        /// A name for the account; else the key's name in the file.
        #[arg(long)]
        name: Option<String>,
        /// Delete the file once the key is checked and saved (it holds the secret in plain text).
        #[arg(long)]
        delete_file: bool,
        /// Print JSON instead of sentences.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum InstancesCommand {
    /// List every instance with its live status.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    /// Whether output should be JSON (errors then also go to stdout as JSON).
    pub fn json(&self) -> bool {
        match &self.command {
            Command::Sandbox(a) => a.json,
            Command::Instances(InstancesCommand::List { json }) => *json,
            Command::Accounts(AccountsCommand::List { json } | AccountsCommand::Add { json, .. }) => *json,
            Command::Inspect { json, .. } => *json,
            Command::Upload(a) => a.json(),
            Command::History(HistoryCommand::List { format, .. }) => *format == history::Format::Json,
            Command::History(HistoryCommand::Report { json, .. }) => *json,
            Command::Graph(GraphCommand::Export { json, .. } | GraphCommand::Import { json, .. }) => *json,
            Command::Objectives(ObjectivesCommand::Set { json, .. }) => *json,
            Command::Status { json, .. } => *json,
            Command::Drill { json, .. } => *json,
            Command::Schedule(c) => c.json(),
            Command::Snapshots(
                SnapshotsCommand::List { json, .. }
                | SnapshotsCommand::Create { json, .. }
                | SnapshotsCommand::Restore { json, .. }
                | SnapshotsCommand::Clone { json, .. },
            ) => *json,
        }
    }
}

pub(crate) async fn execute(cli: Cli, password_from_flag: bool) -> Result<(), Failure> {
    match cli.command {
        Command::Upload(args) => upload::run(args, cli.endpoints.console_url.clone(), password_from_flag).await,
        Command::Sandbox(args) => sandbox(args).await,
        Command::Instances(InstancesCommand::List { json }) => {
            instances_list(&cli.endpoints, cli.account.as_deref(), json).await
        }
        Command::Accounts(AccountsCommand::List { json }) => accounts::list(json),
        Command::Accounts(AccountsCommand::Add { from_file, name, delete_file, json }) => {
            accounts::add_from_file(&cli.endpoints, &from_file, name.as_deref(), delete_file, json).await
        }
        Command::Inspect { file, json } => inspect::run(file, json).await,
        Command::History(HistoryCommand::List { kind, instance, outcome, since, format, out }) => {
            history::list(kind.as_deref(), instance, outcome.as_deref(), since.as_deref(), format, out.as_deref())
        }
        Command::History(HistoryCommand::Report { job, json, out }) => history::report(&job, json, out.as_deref()),
        Command::Objectives(ObjectivesCommand::Set { instance, rpo, rto, drill_every, json }) => {
            let client = account::client(&cli.endpoints, cli.account.as_deref())?;
            status::set_objectives(&client, &instance, [rpo, rto, drill_every], json).await
        }
        Command::Status { instance, json } => {
            let client = account::client(&cli.endpoints, cli.account.as_deref())?;
            status::status(&client, instance.as_deref(), json).await
        }
        Command::Schedule(command) => schedule::run(command, &cli.endpoints, cli.account.as_deref()).await,
        Command::Drill { instance, snapshot, keep, json } => {
            let client = account::client(&cli.endpoints, cli.account.as_deref())?;
            snapshots::drill(client, &instance, snapshot.as_deref(), keep, json).await
        }
        Command::Graph(command) => {
            let client = account::client(&cli.endpoints, cli.account.as_deref())?;
            match command {
                GraphCommand::Export { instance, out, overwrite, json } => {
                    graph::export(client, &instance, &out, overwrite, json).await
                }
                GraphCommand::Import { instance, from, confirm, no_safety_snapshot, json } => {
                    graph::import(client, &instance, &from, confirm.as_deref(), !no_safety_snapshot, json).await
                }
            }
        }
        Command::Snapshots(command) => {
            let client = account::client(&cli.endpoints, cli.account.as_deref())?;
            match command {
                SnapshotsCommand::List { instance, days, json } => {
                    snapshots::list(&client, &instance, days, json).await
                }
                SnapshotsCommand::Create { instance, wait, json } => {
                    snapshots::create(client, &instance, wait, json).await
                }
                SnapshotsCommand::Restore { instance, snapshot, confirm, no_safety_snapshot, wait, json } => {
                    snapshots::restore(
                        client,
                        &instance,
                        &snapshot,
                        confirm.as_deref(),
                        !no_safety_snapshot,
                        wait,
                        json,
                    )
                    .await
                }
                SnapshotsCommand::Clone { instance, snapshot, name, wait, json } => {
                    snapshots::clone(client, &instance, &snapshot, &name, wait, json).await
                }
            }
        }
    }
}

async fn sandbox(args: SandboxArgs) -> Result<(), Failure> {
    let config = EmulatorConfig { port: args.port, data_dir: args.data_dir, clock: args.clock, ..Default::default() };
    let emulator = aura_emulator::start(config)
        .await
        .map_err(|e| Failure::local("sandbox", format!("The sandbox could not start: {e}")))?;
    let info = emulator.info().clone();
    if args.json {
        print_json(&info)?;
    } else {
        say!("Lifeboat sandbox: a practice Aura account with demo data, on this computer only.");
        say!("  API        {}", info.api_url);
        say!("  Sign-in    {}", info.auth_url);
        say!("  Console    {}", info.console_url);
        say!("  Query API  {}", info.query_url);
        say!("");
        say!("Use it from another terminal:");
        say!("  export AURA_CLIENT_ID={} AURA_CLIENT_SECRET={}", info.client_id, info.client_secret);
        say!("  export LIFEBOAT_API_URL={} LIFEBOAT_AUTH_URL={}", info.api_url, info.auth_url);
        say!("  lifeboat instances list");
        say!("");
        say!("Press Ctrl+C to stop.");
    }
    wait_for_shutdown_signal().await;
    emulator.shutdown().await;
    Ok(())
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn instances_list(endpoints: &EndpointArgs, account: Option<&str>, json: bool) -> Result<(), Failure> {
    let client = account::client(endpoints, account)?;
    let instances = lifeboat_engine::list_instance_views(&client).await?;
    if json {
        return print_json(&instances);
    }
    if instances.is_empty() {
        say!("No instances in this account yet.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = instances
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                i.id.clone(),
                i.tier_label.clone(),
                i.version.clone().map(|v| format!("Neo4j {v}")).unwrap_or_else(|| "-".into()),
                i.status_label.clone(),
            ]
        })
        .collect();
    print_table(&["NAME", "ID", "TIER", "VERSION", "STATUS"], &rows);
    Ok(())
}
