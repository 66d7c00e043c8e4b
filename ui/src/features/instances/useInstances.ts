import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type AppError, type Backend, type InstanceView, toAppError } from '../../api';
import { LIST_PACE } from '../../lib/jobs';
import { usePolling } from '../../lib/usePolling';

/** How often the instance list is read while an instance is between states and no job watches it. */
export const LIST_REFRESH_MS = LIST_PACE.unwatched;
/** How often when nothing changes (see {@link LIST_PACE}). */
export const LIST_IDLE_MS = LIST_PACE.idle;

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

/**
 * The instance list, polled politely (see `usePolling`), at the pace `pace(latest list)` gives after each read
 * (default: the fastest).
 */
export function useInstances(
  backend: Backend,
  pace: (latest: InstanceView[] | null) => number = () => LIST_REFRESH_MS,
): InstancesState {
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

  // The list just loaded, for the pace of the next read (the render that shows it comes after).
  const latest = useRef<InstanceView[] | null>(null);
  const load = useCallback(async () => {
    setRefreshing(true);
    try {
      const list = await backend.listInstances();
      if (!mounted.current) return;
      latest.current = list;
      setInstances(list);
      setError(null);
      setUpdatedAt(Date.now());
    } catch (reason) {
      if (mounted.current) setError(toAppError(reason));
    } finally {
      if (mounted.current) setRefreshing(false);
    }
  }, [backend]);

  const paceRef = useRef(pace);
  paceRef.current = pace;
  const next = useCallback(() => paceRef.current(latest.current), []);
  const refresh = usePolling(load, { intervalMs: next });
  return { instances, error, updatedAt, refreshing, refresh };
}
