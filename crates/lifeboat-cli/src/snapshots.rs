//! `lifeboat snapshots …`: the snapshot browser, on-demand snapshots, restore and new instance from a snapshot,
//! driven by the same engine jobs as the window (restore goes through the same one-time confirmation token).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lifeboat_engine::jobs::{JobSettings, Outcome, StepId, StepState};
use lifeboat_engine::snapshots::{data_loss, data_loss_sentence, human_duration};
use lifeboat_engine::{AuraClient, DbLogin, JobManager, JobState, LoginStore, MemoryLogins, Sensitive, SnapshotCache};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::output::{print_json, print_table, Failure};

/// The journal directory of CLI jobs.
fn journal_dir() -> PathBuf {
    crate::account::data_dir().join("jobs")
}

/// A job manager for one CLI run. `NEO4J_USERNAME`/`NEO4J_PASSWORD` (as `neo4j-admin` reads them) give the
/// instance's database login for the before/after counts.
pub(crate) fn manager(client: AuraClient, instance_id: &str) -> Arc<JobManager> {
    let logins = Arc::new(MemoryLogins::default());
    if let Ok(password) = std::env::var("NEO4J_PASSWORD") {
        let user = std::env::var("NEO4J_USERNAME").unwrap_or_else(|_| "neo4j".into());
        let _ = logins.remember(instance_id, DbLogin { user, password: Sensitive::new(password) });
    }
    let mut settings = JobSettings::new(journal_dir());
    // Tests against the sandbox poll faster.
    if let Some(ms) = std::env::var("LIFEBOAT_POLL_MS").ok().and_then(|v| v.parse().ok()) {
        settings = settings.polling_every(Duration::from_millis(ms));
    }
    let jobs = JobManager::new(client, logins, settings);
    jobs.objectives_from(objectives_on_this_computer());
    jobs
}

/// The objectives a finished restore or test is recorded with: wherever on this computer they are kept.
pub(crate) fn objectives_on_this_computer() -> lifeboat_engine::jobs::ObjectivesLookup {
    Arc::new(|instance_id: &str| crate::status::home().0.objectives_of(instance_id).map(|(_, o)| o))
}

/// `lifeboat drill`: a restore test from the newest exportable snapshot (or the one named), followed to the end;
/// the temporary instance is deleted afterwards unless `keep`.
pub(crate) async fn drill(
    client: AuraClient,
    instance: &str,
    snapshot: Option<&str>,
    keep: bool,
    json: bool,
) -> Result<(), Failure> {
    let jobs = manager(client.clone(), instance);
    let snapshot = match snapshot {
        Some(s) => s.to_owned(),
        None => {
            let view: lifeboat_engine::InstanceView = client.get_instance(instance).await?.into();
            let recent = SnapshotCache::new().recent(&client, &view.id, &view.tier, view.created_at).await?;
            recent.newest_exportable.map(|s| s.id).ok_or_else(|| {
                Failure::local(
                    "no-exportable-snapshot",
                    format!("{} has no snapshot a restore can be tested with (it must be exportable). Take one with: lifeboat snapshots create --instance {instance} --wait", view.name),
                )
            })?
        }
    };
    let rx = jobs.start_drill(instance, &snapshot).await.map_err(start_failure)?;
    let state = follow(rx, true, json).await;
    let mut deleted = None;
    if !keep && state.result.new_instance_id.is_some() {
        match jobs.delete_drill_instance(&state.id).await {
            Ok(d) => deleted = Some(d),
            Err(e) => eprintln!("lifeboat: the test instance was not deleted ({e}). Delete it in the Aura console: it is billed until then."),
        }
    }
    if !json {
        if let (Some(secs), Some(lifeboat_engine::jobs::Outcome::Succeeded)) =
            (state.result.duration_secs, state.outcome)
        {
            say!(
                "A restore of {} from this snapshot takes about {}.",
                state.instance_name,
                lifeboat_engine::words::elapsed(secs)
            );
        }
        match (&deleted, &state.result.new_instance_id) {
            (Some(d), _) => say!("The test instance {} is being deleted.", d.instance_id),
            (None, Some(id)) if keep => {
                say!("The test instance {id} is kept: delete it when you are done (it is billed until then).")
            }
            _ => {}
        }
    }
    finish(state, json)
}

