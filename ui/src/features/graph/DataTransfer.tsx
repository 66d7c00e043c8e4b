import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { type AppError, type InstanceView, toAppError, useBackend } from '../../api';
import { Button, ErrorNotice, Progress } from '../../components';
import { DbLoginForm, useDbLogin } from '../accounts';
import { JobProgress, useJobs } from '../jobs';
import { GraphImportDialog } from './GraphImportDialog';

export type DataTransferProps = {
  instance: Pick<InstanceView, 'id' | 'name' | 'tier'>;
};

/** Thrown through `jobs.start` when the save dialog was cancelled: nothing started, nothing to say. */
const NOT_STARTED = Symbol('not started');

/**
 * "Export data…" and "Import data…" for one instance: a logical copy of every node and
 * relationship to or from a file, through the Query API with the database login. The export asks
 * where to save (native dialog); the import asks for the file, then for RESTORE. Both run as jobs
 * shown here, and are kept in the history. Key it by instance id.
 */
export function DataTransfer({ instance }: DataTransferProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const login = useDbLogin(instance.id);
  const headingId = useId();

  const [exporting, setExporting] = useState(false);
  const [choosing, setChoosing] = useState(false);
  const [error, setError] = useState<{ title: string; error: AppError } | null>(null);
  const [importPath, setImportPath] = useState<string | null>(null);
  const [wantsLogin, setWantsLogin] = useState(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const mine = jobs.jobs.filter((j) => j.instanceId === instance.id);
  const transfers = mine.filter((j) => j.kind === 'graph-export' || j.kind === 'graph-import');
  const replacing = mine.some(
    (j) =>
      (j.kind === 'graph-import' || j.kind === 'restore' || j.kind === 'upload') &&
      j.outcome === null,
  );
  const saved = login.status?.saved === true;

  const exportData = async () => {
    setError(null);
    setExporting(true);
    try {
      await jobs.start(async (onUpdate) => {
        const started = await backend.exportGraph(instance.id, onUpdate);
        if (!started) throw NOT_STARTED;
        return started;
      });
    } catch (reason) {
      if (reason !== NOT_STARTED && mounted.current) {
        setError({ title: 'The export did not start.', error: toAppError(reason) });
      }
    } finally {
      if (mounted.current) setExporting(false);
    }
  };

  const chooseFile = async () => {
    setError(null);
    setChoosing(true);
    try {
      const path = await backend.chooseGraphFile();
      if (path && mounted.current) setImportPath(path);
    } catch (reason) {
      if (mounted.current) {
        setError({ title: "Lifeboat couldn't open the file chooser.", error: toAppError(reason) });
      }
    } finally {
      if (mounted.current) setChoosing(false);
    }
  };

  const act = (run: () => Promise<void>) => {
    if (!saved) {
      setWantsLogin(true);
      return;
    }
    void run();
  };

  return (
    <section
      class="file-restore data-transfer"
      data-testid="data-transfer"
      aria-labelledby={headingId}
    >
      <header class="file-restore__header">
        <h3 id={headingId} class="file-restore__title">
          Export or import the data
        </h3>
      </header>
      <p class="file-restore__intro" data-testid="data-transfer-intro">
        Copy every node and relationship of {instance.name} to a file on this computer, or replace
        them with such a file. This is a logical copy of nodes and relationships, read and written
        with the database login, not a binary snapshot: indexes, constraints and users are not in
        it. It works on every plan.
      </p>

      {transfers.length > 0 && (
        <div class="file-restore__activity" data-testid="data-transfer-activity">
          {transfers.map((job) => (
            <JobProgress
              key={job.id}
              job={job}
              onDismiss={() => jobs.dismiss(job.id)}
              onCancel={() => jobs.cancel(job.id)}
            />
          ))}
        </div>
      )}

      {wantsLogin && !saved && login.status && (
        <DbLoginForm
          instance={instance}
          intro={`Lifeboat reads and writes the data of ${instance.name} with its database login.`}
          onSaved={() => setWantsLogin(false)}
        />
      )}
      {!login.status && login.error && (
        <ErrorNotice
          error={login.error}
          title="Lifeboat couldn't check for a saved database login."
          onRetry={login.retry}
          testId="data-transfer-login-error"
        />
      )}
      {!login.status && !login.error && <Progress label="Checking for a saved database login…" />}

      <div class="data-transfer__actions">
        <Button
          onClick={() => act(exportData)}
          loading={exporting}
          disabled={!login.status}
          data-testid="export-data"
        >
          Export data…
        </Button>
        <Button
          variant="danger"
          onClick={() => act(chooseFile)}
          loading={choosing}
          disabled={!login.status || replacing}
          data-testid="import-data"
        >
          Import data…
        </Button>
      </div>
      {replacing && (
        <p class="muted" data-testid="data-transfer-busy">
          The data of {instance.name} is being replaced. Wait for it to finish before importing
          again.
        </p>
      )}
      {error && (
        <ErrorNotice error={error.error} title={error.title} testId="data-transfer-error" />
      )}

      {importPath && (
        <GraphImportDialog
          instance={instance}
          path={importPath}
          keepsOnlyLatest={instance.tier === 'free-db'}
          onClose={() => setImportPath(null)}
          onStarted={() => setImportPath(null)}
        />
      )}
    </section>
  );
}
