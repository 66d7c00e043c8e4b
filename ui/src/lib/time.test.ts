import { describe, expect, it } from 'vitest';
import {
  dataLossSentence,
  dayKey,
  dayLabel,
  expiryPhrase,
  formatElapsed,
  formatUtc,
  groupByDay,
  humanDuration,
  secondsBetween,
  sincePhrase,
  startOfDay,
  zoneOffsetMs,
} from './time';

const GB_UTC = { locale: 'en-GB', timeZone: 'UTC' };
/** Friday 21 Nov 2025, 15:12 UTC. */
const NOW = Date.UTC(2025, 10, 21, 15, 12, 0);

describe('humanDuration', () => {
  it('speaks in minutes, hours and days like the engine does', () => {
    expect(humanDuration(0)).toBe('less than a minute');
    expect(humanDuration(59)).toBe('less than a minute');
    expect(humanDuration(60)).toBe('1 min');
    expect(humanDuration(12 * 60 + 59)).toBe('12 min');
    expect(humanDuration(4 * 3600)).toBe('4 h');
    expect(humanDuration(4 * 3600 + 12 * 60)).toBe('4 h 12 min');
    expect(humanDuration(86_400)).toBe('1 day');
    expect(humanDuration(86_400 + 30 * 60)).toBe('1 day');
    expect(humanDuration(2 * 86_400 + 3 * 3600 + 59 * 60)).toBe('2 days 3 h');
  });

  it('treats negative and unreadable input as nothing', () => {
    expect(humanDuration(-5)).toBe('less than a minute');
    expect(humanDuration(Number.NaN)).toBe('less than a minute');
  });
});

describe('formatElapsed', () => {
  it('counts seconds while work is short', () => {
    expect(formatElapsed(0)).toBe('less than a second');
    expect(formatElapsed(45.9)).toBe('45 s');
    expect(formatElapsed(200)).toBe('3 min 20 s');
    expect(formatElapsed(180)).toBe('3 min');
    expect(formatElapsed(3900)).toBe('1 h 5 min');
    expect(formatElapsed(-3)).toBe('less than a second');
  });

  it('measures between timestamps', () => {
    expect(secondsBetween('2025-11-21T10:00:00Z', '2025-11-21T10:03:20Z')).toBe(200);
    expect(secondsBetween(null, '2025-11-21T10:03:20Z')).toBe(0);
    expect(secondsBetween('2025-11-21T10:03:20Z', '2025-11-21T10:00:00Z')).toBe(0);
  });
});

describe('dataLossSentence', () => {
  it('names the span and the local time it goes back to today', () => {
    expect(dataLossSentence('2025-11-21T11:00:00Z', NOW, GB_UTC)).toBe(
      'Restoring this snapshot loses all changes made in the last 4 h 12 min (since 11:00 today).',
    );
  });

  it('says "yesterday" for the day before', () => {
    expect(dataLossSentence('2025-11-20T23:10:00Z', NOW, GB_UTC)).toBe(
      'Restoring this snapshot loses all changes made in the last 16 h 2 min (since 23:10 yesterday).',
    );
  });

  it('names the date beyond yesterday, in days and hours', () => {
    expect(dataLossSentence('2025-11-17T02:17:00Z', NOW, GB_UTC)).toBe(
      'Restoring this snapshot loses all changes made in the last 4 days 12 h (since Mon 17 Nov, 02:17).',
    );
    expect(dataLossSentence('2025-11-03T02:17:00Z', NOW, GB_UTC)).toContain(
      '(since Mon 3 Nov, 02:17)',
    );
  });

  it('adds the year when the snapshot is from another year', () => {
    const newYear = Date.UTC(2026, 0, 2, 9, 0);
    expect(dataLossSentence('2025-12-30T08:00:00Z', newYear, GB_UTC)).toContain(
      '(since Tue, 30 Dec 2025, 08:00)',
    );
  });

  it('says "less than a minute" for a very recent snapshot, and for clock skew', () => {
    expect(dataLossSentence('2025-11-21T15:11:30Z', NOW, GB_UTC)).toBe(
      'Restoring this snapshot loses all changes made since 15:11 today (less than a minute ago).',
    );
    expect(dataLossSentence('2025-11-21T15:13:00Z', NOW, GB_UTC)).toContain('less than a minute');
  });

  it('uses the local time zone, not UTC', () => {
    // Now is 00:12 on the 22nd in Tokyo: 14:00 UTC (today in UTC) was 23:00 yesterday there.
    expect(
      dataLossSentence('2025-11-21T14:00:00Z', NOW, { locale: 'en-GB', timeZone: 'Asia/Tokyo' }),
    ).toBe(
      'Restoring this snapshot loses all changes made in the last 1 h 12 min (since 23:00 yesterday).',
    );
    // The same moment is "yesterday" in New York (18:30 on the 20th).
    expect(
      sincePhrase('2025-11-20T23:30:00Z', NOW, { locale: 'en-GB', timeZone: 'America/New_York' }),
    ).toBe('18:30 yesterday');
  });

  it('follows the locale', () => {
    expect(sincePhrase('2025-11-21T11:00:00Z', NOW, { locale: 'en-US', timeZone: 'UTC' })).toBe(
      '11:00 AM today',
    );
  });
});

