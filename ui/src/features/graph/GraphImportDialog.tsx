import { useEffect, useState } from 'preact/hooks';
import { type AppError, baseName, type GraphImportPlan, toAppError, useBackend } from '../../api';
import { type RestoreChoices, RestoreConfirmDialog, useToast } from '../../components';
import { formatBytes } from '../../lib/files';
import { formatDateTime } from '../../lib/format';
import { useJobs } from '../jobs';

export type GraphImportDialogProps = {
  instance: { id: string; name: string };
  /** The data export the user chose. */
  path: string;
  /** Free plan: Aura keeps one on-demand snapshot, so a safety snapshot replaces it. */
  keepsOnlyLatest: boolean;
  onClose: () => void;
  onStarted: (jobId: string) => void;
};

/**
 * The confirmation for replacing an instance's data with a data export, built like every restore:
 * a one-time token asked for on open (the shell reads the file's header then, so a file of another
 * kind or a newer version is refused here), RESTORE typed exactly, a safety snapshot first. Mount
 * only while open.
 */
export function GraphImportDialog({
  instance,
  path,
  keepsOnlyLatest,
  onClose,
  onStarted,
}: GraphImportDialogProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();

  const [plan, setPlan] = useState<GraphImportPlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setPlanError(null);
    backend.prepareGraphImport(instance.id, path).then(
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
  }, [backend, instance.id, path, attempt]);

  const name = plan?.instanceName ?? instance.name;
  const fileName = plan?.fileName ?? baseName(path);

  const confirm = async ({ safetySnapshot, reason }: RestoreChoices) => {
    if (!plan || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const jobId = await jobs.start((onUpdate) =>
        backend.importGraph({ token: plan.token, safetySnapshot, reason }, onUpdate),
      );
      onStarted(jobId);
    } catch (reason) {
      const error = toAppError(reason);
      if (error.code === 'confirmation-required') {
        toast.show({
          tone: 'error',
          message: `Nothing was changed: the confirmation for importing ${fileName} into ${name} had expired or was already used. Please confirm again.`,
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
      title={`Replace the data of ${name} with ${fileName}?`}
      description={
        <>
          This deletes every node and relationship in <strong>{name}</strong> and writes those of{' '}
          <strong>{fileName}</strong> in their place.
        </>
      }
      name={name}
      warning={
        <>
          <strong>
            Applications using {name} see its data disappear and come back while it is written.
          </strong>{' '}
          This cannot be undone.
        </>
      }
      safetyDefault={!keepsOnlyLatest}
      safetyHint={
        keepsOnlyLatest
          ? 'Off by default on this plan: Aura keeps only one snapshot, so a safety snapshot replaces the one you have now.'
          : `Lifeboat saves ${name} as it is now before deleting anything, so you can come back to it. This adds a few minutes.`
      }
      prepared={plan !== null}
      prepareError={planError}
      onRetryPrepare={() => setAttempt((n) => n + 1)}
      submitting={submitting}
      submitError={submitError}
      onConfirm={(choices) => void confirm(choices)}
      onClose={onClose}
      testId="graph-import-dialog"
    >
      <p class="muted" data-testid="graph-import-kind">
        A logical copy of nodes and relationships, not a binary snapshot: indexes, constraints and
        users are not in the file and stay as they are.
      </p>
      {plan && (
        <p class="muted" data-testid="graph-import-file">
          Exported from {plan.sourceInstanceName} on{' '}
          <time dateTime={plan.exportedAt}>{formatDateTime(plan.exportedAt)}</time>,{' '}
          {formatBytes(plan.fileSize)}. Lifeboat only reads your file; it is never changed.
        </p>
      )}
    </RestoreConfirmDialog>
  );
}
