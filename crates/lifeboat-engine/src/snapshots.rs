//! The snapshot browser's data: every snapshot of an instance within its tier's retention window, fetched one UTC
//! day per call (that is all the API offers), cached, and refreshed incrementally.
//!
//! Also owns what a snapshot costs: [`data_loss`] and [`human_duration`], so the window, the CLI and the history
//! phrase "how much would I lose?" the same way.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use time::{Date, OffsetDateTime};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use ts_rs::TS;

use crate::api::{ApiError, AuraClient, Snapshot, SnapshotProfile, SnapshotStatus};

/// Days fetched at once: quick, yet a small share of the account's request budget.
const PARALLEL_DAYS: usize = 4;
/// How far back to look for a Free instance's single snapshot.
const FREE_TIER_LOOKBACK_DAYS: u32 = 30;

/// What a tier keeps, from Aura's documentation (guidance: Aura may change it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    /// Days snapshots are kept; `None` when only the latest is kept (Free).
    pub days: Option<u32>,
    /// Only the latest on-demand snapshot exists.
    pub keeps_only_latest: bool,
    /// The schedule and retention in one plain sentence.
    pub summary: String,
}

/// The retention of a tier (`business-critical`, `free-db`, …).
pub fn retention_for(tier: &str) -> Retention {
    let (days, summary): (Option<u32>, &str) = match tier {
        "free-db" => (None, "Free instances have no scheduled snapshots. Aura keeps only the latest snapshot you take yourself, so take one before risky work."),
        "professional-db" => (Some(7), "Aura takes a snapshot every day and keeps snapshots for 7 days."),
        "business-critical" => (Some(30), "Aura takes a snapshot every hour and every day and keeps them for 30 days. Hourly snapshots can be restored but not exported or used for a new instance."),
        "enterprise-db" => (Some(60), "Aura takes a snapshot every hour and every day and keeps them for 60 days. Hourly snapshots can be restored but not exported."),
        "professional-ds" => (Some(7), "Aura takes a snapshot every day and keeps scheduled snapshots for 7 days."),
        "enterprise-ds" => (Some(14), "Aura takes a snapshot every day and keeps scheduled snapshots for 14 days."),
        _ => (Some(7), "Lifeboat does not know this tier's schedule; it shows the last 7 days."),
    };
    Retention { days, keeps_only_latest: days.is_none(), summary: summary.to_owned() }
}

/// A snapshot, ready to display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotView {
    /// Snapshot id.
    pub id: String,
    /// Instance id.
    pub instance_id: String,
    /// When it was taken (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub timestamp: OffsetDateTime,
    /// Raw profile (`Scheduled`, `AdHoc`, …).
    pub profile: String,
    /// Profile in words ("Scheduled", "On-demand").
    pub profile_label: String,
    /// Raw status.
    pub status: String,
    /// Status in words.
    pub status_label: String,
    /// Can be exported or used for a new instance.
    pub exportable: bool,
    /// Can be restored (it completed).
    pub restorable: bool,
    /// When the tier's retention removes it, if known.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(as = "Option<String>")]
    pub expires_at: Option<OffsetDateTime>,
    /// What Lifeboat took it for, when Aura cannot say ("Safety snapshot before restore"); from local history.
    pub purpose: Option<String>,
}

/// The words for a snapshot Lifeboat took just before replacing an instance's data.
pub const SAFETY_PURPOSE: &str = "Safety snapshot before restore";

impl SnapshotView {
    /// Builds the view of a snapshot under a retention policy.
    pub fn new(s: &Snapshot, retention: &Retention) -> Self {
        let (profile, profile_label) = match &s.profile {
            SnapshotProfile::Scheduled => ("Scheduled".to_owned(), "Scheduled".to_owned()),
            SnapshotProfile::AdHoc => ("AdHoc".to_owned(), "On-demand".to_owned()),
            SnapshotProfile::Other(p) => (p.clone(), p.clone()),
        };
        let status_label = match &s.status {
            SnapshotStatus::Pending => "Waiting to start",
            SnapshotStatus::InProgress => "Being taken…",
            SnapshotStatus::Completed => "Completed",
            SnapshotStatus::Failed => "Failed",
            SnapshotStatus::Other(o) => o.as_str(),
        };
        Self {
            id: s.snapshot_id.clone(),
            instance_id: s.instance_id.clone(),
            timestamp: s.timestamp,
            profile,
            profile_label,
            status: s.status.as_str().to_owned(),
            status_label: status_label.to_owned(),
            exportable: s.exportable,
            restorable: s.status == SnapshotStatus::Completed,
            expires_at: retention.days.map(|d| s.timestamp + time::Duration::days(i64::from(d))),
            purpose: None,
        }
    }
}

