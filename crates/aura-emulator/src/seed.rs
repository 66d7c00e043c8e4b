//! The sandbox demo project: what a fresh data directory starts with when `demo_project` is on.
//!
//! One tenant, "Lifeboat Sandbox", with three instances that show every tier's snapshot behaviour:
//! a Business Critical "Production" with a week of daily and hourly snapshots (one of them Failed) and two
//! on-demand ones, a Professional "Staging" with a week of dailies, and a Free "Playground" with one on-demand
//! snapshot. Production keeps 30 days, but the product asks for a week of history, so its schedule starts a week
//! back; the ordinary schedule and retention rules of [`crate::world`] generate it.

use time::{Duration, OffsetDateTime};

use crate::clock::Timing;
use crate::model::{
    new_db_password, new_instance_id, new_uuid, GraphCounts, Instance, InstanceStatus, Snapshot, SnapshotKind,
    SnapshotStatus, World,
};

struct Spec {
    name: &'static str,
    instance_type: &'static str,
    memory: &'static str,
    storage: &'static str,
    age_days: i64,
    daily_hour: u8,
    /// Counts now; the graph grew to them at `growth` per hour.
    counts_now: GraphCounts,
    growth: GraphCounts,
}

/// The demo world as of `now`.
pub(crate) fn demo_world(now: OffsetDateTime, timing: Timing) -> World {
    let mut world = World::empty();
    let tenant_id = world.tenants[0].id.clone();
    let history = Duration::days(7);
    let specs = [
        Spec {
            name: "Production",
            instance_type: "business-critical",
            memory: "8GB",
            storage: "16GB",
            age_days: 40,
            daily_hour: 2,
            counts_now: GraphCounts::new(1_204_317, 4_817_902),
            growth: GraphCounts::new(600, 2_400),
        },
        Spec {
            name: "Staging",
            instance_type: "professional-db",
            memory: "2GB",
            storage: "4GB",
            age_days: 25,
            daily_hour: 3,
            counts_now: GraphCounts::new(50_212, 180_644),
            growth: GraphCounts::new(12, 40),
        },
        Spec {
            name: "Playground",
            instance_type: "free-db",
            memory: "1GB",
            storage: "2GB",
            age_days: 10,
            daily_hour: 0,
            counts_now: GraphCounts::new(312, 904),
            growth: GraphCounts::new(1, 2),
        },
    ];
    let growth_start = now - history - Duration::hours(1);
    let mut ids = Vec::new();
    for spec in specs {
        let hours = (now - growth_start).as_seconds_f64() / 3600.0;
        let back = |now_count: u64, rate: u64| now_count.saturating_sub((rate as f64 * hours).floor() as u64);
        let id = new_instance_id();
        ids.push(id.clone());
        world.instances.push(Instance {
            id,
            name: spec.name.into(),
            tenant_id: tenant_id.clone(),
            cloud_provider: "gcp".into(),
            region: "europe-west1".into(),
            instance_type: spec.instance_type.into(),
            memory: spec.memory.into(),
            storage: spec.storage.into(),
            version: "5".into(),
            created_at: whole_seconds(now - Duration::days(spec.age_days) - Duration::minutes(47)),
            status: InstanceStatus::Running,
            db_user: "neo4j".into(),
            db_password: new_db_password(),
            counts: GraphCounts::new(
                back(spec.counts_now.nodes, spec.growth.nodes),
                back(spec.counts_now.relationships, spec.growth.relationships),
            ),
            counts_since: growth_start,
            growth_per_hour: spec.growth,
            schedule_cursor: now - history,
            daily_hour: spec.daily_hour,
            schedule_minute: 17,
            op: None,
            import_error: None,
            extra_users: Vec::new(),
            graph: Default::default(),
            import_constraint: false,
        });
    }
    world.tick(now, timing);

    let (production, playground) = (&ids[0], &ids[2]);
    // Exactly one failed scheduled snapshot: Production's daily from two days ago.
    let two_days_ago = now - Duration::days(2);
    if let Some(failed) = world
        .snapshots
        .iter_mut()
        .filter(|s| &s.instance_id == production && s.kind == SnapshotKind::Daily)
        .min_by_key(|s| (s.timestamp - two_days_ago).abs())
    {
        failed.status = SnapshotStatus::Failed;
    }
    let adhoc = [(production, now - Duration::days(3) + Duration::minutes(95)), (production, now - Duration::hours(5))];
    for (id, at) in adhoc.into_iter().chain([(playground, now - Duration::days(2) - Duration::minutes(30))]) {
        add_completed_adhoc(&mut world, id, whole_seconds(at));
    }
    world
}

fn add_completed_adhoc(world: &mut World, instance_id: &str, at: OffsetDateTime) {
    let Some(inst) = world.instances.iter().find(|i| i.id == instance_id) else { return };
    world.snapshots.push(Snapshot {
        id: new_uuid(),
        instance_id: instance_id.to_string(),
        kind: SnapshotKind::OnDemand,
        status: SnapshotStatus::Completed,
        timestamp: at,
        exportable: true,
        counts: inst.counts_at(at),
        doomed: false,
    });
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockSpeed;

    #[test]
    fn demo_project_has_the_promised_shape() {
        let now = OffsetDateTime::now_utc();
        let w = demo_world(now, Timing::new(ClockSpeed::Real));
        assert_eq!(w.tenants.len(), 1);
        let names: Vec<_> = w.instances.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["Production", "Staging", "Playground"]);
        let of = |name: &str| {
            let id = &w.instances.iter().find(|i| i.name == name).unwrap().id;
            w.snapshots.iter().filter(|s| &s.instance_id == id).collect::<Vec<_>>()
        };
        let prod = of("Production");
        assert!(prod.len() >= 7 * 24, "{} snapshots", prod.len());
        assert_eq!(prod.iter().filter(|s| s.status == SnapshotStatus::Failed).count(), 1);
        assert_eq!(prod.iter().filter(|s| s.kind == SnapshotKind::OnDemand).count(), 2);
        assert!(prod.iter().all(|s| now - s.timestamp <= Duration::days(7)));
        let staging = of("Staging");
        assert_eq!(staging.len(), 7);
        assert!(staging.iter().all(|s| s.kind == SnapshotKind::Daily && s.exportable));
        let playground = of("Playground");
        assert_eq!(playground.len(), 1);
        assert_eq!(playground[0].kind, SnapshotKind::OnDemand);
        // Counts grow, so older snapshots hold smaller graphs.
        let oldest = prod.iter().min_by_key(|s| s.timestamp).unwrap();
        let prod_now = w.instances[0].counts_at(now);
        assert!(oldest.counts.nodes + 50_000 < prod_now.nodes);
        assert!((1_150_000..1_250_000).contains(&prod_now.nodes));
    }
}
