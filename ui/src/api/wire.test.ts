import { describe, expect, it } from 'vitest';
import { brokenWire, DUMP_PATH, inspectionWire, TRUNCATED } from '../test/files';
import { baseName, toInspection } from './wire';

describe('toInspection', () => {
  it('keeps the known fields and drops extra ones', () => {
    const inspection = toInspection(inspectionWire(), DUMP_PATH);
    expect(inspection).not.toHaveProperty('sha256');
    expect(inspection.fileName).toBe('production-2025-11-20.dump');
    expect(inspection.formatLabel).toContain('database dump');
    expect(inspection.fullSize).toBe(5_000_000_000);
    expect(inspection.checks.map((c) => [c.id, c.ok])).toEqual([
      ['readable', true],
      ['complete', true],
      ['compatible', true],
      ['fits', null],
    ]);
    expect(inspection.canUpload).toBe(true);
  });

  it('fills in missing optional fields safely', () => {
    const inspection = toInspection(
      { format: 'tar', canUpload: true, checks: [{ id: 'readable' }, { ok: true }] },
      'C:\\Backups\\prod.tar',
    );
    expect(inspection.path).toBe('C:\\Backups\\prod.tar');
    expect(inspection.fileName).toBe('prod.tar');
    expect(inspection.formatLabel).toBe('Unknown kind of file');
    expect(inspection.databaseName).toBeNull();
    expect(inspection.backupTime).toBeNull();
    expect(inspection.fullSize).toBeNull();
    expect(inspection.compressed).toBe(false);
    expect(inspection.checks).toEqual([{ id: 'readable', ok: null, message: '' }]);
    expect(inspection.problems).toEqual([]);
    expect(inspection.canUpload).toBe(true);
  });

  it('never offers a restore for a half-formed reply or a file with problems', () => {
    expect(toInspection(null, DUMP_PATH).canUpload).toBe(false);
    expect(toInspection({ canUpload: 'yes' }, DUMP_PATH).canUpload).toBe(false);
    const broken = toInspection(brokenWire, DUMP_PATH);
    expect(broken.canUpload).toBe(false);
    expect(broken.problems).toEqual([TRUNCATED]);
    expect(toInspection({ ...inspectionWire(), problems: ['Too big.'] }, DUMP_PATH).canUpload).toBe(
      false,
    );
  });

  it('names a file by the last part of its path', () => {
    expect(baseName('/home/ada/a.dump')).toBe('a.dump');
    expect(baseName('C:\\x\\y.backup')).toBe('y.backup');
    expect(baseName('plain.tar')).toBe('plain.tar');
  });
});
