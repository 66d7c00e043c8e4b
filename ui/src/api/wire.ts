import type { Inspection, InspectionCheck } from './types';

/**
 * Tolerant readers for replies whose shape may grow or lose optional parts between shell versions.
 * Extra fields are dropped; missing optional ones get safe defaults. A missing `canUpload` reads as
 * false, and any listed problem blocks the restore, so a half-formed reply never offers a restore.
 */

type Loose = Record<string, unknown>;

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function strOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function numOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The last part of a path, with either kind of separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

function toCheck(raw: unknown): InspectionCheck | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const c = raw as Loose;
  if (typeof c.id !== 'string' || c.id === '') return null;
  return {
    id: c.id,
    ok: typeof c.ok === 'boolean' ? c.ok : null,
    message: str(c.message, ''),
  };
}

/** Reads `inspect_file`'s reply. `path` is what was asked for, used when the reply lacks it. */
export function toInspection(raw: unknown, path: string): Inspection {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Loose;
  const filePath = str(r.path, path);
  const format = str(r.format, 'unknown');
  const problems = Array.isArray(r.problems)
    ? r.problems.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    : [];
  const checks = Array.isArray(r.checks)
    ? r.checks.map(toCheck).filter((c): c is InspectionCheck => c !== null)
    : [];
  return {
    path: filePath,
    fileName: strOrNull(r.fileName) ?? baseName(filePath),
    fileSize: numOrNull(r.fileSize) ?? 0,
    format,
    formatLabel: strOrNull(r.formatLabel) ?? 'Unknown kind of file',
    databaseName: strOrNull(r.databaseName),
    backupTime: strOrNull(r.backupTime),
    neo4jVersion: strOrNull(r.neo4jVersion),
    fullSize: numOrNull(r.fullSize),
    compressed: r.compressed === true,
    checks,
    canUpload: r.canUpload === true && problems.length === 0,
    problems,
  };
}
