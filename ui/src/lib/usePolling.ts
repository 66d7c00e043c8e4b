import { useEffect, useRef } from 'preact/hooks';

export type PollingOptions = {
  /**
   * Time between the end of one run and the start of the next; a function is asked after each run, so the pace
   * can follow what is on screen (fast while something changes) without restarting the polling.
   */
  intervalMs: number | (() => number);
  /**
   * Runs triggered by the window coming back (focus, becoming visible) are skipped when a run
   * started less than this long ago, so focus + visibilitychange don't double up.
   */
  minGapMs?: number;
};

/**
 * Runs `task` now, then every `intervalMs` while the window is visible; pauses while
 * `document.hidden` and runs at once when the window is shown or focused again. Never runs two at a
 * time. Returns `refreshNow()`, which runs the task immediately (unless one is in flight) and
 * restarts the interval.
 *
 * The account-wide Aura rate limit (125 requests/min) is why this is polite: one run at a time,
 * nothing while hidden.
 */
export function usePolling(
  task: () => Promise<void>,
  { intervalMs, minGapMs = 2000 }: PollingOptions,
): () => void {
  const taskRef = useRef(task);
  taskRef.current = task;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  // A fixed number restarts the polling when it changes (as before); a function is read at each scheduling.
  const fixedInterval = typeof intervalMs === 'number' ? intervalMs : null;
  const runNowRef = useRef<() => void>(() => {});

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let disposed = false;
    let lastStart = Number.NEGATIVE_INFINITY;

    const schedule = () => {
      clearTimeout(timer);
      const next = intervalRef.current;
      timer = setTimeout(onTimer, typeof next === 'number' ? next : next());
    };

    const run = async () => {
      if (running || disposed) return;
      running = true;
      clearTimeout(timer);
      lastStart = Date.now();
      try {
        await taskRef.current();
      } catch {
        // The task reports its own errors; polling just carries on.
      } finally {
        running = false;
        if (!disposed) schedule();
      }
    };

    function onTimer() {
      // While hidden, stop: the visibility listener restarts polling when the window is shown.
      if (document.hidden) return;
      void run();
    }

    const onWindowBack = () => {
      if (document.hidden) return;
      if (Date.now() - lastStart < minGapMs) return;
      void run();
    };

    runNowRef.current = () => void run();
    document.addEventListener('visibilitychange', onWindowBack);
    window.addEventListener('focus', onWindowBack);
    void run();

    return () => {
      disposed = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onWindowBack);
      window.removeEventListener('focus', onWindowBack);
    };
  }, [fixedInterval, minGapMs]);

  return useRef(() => runNowRef.current()).current;
}
