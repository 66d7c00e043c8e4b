/**
 * Pure helpers for restoring from a backup file: sizes, transfer speed and time left, the checklist
 * in words, and what to do with a drop. No DOM, no IPC.
 */

import type { InspectionCheck, TransferProgress } from '../api';
import { humanDuration } from './time';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * A size in bytes in binary units, labelled as such — the one convention of the engine, the CLI and
 * the report (`lifeboat_basics::words::size`; `words.test.ts` holds both to the shared fixture):
 * "512 bytes", "1.2 GiB", "48 MiB", "5.0 GiB". One decimal below 10, none from 10 up.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < 1024) {
    const whole = Math.round(bytes);
    return whole === 1 ? '1 byte' : `${whole} bytes`;
  }
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Round first, then decide: 9.96 GiB reads "10 GiB", 1023.6 MiB reads "1.0 GiB".
  let text = value < 9.95 ? value.toFixed(1) : String(Math.round(value));
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
    text = value.toFixed(1);
  }
  return `${text} ${UNITS[unit]}`;
}

/** "48 MiB/s". */
export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/** A rounded span for "time left": "2 min", "1 h 5 min", "2 days 3 h" (at least a minute). */
function roundedSpan(secs: number): string {
  const mins = Math.max(1, Math.round(secs / 60));
  if (mins < 60) return `${mins} min`;
  if (mins < 24 * 60) {
    const h = Math.floor(mins / 60);
    const m = mins % 60;
    return m > 0 ? `${h} h ${m} min` : `${h} h`;
  }
  return humanDuration(mins * 60);
}

/**
 * Time left in words: "about 2 min left", "less than a minute left"; an estimate from the file's
 * size (no measured speed yet) reads "estimated: about 12 min".
 */
export function timeLeftPhrase(etaSecs: number, estimate: boolean): string {
  const short = !Number.isFinite(etaSecs) || etaSecs < 60;
  if (estimate)
    return short ? 'estimated: less than a minute' : `estimated: about ${roundedSpan(etaSecs)}`;
  return short ? 'less than a minute left' : `about ${roundedSpan(etaSecs)} left`;
}

/** "1.2 GiB of 5.0 GiB · 48 MiB/s · about 2 min left": only the parts that are known. */
export function transferLine(progress: TransferProgress, stalled = false): string {
  const parts = [`${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`];
  // While stalled, neither a speed nor a time left is true: the waiting line says what is happening.
  if (stalled) return parts[0] as string;
  const moving = progress.bytesPerSec !== null && progress.bytesPerSec > 0;
  if (moving) parts.push(formatRate(progress.bytesPerSec as number));
  if (progress.etaSecs !== null && progress.etaSecs >= 0) {
    parts.push(timeLeftPhrase(progress.etaSecs, progress.estimate));
  } else if (moving && progress.bytesDone < progress.bytesTotal) {
    // The engine gives a time left only once the speed has been steady for a while.
    parts.push('estimating time left…');
  }
  return parts.join(' · ');
}

/** Whole percent done, 0–100 (never 100 before every byte is there). */
export function transferPercent(progress: Pick<TransferProgress, 'bytesDone' | 'bytesTotal'>) {
  if (!(progress.bytesTotal > 0)) return 0;
  const ratio = Math.min(Math.max(progress.bytesDone / progress.bytesTotal, 0), 1);
  return ratio >= 1 ? 100 : Math.min(99, Math.floor(ratio * 100));
}

const CHECK_LABELS: Record<string, string> = {
  readable: 'Lifeboat can read it',
  complete: 'The file is complete',
  compatible: 'It works with this instance',
  fits: 'It fits in this instance',
};

/** The checklist line's name: "The file is complete"; unknown checks are shown by their id. */
export function checkLabel(id: string): string {
  return CHECK_LABELS[id] ?? id;
}

export type CheckState = 'true' | 'false' | 'unknown';

export function checkState(check: Pick<InspectionCheck, 'ok'>): CheckState {
  if (check.ok === null) return 'unknown';
  return check.ok ? 'true' : 'false';
}

/** The state in a word, shown next to its icon so colour is never the only cue. */
export function checkWord(state: CheckState): string {
  switch (state) {
    case 'true':
      return 'OK';
    case 'false':
      return 'Problem';
    case 'unknown':
      return 'Not checked';
  }
}

export function checkIcon(state: CheckState): string {
  switch (state) {
    case 'true':
      return '✓';
    case 'false':
      return '✗';
    case 'unknown':
      return '–';
  }
}

export const MANY_FILES_MESSAGE =
  'Drop one file at a time. Nothing was changed; drop just the backup file you want to restore.';
export const NO_INSTANCE_MESSAGE =
  'Choose the instance to restore into first, then drop the file again. Nothing was changed.';

export type DropDecision = { path: string } | { message: string } | null;

/** What a drop asks for: the one file, a plain message, or nothing (an empty drop). */
export function decideDrop(paths: readonly string[], hasTarget: boolean): DropDecision {
  const usable = paths.filter((p) => typeof p === 'string' && p !== '');
  if (usable.length === 0) return null;
  if (!hasTarget) return { message: NO_INSTANCE_MESSAGE };
  if (usable.length > 1) return { message: MANY_FILES_MESSAGE };
  return { path: usable[0] as string };
}

/** The last part of a path, with either kind of separator: what to call a file chosen by path. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}
