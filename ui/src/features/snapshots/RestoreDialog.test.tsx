import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestorePlan } from '../../api';
import { renderWithShell } from '../../test/harness';
import { type CommandHandlers, callsOf } from '../../test/ipc';
import { job, jobChannel, result, step, withSteps } from '../../test/jobs';
import { NOW, timeline } from '../../test/snapshots';
import { SnapshotBrowser } from './SnapshotBrowser';

const production = { id: 'a1b2c3d4', name: 'Production' };

const plan: RestorePlan = {
  token: 'one-time-token-7f3a',
  instanceId: production.id,
  instanceName: 'Production',
  snapshotId: 'adhoc-1100',
  snapshotTime: '2025-11-21T11:00:00Z',
  safetySnapshot: { possible: true, reason: null },
  messageBefore: {
    withSafetySnapshot:
      'Subject: Planned restore of Production on 21 Nov 2025 15:12 UTC\n\nData loss: changes made after 21 Nov 2025 11:00 UTC will be lost.\nSafety net: a snapshot of Production as it is now is taken first, so we can go back if needed.\n',
    withoutSafetySnapshot:
      'Subject: Planned restore of Production on 21 Nov 2025 15:12 UTC\n\nData loss: changes made after 21 Nov 2025 11:00 UTC will be lost.\n',
  },
  expiresAt: '2025-11-21T15:22:00Z',
};

