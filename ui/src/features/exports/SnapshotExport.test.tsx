import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportCandidate, ExportEvent, ExportPlan, JobState } from '../../api';
import {
  EXPORT_LIMITATION,
  exportUnavailableReason,
  folderNames,
  upsertCandidate,
  verifiedSentence,
  watchingSentence,
} from '../../lib/exports';
import { channelOf } from '../../test/channels';
import { renderWithShell } from '../../test/harness';
import { callsOf } from '../../test/ipc';
import { job, jobChannel, step, withSteps } from '../../test/jobs';
import { NOW, snapshot, timeline } from '../../test/snapshots';
import { SnapshotBrowser } from '../snapshots/SnapshotBrowser';

const production = { id: 'a1b2c3d4', name: 'Production' };

const plan: ExportPlan = {
  sessionId: 'session-1',
  instanceId: production.id,
  instanceName: 'Production',
  snapshotId: 'daily-2310',
  snapshotTime: '2025-11-20T23:10:00Z',
  console: {
    url: 'http://127.0.0.1:43123/console/instances/a1b2c3d4/snapshots?snapshot=daily-2310',
    sandbox: true,
    steps: [
      "Open the sandbox's console in your browser.",
      'Find the snapshot of 20 Nov 2025 23:10 UTC (it is highlighted) and choose Export.',
      'Your browser downloads the file; Lifeboat notices it by itself.',
    ],
  },
  folders: [{ path: '/home/ada/Downloads', label: 'Downloads', exists: true }],
};

function candidate(overrides: Partial<ExportCandidate> = {}): ExportCandidate {
  return {
    id: 'file-1',
    path: '/home/ada/Downloads/neo4j-2025-11-20T23-10-00-a1b2c3d4.backup',
    fileName: 'neo4j-2025-11-20T23-10-00-a1b2c3d4.backup',
    folder: '/home/ada/Downloads',
    size: 4_194_304,
    formatLabel: 'Neo4j 5 backup, compressed',
    backupTime: '2025-11-20T23:10:00Z',
    checks: [
      { id: 'readable', ok: true, message: 'Lifeboat recognised a Neo4j 5 backup.' },
      { id: 'complete', ok: true, message: 'The file is whole.' },
    ],
    usable: true,
    problem: null,
    notes: [],
    proposedName: 'Production_2025-11-20T2310Z.backup',
    ...overrides,
  };
}

const exportJob: JobState = job({
  id: 'job-export',
  kind: 'snapshot-export',
  title: 'Export Production’s snapshot of 20 Nov 2025 23:10 UTC to a file',
  steps: [
    step('inspect', 'Check the downloaded file'),
    step('copy', 'Copy it to /home/ada/Backups'),
    step('verify', 'Compare the copy with the download (size and CRC-32)'),
    step('save', 'Save it as Production_2025-11-20T2310Z.backup'),
    step('remove-download', 'Remove the download from /home/ada/Downloads'),
  ],
  export: {
    source: '/home/ada/Downloads/neo4j-2025-11-20T23-10-00-a1b2c3d4.backup',
    destination: '/home/ada/Backups/Production_2025-11-20T2310Z.backup',
    temp: '/home/ada/Backups/.Production_2025-11-20T2310Z.backup.job-export.lifeboat-tmp',
    removeDownload: true,
    sourceBytes: 4_194_304,
    sourceModified: '2025-11-20T23:12:00Z',
    formatLabel: 'Neo4j 5 backup, compressed',
    bytes: null,
    crc32: null,
    downloadRemoved: null,
  },
});

