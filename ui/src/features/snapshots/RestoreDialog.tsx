import { useCallback } from 'preact/hooks';
import { type SnapshotView, useBackend } from '../../api';
import { RestoreConfirmDialog } from '../../components';
import { dataLossSentence, formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { useConfirmedStart } from '../jobs';

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
  const now = useNow(30_000);

  const prepare = useCallback(
    () => backend.prepareRestore(instance.id, snapshot.id),
    [backend, instance.id, snapshot.id],
  );
  const { plan, confirmProps } = useConfirmedStart({
    prepare,
    start: (request, onUpdate) => backend.restoreSnapshot(request, onUpdate),
    expiredMessage: (issued) =>
      `Nothing was changed: the confirmation for restoring ${issued.instanceName} had expired or was already used. Please confirm again.`,
    onStarted,
    onClose,
  });

  const name = plan?.instanceName ?? instance.name;
  const when = sincePhrase(snapshot.timestamp, now);

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
      safetyDisabled={keepsOnlyLatest || plan?.safetySnapshot?.possible === false}
      safetyHint={
        keepsOnlyLatest
          ? 'Not available on this plan: Aura keeps only one snapshot, so a new one would replace the snapshot you are restoring.'
          : plan?.safetySnapshot?.possible === false && plan.safetySnapshot.reason
            ? plan.safetySnapshot.reason
            : `Lifeboat saves ${name} as it is now before restoring, so you can come back to it. This adds a few minutes.`
      }
      messageBefore={plan?.messageBefore}
      {...confirmProps}
      onClose={onClose}
      testId="restore-dialog"
    >
      <p class="loss" data-testid="restore-data-loss">
        {dataLossSentence(snapshot.timestamp, now)}
      </p>
    </RestoreConfirmDialog>
  );
}
