//! The emulated account: tenants, instances and snapshots, as persisted in the data directory.
//!
//! This module owns the data and its JSON views (the wire shapes of the Aura API). The rules that move the data
//! through its state machines live in [`crate::world`].

use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::graph::GraphSource;

/// Bumped when the persisted shape changes incompatibly.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Instance lifecycle states, spelled as the API spells them.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum InstanceStatus {
    Creating,
    Destroying,
    Running,
    Pausing,
    Paused,
    Resuming,
    Restoring,
    Overwriting,
    /// A console import (`neo4j-admin database upload`) is being loaded.
    Loading,
    #[serde(rename = "loading failed")]
    LoadingFailed,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Creating => "creating",
            InstanceStatus::Destroying => "destroying",
            InstanceStatus::Running => "running",
            InstanceStatus::Pausing => "pausing",
            InstanceStatus::Paused => "paused",
            InstanceStatus::Resuming => "resuming",
            InstanceStatus::Restoring => "restoring",
            InstanceStatus::Overwriting => "overwriting",
            InstanceStatus::Loading => "loading",
            InstanceStatus::LoadingFailed => "loading failed",
        }
    }

    /// Settled states are the ones a new operation may start from; every other state is a transition.
    pub fn is_settled(self) -> bool {
        matches!(self, InstanceStatus::Running | InstanceStatus::Paused | InstanceStatus::LoadingFailed)
    }
}

/// Snapshot states (PascalCase on the wire).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SnapshotStatus {
    Pending,
    InProgress,
    Completed,
    Failed,
}

impl SnapshotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotStatus::Pending => "Pending",
            SnapshotStatus::InProgress => "InProgress",
            SnapshotStatus::Completed => "Completed",
            SnapshotStatus::Failed => "Failed",
        }
    }

    pub fn is_settled(self) -> bool {
        matches!(self, SnapshotStatus::Completed | SnapshotStatus::Failed)
    }
}

/// What took a snapshot. The API only shows `Scheduled`/`AdHoc` (and `exportable`); the emulator keeps the daily
/// versus hourly distinction because retention and exportability depend on it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SnapshotKind {
    Daily,
    Hourly,
    OnDemand,
}

impl SnapshotKind {
    pub fn profile(self) -> &'static str {
        match self {
            SnapshotKind::Daily | SnapshotKind::Hourly => "Scheduled",
            SnapshotKind::OnDemand => "AdHoc",
        }
    }
}

/// Node and relationship counts of a graph.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GraphCounts {
    pub nodes: u64,
    pub relationships: u64,
}

/// Snapshot rules of an instance type (reference A.5). Day counts of `None` mean "no limit by age".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TierPolicy {
    pub daily: bool,
    pub hourly: bool,
    pub restorable_days: Option<i64>,
    pub exportable_days: Option<i64>,
    pub scheduled_kept_days: Option<i64>,
    pub on_demand_kept_days: Option<i64>,
    /// Free tier: a completed snapshot replaces every older one.
    pub latest_only: bool,
}

impl TierPolicy {
    pub fn for_type(instance_type: &str) -> TierPolicy {
        let days = |restorable, exportable, on_demand| TierPolicy {
            daily: true,
            hourly: false,
            restorable_days: Some(restorable),
            exportable_days: Some(exportable),
            scheduled_kept_days: Some(restorable),
            on_demand_kept_days: Some(on_demand),
            latest_only: false,
        };
        match instance_type {
            "free-db" => TierPolicy {
                daily: false,
                hourly: false,
                restorable_days: None,
                exportable_days: None,
                scheduled_kept_days: None,
                on_demand_kept_days: None,
                latest_only: true,
            },
            "business-critical" => TierPolicy { hourly: true, ..days(30, 30, 30) },
            "enterprise-db" => TierPolicy { hourly: true, ..days(60, 60, 90) },
            "professional-ds" => days(7, 7, 30),
            "enterprise-ds" => days(14, 7, 90),
            // professional-db, and anything unknown, gets the most common rules.
            _ => days(7, 7, 7),
        }
    }

