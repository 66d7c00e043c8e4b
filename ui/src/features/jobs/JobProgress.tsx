import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import {
  type GraphCounts,
  type ItemProgress,
  type JobState,
  type JobStep,
  type JobWaiting,
  type TransferProgress,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Progress } from '../../components';
import { transferLine } from '../../lib/files';
import { formatExactCount } from '../../lib/format';
import { graphFailureHelp, itemLine } from '../../lib/graph';
import { hasRestoreReport } from '../../lib/history';
import {
  countChange,
  jobSummary,
  outcomeAttr,
  stepStateWord,
  uploadFailureHelp,
} from '../../lib/jobs';
import { formatElapsed, secondsBetween } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { ReportDialog } from '../history';
import { useOptionalJobs } from './JobsProvider';

/** The error code of an operation Aura was found not to have started: it can be tried again at once. */
export const NOT_STARTED = 'not-started';

export type JobProgressProps = {
  job: JobState;
  /** Offered once the job has finished: removes it from view. */
  onDismiss?: () => void;
  /** What to do after a failure; a sensible default per kind of job is used otherwise. */
  failureHelp?: ComponentChildren;
  /** Extra actions, e.g. "Show the password". */
  children?: ComponentChildren;
  /** Offered while the job runs: asks the shell to stop it. */
  onCancel?: () => Promise<void>;
};

const ICONS: Record<JobStep['state'], string> = {
  pending: '○',
  active: '',
  done: '✓',
  failed: '✕',
  skipped: '–',
};

function defaultHelp(job: JobState): string {
  switch (job.kind) {
    case 'snapshot':
      return `Nothing in ${job.instanceName} was changed. You can take a snapshot again.`;
    case 'clone':
      return `${job.instanceName} was not changed. If a half-made new instance shows up in the list, delete it in the Aura console before trying again.`;
    case 'restore':
      return `Check ${job.instanceName}'s status in the instance list. If a safety snapshot was taken, it is in the snapshot list, so you can go back to it. If ${job.instanceName} is not running again within a few minutes, contact Neo4j Aura support and mention the time of this restore.`;
    case 'upload':
      return uploadFailureHelp(job);
    case 'drill':
      return job.result.newInstanceId
        ? `${job.instanceName} was not changed. The test instance may still exist: delete it below or in the Aura console, then try again.`
        : `${job.instanceName} was not changed, and no test instance was made. You can try again.`;
    case 'snapshot-export':
      return `Nothing in ${job.instanceName} was changed, nothing was saved under the name you chose, and the download was left as it was. You can try again.`;
    case 'graph-export':
    case 'graph-import':
      return graphFailureHelp(job);
    case 'scheduled-copy':
      return `Nothing in ${job.instanceName} was changed, and no copy was saved this time. The schedule runs again at its next time, or run it now.`;
    case 'objectives':
      return `Nothing in ${job.instanceName} was changed.`;
  }
}

function durationSentence(job: JobState, secs: number): string {
  const took = formatElapsed(secs);
  switch (job.kind) {
    case 'restore':
      return `The restore took ${took}, from the request until ${job.instanceName} was running again.`;
    case 'clone':
      return `The new instance was ready after ${took}.`;
    case 'snapshot':
      return `The snapshot took ${took}.`;
    case 'upload':
      return `The restore from the file took ${took}, from the start of the upload until ${job.instanceName} was running again.`;
    case 'drill':
      return `Measured time to restore: ${took}, from the request until the test copy was running. Restoring ${job.instanceName} from this snapshot should take about as long.`;
    case 'snapshot-export':
      return `The copy took ${took}.`;
    case 'graph-export':
      return `The export took ${took}.`;
    case 'graph-import':
      return `The import took ${took}.`;
    case 'scheduled-copy':
      return `The copy took ${took}, checks included.`;
    case 'objectives':
      return '';
  }
}

/** A determinate bar and "1,200 of 5,000 nodes" for a data export or import step. */
function Items({ label, progress }: { label: string; progress: ItemProgress }) {
  const line = itemLine(progress);
  const known = progress.total !== null && progress.total > 0;
  return (
    <>
      <Progress
        label={label}
        hideLabel
        value={known ? progress.done : null}
        max={known ? (progress.total ?? 100) : 100}
        valueText={line}
        testId="job-step-progress"
      />
      <p class="job-step__transfer" data-testid="item-progress">
        {line}
      </p>
    </>
  );
}

/** A determinate bar and "1.2 GiB of 5.0 GiB · 48 MiB/s · about 2 min left" for a step moving bytes. */
function Transfer({
  label,
  progress,
  stalled,
}: {
  label: string;
  progress: TransferProgress;
  stalled: boolean;
}) {
  const line = transferLine(progress, stalled);
  const known = progress.bytesTotal > 0;
  return (
    <>
      <Progress
        label={label}
        hideLabel
        value={known ? progress.bytesDone : null}
        max={known ? progress.bytesTotal : 100}
        valueText={line}
        testId="job-step-progress"
      />
      <p class="job-step__transfer" data-testid="upload-progress">
        {line}
      </p>
    </>
  );
}

