// Generated from the Rust types by ts-rs (src-tauri/src/wire_types.rs). Do not edit by hand: change the Rust type,
// then run `LIFEBOAT_WRITE_WIRE_TYPES=1 cargo test -p lifeboat --lib wire_types`. The test command fails while this
// file is stale.

/**
 * All accounts and the one shown.
 */
export type AccountList = { accounts: Array<AccountView>, activeId: string, };

/**
 * An account as the switcher shows it.
 */
export type AccountView = { id: string, label: string, kind: 'sandbox' | 'aura', 
/**
 * The end of the client id ("…7f3a"); `None` for the sandbox.
 */
clientIdHint: string | null, 
/**
 * `revoked`: Aura no longer accepts the key (deleted or rotated in the console).
 */
status: 'ok' | 'revoked', 
/**
 * Where the secret is kept: the OS keyring, memory until the app closes, or built in.
 */
persistence: 'keyring' | 'session' | 'sandbox', };

/**
 * What the window shows in its header and About dialog.
 */
export type AppInfo = { mode: Mode, accountLabel: string, apiUrl: string, appVersion: string, logFolder: string | null, };

/**
 * Which kind of archive a file is, decided from its content.
 *
 * The serialised form (kebab-case, e.g. `"backup-zstd-v3"`) is a stable identifier for the UI and for
 * `lifeboat inspect --json`; [`label`](ArchiveFormat::label) is the wording for people.
 */
export type ArchiveFormat = "dump-zstd" | "dump-gzip" | "dump-legacy-zstd" | "dump-legacy-gzip" | "backup-zstd-v1" | "backup-zstd-v2" | "backup-zstd-v3" | "backup-tar-v1" | "backup-tar-v2" | "aurads-tar" | "aurads-tar-gzip" | "unknown";

/**
 * One item of the checklist.
 */
export type Check = { 
/**
 * Which question this answers.
 */
id: CheckId, 
/**
 * `Some(true)` passed, `Some(false)` failed, `None` not checked (missing information; never blocks).
 */
ok: boolean | null, 
/**
 * The answer in plain words.
 */
message: string, };

/**
 * The four questions the checklist answers.
 */
export type CheckId = "readable" | "complete" | "compatible" | "fits";

/**
 * One choice in a select.
 */
export type Choice = { 
/**
 * What is sent.
 */
value: string, 
/**
 * What is shown.
 */
label: string, };

/**
 * The choices for a new instance from a snapshot, defaulting to the source's.
 */
export type CloneOptions = { 
/**
 * Tiers the copy may have.
 */
tiers: Array<Choice>, 
/**
 * Memory sizes.
 */
memories: Array<string>, 
/**
 * The source's tier.
 */
defaultTier: string, 
/**
 * The source's memory.
 */
defaultMemory: string, 
/**
 * A name that says what the copy is.
 */
defaultName: string, };

/**
 * An error as the frontend sees it. Never carries a secret: engine errors are built without them.
 */
export type CommandError = { 
/**
 * Stable machine-readable code.
 */
code: string, 
/**
 * Plain-language sentence: what happened, what to do.
 */
message: string, 
/**
 * Whether "Try again" makes sense.
 */
retryable: boolean, };

/**
 * Where to export a snapshot in the console, and what to do there.
 */
export type ConsoleLink = { 
/**
 * The page to open in the browser.
 */
url: string, 
/**
 * The page is the sandbox's stand-in console (on this computer), not Aura's.
 */
sandbox: boolean, 
/**
 * Short steps, in order, in plain words.
 */
steps: Array<string>, };

/**
 * What a scheduled-copy job (and its history entry) records about the schedule.
 */
export type CopyFacts = { 
/**
 * The schedule's id.
 */
scheduleId: string, 
/**
 * Its name.
 */
scheduleName: string, 
/**
 * The copies folder.
 */
folder: string, 
/**
 * How many copies it keeps.
 */
keep: number, 
/**
 * The scheduled time this run stands for (`None`: started by hand).
 */
slot: string | null, 
/**
 * The copy was saved under its name.
 */
saved: boolean, 
/**
 * It was read back and its counts and digest matched what was written.
 */
verified: boolean, 
/**
 * Older copies deleted after it.
 */
pruned: Array<string>, 
/**
 * For a skipped-runs record: how many runs were missed.
 */
skipped: number, };

/**
 * What the connect form shows of a credentials file. No secret.
 */
export type CredentialsFileView = { 
/**
 * The reference the dialog connects and deletes with.
 */
token: string, 
/**
 * The file's name ("Neo4j-API-key.txt").
 */
fileName: string, 
/**
 * `CLIENT_ID`, shown in the form (it is not secret).
 */
clientId: string, 
/**
 * `CLIENT_NAME`: the key's name in the console, the default name of the account.
 */
clientName: string | null, };

/**
 * The instance a restore test created, now deleted.
 */
export type DeletedInstance = { 
/**
 * Its id.
 */
instanceId: string, 
/**
 * Aura's `X-Request-Id` for the deletion, for support.
 */
requestId: string | null, };

