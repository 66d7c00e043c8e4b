import type { JobResult, JobState, JobStep, StepId, StepState } from '../api';

/** A job's result with nothing produced yet; override what a test looks at. */
export function result(overrides: Partial<JobResult> = {}): JobResult {
  return {
    snapshotId: null,
    newInstanceId: null,
    countsBefore: null,
    countsAfter: null,
    durationSecs: null,
    fileUnchanged: null,
    uploadId: null,
    bytesResent: null,
    instanceDeletedAt: null,
    fileCounts: null,
    fileDigest: null,
    fileBytes: null,
    importSecs: null,
    ...overrides,
  };
}

/**
 * A job as the shell sends it (every field of the generated `JobState`); steps all pending unless
 * given. `result` may be given in part: the rest stays empty.
 */
export function job(
  overrides: Partial<Omit<JobState, 'result'>> & { result?: Partial<JobResult> } = {},
): JobState {
  const { result: produced, ...rest } = overrides;
  return {
    id: 'job-1',
    kind: 'snapshot',
    instanceId: 'a1b2c3d4',
    instanceName: 'Production',
    title: 'Take a snapshot of Production',
    backupTime: null,
    waiting: null,
    retryOf: null,
    startedAt: '2025-11-21T15:10:00Z',
    finishedAt: null,
    steps: [
      step('request', 'Ask Aura for a snapshot'),
      step('snapshot', 'Aura takes the snapshot'),
    ],
    outcome: null,
    error: null,
    snapshotId: null,
    snapshotTime: null,
    dataLossSecs: null,
    reason: null,
    requestIds: [],
    file: null,
    progress: null,
    itemProgress: null,
    export: null,
    dataOverwritten: null,
    copy: null,
    instanceSeen: null,
    ...rest,
    result: result(produced),
  };
}

export function step(id: StepId, label: string, overrides: Partial<JobStep> = {}): JobStep {
  return {
    id,
    label,
    state: 'pending',
    startedAt: null,
    finishedAt: null,
    detail: null,
    ...overrides,
  };
}

/** `base` with its steps set to `states` in order (times filled in plausibly). */
export function withSteps(base: JobState, states: StepState[]): JobState {
  return {
    ...base,
    steps: base.steps.map((s, i) => {
      const state = states[i] ?? 'pending';
      const started = state === 'pending' || state === 'skipped' ? null : base.startedAt;
      const finished = state === 'done' || state === 'failed' ? base.startedAt : null;
      return { ...s, state, startedAt: started, finishedAt: finished };
    }),
  };
}

type Internals = { runCallback(id: number, data: unknown): void };

/**
 * Drives a job channel handed to a mocked command. Under `mockIPC` the `onEvent` argument is the
 * `Channel` object itself (nothing is serialised); the shell would send `{ index, message }` to its
 * callback id, and so does this.
 */
export function jobChannel(arg: unknown): { send(state: JobState): void } {
  const id = (arg as { id?: unknown } | null)?.id;
  if (typeof id !== 'number') throw new Error('expected a Channel in the onEvent argument');
  let index = 0;
  return {
    send(state: JobState) {
      const internals = (window as unknown as { __TAURI_INTERNALS__: Internals })
        .__TAURI_INTERNALS__;
      internals.runCallback(id, { index: index++, message: { event: 'update', data: state } });
    },
  };
}
