import { describe, expect, it } from 'vitest';
import { job, step, withSteps } from '../test/jobs';
import {
  countChange,
  isNewerJobState,
  jobObservations,
  jobSummary,
  LIST_PACE,
  listPace,
  outcomeAttr,
  stepStateWord,
  stoppedBeforeImport,
  uploadFailureHelp,
  withFreshestStatus,
} from './jobs';

const restore = job({
  kind: 'restore',
  title: 'Restore Production to 21 Nov 11:00 UTC',
  steps: [
    step('safety-snapshot', 'Take a safety snapshot'),
    step('counts-before', 'Count nodes and relationships'),
    step('restoring', 'Restore the snapshot'),
    step('verify', 'Check the data'),
  ],
});

describe('isNewerJobState', () => {
  it('accepts the first state and later ones', () => {
    const started = withSteps(restore, ['active']);
    const further = withSteps(restore, ['done', 'active']);
    expect(isNewerJobState(started, undefined)).toBe(true);
    expect(isNewerJobState(further, started)).toBe(true);
    expect(isNewerJobState(further, further)).toBe(true);
  });

  it('never moves a job backwards', () => {
    const started = withSteps(restore, ['active']);
    const further = withSteps(restore, ['done', 'skipped', 'active']);
    expect(isNewerJobState(started, further)).toBe(false);
    const finished = { ...further, outcome: 'succeeded' as const };
    expect(isNewerJobState(further, finished)).toBe(false);
    expect(isNewerJobState(finished, further)).toBe(true);
  });
});

describe('jobSummary', () => {
  it('names the step under way', () => {
    expect(jobSummary(restore)).toBe('Starting…');
    expect(jobSummary(withSteps(restore, ['done', 'done', 'active']))).toBe(
      'Step 3 of 4: Restore the snapshot.',
    );
  });

  it('says how it ended', () => {
    expect(jobSummary({ ...restore, outcome: 'succeeded' })).toBe(
      'Finished: Restore Production to 21 Nov 11:00 UTC.',
    );
    expect(jobSummary({ ...withSteps(restore, ['done', 'failed']), outcome: 'failed' })).toBe(
      'Stopped at step 2 of 4: Count nodes and relationships.',
    );
    expect(outcomeAttr(restore)).toBe('running');
    expect(outcomeAttr({ ...restore, outcome: 'failed' })).toBe('failed');
  });
});

describe('words', () => {
  it('names every step state', () => {
    expect(
      ['pending', 'active', 'done', 'failed', 'skipped'].map((s) => stepStateWord(s as never)),
    ).toEqual(['Waiting', 'In progress', 'Done', 'Failed', 'Skipped']);
  });

  it('describes how counts moved', () => {
    expect(countChange(1000, 1000)).toBe('same as before');
    expect(countChange(2400, 1200)).toBe('1,200 fewer');
    expect(countChange(1200, 1500)).toBe('300 more');
  });
});

describe('after a failed restore from a file', () => {
  const upload = job({
    kind: 'upload',
    instanceName: 'Production',
    steps: [
      step('counts-before', 'Count'),
      step('safety-snapshot', 'Safety snapshot'),
      step('checksum', 'Check the file'),
      step('upload', 'Upload'),
      step('import', 'Load'),
      step('verify', 'Check the data'),
    ],
  });

  it('says nothing was changed when it stopped before the import', () => {
    const stopped = {
      ...withSteps(upload, ['done', 'done', 'done', 'failed']),
      dataOverwritten: false,
    };
    expect(stoppedBeforeImport(stopped)).toBe(true);
    expect(uploadFailureHelp(stopped)).toMatch(/^Nothing in Production was changed/);
  });

  it('points to the safety snapshot once the import had started', () => {
    const stopped = {
      ...withSteps(upload, ['done', 'done', 'done', 'done', 'failed']),
      dataOverwritten: true,
    };
    expect(stoppedBeforeImport(stopped)).toBe(false);
    expect(uploadFailureHelp(stopped)).toContain('safety snapshot');
    expect(uploadFailureHelp(stopped)).not.toContain('Nothing in Production was changed');
  });

  it('never says nothing was changed when the job could not tell', () => {
    const unknown = {
      ...withSteps(upload, ['done', 'done', 'done', 'failed']),
      dataOverwritten: null,
    };
    expect(stoppedBeforeImport(unknown)).toBe(false);
  });
});

describe('withFreshestStatus', () => {
  const listed = {
    id: 'a1b2c3d4',
    status: 'running',
    statusLabel: 'Running',
    statusTone: 'ok' as const,
  };
  const fetchedAt = Date.parse('2025-11-21T15:10:05Z');
  const seen = (at: string, status = 'restoring') => ({
    status,
    statusLabel: status === 'restoring' ? 'Restoring from a snapshot…' : 'Running',
    statusTone: status === 'restoring' ? ('busy' as const) : ('ok' as const),
    at,
  });

  it("takes the job's read when it is newer than the list", () => {
    const watching = job({ instanceSeen: seen('2025-11-21T15:10:07Z') });
    const [shown] = withFreshestStatus([listed], fetchedAt, jobObservations([watching]));
    expect(shown).toMatchObject({
      status: 'restoring',
      statusLabel: 'Restoring from a snapshot…',
      statusTone: 'busy',
    });
  });

  it('keeps the list when the list is newer, or the job never read its instance', () => {
    const older = job({ instanceSeen: seen('2025-11-21T15:10:01Z') });
    expect(withFreshestStatus([listed], fetchedAt, jobObservations([older, job()]))[0]).toBe(
      listed,
    );
  });

  it("uses the freshest of several jobs' reads, and only for their own instance", () => {
    const first = job({ id: 'j1', instanceSeen: seen('2025-11-21T15:10:07Z') });
    const later = job({ id: 'j2', instanceSeen: seen('2025-11-21T15:10:09Z', 'running') });
    const other = { ...listed, id: 'other' };
    const [mine, theirs] = withFreshestStatus(
      [{ ...listed, status: 'restoring' }, other],
      fetchedAt,
      jobObservations([first, later]),
    );
    expect(mine?.status).toBe('running');
    expect(theirs).toBe(other);
  });
});

describe('listPace', () => {
  it('is fast for a busy instance no job watches, slower while jobs watch, slow when idle', () => {
    const idle = [{ id: 'a1b2c3d4', statusTone: 'ok' as const }];
    const busy = [{ id: 'a1b2c3d4', statusTone: 'busy' as const }];
    expect(listPace(idle, [])).toBe(LIST_PACE.idle);
    expect(listPace(idle, [job({ outcome: 'succeeded' })])).toBe(LIST_PACE.idle);
    expect(listPace(idle, [job()])).toBe(LIST_PACE.watched);
    expect(listPace(busy, [job()])).toBe(LIST_PACE.watched);
    expect(listPace(busy, [])).toBe(LIST_PACE.unwatched);
    expect(listPace([{ id: 'other', statusTone: 'busy' }], [job()])).toBe(LIST_PACE.unwatched);
    expect(listPace(null, [])).toBe(LIST_PACE.idle);
  });
});
