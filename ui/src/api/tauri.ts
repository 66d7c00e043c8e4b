import { invoke } from '@tauri-apps/api/core';
import { type Backend, toAppError } from './backend';
import type { AppInfo, InstanceView } from './types';

/** Calls a shell command and turns any rejection into an `AppError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toAppError(reason);
  }
}

/** The real backend: Tauri commands over IPC. Works with `mockIPC` in tests. */
export function createTauriBackend(): Backend {
  return {
    appInfo: () => call<AppInfo>('app_info'),
    listInstances: () => call<InstanceView[]>('list_instances'),
    getInstance: (id) => call<InstanceView>('get_instance', { id }),
  };
}
