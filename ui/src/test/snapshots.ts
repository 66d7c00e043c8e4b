import type { SnapshotTimeline, SnapshotView } from '../api';

/** Friday 21 Nov 2025, 15:12 UTC: "now" in snapshot tests (run with TZ=UTC). */
export const NOW = Date.UTC(2025, 10, 21, 15, 12, 0);

const DAY = 86_400_000;

export function snapshot(overrides: Partial<SnapshotView> = {}): SnapshotView {
  const timestamp = overrides.timestamp ?? '2025-11-21T15:00:00Z';
  return {
    id: 'snap-1',
    instanceId: 'a1b2c3d4',
    timestamp,
    profile: 'Scheduled',
    profileLabel: 'Scheduled',
    status: 'Completed',
    statusLabel: 'Completed',
    exportable: false,
    restorable: true,
    expiresAt: new Date(new Date(timestamp).getTime() + 30 * DAY).toISOString(),
    purpose: null,
    ...overrides,
  };
}

/** Hourly, on-demand, failed and daily snapshots over the last few days, newest first. */
export const snapshots: SnapshotView[] = [
  snapshot({ id: 'hourly-1500', timestamp: '2025-11-21T15:00:00Z' }),
  snapshot({
    id: 'adhoc-1100',
    timestamp: '2025-11-21T11:00:00Z',
    profile: 'AdHoc',
    profileLabel: 'On-demand',
    exportable: true,
  }),
  snapshot({
    id: 'failed-1000',
    timestamp: '2025-11-21T10:00:00Z',
    status: 'Failed',
    statusLabel: 'Failed',
    restorable: false,
  }),
  snapshot({ id: 'daily-2310', timestamp: '2025-11-20T23:10:00Z', exportable: true }),
  snapshot({
    id: 'daily-1117',
    timestamp: '2025-11-17T02:17:00Z',
    exportable: true,
    expiresAt: '2025-11-27T02:17:00Z',
  }),
];

export function timeline(overrides: Partial<SnapshotTimeline> = {}): SnapshotTimeline {
  return {
    instanceId: 'a1b2c3d4',
    tier: 'business-critical',
    tierLabel: 'Business Critical',
    retentionDays: 30,
    keepsOnlyLatest: false,
    scheduleSummary:
      'Aura takes a snapshot every hour and every day and keeps them for 30 days. Hourly snapshots can be restored but not exported or used for a new instance.',
    daysCovered: 31,
    fetchedAt: '2025-11-21T15:11:00Z',
    snapshots,
    ...overrides,
  };
}

export const freeTimeline = timeline({
  instanceId: 'c9d0e1f2',
  tier: 'free-db',
  tierLabel: 'Free',
  retentionDays: null,
  keepsOnlyLatest: true,
  scheduleSummary:
    'Free instances have no scheduled snapshots. Aura keeps only the latest snapshot you take yourself, so take one before risky work.',
  daysCovered: 7,
  snapshots: [],
});

export const emptyTimeline = timeline({ snapshots: [] });
