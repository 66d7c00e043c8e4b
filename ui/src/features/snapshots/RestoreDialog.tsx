import type { TargetedEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  type AppError,
  type RestorePlan,
  type SnapshotView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, ErrorNotice, Progress, useToast } from '../../components';
import { dataLossSentence, formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { useJobs } from '../jobs';

/** The exact word the user must type. */
export const CONFIRM_WORD = 'RESTORE';

export type RestoreDialogProps = {
  instance: { id: string; name: string };
  snapshot: SnapshotView;
  /** Free tier: Aura keeps one snapshot, so a safety snapshot would replace the one being restored. */
  keepsOnlyLatest: boolean;
  onClose: () => void;
  /** The restore has started; the dialog's job is done. */
  onStarted: (jobId: string) => void;
};

/**
 * The confirmation for overwriting an instance with a snapshot. Mount it only while open. On mount
 * it asks the shell for a one-time token; confirming sends that token. Confirming needs RESTORE
 * typed exactly; Escape and Cancel only close; a click on the backdrop does nothing.
 */
export function RestoreDialog({
  instance,
  snapshot,
  keepsOnlyLatest,
  onClose,
  onStarted,
}: RestoreDialogProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();
  const now = useNow(30_000);
  const formId = useId();
  const confirmInput = useRef<HTMLInputElement>(null);

  const [plan, setPlan] = useState<RestorePlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [safety, setSafety] = useState(!keepsOnlyLatest);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setPlanError(null);
    backend.prepareRestore(instance.id, snapshot.id).then(
      (next) => {
        if (live) setPlan(next);
      },
      (reason: unknown) => {
        if (live) setPlanError(toAppError(reason));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, instance.id, snapshot.id, attempt]);

  const name = plan?.instanceName ?? instance.name;
  const when = sincePhrase(snapshot.timestamp, now);
  const ready = plan !== null && typed === CONFIRM_WORD;

  const submit = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    if (!ready || !plan || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const jobId = await jobs.start((onUpdate) =>
        backend.restoreSnapshot(
          { token: plan.token, safetySnapshot: safety, reason: reason.trim() || null },
          onUpdate,
        ),
      );
      onStarted(jobId);
    } catch (reason) {
      const error = toAppError(reason);
      if (error.code === 'confirmation-required') {
        toast.show({
          tone: 'error',
          message: `Nothing was changed: the confirmation for restoring ${name} had expired or was already used. Please confirm again.`,
        });
        onClose();
        return;
      }
      setSubmitError(error);
      setSubmitting(false);
    }
  };

  return (
    <Dialog
      open
      role="alertdialog"
      title={`Restore ${name} to the snapshot from ${when}?`}
      description={
        <>
          This replaces all data in <strong>{name}</strong> with the data in the snapshot taken{' '}
          <time dateTime={snapshot.timestamp} title={formatUtc(snapshot.timestamp)}>
            {when}
          </time>
          .
        </>
      }
      onClose={onClose}
      closeOnBackdropClick={false}
      initialFocusRef={confirmInput}
      testId="restore-dialog"
    >
      <form id={formId} class="form" onSubmit={(event) => void submit(event)}>
        <p class="loss" data-testid="restore-data-loss">
          {dataLossSentence(snapshot.timestamp, now)}
        </p>
        <p class="warning">
          <strong>{name} will be unavailable while it restores</strong>, usually for a few minutes.
          This cannot be undone.
        </p>

        <div class="field field--check">
          <label>
            <input
              type="checkbox"
              checked={safety}
              disabled={keepsOnlyLatest}
              onChange={(event) => setSafety(event.currentTarget.checked)}
              data-testid="restore-safety-snapshot"
            />{' '}
            Take a safety snapshot first
          </label>
          <p class="field__hint">
            {keepsOnlyLatest
              ? 'Not available on this plan: Aura keeps only one snapshot, so a new one would replace the snapshot you are restoring.'
              : `Lifeboat saves ${name} as it is now before restoring, so you can come back to it. This adds a few minutes.`}
          </p>
        </div>

        <div class="field">
          <label for={`${formId}-reason`}>Reason (for the history)</label>
          <input
            id={`${formId}-reason`}
            type="text"
            value={reason}
            maxLength={500}
            placeholder="Optional, e.g. “Undo the failed migration”"
            onInput={(event) => setReason(event.currentTarget.value)}
            data-testid="restore-reason"
          />
        </div>

        <div class="field">
          <label for={`${formId}-confirm`}>
            Type <strong>{CONFIRM_WORD}</strong> to confirm
          </label>
          <input
            id={`${formId}-confirm`}
            ref={confirmInput}
            type="text"
            value={typed}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            onInput={(event) => setTyped(event.currentTarget.value)}
            data-testid="restore-confirm-input"
          />
        </div>

        {!plan && !planError && (
          <Progress label="Getting the restore ready…" testId="restore-preparing" />
        )}
        {planError && (
          <ErrorNotice
            error={planError}
            title="Lifeboat couldn't get this restore ready. Nothing was changed."
            onRetry={() => setAttempt((n) => n + 1)}
            testId="restore-prepare-error"
          />
        )}
        {submitError && (
          <ErrorNotice
            error={submitError}
            title="The restore did not start."
            testId="restore-error"
          />
        )}

        <div class="dialog__actions">
          <Button onClick={onClose} data-testid="restore-cancel">
            Cancel
          </Button>
          <Button
            variant="danger"
            type="submit"
            disabled={!ready}
            loading={submitting}
            data-testid="restore-confirm"
          >
            Restore {name}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
