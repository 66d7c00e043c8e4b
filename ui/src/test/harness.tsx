import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { BackendProvider, createTauriBackend } from '../api';
import { ToastProvider } from '../components';
import { DbLoginsProvider } from '../features/accounts';
import { FileDropProvider } from '../features/files';
import { JobsProvider } from '../features/jobs';
import { type CommandHandlers, mockCommands } from './ipc';

/**
 * Renders `ui` with the real Tauri backend over a mocked IPC (one handler per command, recorded),
 * plus the providers the app puts around every feature (toasts, file drops, jobs, saved logins).
 * `list_jobs` answers `[]` and `subscribe_file_drops` `null` unless given.
 */
export function renderWithShell(ui: ComponentChildren, handlers: CommandHandlers) {
  const calls = mockCommands({
    list_jobs: () => [],
    subscribe_file_drops: () => null,
    ...handlers,
  });
  const view = render(
    <BackendProvider backend={createTauriBackend()}>
      <ToastProvider>
        <FileDropProvider>
          <JobsProvider>
            <DbLoginsProvider>{ui}</DbLoginsProvider>
          </JobsProvider>
        </FileDropProvider>
      </ToastProvider>
    </BackendProvider>,
  );
  return { calls, view };
}
