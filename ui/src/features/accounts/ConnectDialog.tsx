import type { TargetedEvent } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import {
  type Account,
  type AppError,
  type CredentialsFileView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, CopyButton, Dialog, ErrorNotice } from '../../components';
import { useFileDrops } from '../files';
import { ConnectedFromFile } from './ConnectedFromFile';

export const CONSOLE_URL = 'https://console.neo4j.io';

export const INVALID_KEY_MESSAGE =
  'Aura did not accept this key. Check that you copied the whole client ID and client secret, and that the key still exists in the Aura console. Nothing was saved.';

/** Filled in when reconnecting an account whose key was revoked. */
export type ConnectPrefill = {
  label?: string;
  clientId?: string;
  /** The end of the old key's client id, shown as a hint ('…7f3a'). */
  clientIdHint?: string | null;
};

export type ConnectDialogProps = {
  prefill: ConnectPrefill;
  onClose: () => void;
  onConnected: (account: Account) => void;
};

/** A key from a credentials file was checked and stored: next, the offer to delete that file. */
type Connected = { account: Account; file: CredentialsFileView };

/**
 * Connects an Aura account with an API key. The secret is never held in component state: it stays
 * in the password field only, is read once on submit and is cleared when the dialog closes or Aura
 * refuses the key. It is kept in the field only after "keyring unavailable", so "Keep it for this
 * session only" can send it again. Mount only while open.
 *
 * The key may also come from the credentials file the Aura console downloads (dropped on the
 * window while the dialog is open, or chosen with "Choose file…"). The shell reads that file and
 * keeps its secret: the webview gets a token, the file name and the client id, and connects with
 * the token, so the secret never reaches the window at all. Once the key is in the keyring the
 * dialog offers to delete the file (the shell deletes only that file).
 */
