import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { createTauriBackend, type HistoryEntry } from '../../api';
import { App } from '../../app/App';
import { shellDefaults } from '../../test/accounts';
import { production, sandboxInfo } from '../../test/fixtures';
import { renderWithShell } from '../../test/harness';
import { historyEntry, report } from '../../test/history';
import { callsOf, mockCommands } from '../../test/ipc';
import { job, step } from '../../test/jobs';
import { JobProgress } from '../jobs';
import { HistoryDialog } from './HistoryDialog';

const restore = historyEntry();
const failedSnapshot = historyEntry({
  jobId: '20251121T090000-cd34',
  kind: 'snapshot',
  instanceId: 'e5f6a7b8',
  instanceName: 'Staging',
  title: 'Snapshot of Staging',
  startedAt: '2025-11-21T09:00:00Z',
  outcome: 'failed',
  reason: null,
  dataLossSecs: null,
  overwritten: null,
  durationSecs: null,
  totalSecs: 42,
  error: { code: 'snapshot-failed', message: 'Aura could not take the snapshot.', retryable: true },
});
const drill = historyEntry({
  jobId: '20251120T100000-ef56',
  kind: 'drill',
  title: 'Test a restore of Production from the snapshot of 20 Nov 2025 23:10 UTC',
  startedAt: '2025-11-20T10:00:00Z',
  reason: null,
  overwritten: null,
  durationSecs: 95,
  newInstanceId: 'f0f0f0f0',
});
const all = [restore, failedSnapshot, drill];

/** The shell's list_history: filters like the engine does. */
function listHistory(args: Record<string, unknown>): HistoryEntry[] {
  const f = (args.filter ?? {}) as Record<string, string | null>;
  return all.filter(
    (e) =>
      (!f.kind || e.kind === f.kind) &&
      (!f.instanceId || e.instanceId === f.instanceId) &&
      (!f.outcome || e.outcome === f.outcome),
  );
}

function open(handlers: Parameters<typeof renderWithShell>[1] = {}) {
  const onClose = vi.fn();
  const rendered = renderWithShell(<HistoryDialog onClose={onClose} />, {
    list_history: listHistory,
    history_report: () => report,
    ...handlers,
  });
  return { ...rendered, onClose };
}

const rows = () => screen.queryAllByTestId('history-row');

function select(testId: string, value: string) {
  const el = screen.getByTestId(testId) as HTMLSelectElement;
  el.value = value;
  fireEvent.change(el);
}

