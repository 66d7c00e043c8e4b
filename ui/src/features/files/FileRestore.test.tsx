import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DbLoginStatus, FileDropEvent, JobState } from '../../api';
import { channelOf } from '../../test/channels';
import { broken, DUMP_PATH, filePlan, inspection, TRUNCATED, uploadJob } from '../../test/files';
import { renderWithShell } from '../../test/harness';
import { type CommandHandlers, callsOf } from '../../test/ipc';
import { jobChannel, result, withSteps } from '../../test/jobs';
import { NOW } from '../../test/snapshots';
import { FileRestore } from './FileRestore';

const production = { id: 'a1b2c3d4', name: 'Production', tier: 'business-critical' };
const savedLogin = (): DbLoginStatus => ({ saved: true, user: 'neo4j', persistence: 'keyring' });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

/** Renders the section for Production and waits for the drop channel. */
async function start(handlers: CommandHandlers = {}, ui = <FileRestore instance={production} />) {
  let drops: ReturnType<typeof channelOf<FileDropEvent>> | undefined;
  const shell = renderWithShell(ui, {
    subscribe_file_drops: (args) => {
      drops = channelOf<FileDropEvent>(args.onEvent);
      return null;
    },
    inspect_file: () => inspection(),
    db_login_status: savedLogin,
    ...handlers,
  });
  await waitFor(() => expect(drops).toBeDefined());
  const send = (event: FileDropEvent) => act(() => drops?.send(event));
  return {
    ...shell,
    hover: (paths: string[]) => send({ event: 'hover', data: { paths } }),
    cancel: () => send({ event: 'cancel', data: { paths: [] } }),
    drop: (paths: string[]) => send({ event: 'drop', data: { paths } }),
    open: (paths: string[]) => send({ event: 'open', data: { paths } }),
  };
}

/** No instance shown until "Show Production" is clicked, as at start-up before the list has loaded. */
function LaterInstance() {
  const [shown, setShown] = useState(false);
  return shown ? (
    <FileRestore instance={production} />
  ) : (
    <button type="button" onClick={() => setShown(true)}>
      Show Production
    </button>
  );
}

const card = () => screen.findByTestId('file-card');
const checks = () =>
  screen.getAllByTestId('file-check').map((c) => [c.dataset.checkId, c.dataset.ok]);

