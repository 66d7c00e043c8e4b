import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState, SnapshotTimeline } from '../../api';
import { formatClock } from '../../lib/time';
import { renderWithShell } from '../../test/harness';
import { callsOf } from '../../test/ipc';
import { job, jobChannel, withSteps } from '../../test/jobs';
import {
  emptyTimeline,
  freeTimeline,
  NOW,
  snapshot,
  snapshots,
  timeline,
} from '../../test/snapshots';
import { SnapshotBrowser } from './SnapshotBrowser';

const production = { id: 'a1b2c3d4', name: 'Production' };

beforeEach(() => {
  // Only the clock is fake: Testing Library's waitFor keeps its real timers.
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

function start(
  handlers: Parameters<typeof renderWithShell>[1] = {},
  list: () => SnapshotTimeline = () => timeline(),
) {
  return renderWithShell(<SnapshotBrowser instance={production} />, {
    list_snapshots: () => list(),
    ...handlers,
  });
}

const rows = () => screen.queryAllByTestId('snapshot-row');
const row = (id: string) => {
  const found = rows().find((r) => r.dataset.snapshotId === id);
  if (!found) throw new Error(`no row for ${id}`);
  return found;
};

describe('snapshot list', () => {
  it('groups snapshots by local day and shows what each one is', async () => {
    start();
    await waitFor(() => expect(rows()).toHaveLength(5));

    const days = screen.getAllByTestId('snapshot-day');
    expect(days).toHaveLength(3);
    const labels = screen.getAllByTestId('snapshot-day-label').map((l) => l.textContent);
    expect(labels[0]).toBe('Today');
    expect(labels[1]).toBe('Yesterday');
    expect(labels[2]).toMatch(/17/);
    expect(within(days[0] as HTMLElement).getAllByTestId('snapshot-row')).toHaveLength(3);
    expect(days[0]?.getAttribute('role')).toBe('group');

    const adhoc = row('adhoc-1100');
    expect(adhoc.dataset.profile).toBe('AdHoc');
    expect(adhoc.dataset.status).toBe('Completed');
    expect(adhoc.dataset.exportable).toBe('true');
    expect(within(adhoc).getByTestId('snapshot-profile').textContent).toBe('On-demand');
    expect(within(adhoc).getByTestId('snapshot-status').textContent).toBe('Completed');
    expect(within(adhoc).getByTestId('snapshot-uses').textContent).toBe(
      'Can be exported / used for a new instance',
    );
    expect(within(adhoc).getByTestId('snapshot-age').textContent).toBe('4 h ago');
    expect(within(adhoc).getByTestId('snapshot-expiry').textContent).toBe('Expires in 29 days');
    const time = within(adhoc).getByTestId('snapshot-time');
    expect(time.getAttribute('title')).toMatch(/11:00.* UTC$/);
    expect(time.textContent).toBe(formatClock('2025-11-21T11:00:00Z'));
    expect(time.getAttribute('datetime')).toBe('2025-11-21T11:00:00Z');

    const hourly = row('hourly-1500');
    expect(hourly.dataset.exportable).toBe('false');
    expect(within(hourly).getByTestId('snapshot-profile').textContent).toBe('Scheduled');
    expect(within(hourly).getByTestId('snapshot-uses').textContent).toBe('Restore only');

    const failed = row('failed-1000');
    expect(failed.dataset.status).toBe('Failed');
    expect(within(failed).getByTestId('snapshot-status').dataset.tone).toBe('error');
    expect(within(failed).getByTestId('snapshot-uses').textContent).toBe('');

    expect(within(row('daily-1117')).getByTestId('snapshot-expiry').textContent).toBe(
      'Expires in 5 days',
    );
    expect(screen.getByTestId('schedule-summary').textContent).toContain('every hour');
  });

  it('draws a timeline mark per snapshot, told apart by shape and named in words', async () => {
    start();
    const chart = await screen.findByTestId('snapshot-timeline');
    const marks = within(chart).getAllByTestId('timeline-mark');
    expect(marks.map((m) => m.dataset.snapshotId).sort()).toEqual(
      snapshots.map((s) => s.id).sort(),
    );
    const adhoc = marks.find((m) => m.dataset.snapshotId === 'adhoc-1100') as Element;
    const hourly = marks.find((m) => m.dataset.snapshotId === 'hourly-1500') as Element;
    const failed = marks.find((m) => m.dataset.snapshotId === 'failed-1000') as Element;
    expect(adhoc.querySelector('.mark-shape--adhoc')?.tagName.toLowerCase()).toBe('path');
    expect(hourly.querySelector('.mark-shape--scheduled')?.tagName.toLowerCase()).toBe('circle');
    expect(failed.querySelector('.mark-shape--failed')).not.toBeNull();
    expect(adhoc.getAttribute('aria-label')).toMatch(/^On-demand snapshot, .*today, Completed$/);
    expect(failed.getAttribute('aria-label')).toMatch(/Failed$/);
    // Newer snapshots sit further right.
    const x = (el: Element) =>
      Number(el.querySelector('.mark__hit')?.getAttribute('cx') ?? Number.NaN);
    expect(x(hourly)).toBeGreaterThan(x(adhoc));
    expect(x(adhoc)).toBeGreaterThan(x(failed));
    const legend = within(chart).getByRole('list', { name: 'Legend' });
    expect(legend.textContent).toContain('Scheduled');
    expect(legend.textContent).toContain('On-demand');
    expect(legend.textContent).toContain('Failed');
  });

  it('selects with one click and says what restoring would lose', async () => {
    start();
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(screen.queryByTestId('data-loss')).toBeNull();
    expect(screen.queryByTestId('restore-snapshot')).toBeNull();

    fireEvent.click(row('adhoc-1100'));
    const sentence = await screen.findByTestId('data-loss');
    expect(sentence.textContent).toMatch(
      /^Restoring this snapshot loses all changes made in the last 4 h 12 min \(since 11:00.* today\)\.$/,
    );
    expect(row('adhoc-1100').getAttribute('aria-selected')).toBe('true');
    const mark = screen
      .getAllByTestId('timeline-mark')
      .find((m) => m.dataset.snapshotId === 'adhoc-1100');
    expect(mark?.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('restore-snapshot')).toBeTruthy();
    expect(screen.getByTestId('clone-snapshot')).toBeTruthy();
  });

  it('selects from the timeline too', async () => {
    start();
    await screen.findByTestId('snapshot-timeline');
    const mark = screen
      .getAllByTestId('timeline-mark')
      .find((m) => m.dataset.snapshotId === 'daily-2310') as Element;
    fireEvent.click(mark);
    expect((await screen.findByTestId('data-loss')).textContent).toContain(
      `in the last 16 h 2 min (since ${formatClock('2025-11-20T23:10:00Z')} yesterday)`,
    );
    expect(row('daily-2310').getAttribute('aria-selected')).toBe('true');

    // ← moves to the older snapshot on the timeline.
    fireEvent.keyDown(mark, { key: 'ArrowLeft' });
    expect(screen.getByTestId('data-loss').textContent).toMatch(/since .*17.*02:17/);
  });

  it('moves with the arrow keys and selects with Enter', async () => {
    start();
    await waitFor(() => expect(rows()).toHaveLength(5));
    const first = row('hourly-1500');
    expect(first.tabIndex).toBe(0);
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row('adhoc-1100'));
    expect(screen.queryByTestId('data-loss')).toBeNull();
    fireEvent.keyDown(row('adhoc-1100'), { key: 'Enter' });
    expect((await screen.findByTestId('data-loss')).textContent).toContain('4 h 12 min');
  });

  it('offers no restore for a failed snapshot, and no new instance for an hourly one', async () => {
    start();
    await waitFor(() => expect(rows()).toHaveLength(5));
    fireEvent.click(row('failed-1000'));
    expect((await screen.findByTestId('data-loss')).textContent).toBe(
      'This snapshot failed, so it cannot be restored.',
    );
    expect(screen.queryByTestId('restore-snapshot')).toBeNull();
    expect(screen.queryByTestId('clone-snapshot')).toBeNull();

    fireEvent.click(row('hourly-1500'));
    await waitFor(() => expect(screen.getByTestId('restore-snapshot')).toBeTruthy());
    expect(screen.queryByTestId('clone-snapshot')).toBeNull();
    expect(screen.getByTestId('snapshot-selection').textContent).toContain(
      'not exported or used for a new instance',
    );
  });
});

describe('the data-loss sentence', () => {
  it('stays current as time passes', async () => {
    vi.useRealTimers();
    vi.useFakeTimers({ now: NOW });
    start();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    fireEvent.click(row('adhoc-1100'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByTestId('data-loss').textContent).toContain('in the last 4 h 12 min');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3 * 60_000);
    });
    expect(screen.getByTestId('data-loss').textContent).toContain('in the last 4 h 15 min');
  });
});