describe('the history view', () => {
  it('opens from the header with the keyboard-reachable History button and closes with Escape', async () => {
    mockCommands({
      ...shellDefaults,
      app_info: () => sandboxInfo,
      list_instances: () => [production],
      get_instance: () => production,
      list_history: listHistory,
    });
    render(<App backend={createTauriBackend()} />);
    const button = await screen.findByTestId('history-button');
    expect(button.tagName).toBe('BUTTON');
    expect(button.textContent).toBe('History');
    button.focus();
    fireEvent.click(button);
    const view = await screen.findByTestId('history-view');
    expect(view.getAttribute('role')).toBe('dialog');
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('history-view')).toBeNull());
    expect(document.activeElement).toBe(button);
  });

  it('shows when, what, instance, reason, data lost, duration and outcome for each operation', async () => {
    const { calls } = open();
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(callsOf(calls, 'list_history')[0]?.args.filter).toEqual({
      kind: null,
      instanceId: null,
      outcome: null,
    });
    const [first, second, third] = rows() as HTMLElement[];
    expect([first, second, third].map((r) => [r?.dataset.kind, r?.dataset.outcome])).toEqual([
      ['restore', 'succeeded'],
      ['snapshot', 'failed'],
      ['drill', 'succeeded'],
    ]);
    const cells = (row: HTMLElement) => [...row.querySelectorAll('td')].map((c) => c.textContent);
    const restoreCells = cells(first as HTMLElement);
    expect(first?.querySelector('time')?.getAttribute('datetime')).toBe(restore.startedAt);
    expect(first?.querySelector('time')?.getAttribute('title')).toMatch(/UTC$/);
    expect(restoreCells.slice(1, 7)).toEqual([
      `Restore${restore.title}`,
      'Production',
      'Bad migration',
      '4 h 12 min',
      '3 min 25 s',
      '✓ Succeeded',
    ]);
    expect(cells(second as HTMLElement).slice(2, 7)).toEqual([
      'Staging',
      '—',
      'None',
      '42 s',
      '✕ Failed',
    ]);
    expect(within(third as HTMLElement).getByTestId('history-duration').textContent).toBe(
      '1 min 35 s',
    );
    expect(
      within(first as HTMLElement)
        .getByTestId('history-report')
        .getAttribute('aria-label'),
    ).toMatch(/^Report: Restore of Production/);
  });

  it('filters by kind, instance and outcome through the shell', async () => {
    const { calls } = open();
    await waitFor(() => expect(rows()).toHaveLength(3));

    select('history-filter-kind', 'restore');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]?.dataset.kind).toBe('restore');
    expect(callsOf(calls, 'list_history').at(-1)?.args.filter).toEqual({
      kind: 'restore',
      instanceId: null,
      outcome: null,
    });

    select('history-filter-kind', '');
    await waitFor(() => expect(rows()).toHaveLength(3));
    // The instance filter offers every instance seen, by name.
    const instance = screen.getByTestId('history-filter-instance') as HTMLSelectElement;
    expect([...instance.options].map((o) => o.textContent)).toEqual([
      'All instances',
      'Production',
      'Staging',
    ]);
    select('history-filter-instance', 'e5f6a7b8');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]?.dataset.outcome).toBe('failed');
    expect([...instance.options].map((o) => o.textContent)).toContain('Production');

    select('history-filter-instance', '');
    select('history-filter-outcome', 'failed');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(callsOf(calls, 'list_history').at(-1)?.args.filter).toEqual({
      kind: null,
      instanceId: null,
      outcome: 'failed',
    });

    select('history-filter-kind', 'clone');
    expect((await screen.findByTestId('history-empty')).textContent).toContain(
      'Nothing matches these filters',
    );
  });

  it('says what the history is for when it is empty', async () => {
    open({ list_history: () => [] });
    const empty = await screen.findByTestId('history-empty');
    expect(empty.textContent).toContain('No operations yet');
    expect(screen.getByTestId('history-export-csv').hasAttribute('disabled')).toBe(true);
  });

  it('saves as Markdown or CSV with the filter in use, and says where', async () => {
    let saved: string | null = '/home/ana/lifeboat-history-2025-11-21.csv';
    const { calls } = open({ export_history: () => saved });
    await waitFor(() => expect(rows()).toHaveLength(3));
    select('history-filter-outcome', 'succeeded');
    await waitFor(() => expect(rows()).toHaveLength(2));

    fireEvent.click(screen.getByTestId('history-export-csv'));
    await waitFor(() => expect(callsOf(calls, 'export_history')).toHaveLength(1));
    expect(callsOf(calls, 'export_history')[0]?.args).toEqual({
      format: 'csv',
      filter: { kind: null, instanceId: null, outcome: 'succeeded' },
    });
    expect((await screen.findByText(/Saved the history to/)).textContent).toBe(
      'Saved the history to /home/ana/lifeboat-history-2025-11-21.csv.',
    );

    // Cancelled in the dialog: nothing to say.
    saved = null;
    fireEvent.click(screen.getByTestId('history-export-markdown'));
    await waitFor(() => expect(callsOf(calls, 'export_history')).toHaveLength(2));
    expect(callsOf(calls, 'export_history')[1]?.args.format).toBe('markdown');
    await waitFor(() => expect(screen.getAllByTestId('toast')).toHaveLength(1));
  });

  it('says plainly when the file could not be written', async () => {
    open({
      export_history: () => {
        throw {
          code: 'write-file',
          message:
            'Lifeboat could not save the file there (permission denied). Nothing was written.',
          retryable: true,
        };
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(screen.getByTestId('history-export-markdown'));
    const toast = await screen.findByText(/Couldn't save the history/);
    expect(toast.textContent).toContain('permission denied');
    expect(toast.closest('[role="alert"]')).not.toBeNull();
  });

  it('shows a report with its two messages, each ready to copy, and saves it', async () => {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { calls } = open({ save_report: () => '/home/ana/Production_report.md' });
    await waitFor(() => expect(rows()).toHaveLength(3));

    fireEvent.click(within(rows()[0] as HTMLElement).getByTestId('history-report'));
    const dialog = await screen.findByTestId('report-dialog');
    expect(callsOf(calls, 'history_report')[0]?.args).toEqual({ jobId: restore.jobId });
    // A document, not raw Markdown: the heading and the bold label are elements; "Copy as Markdown" gives the text.
    const markdown = await within(dialog).findByTestId('report-markdown');
    expect(
      within(markdown).getByRole('heading', { name: 'Restore report: Production' }),
    ).toBeTruthy();
    expect(markdown.querySelector('strong')?.textContent).toBe('Outcome:');
    expect(markdown.textContent).not.toContain('**');
    expect(within(dialog).getByTestId('copy-report').textContent).toBe('Copy as Markdown');
    expect(within(dialog).getByTestId('report-message-before').textContent).toBe(
      report.messages.before,
    );
    expect(within(dialog).getByTestId('report-message-after').textContent).toBe(
      report.messages.after,
    );

    fireEvent.click(within(dialog).getByTestId('copy-report'));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith(report.markdown));
    fireEvent.click(within(dialog).getByTestId('copy-message-before'));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith(report.messages.before));
    fireEvent.click(within(dialog).getByTestId('copy-message-after'));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith(report.messages.after));
    expect(await screen.findByText('Copied the message for after the restore.')).toBeTruthy();

    fireEvent.click(within(dialog).getByTestId('save-report'));
    await waitFor(() =>
      expect(callsOf(calls, 'save_report').map((c) => c.args)).toEqual([{ jobId: restore.jobId }]),
    );
    expect(
      await screen.findByText('Saved the report to /home/ana/Production_report.md.'),
    ).toBeTruthy();

    // Escape closes the report first; the history stays open under it.
    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('report-dialog')).toBeNull());
    expect(screen.getByTestId('history-view')).toBeTruthy();
  });

  it('says so when a report cannot be read', async () => {
    open({
      history_report: () => {
        throw {
          code: 'not-found',
          message: 'This operation is not in the history.',
          retryable: false,
        };
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(within(rows()[1] as HTMLElement).getByTestId('history-report'));
    const error = await screen.findByTestId('report-error');
    expect(error.textContent).toContain('This operation is not in the history.');
    expect(screen.queryByTestId('report-markdown')).toBeNull();
  });
});

describe('after a restore', () => {
  const finishedRestore = job({
    id: restore.jobId,
    kind: 'restore',
    title: restore.title,
    steps: [step('restoring', 'Restore', { state: 'done' })],
    outcome: 'succeeded',
    finishedAt: '2025-11-21T15:20:00Z',
  });

  it('offers the restore report of that very operation', async () => {
    const { calls } = renderWithShell(<JobProgress job={finishedRestore} />, {
      history_report: () => report,
    });
    fireEvent.click(screen.getByTestId('restore-report'));
    expect((await screen.findByTestId('report-markdown')).textContent).toContain(
      'Restore report: Production',
    );
    expect(callsOf(calls, 'history_report')[0]?.args).toEqual({ jobId: restore.jobId });
  });

  it('offers no report while it runs, nor for a snapshot', () => {
    renderWithShell(<JobProgress job={{ ...finishedRestore, outcome: null }} />, {});
    expect(screen.queryByTestId('restore-report')).toBeNull();
    renderWithShell(<JobProgress job={{ ...finishedRestore, kind: 'snapshot' }} />, {});
    expect(screen.queryByTestId('restore-report')).toBeNull();
  });
});
