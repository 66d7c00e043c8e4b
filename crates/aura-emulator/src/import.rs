//! The rules of a console import on the emulated account: who may import, how much fits, and how the instance
//! moves from upload-complete through `loading` to `running` or `loading failed`.
//!
//! An import waits in a short queue after upload-complete (the instance keeps its status, so a client sees
//! `running`, or a stale `loading failed`, before `loading`), then loads for 30 s plus 10 s per GiB of the
//! uncompressed store (emulated seconds, scaled by the clock). It completes only once the background check of the
//! uploaded file (CRC32, then the counts marker, see [`crate::scan`]) has delivered its verdict, however long
//! that takes. As everywhere in the world rules, validation happens before any change.

use axum::http::StatusCode;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::clock::{durations, Timing};
use crate::error::ConsoleError;
use crate::model::{ImportError, ImportVerdict, Instance, InstanceStatus, OpKind, Operation, World};

/// Where failure messages send the user.
pub(crate) const SUPPORT_URL: &str = "https://support.neo4j.com";

/// What upload-complete set in motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportStart {
    /// The load is queued; `decided` when its verdict is already known (a doomed import fails without a check).
    Queued { decided: bool },
    /// Accepted, but the load never starts (the `import-never-starts` fault).
    NeverStarts,
}

/// The failure a `transitions/fail-next` fault gives an import.
pub(crate) fn injected_failure() -> ImportError {
    ImportError {
        message: "We're sorry, something has failed during the loading of your database. Please try again.".into(),
        reason: "ImportFailed".into(),
        url: SUPPORT_URL.into(),
    }
}

/// What the status shows for a `loading failed` that has no recorded import error (e.g. a failed restore).
fn unexplained_failure() -> ImportError {
    ImportError {
        message: "The database failed to load.".into(),
        reason: "UnknownError".into(),
        url: SUPPORT_URL.into(),
    }
}

/// Parses an Aura storage size (`"16GB"`, also `GiB`, `MB`, `TB`, `G`) in binary units; `None` when unreadable
/// (`lifeboat_basics::words::parse_size`, the engine's reading too).
pub(crate) fn storage_bytes(storage: &str) -> Option<u64> {
    lifeboat_basics::words::parse_size(storage)
}

impl World {
    /// The instance a console call names (404 `DatabaseNotFound`).
    pub fn console_instance(&self, dbid: &str) -> Result<&Instance, ConsoleError> {
        self.instances.iter().find(|i| i.id == dbid).ok_or_else(|| ConsoleError::not_found(dbid))
    }

    /// The console's auth check: the instance's database credentials (401), administrative ones (403), and
    /// consent to overwrite a database that holds data (409 without `Confirmed: true`).
    pub fn console_login(
        &self,
        now: OffsetDateTime,
        dbid: &str,
        user: &str,
        password: &str,
        consent: bool,
    ) -> Result<(), ConsoleError> {
        let inst = self.console_instance(dbid)?;
        if user != inst.db_user || password != inst.db_password {
            if inst.extra_users.iter().any(|u| u.user == user && u.password == password) {
                return Err(ConsoleError::new(
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    "The credentials provided do not give administrative access to the target database",
                ));
            }
            return Err(ConsoleError::unauthorized("Invalid username/password credentials"));
        }
        if !consent && holds_data(inst, now) {
            return Err(ConsoleError::new(
                StatusCode::CONFLICT,
                "ConsentRequired",
                "The target database contains data and consent to overwrite it was not given",
            ));
        }
        Ok(())
    }

    /// 409 when the token carries no consent but the database now holds data.
    pub fn check_consent(&self, now: OffsetDateTime, dbid: &str, consent: bool) -> Result<(), ConsoleError> {
        let inst = self.console_instance(dbid)?;
        if !consent && holds_data(inst, now) {
            return Err(ConsoleError::new(
                StatusCode::CONFLICT,
                "ConsentRequired",
                "The target database contained data and consent to overwrite the data was not given",
            ));
        }
        Ok(())
    }