describe('dropping a backup file', () => {
  it('highlights the drop zone while hovering, then checks the file and shows its card', async () => {
    const { hover, cancel, drop, calls } = await start();
    const zone = screen.getByTestId('file-drop-zone');
    expect(zone.dataset.hover).toBe('false');
    expect(zone.textContent).toContain('Drop a .backup, .dump or .tar file here');
    expect(screen.getByTestId('choose-file').textContent).toBe('Choose file…');

    hover([DUMP_PATH]);
    expect(zone.dataset.hover).toBe('true');
    cancel();
    expect(zone.dataset.hover).toBe('false');
    hover([DUMP_PATH]);
    drop([DUMP_PATH]);
    expect(zone.dataset.hover).toBe('false');

    const found = await card();
    expect(callsOf(calls, 'inspect_file').map((c) => c.args)).toEqual([
      { path: DUMP_PATH, instanceId: production.id },
    ]);
    expect(found.dataset.canUpload).toBe('true');
    expect(within(found).getByTestId('file-name').textContent).toBe('production-2025-11-20.dump');
    expect(within(found).getByTestId('file-format').textContent).toBe('Neo4j 5 dump, compressed');
    expect(found.textContent).toContain('1.2 GiB');
    expect(found.textContent).toContain('Size once unpacked4.7 GiB');
    expect(found.textContent).toContain('Databaseneo4j');
    expect(found.textContent).toContain('Neo4j 5');
    expect(checks()).toEqual([
      ['readable', 'true'],
      ['complete', 'true'],
      ['compatible', 'true'],
      ['fits', 'unknown'],
    ]);
    const fits = screen.getAllByTestId('file-check')[3] as HTMLElement;
    expect(fits.textContent).toContain('Not checked');
    expect(fits.textContent).toContain('Aura does not report free space for this plan.');
    expect(screen.queryByTestId('file-problem')).toBeNull();
    expect((await screen.findByTestId('restore-file')).textContent).toBe('Restore from this file…');
  });

  it('blocks a broken file with its reason and offers no restore', async () => {
    const { drop } = await start({ inspect_file: () => broken });
    drop([DUMP_PATH]);
    const found = await card();
    expect(found.dataset.canUpload).toBe('false');
    expect(checks()).toEqual([
      ['readable', 'true'],
      ['complete', 'false'],
      ['compatible', 'unknown'],
      ['fits', 'unknown'],
    ]);
    const problems = screen.getAllByTestId('file-problem');
    expect(problems.map((p) => [p.dataset.problemCode, p.textContent])).toEqual([
      ['truncated', TRUNCATED],
    ]);
    // The inspector's own reason, with what to do, leads the red box.
    const alert = within(found).getByRole('alert');
    expect(alert.querySelector('.notice__title')).toBe(problems[0]);
    expect(alert.textContent).not.toContain('did not pass the checks');
    expect(alert.textContent).toContain('your file was not touched');
    expect(screen.queryByTestId('restore-file')).toBeNull();
    expect(screen.queryByTestId('db-login-form')).toBeNull();
  });

  it('asks for one file at a time', async () => {
    const { drop, calls } = await start();
    drop([DUMP_PATH, '/home/ada/backups/other.dump']);
    const message = await screen.findByTestId('file-drop-message');
    expect(message.textContent).toMatch(/^Drop one file at a time/);
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);
    expect(screen.queryByTestId('file-card')).toBeNull();
  });

  it('says to choose an instance first when none is selected', async () => {
    const { drop, calls } = await start({}, <p>No instance selected</p>);
    drop([DUMP_PATH]);
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Choose the instance to restore into first');
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);
  });

  it('runs the same code for the automation hook as for a real drop', async () => {
    const { calls } = await start();
    const hook = window.__LIFEBOAT_AUTOMATION__?.dropPaths;
    expect(typeof hook).toBe('function');

    act(() => hook?.([DUMP_PATH, '/tmp/second.dump']));
    expect((await screen.findByTestId('file-drop-message')).textContent).toMatch(
      /^Drop one file at a time/,
    );
    act(() => hook?.([DUMP_PATH]));
    await card();
    expect(callsOf(calls, 'inspect_file').map((c) => c.args)).toEqual([
      { path: DUMP_PATH, instanceId: production.id },
    ]);
    expect(screen.queryByTestId('file-drop-message')).toBeNull();
  });

  it('keeps the webview from opening a file dropped on the window', async () => {
    await start();
    const drop = new Event('drop', { cancelable: true });
    const over = new Event('dragover', { cancelable: true });
    window.dispatchEvent(drop);
    window.dispatchEvent(over);
    expect(drop.defaultPrevented).toBe(true);
    expect(over.defaultPrevented).toBe(true);
  });

  it('checks a file chosen with "Choose file…", and does nothing when cancelled', async () => {
    let chosen: string | null = null;
    const { calls } = await start({ choose_backup_file: () => chosen });
    fireEvent.click(screen.getByTestId('choose-file'));
    await waitFor(() => expect(callsOf(calls, 'choose_backup_file')).toHaveLength(1));
    await act(async () => {});
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);

    chosen = DUMP_PATH;
    fireEvent.click(screen.getByTestId('choose-file'));
    await card();
    expect(callsOf(calls, 'inspect_file')[0]?.args).toEqual({
      path: DUMP_PATH,
      instanceId: production.id,
    });
  });

  it('says plainly when the file cannot be read', async () => {
    const { drop } = await start({
      inspect_file: () => {
        throw { code: 'not-found', message: 'That file is no longer there.', retryable: true };
      },
    });
    drop([DUMP_PATH]);
    const notice = await screen.findByTestId('file-inspect-error');
    expect(notice.textContent).toContain('That file is no longer there.');
    expect(notice.textContent).toContain('your file was not touched');
  });
});

