//! Which account, endpoints and folders a CLI command uses.
//!
//! - `--account NAME` (or `LIFEBOAT_ACCOUNT`): an account connected in the desktop app, by label or id. The engine's
//!   [`Workspace`] finds its profile in the app's folders and its key in the OS keyring; the command talks to the
//!   endpoints saved with it (a key goes only where it was checked), so endpoint flags are ignored, with a warning.
//! - Otherwise `AURA_CLIENT_ID` / `AURA_CLIENT_SECRET`, at the endpoints of the flags or `LIFEBOAT_*_URL`, else the
//!   real Aura hosts.
//!
//! The endpoint flags are parsed by the same clap arguments for the window's start-up ([`window_endpoints`]), so
//! `lifeboat --api-url URL` opens a window whose "Connect an Aura account" talks to that URL.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use lifeboat_engine::accounts::{client_for, DataLayout, Workspace};
use lifeboat_engine::{AuraClient, EndpointOverrides, Endpoints, Sensitive};

use crate::commands::EndpointArgs;
use crate::output::Failure;

impl EndpointArgs {
    /// The endpoints named by flags or environment (clap reads `LIFEBOAT_*_URL`).
    pub fn overrides(&self) -> EndpointOverrides {
        EndpointOverrides {
            api_url: self.api_url.clone(),
            auth_url: self.auth_url.clone(),
            console_url: self.console_url.clone(),
            query_url: self.query_url.clone(),
        }
    }
}

/// The endpoints given by flags or environment, defaulting to real Aura.
pub fn endpoints(args: &EndpointArgs) -> Endpoints {
    args.overrides().resolve()
}

/// The endpoint flags of a window start (`lifeboat --api-url URL …`, no subcommand), read by the CLI's own clap
/// arguments (so the flags, their `LIFEBOAT_*_URL` variables and their spelling are the CLI's). Anything else on
/// that command line — WebDriver's `--automation`, a file to open — is left for others: each argument clap does not
/// know is set aside and the rest parsed again.
pub fn window_endpoints<I, T>(args: I) -> Endpoints
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    #[derive(Parser)]
    #[command(name = "lifeboat", disable_help_flag = true, disable_version_flag = true)]
    struct WindowArgs {
        #[command(flatten)]
        endpoints: EndpointArgs,
    }
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Each round removes one argument, so this ends.
    for _ in 0..=args.len() {
        match WindowArgs::try_parse_from(&args) {
            Ok(parsed) => return endpoints(&parsed.endpoints),
            Err(e) => {
                let unknown = match e.get(clap::error::ContextKind::InvalidArg) {
                    Some(clap::error::ContextValue::String(arg)) => arg.clone(),
                    _ => break,
                };
                let Some(at) = args
                    .iter()
                    .skip(1)
                    .position(|a| a.to_str().is_some_and(|a| a == unknown || a.starts_with(&format!("{unknown}="))))
                else {
                    break;
                };
                args.remove(at + 1);
            }
        }
    }
    endpoints(&WindowArgs::try_parse_from(["lifeboat"]).map(|w| w.endpoints).unwrap_or_default())
}

/// The desktop app's folders on this computer.
pub fn app_layout() -> Result<DataLayout, Failure> {
    DataLayout::for_app().ok_or_else(|| {
        Failure::local("no-home", "Lifeboat cannot tell where this computer keeps app data (no home folder is set).")
    })
}

/// The desktop app's accounts: their profiles, with their keys in the OS keyring.
pub fn workspace() -> Result<Workspace, Failure> {
    Ok(Workspace::with_os_keyring(app_layout()?))
}

/// The command line's own data folder: `$LIFEBOAT_DATA_DIR`, else `cli/` in the app's data folder.
pub(crate) fn data_dir() -> PathBuf {
    match std::env::var_os("LIFEBOAT_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => DataLayout::for_app().map(|l| l.cli_dir()).unwrap_or_else(|| PathBuf::from(".lifeboat")),
    }
}

/// Builds the API client: the window's account named by `--account`, else `AURA_CLIENT_ID` / `AURA_CLIENT_SECRET`
/// and the endpoint flags.
pub fn client(args: &EndpointArgs, account: Option<&str>) -> Result<AuraClient, Failure> {
    if let Some(name) = account.filter(|a| !a.trim().is_empty()) {
        let workspace = workspace()?;
        let profile = workspace.find(name)?;
        let named = args.overrides();
        if !named.is_empty() && named.over(profile.endpoints.clone()) != profile.endpoints {
            eprintln!(
                "lifeboat: “{}” talks to the endpoints it was connected with; the endpoint flags (or LIFEBOAT_*_URL) are ignored.",
                profile.label
            );
        }
        return Ok(workspace.client(&profile.id)?);
    }
    let id = std::env::var("AURA_CLIENT_ID").ok().filter(|s| !s.is_empty());
    let secret = std::env::var("AURA_CLIENT_SECRET").ok().filter(|s| !s.is_empty());
    let (Some(client_id), Some(secret)) = (id, secret) else {
        return Err(Failure::not_configured(
            "No Aura account is configured. Use an account connected in the Lifeboat window with --account NAME (see: lifeboat accounts list), or set AURA_CLIENT_ID and AURA_CLIENT_SECRET (an API key from the Aura console), or try `lifeboat sandbox` for practice data.",
        ));
    };
    Ok(client_for(endpoints(args), &client_id, Sensitive::new(secret))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_reads_the_endpoint_flags_and_leaves_the_rest_alone() {
        let e = window_endpoints([
            "lifeboat",
            "--automation",
            "--api-url",
            "http://127.0.0.1:9/v1",
            "/home/ada/Production.backup",
            "--console-url=http://127.0.0.1:9/console",
            "--unknown-flag",
        ]);
        assert_eq!(e.api_url, "http://127.0.0.1:9/v1");
        assert_eq!(e.console_url, "http://127.0.0.1:9/console");
        assert_eq!(e.query_url, Endpoints::default().query_url);
    }

    #[test]
    fn a_window_started_without_flags_talks_to_real_aura() {
        let e = window_endpoints(["lifeboat"]);
        if std::env::var_os("LIFEBOAT_AUTH_URL").is_none() {
            assert_eq!(e.auth_url, Endpoints::default().auth_url);
        }
    }
}