/**
 * A new backup file found in a watched folder, inspected, as the window shows it.
 */
export type ExportCandidate = { 
/**
 * Refers to this file in later calls (the window never sends a path back).
 */
id: string, 
/**
 * The file.
 */
path: string, 
/**
 * Its name.
 */
fileName: string, 
/**
 * The folder it is in.
 */
folder: string, 
/**
 * Its size in bytes.
 */
size: number, 
/**
 * Its format in words, from its bytes ("Neo4j 5 backup, compressed").
 */
formatLabel: string, 
/**
 * When the backup was taken, where the format records it.
 */
backupTime: string | null, 
/**
 * The inspector's answers to "readable?" and "complete?".
 */
checks: Array<Check>, 
/**
 * Whether it can be kept: recognised and whole.
 */
usable: boolean, 
/**
 * Why not, and what to do, when it cannot.
 */
problem: string | null, 
/**
 * Things worth knowing that do not block (a backup time far from the snapshot's).
 */
notes: Array<string>, 
/**
 * The name proposed in the save dialog.
 */
proposedName: string, };

/**
 * What the watch reports to the window while an export is being guided.
 */
export type ExportEvent = { "event": "downloading", "data": { 
/**
 * The file's name as it will be once complete.
 */
fileName: string, 
/**
 * The folder.
 */
folder: string, 
/**
 * Bytes so far.
 */
bytes: number, } } | { "event": "found", "data": ExportCandidate } | { "event": "folderUnreadable", "data": { 
/**
 * The folder.
 */
folder: string, 
/**
 * Why, in words.
 */
message: string, } };

/**
 * The file of a snapshot export job: where it comes from, where it goes, and what the copy was checked against.
 */
export type ExportFile = { 
/**
 * The downloaded file. Only read; removed after a verified copy if `remove_download`.
 */
source: string, 
/**
 * Where the user chose to keep it.
 */
destination: string, 
/**
 * The hidden temporary file in the destination's folder that becomes `destination` once verified.
 */
temp: string, 
/**
 * Remove the download once the copy is verified (a move rather than a copy).
 */
removeDownload: boolean, 
/**
 * The download's size when it was inspected.
 */
sourceBytes: number, 
/**
 * Its modification time then: a download that changed since is neither copied nor removed.
 */
sourceModified: string | null, 
/**
 * Its format in words.
 */
formatLabel: string, 
/**
 * Bytes in the verified copy.
 */
bytes: number | null, 
/**
 * The verified copy's CRC-32 (IEEE), as 8 hex digits.
 */
crc32: string | null, 
/**
 * Whether the download was removed afterwards.
 */
downloadRemoved: boolean | null, };

/**
 * The two file formats the history can be saved as.
 */
export type ExportFormat = "markdown" | "csv";

/**
 * Everything the export dialog needs, and the session that remembers which files the watch found.
 */
export type ExportPlan = { 
/**
 * The session; later calls name it.
 */
sessionId: string, 
/**
 * The instance.
 */
instanceId: string, 
/**
 * Its name.
 */
instanceName: string, 
/**
 * The snapshot to export.
 */
snapshotId: string, 
/**
 * Its time.
 */
snapshotTime: string, 
/**
 * Where and how to export it in the console.
 */
console: ConsoleLink, 
/**
 * The folders watched for the download.
 */
folders: Array<WatchedFolder>, };

/**
 * A drag over, a drop on, or a drag leaving the window.
 */
export type FileDropEvent = { "event": "hover", "data": { paths: Array<string>, } } | { "event": "drop", "data": { paths: Array<string>, } } | { "event": "cancel", "data": { paths: Array<string>, } } | { "event": "open", "data": { paths: Array<string>, } };

/**
 * The cost of restoring an instance from a backup file.
 */
export type FileRestoreCost = { 
/**
 * What the instance holds now, when it could be counted.
 */
countsNow: GraphCounts | null, 
/**
 * When the file's data is from (the backup's time); `None` when the file carries no date.
 */
dataTime: string | null, 
/**
 * How old the file's data is, in seconds, when known.
 */
dataAgeSecs: number | null, 
/**
 * "Staging holds 50,212 nodes and 80,100 relationships now."
 */
holdsNow: string, 
/**
 * "The file's data is from a backup made 2 years 6 months ago." / "… unknown: …"
 */
dataAge: string, 
/**
 * "Restoring it loses everything written to Staging in the last 2 years 6 months, and …"
 */
loss: string, };

/**
 * What the file-restore confirmation dialog shows, and its one-time token.
 */
export type FileRestorePlan = { 
/**
 * One-time confirmation token.
 */
token: string, 
/**
 * Instance to overwrite.
 */
instanceId: string, 
/**
 * Its name.
 */
instanceName: string, 
/**
 * The file, as chosen.
 */
path: string, 
/**
 * Its name.
 */
fileName: string, 
/**
 * Its size.
 */
fileSize: number, 
/**
 * Its format in words.
 */
formatLabel: string, 
/**
 * Whether a safety snapshot can be taken first (the dialog turns it off, saying why, when it cannot).
 */
safetySnapshot: SafetyOffer, 
/**
 * What the restore costs: what the instance holds now, how old the file's data is, what is lost.
 */
cost: FileRestoreCost, 
/**
 * The message to send colleagues before starting, with and without the safety snapshot.
 */
messageBefore: MessageBefore, 
/**
 * When the token lapses.
 */
expiresAt: string, };