describe('empty and free-tier states', () => {
  it('explains what the Free plan keeps and how to take a snapshot', async () => {
    start({}, () => freeTimeline);
    const empty = await screen.findByTestId('snapshots-empty');
    expect(empty.textContent).toContain('No snapshot yet');
    expect(empty.textContent).toContain('Aura keeps only the latest snapshot you take yourself');
    expect(empty.textContent).toContain('Take a snapshot now');
    expect(screen.queryByTestId('snapshot-timeline')).toBeNull();
    expect(screen.getByTestId('take-snapshot')).toBeTruthy();
  });

  it('explains the schedule when a paid instance has no snapshots yet', async () => {
    start({}, () => emptyTimeline);
    const empty = await screen.findByTestId('snapshots-empty');
    expect(empty.textContent).toContain('No snapshots yet');
    expect(empty.textContent).toContain('keeps them for 30 days');
  });

  it('shows the plain message when the snapshots cannot be read', async () => {
    start({
      list_snapshots: () => {
        throw { code: 'timeout', message: 'Aura took too long to answer.', retryable: true };
      },
    });
    const notice = await screen.findByTestId('snapshots-error');
    expect(notice.textContent).toContain('Aura took too long to answer.');
    expect(within(notice).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

const snapshotJob = job({ id: 'job-snap', startedAt: '2025-11-21T15:11:00Z' });

function finished(state: JobState, outcome: 'succeeded' | 'failed' = 'succeeded'): JobState {
  return {
    ...withSteps(state, outcome === 'succeeded' ? ['done', 'done'] : ['done', 'failed']),
    outcome,
    finishedAt: '2025-11-21T15:14:00Z',
    result: { ...state.result, snapshotId: 'adhoc-new', durationSecs: 180 },
    error:
      outcome === 'failed'
        ? {
            code: 'snapshot-failed',
            message: 'Aura could not finish the snapshot.',
            retryable: true,
          }
        : null,
  };
}

describe('taking a snapshot now', () => {
  it('shows progress until it completes, then refreshes the list', async () => {
    let channel: ReturnType<typeof jobChannel> | undefined;
    let list = timeline();
    const { calls } = start(
      {
        take_snapshot: (args) => {
          channel = jobChannel(args.onEvent);
          channel.send(withSteps(snapshotJob, ['active']));
          return { jobId: snapshotJob.id };
        },
      },
      () => list,
    );
    await waitFor(() => expect(rows()).toHaveLength(5));

    fireEvent.click(screen.getByTestId('take-snapshot'));
    const progress = await screen.findByTestId('job-progress');
    expect(callsOf(calls, 'take_snapshot')[0]?.args.instanceId).toBe(production.id);
    expect(progress.dataset.outcome).toBe('running');
    expect(
      within(progress)
        .getAllByTestId('job-step')
        .map((s) => s.dataset.state),
    ).toEqual(['active', 'pending']);
    const button = screen.getByTestId('take-snapshot');
    expect(button.textContent).toBe('Taking a snapshot…');
    expect(button.getAttribute('aria-busy')).toBe('true');
    // No extra watch: the first update came with the start.
    expect(callsOf(calls, 'watch_job')).toHaveLength(0);

    act(() => channel?.send(withSteps(snapshotJob, ['done', 'active'])));
    await waitFor(() =>
      expect(
        within(progress)
          .getAllByTestId('job-step')
          .map((s) => s.dataset.state),
      ).toEqual(['done', 'active']),
    );

    list = timeline({
      snapshots: [
        snapshot({
          id: 'adhoc-new',
          timestamp: '2025-11-21T15:11:00Z',
          profile: 'AdHoc',
          profileLabel: 'On-demand',
          exportable: true,
        }),
        ...snapshots,
      ],
    });
    const before = callsOf(calls, 'list_snapshots').length;
    act(() => channel?.send(finished(snapshotJob)));
    await waitFor(() => expect(progress.dataset.outcome).toBe('succeeded'));
    await waitFor(() => expect(rows()).toHaveLength(6));
    const refreshes = callsOf(calls, 'list_snapshots').slice(before);
    expect(refreshes.map((c) => c.args.refresh)).toEqual([true]);
    expect(screen.getByTestId('take-snapshot').textContent).toBe('Take a snapshot now');

    fireEvent.click(within(progress).getByTestId('job-dismiss'));
    expect(screen.queryByTestId('job-progress')).toBeNull();
  });

  it('says so plainly when the snapshot cannot start', async () => {
    start({
      take_snapshot: () => {
        throw {
          code: 'ongoing-database-operation',
          message: 'Production is busy with another operation. Try again in a few minutes.',
          retryable: true,
        };
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(5));
    fireEvent.click(screen.getByTestId('take-snapshot'));
    const notice = await screen.findByTestId('take-snapshot-error');
    expect(notice.textContent).toContain('Production is busy with another operation.');
  });

  it('asks first on the Free plan, where a new snapshot replaces the only one', async () => {
    const { calls } = start(
      { take_snapshot: () => ({ jobId: 'job-free' }), watch_job: () => snapshotJob },
      () => ({
        ...freeTimeline,
        snapshots: [snapshot({ profile: 'AdHoc', profileLabel: 'On-demand' })],
      }),
    );
    await waitFor(() => expect(rows()).toHaveLength(1));
    fireEvent.click(screen.getByTestId('take-snapshot'));
    const dialog = await screen.findByTestId('replace-snapshot-dialog');
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(callsOf(calls, 'take_snapshot')).toHaveLength(0);
    fireEvent.click(within(dialog).getByTestId('replace-snapshot-confirm'));
    await waitFor(() => expect(callsOf(calls, 'take_snapshot')).toHaveLength(1));
    // The start brought no update, so the state is asked for.
    await waitFor(() =>
      expect(callsOf(calls, 'watch_job').map((c) => c.args.jobId)).toEqual(['job-free']),
    );
  });

  it('re-attaches to an unfinished snapshot after the window reloads', async () => {
    // First window: start a snapshot.
    const shellJobs: JobState[] = [];
    const first = start({
      take_snapshot: (args) => {
        const state = withSteps(snapshotJob, ['active']);
        shellJobs.push(state);
        jobChannel(args.onEvent).send(state);
        return { jobId: snapshotJob.id };
      },
      list_jobs: () => shellJobs,
    });
    await waitFor(() => expect(rows()).toHaveLength(5));
    fireEvent.click(screen.getByTestId('take-snapshot'));
    await screen.findByTestId('job-progress');

    // Reload: the window's state is gone; the shell still runs the job.
    first.view.unmount();
    expect(screen.queryByTestId('job-progress')).toBeNull();
    shellJobs.unshift(withSteps(snapshotJob, ['done', 'active']));
    shellJobs.push(finished(job({ id: 'job-old', startedAt: '2025-11-21T09:00:00Z' })));

    let watch: ReturnType<typeof jobChannel> | undefined;
    const second = start({
      list_jobs: () => shellJobs.slice(0, 1).concat(shellJobs.slice(2)),
      watch_job: (args) => {
        watch = jobChannel(args.onEvent);
        // The reply is older than the list's state; it must not move the job backwards.
        return withSteps(snapshotJob, ['active']);
      },
    });
    const progress = await screen.findByTestId('job-progress');
    await waitFor(() =>
      expect(callsOf(second.calls, 'watch_job').map((c) => c.args.jobId)).toEqual([snapshotJob.id]),
    );
    await waitFor(() => expect(watch).toBeDefined());
    expect(
      within(progress)
        .getAllByTestId('job-step')
        .map((s) => s.dataset.state),
    ).toEqual(['done', 'active']);
    expect(screen.getByTestId('take-snapshot').getAttribute('aria-busy')).toBe('true');

    act(() => watch?.send(finished(snapshotJob)));
    await waitFor(() => expect(progress.dataset.outcome).toBe('succeeded'));
    expect(screen.getAllByTestId('job-progress')).toHaveLength(1);
  });
});
