import type { AppError, AppInfo, InstanceView } from './types';

/**
 * Everything the UI may ask of the desktop shell. Components get an implementation through
 * `BackendProvider` (see `app/backend-context.ts`) and never import `@tauri-apps/*` themselves, so
 * the shell can change without touching features, and tests can swap the transport.
 *
 * Every method rejects with an {@link AppError}.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  listInstances(): Promise<InstanceView[]>;
  getInstance(id: string): Promise<InstanceView>;
}

const FALLBACK_MESSAGE =
  'Lifeboat could not finish this request. Nothing was changed. Please try again; if it keeps happening, restart the app.';

/** True when `value` already has the wire error shape `{ code, message, retryable }`. */
export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    typeof v.message === 'string' &&
    v.message.length > 0 &&
    typeof v.retryable === 'boolean'
  );
}

/**
 * Normalises anything a command may reject with into an {@link AppError}. The shell always sends the
 * wire shape, but the IPC layer itself can reject with a bare string (an unknown command, a missing
 * permission) or an `Error`; those are shown with a calm generic message and stay retryable.
 */
export function toAppError(reason: unknown): AppError {
  if (isAppError(reason)) {
    return { code: reason.code, message: reason.message, retryable: reason.retryable };
  }
  return { code: 'unexpected', message: FALLBACK_MESSAGE, retryable: true };
}
