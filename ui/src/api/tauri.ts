import { Channel, invoke } from '@tauri-apps/api/core';
import { type Backend, toAppError } from './backend';
import type { CommandName, CommandReplies } from './commands';
import type { ExportEvent, FileDropEvent, JobEvent, JobListener } from './types';

/** Calls a shell command and turns any rejection into an `AppError`. */
async function call<K extends CommandName>(
  command: K,
  args?: Record<string, unknown>,
): Promise<CommandReplies[K]> {
  try {
    return await invoke<CommandReplies[K]>(command, args);
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
    appInfo: () => call('app_info'),
    listInstances: () => call('list_instances'),
    getInstance: (id) => call('get_instance', { id }),

    listSnapshots: (instanceId, refresh) => call('list_snapshots', { instanceId, refresh }),
    takeSnapshot: (instanceId, onUpdate) =>
      call('take_snapshot', { instanceId, onEvent: jobChannel(onUpdate) }),
    prepareRestore: (instanceId, snapshotId) => call('prepare_restore', { instanceId, snapshotId }),
    restoreSnapshot: ({ token, safetySnapshot, reason }, onUpdate) =>
      call('restore_snapshot', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),
    cloneOptions: (instanceId) => call('clone_options', { instanceId }),
    cloneSnapshot: ({ instanceId, snapshotId, name, tier, memory }, onUpdate) =>
      call('clone_snapshot', {
        instanceId,
        snapshotId,
        name,
        tier,
        memory,
        onEvent: jobChannel(onUpdate),
      }),
    revealClonePassword: (jobId) => call('reveal_clone_password', { jobId }),
    listJobs: () => call('list_jobs'),
    watchJob: (jobId, onUpdate) => call('watch_job', { jobId, onEvent: jobChannel(onUpdate) }),
    cancelJob: async (jobId) => {
      await call('cancel_job', { jobId });
    },
    retryJob: (jobId, onUpdate) => call('retry_job', { jobId, onEvent: jobChannel(onUpdate) }),

    listHistory: (filter) => call('list_history', { filter }),
    historyReport: (jobId) => call('history_report', { jobId }),
    exportHistory: async (format, filter) =>
      savedPath(await call('export_history', { format, filter })),
    saveReport: async (jobId) => savedPath(await call('save_report', { jobId })),
    startDrill: (instanceId, snapshotId, onUpdate) =>
      call('start_drill', { instanceId, snapshotId, onEvent: jobChannel(onUpdate) }),
    deleteDrillInstance: (jobId) => call('delete_drill_instance', { jobId }),

    exportGraph: async (instanceId, onUpdate) =>
      (await call('export_graph', {
        instanceId,
        onEvent: jobChannel(onUpdate),
      })) ?? null,
    chooseGraphFile: async () => {
      const path = await call('choose_graph_file');
      return typeof path === 'string' && path !== '' ? path : null;
    },
    prepareGraphImport: (instanceId, path) => call('prepare_graph_import', { instanceId, path }),
    importGraph: ({ token, safetySnapshot, reason }, onUpdate) =>
      call('import_graph', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),

    planSnapshotExport: (instanceId, snapshotId) =>
      call('plan_snapshot_export', { instanceId, snapshotId }),
    watchSnapshotExport: async (sessionId, onEvent) => {
      const channel = new Channel<ExportEvent>((message) => {
        if (message && typeof message.event === 'string' && message.data) onEvent(message);
      });
      await call('watch_snapshot_export', { sessionId, onEvent: channel });
    },
    openExportConsole: async (sessionId) => {
      await call('open_export_console', { sessionId });
    },
    addExportFolder: async (sessionId) => (await call('add_export_folder', { sessionId })) ?? null,
    saveSnapshotExport: async (sessionId, candidateId, removeDownload, onUpdate) =>
      (await call('save_snapshot_export', {
        sessionId,
        candidateId,
        removeDownload,
        onEvent: jobChannel(onUpdate),
      })) ?? null,
    closeSnapshotExport: async (sessionId) => {
      await call('close_snapshot_export', { sessionId });
    },

    subscribeFileDrops: async (onEvent) => {
      const channel = new Channel<FileDropEvent>((message) => {
        if (message && Array.isArray(message.data?.paths)) onEvent(message);
      });
      await call('subscribe_file_drops', { onEvent: channel });
    },
    chooseBackupFile: async () => {
      const path = await call('choose_backup_file');
      return typeof path === 'string' && path !== '' ? path : null;
    },
    inspectFile: (path, instanceId) => call('inspect_file', { path, instanceId }),
    fileRestoreCost: (instanceId, backupTime) =>
      call('file_restore_cost', { instanceId, backupTime }),
    prepareFileRestore: (instanceId, path) => call('prepare_file_restore', { instanceId, path }),
    restoreFromFile: ({ token, safetySnapshot, reason }, onUpdate) =>
      call('restore_from_file', {
        token,
        safetySnapshot,
        reason,
        onEvent: jobChannel(onUpdate),
      }),
    listResumableUploads: () => call('list_resumable_uploads'),
    resumeUpload: (uploadId, onUpdate) =>
      call('resume_upload', { uploadId, onEvent: jobChannel(onUpdate) }),
    discardUpload: async (uploadId) => {
      await call('discard_upload', { uploadId });
    },

    listAccounts: () => call('list_accounts'),
    connectAccount: ({ label, clientId, clientSecret, sessionOnly }) =>
      call('connect_account', { label, clientId, clientSecret, sessionOnly }),
    readCredentialsFile: (path) => call('read_credentials_file', { path }),
    chooseCredentialsFile: async () => {
      const path = await call('choose_credentials_file');
      return typeof path === 'string' && path !== '' ? path : null;
    },
    connectAccountFromFile: ({ token, label, sessionOnly }) =>
      call('connect_account_from_file', { token, label, sessionOnly }),
    deleteCredentialsFile: (token) => call('delete_credentials_file', { token }),
    forgetCredentialsFile: async (token) => {
      await call('forget_credentials_file', { token });
    },
    switchAccount: (id) => call('switch_account', { id }),
    renameAccount: (id, label) => call('rename_account', { id, label }),
    disconnectAccount: async (id) => {
      await call('disconnect_account', { id });
    },
    dbLoginStatus: (instanceId) => call('db_login_status', { instanceId }),
    saveDbLogin: ({ instanceId, user, password, sessionOnly }) =>
      call('save_db_login', { instanceId, user, password, sessionOnly }),
    forgetDbLogin: async (instanceId) => {
      await call('forget_db_login', { instanceId });
    },

    getObjectives: (instanceId) => call('get_objectives', { instanceId }),
    setObjectives: (instanceId, change) => call('set_objectives', { instanceId, change }),
    getReadiness: (instanceId) => call('get_readiness', { instanceId }),
    listSchedules: (instanceId) => call('list_schedules', { instanceId }),
    addSchedule: (request) => call('add_schedule', { request }),
    setScheduleUnattended: (name, unattended) =>
      call('set_schedule_unattended', { name, unattended }),
    removeSchedule: (name) => call('remove_schedule', { name }),
    runSchedule: (name, onUpdate) => call('run_schedule', { name, onEvent: jobChannel(onUpdate) }),
    chooseCopiesFolder: async () => savedPath(await call('choose_copies_folder')),
  };
}
