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

export type JobKind = 'snapshot' | 'restore' | 'clone';
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
  /** Measured time of the operation itself (request → running). */
  durationSecs: number | null;
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
