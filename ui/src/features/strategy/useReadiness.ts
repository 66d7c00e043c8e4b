import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  type AppError,
  type Objectives,
  type Readiness,
  type ScheduleView,
  toAppError,
  useBackend,
} from '../../api';
import { useJobs } from '../jobs';

/**
 * How often readiness is read again while shown, so ages ("23 min") and verdicts follow the clock. Every 5 min:
 * each read asks Aura for the instance and its newest snapshots, and what changes it sooner — a snapshot, a
 * restore test, a copy — already reads it again when its job finishes.
 */
export const READINESS_TICK_MS = 300_000;

export type ReadinessState = {
  readiness: Readiness | null;
  objectives: Objectives | null;
  schedules: ScheduleView[];
  error: AppError | null;
  loading: boolean;
  reload: () => void;
};

/**
 * An instance's readiness, objectives and copy schedules: read when shown, again whenever one of its jobs
 * finishes (a snapshot, a restore test, a copy), and once a minute.
 */
export function useReadiness(instanceId: string): ReadinessState {
  const backend = useBackend();
  const { jobs } = useJobs();
  const [readiness, setReadiness] = useState<Readiness | null>(null);
  const [objectives, setObjectives] = useState<Objectives | null>(null);
  const [schedules, setSchedules] = useState<ScheduleView[]>([]);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(true);
  // Only the newest read may land: an older one can answer after a newer one.
  const generation = useRef(0);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    Promise.all([
      backend.getReadiness(instanceId),
      backend.getObjectives(instanceId),
      backend.listSchedules(instanceId),
    ]).then(
      ([r, o, s]) => {
        if (mine !== generation.current) return;
        setReadiness(r);
        setObjectives(o);
        setSchedules(s);
        setError(null);
        setLoading(false);
      },
      (reason: unknown) => {
        if (mine !== generation.current) return;
        setError(toAppError(reason));
        setLoading(false);
      },
    );
  }, [backend, instanceId]);

  useEffect(() => {
    reload();
    const id = setInterval(reload, READINESS_TICK_MS);
    return () => {
      clearInterval(id);
      generation.current++;
    };
  }, [reload]);

  // Read again when one of this instance's jobs finishes.
  const finishedKey = jobs
    .filter((j) => j.instanceId === instanceId && j.outcome !== null)
    .map((j) => j.id)
    .join(' ');
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (seen.current === null) {
      seen.current = finishedKey;
      return;
    }
    if (seen.current === finishedKey) return;
    seen.current = finishedKey;
    reload();
  }, [finishedKey, reload]);

  return { readiness, objectives, schedules, error, loading, reload };
}
