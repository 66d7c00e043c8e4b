import { useState } from 'preact/hooks';
import {
  type AppError,
  type ReadinessCheck,
  type ReadinessLevel,
  type ReadinessMeasure,
  type ScheduleSaved,
  type ScheduleView,
  toAppError,
  useBackend,
} from '../../api';
import { Button, Dialog, ErrorNotice, Progress, useToast } from '../../components';
import { formatDateTime } from '../../lib/format';
import { humanDuration } from '../../lib/time';
import { useJobs } from '../jobs';
import { CopiesDialog } from './CopiesDialog';
import { ObjectivesForm } from './ObjectivesForm';
import { objectivesWords } from './objectives';
import { useReadiness } from './useReadiness';

export type ReadinessProps = {
  /** The instance (only what the panel needs; an `InstanceView` will do). */
  instance: { id: string; name: string };
};

/** A mark for each level, beside its words and colour, so colour is never the only cue. */
const MARK: Record<ReadinessLevel, string> = {
  met: '✓',
  'at-risk': '!',
  'not-met': '✗',
  'no-objective': '–',
};

function LevelBadge({
  level,
  label,
  testId,
}: {
  level: ReadinessLevel;
  label: string;
  testId?: string;
}) {
  return (
    <span
      class={`readiness-level readiness-level--${level}`}
      data-level={level}
      data-testid={testId}
    >
      <span class="readiness-level__mark" aria-hidden="true">
        {MARK[level]}
      </span>
      <span class="readiness-level__label">{label}</span>
    </span>
  );
}

/** The value against its objective as a small bar: full (and marked) when over the limit. */
function Meter({ measure, level }: { measure: ReadinessMeasure; level: ReadinessLevel }) {
  const ratio = measure.valueSecs === null ? 1 : measure.valueSecs / Math.max(1, measure.limitSecs);
  const width = `${Math.round(Math.min(1, ratio) * 100)}%`;
  const words =
    measure.valueSecs === null
      ? `no limit, against an objective of ${humanDuration(measure.limitSecs)}`
      : `${humanDuration(measure.valueSecs)} of ${humanDuration(measure.limitSecs)}`;
  return (
    <span class={`readiness-meter readiness-meter--${level}`} title={words}>
      <span class="readiness-meter__fill" style={{ width }} />
      <span class="visually-hidden">{words}</span>
    </span>
  );
}

function ScheduleRow({
  schedule,
  onRun,
  running,
  onToggleUnattended,
  onRemove,
}: {
  schedule: ScheduleView;
  onRun: () => void;
  running: boolean;
  onToggleUnattended: () => void;
  onRemove: () => void;
}) {
  const last = schedule.lastRun;
  return (
    <li class="copies-schedule" data-testid="copies-schedule" data-name={schedule.name}>
      <div>
        <strong>{schedule.name}</strong>: a copy {schedule.description}, keeping the newest{' '}
        {schedule.keep}, in <code>{schedule.folder}</code>.
      </div>
      <div class="muted">
        {last ? (
          <span data-testid="copies-last-run" data-outcome={last.outcome}>
            Last run {formatDateTime(last.at)}:{' '}
            {last.outcome === 'succeeded'
              ? 'copied and checked'
              : `no copy (${last.message ?? 'failed'})`}
            .
          </span>
        ) : (
          'No copy yet.'
        )}{' '}
        Next: {schedule.nextRun}.{' '}
        {schedule.practice
          ? 'Practice sandbox: copies are made while Lifeboat is open.'
          : schedule.unattended
            ? 'Also made while Lifeboat is closed.'
            : 'Made while Lifeboat is open.'}
      </div>
      <div class="copies-schedule__actions">
        <Button size="small" loading={running} onClick={onRun} data-testid="copies-run-now">
          Make a copy now
        </Button>
        {!schedule.practice && (
          <Button
            size="small"
            variant="ghost"
            onClick={onToggleUnattended}
            data-testid="copies-toggle-unattended"
          >
            {schedule.unattended ? 'Only while Lifeboat is open' : 'Also while Lifeboat is closed'}
          </Button>
        )}
        <Button size="small" variant="ghost" onClick={onRemove} data-testid="copies-remove">
          Remove
        </Button>
      </div>
    </li>
  );
}

