import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { BackendProvider, createTauriBackend } from '../api';
import { ToastProvider } from '../components';
import { JobsProvider } from '../features/jobs';
import { type CommandHandler, mockCommands } from './ipc';

/**
 * Renders `ui` with the real Tauri backend over a mocked IPC (one handler per command, recorded),
 * plus the toast and job providers the app puts around every feature. `list_jobs` answers `[]`
 * unless given.
 */
export function renderWithShell(ui: ComponentChildren, handlers: Record<string, CommandHandler>) {
  const calls = mockCommands({ list_jobs: () => [], ...handlers });
  const view = render(
    <BackendProvider backend={createTauriBackend()}>
      <ToastProvider>
        <JobsProvider>{ui}</JobsProvider>
      </ToastProvider>
    </BackendProvider>,
  );
  return { calls, view };
}
