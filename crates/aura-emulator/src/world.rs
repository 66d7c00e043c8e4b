//! The rules of the emulated account: which operations may start, how transitions complete, how scheduled
//! snapshots appear and expire.
//!
//! Every function takes `now` explicitly so the rules are unit-testable without a server or a clock. Callers run
//! [`World::tick`] before every read or write, so what a client sees is always up to date, even between background
//! ticks. Validation happens before any mutation: an operation that returns an error has changed nothing.

use axum::http::StatusCode;
use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};

use crate::clock::{durations, Timing};
use crate::error::ApiError;
use crate::model::{
    default_storage, new_db_password, new_instance_id, new_uuid, Account, GraphCounts, ImportVerdict, Instance,
    InstanceStatus, OpKind, Operation, Snapshot, SnapshotKind, SnapshotStatus, Tenant, World, SCHEMA_VERSION,
};

/// Where `POST /v1/instances/{id}/overwrite` takes its data from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OverwriteSource {
    /// `source_instance_id`, with or without `source_snapshot_id`: a snapshot of that instance, or a fresh one.
    Instance { instance: String, snapshot: Option<String> },
    /// `source_snapshot_id` alone: a snapshot of the instance being overwritten, which must be exportable.
    OwnSnapshot(String),
}

/// A validated `POST /v1/instances` body.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewInstance {
    pub name: String,
    pub tenant_id: String,
    pub cloud_provider: String,
    pub region: String,
    pub instance_type: String,
    pub memory: String,
    pub storage: Option<String>,
    pub version: String,
    pub source_instance_id: Option<String>,
    pub source_snapshot_id: Option<String>,
}

impl World {
    /// An account with one empty tenant.
    pub fn empty() -> World {
        World {
            schema: SCHEMA_VERSION,
            account: Account::generate(),
            tenants: vec![Tenant { id: new_uuid(), name: "Lifeboat Sandbox".into() }],
            instances: Vec::new(),
            snapshots: Vec::new(),
            fail_next: 0,
            import_never_starts: 0,
            transitions_held: false,
            console: Default::default(),
        }
    }

    pub fn instance(&self, id: &str) -> Result<&Instance, ApiError> {
        self.instances.iter().find(|i| i.id == id).ok_or_else(|| ApiError::db_not_found(id))
    }

    pub(crate) fn instance_mut(&mut self, id: &str) -> Result<&mut Instance, ApiError> {
        self.instances.iter_mut().find(|i| i.id == id).ok_or_else(|| ApiError::db_not_found(id))
    }

    pub fn tenant(&self, id: &str) -> Result<&Tenant, ApiError> {
        self.tenants.iter().find(|t| t.id == id).ok_or_else(|| ApiError::tenant_not_found(id))
    }

    /// The snapshot `sid` of instance `id` (404 `db-not-found` / `snapshot-not-found`).
    pub fn snapshot(&self, id: &str, sid: &str) -> Result<&Snapshot, ApiError> {
        self.instance(id)?;
        self.snapshots
            .iter()
            .find(|s| s.id == sid && s.instance_id == id)
            .ok_or_else(|| ApiError::snapshot_not_found(sid))
    }

    /// `GET /v1/instances[?tenantId=]`.
    pub fn list_instances(&self, tenant_id: Option<&str>) -> Result<Vec<Value>, ApiError> {
        if let Some(t) = tenant_id {
            self.tenant(t)?;
        }
        Ok(self
            .instances
            .iter()
            .filter(|i| tenant_id.is_none_or(|t| i.tenant_id == t))
            .map(Instance::summary_view)
            .collect())
    }

    /// `GET /v1/instances/{id}/snapshots?date=`: the snapshots started on one UTC day, oldest first.
    pub fn snapshots_on(&self, id: &str, day: Date) -> Result<Vec<Value>, ApiError> {
        self.instance(id)?;
        let mut found: Vec<&Snapshot> =
            self.snapshots.iter().filter(|s| s.instance_id == id && s.timestamp.date() == day).collect();
        found.sort_by_key(|s| s.timestamp);
        Ok(found.into_iter().map(Snapshot::view).collect())
    }

    /// Consumes one armed fail-next fault, if any.
    pub(crate) fn take_doom(&mut self) -> bool {
        if self.fail_next > 0 {
            self.fail_next -= 1;
            true
        } else {
            false
        }
    }

    /// Moves everything whose time has come. Returns whether anything changed (and so needs saving).
    pub fn tick(&mut self, now: OffsetDateTime, timing: Timing) -> bool {
        let mut changed = self.finish_operations(now, timing);
        changed |= self.materialise_schedules(now);
        changed |= self.advance_snapshots(now, timing);
        changed |= self.prune_free_tier();
        changed |= self.purge_expired(now);
        changed
    }

