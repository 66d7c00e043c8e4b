//! The Aura API v1 resources as Rust types, parsed tolerantly: unknown fields are ignored, optional fields may be
//! missing, and unknown enum values are kept as text rather than failing the whole response.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

/// A tenant (the console calls it a project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Tenant id (UUID).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One of the tenant's allowed instance configurations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceConfiguration {
    /// `gcp`, `aws` or `azure`.
    pub cloud_provider: String,
    /// Region id.
    pub region: String,
    /// Region display name.
    #[serde(default)]
    pub region_name: Option<String>,
    /// Instance type (tier).
    #[serde(rename = "type")]
    pub tier: String,
    /// Memory, e.g. `8GB`.
    pub memory: String,
    /// Storage, e.g. `16GB`.
    #[serde(default)]
    pub storage: Option<String>,
    /// Neo4j major version.
    pub version: String,
}

/// `GET /tenants/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDetails {
    /// Tenant id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What instances may be created in it.
    #[serde(default)]
    pub instance_configurations: Vec<InstanceConfiguration>,
}

/// An entry of `GET /instances` (no status: that needs `GET /instances/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSummary {
    /// Instance id (8 hex characters).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Owning tenant.
    #[serde(default)]
    pub tenant_id: String,
    /// Cloud provider.
    #[serde(default)]
    pub cloud_provider: String,
    /// Creation time, when reported.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// `GET /instances/{id}`: the full record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Instance id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Live status.
    #[serde(default = "InstanceStatus::unknown")]
    pub status: InstanceStatus,
    /// Owning tenant.
    #[serde(default)]
    pub tenant_id: String,
    /// Cloud provider.
    #[serde(default)]
    pub cloud_provider: String,
    /// `neo4j+s://<id>.databases.neo4j.io`.
    #[serde(default)]
    pub connection_url: Option<String>,
    /// Region id.
    #[serde(default)]
    pub region: Option<String>,
    /// Instance type (tier), e.g. `business-critical`.
    #[serde(rename = "type", default)]
    pub tier: String,
    /// Memory, e.g. `8GB`.
    #[serde(default)]
    pub memory: Option<String>,
    /// Storage, e.g. `16GB`.
    #[serde(default)]
    pub storage: Option<String>,
    /// Neo4j major version. Not in every documented response, so optional.
    #[serde(default, deserialize_with = "string_or_number")]
    pub version: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Node count (documented for free instances only; sent as a string by some servers).
    #[serde(default, deserialize_with = "count")]
    pub graph_nodes: Option<u64>,
    /// Relationship count (as `graph_nodes`).
    #[serde(default, deserialize_with = "count")]
    pub graph_relationships: Option<u64>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        _ => None,
    })
}

/// An instance status. Aura sends lowercase words (one with a space: `loading failed`); anything unknown is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum InstanceStatus {
    /// Being created.
    Creating,
    /// Being deleted.
    Destroying,
    /// Up and answering queries.
    Running,
    /// Pausing.
    Pausing,
    /// Paused.
    Paused,
    /// Being suspended (billing).
    Suspending,
    /// Suspended.
    Suspended,
    /// Resuming.
    Resuming,
    /// Importing an uploaded file.
    Loading,
    /// The import failed.
    LoadingFailed,
    /// Restoring a snapshot.
    Restoring,
    /// Updating (resize, upgrade).
    Updating,
    /// Being overwritten from another instance or snapshot.
    Overwriting,
    /// A status this version of Lifeboat does not know.
    Other(String),
}

impl InstanceStatus {
    fn unknown() -> Self {
        Self::Other(String::new())
    }

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Creating => "creating",
            Self::Destroying => "destroying",
            Self::Running => "running",
            Self::Pausing => "pausing",
            Self::Paused => "paused",
            Self::Suspending => "suspending",
            Self::Suspended => "suspended",
            Self::Resuming => "resuming",
            Self::Loading => "loading",
            Self::LoadingFailed => "loading failed",
            Self::Restoring => "restoring",
            Self::Updating => "updating",
            Self::Overwriting => "overwriting",
            Self::Other(s) => s,
        }
    }

    /// True while an operation is under way (another one would get 409 `ongoing-database-operation`).
    pub fn is_transitional(&self) -> bool {
        !matches!(self, Self::Running | Self::Paused | Self::Suspended | Self::LoadingFailed | Self::Other(_))
    }
}

impl From<String> for InstanceStatus {
    fn from(s: String) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "creating" => Self::Creating,
            "destroying" => Self::Destroying,
            "running" => Self::Running,
            "pausing" => Self::Pausing,
            "paused" => Self::Paused,
            "suspending" => Self::Suspending,
            "suspended" => Self::Suspended,
            "resuming" => Self::Resuming,
            "loading" => Self::Loading,
            "loading failed" | "loading_failed" => Self::LoadingFailed,
            "restoring" => Self::Restoring,
            "updating" => Self::Updating,
            "overwriting" => Self::Overwriting,
            _ => Self::Other(s),
        }
    }
}

impl From<InstanceStatus> for String {
    fn from(s: InstanceStatus) -> Self {
        s.as_str().to_owned()
    }
}

/// Snapshot status (PascalCase on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SnapshotStatus {
    /// Queued.
    Pending,
    /// Being taken.
    InProgress,
    /// Usable.
    Completed,
    /// Failed; cannot be restored.
    Failed,
    /// Unknown to this version.
    Other(String),
}

impl SnapshotStatus {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Other(s) => s,
        }
    }

    /// True once the snapshot will not change any more.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Pending | Self::InProgress)
    }
}

