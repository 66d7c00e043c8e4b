import { Channel, invoke } from '@tauri-apps/api/core';
import { type Backend, toAppError } from './backend';
import type {
  Account,
  AccountList,
  AppInfo,
  CloneOptions,
  ClonePassword,
  DbLoginStatus,
  DeletedInstance,
  ExportEvent,
  ExportPlan,
  FileDropEvent,
  FileRestoreCost,
  FileRestorePlan,
  GraphImportPlan,
  HistoryEntry,
  HistoryReport,
  InstanceView,
  JobEvent,
  JobListener,
  JobStarted,
  JobState,
  RestorePlan,
  ResumableUpload,
  SnapshotTimeline,
  WatchedFolder,
} from './types';
import { toInspection } from './wire';

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

/** A path from a save command; null when the user cancelled the dialog. */
function savedPath(path: string | null): string | null {
  return typeof path === 'string' && path !== '' ? path : null;
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
    cancelJob: async (jobId) => {
      await call<null>('cancel_job', { jobId });
    },
    retryJob: (jobId, onUpdate) =>
      call<JobStarted>('retry_job', { jobId, onEvent: jobChannel(onUpdate) }),

    listHistory: (filter) => call<HistoryEntry[]>('list_history', { filter }),
    historyReport: (jobId) => call<HistoryReport>('history_report', { jobId }),
    exportHistory: async (format, filter) =>
      savedPath(await call<string | null>('export_history', { format, filter })),
    saveReport: async (jobId) => savedPath(await call<string | null>('save_report', { jobId })),
    startDrill: (instanceId, snapshotId, onUpdate) =>
      call<JobStarted>('start_drill', { instanceId, snapshotId, onEvent: jobChannel(onUpdate) }),
    deleteDrillInstance: (jobId) => call<DeletedInstance>('delete_drill_instance', { jobId }),

    exportGraph: async (instanceId, onUpdate) =>
      (await call<JobStarted | null>('export_graph', {
        instanceId,
        onEvent: jobChannel(onUpdate),
      })) ?? null,
    chooseGraphFile: async () => {
      const path = await call<string | null>('choose_graph_file');
      return typeof path === 'string' && path !== '' ? path : null;
    },
    prepareGraphImport: (instanceId, path) =>
      call<GraphImportPlan>('prepare_graph_import', { instanceId, path }),
    importGraph: ({ token, safetySnapshot, reason }, onUpdate) =>
      call<JobStarted>('import_graph', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),

    planSnapshotExport: (instanceId, snapshotId) =>
      call<ExportPlan>('plan_snapshot_export', { instanceId, snapshotId }),
    watchSnapshotExport: async (sessionId, onEvent) => {
      const channel = new Channel<ExportEvent>((message) => {
        if (message && typeof message.event === 'string' && message.data) onEvent(message);
      });
      await call<null>('watch_snapshot_export', { sessionId, onEvent: channel });
    },
    openExportConsole: async (sessionId) => {
      await call<null>('open_export_console', { sessionId });
    },
    addExportFolder: async (sessionId) =>
      (await call<WatchedFolder[] | null>('add_export_folder', { sessionId })) ?? null,
    saveSnapshotExport: async (sessionId, candidateId, removeDownload, onUpdate) =>
      (await call<JobStarted | null>('save_snapshot_export', {
        sessionId,
        candidateId,
        removeDownload,
        onEvent: jobChannel(onUpdate),
      })) ?? null,
    closeSnapshotExport: async (sessionId) => {
      await call<null>('close_snapshot_export', { sessionId });
    },

    subscribeFileDrops: async (onEvent) => {
      const channel = new Channel<FileDropEvent>((message) => {
        if (message && Array.isArray(message.data?.paths)) onEvent(message);
      });
      await call<null>('subscribe_file_drops', { onEvent: channel });
    },
    chooseBackupFile: async () => {
      const path = await call<string | null>('choose_backup_file');
      return typeof path === 'string' && path !== '' ? path : null;
    },
    inspectFile: async (path, instanceId) =>
      toInspection(await call<unknown>('inspect_file', { path, instanceId }), path),
    fileRestoreCost: (instanceId, backupTime) =>
      call<FileRestoreCost>('file_restore_cost', { instanceId, backupTime }),
    prepareFileRestore: (instanceId, path) =>
      call<FileRestorePlan>('prepare_file_restore', { instanceId, path }),
    restoreFromFile: ({ token, safetySnapshot, reason }, onUpdate) =>
      call<JobStarted>('restore_from_file', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),
    listResumableUploads: () => call<ResumableUpload[]>('list_resumable_uploads'),
    resumeUpload: (uploadId, onUpdate) =>
      call<JobStarted>('resume_upload', { uploadId, onEvent: jobChannel(onUpdate) }),
    discardUpload: async (uploadId) => {
      await call<null>('discard_upload', { uploadId });
    },

    listAccounts: () => call<AccountList>('list_accounts'),
    connectAccount: ({ label, clientId, clientSecret, sessionOnly }) =>
      call<Account>('connect_account', { label, clientId, clientSecret, sessionOnly }),
    switchAccount: (id) => call<AppInfo>('switch_account', { id }),
    renameAccount: (id, label) => call<Account>('rename_account', { id, label }),
    disconnectAccount: async (id) => {
      await call<null>('disconnect_account', { id });
    },
    dbLoginStatus: (instanceId) => call<DbLoginStatus>('db_login_status', { instanceId }),
    saveDbLogin: ({ instanceId, user, password, sessionOnly }) =>
      call<DbLoginStatus>('save_db_login', { instanceId, user, password, sessionOnly }),
    forgetDbLogin: async (instanceId) => {
      await call<null>('forget_db_login', { instanceId });
    },
  };
}
