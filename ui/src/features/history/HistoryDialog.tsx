import { useEffect, useId, useState } from 'preact/hooks';
import {
  type AppError,
  type ExportFormat,
  type HistoryEntry,
  type HistoryFilter,
  type JobKind,
  type JobOutcome,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, EmptyState, ErrorNotice, Progress, useToast } from '../../components';
import {
  ANY,
  dataLostText,
  durationText,
  instancesIn,
  KIND_LABELS,
  type NamedInstance,
  OUTCOME_LABELS,
} from '../../lib/history';
import { formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { ReportDialog } from './ReportDialog';

export type HistoryDialogProps = {
  onClose: () => void;
};

const EXPORT_LABELS: Record<ExportFormat, string> = {
  markdown: 'Markdown',
  csv: 'CSV (spreadsheet)',
};

/**
 * Every finished operation of the account in use, kept on this computer: filters (kind, instance,
 * outcome), a table (when, what, instance, reason, data lost, duration, outcome), saving as Markdown
 * or CSV, and each operation's report. Mount only while open.
 */
export function HistoryDialog({ onClose }: HistoryDialogProps) {
  const backend = useBackend();
  const toast = useToast();
  const formId = useId();
  const now = useNow(60_000);
  const [filter, setFilter] = useState<HistoryFilter>(ANY);
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  // Instances seen in any answer, so the instance filter keeps its choices while filtering.
  const [instances, setInstances] = useState<NamedInstance[]>([]);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [reportFor, setReportFor] = useState<string | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    backend.listHistory(filter).then(
      (next) => {
        if (!live) return;
        setEntries(next);
        setInstances((known) => instancesIn(next, known));
        setLoading(false);
      },
      (reason: unknown) => {
        if (!live) return;
        setError(toAppError(reason));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, filter, attempt]);

  const exportAs = async (format: ExportFormat) => {
    setExporting(format);
    try {
      const path = await backend.exportHistory(format, filter);
      if (path) toast.show({ tone: 'success', message: `Saved the history to ${path}.` });
    } catch (reason) {
      toast.show({
        tone: 'error',
        message: `Couldn't save the history. ${toAppError(reason).message}`,
      });
    } finally {
      setExporting(null);
    }
  };

  const filtered = filter.kind !== null || filter.instanceId !== null || filter.outcome !== null;

  return (
    <>
      <Dialog
        open
        size="wide"
        title="History"
        description="Every snapshot, restore, restore test, new instance and export made with Lifeboat for this account, kept on this computer. Times are your local time."
        onClose={onClose}
        testId="history-view"
        actions={
          <>
            <Button
              size="small"
              loading={exporting === 'markdown'}
              disabled={entries?.length === 0}
              onClick={() => void exportAs('markdown')}
              data-testid="history-export-markdown"
            >
              Save as Markdown…
            </Button>
            <Button
              size="small"
              loading={exporting === 'csv'}
              disabled={entries?.length === 0}
              onClick={() => void exportAs('csv')}
              data-testid="history-export-csv"
            >
              Save as CSV…
            </Button>
            <Button variant="primary" onClick={onClose} data-testid="history-close">
              Close
            </Button>
          </>
        }
      >
        <fieldset class="history__filters">
          <legend class="visually-hidden">Show only</legend>
          <div class="field">
            <label for={`${formId}-kind`}>What</label>
            <select
              id={`${formId}-kind`}
              value={filter.kind ?? ''}
              onChange={(event) => {
                const value = event.currentTarget.value;
                setFilter((f) => ({ ...f, kind: value === '' ? null : (value as JobKind) }));
              }}
              data-testid="history-filter-kind"
            >
              <option value="">Everything</option>
              {(Object.keys(KIND_LABELS) as JobKind[]).map((kind) => (
                <option key={kind} value={kind}>
                  {KIND_LABELS[kind]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={`${formId}-instance`}>Instance</label>
            <select
              id={`${formId}-instance`}
              value={filter.instanceId ?? ''}
              onChange={(event) => {
                const value = event.currentTarget.value;
                setFilter((f) => ({ ...f, instanceId: value === '' ? null : value }));
              }}
              data-testid="history-filter-instance"
            >
              <option value="">All instances</option>
              {instances.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={`${formId}-outcome`}>Outcome</label>
            <select
              id={`${formId}-outcome`}
              value={filter.outcome ?? ''}
              onChange={(event) => {
                const value = event.currentTarget.value;
                setFilter((f) => ({ ...f, outcome: value === '' ? null : (value as JobOutcome) }));
              }}
              data-testid="history-filter-outcome"
            >
              <option value="">Any</option>
              <option value="succeeded">{OUTCOME_LABELS.succeeded}</option>
              <option value="failed">{OUTCOME_LABELS.failed}</option>
            </select>
          </div>
        </fieldset>

        {error && (
          <ErrorNotice
            error={error}
            title="Couldn't read the history."
            onRetry={() => setAttempt((n) => n + 1)}
            testId="history-error"
          />
        )}
        {entries === null && !error && <Progress label="Reading the history…" />}
        {entries !== null && entries.length === 0 && (
          <EmptyState
            title={filtered ? 'Nothing matches these filters' : 'No operations yet'}
            testId="history-empty"
          >
            <p>
              {filtered
                ? 'Choose “Everything”, “All instances” and “Any” to see the whole history.'
                : 'When a snapshot, restore, restore test or export finishes, it is recorded here for good.'}
            </p>
          </EmptyState>
        )}
        {entries !== null && entries.length > 0 && (
          <div class="history__table-wrap" aria-busy={loading ? 'true' : undefined}>
            <table class="history__table" data-testid="history-table">
              <caption class="visually-hidden">
                {entries.length} {entries.length === 1 ? 'operation' : 'operations'}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Instance</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Data lost</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">
                    <span class="visually-hidden">Report</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr
                    key={e.jobId}
                    data-testid="history-row"
                    data-job-id={e.jobId}
                    data-kind={e.kind}
                    data-outcome={e.outcome}
                  >
                    <td>
                      <time dateTime={e.startedAt} title={formatUtc(e.startedAt)}>
                        {sincePhrase(e.startedAt, now)}
                      </time>
                    </td>
                    <td>
                      <strong class="history__kind">{KIND_LABELS[e.kind]}</strong>
                      <span class="history__title">{e.title}</span>
                      {e.savedPath && (
                        <span class="history__saved" data-testid="history-saved-path">
                          Saved as {e.savedPath}
                        </span>
                      )}
                    </td>
                    <td>{e.instanceName}</td>
                    <td class="history__reason">{e.reason ?? <span class="muted">—</span>}</td>
                    <td data-testid="history-data-lost">{dataLostText(e)}</td>
                    <td data-testid="history-duration">{durationText(e)}</td>
                    <td>
                      <span class={`history__outcome history__outcome--${e.outcome}`}>
                        <span aria-hidden="true">{e.outcome === 'succeeded' ? '✓' : '✕'}</span>{' '}
                        {OUTCOME_LABELS[e.outcome]}
                      </span>
                    </td>
                    <td>
                      <Button
                        size="small"
                        variant="ghost"
                        aria-label={`Report: ${KIND_LABELS[e.kind]} of ${e.instanceName}, ${sincePhrase(e.startedAt, now)}`}
                        onClick={() => setReportFor(e.jobId)}
                        data-testid="history-report"
                      >
                        Report
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p class="muted history__export-note">
          Saving writes {filtered ? 'the operations shown' : 'every operation'} as{' '}
          {EXPORT_LABELS.markdown} or {EXPORT_LABELS.csv}, to a place you choose.
        </p>
      </Dialog>
      {reportFor !== null && <ReportDialog jobId={reportFor} onClose={() => setReportFor(null)} />}
    </>
  );
}
