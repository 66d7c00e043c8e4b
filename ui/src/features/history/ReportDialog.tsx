import { useEffect, useId, useState } from 'preact/hooks';
import { type AppError, type HistoryReport, toAppError, useBackend } from '../../api';
import {
  Button,
  CopyButton,
  Dialog,
  ErrorNotice,
  MarkdownDocument,
  Progress,
  useToast,
} from '../../components';

export type ReportDialogProps = {
  /** The operation whose report to show (its job id). */
  jobId: string;
  onClose: () => void;
};

/** One block of text to copy: a heading, the text as written, and a Copy button. */
function CopyBlock(props: {
  title: string;
  hint?: string;
  text: string;
  what: string;
  testId: string;
  copyTestId: string;
}) {
  const headingId = useId();
  return (
    <section class="report__block" aria-labelledby={headingId}>
      <div class="report__block-header">
        <h3 id={headingId} class="report__block-title">
          {props.title}
        </h3>
        <CopyButton text={props.text} what={props.what} testId={props.copyTestId} />
      </div>
      {props.hint && <p class="muted">{props.hint}</p>}
      {/* Wrapped, never scrolled on its own: the dialog scrolls, and Copy is the keyboard path. */}
      <pre class="report__text" data-testid={props.testId}>
        {props.text}
      </pre>
    </section>
  );
}

/**
 * One operation's report, as the engine wrote it, shown as a document (the Markdown rendered), with
 * "Copy as Markdown" and "Save…" (both give exactly the engine's text), and the two messages to send
 * colleagues before and after a restore, each with Copy.
 */
export function ReportDialog({ jobId, onClose }: ReportDialogProps) {
  const backend = useBackend();
  const toast = useToast();
  const [report, setReport] = useState<HistoryReport | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [saving, setSaving] = useState(false);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setError(null);
    backend.historyReport(jobId).then(
      (next) => {
        if (live) setReport(next);
      },
      (reason: unknown) => {
        if (live) setError(toAppError(reason));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, jobId, attempt]);

  const save = async () => {
    setSaving(true);
    try {
      const path = await backend.saveReport(jobId);
      if (path) toast.show({ tone: 'success', message: `Saved the report to ${path}.` });
    } catch (reason) {
      toast.show({
        tone: 'error',
        message: `Couldn't save the report. ${toAppError(reason).message}`,
      });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      size="wide"
      title="Report"
      description="What was done, when, why, what it cost and how long it took. Copy it or save it as a file; the two messages below are ready to send to your colleagues."
      onClose={onClose}
      testId="report-dialog"
      actions={
        <Button variant="primary" onClick={onClose} data-testid="report-close">
          Close
        </Button>
      }
    >
      {error && (
        <ErrorNotice
          error={error}
          title="Couldn't load the report."
          onRetry={() => setAttempt((n) => n + 1)}
          testId="report-error"
        />
      )}
      {!report && !error && <Progress label="Writing the report…" />}
      {report && (
        <div class="report">
          <section class="report__document" aria-label="Report">
            <div class="report__actions">
              <CopyButton
                text={report.markdown}
                what="report, as Markdown"
                label="Copy as Markdown"
                testId="copy-report"
              />
              <Button
                size="small"
                loading={saving}
                onClick={() => void save()}
                data-testid="save-report"
              >
                Save…
              </Button>
            </div>
            <MarkdownDocument markdown={report.markdown} testId="report-markdown" />
          </section>
          <CopyBlock
            title="Message before a restore"
            hint="Send this before you start: when, how long, the impact and what will be lost."
            text={report.messages.before}
            what="message for before the restore"
            testId="report-message-before"
            copyTestId="copy-message-before"
          />
          <CopyBlock
            title="Message after the restore"
            hint="Send this when it is done: how it went, how long it took and the last data point kept."
            text={report.messages.after}
            what="message for after the restore"
            testId="report-message-after"
            copyTestId="copy-message-after"
          />
        </div>
      )}
    </Dialog>
  );
}