describe('opening a file with Lifeboat (lifeboat FILE, "Open with")', () => {
  it('keeps a file opened before any instance is shown, and checks it for the first one shown', async () => {
    const { open, calls } = await start({}, <LaterInstance />);
    open([DUMP_PATH]);
    expect(screen.queryByTestId('toast')).toBeNull();
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Show Production' }));
    await card();
    expect(callsOf(calls, 'inspect_file').map((c) => c.args)).toEqual([
      { path: DUMP_PATH, instanceId: production.id },
    ]);
  });

  it('checks a file opened while an instance is shown at once, and only once', async () => {
    const { open, calls } = await start();
    open([DUMP_PATH]);
    await card();
    expect(callsOf(calls, 'inspect_file')).toHaveLength(1);
  });

  it('asks for one file at a time when several are opened together', async () => {
    const { open, calls } = await start({}, <LaterInstance />);
    open([DUMP_PATH, '/home/ada/backups/other.dump']);
    expect((await screen.findByTestId('toast')).textContent).toMatch(/^Drop one file at a time/);
    fireEvent.click(screen.getByRole('button', { name: 'Show Production' }));
    await screen.findByTestId('file-drop-zone');
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);
  });
});

describe('database login before a restore from a file', () => {
  it('asks for the login when none is saved, then offers the restore', async () => {
    let saved = false;
    const { drop, calls } = await start({
      db_login_status: () =>
        saved ? savedLogin() : { saved: false, user: null, persistence: null },
      save_db_login: () => {
        saved = true;
        return savedLogin();
      },
    });
    drop([DUMP_PATH]);
    const form = await screen.findByTestId('db-login-form');
    expect(screen.queryByTestId('restore-file')).toBeNull();
    const user = screen.getByTestId('db-login-user') as HTMLInputElement;
    const password = screen.getByTestId('db-login-password') as HTMLInputElement;
    expect(user.value).toBe('neo4j');
    expect(password.type).toBe('password');
    const save = screen.getByTestId('db-login-save') as HTMLButtonElement;
    expect(save.textContent).toBe('Save in my keyring');
    expect(save.disabled).toBe(true);

    fireEvent.input(password, { target: { value: 'correct horse' } });
    fireEvent.submit(form);
    await screen.findByTestId('restore-file');
    expect(callsOf(calls, 'save_db_login').map((c) => c.args)).toEqual([
      { instanceId: production.id, user: 'neo4j', password: 'correct horse', sessionOnly: false },
    ]);
    expect(screen.queryByTestId('db-login-form')).toBeNull();
  });

  it('shows a refused login plainly and clears the password', async () => {
    const { drop } = await start({
      db_login_status: () => ({ saved: false, user: null, persistence: null }),
      save_db_login: () => {
        throw {
          code: 'invalid-credentials',
          message: 'Production did not accept this user name and password.',
          retryable: false,
        };
      },
    });
    drop([DUMP_PATH]);
    const password = (await screen.findByTestId('db-login-password')) as HTMLInputElement;
    fireEvent.input(password, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByTestId('db-login-save'));
    const error = await screen.findByTestId('db-login-error');
    expect(error.textContent).toContain('Production did not accept this user name and password.');
    expect(password.value).toBe('');
    expect(screen.queryByTestId('restore-file')).toBeNull();
  });

  it('offers "this session only" when the keyring is unavailable, and sends it again', async () => {
    const { drop, calls } = await start({
      db_login_status: () => ({ saved: false, user: null, persistence: null }),
      save_db_login: (args) => {
        if (!args.sessionOnly) {
          throw {
            code: 'keyring-unavailable',
            message: 'Your system keyring is locked or not available.',
            retryable: true,
          };
        }
        return { saved: true, user: 'neo4j', persistence: 'session' };
      },
    });
    drop([DUMP_PATH]);
    fireEvent.input(await screen.findByTestId('db-login-password'), {
      target: { value: 'pw' },
    });
    expect(screen.queryByTestId('db-login-session-only')).toBeNull();
    fireEvent.click(screen.getByTestId('db-login-save'));
    const sessionOnly = await screen.findByTestId('db-login-session-only');
    expect(screen.getByTestId('db-login-error').textContent).toContain('keyring is locked');
    fireEvent.click(sessionOnly);
    expect(screen.getByTestId('db-login-save').textContent).toBe('Use for this session');
    fireEvent.click(screen.getByTestId('db-login-save'));
    await screen.findByTestId('restore-file');
    expect(
      callsOf(calls, 'save_db_login').map((c) => [c.args.password, c.args.sessionOnly]),
    ).toEqual([
      ['pw', false],
      ['pw', true],
    ]);
  });
});

