import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type AppError, type Backend, type InstanceView, toAppError } from '../../api';
import { usePolling } from '../../lib/usePolling';

/** How often the instance list is refreshed while the window is visible. */
export const LIST_REFRESH_MS = 10_000;

export type InstancesState = {
  /** null until the first successful load; afterwards the last good list, kept through errors. */
  instances: InstanceView[] | null;
  /** The latest refresh's error, cleared by the next success. */
  error: AppError | null;
  /** When the list was last loaded successfully (epoch ms). */
  updatedAt: number | null;
  /** A request is in flight. */
  refreshing: boolean;
  /** Refresh now (e.g. "Try again"); restarts the polling interval. */
  refresh: () => void;
};

/** The instance list, polled politely (see `usePolling`). */
export function useInstances(backend: Backend): InstancesState {
  const [instances, setInstances] = useState<InstanceView[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    setRefreshing(true);
    try {
      const list = await backend.listInstances();
      if (!mounted.current) return;
      setInstances(list);
      setError(null);
      setUpdatedAt(Date.now());
    } catch (reason) {
      if (mounted.current) setError(toAppError(reason));
    } finally {
      if (mounted.current) setRefreshing(false);
    }
  }, [backend]);

  const refresh = usePolling(load, { intervalMs: LIST_REFRESH_MS });
  return { instances, error, updatedAt, refreshing, refresh };
}