    /// 422 `ImportExceedsMaxSize` when a store of `full_size` bytes does not fit the instance's storage.
    pub fn check_fits(&self, dbid: &str, full_size: u64) -> Result<(), ConsoleError> {
        let inst = self.console_instance(dbid)?;
        let capacity = storage_bytes(&inst.storage).unwrap_or(u64::MAX);
        if full_size > capacity {
            return Err(ConsoleError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "ImportExceedsMaxSize",
                "There is insufficient space in your Neo4j Aura instance to upload your data. Please use the \
                 Console to increase the size of your database.",
            )
            .with_url("https://console.neo4j.io/"));
        }
        Ok(())
    }

    /// An instance may take an import when it is `running` or `loading failed` with nothing under way (inferred:
    /// 400 `InvalidDatabaseState` otherwise).
    pub fn ready_for_import(&self, dbid: &str) -> Result<&Instance, ConsoleError> {
        let inst = self.console_instance(dbid)?;
        let settled = matches!(inst.status, InstanceStatus::Running | InstanceStatus::LoadingFailed);
        if inst.op.is_some() || !settled {
            let doing = match &inst.op {
                Some(Operation { kind: OpKind::Import { .. }, .. }) => "an import is already under way",
                _ => inst.status.as_str(),
            };
            return Err(ConsoleError::bad_request(
                "InvalidDatabaseState",
                format!("The database cannot take an import now ({doing})"),
            ));
        }
        Ok(inst)
    }

    /// upload-complete: queues the load of `upload_id`, unless an armed `import-never-starts` swallows it.
    pub fn start_import(
        &mut self,
        now: OffsetDateTime,
        timing: Timing,
        dbid: &str,
        upload_id: &str,
        full_size: u64,
    ) -> Result<ImportStart, ConsoleError> {
        self.ready_for_import(dbid)?;
        if self.import_never_starts > 0 {
            self.import_never_starts -= 1;
            return Ok(ImportStart::NeverStarts);
        }
        let doomed = self.take_doom();
        let verdict = doomed.then(|| ImportVerdict::Failed { error: injected_failure() });
        let inst = self.instance_mut(dbid)?;
        let kind = OpKind::Import { upload_id: upload_id.to_string(), full_size, verdict, loading_since: None };
        inst.op = Some(Operation { kind, due: now + timing.span(durations::IMPORT_QUEUE), doomed });
        Ok(ImportStart::Queued { decided: doomed })
    }

    /// Delivers the verdict of the background check; false when the import is no longer there (the instance
    /// was deleted, or another import replaced it).
    pub fn set_import_verdict(&mut self, dbid: &str, upload_id: &str, verdict: ImportVerdict) -> bool {
        let Some(inst) = self.instances.iter_mut().find(|i| i.id == dbid) else { return false };
        match inst.op.as_mut().map(|op| &mut op.kind) {
            Some(OpKind::Import { upload_id: current, verdict: slot @ None, .. }) if current == upload_id => {
                *slot = Some(verdict);
                true
            }
            _ => false,
        }
    }

    /// Imports still waiting for their check, as `(instance, upload)`: restarted after an emulator restart.
    pub fn pending_verifications(&self) -> Vec<(String, String)> {
        self.instances
            .iter()
            .filter_map(|i| match &i.op {
                Some(Operation { kind: OpKind::Import { upload_id, verdict: None, .. }, .. }) => {
                    Some((i.id.clone(), upload_id.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// `GET …/import/status`: `{"Status"}`, plus `Error` when `loading failed` and an estimated `Progress`
    /// (0–99, an emulator extra) while `loading`. Other states are reported as the instance shows them.
    pub fn import_status(&self, dbid: &str, now: OffsetDateTime) -> Result<Value, ConsoleError> {
        let inst = self.console_instance(dbid)?;
        let mut view = json!({ "Status": inst.status.as_str() });
        let extra = match (inst.status, &inst.op) {
            (InstanceStatus::LoadingFailed, _) => {
                Some(("Error", inst.import_error.clone().unwrap_or_else(unexplained_failure).view()))
            }
            (InstanceStatus::Loading, Some(op)) => match op.kind {
                OpKind::Import { loading_since: Some(since), .. } => {
                    let total = (op.due - since).as_seconds_f64().max(f64::EPSILON);
                    let done = ((now - since).as_seconds_f64() / total * 100.0).clamp(0.0, 99.0);
                    Some(("Progress", json!(done.floor() as u64)))
                }
                _ => None,
            },
            _ => None,
        };
        if let (Some((key, value)), Some(obj)) = (extra, view.as_object_mut()) {
            obj.insert(key.into(), value);
        }
        Ok(view)
    }

    /// Leaves the instance in `loading failed` from an earlier attempt (the stale-failure fault).
    pub fn mark_stale_failure(
        &mut self,
        now: OffsetDateTime,
        dbid: &str,
        error: ImportError,
    ) -> Result<(), ConsoleError> {
        let inst = self.console_instance(dbid)?;
        if inst.op.is_some() || !inst.status.is_settled() || inst.status == InstanceStatus::Paused {
            return Err(ConsoleError::bad_request(
                "InvalidDatabaseState",
                format!("Instance {dbid} is {} and cannot be marked as failed", inst.status.as_str()),
            ));
        }
        let inst = self.instance_mut(dbid)?;
        inst.set_status(InstanceStatus::LoadingFailed, now);
        inst.import_error = Some(error);
        Ok(())
    }
}

/// A database with any node or relationship needs consent to be overwritten.
fn holds_data(inst: &Instance, now: OffsetDateTime) -> bool {
    inst.counts_at(now).holds_data()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockSpeed;
    use crate::model::GraphCounts;
    use crate::world::NewInstance;
    use time::macros::datetime;
    use time::Duration;

    const T0: OffsetDateTime = datetime!(2025-03-10 12:30 UTC);

    fn fast() -> Timing {
        Timing::new(ClockSpeed::Fast)
    }

    fn world() -> (World, String) {
        let mut w = World::empty();
        let req = NewInstance {
            name: "db".into(),
            tenant_id: w.tenants[0].id.clone(),
            cloud_provider: "gcp".into(),
            region: "europe-west1".into(),
            instance_type: "professional-db".into(),
            memory: "2GB".into(),
            version: "5".into(),
            ..Default::default()
        };
        let id = w.create_instance(T0, fast(), req).unwrap()["id"].as_str().unwrap().to_string();
        w.tick(T0 + Duration::seconds(1), fast());
        (w, id)
    }

    #[test]
    fn storage_sizes_parse_in_binary_units() {
        assert_eq!(storage_bytes("16GB"), Some(16 << 30));
        assert_eq!(storage_bytes("4 GiB"), Some(4 << 30));
        assert_eq!(storage_bytes("512MB"), Some(512 << 20));
        assert_eq!(storage_bytes("1.5TB"), Some(3 << 39));
        assert_eq!(storage_bytes("lots"), None);
    }

    #[test]
    fn login_checks_credentials_then_consent() {
        let (mut w, id) = world();
        let (user, pw) = {
            let i = w.instance(&id).unwrap();
            (i.db_user.clone(), i.db_password.clone())
        };
        let now = T0 + Duration::seconds(1);
        assert_eq!(w.console_login(now, &id, &user, "nope", true).unwrap_err().status, StatusCode::UNAUTHORIZED);
        assert_eq!(w.console_login(now, "ffffffff", &user, &pw, true).unwrap_err().status, StatusCode::NOT_FOUND);
        // An empty database needs no consent; one with data does.
        w.console_login(now, &id, &user, &pw, false).unwrap();
        w.instance_mut(&id).unwrap().replace_data(GraphCounts::new(1, 0), now);
        assert_eq!(w.console_login(now, &id, &user, &pw, false).unwrap_err().status, StatusCode::CONFLICT);
        w.console_login(now, &id, &user, &pw, true).unwrap();
        w.instance_mut(&id).unwrap().extra_users.push(crate::model::DbUser { user: "r".into(), password: "p".into() });
        assert_eq!(w.console_login(now, &id, "r", "p", true).unwrap_err().status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn an_import_queues_loads_and_waits_for_its_verdict() {
        let (mut w, id) = world();
        let now = T0 + Duration::seconds(1);
        assert_eq!(w.start_import(now, fast(), &id, "u1", 0).unwrap(), ImportStart::Queued { decided: false });
        assert_eq!(w.ready_for_import(&id).unwrap_err().status, StatusCode::BAD_REQUEST);
        // Queued: still running.
        assert_eq!(w.instance(&id).unwrap().status, InstanceStatus::Running);
        w.tick(now + Duration::milliseconds(20), fast());
        assert_eq!(w.instance(&id).unwrap().status, InstanceStatus::Loading);
        assert_eq!(w.import_status(&id, now + Duration::milliseconds(20)).unwrap()["Status"], "loading");
        // Past the load time but no verdict yet: still loading.
        w.tick(now + Duration::seconds(5), fast());
        assert_eq!(w.instance(&id).unwrap().status, InstanceStatus::Loading);
        assert_eq!(w.pending_verifications(), vec![(id.clone(), "u1".to_string())]);
        assert!(!w.set_import_verdict(&id, "other", ImportVerdict::Loaded { counts: GraphCounts::default() }));
        let counts = GraphCounts::new(7, 9);
        assert!(w.set_import_verdict(&id, "u1", ImportVerdict::Loaded { counts }));
        w.tick(now + Duration::seconds(6), fast());
        let inst = w.instance(&id).unwrap();
        assert_eq!((inst.status, inst.counts), (InstanceStatus::Running, counts));
    }

    #[test]
    fn a_failed_verdict_ends_in_loading_failed_with_its_error_until_the_next_load() {
        let (mut w, id) = world();
        let now = T0 + Duration::seconds(1);
        w.start_import(now, fast(), &id, "u1", 0).unwrap();
        let error = ImportError { message: "bad".into(), reason: "ChecksumMismatch".into(), url: "u".into() };
        w.set_import_verdict(&id, "u1", ImportVerdict::Failed { error: error.clone() });
        w.tick(now + Duration::seconds(1), fast());
        // A load lasts at least `MIN_OBSERVABLE_LOAD` of real time, even on the fast clock.
        w.tick(now + Duration::seconds(5), fast());
        let status = w.import_status(&id, now + Duration::seconds(5)).unwrap();
        assert_eq!(
            status,
            json!({"Status": "loading failed", "Error": {"Message": "bad", "Reason": "ChecksumMismatch", "Url": "u"}})
        );
        // A new import starts from loading failed and clears the error once it loads.
        let later = now + Duration::seconds(6);
        w.start_import(later, fast(), &id, "u2", 0).unwrap();
        assert_eq!(w.import_status(&id, later).unwrap()["Status"], "loading failed");
        w.tick(later + Duration::seconds(1), fast());
        assert_eq!(w.import_status(&id, later + Duration::seconds(1)).unwrap()["Status"], "loading");
        assert!(w.instance(&id).unwrap().import_error.is_none());
    }

    #[test]
    fn never_starting_imports_and_doomed_ones() {
        let (mut w, id) = world();
        let now = T0 + Duration::seconds(1);
        w.import_never_starts = 1;
        assert_eq!(w.start_import(now, fast(), &id, "u1", 0).unwrap(), ImportStart::NeverStarts);
        assert!(w.instance(&id).unwrap().op.is_none());
        w.fail_next = 1;
        assert_eq!(w.start_import(now, fast(), &id, "u2", 0).unwrap(), ImportStart::Queued { decided: true });
        w.tick(now + Duration::seconds(1), fast());
        w.tick(now + Duration::seconds(5), fast());
        assert_eq!(w.instance(&id).unwrap().import_error.as_ref().map(|e| e.reason.as_str()), Some("ImportFailed"));
    }

    #[test]
    fn capacity_follows_the_storage_size() {
        let (w, id) = world();
        // 2GB memory → 4GB storage.
        w.check_fits(&id, 4 << 30).unwrap();
        let err = w.check_fits(&id, (4 << 30) + 1).unwrap_err();
        assert_eq!((err.status, err.reason.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "ImportExceedsMaxSize"));
    }
}