    fn finish_operations(&mut self, now: OffsetDateTime, timing: Timing) -> bool {
        if self.transitions_held {
            return false;
        }
        let mut changed = false;
        let mut destroyed = Vec::new();
        for inst in &mut self.instances {
            let Some(op) = inst.op.take_if(|op| op.due <= now && op.ready()) else { continue };
            changed = true;
            // The transition happened at `due`, not when we noticed it; growth and schedules start from there.
            let at = op.due;
            match op.kind {
                OpKind::Import { upload_id, full_size, verdict, loading_since: None } => {
                    // Out of the queue: the load begins, and a stale failure is forgotten.
                    inst.import_error = None;
                    inst.set_status(InstanceStatus::Loading, at);
                    let kind = OpKind::Import { upload_id, full_size, verdict, loading_since: Some(at) };
                    // A real load takes minutes, so every poller sees `loading`. On the fast clock it would last
                    // a fraction of a second and fall between two polls, and a correct client would then report
                    // that the import never started: the load always lasts longer than a 2-second poll.
                    let due = at + timing.span(durations::import_secs(full_size)).max(durations::MIN_OBSERVABLE_LOAD);
                    inst.op = Some(Operation { kind, due, doomed: op.doomed });
                }
                OpKind::Import { verdict: Some(ImportVerdict::Loaded { counts }), .. } => {
                    inst.set_status(InstanceStatus::Running, at);
                    inst.replace_data(counts, at);
                }
                OpKind::Import { verdict: Some(ImportVerdict::Failed { error }), .. } => {
                    inst.set_status(InstanceStatus::LoadingFailed, at);
                    inst.import_error = Some(error);
                }
                // Never taken: `Operation::ready` holds a load back until its verdict is in.
                OpKind::Import { verdict: None, .. } => {}
                OpKind::Create { counts } => {
                    inst.replace_data(counts, at);
                    if op.doomed {
                        inst.set_status(InstanceStatus::LoadingFailed, at);
                    } else {
                        inst.set_status(InstanceStatus::Running, at);
                        inst.schedule_cursor = at;
                    }
                }
                OpKind::Restore { counts, .. } | OpKind::Overwrite { counts, .. } => {
                    if op.doomed {
                        inst.set_status(InstanceStatus::LoadingFailed, at);
                    } else {
                        inst.set_status(InstanceStatus::Running, at);
                        inst.replace_data(counts, at);
                    }
                }
                OpKind::Pause => inst.set_status(InstanceStatus::Paused, at),
                OpKind::Resume => inst.set_status(InstanceStatus::Running, at),
                OpKind::Delete => destroyed.push(inst.id.clone()),
            }
        }
        if !destroyed.is_empty() {
            self.instances.retain(|i| !destroyed.contains(&i.id));
            self.snapshots.retain(|s| !destroyed.contains(&s.instance_id));
        }
        changed
    }

    /// Creates the scheduled snapshots whose slots have passed since the last tick. Slots that passed while the
    /// instance was not running are skipped, as Aura takes no scheduled snapshot of a paused database.
    fn materialise_schedules(&mut self, now: OffsetDateTime) -> bool {
        let mut created = Vec::new();
        for inst in &mut self.instances {
            let policy = inst.policy();
            if inst.schedule_cursor >= now {
                continue;
            }
            if inst.status != InstanceStatus::Running || !(policy.daily || policy.hourly) {
                inst.schedule_cursor = now;
                continue;
            }
            let horizon = now - Duration::days(policy.schedule_horizon_days());
            let start = inst.schedule_cursor.max(horizon);
            let mut slot = start
                .replace_minute(inst.schedule_minute)
                .and_then(|t| t.replace_second(0))
                .and_then(|t| t.replace_nanosecond(0))
                .unwrap_or(start);
            while slot <= start {
                slot += Duration::hours(1);
            }
            while slot <= now {
                let kind = if slot.hour() == inst.daily_hour {
                    policy.daily.then_some(SnapshotKind::Daily)
                } else {
                    policy.hourly.then_some(SnapshotKind::Hourly)
                };
                if let Some(kind) = kind {
                    created.push(Snapshot {
                        id: new_uuid(),
                        instance_id: inst.id.clone(),
                        kind,
                        status: SnapshotStatus::Pending,
                        timestamp: slot,
                        exportable: kind != SnapshotKind::Hourly,
                        counts: inst.counts_at(slot),
                        doomed: false,
                    });
                }
                slot += Duration::hours(1);
            }
            inst.schedule_cursor = now;
        }
        let changed = !created.is_empty();
        self.snapshots.extend(created);
        changed
    }

