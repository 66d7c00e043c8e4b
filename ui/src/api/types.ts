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

/* ---------- Snapshots ---------- */

/** One snapshot, ready to display. Times are RFC 3339 UTC. */
export type SnapshotView = {
  id: string;
  instanceId: string;
  timestamp: string;
  /** Raw profile: 'Scheduled' | 'AdHoc' | something newer. */
  profile: string;
  /** 'Scheduled' | 'On-demand'. */
  profileLabel: string;
  /** Raw status: 'Pending' | 'InProgress' | 'Completed' | 'Failed'. */
  status: string;
  statusLabel: string;
  /** Can be exported or used for a new instance (hourly snapshots cannot). */
  exportable: boolean;
  /** Completed, so it can be restored. */
  restorable: boolean;
  expiresAt: string | null;
};

/** Every snapshot of an instance within its plan's retention window, newest first. */
export type SnapshotTimeline = {
  instanceId: string;
  tier: string;
  tierLabel: string;
  /** null for Free (keeps only the latest on-demand snapshot). */
  retentionDays: number | null;
  keepsOnlyLatest: boolean;
  /** The plan's schedule and retention in plain words. */
  scheduleSummary: string;
  daysCovered: number;
  fetchedAt: string;
  snapshots: SnapshotView[];
};

/** The one-time go-ahead for a restore, issued when the confirmation dialog opens. */
export type RestorePlan = {
  token: string;
  instanceId: string;
  instanceName: string;
  snapshotId: string;
  snapshotTime: string;
  expiresAt: string;
};

export type RestoreRequest = {
  token: string;
  safetySnapshot: boolean;
  /** Free text for the history; null when the user gave none. */
  reason: string | null;
};

export type CloneOptions = {
  tiers: { value: string; label: string }[];
  memories: string[];
  defaultTier: string;
  defaultMemory: string;
  defaultName: string;
};

export type CloneRequest = {
  instanceId: string;
  snapshotId: string;
  name: string;
  tier: string;
  memory: string;
};

/** The new instance's database credentials. Shown once; never stored by the UI. */
export type ClonePassword = {
  username: string;
  password: string;
};

/* ---------- Jobs (long-running work in the shell) ---------- */

/**
 * 'upload' is a restore from a backup file: checksum, upload, import, verify. 'drill' is a restore
 * test: a temporary new instance from a snapshot, timed and checked; the instance is not touched.
 * 'snapshot-export' keeps a snapshot downloaded from the console as a file: checked, copied
 * atomically, verified (size and CRC-32); nothing in Aura changes. 'graph-export' and
 * 'graph-import' are the logical copy of nodes and relationships through the Query API, to and
 * from a file (an import replaces all data in the instance).
 */
export type JobKind =
  | 'snapshot'
  | 'restore'
  | 'clone'
  | 'upload'
  | 'drill'
  | 'snapshot-export'
  | 'graph-export'
  | 'graph-import';
export type StepState = 'pending' | 'active' | 'done' | 'failed' | 'skipped';
export type JobOutcome = 'succeeded' | 'failed';

export type JobStep = {
  /** Stable id, e.g. 'safety-snapshot', 'restoring'. */
  id: string;
  label: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  /** Extra words: why it was skipped, what failed, a count. */
  detail: string | null;
};

export type GraphCounts = { nodes: number; relationships: number };

export type JobResult = {
  snapshotId: string | null;
  newInstanceId: string | null;
  countsBefore: GraphCounts | null;
  countsAfter: GraphCounts | null;
  /** The database answered the count before, but without numbers: not known (only the sandbox does this). */
  countsBeforeUnknown?: boolean;
  /** The same for the count after. */
  countsAfterUnknown?: boolean;
  /** Measured time of the operation itself (request → running). */
  durationSecs: number | null;
  /** Upload jobs: the user's file was checked again afterwards and is exactly as before. */
  fileUnchanged?: boolean;
  /** Restore tests: when the temporary instance was deleted through Lifeboat (null while it exists). */
  instanceDeletedAt?: string | null;
  /** Data exports and imports: the nodes and relationships in the file. */
  fileCounts?: GraphCounts | null;
  /** Data exports and imports: the file's content digest and size. */
  fileDigest?: string | null;
  fileBytes?: number | null;
};

/** How many nodes or relationships the step in progress has done (data exports and imports). */
export type ItemProgress = {
  done: number;
  /** null when not known. */
  total: number | null;
  /** What is counted, in words: 'nodes', 'relationships', 'nodes deleted'. */
  unit: string;
};

/** How far a transfer has got, for the step in progress (upload jobs). */
export type TransferProgress = {
  bytesDone: number;
  bytesTotal: number;
  /** null until there is a measured speed. */
  bytesPerSec: number | null;
  etaSecs: number | null;
  /** The time left is an estimate from the file's size, not from a measured speed. */
  estimate: boolean;
};