impl SnapshotTimeline {
    /// Marks the snapshots in `safety_ids` as safety snapshots. Aura has no label for a snapshot, so Lifeboat
    /// keeps the mapping in its own history and applies it to every list it shows.
    pub fn mark_safety_snapshots(&mut self, safety_ids: &std::collections::HashSet<String>) {
        for s in &mut self.snapshots {
            if safety_ids.contains(&s.id) {
                s.purpose = Some(SAFETY_PURPOSE.to_owned());
            }
        }
    }
}

/// All snapshots of an instance within its retention window, newest first.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotTimeline {
    /// Instance id.
    pub instance_id: String,
    /// Raw tier.
    pub tier: String,
    /// Tier in words.
    pub tier_label: String,
    /// Retention in days (`None` for Free).
    pub retention_days: Option<u32>,
    /// Free tier: only the latest snapshot exists.
    pub keeps_only_latest: bool,
    /// The schedule in one sentence.
    pub schedule_summary: String,
    /// How many UTC days were looked at.
    pub days_covered: u32,
    /// When the newest day was fetched.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(as = "String")]
    pub fetched_at: OffsetDateTime,
    /// Newest first.
    pub snapshots: Vec<SnapshotView>,
}

impl SnapshotTimeline {
    /// The newest completed snapshot, if any.
    pub fn latest_restorable(&self) -> Option<&SnapshotView> {
        self.snapshots.iter().find(|s| s.restorable)
    }
}

/// The newest snapshots of an instance, as readiness needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecentSnapshots {
    /// The newest completed snapshot.
    pub newest_restorable: Option<SnapshotView>,
    /// The newest completed one that can be exported (a restore test needs one).
    pub newest_exportable: Option<SnapshotView>,
}

#[derive(Debug, Clone)]
struct CachedDay {
    snapshots: Vec<Snapshot>,
}

impl CachedDay {
    /// A past day is final once none of its snapshots can still change.
    fn is_settled(&self) -> bool {
        self.snapshots.iter().all(|s| s.status.is_final())
    }
}

/// Caches fetched days per instance. Past days that hold only finished snapshots are never fetched again; today,
/// and any day with a snapshot still in progress, are fetched on every refresh.
#[derive(Debug, Default)]
pub struct SnapshotCache {
    days: Mutex<HashMap<(String, Date), CachedDay>>,
}

