import { Channel, invoke } from '@tauri-apps/api/core';
import { type Backend, toAppError } from './backend';
import type {
  AppInfo,
  CloneOptions,
  ClonePassword,
  InstanceView,
  JobEvent,
  JobListener,
  JobStarted,
  JobState,
  RestorePlan,
  SnapshotTimeline,
} from './types';

/** Calls a shell command and turns any rejection into an `AppError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toAppError(reason);
  }
}

/** A channel for a job's events that hands each whole state to `onUpdate`. */
function jobChannel(onUpdate: JobListener): Channel<JobEvent> {
  return new Channel<JobEvent>((message) => {
    if (message?.event === 'update' && message.data) onUpdate(message.data);
  });
}

/** The real backend: Tauri commands over IPC. Works with `mockIPC` in tests. */
export function createTauriBackend(): Backend {
  return {
    appInfo: () => call<AppInfo>('app_info'),
    listInstances: () => call<InstanceView[]>('list_instances'),
    getInstance: (id) => call<InstanceView>('get_instance', { id }),

    listSnapshots: (instanceId, refresh) =>
      call<SnapshotTimeline>('list_snapshots', { instanceId, refresh }),
    takeSnapshot: (instanceId, onUpdate) =>
      call<JobStarted>('take_snapshot', { instanceId, onEvent: jobChannel(onUpdate) }),
    prepareRestore: (instanceId, snapshotId) =>
      call<RestorePlan>('prepare_restore', { instanceId, snapshotId }),
    restoreSnapshot: ({ token, safetySnapshot, reason }, onUpdate) =>
      call<JobStarted>('restore_snapshot', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),
    cloneOptions: (instanceId) => call<CloneOptions>('clone_options', { instanceId }),
    cloneSnapshot: ({ instanceId, snapshotId, name, tier, memory }, onUpdate) =>
      call<JobStarted>('clone_snapshot', {
        instanceId,
        snapshotId,
        name,
        tier,
        memory,
        onEvent: jobChannel(onUpdate),
      }),
    revealClonePassword: (jobId) => call<ClonePassword>('reveal_clone_password', { jobId }),
    listJobs: () => call<JobState[]>('list_jobs'),
    watchJob: (jobId, onUpdate) =>
      call<JobState>('watch_job', { jobId, onEvent: jobChannel(onUpdate) }),
  };
}
