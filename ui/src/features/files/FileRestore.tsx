import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  type AppError,
  type FileRestoreCost,
  type Inspection,
  type InstanceView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, ErrorNotice, Progress, useToast } from '../../components';
import { baseName } from '../../lib/files';
import { bringIntoView } from '../../lib/view';
import { DbLoginForm, useDbLogin } from '../accounts';
import { JobProgress, useJobs } from '../jobs';
import { FileCard } from './FileCard';
import { FileCost } from './FileCost';
import { useFileDrops } from './FileDropProvider';
import { FileRestoreDialog } from './FileRestoreDialog';

export type FileRestoreProps = {
  instance: Pick<InstanceView, 'id' | 'name' | 'tier'>;
};

/**
 * "Restore from a backup file" for one instance: a drop zone with "Choose file…" beside it, the
 * file's card and checklist, the database login when none is saved, the confirmation, and the
 * upload's progress. The user's file is only ever read. Key it by instance id.
 */
export function FileRestore({ instance }: FileRestoreProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();
  const drops = useFileDrops();
  const login = useDbLogin(instance.id);
  const headingId = useId();

  const [path, setPath] = useState<string | null>(null);
  const [inspection, setInspection] = useState<Inspection | null>(null);
  const [inspectError, setInspectError] = useState<AppError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);
  const [chooseError, setChooseError] = useState<AppError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [cost, setCost] = useState<FileRestoreCost | null>(null);
  /** The job started from the card: the card stays until it succeeds, so a retry is one click. */
  const [startedJob, setStartedJob] = useState<string | null>(null);
  const request = useRef(0);
  const mounted = useRef(true);
  /** Where a chosen or dropped file's result appears: brought into view and focused, so the drop visibly did something. */
  const result = useRef<HTMLDivElement>(null);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const inspect = useCallback(
    async (next: string) => {
      const mine = ++request.current;
      setPath(next);
      setInspection(null);
      setInspectError(null);
      setMessage(null);
      setChooseError(null);
      setCost(null);
      setStartedJob(null);
      // After the render that shows "Checking…": a drop on a long snapshot list must not land off-screen.
      requestAnimationFrame(() => bringIntoView(result.current));
      try {
        const result = await backend.inspectFile(next, instance.id);
        if (mounted.current && mine === request.current) setInspection(result);
        if (result.canUpload) {
          // What restoring costs, shown on the card before the dialog opens; a failure only hides it.
          backend.fileRestoreCost(instance.id, result.backupTime ?? null).then(
            (next) => {
              if (mounted.current && mine === request.current) setCost(next);
            },
            () => {},
          );
        }
      } catch (reason) {
        if (mounted.current && mine === request.current) setInspectError(toAppError(reason));
      }
    },
    [backend, instance.id],
  );

  const confirmingRef = useRef(confirming);
  confirmingRef.current = confirming;
  const { register } = drops;
  useEffect(
    () =>
      register({
        onFile: (dropped) => {
          if (confirmingRef.current) {
            toast.show({
              tone: 'info',
              message: 'Finish or cancel the open confirmation first, then drop the file again.',
            });
            return;
          }
          void inspect(dropped);
        },
        onMessage: setMessage,
      }),
    [register, inspect, toast],
  );

  const choose = async () => {
    setChoosing(true);
    setChooseError(null);
    try {
      const chosen = await backend.chooseBackupFile();
      if (chosen && mounted.current) void inspect(chosen);
    } catch (reason) {
      if (mounted.current) setChooseError(toAppError(reason));
    } finally {
      if (mounted.current) setChoosing(false);
    }
  };

  const clear = () => {
    request.current += 1;
    setPath(null);
    setInspection(null);
    setInspectError(null);
    setCost(null);
    setStartedJob(null);
  };

  const mine = jobs.jobs.filter((j) => j.instanceId === instance.id);
  const uploads = mine.filter((j) => j.kind === 'upload');
  const busy = mine.some(
    (j) => (j.kind === 'upload' || j.kind === 'restore') && j.outcome === null,
  );
  const keepsOnlyLatest = instance.tier === 'free-db';
  const started = startedJob ? mine.find((j) => j.id === startedJob) : undefined;
  // A restore from this card that succeeded: the card has done its work. One that failed keeps it for a retry.
  useEffect(() => {
    if (started?.outcome === 'succeeded') clear();
  });

  return (
    <section class="file-restore" data-testid="file-restore" aria-labelledby={headingId}>
      <header class="file-restore__header">
        <h3 id={headingId} class="file-restore__title">
          Restore from a backup file
        </h3>
      </header>
      <p class="file-restore__intro">
        Load a backup made with neo4j-admin into {instance.name}. Lifeboat only reads your file; it
        never changes it.
      </p>

      {uploads.length > 0 && (
        <div class="file-restore__activity" data-testid="file-activity">
          {uploads.map((job) => (
            <JobProgress
              key={job.id}
              job={job}
              onDismiss={() => jobs.dismiss(job.id)}
              onCancel={() => jobs.cancel(job.id)}
            />
          ))}
        </div>
      )}

      <div class="file-drop">
        <div
          class={`drop-zone${drops.hover ? ' drop-zone--hover' : ''}`}
          data-testid="file-drop-zone"
          data-hover={drops.hover ? 'true' : 'false'}
        >
          <svg class="drop-zone__icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 3v12M7 10l5 5 5-5M4 19h16" />
          </svg>
          <p class="drop-zone__text">
            {drops.hover ? 'Drop it here' : 'Drop a .backup, .dump or .tar file here'}
          </p>
        </div>
        <Button onClick={() => void choose()} loading={choosing} data-testid="choose-file">
          Choose file…
        </Button>
      </div>

      {message && (
        <p class="file-restore__message" role="status" data-testid="file-drop-message">
          {message}
        </p>
      )}
      {chooseError && (
        <ErrorNotice
          error={chooseError}
          title="Lifeboat couldn't open the file chooser."
          onRetry={() => void choose()}
          testId="choose-file-error"
        />
      )}

      <div class="file-restore__result" ref={result} tabIndex={-1} data-testid="file-result">
        {path && !inspection && !inspectError && (
          <div data-testid="file-inspecting">
            <Progress label={`Checking ${baseName(path)}…`} />
          </div>
        )}
        {path && inspectError && (
          <ErrorNotice
            error={inspectError}
            title={`Lifeboat couldn't check ${baseName(path)}. Nothing was changed, and your file was not touched.`}
            onRetry={() => void inspect(path)}
            testId="file-inspect-error"
          />
        )}

        {inspection && (
          <FileCard inspection={inspection}>
            {inspection.canUpload && cost && <FileCost cost={cost} testId="file-cost" />}
            {inspection.canUpload && (
              <NextStep
                instance={instance}
                login={login}
                busy={busy}
                onRestore={() => setConfirming(true)}
              />
            )}
            <div class="file-card__actions">
              <Button size="small" variant="ghost" onClick={clear} data-testid="file-clear">
                Choose a different file
              </Button>
            </div>
          </FileCard>
        )}
      </div>

      {confirming && inspection && (
        <FileRestoreDialog
          instance={instance}
          inspection={inspection}
          keepsOnlyLatest={keepsOnlyLatest}
          onClose={() => setConfirming(false)}
          onStarted={(jobId) => {
            setConfirming(false);
            setStartedJob(jobId);
          }}
        />
      )}
    </section>
  );
}

/** After a good file: the database login if none is saved, then the restore button. */
function NextStep({
  instance,
  login,
  busy,
  onRestore,
}: {
  instance: { id: string; name: string };
  login: ReturnType<typeof useDbLogin>;
  busy: boolean;
  onRestore: () => void;
}) {
  if (!login.status) {
    return login.error ? (
      <ErrorNotice
        error={login.error}
        title="Lifeboat couldn't check for a saved database login."
        onRetry={login.retry}
        testId="db-login-check-error"
      />
    ) : (
      <Progress label="Checking for a saved database login…" />
    );
  }
  if (!login.status.saved) {
    return (
      <DbLoginForm
        instance={instance}
        intro={`Lifeboat needs the database login of ${instance.name} to load the file and to count the data before and after.`}
      />
    );
  }
  return (
    <div class="file-card__next">
      {busy && (
        <p class="muted" data-testid="file-restore-busy">
          A restore of {instance.name} is under way. Wait for it to finish before starting another.
        </p>
      )}
      <Button variant="danger" disabled={busy} onClick={onRestore} data-testid="restore-file">
        Restore from this file…
      </Button>
    </div>
  );
}