    fn advance_snapshots(&mut self, now: OffsetDateTime, timing: Timing) -> bool {
        if self.transitions_held {
            return false;
        }
        let mut changed = false;
        for snap in self.snapshots.iter_mut().filter(|s| !s.status.is_settled()) {
            let in_progress_at = snap.timestamp + timing.span(durations::SNAPSHOT_PENDING);
            let done_at = in_progress_at + timing.span(durations::SNAPSHOT_IN_PROGRESS);
            let next = if now >= done_at {
                if snap.doomed {
                    SnapshotStatus::Failed
                } else {
                    SnapshotStatus::Completed
                }
            } else if now >= in_progress_at {
                SnapshotStatus::InProgress
            } else {
                SnapshotStatus::Pending
            };
            if next != snap.status {
                snap.status = next;
                changed = true;
            }
        }
        changed
    }

    /// Free tier: the latest completed snapshot replaces every older finished one.
    fn prune_free_tier(&mut self) -> bool {
        let before = self.snapshots.len();
        for inst in self.instances.iter().filter(|i| i.policy().latest_only) {
            let latest = self
                .snapshots
                .iter()
                .filter(|s| s.instance_id == inst.id && s.status == SnapshotStatus::Completed)
                .map(|s| s.timestamp)
                .max();
            if let Some(latest) = latest {
                self.snapshots.retain(|s| s.instance_id != inst.id || !s.status.is_settled() || s.timestamp >= latest);
            }
        }
        self.snapshots.len() != before
    }

    fn purge_expired(&mut self, now: OffsetDateTime) -> bool {
        let before = self.snapshots.len();
        let instances = &self.instances;
        self.snapshots.retain(|s| {
            let Some(inst) = instances.iter().find(|i| i.id == s.instance_id) else { return false };
            match inst.policy().kept_days(s.kind) {
                Some(days) => !s.status.is_settled() || now - s.timestamp <= Duration::days(days),
                None => true,
            }
        });
        self.snapshots.len() != before
    }

    /// `POST /v1/instances/{id}/snapshots`: returns the new snapshot id.
    pub fn take_snapshot(&mut self, now: OffsetDateTime, id: &str) -> Result<String, ApiError> {
        let inst = self.instance(id)?;
        ensure_settled(inst)?;
        if inst.status != InstanceStatus::Running {
            return Err(ApiError::invalid_state(format!(
                "Instance {id} is {} and must be running to take a snapshot",
                inst.status.as_str()
            )));
        }
        let counts = inst.counts_at(now);
        let doomed = self.take_doom();
        let snapshot_id = new_uuid();
        self.snapshots.push(Snapshot {
            id: snapshot_id.clone(),
            instance_id: id.to_string(),
            kind: SnapshotKind::OnDemand,
            status: SnapshotStatus::Pending,
            timestamp: now,
            exportable: true,
            counts,
            doomed,
        });
        Ok(snapshot_id)
    }