pub(crate) async fn list(client: &AuraClient, instance: &str, days: Option<u32>, json: bool) -> Result<(), Failure> {
    let mut timeline = SnapshotCache::new().timeline(client, instance, false).await?;
    timeline.mark_safety_snapshots(&manager(client.clone(), instance).safety_snapshot_ids(instance));
    let now = OffsetDateTime::now_utc();
    if let Some(days) = days {
        let oldest = now - time::Duration::days(i64::from(days));
        timeline.snapshots.retain(|s| s.timestamp >= oldest);
    }
    if json {
        return print_json(&timeline);
    }
    say!("{} — {}", timeline.tier_label, timeline.schedule_summary);
    if timeline.snapshots.is_empty() {
        say!("No snapshots yet. Take one with: lifeboat snapshots create --instance {instance} --wait");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = timeline
        .snapshots
        .iter()
        .map(|s| {
            let t = s.timestamp;
            vec![
                lifeboat_engine::words::utc_minute(t),
                s.purpose.clone().unwrap_or_else(|| s.profile_label.clone()),
                s.status_label.clone(),
                if s.exportable { "yes".into() } else { "no".into() },
                human_duration(data_loss(now, s.timestamp)),
                s.id.clone(),
            ]
        })
        .collect();
    print_table(&["TIME (UTC)", "TYPE", "STATUS", "EXPORTABLE", "RESTORING LOSES", "ID"], &rows);
    Ok(())
}

pub(crate) async fn create(client: AuraClient, instance: &str, wait: bool, json: bool) -> Result<(), Failure> {
    let jobs = manager(client, instance);
    let rx = jobs.start_snapshot(instance).await.map_err(start_failure)?;
    let state = follow(rx, wait, json).await;
    finish(state, json)
}

pub(crate) async fn restore(
    client: AuraClient,
    instance: &str,
    snapshot: &str,
    confirm: Option<&str>,
    safety_snapshot: bool,
    wait: bool,
    json: bool,
) -> Result<(), Failure> {
    let jobs = manager(client, instance);
    let plan = jobs.plan_restore(instance, snapshot).await.map_err(start_failure)?;
    let sentence = data_loss_sentence(OffsetDateTime::now_utc(), plan.snapshot_time);
    match confirm {
        Some("RESTORE") => {}
        Some(other) => {
            return Err(Failure::needs_confirmation(&format!(
                "--confirm must be exactly RESTORE (got “{other}”). Nothing was changed."
            )))
        }
        None if std::io::stdin().is_terminal() && !json => {
            eprintln!("This overwrites all data in “{}”. {sentence}", plan.instance_name);
            eprintln!("The instance is unavailable during the restore, and this cannot be undone.");
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
            "Restoring overwrites all data in “{}”. {sentence} Add --confirm RESTORE to go ahead. Nothing was changed.",
            plan.instance_name
        )))
        }
    }
    if !json {
        eprintln!("{sentence}");
    }
    let rx = jobs.start_restore(&plan.token, safety_snapshot, None).await.map_err(start_failure)?;
    finish(follow(rx, wait, json).await, json)
}

pub(crate) async fn clone(
    client: AuraClient,
    instance: &str,
    snapshot: &str,
    name: &str,
    wait: bool,
    json: bool,
) -> Result<(), Failure> {
    let jobs = manager(client, instance);
    let options = jobs.clone_options(instance).await.map_err(start_failure)?;
    let rx = jobs
        .start_clone(instance, snapshot, name, &options.default_tier, &options.default_memory)
        .await
        .map_err(start_failure)?;
    let job_id = rx.borrow().id.clone();
    let state = follow(rx, wait, json).await;
    if let Ok(login) = jobs.reveal_clone_login(&job_id) {
        // Aura shows a new instance's password once; so does Lifeboat — on the terminal, never in --json output.
        eprintln!("Database user: {}  password (shown once, keep it safe): {}", login.user, login.password.expose());
    }
    finish(state, json)
}

