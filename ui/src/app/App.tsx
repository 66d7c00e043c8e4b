import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type AppError,
  type AppInfo,
  type Backend,
  BackendProvider,
  toAppError,
  useBackend,
} from '../api';
import { ErrorNotice, ToastProvider } from '../components';
import { AccountsProvider, DbLoginsProvider, RevokedBanner } from '../features/accounts';
import { FileDropProvider } from '../features/files';
import { InstancesView } from '../features/instances';
import { JobsProvider } from '../features/jobs';
import { Header } from './Header';

/** The whole window. `backend` is the only way out to the shell (real IPC or a test double). */
export function App({ backend }: { backend: Backend }) {
  return (
    <BackendProvider backend={backend}>
      <ToastProvider>
        <FileDropProvider>
          <Shell />
        </FileDropProvider>
      </ToastProvider>
    </BackendProvider>
  );
}

function Shell() {
  const backend = useBackend();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [infoError, setInfoError] = useState<AppError | null>(null);
  const [ready, setReady] = useState(false);
  // Bumped when another account becomes active: everything below is loaded again for it.
  const [generation, setGeneration] = useState(0);

  const loadInfo = useCallback(() => {
    setInfoError(null);
    backend.appInfo().then(setInfo, (reason: unknown) => setInfoError(toAppError(reason)));
  }, [backend]);
  useEffect(() => loadInfo(), [loadInfo]);

  const onInfo = useCallback((next: AppInfo, switched: boolean) => {
    setInfo(next);
    setInfoError(null);
    if (switched) setGeneration((n) => n + 1);
  }, []);

  const markReady = useCallback(() => setReady(true), []);

  return (
    <AccountsProvider onInfo={onInfo}>
      <div
        class="app"
        data-testid="app"
        data-ready={ready ? 'true' : 'false'}
        data-mode={info?.mode ?? 'unknown'}
      >
        <Header info={info} />
        {info?.mode === 'sandbox' && (
          <div class="sandbox-banner" role="note" data-testid="sandbox-banner">
            <strong class="sandbox-banner__tag">Sandbox</strong>
            <span>Practice data on this computer. Nothing here touches a real database.</span>
          </div>
        )}
        <RevokedBanner />
        {infoError && (
          <div class="app__notice">
            <ErrorNotice
              error={infoError}
              title="Couldn't read Lifeboat's settings."
              onRetry={loadInfo}
              testId="app-info-error"
            />
          </div>
        )}
        {/* Jobs, saved logins, instances and snapshots belong to the account in use. */}
        <JobsProvider key={generation}>
          <DbLoginsProvider>
            <InstancesView onFirstLoad={markReady} />
          </DbLoginsProvider>
        </JobsProvider>
      </div>
    </AccountsProvider>
  );
}
