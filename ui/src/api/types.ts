/**
 * The shapes that cross the IPC boundary. Every reply, event and structured argument is generated
 * from the Rust types into `./generated/wire.ts` (see src-tauri/src/wire_types.rs) — never edit or
 * copy them here. This file adds only what the generated types cannot say: the UI's names for a few
 * of them, the argument bundles of the {@link Backend} methods, and listener signatures.
 */

import type {
  AccountView,
  Check,
  CommandError,
  ExportEvent,
  FileDropEvent,
  JobState,
  LoginStatus,
  Mode,
  Outcome,
  ResumableView,
  RevealedLogin,
  Step,
  Waiting,
} from './generated/wire';

export type * from './generated/wire';

/* ---------- The UI's names for generated types ---------- */

/**
 * The one error shape every command rejects with (a failed job's `error` has the same shape).
 * `message` is already written for the user: show it as-is. `retryable` says whether offering
 * "Try again" makes sense.
 */
export type AppError = CommandError;
/** Whether the window talks to the built-in practice emulator or to a real Aura account. */
export type AppMode = Mode;
export type Account = AccountView;
export type AccountKind = AccountView['kind'];
export type AccountStatus = AccountView['status'];
/** Where a secret is kept: the OS keyring, only in memory until the app closes, or built in. */
export type Persistence = AccountView['persistence'];
export type DbLoginStatus = LoginStatus;
/** The new instance's database credentials. Shown once; never stored by the UI. */
export type ClonePassword = RevealedLogin;
/** One line of a backup file's checklist: readable, complete, compatible, fits. */
export type InspectionCheck = Check;
export type JobStep = Step;
/** Why a job is waiting rather than moving on ("Checking with Aura…", a stall being retried). */
export type JobWaiting = Waiting;
export type JobOutcome = Outcome;
/** An upload that stopped part-way (the app was closed, the network dropped) and can go on. */
export type ResumableUpload = ResumableView;

/* ---------- Argument bundles of the Backend methods (the commands take them as separate arguments) ---------- */

export type RestoreRequest = {
  token: string;
  safetySnapshot: boolean;
  /** Free text for the history; null when the user gave none. */
  reason: string | null;
};

export type CloneRequest = {
  instanceId: string;
  snapshotId: string;
  name: string;
  tier: string;
  memory: string;
};

export type FileRestoreRequest = RestoreRequest;
export type GraphImportRequest = RestoreRequest;

export type ConnectRequest = {
  label: string;
  clientId: string;
  clientSecret: string;
  /** Keep the key in memory only (when the keyring is unavailable). */
  sessionOnly: boolean;
};

/** Connecting with a credentials file the shell read (`readCredentialsFile`): the secret stays in Rust. */
export type ConnectFromFileRequest = {
  token: string;
  label: string;
  sessionOnly: boolean;
};

export type DbLoginRequest = {
  instanceId: string;
  user: string;
  password: string;
  sessionOnly: boolean;
};

/* ---------- Listeners ---------- */

/** Receives a job's whole state after every change. */
export type JobListener = (job: JobState) => void;
export type FileDropListener = (event: FileDropEvent) => void;
export type ExportListener = (event: ExportEvent) => void;
