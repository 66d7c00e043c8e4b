//! The instances of an account as the app and the CLI show them: one record per instance with its live status,
//! and the plain words for tiers and statuses (so the window, the CLI and notifications say the same thing).

use serde::Serialize;
use time::OffsetDateTime;
use tokio::task::JoinSet;
use ts_rs::TS;

use crate::api::{ApiError, AuraClient, Instance, InstanceStatus};

/// How many instance records are fetched at once: enough to be quick, few enough to be polite.
const PARALLEL_FETCHES: usize = 4;

/// An instance, ready to display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstanceView {
    /// Instance id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Owning tenant (project).
    pub tenant_id: String,
    /// Raw tier (`business-critical`, …).
    pub tier: String,
    /// Tier in words ("Business Critical").
    pub tier_label: String,
    /// Neo4j major version, when known.
    pub version: Option<String>,
    /// Raw status.
    pub status: String,
    /// Status in words ("Restoring from a snapshot…").
    pub status_label: String,
    /// How the status should feel.
    pub status_tone: StatusTone,
    /// Cloud provider.
    pub cloud_provider: String,
    /// Region.
    pub region: Option<String>,
    /// Memory.
    pub memory: Option<String>,
    /// Storage.
    pub storage: Option<String>,
    /// Connection URL.
    pub connection_url: Option<String>,
    /// Creation time, RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub created_at: Option<OffsetDateTime>,
    /// Node count, when Aura reports it.
    pub nodes: Option<u64>,
    /// Relationship count, when Aura reports it.
    pub relationships: Option<u64>,
}

/// The feeling of a status, for colour and icon (always shown with words too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum StatusTone {
    /// Running.
    Ok,
    /// Something is under way.
    Busy,
    /// Paused or suspended.
    Paused,
    /// Needs attention.
    Error,
}

/// The tier in the words of the Aura console.
pub fn tier_label(tier: &str) -> String {
    match tier {
        "free-db" => "Free".into(),
        "professional-db" => "Professional".into(),
        "business-critical" => "Business Critical".into(),
        "enterprise-db" => "Virtual Dedicated Cloud".into(),
        "professional-ds" => "Graph Data Science Professional".into(),
        "enterprise-ds" => "Graph Data Science Enterprise".into(),
        "" => "Unknown tier".into(),
        other => other.into(),
    }
}

/// A status in plain words, and its tone.
pub fn status_label(status: &InstanceStatus) -> (String, StatusTone) {
    use InstanceStatus as S;
    let (label, tone) = match status {
        S::Running => ("Running", StatusTone::Ok),
        S::Creating => ("Being created…", StatusTone::Busy),
        S::Destroying => ("Being deleted…", StatusTone::Busy),
        S::Pausing => ("Pausing…", StatusTone::Busy),
        S::Paused => ("Paused", StatusTone::Paused),
        S::Suspending => ("Being suspended…", StatusTone::Busy),
        S::Suspended => ("Suspended", StatusTone::Paused),
        S::Resuming => ("Resuming…", StatusTone::Busy),
        S::Loading => ("Loading a backup file…", StatusTone::Busy),
        S::LoadingFailed => ("Loading failed", StatusTone::Error),
        S::Restoring => ("Restoring from a snapshot…", StatusTone::Busy),
        S::Updating => ("Updating…", StatusTone::Busy),
        S::Overwriting => ("Being overwritten…", StatusTone::Busy),
        S::Other(s) if s.is_empty() => return ("Status unknown".into(), StatusTone::Error),
        S::Other(s) => return (capitalise(s), StatusTone::Busy),
    };
    (label.into(), tone)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<Instance> for InstanceView {
    fn from(i: Instance) -> Self {
        let (status_label, status_tone) = status_label(&i.status);
        Self {
            tier_label: tier_label(&i.tier),
            status: i.status.as_str().to_owned(),
            status_label,
            status_tone,
            id: i.id,
            name: i.name,
            tenant_id: i.tenant_id,
            tier: i.tier,
            version: i.version,
            cloud_provider: i.cloud_provider,
            region: i.region,
            memory: i.memory,
            storage: i.storage,
            connection_url: i.connection_url,
            created_at: i.created_at,
            nodes: i.graph_nodes,
            relationships: i.graph_relationships,
        }
    }
}

/// Every instance of the account with its live status, in the order Aura lists them.
///
/// The list endpoint has no status, so each record is fetched (a few at a time, through the shared budget).
/// An instance deleted between the two calls is left out rather than failing the whole list.
pub async fn list_instance_views(client: &AuraClient) -> Result<Vec<InstanceView>, ApiError> {
    let summaries = client.list_instances(None).await?;
    let mut results: Vec<Option<InstanceView>> = vec![None; summaries.len()];
    let mut tasks = JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < PARALLEL_FETCHES && next < summaries.len() {
            let (index, id, c) = (next, summaries[next].id.clone(), client.clone());
            tasks.spawn(async move { (index, c.get_instance(&id).await) });
            next += 1;
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (index, fetched) =
            joined.map_err(|e| ApiError::Network { detail: format!("internal task failed: {e}") })?;
        match fetched {
            Ok(instance) => results[index] = Some(instance.into()),
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(results.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_plain_words_with_a_tone() {
        assert_eq!(status_label(&InstanceStatus::Running), ("Running".into(), StatusTone::Ok));
        assert_eq!(status_label(&InstanceStatus::Restoring).1, StatusTone::Busy);
        assert_eq!(status_label(&InstanceStatus::LoadingFailed), ("Loading failed".into(), StatusTone::Error));
        assert_eq!(status_label(&InstanceStatus::Other("hibernating".into())).0, "Hibernating");
    }

    #[test]
    fn tiers_use_the_console_names() {
        assert_eq!(tier_label("business-critical"), "Business Critical");
        assert_eq!(tier_label("free-db"), "Free");
        assert_eq!(tier_label("something-new"), "something-new");
    }

    #[test]
    fn the_view_serialises_in_camel_case_for_the_ui() {
        let i: Instance = serde_json::from_str(
            r#"{"id":"a1b2c3d4","name":"Production","status":"running","type":"business-critical","version":"5","tenant_id":"t","cloud_provider":"gcp","created_at":"2026-10-01T10:00:00Z"}"#,
        )
        .unwrap();
        let v = serde_json::to_value(InstanceView::from(i)).unwrap();
        assert_eq!(v["tierLabel"], "Business Critical");
        assert_eq!(v["statusTone"], "ok");
        assert_eq!(v["createdAt"], "2026-10-01T10:00:00Z");
        assert_eq!(v["nodes"], serde_json::Value::Null);
    }
}
