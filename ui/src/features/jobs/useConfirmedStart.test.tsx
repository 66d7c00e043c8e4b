import { act, renderHook, waitFor } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { describe, expect, it, vi } from 'vitest';
import { BackendProvider, createTauriBackend, type JobStarted } from '../../api';
import { ToastProvider } from '../../components';
import { mockCommands } from '../../test/ipc';
import { job } from '../../test/jobs';
import { JobsProvider } from './JobsProvider';
import { type ConfirmedStartOptions, useConfirmedStart } from './useConfirmedStart';

type Plan = { token: string; about: string };

/** A promise the test settles by hand, to answer out of order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function Shell({ children }: { children: ComponentChildren }) {
  return (
    <BackendProvider backend={createTauriBackend()}>
      <ToastProvider>
        <JobsProvider>{children}</JobsProvider>
      </ToastProvider>
    </BackendProvider>
  );
}

function renderConfirmedStart(
  initial: Pick<ConfirmedStartOptions<Plan>, 'prepare'> & Partial<ConfirmedStartOptions<Plan>>,
) {
  mockCommands({ list_jobs: () => [], watch_job: ({ jobId }) => job({ id: jobId as string }) });
  const options = {
    start: vi.fn(async (): Promise<JobStarted> => ({ jobId: 'job-1' })),
    expiredMessage: () => 'expired',
    onStarted: vi.fn(),
    onClose: vi.fn(),
    ...initial,
  };
  const hook = renderHook((props: typeof options) => useConfirmedStart(props), {
    initialProps: options,
    wrapper: Shell,
  });
  return { ...hook, options };
}

describe('useConfirmedStart', () => {
  it('keeps the plan for what it asks about now when an earlier answer comes late', async () => {
    const first = deferred<Plan>();
    const second = deferred<Plan>();
    const { result, rerender, options } = renderConfirmedStart({ prepare: () => first.promise });

    rerender({ ...options, prepare: () => second.promise });
    await act(async () => second.resolve({ token: 'token-b', about: 'b' }));
    await act(async () => first.resolve({ token: 'token-a', about: 'a' }));

    expect(result.current.plan).toEqual({ token: 'token-b', about: 'b' });
    expect(result.current.confirmProps.prepared).toBe(true);
  });

  it('ignores a refusal for an earlier question', async () => {
    const first = deferred<Plan>();
    const { result, rerender, options } = renderConfirmedStart({ prepare: () => first.promise });

    rerender({ ...options, prepare: async () => ({ token: 'token-b', about: 'b' }) });
    await waitFor(() => expect(result.current.plan?.about).toBe('b'));
    await act(async () =>
      first.reject({ code: 'not-found', message: 'That file is gone.', retryable: false }),
    );

    expect(result.current.confirmProps.prepareError).toBeNull();
  });

  it('asks again on "Try again" and clears the earlier refusal', async () => {
    const prepare = vi
      .fn<() => Promise<Plan>>()
      .mockRejectedValueOnce({ code: 'offline', message: 'Aura did not answer.', retryable: true })
      .mockResolvedValueOnce({ token: 'token-2', about: 'a' });
    const { result } = renderConfirmedStart({ prepare });
    await waitFor(() =>
      expect(result.current.confirmProps.prepareError?.message).toBe('Aura did not answer.'),
    );
    expect(result.current.confirmProps.prepared).toBe(false);

    act(() => result.current.confirmProps.onRetryPrepare());

    await waitFor(() => expect(result.current.plan?.token).toBe('token-2'));
    expect(result.current.confirmProps.prepareError).toBeNull();
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('starts the job once while a start is under way, with the token and the choices', async () => {
    const started = deferred<JobStarted>();
    const start = vi.fn(() => started.promise);
    const plan = { token: 'token-1', about: 'a' };
    const { result, options } = renderConfirmedStart({ prepare: async () => plan, start });
    await waitFor(() => expect(result.current.confirmProps.prepared).toBe(true));

    act(() => result.current.confirmProps.onConfirm({ safetySnapshot: true, reason: null }));
    expect(result.current.confirmProps.submitting).toBe(true);
    act(() => result.current.confirmProps.onConfirm({ safetySnapshot: true, reason: null }));
    await act(async () => started.resolve({ jobId: 'job-7' }));

    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith(
      { token: 'token-1', safetySnapshot: true, reason: null },
      expect.any(Function),
    );
    await waitFor(() => expect(options.onStarted).toHaveBeenCalledWith('job-7'));
    expect(options.onStarted).toHaveBeenCalledTimes(1);
  });
});
