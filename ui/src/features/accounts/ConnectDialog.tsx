import type { TargetedEvent } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { type Account, type AppError, toAppError, useBackend } from '../../api';
import { Button, CopyButton, Dialog, ErrorNotice } from '../../components';

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

/**
 * Connects an Aura account with an API key. The secret is never held in component state: it stays
 * in the password field only, is read once on submit and is cleared when the dialog closes or Aura
 * refuses the key. It is kept in the field only after "keyring unavailable", so "Keep it for this
 * session only" can send it again. Mount only while open.
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

  const clearSecret = () => {
    if (secretRef.current) secretRef.current.value = '';
    setHasSecret(false);
  };

  const close = () => {
    clearSecret();
    onClose();
  };

  const ready = label.trim() !== '' && clientId.trim() !== '' && hasSecret;

  const submit = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    const clientSecret = secretRef.current?.value ?? '';
    if (!ready || submitting || clientSecret === '') return;
    setSubmitting(true);
    setError(null);
    try {
      const account = await backend.connectAccount({
        label: label.trim(),
        clientId: clientId.trim(),
        clientSecret,
        sessionOnly: offerSession && sessionOnly,
      });
      clearSecret();
      onConnected(account);
    } catch (reason) {
      const failure = toAppError(reason);
      if (failure.code === 'keyring-unavailable') {
        setOfferSession(true);
      } else {
        clearSecret();
      }
      setError(
        failure.code === 'invalid-credentials'
          ? { ...failure, message: INVALID_KEY_MESSAGE, retryable: false }
          : failure,
      );
      setSubmitting(false);
    }
  };

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
            onInput={(event) => setHasSecret(event.currentTarget.value !== '')}
            data-testid="connect-client-secret"
          />
          <p class="field__hint">
            Saved in your system keyring, never in a file. Aura shows the secret only once, when the
            key is created.
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