/**
 * Could this instance be recovered within its objectives, right now? The engine's four checks in words, each
 * with its level (a mark and a word, not colour alone), a small bar against the objective, and one button for
 * its fix. Self-contained: mount it once per instance.
 */
export function Readiness({ instance }: ReadinessProps) {
  const backend = useBackend();
  const jobs = useJobs();
  const toast = useToast();
  const { readiness, objectives, schedules, error, loading, reload } = useReadiness(instance.id);
  const [editing, setEditing] = useState(false);
  const [settingUp, setSettingUp] = useState(false);
  const [confirmFree, setConfirmFree] = useState(false);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const mine = jobs.jobs.filter((j) => j.instanceId === instance.id && j.outcome === null);
  const snapshotRunning = mine.some((j) => j.kind === 'snapshot');
  const drillRunning = mine.some((j) => j.kind === 'drill');
  const copyRunning = mine.some((j) => j.kind === 'scheduled-copy');

  const act = async (what: string, run: () => Promise<unknown>) => {
    setActionError(null);
    setBusy(what);
    try {
      await run();
    } catch (reason) {
      setActionError(toAppError(reason));
    } finally {
      setBusy(null);
    }
  };

  const takeSnapshot = () =>
    act('take-snapshot', () =>
      jobs.start((onUpdate) => backend.takeSnapshot(instance.id, onUpdate)),
    );

  const runDrill = () => {
    const snapshotId = readiness?.drillSnapshotId;
    if (!snapshotId) {
      setActionError({
        code: 'no-snapshot',
        message:
          'There is no snapshot a restore test can use yet. Take a snapshot first, then run the test.',
        retryable: false,
      });
      return;
    }
    void act('run-drill', () =>
      jobs.start((onUpdate) => backend.startDrill(instance.id, snapshotId, onUpdate)),
    );
  };

  const fix = (check: ReadinessCheck) => {
    switch (check.fix) {
      case 'take-snapshot':
        // Free keeps only the latest snapshot: a new one replaces it.
        if (readiness?.tier === 'free') setConfirmFree(true);
        else void takeSnapshot();
        break;
      case 'run-drill':
        runDrill();
        break;
      case 'set-up-copies':
        setSettingUp(true);
        break;
    }
  };

  const fixBusy = (check: ReadinessCheck) =>
    (check.fix === 'take-snapshot' && (snapshotRunning || busy === 'take-snapshot')) ||
    (check.fix === 'run-drill' && (drillRunning || busy === 'run-drill'));

  const onSaved = (saved: ScheduleSaved) => {
    setSettingUp(false);
    const entry = saved.notInstalled ?? saved.osEntry?.detail;
    toast.show({
      tone: 'success',
      message: `Copies of ${instance.name} are scheduled ${saved.schedule.description}. First copy: ${saved.schedule.nextRun}.${entry ? ` ${entry}` : ''}`,
    });
    reload();
  };

  const runNow = (s: ScheduleView) =>
    act(`run-${s.name}`, () => jobs.start((onUpdate) => backend.runSchedule(s.name, onUpdate)));

  const toggleUnattended = (s: ScheduleView) =>
    act(`toggle-${s.name}`, async () => {
      const saved = await backend.setScheduleUnattended(s.name, !s.unattended);
      if (saved.osEntry) toast.show({ tone: 'success', message: saved.osEntry.detail });
      reload();
    });

  const remove = (s: ScheduleView) =>
    act(`remove-${s.name}`, async () => {
      await backend.removeSchedule(s.name);
      toast.show({
        tone: 'success',
        message: `Removed the schedule ${s.name}. The copies it made stay in ${s.folder}.`,
      });
      reload();
    });

  return (
    <section
      class="readiness"
      data-testid="readiness"
      data-level={readiness?.level}
      data-loading={loading ? 'true' : 'false'}
      data-checked-at={readiness?.checkedAt}
      aria-labelledby={`readiness-title-${instance.id}`}
    >
      <header class="readiness__header">
        <h3 id={`readiness-title-${instance.id}`} class="details__section-title">
          Could you recover in time?
        </h3>
        {readiness && (
          <LevelBadge
            level={readiness.level}
            label={readiness.levelLabel}
            testId="readiness-level"
          />
        )}
      </header>

      {error && (
        <ErrorNotice
          error={error}
          title={
            readiness
              ? "Couldn't check again. Showing the last check."
              : "Couldn't check readiness."
          }
          onRetry={reload}
          retrying={loading}
          testId="readiness-error"
        />
      )}
      {!readiness && !error && <Progress label="Checking readiness…" />}

      {readiness && (
        <>
          <p class="readiness__summary" data-testid="readiness-summary">
            {readiness.summary}
          </p>
          <ul class="readiness__checks">
            {readiness.checks.map((check) => (
              <li
                key={check.id}
                class="readiness-check"
                data-testid="readiness-check"
                data-check={check.id}
                data-level={check.level}
              >
                <div class="readiness-check__head">
                  <LevelBadge level={check.level} label={check.levelLabel} />
                  <span class="readiness-check__title">{check.title}</span>
                  <span class="readiness-check__value" data-testid="readiness-value">
                    {check.value}
                  </span>
                  {check.measure && <Meter measure={check.measure} level={check.level} />}
                </div>
                <p class="readiness-check__detail">
                  {check.detail}
                  {check.at && (
                    <>
                      {' '}
                      <span class="muted">
                        (<time dateTime={check.at}>{formatDateTime(check.at)}</time>)
                      </span>
                    </>
                  )}
                  {check.dueAt && (
                    <>
                      {' '}
                      <span class="muted">
                        Next due <time dateTime={check.dueAt}>{formatDateTime(check.dueAt)}</time>.
                      </span>
                    </>
                  )}
                </p>
                {check.fix && check.fixLabel && (
                  <Button
                    size="small"
                    variant={check.level === 'not-met' ? 'primary' : 'secondary'}
                    loading={fixBusy(check)}
                    onClick={() => fix(check)}
                    data-testid={`fix-${check.fix}`}
                  >
                    {check.fixLabel}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}

      {actionError && (
        <ErrorNotice
          error={actionError}
          title="That did not start."
          testId="readiness-action-error"
        />
      )}

      <h4 class="readiness__subtitle">Recovery objectives</h4>
      {editing ? (
        <ObjectivesForm
          instanceId={instance.id}
          instanceName={instance.name}
          current={objectives}
          onDone={(saved) => {
            setEditing(false);
            if (saved) reload();
          }}
        />
      ) : (
        <p data-testid="objectives-summary">
          {objectives
            ? objectivesWords(objectives)
            : 'None set yet. Say how much data you could afford to lose and how long a restore may take, and Lifeboat checks whether you could recover in time.'}{' '}
          <Button
            size="small"
            variant="ghost"
            onClick={() => setEditing(true)}
            data-testid="objectives-edit"
          >
            {objectives ? 'Change objectives' : 'Set objectives'}
          </Button>
        </p>
      )}

      <h4 class="readiness__subtitle">Copies kept outside Aura</h4>
      {schedules.length === 0 ? (
        <p class="muted">No copy schedule for this instance yet.</p>
      ) : (
        <ul class="copies-schedules">
          {schedules.map((s) => (
            <ScheduleRow
              key={s.name}
              schedule={s}
              running={copyRunning || busy === `run-${s.name}`}
              onRun={() => void runNow(s)}
              onToggleUnattended={() => void toggleUnattended(s)}
              onRemove={() => void remove(s)}
            />
          ))}
        </ul>
      )}
      <Button size="small" onClick={() => setSettingUp(true)} data-testid="copies-add">
        Set up copies
      </Button>

      {settingUp && (
        <CopiesDialog
          instanceId={instance.id}
          instanceName={instance.name}
          onClose={() => setSettingUp(false)}
          onSaved={onSaved}
        />
      )}
      <Dialog
        open={confirmFree}
        title="Replace the current snapshot?"
        description={`The Free plan keeps only the latest snapshot of ${instance.name}: the new one replaces it.`}
        onClose={() => setConfirmFree(false)}
        testId="readiness-confirm-free"
        actions={
          <>
            <Button variant="ghost" onClick={() => setConfirmFree(false)}>
              Cancel
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                setConfirmFree(false);
                void takeSnapshot();
              }}
              data-testid="readiness-confirm-free-take"
            >
              Take a snapshot now
            </Button>
          </>
        }
      />
    </section>
  );
}
