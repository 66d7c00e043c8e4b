//! # lifeboat-cli
//!
//! The `lifeboat` command line, a product surface beside the window: the same engine, scriptable. Its shape is
//! fixed by the design (subcommands and flags may be added, never renamed).
//!
//! Exit codes (also in the README):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | Aura or the network refused or failed the operation (the reason is on stderr) |
//! | 2 | the command line itself is wrong (unknown flag, missing value) |
//! | 3 | no account is configured, or Aura refused the API key |
//! | 4 | the operation needs a confirmation that was not given |
//! | 5 | `lifeboat status`: an instance's recovery objectives are not all met |
//!
//! With `--json`, a failure also prints `{"error":{"code","message","retryable","request_id"}}` on stdout.

/// `println!` that does not panic when stdout is closed early (`lifeboat … | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod account;
mod accounts;
mod commands;
mod graph;
mod history;
mod inspect;
mod output;
mod schedule;
mod snapshots;
mod status;
mod upload;

use std::ffi::OsString;
use std::process::ExitCode;

pub use account::window_endpoints;
pub use commands::Cli;

/// True when the arguments ask for the CLI (a subcommand, `--help` or `--version`) rather than the window.
///
/// Anything else starts the app: WebKit's WebDriver launches it with flags of its own (`--automation`).
pub fn is_cli_invocation(args: &[OsString]) -> bool {
    use clap::CommandFactory;
    let command = Cli::command();
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).chain(["help"]).collect();
    args.iter()
        .skip(1)
        .any(|a| a.to_str().is_some_and(|a| names.contains(&a) || matches!(a, "-h" | "--help" | "-V" | "--version")))
}

/// Runs the CLI with these arguments (the first is the program name) and returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command().try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, and usage errors to stderr with exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let password_from_flag = upload::password_from_flag(&matches);
    output::init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lifeboat: could not start: {e}");
            return ExitCode::from(1);
        }
    };
    let json = cli.json();
    match runtime.block_on(commands::execute(cli, password_from_flag)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}
