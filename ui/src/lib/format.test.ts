import { describe, expect, it } from 'vitest';
import {
  cloudProviderLabel,
  formatAgo,
  formatCount,
  formatDateTime,
  formatExactCount,
  formatLocation,
  formatSize,
  formatVersion,
} from './format';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('formatAgo', () => {
  it('says "just now" for the first few seconds and for clock skew', () => {
    expect(formatAgo(NOW, NOW)).toBe('just now');
    expect(formatAgo(NOW - 4_999, NOW)).toBe('just now');
    expect(formatAgo(NOW + 30_000, NOW)).toBe('just now');
  });

  it('counts seconds, minutes, hours and days', () => {
    expect(formatAgo(NOW - 12_000, NOW)).toBe('12 s ago');
    expect(formatAgo(NOW - 59_999, NOW)).toBe('59 s ago');
    expect(formatAgo(NOW - 60_000, NOW)).toBe('1 min ago');
    expect(formatAgo(NOW - 3 * 60_000 - 10_000, NOW)).toBe('3 min ago');
    expect(formatAgo(NOW - 2 * 3_600_000, NOW)).toBe('2 h ago');
    expect(formatAgo(NOW - 24 * 3_600_000, NOW)).toBe('1 day ago');
    expect(formatAgo(NOW - 5 * 24 * 3_600_000, NOW)).toBe('5 days ago');
  });
});

describe('formatCount', () => {
  it('is exact below a million', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(980_000)).toBe('980,000');
  });

  it('rounds to words from a million up', () => {
    expect(formatCount(1_234_567)).toBe('1.2 million');
    expect(formatCount(3_000_000_000)).toBe('3 billion');
  });

  it('groups exact counts', () => {
    expect(formatExactCount(1_234_567)).toBe('1,234,567');
  });
});

describe('formatDateTime', () => {
  it('shows a timestamp in the requested zone', () => {
    const text = formatDateTime('2024-03-12T14:05:00Z', { locale: 'en-GB', timeZone: 'UTC' });
    expect(text).toBe('12 Mar 2024, 14:05');
  });

  it('converts to local time, not UTC', () => {
    const text = formatDateTime('2024-03-12T14:05:00Z', {
      locale: 'en-GB',
      timeZone: 'Asia/Tokyo',
    });
    expect(text).toBe('12 Mar 2024, 23:05');
  });

  it('returns invalid input unchanged', () => {
    expect(formatDateTime('not a date')).toBe('not a date');
  });
});

describe('formatSize', () => {
  it("labels Aura's sizes as the binary units Aura means, with a space", () => {
    expect(formatSize('8GB')).toBe('8 GiB');
    expect(formatSize('16 gb')).toBe('16 GiB');
    expect(formatSize('0.5GiB')).toBe('0.5 GiB');
  });

  it('leaves unknown shapes alone', () => {
    expect(formatSize('about 8 gigs')).toBe('about 8 gigs');
  });
});

describe('cloud, location and version', () => {
  it('names the cloud providers', () => {
    expect(cloudProviderLabel('gcp')).toBe('Google Cloud');
    expect(cloudProviderLabel('AWS')).toBe('Amazon Web Services');
    expect(cloudProviderLabel('azure')).toBe('Microsoft Azure');
    expect(cloudProviderLabel('other-cloud')).toBe('other-cloud');
  });

  it('joins cloud and region', () => {
    expect(formatLocation('gcp', 'europe-west1')).toBe('Google Cloud · europe-west1');
    expect(formatLocation('aws', null)).toBe('Amazon Web Services');
  });

  it('formats the Neo4j version', () => {
    expect(formatVersion('5')).toBe('Neo4j 5');
    expect(formatVersion(null)).toBeNull();
    expect(formatVersion(' ')).toBeNull();
  });
});
