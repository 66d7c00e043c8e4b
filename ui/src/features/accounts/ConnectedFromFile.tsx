import { useState } from 'preact/hooks';
import {
  type Account,
  type AppError,
  type CredentialsFileView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, ErrorNotice } from '../../components';

export const PLAIN_TEXT_WARNING =
  'holds the client secret in plain text: anyone who can read the file can use your Aura account. Your keyring has the key now, so the file is no longer needed.';

export type ConnectedFromFileProps = {
  account: Account;
  /** The credentials file the key came from (the shell holds it under its token). */
  file: CredentialsFileView;
  onDone: () => void;
};

/**
 * The connect dialog's last step after a key from the Aura console's credentials file was checked
 * and stored: the offer to delete that file, because it holds the secret in plain text. The shell
 * deletes only the file it read under the token. A key kept for this session only gets no offer:
 * the file is then its one lasting copy.
 */
export function ConnectedFromFile({ account, file, onDone }: ConnectedFromFileProps) {
  const backend = useBackend();
  const [deleted, setDeleted] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const sessionKept = account.persistence === 'session';

  const deleteFile = async () => {
    setDeleting(true);
    setError(null);
    try {
      setDeleted(await backend.deleteCredentialsFile(file.token));
    } catch (reason) {
      setError(toAppError(reason));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <Dialog
      open
      title={`Connected to ${account.label}`}
      description={
        sessionKept
          ? 'Aura accepted the key. Lifeboat keeps it in memory until it closes.'
          : 'Aura accepted the key, and it is saved in your system keyring.'
      }
      onClose={onDone}
      closeOnBackdropClick={false}
      testId="connect-dialog"
    >
      <div class="form" data-testid="connect-done">
        {deleted ? (
          <p data-testid="connect-file-deleted">
            Deleted <strong>{deleted}</strong>. The key is only in your keyring now.
          </p>
        ) : sessionKept ? (
          <p data-testid="connect-file-kept">
            Keep <strong>{file.fileName}</strong> somewhere only you can read: the key is not saved,
            so you will need the file the next time you start Lifeboat.
          </p>
        ) : (
          <div class="notice notice--warning" data-testid="connect-delete-offer">
            <div class="notice__text">
              <p class="notice__title">Delete the downloaded file?</p>
              <p class="notice__message">
                <strong>{file.fileName}</strong> {PLAIN_TEXT_WARNING}
              </p>
            </div>
          </div>
        )}
        {error && (
          <ErrorNotice
            error={error}
            title="The file was not deleted."
            testId="connect-delete-error"
          />
        )}
        <div class="dialog__actions">
          {!deleted && !sessionKept && (
            <Button
              variant="primary"
              onClick={() => void deleteFile()}
              loading={deleting}
              data-testid="connect-delete-file"
            >
              Delete the downloaded file
            </Button>
          )}
          <Button onClick={onDone} data-testid="connect-done-button">
            {deleted || sessionKept ? 'Done' : 'Keep the file'}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
