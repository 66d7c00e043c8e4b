import { type ComponentChildren, createContext, type TargetedEvent } from 'preact';
import { useCallback, useContext, useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import {
  type AppError,
  type DbLoginRequest,
  type DbLoginStatus,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, ErrorNotice, useToast } from '../../components';
import { dbLoginText } from '../../lib/accounts';

type Entry = { status: DbLoginStatus | null; error: AppError | null };

type DbLoginsApi = {
  entries: ReadonlyMap<string, Entry>;
  load(instanceId: string, force?: boolean): void;
  save(request: DbLoginRequest): Promise<DbLoginStatus>;
  forget(instanceId: string): Promise<void>;
};

const DbLoginsContext = createContext<DbLoginsApi | null>(null);

/**
 * Whether each instance has a saved database login (user name and password for queries: counts
 * before and after, loading a file). Shared, so the instance details and the file restore agree.
 * Never holds a password.
 */
export function DbLoginsProvider({ children }: { children: ComponentChildren }) {
  const backend = useBackend();
  const [entries, setEntries] = useState<ReadonlyMap<string, Entry>>(() => new Map());
  const inFlight = useRef(new Set<string>());
  const known = useRef(entries);
  known.current = entries;
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const put = useCallback((instanceId: string, entry: Entry) => {
    if (!mounted.current) return;
    setEntries((current) => new Map(current).set(instanceId, entry));
  }, []);

  const load = useCallback(
    (instanceId: string, force = false) => {
      if (inFlight.current.has(instanceId)) return;
      if (!force && known.current.get(instanceId)?.status) return;
      inFlight.current.add(instanceId);
      backend.dbLoginStatus(instanceId).then(
        (status) => {
          inFlight.current.delete(instanceId);
          put(instanceId, { status, error: null });
        },
        (reason: unknown) => {
          inFlight.current.delete(instanceId);
          put(instanceId, { status: null, error: toAppError(reason) });
        },
      );
    },
    [backend, put],
  );

  const save = useCallback(
    async (request: DbLoginRequest) => {
      const status = await backend.saveDbLogin(request);
      put(request.instanceId, { status, error: null });
      return status;
    },
    [backend, put],
  );

  const forget = useCallback(
    async (instanceId: string) => {
      await backend.forgetDbLogin(instanceId);
      put(instanceId, { status: { saved: false, user: null, persistence: null }, error: null });
    },
    [backend, put],
  );

  const api = useMemo<DbLoginsApi>(
    () => ({ entries, load, save, forget }),
    [entries, load, save, forget],
  );
  return <DbLoginsContext.Provider value={api}>{children}</DbLoginsContext.Provider>;
}

export type DbLogin = {
  /** null while checking, or when the check failed. */
  status: DbLoginStatus | null;
  error: AppError | null;
  retry(): void;
  save(request: Omit<DbLoginRequest, 'instanceId'>): Promise<DbLoginStatus>;
  forget(): Promise<void>;
};

/** The saved-login state of one instance; asks the shell once per instance. */
export function useDbLogin(instanceId: string): DbLogin {
  const api = useContext(DbLoginsContext);
  if (!api) throw new Error('useDbLogin() needs a <DbLoginsProvider> above it');
  const { load, save, forget } = api;
  useEffect(() => load(instanceId), [load, instanceId]);
  const entry = api.entries.get(instanceId);
  return {
    status: entry?.status ?? null,
    error: entry?.error ?? null,
    retry: () => load(instanceId, true),
    save: (request) => save({ ...request, instanceId }),
    forget: () => forget(instanceId),
  };
}

export type DbLoginFormProps = {
  instance: { id: string; name: string };
  /** Why Lifeboat asks, in a sentence. */
  intro?: ComponentChildren;
  onSaved?: (status: DbLoginStatus) => void;
  /** Extra buttons next to Save (e.g. Cancel in a dialog). */
  actions?: ComponentChildren;
  /** Leave out the form's own heading (a dialog already names it). */
  hideTitle?: boolean;
};

/**
 * Asks for an instance's database user name and password. The shell tries them with a query before
 * saving, so a typo is caught now and not halfway through a restore. The password stays in the
 * field only (never in state) and is cleared after every attempt except "keyring unavailable",
 * which offers "Use for this session only" and sends it again.
 */
export function DbLoginForm({
  instance,
  intro,
  onSaved,
  actions,
  hideTitle = false,
}: DbLoginFormProps) {
  const login = useDbLogin(instance.id);
  const formId = useId();
  const passwordRef = useRef<HTMLInputElement>(null);
  const [user, setUser] = useState('neo4j');
  const [hasPassword, setHasPassword] = useState(false);
  const [offerSession, setOfferSession] = useState(false);
  const [sessionOnly, setSessionOnly] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const clearPassword = () => {
    if (passwordRef.current) passwordRef.current.value = '';
    setHasPassword(false);
  };
  // Nothing typed outlives the form.
  useEffect(
    () => () => {
      if (passwordRef.current) passwordRef.current.value = '';
    },
    [],
  );

  const ready = user.trim() !== '' && hasPassword;

  const submit = async (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    const password = passwordRef.current?.value ?? '';
    if (!ready || saving || password === '') return;
    setSaving(true);
    setError(null);
    try {
      const status = await login.save({
        user: user.trim(),
        password,
        sessionOnly: offerSession && sessionOnly,
      });
      clearPassword();
      setSaving(false);
      onSaved?.(status);
    } catch (reason) {
      const failure = toAppError(reason);
      if (failure.code === 'keyring-unavailable') setOfferSession(true);
      else clearPassword();
      setError(failure);
      setSaving(false);
    }
  };

  return (
    <form
      class="form db-login"
      data-testid="db-login-form"
      aria-label={`Database login for ${instance.name}`}
      onSubmit={(event) => void submit(event)}
    >
      {!hideTitle && <p class="db-login__title">Database login for {instance.name}</p>}
      {intro && <p class="field__hint">{intro}</p>}
      <div class="field-row">
        <div class="field">
          <label for={`${formId}-user`}>User name</label>
          <input
            id={`${formId}-user`}
            type="text"
            value={user}
            autocomplete="off"
            spellcheck={false}
            onInput={(event) => setUser(event.currentTarget.value)}
            data-testid="db-login-user"
          />
        </div>
        <div class="field">
          <label for={`${formId}-password`}>Password</label>
          <input
            id={`${formId}-password`}
            ref={passwordRef}
            type="password"
            autocomplete="off"
            onInput={(event) => setHasPassword(event.currentTarget.value !== '')}
            data-testid="db-login-password"
          />
        </div>
      </div>
      <p class="field__hint">
        The password Aura showed when {instance.name} was created. Lifeboat tries it before saving.
      </p>
      {error && (
        <ErrorNotice
          error={error}
          title={
            error.code === 'keyring-unavailable'
              ? 'Lifeboat could not save the login in your keyring.'
              : 'The login was not saved.'
          }
          testId="db-login-error"
        />
      )}
      {offerSession && (
        <div class="field field--check">
          <label>
            <input
              type="checkbox"
              checked={sessionOnly}
              onChange={(event) => setSessionOnly(event.currentTarget.checked)}
              data-testid="db-login-session-only"
            />{' '}
            Use for this session only
          </label>
          <p class="field__hint">
            Lifeboat keeps the login in memory until it closes; next time it asks again.
          </p>
        </div>
      )}
      <div class="db-login__actions">
        {actions}
        <Button
          variant="primary"
          type="submit"
          disabled={!ready}
          loading={saving}
          data-testid="db-login-save"
        >
          {saving
            ? 'Checking the login…'
            : offerSession && sessionOnly
              ? 'Use for this session'
              : 'Save in my keyring'}
        </Button>
      </div>
    </form>
  );
}

/**
 * "Database login: Saved in your keyring (user neo4j) · Forget" or "Not saved · Add…", as a fact
 * in the instance details (a `<div class="fact">` for a `<dl class="facts">`).
 */
export function DbLoginFact({ instance }: { instance: { id: string; name: string } }) {
  const login = useDbLogin(instance.id);
  const toast = useToast();
  const [adding, setAdding] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  const { status, error } = login;

  const forget = async () => {
    setForgetting(true);
    try {
      await login.forget();
      toast.show({
        tone: 'success',
        message: `Lifeboat forgot the database login for ${instance.name}. Nothing in ${instance.name} was changed.`,
      });
    } catch (reason) {
      toast.show({
        tone: 'error',
        message: `The login for ${instance.name} is still saved. ${toAppError(reason).message}`,
      });
    } finally {
      setForgetting(false);
    }
  };

  return (
    <div class="fact">
      <dt class="fact__label">Database login</dt>
      <dd
        class="fact__value db-login-status"
        data-testid="db-login-status"
        data-saved={status ? String(status.saved) : 'unknown'}
      >
        {status ? (
          <>
            <span>{dbLoginText(status)}</span>
            {status.saved && status.persistence !== 'sandbox' && (
              <>
                <span aria-hidden="true"> · </span>
                <Button
                  size="small"
                  variant="ghost"
                  loading={forgetting}
                  onClick={() => void forget()}
                  data-testid="db-login-forget"
                >
                  Forget
                </Button>
              </>
            )}
            {!status.saved && (
              <>
                <span aria-hidden="true"> · </span>
                <Button
                  size="small"
                  variant="ghost"
                  onClick={() => setAdding(true)}
                  data-testid="db-login-add"
                >
                  Add…
                </Button>
              </>
            )}
          </>
        ) : error ? (
          <>
            <span>Couldn't check. {error.message}</span>{' '}
            {error.retryable && (
              <Button size="small" variant="ghost" onClick={login.retry}>
                Try again
              </Button>
            )}
          </>
        ) : (
          <span class="muted">Checking…</span>
        )}
        {adding && (
          <Dialog
            open
            title={`Database login for ${instance.name}`}
            description="Lifeboat uses it to count nodes and relationships before and after a restore, and to load backup files."
            onClose={() => setAdding(false)}
            closeOnBackdropClick={false}
            testId="db-login-dialog"
          >
            <DbLoginForm
              instance={instance}
              hideTitle
              onSaved={() => {
                setAdding(false);
                toast.show({
                  tone: 'success',
                  message: `Saved the database login for ${instance.name}.`,
                });
              }}
              actions={<Button onClick={() => setAdding(false)}>Cancel</Button>}
            />
          </Dialog>
        )}
      </dd>
    </div>
  );
}
