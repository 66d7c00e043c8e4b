import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import {
  type AppError,
  type ExportCandidate,
  type ExportEvent,
  type ExportPlan,
  type SnapshotView,
  toAppError,
  useBackend,
  type WatchedFolder,
} from '../../api';
import { Button, CopyButton, Dialog, ErrorNotice, Progress } from '../../components';
import {
  containingFolderLabel,
  EXPORT_LIMITATION,
  folderLabel,
  upsertCandidate,
  verifiedSentence,
  watchingSentence,
} from '../../lib/exports';
import { formatBytes } from '../../lib/files';
import { formatUtc } from '../../lib/time';
import { CheckList } from '../files/CheckList';
import { JobProgress, useJob, useJobs } from '../jobs';

export type SnapshotExportDialogProps = {
  instance: { id: string; name: string };
  snapshot: SnapshotView;
  onClose: () => void;
};

type Downloading = { fileName: string; folder: string; bytes: number };

/** The save dialog was cancelled: no job was started, and that is not an error. */
class SaveCancelled extends Error {}

/**
 * Guides a snapshot export: says plainly that Aura's API cannot download snapshots, opens the
 * console page with short steps, watches Downloads (and any folder the user adds) for the new
 * file, shows its inspection, asks where to keep it (the native save dialog, in the shell) and
 * shows the copy until it is verified. Mount only while open; closing stops the watch.
 */