export function ConnectDialog({ prefill, onClose, onConnected }: ConnectDialogProps) {
  const backend = useBackend();
  const formId = useId();
  const secretRef = useRef<HTMLInputElement>(null);
  // Start where typing starts: the name, or the client id when reconnecting a named account.
  const labelRef = useRef<HTMLInputElement>(null);
  const clientIdRef = useRef<HTMLInputElement>(null);
  const [label, setLabel] = useState(prefill.label ?? '');
  const [clientId, setClientId] = useState(prefill.clientId ?? '');
  const [hasSecret, setHasSecret] = useState(false);
  const [offerSession, setOfferSession] = useState(false);
  const [sessionOnly, setSessionOnly] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [file, setFile] = useState<CredentialsFileView | null>(null);
  const [fileError, setFileError] = useState<AppError | null>(null);
  const [readingFile, setReadingFile] = useState(false);
  const [connected, setConnected] = useState<Connected | null>(null);

  // The shell holds the file's secret under its token until the dialog lets go of it.
  const fileRef = useRef<CredentialsFileView | null>(null);
  fileRef.current = file;
  const forgetFile = () => {
    const held = fileRef.current;
    if (held) void backend.forgetCredentialsFile(held.token).catch(() => {});
    fileRef.current = null;
    setFile(null);
  };
  // Closed any other way (the app switching views): the shell still lets go.
  const unmountForget = useRef(forgetFile);
  unmountForget.current = forgetFile;
  useEffect(() => () => unmountForget.current(), []);

  const clearSecret = () => {
    if (secretRef.current) secretRef.current.value = '';
    setHasSecret(false);
  };

  const close = () => {
    clearSecret();
    forgetFile();
    onClose();
  };

  const finish = () => {
    const done = connected;
    forgetFile();
    if (done) onConnected(done.account);
  };

  const readFile = async (path: string) => {
    setReadingFile(true);
    setFileError(null);
    setError(null);
    try {
      const read = await backend.readCredentialsFile(path);
      forgetFile();
      fileRef.current = read;
      setFile(read);
      clearSecret();
      setClientId(read.clientId);
      if (read.clientName && label.trim() === '') setLabel(read.clientName);
    } catch (reason) {
      setFileError(toAppError(reason));
    } finally {
      setReadingFile(false);
    }
  };
  const readFileRef = useRef(readFile);
  readFileRef.current = readFile;

  // While the dialog is open, a file dropped on the window is the credentials file. Registered before the dialog
  // is first painted (a layout effect; a plain effect waits for the next frame), so a drop the moment it shows
  // cannot reach the file restore behind it.
  const { register } = useFileDrops();
  useLayoutEffect(
    () =>
      register({
        modal: true,
        onFile: (path) => void readFileRef.current(path),
        onMessage: () =>
          setFileError({
            code: 'invalid-input',
            message:
              'Drop one file at a time. Nothing was changed; drop just the credentials file the Aura console downloaded.',
            retryable: false,
          }),
      }),
    [register],
  );

  const chooseFile = async () => {
    setFileError(null);
    try {
      const path = await backend.chooseCredentialsFile();
      if (path) await readFile(path);
    } catch (reason) {
      setFileError(toAppError(reason));
    }
  };

  const ready = label.trim() !== '' && (file !== null || (clientId.trim() !== '' && hasSecret));

  const submit = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    const clientSecret = secretRef.current?.value ?? '';
    if (!ready || submitting || (file === null && clientSecret === '')) return;
    setSubmitting(true);
    setError(null);
    const keepForSession = offerSession && sessionOnly;
    try {
      if (file) {
        const account = await backend.connectAccountFromFile({
          token: file.token,
          label: label.trim(),
          sessionOnly: keepForSession,
        });
        setSubmitting(false);
        setConnected({ account, file });
        return;
      }
      const account = await backend.connectAccount({
        label: label.trim(),
        clientId: clientId.trim(),
        clientSecret,
        sessionOnly: keepForSession,
      });
      clearSecret();
      onConnected(account);
    } catch (reason) {
      const failure = toAppError(reason);
      if (failure.code === 'keyring-unavailable') {
        setOfferSession(true);
      } else {
        clearSecret();
        // A refused key's file is no use again: let go of it; the user chooses another.
        forgetFile();
      }
      setError(
        failure.code === 'invalid-credentials'
          ? { ...failure, message: INVALID_KEY_MESSAGE, retryable: false }
          : failure,
      );
      setSubmitting(false);
    }
  };

  if (connected) {
    return <ConnectedFromFile account={connected.account} file={connected.file} onDone={finish} />;
  }

  const hint = prefill.clientIdHint
    ? `The old key's client ID ended in ${prefill.clientIdHint.replace(/^…/, '')}. Paste the client ID of the new key.`
    : 'A long string of letters and digits, shown with the secret when the key is created.';

  return (
    <Dialog
      open
      title={prefill.label ? `Reconnect ${prefill.label}` : 'Connect an Aura account'}
      description="Lifeboat needs an API key to see the instances and snapshots of your Aura account. Lifeboat checks the key with Aura before saving it."
      onClose={close}
      closeOnBackdropClick={false}
      initialFocusRef={prefill.label ? clientIdRef : labelRef}
      testId="connect-dialog"
    >
      <form id={formId} class="form" onSubmit={(event) => void submit(event)}>
        <div class="connect-help">
          <p>
            Create an API key in the Aura console under <strong>Account → API keys</strong>, then
            paste its client ID and client secret here. The Aura console is at:
          </p>
          <p class="copyable">
            <code class="copyable__text" data-testid="connect-console-url">
              {CONSOLE_URL}
            </code>
            <CopyButton text={CONSOLE_URL} what="Aura console address" />
          </p>
          <p class="field__hint">
            Open it in your web browser; Lifeboat does not open web pages itself.
          </p>
        </div>

        <div class="connect-file" data-testid="connect-file">
          {file ? (
            <p data-testid="connect-file-read">
              Read <strong>{file.fileName}</strong>: the client ID and secret are filled in from it.
            </p>
          ) : (
            <p>
              Downloaded the credentials file when you created the key? Drop it on this window, or
              choose it. Lifeboat reads it and does not copy it.
            </p>
          )}
          <div class="connect-file__actions">
            <Button
              onClick={() => void chooseFile()}
              loading={readingFile}
              data-testid="connect-choose-file"
            >
              {file ? 'Choose another file…' : 'Choose file…'}
            </Button>
            {file && (
              <Button
                variant="ghost"
                onClick={() => {
                  forgetFile();
                  setClientId(prefill.clientId ?? '');
                }}
                data-testid="connect-file-clear"
              >
                Type the key instead
              </Button>
            )}
          </div>
          {fileError && (
            <ErrorNotice
              error={fileError}
              title="That file was not used."
              testId="connect-file-error"
            />
          )}
        </div>

        <div class="field">
          <label for={`${formId}-label`}>Name for this account</label>
          <input
            id={`${formId}-label`}
            ref={labelRef}
            type="text"
            value={label}
            maxLength={100}
            placeholder="e.g. Acme production"
            onInput={(event) => setLabel(event.currentTarget.value)}
            data-testid="connect-label"
          />
          <p class="field__hint">Only for you, to tell accounts apart.</p>
        </div>
        <div class="field">
          <label for={`${formId}-client-id`}>Client ID</label>
          <input
            id={`${formId}-client-id`}
            ref={clientIdRef}
            type="text"
            value={clientId}
            readOnly={file !== null}
            autocomplete="off"
            spellcheck={false}
            onInput={(event) => setClientId(event.currentTarget.value)}
            data-testid="connect-client-id"
          />
          <p class="field__hint">{hint}</p>
        </div>
        <div class="field">
          <label for={`${formId}-client-secret`}>Client secret</label>
          <input
            id={`${formId}-client-secret`}
            ref={secretRef}
            type="password"
            autocomplete="off"
            spellcheck={false}
            disabled={file !== null}
            placeholder={file ? `From ${file.fileName}` : undefined}
            onInput={(event) => setHasSecret(event.currentTarget.value !== '')}
            data-testid="connect-client-secret"
          />
          <p class="field__hint">
            {file
              ? 'Lifeboat read the secret from the file and keeps it out of this window.'
              : 'Saved in your system keyring, never in a file. Aura shows the secret only once, when the key is created.'}
          </p>
        </div>

        {error && (
          <ErrorNotice
            error={error}
            title={
              error.code === 'keyring-unavailable'
                ? 'Lifeboat could not save the key in your keyring.'
                : 'The account was not connected.'
            }
            testId="connect-error"
          />
        )}
        {offerSession && (
          <div class="field field--check">
            <label>
              <input
                type="checkbox"
                checked={sessionOnly}
                onChange={(event) => setSessionOnly(event.currentTarget.checked)}
                data-testid="connect-session-only"
              />{' '}
              Keep it for this session only
            </label>
            <p class="field__hint">
              Lifeboat keeps the key in memory until it closes; next time you paste it again. Or
              unlock your keyring and press Connect again.
            </p>
          </div>
        )}

        <div class="dialog__actions">
          <Button onClick={close} data-testid="connect-cancel">
            Cancel
          </Button>
          <Button
            variant="primary"
            type="submit"
            disabled={!ready}
            loading={submitting}
            data-testid="connect-submit"
          >
            {submitting ? 'Checking the key…' : 'Connect'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