function succeeded(base: JobState): JobState {
  return {
    ...withSteps(base, ['done', 'done', 'done', 'done', 'done']),
    outcome: 'succeeded',
    finishedAt: '2025-11-21T15:13:00Z',
    export: {
      ...(base.export as NonNullable<JobState['export']>),
      bytes: 4_194_304,
      crc32: '1a2b3c4d',
      downloadRemoved: true,
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

type Handlers = Parameters<typeof renderWithShell>[1];

/** The snapshot browser with the export dialog's commands mocked; `events` drives the watch. */
function start(handlers: Handlers = {}) {
  let watch: { send(e: ExportEvent): void } | undefined;
  let jobs: ReturnType<typeof jobChannel> | undefined;
  const rendered = renderWithShell(<SnapshotBrowser instance={production} />, {
    list_snapshots: () => timeline(),
    plan_snapshot_export: () => plan,
    watch_snapshot_export: (args) => {
      watch = channelOf<ExportEvent>(args.onEvent);
      return null;
    },
    open_export_console: () => null,
    close_snapshot_export: () => null,
    save_snapshot_export: (args) => {
      jobs = jobChannel(args.onEvent);
      jobs.send(withSteps(exportJob, ['active']));
      return { jobId: exportJob.id };
    },
    ...handlers,
  });
  return {
    ...rendered,
    event: (e: ExportEvent) => act(() => watch?.send(e)),
    update: (state: JobState) => act(() => jobs?.send(state)),
  };
}

async function choose(id: string) {
  const row = await waitFor(() => {
    const found = screen.queryAllByTestId('snapshot-row').find((r) => r.dataset.snapshotId === id);
    if (!found) throw new Error(`no row ${id}`);
    return found;
  });
  fireEvent.click(row);
}

async function openDialog() {
  await choose('daily-2310');
  fireEvent.click(await screen.findByTestId('export-snapshot'));
  const dialog = await screen.findByTestId('export-dialog');
  await within(dialog).findByTestId('export-watching');
  return dialog;
}

describe('the export words', () => {
  it('say why a snapshot cannot be exported, and nothing when it can', () => {
    expect(exportUnavailableReason(snapshot({ exportable: true }))).toBeNull();
    expect(exportUnavailableReason(snapshot({ exportable: false }))).toBe(
      'Aura exports only daily and on-demand snapshots, so this one cannot be exported.',
    );
    expect(exportUnavailableReason(snapshot({ status: 'Failed', restorable: false }))).toContain(
      'failed',
    );
    expect(
      exportUnavailableReason(snapshot({ status: 'InProgress', restorable: false })),
    ).toContain('still being taken');
  });

  it('name the watched folders and the verified copy', () => {
    const d = { path: '/h/Downloads', label: 'Downloads', exists: true };
    const e = { path: '/mnt/Exports', label: 'Exports', exists: false };
    const b = { path: '/b/Backups', label: 'Backups', exists: true };
    expect(watchingSentence([d])).toBe('Watching Downloads for a new backup file…');
    expect(folderNames([d, e, b])).toBe('Downloads, Exports and Backups');
    expect(watchingSentence([])).toContain('could not find your Downloads folder');
    expect(verifiedSentence({ bytes: 4_194_304, crc32: '1a2b3c4d' })).toBe(
      '4.0 MiB, CRC-32 1a2b3c4d: read back and the same as the download.',
    );
    expect(verifiedSentence({ bytes: null, crc32: null })).toBeNull();
  });

  it('keep one entry per file, newest first', () => {
    const a = candidate({ id: 'a', path: '/d/a.backup' });
    const b = candidate({ id: 'b', path: '/d/b.backup' });
    const a2 = candidate({ id: 'a2', path: '/d/a.backup', size: 9 });
    expect(upsertCandidate(upsertCandidate([a], b), a2).map((c) => c.id)).toEqual(['a2', 'b']);
  });
});

describe('exporting a snapshot', () => {
  it('is offered on exportable snapshots and disabled with the reason on hourly ones', async () => {
    start();
    await choose('hourly-1500');
    const disabled = await screen.findByTestId('export-snapshot');
    expect(disabled.hasAttribute('disabled')).toBe(true);
    const reason = screen.getByTestId('export-unavailable');
    expect(reason.textContent).toBe(
      'Aura exports only daily and on-demand snapshots, so this one cannot be exported.',
    );
    expect(disabled.getAttribute('aria-describedby')).toBe(reason.id);

    await choose('daily-2310');
    const button = await screen.findByTestId('export-snapshot');
    expect(button.hasAttribute('disabled')).toBe(false);
    expect(button.textContent).toBe('Export…');
    expect(screen.queryByTestId('export-unavailable')).toBeNull();
  });

  it('says the API has no download, gives the steps and the console, and watches Downloads', async () => {
    const { calls } = start();
    const dialog = await openDialog();
    expect(callsOf(calls, 'plan_snapshot_export')[0]?.args).toMatchObject({
      instanceId: production.id,
      snapshotId: 'daily-2310',
    });
    expect(dialog.textContent).toContain(EXPORT_LIMITATION);
    expect(EXPORT_LIMITATION.split('. ')).toHaveLength(1);
    const steps = within(dialog).getByTestId('export-steps');
    expect([...steps.querySelectorAll('li')].map((li) => li.textContent)).toEqual(
      plan.console.steps,
    );
    expect(within(dialog).getByTestId('export-console-url').textContent).toBe(plan.console.url);
    expect(within(dialog).getByTestId('export-watching').textContent).toBe(
      'Watching Downloads for a new backup file…',
    );
    expect(callsOf(calls, 'watch_snapshot_export')[0]?.args.sessionId).toBe('session-1');

    fireEvent.click(within(dialog).getByTestId('export-open-console'));
    await waitFor(() => expect(callsOf(calls, 'open_export_console')).toHaveLength(1));
    expect(callsOf(calls, 'open_export_console')[0]?.args).toEqual({ sessionId: 'session-1' });
  });

  it('shows a download under way, then the file found with its checks, saves it and shows the verified result', async () => {
    const { calls, event, update } = start();
    const dialog = await openDialog();

    event({
      event: 'downloading',
      data: { fileName: 'neo4j-2025.backup', folder: '/home/ada/Downloads', bytes: 1_500_000 },
    });
    expect(within(dialog).getByTestId('export-downloading').textContent).toBe(
      'Downloading neo4j-2025.backup… 1.4 MiB so far.',
    );

    event({ event: 'found', data: candidate() });
    const card = await within(dialog).findByTestId('export-candidate');
    expect(card.dataset.usable).toBe('true');
    expect(within(card).getByTestId('export-file-format').textContent).toBe(
      'Neo4j 5 backup, compressed',
    );
    expect(
      within(card)
        .getAllByTestId('export-file-check')
        .map((c) => c.dataset.ok),
    ).toEqual(['true', 'true']);
    expect(card.textContent).toContain('Proposed name: Production_2025-11-20T2310Z.backup');
    const remove = within(card).getByTestId('export-remove-download') as HTMLInputElement;
    expect(remove.checked).toBe(true);
    expect(remove.closest('label')?.textContent).toContain('Then remove it from Downloads');

    fireEvent.click(within(card).getByTestId('export-save'));
    const progress = await within(dialog).findByTestId('job-progress');
    expect(callsOf(calls, 'save_snapshot_export')[0]?.args).toMatchObject({
      sessionId: 'session-1',
      candidateId: 'file-1',
      removeDownload: true,
    });
    expect(progress.dataset.kind).toBe('snapshot-export');
    expect(within(dialog).queryByTestId('export-candidate')).toBeNull();

    update(succeeded(exportJob));
    const result = await within(dialog).findByTestId('export-result');
    expect(within(result).getByTestId('export-saved-path').textContent).toBe(
      '/home/ada/Backups/Production_2025-11-20T2310Z.backup',
    );
    expect(within(result).getByTestId('export-verified').textContent).toBe(
      '4.0 MiB, CRC-32 1a2b3c4d: read back and the same as the download.',
    );
    expect(result.textContent).toContain('The download was removed from Downloads.');
    expect(result.textContent).toContain('recorded in History');
    expect(within(dialog).getByTestId('export-close').textContent).toBe('Done');

    fireEvent.click(within(dialog).getByTestId('export-close'));
    await waitFor(() => expect(screen.queryByTestId('export-dialog')).toBeNull());
    expect(callsOf(calls, 'close_snapshot_export')[0]?.args).toEqual({ sessionId: 'session-1' });
    // Closed, the finished export shows with the other activity of the instance.
    expect((await screen.findByTestId('job-progress')).dataset.kind).toBe('snapshot-export');
  });

  it('keeps the download when asked, and a cancelled save dialog changes nothing', async () => {
    let answer: { jobId: string } | null = null;
    const { calls, event } = start({
      save_snapshot_export: (args) => {
        if (answer) jobChannel(args.onEvent).send(withSteps(exportJob, ['active']));
        return answer;
      },
    });
    const dialog = await openDialog();
    event({ event: 'found', data: candidate() });
    const card = await within(dialog).findByTestId('export-candidate');
    fireEvent.click(within(card).getByTestId('export-remove-download'));

    fireEvent.click(within(card).getByTestId('export-save'));
    await waitFor(() => expect(callsOf(calls, 'save_snapshot_export')).toHaveLength(1));
    await waitFor(() =>
      expect(within(card).getByTestId('export-save').getAttribute('aria-busy')).toBeNull(),
    );
    expect(within(dialog).queryByTestId('export-save-error')).toBeNull();
    expect(within(dialog).queryByTestId('job-progress')).toBeNull();

    answer = { jobId: exportJob.id };
    fireEvent.click(within(card).getByTestId('export-save'));
    await within(dialog).findByTestId('job-progress');
    expect(callsOf(calls, 'save_snapshot_export')[1]?.args.removeDownload).toBe(false);
  });

  it('refuses a cut-off download with the inspector’s reason and offers no Save', async () => {
    const { event } = start();
    const dialog = await openDialog();
    const problem =
      'This file ends early — it was probably cut off while copying; download it again.';
    event({
      event: 'found',
      data: candidate({
        usable: false,
        problem,
        checks: [
          { id: 'readable', ok: true, message: 'Recognised.' },
          { id: 'complete', ok: false, message: 'The file ends early.' },
        ],
      }),
    });
    const card = await within(dialog).findByTestId('export-candidate');
    expect(card.dataset.usable).toBe('false');
    expect(within(card).getByTestId('export-file-problem').textContent).toContain(problem);
    expect(within(card).queryByTestId('export-save')).toBeNull();
  });

  it('watches another folder the user picks', async () => {
    const { calls } = start({
      add_export_folder: () => [
        ...plan.folders,
        { path: '/mnt/share/Exports', label: 'Exports', exists: true },
      ],
    });
    const dialog = await openDialog();
    fireEvent.click(within(dialog).getByTestId('export-add-folder'));
    await waitFor(() =>
      expect(within(dialog).getByTestId('export-watching').textContent).toBe(
        'Watching Downloads and Exports for a new backup file…',
      ),
    );
    expect(callsOf(calls, 'add_export_folder')[0]?.args).toEqual({ sessionId: 'session-1' });
  });

  it('shows Aura’s refusal when the export cannot start', async () => {
    start({
      plan_snapshot_export: () => {
        throw {
          code: 'not-exportable',
          message: 'Aura does not export this snapshot. Choose a daily or on-demand snapshot.',
          retryable: false,
        };
      },
    });
    await choose('daily-2310');
    fireEvent.click(await screen.findByTestId('export-snapshot'));
    const error = await screen.findByTestId('export-plan-error');
    expect(error.dataset.code).toBe('not-exportable');
    expect(error.textContent).toContain('Choose a daily or on-demand snapshot.');
  });
});