/** Drops the good file and opens the confirmation. */
async function openDialog(handlers: CommandHandlers = {}, tier = production.tier) {
  const shell = await start(
    { prepare_file_restore: () => filePlan, ...handlers },
    <FileRestore instance={{ ...production, tier }} />,
  );
  shell.drop([DUMP_PATH]);
  const opener = await screen.findByTestId('restore-file');
  opener.focus();
  fireEvent.click(opener);
  const dialog = await screen.findByTestId('file-restore-dialog');
  await waitFor(() => expect(screen.queryByTestId('restore-preparing')).toBeNull());
  return { ...shell, dialog, opener };
}

const confirmButton = () => screen.getByTestId('restore-confirm') as HTMLButtonElement;
const type = (text: string) =>
  fireEvent.input(screen.getByTestId('restore-confirm-input'), { target: { value: text } });

describe('file restore confirmation', () => {
  it('says what is replaced, asks for a token on open, and waits for RESTORE', async () => {
    const { dialog, calls } = await openDialog();
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.textContent).toContain(
      'This replaces all data in Production with the data in production-2025-11-20.dump.',
    );
    expect(dialog.textContent).toContain(
      'Production will be unavailable while it loads. This cannot be undone.',
    );
    expect(dialog.textContent).toContain('Lifeboat only reads your file; it is never changed.');
    expect(callsOf(calls, 'prepare_file_restore').map((c) => c.args)).toEqual([
      { instanceId: production.id, path: DUMP_PATH },
    ]);
    expect((screen.getByTestId('restore-safety-snapshot') as HTMLInputElement).checked).toBe(true);
    expect(document.activeElement).toBe(screen.getByTestId('restore-confirm-input'));

    expect(confirmButton().disabled).toBe(true);
    for (const attempt of ['restore', 'RESTOR', ' RESTORE', 'RESTORED']) {
      type(attempt);
      expect(confirmButton().disabled).toBe(true);
    }
    type('RESTORE');
    expect(confirmButton().disabled).toBe(false);
    expect(callsOf(calls, 'restore_from_file')).toHaveLength(0);
  });

  it('closes on Escape, ignores the backdrop, and neither confirms', async () => {
    const { calls, opener } = await openDialog();
    type('RESTORE');
    const backdrop = screen.getByTestId('dialog-backdrop');
    fireEvent.mouseDown(backdrop);
    fireEvent.click(backdrop);
    expect(screen.getByTestId('file-restore-dialog')).toBeTruthy();
    fireEvent.keyDown(screen.getByTestId('restore-confirm-input'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('file-restore-dialog')).toBeNull());
    await act(async () => {});
    expect(callsOf(calls, 'restore_from_file')).toHaveLength(0);
    expect(document.activeElement).toBe(opener);
  });

  it('sends the one-time token with the safety snapshot and the reason', async () => {
    const { calls } = await openDialog({
      restore_from_file: (args) => {
        jobChannel(args.onEvent).send(withSteps(uploadJob, ['active']));
        return { jobId: uploadJob.id };
      },
    });
    fireEvent.input(screen.getByTestId('restore-reason'), {
      target: { value: ' Load last night’s dump ' },
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    await waitFor(() => expect(callsOf(calls, 'restore_from_file')).toHaveLength(1));
    const args = callsOf(calls, 'restore_from_file')[0]?.args ?? {};
    expect(args.token).toBe('file-token-91c2');
    expect(args.safetySnapshot).toBe(true);
    expect(args.reason).toBe('Load last night’s dump');
    expect(typeof (args.onEvent as { id?: unknown }).id).toBe('number');
    await waitFor(() => expect(screen.queryByTestId('file-restore-dialog')).toBeNull());
    const progress = await screen.findByTestId('job-progress');
    expect(progress.dataset.kind).toBe('upload');
    // The card stays while the restore runs (and after a failure), so trying again is one click.
    expect(screen.getByTestId('file-card')).toBeTruthy();
    expect((screen.getByTestId('restore-file') as HTMLButtonElement).disabled).toBe(true);
  });

  it('leaves the safety snapshot off by default on the Free plan', async () => {
    await openDialog({}, 'free-db');
    const safety = screen.getByTestId('restore-safety-snapshot') as HTMLInputElement;
    expect(safety.checked).toBe(false);
    expect(screen.getByTestId('file-restore-dialog').textContent).toContain(
      'Aura keeps only one snapshot',
    );
  });
});

describe('restore from a file: progress', () => {
  async function running() {
    let channel: ReturnType<typeof jobChannel> | undefined;
    const shell = await openDialog({
      restore_from_file: (args) => {
        channel = jobChannel(args.onEvent);
        channel.send(withSteps(uploadJob, ['active']));
        return { jobId: uploadJob.id };
      },
      cancel_job: () => null,
    });
    type('RESTORE');
    fireEvent.click(confirmButton());
    const progress = await screen.findByTestId('job-progress');
    const send = (state: JobState) => act(() => channel?.send(state));
    return { ...shell, progress, send };
  }

  it('shows bytes, speed and time left for the upload, and an estimate when that is all there is', async () => {
    const { progress, send } = await running();
    send({
      ...withSteps(uploadJob, ['done', 'done', 'done', 'active']),
      progress: {
        bytesDone: 1_200_000_000,
        bytesTotal: 5_000_000_000,
        bytesPerSec: 48_000_000,
        etaSecs: 120,
        estimate: false,
      },
    });
    const line = await within(progress).findByTestId('upload-progress');
    expect(line.textContent).toBe('1.1 GiB of 4.7 GiB · 46 MiB/s · about 2 min left');
    const bar = within(progress).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('1200000000');
    expect(bar.getAttribute('aria-valuemax')).toBe('5000000000');
    expect(bar.getAttribute('aria-valuetext')).toBe(line.textContent);
    expect(bar.closest('[data-testid="job-step"]')?.getAttribute('data-step-id')).toBe('upload');

    send({
      ...withSteps(uploadJob, ['done', 'done', 'done', 'done', 'active']),
      progress: {
        bytesDone: 0,
        bytesTotal: 5_000_000_000,
        bytesPerSec: null,
        etaSecs: 720,
        estimate: true,
      },
    });
    await waitFor(() =>
      expect(within(progress).getByTestId('upload-progress').textContent).toBe(
        '0 bytes of 4.7 GiB · estimated: about 12 min',
      ),
    );
  });

  it('cancels with cancel_job and says the file is unchanged', async () => {
    const { progress, send, calls } = await running();
    fireEvent.click(within(progress).getByTestId('cancel-job'));
    await waitFor(() =>
      expect(callsOf(calls, 'cancel_job').map((c) => c.args)).toEqual([{ jobId: uploadJob.id }]),
    );
    send({
      ...withSteps(uploadJob, ['done', 'done', 'done', 'failed']),
      dataOverwritten: false,
      outcome: 'failed',
      finishedAt: '2025-11-21T15:14:00Z',
      error: { code: 'cancelled', message: 'You stopped the upload.', retryable: true },
      result: { ...uploadJob.result, fileUnchanged: true },
    });
    await waitFor(() => expect(progress.dataset.outcome).toBe('failed'));
    expect(within(progress).queryByTestId('cancel-job')).toBeNull();
    const error = within(progress).getByTestId('job-error');
    expect(error.textContent).toContain('You stopped the upload.');
    expect(error.textContent).toContain('Nothing in Production was changed');
    expect(within(progress).getByTestId('file-unchanged').textContent).toBe(
      'Your file was not changed.',
    );
  });

  it('shows the counts, the measured time and that the file was not changed', async () => {
    const { progress, send } = await running();
    send({
      ...withSteps(uploadJob, ['done', 'done', 'done', 'done', 'done', 'done']),
      outcome: 'succeeded',
      finishedAt: '2025-11-21T15:30:00Z',
      result: result({
        snapshotId: 'safety-1',
        countsBefore: { nodes: 1_000, relationships: 2_000 },
        countsAfter: { nodes: 1_250_000, relationships: 4_800_000 },
        durationSecs: 1_005,
        fileUnchanged: true,
      }),
    });
    await waitFor(() => expect(progress.dataset.outcome).toBe('succeeded'));
    expect(within(progress).getByTestId('counts-before-nodes').textContent).toBe('1,000');
    expect(within(progress).getByTestId('counts-after-nodes').textContent).toBe('1,250,000');
    expect(within(progress).getByTestId('job-duration').textContent).toContain('took 16 min 45 s');
    expect(within(progress).getByTestId('file-unchanged').textContent).toBe(
      'Your file was not changed and can be kept or deleted.',
    );
    expect(within(progress).queryByTestId('cancel-job')).toBeNull();
  });
});