    pub fn kept_days(&self, kind: SnapshotKind) -> Option<i64> {
        match kind {
            SnapshotKind::OnDemand => self.on_demand_kept_days,
            SnapshotKind::Daily | SnapshotKind::Hourly => self.scheduled_kept_days,
        }
    }

    /// How far back scheduled slots are worth materialising (older ones would be purged at once).
    pub fn schedule_horizon_days(&self) -> i64 {
        self.scheduled_kept_days.unwrap_or(0)
    }
}

/// An in-flight instance operation; it completes when `due` has passed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Operation {
    pub kind: OpKind,
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    /// Armed by the fail-next fault: the operation ends in a failure state instead.
    pub doomed: bool,
}

impl Operation {
    /// Whether the operation may complete once `due` has passed: a load also waits for its verdict.
    pub fn ready(&self) -> bool {
        !matches!(self.kind, OpKind::Import { verdict: None, loading_since: Some(_), .. })
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum OpKind {
    Create {
        counts: GraphCounts,
    },
    Restore {
        snapshot_id: String,
        counts: GraphCounts,
    },
    Overwrite {
        source_instance_id: String,
        source_snapshot_id: String,
        counts: GraphCounts,
    },
    Pause,
    Resume,
    Delete,
    /// A console import. It waits in a queue until `loading_since` is set (the status stays what it was), then
    /// loads until `due` has passed *and* the background check of the uploaded file has delivered a verdict.
    Import {
        upload_id: String,
        full_size: u64,
        #[serde(default)]
        verdict: Option<ImportVerdict>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        loading_since: Option<OffsetDateTime>,
    },
}

/// Why a load failed, as the console's status endpoint reports it (`Error{Message,Reason,Url}`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImportError {
    pub message: String,
    pub reason: String,
    pub url: String,
}

impl ImportError {
    /// The console's `Error` object.
    pub fn view(&self) -> Value {
        json!({ "Message": self.message, "Reason": self.reason, "Url": self.url })
    }
}

/// The outcome of checking an uploaded archive, decided while the instance shows `loading`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(crate) enum ImportVerdict {
    Loaded { counts: GraphCounts },
    Failed { error: ImportError },
}

/// A database user besides the instance's admin (`db_user`); added through the control API to exercise the
/// console's 403 for credentials without administrative access.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct DbUser {
    pub user: String,
    pub password: String,
}

/// Where console imports are uploaded to.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Provider {
    Gcp,
    Aws,
}

impl Provider {
    /// The spelling of the initiate response's `Provider`.
    pub fn wire(self) -> &'static str {
        match self {
            Provider::Gcp => "GCP",
            Provider::Aws => "AWS",
        }
    }

    /// `aws` instances upload to S3, every other provider to GCS.
    pub fn for_cloud(cloud_provider: &str) -> Provider {
        if cloud_provider.eq_ignore_ascii_case("aws") {
            Provider::Aws
        } else {
            Provider::Gcp
        }
    }
}

/// Test settings of the console import, set through `/_emulator/console/…`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConsoleSettings {
    /// Forces the upload provider of every new import, whatever the instance's cloud.
    pub provider: Option<Provider>,
    /// Size of an S3 part (the last one takes the rest); `None`: [`crate::objects::DEFAULT_PART_SIZE`].
    pub part_size: Option<u64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Instance {
    pub id: String,
    pub name: String,
    pub tenant_id: String,
    pub cloud_provider: String,
    pub region: String,
    #[serde(rename = "type")]
    pub instance_type: String,
    pub memory: String,
    pub storage: String,
    pub version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub status: InstanceStatus,
    pub db_user: String,
    pub db_password: String,
    /// The counts at `counts_since`; while running the graph grows from there by `growth_per_hour`.
    pub counts: GraphCounts,
    #[serde(with = "time::serde::rfc3339")]
    pub counts_since: OffsetDateTime,
    pub growth_per_hour: GraphCounts,
    /// Scheduled slots up to this instant have been materialised (or skipped).
    #[serde(with = "time::serde::rfc3339")]
    pub schedule_cursor: OffsetDateTime,
    pub daily_hour: u8,
    pub schedule_minute: u8,
    pub op: Option<Operation>,
    /// Why the last load failed; shown by the console status while the instance is `loading failed`.
    #[serde(default)]
    pub import_error: Option<ImportError>,
    /// Non-admin database users (see [`DbUser`]).
    #[serde(default)]
    pub extra_users: Vec<DbUser>,
    /// Where the graph the Query API serves comes from (see [`crate::graph`]).
    #[serde(default)]
    pub graph: GraphSource,
    /// Whether the graph import's uniqueness constraint (`lifeboat_import_id`) exists.
    #[serde(default)]
    pub import_constraint: bool,
}

