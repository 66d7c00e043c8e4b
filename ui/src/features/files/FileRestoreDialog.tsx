import { useCallback } from 'preact/hooks';
import { type Inspection, useBackend } from '../../api';
import { RestoreConfirmDialog } from '../../components';
import { formatBytes } from '../../lib/files';
import { useConfirmedStart } from '../jobs';
import { FileCost } from './FileCost';

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

  const prepare = useCallback(
    () => backend.prepareFileRestore(instance.id, inspection.path),
    [backend, instance.id, inspection.path],
  );
  const { plan, confirmProps } = useConfirmedStart({
    prepare,
    start: (request, onUpdate) => backend.restoreFromFile(request, onUpdate),
    expiredMessage: (issued) =>
      `Nothing was changed: the confirmation for restoring ${issued.instanceName} from ${issued.fileName} had expired or was already used. Please confirm again.`,
    onStarted,
    onClose,
  });

  const name = plan?.instanceName ?? instance.name;
  const fileName = plan?.fileName ?? inspection.fileName;

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
      safetyDisabled={plan?.safetySnapshot?.possible === false}
      safetyHint={
        plan?.safetySnapshot?.possible === false && plan.safetySnapshot.reason
          ? plan.safetySnapshot.reason
          : keepsOnlyLatest
            ? 'Off by default on this plan: Aura keeps only one snapshot, so a safety snapshot replaces the one you have now.'
            : `Lifeboat saves ${name} as it is now before loading the file, so you can come back to it. This adds a few minutes.`
      }
      messageBefore={plan?.messageBefore}
      {...confirmProps}
      onClose={onClose}
      testId="file-restore-dialog"
    >
      {plan?.cost && <FileCost cost={plan.cost} testId="file-restore-loss" />}
      <p class="muted" data-testid="file-restore-file">
        {plan?.formatLabel ?? inspection.formatLabel},{' '}
        {formatBytes(plan?.fileSize ?? inspection.fileSize)}. Lifeboat only reads your file; it is
        never changed.
      </p>
    </RestoreConfirmDialog>
  );
}
