//! `lifeboat accounts …`: the Aura accounts connected in the desktop app, which any API command can use with
//! `--account NAME`. Listing reads the profiles only; no key leaves the keyring. `accounts add --from-file` connects
//! one from the credentials file the Aura console downloads, as the window's connect dialog does.

use std::path::Path;

use lifeboat_engine::accounts::{CredentialsFile, CredentialsFileError};
use serde::Serialize;

use crate::account::{endpoints, workspace};
use crate::commands::EndpointArgs;
use crate::output::{print_json, print_table, Failure};

/// An account connected from a file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Added {
    id: String,
    label: String,
    client_id_hint: String,
    api_url: String,
    /// The credentials file (its real path).
    file: String,
    /// Whether `--delete-file` deleted it.
    file_deleted: bool,
}

impl From<CredentialsFileError> for Failure {
    fn from(e: CredentialsFileError) -> Self {
        Failure::local(e.code(), e.to_string())
    }
}

/// `lifeboat accounts add --from-file FILE`: reads the file (once, into memory), checks the key with Aura at the
/// endpoints of the flags, saves it in the keyring, then deletes the file if asked — only after all that worked.
pub(crate) async fn add_from_file(
    args: &EndpointArgs,
    file: &Path,
    name: Option<&str>,
    delete_file: bool,
    json: bool,
) -> Result<(), Failure> {
    let read = CredentialsFile::read(file)?;
    let credentials = read.credentials();
    let label = name.map(str::to_owned).or_else(|| credentials.client_name.clone()).unwrap_or_default();
    let workspace = workspace()?;
    let profile = workspace
        .connect(&label, &credentials.client_id, endpoints(args), credentials.client_secret.clone(), false)
        .await?;
    let deleted = if delete_file {
        match read.delete() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("lifeboat: {e}");
                false
            }
        }
    } else {
        false
    };
    let added = Added {
        client_id_hint: profile.client_id_hint(),
        api_url: profile.endpoints.api_url.clone(),
        file: read.path().display().to_string(),
        file_deleted: deleted,
        id: profile.id,
        label: profile.label,
    };
    if json {
        print_json(&added)?;
    } else {
        say!(
            "Connected “{}” ({}): Aura accepted the key, and it is saved in your system keyring.",
            added.label,
            added.client_id_hint
        );
        say!("Use it with: lifeboat --account \"{}\" instances list", added.label);
    }
    if deleted {
        eprintln!("lifeboat: deleted {}, which held the secret in plain text.", added.file);
    } else if !delete_file {
        // (A failed --delete-file said so above, with the same advice.)
        eprintln!(
            "lifeboat: {} still holds the client secret in plain text. Now that the key is in your keyring, delete it (or run this with --delete-file next time).",
            added.file
        );
    }
    Ok(())
}

/// One account as listed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    id: String,
    label: String,
    client_id_hint: String,
    api_url: String,
    /// The account the window showed last.
    last_used: bool,
}

/// `lifeboat accounts list`.
pub(crate) fn list(json: bool) -> Result<(), Failure> {
    let workspace = workspace()?;
    let last = workspace.last_used();
    let listed: Vec<Listed> = workspace
        .profiles()
        .into_iter()
        .map(|p| Listed {
            client_id_hint: p.client_id_hint(),
            api_url: p.endpoints.api_url.clone(),
            last_used: last.as_deref() == Some(p.id.as_str()),
            id: p.id,
            label: p.label,
        })
        .collect();
    if json {
        return print_json(&listed);
    }
    if listed.is_empty() {
        say!("No Aura account is connected in the Lifeboat window yet. Connect one there, then use it here with --account NAME.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|a| {
            vec![
                a.label.clone(),
                a.id.clone(),
                a.client_id_hint.clone(),
                a.api_url.clone(),
                if a.last_used { "yes".into() } else { String::new() },
            ]
        })
        .collect();
    print_table(&["NAME", "ID", "CLIENT ID", "API", "LAST USED"], &rows);
    say!("");
    say!("Use one with --account NAME, e.g.: lifeboat --account \"{}\" instances list", listed[0].label);
    Ok(())
}
