import { describe, expect, it } from 'vitest';
import { historyEntry } from '../test/history';
import { job } from '../test/jobs';
import { dataLostText, durationText, hasRestoreReport, instancesIn } from './history';

describe('history cells', () => {
  it('says what a restore lost, and that other operations lose nothing', () => {
    expect(dataLostText(historyEntry({ dataLossSecs: 4 * 3600 + 12 * 60 }))).toBe('4 h 12 min');
    expect(dataLostText(historyEntry({ overwritten: false }))).toBe('None');
    expect(dataLostText(historyEntry({ kind: 'drill', overwritten: null }))).toBe('None');
    expect(dataLostText(historyEntry({ kind: 'upload', dataLossSecs: null }))).toBe(
      'Changes since the file was made',
    );
    expect(dataLostText(historyEntry({ dataLossSecs: null }))).toBe('Not known');
  });

  it('prefers the measured time over start to end', () => {
    expect(durationText(historyEntry({ durationSecs: 205, totalSecs: 480 }))).toBe('3 min 25 s');
    expect(durationText(historyEntry({ durationSecs: null, totalSecs: 42 }))).toBe('42 s');
  });

  it('lists each instance once, by name', () => {
    const entries = [
      historyEntry({ jobId: 'a', instanceId: 'i2', instanceName: 'Staging' }),
      historyEntry({ jobId: 'b', instanceId: 'i1', instanceName: 'Production' }),
      historyEntry({ jobId: 'c', instanceId: 'i2', instanceName: 'Staging' }),
    ];
    expect(instancesIn(entries)).toEqual([
      { id: 'i1', name: 'Production' },
      { id: 'i2', name: 'Staging' },
    ]);
    expect(instancesIn(entries.slice(1, 2), [{ id: 'i9', name: 'Archive' }])).toEqual([
      { id: 'i9', name: 'Archive' },
      { id: 'i1', name: 'Production' },
    ]);
  });

  it('offers a restore report only for finished restores and restore tests', () => {
    const done = { outcome: 'succeeded' as const };
    expect(hasRestoreReport(job({ kind: 'restore', ...done }))).toBe(true);
    expect(hasRestoreReport(job({ kind: 'upload', outcome: 'failed' }))).toBe(true);
    expect(hasRestoreReport(job({ kind: 'drill', ...done }))).toBe(true);
    expect(hasRestoreReport(job({ kind: 'restore' }))).toBe(false);
    expect(hasRestoreReport(job({ kind: 'snapshot', ...done }))).toBe(false);
    expect(hasRestoreReport(job({ kind: 'clone', ...done }))).toBe(false);
  });
});
