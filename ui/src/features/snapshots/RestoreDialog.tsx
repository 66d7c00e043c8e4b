import { useEffect, useState } from 'preact/hooks';
import {
  type AppError,
  type RestorePlan,
  type SnapshotView,
  toAppError,
  useBackend,
} from '../../api';
import { type RestoreChoices, RestoreConfirmDialog, useToast } from '../../components';
import { dataLossSentence, formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { useJobs } from '../jobs';

export { CONFIRM_WORD } from '../../components';

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

  const [plan, setPlan] = useState<RestorePlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
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

  const confirm = async ({ safetySnapshot, reason }: RestoreChoices) => {
    if (!plan || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const jobId = await jobs.start((onUpdate) =>
        backend.restoreSnapshot({ token: plan.token, safetySnapshot, reason }, onUpdate),
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
    <RestoreConfirmDialog
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
      name={name}
      warning={
        <>
          <strong>{name} will be unavailable while it restores</strong>, usually for a few minutes.
          This cannot be undone.
        </>
      }
      safetyDefault={!keepsOnlyLatest}
      safetyDisabled={keepsOnlyLatest}
      safetyHint={
        keepsOnlyLatest
          ? 'Not available on this plan: Aura keeps only one snapshot, so a new one would replace the snapshot you are restoring.'
          : `Lifeboat saves ${name} as it is now before restoring, so you can come back to it. This adds a few minutes.`
      }
      prepared={plan !== null}
      prepareError={planError}
      onRetryPrepare={() => setAttempt((n) => n + 1)}
      submitting={submitting}
      submitError={submitError}
      onConfirm={(choices) => void confirm(choices)}
      onClose={onClose}
      testId="restore-dialog"
    >
      <p class="loss" data-testid="restore-data-loss">
        {dataLossSentence(snapshot.timestamp, now)}
      </p>
    </RestoreConfirmDialog>
  );
}