/** The waiting line, its "retrying in 4 s" counting down to the next try when one is scheduled. */
function waitingText(waiting: JobWaiting, now: number): string {
  if (!waiting.retryAt) return waiting.message;
  const left = Math.max(1, Math.ceil((Date.parse(waiting.retryAt) - now) / 1000));
  return waiting.message.replace(/retrying in .*$/, `retrying in ${formatElapsed(left)}`);
}

/** For upload jobs: the one thing a worried admin wants to hear about their file. */
function FileNote({ job }: { job: JobState }) {
  if (job.kind !== 'upload' || job.outcome === null) return null;
  const confirmed = job.result.fileUnchanged !== false;
  return (
    <p class="job__file-note" data-testid="file-unchanged" data-confirmed={String(confirmed)}>
      {confirmed
        ? job.outcome === 'succeeded'
          ? 'Your file was not changed and can be kept or deleted.'
          : 'Your file was not changed.'
        : 'Lifeboat only reads your file, but could not check it again afterwards. Keep it until you have checked the data.'}
    </p>
  );
}

function stepTime(step: JobStep, now: number): string | null {
  if (step.state === 'active' && step.startedAt)
    return formatElapsed(secondsBetween(step.startedAt, now));
  if ((step.state === 'done' || step.state === 'failed') && step.startedAt && step.finishedAt) {
    return formatElapsed(secondsBetween(step.startedAt, step.finishedAt));
  }
  return null;
}

/** What a count shows when the database answered without numbers (the sandbox, for a file it can't read). */
const NOT_KNOWN = 'not known';

function Counts({
  title,
  counts,
  before,
  testId,
}: {
  title: string;
  /** null: the database answered, but its counts are not known. */
  counts: GraphCounts | null;
  before?: GraphCounts | null;
  testId: string;
}) {
  const change = counts && before;
  return (
    <div class="counts" data-testid={testId} data-known={String(counts !== null)}>
      <p class="counts__title">{title}</p>
      <dl class="counts__list">
        <div>
          <dt>Nodes</dt>
          <dd>
            <span data-testid={`${testId}-nodes`}>
              {counts ? formatExactCount(counts.nodes) : NOT_KNOWN}
            </span>
            {change && <span class="muted"> ({countChange(before.nodes, counts.nodes)})</span>}
          </dd>
        </div>
        <div>
          <dt>Relationships</dt>
          <dd>
            <span data-testid={`${testId}-relationships`}>
              {counts ? formatExactCount(counts.relationships) : NOT_KNOWN}
            </span>
            {change && (
              <span class="muted">
                {' '}
                ({countChange(before.relationships, counts.relationships)})
              </span>
            )}
          </dd>
        </div>
      </dl>
    </div>
  );
}

/**
 * "Try again" for an operation Aura was found not to have started: the engine sends the same request once more
 * (the first confirmation still stands, since nothing happened), and this card gives way to the new job's.
 */