impl Instance {
    pub fn policy(&self) -> TierPolicy {
        TierPolicy::for_type(&self.instance_type)
    }

    pub fn connection_url(&self) -> String {
        format!("neo4j+s://{}.databases.neo4j.io", self.id)
    }

    /// The graph as a query at `t` would count it: it only grows while the instance runs.
    pub fn counts_at(&self, t: OffsetDateTime) -> GraphCounts {
        if self.status != InstanceStatus::Running || t <= self.counts_since {
            return self.counts;
        }
        let hours = (t - self.counts_since).as_seconds_f64() / 3600.0;
        let grow = |base: u64, rate: u64| base.saturating_add((rate as f64 * hours).floor() as u64);
        GraphCounts {
            nodes: grow(self.counts.nodes, self.growth_per_hour.nodes),
            relationships: grow(self.counts.relationships, self.growth_per_hour.relationships),
        }
    }

    /// Changes status, freezing the growth baseline whenever the instance stops or starts running.
    pub fn set_status(&mut self, status: InstanceStatus, now: OffsetDateTime) {
        if self.status == InstanceStatus::Running && status != InstanceStatus::Running {
            self.counts = self.counts_at(now);
            self.counts_since = now;
        } else if self.status != InstanceStatus::Running && status == InstanceStatus::Running {
            self.counts_since = now;
        }
        self.status = status;
    }

    /// Replaces the data (restore, overwrite, load) and restarts growth from it. The new data is a generated graph
    /// of these counts, without the schema a client may have added.
    pub fn replace_data(&mut self, counts: GraphCounts, now: OffsetDateTime) {
        self.counts = counts;
        self.counts_since = now;
        self.graph = GraphSource::default();
        self.import_constraint = false;
    }

    /// `GET /v1/instances` item.
    pub fn summary_view(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "tenant_id": self.tenant_id,
            "cloud_provider": self.cloud_provider,
            "created_at": fmt_ts(self.created_at),
        })
    }

    /// `GET /v1/instances/{id}` body, also returned by the operations that act on an instance.
    ///
    /// The tier-specific fields appear only where Aura returns them: `storage` for every type but Free,
    /// `graph_nodes`/`graph_relationships` for Free only, `secondaries_count` for Virtual Dedicated Cloud
    /// (`enterprise-db`) only, and `cdc_enrichment_mode` for Virtual Dedicated Cloud and Business Critical.
    pub fn full_view(&self, now: OffsetDateTime) -> Value {
        let mut v = serde_json::Map::new();
        let mut put = |key: &str, value: Value| {
            v.insert(key.to_string(), value);
        };
        put("id", json!(self.id));
        put("name", json!(self.name));
        put("status", json!(self.status.as_str()));
        put("tenant_id", json!(self.tenant_id));
        put("cloud_provider", json!(self.cloud_provider));
        put("connection_url", json!(self.connection_url()));
        put("region", json!(self.region));
        put("type", json!(self.instance_type));
        put("memory", json!(self.memory));
        put("created_at", json!(fmt_ts(self.created_at)));
        put("version", json!(self.version));
        put("vector_optimized", json!(false));
        put("graph_analytics_plugin", json!(false));
        match self.instance_type.as_str() {
            "free-db" => {
                // Strings, as Aura's free-tier fields are documented; an assumption the client should tolerate.
                let counts = self.counts_at(now);
                put("graph_nodes", json!(counts.nodes.to_string()));
                put("graph_relationships", json!(counts.relationships.to_string()));
            }
            other => {
                put("storage", json!(self.storage));
                if other == "enterprise-db" {
                    put("secondaries_count", json!(0));
                }
                if matches!(other, "enterprise-db" | "business-critical") {
                    put("cdc_enrichment_mode", json!("OFF"));
                }
            }
        }
        Value::Object(v)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub id: String,
    pub instance_id: String,
    pub kind: SnapshotKind,
    pub status: SnapshotStatus,
    /// When the snapshot started; its status advances from here on the emulated clock.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub exportable: bool,
    pub counts: GraphCounts,
    pub doomed: bool,
}

