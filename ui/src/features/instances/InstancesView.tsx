import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type InstanceView, useBackend } from '../../api';
import { Button, EmptyState, ErrorNotice, Progress } from '../../components';
import { DbLoginFact } from '../accounts';
import { FileRestore, ResumeUploads } from '../files';
import { DataTransfer } from '../graph';
import { SnapshotBrowser } from '../snapshots';
import { Readiness } from '../strategy';
import { InstanceDetails } from './InstanceDetails';
import { InstanceList } from './InstanceList';
import { UpdatedAgo } from './UpdatedAgo';
import { useInstanceDetails } from './useInstanceDetails';
import { useInstances } from './useInstances';

export type InstancesViewProps = {
  /** Called once, when the first instance list has loaded. */
  onFirstLoad?: () => void;
};

/** The main screen: the polled instance list on the left, the selected instance on the right. */
export function InstancesView({ onFirstLoad }: InstancesViewProps) {
  const backend = useBackend();
  const { instances, error, updatedAt, refreshing, refresh } = useInstances(backend);
  // null until the user (or the first load) picks one; then pinned by id across refreshes.
  const [pickedId, setPickedId] = useState<string | null>(null);
  const [manualRefresh, setManualRefresh] = useState(false);
  const lastSeen = useRef(new Map<string, InstanceView>());

  const loaded = instances !== null;
  // Layout effect: `data-ready` lands in the same frame as the first rows.
  useLayoutEffect(() => {
    if (loaded) onFirstLoad?.();
  }, [loaded, onFirstLoad]);

  const firstId = instances?.[0]?.id ?? null;
  const selectedId = pickedId ?? firstId;
  useEffect(() => {
    if (!instances) return;
    for (const instance of instances) lastSeen.current.set(instance.id, instance);
    // Pin the initial selection so a reordered list doesn't move it.
    if (firstId !== null) setPickedId((current) => current ?? firstId);
  }, [instances, firstId]);

  useEffect(() => {
    if (!refreshing) setManualRefresh(false);
  }, [refreshing]);

  const selectedFromList = instances?.find((i) => i.id === selectedId) ?? null;
  const details = useInstanceDetails(backend, selectedFromList ? selectedId : null, updatedAt);
  const selected = details.detail ?? selectedFromList;

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
              within a few seconds. Lifeboat checks every 10 seconds while this window is open.
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
      <main class="pane pane--details">
        <ResumeUploads onResumed={setPickedId} />
        {selected ? (
          <InstanceDetails
            instance={selected}
            error={details.error}
            onRetry={details.retry}
            retrying={details.loading}
            extraFacts={<DbLoginFact key={selected.id} instance={selected} />}
          >
            <SnapshotBrowser key={`snapshots-${selected.id}`} instance={selected} />
            <FileRestore key={`file-${selected.id}`} instance={selected} />
            <DataTransfer key={`data-${selected.id}`} instance={selected} />
            <Readiness key={`readiness-${selected.id}`} instance={selected} />
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
