import { useEffect, useState } from 'preact/hooks';
import { type AppError, type ResumableUpload, toAppError, useBackend } from '../../api';
import { Button, ErrorNotice, useToast } from '../../components';
import { useJobs } from '../jobs';

export type ResumeUploadsProps = {
  /** An upload was resumed: show its instance, where its progress appears. */
  onResumed?: (instanceId: string) => void;
};

function percentText(percent: number): string {
  const value = Number.isFinite(percent) ? Math.min(Math.max(Math.floor(percent), 0), 100) : 0;
  return `${value} % done`;
}

/**
 * A banner for each upload that stopped part-way (the app was closed, the network dropped), asked
 * for once at startup: Resume makes it a normal job again, Discard forgets it.
 */
export function ResumeUploads({ onResumed }: ResumeUploadsProps) {
  const backend = useBackend();
  const toast = useToast();
  const [uploads, setUploads] = useState<ResumableUpload[]>([]);

  useEffect(() => {
    let live = true;
    backend.listResumableUploads().then(
      (list) => {
        if (live && Array.isArray(list)) setUploads(list);
      },
      (reason: unknown) => {
        if (!live) return;
        toast.show({
          tone: 'error',
          message: `Couldn't check for unfinished uploads. ${toAppError(reason).message}`,
        });
      },
    );
    return () => {
      live = false;
    };
  }, [backend, toast]);

  if (uploads.length === 0) return null;
  const remove = (uploadId: string) =>
    setUploads((list) => list.filter((u) => u.uploadId !== uploadId));

  return (
    <div class="resume-banners">
      {uploads.map((upload) => (
        <ResumeBanner
          key={upload.uploadId}
          upload={upload}
          onDone={() => remove(upload.uploadId)}
          onResumed={onResumed}
        />
      ))}
    </div>
  );
}

function ResumeBanner({
  upload,
  onDone,
  onResumed,
}: {
  upload: ResumableUpload;
  onDone: () => void;
  onResumed?: (instanceId: string) => void;
}) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();
  const [busy, setBusy] = useState<'resume' | 'discard' | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const resume = async () => {
    setBusy('resume');
    setError(null);
    try {
      await jobs.start((onUpdate) => backend.resumeUpload(upload.uploadId, onUpdate));
      onDone();
      onResumed?.(upload.instanceId);
    } catch (reason) {
      setError(toAppError(reason));
      setBusy(null);
    }
  };

  const discard = async () => {
    setBusy('discard');
    setError(null);
    try {
      await backend.discardUpload(upload.uploadId);
      onDone();
      toast.show({
        tone: 'success',
        message: upload.uploaded
          ? `Stopped following the import of ${upload.fileName}. Aura carries on with it; ${upload.instanceName} shows its status.`
          : `Discarded the unfinished upload of ${upload.fileName}. Your file and ${upload.instanceName} were not changed.`,
      });
    } catch (reason) {
      setError(toAppError(reason));
      setBusy(null);
    }
  };

  return (
    <section
      class="resume-banner"
      data-testid="resume-banner"
      data-upload-id={upload.uploadId}
      aria-label={`Unfinished upload of ${upload.fileName}`}
    >
      <div class="resume-banner__text">
        {upload.uploaded ? (
          <>
            <p class="resume-banner__title">
              Aura was importing <strong>{upload.fileName}</strong> into{' '}
              <strong>{upload.instanceName}</strong> when Lifeboat stopped
            </p>
            <p class="muted">
              The whole file had been uploaded, so nothing needs to be sent again. Watch the import
              to learn when {upload.instanceName} runs with it, and to check its data.
            </p>
          </>
        ) : (
          <>
            <p class="resume-banner__title">
              Resume upload of <strong>{upload.fileName}</strong> to{' '}
              <strong>{upload.instanceName}</strong> ({percentText(upload.percent)})
            </p>
            <p class="muted">
              It stopped before it finished. The data in {upload.instanceName} has not been
              replaced, and your file was not changed.
            </p>
          </>
        )}
      </div>
      <div class="resume-banner__actions">
        <Button
          size="small"
          variant="primary"
          loading={busy === 'resume'}
          disabled={busy === 'discard'}
          onClick={() => void resume()}
          data-testid="resume-upload"
        >
          {upload.uploaded ? 'Watch import' : 'Resume upload'}
        </Button>
        <Button
          size="small"
          loading={busy === 'discard'}
          disabled={busy === 'resume'}
          onClick={() => void discard()}
          data-testid="discard-upload"
        >
          {upload.uploaded ? 'Dismiss' : 'Discard'}
        </Button>
      </div>
      {error && (
        <ErrorNotice
          error={error}
          title={busy === null ? 'That did not work. Nothing was changed.' : undefined}
          testId="resume-error"
        />
      )}
    </section>
  );
}
