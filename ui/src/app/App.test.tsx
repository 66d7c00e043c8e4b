import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { createTauriBackend, type InstanceView } from '../api';
import { shellDefaults } from '../test/accounts';
import {
  accountInfo,
  freeTier,
  production,
  rateLimited,
  sandboxInfo,
  staging,
} from '../test/fixtures';
import { type CommandHandlers, callsOf, mockCommands } from '../test/ipc';
import { App } from './App';

const byId = (list: (typeof production)[]) => (args: Record<string, unknown>) => {
  const found = list.find((i) => i.id === args.id);
  if (!found)
    throw { code: 'not-found', message: 'That instance no longer exists.', retryable: false };
  return found;
};

function setup(overrides: CommandHandlers = {}) {
  const list = [production, staging, freeTier];
  const calls = mockCommands({
    ...shellDefaults,
    app_info: () => sandboxInfo,
    list_instances: () => list,
    get_instance: byId(list),
    ...overrides,
  });
  const view = render(<App backend={createTauriBackend()} />);
  const root = () => view.container.querySelector<HTMLElement>('[data-testid="app"]');
  return { calls, view, root };
}

const rows = () => screen.queryAllByTestId('instance-row');

describe('instance list', () => {
  it('shows each instance with its name, plan, version and status in words', async () => {
    const { root } = setup();
    await waitFor(() => expect(rows()).toHaveLength(3));

    const [first, second, third] = rows();
    expect(within(first as HTMLElement).getByTestId('instance-name').textContent).toBe(
      'Production',
    );
    expect(within(first as HTMLElement).getByTestId('instance-status').textContent).toBe('Running');
    expect(first?.textContent).toContain('Business Critical · Neo4j 5');
    expect(within(second as HTMLElement).getByTestId('instance-status').textContent).toBe(
      'Restoring from a snapshot…',
    );
    expect(second?.dataset.instanceId).toBe('e5f6a7b8');
    expect(second?.dataset.status).toBe('restoring');
    expect(third?.dataset.status).toBe('paused');
    expect(within(third as HTMLElement).getByTestId('instance-status').dataset.tone).toBe('paused');
    await waitFor(() => expect(root()?.dataset.ready).toBe('true'));
  });

  it('is not ready before the first list arrives', async () => {
    let release: (value: InstanceView[]) => void = () => {};
    const { root } = setup({ list_instances: () => new Promise((resolve) => (release = resolve)) });
    expect(await screen.findByRole('progressbar')).toBeTruthy();
    expect(root()?.dataset.ready).toBe('false');
    await act(async () => release([production]));
    await waitFor(() => expect(root()?.dataset.ready).toBe('true'));
    expect(screen.queryByTestId('instances-loading')).toBeNull();
  });

  it('selects the first instance and shows the chosen one in the details pane', async () => {
    const { calls } = setup();
    const details = await screen.findByTestId('instance-details');
    expect(within(details).getByTestId('details-name').textContent).toBe('Production');

    fireEvent.click(rows()[1] as HTMLElement);

    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Staging'));
    expect(screen.getByTestId('details-status').textContent).toBe('Restoring from a snapshot…');
    expect(screen.getByTestId('details-tier').textContent).toBe('Professional');
    expect(screen.getByTestId('details-version').textContent).toBe('Neo4j 5');
    expect(screen.getByTestId('details-location').textContent).toBe('Google Cloud · europe-west1');
    expect(screen.getByTestId('details-memory').textContent).toBe('8 GiB');
    expect(screen.getByTestId('details-nodes').textContent).toBe('1.2 million (1,234,567)');
    expect(screen.getByTestId('details-relationships').textContent).toBe('4,200');
    expect(screen.getByTestId('details-connection-url').textContent).toContain(
      'neo4j+s://e5f6a7b8.databases.neo4j.io',
    );
    expect(screen.getByTestId('details-id').textContent).toBe('e5f6a7b8');
    expect(rows()[1]?.getAttribute('aria-selected')).toBe('true');
    expect(rows()[0]?.getAttribute('aria-selected')).toBe('false');
    await waitFor(() =>
      expect(callsOf(calls, 'get_instance').map((c) => c.args.id)).toContain('e5f6a7b8'),
    );
  });

  it('shows the snapshots of the selected instance first in the details pane', async () => {
    const { calls } = setup();
    const details = await screen.findByTestId('instance-details');
    const browser = await within(details).findByTestId('snapshot-browser');
    // Before the facts: the first thing an admin in trouble sees.
    const facts = within(details).getByTestId('details-tier');
    expect(browser.compareDocumentPosition(facts) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    await waitFor(() =>
      expect(callsOf(calls, 'list_snapshots')[0]?.args).toEqual({
        instanceId: production.id,
        refresh: false,
      }),
    );
    fireEvent.click(rows()[1] as HTMLElement);
    await waitFor(() =>
      expect(callsOf(calls, 'list_snapshots').map((c) => c.args.instanceId)).toContain(staging.id),
    );
    expect(callsOf(calls, 'list_jobs')).toHaveLength(1);
  });

  it('leaves out facts the API did not report', async () => {
    setup();
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.queryByTestId('details-nodes')).toBeNull();
    fireEvent.click(rows()[2] as HTMLElement);
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Playground'));
    expect(screen.queryByTestId('details-memory')).toBeNull();
    expect(screen.queryByTestId('details-connection-url')).toBeNull();
    expect(screen.queryByTestId('copy-connection-url')).toBeNull();
  });

  it('shows the fresher single-instance read in the header and the list alike (one truth)', async () => {
    const restoring = {
      ...production,
      status: 'restoring',
      statusLabel: 'Restoring from a snapshot…',
      statusTone: 'busy' as const,
      connectionUrl: 'neo4j+s://fresh.databases.neo4j.io',
    };
    setup({ get_instance: () => restoring });
    await waitFor(() =>
      expect(screen.getByTestId('details-status').textContent).toBe('Restoring from a snapshot…'),
    );
    expect(within(rows()[0] as HTMLElement).getByTestId('instance-status').textContent).toBe(
      'Restoring from a snapshot…',
    );
    // The facts only the single read has are shown too.
    expect(screen.getByTestId('details-connection-url').textContent).toContain('fresh.databases');
  });

  it('moves with the arrow keys and selects with Enter or Space', async () => {
    setup();
    await waitFor(() => expect(rows()).toHaveLength(3));
    const [first, second, third] = rows() as HTMLElement[];
    expect(first?.tabIndex).toBe(0);
    expect(second?.tabIndex).toBe(-1);

    first?.focus();
    fireEvent.keyDown(first as HTMLElement, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(second);
    expect(second?.tabIndex).toBe(0);
    // Moving focus alone does not change the selection.
    expect(screen.getByTestId('details-name').textContent).toBe('Production');

    fireEvent.keyDown(second as HTMLElement, { key: 'End' });
    expect(document.activeElement).toBe(third);
    fireEvent.keyDown(third as HTMLElement, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Playground'));

    fireEvent.keyDown(third as HTMLElement, { key: 'Home' });
    expect(document.activeElement).toBe(first);
    fireEvent.keyDown(first as HTMLElement, { key: ' ' });
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Production'));
  });

  it('says what to do when the project has no instances', async () => {
    const { root } = setup({ list_instances: () => [] });
    const empty = await screen.findByTestId('instances-empty');
    expect(empty.textContent).toContain('No instances in this project yet');
    expect(empty.textContent).toContain('Neo4j Aura console');
    expect(screen.queryByTestId('instance-details')).toBeNull();
    await waitFor(() => expect(root()?.dataset.ready).toBe('true'));
  });

  it('copies the connection address and confirms it', async () => {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    setup();
    fireEvent.click(await screen.findByTestId('copy-connection-url'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(production.connectionUrl));
    const toast = await screen.findByText('Copied the connection address.');
    expect(toast.closest('[role="status"]')).not.toBeNull();
  });

  it('explains how to copy by hand when the clipboard refuses', async () => {
    const writeText = vi.fn(async () => {
      throw new Error('denied');
    });
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    setup();
    fireEvent.click(await screen.findByTestId('copy-connection-url'));
    const toast = await screen.findByText(/Couldn't copy the connection address/);
    expect(toast.closest('[role="alert"]')).not.toBeNull();
  });
});

describe('sandbox banner', () => {
  it('is shown in sandbox mode', async () => {
    setup({ app_info: () => sandboxInfo });
    const banner = await screen.findByTestId('sandbox-banner');
    expect(banner.textContent).toContain('Nothing here touches a real database');
  });

  it('is not shown for a real account, which is named instead', async () => {
    setup({ app_info: () => accountInfo });
    expect((await screen.findByTestId('account-label')).textContent).toContain('Acme Graph Team');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.queryByTestId('sandbox-banner')).toBeNull();
  });
});

describe('errors', () => {
  it('shows the plain message, and "Try again" loads the list', async () => {
    let fail = true;
    const { calls, root } = setup({
      list_instances: () => {
        if (fail) throw rateLimited;
        return [production];
      },
    });
    const notice = await screen.findByTestId('instances-error');
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.textContent).toContain(rateLimited.message);
    expect(root()?.dataset.ready).toBe('false');

    fail = false;
    fireEvent.click(within(notice).getByRole('button', { name: 'Try again' }));

    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId('instances-error')).toBeNull();
    expect(callsOf(calls, 'list_instances')).toHaveLength(2);
    await waitFor(() => expect(root()?.dataset.ready).toBe('true'));
  });

  it('offers no "Try again" when trying again cannot help', async () => {
    setup({
      list_instances: () => {
        throw { code: 'auth', message: 'Aura did not accept these API keys.', retryable: false };
      },
    });
    const notice = await screen.findByTestId('instances-error');
    expect(notice.textContent).toContain('Aura did not accept these API keys.');
    expect(within(notice).queryByRole('button')).toBeNull();
  });

  it('shows a calm message when the shell rejects with something unexpected', async () => {
    setup({ list_instances: () => Promise.reject('command list_instances not allowed') });
    const notice = await screen.findByTestId('instances-error');
    expect(notice.textContent).toContain('Nothing was changed');
    expect(notice.textContent).not.toContain('not allowed');
  });

  it('keeps the last list when a refresh fails, and says so', async () => {
    let fail = false;
    setup({
      list_instances: () => {
        if (fail) throw rateLimited;
        return [production, staging];
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(2));
    fail = true;
    fireEvent.click(screen.getByTestId('refresh-instances'));

    const notice = await screen.findByTestId('instances-error');
    expect(notice.textContent).toContain(rateLimited.message);
    expect(rows()).toHaveLength(2);
    expect(screen.getByTestId('details-name').textContent).toBe('Production');
    expect(screen.getByTestId('updated-ago').textContent).toMatch(/^Last updated/);
  });

  it('shows details from the list when the single read fails', async () => {
    setup({
      get_instance: () => {
        throw { code: 'timeout', message: 'Aura took too long to answer.', retryable: true };
      },
    });
    const notice = await screen.findByTestId('details-error');
    expect(notice.textContent).toContain('Aura took too long to answer.');
    expect(screen.getByTestId('details-name').textContent).toBe('Production');
  });
});
