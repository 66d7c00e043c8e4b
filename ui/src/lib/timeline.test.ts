import { describe, expect, it } from 'vitest';
import { dayStarts, labelStep, timelineRange, xForTime } from './timeline';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 10, 21, 15, 12, 0);

describe('timelineRange', () => {
  it('covers the last N days up to now', () => {
    expect(timelineRange(NOW, 30)).toEqual({ start: NOW - 30 * DAY, end: NOW });
  });

  it('reaches back to an older snapshot', () => {
    const oldest = NOW - 40 * DAY;
    expect(timelineRange(NOW, 30, oldest).start).toBe(oldest);
    expect(timelineRange(NOW, 30, NOW - DAY).start).toBe(NOW - 30 * DAY);
  });

  it('is at least a day wide', () => {
    expect(timelineRange(NOW, 0)).toEqual({ start: NOW - DAY, end: NOW });
  });
});

describe('xForTime', () => {
  const range = { start: NOW - 10 * DAY, end: NOW };

  it('places moments proportionally between the padded edges', () => {
    expect(xForTime(range.start, range, 1000, 20)).toBe(20);
    expect(xForTime(range.end, range, 1000, 20)).toBe(980);
    expect(xForTime(NOW - 5 * DAY, range, 1000, 20)).toBe(500);
    expect(xForTime(NOW - 7.5 * DAY, range, 1000)).toBe(250);
  });

  it('pins moments outside the range to its edges', () => {
    expect(xForTime(range.start - DAY, range, 1000, 20)).toBe(20);
    expect(xForTime(range.end + DAY, range, 1000, 20)).toBe(980);
  });
});

describe('dayStarts', () => {
  it('lists each local midnight inside the range', () => {
    const starts = dayStarts({ start: NOW - 3 * DAY, end: NOW }, 'UTC');
    expect(starts.map((t) => new Date(t).toISOString())).toEqual([
      '2025-11-19T00:00:00.000Z',
      '2025-11-20T00:00:00.000Z',
      '2025-11-21T00:00:00.000Z',
    ]);
  });

  it('uses the time zone', () => {
    const starts = dayStarts({ start: NOW - DAY, end: NOW }, 'Asia/Tokyo');
    // Midnight in Tokyo on the 21st is 15:00 UTC on the 20th... and 22nd's is after now.
    expect(starts.map((t) => new Date(t).toISOString())).toEqual(['2025-11-21T15:00:00.000Z']);
  });
});

describe('labelStep', () => {
  it('thins out labels on long timelines', () => {
    expect(labelStep(7)).toBe(1);
    expect(labelStep(14)).toBe(2);
    expect(labelStep(31)).toBe(7);
    expect(labelStep(61)).toBe(14);
  });
});