/**
 * Node and relationship counts.
 */
export type GraphCounts = { 
/**
 * Nodes.
 */
nodes: number, 
/**
 * Relationships.
 */
relationships: number, };

/**
 * Everything the import confirmation dialog shows, and the token its confirm button must send back.
 */
export type GraphImportPlan = { 
/**
 * One-time confirmation token.
 */
token: string, 
/**
 * Instance whose data is replaced.
 */
instanceId: string, 
/**
 * Its name.
 */
instanceName: string, 
/**
 * The export file, as chosen.
 */
path: string, 
/**
 * Its name.
 */
fileName: string, 
/**
 * Its size.
 */
fileSize: number, 
/**
 * The instance the file was exported from.
 */
sourceInstanceName: string, 
/**
 * When it was exported.
 */
exportedAt: string, 
/**
 * When the token lapses.
 */
expiresAt: string, };

/**
 * One finished operation, as the history keeps it. Serialised in camelCase, one JSON object per line.
 */
export type HistoryEntry = { 
/**
 * Record format (1).
 */
format: number, 
/**
 * The job's id (sorts by start time).
 */
jobId: string, 
/**
 * What was done.
 */
kind: JobKind, 
/**
 * The instance it was done to (for a new instance or a restore test: the source).
 */
instanceId: string, 
/**
 * That instance's name at the time.
 */
instanceName: string, 
/**
 * One line saying what was done.
 */
title: string, 
/**
 * Start.
 */
startedAt: string, 
/**
 * End.
 */
finishedAt: string, 
/**
 * Start to end, in seconds (everything: safety snapshot, counts, the operation, verification).
 */
totalSecs: number, 
/**
 * Measured time of the operation itself (request → running), in seconds: the time to restore.
 */
durationSecs: number | null, 
/**
 * How it ended.
 */
outcome: Outcome, 
/**
 * Why it failed.
 */
error: JobError | null, 
/**
 * The reason the user typed.
 */
reason: string | null, 
/**
 * The snapshot restored, cloned, tested or taken.
 */
snapshotId: string | null, 
/**
 * That snapshot's time: the last data point a restore keeps.
 */
snapshotTime: string | null, 
/**
 * Changes lost by a restore, in seconds (snapshot time → the restore request; for a backup file, the time the
 * backup was made → the start, when the file records it).
 */
dataLossSecs: number | null, 
/**
 * Restore from a file: when the backup's data is from (`None`: the file carries no date, as dumps do).
 */
backupTime: string | null, 
/**
 * Restores: whether Aura began replacing the data (`false`: it stopped before, nothing was changed).
 */
overwritten: boolean | null, 
/**
 * Restores: the safety snapshot taken just before.
 */
safetySnapshotId: string | null, 
/**
 * New instance or restore test: the instance created.
 */
newInstanceId: string | null, 
/**
 * Restore test: when its temporary instance was deleted through Lifeboat.
 */
instanceDeletedAt: string | null, 
/**
 * Node and relationship counts before.
 */
countsBefore: GraphCounts | null, 
/**
 * And after.
 */
countsAfter: GraphCounts | null, 
/**
 * The database answered the count before, but its counts are not known (see `JobResult`).
 */
countsBeforeUnknown?: boolean, 
/**
 * The same after.
 */
countsAfterUnknown?: boolean, 
/**
 * Why the data could not be counted afterwards, when it could not.
 */
verificationNote: string | null, 
/**
 * Restore from a file: the file's name (not its folder).
 */
fileName: string | null, 
/**
 * Upload jobs: the file was unchanged afterwards.
 */
fileUnchanged: boolean | null, 
/**
 * `X-Request-Id`s of the requests that changed something, for Neo4j support.
 */
requestIds: Array<string>, 
/**
 * Snapshot exports: where the verified copy was saved (the whole path).
 */
savedPath: string | null, 
/**
 * Snapshot exports: its size in bytes.
 */
savedBytes: number | null, 
/**
 * Snapshot exports: its CRC-32, 8 hex digits, the same as the download's.
 */
savedCrc32: string | null, 
/**
 * File restores: the file's size in bytes.
 */
fileBytes: number | null, 
/**
 * File restores: how long Aura took to load the file, measured (the next file restore's estimate).
 */
importSecs: number | null, 
/**
 * Data exports and imports: the file's whole path (the file written, or the file read).
 */
filePath: string | null, 
/**
 * Data exports and imports: the nodes and relationships in the file.
 */
fileCounts: GraphCounts | null, 
/**
 * Data exports, imports and scheduled copies: the file's content digest.
 */
fileDigest: string | null, 
/**
 * Restores, restore tests and objective changes: the recovery objectives that applied (or were set).
 */
objectives: Objectives | null, 
/**
 * Scheduled copies (and records of missed ones): the schedule and what the run did.
 */
copy: CopyFacts | null, };