/// Follows a job: to the end with `wait`, else until Aura accepted the request. Prints steps on stderr.
pub(crate) async fn follow(mut rx: watch::Receiver<JobState>, wait: bool, json: bool) -> JobState {
    let mut printed: Vec<(StepId, StepState)> = Vec::new();
    let mut waiting: Option<String> = None;
    loop {
        let state = rx.borrow_and_update().clone();
        if !json {
            // "Checking with Aura…" after a lost answer, once each time it starts.
            let now_waiting = state.waiting.as_ref().map(|w| w.message.clone());
            if now_waiting.is_some() && now_waiting != waiting {
                eprintln!("  {}", now_waiting.as_deref().unwrap_or_default());
            }
            waiting = now_waiting;
            for step in &state.steps {
                let now = (step.id, step.state);
                if step.state != StepState::Pending && !printed.contains(&now) {
                    let mark = match step.state {
                        StepState::Active => "…",
                        StepState::Done => "✓",
                        StepState::Failed => "✗",
                        StepState::Skipped => "–",
                        StepState::Pending => " ",
                    };
                    let detail = step.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
                    eprintln!("{mark} {}{detail}", step.label);
                    printed.push(now);
                }
            }
        }
        let accepted = state.step(StepId::Request).is_some_and(|s| s.state == StepState::Done);
        if state.outcome.is_some() || (!wait && accepted) {
            return state;
        }
        if rx.changed().await.is_err() {
            return state;
        }
    }
}

fn finish(state: JobState, json: bool) -> Result<(), Failure> {
    if json {
        print_json(&state)?;
    } else if state.outcome.is_none() {
        say!("{} — started; Aura continues on its own. Add --wait to watch it.", state.title);
    }
    match (state.outcome, state.error) {
        (Some(Outcome::Failed), Some(e)) => Err(Failure::job(e.code, e.message, e.retryable, json)),
        _ => {
            if !json && state.outcome == Some(Outcome::Succeeded) {
                say!("Done: {}", state.title);
                let r = &state.result;
                if let (Some(b), Some(a)) = (r.counts_before, r.counts_after) {
                    say!("Nodes: {} → {}   Relationships: {} → {}", b.nodes, a.nodes, b.relationships, a.relationships);
                } else if r.counts_after_unknown || (r.counts_before_unknown && r.counts_after.is_some()) {
                    // The sandbox, for data it loaded from a file it can't read: say so rather than show a number.
                    let side = |c: Option<lifeboat_engine::GraphCounts>,
                                unknown: bool,
                                pick: fn(&lifeboat_engine::GraphCounts) -> u64| {
                        match c {
                            Some(c) => pick(&c).to_string(),
                            None if unknown => "not known".to_string(),
                            None => "not counted".to_string(),
                        }
                    };
                    say!(
                        "Nodes: {} → {}   Relationships: {} → {}",
                        side(r.counts_before, r.counts_before_unknown, |c| c.nodes),
                        side(r.counts_after, r.counts_after_unknown, |c| c.nodes),
                        side(r.counts_before, r.counts_before_unknown, |c| c.relationships),
                        side(r.counts_after, r.counts_after_unknown, |c| c.relationships)
                    );
                }
            }
            Ok(())
        }
    }
}

pub(crate) fn start_failure(e: lifeboat_engine::jobs::StartError) -> Failure {
    match e {
        lifeboat_engine::jobs::StartError::Api(api) => api.into(),
        other => Failure::local(other.code(), other.to_string()),
    }
}
