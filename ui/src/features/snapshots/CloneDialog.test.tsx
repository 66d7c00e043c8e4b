import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloneOptions, ClonePassword, JobState } from '../../api';
import { renderWithShell } from '../../test/harness';
import { type CommandHandlers, callsOf } from '../../test/ipc';
import { job, jobChannel, step, withSteps } from '../../test/jobs';
import { NOW, timeline } from '../../test/snapshots';
import { fallbackCloneName } from './CloneDialog';
import { SnapshotBrowser } from './SnapshotBrowser';

const production = { id: 'a1b2c3d4', name: 'Production' };
const SECRET = 'Xy7-not-for-logs-42';

const options: CloneOptions = {
  tiers: [
    { value: 'professional-db', label: 'Professional' },
    { value: 'business-critical', label: 'Business Critical' },
  ],
  memories: ['2GB', '4GB', '8GB'],
  defaultTier: 'business-critical',
  defaultMemory: '8GB',
  defaultName: 'Production copy 2025-11-21',
};

const cloneJob = job({
  id: 'job-clone',
  kind: 'clone',
  title: 'Open the snapshot from 21 Nov 11:00 UTC as a new instance',
  startedAt: '2025-11-21T15:12:00Z',
  steps: [
    step('request', 'Ask Aura for a new instance'),
    step('creating', 'Aura creates the instance from the snapshot'),
    step('verify', "Check the new instance's data"),
  ],
});