/**
 * Which entries to list. Every field is optional; an empty filter lists everything.
 */
export type HistoryFilter = { 
/**
 * Only this kind of operation.
 */
kind?: JobKind | null, 
/**
 * Only operations on this instance.
 */
instanceId?: string | null, 
/**
 * Only operations that ended this way.
 */
outcome?: Outcome | null, 
/**
 * Only operations started at or after this time.
 */
since?: string | null, };

/**
 * One operation's report and the two messages to colleagues.
 */
export type HistoryReport = { markdown: string, messages: Messages, };

/**
 * Everything Lifeboat found out about a backup file, for the UI and `lifeboat inspect --json`.
 *
 * Serialised in camelCase; optional fields are left out when unknown.
 */
export type Inspection = { 
/**
 * The file inspected (the archive found inside, when a folder was given). Serialised lossily when the
 * path isn't valid UTF-8; use this field, not the JSON, to open the file again.
 */
path: string, 
/**
 * The file's name, for display.
 */
fileName: string, 
/**
 * The file's size in bytes.
 */
fileSize: number, 
/**
 * What `DumpSize` is in the import protocol: the size of the file as uploaded (= `file_size`).
 */
dumpSize: number, 
/**
 * When the file was last modified, if the system says (to notice later changes before uploading).
 */
modifiedAt?: string | null, 
/**
 * The format, from the file's content.
 */
format: ArchiveFormat, 
/**
 * The format in words ("Neo4j 5 backup, compressed").
 */
formatLabel: string, 
/**
 * For an AuraDS archive, the format of the dump inside it.
 */
innerFormat?: ArchiveFormat | null, 
/**
 * The database the backup was taken of (backups record it; for AuraDS archives it is the dump's name).
 */
databaseName?: string | null, 
/**
 * When the backup was taken (backups only).
 */
backupTime?: string | null, 
/**
 * The Neo4j version that wrote the file, as precisely as its contents tell: "4.3", "3.5", "4.0 or 4.1",
 * "5". Missing when the contents don't say (see the notes).
 */
neo4jVersion?: string | null, 
/**
 * The store format recorded in a backup ("record/aligned 1.1", "block/block 1.0") or in a dump's metadata
 * store ("AF4.3.0", "v0.A.9", "record-aligned-1.1").
 */
storeFormat?: string | null, 
/**
 * What to send as `FullSize`: the uncompressed store size from the archive's metadata, or the file size
 * for formats that don't record it (what `neo4j-admin` does, §4.5).
 */
fullSize?: number | null, 
/**
 * Whether `full_size` came from the file's metadata (else it is the file size).
 */
fullSizeFromMetadata: boolean, 
/**
 * How many files the store holds, when known.
 */
storeFiles?: number | null, 
/**
 * The store's uncompressed size, when known (from metadata, or by walking the archive).
 */
storeBytes?: number | null, 
/**
 * Whether the database inside is stored compressed (so the restored database is larger than the file).
 */
compressed: boolean, 
/**
 * The checklist: readable, complete, compatible, fits — in that order.
 */
checks: Array<Check>, 
/**
 * Whether nothing stands in the way of uploading (no check failed; unchecked items don't block).
 */
canUpload: boolean, 
/**
 * Why the file can't be uploaded, if it can't; each says what to do.
 */
problems: Array<Problem>, 
/**
 * Things worth knowing that don't block (a surprising file name, an estimated size).
 */
notes: Array<string>, };

/**
 * The scheduler entry as it now is.
 */
export type Installed = { 
/**
 * Which scheduler.
 */
backend: SchedulerBackend, 
/**
 * Its files (empty when removed or not file-based).
 */
files: Array<string>, 
/**
 * It will fire with the window closed.
 */
active: boolean, 
/**
 * What that means, in words.
 */
detail: string, };

/**
 * What a job last read of its instance's status, and when.
 */
export type InstanceSeen = { 
/**
 * Raw status (`running`, `restoring`, …).
 */
status: string, 
/**
 * Status in words, as the instance list says it.
 */
statusLabel: string, 
/**
 * Its feeling, as the instance list shows it.
 */
statusTone: StatusTone, 
/**
 * When Aura said so.
 */
at: string, };

/**
 * An instance, ready to display.
 */
