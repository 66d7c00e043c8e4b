import type { TargetedEvent } from 'preact';
import { useId, useState } from 'preact/hooks';
import { type Account, type AppError, toAppError, useBackend } from '../../api';
import { Button, Dialog, ErrorNotice, Progress, useToast } from '../../components';
import { accountDetail, accountName, orderAccounts } from '../../lib/accounts';
import { useAccounts } from './AccountsProvider';

/** The words for an account whose key Aura no longer accepts, and the way back. */
export function RevokedNotice({ account }: { account: Account }) {
  const { openConnect } = useAccounts();
  return (
    <div
      class="notice notice--error account-revoked"
      role="alert"
      data-testid="account-revoked"
      data-account-id={account.id}
    >
      <span class="notice__icon" aria-hidden="true">
        !
      </span>
      <div class="notice__text">
        <p class="notice__title">Aura no longer accepts the key for {account.label}.</p>
        <p class="notice__message">
          It was probably deleted or replaced in the Aura console. Nothing in your Aura account was
          changed. Create a new key in the console and reconnect.
        </p>
      </div>
      <Button
        size="small"
        variant="primary"
        onClick={() =>
          openConnect({ label: account.label, clientIdHint: account.clientIdHint ?? null })
        }
        data-testid="account-reconnect"
      >
        Reconnect
      </Button>
    </div>
  );
}

function AccountRow({
  account,
  active,
  onDisconnect,
}: {
  account: Account;
  active: boolean;
  onDisconnect: () => void;
}) {
  const backend = useBackend();
  const { afterChange } = useAccounts();
  const formId = useId();
  const [renaming, setRenaming] = useState(false);
  const [label, setLabel] = useState(account.label);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const rename = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    const next = label.trim();
    if (next === '' || saving) return;
    if (next === account.label) {
      setRenaming(false);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await backend.renameAccount(account.id, next);
      setRenaming(false);
      await afterChange();
    } catch (reason) {
      setError(toAppError(reason));
    } finally {
      setSaving(false);
    }
  };

  return (
    <li
      class="account-row"
      data-testid="account-row"
      data-account-id={account.id}
      data-kind={account.kind}
      data-status={account.status}
    >
      <div class="account-row__head">
        <div class="account-row__name">
          <strong>{accountName(account)}</strong>
          {active && <span class="account-row__badge">In use</span>}
          <span class="muted account-row__detail">{accountDetail(account)}</span>
        </div>
        {account.kind === 'aura' && !renaming && (
          <div class="account-row__actions">
            <Button
              size="small"
              onClick={() => {
                setLabel(account.label);
                setRenaming(true);
              }}
              data-testid="account-rename"
            >
              Rename…
            </Button>
            <Button size="small" onClick={onDisconnect} data-testid="account-disconnect">
              Disconnect…
            </Button>
          </div>
        )}
      </div>
      {account.kind === 'sandbox' && (
        <p class="field__hint">Always available, so you can practise a restore safely.</p>
      )}
      {renaming && (
        <form class="form account-row__rename" onSubmit={(event) => void rename(event)}>
          <div class="field">
            <label for={`${formId}-label`}>New name</label>
            <input
              id={`${formId}-label`}
              type="text"
              value={label}
              maxLength={100}
              onInput={(event) => setLabel(event.currentTarget.value)}
              data-testid="account-rename-input"
            />
          </div>
          <div class="account-row__actions">
            <Button size="small" onClick={() => setRenaming(false)}>
              Cancel
            </Button>
            <Button
              size="small"
              variant="primary"
              type="submit"
              disabled={label.trim() === ''}
              loading={saving}
              data-testid="account-rename-save"
            >
              Save name
            </Button>
          </div>
        </form>
      )}
      {error && <ErrorNotice error={error} title="The name was not changed." />}
      {account.status === 'revoked' && <RevokedNotice account={account} />}
    </li>
  );
}

/** Rename and disconnect accounts; a revoked key is shown with the way to reconnect. */
export function AccountsDialog({ onClose }: { onClose: () => void }) {
  const backend = useBackend();
  const toast = useToast();
  const { accounts, activeId, error, refresh, openConnect, afterChange } = useAccounts();
  const [disconnecting, setDisconnecting] = useState<Account | null>(null);
  const [busy, setBusy] = useState(false);
  const [disconnectError, setDisconnectError] = useState<AppError | null>(null);

  const disconnect = async () => {
    if (!disconnecting || busy) return;
    setBusy(true);
    setDisconnectError(null);
    try {
      await backend.disconnectAccount(disconnecting.id);
      toast.show({
        tone: 'success',
        message: `Disconnected ${disconnecting.label}. Its key was removed from your keyring; nothing in Aura was changed.`,
      });
      setDisconnecting(null);
      await afterChange();
    } catch (reason) {
      setDisconnectError(toAppError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Dialog
        open
        title="Accounts"
        description="The Aura accounts Lifeboat can show, and the sandbox with practice data."
        onClose={onClose}
        testId="accounts-dialog"
        actions={
          <>
            <Button onClick={() => openConnect()} data-testid="accounts-connect">
              Connect an Aura account…
            </Button>
            <Button variant="primary" onClick={onClose}>
              Done
            </Button>
          </>
        }
      >
        {error && (
          <ErrorNotice
            error={error}
            title="Couldn't read the list of accounts."
            onRetry={refresh}
          />
        )}
        {accounts ? (
          <ul class="account-rows">
            {orderAccounts(accounts).map((account) => (
              <AccountRow
                key={account.id}
                account={account}
                active={account.id === activeId}
                onDisconnect={() => {
                  setDisconnectError(null);
                  setDisconnecting(account);
                }}
              />
            ))}
          </ul>
        ) : (
          !error && <Progress label="Loading the accounts…" />
        )}
      </Dialog>

      {disconnecting && (
        <Dialog
          open
          role="alertdialog"
          title={`Disconnect ${disconnecting.label}?`}
          description={
            <>
              This removes the key from your keyring. Your Aura instances and their data are not
              touched, and you can connect again later with a key from the Aura console.
              {disconnecting.id === activeId && ' Lifeboat then shows another account.'}
            </>
          }
          onClose={() => setDisconnecting(null)}
          testId="disconnect-dialog"
          actions={
            <>
              <Button onClick={() => setDisconnecting(null)} data-testid="disconnect-cancel">
                Cancel
              </Button>
              <Button
                variant="danger"
                loading={busy}
                onClick={() => void disconnect()}
                data-testid="disconnect-confirm"
              >
                Disconnect
              </Button>
            </>
          }
        >
          {disconnectError && (
            <ErrorNotice error={disconnectError} title="The account is still connected." />
          )}
        </Dialog>
      )}
    </>
  );
}