impl Snapshot {
    pub fn view(&self) -> Value {
        json!({
            "snapshot_id": self.id,
            "instance_id": self.instance_id,
            "profile": self.kind.profile(),
            "status": self.status.as_str(),
            "timestamp": fmt_ts(self.timestamp),
            "exportable": self.exportable,
        })
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Tenant {
    pub id: String,
    pub name: String,
}

impl Tenant {
    pub fn view(&self) -> Value {
        json!({ "id": self.id, "name": self.name })
    }

    /// `GET /v1/tenants/{id}`: the configurations this emulator accepts in `POST /v1/instances`.
    pub fn detail_view(&self) -> Value {
        let regions = [("gcp", "europe-west1", "Belgium (europe-west1)"), ("gcp", "us-central1", "Iowa (us-central1)")];
        let types: [(&str, &[&str]); 3] = [
            ("free-db", &["1GB"]),
            ("professional-db", &["1GB", "2GB", "4GB", "8GB", "16GB"]),
            ("business-critical", &["4GB", "8GB", "16GB", "32GB"]),
        ];
        let mut configs = Vec::new();
        for (provider, region, region_name) in regions {
            for (ty, memories) in types {
                for memory in memories {
                    configs.push(json!({
                        "cloud_provider": provider,
                        "region": region,
                        "region_name": region_name,
                        "type": ty,
                        "memory": memory,
                        "storage": default_storage(memory),
                        "version": "5",
                    }));
                }
            }
        }
        json!({ "id": self.id, "name": self.name, "instance_configurations": configs })
    }
}

/// API credentials of the emulated account.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Account {
    pub client_id: String,
    pub client_secret: String,
}

impl Account {
    pub fn generate() -> Account {
        let mut rng = rand::rng();
        Account {
            client_id: Alphanumeric.sample_string(&mut rng, 32),
            client_secret: Alphanumeric.sample_string(&mut rng, 64),
        }
    }
}

/// Everything persisted in `state.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct World {
    pub schema: u32,
    pub account: Account,
    pub tenants: Vec<Tenant>,
    pub instances: Vec<Instance>,
    pub snapshots: Vec<Snapshot>,
    /// How many upcoming API-started transitions are doomed to fail.
    pub fail_next: u32,
    /// How many upcoming console imports are accepted but never start loading.
    #[serde(default)]
    pub import_never_starts: u32,
    /// Set through `/_emulator/transitions/hold`: instance operations and snapshots stay where they are until
    /// released, so a test can act on an instance that is `restoring`, `pausing`… whatever the clock speed.
    #[serde(default)]
    pub transitions_held: bool,
    /// Console import test settings.
    #[serde(default)]
    pub console: ConsoleSettings,
}

pub(crate) const MEMORY_SIZES: &[&str] =
    &["1GB", "2GB", "4GB", "8GB", "16GB", "24GB", "32GB", "48GB", "64GB", "128GB", "192GB", "256GB", "384GB", "512GB"];
pub(crate) const INSTANCE_TYPES: &[&str] =
    &["free-db", "professional-db", "business-critical", "enterprise-db", "professional-ds", "enterprise-ds"];
