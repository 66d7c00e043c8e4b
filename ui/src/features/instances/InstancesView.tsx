import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type InstanceView, type JobState, useBackend } from '../../api';
import { Button, EmptyState, ErrorNotice, Progress } from '../../components';
import { jobObservations, listPace, withFreshestStatus } from '../../lib/jobs';
import { DbLoginFact } from '../accounts';
import { FileRestore, ResumeUploads } from '../files';
import { DataTransfer } from '../graph';
import { useOptionalJobs } from '../jobs';
import { SnapshotBrowser } from '../snapshots';
import { Readiness } from '../strategy';
import { InstanceDetails } from './InstanceDetails';
import { InstanceList } from './InstanceList';
import { Section } from './SectionNav';
import { UpdatedAgo } from './UpdatedAgo';
import { useInstanceDetails } from './useInstanceDetails';
import { useInstances } from './useInstances';

export type InstancesViewProps = {
  /** Called once, when the first instance list has loaded. */
  onFirstLoad?: () => void;
};

const NO_JOBS: JobState[] = [];

/** The main screen: the polled instance list on the left, the selected instance on the right. */
export function InstancesView({ onFirstLoad }: InstancesViewProps) {
  const backend = useBackend();
  const jobs = useOptionalJobs()?.jobs ?? NO_JOBS;
  const jobsNow = useRef(jobs);
  jobsNow.current = jobs;
  const {
    instances: fetched,
    error,
    updatedAt,
    refreshing,
    refresh,
  } = useInstances(backend, (latest) => listPace(latest, jobsNow.current));
  // A job that ends changes its instance: read the list at once instead of at the next tick.
  const finishedJobs = jobs.filter((j) => j.outcome !== null).length;
  const seenFinished = useRef(finishedJobs);
  useEffect(() => {
    if (finishedJobs > seenFinished.current) refresh();
    seenFinished.current = finishedJobs;
  }, [finishedJobs, refresh]);
  // null until the user (or the first load) picks one; then pinned by id across refreshes.
  const [pickedId, setPickedId] = useState<string | null>(null);
  const [manualRefresh, setManualRefresh] = useState(false);
  const lastSeen = useRef(new Map<string, InstanceView>());

  const loaded = fetched !== null;
  // Layout effect: `data-ready` lands in the same frame as the first rows.
  useLayoutEffect(() => {
    if (loaded) onFirstLoad?.();
  }, [loaded, onFirstLoad]);

  const firstId = fetched?.[0]?.id ?? null;
  const selectedId = pickedId ?? firstId;
  useEffect(() => {
    if (!fetched) return;
    for (const instance of fetched) lastSeen.current.set(instance.id, instance);
    // Pin the initial selection so a reordered list doesn't move it.
    if (firstId !== null) setPickedId((current) => current ?? firstId);
  }, [fetched, firstId]);

  useEffect(() => {
    if (!refreshing) setManualRefresh(false);
  }, [refreshing]);

  // Another instance starts at its top, not at the scroll position of the last one.
  const detailsPane = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    if (selectedId !== null && detailsPane.current) detailsPane.current.scrollTop = 0;
  }, [selectedId]);

  // The list already reads every instance whole; the details pane reads its own again only when it is chosen and
  // when the list says its status changed (each read is an Aura request).
  const listed = fetched?.find((i) => i.id === selectedId) ?? null;
  const detailsKey = listed ? listed.status : null;
  const details = useInstanceDetails(backend, listed ? selectedId : null, detailsKey);
  // One truth: the freshest read of each instance's status (a job's, the details pane's, the list's) is shown in
  // the list and the header alike, until the next list read catches up.
  const instances = useMemo(() => {
    if (!fetched) return null;
    const reads = jobObservations(jobs);
    if (details.detail && details.detailAt !== null) {
      reads.push({ ...details.detail, instanceId: details.detail.id, at: details.detailAt });
    }
    return withFreshestStatus(fetched, updatedAt, reads);
  }, [fetched, jobs, updatedAt, details.detail, details.detailAt]);
  const selectedFromList = instances?.find((i) => i.id === selectedId) ?? null;
  // The header says what the list says; the single read adds the facts the list lacks.
  const selected =
    details.detail && selectedFromList
      ? {
          ...details.detail,
          status: selectedFromList.status,
          statusLabel: selectedFromList.statusLabel,
          statusTone: selectedFromList.statusTone,
        }
      : selectedFromList;

  const refreshNow = () => {
    setManualRefresh(true);
    refresh();
  };

  const header = (
    <div class="pane__header">
      <h2 id="instances-heading" class="pane__title">
        Instances
      </h2>
      {loaded && (
        <Button
          variant="ghost"
          size="small"
          loading={manualRefresh && refreshing}
          onClick={refreshNow}
          data-testid="refresh-instances"
        >
          Refresh
        </Button>
      )}
      <UpdatedAgo updatedAt={updatedAt} stale={error !== null} />
    </div>
  );

  // First load: still waiting, or it failed.
  if (!instances) {
    return (
      <div class="workspace workspace--single">
        <section class="pane" aria-labelledby="instances-heading">
          {header}
          {error ? (
            <ErrorNotice
              error={error}
              title="Couldn't load your instances."
              onRetry={refreshNow}
              retrying={refreshing}
              testId="instances-error"
            />
          ) : (
            <div class="loading" data-testid="instances-loading">
              <Progress label="Loading your instances…" />
            </div>
          )}
        </section>
      </div>
    );
  }

  const refreshError = error && (
    <ErrorNotice
      error={error}
      title="Couldn't refresh the list. Showing what we last saw."
      onRetry={refreshNow}
      retrying={refreshing}
      testId="instances-error"
    />
  );

  if (instances.length === 0) {
    return (
      <div class="workspace workspace--single">
        <section class="pane" aria-labelledby="instances-heading">
          {header}
          {refreshError}
          <EmptyState title="No instances in this project yet" testId="instances-empty">
            <p>
              When an instance is created in the Neo4j Aura console, it appears here on its own
              within a minute while this window is open, or at once when you choose Refresh.
            </p>
          </EmptyState>
        </section>
      </div>
    );
  }

  const gone = selectedId !== null && !selectedFromList ? lastSeen.current.get(selectedId) : null;

  return (
    <div class="workspace">
      <nav class="pane pane--list" aria-labelledby="instances-heading">
        {header}
        {refreshError}
        <InstanceList
          instances={instances}
          selectedId={selectedId}
          onSelect={setPickedId}
          labelledBy="instances-heading"
        />
      </nav>
      <main class="pane pane--details" ref={detailsPane}>
        <ResumeUploads onResumed={setPickedId} />
        {selected ? (
          <InstanceDetails
            instance={selected}
            error={details.error}
            onRetry={details.retry}
            retrying={details.loading}
            extraFacts={<DbLoginFact key={selected.id} instance={selected} />}
          >
            <Section id="snapshots">
              <SnapshotBrowser key={`snapshots-${selected.id}`} instance={selected} />
            </Section>
            <Section id="file">
              <FileRestore key={`file-${selected.id}`} instance={selected} />
            </Section>
            <Section id="data">
              <DataTransfer key={`data-${selected.id}`} instance={selected} />
            </Section>
            <Section id="strategy">
              <Readiness key={`readiness-${selected.id}`} instance={selected} />
            </Section>
          </InstanceDetails>
        ) : gone ? (
          <div class="details-placeholder" data-testid="details-gone" role="status">
            <p>
              <strong>{gone.name}</strong> is no longer in this project's list. It may have been
              deleted, or the list may still be catching up. Choose another instance on the left.
            </p>
          </div>
        ) : (
          <div class="details-placeholder">
            <p>Choose an instance on the left to see its details.</p>
          </div>
        )}
      </main>
    </div>
  );
}
