/**
 * The shapes that cross the IPC boundary. They mirror the Rust shell's serde types one to one;
 * change both sides together.
 */

/** Whether the window talks to the built-in practice emulator or to a real Aura account. */
export type AppMode = 'sandbox' | 'account';

export type AppInfo = {
  mode: AppMode;
  /** Plain name of the account or project the app is signed in to ("Sandbox" in sandbox mode). */
  accountLabel: string;
  /** The Aura API base URL in use (the emulator's loopback address in sandbox mode). */
  apiUrl: string;
  appVersion: string;
};

/** How an instance's status should feel: drives the pill's colour and icon (never colour alone). */
export type StatusTone = 'ok' | 'busy' | 'paused' | 'error';

export type InstanceView = {
  id: string;
  name: string;
  tenantId: string;
  /** Raw API type: 'free-db' | 'professional-db' | 'business-critical' | 'enterprise-db' | … */
  tier: string;
  /** Human name of the tier computed by the engine, e.g. 'Business Critical'. */
  tierLabel: string;
  /** Major Neo4j version ('5', '4') or null when unknown. */
  version: string | null;
  /** Raw lowercase API status, e.g. 'running', 'restoring', 'loading failed'. */
  status: string;
  /** Plain words from the engine, e.g. 'Running', 'Restoring from a snapshot…'. */
  statusLabel: string;
  statusTone: StatusTone;
  cloudProvider: string;
  region: string | null;
  memory: string | null;
  storage: string | null;
  connectionUrl: string | null;
  /** RFC 3339 timestamp. */
  createdAt: string | null;
  /** Present only when the API reports them. */
  nodes: number | null;
  relationships: number | null;
};

/**
 * The one error shape every command rejects with. `message` is already written for the user:
 * show it as-is. `retryable` says whether offering "Try again" makes sense.
 */
export type AppError = {
  code: string;
  message: string;
  retryable: boolean;
};