pub(crate) const CLOUD_PROVIDERS: &[&str] = &["gcp", "aws", "azure"];

/// Aura sizes storage at twice the memory by default.
pub(crate) fn default_storage(memory: &str) -> String {
    memory.trim_end_matches("GB").parse::<u32>().map(|gb| format!("{}GB", gb * 2)).unwrap_or_else(|_| "2GB".into())
}

/// RFC 3339, UTC, whole seconds: `2024-09-12T13:51:45Z`.
pub(crate) fn fmt_ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Instance ids are 8 lowercase hex characters.
pub(crate) fn new_instance_id() -> String {
    format!("{:08x}", rand::rng().random::<u32>())
}

pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A database password in the style Aura shows once at creation.
pub(crate) fn new_db_password() -> String {
    let mut rng = rand::rng();
    let mut s = Alphanumeric.sample_string(&mut rng, 43);
    // Aura passwords mix in `-` and `_`; one of each keeps clients honest about URL-encoding Basic credentials.
    s.replace_range(7..8, "-");
    s.replace_range(21..22, "_");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        assert_eq!(fmt_ts(datetime!(2024-09-12 13:51:45.987 UTC)), "2024-09-12T13:51:45Z");
        assert_eq!(fmt_ts(datetime!(2024-09-12 15:51:45 +02:00)), "2024-09-12T13:51:45Z");
    }

    #[test]
    fn ids_have_aura_shapes() {
        let id = new_instance_id();
        assert_eq!(id.len(), 8);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(uuid::Uuid::parse_str(&new_uuid()).map(|u| u.get_version_num()), Ok(4));
        assert_eq!(new_db_password().len(), 43);
    }

    #[test]
    fn tier_policies_follow_the_reference_table() {
        let free = TierPolicy::for_type("free-db");
        assert!(free.latest_only && !free.daily && !free.hourly);
        let pro = TierPolicy::for_type("professional-db");
        assert!(pro.daily && !pro.hourly);
        assert_eq!(pro.kept_days(SnapshotKind::OnDemand), Some(7));
        let bc = TierPolicy::for_type("business-critical");
        assert!(bc.daily && bc.hourly);
        assert_eq!(bc.kept_days(SnapshotKind::Hourly), Some(30));
    }

    #[test]
    fn counts_grow_only_while_running() {
        let t0 = datetime!(2025-01-01 00:00 UTC);
        let mut i = Instance {
            id: "abcdef01".into(),
            name: "x".into(),
            tenant_id: "t".into(),
            cloud_provider: "gcp".into(),
            region: "europe-west1".into(),
            instance_type: "professional-db".into(),
            memory: "1GB".into(),
            storage: "2GB".into(),
            version: "5".into(),
            created_at: t0,
            status: InstanceStatus::Running,
            db_user: "neo4j".into(),
            db_password: "p".into(),
            counts: GraphCounts { nodes: 100, relationships: 1000 },
            counts_since: t0,
            growth_per_hour: GraphCounts { nodes: 10, relationships: 100 },
            schedule_cursor: t0,
            daily_hour: 2,
            schedule_minute: 0,
            op: None,
            import_error: None,
            extra_users: Vec::new(),
            graph: GraphSource::default(),
            import_constraint: false,
        };
        let t2 = t0 + time::Duration::hours(2);
        assert_eq!(i.counts_at(t2), GraphCounts { nodes: 120, relationships: 1200 });
        i.set_status(InstanceStatus::Pausing, t2);
        assert_eq!(i.counts_at(t2 + time::Duration::hours(5)), GraphCounts { nodes: 120, relationships: 1200 });
        i.set_status(InstanceStatus::Running, t2 + time::Duration::hours(5));
        assert_eq!(i.counts_at(t2 + time::Duration::hours(6)), GraphCounts { nodes: 130, relationships: 1300 });
    }

    #[test]
    fn storage_defaults_to_twice_memory() {
        assert_eq!(default_storage("8GB"), "16GB");
    }
}
