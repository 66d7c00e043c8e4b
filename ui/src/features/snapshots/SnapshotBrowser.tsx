import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  type AppError,
  type InstanceView,
  type SnapshotTimeline,
  type SnapshotView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, EmptyState, ErrorNotice, Progress } from '../../components';
import { exportUnavailableReason } from '../../lib/exports';
import { dataLossSentence, formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { SnapshotExportDialog } from '../exports';
import { JobProgress, useJobs } from '../jobs';
import { CloneDialog, RevealPasswordDialog } from './CloneDialog';
import { DeleteDrillInstance } from './DrillActions';
import { RestoreDialog } from './RestoreDialog';
import { SnapshotList } from './SnapshotList';
import { SnapshotTimelineChart } from './SnapshotTimelineChart';
import { useSnapshots } from './useSnapshots';

/** How often the data-loss sentence and ages are recomputed. */
export const DATA_LOSS_REFRESH_MS = 30_000;

export type SnapshotBrowserProps = {
  instance: Pick<InstanceView, 'id' | 'name'>;
};

/** Why a snapshot cannot be restored, in words; null when it can. */
function unavailableReason(snapshot: SnapshotView): string | null {
  if (snapshot.restorable) return null;
  if (snapshot.status === 'Failed') return 'This snapshot failed, so it cannot be restored.';
  return 'This snapshot is still being taken. It can be restored once it is complete.';
}

function canClone(snapshot: SnapshotView): boolean {
  return snapshot.exportable && snapshot.restorable;
}

/**
 * Where an instance can go back to: the snapshots within its plan's retention window on a
 * timeline and in a list grouped by day, the cost of restoring the selected one in one sentence,
 * and the ways to act on it (restore, open as a new instance, take a new snapshot now). Key it by
 * instance id.
 */
export function SnapshotBrowser({ instance }: SnapshotBrowserProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const { timeline, error, refreshing, refresh } = useSnapshots(backend, instance.id);
  const now = useNow(DATA_LOSS_REFRESH_MS);

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<SnapshotView | null>(null);
  const [cloning, setCloning] = useState<SnapshotView | null>(null);
  const [cloneJobId, setCloneJobId] = useState<string | null>(null);
  const [exporting, setExporting] = useState<SnapshotView | null>(null);
  const [revealJobId, setRevealJobId] = useState<string | null>(null);
  const [confirmReplace, setConfirmReplace] = useState(false);
  const [starting, setStarting] = useState(false);
  const [takeError, setTakeError] = useState<AppError | null>(null);
  const [drillStarting, setDrillStarting] = useState(false);
  const [drillError, setDrillError] = useState<AppError | null>(null);
  const [manualRefresh, setManualRefresh] = useState(false);
  const activityRef = useRef<HTMLDivElement>(null);

  const mine = jobs.jobs.filter((j) => j.instanceId === instance.id);
  const snapshotRunning = mine.some((j) => j.kind === 'snapshot' && j.outcome === null);
  const drillRunning = mine.some((j) => j.kind === 'drill' && j.outcome === null);
  // A restore from a backup file overwrites the instance too: no snapshot restore meanwhile.
  const restoreRunning = mine.some(
    (j) => (j.kind === 'restore' || j.kind === 'upload') && j.outcome === null,
  );
  // The clone dialog shows its own job while it is open; restores from a file show in their section.
  // So does the export dialog.
  const activity = mine.filter(
    (j) =>
      j.kind !== 'upload' &&
      !(cloning !== null && j.id === cloneJobId) &&
      !(exporting !== null && j.kind === 'snapshot-export'),
  );

  // Re-read the list when one of this instance's jobs finishes.
  const finishedKey = mine
    .filter((j) => j.outcome !== null)
    .map((j) => j.id)
    .join(' ');
  const seenFinished = useRef<Set<string> | null>(null);
  useEffect(() => {
    const finished = finishedKey === '' ? [] : finishedKey.split(' ');
    if (seenFinished.current === null) {
      seenFinished.current = new Set(finished);
      return;
    }
    let fresh = false;
    for (const id of finished) {
      if (!seenFinished.current.has(id)) {
        seenFinished.current.add(id);
        fresh = true;
      }
    }
    if (fresh) refresh();
  }, [finishedKey, refresh]);

  useEffect(() => {
    if (!refreshing) setManualRefresh(false);
  }, [refreshing]);

  const snapshots = timeline?.snapshots ?? [];
  const selected = snapshots.find((s) => s.id === selectedId) ?? null;

  const takeNow = async () => {
    setConfirmReplace(false);
    setTakeError(null);
    setStarting(true);
    try {
      await jobs.start((onUpdate) => backend.takeSnapshot(instance.id, onUpdate));
    } catch (reason) {
      setTakeError(toAppError(reason));
    } finally {
      setStarting(false);
    }
  };

  const onTakeClick = () => {
    const replaces = timeline?.keepsOnlyLatest && snapshots.some((s) => s.status === 'Completed');
    if (replaces) setConfirmReplace(true);
    else void takeNow();
  };

  const startDrill = async (snapshot: SnapshotView) => {
    setDrillError(null);
    setDrillStarting(true);
    try {
      await jobs.start((onUpdate) => backend.startDrill(instance.id, snapshot.id, onUpdate));
      activityRef.current?.scrollIntoView?.({ block: 'nearest' });
    } catch (reason) {
      setDrillError(toAppError(reason));
    } finally {
      setDrillStarting(false);
    }
  };

  const onRestoreStarted = () => {
    setRestoring(null);
    activityRef.current?.scrollIntoView?.({ block: 'nearest' });
  };

  const closeClone = () => {
    setCloning(null);
    setCloneJobId(null);
  };

  return (
    <section class="snapshots" data-testid="snapshot-browser" aria-labelledby="snapshots-heading">
      <header class="snapshots__header">
        <h3 id="snapshots-heading" class="snapshots__title">
          Snapshots
        </h3>
        {timeline && (
          <Button
            variant="ghost"
            size="small"
            loading={manualRefresh && refreshing}
            onClick={() => {
              setManualRefresh(true);
              refresh();
            }}
            data-testid="refresh-snapshots"
          >
            Refresh
          </Button>
        )}
        <Button
          variant="primary"
          size="small"
          loading={starting || snapshotRunning}
          onClick={onTakeClick}
          data-testid="take-snapshot"
        >
          {snapshotRunning ? 'Taking a snapshot…' : 'Take a snapshot now'}
        </Button>
      </header>

      {timeline && snapshots.length > 0 && (
        <p class="snapshots__summary" data-testid="schedule-summary">
          {timeline.scheduleSummary}
        </p>
      )}

      {takeError && (
        <ErrorNotice
          error={takeError}
          title="The snapshot did not start."
          onRetry={() => void takeNow()}
          testId="take-snapshot-error"
        />
      )}

      {activity.length > 0 && (
        <div class="snapshots__activity" ref={activityRef} data-testid="snapshot-activity">
          {activity.map((job) => (
            <JobProgress key={job.id} job={job} onDismiss={() => jobs.dismiss(job.id)}>
              {job.kind === 'clone' &&
                job.outcome === 'succeeded' &&
                !jobs.revealed.has(job.id) && (
                  <Button
                    size="small"
                    variant="primary"
                    onClick={() => setRevealJobId(job.id)}
                    data-testid="reveal-clone-password"
                  >
                    Show the new instance's password
                  </Button>
                )}
              {job.kind === 'drill' && <DeleteDrillInstance job={job} />}
            </JobProgress>
          ))}
        </div>
      )}

      {error && (
        <ErrorNotice
          error={error}
          title={
            timeline
              ? "Couldn't refresh the snapshots. Showing what we last saw."
              : "Couldn't load the snapshots."
          }
          onRetry={refresh}
          retrying={refreshing}
          testId="snapshots-error"
        />
      )}

      {!timeline && !error && (
        <div class="loading" data-testid="snapshots-loading">
          <Progress label="Looking for snapshots…" />
        </div>
      )}

      {timeline && snapshots.length === 0 && <NoSnapshots timeline={timeline} />}

      {timeline && snapshots.length > 0 && (
        <>
          <SnapshotTimelineChart
            snapshots={snapshots}
            days={timeline.retentionDays ?? Math.max(1, timeline.daysCovered)}
            now={now}
            selectedId={selectedId}
            onSelect={setSelectedId}
          />
          <div class="snapshot-choice" data-testid="snapshot-selection">
            {drillError && (
              <ErrorNotice
                error={drillError}
                title="The restore test did not start."
                testId="drill-error"
              />
            )}
            {selected ? (
              <SelectedSnapshot
                snapshot={selected}
                instanceName={instance.name}
                now={now}
                restoreRunning={restoreRunning}
                onRestore={() => setRestoring(selected)}
                onClone={() => setCloning(selected)}
                onExport={() => setExporting(selected)}
                drillBusy={drillStarting || drillRunning}
                onDrill={() => void startDrill(selected)}
              />
            ) : (
              <p class="muted" data-testid="snapshot-hint">
                Choose a snapshot on the timeline or in the list to see what restoring it would
                cost.
              </p>
            )}
          </div>
          <h4 id="snapshot-list-heading" class="visually-hidden">
            Snapshots by day
          </h4>
          <SnapshotList
            snapshots={snapshots}
            now={now}
            selectedId={selectedId}
            onSelect={setSelectedId}
            labelledBy="snapshot-list-heading"
          />
        </>
      )}

      {confirmReplace && (
        <Dialog
          open
          role="alertdialog"
          title="Replace the current snapshot?"
          description={`Aura keeps only one snapshot of ${instance.name} on this plan. Taking a new one replaces the one you have now.`}
          onClose={() => setConfirmReplace(false)}
          testId="replace-snapshot-dialog"
          actions={
            <>
              <Button onClick={() => setConfirmReplace(false)}>Cancel</Button>
              <Button
                variant="danger"
                onClick={() => void takeNow()}
                data-testid="replace-snapshot-confirm"
              >
                Replace it
              </Button>
            </>
          }
        />
      )}

      {restoring && timeline && (
        <RestoreDialog
          instance={instance}
          snapshot={restoring}
          keepsOnlyLatest={timeline.keepsOnlyLatest}
          onClose={() => setRestoring(null)}
          onStarted={onRestoreStarted}
        />
      )}

      {cloning && (
        <CloneDialog
          instance={instance}
          snapshot={cloning}
          jobId={cloneJobId}
          onStarted={setCloneJobId}
          onClose={closeClone}
        />
      )}

      {exporting && (
        <SnapshotExportDialog
          instance={instance}
          snapshot={exporting}
          onClose={() => setExporting(null)}
        />
      )}

      {revealJobId && (
        <RevealPasswordDialog jobId={revealJobId} onClose={() => setRevealJobId(null)} />
      )}
    </section>
  );
}

function SelectedSnapshot({
  snapshot,
  instanceName,
  now,
  restoreRunning,
  onRestore,
  onClone,
  onExport,
  drillBusy,
  onDrill,
}: {
  snapshot: SnapshotView;
  instanceName: string;
  now: number;
  restoreRunning: boolean;
  onRestore: () => void;
  onClone: () => void;
  /** Opens the guided export (offered on every restorable snapshot; disabled with a reason). */
  onExport: () => void;
  /** A restore test of this instance is starting or running. */
  drillBusy: boolean;
  onDrill: () => void;
}) {
  const unavailable = unavailableReason(snapshot);
  const cloneable = canClone(snapshot);
  const noExport = exportUnavailableReason(snapshot);
  const noExportId = useId();
  return (
    <>
      <p class="snapshot-choice__what">
        <strong>
          {snapshot.purpose ?? `${snapshot.profileLabel} snapshot`} from{' '}
          <time dateTime={snapshot.timestamp} title={formatUtc(snapshot.timestamp)}>
            {sincePhrase(snapshot.timestamp, now)}
          </time>
        </strong>
      </p>
      <p class="loss" data-testid="data-loss">
        {unavailable ?? dataLossSentence(snapshot.timestamp, now)}
      </p>
      {!unavailable && (
        <>
          {cloneable ? (
            <p class="muted">
              Not sure? Open it as a new instance first to look at its data; {instanceName} stays as
              it is.
            </p>
          ) : (
            <p class="muted">
              This snapshot can be restored, but not exported or used for a new instance.
            </p>
          )}
          {noExport !== null && (
            <p class="muted" id={noExportId} data-testid="export-unavailable">
              {noExport}
            </p>
          )}
          {restoreRunning && (
            <p class="muted" data-testid="restore-busy">
              A restore of {instanceName} is under way. Wait for it to finish before starting
              another.
            </p>
          )}
          {cloneable && (
            <p class="muted" data-testid="drill-explanation">
              <strong>Test a restore:</strong> Creates a temporary copy from this snapshot, checks
              it, and measures how long a restore takes. Nothing in {instanceName} changes. The copy
              is billed like any instance until you delete it.
            </p>
          )}
          <div class="snapshot-choice__actions">
            {cloneable && (
              <Button onClick={onClone} data-testid="clone-snapshot">
                Open as a new instance…
              </Button>
            )}
            {cloneable && (
              <Button loading={drillBusy} onClick={onDrill} data-testid="start-drill">
                {drillBusy ? 'Testing a restore…' : 'Test a restore'}
              </Button>
            )}
            <Button
              onClick={onExport}
              disabled={noExport !== null}
              aria-describedby={noExport !== null ? noExportId : undefined}
              data-testid="export-snapshot"
            >
              Export…
            </Button>
            <Button
              variant="danger"
              onClick={onRestore}
              disabled={restoreRunning}
              data-testid="restore-snapshot"
            >
              Restore…
            </Button>
          </div>
        </>
      )}
    </>
  );
}

function NoSnapshots({ timeline }: { timeline: SnapshotTimeline }) {
  return (
    <EmptyState
      title={timeline.keepsOnlyLatest ? 'No snapshot yet' : 'No snapshots yet'}
      testId="snapshots-empty"
    >
      <p>{timeline.scheduleSummary}</p>
      <p>
        Use <strong>Take a snapshot now</strong> above to save the data as it is. It usually takes a
        few minutes, and you can keep working meanwhile.
      </p>
    </EmptyState>
  );
}
