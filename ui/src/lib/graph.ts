/** Pure helpers for the data export and import: progress in words, and what a failure left behind. */

import type { ItemProgress, JobState } from '../api';
import { formatExactCount } from './format';

/** "1,200 of 5,000 nodes", or "1,200 nodes deleted" when the total is not known. */
export function itemLine(progress: ItemProgress): string {
  const done = formatExactCount(progress.done);
  if (progress.total === null || progress.total <= 0) return `${done} ${progress.unit}`;
  return `${done} of ${formatExactCount(progress.total)} ${progress.unit}`;
}

/**
 * Whether an import got as far as changing the instance's data (a failure may have left part of
 * it), as the job states it (`dataOverwritten`, set by the engine when the delete starts). Not
 * known counts as touched, so the help never claims nothing changed.
 */
export function importTouchedData(job: JobState): boolean {
  return job.dataOverwritten !== false;
}

/** What to do after a failed data export or import, in plain words. */
export function graphFailureHelp(job: JobState): string {
  const name = job.instanceName;
  if (job.kind === 'graph-export') {
    return `Nothing in ${name} was changed, and no file was saved under the name you chose. You can export again.`;
  }
  return importTouchedData(job)
    ? `${name} may hold only part of the data now. Import the file again, or restore the safety snapshot from the snapshot list if one was taken.`
    : `Nothing in ${name} was changed. Check the file and the database login, then try again.`;
}