export function SnapshotExportDialog({ instance, snapshot, onClose }: SnapshotExportDialogProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const removeId = useId();

  const [plan, setPlan] = useState<ExportPlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [folders, setFolders] = useState<WatchedFolder[]>([]);
  const [folderProblems, setFolderProblems] = useState<Record<string, string>>({});
  const [downloading, setDownloading] = useState<Downloading | null>(null);
  const [candidates, setCandidates] = useState<ExportCandidate[]>([]);
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<AppError | null>(null);
  const [adding, setAdding] = useState(false);
  const [removeDownload, setRemoveDownload] = useState(true);
  const [saving, setSaving] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);

  // attempt is a deliberate re-run trigger ("Try again"). Closing (unmount) ends the session.
  useEffect(() => {
    let live = true;
    let session: string | null = null;
    setPlanError(null);
    const onEvent = (event: ExportEvent) => {
      if (!live) return;
      if (event.event === 'downloading') setDownloading(event.data);
      else if (event.event === 'found') {
        const found = event.data;
        setCandidates((list) => upsertCandidate(list, found));
        setDownloading((d) => (d && d.fileName === found.fileName ? null : d));
      } else if (event.event === 'folderUnreadable') {
        const { folder, message } = event.data;
        setFolderProblems((p) => ({ ...p, [folder]: message }));
      }
    };
    backend.planSnapshotExport(instance.id, snapshot.id).then(
      async (next) => {
        if (!live) {
          backend.closeSnapshotExport(next.sessionId).catch(() => {});
          return;
        }
        session = next.sessionId;
        setPlan(next);
        setFolders(next.folders);
        try {
          await backend.watchSnapshotExport(next.sessionId, onEvent);
        } catch (reason) {
          if (live) setPlanError(toAppError(reason));
        }
      },
      (reason: unknown) => {
        if (live) setPlanError(toAppError(reason));
      },
    );
    return () => {
      live = false;
      if (session) backend.closeSnapshotExport(session).catch(() => {});
    };
  }, [backend, instance.id, snapshot.id, attempt]);

  const openConsole = async () => {
    if (!plan) return;
    setOpening(true);
    setOpenError(null);
    try {
      await backend.openExportConsole(plan.sessionId);
    } catch (reason) {
      setOpenError(toAppError(reason));
    } finally {
      setOpening(false);
    }
  };

  const addFolder = async () => {
    if (!plan) return;
    setAdding(true);
    try {
      const next = await backend.addExportFolder(plan.sessionId);
      if (next) setFolders(next);
    } catch (reason) {
      setOpenError(toAppError(reason));
    } finally {
      setAdding(false);
    }
  };

  const save = async (candidate: ExportCandidate) => {
    if (!plan || saving) return;
    setSaving(candidate.id);
    setSaveError(null);
    try {
      let started: string | null = null;
      await jobs.start(async (onUpdate) => {
        const result = await backend.saveSnapshotExport(
          plan.sessionId,
          candidate.id,
          removeDownload,
          onUpdate,
        );
        if (result === null) throw new SaveCancelled();
        started = result.jobId;
        return result;
      });
      if (started) setJobId(started);
    } catch (reason) {
      // A cancelled save dialog changes nothing: the file stays offered.
      if (!(reason instanceof SaveCancelled)) setSaveError(toAppError(reason));
    } finally {
      setSaving(null);
    }
  };

  const when = formatUtc(snapshot.timestamp);
  const title = `Export the snapshot of ${when}`;
  const running = job !== undefined && job.outcome === null;
  const succeeded = job?.outcome === 'succeeded';
  const showFiles = !running && !succeeded;

  return (
    <Dialog
      open
      title={title}
      description={EXPORT_LIMITATION}
      onClose={onClose}
      closeOnBackdropClick={false}
      size="wide"
      testId="export-dialog"
      actions={
        <Button
          variant={succeeded ? 'primary' : 'secondary'}
          onClick={onClose}
          data-testid="export-close"
        >
          {succeeded ? 'Done' : 'Close'}
        </Button>
      }
    >
      {planError && (
        <ErrorNotice
          error={planError}
          title="The export could not start."
          onRetry={() => setAttempt((n) => n + 1)}
          testId="export-plan-error"
        />
      )}
      {!plan && !planError && <Progress label="Preparing the export…" />}

      {plan && (
        <div class="export" data-testid="export-guide" data-sandbox={String(plan.console.sandbox)}>
          {showFiles && (
            <>
              {/* biome-ignore lint/a11y/noRedundantRoles: WebKit drops list semantics from unstyled lists; keep the role explicit. */}
              <ol class="export__steps" role="list" data-testid="export-steps">
                {plan.console.steps.map((step) => (
                  <li key={step}>{step}</li>
                ))}
              </ol>
              <div class="export__console">
                <Button
                  variant="primary"
                  loading={opening}
                  onClick={() => void openConsole()}
                  data-testid="export-open-console"
                >
                  {plan.console.sandbox ? 'Open the sandbox console' : 'Open Aura console'}
                </Button>
                <p class="muted export__address">
                  Or open this address in your browser:{' '}
                  <code data-testid="export-console-url">{plan.console.url}</code>{' '}
                  <CopyButton
                    text={plan.console.url}
                    what="console address"
                    testId="export-copy-url"
                  />
                </p>
              </div>
              {openError && <ErrorNotice error={openError} testId="export-open-error" />}
            </>
          )}

          {showFiles && (
            <section class="export__watch" aria-live="polite">
              <p class="export__watching" data-testid="export-watching">
                {candidates.length === 0 && (
                  <span class="btn__spinner export__spinner" aria-hidden="true" />
                )}
                {watchingSentence(folders)}
              </p>
              {folders.length > 1 && (
                <p class="muted" data-testid="export-folders">
                  {folders.map((f) => f.path).join(' · ')}
                </p>
              )}
              {folders
                .filter((f) => !f.exists)
                .map((f) => (
                  <p key={f.path} class="muted" data-testid="export-folder-missing">
                    {f.path} does not exist yet; Lifeboat watches for it.
                  </p>
                ))}
              {Object.entries(folderProblems).map(([folder, message]) => (
                <p key={folder} class="notice notice--warning" data-testid="export-folder-problem">
                  {message} ({folder})
                </p>
              ))}
              <Button
                size="small"
                variant="ghost"
                loading={adding}
                onClick={() => void addFolder()}
                data-testid="export-add-folder"
              >
                Watch another folder…
              </Button>
              {downloading && (
                <p data-testid="export-downloading">
                  Downloading {downloading.fileName}… {formatBytes(downloading.bytes)} so far.
                </p>
              )}
            </section>
          )}

          {showFiles &&
            candidates.map((candidate) => (
              <FoundFile
                key={candidate.id}
                candidate={candidate}
                saving={saving === candidate.id}
                onSave={() => void save(candidate)}
              >
                {candidate.usable && (
                  <div class="field field--check">
                    <label for={`${removeId}-${candidate.id}`}>
                      <input
                        id={`${removeId}-${candidate.id}`}
                        type="checkbox"
                        checked={removeDownload}
                        onChange={(e) => setRemoveDownload(e.currentTarget.checked)}
                        data-testid="export-remove-download"
                      />{' '}
                      Then remove it from {folderLabel(candidate.folder)} (only after the copy has
                      been checked)
                    </label>
                  </div>
                )}
              </FoundFile>
            ))}
          {saveError && (
            <ErrorNotice
              error={saveError}
              title="The file was not saved."
              testId="export-save-error"
            />
          )}

          {job && (
            <JobProgress job={job} onCancel={running ? () => jobs.cancel(job.id) : undefined} />
          )}
          {succeeded && job?.export && (
            <div class="notice notice--success" role="status" data-testid="export-result">
              <div class="notice__text">
                <p class="notice__title">
                  Saved as <code data-testid="export-saved-path">{job.export.destination}</code>
                </p>
                <p class="notice__message" data-testid="export-verified">
                  {verifiedSentence(job.export)}
                </p>
                {job.export.downloadRemoved && (
                  <p class="notice__message">
                    The download was removed from {containingFolderLabel(job.export.source)}.
                  </p>
                )}
                <p class="notice__message">It is recorded in History.</p>
              </div>
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}

function FoundFile({
  candidate,
  saving,
  onSave,
  children,
}: {
  candidate: ExportCandidate;
  saving: boolean;
  onSave: () => void;
  children?: ComponentChildren;
}) {
  const titleId = useId();
  return (
    <section
      class={`file-card${candidate.usable ? '' : ' file-card--blocked'}`}
      data-testid="export-candidate"
      data-usable={String(candidate.usable)}
      aria-labelledby={titleId}
    >
      <h4 id={titleId} class="file-card__name" data-testid="export-file-name">
        {candidate.fileName}
      </h4>
      <dl class="facts facts--compact">
        <div class="fact">
          <dt class="fact__label">Found in</dt>
          <dd class="fact__value">{candidate.folder}</dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Size</dt>
          <dd class="fact__value">{formatBytes(candidate.size)}</dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Kind of file</dt>
          <dd class="fact__value" data-testid="export-file-format">
            {candidate.formatLabel}
          </dd>
        </div>
      </dl>
      <CheckList checks={candidate.checks} testId="export-file-check" />
      {candidate.notes.map((note) => (
        <p key={note} class="notice notice--warning" data-testid="export-file-note">
          {note}
        </p>
      ))}
      {!candidate.usable && (
        <div class="notice notice--error" role="alert" data-testid="export-file-problem">
          <span class="notice__icon" aria-hidden="true">
            !
          </span>
          <div class="notice__text">
            <p class="notice__title">Lifeboat can't keep this file as the export.</p>
            <p class="notice__message">
              {candidate.problem ?? 'It did not pass the checks above. Download it again.'}
            </p>
            <p class="notice__message">The file was not changed.</p>
          </div>
        </div>
      )}
      {candidate.usable && children}
      {candidate.usable && (
        <div class="export__save">
          <Button variant="primary" loading={saving} onClick={onSave} data-testid="export-save">
            Save as…
          </Button>
          <span class="muted">Proposed name: {candidate.proposedName}</span>
        </div>
      )}
    </section>
  );
}
