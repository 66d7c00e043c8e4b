//! The Aura API v1: typed resources, the client and its errors. Knows nothing of the UI.

mod client;
mod error;
mod types;

pub use client::{Accepted, ApiCredentials, AuraClient};
pub use error::{ApiError, REASON_ONGOING_OPERATION};
pub use types::{
    CreateInstanceRequest, CreatedInstance, Instance, InstanceConfiguration, InstanceStatus, InstanceSummary,
    OperationAck, Snapshot, SnapshotProfile, SnapshotStatus, Tenant, TenantDetails,
};