export type InstanceView = { 
/**
 * Instance id.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Owning tenant (project).
 */
tenantId: string, 
/**
 * Raw tier (`business-critical`, …).
 */
tier: string, 
/**
 * Tier in words ("Business Critical").
 */
tierLabel: string, 
/**
 * Neo4j major version, when known.
 */
version: string | null, 
/**
 * Raw status.
 */
status: string, 
/**
 * Status in words ("Restoring from a snapshot…").
 */
statusLabel: string, 
/**
 * How the status should feel.
 */
statusTone: StatusTone, 
/**
 * Cloud provider.
 */
cloudProvider: string, 
/**
 * Region.
 */
region: string | null, 
/**
 * Memory.
 */
memory: string | null, 
/**
 * Storage.
 */
storage: string | null, 
/**
 * Connection URL.
 */
connectionUrl: string | null, 
/**
 * Creation time, RFC 3339.
 */
createdAt: string | null, 
/**
 * Node count, when Aura reports it.
 */
nodes: number | null, 
/**
 * Relationship count, when Aura reports it.
 */
relationships: number | null, };

/**
 * Item progress of the active step of a data export or import: nodes or relationships done so far.
 */
export type ItemProgress = { 
/**
 * Items done.
 */
done: number, 
/**
 * Items in all, when known (from a count or the file's footer).
 */
total: number | null, 
/**
 * What is counted: `nodes` or `relationships`.
 */
unit: string, 
/**
 * Items per second (smoothed, rounded), once measured.
 */
perSec: number | null, 
/**
 * Seconds left, once the rate has been steady for a while (`None`: "estimating…").
 */
etaSecs: number | null, };

/**
 * A failure as the UI shows it.
 */
export type JobError = { 
/**
 * Stable code.
 */
code: string, 
/**
 * What happened and what to do, in words.
 */
message: string, 
/**
 * Whether trying again may help.
 */
retryable: boolean, };

/**
 * What a job's channel carries: its whole state after every change.
 */
export type JobEvent = { "event": "update", "data": JobState };

/**
 * What kind of operation a job is.
 */
export type JobKind = "snapshot" | "restore" | "clone" | "upload" | "drill" | "snapshot-export" | "graph-export" | "graph-import" | "scheduled-copy" | "objectives";

/**
 * What a job produced.
 */
export type JobResult = { 
/**
 * The snapshot taken (snapshot job, or the safety snapshot of a restore).
 */
snapshotId: string | null, 
/**
 * The instance created (clone job).
 */
newInstanceId: string | null, 
/**
 * Counts before a restore.
 */
countsBefore: GraphCounts | null, 
/**
 * Counts after.
 */
countsAfter: GraphCounts | null, 
/**
 * The database answered the count before, but its counts are not known (`counts_before` is then `None`).
 * Only the sandbox does this, for data it loaded from a file it can't read; real Aura always counts.
 */
countsBeforeUnknown?: boolean, 
/**
 * The same for the count after.
 */
countsAfterUnknown?: boolean, 
/**
 * Measured time of the operation itself (request → running), in seconds.
 */
durationSecs: number | null, 
/**
 * Upload jobs: the file's size and modification time are the same after the job as before.
 */
fileUnchanged: boolean | null, 
/**
 * Upload jobs: the upload's journal id (to resume it).
 */
uploadId: string | null, 
/**
 * Upload jobs: bytes sent again after an interruption (at most one chunk per interruption).
 */
bytesResent: number | null, 
/**
 * Drill jobs: when the user had Lifeboat delete the temporary instance (`None` while it still exists).
 */
instanceDeletedAt: string | null, 
/**
 * Data exports and imports: the nodes and relationships in the file.
 */
fileCounts: GraphCounts | null, 
/**
 * Data exports and imports: the file's content digest (see [`crate::graph_export`]).
 */
fileDigest: string | null, 
/**
 * Data exports and imports, file restores: the file's size in bytes.
 */
fileBytes: number | null, 
/**
 * File restores: how long Aura took to load the file, measured.
 */
importSecs: number | null, };

/**
 * A started job.
 */
export type JobStarted = { 
/**
 * The job's id.
 */
jobId: string, };

/**
 * A job's whole state.
 */
export type JobState = { 
/**
 * Job id (sorts by start time).
 */
id: string, 
/**
 * Kind.
 */
kind: JobKind, 
/**
 * The instance it works on.
 */
instanceId: string, 
/**
 * Its name, for messages.
 */
instanceName: string, 
/**
 * One line saying what the job does.
 */
title: string, 
/**
 * Start.
 */
startedAt: string, 
/**
 * End.
 */
finishedAt: string | null, 
/**
 * Steps in order.
 */
steps: Array<Step>, 
/**
 * `None` while running.
 */
outcome: Outcome | null, 
/**
 * Why it failed.
 */
error: JobError | null, 
/**
 * What it produced.
 */
result: JobResult, 
/**
 * The snapshot restored or cloned.
 */
snapshotId: string | null, 
/**
 * That snapshot's time.
 */
snapshotTime: string | null, 
/**
 * Data lost by the restore, in seconds (now − snapshot time when it was requested; for a backup file, now −
 * the time the backup was made, when the file records it).
 */
dataLossSecs: number | null, 
/**
 * Upload jobs: when the backup file's data is from, as the file records it (`None` for dumps: no date).
 */
backupTime: string | null, 
/**
 * The reason the user typed.
 */
reason: string | null, 
/**
 * `X-Request-Id`s of the state-changing requests, for support and the history.
 */
requestIds: Array<string>, 
/**
 * Upload jobs: the file restored.
 */
file: string | null, 
/**
 * Byte progress of the active step, when it has one.
 */
progress: TransferProgress | null, 
/**
 * Item progress of the active step of a data export or import.
 */
itemProgress: ItemProgress | null, 
/**
 * Snapshot exports: the download, where it goes, and what the copy was checked against.
 */
export: ExportFile | null, 
/**
 * Jobs that overwrite an instance (restore, restore from a file, data import): whether they began replacing its
 * data — set by the job at that moment (Aura accepted the restore; the file's import started; the import began
 * deleting). `Some(false)`: the instance's data was not touched. `None` for jobs that never overwrite, and for
 * journals written before Lifeboat recorded it (not known).
 */
dataOverwritten: boolean | null, 
/**
 * Set while the job waits (a lost answer being checked, a stall being retried).
 */
waiting: Waiting | null, 
/**
 * The job this one tries again (after Aura was found not to have started it).
 */
retryOf: string | null, 
/**
 * Scheduled copies: the schedule and what the run did.
 */
copy: CopyFacts | null, 
/**
 * The instance's status as this job last read it from Aura: fresher than the instance list while the job
 * watches, so the window shows one truth (the list, the header and the card agree).
 */
instanceSeen: InstanceSeen | null, };