/** A job's whole state; the shell sends all of it on every change. */
export type JobState = {
  id: string;
  kind: JobKind;
  instanceId: string;
  instanceName: string;
  /** One line, e.g. "Restore Production to 21 Nov 11:00 UTC". */
  title: string;
  startedAt: string;
  finishedAt: string | null;
  steps: JobStep[];
  /** null while running. */
  outcome: JobOutcome | null;
  error: AppError | null;
  result: JobResult;
  /** Bytes moved in the step in progress, when it moves bytes (upload jobs). */
  progress?: TransferProgress | null;
  /** Nodes or relationships done in the step in progress (data exports and imports). */
  itemProgress?: ItemProgress | null;
  /** Snapshot exports: the download, where it is kept, and what the copy was checked against. */
  export?: ExportFile | null;
  /** Sent by the shell as well; the UI does not rely on them. */
  snapshotId?: string | null;
  snapshotTime?: string | null;
  dataLossSecs?: number | null;
  reason?: string | null;
};

/** What a job's channel carries. */
export type JobEvent = { event: 'update'; data: JobState };

/** Returned by every command that starts a job. */
export type JobStarted = { jobId: string };

/** Receives a job's whole state after every change. */
export type JobListener = (job: JobState) => void;

/* ---------- History, reports and restore tests ---------- */

/** One finished operation as the history keeps it. Times are RFC 3339 UTC. */
export type HistoryEntry = {
  jobId: string;
  kind: JobKind;
  /** The instance it was done to (for a new instance or a restore test: the source). */
  instanceId: string;
  instanceName: string;
  title: string;
  startedAt: string;
  finishedAt: string;
  /** Start to end, everything included. */
  totalSecs: number;
  /** Measured time of the operation itself (request → running): the time to restore. */
  durationSecs: number | null;
  outcome: JobOutcome;
  error: AppError | null;
  reason: string | null;
  snapshotId: string | null;
  /** The last data point a restore keeps. */
  snapshotTime: string | null;
  /** Changes lost by a restore, in seconds. */
  dataLossSecs: number | null;
  /** Restores: Aura began replacing the data (false: it stopped before, nothing was changed). */
  overwritten: boolean | null;
  safetySnapshotId: string | null;
  /** New instance or restore test: the instance made. */
  newInstanceId: string | null;
  /** Restore tests: when the temporary instance was deleted through Lifeboat. */
  instanceDeletedAt: string | null;
  countsBefore: GraphCounts | null;
  countsAfter: GraphCounts | null;
  /** The database answered the count, but without numbers: not known (see JobResult). */
  countsBeforeUnknown?: boolean;
  countsAfterUnknown?: boolean;
  /** Why the data could not be counted afterwards, when it could not. */
  verificationNote: string | null;
  fileName: string | null;
  requestIds: string[];
  /** Snapshot exports: the whole path of the verified copy. */
  savedPath?: string | null;
  savedBytes?: number | null;
  /** 8 hex digits, the same as the download's. */
  savedCrc32?: string | null;
  /** Data exports and imports: the file's whole path, and what it holds. */
  filePath?: string | null;
  fileCounts?: GraphCounts | null;
};

/** Which history entries to list; null (or absent) means any. */
export type HistoryFilter = {
  kind: JobKind | null;
  instanceId: string | null;
  outcome: JobOutcome | null;
};

export type ExportFormat = 'markdown' | 'csv';

/** One operation's report (Markdown) and two messages to colleagues, ready to copy. */
export type HistoryReport = {
  markdown: string;
  messages: { before: string; after: string };
};

/** The temporary instance of a restore test, deleted. */
export type DeletedInstance = {
  instanceId: string;
  requestId: string | null;
};

/* ---------- Restore from a backup file ---------- */

/** What the shell reports about files dropped on the window. */
export type FileDropEvent = {
  event: 'hover' | 'drop' | 'cancel';
  data: { paths: string[] };
};

export type FileDropListener = (event: FileDropEvent) => void;

/** One line of a backup file's checklist: readable, complete, compatible, fits. */
export type InspectionCheck = {
  id: string;
  /** null: not checked (e.g. an earlier check failed). */
  ok: boolean | null;
  /** Plain words from the shell, shown as-is. */
  message: string;
};

/** What Lifeboat found in a backup file. The file itself is only read, never changed. */
export type Inspection = {
  path: string;
  fileName: string;
  fileSize: number;
  /** Raw format id, e.g. 'neo4j-backup', 'dump', 'tar'. */
  format: string;
  /** The format in words, e.g. 'Neo4j database dump'. */
  formatLabel: string;
  databaseName: string | null;
  /** RFC 3339. */
  backupTime: string | null;
  neo4jVersion: string | null;
  /** Size of the data once unpacked. */
  fullSize: number | null;
  compressed: boolean;
  checks: InspectionCheck[];
  /** The file can be restored into this instance. */
  canUpload: boolean;
  /** Why it cannot, in plain words. */
  problems: string[];
};

