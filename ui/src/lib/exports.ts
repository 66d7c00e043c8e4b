/**
 * Pure helpers for the guided snapshot export: when a snapshot can be exported, what the watch is
 * doing in words, the found files in order, and the result. No DOM, no IPC.
 */

import type { ExportCandidate, ExportFile, SnapshotView, WatchedFolder } from '../api';
import { formatBytes } from './files';

/** The one sentence about what Aura's API allows, shown at the top of the export dialog. */
export const EXPORT_LIMITATION =
  "Aura's public API has no way to download a snapshot, so the export goes through the Aura console in your browser; Lifeboat then checks the file and keeps it where you choose.";

/** Why a snapshot cannot be exported, in words; null when it can. */
export function exportUnavailableReason(snapshot: SnapshotView): string | null {
  if (snapshot.status === 'Failed') return 'This snapshot failed, so there is nothing to export.';
  if (!snapshot.restorable)
    return 'This snapshot is still being taken. Export it once it is complete.';
  if (!snapshot.exportable) {
    return 'Aura exports only daily and on-demand snapshots, so this one cannot be exported.';
  }
  return null;
}

/** "Downloads", "Downloads and Exports", "Downloads, Exports and Backups". */
export function folderNames(folders: readonly WatchedFolder[]): string {
  const names = folders.map((f) => f.label || f.path);
  if (names.length === 0) return 'no folder';
  if (names.length === 1) return names[0] as string;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "Watching Downloads for a new backup file…". */
export function watchingSentence(folders: readonly WatchedFolder[]): string {
  if (folders.length === 0) {
    return 'Lifeboat could not find your Downloads folder. Choose the folder your browser saves to.';
  }
  return `Watching ${folderNames(folders)} for a new backup file…`;
}

/** A file found again (downloaded once more, or rewritten) replaces the earlier one; newest first. */
export function upsertCandidate(
  list: readonly ExportCandidate[],
  found: ExportCandidate,
): ExportCandidate[] {
  return [found, ...list.filter((c) => c.path !== found.path)];
}

/** The last folder of a path, for "Remove it from Downloads". */
export function folderLabel(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

/** The folder a file is in: "/home/ada/Downloads/x.backup" → "Downloads". */
export function containingFolderLabel(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 2] ?? filePath;
}

/** "4.0 MiB, CRC-32 1a2b3c4d, the same as the download." — what was checked about the kept copy. */
export function verifiedSentence(file: Pick<ExportFile, 'bytes' | 'crc32'>): string | null {
  if (file.bytes === null || file.crc32 === null) return null;
  return `${formatBytes(file.bytes)}, CRC-32 ${file.crc32}: read back and the same as the download.`;
}
