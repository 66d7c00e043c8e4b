import type {
  AccountList,
  AccountView,
  AppInfo,
  CloneOptions,
  CredentialsFileView,
  DeletedInstance,
  ExportPlan,
  FileRestoreCost,
  FileRestorePlan,
  GraphImportPlan,
  HistoryEntry,
  HistoryReport,
  Inspection,
  Installed,
  InstanceView,
  JobStarted,
  JobState,
  LoginStatus,
  Objectives,
  ObjectivesSaved,
  Readiness,
  RestorePlan,
  ResumableView,
  RevealedLogin,
  ScheduleSaved,
  ScheduleView,
  SnapshotTimeline,
  WatchedFolder,
} from './generated/wire';

/**
 * What each shell command (src-tauri/src, `#[tauri::command]`) answers, by name. The types are the
 * generated ones; this table is what ts-rs cannot see — which command returns which type. The Tauri
 * transport calls commands through it, and the tests' IPC mock types every reply with it, so a
 * fixture cannot drift from what the shell sends. `null` is a command that returns nothing.
 */
export type CommandReplies = {
  app_info: AppInfo;
  list_instances: InstanceView[];
  get_instance: InstanceView;
  list_snapshots: SnapshotTimeline;
  take_snapshot: JobStarted;
  prepare_restore: RestorePlan;
  restore_snapshot: JobStarted;
  clone_options: CloneOptions;
  clone_snapshot: JobStarted;
  reveal_clone_password: RevealedLogin;
  list_jobs: JobState[];
  watch_job: JobState;
  retry_job: JobStarted;
  cancel_job: null;
  list_history: HistoryEntry[];
  history_report: HistoryReport;
  export_history: string | null;
  save_report: string | null;
  start_drill: JobStarted;
  delete_drill_instance: DeletedInstance;
  export_graph: JobStarted | null;
  choose_graph_file: string | null;
  prepare_graph_import: GraphImportPlan;
  import_graph: JobStarted;
  plan_snapshot_export: ExportPlan;
  watch_snapshot_export: null;
  open_export_console: null;
  add_export_folder: WatchedFolder[] | null;
  save_snapshot_export: JobStarted | null;
  close_snapshot_export: null;
  subscribe_file_drops: null;
  choose_backup_file: string | null;
  inspect_file: Inspection;
  file_restore_cost: FileRestoreCost;
  prepare_file_restore: FileRestorePlan;
  restore_from_file: JobStarted;
  list_resumable_uploads: ResumableView[];
  resume_upload: JobStarted;
  discard_upload: null;
  list_accounts: AccountList;
  connect_account: AccountView;
  read_credentials_file: CredentialsFileView;
  connect_account_from_file: AccountView;
  delete_credentials_file: string;
  forget_credentials_file: null;
  choose_credentials_file: string | null;
  switch_account: AppInfo;
  rename_account: AccountView;
  disconnect_account: null;
  db_login_status: LoginStatus;
  save_db_login: LoginStatus;
  forget_db_login: null;
  get_objectives: Objectives | null;
  set_objectives: ObjectivesSaved;
  get_readiness: Readiness;
  list_schedules: ScheduleView[];
  add_schedule: ScheduleSaved;
  set_schedule_unattended: ScheduleSaved;
  remove_schedule: Installed | null;
  run_schedule: JobStarted;
  choose_copies_folder: string | null;
};

export type CommandName = keyof CommandReplies;
