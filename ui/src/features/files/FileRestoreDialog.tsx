import { useEffect, useState } from 'preact/hooks';
import {
  type AppError,
  type FileRestorePlan,
  type Inspection,
  toAppError,
  useBackend,
} from '../../api';
import { type RestoreChoices, RestoreConfirmDialog, useToast } from '../../components';
import { formatBytes } from '../../lib/files';
import { useJobs } from '../jobs';

export type FileRestoreDialogProps = {
  instance: { id: string; name: string };
  inspection: Inspection;
  /** Free plan: Aura keeps one on-demand snapshot, so a safety snapshot replaces it. */
  keepsOnlyLatest: boolean;
  onClose: () => void;
  onStarted: (jobId: string) => void;
};

/**
 * The confirmation for overwriting an instance with a backup file, built like the snapshot restore:
 * a one-time token asked for on open, RESTORE typed exactly, a safety snapshot first. Mount only
 * while open.
 */
export function FileRestoreDialog({
  instance,
  inspection,
  keepsOnlyLatest,
  onClose,
  onStarted,
}: FileRestoreDialogProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();

  const [plan, setPlan] = useState<FileRestorePlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setPlanError(null);
    backend.prepareFileRestore(instance.id, inspection.path).then(
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
  }, [backend, instance.id, inspection.path, attempt]);

  const name = plan?.instanceName ?? instance.name;
  const fileName = plan?.fileName ?? inspection.fileName;

  const confirm = async ({ safetySnapshot, reason }: RestoreChoices) => {
    if (!plan || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const jobId = await jobs.start((onUpdate) =>
        backend.restoreFromFile({ token: plan.token, safetySnapshot, reason }, onUpdate),
      );
      onStarted(jobId);
    } catch (reason) {
      const error = toAppError(reason);
      if (error.code === 'confirmation-required') {
        toast.show({
          tone: 'error',
          message: `Nothing was changed: the confirmation for restoring ${name} from ${fileName} had expired or was already used. Please confirm again.`,
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
      title={`Restore ${name} from ${fileName}?`}
      description={
        <>
          This replaces all data in <strong>{name}</strong> with the data in{' '}
          <strong>{fileName}</strong>.
        </>
      }
      name={name}
      warning={
        <>
          <strong>{name} will be unavailable while it loads.</strong> This cannot be undone.
        </>
      }
      safetyDefault={!keepsOnlyLatest}
      safetyHint={
        keepsOnlyLatest
          ? 'Off by default on this plan: Aura keeps only one snapshot, so a safety snapshot replaces the one you have now.'
          : `Lifeboat saves ${name} as it is now before loading the file, so you can come back to it. This adds a few minutes.`
      }
      prepared={plan !== null}
      prepareError={planError}
      onRetryPrepare={() => setAttempt((n) => n + 1)}
      submitting={submitting}
      submitError={submitError}
      onConfirm={(choices) => void confirm(choices)}
      onClose={onClose}
      testId="file-restore-dialog"
    >
      <p class="muted" data-testid="file-restore-file">
        {plan?.formatLabel ?? inspection.formatLabel},{' '}
        {formatBytes(plan?.fileSize ?? inspection.fileSize)}. Lifeboat only reads your file; it is
        never changed.
      </p>
    </RestoreConfirmDialog>
  );
}
