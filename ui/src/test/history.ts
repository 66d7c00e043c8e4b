import type { HistoryEntry, HistoryReport } from '../api';

/** A finished restore of Production as the history keeps it; override what a test looks at. */
export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    format: 1,
    jobId: '20251121T151200-ab12',
    kind: 'restore',
    instanceId: 'a1b2c3d4',
    instanceName: 'Production',
    title: 'Restore Production to the snapshot of 21 Nov 2025 11:00 UTC',
    startedAt: '2025-11-21T15:12:00Z',
    finishedAt: '2025-11-21T15:20:00Z',
    totalSecs: 480,
    backupTime: null,
    durationSecs: 205,
    outcome: 'succeeded',
    error: null,
    reason: 'Bad migration',
    snapshotId: 's-1100',
    snapshotTime: '2025-11-21T11:00:00Z',
    dataLossSecs: 4 * 3600 + 12 * 60,
    overwritten: true,
    safetySnapshotId: 's-safety',
    newInstanceId: null,
    instanceDeletedAt: null,
    countsBefore: { nodes: 1200, relationships: 3400 },
    countsAfter: { nodes: 1000, relationships: 3500 },
    verificationNote: null,
    fileName: null,
    fileUnchanged: null,
    requestIds: ['req-1', 'req-2'],
    savedPath: null,
    savedBytes: null,
    savedCrc32: null,
    fileBytes: null,
    importSecs: null,
    filePath: null,
    fileCounts: null,
    fileDigest: null,
    objectives: null,
    copy: null,
    ...overrides,
  };
}

export const report: HistoryReport = {
  markdown: '# Restore report: Production\n\n**Outcome:** Succeeded.\n',
  messages: {
    before: 'Subject: Planned restore of Production on 21 Nov 2025 15:12 UTC\n\nHello,',
    after: 'Subject: Production is running again after the restore\n\nHello,',
  },
};