    /// `POST /v1/instances/{id}/snapshots/{sid}/restore`: restores in place, from any completed snapshot that is
    /// still within the tier's restore window (hourly ones included).
    pub fn restore(&mut self, now: OffsetDateTime, timing: Timing, id: &str, sid: &str) -> Result<Value, ApiError> {
        let inst = self.instance(id)?;
        let snap = self.snapshot(id, sid)?;
        ensure_settled(inst)?;
        if inst.status == InstanceStatus::Paused {
            return Err(ApiError::invalid_state(format!("Instance {id} is paused; resume it before restoring")));
        }
        if snap.status != SnapshotStatus::Completed {
            return Err(ApiError::snapshot_not_completed(sid, snap.status.as_str()));
        }
        if let Some(days) = inst.policy().restorable_days {
            if now - snap.timestamp > Duration::days(days) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "snapshot-not-restorable",
                    format!("Snapshot {sid} is older than the {days}-day restore window"),
                ));
            }
        }
        let counts = snap.counts;
        let doomed = self.take_doom();
        let inst = self.instance_mut(id)?;
        let kind = OpKind::Restore { snapshot_id: sid.to_string(), counts };
        start_op(inst, now, InstanceStatus::Restoring, kind, timing.span(durations::RESTORE), doomed);
        Ok(inst.full_view(now))
    }

    /// `POST /v1/instances/{id}/overwrite`: replaces the data of `id` with an exportable snapshot (of another
    /// instance, or of `id` itself), or with a fresh snapshot of a source instance when no snapshot is named.
    pub fn overwrite(
        &mut self,
        now: OffsetDateTime,
        timing: Timing,
        id: &str,
        source: &OverwriteSource,
    ) -> Result<Value, ApiError> {
        let target = self.instance(id)?;
        ensure_settled(target)?;
        if target.status == InstanceStatus::Paused {
            return Err(ApiError::invalid_state(format!("Instance {id} is paused; resume it before overwriting")));
        }
        let (source_id, source_sid) = match source {
            OverwriteSource::Instance { instance, snapshot } => (instance.as_str(), snapshot.as_deref()),
            OverwriteSource::OwnSnapshot(snapshot) => (id, Some(snapshot.as_str())),
        };
        let source = self.instance(source_id).map_err(|e| e.with_field("source_instance_id"))?;
        let (snapshot_id, counts) = match source_sid {
            Some(sid) => {
                let snap = self.exportable_snapshot(now, source_id, sid)?;
                (snap.id.clone(), snap.counts)
            }
            None => {
                ensure_settled(source)?;
                if source.status != InstanceStatus::Running {
                    return Err(ApiError::invalid_state(format!(
                        "Source instance {source_id} is {} and must be running to be copied",
                        source.status.as_str()
                    ))
                    .with_field("source_instance_id"));
                }
                let counts = source.counts_at(now);
                let sid = new_uuid();
                self.snapshots.push(Snapshot {
                    id: sid.clone(),
                    instance_id: source_id.to_string(),
                    kind: SnapshotKind::OnDemand,
                    status: SnapshotStatus::Pending,
                    timestamp: now,
                    exportable: true,
                    counts,
                    doomed: false,
                });
                (sid, counts)
            }
        };
        let doomed = self.take_doom();
        let inst = self.instance_mut(id)?;
        let kind =
            OpKind::Overwrite { source_instance_id: source_id.to_string(), source_snapshot_id: snapshot_id, counts };
        start_op(inst, now, InstanceStatus::Overwriting, kind, timing.span(durations::OVERWRITE), doomed);
        Ok(inst.full_view(now))
    }

    /// A snapshot that may be copied to another instance: completed, exportable and within the export window.
    fn exportable_snapshot(&self, now: OffsetDateTime, source_id: &str, sid: &str) -> Result<&Snapshot, ApiError> {
        let source = self.instance(source_id).map_err(|e| e.with_field("source_instance_id"))?;
        let snap = self.snapshot(source_id, sid).map_err(|e| e.with_field("source_snapshot_id"))?;
        if snap.status != SnapshotStatus::Completed {
            return Err(ApiError::snapshot_not_completed(sid, snap.status.as_str()).with_field("source_snapshot_id"));
        }
        let too_old = source.policy().exportable_days.is_some_and(|d| now - snap.timestamp > Duration::days(d));
        if !snap.exportable || too_old {
            return Err(ApiError::not_exportable(sid).with_field("source_snapshot_id"));
        }
        Ok(snap)
    }

    /// `POST /v1/instances`: returns the creation view, which carries the only copy of the password.
    pub fn create_instance(
        &mut self,
        now: OffsetDateTime,
        timing: Timing,
        req: NewInstance,
    ) -> Result<Value, ApiError> {
        self.tenant(&req.tenant_id).map_err(|e| e.with_field("tenant_id"))?;
        let counts = match (&req.source_instance_id, &req.source_snapshot_id) {
            (None, None) => GraphCounts::default(),
            (None, Some(_)) => {
                return Err(ApiError::invalid_field(
                    "source_instance_id",
                    "source_instance_id is required when source_snapshot_id is given",
                ))
            }
            (Some(source_id), Some(sid)) => self.exportable_snapshot(now, source_id, sid)?.counts,
            (Some(source_id), None) => {
                self.instance(source_id).map_err(|e| e.with_field("source_instance_id"))?;
                // Clone: Aura uses the source's latest snapshot that can be copied.
                let latest = self
                    .snapshots
                    .iter()
                    .filter(|s| &s.instance_id == source_id && s.status == SnapshotStatus::Completed && s.exportable)
                    .max_by_key(|s| s.timestamp)
                    .map(|s| s.id.clone());
                match latest {
                    Some(sid) => self.exportable_snapshot(now, source_id, &sid)?.counts,
                    None => {
                        return Err(ApiError::invalid_field(
                            "source_instance_id",
                            format!("Source instance {source_id} has no exportable snapshot"),
                        ))
                    }
                }
            }
        };
        let doomed = self.take_doom();
        let mut id = new_instance_id();
        while self.instances.iter().any(|i| i.id == id) {
            id = new_instance_id();
        }
        let storage = req.storage.clone().unwrap_or_else(|| default_storage(&req.memory));
        let mut inst = Instance {
            id,
            name: req.name,
            tenant_id: req.tenant_id,
            cloud_provider: req.cloud_provider,
            region: req.region,
            instance_type: req.instance_type,
            memory: req.memory,
            storage,
            version: req.version,
            created_at: now,
            status: InstanceStatus::Creating,
            db_user: "neo4j".into(),
            db_password: new_db_password(),
            counts: GraphCounts::default(),
            counts_since: now,
            growth_per_hour: GraphCounts::default(),
            schedule_cursor: now,
            daily_hour: rand::random_range(0..24),
            schedule_minute: rand::random_range(0..60),
            op: None,
            import_error: None,
            extra_users: Vec::new(),
            graph: Default::default(),
            import_constraint: false,
        };
        let op = OpKind::Create { counts };
        start_op(&mut inst, now, InstanceStatus::Creating, op, timing.span(durations::CREATE), doomed);
        let view = serde_json::json!({
            "id": inst.id,
            "name": inst.name,
            "tenant_id": inst.tenant_id,
            "cloud_provider": inst.cloud_provider,
            "connection_url": inst.connection_url(),
            "region": inst.region,
            "type": inst.instance_type,
            "username": inst.db_user,
            "password": inst.db_password,
        });
        self.instances.push(inst);
        Ok(view)
    }

    /// `DELETE /v1/instances/{id}`.
    pub fn delete(&mut self, now: OffsetDateTime, timing: Timing, id: &str) -> Result<Value, ApiError> {
        let inst = self.instance_mut(id)?;
        ensure_settled(inst)?;
        start_op(inst, now, InstanceStatus::Destroying, OpKind::Delete, timing.span(durations::DELETE), false);
        Ok(inst.full_view(now))
    }

    /// `POST /v1/instances/{id}/pause`. Pausing an instance that is not running (already paused, or `loading
    /// failed`) is a 400 `invalid-instance-state`; a 409 is kept for instances in a transition.
    pub fn pause(&mut self, now: OffsetDateTime, timing: Timing, id: &str) -> Result<Value, ApiError> {
        let inst = self.instance_mut(id)?;
        ensure_settled(inst)?;
        if inst.status != InstanceStatus::Running {
            return Err(ApiError::invalid_state(format!(
                "Instance {id} is {} and cannot be paused",
                inst.status.as_str()
            )));
        }
        start_op(inst, now, InstanceStatus::Pausing, OpKind::Pause, timing.span(durations::PAUSE), false);
        Ok(inst.full_view(now))
    }

    /// `POST /v1/instances/{id}/resume`; the mirror image of [`World::pause`].
    pub fn resume(&mut self, now: OffsetDateTime, timing: Timing, id: &str) -> Result<Value, ApiError> {
        let inst = self.instance_mut(id)?;
        ensure_settled(inst)?;
        if inst.status != InstanceStatus::Paused {
            return Err(ApiError::invalid_state(format!(
                "Instance {id} is {} and cannot be resumed",
                inst.status.as_str()
            )));
        }
        start_op(inst, now, InstanceStatus::Resuming, OpKind::Resume, timing.span(durations::RESUME), false);
        Ok(inst.full_view(now))
    }

    /// `PATCH /v1/instances/{id}` with a new name.
    pub fn rename(&mut self, now: OffsetDateTime, id: &str, name: String) -> Result<Value, ApiError> {
        let inst = self.instance_mut(id)?;
        ensure_settled(inst)?;
        inst.name = name;
        Ok(inst.full_view(now))
    }
}

