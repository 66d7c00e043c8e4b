import type { TargetedEvent } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import {
  type AppError,
  type CloneOptions,
  type SnapshotView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, ErrorNotice, Progress } from '../../components';
import { calendarDate, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { JobProgress, useJob, useJobs } from '../jobs';
import { OneTimeCredentials } from './Credentials';

export type CloneDialogProps = {
  instance: { id: string; name: string };
  snapshot: SnapshotView;
  /** The clone job this dialog started, once it has (kept by the parent so the pane doesn't show it twice). */
  jobId: string | null;
  onStarted: (jobId: string) => void;
  onClose: () => void;
};

/** "Production copy 2025-11-21", used only if the shell sends no default name. */
export function fallbackCloneName(sourceName: string, now: number): string {
  const { year, month, day } = calendarDate(now);
  return `${sourceName} copy ${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Opens a snapshot as a separate new instance: the safe way to look at a snapshot's data before
 * restoring it. Mount only while open: form → progress → the one-time password.
 */
export function CloneDialog({ instance, snapshot, jobId, onStarted, onClose }: CloneDialogProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const job = useJob(jobId);
  const now = useNow(30_000);
  const formId = useId();

  const [options, setOptions] = useState<CloneOptions | null>(null);
  const [optionsError, setOptionsError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [name, setName] = useState('');
  const [tier, setTier] = useState('');
  const [memory, setMemory] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setOptionsError(null);
    backend.cloneOptions(instance.id).then(
      (next) => {
        if (!live) return;
        setOptions(next);
        setName(
          (current) => current || next.defaultName || fallbackCloneName(instance.name, Date.now()),
        );
        setTier((current) => current || next.defaultTier);
        setMemory((current) => current || next.defaultMemory);
      },
      (reason: unknown) => {
        if (live) setOptionsError(toAppError(reason));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, instance.id, instance.name, attempt]);

  const when = sincePhrase(snapshot.timestamp, now);
  const ready = options !== null && name.trim() !== '' && tier !== '' && memory !== '';

  const submit = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    if (!ready || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const started = await jobs.start((onUpdate) =>
        backend.cloneSnapshot(
          { instanceId: instance.id, snapshotId: snapshot.id, name: name.trim(), tier, memory },
          onUpdate,
        ),
      );
      onStarted(started);
    } catch (reason) {
      setSubmitError(toAppError(reason));
    } finally {
      setSubmitting(false);
    }
  };

  const title = `Open the snapshot from ${when} as a new instance`;

  if (jobId !== null) {
    const succeeded = job?.outcome === 'succeeded';
    const finished = job !== undefined && job.outcome !== null;
    return (
      <Dialog
        open
        title={title}
        onClose={onClose}
        closeOnBackdropClick={false}
        testId="clone-dialog"
        actions={
          <Button
            variant={finished ? 'primary' : 'secondary'}
            onClick={onClose}
            data-testid="clone-close"
          >
            {finished ? 'Done' : 'Close'}
          </Button>
        }
      >
        {job ? <JobProgress job={job} /> : <Progress label="Starting…" />}
        {!finished && (
          <p class="muted">
            You can close this; the new instance is still made, and its password will be offered in
            the snapshot panel when it is ready.
          </p>
        )}
        {succeeded && job && <OneTimeCredentials jobId={job.id} />}
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      title={title}
      description={
        <>
          Creates a separate instance with the data from this snapshot, so you can look at it
          safely. <strong>{instance.name}</strong> is not changed.
        </>
      }
      onClose={onClose}
      closeOnBackdropClick={false}
      testId="clone-dialog"
    >
      <form id={formId} class="form" onSubmit={(event) => void submit(event)}>
        {options ? (
          <>
            <div class="field">
              <label for={`${formId}-name`}>Name of the new instance</label>
              <input
                id={`${formId}-name`}
                type="text"
                value={name}
                maxLength={100}
                onInput={(event) => setName(event.currentTarget.value)}
                data-testid="clone-name"
              />
            </div>
            <div class="field-row">
              <div class="field">
                <label for={`${formId}-tier`}>Plan</label>
                <select
                  id={`${formId}-tier`}
                  value={tier}
                  onChange={(event) => setTier(event.currentTarget.value)}
                  data-testid="clone-tier"
                >
                  {options.tiers.map((t) => (
                    <option key={t.value} value={t.value}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for={`${formId}-memory`}>Memory</label>
                <select
                  id={`${formId}-memory`}
                  value={memory}
                  onChange={(event) => setMemory(event.currentTarget.value)}
                  data-testid="clone-memory"
                >
                  {options.memories.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <p class="field__hint" data-testid="clone-billing">
              The new instance is billed separately, like any other instance in your project. Delete
              it when you no longer need it.
            </p>
          </>
        ) : optionsError ? (
          <ErrorNotice
            error={optionsError}
            title="Lifeboat couldn't load the plans and sizes."
            onRetry={() => setAttempt((n) => n + 1)}
            testId="clone-options-error"
          />
        ) : (
          <Progress label="Loading plans and sizes…" />
        )}
        {submitError && (
          <ErrorNotice
            error={submitError}
            title="The new instance was not created."
            testId="clone-error"
          />
        )}

        <div class="dialog__actions">
          <Button onClick={onClose} data-testid="clone-cancel">
            Cancel
          </Button>
          <Button
            variant="primary"
            type="submit"
            disabled={!ready}
            loading={submitting}
            data-testid="clone-confirm"
          >
            Create the new instance
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Shows a finished clone's one-time password when its dialog was closed before it finished. */
export function RevealPasswordDialog({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  return (
    <Dialog
      open
      title="Password for the new instance"
      onClose={onClose}
      closeOnBackdropClick={false}
      testId="clone-password-dialog"
      actions={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <OneTimeCredentials jobId={jobId} />
    </Dialog>
  );
}
