import { describe, expect, it } from 'vitest';
import type { ItemProgress } from '../api';
import { job, step, withSteps } from '../test/jobs';
import { graphFailureHelp, importTouchedData, itemLine } from './graph';

const importJob = job({
  kind: 'graph-import',
  instanceName: 'Staging',
  steps: [
    step('check-file', 'Check the file'),
    step('counts-before', 'Count'),
    step('safety-snapshot', 'Safety snapshot'),
    step('delete', 'Delete the current data'),
    step('nodes', 'Write the nodes'),
    step('relationships', 'Write the relationships'),
    step('finish', 'Remove the import markers'),
    step('verify', 'Check'),
  ],
});

describe('item progress in words', () => {
  it('counts against the total when there is one', () => {
    const line = (p: Partial<ItemProgress>) =>
      itemLine({ done: 0, total: null, unit: 'nodes', perSec: null, etaSecs: null, ...p });
    expect(line({ done: 1200, total: 50212 })).toBe('1,200 of 50,212 nodes');
    expect(line({ done: 5000, unit: 'nodes deleted' })).toBe('5,000 nodes deleted');
    expect(line({ done: 0, total: 0, unit: 'relationships' })).toBe('0 relationships');
  });

  it('gives a pace at once and a time left only once the engine says the pace is steady', () => {
    const line = (p: Partial<ItemProgress>) =>
      itemLine({ done: 0, total: null, unit: 'nodes', perSec: null, etaSecs: null, ...p });
    expect(line({ done: 12_000, total: 1_200_000, perSec: 9_800 })).toBe(
      '12,000 of 1,200,000 nodes · 9,800 a second · estimating time left…',
    );
    expect(line({ done: 120_000, total: 1_200_000, perSec: 9_800, etaSecs: 110 })).toMatch(
      /^120,000 of 1,200,000 nodes · 9,800 a second · about 2 min left$/,
    );
  });
});

describe('what a failed import left behind', () => {
  it('has changed nothing while it only checked, counted and took the safety snapshot', () => {
    const early = { ...withSteps(importJob, ['done', 'done', 'failed']), dataOverwritten: false };
    expect(importTouchedData(early)).toBe(false);
    expect(graphFailureHelp(early)).toBe(
      'Nothing in Staging was changed. Check the file and the database login, then try again.',
    );
  });

  it('may have left part of the data once it started deleting', () => {
    const late = {
      ...withSteps(importJob, ['done', 'done', 'skipped', 'done', 'failed']),
      dataOverwritten: true,
    };
    expect(importTouchedData(late)).toBe(true);
    expect(graphFailureHelp(late)).toMatch(/^Staging may hold only part of the data now/);
  });

  it('never changes the instance on an export', () => {
    const failed = withSteps(job({ kind: 'graph-export' }), ['failed']);
    expect(graphFailureHelp(failed)).toMatch(
      /^Nothing in Production was changed, and no file was saved/,
    );
  });
});
