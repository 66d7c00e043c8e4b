import { act, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTauriBackend, type InstanceView } from '../../api';
import { App } from '../../app/App';
import { shellDefaults } from '../../test/accounts';
import { production, sandboxInfo, staging } from '../../test/fixtures';
import { callsOf, mockCommands } from '../../test/ipc';
import { emptyTimeline } from '../../test/snapshots';
import { LIST_IDLE_MS, LIST_REFRESH_MS } from './useInstances';

/** Advances fake time and lets Preact flush renders and effects. */
async function advance(ms = 0) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

let hidden = false;

beforeEach(() => {
  vi.useFakeTimers();
  hidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
});

afterEach(() => {
  vi.useRealTimers();
  Reflect.deleteProperty(document, 'hidden');
});

function setHidden(value: boolean) {
  hidden = value;
  document.dispatchEvent(new Event('visibilitychange'));
}

function start(list: () => InstanceView[] | Promise<InstanceView[]>) {
  const calls = mockCommands({
    ...shellDefaults,
    app_info: () => sandboxInfo,
    list_instances: list,
    get_instance: (args) => (args.id === staging.id ? staging : production),
    list_snapshots: () => emptyTimeline,
  });
  render(<App backend={createTauriBackend()} />);
  return { listCalls: () => callsOf(calls, 'list_instances').length };
}

describe('polling the instance list', () => {
  it('refreshes every 30 seconds while nothing changes, every 10 while an instance is between states', async () => {
    let list = [production];
    const { listCalls } = start(() => list);
    await advance();
    expect(listCalls()).toBe(1);
    await advance(LIST_IDLE_MS - 1000);
    expect(listCalls()).toBe(1);
    await advance(1000);
    expect(listCalls()).toBe(2);

    list = [{ ...production, status: 'restoring', statusLabel: 'Restoring…', statusTone: 'busy' }];
    await advance(LIST_IDLE_MS);
    expect(listCalls()).toBe(3);
    await advance(LIST_REFRESH_MS);
    expect(listCalls()).toBe(4);
    await advance(LIST_REFRESH_MS);
    expect(listCalls()).toBe(5);
  });

  it('pauses while the window is hidden and catches up at once when shown', async () => {
    const { listCalls } = start(() => [production]);
    await advance();
    expect(screen.getByTestId('updated-ago').textContent).toBe('Updated just now');

    setHidden(true);
    await advance(12_000);
    expect(screen.getByTestId('updated-ago').textContent).toBe('Updated 12 s ago');
    await advance(60_000);
    expect(listCalls()).toBe(1);

    setHidden(false);
    await advance();
    expect(listCalls()).toBe(2);
    expect(screen.getByTestId('updated-ago').textContent).toBe('Updated just now');
  });

  it('refreshes immediately when the window gets focus', async () => {
    const { listCalls } = start(() => [production]);
    await advance(3000);
    expect(listCalls()).toBe(1);
    window.dispatchEvent(new Event('focus'));
    await advance();
    expect(listCalls()).toBe(2);
    // The interval restarts from the focus refresh.
    await advance(LIST_IDLE_MS - 1000);
    expect(listCalls()).toBe(2);
    await advance(1000);
    expect(listCalls()).toBe(3);
  });

  it('keeps the selected instance when the list changes order and status', async () => {
    let list = [production, staging];
    start(() => list);
    await advance();
    fireEvent.click(screen.getAllByTestId('instance-row')[1] as HTMLElement);
    await advance();
    expect(screen.getByTestId('details-name').textContent).toBe('Staging');

    const recovered = {
      ...staging,
      status: 'running',
      statusLabel: 'Running',
      statusTone: 'ok' as const,
    };
    list = [recovered, production];
    await advance(LIST_REFRESH_MS);

    const [first] = screen.getAllByTestId('instance-row');
    expect(first?.dataset.instanceId).toBe(staging.id);
    expect(first?.dataset.status).toBe('running');
    expect(first?.getAttribute('aria-selected')).toBe('true');
    expect(within(first as HTMLElement).getByTestId('instance-status').textContent).toBe('Running');
    expect(screen.getByTestId('details-name').textContent).toBe('Staging');
  });

  it('tells the user when the selected instance disappears', async () => {
    let list = [production, staging];
    start(() => list);
    await advance();
    fireEvent.click(screen.getAllByTestId('instance-row')[1] as HTMLElement);
    await advance();
    list = [production];
    await advance(LIST_REFRESH_MS);
    expect(screen.queryByTestId('instance-details')).toBeNull();
    expect(screen.getByTestId('details-gone').textContent).toContain(
      'Staging is no longer in this project',
    );
  });
});
