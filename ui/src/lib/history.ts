/** Pure helpers for the operation history: words for kinds and outcomes, table cells, filters. */

import type { HistoryEntry, HistoryFilter, JobKind, JobOutcome, JobState } from '../api';
import { formatElapsed, humanDuration } from './time';

/** What each kind of operation is called in the history (and its filter). */
export const KIND_LABELS: Record<JobKind, string> = {
  restore: 'Restore',
  upload: 'Restore from a file',
  drill: 'Restore test',
  snapshot: 'Snapshot',
  clone: 'New instance',
  'snapshot-export': 'Snapshot export',
  'graph-export': 'Data export',
  'graph-import': 'Data import',
  'scheduled-copy': 'Scheduled copy',
  objectives: 'Objectives',
};

export const OUTCOME_LABELS: Record<JobOutcome, string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
};

/** No filter: every operation. */
export const ANY: HistoryFilter = { kind: null, instanceId: null, outcome: null };

function overwrites(entry: HistoryEntry): boolean {
  return entry.kind === 'restore' || entry.kind === 'upload' || entry.kind === 'graph-import';
}

/** Data lost, short, for the table (the same words as the engine's Markdown export). */
export function dataLostText(entry: HistoryEntry): string {
  if (!overwrites(entry) || entry.overwritten === false) return 'None';
  if (entry.kind === 'upload') return 'Changes since the file was made';
  if (entry.kind === 'graph-import') return 'Replaced by the data export';
  return entry.dataLossSecs === null ? 'Not known' : humanDuration(entry.dataLossSecs);
}

/** How long it took: the measured operation where there is one, else start to end. */
export function durationText(entry: HistoryEntry): string {
  return formatElapsed(entry.durationSecs ?? entry.totalSecs);
}

export type NamedInstance = { id: string; name: string };

/** The instances named in `entries` (and in `known`, from earlier answers), each once, by name. */
export function instancesIn(entries: HistoryEntry[], known: NamedInstance[] = []): NamedInstance[] {
  const byId = new Map<string, string>(known.map((i) => [i.id, i.name]));
  for (const e of entries) if (!byId.has(e.instanceId)) byId.set(e.instanceId, e.instanceName);
  return [...byId]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Whether a job has a restore report to offer: a restore, a restore from a file or a restore test, finished. */
export function hasRestoreReport(job: JobState): boolean {
  return (
    job.outcome !== null &&
    (job.kind === 'restore' ||
      job.kind === 'upload' ||
      job.kind === 'drill' ||
      job.kind === 'graph-import')
  );
}
