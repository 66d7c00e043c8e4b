import { useId, useState } from 'preact/hooks';
import { type AppError, type Objectives, toAppError, useBackend } from '../../api';
import { Button, ErrorNotice } from '../../components';
import {
  changeFrom,
  DEFAULT_DRILL_EVERY_SECS,
  type DurationField,
  fieldSecs,
  toField,
  type Unit,
} from './objectives';

export type ObjectivesFormProps = {
  instanceId: string;
  instanceName: string;
  current: Objectives | null;
  /** Saved (or nothing to save): the panel reads readiness again and closes the form. */
  onDone: (saved: boolean) => void;
};

type FieldId = 'rpo' | 'rto' | 'drillEvery';

const FIELDS: {
  id: FieldId;
  label: string;
  guidance: string;
  placeholder: string;
  fallback: Unit;
}[] = [
  {
    id: 'rpo',
    label: 'Most data you could afford to lose (RPO)',
    guidance:
      'Measured in time. “1 hour” means: after a restore, at most the last hour of changes may be missing. The shorter it is, the more often a backup must be made.',
    placeholder: 'Not set',
    fallback: 'hours',
  },
  {
    id: 'rto',
    label: 'Longest the database may be down during a restore (RTO)',
    guidance:
      'How long your users could wait while Lifeboat restores the data. A restore test measures how long a restore really takes.',
    placeholder: 'Not set',
    fallback: 'minutes',
  },
  {
    id: 'drillEvery',
    label: 'Test a restore every',
    guidance:
      'A backup is only as good as a restore that works. Quarterly (every 90 days) is the usual advice; leave it empty for that.',
    placeholder: '90',
    fallback: 'days',
  },
];

/**
 * The instance's recovery objectives, each optional, with plain guidance on what they mean. Sends only what
 * changed (kept, set or cleared); the engine checks the ranges and records the change in the history.
 */
export function ObjectivesForm({ instanceId, instanceName, current, onDone }: ObjectivesFormProps) {
  const backend = useBackend();
  const formId = useId();
  const drillStored =
    current && current.drillEverySecs !== DEFAULT_DRILL_EVERY_SECS ? current.drillEverySecs : null;
  const [fields, setFields] = useState<Record<FieldId, DurationField>>(() => ({
    rpo: toField(current?.rpoSecs, 'hours'),
    rto: toField(current?.rtoSecs, 'minutes'),
    drillEvery: toField(drillStored, 'days'),
  }));
  const [error, setError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);

  const update = (id: FieldId, patch: Partial<DurationField>) =>
    setFields((f) => ({ ...f, [id]: { ...f[id], ...patch } }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const secs = {
      rpo: fieldSecs(fields.rpo),
      rto: fieldSecs(fields.rto),
      drillEvery: fieldSecs(fields.drillEvery),
    };
    const bad = FIELDS.find((f) => secs[f.id] === undefined);
    if (bad) {
      setError({
        code: 'invalid-input',
        message: `“${fields[bad.id].amount}” is not a whole number for “${bad.label}”. Nothing was changed.`,
        retryable: false,
      });
      return;
    }
    const change = changeFrom(
      { rpo: secs.rpo ?? null, rto: secs.rto ?? null, drillEvery: secs.drillEvery ?? null },
      current,
    );
    if (!change) {
      onDone(false);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await backend.setObjectives(instanceId, change);
      onDone(true);
    } catch (reason) {
      setError(toAppError(reason));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      class="form objectives-form"
      data-testid="objectives-form"
      aria-label={`Recovery objectives of ${instanceName}`}
      onSubmit={(event) => void submit(event)}
    >
      {FIELDS.map((f) => (
        <div class="field" key={f.id}>
          <label for={`${formId}-${f.id}`}>{f.label}</label>
          <div class="objectives-form__input">
            <input
              id={`${formId}-${f.id}`}
              type="text"
              inputMode="numeric"
              size={6}
              placeholder={f.placeholder}
              value={fields[f.id].amount}
              onInput={(event) => update(f.id, { amount: event.currentTarget.value })}
              aria-describedby={`${formId}-${f.id}-hint`}
              data-testid={`objective-${f.id}`}
            />
            <select
              aria-label={`Unit of ${f.label}`}
              value={fields[f.id].unit}
              onChange={(event) => update(f.id, { unit: event.currentTarget.value as Unit })}
              data-testid={`objective-${f.id}-unit`}
            >
              <option value="minutes">minutes</option>
              <option value="hours">hours</option>
              <option value="days">days</option>
            </select>
          </div>
          <p class="field__hint" id={`${formId}-${f.id}-hint`}>
            {f.guidance}
          </p>
        </div>
      ))}
      <p class="field__hint">Leave a field empty to have no objective for it.</p>
      {error && (
        <ErrorNotice
          error={error}
          title="The objectives were not saved."
          testId="objectives-error"
        />
      )}
      <div class="form__actions">
        <Button type="submit" variant="primary" loading={saving} data-testid="objectives-save">
          Save objectives
        </Button>
        <Button type="button" variant="ghost" onClick={() => onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
