import { fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DbLoginStatus, GraphImportPlan, JobState } from '../../api';
import { renderWithShell } from '../../test/harness';
import { type CommandHandlers, callsOf } from '../../test/ipc';
import { job, jobChannel, step, withSteps } from '../../test/jobs';
import { NOW } from '../../test/snapshots';
import { DataTransfer } from './DataTransfer';

const production = { id: 'a1b2c3d4', name: 'Production', tier: 'business-critical' };
const EXPORT_PATH = '/home/ada/Production_2025-11-21T1510Z.graph.jsonl.zst';
const savedLogin = (): DbLoginStatus => ({ saved: true, user: 'neo4j', persistence: 'keyring' });

const plan: GraphImportPlan = {
  token: 'graph-token-4f1a',
  instanceId: production.id,
  instanceName: 'Production',
  path: EXPORT_PATH,
  fileName: 'Production_2025-11-21T1510Z.graph.jsonl.zst',
  fileSize: 3_400_000,
  sourceInstanceName: 'Staging',
  exportedAt: '2025-11-21T15:10:00Z',
  expiresAt: '2025-11-21T15:40:00Z',
};

const exportJob: JobState = job({
  id: 'job-export',
  kind: 'graph-export',
  title: 'Export the data of Production to Production_2025-11-21T1510Z.graph.jsonl.zst',
  steps: [
    step('counts-before', 'Count the data'),
    step('nodes', 'Read the nodes'),
    step('relationships', 'Read the relationships'),
    step('verify', 'Check the counts against the database'),
    step('save', 'Save the file'),
  ],
});

const importJob: JobState = job({
  id: 'job-import',
  kind: 'graph-import',
  title: 'Replace the data of Production with Production_2025-11-21T1510Z.graph.jsonl.zst',
  steps: [
    step('check-file', 'Check the file'),
    step('counts-before', 'Count the data as it is now'),
    step('safety-snapshot', 'Take a safety snapshot'),
    step('delete', 'Delete the current data'),
    step('nodes', 'Write the nodes'),
    step('relationships', 'Write the relationships'),
    step('finish', 'Remove the import markers'),
    step('verify', 'Check the imported data'),
  ],
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});
afterEach(() => vi.useRealTimers());

function start(handlers: CommandHandlers = {}) {
  return renderWithShell(<DataTransfer instance={production} />, {
    db_login_status: savedLogin,
    ...handlers,
  });
}

async function ready() {
  const button = (await screen.findByTestId('export-data')) as HTMLButtonElement;
  await waitFor(() => expect(button.disabled).toBe(false));
  return button;
}

