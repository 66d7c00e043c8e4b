/**
 * Pure formatting helpers: plain words for people who are not database experts. No DOM, no IPC,
 * no clock reads — callers pass `now` so everything here is deterministic and tested without mocks.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long ago `then` was, relative to `now` (both epoch milliseconds), in short plain words:
 * "just now", "12 s ago", "3 min ago", "2 h ago", "1 day ago", "5 days ago".
 * A `then` in the future (clock skew) reads "just now".
 */
export function formatAgo(then: number, now: number): string {
  const elapsed = now - then;
  if (!Number.isFinite(elapsed) || elapsed < 5 * SECOND) return 'just now';
  if (elapsed < MINUTE) return `${Math.floor(elapsed / SECOND)} s ago`;
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  const days = Math.floor(elapsed / DAY);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** A whole number with digit grouping: 1234567 → "1,234,567". */
export function formatExactCount(n: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/**
 * A count as people say it: exact below a million ("980,000"), then rounded words
 * ("1.2 million", "3 billion").
 */
export function formatCount(n: number, locale = 'en-US'): string {
  if (Math.abs(n) < 1_000_000) return formatExactCount(n, locale);
  return new Intl.NumberFormat(locale, {
    notation: 'compact',
    compactDisplay: 'long',
    maximumFractionDigits: 1,
  }).format(n);
}

export type DateFormatOptions = {
  /** BCP 47 locale; defaults to the system's. */
  locale?: string;
  /** IANA time zone; defaults to the system's local time. */
  timeZone?: string;
};

/**
 * An RFC 3339 timestamp as a readable local date and time, e.g. "12 Mar 2024, 14:05".
 * Returns the input unchanged when it is not a valid timestamp, so nothing is ever hidden.
 */
export function formatDateTime(iso: string, options: DateFormatOptions = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(date);
}

/**
 * Aura's sizes ("8GB", "16 gb", "4GiB") as the one convention labels them: Aura means binary units
 * (the engine reads them so, `lifeboat_basics::words::parse_size`), so "8GB" reads "8 GiB".
 * Anything else is returned unchanged.
 */
export function formatSize(raw: string): string {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp])i?b\s*$/i.exec(raw);
  if (!match) return raw.trim();
  const [, amount, prefix = ''] = match;
  return `${amount} ${prefix.toUpperCase()}iB`;
}

const CLOUD_PROVIDERS: Record<string, string> = {
  gcp: 'Google Cloud',
  aws: 'Amazon Web Services',
  azure: 'Microsoft Azure',
};

/** "gcp" → "Google Cloud"; unknown providers are shown as the API names them. */
export function cloudProviderLabel(provider: string): string {
  return CLOUD_PROVIDERS[provider.toLowerCase()] ?? provider;
}

/** Cloud and region on one line: "Google Cloud · europe-west1". */
export function formatLocation(provider: string, region: string | null): string {
  const cloud = cloudProviderLabel(provider);
  return region ? `${cloud} · ${region}` : cloud;
}

/** "5" → "Neo4j 5"; null when the version is unknown. */
export function formatVersion(version: string | null): string | null {
  if (version === null || version.trim() === '') return null;
  return `Neo4j ${version.trim()}`;
}
