import type { FileRestorePlan, JobState, ResumableUpload } from '../api';
import { job, step } from './jobs';

export const DUMP_PATH = '/home/ada/backups/production-2025-11-20.dump';

/** `inspect_file`'s reply for a good dump, as the shell sends it (with a field the UI ignores). */
export function inspectionWire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path: DUMP_PATH,
    fileName: 'production-2025-11-20.dump',
    fileSize: 1_250_000_000,
    format: 'dump',
    formatLabel: 'Neo4j database dump (neo4j-admin database dump)',
    databaseName: 'neo4j',
    backupTime: '2025-11-20T23:00:00Z',
    neo4jVersion: '5',
    fullSize: 5_000_000_000,
    compressed: true,
    checks: [
      { id: 'readable', ok: true, message: 'Lifeboat could read the file.' },
      { id: 'complete', ok: true, message: 'The file is whole: nothing is missing at the end.' },
      { id: 'compatible', ok: true, message: 'Made with Neo4j 5, like Production.' },
      { id: 'fits', ok: null, message: 'Aura does not report free space for this plan.' },
    ],
    canUpload: true,
    problems: [],
    sha256: 'ignored-by-the-ui',
    ...overrides,
  };
}

export const TRUNCATED =
  'This file ends early — it was probably cut off while copying; copy it again.';

export const brokenWire = inspectionWire({
  checks: [
    { id: 'readable', ok: true, message: 'Lifeboat could read the start of the file.' },
    { id: 'complete', ok: false, message: 'The file ends after 812 MB of 1.3 GB.' },
    { id: 'compatible', ok: null, message: 'Not checked, because the file is incomplete.' },
    { id: 'fits', ok: null, message: 'Not checked, because the file is incomplete.' },
  ],
  canUpload: false,
  problems: [TRUNCATED],
});

export const filePlan: FileRestorePlan = {
  token: 'file-token-91c2',
  instanceId: 'a1b2c3d4',
  instanceName: 'Production',
  path: DUMP_PATH,
  fileName: 'production-2025-11-20.dump',
  fileSize: 1_250_000_000,
  formatLabel: 'Neo4j database dump (neo4j-admin database dump)',
  expiresAt: '2025-11-21T15:22:00Z',
};

export const uploadJob: JobState = job({
  id: 'job-upload',
  kind: 'upload',
  title: 'Restore Production from production-2025-11-20.dump',
  startedAt: '2025-11-21T15:12:00Z',
  steps: [
    step('counts-before', 'Count nodes and relationships'),
    step('safety-snapshot', 'Take a safety snapshot'),
    step('checksum', 'Check the file'),
    step('upload', 'Upload the file'),
    step('import', 'Load the data into Production'),
    step('verify', 'Check the data'),
  ],
});

export const resumable: ResumableUpload = {
  uploadId: 'upload-7',
  fileName: 'big.backup',
  path: '/data/big.backup',
  instanceId: 'e5f6a7b8',
  instanceName: 'Staging',
  percent: 72.4,
  uploaded: false,
};
