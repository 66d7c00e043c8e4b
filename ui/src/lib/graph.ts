/** Pure helpers for the data export and import: progress in words, and what a failure left behind. */

import type { ItemProgress, JobState } from '../api';
import { timeLeftPhrase } from './files';
import { formatExactCount } from './format';

/**
 * "1,200 of 5,000 nodes · 9,800 a second · about 2 min left", or "1,200 nodes deleted" when the
 * total is not known. A time left only once the engine says the pace is steady; until then, while
 * items move, "estimating time left…" (the rule uploads follow too).
 */
export function itemLine(progress: ItemProgress): string {
  const done = formatExactCount(progress.done);
  if (progress.total === null || progress.total <= 0) return `${done} ${progress.unit}`;
  const parts = [`${done} of ${formatExactCount(progress.total)} ${progress.unit}`];
  const moving = progress.perSec !== null && progress.perSec > 0;
  if (moving) parts.push(`${formatExactCount(progress.perSec as number)} a second`);
  if (progress.etaSecs !== null && progress.etaSecs >= 0) {
    parts.push(timeLeftPhrase(progress.etaSecs, false));
  } else if (moving && progress.done < progress.total) {
    parts.push('estimating time left…');
  }
  return parts.join(' · ');
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