const succeeded: JobState = {
  ...withSteps(cloneJob, ['done', 'done', 'done']),
  outcome: 'succeeded',
  finishedAt: '2025-11-21T15:20:00Z',
  result: { ...cloneJob.result, newInstanceId: 'n3w1d000', durationSecs: 480 },
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

function start(handlers: CommandHandlers = {}) {
  let channel: ReturnType<typeof jobChannel> | undefined;
  const reveal = vi.fn((_args: Record<string, unknown>): ClonePassword => {
    if (reveal.mock.calls.length > 1) {
      throw {
        code: 'already-shown',
        message: 'This password was already shown once. Lifeboat saved it in your system keyring.',
        retryable: false,
      };
    }
    return { username: 'neo4j', password: SECRET };
  });
  const shell = renderWithShell(<SnapshotBrowser instance={production} />, {
    list_snapshots: () => timeline(),
    clone_options: () => options,
    clone_snapshot: (args) => {
      channel = jobChannel(args.onEvent);
      channel.send(withSteps(cloneJob, ['active']));
      return { jobId: cloneJob.id };
    },
    reveal_clone_password: reveal,
    ...handlers,
  });
  return { ...shell, reveal, send: (state: JobState) => act(() => channel?.send(state)) };
}

async function select(id: string) {
  const row = (await screen.findAllByTestId('snapshot-row')).find(
    (r) => r.dataset.snapshotId === id,
  ) as HTMLElement;
  fireEvent.click(row);
}

async function openClone() {
  await select('adhoc-1100');
  fireEvent.click(await screen.findByTestId('clone-snapshot'));
  const dialog = await screen.findByTestId('clone-dialog');
  await screen.findByTestId('clone-name');
  return dialog;
}

describe('new instance from a snapshot', () => {
  it('is offered only for exportable, completed snapshots', async () => {
    start();
    await select('hourly-1500');
    await screen.findByTestId('restore-snapshot');
    expect(screen.queryByTestId('clone-snapshot')).toBeNull();
    await select('failed-1000');
    await waitFor(() => expect(screen.queryByTestId('restore-snapshot')).toBeNull());
    expect(screen.queryByTestId('clone-snapshot')).toBeNull();
    await select('daily-2310');
    expect((await screen.findByTestId('clone-snapshot')).textContent).toBe(
      'Open as a new instance…',
    );
  });

  it('defaults to the source plan and size, says it is billed separately', async () => {
    const { calls } = start();
    const dialog = await openClone();
    expect(callsOf(calls, 'clone_options').map((c) => c.args)).toEqual([
      { instanceId: production.id },
    ]);
    expect((screen.getByTestId('clone-name') as HTMLInputElement).value).toBe(
      'Production copy 2025-11-21',
    );
    const tier = within(dialog).getByLabelText('Plan') as HTMLSelectElement;
    const memory = within(dialog).getByLabelText('Memory') as HTMLSelectElement;
    expect(tier.value).toBe('business-critical');
    expect(memory.value).toBe('8GB');
    expect([...tier.options].map((o) => o.textContent)).toEqual([
      'Professional',
      'Business Critical',
    ]);
    expect(dialog.textContent).toContain('billed separately');
    expect(dialog.textContent).toContain('Production is not changed.');
  });

  it('creates the instance, shows progress, then reveals the password exactly once', async () => {
    const { calls, reveal, send } = start();
    const dialog = await openClone();
    fireEvent.input(screen.getByTestId('clone-name'), { target: { value: '  Look at Friday  ' } });
    fireEvent.change(within(dialog).getByLabelText('Memory'), { target: { value: '4GB' } });
    fireEvent.click(screen.getByTestId('clone-confirm'));

    await waitFor(() => expect(callsOf(calls, 'clone_snapshot')).toHaveLength(1));
    const args = callsOf(calls, 'clone_snapshot')[0]?.args ?? {};
    expect({ ...args, onEvent: undefined }).toEqual({
      instanceId: production.id,
      snapshotId: 'adhoc-1100',
      name: 'Look at Friday',
      tier: 'business-critical',
      memory: '4GB',
      onEvent: undefined,
    });

    const progress = await within(screen.getByTestId('clone-dialog')).findByTestId('job-progress');
    expect(progress.dataset.outcome).toBe('running');
    // Shown in the dialog only, not twice.
    expect(screen.getAllByTestId('job-progress')).toHaveLength(1);
    expect(reveal).not.toHaveBeenCalled();
    expect(screen.queryByTestId('clone-password')).toBeNull();

    send(succeeded);
    const password = await screen.findByTestId('clone-password');
    expect(password.textContent).toBe(SECRET);
    expect(screen.getByTestId('clone-username').textContent).toBe('neo4j');
    expect(screen.getByTestId('clone-credentials').textContent).toContain(
      'Shown once. Lifeboat has saved it in your system keyring.',
    );
    expect(screen.getByTestId('copy-clone-password')).toBeTruthy();
    expect(reveal).toHaveBeenCalledTimes(1);
    expect(reveal.mock.calls[0]?.[0]).toEqual({ jobId: cloneJob.id });

    // More updates do not ask again.
    send({ ...succeeded });
    await act(async () => {});
    expect(reveal).toHaveBeenCalledTimes(1);

    // Closing forgets it; the finished job stays in the pane without offering the password again.
    fireEvent.click(screen.getByTestId('clone-close'));
    await waitFor(() => expect(screen.queryByTestId('clone-dialog')).toBeNull());
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen.getByTestId('job-progress').dataset.outcome).toBe('succeeded');
    expect(screen.queryByTestId('reveal-clone-password')).toBeNull();
  });

  it('offers the password in the pane when the dialog was closed before the instance was ready', async () => {
    const { reveal, send } = start();
    await openClone();
    fireEvent.click(screen.getByTestId('clone-confirm'));
    await within(screen.getByTestId('clone-dialog')).findByTestId('job-progress');
    fireEvent.click(screen.getByTestId('clone-close'));
    await waitFor(() => expect(screen.queryByTestId('clone-dialog')).toBeNull());
    expect(screen.getByTestId('job-progress').dataset.outcome).toBe('running');

    send(succeeded);
    const show = await screen.findByTestId('reveal-clone-password');
    expect(reveal).not.toHaveBeenCalled();
    fireEvent.click(show);
    expect((await screen.findByTestId('clone-password')).textContent).toBe(SECRET);
    expect(reveal).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('reveal-clone-password')).toBeNull();
  });

  it('says so when the password was already shown', async () => {
    const { send } = start({
      reveal_clone_password: () => {
        throw {
          code: 'already-shown',
          message:
            'This password was already shown once. Lifeboat saved it in your system keyring.',
          retryable: false,
        };
      },
    });
    await openClone();
    fireEvent.click(screen.getByTestId('clone-confirm'));
    await within(screen.getByTestId('clone-dialog')).findByTestId('job-progress');
    send(succeeded);
    const notice = await screen.findByTestId('clone-password-error');
    expect(notice.textContent).toContain('already shown once');
    expect(within(notice).queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(screen.queryByTestId('clone-password')).toBeNull();
  });

  it('needs a name', async () => {
    const { calls } = start();
    await openClone();
    fireEvent.input(screen.getByTestId('clone-name'), { target: { value: '   ' } });
    expect((screen.getByTestId('clone-confirm') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('clone-confirm'));
    await act(async () => {});
    expect(callsOf(calls, 'clone_snapshot')).toHaveLength(0);
  });

  it('falls back to "<source> copy <date>" when the shell sends no name', () => {
    expect(fallbackCloneName('Production', NOW)).toBe('Production copy 2025-11-21');
  });
});
