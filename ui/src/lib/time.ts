/**
 * Pure time helpers for snapshots and jobs: durations in plain words, local days, the data-loss
 * sentence. No clock reads: callers pass `now` (epoch ms). Locale and time zone default to the
 * user's (Intl's defaults); tests pass them explicitly.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type ZoneOptions = {
  /** BCP 47 locale; defaults to the system's. */
  locale?: string;
  /** IANA time zone; defaults to the system's local time. */
  timeZone?: string;
};

/** An RFC 3339 string or epoch milliseconds as epoch milliseconds (NaN when unreadable). */
export function toMs(value: string | number): number {
  return typeof value === 'number' ? value : new Date(value).getTime();
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A span in plain words at minute precision, the same words as the engine and the CLI:
 * "less than a minute", "12 min", "4 h", "4 h 12 min", "1 day", "2 days 3 h".
 */
export function humanDuration(secs: number): string {
  const mins = Number.isFinite(secs) && secs > 0 ? Math.floor(secs / 60) : 0;
  const days = Math.floor(mins / (24 * 60));
  const hours = Math.floor(mins / 60) % 24;
  const minutes = mins % 60;
  if (days > 0)
    return hours > 0 ? `${plural(days, 'day', 'days')} ${hours} h` : plural(days, 'day', 'days');
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return 'less than a minute';
}

/**
 * How long something took (or has taken so far), to the second while short, as the engine says it
 * (`lifeboat_basics::words::elapsed`): "less than a second", "45 s", "3 min 20 s", "1 h 5 min",
 * "2 days 3 h".
 */
export function formatElapsed(secs: number): string {
  const total = Number.isFinite(secs) && secs > 0 ? Math.floor(secs) : 0;
  if (total === 0) return 'less than a second';
  if (total < 60) return `${total} s`;
  if (total < 3600) {
    const s = total % 60;
    return s > 0 ? `${Math.floor(total / 60)} min ${s} s` : `${Math.floor(total / 60)} min`;
  }
  return humanDuration(total);
}

/** Seconds between two timestamps (0 when either is missing or the order is reversed). */
export function secondsBetween(from: string | number | null, to: string | number | null): number {
  if (from === null || to === null) return 0;
  const diff = toMs(to) - toMs(from);
  return Number.isFinite(diff) && diff > 0 ? diff / SECOND : 0;
}

/* ---------- Local calendar days ---------- */

export type CalendarDate = { year: number; month: number; day: number };

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partFormatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = partFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
    });
    partFormatters.set(key, formatter);
  }
  return formatter;
}