function RetryButton({ job }: { job: JobState }) {
  const backend = useBackend();
  const jobs = useOptionalJobs();
  const [retrying, setRetrying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const retry = async () => {
    if (!jobs) return;
    setRetrying(true);
    setError(null);
    try {
      await jobs.start((onUpdate) => backend.retryJob(job.id, onUpdate));
      jobs.dismiss(job.id);
    } catch (reason) {
      setError(toAppError(reason).message);
      setRetrying(false);
    }
  };
  return (
    <>
      <Button
        size="small"
        variant="primary"
        loading={retrying}
        onClick={() => void retry()}
        data-testid="job-retry"
      >
        Try again
      </Button>
      {error && (
        <span class="notice__message" role="alert" data-testid="job-retry-error">
          {error}
        </span>
      )}
    </>
  );
}

/**
 * A job's steps with a word and an icon for each state, time spent per step and in total, a bar
 * under the step in progress, and, when done, the measured duration and the counts before and after.
 * The one-line summary is a polite live region that changes only when a step changes.
 */
export function JobProgress({ job, onDismiss, failureHelp, children, onCancel }: JobProgressProps) {
  const titleId = useId();
  const now = useNow(1000);
  const outcome = outcomeAttr(job);
  const running = outcome === 'running';
  const [cancelling, setCancelling] = useState(false);
  const [reportOpen, setReportOpen] = useState(false);
  const report = hasRestoreReport(job);
  useEffect(() => {
    if (!running) setCancelling(false);
  }, [running]);

  const cancel = async () => {
    if (!onCancel) return;
    setCancelling(true);
    try {
      await onCancel();
    } catch {
      // The caller reports the error; the job keeps running, so Cancel stays available.
      setCancelling(false);
    }
  };
  const followed = useOptionalJobs() !== null;
  const canRetry = outcome === 'failed' && job.error?.code === NOT_STARTED && followed;
  const total = secondsBetween(job.startedAt, job.finishedAt ?? now);
  const { countsBefore, countsAfter, durationSecs } = job.result;
  const beforeShown = Boolean(countsBefore) || job.result.countsBeforeUnknown === true;
  const afterShown = Boolean(countsAfter) || job.result.countsAfterUnknown === true;
  const inDatabase = countsAfter ?? countsBefore;

  return (
    <section
      class={`job job--${outcome}`}
      data-testid="job-progress"
      data-job-id={job.id}
      data-kind={job.kind}
      data-outcome={outcome}
      aria-labelledby={titleId}
    >
      <header class="job__header">
        <h3 id={titleId} class="job__title">
          {job.title}
        </h3>
        <span class="job__total" data-testid="job-total">
          {running ? `${formatElapsed(total)} so far` : `Total ${formatElapsed(total)}`}
        </span>
      </header>
      <p class="job__summary" aria-live="polite" data-testid="job-summary">
        {jobSummary(job)}
      </p>
      {running && job.waiting && (
        <p
          class="job__waiting"
          role="status"
          data-testid="job-waiting"
          data-kind={job.waiting.kind}
        >
          {waitingText(job.waiting, now)}
        </p>
      )}

      {/* biome-ignore lint/a11y/noRedundantRoles: WebKit drops list semantics from unstyled lists; keep the role explicit. */}
      <ol class="job__steps" role="list">
        {job.steps.map((step) => {
          const time = stepTime(step, now);
          return (
            <li
              key={step.id}
              class={`job-step job-step--${step.state}`}
              data-testid="job-step"
              data-step-id={step.id}
              data-state={step.state}
            >
              <span class="job-step__icon" aria-hidden="true">
                {ICONS[step.state]}
              </span>
              <span class="job-step__label">{step.label}</span>
              <span class="job-step__state">{stepStateWord(step.state)}</span>
              {time && <span class="job-step__time">{time}</span>}
              {step.detail && <span class="job-step__detail">{step.detail}</span>}
              {step.state === 'active' && (
                <div class="job-step__bar">
                  {job.progress ? (
                    <Transfer
                      label={step.label}
                      progress={job.progress}
                      stalled={job.waiting?.kind === 'stalled'}
                    />
                  ) : job.itemProgress ? (
                    <Items label={step.label} progress={job.itemProgress} />
                  ) : (
                    <Progress label={step.label} hideLabel testId="job-step-progress" />
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ol>

      {outcome === 'succeeded' && (
        <div class="job__result">
          {durationSecs !== null && (
            <p data-testid="job-duration">{durationSentence(job, durationSecs)}</p>
          )}
          {job.kind === 'graph-export' && job.result.fileCounts ? (
            <div class="job__counts">
              {inDatabase && (
                <Counts title="In the database" counts={inDatabase} testId="counts-database" />
              )}
              <Counts title="In the file" counts={job.result.fileCounts} testId="counts-file" />
            </div>
          ) : (
            (beforeShown || afterShown) && (
              <div class="job__counts">
                {beforeShown && (
                  <Counts title="Before" counts={countsBefore ?? null} testId="counts-before" />
                )}
                {afterShown && (
                  <Counts
                    title="After"
                    counts={countsAfter ?? null}
                    before={countsBefore}
                    testId="counts-after"
                  />
                )}
              </div>
            )
          )}
        </div>
      )}

      {outcome === 'failed' && (
        <div
          class="notice notice--error job__error"
          data-testid="job-error"
          data-code={job.error?.code}
        >
          <span class="notice__icon" aria-hidden="true">
            !
          </span>
          <div class="notice__text">
            {job.error && <p class="notice__title">{job.error.message}</p>}
            <p class="notice__message">{failureHelp ?? defaultHelp(job)}</p>
          </div>
        </div>
      )}

      <FileNote job={job} />

      {(children || report || canRetry || (!running && onDismiss) || (running && onCancel)) && (
        <div class="job__actions">
          {canRetry && <RetryButton job={job} />}
          {children}
          {report && (
            <Button
              size="small"
              onClick={() => setReportOpen(true)}
              aria-haspopup="dialog"
              data-testid="restore-report"
            >
              {job.kind === 'drill' ? 'Restore test report' : 'Restore report'}
            </Button>
          )}
          {running && onCancel && (
            <Button
              size="small"
              loading={cancelling}
              onClick={() => void cancel()}
              data-testid="cancel-job"
            >
              {cancelling ? 'Stopping…' : 'Cancel'}
            </Button>
          )}
          {!running && onDismiss && (
            <Button size="small" variant="ghost" onClick={onDismiss} data-testid="job-dismiss">
              Dismiss
            </Button>
          )}
        </div>
      )}
      {reportOpen && <ReportDialog jobId={job.id} onClose={() => setReportOpen(false)} />}
    </section>
  );
}
