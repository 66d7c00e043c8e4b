import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { AppInfo } from '../../api';
import { Button, ErrorNotice } from '../../components';
import { accountDetail, accountName, orderAccounts } from '../../lib/accounts';
import { RevokedNotice } from './AccountsDialog';
import { useAccounts } from './AccountsProvider';

/**
 * The account in use, in the header, with a list to switch to another one (the sandbox stays
 * available side by side), connect a new Aura account, or manage them. A disclosure, not an ARIA
 * menu: plain buttons in a panel; Escape or a click elsewhere closes it.
 */
export function AccountSwitcher({ info }: { info: AppInfo }) {
  const accounts = useAccounts();
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);

  const active = accounts.accounts?.find((a) => a.id === accounts.activeId) ?? null;
  const sandbox = info.mode === 'sandbox';
  const label = sandbox ? 'Sandbox' : info.accountLabel;

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: MouseEvent) => {
      if (event.target instanceof Node && !rootRef.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onPointer);
    return () => document.removeEventListener('mousedown', onPointer);
  }, [open]);

  const toggle = () => {
    if (!open) accounts.refresh();
    setOpen(!open);
  };

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the panel closes it; the controls inside are buttons.
    <div
      ref={rootRef}
      class="account-switcher"
      data-testid="account-switcher"
      data-kind={sandbox ? 'sandbox' : 'aura'}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          close();
        }
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        class="account-switcher__button"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls={panelId}
        onClick={toggle}
        data-testid="account-switcher-button"
      >
        <span class="account-switcher__kind">{sandbox ? 'Practice data' : 'Aura account'}</span>
        <span class="account-switcher__label" data-testid="account-label">
          {label}
        </span>
        {active?.status === 'revoked' && (
          <span class="account-switcher__warning">key not accepted</span>
        )}
        <span class="account-switcher__chevron" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div id={panelId} class="account-menu" data-testid="account-menu">
          <p class="account-menu__title" id={`${panelId}-title`}>
            Switch account
          </p>
          {accounts.error && (
            <ErrorNotice
              error={accounts.error}
              title="Couldn't read the list of accounts."
              onRetry={accounts.refresh}
            />
          )}
          {/* biome-ignore lint/a11y/noRedundantRoles: WebKit drops list semantics from unstyled lists; keep the role explicit. */}
          <ul class="account-menu__list" role="list" aria-labelledby={`${panelId}-title`}>
            {orderAccounts(accounts.accounts ?? []).map((account) => {
              const current = account.id === accounts.activeId;
              return (
                <li key={account.id}>
                  <button
                    type="button"
                    class={`account-option${current ? ' account-option--current' : ''}`}
                    aria-current={current ? 'true' : undefined}
                    aria-busy={accounts.switching === account.id ? 'true' : undefined}
                    data-testid="account-option"
                    data-account-id={account.id}
                    data-kind={account.kind}
                    data-status={account.status}
                    onClick={() => {
                      close();
                      void accounts.switchTo(account.id);
                    }}
                  >
                    <span class="account-option__name">
                      {accountName(account)}
                      {current && <span class="account-option__current"> · in use</span>}
                    </span>
                    <span class="account-option__detail">{accountDetail(account)}</span>
                  </button>
                </li>
              );
            })}
          </ul>
          <div class="account-menu__actions">
            <Button
              size="small"
              variant="primary"
              onClick={() => {
                setOpen(false);
                accounts.openConnect();
              }}
              data-testid="connect-account"
            >
              Connect an Aura account…
            </Button>
            <Button
              size="small"
              onClick={() => {
                setOpen(false);
                accounts.openManage();
              }}
              data-testid="manage-accounts"
            >
              Manage accounts…
            </Button>
          </div>
          <p class="account-menu__note">
            Work under way keeps running when you switch; switch back to see it.
          </p>
        </div>
      )}
    </div>
  );
}

/** Under the header when Aura no longer accepts the key of the account in use. */
export function RevokedBanner() {
  const { accounts, activeId } = useAccounts();
  const active = accounts?.find((a) => a.id === activeId);
  if (active?.status !== 'revoked') return null;
  return (
    <div class="app__notice">
      <RevokedNotice account={active} />
    </div>
  );
}
