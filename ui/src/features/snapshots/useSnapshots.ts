import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type AppError, type Backend, type SnapshotTimeline, toAppError } from '../../api';
import { usePolling } from '../../lib/usePolling';

/** How often the snapshot list is re-read while the window is visible (the shell caches past days). */
export const SNAPSHOT_REFRESH_MS = 60_000;

export type SnapshotsState = {
  /** null until the first successful load; afterwards the last good timeline. */
  timeline: SnapshotTimeline | null;
  error: AppError | null;
  refreshing: boolean;
  /** Re-reads now, asking the shell to look at Aura again rather than its cache. */
  refresh: () => void;
};

/** One instance's snapshot timeline, polled politely. Mount one per instance (key by id). */
export function useSnapshots(backend: Backend, instanceId: string): SnapshotsState {
  const [timeline, setTimeline] = useState<SnapshotTimeline | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const force = useRef(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    const refresh = force.current;
    force.current = false;
    setRefreshing(true);
    try {
      const next = await backend.listSnapshots(instanceId, refresh);
      if (!mounted.current) return;
      setTimeline(next);
      setError(null);
    } catch (reason) {
      if (mounted.current) setError(toAppError(reason));
    } finally {
      if (mounted.current) setRefreshing(false);
    }
  }, [backend, instanceId]);

  const runNow = usePolling(load, { intervalMs: SNAPSHOT_REFRESH_MS });
  const refresh = useCallback(() => {
    force.current = true;
    runNow();
  }, [runNow]);

  return { timeline, error, refreshing, refresh };
}