/**
 * Where an instance's database login is kept.
 */
export type LoginStatus = { saved: boolean, user: string | null, persistence: 'keyring' | 'session' | 'sandbox' | null, };

/**
 * The message to send colleagues before a restore starts, as the report will keep it: one text for each choice
 * of the dialog's safety-snapshot box (the reason, typed last, is for the history).
 */
export type MessageBefore = { 
/**
 * With "Take a safety snapshot first" ticked.
 */
withSafetySnapshot: string, 
/**
 * With it unticked (or when none can be taken).
 */
withoutSafetySnapshot: string, };

/**
 * A message to colleagues before a restore and one after it, ready to copy into an e-mail or chat.
 */
export type Messages = { 
/**
 * Announces the restore: when, how long, the impact, what will be lost.
 */
before: string, 
/**
 * Says how it went: running again, how long it took, the last data point, what was checked.
 */
after: string, };

/**
 * Whether an account is practice data or a real Aura account.
 */
export type Mode = "sandbox" | "account";

/**
 * What to do with one objective when changing them.
 */
export type ObjectiveSetting = { "action": "keep" } | { "action": "set", "secs": number } | { "action": "clear" };

/**
 * The objectives of one instance. Serialised in camelCase (the window reads them as they are).
 */
export type Objectives = { 
/**
 * Recovery point objective in seconds: the most recent data that may be lost. `None`: not set.
 */
rpoSecs: number | null, 
/**
 * Recovery time objective in seconds: the longest a restore may take. `None`: not set.
 */
rtoSecs: number | null, 
/**
 * How often a restore should be tested, in seconds.
 */
drillEverySecs: number, 
/**
 * When they were last changed.
 */
updatedAt: string, };

/**
 * A change of an instance's objectives: each one kept, set or cleared.
 */
export type ObjectivesChange = { 
/**
 * The RPO.
 */
rpo: ObjectiveSetting, 
/**
 * The RTO.
 */
rto: ObjectiveSetting, 
/**
 * The restore-test interval.
 */
drillEvery: ObjectiveSetting, };

/**
 * What a change did: the objectives now, and before.
 */
export type ObjectivesSaved = { 
/**
 * The objectives now.
 */
objectives: Objectives, 
/**
 * Before the change (`None`: there were none).
 */
previous: Objectives | null, 
/**
 * The history entry that records it.
 */
jobId: string, };

/**
 * How a job ended.
 */
export type Outcome = "succeeded" | "failed";

/**
 * A reason the file can't be uploaded: a stable code and a sentence that says what to do.
 */
export type Problem = { 
/**
 * What kind of problem (for the UI to branch on).
 */
code: ProblemCode, 
/**
 * What happened and what to do, in plain words.
 */
message: string, };

/**
 * Stable identifiers of the reasons a file can't be uploaded.
 */
export type ProblemCode = "empty" | "too-short" | "not-a-backup" | "lfs-pointer" | "split-archive" | "truncated" | "damaged" | "no-dump-inside" | "differential-backup" | "incompatible" | "too-big" | "read-error";

/**
 * An instance's readiness.
 */
export type Readiness = { 
/**
 * Instance id.
 */
instanceId: string, 
/**
 * Its name.
 */
instanceName: string, 
/**
 * Raw tier.
 */
tier: string, 
/**
 * Tier in words.
 */
tierLabel: string, 
/**
 * The objectives that applied (`None`: none set).
 */
objectives: Objectives | null, 
/**
 * The restore-test interval in force (the objectives', or quarterly).
 */
drillEverySecs: number, 
/**
 * The most serious level of its checks.
 */
level: ReadinessLevel, 
/**
 * That in words.
 */
levelLabel: string, 
/**
 * One sentence.
 */
summary: string, 
/**
 * No objective is unmet (what `lifeboat status` exits 0 on).
 */
allMet: boolean, 
/**
 * The four checks, in order.
 */
checks: Array<ReadinessCheck>, 
/**
 * The snapshot "Run a drill" should test (the newest exportable one).
 */
drillSnapshotId: string | null, 
/**
 * When this was worked out.
 */
checkedAt: string, };