function wallClock(epochMs: number, timeZone?: string) {
  const parts: Record<string, number> = {};
  for (const part of partFormatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The calendar date `epochMs` falls on in the time zone. */
export function calendarDate(epochMs: number, timeZone?: string): CalendarDate {
  const { year, month, day } = wallClock(epochMs, timeZone);
  return { year, month, day };
}

/** "2025-11-21": sortable, and equal for two instants on the same local day. */
export function dayKey(epochMs: number, timeZone?: string): string {
  const { year, month, day } = calendarDate(epochMs, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The calendar date `days` after `date` (negative for before). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  };
}

function keyOf(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** How far the zone's wall clock is ahead of UTC at `epochMs`, in milliseconds. */
export function zoneOffsetMs(epochMs: number, timeZone?: string): number {
  const w = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / SECOND) * SECOND;
}

/** The instant the calendar date begins in the time zone (handles daylight-saving shifts). */
export function startOfDay(date: CalendarDate, timeZone?: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  let guess = wall - zoneOffsetMs(wall, timeZone);
  guess = wall - zoneOffsetMs(guess, timeZone);
  return guess;
}

export type RelativeDay = 'today' | 'yesterday' | 'other';

export function relativeDay(epochMs: number, now: number, timeZone?: string): RelativeDay {
  const today = calendarDate(now, timeZone);
  const key = dayKey(epochMs, timeZone);
  if (key === keyOf(today)) return 'today';
  if (key === keyOf(addDays(today, -1))) return 'yesterday';
  return 'other';
}

/* ---------- Phrasing ---------- */

/** The local time of day: "11:00" (en-GB), "11:00 AM" (en-US). */
export function formatClock(value: string | number, options: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat(options.locale, {
    hour: '2-digit',
    minute: '2-digit',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(toMs(value));
}

/** A day as people name it: "Mon 3 Nov" (en-GB); the year is added when it is not `now`'s year. */
export function formatDay(value: string | number, now: number, options: ZoneOptions = {}): string {
  const ms = toMs(value);
  const sameYear =
    calendarDate(ms, options.timeZone).year === calendarDate(now, options.timeZone).year;
  return new Intl.DateTimeFormat(options.locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(ms);
}

/** The heading of a day's group: "Today", "Yesterday", "Mon 3 Nov". */
export function dayLabel(value: string | number, now: number, options: ZoneOptions = {}): string {
  const ms = toMs(value);
  switch (relativeDay(ms, now, options.timeZone)) {
    case 'today':
      return 'Today';
    case 'yesterday':
      return 'Yesterday';
    default:
      return formatDay(ms, now, options);
  }
}

/** When something happened, relative to today: "11:00 today", "23:10 yesterday", "Mon 3 Nov, 02:17". */
export function sincePhrase(
  value: string | number,
  now: number,
  options: ZoneOptions = {},
): string {
  const ms = toMs(value);
  const clock = formatClock(ms, options);
  switch (relativeDay(ms, now, options.timeZone)) {
    case 'today':
      return `${clock} today`;
    case 'yesterday':
      return `${clock} yesterday`;
    default:
      return `${formatDay(ms, now, options)}, ${clock}`;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A timestamp in UTC, as the engine writes it in reports, history titles and messages
 * (`lifeboat_basics::words::utc_label`): "21 Nov 2025 11:00 UTC". The same in every locale, so a
 * tooltip reads like the report it will be compared with.
 */
export function formatUtc(value: string | number): string {
  const ms = toMs(value);
  if (!Number.isFinite(ms)) return String(value);
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${clock} UTC`;
}

/**
 * The one sentence that says what a restore costs:
 * "Restoring this snapshot loses all changes made in the last 4 h 12 min (since 11:00 today)."
 */
export function dataLossSentence(
  snapshotTime: string | number,
  now: number,
  options: ZoneOptions = {},
): string {
  const ms = toMs(snapshotTime);
  const since = sincePhrase(ms, now, options);
  const lostSecs = (now - ms) / SECOND;
  if (!(lostSecs >= 60)) {
    return `Restoring this snapshot loses all changes made since ${since} (less than a minute ago).`;
  }
  return `Restoring this snapshot loses all changes made in the last ${humanDuration(lostSecs)} (since ${since}).`;
}

/** "Expires in 6 days", "Expires in 5 h", "Expires in 20 min"; null when it never expires. */
export function expiryPhrase(expiresAt: string | null, now: number): string | null {
  if (expiresAt === null) return null;
  const left = toMs(expiresAt) - now;
  if (!Number.isFinite(left)) return null;
  if (left <= 0) return 'Expiring now';
  if (left >= DAY) return `Expires in ${plural(Math.floor(left / DAY), 'day', 'days')}`;
  if (left >= HOUR) return `Expires in ${Math.floor(left / HOUR)} h`;
  if (left >= MINUTE) return `Expires in ${Math.floor(left / MINUTE)} min`;
  return 'Expires in less than a minute';
}

export type DayGroup<T> = {
  /** "2025-11-21" in the time zone. */
  key: string;
  /** "Today", "Yesterday", "Mon 3 Nov". */
  label: string;
  items: T[];
};

/**
 * Groups items by the local day of their `timestamp`, keeping their order (snapshots come newest
 * first, so groups do too).
 */
export function groupByDay<T extends { timestamp: string }>(
  items: readonly T[],
  now: number,
  options: ZoneOptions = {},
): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  const byKey = new Map<string, DayGroup<T>>();
  for (const item of items) {
    const ms = toMs(item.timestamp);
    const key = dayKey(ms, options.timeZone);
    let group = byKey.get(key);
    if (!group) {
      group = { key, label: dayLabel(ms, now, options), items: [] };
      byKey.set(key, group);
      groups.push(group);
    }
    group.items.push(item);
  }
  return groups;
}
