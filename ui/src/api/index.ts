/**
 * The UI's only door to the desktop shell. This folder is the one place that imports `@tauri-apps/*`;
 * features depend on the {@link Backend} interface and the plain types below.
 */
export type { Backend } from './backend';
export { isAppError, toAppError } from './backend';
export { BackendProvider, useBackend } from './context';
export { createTauriBackend } from './tauri';
export type {
  Account,
  AccountKind,
  AccountList,
  AccountStatus,
  AppError,
  AppInfo,
  AppMode,
  CloneOptions,
  ClonePassword,
  CloneRequest,
  ConnectRequest,
  DbLoginRequest,
  DbLoginStatus,
  DeletedInstance,
  ExportFormat,
  FileDropEvent,
  FileDropListener,
  FileRestorePlan,
  FileRestoreRequest,
  GraphCounts,
  HistoryEntry,
  HistoryFilter,
  HistoryReport,
  Inspection,
  InspectionCheck,
  InstanceView,
  JobEvent,
  JobKind,
  JobListener,
  JobOutcome,
  JobResult,
  JobStarted,
  JobState,
  JobStep,
  Persistence,
  RestorePlan,
  RestoreRequest,
  ResumableUpload,
  SnapshotTimeline,
  SnapshotView,
  StatusTone,
  StepState,
  TransferProgress,
} from './types';
export { baseName, toInspection } from './wire';