const restoreJob = job({
  id: 'job-restore',
  kind: 'restore',
  title: 'Restore Production to 21 Nov 11:00 UTC',
  startedAt: '2025-11-21T15:12:00Z',
  steps: [
    step('safety-snapshot', 'Take a safety snapshot'),
    step('counts-before', 'Count nodes and relationships'),
    step('restoring', 'Restore the snapshot'),
    step('verify', 'Check the data'),
  ],
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

/** Selects the on-demand snapshot from 11:00, opens "Restore…" and waits for the token. */
async function openRestore(handlers: CommandHandlers = {}) {
  const shell = renderWithShell(<SnapshotBrowser instance={production} />, {
    list_snapshots: () => timeline(),
    prepare_restore: () => plan,
    ...handlers,
  });
  const row = (await screen.findAllByTestId('snapshot-row')).find(
    (r) => r.dataset.snapshotId === 'adhoc-1100',
  ) as HTMLElement;
  fireEvent.click(row);
  const opener = await screen.findByTestId('restore-snapshot');
  opener.focus();
  fireEvent.click(opener);
  const dialog = await screen.findByTestId('restore-dialog');
  await waitFor(() => expect(screen.queryByTestId('restore-preparing')).toBeNull());
  return { ...shell, dialog, opener };
}

const confirmButton = () => screen.getByTestId('restore-confirm') as HTMLButtonElement;
const type = (text: string) =>
  fireEvent.input(screen.getByTestId('restore-confirm-input'), { target: { value: text } });

describe('restore confirmation', () => {
  it('offers the message to send colleagues before starting, matching the safety snapshot choice', async () => {
    const { dialog } = await openRestore();
    const offer = within(dialog).getByTestId('restore-message-before');
    const text = () => within(offer).getByTestId('restore-message-before-text').textContent ?? '';
    expect(text()).toBe(plan.messageBefore.withSafetySnapshot);
    expect(within(offer).getByTestId('copy-restore-message-before')).toBeTruthy();
    fireEvent.click(within(dialog).getByTestId('restore-safety-snapshot'));
    expect(text()).toBe(plan.messageBefore.withoutSafetySnapshot);
  });

  it('names the instance and the snapshot time, and says what it costs', async () => {
    const { dialog, calls } = await openRestore();
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const title = within(dialog).getByRole('heading');
    expect(title.textContent).toMatch(
      /^Restore Production to the snapshot from .*11:00.* today\?$/,
    );
    expect(within(dialog).getByTestId('restore-data-loss').textContent).toMatch(
      /^Restoring this snapshot loses all changes made in the last 4 h 12 min \(since .*11:00.* today\)\.$/,
    );
    expect(dialog.textContent).toContain('Production will be unavailable while it restores');
    expect(dialog.textContent).toContain('This cannot be undone.');
    expect(callsOf(calls, 'prepare_restore').map((c) => c.args)).toEqual([
      { instanceId: production.id, snapshotId: 'adhoc-1100' },
    ]);
    expect(within(dialog).getByLabelText('Reason (for the history)')).toBe(
      screen.getByTestId('restore-reason'),
    );
    expect(confirmButton().className).toContain('btn--danger');
    expect(document.activeElement).toBe(screen.getByTestId('restore-confirm-input'));
  });

  it('keeps the confirm button disabled until exactly RESTORE is typed', async () => {
    const { calls } = await openRestore();
    expect(confirmButton().disabled).toBe(true);
    for (const attempt of ['restore', 'Restore', 'RESTOR', 'RESTORE ', ' RESTORE', 'RESTORED']) {
      type(attempt);
      expect(confirmButton().disabled).toBe(true);
    }
    // A submit (Enter in a field) with the wrong word does nothing either.
    fireEvent.submit(
      screen.getByTestId('restore-confirm-input').closest('form') as HTMLFormElement,
    );
    type('RESTORE');
    expect(confirmButton().disabled).toBe(false);
    type('restore');
    expect(confirmButton().disabled).toBe(true);
    await act(async () => {});
    expect(callsOf(calls, 'restore_snapshot')).toHaveLength(0);
  });

  it('closes on Escape without restoring, even with RESTORE typed', async () => {
    const { calls, opener } = await openRestore();
    type('RESTORE');
    fireEvent.keyDown(screen.getByTestId('restore-confirm-input'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('restore-dialog')).toBeNull());
    expect(callsOf(calls, 'restore_snapshot')).toHaveLength(0);
    expect(document.activeElement).toBe(opener);
  });

  it('ignores a click on the backdrop', async () => {
    const { calls } = await openRestore();
    type('RESTORE');
    const backdrop = screen.getByTestId('dialog-backdrop');
    fireEvent.mouseDown(backdrop);
    fireEvent.click(backdrop);
    await act(async () => {});
    expect(screen.getByTestId('restore-dialog')).toBeTruthy();
    expect(callsOf(calls, 'restore_snapshot')).toHaveLength(0);
  });

  it('Cancel closes without restoring', async () => {
    const { calls } = await openRestore();
    type('RESTORE');
    fireEvent.click(screen.getByTestId('restore-cancel'));
    await waitFor(() => expect(screen.queryByTestId('restore-dialog')).toBeNull());
    expect(callsOf(calls, 'restore_snapshot')).toHaveLength(0);
  });

  it('sends the token from prepare_restore, with the safety snapshot on by default', async () => {
    const { calls } = await openRestore({
      restore_snapshot: (args) => {
        jobChannel(args.onEvent).send(withSteps(restoreJob, ['active']));
        return { jobId: restoreJob.id };
      },
    });
    const safety = screen.getByTestId('restore-safety-snapshot') as HTMLInputElement;
    expect(safety.checked).toBe(true);
    type('RESTORE');
    fireEvent.click(confirmButton());
    await waitFor(() => expect(callsOf(calls, 'restore_snapshot')).toHaveLength(1));
    const args = callsOf(calls, 'restore_snapshot')[0]?.args ?? {};
    expect(args.token).toBe('one-time-token-7f3a');
    expect(args.safetySnapshot).toBe(true);
    expect(args.reason).toBeNull();
    expect(typeof (args.onEvent as { id?: unknown }).id).toBe('number');

    // The dialog closes; the restore's progress shows in the pane.
    await waitFor(() => expect(screen.queryByTestId('restore-dialog')).toBeNull());
    const progress = await screen.findByTestId('job-progress');
    expect(progress.dataset.kind).toBe('restore');
    expect(progress.dataset.outcome).toBe('running');
  });

  it('sends the unchecked safety snapshot and the reason', async () => {
    const { calls } = await openRestore({
      restore_snapshot: () => ({ jobId: restoreJob.id }),
      watch_job: () => restoreJob,
    });
    fireEvent.click(screen.getByTestId('restore-safety-snapshot'));
    expect((screen.getByTestId('restore-safety-snapshot') as HTMLInputElement).checked).toBe(false);
    fireEvent.input(screen.getByTestId('restore-reason'), {
      target: { value: '  Undo the failed migration  ' },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    await waitFor(() => expect(callsOf(calls, 'restore_snapshot')).toHaveLength(1));
    const args = callsOf(calls, 'restore_snapshot')[0]?.args ?? {};
    expect(args.safetySnapshot).toBe(false);
    expect(args.reason).toBe('Undo the failed migration');
  });

  it('closes and asks to confirm again when the token was used or expired', async () => {
    await openRestore({
      restore_snapshot: () => {
        throw {
          code: 'confirmation-required',
          message: 'Please confirm the restore.',
          retryable: false,
        };
      },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    await waitFor(() => expect(screen.queryByTestId('restore-dialog')).toBeNull());
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Please confirm again.');
    expect(screen.queryByTestId('job-progress')).toBeNull();
  });

  it('keeps the dialog open with the plain message when the restore cannot start', async () => {
    await openRestore({
      restore_snapshot: () => {
        throw {
          code: 'ongoing-database-operation',
          message: 'Production is busy with another operation. Nothing was changed.',
          retryable: true,
        };
      },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    const notice = await screen.findByTestId('restore-error');
    expect(notice.textContent).toContain('Production is busy with another operation.');
    expect(screen.getByTestId('restore-dialog')).toBeTruthy();
  });

  it('explains when the restore cannot be prepared, and keeps confirm disabled', async () => {
    const shell = renderWithShell(<SnapshotBrowser instance={production} />, {
      list_snapshots: () => timeline(),
      prepare_restore: () => {
        throw { code: 'not-found', message: 'That snapshot no longer exists.', retryable: false };
      },
    });
    const row = (await screen.findAllByTestId('snapshot-row')).find(
      (r) => r.dataset.snapshotId === 'adhoc-1100',
    ) as HTMLElement;
    fireEvent.click(row);
    fireEvent.click(await screen.findByTestId('restore-snapshot'));
    const notice = await screen.findByTestId('restore-prepare-error');
    expect(notice.textContent).toContain('That snapshot no longer exists.');
    type('RESTORE');
    expect(confirmButton().disabled).toBe(true);
    expect(callsOf(shell.calls, 'restore_snapshot')).toHaveLength(0);
  });
});

describe('restore progress', () => {
  it('shows each step, then the measured time and the counts before and after', async () => {
    let channel: ReturnType<typeof jobChannel> | undefined;
    await openRestore({
      restore_snapshot: (args) => {
        channel = jobChannel(args.onEvent);
        channel.send(withSteps(restoreJob, ['active']));
        return { jobId: restoreJob.id };
      },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    const progress = await screen.findByTestId('job-progress');
    act(() => channel?.send(withSteps(restoreJob, ['done', 'done', 'active'])));
    await waitFor(() =>
      expect(
        within(progress)
          .getAllByTestId('job-step')
          .map((s) => s.dataset.state),
      ).toEqual(['done', 'done', 'active', 'pending']),
    );
    expect(within(progress).getByTestId('job-summary').textContent).toBe(
      'Step 3 of 4: Restore the snapshot.',
    );
    // A restore is running: a second one cannot be started.
    expect((screen.getByTestId('restore-snapshot') as HTMLButtonElement).disabled).toBe(true);

    act(() =>
      channel?.send({
        ...withSteps(restoreJob, ['done', 'done', 'done', 'done']),
        outcome: 'succeeded',
        finishedAt: '2025-11-21T15:17:30Z',
        result: result({
          snapshotId: 'safety-1',
          countsBefore: { nodes: 1_250_000, relationships: 4_800_000 },
          countsAfter: { nodes: 1_240_000, relationships: 4_800_000 },
          durationSecs: 243,
        }),
      }),
    );
    await waitFor(() => expect(progress.dataset.outcome).toBe('succeeded'));
    expect(within(progress).getByTestId('job-duration').textContent).toBe(
      'The restore took 4 min 3 s, from the request until Production was running again.',
    );
    expect(within(progress).getByTestId('counts-before-nodes').textContent).toBe('1,250,000');
    expect(within(progress).getByTestId('counts-after-nodes').textContent).toBe('1,240,000');
    expect(within(progress).getByTestId('counts-after').textContent).toContain('10,000 fewer');
    expect(within(progress).getByTestId('counts-after').textContent).toContain('same as before');
    expect((screen.getByTestId('restore-snapshot') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows the plain message and what to do when the restore fails', async () => {
    let channel: ReturnType<typeof jobChannel> | undefined;
    await openRestore({
      restore_snapshot: (args) => {
        channel = jobChannel(args.onEvent);
        channel.send(withSteps(restoreJob, ['active']));
        return { jobId: restoreJob.id };
      },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    const progress = await screen.findByTestId('job-progress');
    act(() =>
      channel?.send({
        ...withSteps(restoreJob, ['done', 'done', 'failed']),
        outcome: 'failed',
        finishedAt: '2025-11-21T15:20:00Z',
        error: {
          code: 'restore-failed',
          message: 'Aura stopped the restore. Production still has its data from before.',
          retryable: true,
        },
      }),
    );
    await waitFor(() => expect(progress.dataset.outcome).toBe('failed'));
    const error = within(progress).getByTestId('job-error');
    expect(error.textContent).toContain(
      'Aura stopped the restore. Production still has its data from before.',
    );
    expect(error.textContent).toContain('safety snapshot');
    expect(within(progress).getByTestId('job-summary').textContent).toBe(
      'Stopped at step 3 of 4: Restore the snapshot.',
    );
  });
});
