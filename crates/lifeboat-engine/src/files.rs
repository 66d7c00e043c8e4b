//! Backup files against a target instance: inspect a file with the instance's version, tier and storage, so the
//! checklist says whether it is compatible and fits before anything touches the network.

use std::path::{Path, PathBuf};

use lifeboat_archive::{inspect, InspectOptions, Inspection};

use crate::api::{AuraClient, Instance};
use crate::checksums::ChecksumCache;
use crate::jobs::StartError;

/// Aura writes storage as "16GB", in binary units ([`crate::words::parse_size`]).
pub fn storage_bytes(storage: &str) -> Option<u64> {
    crate::words::parse_size(storage)
}

/// The inspection options for restoring into `instance`.
pub fn options_for(instance: &Instance) -> InspectOptions {
    InspectOptions {
        target_version: instance.version.clone(),
        target_is_ds: (!instance.tier.is_empty()).then(|| instance.tier.ends_with("-ds")),
        target_storage_bytes: instance.storage.as_deref().and_then(storage_bytes),
        ..InspectOptions::default()
    }
}

/// Inspects a file for restoring into an instance. The file is opened read-only, on a blocking thread.
///
/// A file that can be restored gets its checksum computed right away in the background
/// ([`ChecksumCache::start`]), so the restore that follows need not read it again.
pub async fn inspect_for(client: &AuraClient, instance_id: &str, path: &Path) -> Result<Inspection, StartError> {
    let instance = client.get_instance(instance_id).await?;
    let options = options_for(&instance);
    let path: PathBuf = path.to_path_buf();
    let inspection = tokio::task::spawn_blocking(move || inspect(&path, &options))
        .await
        .map_err(|e| StartError::Invalid(format!("The inspection stopped unexpectedly ({e}). Try again.")))?
        .map_err(|e| StartError::Invalid(e.to_string()))?;
    if inspection.can_upload {
        ChecksumCache::shared().start(&inspection.path);
    }
    Ok(inspection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_sizes_are_read_in_binary_units() {
        assert_eq!(storage_bytes("16GB"), Some(16 * 1024 * 1024 * 1024));
        assert_eq!(storage_bytes("2TB"), Some(2 * 1024u64.pow(4)));
        assert_eq!(storage_bytes("lots"), None);
    }
}