impl SnapshotCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything known about one instance (after a restore, say).
    pub async fn forget_instance(&self, instance_id: &str) {
        self.days.lock().await.retain(|(id, _), _| id != instance_id);
    }

    /// The instance's timeline. `refresh` also re-fetches yesterday (a snapshot may have finished after midnight).
    pub async fn timeline(
        &self,
        client: &AuraClient,
        instance_id: &str,
        refresh: bool,
    ) -> Result<SnapshotTimeline, ApiError> {
        let instance = client.get_instance(instance_id).await?;
        let retention = retention_for(&instance.tier);
        let now = OffsetDateTime::now_utc();
        let today = now.date();
        let mut snapshots = Vec::new();
        let days_covered;
        if retention.keeps_only_latest {
            // Walk back one day at a time until the single snapshot turns up.
            let mut covered = 0;
            for back in 0..FREE_TIER_LOOKBACK_DAYS {
                let Some(day) = today.checked_sub(time::Duration::days(i64::from(back))) else { break };
                covered += 1;
                let found = self.day(client, instance_id, day, today, refresh).await?;
                if !found.is_empty() {
                    snapshots = found;
                    break;
                }
            }
            days_covered = covered;
        } else {
            let days = retention.days.unwrap_or(7);
            days_covered = days + 1;
            let wanted: Vec<Date> =
                (0..=days).filter_map(|back| today.checked_sub(time::Duration::days(i64::from(back)))).collect();
            snapshots = self.days_parallel(client, instance_id, &wanted, today, refresh).await?;
        }
        let oldest_kept = retention.days.map(|d| now - time::Duration::days(i64::from(d)));
        let mut views: Vec<SnapshotView> = snapshots
            .iter()
            .filter(|s| oldest_kept.is_none_or(|oldest| s.timestamp >= oldest))
            .map(|s| SnapshotView::new(s, &retention))
            .collect();
        views.sort_by_key(|v| std::cmp::Reverse(v.timestamp));
        views.dedup_by(|a, b| a.id == b.id);
        Ok(SnapshotTimeline {
            instance_id: instance.id,
            tier_label: crate::instances::tier_label(&instance.tier),
            tier: instance.tier,
            retention_days: retention.days,
            keeps_only_latest: retention.keeps_only_latest,
            schedule_summary: retention.summary,
            days_covered,
            fetched_at: now,
            snapshots: views,
        })
    }

    /// The newest snapshot that can be restored and the newest that can also be exported, walking back from today
    /// one UTC day at a time only as far as needed (usually one or two calls, shared with the timeline's cache),
    /// and never before the instance was created.
    pub async fn recent(
        &self,
        client: &AuraClient,
        instance_id: &str,
        tier: &str,
        created_at: Option<OffsetDateTime>,
    ) -> Result<RecentSnapshots, ApiError> {
        let retention = retention_for(tier);
        let now = OffsetDateTime::now_utc();
        let today = now.date();
        let age_days = created_at.map(|c| (today - c.date()).whole_days().max(0) as u32);
        let days = retention.days.unwrap_or(FREE_TIER_LOOKBACK_DAYS).min(age_days.unwrap_or(u32::MAX));
        let oldest_kept = retention.days.map(|d| now - time::Duration::days(i64::from(d)));
        let mut found = RecentSnapshots::default();
        for back in 0..=days {
            let Some(day) = today.checked_sub(time::Duration::days(i64::from(back))) else { break };
            let mut snapshots = self.day(client, instance_id, day, today, false).await?;
            snapshots.retain(|s| oldest_kept.is_none_or(|oldest| s.timestamp >= oldest));
            snapshots.sort_by_key(|s| std::cmp::Reverse(s.timestamp));
            let views = snapshots.iter().map(|s| SnapshotView::new(s, &retention));
            for v in views.filter(|v| v.restorable) {
                if v.exportable && found.newest_exportable.is_none() {
                    found.newest_exportable = Some(v.clone());
                }
                if found.newest_restorable.is_none() {
                    found.newest_restorable = Some(v);
                }
            }
            if found.newest_restorable.is_some() && found.newest_exportable.is_some() {
                break;
            }
        }
        Ok(found)
    }

    async fn days_parallel(
        &self,
        client: &AuraClient,
        instance_id: &str,
        days: &[Date],
        today: Date,
        refresh: bool,
    ) -> Result<Vec<Snapshot>, ApiError> {
        let mut to_fetch = Vec::new();
        let mut out = Vec::new();
        {
            let cache = self.days.lock().await;
            for day in days {
                match cache.get(&(instance_id.to_owned(), *day)) {
                    Some(c) if !needs_fetch(c, *day, today, refresh) => out.extend(c.snapshots.iter().cloned()),
                    _ => to_fetch.push(*day),
                }
            }
        }
        let mut tasks = JoinSet::new();
        let mut pending = to_fetch.into_iter();
        loop {
            while tasks.len() < PARALLEL_DAYS {
                let Some(day) = pending.next() else { break };
                let (c, id) = (client.clone(), instance_id.to_owned());
                tasks.spawn(async move { (day, c.list_snapshots(&id, Some(day)).await) });
            }
            let Some(joined) = tasks.join_next().await else { break };
            let (day, fetched) =
                joined.map_err(|e| ApiError::Network { detail: format!("internal task failed: {e}") })?;
            let fetched = fetched?;
            out.extend(fetched.iter().cloned());
            self.days.lock().await.insert((instance_id.to_owned(), day), CachedDay { snapshots: fetched });
        }
        Ok(out)
    }

    async fn day(
        &self,
        client: &AuraClient,
        instance_id: &str,
        day: Date,
        today: Date,
        refresh: bool,
    ) -> Result<Vec<Snapshot>, ApiError> {
        self.days_parallel(client, instance_id, &[day], today, refresh).await
    }
}

