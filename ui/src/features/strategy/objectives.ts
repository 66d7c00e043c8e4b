/**
 * The objectives form's arithmetic: a duration as a number and a unit (what a person types) and back to
 * seconds (what the shell takes), and the change to send — each objective kept, set or cleared. The rules
 * about what the objectives mean live in the engine; this only reads and writes the form.
 */
import type { ObjectiveSetting, Objectives, ObjectivesChange } from '../../api';
import { humanDuration } from '../../lib/time';

export type Unit = 'minutes' | 'hours' | 'days';

export const UNIT_SECS: Record<Unit, number> = { minutes: 60, hours: 3600, days: 86_400 };

/** One field of the form: an empty amount means "not set". */
export type DurationField = { amount: string; unit: Unit };

/** A stored duration in the largest unit it fills exactly (90 days, not 2160 hours). */
export function toField(secs: number | null | undefined, fallback: Unit): DurationField {
  if (secs === null || secs === undefined || secs <= 0) return { amount: '', unit: fallback };
  for (const unit of ['days', 'hours', 'minutes'] as const) {
    if (secs % UNIT_SECS[unit] === 0) return { amount: String(secs / UNIT_SECS[unit]), unit };
  }
  return { amount: String(Math.round(secs / 60)), unit: 'minutes' };
}

/** Seconds, null for an empty field, or undefined when the amount is not a positive whole number. */
export function fieldSecs(field: DurationField): number | null | undefined {
  const text = field.amount.trim();
  if (text === '') return null;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  if (n <= 0) return undefined;
  return n * UNIT_SECS[field.unit];
}

function setting(now: number | null, before: number | null): ObjectiveSetting {
  if (now === before) return { action: 'keep' };
  if (now === null) return { action: 'clear' };
  return { action: 'set', secs: now };
}

/** The drill interval the engine applies when none is set: quarterly. */
export const DEFAULT_DRILL_EVERY_SECS = 90 * 86_400;

/**
 * What to send for the form's values against the stored objectives; null when nothing changed. An empty
 * drill interval means quarterly (the default), which is what clearing it does.
 */
export function changeFrom(
  values: { rpo: number | null; rto: number | null; drillEvery: number | null },
  current: Objectives | null,
): ObjectivesChange | null {
  const storedDrill = current?.drillEverySecs ?? DEFAULT_DRILL_EVERY_SECS;
  const drillNow = values.drillEvery ?? DEFAULT_DRILL_EVERY_SECS;
  const change: ObjectivesChange = {
    rpo: setting(values.rpo, current?.rpoSecs ?? null),
    rto: setting(values.rto, current?.rtoSecs ?? null),
    drillEvery:
      drillNow === storedDrill
        ? { action: 'keep' }
        : drillNow === DEFAULT_DRILL_EVERY_SECS
          ? { action: 'clear' }
          : { action: 'set', secs: drillNow },
  };
  const unchanged =
    change.rpo.action === 'keep' &&
    change.rto.action === 'keep' &&
    change.drillEvery.action === 'keep';
  return unchanged ? null : change;
}

/** The objectives in one line: "Lose at most 1 h of data; back within 30 min; test a restore every 90 days." */
export function objectivesWords(o: Objectives): string {
  const rpo = o.rpoSecs ? `Lose at most ${humanDuration(o.rpoSecs)} of data` : 'No RPO set';
  const rto = o.rtoSecs ? `back within ${humanDuration(o.rtoSecs)}` : 'no RTO set';
  return `${rpo}; ${rto}; test a restore every ${humanDuration(o.drillEverySecs)}.`;
}