/// A 409 unless the instance is in a settled state with no operation under way.
fn ensure_settled(inst: &Instance) -> Result<(), ApiError> {
    if inst.op.is_some() || !inst.status.is_settled() {
        return Err(ApiError::ongoing_operation(inst.status.as_str()));
    }
    Ok(())
}

fn start_op(
    inst: &mut Instance,
    now: OffsetDateTime,
    status: InstanceStatus,
    kind: OpKind,
    takes: Duration,
    doomed: bool,
) {
    inst.set_status(status, now);
    inst.op = Some(Operation { kind, due: now + takes, doomed });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockSpeed;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2025-03-10 12:30 UTC);

    fn fast() -> Timing {
        Timing::new(ClockSpeed::Fast)
    }

    fn world_with(instance_type: &str) -> (World, String) {
        let mut w = World::empty();
        let tenant_id = w.tenants[0].id.clone();
        let req = NewInstance {
            name: "db".into(),
            tenant_id,
            cloud_provider: "gcp".into(),
            region: "europe-west1".into(),
            instance_type: instance_type.into(),
            memory: "2GB".into(),
            version: "5".into(),
            ..Default::default()
        };
        let view = w.create_instance(T0, fast(), req).unwrap();
        let id = view["id"].as_str().unwrap().to_string();
        w.tick(T0 + Duration::seconds(1), fast());
        (w, id)
    }

    fn status(w: &World, id: &str) -> &'static str {
        w.instance(id).unwrap().status.as_str()
    }

    #[test]
    fn creation_becomes_running_after_its_duration() {
        let mut w = World::empty();
        let tenant_id = w.tenants[0].id.clone();
        let req = NewInstance {
            name: "n".into(),
            tenant_id,
            instance_type: "free-db".into(),
            memory: "1GB".into(),
            ..Default::default()
        };
        let id = w.create_instance(T0, fast(), req).unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(status(&w, &id), "creating");
        w.tick(T0 + Duration::milliseconds(400), fast());
        assert_eq!(status(&w, &id), "creating");
        w.tick(T0 + Duration::milliseconds(460), fast());
        assert_eq!(status(&w, &id), "running");
    }

    #[test]
    fn snapshot_moves_pending_in_progress_completed() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        let sid = w.take_snapshot(now, &id).unwrap();
        let st = |w: &World| w.snapshot(&id, &sid).unwrap().status;
        assert_eq!(st(&w), SnapshotStatus::Pending);
        w.tick(now + Duration::milliseconds(20), fast());
        assert_eq!(st(&w), SnapshotStatus::InProgress);
        w.tick(now + Duration::milliseconds(120), fast());
        assert_eq!(st(&w), SnapshotStatus::Completed);
    }

    #[test]
    fn fail_next_dooms_only_the_next_snapshot() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.fail_next = 1;
        let doomed = w.take_snapshot(now, &id).unwrap();
        let fine = w.take_snapshot(now, &id).unwrap();
        w.tick(now + Duration::seconds(1), fast());
        assert_eq!(w.snapshot(&id, &doomed).unwrap().status, SnapshotStatus::Failed);
        assert_eq!(w.snapshot(&id, &fine).unwrap().status, SnapshotStatus::Completed);
    }

    #[test]
    fn restore_conflicts_while_restoring_and_restores_counts() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.instance_mut(&id).unwrap().replace_data(GraphCounts { nodes: 10, relationships: 20 }, now);
        let sid = w.take_snapshot(now, &id).unwrap();
        let later = now + Duration::seconds(1);
        w.tick(later, fast());
        w.instance_mut(&id).unwrap().replace_data(GraphCounts { nodes: 99, relationships: 99 }, later);
        let view = w.restore(later, fast(), &id, &sid).unwrap();
        assert_eq!(view["status"], "restoring");
        let again = w.restore(later, fast(), &id, &sid).unwrap_err();
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.message, "The database is current undergoing an operation: restoring");
        w.tick(later + Duration::seconds(1), fast());
        assert_eq!(status(&w, &id), "running");
        assert_eq!(w.instance(&id).unwrap().counts, GraphCounts { nodes: 10, relationships: 20 });
    }

    #[test]
    fn held_transitions_wait_for_the_release() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.transitions_held = true;
        let sid = w.take_snapshot(now, &id).unwrap();
        w.tick(now + Duration::hours(1), fast());
        assert_eq!(w.snapshot(&id, &sid).unwrap().status, SnapshotStatus::Pending);
        w.transitions_held = false;
        w.tick(now + Duration::hours(1), fast());
        assert_eq!(w.snapshot(&id, &sid).unwrap().status, SnapshotStatus::Completed);

        w.transitions_held = true;
        w.pause(now + Duration::hours(1), fast(), &id).unwrap();
        w.tick(now + Duration::hours(2), fast());
        assert_eq!(status(&w, &id), "pausing");
        w.transitions_held = false;
        w.tick(now + Duration::hours(2), fast());
        assert_eq!(status(&w, &id), "paused");
    }

    #[test]
    fn doomed_restore_ends_in_loading_failed_with_data_unchanged() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        let sid = w.take_snapshot(now, &id).unwrap();
        let later = now + Duration::seconds(1);
        w.tick(later, fast());
        w.instance_mut(&id).unwrap().replace_data(GraphCounts { nodes: 5, relationships: 5 }, later);
        w.fail_next = 1;
        w.restore(later, fast(), &id, &sid).unwrap();
        w.tick(later + Duration::seconds(1), fast());
        assert_eq!(status(&w, &id), "loading failed");
        assert_eq!(w.instance(&id).unwrap().counts, GraphCounts { nodes: 5, relationships: 5 });
        // A failed load can be retried.
        w.restore(later + Duration::seconds(1), fast(), &id, &sid).unwrap();
    }

    #[test]
    fn business_critical_schedule_makes_daily_and_hourly_snapshots() {
        let (mut w, id) = world_with("business-critical");
        let start = T0 + Duration::seconds(1);
        w.tick(start + Duration::hours(24), fast());
        let snaps: Vec<_> = w.snapshots.iter().filter(|s| s.instance_id == id).collect();
        assert_eq!(snaps.len(), 24);
        assert_eq!(snaps.iter().filter(|s| s.kind == SnapshotKind::Daily && s.exportable).count(), 1);
        assert_eq!(snaps.iter().filter(|s| s.kind == SnapshotKind::Hourly && !s.exportable).count(), 23);
        assert!(snaps.iter().all(|s| s.status == SnapshotStatus::Completed));
    }

    #[test]
    fn paused_instances_get_no_scheduled_snapshots() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.pause(now, fast(), &id).unwrap();
        w.tick(now + Duration::seconds(1), fast());
        assert_eq!(status(&w, &id), "paused");
        w.tick(now + Duration::days(3), fast());
        assert!(w.snapshots.is_empty());
    }

    #[test]
    fn retention_purges_old_snapshots() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.tick(now + Duration::days(10), fast());
        let oldest = w.snapshots.iter().filter(|s| s.instance_id == id).map(|s| s.timestamp).min().unwrap();
        assert!(now + Duration::days(10) - oldest <= Duration::days(7));
        assert_eq!(w.snapshots.len(), 7);
    }

    #[test]
    fn free_tier_keeps_only_the_latest_snapshot() {
        let (mut w, id) = world_with("free-db");
        let now = T0 + Duration::seconds(1);
        let first = w.take_snapshot(now, &id).unwrap();
        w.tick(now + Duration::seconds(1), fast());
        let second = w.take_snapshot(now + Duration::seconds(2), &id).unwrap();
        // The older one survives until the new one completes.
        assert!(w.snapshot(&id, &first).is_ok());
        w.tick(now + Duration::seconds(3), fast());
        assert!(w.snapshot(&id, &first).is_err());
        assert_eq!(w.snapshot(&id, &second).unwrap().status, SnapshotStatus::Completed);
    }

    #[test]
    fn copying_from_an_hourly_snapshot_is_rejected() {
        let (mut w, id) = world_with("business-critical");
        w.tick(T0 + Duration::hours(3), fast());
        let hourly = w.snapshots.iter().find(|s| s.kind == SnapshotKind::Hourly).unwrap().id.clone();
        let req = NewInstance {
            name: "copy".into(),
            tenant_id: w.tenants[0].id.clone(),
            instance_type: "professional-db".into(),
            memory: "2GB".into(),
            source_instance_id: Some(id.clone()),
            source_snapshot_id: Some(hourly.clone()),
            ..Default::default()
        };
        let err = w.create_instance(T0 + Duration::hours(3), fast(), req).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.message, format!("Source snapshot {hourly} is not exportable"));
        // Hourly snapshots are still restorable in place.
        w.restore(T0 + Duration::hours(3), fast(), &id, &hourly).unwrap();
    }

    #[test]
    fn overwrite_without_a_snapshot_takes_a_fresh_one_of_the_source() {
        let (mut w, source) = world_with("professional-db");
        let (mut other, target) = world_with("professional-db");
        // Both instances in one world.
        w.instances.append(&mut other.instances);
        let now = T0 + Duration::seconds(1);
        w.instance_mut(&source).unwrap().replace_data(GraphCounts { nodes: 7, relationships: 8 }, now);
        let from = |instance: &str| OverwriteSource::Instance { instance: instance.to_string(), snapshot: None };
        let view = w.overwrite(now, fast(), &target, &from(&source)).unwrap();
        assert_eq!(view["status"], "overwriting");
        let fresh: Vec<_> = w.snapshots.iter().filter(|s| s.instance_id == source).collect();
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].kind, SnapshotKind::OnDemand);
        w.tick(now + Duration::seconds(1), fast());
        assert_eq!(status(&w, &target), "running");
        assert_eq!(w.instance(&target).unwrap().counts, GraphCounts { nodes: 7, relationships: 8 });
        let missing = w.overwrite(now + Duration::seconds(1), fast(), &target, &from("deadbeef")).unwrap_err();
        assert_eq!((missing.reason.as_str(), missing.field.as_deref()), ("db-not-found", Some("source_instance_id")));
    }

    #[test]
    fn overwrite_from_a_snapshot_alone_uses_one_of_the_instance_itself() {
        let (mut w, id) = world_with("business-critical");
        let (mut other, neighbour) = world_with("professional-db");
        w.instances.append(&mut other.instances);
        let now = T0 + Duration::hours(3);
        w.tick(now, fast());
        let hourly = w.snapshots.iter().find(|s| s.kind == SnapshotKind::Hourly).unwrap().id.clone();
        w.instance_mut(&id).unwrap().replace_data(GraphCounts { nodes: 11, relationships: 12 }, now);
        let own = w.take_snapshot(now, &id).unwrap();
        let theirs = w.take_snapshot(now, &neighbour).unwrap();
        let later = now + Duration::seconds(1);
        w.tick(later, fast());
        w.instance_mut(&id).unwrap().replace_data(GraphCounts { nodes: 99, relationships: 99 }, later);

        // Only the instance's own snapshots are looked at, and only exportable ones may be used.
        let snapshot = |sid: &str| OverwriteSource::OwnSnapshot(sid.to_string());
        let foreign = w.overwrite(later, fast(), &id, &snapshot(&theirs)).unwrap_err();
        assert_eq!(
            (foreign.reason.as_str(), foreign.field.as_deref()),
            ("snapshot-not-found", Some("source_snapshot_id"))
        );
        let refused = w.overwrite(later, fast(), &id, &snapshot(&hourly)).unwrap_err();
        assert_eq!(refused.message, format!("Source snapshot {hourly} is not exportable"));
        assert_eq!(status(&w, &id), "running", "a refused overwrite changes nothing");

        let view = w.overwrite(later, fast(), &id, &snapshot(&own)).unwrap();
        assert_eq!(view["status"], "overwriting");
        let Some(Operation { kind: OpKind::Overwrite { source_instance_id, source_snapshot_id, .. }, .. }) =
            &w.instance(&id).unwrap().op
        else {
            panic!("an overwrite is under way")
        };
        assert_eq!((source_instance_id.as_str(), source_snapshot_id.as_str()), (id.as_str(), own.as_str()));
        w.tick(later + Duration::seconds(1), fast());
        assert_eq!(status(&w, &id), "running");
        assert_eq!(w.instance(&id).unwrap().counts, GraphCounts { nodes: 11, relationships: 12 });
    }

    #[test]
    fn clone_without_a_snapshot_id_uses_the_latest_exportable_one() {
        let (mut w, source) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        let req = |w: &World| NewInstance {
            name: "clone".into(),
            tenant_id: w.tenants[0].id.clone(),
            instance_type: "professional-db".into(),
            memory: "2GB".into(),
            source_instance_id: Some(source.clone()),
            ..Default::default()
        };
        let none = w.create_instance(now, fast(), req(&w)).unwrap_err();
        assert_eq!(none.field.as_deref(), Some("source_instance_id"));
        w.instance_mut(&source).unwrap().replace_data(GraphCounts { nodes: 3, relationships: 4 }, now);
        w.take_snapshot(now, &source).unwrap();
        w.tick(now + Duration::seconds(1), fast());
        let id =
            w.create_instance(now + Duration::seconds(1), fast(), req(&w)).unwrap()["id"].as_str().unwrap().to_string();
        w.tick(now + Duration::seconds(2), fast());
        assert_eq!(w.instance(&id).unwrap().counts, GraphCounts { nodes: 3, relationships: 4 });
    }

    #[test]
    fn pause_and_resume_rules() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        assert_eq!(w.resume(now, fast(), &id).unwrap_err().status, StatusCode::BAD_REQUEST);
        w.pause(now, fast(), &id).unwrap();
        assert_eq!(w.pause(now, fast(), &id).unwrap_err().status, StatusCode::CONFLICT);
        w.tick(now + Duration::seconds(1), fast());
        assert_eq!(w.pause(now + Duration::seconds(1), fast(), &id).unwrap_err().status, StatusCode::BAD_REQUEST);
        w.resume(now + Duration::seconds(1), fast(), &id).unwrap();
        assert_eq!(status(&w, &id), "resuming");
        w.tick(now + Duration::seconds(2), fast());
        assert_eq!(status(&w, &id), "running");
    }

    #[test]
    fn delete_removes_instance_and_snapshots() {
        let (mut w, id) = world_with("professional-db");
        let now = T0 + Duration::seconds(1);
        w.take_snapshot(now, &id).unwrap();
        assert_eq!(w.delete(now, fast(), &id).unwrap()["status"], "destroying");
        w.tick(now + Duration::seconds(1), fast());
        assert_eq!(w.instance(&id).unwrap_err().reason, "db-not-found");
        assert!(w.snapshots.is_empty());
    }
}
