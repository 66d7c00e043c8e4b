import { useCallback, useEffect, useState } from 'preact/hooks';
import { type AppError, type Backend, type InstanceView, toAppError } from '../../api';

export type InstanceDetailsState = {
  /** The freshest single-instance read for `id`, or null before it arrives / after it failed. */
  detail: InstanceView | null;
  /** When that read arrived (epoch ms), null without one. */
  detailAt: number | null;
  /** Why the latest read for `id` failed, if it did. */
  error: AppError | null;
  loading: boolean;
  retry: () => void;
};

type Result = { id: string; detail: InstanceView | null; error: AppError | null; at: number };

/**
 * Reads one instance with `get_instance` when `id` changes and again whenever `refreshKey` changes
 * (the list's last update), so the details pane moves in step with the list's polling.
 */
export function useInstanceDetails(
  backend: Backend,
  id: string | null,
  refreshKey: unknown,
): InstanceDetailsState {
  const [result, setResult] = useState<Result | null>(null);
  const [loading, setLoading] = useState(false);
  const [attempt, setAttempt] = useState(0);

  // refreshKey and attempt are deliberate re-read triggers.
  useEffect(() => {
    if (id === null) return;
    let current = true;
    setLoading(true);
    backend.getInstance(id).then(
      (view) => {
        if (!current) return;
        setResult({ id, detail: view?.id === id ? view : null, error: null, at: Date.now() });
        setLoading(false);
      },
      (reason: unknown) => {
        if (!current) return;
        setResult({ id, detail: null, error: toAppError(reason), at: Date.now() });
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [backend, id, refreshKey, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  // Never show another instance's result while the new one loads.
  const mine = result !== null && result.id === id ? result : null;
  return {
    detail: mine?.detail ?? null,
    detailAt: mine?.detail ? mine.at : null,
    error: mine?.error ?? null,
    loading,
    retry,
  };
}