/**
 * One check of an instance's readiness.
 */
export type ReadinessCheck = { 
/**
 * Which check.
 */
id: ReadinessCheckId, 
/**
 * Its title ("Worst-case data loss now").
 */
title: string, 
/**
 * How it stands.
 */
level: ReadinessLevel, 
/**
 * That in words.
 */
levelLabel: string, 
/**
 * The fact in a few words ("23 min", "No limit", "Never").
 */
value: string, 
/**
 * What it means, in sentences.
 */
detail: string, 
/**
 * What would help.
 */
fix: ReadinessFix | null, 
/**
 * The fix's button words.
 */
fixLabel: string | null, 
/**
 * The value against the objective, when there is one.
 */
measure: ReadinessMeasure | null, 
/**
 * When the fact happened (the snapshot, test or copy), for the window to show in local time.
 */
at: string | null, 
/**
 * When the next thing is due (the next restore test, the next copy).
 */
dueAt: string | null, };

/**
 * Which check.
 */
export type ReadinessCheckId = "loss-now" | "schedule-loss" | "drill" | "copy";

/**
 * The one action that would help.
 */
export type ReadinessFix = "take-snapshot" | "run-drill" | "set-up-copies";

/**
 * How a check stands. Ordered from least to most serious.
 */
export type ReadinessLevel = "no-objective" | "met" | "at-risk" | "not-met";

/**
 * A value against its limit, for the small bar beside a check.
 */
export type ReadinessMeasure = { 
/**
 * The value in seconds; `None`: no limit at all (it grows until something is done).
 */
valueSecs: number | null, 
/**
 * The objective in seconds.
 */
limitSecs: number, };

/**
 * Everything the restore confirmation dialog shows, and the token its confirm button must send back.
 */
export type RestorePlan = { 
/**
 * One-time confirmation token.
 */
token: string, 
/**
 * Instance to overwrite.
 */
instanceId: string, 
/**
 * Its name.
 */
instanceName: string, 
/**
 * Snapshot to restore.
 */
snapshotId: string, 
/**
 * Its time.
 */
snapshotTime: string, 
/**
 * Whether a safety snapshot can be taken first (the dialog turns it off, saying why, when it cannot).
 */
safetySnapshot: SafetyOffer, 
/**
 * The message to send colleagues before starting, with and without the safety snapshot.
 */
messageBefore: MessageBefore, 
/**
 * When the token lapses.
 */
expiresAt: string, };

/**
 * An unfinished upload, as the resume banner shows it.
 */
export type ResumableView = { uploadId: string, fileName: string, path: string, instanceId: string, instanceName: string, percent: number, 
/**
 * The whole file is with Aura; only its import was left to watch.
 */
uploaded: boolean, };

/**
 * The one-time login of a new instance.
 */
export type RevealedLogin = { username: string, password: string, };

/**
 * How a run ended.
 */
export type RunRecord = { 
/**
 * When it started.
 */
at: string, 
/**
 * The slot it was for (`None`: started by hand).
 */
slot: string | null, 
/**
 * How it ended (a skipped slot is recorded as failed: no copy was made).
 */
outcome: Outcome, 
/**
 * The history entry.
 */
jobId: string | null, 
/**
 * The copy made.
 */
file: string | null, 
/**
 * What went wrong, in words.
 */
message: string | null, };

/**
 * Whether a safety snapshot can be taken before this overwrite.
 */
export type SafetyOffer = { 
/**
 * Aura can take one now.
 */
possible: boolean, 
/**
 * Why not, in words, when it cannot.
 */
reason: string | null, };

/**
 * What the "Set up copies" dialog sends.
 */
export type ScheduleRequest = { instanceId: string, 
/**
 * `1d` or `1w`.
 */
every: string, 
/**
 * For a weekly schedule: `mon` … `sun` (default Monday).
 */
on: string | null, 
/**
 * `HH:MM`, this computer's time zone.
 */
at: string, keep: number, folder: string, 
/**
 * Also write the OS scheduler's entry, so copies are made with the window closed.
 */
install: boolean, };

/**
 * A schedule saved, and what became of the OS scheduler's entry when it was asked for.
 */
export type ScheduleSaved = { schedule: ScheduleView, osEntry: Installed | null, 
/**
 * Why the entry was not written although asked for (the sandbox, a session-only key or login).
 */
notInstalled: string | null, };

/**
 * One schedule as the window shows it.
 */
