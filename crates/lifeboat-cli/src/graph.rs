//! `lifeboat graph …`: the logical export of an instance's live graph to a file, and the import of such a file,
//! driven by the same engine jobs as the window (the import through the same one-time confirmation token as a
//! restore). `NEO4J_USERNAME`/`NEO4J_PASSWORD` give the database login both need.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use lifeboat_engine::jobs::{JobKind, Outcome};
use lifeboat_engine::{AuraClient, JobState};

use crate::output::{print_json, Failure};
use crate::snapshots::{follow, manager, start_failure};

fn login_missing() -> Failure {
    Failure::local(
        "no-db-login",
        "Lifeboat reads and writes the data with the instance's database login: set NEO4J_USERNAME (default neo4j) and NEO4J_PASSWORD. Nothing was changed.",
    )
}

/// The path as given, made absolute so the history records where the file is.
fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(|e| Failure::local("invalid-input", format!("{}: {e}", path.display())))
}

pub(crate) async fn export(
    client: AuraClient,
    instance: &str,
    out: &Path,
    overwrite: bool,
    json: bool,
) -> Result<(), Failure> {
    let out = absolute(out)?;
    if out.exists() && !overwrite {
        return Err(Failure::needs_confirmation(&format!(
            "{} exists already. Add --overwrite to replace it, or choose another name. Nothing was changed.",
            out.display()
        )));
    }
    let jobs = manager(client, instance);
    if jobs.login(instance).is_none() {
        return Err(login_missing());
    }
    let rx = jobs.start_graph_export(instance, out).await.map_err(start_failure)?;
    finish(follow(rx, true, json).await, json)
}

pub(crate) async fn import(
    client: AuraClient,
    instance: &str,
    from: &Path,
    confirm: Option<&str>,
    safety_snapshot: bool,
    json: bool,
) -> Result<(), Failure> {
    let from = absolute(from)?;
    let jobs = manager(client, instance);
    if jobs.login(instance).is_none() {
        return Err(login_missing());
    }
    let plan = jobs.plan_graph_import(instance, &from).await.map_err(start_failure)?;
    let what = format!(
        "Importing replaces every node and relationship in “{}” with those of {} (exported from {} on {}).",
        plan.instance_name,
        plan.file_name,
        plan.source_instance_name,
        plan.exported_at.date()
    );
    match confirm {
        Some("RESTORE") => {}
        Some(other) => {
            return Err(Failure::needs_confirmation(&format!(
                "--confirm must be exactly RESTORE (got “{other}”). Nothing was changed."
            )))
        }
        None if std::io::stdin().is_terminal() && !json => {
            eprintln!("{what}");
            eprintln!(
                "This is a logical copy of nodes and relationships, not a binary snapshot, and it cannot be undone."
            );
            eprint!("Type RESTORE to continue: ");
            let _ = std::io::stderr().flush();
            let mut typed = String::new();
            let _ = std::io::stdin().lock().read_line(&mut typed);
            if typed.trim() != "RESTORE" {
                return Err(Failure::needs_confirmation("Not confirmed. Nothing was changed."));
            }
        }
        None => {
            return Err(Failure::needs_confirmation(&format!(
                "{what} Add --confirm RESTORE to go ahead. Nothing was changed."
            )))
        }
    }
    let rx = jobs.start_graph_import(&plan.token, safety_snapshot, None).await.map_err(start_failure)?;
    finish(follow(rx, true, json).await, json)
}

fn finish(state: JobState, json: bool) -> Result<(), Failure> {
    if json {
        print_json(&state)?;
    }
    match (state.outcome, &state.error) {
        (Some(Outcome::Failed), Some(e)) => Err(Failure::job(e.code.clone(), e.message.clone(), e.retryable, json)),
        _ => {
            if !json {
                say!("Done: {}", state.title);
                let counts = match state.kind {
                    JobKind::GraphExport => state.result.file_counts,
                    _ => state.result.counts_after,
                };
                if let Some(c) = counts {
                    say!("Nodes: {}   Relationships: {}", c.nodes, c.relationships);
                } else if state.kind != JobKind::GraphExport && state.result.counts_after_unknown {
                    say!("Nodes: not known   Relationships: not known");
                }
                if let (JobKind::GraphExport, Some(path)) = (state.kind, &state.file) {
                    say!(
                        "File: {} ({} bytes, digest {})",
                        path.display(),
                        state.result.file_bytes.unwrap_or_default(),
                        state.result.file_digest.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(())
        }
    }
}
