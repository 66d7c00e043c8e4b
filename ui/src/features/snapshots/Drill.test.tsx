import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState } from '../../api';
import { renderWithShell } from '../../test/harness';
import { callsOf } from '../../test/ipc';
import { job, jobChannel, step, withSteps } from '../../test/jobs';
import { NOW, timeline } from '../../test/snapshots';
import { SnapshotBrowser } from './SnapshotBrowser';

const production = { id: 'a1b2c3d4', name: 'Production' };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

const drillJob: JobState = job({
  id: 'job-drill',
  kind: 'drill',
  title: 'Test a restore of Production from the snapshot of 20 Nov 2025 23:10 UTC',
  startedAt: '2025-11-21T15:12:00Z',
  steps: [
    step('request', 'Ask Aura for a temporary test instance'),
    step('creating', 'Aura restores the snapshot into the test instance (timed)'),
    step('verify', "Check the test instance's data"),
  ],
});

function succeeded(base: JobState): JobState {
  return {
    ...withSteps(base, ['done', 'done', 'done']),
    outcome: 'succeeded',
    finishedAt: '2025-11-21T15:16:00Z',
    result: {
      ...base.result,
      newInstanceId: 'f0f0f0f0',
      durationSecs: 205,
      countsAfter: { nodes: 1000, relationships: 3500 },
    },
  };
}

function start(handlers: Parameters<typeof renderWithShell>[1] = {}) {
  let channel: ReturnType<typeof jobChannel> | undefined;
  const rendered = renderWithShell(<SnapshotBrowser instance={production} />, {
    list_snapshots: () => timeline(),
    start_drill: (args) => {
      channel = jobChannel(args.onEvent);
      channel.send(withSteps(drillJob, ['active']));
      return { jobId: drillJob.id };
    },
    ...handlers,
  });
  return { ...rendered, send: (state: JobState) => act(() => channel?.send(state)) };
}

async function choose(id: string) {
  const row = await waitFor(() => {
    const found = screen.queryAllByTestId('snapshot-row').find((r) => r.dataset.snapshotId === id);
    if (!found) throw new Error(`no row ${id}`);
    return found;
  });
  fireEvent.click(row);
}

describe('testing a restore', () => {
  it('is offered for exportable snapshots, explained in one sentence, and not for hourly ones', async () => {
    start();
    await choose('hourly-1500');
    await screen.findByTestId('restore-snapshot');
    expect(screen.queryByTestId('start-drill')).toBeNull();

    await choose('daily-2310');
    const button = await screen.findByTestId('start-drill');
    expect(button.textContent).toBe('Test a restore');
    expect(screen.getByTestId('drill-explanation').textContent).toContain(
      'Creates a temporary copy from this snapshot, checks it, and measures how long a restore takes. Nothing in Production changes.',
    );
    // Next to "Open as a new instance…".
    expect(button.parentElement).toBe(screen.getByTestId('clone-snapshot').parentElement);
  });

  it('starts a test, shows the measured time, and deletes the test instance after a confirmation', async () => {
    const { calls, send } = start({
      delete_drill_instance: () => ({ instanceId: 'f0f0f0f0', requestId: 'r-9' }),
    });
    await choose('daily-2310');
    fireEvent.click(await screen.findByTestId('start-drill'));

    const progress = await screen.findByTestId('job-progress');
    expect(callsOf(calls, 'start_drill')[0]?.args).toMatchObject({
      instanceId: production.id,
      snapshotId: 'daily-2310',
    });
    expect(progress.dataset.kind).toBe('drill');
    expect(progress.dataset.outcome).toBe('running');
    await waitFor(() =>
      expect(screen.getByTestId('start-drill').getAttribute('aria-busy')).toBe('true'),
    );
    expect(screen.queryByTestId('delete-drill-instance')).toBeNull();

    send(succeeded(drillJob));
    await waitFor(() => expect(progress.dataset.outcome).toBe('succeeded'));
    expect(within(progress).getByTestId('job-duration').textContent).toBe(
      'Measured time to restore: 3 min 25 s, from the request until the test copy was running. Restoring Production from this snapshot should take about as long.',
    );
    expect(within(progress).getByTestId('restore-report').textContent).toBe('Restore test report');

    // Cancel first: nothing is deleted.
    fireEvent.click(within(progress).getByTestId('delete-drill-instance'));
    let dialog = await screen.findByTestId('delete-drill-dialog');
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.textContent).toContain('f0f0f0f0');
    expect(dialog.textContent).toContain('Production is not touched');
    fireEvent.click(within(dialog).getByTestId('delete-drill-cancel'));
    await waitFor(() => expect(screen.queryByTestId('delete-drill-dialog')).toBeNull());
    expect(callsOf(calls, 'delete_drill_instance')).toHaveLength(0);

    fireEvent.click(within(progress).getByTestId('delete-drill-instance'));
    dialog = await screen.findByTestId('delete-drill-dialog');
    fireEvent.click(within(dialog).getByTestId('delete-drill-confirm'));
    await waitFor(() =>
      expect(callsOf(calls, 'delete_drill_instance').map((c) => c.args)).toEqual([
        { jobId: drillJob.id },
      ]),
    );
    expect((await screen.findByTestId('drill-deleted')).textContent).toBe(
      'The test instance was deleted.',
    );
    expect(screen.queryByTestId('delete-drill-dialog')).toBeNull();
    expect(screen.queryByTestId('delete-drill-instance')).toBeNull();
  });

  it('keeps the dialog open with the plain reason when the deletion is refused', async () => {
    let refusal = {
      code: 'busy',
      message: 'Aura is busy with this instance. Try again in a minute.',
      retryable: true,
    };
    const { send, calls } = start({
      delete_drill_instance: () => {
        throw refusal;
      },
    });
    await choose('daily-2310');
    fireEvent.click(await screen.findByTestId('start-drill'));
    await screen.findByTestId('job-progress');
    send(succeeded(drillJob));
    fireEvent.click(await screen.findByTestId('delete-drill-instance'));
    const dialog = await screen.findByTestId('delete-drill-dialog');
    fireEvent.click(within(dialog).getByTestId('delete-drill-confirm'));
    const error = await within(dialog).findByTestId('delete-drill-error');
    expect(error.textContent).toContain('Aura is busy with this instance.');
    expect(screen.queryByTestId('drill-deleted')).toBeNull();

    // Deleted meanwhile (in the console, or a second click): that is what the user wanted.
    refusal = {
      code: 'already-deleted',
      message: 'The test instance was deleted already.',
      retryable: false,
    };
    fireEvent.click(within(error).getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('drill-deleted');
    expect(callsOf(calls, 'delete_drill_instance')).toHaveLength(2);
  });

  it('says plainly when the test cannot start', async () => {
    start({
      start_drill: () => {
        throw {
          code: 'invalid-input',
          message: 'A restore can be tested only with a snapshot that can be exported.',
          retryable: false,
        };
      },
    });
    await choose('adhoc-1100');
    fireEvent.click(await screen.findByTestId('start-drill'));
    const error = await screen.findByTestId('drill-error');
    expect(error.textContent).toContain('The restore test did not start.');
    expect(error.textContent).toContain('can be exported');
  });
});