/** The one-time go-ahead for a restore from a file, issued when the confirmation dialog opens. */
export type FileRestorePlan = {
  token: string;
  instanceId: string;
  instanceName: string;
  path: string;
  fileName: string;
  fileSize: number;
  formatLabel: string;
  expiresAt: string;
};

export type FileRestoreRequest = {
  token: string;
  safetySnapshot: boolean;
  reason: string | null;
};

/** An upload that stopped part-way (the app was closed, the network dropped) and can go on. */
export type ResumableUpload = {
  uploadId: string;
  fileName: string;
  path: string;
  instanceId: string;
  instanceName: string;
  /** 0–100. */
  percent: number;
  /** The whole file reached Aura before the app stopped; only the import is left to watch. */
  uploaded: boolean;
};

/* ---------- Data export and import (nodes and relationships through the Query API) ---------- */

/** The one-time go-ahead for replacing an instance's data with a data export. */
export type GraphImportPlan = {
  token: string;
  instanceId: string;
  instanceName: string;
  path: string;
  fileName: string;
  fileSize: number;
  /** The instance the file was exported from, and when. */
  sourceInstanceName: string;
  exportedAt: string;
  expiresAt: string;
};

export type GraphImportRequest = {
  token: string;
  safetySnapshot: boolean;
  reason: string | null;
};

/* ---------- Guided snapshot export ---------- */

/** A folder watched for the download. */
export type WatchedFolder = {
  path: string;
  /** Its name, e.g. 'Downloads'. */
  label: string;
  /** A missing folder is watched for when it appears. */
  exists: boolean;
};

/** Where to export the snapshot in the (web) console, and the steps to take there. */
export type ConsoleLink = {
  url: string;
  /** The sandbox's stand-in console on this computer. */
  sandbox: boolean;
  steps: string[];
};

/** An open export: what is exported, the console page, the folders watched. */
export type ExportPlan = {
  sessionId: string;
  instanceId: string;
  instanceName: string;
  snapshotId: string;
  snapshotTime: string;
  console: ConsoleLink;
  folders: WatchedFolder[];
};

/** A new backup file found in a watched folder, checked (readable, complete). */
export type ExportCandidate = {
  id: string;
  path: string;
  fileName: string;
  folder: string;
  size: number;
  formatLabel: string;
  backupTime: string | null;
  checks: InspectionCheck[];
  /** Recognised and whole: it can be kept. */
  usable: boolean;
  /** Why not, in words. */
  problem: string | null;
  notes: string[];
  /** '<instance>_<snapshot UTC time>.<ext>', proposed in the save dialog. */
  proposedName: string;
};

/** What the watch reports while an export is guided. */
export type ExportEvent =
  | { event: 'downloading'; data: { fileName: string; folder: string; bytes: number } }
  | { event: 'found'; data: ExportCandidate }
  | { event: 'folderUnreadable'; data: { folder: string; message: string } };

export type ExportListener = (event: ExportEvent) => void;

/** A snapshot export job's file: where from, where to, and the verified copy's size and CRC-32. */
export type ExportFile = {
  source: string;
  destination: string;
  removeDownload: boolean;
  sourceBytes: number;
  formatLabel: string;
  bytes: number | null;
  crc32: string | null;
  downloadRemoved: boolean | null;
};

/* ---------- Accounts and database logins ---------- */

export type AccountKind = 'sandbox' | 'aura';
/** 'revoked': Aura no longer accepts the key (deleted or rotated in the console). */
export type AccountStatus = 'ok' | 'revoked' | 'unknown';
/** Where a secret is kept: the OS keyring, only in memory until the app closes, or built in. */
export type Persistence = 'keyring' | 'session' | 'sandbox';

export type Account = {
  id: string;
  label: string;
  kind: AccountKind;
  /** The end of the client id, e.g. '…7f3a'; null for the sandbox. */
  clientIdHint: string | null;
  status: AccountStatus;
  persistence: Persistence;
};

export type AccountList = {
  accounts: Account[];
  activeId: string;
};

export type ConnectRequest = {
  label: string;
  clientId: string;
  clientSecret: string;
  /** Keep the key in memory only (when the keyring is unavailable). */
  sessionOnly: boolean;
};

export type DbLoginStatus = {
  saved: boolean;
  user: string | null;
  persistence: Persistence | null;
};

export type DbLoginRequest = {
  instanceId: string;
  user: string;
  password: string;
  sessionOnly: boolean;
};
