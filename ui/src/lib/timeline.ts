/** Pure geometry for the snapshot timeline: where a moment falls on a strip of days. */

import { addDays, calendarDate, startOfDay } from './time';

const DAY = 24 * 60 * 60 * 1000;

export type TimeRange = { start: number; end: number };

/**
 * The span the timeline draws: the last `days` days up to `now`, stretched back to `oldest` (epoch
 * ms) when a snapshot is older than that.
 */
export function timelineRange(now: number, days: number, oldest?: number): TimeRange {
  const span = Math.max(1, Number.isFinite(days) ? days : 1) * DAY;
  let start = now - span;
  if (oldest !== undefined && Number.isFinite(oldest) && oldest < start) start = oldest;
  return { start, end: now };
}

/**
 * The x position of moment `t` on a strip `width` wide with `padding` kept clear at both ends;
 * moments outside the range are pinned to its edges.
 */
export function xForTime(t: number, range: TimeRange, width: number, padding = 0): number {
  const inner = Math.max(0, width - 2 * padding);
  const span = range.end - range.start;
  if (!(span > 0) || !Number.isFinite(t)) return padding + inner;
  const fraction = Math.min(1, Math.max(0, (t - range.start) / span));
  return padding + fraction * inner;
}

/** The instants local days begin within the range (start excluded, end included), oldest first. */
export function dayStarts(range: TimeRange, timeZone?: string): number[] {
  const out: number[] = [];
  let date = calendarDate(range.start, timeZone);
  // A few more than the span in days, to be safe across daylight-saving shifts.
  const limit = Math.ceil((range.end - range.start) / DAY) + 3;
  for (let i = 0; i < limit; i += 1) {
    date = addDays(date, 1);
    const t = startOfDay(date, timeZone);
    if (t > range.end) break;
    if (t > range.start) out.push(t);
  }
  return out;
}

/** How many days apart day labels go so that about `maxLabels` fit: 1, 2, 3, 7, 14, … */
export function labelStep(days: number, maxLabels = 8): number {
  for (const step of [1, 2, 3, 7, 14, 28]) {
    if (days / step <= maxLabels) return step;
  }
  return Math.ceil(days / maxLabels);
}
