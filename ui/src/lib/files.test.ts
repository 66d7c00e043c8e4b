import { describe, expect, it } from 'vitest';
import {
  baseName,
  checkIcon,
  checkLabel,
  checkState,
  checkWord,
  decideDrop,
  formatBytes,
  formatRate,
  MANY_FILES_MESSAGE,
  NO_INSTANCE_MESSAGE,
  timeLeftPhrase,
  transferLine,
  transferPercent,
} from './files';

describe('formatBytes', () => {
  it('says bytes below a kibibyte', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1023)).toBe('1023 bytes');
  });

  it('uses binary units labelled as such, one decimal below 10 and none from 10 up', () => {
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1.2 * 2 ** 30)).toBe('1.2 GiB');
    expect(formatBytes(5 * 2 ** 30)).toBe('5.0 GiB');
    expect(formatBytes(48 * 2 ** 20)).toBe('48 MiB');
    expect(formatBytes(812.4 * 2 ** 20)).toBe('812 MiB');
    expect(formatBytes(2.5 * 2 ** 40)).toBe('2.5 TiB');
  });

  it('moves to the next unit instead of printing 1024', () => {
    expect(formatBytes(9.96 * 2 ** 20)).toBe('10 MiB');
    expect(formatBytes(1023.6 * 2 ** 20)).toBe('1.0 GiB');
    expect(formatBytes(2 ** 20 - 1)).toBe('1.0 MiB');
  });

  it('does not invent a size', () => {
    expect(formatBytes(Number.NaN)).toBe('unknown size');
    expect(formatBytes(-5)).toBe('unknown size');
  });

  it('writes a speed per second', () => {
    expect(formatRate(48 * 2 ** 20)).toBe('48 MiB/s');
  });
});

describe('time left', () => {
  it('rounds to minutes and hours', () => {
    expect(timeLeftPhrase(120, false)).toBe('about 2 min left');
    expect(timeLeftPhrase(150, false)).toBe('about 3 min left');
    expect(timeLeftPhrase(3_900, false)).toBe('about 1 h 5 min left');
    expect(timeLeftPhrase(7_200, false)).toBe('about 2 h left');
    expect(timeLeftPhrase(30, false)).toBe('less than a minute left');
  });

  it('says when it is only an estimate', () => {
    expect(timeLeftPhrase(720, true)).toBe('estimated: about 12 min');
    expect(timeLeftPhrase(10, true)).toBe('estimated: less than a minute');
  });
});

describe('transferLine', () => {
  it('puts the amount, the speed and the time left on one line', () => {
    expect(
      transferLine({
        bytesDone: 1.2 * 2 ** 30,
        bytesTotal: 5 * 2 ** 30,
        bytesPerSec: 48 * 2 ** 20,
        etaSecs: 120,
        estimate: false,
      }),
    ).toBe('1.2 GiB of 5.0 GiB · 48 MiB/s · about 2 min left');
  });

  it('leaves out what is not known yet', () => {
    expect(
      transferLine({
        bytesDone: 0,
        bytesTotal: 5 * 2 ** 30,
        bytesPerSec: null,
        etaSecs: 720,
        estimate: true,
      }),
    ).toBe('0 bytes of 5.0 GiB · estimated: about 12 min');
    expect(
      transferLine({
        bytesDone: 10,
        bytesTotal: 100,
        bytesPerSec: 0,
        etaSecs: null,
        estimate: false,
      }),
    ).toBe('10 bytes of 100 bytes');
  });

  it('says the time left is being estimated until the speed is steady, and shows neither while stalled', () => {
    const measuring = {
      bytesDone: 10 * 2 ** 20,
      bytesTotal: 100 * 2 ** 20,
      bytesPerSec: 2 * 2 ** 20,
      etaSecs: null,
      estimate: false,
    };
    expect(transferLine(measuring)).toBe('10 MiB of 100 MiB · 2.0 MiB/s · estimating time left…');
    expect(transferLine({ ...measuring, etaSecs: 45 }, true)).toBe('10 MiB of 100 MiB');
  });

  it('gives whole percents and never 100 before the end', () => {
    expect(transferPercent({ bytesDone: 1_200, bytesTotal: 5_000 })).toBe(24);
    expect(transferPercent({ bytesDone: 4_999, bytesTotal: 5_000 })).toBe(99);
    expect(transferPercent({ bytesDone: 5_000, bytesTotal: 5_000 })).toBe(100);
    expect(transferPercent({ bytesDone: 5, bytesTotal: 0 })).toBe(0);
  });
});

describe('checklist words', () => {
  it('names the four checks and keeps unknown ids', () => {
    expect(['readable', 'complete', 'compatible', 'fits'].map(checkLabel)).toEqual([
      'Lifeboat can read it',
      'The file is complete',
      'It works with this instance',
      'It fits in this instance',
    ]);
    expect(checkLabel('signature')).toBe('signature');
  });

  it('gives each state a word and an icon', () => {
    const states = [true, false, null].map((ok) => checkState({ ok }));
    expect(states).toEqual(['true', 'false', 'unknown']);
    expect(states.map(checkWord)).toEqual(['OK', 'Problem', 'Not checked']);
    expect(states.map(checkIcon)).toEqual(['✓', '✗', '–']);
  });
});

describe('decideDrop', () => {
  it('takes the one dropped file', () => {
    expect(decideDrop(['/tmp/a.dump'], true)).toEqual({ path: '/tmp/a.dump' });
  });

  it('asks for one file at a time', () => {
    expect(decideDrop(['/tmp/a.dump', '/tmp/b.dump'], true)).toEqual({
      message: MANY_FILES_MESSAGE,
    });
    expect(MANY_FILES_MESSAGE).toMatch(/^Drop one file at a time/);
  });

  it('asks to choose an instance first', () => {
    expect(decideDrop(['/tmp/a.dump'], false)).toEqual({ message: NO_INSTANCE_MESSAGE });
    expect(decideDrop(['/tmp/a.dump', '/tmp/b.dump'], false)).toEqual({
      message: NO_INSTANCE_MESSAGE,
    });
    expect(NO_INSTANCE_MESSAGE).toMatch(/^Choose the instance to restore into first/);
  });

  it('ignores an empty drop', () => {
    expect(decideDrop([], true)).toBeNull();
    expect(decideDrop([''], false)).toBeNull();
  });
});

describe('baseName', () => {
  it('names a file by the last part of its path', () => {
    expect(baseName('/home/ada/a.dump')).toBe('a.dump');
    expect(baseName('C:\\x\\y.backup')).toBe('y.backup');
    expect(baseName('plain.tar')).toBe('plain.tar');
  });
});
