import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Account, type AppError, type AppInfo, toAppError, useBackend } from '../../api';
import { useToast } from '../../components';
import { accountName } from '../../lib/accounts';
import { AccountsDialog } from './AccountsDialog';
import { ConnectDialog, type ConnectPrefill } from './ConnectDialog';

export type AccountsApi = {
  /** null until the first list arrived. */
  accounts: Account[] | null;
  activeId: string | null;
  error: AppError | null;
  /** Re-reads the list (statuses can change: a key revoked in the console). */
  refresh(): void;
  /** Switches the whole window to another account; reloads everything on success. */
  switchTo(id: string): Promise<void>;
  /** The id being switched to, while that runs. */
  switching: string | null;
  openConnect(prefill?: ConnectPrefill): void;
  openManage(): void;
  /**
   * After a change that may have moved the active account (disconnect, rename). `reload`: load
   * everything again even if the active account is the same (a new key for it).
   */
  afterChange(reload?: boolean): Promise<void>;
};

const AccountsContext = createContext<AccountsApi | null>(null);

export function useAccounts(): AccountsApi {
  const api = useContext(AccountsContext);
  if (!api) throw new Error('useAccounts() needs an <AccountsProvider> above it');
  return api;
}

export type AccountsProviderProps = {
  /**
   * The shell's settings changed. `switched`: another account is active now, so instances,
   * snapshots, jobs and saved logins must all be loaded again (jobs are per account).
   */
  onInfo: (info: AppInfo, switched: boolean) => void;
  children: ComponentChildren;
};

/**
 * The connected accounts (the sandbox and any Aura accounts), which one is in use, and the dialogs
 * to connect and manage them. Re-reads the list when the window gets focus, so a key revoked in the
 * Aura console shows up without a restart.
 */
export function AccountsProvider({ onInfo, children }: AccountsProviderProps) {
  const backend = useBackend();
  const toast = useToast();
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const [connect, setConnect] = useState<ConnectPrefill | null>(null);
  const [manage, setManage] = useState(false);
  const activeRef = useRef<string | null>(null);
  const onInfoRef = useRef(onInfo);
  onInfoRef.current = onInfo;
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  /** Loads the list; resolves with the active id (or null when the list could not be read). */
  const load = useCallback(async (): Promise<string | null> => {
    try {
      const list = await backend.listAccounts();
      if (!mounted.current) return null;
      setAccounts(list.accounts);
      setActiveId(list.activeId);
      setError(null);
      activeRef.current = list.activeId;
      return list.activeId;
    } catch (reason) {
      if (mounted.current) setError(toAppError(reason));
      return null;
    }
  }, [backend]);

  const refresh = useCallback(() => void load(), [load]);

  useEffect(() => {
    void load();
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [load]);

  const afterChange = useCallback(
    async (reload = false) => {
      const before = activeRef.current;
      const after = await load();
      try {
        const info = await backend.appInfo();
        if (mounted.current) onInfoRef.current(info, reload || after !== before || after === null);
      } catch {
        // The header keeps the old name until the next change; nothing else depends on it.
      }
    },
    [backend, load],
  );

  const switchTo = useCallback(
    async (id: string) => {
      if (id === activeRef.current) return;
      setSwitching(id);
      try {
        const info = await backend.switchAccount(id);
        if (!mounted.current) return;
        activeRef.current = id;
        setActiveId(id);
        onInfoRef.current(info, true);
        toast.show({
          tone: 'success',
          message:
            info.mode === 'sandbox'
              ? 'Now showing the sandbox: practice data on this computer.'
              : `Now showing ${info.accountLabel}.`,
        });
        void load();
      } catch (reason) {
        toast.show({
          tone: 'error',
          message: `Still showing the same account: Lifeboat couldn't switch. ${toAppError(reason).message}`,
        });
      } finally {
        if (mounted.current) setSwitching(null);
      }
    },
    [backend, load, toast],
  );

  const openConnect = useCallback((prefill?: ConnectPrefill) => {
    setManage(false);
    setConnect(prefill ?? {});
  }, []);
  const openManage = useCallback(() => setManage(true), []);

  const api = useMemo<AccountsApi>(
    () => ({
      accounts,
      activeId,
      error,
      refresh,
      switchTo,
      switching,
      openConnect,
      openManage,
      afterChange,
    }),
    [accounts, activeId, error, refresh, switchTo, switching, openConnect, openManage, afterChange],
  );

  return (
    <AccountsContext.Provider value={api}>
      {children}
      {manage && <AccountsDialog onClose={() => setManage(false)} />}
      {connect && (
        <ConnectDialog
          prefill={connect}
          onClose={() => setConnect(null)}
          onConnected={(account) => {
            setConnect(null);
            toast.show({
              tone: 'success',
              message: `Connected to ${accountName(account)}. Lifeboat now shows its instances.`,
            });
            void afterChange(true);
          }}
        />
      )}
    </AccountsContext.Provider>
  );
}
