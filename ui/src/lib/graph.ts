/** Pure helpers for the data export and import: progress in words, and what a failure left behind. */

import type { ItemProgress, JobState } from '../api';
import { formatExactCount } from './format';

/** "1,200 of 5,000 nodes", or "1,200 nodes deleted" when the total is not known. */
export function itemLine(progress: ItemProgress): string {
  const done = formatExactCount(progress.done);
  if (progress.total === null || progress.total <= 0) return `${done} ${progress.unit}`;
  return `${done} of ${formatExactCount(progress.total)} ${progress.unit}`;
}

/** The steps of an import that change the instance's data. */
const CHANGING = new Set(['delete', 'nodes', 'relationships', 'finish', 'verify']);

/** Whether an import got as far as changing the instance's data (a failure may have left part of it). */
export function importTouchedData(job: JobState): boolean {
  return job.steps.some(
    (s) => CHANGING.has(s.id) && s.state !== 'pending' && s.state !== 'skipped',
  );
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