impl From<String> for SnapshotStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "Pending" => Self::Pending,
            "InProgress" => Self::InProgress,
            "Completed" => Self::Completed,
            "Failed" => Self::Failed,
            _ => Self::Other(s),
        }
    }
}

impl From<SnapshotStatus> for String {
    fn from(s: SnapshotStatus) -> Self {
        s.as_str().to_owned()
    }
}

/// Who took a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SnapshotProfile {
    /// Taken by the tier's schedule.
    Scheduled,
    /// Taken on demand.
    AdHoc,
    /// Unknown to this version (e.g. a "Load" snapshot).
    Other(String),
}

impl From<String> for SnapshotProfile {
    fn from(s: String) -> Self {
        match s.as_str() {
            "Scheduled" => Self::Scheduled,
            "AdHoc" => Self::AdHoc,
            _ => Self::Other(s),
        }
    }
}

impl From<SnapshotProfile> for String {
    fn from(s: SnapshotProfile) -> Self {
        match s {
            SnapshotProfile::Scheduled => "Scheduled".into(),
            SnapshotProfile::AdHoc => "AdHoc".into(),
            SnapshotProfile::Other(s) => s,
        }
    }
}

/// A snapshot of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Snapshot id (UUID).
    pub snapshot_id: String,
    /// The instance it belongs to.
    #[serde(default)]
    pub instance_id: String,
    /// Scheduled or on demand.
    pub profile: SnapshotProfile,
    /// Status.
    pub status: SnapshotStatus,
    /// When it was taken (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// Whether it can be exported or used for a new instance / overwrite.
    #[serde(default)]
    pub exportable: bool,
}

/// `POST /instances` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateInstanceRequest {
    /// Neo4j major version, e.g. `"5"`.
    pub version: String,
    /// Region id.
    pub region: String,
    /// Memory, e.g. `8GB`.
    pub memory: String,
    /// Display name.
    pub name: String,
    /// Instance type (tier).
    #[serde(rename = "type")]
    pub tier: String,
    /// Tenant to create it in.
    pub tenant_id: String,
    /// Cloud provider.
    pub cloud_provider: String,
    /// Storage, when not the default for the memory size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Create from this instance's snapshot …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_instance_id: Option<String>,
    /// … this one (must be exportable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_snapshot_id: Option<String>,
}

/// `POST /instances` reply. Holds the new instance's one-time password, so it is not `Serialize`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedInstance {
    /// New instance id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Tenant.
    #[serde(default)]
    pub tenant_id: String,
    /// Connection URL.
    #[serde(default)]
    pub connection_url: Option<String>,
    /// Database user.
    #[serde(default)]
    pub username: String,
    /// Database password, shown once by Aura.
    #[serde(deserialize_with = "sensitive_string")]
    pub password: crate::Sensitive<String>,
}

fn sensitive_string<'de, D: Deserializer<'de>>(d: D) -> Result<crate::Sensitive<String>, D::Error> {
    String::deserialize(d).map(crate::Sensitive::new)
}

/// What Aura answered to a restore or overwrite: the instance, or (as some servers do) a bare job id string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OperationAck {
    /// The instance record, normally with a transitional status.
    Instance(Box<Instance>),
    /// A job id.
    Job(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_ack_parses_an_object_or_a_string() {
        let obj: OperationAck = serde_json::from_str(
            r#"{"id":"2f49c2b3","name":"Production","status":"restoring","type":"enterprise-db"}"#,
        )
        .unwrap();
        match obj {
            OperationAck::Instance(i) => assert_eq!(i.status, InstanceStatus::Restoring),
            other => panic!("expected an instance, got {other:?}"),
        }
        let job: OperationAck = serde_json::from_str(r#""job-1234""#).unwrap();
        assert_eq!(job, OperationAck::Job("job-1234".into()));
    }

    #[test]
    fn unknown_statuses_and_missing_fields_do_not_fail_parsing() {
        let i: Instance = serde_json::from_str(r#"{"id":"abcd1234","name":"X","status":"hibernating"}"#).unwrap();
        assert_eq!(i.status, InstanceStatus::Other("hibernating".into()));
        assert_eq!(i.version, None);
        let i: Instance =
            serde_json::from_str(r#"{"id":"abcd1234","name":"X","status":"loading failed","version":5}"#).unwrap();
        assert_eq!(i.status, InstanceStatus::LoadingFailed);
        assert_eq!(i.version.as_deref(), Some("5"));
    }

    #[test]
    fn graph_counts_are_read_as_numbers_or_strings() {
        let i: Instance =
            serde_json::from_str(r#"{"id":"a","name":"X","graph_nodes":"312","graph_relationships":900}"#).unwrap();
        assert_eq!((i.graph_nodes, i.graph_relationships), (Some(312), Some(900)));
    }

    #[test]
    fn snapshot_round_trips_with_the_wire_spelling() {
        let text = r#"{"exportable":true,"instance_id":"7261d20a","profile":"AdHoc","snapshot_id":"afdb4e9d-6ba6-4d45-b951-f82843dcbca6","status":"Completed","timestamp":"2024-09-12T13:51:45Z"}"#;
        let s: Snapshot = serde_json::from_str(text).unwrap();
        assert_eq!(s.profile, SnapshotProfile::AdHoc);
        assert!(s.status.is_final());
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["status"], "Completed");
        assert_eq!(back["profile"], "AdHoc");
        assert_eq!(back["timestamp"], "2024-09-12T13:51:45Z");
    }

    #[test]
    fn created_instance_password_is_redacted_in_debug() {
        let c: CreatedInstance =
            serde_json::from_str(r#"{"id":"a1b2c3d4","name":"Copy","username":"neo4j","password":"s3cret-canary"}"#)
                .unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
