import type {
  Account,
  AccountList,
  AppError,
  AppInfo,
  CloneOptions,
  ClonePassword,
  CloneRequest,
  ConnectFromFileRequest,
  ConnectRequest,
  CredentialsFileView,
  DbLoginRequest,
  DbLoginStatus,
  DeletedInstance,
  ExportFormat,
  ExportListener,
  ExportPlan,
  FileDropListener,
  FileRestoreCost,
  FileRestorePlan,
  FileRestoreRequest,
  GraphImportPlan,
  GraphImportRequest,
  HistoryEntry,
  HistoryFilter,
  HistoryReport,
  Inspection,
  Installed,
  InstanceView,
  JobListener,
  JobStarted,
  JobState,
  Objectives,
  ObjectivesChange,
  ObjectivesSaved,
  Readiness,
  RestorePlan,
  RestoreRequest,
  ResumableUpload,
  ScheduleRequest,
  ScheduleSaved,
  ScheduleView,
  SnapshotTimeline,
  WatchedFolder,
} from './types';

/**
 * Everything the UI may ask of the desktop shell. Components get an implementation through
 * `BackendProvider` (see `app/backend-context.ts`) and never import `@tauri-apps/*` themselves, so
 * the shell can change without touching features, and tests can swap the transport.
 *
 * Every method rejects with an {@link AppError}.
 *
 * Long work runs as a job in the shell. The methods that start or watch one take an `onUpdate`
 * listener that receives the job's whole state after every change (the Tauri implementation feeds
 * it from a channel); updates can arrive before the returned promise settles.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  listInstances(): Promise<InstanceView[]>;
  getInstance(id: string): Promise<InstanceView>;

  /** Snapshots within the plan's retention window; `refresh` also re-reads days Aura may have changed. */
  listSnapshots(instanceId: string, refresh: boolean): Promise<SnapshotTimeline>;
  /** Starts an on-demand snapshot. */
  takeSnapshot(instanceId: string, onUpdate: JobListener): Promise<JobStarted>;
  /** Issues the one-time token a restore needs; call when the confirmation dialog opens. */
  prepareRestore(instanceId: string, snapshotId: string): Promise<RestorePlan>;
  /** Restores over the instance. Rejects with code 'confirmation-required' for a missing, used or expired token. */
  restoreSnapshot(request: RestoreRequest, onUpdate: JobListener): Promise<JobStarted>;
  /** Plans, sizes and a default name for a new instance made from a snapshot. */
  cloneOptions(instanceId: string): Promise<CloneOptions>;
  /** Creates a new instance from an exportable snapshot. */
  cloneSnapshot(request: CloneRequest, onUpdate: JobListener): Promise<JobStarted>;
  /** The new instance's credentials: works once, then rejects with code 'already-shown'. */
  revealClonePassword(jobId: string): Promise<ClonePassword>;
  /** Recent jobs, newest first, including unfinished ones. */
  listJobs(): Promise<JobState[]>;
  /** The job's state now; later changes go to `onUpdate`. */
  watchJob(jobId: string, onUpdate: JobListener): Promise<JobState>;
  /** Asks a running job to stop. Its last update says how it ended. */
  cancelJob(jobId: string): Promise<void>;
  /** Starts again a job Aura was found not to have started (error code 'not-started'). */
  retryJob(jobId: string, onUpdate: JobListener): Promise<JobStarted>;

  /* ----- History, reports and restore tests ----- */

  /** Finished operations of the account in use, newest first. */
  listHistory(filter: HistoryFilter): Promise<HistoryEntry[]>;
  /** One operation's Markdown report and the messages to colleagues before and after. */
  historyReport(jobId: string): Promise<HistoryReport>;
  /** Saves the (filtered) history through the native save dialog; the path, or null when cancelled. */
  exportHistory(format: ExportFormat, filter: HistoryFilter): Promise<string | null>;
  /** Saves one report through the native save dialog; the path, or null when cancelled. */
  saveReport(jobId: string): Promise<string | null>;
  /** Starts a restore test: a temporary new instance from an exportable snapshot, timed and checked. */
  startDrill(instanceId: string, snapshotId: string, onUpdate: JobListener): Promise<JobStarted>;
  /** Deletes the temporary instance of a finished restore test (only the one it made). */
  deleteDrillInstance(jobId: string): Promise<DeletedInstance>;

  /* ----- Data export and import (a logical copy of nodes and relationships) ----- */

  /**
   * Asks where to save an export of the instance (native save dialog), then starts it as a
   * 'graph-export' job; null when the dialog was cancelled.
   */
  exportGraph(instanceId: string, onUpdate: JobListener): Promise<JobStarted | null>;
  /** The native "open file" dialog for a data export; null when the user cancelled it. */
  chooseGraphFile(): Promise<string | null>;
  /** Reads the file's header and issues the one-time token an import needs; call when the confirmation opens. */
  prepareGraphImport(instanceId: string, path: string): Promise<GraphImportPlan>;
  /** Replaces the instance's data with the file's, as a 'graph-import' job. Needs the token. */
  importGraph(request: GraphImportRequest, onUpdate: JobListener): Promise<JobStarted>;

  /* ----- Guided snapshot export (Aura's API has no download: the console exports) ----- */

  /** Checks Aura exports the snapshot and starts watching the Downloads folder from now on. */
  planSnapshotExport(instanceId: string, snapshotId: string): Promise<ExportPlan>;
  /** Downloads under way and new backup files (inspected) go to `onEvent` until the export closes. */
  watchSnapshotExport(sessionId: string, onEvent: ExportListener): Promise<void>;
  /** Opens the console page of the export in the default browser. */
  openExportConsole(sessionId: string): Promise<void>;
  /** Asks for another folder to watch; the folders now watched, or null when cancelled. */
  addExportFolder(sessionId: string): Promise<WatchedFolder[] | null>;
  /**
   * Asks where to keep a found file (native save dialog), then copies it there as a
   * 'snapshot-export' job; null when the dialog was cancelled.
   */
  saveSnapshotExport(
    sessionId: string,
    candidateId: string,
    removeDownload: boolean,
    onUpdate: JobListener,
  ): Promise<JobStarted | null>;
  /** Stops watching (the dialog closed). A copy already started goes on. */
  closeSnapshotExport(sessionId: string): Promise<void>;

  /* ----- Restore from a backup file ----- */

  /** Files dragged over and dropped on the window (the OS drop; the webview never sees the paths). */
  subscribeFileDrops(onEvent: FileDropListener): Promise<void>;
  /** The native "open file" dialog; null when the user cancelled it. */
  chooseBackupFile(): Promise<string | null>;
  /** Reads a backup file (never changes it) and checks it against the instance. */
  inspectFile(path: string, instanceId: string): Promise<Inspection>;
  /** What restoring the instance from a file whose data is from `backupTime` costs (for the file card). */
  fileRestoreCost(instanceId: string, backupTime: string | null): Promise<FileRestoreCost>;
  /** Issues the one-time token a restore from a file needs; call when the confirmation opens. */
  prepareFileRestore(instanceId: string, path: string): Promise<FileRestorePlan>;
  /** Uploads the file and loads it into the instance, as an 'upload' job. */
  restoreFromFile(request: FileRestoreRequest, onUpdate: JobListener): Promise<JobStarted>;
  /** Uploads that stopped part-way and can go on. */
  listResumableUploads(): Promise<ResumableUpload[]>;
  /** Goes on with a stopped upload; from then on it is a normal job. */
  resumeUpload(uploadId: string, onUpdate: JobListener): Promise<JobStarted>;
  /** Forgets a stopped upload (the user's file is not touched). */
  discardUpload(uploadId: string): Promise<void>;

  /* ----- Accounts and database logins ----- */

  listAccounts(): Promise<AccountList>;
  /** Checks the key with Aura, then saves it; the new account becomes the active one. */
  connectAccount(request: ConnectRequest): Promise<Account>;
  /**
   * Reads the credentials file the Aura console downloads with a new API key. The shell keeps the
   * secret; the reply holds a token, the file name, the client id and the key's name.
   */
  readCredentialsFile(path: string): Promise<CredentialsFileView>;
  /** The native "choose a file" dialog for a credentials file; null when cancelled. */
  chooseCredentialsFile(): Promise<string | null>;
  /** Checks and stores the key of a file read by `readCredentialsFile`, as `connectAccount` does. */
  connectAccountFromFile(request: ConnectFromFileRequest): Promise<Account>;
  /** Deletes that file, once its key is stored (only that file). Resolves with its name. */
  deleteCredentialsFile(token: string): Promise<string>;
  /** The dialog is done with the file: the shell lets go of what it read. */
  forgetCredentialsFile(token: string): Promise<void>;
  switchAccount(id: string): Promise<AppInfo>;
  renameAccount(id: string, label: string): Promise<Account>;
  /** Removes the key from the keyring. Nothing in Aura is touched. */
  disconnectAccount(id: string): Promise<void>;
  dbLoginStatus(instanceId: string): Promise<DbLoginStatus>;
  /** Checks the login with a query, then saves it. */
  saveDbLogin(request: DbLoginRequest): Promise<DbLoginStatus>;
  forgetDbLogin(instanceId: string): Promise<void>;

  /* ----- Backup strategy: objectives, readiness, scheduled copies ----- */

  /** The instance's recovery objectives; null when none are set. */
  getObjectives(instanceId: string): Promise<Objectives | null>;
  /** Keeps, sets or clears each objective; the change is recorded in the history. */
  setObjectives(instanceId: string, change: ObjectivesChange): Promise<ObjectivesSaved>;
  /** Could the instance be recovered within its objectives now? Four checks, each with its fix. */
  getReadiness(instanceId: string): Promise<Readiness>;
  /** The instance's copy schedules with their last and next run. */
  listSchedules(instanceId: string): Promise<ScheduleView[]>;
  /** Saves a copy schedule (and, when asked and possible, the system scheduler's entry). */
  addSchedule(request: ScheduleRequest): Promise<ScheduleSaved>;
  /** Turns "make copies with Lifeboat closed" on or off (writes the system scheduler's entry). */
  setScheduleUnattended(name: string, unattended: boolean): Promise<ScheduleSaved>;
  /** Removes a schedule; its copies stay. The system scheduler's entry as it now is, when it changed. */
  removeSchedule(name: string): Promise<Installed | null>;
  /** Makes a schedule's copy now, as a 'scheduled-copy' job. */
  runSchedule(name: string, onUpdate: JobListener): Promise<JobStarted>;
  /** The native "choose a folder" dialog for the copies; null when cancelled. */
  chooseCopiesFolder(): Promise<string | null>;
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
