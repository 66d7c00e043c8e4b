import { useCallback } from 'preact/hooks';
import { useBackend } from '../../api';
import { RestoreConfirmDialog } from '../../components';
import { baseName, formatBytes } from '../../lib/files';
import { formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { useConfirmedStart } from '../jobs';

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
  const now = useNow(60_000);

  const prepare = useCallback(
    () => backend.prepareGraphImport(instance.id, path),
    [backend, instance.id, path],
  );
  const { plan, confirmProps } = useConfirmedStart({
    prepare,
    start: (request, onUpdate) => backend.importGraph(request, onUpdate),
    expiredMessage: (issued) =>
      `Nothing was changed: the confirmation for importing ${issued.fileName} into ${issued.instanceName} had expired or was already used. Please confirm again.`,
    onStarted,
    onClose,
  });

  const name = plan?.instanceName ?? instance.name;
  const fileName = plan?.fileName ?? baseName(path);

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
      {...confirmProps}
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
          <time dateTime={plan.exportedAt} title={formatUtc(plan.exportedAt)}>
            {sincePhrase(plan.exportedAt, now)}
          </time>
          , {formatBytes(plan.fileSize)}. Lifeboat only reads your file; it is never changed.
        </p>
      )}
    </RestoreConfirmDialog>
  );
}