describe('data export and import of an instance', () => {
  it('says plainly that it is a logical copy, not a binary snapshot', async () => {
    start();
    await ready();
    const intro = screen.getByTestId('data-transfer-intro').textContent ?? '';
    expect(intro).toContain('logical copy of nodes and relationships');
    expect(intro).toContain('not a binary snapshot');
    expect(screen.getByTestId('export-data').textContent).toBe('Export data…');
    expect(screen.getByTestId('import-data').textContent).toBe('Import data…');
  });

  it('exports through the save dialog and shows the nodes counted, then what the file holds', async () => {
    let channel: ReturnType<typeof jobChannel> | undefined;
    const { calls } = start({
      export_graph: (args) => {
        channel = jobChannel(args.onEvent);
        channel.send({
          ...withSteps(exportJob, ['done', 'active']),
          itemProgress: { done: 2000, total: 5000, unit: 'nodes', perSec: null, etaSecs: null },
        });
        return { jobId: exportJob.id };
      },
    });
    fireEvent.click(await ready());
    const progress = await screen.findByTestId('item-progress');
    expect(progress.textContent).toBe('2,000 of 5,000 nodes');
    expect(callsOf(calls, 'export_graph').map((c) => c.args.instanceId)).toEqual([production.id]);

    const counts = { nodes: 5000, relationships: 12000 };
    channel?.send({
      ...withSteps(exportJob, ['done', 'done', 'done', 'done', 'done']),
      outcome: 'succeeded',
      finishedAt: '2025-11-21T15:11:00Z',
      result: {
        ...exportJob.result,
        countsBefore: counts,
        countsAfter: counts,
        fileCounts: counts,
      },
    });
    const shown = await screen.findByTestId('job-progress');
    await waitFor(() => expect(shown.dataset.outcome).toBe('succeeded'));
    expect(within(shown).getByTestId('counts-file-nodes').textContent).toBe('5,000');
    expect(within(shown).getByTestId('counts-database-relationships').textContent).toBe('12,000');
    expect(screen.queryByTestId('data-transfer-error')).toBeNull();
  });

  it('starts nothing and says nothing when the save dialog is cancelled', async () => {
    const { calls } = start({ export_graph: () => null });
    fireEvent.click(await ready());
    await waitFor(() => expect(callsOf(calls, 'export_graph')).toHaveLength(1));
    await waitFor(() =>
      expect((screen.getByTestId('export-data') as HTMLButtonElement).disabled).toBe(false),
    );
    expect(screen.queryByTestId('job-progress')).toBeNull();
    expect(screen.queryByTestId('data-transfer-error')).toBeNull();
  });

  it('asks for the database login first when none is saved', async () => {
    const { calls } = start({
      db_login_status: () => ({ saved: false, user: null, persistence: null }),
    });
    fireEvent.click(await ready());
    await screen.findByTestId('db-login-form');
    fireEvent.click(screen.getByTestId('import-data'));
    expect(callsOf(calls, 'export_graph')).toHaveLength(0);
    expect(callsOf(calls, 'choose_graph_file')).toHaveLength(0);
  });

  it('imports only after RESTORE is typed, with the token issued for that file', async () => {
    const { calls } = start({
      choose_graph_file: () => EXPORT_PATH,
      prepare_graph_import: () => plan,
      import_graph: (args) => {
        jobChannel(args.onEvent).send(withSteps(importJob, ['active']));
        return { jobId: importJob.id };
      },
    });
    await ready();
    fireEvent.click(screen.getByTestId('import-data'));
    const dialog = await screen.findByTestId('graph-import-dialog');
    await waitFor(() => expect(screen.queryByTestId('restore-preparing')).toBeNull());
    expect(callsOf(calls, 'prepare_graph_import').map((c) => c.args)).toEqual([
      { instanceId: production.id, path: EXPORT_PATH },
    ]);
    expect(dialog.textContent).toContain(
      'This deletes every node and relationship in Production and writes those of Production_2025-11-21T1510Z.graph.jsonl.zst in their place.',
    );
    expect(screen.getByTestId('graph-import-kind').textContent).toContain('not a binary snapshot');
    expect(screen.getByTestId('graph-import-file').textContent).toContain('Exported from Staging');
    expect((screen.getByTestId('restore-safety-snapshot') as HTMLInputElement).checked).toBe(true);

    const confirm = screen.getByTestId('restore-confirm') as HTMLButtonElement;
    const input = screen.getByTestId('restore-confirm-input');
    fireEvent.input(input, { target: { value: 'restore' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.input(input, { target: { value: 'RESTORE' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);

    await waitFor(() => expect(screen.queryByTestId('graph-import-dialog')).toBeNull());
    expect(
      callsOf(calls, 'import_graph').map((c) => [c.args.token, c.args.safetySnapshot]),
    ).toEqual([[plan.token, true]]);
    const shown = await screen.findByTestId('job-progress');
    expect(shown.dataset.kind).toBe('graph-import');
    expect((screen.getByTestId('import-data') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('data-transfer-busy').textContent).toContain('being replaced');
  });

  it('shows why a file is refused when the dialog opens, and imports nothing', async () => {
    const { calls } = start({
      choose_graph_file: () => EXPORT_PATH,
      prepare_graph_import: () => {
        throw {
          code: 'graph-file-version',
          message:
            'This data export was made by a newer Lifeboat (file format version 2); this version reads version 1. Nothing was changed.',
          retryable: false,
        };
      },
    });
    await ready();
    fireEvent.click(screen.getByTestId('import-data'));
    const error = await screen.findByTestId('restore-prepare-error');
    expect(error.textContent).toContain('made by a newer Lifeboat');
    fireEvent.input(screen.getByTestId('restore-confirm-input'), { target: { value: 'RESTORE' } });
    expect((screen.getByTestId('restore-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(callsOf(calls, 'import_graph')).toHaveLength(0);
  });

  it('explains a failed import by how far it got', async () => {
    start({
      choose_graph_file: () => EXPORT_PATH,
      prepare_graph_import: () => plan,
      import_graph: (args) => {
        jobChannel(args.onEvent).send({
          ...withSteps(importJob, ['done', 'done', 'done', 'done', 'failed']),
          outcome: 'failed',
          finishedAt: '2025-11-21T15:12:00Z',
          error: {
            code: 'db-unavailable',
            message: 'The database did not answer (HTTP 503).',
            retryable: true,
          },
        });
        return { jobId: importJob.id };
      },
    });
    await ready();
    fireEvent.click(screen.getByTestId('import-data'));
    await screen.findByTestId('graph-import-dialog');
    await waitFor(() => expect(screen.queryByTestId('restore-preparing')).toBeNull());
    fireEvent.input(screen.getByTestId('restore-confirm-input'), { target: { value: 'RESTORE' } });
    fireEvent.click(screen.getByTestId('restore-confirm'));
    const failure = await screen.findByTestId('job-error');
    expect(failure.textContent).toContain('The database did not answer');
    expect(failure.textContent).toContain('Production may hold only part of the data now');
  });
});
