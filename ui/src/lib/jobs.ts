/** Pure helpers for long-running jobs: ordering states, words for steps, summaries. */

import type { InstanceSeen, InstanceView, JobState, JobStep, StepState } from '../api';
import { formatExactCount } from './format';

/** How far a job has got: finished beats everything, then finished steps, then active ones. */
export function jobProgressRank(job: JobState): number {
  if (job.outcome !== null) return Number.MAX_SAFE_INTEGER;
  let rank = 0;
  for (const step of job.steps) {
    if (step.state === 'done' || step.state === 'failed' || step.state === 'skipped') rank += 2;
    else if (step.state === 'active') rank += 1;
  }
  return rank;
}

/**
 * Whether `next` may replace `prev` for the same job. Two sources (a channel and `watch_job`'s
 * reply, or two channels) can deliver states out of order; a state never moves a job backwards.
 */
export function isNewerJobState(next: JobState, prev: JobState | undefined): boolean {
  if (!prev) return true;
  if (prev.outcome !== null && next.outcome === null) return false;
  return jobProgressRank(next) >= jobProgressRank(prev);
}

export type OutcomeAttr = 'running' | 'succeeded' | 'failed';

export function outcomeAttr(job: JobState): OutcomeAttr {
  return job.outcome ?? 'running';
}

/** A step's state in words, shown next to its icon. */
export function stepStateWord(state: StepState): string {
  switch (state) {
    case 'pending':
      return 'Waiting';
    case 'active':
      return 'In progress';
    case 'done':
      return 'Done';
    case 'failed':
      return 'Failed';
    case 'skipped':
      return 'Skipped';
  }
}

export function activeStep(job: JobState): JobStep | undefined {
  return job.steps.find((s) => s.state === 'active');
}

/**
 * One line for the live region, changing only when a step changes (not every second):
 * "Step 2 of 4: Restoring the snapshot.", "Finished: …", "Stopped at step 3 of 4: …".
 */
export function jobSummary(job: JobState): string {
  const total = job.steps.length;
  if (job.outcome === 'succeeded') return `Finished: ${job.title}.`;
  if (job.outcome === 'failed') {
    const index = job.steps.findIndex((s) => s.state === 'failed');
    const step = job.steps[index];
    return step
      ? `Stopped at step ${index + 1} of ${total}: ${step.label}.`
      : `Stopped: ${job.title}.`;
  }
  const index = job.steps.findIndex((s) => s.state === 'active');
  const step = job.steps[index];
  if (step) return `Step ${index + 1} of ${total}: ${step.label}.`;
  const done = job.steps.filter((s) => s.state !== 'pending').length;
  return done === 0 ? 'Starting…' : `Step ${Math.min(done + 1, total)} of ${total}: waiting…`;
}

/** How a count moved: "same as before", "1,200 fewer", "300 more". */
export function countChange(before: number, after: number): string {
  const diff = after - before;
  if (diff === 0) return 'same as before';
  return diff < 0 ? `${formatExactCount(-diff)} fewer` : `${formatExactCount(diff)} more`;
}

/**
 * Whether a failed restore from a file stopped before the instance's data was touched. The job
 * says so itself (`dataOverwritten`, set by the engine when the import starts); when it is not
 * known, the answer is no, so the help never claims nothing changed.
 */
export function stoppedBeforeImport(job: JobState): boolean {
  return job.dataOverwritten === false;
}

/** What to do after a restore from a file failed or was cancelled. The user's file is never changed. */
export function uploadFailureHelp(job: JobState): string {
  if (stoppedBeforeImport(job)) {
    return `Nothing in ${job.instanceName} was changed: it stopped before any data was replaced. You can try again with the same file.`;
  }
  return `${job.instanceName} may not have all of the file's data. If a safety snapshot was taken, it is in the snapshot list, so you can go back to it. You can also try again with the same file.`;
}

/** One read of an instance's status, from wherever it came (a job watching it, the details pane's own read). */
export type StatusObservation = Pick<InstanceSeen, 'status' | 'statusLabel' | 'statusTone'> & {
  instanceId: string;
  /** When it was read (epoch ms). */
  at: number;
};

/** What the followed jobs last read of their instances. */
export function jobObservations(jobs: readonly JobState[]): StatusObservation[] {
  return jobs.flatMap((job) =>
    job.instanceSeen
      ? [{ ...job.instanceSeen, instanceId: job.instanceId, at: Date.parse(job.instanceSeen.at) }]
      : [],
  );
}

/**
 * The instance list with each instance's status as fresh as anything in the window knows it: a read made after the
 * list was fetched (`listFetchedAt`, epoch ms; null: never) wins, the newest of several first. So the list, the
 * header and the job card agree.
 */
export function withFreshestStatus<
  T extends Pick<InstanceView, 'id' | 'status' | 'statusLabel' | 'statusTone'>,
>(
  instances: readonly T[],
  listFetchedAt: number | null,
  observations: readonly StatusObservation[],
): T[] {
  const freshest = new Map<string, StatusObservation>();
  for (const seen of observations) {
    if (listFetchedAt !== null && !(seen.at > listFetchedAt)) continue;
    const known = freshest.get(seen.instanceId);
    if (!known || known.at < seen.at) freshest.set(seen.instanceId, seen);
  }
  return instances.map((instance) => {
    const seen = freshest.get(instance.id);
    if (!seen || seen.status === instance.status) return instance;
    return {
      ...instance,
      status: seen.status,
      statusLabel: seen.statusLabel,
      statusTone: seen.statusTone,
    };
  });
}

/** How often the instance list is read (ms), by what is changing on screen. */
export const LIST_PACE = {
  /** An instance is between two states and no job of this window watches it: the list is the only eye on it. */
  unwatched: 10_000,
  /** A job runs: it reads its own instance every few seconds (and says so, see `jobObservations`). */
  watched: 30_000,
  /**
   * Nothing changes (here: another person may still change it in the Aura console). With 3 instances a list
   * read is 4 Aura requests: 90 s keeps the whole idle window, with the snapshot list and readiness, within
   * the budget of 6 a minute.
   */
  idle: 90_000,
} as const;

/** The pace of the instance list for what is on screen now. */
export function listPace(
  instances: readonly Pick<InstanceView, 'id' | 'statusTone'>[] | null,
  jobs: readonly JobState[],
): number {
  const running = jobs.filter((j) => j.outcome === null);
  const watched = new Set(running.map((j) => j.instanceId));
  if ((instances ?? []).some((i) => i.statusTone === 'busy' && !watched.has(i.id)))
    return LIST_PACE.unwatched;
  return running.length > 0 ? LIST_PACE.watched : LIST_PACE.idle;
}