fn needs_fetch(cached: &CachedDay, day: Date, today: Date, refresh: bool) -> bool {
    day == today || !cached.is_settled() || (refresh && today.previous_day() == Some(day))
}

/// How much would be lost by going back to `snapshot_time` now.
pub fn data_loss(now: OffsetDateTime, snapshot_time: OffsetDateTime) -> Duration {
    (now - snapshot_time).try_into().unwrap_or(Duration::ZERO)
}

/// A duration in plain words, at minute precision ([`crate::words::span`], its one home).
pub use crate::words::span as human_duration;

/// The data-loss sentence in UTC, for the CLI and reports (the window phrases it in local time).
pub fn data_loss_sentence(now: OffsetDateTime, snapshot_time: OffsetDateTime) -> String {
    format!(
        "Restoring this snapshot loses all changes made in the last {} (since {}).",
        human_duration(data_loss(now, snapshot_time)),
        crate::words::utc_label(snapshot_time)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_data_loss_is_the_time_since_the_snapshot_in_plain_words() {
        let now = datetime!(2026-11-21 15:12:30 UTC);
        assert_eq!(human_duration(data_loss(now, datetime!(2026-11-21 11:00 UTC))), "4 h 12 min");
        assert_eq!(human_duration(data_loss(now, datetime!(2026-11-21 15:12 UTC))), "less than a minute");
        assert_eq!(human_duration(data_loss(now, datetime!(2026-11-19 12:00 UTC))), "2 days 3 h");
        assert_eq!(human_duration(data_loss(now, datetime!(2026-11-20 15:00 UTC))), "1 day");
        assert_eq!(
            data_loss_sentence(now, datetime!(2026-11-21 11:00 UTC)),
            "Restoring this snapshot loses all changes made in the last 4 h 12 min (since 21 Nov 2026 11:00 UTC)."
        );
        // A snapshot "in the future" (clock skew) loses nothing rather than a negative amount.
        assert_eq!(data_loss(now, datetime!(2026-11-21 16:00 UTC)), Duration::ZERO);
    }

    #[test]
    fn retention_follows_the_tier_table() {
        assert_eq!(retention_for("business-critical").days, Some(30));
        assert_eq!(retention_for("professional-db").days, Some(7));
        let free = retention_for("free-db");
        assert!(free.keeps_only_latest);
        assert_eq!(free.days, None);
        assert!(free.summary.contains("latest"));
    }

    #[test]
    fn snapshot_views_say_on_demand_and_know_when_they_expire() {
        let s: Snapshot = serde_json::from_str(
            r#"{"snapshot_id":"s1","instance_id":"i1","profile":"AdHoc","status":"Completed","timestamp":"2026-11-20T10:00:00Z","exportable":true}"#,
        )
        .unwrap();
        let v = SnapshotView::new(&s, &retention_for("professional-db"));
        assert_eq!(v.profile_label, "On-demand");
        assert!(v.restorable);
        assert_eq!(v.expires_at, Some(datetime!(2026-11-27 10:00 UTC)));
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["expiresAt"], "2026-11-27T10:00:00Z");
        assert_eq!(json["profileLabel"], "On-demand");
    }

    #[test]
    fn settled_past_days_are_not_fetched_again_but_today_always_is() {
        let done: Snapshot = serde_json::from_str(
            r#"{"snapshot_id":"s1","profile":"Scheduled","status":"Completed","timestamp":"2026-11-20T10:00:00Z"}"#,
        )
        .unwrap();
        let mut busy = done.clone();
        busy.status = SnapshotStatus::InProgress;
        let today = time::macros::date!(2026 - 11 - 21);
        let past = time::macros::date!(2026 - 11 - 18);
        let yesterday = time::macros::date!(2026 - 11 - 20);
        let settled = CachedDay { snapshots: vec![done] };
        assert!(!needs_fetch(&settled, past, today, false));
        assert!(!needs_fetch(&settled, past, today, true));
        assert!(needs_fetch(&settled, today, today, false));
        assert!(needs_fetch(&settled, yesterday, today, true));
        assert!(needs_fetch(&CachedDay { snapshots: vec![busy] }, past, today, false));
    }
}