describe('local days', () => {
  it('keys and labels days in the time zone', () => {
    expect(dayKey(Date.UTC(2025, 10, 20, 23, 30), 'UTC')).toBe('2025-11-20');
    expect(dayKey(Date.UTC(2025, 10, 20, 23, 30), 'Asia/Tokyo')).toBe('2025-11-21');
    expect(dayLabel('2025-11-21T00:00:00Z', NOW, GB_UTC)).toBe('Today');
    expect(dayLabel('2025-11-20T23:59:59Z', NOW, GB_UTC)).toBe('Yesterday');
    expect(dayLabel('2025-11-19T12:00:00Z', NOW, GB_UTC)).toBe('Wed 19 Nov');
  });

  it('finds the start of a day across a daylight-saving change', () => {
    // Europe/Berlin: 30 Mar 2025 starts at 00:00 CET (UTC+1); clocks jump at 02:00.
    expect(startOfDay({ year: 2025, month: 3, day: 30 }, 'Europe/Berlin')).toBe(
      Date.UTC(2025, 2, 29, 23, 0),
    );
    expect(startOfDay({ year: 2025, month: 3, day: 31 }, 'Europe/Berlin')).toBe(
      Date.UTC(2025, 2, 30, 22, 0),
    );
    expect(zoneOffsetMs(Date.UTC(2025, 6, 1), 'Europe/Berlin')).toBe(2 * 3_600_000);
  });

  it('groups snapshots by local day, newest first, keeping their order', () => {
    const items = [
      { id: 'a', timestamp: '2025-11-21T15:00:00Z' },
      { id: 'b', timestamp: '2025-11-21T00:10:00Z' },
      { id: 'c', timestamp: '2025-11-20T23:10:00Z' },
      { id: 'd', timestamp: '2025-11-17T02:17:00Z' },
    ];
    const groups = groupByDay(items, NOW, GB_UTC);
    expect(groups.map((g) => g.label)).toEqual(['Today', 'Yesterday', 'Mon 17 Nov']);
    expect(groups.map((g) => g.items.map((i) => i.id))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(groups[0]?.key).toBe('2025-11-21');

    // In Tokyo (UTC+9) 15:00 UTC is already the 22nd, and 00:10 and 23:10 UTC both fall on the 21st.
    const tokyo = groupByDay(items, NOW, { locale: 'en-GB', timeZone: 'Asia/Tokyo' });
    expect(tokyo.map((g) => g.label)).toEqual(['Today', 'Yesterday', 'Mon 17 Nov']);
    expect(tokyo.map((g) => g.items.map((i) => i.id))).toEqual([['a'], ['b', 'c'], ['d']]);
  });
});

describe('expiryPhrase', () => {
  it('counts down in days, hours and minutes', () => {
    expect(expiryPhrase(null, NOW)).toBeNull();
    expect(expiryPhrase(new Date(NOW + 6.5 * 86_400_000).toISOString(), NOW)).toBe(
      'Expires in 6 days',
    );
    expect(expiryPhrase(new Date(NOW + 86_400_000).toISOString(), NOW)).toBe('Expires in 1 day');
    expect(expiryPhrase(new Date(NOW + 5.2 * 3_600_000).toISOString(), NOW)).toBe('Expires in 5 h');
    expect(expiryPhrase(new Date(NOW + 20 * 60_000).toISOString(), NOW)).toBe('Expires in 20 min');
    expect(expiryPhrase(new Date(NOW + 10_000).toISOString(), NOW)).toBe(
      'Expires in less than a minute',
    );
    expect(expiryPhrase(new Date(NOW - 10_000).toISOString(), NOW)).toBe('Expiring now');
  });
});

describe('formatUtc', () => {
  it('shows the moment in UTC, saying so', () => {
    expect(formatUtc('2025-11-21T11:00:00Z')).toBe('21 Nov 2025 11:00 UTC');
  });
});