export type ScheduleView = { 
/**
 * Its name (unique on this computer).
 */
name: string, instanceId: string, instanceName: string, 
/**
 * "every day at 02:00".
 */
description: string, 
/**
 * `daily` or `weekly`.
 */
every: string, 
/**
 * The weekday of a weekly schedule (`mon` … `sun`).
 */
on: string | null, 
/**
 * `HH:MM` in this computer's time zone.
 */
at: string, keep: number, folder: string, 
/**
 * The OS scheduler runs it with the window closed.
 */
unattended: boolean, 
/**
 * It belongs to the practice sandbox, which exists only while the app is open.
 */
practice: boolean, lastRun: RunRecord | null, lastSuccess: RunRecord | null, nextRunAt: string, 
/**
 * The next run on the schedule's wall clock ("Wed 2 Dec 02:00").
 */
nextRun: string, };

/**
 * Which scheduler.
 */
export type SchedulerBackend = "systemd-user" | "cron" | "launchd" | "task-scheduler" | "none";

/**
 * All snapshots of an instance within its retention window, newest first.
 */
export type SnapshotTimeline = { 
/**
 * Instance id.
 */
instanceId: string, 
/**
 * Raw tier.
 */
tier: string, 
/**
 * Tier in words.
 */
tierLabel: string, 
/**
 * Retention in days (`None` for Free).
 */
retentionDays: number | null, 
/**
 * Free tier: only the latest snapshot exists.
 */
keepsOnlyLatest: boolean, 
/**
 * The schedule in one sentence.
 */
scheduleSummary: string, 
/**
 * How many UTC days were looked at.
 */
daysCovered: number, 
/**
 * When the newest day was fetched.
 */
fetchedAt: string, 
/**
 * Newest first.
 */
snapshots: Array<SnapshotView>, };

/**
 * A snapshot, ready to display.
 */
export type SnapshotView = { 
/**
 * Snapshot id.
 */
id: string, 
/**
 * Instance id.
 */
instanceId: string, 
/**
 * When it was taken (UTC).
 */
timestamp: string, 
/**
 * Raw profile (`Scheduled`, `AdHoc`, …).
 */
profile: string, 
/**
 * Profile in words ("Scheduled", "On-demand").
 */
profileLabel: string, 
/**
 * Raw status.
 */
status: string, 
/**
 * Status in words.
 */
statusLabel: string, 
/**
 * Can be exported or used for a new instance.
 */
exportable: boolean, 
/**
 * Can be restored (it completed).
 */
restorable: boolean, 
/**
 * When the tier's retention removes it, if known.
 */
expiresAt: string | null, 
/**
 * What Lifeboat took it for, when Aura cannot say ("Safety snapshot before restore"); from local history.
 */
purpose: string | null, };

/**
 * The feeling of a status, for colour and icon (always shown with words too).
 */
export type StatusTone = "ok" | "busy" | "paused" | "error";

/**
 * One step of a job.
 */
export type Step = { 
/**
 * Which step this is.
 */
id: StepId, 
/**
 * What it does, in words.
 */
label: string, 
/**
 * Where it stands.
 */
state: StepState, 
/**
 * When it started.
 */
startedAt: string | null, 
/**
 * When it ended.
 */
finishedAt: string | null, 
/**
 * Extra words (why skipped, what failed, a count).
 */
detail: string | null, };

/**
 * The steps jobs are made of. Serialised as the stable kebab-case ids the window, the journals and the history
 * have always used (`counts-before`, `safety-snapshot`, …), so journals written before this type existed still load.
 */
export type StepId = "request" | "snapshot" | "counts-before" | "safety-snapshot" | "restoring" | "verify" | "creating" | "checksum" | "upload" | "import" | "check-file" | "delete" | "nodes" | "relationships" | "finish" | "inspect" | "copy" | "save" | "remove-download" | "prepare" | "check-copy" | "prune";

/**
 * Where a step stands.
 */
export type StepState = "pending" | "active" | "done" | "failed" | "skipped";

/**
 * Byte progress of the active step (checksum, upload, import estimate).
 */
export type TransferProgress = { 
/**
 * Bytes done.
 */
bytesDone: number, 
/**
 * Bytes in all.
 */
bytesTotal: number, 
/**
 * Measured speed.
 */
bytesPerSec: number | null, 
/**
 * Time left.
 */
etaSecs: number | null, 
/**
 * The time left is an estimate (Aura's import: 5 min + 3 min per GiB), not a measurement.
 */
estimate: boolean, };

/**
 * What a job waits for.
 */
export type WaitKind = "checking" | "stalled";

/**
 * Why a job is waiting rather than moving on. While it lasts the window shows this instead of an ETA.
 */
export type Waiting = { 
/**
 * What is being waited for.
 */
kind: WaitKind, 
/**
 * In words, for the step ("Checking with Aura…").
 */
message: string, 
/**
 * When the next try starts, if one is scheduled (the window counts down to it).
 */
retryAt: string | null, };

/**
 * A folder being watched, as the window shows it.
 */
export type WatchedFolder = { 
/**
 * The folder.
 */
path: string, 
/**
 * Its name ("Downloads").
 */
label: string, 
/**
 * Whether it exists now (a missing folder is watched for when it appears).
 */
exists: boolean, };
