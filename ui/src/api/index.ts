/**
 * The UI's only door to the desktop shell. This folder is the one place that imports `@tauri-apps/*`;
 * features depend on the {@link Backend} interface and the plain types below.
 */
export type { Backend } from './backend';
export { isAppError, toAppError } from './backend';
export { BackendProvider, useBackend } from './context';
export { createTauriBackend } from './tauri';
export type {
  AppError,
  AppInfo,
  AppMode,
  CloneOptions,
  ClonePassword,
  CloneRequest,
  GraphCounts,
  InstanceView,
  JobEvent,
  JobKind,
  JobListener,
  JobOutcome,
  JobResult,
  JobStarted,
  JobState,
  JobStep,
  RestorePlan,
  RestoreRequest,
  SnapshotTimeline,
  SnapshotView,
  StatusTone,
  StepState,
} from './types';
