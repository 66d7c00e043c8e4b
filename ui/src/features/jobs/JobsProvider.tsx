import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type JobListener,
  type JobStarted,
  type JobState,
  toAppError,
  useBackend,
} from '../../api';
import { useToast } from '../../components';
import { isNewerJobState } from '../../lib/jobs';

export type JobsApi = {
  /** Jobs this window follows (unfinished ones found at startup, and those started since), newest first. */
  jobs: JobState[];
  /** Starts a job with `run` (which gets the listener to pass on) and follows it; resolves with its id. */
  start(run: (onUpdate: JobListener) => Promise<JobStarted>): Promise<string>;
  /** Stops showing a finished job. */
  dismiss(jobId: string): void;
  /** Asks the shell to stop a running job; says so plainly (and rejects) when it can't. */
  cancel(jobId: string): Promise<void>;
  /** Jobs whose one-time password was already asked for (ids only; never the secret). */
  revealed: ReadonlySet<string>;
  markRevealed(jobId: string): void;
};

const JobsContext = createContext<JobsApi | null>(null);

export function useJobs(): JobsApi {
  const api = useContext(JobsContext);
  if (!api) throw new Error('useJobs() needs a <JobsProvider> above it');
  return api;
}

/** The jobs API when a provider is above, else null (components that work without one). */
export function useOptionalJobs(): JobsApi | null {
  return useContext(JobsContext);
}

/** The state of one followed job, or undefined before its first update. */
export function useJob(jobId: string | null): JobState | undefined {
  const { jobs } = useJobs();
  return jobId === null ? undefined : jobs.find((j) => j.id === jobId);
}

/**
 * Follows long-running jobs for the whole window. On startup it asks the shell for recent jobs and
 * re-attaches to every unfinished one, so progress survives a window reload.
 */
export function JobsProvider({ children }: { children: ComponentChildren }) {
  const backend = useBackend();
  const toast = useToast();
  const [byId, setById] = useState<ReadonlyMap<string, JobState>>(() => new Map());
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(() => new Set());
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const upsert = useCallback<JobListener>((job) => {
    if (!mounted.current || !job || typeof job.id !== 'string') return;
    setById((current) => {
      if (!isNewerJobState(job, current.get(job.id))) return current;
      const next = new Map(current);
      next.set(job.id, job);
      return next;
    });
  }, []);

  // Re-attach to unfinished work after a reload or restart.
  useEffect(() => {
    let live = true;
    backend.listJobs().then(
      (list) => {
        if (!live) return;
        for (const job of list) {
          if (job.outcome !== null) continue;
          upsert(job);
          backend.watchJob(job.id, upsert).then(upsert, () => {
            // The job is gone (the shell restarted): keep the last state we have.
          });
        }
      },
      (reason: unknown) => {
        if (!live) return;
        toast.show({
          tone: 'error',
          message: `Couldn't check for work still under way. ${toAppError(reason).message}`,
        });
      },
    );
    return () => {
      live = false;
    };
  }, [backend, upsert, toast]);

  const known = useRef(byId);
  known.current = byId;

  const start = useCallback(
    async (run: (onUpdate: JobListener) => Promise<JobStarted>) => {
      const { jobId } = await run(upsert);
      // Normally the first update has arrived by now; if not, ask for the current state.
      if (!known.current.has(jobId)) {
        backend.watchJob(jobId, upsert).then(upsert, () => {});
      }
      return jobId;
    },
    [backend, upsert],
  );

  const dismiss = useCallback((jobId: string) => {
    setById((current) => {
      if (!current.has(jobId)) return current;
      const next = new Map(current);
      next.delete(jobId);
      return next;
    });
  }, []);

  const cancel = useCallback(
    async (jobId: string) => {
      try {
        await backend.cancelJob(jobId);
      } catch (reason) {
        const error = toAppError(reason);
        toast.show({ tone: 'error', message: `Couldn't stop this work. ${error.message}` });
        throw error;
      }
    },
    [backend, toast],
  );

  const markRevealed = useCallback((jobId: string) => {
    setRevealed((current) => new Set(current).add(jobId));
  }, []);

  const api = useMemo<JobsApi>(() => {
    const jobs = [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { jobs, start, dismiss, cancel, revealed, markRevealed };
  }, [byId, start, dismiss, cancel, revealed, markRevealed]);

  return <JobsContext.Provider value={api}>{children}</JobsContext.Provider>;
}
