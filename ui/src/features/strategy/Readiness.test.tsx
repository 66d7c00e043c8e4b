import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { ReadinessCheck, Readiness as ReadinessData, ScheduleView } from '../../api';
import { renderWithShell } from '../../test/harness';
import { callsOf } from '../../test/ipc';
import { job, jobChannel } from '../../test/jobs';
import { changeFrom, fieldSecs, toField } from './objectives';
import { Readiness } from './Readiness';

const production = { id: 'a1b2c3d4', name: 'Production' };

function check(overrides: Partial<ReadinessCheck>): ReadinessCheck {
  return {
    id: 'loss-now',
    title: 'Worst-case data loss now',
    level: 'met',
    levelLabel: 'Met',
    value: '12 min',
    detail: 'The newest snapshot is 12 min old.',
    fix: null,
    fixLabel: null,
    measure: null,
    at: null,
    dueAt: null,
    ...overrides,
  };
}

function readiness(overrides: Partial<ReadinessData> = {}): ReadinessData {
  return {
    instanceId: production.id,
    instanceName: production.name,
    tier: 'professional',
    tierLabel: 'Professional',
    objectives: null,
    drillEverySecs: 90 * 86_400,
    level: 'no-objective',
    levelLabel: 'No objective set',
    summary: 'No recovery objectives are set for Production.',
    allMet: true,
    checks: [check({ level: 'no-objective', levelLabel: 'No objective set' })],
    drillSnapshotId: 'snap-1',
    checkedAt: '2025-11-21T15:12:00Z',
    ...overrides,
  };
}

const notMet = readiness({
  objectives: { rpoSecs: 3600, rtoSecs: 1800, drillEverySecs: 90 * 86_400, updatedAt: 'x' },
  level: 'not-met',
  levelLabel: 'Not met',
  summary: 'Production could lose more data than its RPO allows.',
  allMet: false,
  checks: [
    check({
      level: 'not-met',
      levelLabel: 'Not met',
      value: '3 h',
      detail: 'The newest snapshot is 3 h old; the RPO is 1 h.',
      fix: 'take-snapshot',
      fixLabel: 'Take a snapshot now',
      measure: { valueSecs: 10_800, limitSecs: 3600 },
    }),
    check({
      id: 'drill',
      title: 'Last restore test',
      level: 'at-risk',
      levelLabel: 'Needs attention',
      value: 'Never',
      detail: 'No restore has been tested.',
      fix: 'run-drill',
      fixLabel: 'Run a drill',
    }),
  ],
});

const met = readiness({
  ...notMet,
  level: 'met',
  levelLabel: 'Met',
  allMet: true,
  checks: [check({ measure: { valueSecs: 60, limitSecs: 3600 } })],
});

