import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type AppError, type Backend, type InstanceView, toAppError } from '../../api';
import { usePolling } from '../../lib/usePolling';

/** How often the instance list is refreshed while something changes (a job runs, an instance is between states). */
export const LIST_REFRESH_MS = 10_000;
/**
 * How often when nothing changes. With the details pane's read, this keeps an idle window at about four Aura
 * requests a minute (the budget is six), leaving the account's limit to the work that matters.
 */
export const LIST_IDLE_MS = 30_000;

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
 * The instance list, polled politely (see `usePolling`): every {@link LIST_REFRESH_MS} while `changing()` says
 * something on screen is changing, else every {@link LIST_IDLE_MS}.
 */
export function useInstances(
  backend: Backend,
  changing: (latest: InstanceView[] | null) => boolean = () => true,
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

  const changingRef = useRef(changing);
  changingRef.current = changing;
  const pace = useCallback(
    () => (changingRef.current(latest.current) ? LIST_REFRESH_MS : LIST_IDLE_MS),
    [],
  );
  const refresh = usePolling(load, { intervalMs: pace });
  return { instances, error, updatedAt, refreshing, refresh };
}
