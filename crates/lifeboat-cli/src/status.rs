//! `lifeboat objectives set` and `lifeboat status`: the recovery objectives and the readiness view of the window,
//! for servers and monitoring. The words, levels and fixes come from the engine ([`lifeboat_engine::strategy`]);
//! this only prints them. `status` exits 5 when any objective is not met, so it works as a health check.

use lifeboat_engine::strategy::readiness::{self, Readiness};
use lifeboat_engine::strategy::{objectives, Home, ObjectivesChange, Scope, CLI};
use lifeboat_engine::{AuraClient, InstanceView, SnapshotCache};
use serde::Serialize;
use time::OffsetDateTime;

use crate::account::data_dir;
use crate::output::{print_json, Failure};

/// This computer's account folders, as the command line sees them: the desktop app's (unless `LIFEBOAT_DATA_DIR`
/// points elsewhere) and its own.
pub(crate) fn home() -> (Home, Scope) {
    let cli = Scope { id: CLI.into(), dir: data_dir().join("jobs") };
    let app = crate::history::app_data_dir();
    (Home::discover(app.as_deref(), None).with(cli.clone()), cli)
}

fn objectives_failure(e: objectives::ObjectivesError) -> Failure {
    let usage = e.code() == "invalid-input";
    let f = Failure::local(e.code(), e.to_string());
    if usage {
        f.usage()
    } else {
        f
    }
}

/// `lifeboat objectives set`.
pub(crate) async fn set_objectives(
    client: &AuraClient,
    instance_id: &str,
    [rpo, rto, drill_every]: [Option<String>; 3],
    json: bool,
) -> Result<(), Failure> {
    let parse = |text: Option<String>, what| text.map(|t| objectives::parse_setting(&t, what)).transpose();
    let change = ObjectivesChange {
        rpo: parse(rpo, "RPO").map_err(objectives_failure)?.unwrap_or_default(),
        rto: parse(rto, "RTO").map_err(objectives_failure)?.unwrap_or_default(),
        drill_every: parse(drill_every, "restore-test interval").map_err(objectives_failure)?.unwrap_or_default(),
    };
    if change == ObjectivesChange::default() {
        return Err(objectives_failure(objectives::ObjectivesError::Nothing));
    }
    let instance = client.get_instance(instance_id).await?;
    let (home, cli) = home();
    let saved = home
        .set_objectives(&cli, &instance.id, &instance.name, &change, OffsetDateTime::now_utc())
        .map_err(objectives_failure)?;
    if json {
        return print_json(&saved);
    }
    say!("Objectives for {}: {}.", instance.name, saved.objectives.describe());
    if let Some(p) = &saved.previous {
        say!("Before: {}.", p.describe());
    }
    say!("See whether they are met: lifeboat status --instance {}", instance.id);
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusDocument<'a> {
    all_met: bool,
    instances: &'a [Readiness],
}

fn print_readiness(r: &Readiness) {
    say!("{} ({}) — {}", r.instance_name, r.tier_label, r.level_label);
    say!("  {}", r.summary);
    if let Some(o) = &r.objectives {
        say!("  Objectives: {}", o.describe());
    }
    for c in &r.checks {
        say!("  {} {}: {} — {}", c.level.mark(), c.title, c.value, c.detail);
        if let Some(fix) = c.fix {
            say!("      Fix: {}", fix.command(&r.instance_id));
        }
    }
}

/// `lifeboat status`.
pub(crate) async fn status(client: &AuraClient, only: Option<&str>, json: bool) -> Result<(), Failure> {
    let instances: Vec<InstanceView> = match only {
        Some(id) => vec![client.get_instance(id).await?.into()],
        None => lifeboat_engine::list_instance_views(client).await?,
    };
    let (home, _) = home();
    let cache = SnapshotCache::new();
    let now = OffsetDateTime::now_utc();
    let mut all = Vec::with_capacity(instances.len());
    for instance in &instances {
        all.push(readiness::gather(client, &cache, &home, instance, now).await?);
    }
    let all_met = all.iter().all(|r| r.all_met);
    if json {
        print_json(&StatusDocument { all_met, instances: &all })?;
    } else if all.is_empty() {
        say!("No instances in this account yet.");
    } else {
        for (i, r) in all.iter().enumerate() {
            if i > 0 {
                say!("");
            }
            print_readiness(r);
        }
    }
    if all_met {
        return Ok(());
    }
    let unmet: Vec<String> = all
        .iter()
        .filter(|r| !r.all_met)
        .map(|r| {
            let checks: Vec<String> = r
                .checks
                .iter()
                .filter(|c| c.level == readiness::Level::NotMet)
                .map(|c| c.title.to_lowercase())
                .collect();
            format!("{} ({})", r.instance_name, checks.join(", "))
        })
        .collect();
    Err(Failure::objectives_not_met(format!("Not every recovery objective is met: {}.", unmet.join("; ")), json))
}
