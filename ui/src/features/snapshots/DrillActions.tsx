import { useState } from 'preact/hooks';
import { type AppError, type JobState, toAppError, useBackend } from '../../api';
import { Button, Dialog, ErrorNotice, useToast } from '../../components';

/**
 * After a restore test: deletes the temporary instance it made, behind a confirmation. The shell
 * deletes exactly the instance recorded for this test; the window only names the test.
 */
export function DeleteDrillInstance({ job }: { job: JobState }) {
  const backend = useBackend();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [deleted, setDeleted] = useState(false);

  const testInstance = job.result.newInstanceId;
  if (job.kind !== 'drill' || job.outcome === null || !testInstance) return null;
  if (deleted || job.result.instanceDeletedAt) {
    return (
      <p class="muted" data-testid="drill-deleted">
        The test instance was deleted.
      </p>
    );
  }

  const close = () => {
    setConfirming(false);
    setError(null);
  };

  const remove = async () => {
    setDeleting(true);
    setError(null);
    try {
      await backend.deleteDrillInstance(job.id);
      setDeleted(true);
      setConfirming(false);
      toast.show({
        tone: 'success',
        message: `The test instance is being deleted. ${job.instanceName} was not touched.`,
      });
    } catch (reason) {
      const e = toAppError(reason);
      if (e.code === 'already-deleted') {
        setDeleted(true);
        setConfirming(false);
      } else {
        setError(e);
      }
    } finally {
      setDeleting(false);
    }
  };

  return (
    <>
      <Button
        size="small"
        variant="danger"
        onClick={() => setConfirming(true)}
        aria-haspopup="dialog"
        data-testid="delete-drill-instance"
      >
        Delete the test instance…
      </Button>
      {confirming && (
        <Dialog
          open
          role="alertdialog"
          title="Delete the test instance?"
          description={
            <>
              This deletes the temporary instance <code>{testInstance}</code> that the restore test
              made, and its data. <strong>{job.instanceName}</strong> is not touched.
            </>
          }
          onClose={close}
          closeOnBackdropClick={false}
          testId="delete-drill-dialog"
          actions={
            <>
              <Button onClick={close} data-testid="delete-drill-cancel">
                Keep it
              </Button>
              <Button
                variant="danger"
                loading={deleting}
                onClick={() => void remove()}
                data-testid="delete-drill-confirm"
              >
                Delete the test instance
              </Button>
            </>
          }
        >
          {error && (
            <ErrorNotice
              error={error}
              title="The test instance was not deleted."
              onRetry={() => void remove()}
              testId="delete-drill-error"
            />
          )}
        </Dialog>
      )}
    </>
  );
}