describe('Readiness', () => {
  it('shows each check in words with a mark, not colour alone, and the summary', async () => {
    renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => notMet,
      get_objectives: () => notMet.objectives,
      list_schedules: () => [],
    });
    const panel = await screen.findByTestId('readiness');
    await waitFor(() => expect(panel.dataset.level).toBe('not-met'));
    expect(screen.getByTestId('readiness-level').textContent).toBe('✗Not met');
    const rows = screen.getAllByTestId('readiness-check');
    expect(rows.map((r) => r.dataset.check)).toEqual(['loss-now', 'drill']);
    const [loss, drill] = rows as [HTMLElement, HTMLElement];
    expect(within(loss).getByText('3 h')).toBeTruthy();
    expect(within(loss).getByText('3 h of 1 h')).toBeTruthy();
    expect(within(drill).getByText('Needs attention').previousElementSibling?.textContent).toBe(
      '!',
    );
    expect(screen.getByTestId('objectives-summary').textContent).toContain(
      'Lose at most 1 h of data; back within 30 min; test a restore every 90 days.',
    );
  });

  it('takes a snapshot from the fix button and reads readiness again when the job finishes', async () => {
    let answer = notMet;
    let channel: ReturnType<typeof jobChannel> | undefined;
    const snap = job({ id: 'job-snap', kind: 'snapshot', instanceId: production.id });
    const { calls } = renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => answer,
      get_objectives: () => notMet.objectives,
      list_schedules: () => [],
      take_snapshot: (args) => {
        channel = jobChannel(args.onEvent);
        channel.send(snap);
        return { jobId: snap.id };
      },
    });
    fireEvent.click(await screen.findByTestId('fix-take-snapshot'));
    await waitFor(() => expect(callsOf(calls, 'take_snapshot')).toHaveLength(1));
    expect(callsOf(calls, 'take_snapshot')[0]?.args.instanceId).toBe(production.id);
    const before = callsOf(calls, 'get_readiness').length;
    answer = met;
    act(() => channel?.send({ ...snap, outcome: 'succeeded', finishedAt: '2025-11-21T15:13:00Z' }));
    await waitFor(() => expect(screen.getByTestId('readiness').dataset.level).toBe('met'));
    expect(callsOf(calls, 'get_readiness').length).toBe(before + 1);
  });

  it('runs a drill of the snapshot the engine chose', async () => {
    const { calls } = renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => notMet,
      get_objectives: () => notMet.objectives,
      list_schedules: () => [],
      start_drill: () => ({ jobId: 'job-drill' }),
      watch_job: () => job({ id: 'job-drill', kind: 'drill' }),
    });
    fireEvent.click(await screen.findByTestId('fix-run-drill'));
    await waitFor(() => expect(callsOf(calls, 'start_drill')).toHaveLength(1));
    expect(callsOf(calls, 'start_drill')[0]?.args).toMatchObject({
      instanceId: production.id,
      snapshotId: 'snap-1',
    });
  });

  it('saves only the objectives that changed', async () => {
    const { calls } = renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => readiness(),
      get_objectives: () => null,
      list_schedules: () => [],
      set_objectives: () => ({
        objectives: { rpoSecs: 3600, rtoSecs: null, drillEverySecs: 90 * 86_400, updatedAt: 'x' },
        previous: null,
        jobId: 'obj-1',
      }),
    });
    fireEvent.click(await screen.findByTestId('objectives-edit'));
    fireEvent.input(screen.getByTestId('objective-rpo'), { target: { value: '1' } });
    fireEvent.click(screen.getByTestId('objectives-save'));
    await waitFor(() => expect(callsOf(calls, 'set_objectives')).toHaveLength(1));
    expect(callsOf(calls, 'set_objectives')[0]?.args).toEqual({
      instanceId: production.id,
      change: {
        rpo: { action: 'set', secs: 3600 },
        rto: { action: 'keep' },
        drillEvery: { action: 'keep' },
      },
    });
    await waitFor(() => expect(screen.queryByTestId('objectives-form')).toBeNull());
  });

  it('refuses a duration that is not a whole number without calling the shell', async () => {
    const { calls } = renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => readiness(),
      get_objectives: () => null,
      list_schedules: () => [],
    });
    fireEvent.click(await screen.findByTestId('objectives-edit'));
    fireEvent.input(screen.getByTestId('objective-rto'), { target: { value: 'soon' } });
    fireEvent.click(screen.getByTestId('objectives-save'));
    expect((await screen.findByTestId('objectives-error')).textContent).toContain(
      'Nothing was changed',
    );
    expect(callsOf(calls, 'set_objectives')).toHaveLength(0);
  });

  it('sets up copies with the folder from the native dialog and lists the schedule', async () => {
    const schedule: ScheduleView = {
      name: 'production-weekly',
      instanceId: production.id,
      instanceName: production.name,
      description: 'every Friday at 03:30',
      every: 'weekly',
      on: 'fri',
      at: '03:30',
      keep: 4,
      folder: '/home/ada/Backups',
      unattended: true,
      practice: false,
      lastRun: null,
      lastSuccess: null,
      nextRunAt: '2025-11-28T03:30:00Z',
      nextRun: 'Fri 28 Nov 03:30',
    };
    let listed: ScheduleView[] = [];
    const { calls } = renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => readiness(),
      get_objectives: () => null,
      list_schedules: () => listed,
      choose_copies_folder: () => '/home/ada/Backups',
      add_schedule: () => {
        listed = [schedule];
        return {
          schedule,
          osEntry: {
            backend: 'systemd-user',
            files: [],
            active: true,
            detail: 'A systemd user timer makes the copies.',
          },
          notInstalled: null,
        };
      },
    });
    fireEvent.click(await screen.findByTestId('copies-add'));
    const dialog = await screen.findByTestId('copies-dialog');
    fireEvent.change(within(dialog).getByTestId('copies-every'), { target: { value: '1w' } });
    fireEvent.change(within(dialog).getByTestId('copies-on'), { target: { value: 'fri' } });
    fireEvent.input(within(dialog).getByTestId('copies-at'), { target: { value: '03:30' } });
    fireEvent.input(within(dialog).getByTestId('copies-keep'), { target: { value: '4' } });
    fireEvent.click(within(dialog).getByTestId('copies-choose-folder'));
    await waitFor(() =>
      expect(within(dialog).getByTestId('copies-folder').textContent).toBe('/home/ada/Backups'),
    );
    fireEvent.click(screen.getByTestId('copies-save'));
    await waitFor(() => expect(callsOf(calls, 'add_schedule')).toHaveLength(1));
    expect(callsOf(calls, 'add_schedule')[0]?.args.request).toEqual({
      instanceId: production.id,
      every: '1w',
      on: 'fri',
      at: '03:30',
      keep: 4,
      folder: '/home/ada/Backups',
      install: true,
    });
    const row = await screen.findByTestId('copies-schedule');
    expect(row.textContent).toContain('every Friday at 03:30');
    expect(row.textContent).toContain('Also made while Lifeboat is closed.');
    expect(screen.queryByTestId('copies-dialog')).toBeNull();
  });

  it('says what went wrong when readiness cannot be read', async () => {
    renderWithShell(<Readiness instance={production} />, {
      get_readiness: () => {
        throw { code: 'network', message: 'Lifeboat could not reach Aura.', retryable: true };
      },
      get_objectives: () => null,
      list_schedules: () => [],
    });
    expect((await screen.findByTestId('readiness-error')).textContent).toContain(
      'Lifeboat could not reach Aura.',
    );
  });
});

describe('objectives arithmetic', () => {
  it('shows a stored duration in the largest whole unit and reads it back', () => {
    expect(toField(90 * 86_400, 'hours')).toEqual({ amount: '90', unit: 'days' });
    expect(toField(5400, 'hours')).toEqual({ amount: '90', unit: 'minutes' });
    expect(toField(null, 'hours')).toEqual({ amount: '', unit: 'hours' });
    expect(fieldSecs({ amount: '2', unit: 'hours' })).toBe(7200);
    expect(fieldSecs({ amount: '', unit: 'hours' })).toBeNull();
    expect(fieldSecs({ amount: '1.5', unit: 'hours' })).toBeUndefined();
  });

  it('clears what was emptied and keeps what did not change', () => {
    const current = { rpoSecs: 3600, rtoSecs: 600, drillEverySecs: 30 * 86_400, updatedAt: 'x' };
    expect(changeFrom({ rpo: null, rto: 600, drillEvery: null }, current)).toEqual({
      rpo: { action: 'clear' },
      rto: { action: 'keep' },
      drillEvery: { action: 'clear' },
    });
    expect(changeFrom({ rpo: 3600, rto: 600, drillEvery: 30 * 86_400 }, current)).toBeNull();
  });
});
