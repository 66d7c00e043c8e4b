//! `lifeboat accounts …`: the Aura accounts connected in the desktop app, which any API command can use with
//! `--account NAME`. Listing reads the profiles only; no key leaves the keyring.

use serde::Serialize;

use crate::account::workspace;
use crate::output::{print_json, print_table, Failure};

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
